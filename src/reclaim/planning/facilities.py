"""Pump stations, pipes and investment per phase (seed 001 §4.3 and §5.3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from reclaim.errors import InputError
from reclaim.planning.inputs import Values
from reclaim.planning.results import PipesFigures, PumpStationFigures, PumpStationsFigures
from reclaim.planning.scenario import PumpStation, Scenario
from reclaim.units import HOURS_PER_DAY

M_PER_KM = 1000.0


def peak_hour_capacity_m3_per_hour(
    station: PumpStation, year: int, peak_hour_factor: float | None
) -> float | None:
    """The rate a station pumps at the peak hour of the max day in `year` (m³/h), None when it
    is not built then. The one reading of a station's size, for planning and the network: a
    peak-hour rate as given, a max-day flow × the peak-hour factor ÷ 24 h."""
    if station.capacity_peak_hour_m3_per_hour is not None:
        return station.capacity_peak_hour_m3_per_hour.get(year)
    assert station.capacity_max_day_m3_per_day is not None  # one of the two (schema)
    max_day = station.capacity_max_day_m3_per_day.get(year)
    if max_day is None:
        return None
    if peak_hour_factor is None:
        raise InputError(
            "peak_hour_factor",
            None,
            f"needed to read pump_stations.{station.id}.capacity_max_day_m3_per_day as a"
            " peak-hour rate (seed 001 §4.3.1 uses 1.3)",
        )
    return max_day * peak_hour_factor / HOURS_PER_DAY


def pump_stations(
    scenario: Scenario, year: int, demand_m3_per_day: Mapping[str, Values], peak_hour_factor: float
) -> PumpStationsFigures:
    """Each station's peak-hour rate against the rate needed: the max-day demand it serves ×
    peak-hour factor ÷ 24 h (seed 001 §4.3.1: 泵站规模按最高日最大时流量计算)."""
    stations: dict[str, PumpStationFigures] = {}
    for station in scenario.pump_stations:
        capacity = peak_hour_capacity_m3_per_hour(station, year, peak_hour_factor)
        if capacity is None:
            stations[station.id] = PumpStationFigures(built=False)
            continue
        required = adequate = None
        if station.serves:
            max_day = sum(demand_m3_per_day[use] for use in station.serves)
            required = max_day * peak_hour_factor / HOURS_PER_DAY
            adequate = np.asarray(capacity >= required)[()]
        stations[station.id] = PumpStationFigures(
            built=True,
            capacity_peak_hour_m3_per_hour=capacity,
            head_m=station.head_m,
            required_peak_hour_m3_per_hour=required,
            adequate=adequate,
        )
    return PumpStationsFigures(
        peak_hour_factor=peak_hour_factor,
        required_total_peak_hour_m3_per_hour=sum(demand_m3_per_day.values())
        * peak_hour_factor
        / HOURS_PER_DAY,
        total_capacity_peak_hour_m3_per_hour=sum(  # stations that serve the whole network
            peak_hour_capacity_m3_per_hour(s, year, peak_hour_factor) or 0.0
            for s in scenario.pump_stations
            if not s.serves
        ),
        stations=stations,
    )


def pipes_laid(scenario: Scenario, year: int) -> PipesFigures:
    """Pipe laid in the phase ending at this horizon: km in all and km by DN."""
    by_dn: dict[int, float] = defaultdict(float)
    for pipe in scenario.pipes:
        if pipe.phase == year:
            by_dn[pipe.dn_mm] += pipe.length_m / M_PER_KM
    cumulative = sum(p.length_m for p in scenario.pipes if p.phase <= year) / M_PER_KM
    return PipesFigures(
        length_km=sum(by_dn.values()),
        cumulative_length_km=cumulative,
        by_dn_km={f"DN{dn}": km for dn, km in sorted(by_dn.items())},
    )


def investment_1e4_yuan(scenario: Scenario, year: int) -> dict[str, float]:
    """Investment of the phase: pipes at unit cost by DN (where given) plus the lump-sum items."""
    by_item: dict[str, float] = defaultdict(float)
    unit_costs = scenario.costs.pipe_1e4_yuan_per_km_by_dn
    if unit_costs:
        for pipe in scenario.pipes:
            if pipe.phase != year:
                continue
            if pipe.dn_mm not in unit_costs:
                raise InputError(
                    "costs.pipe_1e4_yuan_per_km_by_dn",
                    f"DN{pipe.dn_mm}",
                    f"a unit cost for every DN laid (pipe {pipe.id})",
                )
            by_item["pipes (unit cost)"] += pipe.length_m / M_PER_KM * unit_costs[pipe.dn_mm]
    for item in scenario.costs.items:
        if item.phase == year:
            by_item[item.item] += item.amount_1e4_yuan
    return dict(by_item)
