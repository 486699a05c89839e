"""Reclaimed-water demand per use (seed 001 §4.1.4), for every driver a plan uses."""

from __future__ import annotations

from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.rounding import Rounder
from reclaim.planning.scenario import Use
from reclaim.units import M3_PER_1E4_M3, M3_PER_L, PERSONS_PER_1E4_PERSONS, ha_to_m2

M_PER_MM = 1.0e-3


def _population_1e4(use: Use, year: int, inputs: Inputs) -> Values:
    """The use's own planned population, else the sewage block's (toilets of the whole city)."""
    if use.population_1e4_persons is not None:
        return inputs.use(use, "population_1e4_persons", year)
    return inputs.sewage("population_1e4_persons", year)


def use_max_day_m3_per_day(use: Use, year: int, inputs: Inputs, rounder: Rounder) -> Values:
    """Max-day demand of one use, by its driver."""
    value = inputs.use
    if use.driver == "flow":
        demand = value(use, "flow_m3_per_day", year)
    elif use.driver == "area":
        demand = (
            ha_to_m2(value(use, "area_ha", year))
            * value(use, "coverage", year)
            * value(use, "rate_l_per_m2_day", year)
            * M3_PER_L
        )
    elif use.driver == "count":
        demand = (
            value(use, "unit_count", year)
            * value(use, "coverage", year)
            * value(use, "rate_l_per_unit_day", year)
            * M3_PER_L
        )
    elif use.driver == "population":
        demand = (
            _population_1e4(use, year, inputs)
            * PERSONS_PER_1E4_PERSONS
            * value(use, "coverage", year)
            * value(use, "rate_l_per_person_day", year)
            * M3_PER_L
        )
    elif use.driver == "volume_exchange":
        demand = value(use, "volume_m3", year) / value(use, "exchange_days", year)
    else:
        demand = (
            ha_to_m2(value(use, "water_area_ha", year))
            * (value(use, "evaporation_mm_per_day", year) + value(use, "seepage_mm_per_day", year))
            * M_PER_MM
        )
    return rounder("use_m3_per_day", demand)


def use_annual_1e4_m3(daily_m3: Values, days: int, rounder: Rounder) -> Values:
    """Annual demand in 万 m³: daily × the days a year the use draws water."""
    return rounder("use_1e4_m3_per_year", daily_m3 * days / M3_PER_1E4_M3)
