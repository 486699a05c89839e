"""Sewage forecast and reclaimed-water supply (seed 001 §4.2), limited by what is built.

The sewage treated comes from the scenario's driver; the reclaimed supply is, plant by plant,
min(reuse cap × the sewage it treats, its reclaimed capacity in service) (GB 50335-2016 §4.1:
the reclaimed scale is at most 80 % of the sewage scale). When the plan does not say which
sewage each plant treats, the city's sewage is shared in proportion to the plants' sewage
capacity (else their reclaimed capacity); the result names the split used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.results import PlantFigures, SewageInputs
from reclaim.planning.rounding import Rounder
from reclaim.planning.scenario import Plant, Scenario, Sewage
from reclaim.units import DAYS_PER_YEAR, M3_PER_1E4_M3, M3_PER_L, PERSONS_PER_1E4_PERSONS, ha_to_km2


@dataclass(frozen=True)
class Supply:
    """Water use that makes sewage, the sewage treated, and what the plants can reclaim."""

    sewage_1e4_m3_per_day: Values
    sewage_1e4_m3_per_year: Values
    cap_supply_1e4_m3_per_day: Values
    reclaimed_supply_1e4_m3_per_day: Values
    plants: dict[str, PlantFigures]
    sewage_split: str
    inputs: SewageInputs
    domestic_1e4_m3_per_day: Values | None = None
    industrial_1e4_m3_per_day: Values | None = None
    water_supply_1e4_m3_per_day: Values | None = None


def plants_running(scenario: Scenario, year: int) -> list[Plant]:
    """The plants in service in that horizon."""
    return [p for p in scenario.plants if p.in_service_from is None or p.in_service_from <= year]


def _population_sewage(
    year: int, inputs: Inputs, rounder: Rounder
) -> tuple[Values, Values, Values]:
    """Q = (domestic × k_dom + industrial × k_ind) × (1 + unforeseen) (seed 001 §4.2)."""
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
    sewage = (
        domestic * inputs.sewage("discharge_factor_domestic", year)
        + industrial * inputs.sewage("discharge_factor_industrial", year)
    ) * (1.0 + inputs.sewage("unforeseen_factor", year))
    return domestic, industrial, sewage


def _sewage_shares(running: list[Plant]) -> tuple[str, list[float]]:
    if running and all(p.sewage_capacity_m3_per_day for p in running):
        weights = [float(p.sewage_capacity_m3_per_day or 0.0) for p in running]
        split = "sewage_capacity"
    else:
        weights = [p.reclaimed_capacity_m3_per_day for p in running]
        split = "reclaimed_capacity"
    total = sum(weights)
    return split, [w / total if total > 0 else 1.0 / len(running) for w in weights]


def forecast_supply(scenario: Scenario, year: int, inputs: Inputs, rounder: Rounder) -> Supply:
    """Sewage by the scenario's driver, then the reclaimed supply plant by plant."""
    driver = scenario.sewage.driver
    running = plants_running(scenario, year)
    domestic = industrial = water_supply = None
    if driver == "population":
        domestic, industrial, sewage_raw = _population_sewage(year, inputs, rounder)
    elif driver == "water_supply":
        water_supply = inputs.sewage("water_supply_m3_per_day", year) / M3_PER_1E4_M3
        sewage_raw = (
            water_supply
            * inputs.sewage("discharge_factor", year)
            * inputs.sewage("collection_rate", year)
            * (1.0 + inputs.sewage_or("unforeseen_factor", year, 0.0))
        )
    elif driver == "plant_load":
        load = inputs.sewage("load_rate", year)
        scale = sum(float(p.sewage_capacity_m3_per_day or 0.0) for p in running)
        sewage_raw = scale * load / M3_PER_1E4_M3
    else:
        sewage_raw = inputs.sewage("measured_m3_per_day", year) / M3_PER_1E4_M3
    sewage = rounder("sewage_1e4_m3_per_day", sewage_raw)
    cap = inputs.sewage("reuse_cap", year)
    cap_supply = rounder("reclaimed_supply_1e4_m3_per_day", cap * sewage)

    plants: dict[str, PlantFigures] = {}
    split, shares = _sewage_shares(running)
    if driver == "plant_load":
        split = "plant_load"  # each plant treats its own scale × load: shares by sewage scale
    share_of = {plant.id: share for plant, share in zip(running, shares, strict=True)}
    supply_total: Values = np.float64(0.0)
    for plant in scenario.plants:
        capacity = plant.reclaimed_capacity_m3_per_day / M3_PER_1E4_M3
        share = share_of.get(plant.id, 0.0)
        plant_cap_supply = cap * sewage * share
        supply = np.minimum(plant_cap_supply, capacity)
        supply_total = supply_total + supply
        plants[plant.id] = PlantFigures(
            in_service=plant.id in share_of,
            reclaimed_capacity_1e4_m3_per_day=capacity,
            sewage_1e4_m3_per_day=sewage * share,
            cap_supply_1e4_m3_per_day=plant_cap_supply,
            supply_1e4_m3_per_day=supply,
            limited_by_capacity=np.asarray(plant_cap_supply > capacity)[()],
        )
    reclaimed = (
        rounder("reclaimed_supply_1e4_m3_per_day", supply_total) if scenario.plants else cap_supply
    )
    if not scenario.plants:
        split = "none"
    names = [*Sewage.DRIVER_INPUTS[driver]]
    for optional in ("population_1e4_persons", "unforeseen_factor"):
        if getattr(scenario.sewage, optional) is not None:
            names.append(optional)
    used = {name: inputs.sewage(name, year) for name in dict.fromkeys(names)}
    return Supply(
        inputs=SewageInputs(**used, reuse_cap=cap),
        sewage_1e4_m3_per_day=sewage,
        sewage_1e4_m3_per_year=rounder("sewage_1e4_m3_per_year", sewage * DAYS_PER_YEAR),
        cap_supply_1e4_m3_per_day=cap_supply,
        reclaimed_supply_1e4_m3_per_day=reclaimed,
        plants=plants,
        sewage_split=split,
        domestic_1e4_m3_per_day=domestic,
        industrial_1e4_m3_per_day=industrial,
        water_supply_1e4_m3_per_day=water_supply,
    )
