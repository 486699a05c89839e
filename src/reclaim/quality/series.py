"""Series of samples: compliance over a period and rolling compliance for monitoring.

A standard may state how a period is judged (e.g. EU 2020/741 Annex I: 90 % of samples within the
limit and no sample beyond a maximum deviation); without such a rule every sample must comply
(`EVERY_SAMPLE`). Each sample is first judged by the per-sample engine, so conditions, units and
unverified limits behave exactly as for one sample.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from reclaim.errors import InputError
from reclaim.quality.evaluate import (
    Fitness,
    ParameterVerdict,
    Status,
    evaluate_use,
    known_conditions,
    overall_fitness,
)
from reclaim.quality.samples import Sample
from reclaim.quality.standards import (
    EVERY_SAMPLE,
    ComplianceRule,
    Standard,
    edition_for,
    sample_day,
)

_PASS, _FAIL, _INCONCLUSIVE, _UNMEASURED = range(4)
SHARE_ROUNDING_TOLERANCE = 1e-9
"""Guards ceil(share × samples) against binary rounding just above a whole number."""


@dataclass(frozen=True)
class SeriesParameterVerdict:
    """How one limit rule fared over the series."""

    parameter: str
    status: Status
    tentative: Status | None
    n_measured: int
    n_pass: int
    n_fail: int
    n_inconclusive: int
    worst_ratio: float | None
    deviation_exceeded: bool
    limit: str | None
    limit_verified: bool = True
    """Whether the limit itself is verified (the period rule may be unverified on its own)."""

    @property
    def share_pass(self) -> float | None:
        """Share of measured samples that pass (None when nothing was measured)."""
        return self.n_pass / self.n_measured if self.n_measured else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "parameter": self.parameter,
            "status": self.status.value,
            "tentative": None if self.tentative is None else self.tentative.value,
            "limit": self.limit,
            "n_measured": self.n_measured,
            "n_pass": self.n_pass,
            "n_fail": self.n_fail,
            "n_inconclusive": self.n_inconclusive,
            "share_pass": self.share_pass,
            "worst_ratio": self.worst_ratio,
            "deviation_exceeded": self.deviation_exceeded,
            "limit_verified": self.limit_verified,
        }


@dataclass(frozen=True)
class SeriesVerdict:
    """Fitness of a series of samples for one use under a period compliance rule."""

    standard_id: str
    use_id: str
    rule: ComplianceRule
    n_samples: int
    fitness: Fitness
    verdicts: tuple[SeriesParameterVerdict, ...]
    edition: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "standard": self.standard_id,
            "use": self.use_id,
            "edition": self.edition,
            "rule": {
                "stated": self.rule.stated,
                "min_share": self.rule.min_share,
                "verified": self.rule.verified,
                "clause": self.rule.clause,
            },
            "n_samples": self.n_samples,
            "fitness": self.fitness.value,
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
        }


@dataclass(frozen=True)
class _Table:
    """Per-sample outcomes of every rule: codes, ratios, and whether each limit is verified."""

    codes: npt.NDArray[np.int8]
    ratios: npt.NDArray[np.float64]
    unverified: npt.NDArray[np.bool_]
    required: npt.NDArray[np.bool_]
    parameters: tuple[str, ...]
    stated: tuple[str | None, ...]


def evaluate_series(
    samples: Sequence[Sample],
    standard: Standard,
    use_class: str,
    conditions: Iterable[str] = (),
    rule: ComplianceRule | None = None,
    edition: str | None = None,
    undated: date | None = None,
) -> SeriesVerdict:
    """Judge a period's samples against one use with the standard's (or the given) period rule.

    Every sample must fall in one edition of the standard (see `series_edition`).
    """
    standard = series_edition(samples, standard, edition, undated)
    rule = rule or standard.compliance or EVERY_SAMPLE
    table = _outcome_table(samples, standard, use_class, conditions)
    verdicts = _aggregate(table, 0, len(samples), rule)
    return SeriesVerdict(
        standard_id=standard.id,
        use_id=use_class,
        rule=rule,
        n_samples=len(samples),
        fitness=overall_fitness((verdict.status for verdict in verdicts), standard.complete),
        verdicts=verdicts,
        edition=None if standard.dated_edition is None else standard.dated_edition.id,
    )


def series_edition(
    samples: Sequence[Sample], standard: Standard, edition: str | None, undated: date | None
) -> Standard:
    """The one edition that judges every sample of a series; a series across an edition's date
    is an `InputError` (split it there, or choose the edition)."""
    if edition is not None:
        standard.at_edition(edition)
    if not standard.editions:
        return standard
    chosen: Standard | None = None
    for sample in samples:
        in_force = edition_for(standard, sample_day(sample.taken, sample.id), edition, undated)
        if chosen is not None and in_force.dated_edition != chosen.dated_edition:
            boundary = max(
                entry.effective
                for entry in (in_force.dated_edition, chosen.dated_edition)
                if entry is not None
            )
            raise InputError(
                f"samples.{sample.id}.date",
                sample.taken,
                f"a date in the same edition of {standard.code} as the samples before it: "
                f"split the series at {boundary.isoformat()} or choose --edition",
            )
        chosen = in_force
    return chosen or standard


def rolling_compliance(
    samples: Sequence[Sample],
    standard: Standard,
    use_class: str,
    window: int,
    conditions: Iterable[str] = (),
    rule: ComplianceRule | None = None,
    edition: str | None = None,
    undated: date | None = None,
) -> list[tuple[str, Fitness]]:
    """Fitness over each window of ``window`` consecutive samples, labelled by its last sample.

    For monitoring: the verdict an operator sees after each new sample (samples in time order).
    """
    if not isinstance(window, int) or window < 1:
        raise InputError("window", window, "a whole number of samples ≥ 1")
    if window > len(samples):
        raise InputError("window", window, f"at most the number of samples ({len(samples)})")
    starts = [stop - window for stop in range(window, len(samples) + 1)]
    standard = series_edition(samples, standard, edition, undated)
    return _rolling(samples, standard, use_class, starts, window - 1, conditions, rule)


def rolling_compliance_days(
    samples: Sequence[Sample],
    standard: Standard,
    use_class: str,
    window_days: int,
    conditions: Iterable[str] = (),
    rule: ComplianceRule | None = None,
    edition: str | None = None,
    undated: date | None = None,
) -> list[tuple[str, Fitness]]:
    """Fitness over the ``window_days`` days ending at each sample's date (e.g. the last 30 days).

    Every sample needs an ISO date (``taken``), in non-decreasing order; a window holds the samples
    dated after (end − window_days) up to and including the end date.
    """
    if not isinstance(window_days, int) or window_days < 1:
        raise InputError("window_days", window_days, "a whole number of days ≥ 1")
    days = []
    for sample in samples:
        try:
            days.append(date.fromisoformat(str(sample.taken)).toordinal())
        except ValueError:
            raise InputError(
                f"samples.{sample.id}.date", sample.taken, "an ISO date YYYY-MM-DD"
            ) from None
    if any(later < earlier for earlier, later in itertools.pairwise(days)):
        raise InputError("samples", "dates out of order", "samples in time order")
    starts = [bisect.bisect_right(days, day - window_days) for day in days]
    standard = series_edition(samples, standard, edition, undated)
    return _rolling(samples, standard, use_class, starts, 0, conditions, rule)


def _rolling(
    samples: Sequence[Sample],
    standard: Standard,
    use_class: str,
    starts: Sequence[int],
    first_end: int,
    conditions: Iterable[str],
    rule: ComplianceRule | None,
) -> list[tuple[str, Fitness]]:
    """Fitness of samples[starts[k] .. first_end + k] for each k, labelled by the window's end."""
    rule = rule or standard.compliance or EVERY_SAMPLE
    table = _outcome_table(samples, standard, use_class, conditions)
    result = []
    for offset, start in enumerate(starts):
        end = first_end + offset
        verdicts = _aggregate(table, start, end + 1, rule)
        label = samples[end].taken or samples[end].id
        result.append(
            (label, overall_fitness((verdict.status for verdict in verdicts), standard.complete))
        )
    return result


def _outcome_table(
    samples: Sequence[Sample], standard: Standard, use_class: str, conditions: Iterable[str]
) -> _Table:
    if not samples:
        raise InputError("samples", 0, "at least one sample")
    use = standard.use(use_class)
    asserted = known_conditions(standard, conditions)
    per_sample = [evaluate_use(sample, standard, use, asserted).verdicts for sample in samples]
    shape = (len(samples), len(use.rules))
    codes = np.full(shape, _UNMEASURED, dtype=np.int8)
    ratios = np.full(shape, np.nan)
    unverified = np.zeros(shape, dtype=bool)
    required = np.zeros(shape, dtype=bool)
    stated: list[str | None] = [None] * len(use.rules)
    for row, verdicts in enumerate(per_sample):
        for column, verdict in enumerate(verdicts):
            _record(verdict, row, column, codes, ratios, unverified, required, stated)
    return _Table(
        codes,
        ratios,
        unverified,
        required,
        tuple(rule.parameter for rule in use.rules),
        tuple(stated),
    )


def _record(
    verdict: ParameterVerdict,
    row: int,
    column: int,
    codes: npt.NDArray[np.int8],
    ratios: npt.NDArray[np.float64],
    unverified: npt.NDArray[np.bool_],
    required: npt.NDArray[np.bool_],
    stated: list[str | None],
) -> None:
    if verdict.limit is None:
        return
    required[row, column] = True
    unverified[row, column] = not verdict.limit.verified
    stated[column] = stated[column] or verdict.limit.stated
    outcome = verdict.outcome
    codes[row, column] = {
        Status.PASS: _PASS,
        Status.FAIL: _FAIL,
        Status.INCONCLUSIVE: _INCONCLUSIVE,
    }.get(outcome, _UNMEASURED)
    if verdict.ratio is not None:
        ratios[row, column] = verdict.ratio


def _aggregate(
    table: _Table, start: int, stop: int, rule: ComplianceRule
) -> tuple[SeriesParameterVerdict, ...]:
    codes = table.codes[start:stop]
    ratios = table.ratios[start:stop]
    verdicts = []
    for column, parameter in enumerate(table.parameters):
        column_codes = codes[:, column]
        n_pass = int((column_codes == _PASS).sum())
        n_fail = int((column_codes == _FAIL).sum())
        n_inconclusive = int((column_codes == _INCONCLUSIVE).sum())
        n_measured = n_pass + n_fail + n_inconclusive
        column_ratios = ratios[:, column]
        finite = column_ratios[np.isfinite(column_ratios)]
        worst = float(finite.max()) if finite.size else None
        exceeded = _deviation_exceeded(column_ratios, column_codes, parameter, rule)
        limit_verified = True
        if not table.required[start:stop, column].any():
            status, tentative = Status.NOT_REQUIRED, None
        else:
            outcome = _series_outcome(n_measured, n_pass, n_fail, exceeded, rule)
            limit_verified = not table.unverified[start:stop, column].any()
            if not (limit_verified and rule.verified) and outcome is not Status.NOT_MEASURED:
                status, tentative = Status.UNVERIFIED_LIMIT, outcome
            else:
                status, tentative = outcome, None
        verdicts.append(
            SeriesParameterVerdict(
                parameter,
                status,
                tentative,
                n_measured,
                n_pass,
                n_fail,
                n_inconclusive,
                worst,
                exceeded,
                table.stated[column],
                limit_verified,
            )
        )
    return tuple(verdicts)


def _deviation_exceeded(
    ratios: npt.NDArray[np.float64],
    codes: npt.NDArray[np.int8],
    parameter: str,
    rule: ComplianceRule,
) -> bool:
    failed = ratios[(codes == _FAIL) & np.isfinite(ratios)]
    if failed.size == 0:
        return False
    if parameter in rule.log_parameters and rule.max_deviation_log10 is not None:
        return bool((np.log10(failed) > rule.max_deviation_log10).any())
    if rule.max_deviation_ratio is not None:
        return bool((failed > rule.max_deviation_ratio).any())
    return False


def _series_outcome(
    n_measured: int, n_pass: int, n_fail: int, exceeded: bool, rule: ComplianceRule
) -> Status:
    if n_measured == 0:
        return Status.NOT_MEASURED
    needed = math.ceil(rule.min_share * n_measured - SHARE_ROUNDING_TOLERANCE)
    if exceeded or n_measured - n_fail < needed:
        return Status.FAIL
    if n_pass >= needed:
        return Status.PASS
    return Status.INCONCLUSIVE
