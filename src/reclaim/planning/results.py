"""Typed results of the planning engine: one frozen dataclass per table of figures.

Modelled on pandapower's `res_*` tables and WNTR's simulation results: figures are attributes,
so a misspelt figure is a mypy error, not a KeyError at run time. A figure is a float for one
plan, or an array (one value per sample) in a sensitivity run. `to_json` gives the JSON of
`reclaim plan run --json` and of the runs kept by `POST /plans/run`: keys as before (a field's
`json` metadata keeps a key that is no Python name, e.g. `1e4_m3_per_year`), new figures only add
keys. `flat_figures` lists every figure under its dotted key (`2030.demand.by_use.<id>.m3_per_day`),
the keys a plan's `published` block names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reclaim.units import Number as Values

SIGNIFICANT_DIGITS = 12
"""JSON keeps 12 significant digits: drops binary noise (7.22 − 5.08 = 2.1399999…)."""
MERGE = "*"
"""`json` metadata of a mapping whose entries sit beside the other keys (pump stations)."""


def _json_key(name: str | None) -> dict[str, str | None]:
    """Metadata: the field's JSON key (None: left out, e.g. a horizon's year, its key already)."""
    return {"json": name}


@dataclass(frozen=True, kw_only=True)
class UseFigures:
    """Demand and delivery of one use in one horizon."""

    category: str
    priority: int
    days_per_year: int
    months: tuple[int, ...]
    """Calendar months (1–12) in which the use draws water on at least one day."""
    days_by_month: tuple[int, ...]
    m3_per_day: Values
    """Max-day demand."""
    annual_1e4_m3: Values = field(metadata=_json_key("1e4_m3_per_year"))
    delivered_max_day_m3_per_day: Values
    delivered_1e4_m3_per_year: Values
    shortfall_1e4_m3_per_year: Values
    outside_cap: bool
    coverage: Values | None = None
    area_ha: Values | None = None
    rate_l_per_m2_day: Values | None = None
    price_yuan_per_m3: float | None = None


@dataclass(frozen=True, kw_only=True)
class SewageInputs:
    """The sewage-forecast inputs used in one horizon (None where the driver needs none)."""

    population_1e4_persons: Values | None = None
    domestic_l_per_person_day: Values | None = None
    industrial_land_ha: Values | None = None
    industrial_index_m3_per_km2_day: Values | None = None
    discharge_factor_domestic: Values | None = None
    discharge_factor_industrial: Values | None = None
    water_supply_m3_per_day: Values | None = None
    discharge_factor: Values | None = None
    collection_rate: Values | None = None
    load_rate: Values | None = None
    measured_m3_per_day: Values | None = None
    unforeseen_factor: Values | None = None
    reuse_cap: Values


@dataclass(frozen=True, kw_only=True)
class DemandFigures:
    total_m3_per_day: Values
    """Sum of every use's max-day demand, as plans print it."""
    total_1e4_m3_per_day: Values
    total_1e4_m3_per_year: Values
    industrial_m3_per_day: Values
    industrial_1e4_m3_per_year: Values
    within_cap_1e4_m3_per_day: Values
    """Max-day demand of the uses served from the reclaimed supply (not ecological release)."""
    busiest_day_m3_per_day: Values
    """Largest demand on one calendar day (uses of different seasons never add up)."""
    by_use: dict[str, UseFigures]


@dataclass(frozen=True, kw_only=True)
class MonthFigures:
    """Volumes of one calendar month, allocated day by day by priority."""

    month: int
    days: int
    demand_1e4_m3: Values
    delivered_1e4_m3: Values
    shortfall_1e4_m3: Values


@dataclass(frozen=True, kw_only=True)
class PlantFigures:
    """One plant in one horizon: its share of the sewage and the reclaimed water it can give."""

    in_service: bool
    reclaimed_capacity_1e4_m3_per_day: float
    sewage_1e4_m3_per_day: Values
    cap_supply_1e4_m3_per_day: Values
    """Reuse cap × its sewage."""
    supply_1e4_m3_per_day: Values
    """min(cap × sewage, reclaimed capacity in service)."""
    limited_by_capacity: Values
    demand_1e4_m3_per_day: Values | None = None
    """Max-day demand of the uses that name this plant."""
    balance_1e4_m3_per_day: Values | None = None


@dataclass(frozen=True, kw_only=True)
class PlantsFigures:
    in_service: list[str]
    reclaimed_capacity_1e4_m3_per_day: float
    sewage_capacity_1e4_m3_per_day: float
    covers_supply: Values
    """The reclaimed capacity in service reaches the cap × sewage (capacity does not bind)."""
    sewage_split: str
    """How the sewage is shared between plants: "plant_load", "sewage_capacity" or
    "reclaimed_capacity" (in proportion, when the plan does not give each plant's inflow)."""
    by_plant: dict[str, PlantFigures]


@dataclass(frozen=True, kw_only=True)
class ZoneFigures:
    supply_1e4_m3_per_day: Values
    demand_1e4_m3_per_day: Values
    balance_1e4_m3_per_day: Values


@dataclass(frozen=True, kw_only=True)
class PumpStationFigures:
    """A station's peak-hour rate against the rate the uses it serves need (m³/h)."""

    built: bool
    capacity_peak_hour_m3_per_hour: float | None = None
    head_m: float | None = None
    required_peak_hour_m3_per_hour: Values | None = None
    adequate: Values | None = None


@dataclass(frozen=True, kw_only=True)
class PumpStationsFigures:
    peak_hour_factor: float
    required_total_peak_hour_m3_per_hour: Values
    total_capacity_peak_hour_m3_per_hour: float
    stations: dict[str, PumpStationFigures] = field(metadata=_json_key(MERGE))


@dataclass(frozen=True, kw_only=True)
class PipesFigures:
    length_km: float
    cumulative_length_km: float
    by_dn_km: dict[str, float]


@dataclass(frozen=True, kw_only=True)
class EconomicsFigures:
    revenue_1e4_yuan_per_year: Values
    unpriced_uses: list[str]
    freshwater_displaced_1e4_m3_per_year: Values
    freshwater_cost_saved_1e4_yuan_per_year: Values | None = None


@dataclass(frozen=True, kw_only=True)
class HorizonFigures:
    """Every figure of one horizon."""

    year: int = field(metadata=_json_key(None))
    demand: DemandFigures
    sewage_driver: str
    sewage_inputs: SewageInputs
    domestic_1e4_m3_per_day: Values | None = None
    industrial_1e4_m3_per_day: Values | None = None
    water_supply_1e4_m3_per_day: Values | None = None
    sewage_1e4_m3_per_day: Values
    sewage_1e4_m3_per_year: Values
    cap_supply_1e4_m3_per_day: Values
    """Reuse cap × sewage treated, before the plants' capacity is applied."""
    reclaimed_supply_1e4_m3_per_day: Values
    """What can be delivered: per plant min(cap × sewage, reclaimed capacity in service)."""
    balance_1e4_m3_per_day: Values
    """Max-day balance: reclaimed supply − max-day demand of the uses within the cap."""
    utilisation_rate: Values
    """Annual demand ÷ annual sewage treated (as plans publish it, uncapped)."""
    utilisation_rate_capped: Values
    """Annual delivered ÷ annual sewage treated, delivery capped at supply day by day."""
    delivered_1e4_m3_per_year: Values
    shortfall_1e4_m3_per_year: Values
    months: list[MonthFigures]
    plants: PlantsFigures
    zones: dict[str, ZoneFigures] = field(default_factory=dict)
    target_utilisation_rate: float | None = None
    meets_target: Values | None = None
    pump_stations: PumpStationsFigures | None = None
    pipes: PipesFigures | None = None
    investment_by_item_1e4_yuan: dict[str, float] | None = None
    investment_1e4_yuan: float | None = None
    economics: EconomicsFigures | None = None


@dataclass(frozen=True, kw_only=True)
class TotalFigures:
    pipes: PipesTotal
    investment_1e4_yuan: float


@dataclass(frozen=True, kw_only=True)
class PipesTotal:
    length_km: float


@dataclass(frozen=True)
class PlanFigures:
    """The figures of every horizon and, with facilities, the totals over the plan."""

    horizons: dict[int, HorizonFigures]
    total: TotalFigures | None = None

    def horizon(self, year: int) -> HorizonFigures:
        return self.horizons[year]

    def to_json(self) -> dict[str, Any]:
        """`{"<year>": {...}, "total": {...}}` in plain JSON types."""
        plain: dict[str, Any] = {str(year): to_json(h) for year, h in self.horizons.items()}
        if self.total is not None:
            plain["total"] = to_json(self.total)
        return plain


def to_json(value: Any) -> Any:
    """Plain JSON types: dataclasses under their JSON keys (None fields left out), numbers
    rounded to 12 significant digits."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            key = f.metadata.get("json", f.name)
            item = getattr(value, f.name)
            if item is None or key is None:
                continue
            if key == MERGE:
                plain.update(to_json(item))
            else:
                plain[key] = to_json(item)
        return plain
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, np.generic | float):
        return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")
    return value


def flat_figures(plain: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every number of a `to_json` tree under its dotted key (exact keys: use ids may hold dots,
    and are matched whole, never by prefix)."""
    flat: dict[str, float] = {}
    for key, value in plain.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_figures(value, dotted + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[dotted] = float(value)
    return flat
