"""Compute every figure of a reclaimed-water plan from its scenario.

`compute_figures` is the model: NumPy all the way, so the same code computes one plan (floats)
or a million samples of it (arrays, see `sensitivity`). `run_plan` adds the audit against the
figures the plan document prints. Results are typed (`reclaim.planning.results`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from reclaim.errors import InputError
from reclaim.planning import facilities
from reclaim.planning.allocation import allocate_by_priority, allocate_year
from reclaim.planning.audit import AssumedInput, Discrepancy, assumed_inputs, audit_plan
from reclaim.planning.calendar import (
    MONTH_DAYS,
    DayMask,
    centred_mask,
    days_by_month,
    month_centre,
    months_mask,
    periods,
    season_centre,
)
from reclaim.planning.demand import use_annual_1e4_m3, use_max_day_m3_per_day
from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.results import (
    DemandFigures,
    EconomicsFigures,
    HorizonFigures,
    MonthFigures,
    PipesTotal,
    PlanFigures,
    PlantFigures,
    PlantsFigures,
    TotalFigures,
    UseFigures,
    ZoneFigures,
    to_json,
)
from reclaim.planning.rounding import Rounder, RoundingMode
from reclaim.planning.scenario import Scenario, Use
from reclaim.planning.supply import Supply, forecast_supply
from reclaim.units import DAYS_PER_YEAR, M3_PER_1E4_M3

INDUSTRIAL_CATEGORY = "industrial"


def use_days(scenario: Scenario, use: Use, year: int) -> DayMask:
    """The days of the year on which the use draws water: its months (or `days_per_year` of
    them, centred on their middle), else its days centred on a month or the irrigation season."""
    days = use.days_per_year
    count = days.get(year, DAYS_PER_YEAR) if isinstance(days, dict) else days
    if use.months is not None:
        within = months_mask(use.months)
        if count is None:
            return within
        if count > within.sum():
            raise InputError(
                f"uses.{use.id}.days_per_year",
                count,
                f"at most the {int(within.sum())} days of its months {use.months}",
            )
        return centred_mask(count, season_centre(use.months, f"uses.{use.id}.months"))
    count = count or DAYS_PER_YEAR
    if use.centred_on_month is not None:
        centre = month_centre(use.centred_on_month)
    else:
        season = scenario.calendar.irrigation_months
        if season is None:
            raise InputError(
                "calendar.irrigation_months",
                None,
                f"needed to place the {count} days of use {use.id!r} (read a scenario with "
                "reclaim.io.scenario_file, which fills the published default)",
            )
        centre = season_centre(season)
    return centred_mask(count, centre)


def _price(use: Use, year: int) -> float | None:
    price = use.price_yuan_per_m3
    return float(price[year]) if isinstance(price, dict) else price


def _sum(values: Any) -> Values:
    return sum(values, start=np.float64(0.0))


def _busiest(per_period: Sequence[Values]) -> Values:
    busiest: Values = np.float64(0.0)
    for demand in per_period:
        busiest = np.maximum(busiest, demand)
    return busiest


def compute_horizon(
    scenario: Scenario, year: int, inputs: Inputs, rounder: Rounder
) -> HorizonFigures:
    """All figures of one horizon: demand, supply, balance, utilisation, allocation."""
    uses = scenario.uses
    masks = {u.id: use_days(scenario, u, year) for u in uses}
    days = {u: int(mask.sum()) for u, mask in masks.items()}
    daily = {u.id: use_max_day_m3_per_day(u, year, inputs, rounder) for u in uses}
    annual = {u: use_annual_1e4_m3(daily[u], days[u], rounder) for u in daily}
    outside = {u.id for u in uses if u.outside_cap}
    within = [u.id for u in uses if not u.outside_cap]
    priorities = {u.id: u.priority for u in uses}

    supply = forecast_supply(scenario, year, inputs, rounder)
    supply_m3_per_day = supply.reclaimed_supply_1e4_m3_per_day * M3_PER_1E4_M3
    effluent_m3_per_day = supply.sewage_1e4_m3_per_day * M3_PER_1E4_M3
    year_periods = periods(masks)
    allocation = allocate_year(
        supply_m3_per_day, effluent_m3_per_day, daily, priorities, outside, year_periods
    )
    max_day = allocate_by_priority(supply_m3_per_day, {u: daily[u] for u in within}, priorities)
    max_day |= allocate_by_priority(
        effluent_m3_per_day - _sum(max_day.values()), {u: daily[u] for u in outside}, priorities
    )
    # Delivered = demand as printed − what was not delivered: the same figure on the same basis,
    # so a year without shortage shows none, whatever the rounding.
    delivered = {
        u: rounder("use_1e4_m3_per_year", annual[u] - allocation.unmet_m3[u] / M3_PER_1E4_M3)
        for u in daily
    }
    by_use = {
        u.id: UseFigures(
            category=u.category,
            priority=u.priority,
            days_per_year=days[u.id],
            months=tuple(m + 1 for m, n in enumerate(days_by_month(masks[u.id])) if n),
            days_by_month=days_by_month(masks[u.id]),
            m3_per_day=daily[u.id],
            annual_1e4_m3=annual[u.id],
            delivered_max_day_m3_per_day=max_day[u.id],
            delivered_1e4_m3_per_year=delivered[u.id],
            shortfall_1e4_m3_per_year=annual[u.id] - delivered[u.id],
            outside_cap=u.outside_cap,
            coverage=inputs.use(u, "coverage", year) if u.coverage is not None else None,
            area_ha=inputs.use(u, "area_ha", year) if u.driver == "area" else None,
            rate_l_per_m2_day=inputs.use(u, "rate_l_per_m2_day", year)
            if u.driver == "area"
            else None,
            price_yuan_per_m3=_price(u, year),
        )
        for u in uses
    }
    industrial = [u.id for u in uses if u.category == INDUSTRIAL_CATEGORY]
    total_m3_per_day = _sum(daily.values())
    total_1e4_m3_per_year = _sum(annual.values())
    within_1e4 = rounder("demand_1e4_m3_per_day", _sum(daily[u] for u in within) / M3_PER_1E4_M3)
    day_demand = [_sum(daily[u] for u in p.uses) for p in year_periods]
    demand = DemandFigures(
        total_m3_per_day=total_m3_per_day,
        total_1e4_m3_per_day=rounder("demand_1e4_m3_per_day", total_m3_per_day / M3_PER_1E4_M3),
        total_1e4_m3_per_year=total_1e4_m3_per_year,
        industrial_m3_per_day=_sum(daily[i] for i in industrial),
        industrial_1e4_m3_per_year=_sum(annual[i] for i in industrial),
        within_cap_1e4_m3_per_day=within_1e4,
        busiest_day_m3_per_day=_busiest(day_demand),
        by_use=by_use,
    )
    delivered_total = _sum(delivered.values())
    sewage_year = supply.sewage_1e4_m3_per_year
    target = scenario.targets_utilisation.get(year)
    capped = rounder("utilisation_rate", delivered_total / sewage_year)
    return HorizonFigures(
        year=year,
        demand=demand,
        sewage_driver=scenario.sewage.driver,
        sewage_inputs=supply.inputs,
        domestic_1e4_m3_per_day=supply.domestic_1e4_m3_per_day,
        industrial_1e4_m3_per_day=supply.industrial_1e4_m3_per_day,
        water_supply_1e4_m3_per_day=supply.water_supply_1e4_m3_per_day,
        sewage_1e4_m3_per_day=supply.sewage_1e4_m3_per_day,
        sewage_1e4_m3_per_year=sewage_year,
        cap_supply_1e4_m3_per_day=supply.cap_supply_1e4_m3_per_day,
        reclaimed_supply_1e4_m3_per_day=supply.reclaimed_supply_1e4_m3_per_day,
        balance_1e4_m3_per_day=supply.reclaimed_supply_1e4_m3_per_day - within_1e4,
        utilisation_rate=rounder("utilisation_rate", total_1e4_m3_per_year / sewage_year),
        utilisation_rate_capped=capped,
        delivered_1e4_m3_per_year=delivered_total,
        shortfall_1e4_m3_per_year=total_1e4_m3_per_year - delivered_total,
        months=_months(daily, masks, allocation.delivered_by_month_m3),
        plants=_plants(scenario, supply, daily),
        zones=_zones(scenario, supply.plants, daily),
        target_utilisation_rate=target,
        meets_target=None if target is None else np.asarray(capped >= target)[()],
    )


def _months(
    daily: Mapping[str, Values], masks: Mapping[str, DayMask], delivered: Mapping[str, list[Values]]
) -> list[MonthFigures]:
    """Demand, delivery and shortfall month by month (万 m³)."""
    month_days = {u: days_by_month(mask) for u, mask in masks.items()}
    months = []
    for m in range(12):
        demand = _sum(daily[u] * month_days[u][m] for u in daily) / M3_PER_1E4_M3
        given = _sum(delivered[u][m] for u in daily) / M3_PER_1E4_M3
        months.append(
            MonthFigures(
                month=m + 1,
                days=MONTH_DAYS[m],
                demand_1e4_m3=demand,
                delivered_1e4_m3=given,
                shortfall_1e4_m3=demand - given,
            )
        )
    return months


def _plants(scenario: Scenario, supply: Supply, daily: Mapping[str, Values]) -> PlantsFigures:
    """Plants in service, their capacity, and the balance of each plant that uses name."""
    served: dict[str, list[str]] = {}
    for use in scenario.uses:
        if use.plant is not None and not use.outside_cap:
            served.setdefault(use.plant, []).append(use.id)
    plants = supply.plants
    by_plant = {}
    for plant_id, figures in plants.items():
        if plant_id in served:
            demand = _sum(daily[u] for u in served[plant_id]) / M3_PER_1E4_M3
            figures = replace(
                figures,
                demand_1e4_m3_per_day=demand,
                balance_1e4_m3_per_day=figures.supply_1e4_m3_per_day - demand,
            )
        by_plant[plant_id] = figures
    running = [p for p, f in plants.items() if f.in_service]
    capacity = sum(plants[p].reclaimed_capacity_1e4_m3_per_day for p in running)
    sewage_capacity = sum(
        float(p.sewage_capacity_m3_per_day or 0.0) for p in scenario.plants if p.id in running
    )
    return PlantsFigures(
        in_service=running,
        reclaimed_capacity_1e4_m3_per_day=capacity,
        sewage_capacity_1e4_m3_per_day=sewage_capacity / M3_PER_1E4_M3,
        covers_supply=np.asarray(capacity >= supply.cap_supply_1e4_m3_per_day)[()],
        sewage_split=supply.sewage_split,
        by_plant=by_plant,
    )


def _zones(
    scenario: Scenario, plants: Mapping[str, PlantFigures], daily: Mapping[str, Values]
) -> dict[str, ZoneFigures]:
    """Supply of the plants and max-day demand of the uses (within the cap) of each zone."""
    zones = sorted(
        {p.zone for p in scenario.plants if p.zone} | {u.zone for u in scenario.uses if u.zone}
    )
    found = {}
    for zone in zones:
        supply = _sum(plants[p.id].supply_1e4_m3_per_day for p in scenario.plants if p.zone == zone)
        demand = (
            _sum(daily[u.id] for u in scenario.uses if u.zone == zone and not u.outside_cap)
            / M3_PER_1E4_M3
        )
        found[zone] = ZoneFigures(
            supply_1e4_m3_per_day=supply,
            demand_1e4_m3_per_day=demand,
            balance_1e4_m3_per_day=supply - demand,
        )
    return found


def _economics(scenario: Scenario, horizon: HorizonFigures) -> EconomicsFigures:
    """Annual revenue at the prices given, freshwater displaced and the cost it saves."""
    revenue: Values = np.float64(0.0)
    unpriced = []
    for use_id, use in horizon.demand.by_use.items():
        if use.price_yuan_per_m3 is None:
            unpriced.append(use_id)
            continue
        revenue = revenue + use.delivered_1e4_m3_per_year * use.price_yuan_per_m3
    displaced = horizon.delivered_1e4_m3_per_year
    cost = scenario.economics.freshwater_cost_yuan_per_m3
    return EconomicsFigures(
        revenue_1e4_yuan_per_year=revenue,
        unpriced_uses=unpriced,
        freshwater_displaced_1e4_m3_per_year=displaced,
        freshwater_cost_saved_1e4_yuan_per_year=None if cost is None else displaced * cost,
    )


def _with_facilities(scenario: Scenario, horizon: HorizonFigures) -> HorizonFigures:
    year = horizon.year
    peak = scenario.peak_hour_factor
    daily = {u: e.m3_per_day for u, e in horizon.demand.by_use.items()}
    items = facilities.investment_1e4_yuan(scenario, year)
    horizon = replace(
        horizon,
        pump_stations=None
        if peak is None
        else facilities.pump_stations(scenario, year, daily, peak),
        pipes=facilities.pipes_laid(scenario, year),
        investment_by_item_1e4_yuan=items,
        investment_1e4_yuan=sum(items.values()),
    )
    return replace(horizon, economics=_economics(scenario, horizon))


def compute_figures(
    scenario: Scenario,
    rounding: RoundingMode = "full",
    overrides: Mapping[str, Values] | None = None,
    with_facilities: bool = True,
) -> PlanFigures:
    """Every figure per horizon and, with facilities, the plan totals."""
    rounder = Rounder(rounding, scenario.rounding)
    inputs = Inputs(scenario, overrides)
    horizons = {}
    for year in scenario.horizons:
        horizon = compute_horizon(scenario, year, inputs, rounder)
        horizons[year] = _with_facilities(scenario, horizon) if with_facilities else horizon
    if not with_facilities:
        return PlanFigures(horizons)
    total = TotalFigures(
        pipes=PipesTotal(
            length_km=sum(h.pipes.length_km for h in horizons.values() if h.pipes is not None)
        ),
        investment_1e4_yuan=sum(h.investment_1e4_yuan or 0.0 for h in horizons.values()),
    )
    return PlanFigures(horizons, total)


@dataclass(frozen=True)
class PlanResult:
    """The figures of a plan, how they were rounded, the audit of the published document and
    the inputs the plan does not print."""

    scenario: Scenario
    rounding: RoundingMode
    figures: PlanFigures
    audit: list[Discrepancy] = field(default_factory=list)
    assumed: list[AssumedInput] = field(default_factory=list)
    plants_fitness: dict[str, Any] = field(default_factory=dict)
    """Per plant with an effluent profile: the quality module's fitness matrix, as a dict."""

    def horizon(self, year: int) -> HorizonFigures:
        """The figures of one horizon."""
        return self.figures.horizon(year)

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON types: horizons as keys, units in key names, the audit as a list."""
        return {
            "region": self.scenario.region.model_dump(),
            "rounding": self.rounding,
            **self.figures.to_json(),
            "audit": [d.to_dict() for d in self.audit],
            "assumed_inputs": [to_json(a) for a in self.assumed],
            **({"plants_fitness": self.plants_fitness} if self.plants_fitness else {}),
        }


def run_plan(
    scenario: Scenario,
    rounding: RoundingMode = "full",
    plants_fitness: Mapping[str, Any] | None = None,
) -> PlanResult:
    """Compute the plan and audit the figures its document publishes.

    The audit always recomputes with the plan's own rounding, so that what it reports are the
    document's inconsistencies, not the digits it dropped. `plants_fitness` (judged by the
    quality module from each plant's effluent profile, see `reclaim.io.scenario_file`) is
    carried into the result as given.
    """
    figures = compute_figures(scenario, rounding)
    as_printed = None
    if scenario.published:
        as_printed = figures if rounding == "plan" else compute_figures(scenario, "plan")
    audit = audit_plan(scenario, as_printed)
    return PlanResult(
        scenario, rounding, figures, audit, assumed_inputs(scenario), dict(plants_fitness or {})
    )
