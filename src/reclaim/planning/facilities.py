"""Pump stations, pipes and investment per phase (seed 001 §4.3 and §5.3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from reclaim.errors import InputError
from reclaim.planning.inputs import Values
from reclaim.planning.results import PipesFigures, PumpStationFigures, PumpStationsFigures
from reclaim.planning.scenario import Scenario

M_PER_KM = 1000.0


def pump_stations(
    scenario: Scenario, year: int, demand_m3_per_day: Mapping[str, Values], peak_hour_factor: float
) -> PumpStationsFigures:
    """Design size per station against the size needed: max-day demand served × peak-hour factor."""
    stations: dict[str, PumpStationFigures] = {}
    for station in scenario.pump_stations:
        if year not in station.capacity_m3_per_day:
            stations[station.id] = PumpStationFigures(built=False)
            continue
        capacity = station.capacity_m3_per_day[year]
        required = adequate = None
        if station.serves:
            required = sum(demand_m3_per_day[use] for use in station.serves) * peak_hour_factor
            adequate = np.asarray(capacity >= required)[()]
        stations[station.id] = PumpStationFigures(
            built=True,
            capacity_m3_per_day=capacity,
            head_m=station.head_m,
            required_m3_per_day=required,
            adequate=adequate,
        )
    return PumpStationsFigures(
        peak_hour_factor=peak_hour_factor,
        required_total_m3_per_day=sum(demand_m3_per_day.values()) * peak_hour_factor,
        total_capacity_m3_per_day=sum(  # stations that serve the whole network
            s.capacity_m3_per_day.get(year, 0.0) for s in scenario.pump_stations if not s.serves
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
