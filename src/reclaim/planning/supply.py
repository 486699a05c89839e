"""Sewage forecast and reclaimed-water supply (seed 001 §4.2)."""

from __future__ import annotations

from dataclasses import dataclass

from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.rounding import Rounder
from reclaim.units import DAYS_PER_YEAR, M3_PER_1E4_M3, M3_PER_L, PERSONS_PER_1E4_PERSONS, ha_to_km2


@dataclass(frozen=True)
class Supply:
    """Water use that makes sewage, the sewage treated, and the share that may be reclaimed."""

    domestic_1e4_m3_per_day: Values
    industrial_1e4_m3_per_day: Values
    sewage_1e4_m3_per_day: Values
    sewage_1e4_m3_per_year: Values
    reclaimed_supply_1e4_m3_per_day: Values


def forecast_supply(year: int, inputs: Inputs, rounder: Rounder) -> Supply:
    """Q = (domestic × k_dom + industrial × k_ind) × (1 + unforeseen); supply = cap × Q."""
    domestic = rounder(
        "domestic_1e4_m3_per_day",
        inputs.sewage("population_1e4_persons", year)
        * PERSONS_PER_1E4_PERSONS
        * inputs.sewage("domestic_l_per_person_day", year)
        * M3_PER_L
        / M3_PER_1E4_M3,
    )
    industrial = rounder(
        "industrial_1e4_m3_per_day",
        ha_to_km2(inputs.sewage("industrial_land_ha", year))
        * inputs.sewage("industrial_index_m3_per_km2_day", year)
        / M3_PER_1E4_M3,
    )
    sewage = rounder(
        "sewage_1e4_m3_per_day",
        (
            domestic * inputs.sewage("discharge_factor_domestic", year)
            + industrial * inputs.sewage("discharge_factor_industrial", year)
        )
        * (1.0 + inputs.sewage("unforeseen_factor", year)),
    )
    cap = inputs.sewage("reuse_cap", year)
    return Supply(
        domestic_1e4_m3_per_day=domestic,
        industrial_1e4_m3_per_day=industrial,
        sewage_1e4_m3_per_day=sewage,
        sewage_1e4_m3_per_year=rounder("sewage_1e4_m3_per_year", sewage * DAYS_PER_YEAR),
        reclaimed_supply_1e4_m3_per_day=rounder("reclaimed_supply_1e4_m3_per_day", cap * sewage),
    )
