"""Max-day demand of each use of a planning scenario, for loading the network's nodes.

The planning engine owns the full demand forecast; the network needs only the max-day flow of
each use in one horizon, which follows directly from the use's driver (seed 001 §4.1.4):
flow users give it, area uses are area × coverage × rate per m², count uses units × coverage ×
rate per unit.
"""

from __future__ import annotations

from reclaim.errors import InputError
from reclaim.planning.scenario import Scenario, Use
from reclaim.units import M2_PER_HA, M3_PER_L


def use_demand_m3_per_day(use: Use, year: int) -> float:
    """Max-day demand of one use in `year` (m³/d)."""
    if use.driver == "flow":
        assert use.flow_m3_per_day is not None  # the schema checks each driver has its inputs
        return use.flow_m3_per_day[year]
    assert use.coverage is not None
    if use.driver == "area":
        assert use.area_ha is not None and use.rate_l_per_m2_day is not None
        return use.area_ha[year] * M2_PER_HA * use.coverage[year] * use.rate_l_per_m2_day * M3_PER_L
    assert use.units is not None and use.rate_l_per_unit_day is not None
    return use.units[year] * use.coverage[year] * use.rate_l_per_unit_day * M3_PER_L


def demand_by_use_m3_per_day(scenario: Scenario, year: int) -> dict[str, float]:
    """Max-day demand of every use in `year` (m³/d), keyed by use id."""
    if year not in scenario.horizons:
        raise InputError("year", year, f"one of the scenario's horizons {scenario.horizons}")
    return {use.id: use_demand_m3_per_day(use, year) for use in scenario.uses}
