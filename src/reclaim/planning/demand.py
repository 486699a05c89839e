"""Reclaimed-water demand per use (seed 001 §4.1.4)."""

from __future__ import annotations

from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.rounding import Rounder
from reclaim.planning.scenario import Use
from reclaim.units import M3_PER_1E4_M3, M3_PER_L, ha_to_m2


def use_max_day_m3_per_day(use: Use, year: int, inputs: Inputs, rounder: Rounder) -> Values:
    """Max-day demand of one use: a named flow, area × coverage × rate, units × coverage × rate."""
    if use.driver == "flow":
        demand = inputs.use(use, "flow_m3_per_day", year)
    elif use.driver == "area":
        demand = (
            ha_to_m2(inputs.use(use, "area_ha", year))
            * inputs.use(use, "coverage", year)
            * inputs.use(use, "rate_l_per_m2_day", year)
            * M3_PER_L
        )
    else:
        demand = (
            inputs.use(use, "units", year)
            * inputs.use(use, "coverage", year)
            * inputs.use(use, "rate_l_per_unit_day", year)
            * M3_PER_L
        )
    return rounder("use_m3_per_day", demand)


def use_annual_1e4_m3(use: Use, daily_m3: Values, rounder: Rounder) -> Values:
    """Annual demand in 万 m³: daily × the days a year the use draws water."""
    return rounder("use_1e4_m3_per_year", daily_m3 * use.days_per_year / M3_PER_1E4_M3)
