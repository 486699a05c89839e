"""What a reviewer of a plan must know first, judged once from the figures.

Surplus or shortage and the use served least, utilisation against the plan's target and the
national one, plants and pump stations smaller than needed, per-area rates outside their published
range. Reports render these verdicts; they never judge the figures again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reclaim.planning.engine import PlanResult
from reclaim.planning.results import HorizonFigures

FULLY_MET_TOLERANCE = 1e-9
"""A delivered share this close to 1 counts as fully met (binary rounding, not a margin)."""
TIE_TOLERANCE = 1e-9
"""Delivered shares this close are equal (uses cut alike in the same proportion)."""


@dataclass(frozen=True)
class RateRange:
    """The published range of a per-area rate for one use category, with its source."""

    low: float
    high: float
    source: str


@dataclass(frozen=True)
class AreaRate:
    """A use's per-area rate and the published range of its category (None if none)."""

    use_id: str
    rate_l_per_m2_day: float
    published: RateRange | None

    @property
    def within(self) -> bool:
        """True when no range is published or the rate lies inside it."""
        return self.published is None or (
            self.published.low <= self.rate_l_per_m2_day <= self.published.high
        )


@dataclass(frozen=True)
class Utilisation:
    """Utilisation of one horizon against the plan's target and the national one."""

    published_rate: float
    capped_rate: float
    target: float | None
    meets_target: bool | None
    """The capped rate reaches the plan's target (the engine's verdict; None without a target)."""
    national: float

    @property
    def meets_national(self) -> bool:
        return self.capped_rate >= self.national

    @property
    def meets_reference(self) -> bool:
        """Against the plan's target where it sets one, else the national target."""
        return self.meets_national if self.meets_target is None else self.meets_target


@dataclass(frozen=True)
class PumpShortfall:
    """A pump station (None: the plant stations together) with less capacity than required."""

    station_id: str | None
    design_peak_hour_m3_per_hour: float
    required_peak_hour_m3_per_hour: float


@dataclass(frozen=True)
class HorizonFindings:
    """The verdicts of one horizon."""

    year: int
    balance_1e4_m3_per_day: float
    delivered_share_by_use: Mapping[str, float]
    """Share of each use's annual demand delivered (uses with a demand only)."""
    delivered_share_total: float | None
    utilisation: Utilisation
    plants_short_of_supply: bool
    pumps_short: tuple[PumpShortfall, ...]

    @property
    def surplus(self) -> bool:
        return self.balance_1e4_m3_per_day >= 0

    @property
    def least_served(self) -> tuple[str, float] | None:
        """The use with the lowest share of its annual demand delivered, and that share; of
        uses cut alike (shares equal but for binary rounding), the first in the scenario."""
        shares = self.delivered_share_by_use
        if not shares:
            return None
        lowest = min(shares.values())
        worst = next(use_id for use_id, share in shares.items() if share <= lowest + TIE_TOLERANCE)
        return worst, shares[worst]


def fully_met(share: float | None) -> bool | None:
    """True when a delivered share meets the whole demand (None when there is no demand)."""
    return None if share is None else share >= 1 - FULLY_MET_TOLERANCE


@dataclass(frozen=True)
class PlanFindings:
    """Every verdict of a plan, by horizon, with the rates and the number of audit findings."""

    horizons: Mapping[int, HorizonFindings]
    area_rates: tuple[AreaRate, ...]
    audit_count: int

    def horizon(self, year: int) -> HorizonFindings:
        return self.horizons[year]

    def shortfall_years(self) -> list[int]:
        return [year for year, found in self.horizons.items() if not found.surplus]


def plan_findings(
    result: PlanResult, national_target: float, rate_ranges: Mapping[str, RateRange]
) -> PlanFindings:
    """Judge ``result`` once: ``national_target`` is the national utilisation rate, and
    ``rate_ranges`` the published per-area rate ranges by use category (reference data)."""
    scenario = result.scenario
    horizons = {
        year: _horizon(result, result.horizon(year), national_target) for year in scenario.horizons
    }
    rates = tuple(
        AreaRate(use.id, rate, rate_ranges.get(use.category))
        for use in scenario.uses
        if use.driver == "area"
        for rate in _rates_over_horizons(result, use.id)
    )
    return PlanFindings(horizons, rates, len(result.audit))


def _rates_over_horizons(result: PlanResult, use_id: str) -> list[float]:
    """A use's per-area rate in each horizon, each distinct value once."""
    rates = (
        result.horizon(year).demand.by_use[use_id].rate_l_per_m2_day
        for year in result.scenario.horizons
    )
    return list(dict.fromkeys(float(rate) for rate in rates if rate is not None))


def _horizon(result: PlanResult, figures: HorizonFigures, national: float) -> HorizonFindings:
    by_use = figures.demand.by_use
    shares = {
        use.id: float(by_use[use.id].delivered_1e4_m3_per_year / by_use[use.id].annual_1e4_m3)
        for use in result.scenario.uses
        if by_use[use.id].annual_1e4_m3 > 0
    }
    demand_year = float(figures.demand.total_1e4_m3_per_year)
    plants = figures.plants
    return HorizonFindings(
        year=figures.year,
        balance_1e4_m3_per_day=float(figures.balance_1e4_m3_per_day),
        delivered_share_by_use=shares,
        delivered_share_total=float(figures.delivered_1e4_m3_per_year) / demand_year
        if demand_year
        else None,
        utilisation=Utilisation(
            published_rate=float(figures.utilisation_rate),
            capped_rate=float(figures.utilisation_rate_capped),
            target=figures.target_utilisation_rate,
            meets_target=None if figures.meets_target is None else bool(figures.meets_target),
            national=national,
        ),
        plants_short_of_supply=bool(result.scenario.plants) and not bool(plants.covers_supply),
        pumps_short=_pumps_short(result, figures),
    )


def _pumps_short(result: PlanResult, figures: HorizonFigures) -> tuple[PumpShortfall, ...]:
    """Stations with less capacity than required; the plant stations (serving the whole
    network) are checked together first."""
    stations = figures.pump_stations
    if stations is None or not result.scenario.pump_stations:
        return ()
    short = [
        PumpShortfall(
            station.id,
            float(entry.capacity_peak_hour_m3_per_hour or 0.0),
            float(entry.required_peak_hour_m3_per_hour or 0.0),
        )
        for station in result.scenario.pump_stations
        if (entry := stations.stations[station.id]).adequate is not None
        and not bool(entry.adequate)
    ]
    design = float(stations.total_capacity_peak_hour_m3_per_hour)
    required = float(stations.required_total_peak_hour_m3_per_hour)
    if plant_stations(result) and design < required:
        short.insert(0, PumpShortfall(None, design, required))
    return tuple(short)


def plant_stations(result: PlanResult) -> Sequence[str]:
    """Stations that serve the whole network (no `serves` list): they are checked together
    against every use's max day × peak-hour factor."""
    return [s.id for s in result.scenario.pump_stations if not s.serves]
