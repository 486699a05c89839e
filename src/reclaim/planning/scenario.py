"""The planning scenario: every input of a reclaimed-water special plan, validated.

A scenario is written as YAML (see examples/) and read at the edge by
`reclaim.io.scenario_file.load_scenario`; this module only defines and checks its shape.
Units are in field names and SI inside: areas in ha are the one planning convention kept,
because plans print them so; `"<number> <unit>"` strings are converted or refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    model_validator,
)

from reclaim.errors import InputError
from reclaim.units import HOURS_PER_DAY, parse_quantity

Year = Annotated[int, Field(ge=1900, le=2200)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _quantity(field_unit: str) -> BeforeValidator:
    """Accept a number, or a string "<number> <unit>" converted into `field_unit`."""

    def convert(value: object) -> object:
        if isinstance(value, str):
            return parse_quantity(value, field_unit)
        return value

    return BeforeValidator(convert)


AreaHa = Annotated[NonNegativeFloat, _quantity("ha")]
LengthM = Annotated[PositiveFloat, _quantity("m")]
FlowM3PerDay = Annotated[NonNegativeFloat, _quantity("m3_per_day")]
FlowM3PerHour = Annotated[NonNegativeFloat, _quantity("m3_per_hour")]
IndexM3PerKm2Day = Annotated[NonNegativeFloat, _quantity("m3_per_km2_day")]
RateLPerM2Day = Annotated[NonNegativeFloat, _quantity("l_per_m2_day")]
RateLPerPersonDay = Annotated[NonNegativeFloat, _quantity("l_per_person_day")]


class Strict(BaseModel):
    """Base of every scenario block: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
    name_zh: str
    name_en: str
    illustrative: bool = False
    """True when the figures are made up to illustrate, not taken from a plan."""


class PopulationProjection(Strict):
    """The growth model a plan says it used; the audit checks the populations against it."""

    base_year: Year
    base_1e4_persons: PositiveFloat
    growth_rate_per_year: Annotated[float, Field(gt=-0.2, lt=0.2)]


class Sewage(Strict):
    """Inputs of the sewage forecast (seed 001 §4.2): domestic and industrial water → sewage."""

    population_1e4_persons: dict[Year, NonNegativeFloat]
    domestic_l_per_person_day: dict[Year, RateLPerPersonDay]
    industrial_land_ha: dict[Year, AreaHa]
    industrial_index_m3_per_km2_day: dict[Year, IndexM3PerKm2Day]
    discharge_factor_domestic: Fraction
    discharge_factor_industrial: Fraction
    unforeseen_factor: Annotated[float, Field(ge=0.0, le=1.0)]
    """Share added for infiltration and village sewage (seed 001 §4.2(2): 10 %)."""
    reuse_cap: Fraction | None = None
    """Share of sewage treated that may be reclaimed; default from coefficients.yaml (0.8)."""
    population_projection: PopulationProjection | None = None


Driver = Literal["flow", "area", "count"]


class Use(Strict):
    """One reclaimed-water use with its demand driver.

    driver "flow": a named user's daily flow; "area": area × coverage × rate per m²;
    "count": units (persons, vehicles…) × coverage × rate per unit.
    """

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    category: str
    name_zh: str
    name_en: str
    driver: Driver
    priority: Annotated[int, Field(ge=1, le=9)]
    """1 is served first when supply is short (seed 001 §5.2: industry, then parks and roads)."""
    days_per_year: Annotated[int, Field(ge=1, le=366)] = 365
    flow_m3_per_day: dict[Year, FlowM3PerDay] | None = None
    area_ha: dict[Year, AreaHa] | None = None
    units: dict[Year, NonNegativeFloat] | None = None
    coverage: dict[Year, Fraction] | None = None
    rate_l_per_m2_day: RateLPerM2Day | None = None
    rate_l_per_unit_day: NonNegativeFloat | None = None
    price_yuan_per_m3: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _driver_has_its_inputs(self) -> Use:
        needed: dict[str, tuple[str, ...]] = {
            "flow": ("flow_m3_per_day",),
            "area": ("area_ha", "coverage", "rate_l_per_m2_day"),
            "count": ("units", "coverage", "rate_l_per_unit_day"),
        }
        missing = [name for name in needed[self.driver] if getattr(self, name) is None]
        if missing:
            raise InputError(
                missing[0],
                None,
                f"driver {self.driver!r} needs {', '.join(missing)}"
                " (a rate without a published default must be given)",
            )
        return self


class Plant(Strict):
    """A reclamation plant: its sewage capacity and reclaimed-water capacity."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    name_zh: str
    name_en: str
    sewage_capacity_m3_per_day: FlowM3PerDay | None = None
    reclaimed_capacity_m3_per_day: FlowM3PerDay
    in_service_from: Year | None = None
    """First horizon in which the plant delivers; None for a plant already running."""
    node: str | None = None
    effluent_profile: str | None = None
    """Name of an effluent profile (quality data) the plant is designed to meet."""


class RenamedFieldWarning(FutureWarning):
    """A scenario field was read under its old name; the message names the new one."""


def read_renamed(
    data: object, where: str, old: str, new: str, convert: Callable[[object], object]
) -> object:
    """Read a field written under its `old` name as `new` (its value through `convert`),
    warning with the new name, so that scenario files and stored plan runs keep working."""
    if not isinstance(data, dict) or old not in data:
        return data
    if new in data:
        raise InputError(f"{where}.{old}", data[old], f"renamed {new}; give only {new}")
    warnings.warn(
        f"{where}.{old} is renamed {new}; read as {new} (write {new} in the scenario)",
        RenamedFieldWarning,
        stacklevel=2,
    )
    renamed = {key: value for key, value in data.items() if key != old}
    renamed[new] = convert(data[old])
    return renamed


def _daily_rate_as_hourly(per_year: object) -> object:
    """The old `capacity_m3_per_day` was read by planning as the peak-hour rate written per day
    (seed 001 §4.3.1: 泵站规模按最高日最大时流量计算); as m³/h it is that ÷ 24."""
    if not isinstance(per_year, dict):
        return per_year
    return {
        year: parse_quantity(value, "m3_per_day") / HOURS_PER_DAY
        if isinstance(value, str)
        else value / HOURS_PER_DAY
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for year, value in per_year.items()
    }


class PumpStation(Strict):
    """A pump station. Its design size per horizon is given in exactly one of two ways, named by
    what it is; a horizon left out means not yet built. Planning and the network read it through
    `reclaim.planning.facilities.peak_hour_capacity_m3_per_hour`."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    name_zh: str
    name_en: str
    plant: str | None = None
    capacity_peak_hour_m3_per_hour: dict[Year, FlowM3PerHour] | None = None
    """The rate it pumps at the peak hour of the max day, the way plans size stations (seed
    001 §4.3.1); a plan's "5000 m³/d" station may be written "5000 m3/d" (read as ÷ 24)."""
    capacity_max_day_m3_per_day: dict[Year, FlowM3PerDay] | None = None
    """The max-day flow it is built for; at the peak hour it pumps this × peak_hour_factor."""
    head_m: PositiveFloat | None = None
    serves: list[str] | None = None
    """Use ids this station supplies; its required rate is their max-day demand × peak factor."""
    node: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_capacity_name(cls, data: object) -> object:
        where = f"pump_stations.{data.get('id')}" if isinstance(data, dict) else "pump_stations"
        return read_renamed(
            data,
            where,
            "capacity_m3_per_day",
            "capacity_peak_hour_m3_per_hour",
            _daily_rate_as_hourly,
        )

    @model_validator(mode="after")
    def _one_capacity(self) -> PumpStation:
        given = [
            name
            for name in ("capacity_peak_hour_m3_per_hour", "capacity_max_day_m3_per_day")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise InputError(
                "capacity_peak_hour_m3_per_hour",
                None if not given else "both given",
                "exactly one of capacity_peak_hour_m3_per_hour (peak-hour rate) or"
                " capacity_max_day_m3_per_day (max-day flow)",
            )
        return self

    @property
    def built_in(self) -> set[int]:
        """Horizons in which the station exists."""
        return set(self.capacity_peak_hour_m3_per_hour or self.capacity_max_day_m3_per_day or {})


class Pipe(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    road: str
    dn_mm: Annotated[int, Field(gt=0, le=4000)]
    length_m: LengthM
    phase: Year
    """Horizon by which the pipe is laid."""
    hazen_williams_c: Annotated[float, Field(gt=0, le=200)] | None = None


class NodeDemand(Strict):
    use: str
    share: Fraction


class Node(Strict):
    id: str
    elevation_m: float
    x: float | None = None
    y: float | None = None
    demands: list[NodeDemand] = []


class Link(Strict):
    """Where a scenario pipe runs: its end nodes. A link whose `pipe` is not in `pipes` (the
    plan lists only new pipes) is an existing pipe and gives its own DN and length."""

    pipe: str
    from_node: str
    to_node: str
    dn_mm: Annotated[int, Field(gt=0, le=4000)] | None = None
    length_m: LengthM | None = None
    hazen_williams_c: Annotated[float, Field(gt=0, le=200)] | None = None
    check_valve: bool = False
    """Flow only from `from_node` to `to_node` (e.g. the bypass of an in-line booster)."""


class NetworkSource(Strict):
    """A pump station feeding the network: it lifts from its plant's clear well (at the ground
    elevation of `node`) or, for an in-line booster, from `suction_node`, into `node`."""

    plant: str
    pump_station: str
    node: str
    suction_node: str | None = None
    head_m: PositiveFloat | None = None
    """Design head when the pump station gives none (e.g. a booster the plan leaves unsized)."""


class NetworkTank(Strict):
    """A storage tank, joined to the network by links like a node. The 24 h operations run
    fills and drains it; the peak-hour steady solve holds it at its initial level."""

    id: str
    elevation_m: float
    """Ground (bottom) elevation; levels are above it."""
    init_level_m: NonNegativeFloat
    min_level_m: NonNegativeFloat = 0.0
    max_level_m: PositiveFloat
    diameter_m: PositiveFloat
    x: float | None = None
    y: float | None = None
    in_service_from: Year | None = None

    @model_validator(mode="after")
    def _levels_in_order(self) -> NetworkTank:
        if not self.min_level_m <= self.init_level_m <= self.max_level_m:
            raise InputError(
                "init_level_m",
                self.init_level_m,
                f"between min_level_m {self.min_level_m:g} and max_level_m {self.max_level_m:g}",
            )
        return self


class Network(Strict):
    """Topology for hydraulics: nodes with elevations and the share of each use they draw,
    and the end nodes of each scenario pipe. `sources` ties plants and pump stations to nodes."""

    nodes: list[Node]
    links: list[Link]
    sources: list[NetworkSource] = []
    tanks: list[NetworkTank] = []
    min_free_head_m: PositiveFloat = 15.0
    default_hazen_williams_c: Annotated[float, Field(gt=0, le=200)] = 130.0
    illustrative: bool = True


class CostItem(Strict):
    phase: Year
    item: str
    amount_1e4_yuan: NonNegativeFloat
    quantity: str | None = None
    source: str | None = None


class Costs(Strict):
    """Unit costs and lump sums; a plan without unit costs gives its lump sums as items."""

    pipe_1e4_yuan_per_km_by_dn: dict[int, NonNegativeFloat] = {}
    items: list[CostItem] = []


class Economics(Strict):
    freshwater_cost_yuan_per_m3: NonNegativeFloat | None = None
    """Cost of the freshwater a m³ of reclaimed water displaces (saving per m³)."""


class Distribution(Strict):
    """An uncertain input: `path` names it like `uses.green.rate_l_per_m2_day` or
    `sewage.population_1e4_persons.2030`."""

    path: str
    kind: Literal["uniform", "triangular", "normal"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: PositiveFloat | None = None

    @model_validator(mode="after")
    def _parameters_fit_kind(self) -> Distribution:
        if self.kind in ("uniform", "triangular"):
            if self.low is None or self.high is None or self.low >= self.high:
                raise InputError("high", self.high, f"{self.kind} needs low < high")
            if self.kind == "triangular" and (
                self.mode is None or not self.low <= self.mode <= self.high
            ):
                raise InputError("mode", self.mode, "triangular needs low ≤ mode ≤ high")
        elif self.mean is None or self.sd is None:
            raise InputError("mean", self.mean, "normal needs mean and sd")
        return self


class Published(Strict):
    """A figure as a plan document prints it, for the audit."""

    figure: str
    """Key of the computed figure, e.g. `2025.sewage_1e4_m3_per_day`, or a free name."""
    value: float
    unit: (
        Literal[
            "m3_per_day",
            "1e4_m3_per_day",
            "1e4_m3_per_year",
            "fraction",
            "percent",
            "km",
            "m",
            "1e4_yuan",
        ]
        | None
    ) = None
    decimals: Annotated[int, Field(ge=0, le=6)] | None = None
    """Digits printed after the point; inferred from `value` when left out."""
    source: str


class Allocation(Strict):
    cap_use_at_supply: bool = True
    """The plan says use is capped at what the plants give when supply is short (seed 001 §4.2)."""


class Scenario(Strict):
    """A whole planning scenario."""

    region: Region
    horizons: Annotated[list[Year], Field(min_length=1)]
    sewage: Sewage
    uses: Annotated[list[Use], Field(min_length=1)]
    plants: list[Plant] = []
    pump_stations: list[PumpStation] = []
    pipes: list[Pipe] = []
    network: Network | None = None
    costs: Costs = Costs()
    economics: Economics = Economics()
    peak_hour_factor: Annotated[float, Field(ge=1.0, le=3.0)] | None = None
    targets_utilisation: dict[Year, Fraction] = {}
    allocation: Allocation = Allocation()
    rounding: dict[str, Annotated[int, Field(ge=0, le=6)]] = {}
    """Overrides of the printed precision used by `--rounding plan` (see plan_rounding.yaml)."""
    uncertainty: list[Distribution] = []
    published: list[Published] = []

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        horizons = self.horizons
        if sorted(set(horizons)) != horizons:
            raise InputError("horizons", horizons, "years in increasing order, each once")
        for block, name, series in self._per_horizon_series():
            missing = [year for year in horizons if year not in series]
            if missing:
                raise InputError(
                    f"{block}.{name}",
                    sorted(series),
                    f"a value for every horizon; missing horizon {missing[0]}",
                )
        ids = [use.id for use in self.uses]
        duplicated = {i for i in ids if ids.count(i) > 1}
        if duplicated:
            raise InputError("uses.id", sorted(duplicated)[0], "each use id once")
        known_uses = set(ids)
        for index, station in enumerate(self.pump_stations):
            for use in station.serves or []:
                if use not in known_uses:
                    raise InputError(f"pump_stations[{index}].serves", use, "ids of uses")
        for index, pipe in enumerate(self.pipes):
            if pipe.phase not in horizons:
                raise InputError(f"pipes[{index}].phase", pipe.phase, f"one of {horizons}")
        return self

    def _per_horizon_series(self) -> list[tuple[str, str, dict[int, float]]]:
        """Every input given per horizon, so each can be checked for a missing horizon."""
        series: list[tuple[str, str, dict[int, float]]] = [
            ("sewage", name, getattr(self.sewage, name))
            for name in (
                "population_1e4_persons",
                "domestic_l_per_person_day",
                "industrial_land_ha",
                "industrial_index_m3_per_km2_day",
            )
        ]
        for use in self.uses:
            for name in ("flow_m3_per_day", "area_ha", "units", "coverage"):
                value = getattr(use, name)
                if value is not None:
                    series.append((f"uses.{use.id}", name, value))
        return series

    def use(self, use_id: str) -> Use:
        """The use with this id."""
        for use in self.uses:
            if use.id == use_id:
                return use
        raise KeyError(use_id)
