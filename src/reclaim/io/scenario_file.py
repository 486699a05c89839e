"""Read a planning scenario: YAML → validated `Scenario`, with the published defaults filled in."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.io.quality_files import load_catalogue, load_profile, load_standards
from reclaim.planning.scenario import Scenario
from reclaim.quality.evaluate import fitness_matrix
from reclaim.quality.standards import latest_editions


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


def input_error_from(error: ValidationError) -> InputError:
    """The first validation problem as an InputError naming its field path and value."""
    first = error.errors()[0]
    path = _field_path(tuple(first["loc"]))
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, InputError):
        field = cause.field if path == "scenario" else f"{path}.{cause.field}"
        return InputError(field, cause.value, cause.allowed)
    if first["type"] == "extra_forbidden":
        return InputError(
            path,
            first["input"],
            "unknown field (units go in field names, e.g. area_ha, flow_m3_per_day)",
        )
    if first["type"] == "missing":
        return InputError(path, None, "required field is missing")
    message = first["msg"].removeprefix("Value error, ")
    value = first["input"] if path != "scenario" and not isinstance(first["input"], dict) else "…"
    return InputError(path, value, message)


def scenario_from_dict(data: Any, reference: dict[str, Any] | None = None) -> Scenario:
    """Validate a scenario mapping and fill the defaults that have a published source."""
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of scenario blocks")
    reference = reference or planning_reference()
    try:
        scenario = Scenario.model_validate(data)
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
    sewage = scenario.sewage
    if sewage.reuse_cap is None:
        sewage = sewage.model_copy(
            update={"reuse_cap": reference["coefficients"]["reuse_cap"]["value"]}
        )
    return scenario.model_copy(
        update={
            "sewage": sewage,
            "rounding": {**reference["rounding"], **scenario.rounding},
        }
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    if not path.is_file():
        raise InputError("scenario", str(path), "an existing YAML file")
    return scenario_from_dict(read_yaml(path))


def rate_notes(scenario: Scenario, reference: dict[str, Any] | None = None) -> list[str]:
    """Rates outside the range their published source gives, one note each."""
    ranges = (reference or planning_reference())["coefficients"]["rates"]
    notes = []
    for index, use in enumerate(scenario.uses):
        published = ranges.get(use.category)
        if published is None or use.rate_l_per_m2_day is None:
            continue
        low, high = published["range"]
        if not low <= use.rate_l_per_m2_day <= high:
            notes.append(
                f"uses[{index}].rate_l_per_m2_day: {use.rate_l_per_m2_day:g} is outside "
                f"{low:g}–{high:g} {published['unit']} ({published['source']})"
            )
    return notes


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
