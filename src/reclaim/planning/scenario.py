"""The planning scenario: every input of a reclaimed-water special plan, validated.

A scenario is written as YAML (see examples/) and read at the edge by
`reclaim.io.scenario_file.load_scenario`; this module only defines and checks its shape.
Units are in field names and SI inside: areas in ha are the one planning convention kept,
because plans print them so; `"<number> <unit>"` strings are converted or refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    ValidationInfo,
    model_validator,
)

from reclaim.errors import InputError, InputErrors
from reclaim.units import parse_quantity

Year = Annotated[int, Field(ge=1900, le=2200)]
Month = Annotated[int, Field(ge=1, le=12)]
DaysPerYear = Annotated[int, Field(ge=1, le=365)]


def _quantity(field_unit: str) -> BeforeValidator:
    """Accept a number, or a string "<number> <unit>" converted into `field_unit`."""

    def convert(value: object) -> object:
        if isinstance(value, str):
            return parse_quantity(value, field_unit)
        return value

    return BeforeValidator(convert)


Fraction = Annotated[float, Field(ge=0.0, le=1.0), _quantity("fraction")]
"""A share: a number in [0, 1] or a percentage written "85 %"."""
AreaHa = Annotated[NonNegativeFloat, _quantity("ha")]
VolumeM3 = Annotated[NonNegativeFloat, _quantity("m3")]
Population1e4 = Annotated[NonNegativeFloat, _quantity("1e4_persons")]
"""Persons in 万人 (10⁴ persons); "580000 人" is converted."""
PriceYuanPerM3 = Annotated[NonNegativeFloat, _quantity("yuan_per_m3")]
LengthM = Annotated[PositiveFloat, _quantity("m")]
FlowM3PerDay = Annotated[NonNegativeFloat, _quantity("m3_per_day")]
FlowM3PerHour = Annotated[NonNegativeFloat, _quantity("m3_per_hour")]
IndexM3PerKm2Day = Annotated[NonNegativeFloat, _quantity("m3_per_km2_day")]
RateLPerM2Day = Annotated[NonNegativeFloat, _quantity("l_per_m2_day")]
RateLPerPersonDay = Annotated[NonNegativeFloat, _quantity("l_per_person_day")]


class RenamedFieldWarning(UserWarning):
    """A scenario written with a field's old name: read, and told the new name."""


def note(info: ValidationInfo, text: str) -> None:
    """Pass a note to whoever validates (a list under the context key "notes"), else warn."""
    notes = info.context.get("notes") if isinstance(info.context, dict) else None
    if isinstance(notes, list):
        notes.append(text)
    else:
        warnings.warn(text, RenamedFieldWarning, stacklevel=2)


class Strict(BaseModel):
    """Base of every scenario block: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    renamed_fields: ClassVar[Mapping[str, str]] = {}
    """Old field name → new name: files written before a rename keep working, with a note
    naming the new field."""

    @model_validator(mode="before")
    @classmethod
    def _read_renamed(cls, data: Any, info: ValidationInfo) -> Any:
        if not cls.renamed_fields or not isinstance(data, dict):
            return data
        data = dict(data)
        for old, new in cls.renamed_fields.items():
            if old not in data:
                continue
            if new in data:
                raise InputError(
                    old, data[old], f"renamed {new!r}, which is also given; keep {new!r}"
                )
            data[new] = data.pop(old)
            where = f" ({data['id']})" if isinstance(data.get("id"), str) else ""
            note(
                info,
                f"{cls.__name__.lower()}{where}: field {old!r} is renamed {new!r}; "
                f"read under its old name, write {new!r}",
            )
        return data


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


SewageDriver = Literal["population", "water_supply", "plant_load", "measured"]
FractionByHorizon = Fraction | dict[Year, Fraction]
Ratio = Annotated[NonNegativeFloat, _quantity("fraction")]
"""A non-negative ratio that may exceed 1 (a plant's load), or "105 %"."""
RatioByHorizon = Ratio | dict[Year, Ratio]


class Sewage(Strict):
    """The sewage treated, from one of the drivers plans use:

    - "population" (seed 001 §4.2): (population × quota × discharge + industrial land × index ×
      discharge) × (1 + unforeseen);
    - "water_supply": water-supply forecast × discharge factor × collection rate
      (× (1 + unforeseen), if given);
    - "plant_load": the scale of the plants in service × their load rate;
    - "measured": a measured (or published) daily volume.
    Coefficients may be one number or one per horizon.
    """

    driver: SewageDriver = "population"
    population_1e4_persons: dict[Year, Population1e4] | None = None
    """Planned population; also the base of uses with driver "population" (toilets)."""
    domestic_l_per_person_day: dict[Year, RateLPerPersonDay] | None = None
    industrial_land_ha: dict[Year, AreaHa] | None = None
    industrial_index_m3_per_km2_day: dict[Year, IndexM3PerKm2Day] | None = None
    discharge_factor_domestic: FractionByHorizon | None = None
    discharge_factor_industrial: FractionByHorizon | None = None
    water_supply_m3_per_day: dict[Year, FlowM3PerDay] | None = None
    """Forecast of all water supplied (driver "water_supply")."""
    discharge_factor: FractionByHorizon | None = None
    collection_rate: FractionByHorizon | None = None
    load_rate: RatioByHorizon | None = None
    """Sewage treated ÷ plant scale (driver "plant_load"); above 1 for an overloaded plant."""
    measured_m3_per_day: dict[Year, FlowM3PerDay] | None = None
    unforeseen_factor: FractionByHorizon | None = None
    """Share added for infiltration and village sewage (seed 001 §4.2(2): 10 %)."""
    reuse_cap: FractionByHorizon | None = None
    """Share of sewage treated that may be reclaimed; default from coefficients.yaml (0.8)."""
    population_projection: PopulationProjection | None = None

    DRIVER_INPUTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "population": (
            "population_1e4_persons",
            "domestic_l_per_person_day",
            "industrial_land_ha",
            "industrial_index_m3_per_km2_day",
            "discharge_factor_domestic",
            "discharge_factor_industrial",
            "unforeseen_factor",
        ),
        "water_supply": ("water_supply_m3_per_day", "discharge_factor", "collection_rate"),
        "plant_load": ("load_rate",),
        "measured": ("measured_m3_per_day",),
    }

    @model_validator(mode="after")
    def _driver_has_its_inputs(self) -> Sewage:
        missing = [n for n in self.DRIVER_INPUTS[self.driver] if getattr(self, n) is None]
        if missing:
            raise InputError(
                missing[0], None, f"sewage driver {self.driver!r} needs {', '.join(missing)}"
            )
        return self


Driver = Literal["flow", "area", "count", "population", "volume_exchange", "evaporation_seepage"]


class Use(Strict):
    """One reclaimed-water use with its demand driver.

    "flow": a named user's daily flow; "area": area × coverage × rate per m²; "count": units
    (vehicles, beds…) × coverage × rate per unit; "population": the planned population (of the
    use, else of the sewage block) × coverage × rate per person (toilet flushing);
    "volume_exchange": a water body's volume ÷ its exchange period; "evaporation_seepage": water
    area × (evaporation + seepage).

    The days of use are its `months` (all their days, or `days_per_year` of them centred on
    their middle), or `days_per_year` placed on the calendar centred on `centred_on_month` (by
    default the middle of the irrigation season, see `Calendar`).
    """

    renamed_fields: ClassVar[Mapping[str, str]] = {"units": "unit_count"}

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    category: str
    name_zh: str
    name_en: str
    driver: Driver
    priority: Annotated[int, Field(ge=1, le=9)]
    """1 is served first when supply is short (seed 001 §5.2: industry, then parks and roads)."""
    days_per_year: DaysPerYear | dict[Year, DaysPerYear] | None = None
    """Days a year the use draws water (365 when neither this nor `months` is given)."""
    months: Annotated[list[Month], Field(min_length=1)] | None = None
    centred_on_month: Month | None = None
    flow_m3_per_day: dict[Year, FlowM3PerDay] | None = None
    area_ha: dict[Year, AreaHa] | None = None
    unit_count: dict[Year, NonNegativeFloat] | None = None
    population_1e4_persons: dict[Year, Population1e4] | None = None
    coverage: dict[Year, Fraction] | None = None
    rate_l_per_m2_day: RateLPerM2Day | dict[Year, RateLPerM2Day] | None = None
    rate_l_per_unit_day: NonNegativeFloat | dict[Year, NonNegativeFloat] | None = None
    rate_l_per_person_day: RateLPerPersonDay | dict[Year, RateLPerPersonDay] | None = None
    volume_m3: dict[Year, VolumeM3] | None = None
    exchange_days: PositiveFloat | dict[Year, PositiveFloat] | None = None
    water_area_ha: dict[Year, AreaHa] | None = None
    evaporation_mm_per_day: NonNegativeFloat | dict[Year, NonNegativeFloat] | None = None
    seepage_mm_per_day: NonNegativeFloat | dict[Year, NonNegativeFloat] | None = None
    price_yuan_per_m3: PriceYuanPerM3 | dict[Year, PriceYuanPerM3] | None = None
    outside_cap: bool = False
    """Ecological release straight to a river: served from the effluent beyond the reuse cap,
    not from the reclaimed supply (counted in utilisation, not in the supply balance)."""
    plant: str | None = None
    """The plant that serves it, for the balance per plant."""
    zone: str | None = None
    """Supply zone, for the balance per zone."""

    DRIVER_INPUTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "flow": ("flow_m3_per_day",),
        "area": ("area_ha", "coverage", "rate_l_per_m2_day"),
        "count": ("unit_count", "coverage", "rate_l_per_unit_day"),
        "population": ("coverage", "rate_l_per_person_day"),
        "volume_exchange": ("volume_m3", "exchange_days"),
        "evaporation_seepage": ("water_area_ha", "evaporation_mm_per_day", "seepage_mm_per_day"),
    }

    @model_validator(mode="after")
    def _driver_has_its_inputs(self) -> Use:
        missing = [name for name in self.DRIVER_INPUTS[self.driver] if getattr(self, name) is None]
        if missing:
            raise InputError(
                missing[0],
                None,
                f"driver {self.driver!r} needs {', '.join(missing)}"
                " (a rate without a published default must be given)",
            )
        if self.months is not None and len(set(self.months)) != len(self.months):
            raise InputError("months", self.months, "each month once")
        if self.centred_on_month is not None and (
            self.days_per_year is None or self.months is not None
        ):
            raise InputError(
                "centred_on_month",
                self.centred_on_month,
                "places days_per_year when no months are given",
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
    zone: str | None = None
    """Supply zone it feeds, for the balance per zone."""
    node: str | None = None
    effluent_profile: str | None = None
    """Name of an effluent profile (quality data) the plant is designed to meet."""


class Calendar(Strict):
    """Where the days of seasonal uses fall (365-day year)."""

    irrigation_months: Annotated[list[Month], Field(min_length=1)] | None = None
    """Months of the irrigation season, in order (default from coefficients.yaml: April to
    October, the 214 days of seed 001 §4.1.4); a use given only `days_per_year` is centred on
    its middle."""


def _daily_rate_as_hourly(per_year: object) -> object:
    """The old `capacity_m3_per_day` was read by planning as the peak-hour rate written per day
    (seed 001 §4.3.1: 泵站规模按最高日最大时流量计算): each figure is tagged m³/d, which the
    m³/h field converts (÷ 24)."""
    if not isinstance(per_year, dict):
        return per_year
    return {
        year: f"{value} m3/d" if isinstance(value, int | float) else value
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
    def _old_capacity_name(cls, data: Any, info: ValidationInfo) -> Any:
        """`capacity_m3_per_day` (before issue 11) meant the peak-hour rate written per day:
        read as `capacity_peak_hour_m3_per_hour`, each figure taken in m³/d (÷ 24)."""
        old, new = "capacity_m3_per_day", "capacity_peak_hour_m3_per_hour"
        if not isinstance(data, dict) or old not in data:
            return data
        if new in data:
            raise InputError(old, data[old], f"renamed {new!r}, which is also given; keep {new!r}")
        data = dict(data)
        data[new] = _daily_rate_as_hourly(data.pop(old))
        where = f" ({data['id']})" if isinstance(data.get("id"), str) else ""
        note(
            info,
            f"pumpstation{where}: field {old!r} is renamed {new!r}; read under its old name as"
            f" the peak-hour rate in m³/d (÷ 24), write {new!r}",
        )
        return data

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


LocalText = dict[Literal["zh", "en"], str]
"""A text of the scenario given in each report language: `{zh: …, en: …}`."""


def _is_local_text(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"zh", "en"}


class CostItem(Strict):
    phase: Year
    item: str
    amount_1e4_yuan: NonNegativeFloat
    quantity: str | LocalText | None = None
    """As the plan prints it (`1 座 2000 m³/d`), or `{zh: …, en: …}`."""
    source: str | LocalText | None = None


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
    source: str | LocalText
    """Where the plan prints it, as quoted; or `{zh: …, en: …}` to say it in each language."""


class Allocation(Strict):
    cap_use_at_supply: bool = True
    """The plan says use is capped at what the plants give when supply is short (seed 001 §4.2)."""


ASSUMED_KEYS = frozenset({"value", "assumed"})


def _collect_assumed(data: Any, path: str, found: dict[str, str | LocalText]) -> Any:
    """Replace each `{value: x, assumed: why}` by x, and drop the `assumed: why` of a whole
    block (a use, a plant…), recording path → why."""
    if isinstance(data, dict):
        if set(data) == ASSUMED_KEYS:
            why = data["assumed"]
            found[path] = why if _is_local_text(why) else str(why)
            return data["value"]
        if isinstance(data.get("assumed"), str) or _is_local_text(data.get("assumed")):
            found[path] = data["assumed"]
            data = {k: v for k, v in data.items() if k != "assumed"}
        return {
            k: _collect_assumed(v, f"{path}.{k}" if path else str(k), found)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [
            _collect_assumed(
                item,
                f"{path}.{item['id']}"
                if isinstance(item, dict) and "id" in item
                else f"{path}[{i}]",
                found,
            )
            for i, item in enumerate(data)
        ]
    return data


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
    calendar: Calendar = Calendar()
    rounding: dict[str, Annotated[int, Field(ge=0, le=6)]] = {}
    """Overrides of the printed precision used by `--rounding plan` (see plan_rounding.yaml)."""
    uncertainty: list[Distribution] = []
    published: list[Published] = []
    assumed: dict[str, str | LocalText] = {}
    """Inputs the plan does not print, by path (`sewage.industrial_land_ha.2025`), with why the
    value was taken; written inline as `{value: 434.33, assumed: "why"}`, as `assumed: "why"`
    on a whole block (a use, a plant), or here; `why` may be `{zh: …, en: …}`."""

    @model_validator(mode="before")
    @classmethod
    def _inline_assumptions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found: dict[str, str | LocalText] = {}
        data = {k: v if k == "assumed" else _collect_assumed(v, k, found) for k, v in data.items()}
        if found:
            given = data.get("assumed")
            data["assumed"] = {**(given if isinstance(given, dict) else {}), **found}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = self._inconsistencies()
        if problems:
            raise InputErrors(problems)
        return self

    def _inconsistencies(self) -> list[InputError]:
        """Every way the blocks disagree with each other (all of them, so that a file is fixed
        in one pass); uses are named by id."""
        horizons = self.horizons
        problems = []
        if sorted(set(horizons)) != horizons:
            problems.append(
                InputError("horizons", horizons, "years in increasing order, each once")
            )
        for block, name, series in self._per_horizon_series():
            missing = [year for year in horizons if year not in series]
            if missing:
                problems.append(
                    InputError(
                        f"{block}.{name}",
                        sorted(series),
                        f"a value for every horizon; missing horizon {missing[0]}",
                    )
                )
        ids = [use.id for use in self.uses]
        for duplicated in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(InputError("uses.id", duplicated, "each use id once"))
        known_uses = set(ids)
        for station in self.pump_stations:
            for use in station.serves or []:
                if use not in known_uses:
                    problems.append(
                        InputError(
                            f"pump_stations[{station.id}].serves", use, f"ids of uses: {ids}"
                        )
                    )
        for pipe in self.pipes:
            if pipe.phase not in horizons:
                problems.append(
                    InputError(f"pipes[{pipe.id}].phase", pipe.phase, f"one of {horizons}")
                )
        plant_ids = [plant.id for plant in self.plants]
        for entry in self.uses:
            if entry.plant is not None and entry.plant not in plant_ids:
                problems.append(
                    InputError(f"uses[{entry.id}].plant", entry.plant, f"one of {plant_ids}")
                )
            if (
                entry.driver == "population"
                and entry.population_1e4_persons is None
                and self.sewage.population_1e4_persons is None
            ):
                problems.append(
                    InputError(
                        f"uses[{entry.id}].population_1e4_persons",
                        None,
                        "driver 'population' needs a population here or in sewage",
                    )
                )
        if self.sewage.driver == "plant_load":
            for plant in self.plants:
                if plant.sewage_capacity_m3_per_day is None:
                    problems.append(
                        InputError(
                            f"plants[{plant.id}].sewage_capacity_m3_per_day",
                            None,
                            "sewage driver 'plant_load' needs every plant's sewage scale",
                        )
                    )
            if not self.plants:
                problems.append(
                    InputError("plants", [], "sewage driver 'plant_load' needs the plants")
                )
        return problems

    def _per_horizon_series(self) -> list[tuple[str, str, dict[int, Any]]]:
        """Every input given per horizon, so each can be checked for a missing horizon."""
        blocks: list[tuple[str, BaseModel]] = [
            ("sewage", self.sewage),
            *((f"uses[{use.id}]", use) for use in self.uses),
        ]
        return [
            (block, name, value)
            for block, model in blocks
            for name in type(model).model_fields
            if isinstance(value := getattr(model, name), dict)
        ]

    def use(self, use_id: str) -> Use:
        """The use with this id."""
        for use in self.uses:
            if use.id == use_id:
                return use
        raise KeyError(use_id)
