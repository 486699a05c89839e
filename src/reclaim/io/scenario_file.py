"""Read a planning scenario: YAML → validated `Scenario`, with the published defaults filled in."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reclaim.errors import InputError, InputErrors
from reclaim.io.data_files import data_path, read_yaml
from reclaim.io.quality_files import load_catalogue, load_profile, load_standards
from reclaim.io.scenario_errors import consistency_errors, field_path, scenario_input_errors
from reclaim.planning.scenario import Scenario
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


def scenario_from_dict(
    data: Any, reference: dict[str, Any] | None = None, notes: list[str] | None = None
) -> Scenario:
    """Validate a scenario mapping and fill the defaults that have a published source.

    Notes (a field read under its old name) are appended to `notes`."""
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of scenario blocks")
    reference = reference or planning_reference()
    problems = _use_category_errors(data, reference["categories"])
    try:
        scenario = Scenario.model_validate(data, context={"notes": [] if notes is None else notes})
    except ValidationError as error:
        problems = scenario_input_errors(error, data) + problems
        problems += consistency_errors(error, data)
    if problems:
        raise InputErrors(problems)
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


def _use_category_errors(data: dict[str, Any], categories: dict[str, Any]) -> list[InputError]:
    """Each use's category must be one of GB/T 18919's; only a release to the environment may
    be kept outside the reuse cap. Checked on the file as written, so that these problems are
    listed with every other one."""
    uses = data.get("uses")
    released = [c for c, entry in categories.items() if entry.get("release_outside_cap")]
    problems = []
    for index, use in enumerate(uses if isinstance(uses, list) else []):
        if not isinstance(use, dict) or not isinstance(use.get("category"), str):
            continue  # a category missing or not text is the schema's error
        path = field_path(("uses", index), data)
        category = use["category"]
        if category not in categories:
            nearest = difflib.get_close_matches(str(category), list(categories), n=1)
            problems.append(
                InputError(
                    f"{path}.category",
                    category,
                    f"one of the GB/T 18919 categories: {', '.join(categories)}"
                    + (f"; did you mean {nearest[0]!r}?" if nearest else ""),
                )
            )
        elif use.get("outside_cap") is True and category not in released:
            problems.append(
                InputError(
                    f"{path}.outside_cap",
                    True,
                    f"only for a release to the environment ({', '.join(released)}); "
                    f"{category!r} draws on the reclaimed supply",
                )
            )
    return problems


def load_scenario(path: Path, notes: list[str] | None = None) -> Scenario:
    """Read and validate a scenario file (notes, if any, appended to `notes`)."""
    if not path.is_file():
        raise InputError("scenario", str(path), "an existing YAML file")
    return scenario_from_dict(read_yaml(path), notes=notes)


def rate_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """Rates outside the range their published source gives, one note each."""
    ranges = (reference or planning_reference())["coefficients"]["rates"]
    notes = []
    for use in scenario.uses:
        published = ranges.get(use.category)
        if published is None or use.rate_l_per_m2_day is None:
            continue
        low, high = published["range"]
        rates = use.rate_l_per_m2_day
        for where, rate in rates.items() if isinstance(rates, dict) else [(None, rates)]:
            if not low <= rate <= high:
                notes.append(
                    f"uses[{use.id}].rate_l_per_m2_day{'' if where is None else f'[{where}]'}: "
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
    given += [(f"uses[{u.id}]", u.population_1e4_persons) for u in scenario.uses]
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
