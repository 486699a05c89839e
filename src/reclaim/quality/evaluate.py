"""The per-sample engine: verdict per parameter and overall fitness of a sample for a use.

This is the reference implementation, written for clarity one sample at a time; the vectorised
engine in `reclaim.quality.batch` must agree with it on every sample.

Rules that never pass silently:
- a limit not confirmed against the standard's text gives ``unverified_limit`` (with the
  tentative outcome), never ``pass``;
- a required parameter that is not measured gives ``not_measured``;
- a use is ``fit`` only when every limit that applies is a verified pass and the standard holds
  every item of its tables; ``unfit`` when any verified limit fails; ``undetermined`` otherwise;
- a result below detection ("<2") is below a minimum limit of at least its detection limit, so it
  fails that minimum (dissolved oxygen "<2 mg/L" against ≥ 2 mg/L).

A standard with dated editions is judged in the edition in force on the sample's date (or the one
asked for); see `reclaim.quality.standards.edition_for`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from reclaim.errors import InputError
from reclaim.quality.samples import Measurement, Sample
from reclaim.quality.standards import (
    Condition,
    Limit,
    LimitKind,
    LimitRule,
    Standard,
    UseClass,
    edition_for,
    sample_day,
)


class Status(StrEnum):
    """Verdict on one limit for one sample."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_MEASURED = "not_measured"
    NOT_REQUIRED = "not_required"
    UNVERIFIED_LIMIT = "unverified_limit"


class Fitness(StrEnum):
    """Overall verdict of a sample for a use."""

    FIT = "fit"
    UNFIT = "unfit"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class ParameterVerdict:
    """Verdict on one limit rule: status, the limit applied, and how far the sample is from it.

    ``margin`` is in the canonical unit, positive inside the limit; ``ratio`` is value ÷ limit for a
    maximum and limit ÷ value for a minimum (above 1 means over the limit), on the worse end of the
    measurement, and None when that is unbounded (a minimum against a value that may be 0).
    ``tentative`` is the outcome against an unverified limit.
    """

    parameter: str
    status: Status
    limit: Limit | None
    measurement: Measurement | None
    margin: float | None = None
    ratio: float | None = None
    tentative: Status | None = None
    condition: str | None = None

    @property
    def outcome(self) -> Status:
        """Pass/fail/inconclusive whether or not the limit is verified (status otherwise)."""
        return self.tentative if self.tentative is not None else self.status

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "parameter": self.parameter,
            "status": self.status.value,
            "tentative": None if self.tentative is None else self.tentative.value,
            "limit": None if self.limit is None else self.limit.stated,
            "limit_verified": None if self.limit is None else self.limit.verified,
            "clause": None if self.limit is None else self.limit.clause,
            "sources": [] if self.limit is None else list(self.limit.sources),
            "measured": None
            if self.measurement is None
            else {
                "low": self.measurement.low,
                "high": self.measurement.high,
                "nondetect": self.measurement.nondetect,
            },
            "margin": self.margin,
            "ratio": self.ratio,
            "condition": self.condition,
        }


@dataclass(frozen=True)
class UseVerdict:
    """Fitness of one sample for one use of one standard, with one verdict per limit rule."""

    sample_id: str
    standard_id: str
    standard_code: str
    use_id: str
    fitness: Fitness
    verdicts: tuple[ParameterVerdict, ...]
    conditions_applied: tuple[str, ...]
    measured_without_limit: tuple[str, ...]
    use_name_zh: str = ""
    use_name_en: str = ""
    edition: str | None = None
    missing_items: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def with_status(self, *statuses: Status) -> tuple[ParameterVerdict, ...]:
        """Verdicts whose status is one of ``statuses``."""
        return tuple(verdict for verdict in self.verdicts if verdict.status in statuses)

    def failing(self) -> tuple[ParameterVerdict, ...]:
        """Verdicts that fail, verified or tentatively against an unverified limit."""
        return tuple(verdict for verdict in self.verdicts if verdict.outcome is Status.FAIL)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "sample": self.sample_id,
            "standard": self.standard_id,
            "code": self.standard_code,
            "use": self.use_id,
            "use_name_zh": self.use_name_zh,
            "use_name_en": self.use_name_en,
            "fitness": self.fitness.value,
            "edition": self.edition,
            "missing_items": {table: list(items) for table, items in self.missing_items.items()},
            "conditions_applied": list(self.conditions_applied),
            "measured_without_limit": list(self.measured_without_limit),
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
        }


def limit_outcome(limit: Limit, measurement: Measurement) -> Status:
    """Pass, fail or inconclusive of one measurement interval against one limit.

    A non-detect "<DL" is strictly below DL, so it fails a minimum of DL or more.
    """
    low, high = measurement.low, measurement.high
    if limit.kind is LimitKind.NOT_DETECTED:
        if measurement.nondetect or high == 0.0:
            return Status.PASS
        return Status.FAIL if low > 0.0 else Status.INCONCLUSIVE
    if limit.kind is LimitKind.QUALITATIVE:
        return Status.PASS if low >= 1.0 else Status.FAIL
    lower = -math.inf if limit.lower is None else limit.lower
    upper = math.inf if limit.upper is None else limit.upper
    if lower <= low and high <= upper:
        return Status.PASS
    if high < lower or low > upper or (measurement.nondetect and high <= lower):
        return Status.FAIL
    return Status.INCONCLUSIVE


def margin_and_ratio(limit: Limit, measurement: Measurement) -> tuple[float | None, float | None]:
    """Signed distance to the limit (positive inside) and the ratio, on the worse bound.

    The ratio is None when it is unbounded: a minimum against a value that may be 0 (a non-detect
    or a measured 0), or a maximum of 0.
    """
    if limit.kind is LimitKind.MAX and limit.upper is not None:
        ratio = measurement.high / limit.upper if limit.upper > 0 else None
        return limit.upper - measurement.high, ratio
    if limit.kind is LimitKind.MIN and limit.lower is not None:
        ratio = limit.lower / measurement.low if measurement.low > 0 else None
        return measurement.low - limit.lower, ratio
    if limit.kind is LimitKind.RANGE and limit.lower is not None and limit.upper is not None:
        return min(measurement.low - limit.lower, limit.upper - measurement.high), None
    return None, None


def condition_active(condition: Condition, sample: Sample, asserted: Iterable[str]) -> bool:
    """True when the caller asserts ``condition`` or the sample's own value establishes it."""
    if condition.id in asserted:
        return True
    if condition.parameter is None:
        return False
    measurement = sample.measurements.get(condition.parameter)
    if measurement is None:
        return False
    if condition.at_most is not None and measurement.high > condition.at_most:
        return False
    return not (condition.at_least is not None and measurement.low < condition.at_least)


def judge_rule(
    rule: LimitRule, sample: Sample, conditions: Mapping[str, Condition], asserted: Iterable[str]
) -> ParameterVerdict:
    """Verdict of ``sample`` on one limit rule (resolving its condition first)."""
    active = rule.condition is not None and condition_active(
        conditions[rule.condition], sample, asserted
    )
    limit = rule.resolve(active)
    applied = rule.condition if active else None
    measurement = sample.measurements.get(rule.parameter)
    if limit is None:
        return ParameterVerdict(
            rule.parameter, Status.NOT_REQUIRED, None, measurement, condition=applied
        )
    if measurement is None:
        return ParameterVerdict(rule.parameter, Status.NOT_MEASURED, limit, None, condition=applied)
    outcome = limit_outcome(limit, measurement)
    margin, ratio = margin_and_ratio(limit, measurement)
    if limit.verified:
        return ParameterVerdict(
            rule.parameter, outcome, limit, measurement, margin, ratio, condition=applied
        )
    return ParameterVerdict(
        rule.parameter, Status.UNVERIFIED_LIMIT, limit, measurement, margin, ratio, outcome, applied
    )


def overall_fitness(statuses: Iterable[Status], complete: bool = True) -> Fitness:
    """Unfit if any verified limit fails; fit if every applicable limit is a verified pass and the
    standard is ``complete`` (holds every item of its tables)."""
    statuses = [status for status in statuses if status is not Status.NOT_REQUIRED]
    if Status.FAIL in statuses:
        return Fitness.UNFIT
    if complete and statuses and all(status is Status.PASS for status in statuses):
        return Fitness.FIT
    return Fitness.UNDETERMINED


def evaluate(
    sample: Sample,
    standard: Standard,
    use_class: str,
    conditions: Iterable[str] = (),
    edition: str | None = None,
    undated: date | None = None,
) -> UseVerdict:
    """Judge ``sample`` against one use of ``standard``: a verdict per limit and overall fitness.

    ``conditions`` asserts circumstances the sample cannot show (e.g. ``coastal_high_tds``); an
    unknown condition id is an `InputError`. The edition is ``edition`` if given, else the one in
    force on the sample's date, else on ``undated``, else the latest.
    """
    if edition is not None:
        standard.at_edition(edition)
    standard = edition_for(standard, sample_day(sample.taken, sample.id), edition, undated)
    use = standard.use(use_class)
    asserted = known_conditions(standard, conditions)
    return evaluate_use(sample, standard, use, asserted)


def known_conditions(standard: Standard, conditions: Iterable[str]) -> frozenset[str]:
    """The asserted condition ids, each checked to be defined by ``standard``."""
    asserted = frozenset(conditions)
    unknown = sorted(asserted - set(standard.conditions))
    if unknown:
        allowed = ", ".join(standard.conditions) or "none defined"
        raise InputError("condition", unknown[0], f"a condition of {standard.code} ({allowed})")
    return asserted


def evaluate_use(
    sample: Sample, standard: Standard, use: UseClass, asserted: frozenset[str]
) -> UseVerdict:
    """Judge ``sample`` against ``use`` with already-validated asserted conditions."""
    verdicts = tuple(judge_rule(rule, sample, standard.conditions, asserted) for rule in use.rules)
    limited = {rule.parameter for rule in use.rules}
    return UseVerdict(
        sample_id=sample.id,
        standard_id=standard.id,
        standard_code=standard.code,
        use_id=use.id,
        fitness=overall_fitness((verdict.status for verdict in verdicts), standard.complete),
        verdicts=verdicts,
        conditions_applied=tuple(
            sorted({v.condition for v in verdicts if v.condition is not None})
        ),
        measured_without_limit=tuple(sorted(set(sample.measurements) - limited)),
        use_name_zh=use.name_zh,
        use_name_en=use.name_en,
        edition=None if standard.dated_edition is None else standard.dated_edition.id,
        missing_items={table: items for table, items in standard.missing_items.items() if items},
    )


@dataclass(frozen=True)
class FitnessMatrix:
    """One sample against every use of every given standard."""

    sample_id: str
    verdicts: tuple[UseVerdict, ...]

    def fit_uses(self) -> tuple[tuple[str, str], ...]:
        """(standard id, use id) of every use the sample is fit for."""
        return tuple((v.standard_id, v.use_id) for v in self.verdicts if v.fitness is Fitness.FIT)

    def by_fitness(self, fitness: Fitness) -> tuple[UseVerdict, ...]:
        """Use verdicts with the given overall fitness."""
        return tuple(verdict for verdict in self.verdicts if verdict.fitness is fitness)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: per use the fitness and the parameters that decide it."""
        return {
            "sample": self.sample_id,
            "uses": [
                {
                    "standard": v.standard_id,
                    "code": v.standard_code,
                    "use": v.use_id,
                    "use_name_zh": v.use_name_zh,
                    "use_name_en": v.use_name_en,
                    "fitness": v.fitness.value,
                    "edition": v.edition,
                    "missing_items": {
                        table: list(items) for table, items in v.missing_items.items()
                    },
                    "failing": [p.parameter for p in v.with_status(Status.FAIL)],
                    "tentatively_failing": [
                        p.parameter
                        for p in v.with_status(Status.UNVERIFIED_LIMIT)
                        if p.tentative is Status.FAIL
                    ],
                    "not_measured": [p.parameter for p in v.with_status(Status.NOT_MEASURED)],
                    "inconclusive": [p.parameter for p in v.with_status(Status.INCONCLUSIVE)],
                    "unverified_limits": [
                        p.parameter for p in v.with_status(Status.UNVERIFIED_LIMIT)
                    ],
                }
                for v in self.verdicts
            ],
        }


def fitness_matrix(
    sample: Sample,
    standards: Mapping[str, Standard] | Iterable[Standard],
    conditions: Iterable[str] = (),
    edition: str | None = None,
    undated: date | None = None,
) -> FitnessMatrix:
    """Judge one sample (or a plant's effluent profile) against every use of every standard.

    ``conditions`` are asserted for each standard that defines them and ignored by the others;
    ``edition`` chooses that edition in the standards that have it; the others are judged in the
    edition in force on the sample's date (or ``undated``; the latest when both are missing).
    """
    items = list(standards.values() if isinstance(standards, Mapping) else standards)
    check_edition(items, edition)
    day = sample_day(sample.taken, sample.id)
    asserted = frozenset(conditions)
    verdicts = []
    for standard in items:
        in_force = edition_for(standard, day, edition, undated)
        for use in in_force.uses.values():
            verdicts.append(
                evaluate_use(sample, in_force, use, asserted & set(in_force.conditions))
            )
    return FitnessMatrix(sample.id, tuple(verdicts))


def check_edition(standards: Iterable[Standard], edition: str | None) -> None:
    """An edition asked for must be an edition of at least one of ``standards``."""
    if edition is None:
        return
    known = sorted({entry.id for standard in standards for entry in standard.editions})
    if edition not in known:
        raise InputError(
            "edition", edition, f"an edition of the chosen standards ({', '.join(known) or 'none'})"
        )
