"""Read a planning scenario: YAML → validated `Scenario`, with the published defaults filled in."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.io.quality_files import load_catalogue, load_profile, load_standards
from reclaim.planning.scenario import Scenario, Strict
from reclaim.planning.supply import plants_running
from reclaim.quality.evaluate import fitness_matrix
from reclaim.quality.standards import latest_editions
from reclaim.units import M3_PER_L, PERSONS_PER_1E4_PERSONS


@functools.cache
def planning_reference() -> dict[str, Any]:
    """The shipped coefficients, use categories and printed-precision rules (read once; treat
    as read-only)."""
    return {
        "coefficients": read_yaml(data_path("planning", "coefficients.yaml")),
        "categories": read_yaml(data_path("planning", "use_categories.yaml"))["categories"],
        "rounding": read_yaml(data_path("planning", "plan_rounding.yaml"))["digits"],
    }


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "scenario"


@functools.cache
def _scenario_field_names() -> frozenset[str]:
    """Every field name of every scenario block (and the old names still read)."""
    names: set[str] = set()
    blocks: list[type[Strict]] = [Strict]
    while blocks:
        block = blocks.pop()
        names |= set(block.model_fields) | set(block.renamed_fields)
        blocks += block.__subclasses__()
    return frozenset(names)


def input_error_from(error: ValidationError) -> InputError:
    """The first validation problem as an InputError naming its field path and value."""
    first = error.errors()[0]
    path = _field_path(tuple(first["loc"]))
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, InputError):
        field = cause.field if path == "scenario" else f"{path}.{cause.field}"
        return InputError(field, cause.value, cause.allowed)
    if first["type"] == "extra_forbidden":
        name = str(first["loc"][-1])
        nearest = difflib.get_close_matches(name, sorted(_scenario_field_names()), n=1)
        return InputError(
            path,
            first["input"],
            "unknown field (units go in field names, e.g. area_ha, flow_m3_per_day)"
            + (f"; nearest valid field: {nearest[0]}" if nearest else ""),
        )
    if first["type"] == "missing":
        return InputError(path, None, "required field is missing")
    message = first["msg"].removeprefix("Value error, ")
    value = first["input"] if path != "scenario" and not isinstance(first["input"], dict) else "…"
    return InputError(path, value, message)


def scenario_from_dict(
    data: Any, reference: dict[str, Any] | None = None, notes: list[str] | None = None
) -> Scenario:
    """Validate a scenario mapping and fill the defaults that have a published source.

    Notes (a field read under its old name) are appended to `notes`."""
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of scenario blocks")
    reference = reference or planning_reference()
    try:
        scenario = Scenario.model_validate(data, context={"notes": [] if notes is None else notes})
    except ValidationError as error:
        raise input_error_from(error) from None
    categories = reference["categories"]
    for index, use in enumerate(scenario.uses):
        if use.category not in categories:
            raise InputError(
                f"uses[{index}].category",
                use.category,
                f"one of the GB/T 18919 categories: {', '.join(categories)}",
            )
        released = [c for c, entry in categories.items() if entry.get("release_outside_cap")]
        if use.outside_cap and use.category not in released:
            raise InputError(
                f"uses[{index}].outside_cap",
                True,
                f"only for a release to the environment ({', '.join(released)}); "
                f"{use.category!r} draws on the reclaimed supply",
            )
    sewage = scenario.sewage
    if sewage.reuse_cap is None:
        sewage = sewage.model_copy(
            update={"reuse_cap": reference["coefficients"]["reuse_cap"]["value"]}
        )
    calendar = scenario.calendar
    if calendar.irrigation_months is None:
        default = reference["coefficients"]["irrigation_season"]["months"]
        calendar = calendar.model_copy(update={"irrigation_months": list(default)})
    return scenario.model_copy(
        update={
            "sewage": sewage,
            "calendar": calendar,
            "rounding": {**reference["rounding"], **scenario.rounding},
        }
    )


def load_scenario(path: Path, notes: list[str] | None = None) -> Scenario:
    """Read and validate a scenario file (notes, if any, appended to `notes`)."""
    if not path.is_file():
        raise InputError("scenario", str(path), "an existing YAML file")
    return scenario_from_dict(read_yaml(path), notes=notes)


def rate_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """Rates outside the range their published source gives, one note each."""
    ranges = (reference or planning_reference())["coefficients"]["rates"]
    notes = []
    for index, use in enumerate(scenario.uses):
        published = ranges.get(use.category)
        if published is None or use.rate_l_per_m2_day is None:
            continue
        low, high = published["range"]
        rates = use.rate_l_per_m2_day
        for where, rate in rates.items() if isinstance(rates, dict) else [(None, rates)]:
            if not low <= rate <= high:
                notes.append(
                    f"uses[{index}].rate_l_per_m2_day{'' if where is None else f'[{where}]'}: "
                    f"{rate:g} is outside {low:g}–{high:g} {published['unit']} "
                    f"({published['source']})"
                )
    return notes


def population_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """A population in 万人 larger than any city's looks like persons entered as 万人 (off by
    10⁴), one note each."""
    largest = (reference or planning_reference())["coefficients"]["largest_city_population"]
    limit = float(largest["value_1e4_persons"])
    given = [("sewage", scenario.sewage.population_1e4_persons)]
    given += [(f"uses.{u.id}", u.population_1e4_persons) for u in scenario.uses]
    notes = []
    for block, populations in given:
        for year, value in (populations or {}).items():
            if value > limit:
                notes.append(
                    f"{block}.population_1e4_persons[{year}]: {value:g} 万人 is more than the "
                    f"{limit:g} 万 of the most populous city ({largest['source']}); if it "
                    f'counts persons, write "{value:g} 人" (= {value / 1e4:g} 万人)'
                )
    return notes


def sewage_scale_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """A population-driven domestic sewage orders of magnitude away from the sewage capacity of
    the plants in service: the population is probably in the wrong unit (off by 10⁴)."""
    sewage = scenario.sewage
    populations, quotas = sewage.population_1e4_persons, sewage.domestic_l_per_person_day
    if sewage.driver != "population" or populations is None or quotas is None:
        return []
    ratio_limit = float(
        (reference or planning_reference())["coefficients"]["population_capacity_ratio"]["value"]
    )
    notes = []
    for year in scenario.horizons:
        capacity = sum(p.sewage_capacity_m3_per_day or 0.0 for p in plants_running(scenario, year))
        domestic_m3 = populations[year] * PERSONS_PER_1E4_PERSONS * quotas[year] * M3_PER_L
        if capacity <= 0 or domestic_m3 <= 0:
            continue
        ratio = domestic_m3 / capacity
        if ratio > ratio_limit or ratio < 1 / ratio_limit:
            notes.append(
                f"sewage.population_1e4_persons[{year}]: {populations[year]:g} 万人 at "
                f"{quotas[year]:g} L/(person·d) is {domestic_m3:,.0f} m³/d of domestic water, "
                f"{ratio:.3g} times the {capacity:,.0f} m³/d the plants in service treat; "
                "is the population in 万人 (10⁴ persons)?"
            )
    return notes


def scenario_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """Everything about a valid scenario a planner should look at again."""
    return (
        rate_notes(scenario, reference)
        + population_notes(scenario, reference)
        + sewage_scale_notes(scenario, reference)
    )


def plants_fitness(scenario: Scenario) -> dict[str, Any]:
    """For each plant with an effluent profile: which uses of the current standards it may serve.

    The profile names a file in the quality data (`src/reclaim/data/quality/profiles/`).
    """
    profiled = [(i, p) for i, p in enumerate(scenario.plants) if p.effluent_profile is not None]
    if not profiled:
        return {}
    catalogue = load_catalogue()
    standards = latest_editions(load_standards((), catalogue))
    fitness: dict[str, Any] = {}
    for index, plant in profiled:
        try:
            sample = load_profile(str(plant.effluent_profile), catalogue)
        except InputError as error:
            raise InputError(
                f"plants[{index}].effluent_profile", error.value, error.allowed
            ) from None
        fitness[plant.id] = fitness_matrix(sample, standards).to_dict()
    return fitness
