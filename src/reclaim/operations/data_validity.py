"""Data-validity grades of a water balance, in the manner of the AWWA water audit (M36, 4th ed.).

Each input is graded on the file's 1–10 scale by whoever compiled it (how it was measured, how
its meters are tested); the overall score (1–100) is the weighted mean grade × 10, each grade
weighted by the volume of the balance its input governs (a simplification of the Free Water
Audit Software's weights, marked a local choice in the file), and falls in one of the file's
Data Validity levels. An audit with a low score says its losses figures are not yet to be relied
on, whatever they show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from reclaim.errors import InputError, InputErrors
from reclaim.operations.coefficients import coefficient, entries, table
from reclaim.operations.water_balance import BalanceInputs

SCORE_PER_GRADE = 10.0
"""The overall score runs 1–100 on a 1–10 grade scale (AWWA Free Water Audit Software v5)."""


@dataclass(frozen=True)
class ValidityLevel:
    """A Data Validity level and the lowest score in it."""

    name: str
    min_score: float


@dataclass(frozen=True)
class ValidityScale:
    """The grade scale and the levels of the overall score."""

    min_grade: float
    max_grade: float
    levels: tuple[ValidityLevel, ...]


@dataclass(frozen=True)
class DataValidity:
    """The overall score (1–100), its level, and the grade and weight (m³) of each input."""

    score: float
    level: str
    grades: Mapping[str, int]
    weights_m3: Mapping[str, float]


def validity_scale_from_dict(raw: object, where: str = "data_validity") -> ValidityScale:
    """`ValidityScale` from the ``data_validity`` table of the losses file."""
    scale = table(raw, where)
    levels = tuple(
        ValidityLevel(
            name=str(entry.get("name")),
            min_score=coefficient(entry, "min_score", f"{where}.levels[{index}]"),
        )
        for index, entry in enumerate(entries(scale.get("levels"), f"{where}.levels"))
    )
    return ValidityScale(
        min_grade=coefficient(scale, "min_grade", where),
        max_grade=coefficient(scale, "max_grade", where),
        levels=tuple(sorted(levels, key=lambda level: level.min_score)),
    )


def balance_validity(
    inputs: BalanceInputs, grades: Mapping[str, object], scale: ValidityScale
) -> DataValidity:
    """The data validity of a balance: ``grades`` holds a grade for every non-zero input of
    ``inputs`` (by field name); zero volumes weigh nothing and need no grade."""
    weights = {
        field.name: getattr(inputs, field.name)
        for field in fields(inputs)
        if getattr(inputs, field.name) > 0
    }
    allowed = f"a whole grade from {scale.min_grade:.0f} to {scale.max_grade:.0f}"
    problems = [
        InputError(f"grades.{name}", grades[name], "a grade of an input of the balance")
        for name in grades
        if name not in {field.name for field in fields(inputs)}
    ]
    checked: dict[str, int] = {}
    for name in weights:
        grade = grades.get(name)
        if (
            isinstance(grade, bool)
            or not isinstance(grade, int)
            or not scale.min_grade <= grade <= scale.max_grade
        ):
            problems.append(InputError(f"grades.{name}", grade, allowed))
        else:
            checked[name] = grade
    if problems:
        raise InputErrors(problems)
    total = sum(weights.values())
    score = SCORE_PER_GRADE * sum(checked[name] * weights[name] for name in weights) / total
    level = next(
        (level.name for level in reversed(scale.levels) if score >= level.min_score),
        scale.levels[0].name,
    )
    return DataValidity(score=score, level=level, grades=checked, weights_m3=weights)
