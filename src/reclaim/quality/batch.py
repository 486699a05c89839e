"""The vectorised engine: many samples × every use at once, with NumPy.

Same rules as `reclaim.quality.evaluate` (the per-sample reference), applied column-wise to a
`SampleMatrix`; each distinct limit is compared once per chunk of samples and shared by every use
that has it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from reclaim.quality.evaluate import Fitness, check_edition
from reclaim.quality.samples import BoolArray, SampleMatrix
from reclaim.quality.standards import (
    Condition,
    Limit,
    LimitKind,
    Standard,
    edition_for,
    sample_day,
)

FITNESS_BY_CODE = (Fitness.FIT, Fitness.UNDETERMINED, Fitness.UNFIT)
"""Meaning of the int8 codes in `BatchFitness.codes`."""
FIT, UNDETERMINED, UNFIT = range(3)

DEFAULT_CHUNK_SAMPLES = 16_384
"""Samples per chunk: keeps the working arrays in cache; a tuning choice, not a physical figure."""


@dataclass(frozen=True)
class BatchFitness:
    """Fitness codes (samples × uses) of a batch evaluation; see `FITNESS_BY_CODE`.

    ``failures[use][parameter]`` counts the samples whose value fails that parameter's limit for the
    use, tentative failures included; ``tentative[use]`` names the parameters whose limit is not
    verified, so a count there rests on an unconfirmed value.
    """

    uses: tuple[tuple[str, str], ...]
    codes: npt.NDArray[np.int8]
    failures: Mapping[tuple[str, str], Mapping[str, int]]
    tentative: Mapping[tuple[str, str], frozenset[str]]

    def fitness(self, sample_index: int, use: tuple[str, str]) -> Fitness:
        """Fitness of one sample for one (standard id, use id)."""
        return FITNESS_BY_CODE[int(self.codes[sample_index, self.uses.index(use)])]

    def counts(self) -> dict[tuple[str, str], dict[Fitness, int]]:
        """Number of samples fit, undetermined and unfit for each use."""
        return {
            use: {
                fitness: int((self.codes[:, column] == code).sum())
                for code, fitness in enumerate(FITNESS_BY_CODE)
            }
            for column, use in enumerate(self.uses)
        }

    def fit_share(self) -> dict[tuple[str, str], float]:
        """Share of samples fit for each use."""
        shares = (self.codes == FIT).mean(axis=0) if self.codes.size else np.zeros(len(self.uses))
        return {use: float(share) for use, share in zip(self.uses, shares, strict=True)}


@dataclass
class _Outcome:
    """Pass and fail masks of one limit over a chunk, with the fail count computed once."""

    passed: BoolArray
    failed: BoolArray
    n_failed: int | None = None

    def count_failed(self) -> int:
        """Number of samples failing (shared by every use with this limit)."""
        if self.n_failed is None:
            self.n_failed = int(np.count_nonzero(self.failed))
        return self.n_failed


def evaluate_batch(
    matrix: SampleMatrix,
    standards: Mapping[str, Standard] | Iterable[Standard],
    conditions: Iterable[str] = (),
    chunk_samples: int = DEFAULT_CHUNK_SAMPLES,
    edition: str | None = None,
    undated: date | None = None,
) -> BatchFitness:
    """Fitness of every sample of ``matrix`` for every use of every standard, vectorised.

    ``conditions`` are asserted for the standards that define them, and editions are chosen by
    ``edition`` or each sample's date (else ``undated``), as in `fitness_matrix`; samples judged
    in the same editions are evaluated together.
    """
    items = list(standards.values() if isinstance(standards, Mapping) else standards)
    check_edition(items, edition)
    uses = tuple((standard.id, use_id) for standard in items for use_id in standard.uses)
    codes = np.empty((matrix.size, len(uses)), dtype=np.int8)
    failures: dict[tuple[str, str], dict[str, int]] = {use: {} for use in uses}
    tentative: dict[tuple[str, str], frozenset[str]] = {use: frozenset() for use in uses}
    asserted = frozenset(conditions)
    for rows, in_force in _edition_groups(matrix, items, edition, undated):
        group = matrix if rows is None else matrix.rows(rows)
        group_codes = codes if rows is None else np.empty((group.size, len(uses)), np.int8)
        for start in range(0, group.size, chunk_samples):
            stop = min(start + chunk_samples, group.size)
            _evaluate_chunk(group, in_force, asserted, start, stop, group_codes, failures)
        if rows is not None:
            codes[rows] = group_codes
        for standard in in_force:
            for use in standard.uses.values():
                tentative[(standard.id, use.id)] |= {
                    rule.parameter
                    for rule in use.rules
                    if any(not limit.verified for limit in rule.limits())
                }
    return BatchFitness(uses, codes, failures, tentative)


def _edition_groups(
    matrix: SampleMatrix, standards: Sequence[Standard], edition: str | None, undated: date | None
) -> list[tuple[npt.NDArray[np.intp] | None, list[Standard]]]:
    """Samples grouped by the editions that judge them: (rows, or None for all; standards)."""
    default = [edition_for(standard, None, edition, undated) for standard in standards]
    if matrix.taken is None or not any(standard.editions for standard in standards):
        return [(None, default)]
    ids = matrix.sample_ids or tuple(str(row) for row in range(matrix.size))
    groups: dict[tuple[object, ...], int] = {
        tuple(standard.dated_edition for standard in default): 0
    }
    chosen = [default]
    group_of_text: dict[str | None, int] = {None: 0}
    for row, text in enumerate(matrix.taken):
        if text in group_of_text:
            continue
        in_force = [
            edition_for(standard, sample_day(text, ids[row]), edition, undated)
            for standard in standards
        ]
        key = tuple(standard.dated_edition for standard in in_force)
        if key not in groups:
            groups[key] = len(chosen)
            chosen.append(in_force)
        group_of_text[text] = groups[key]
    group_index = np.fromiter(
        (group_of_text[text] for text in matrix.taken), dtype=np.intp, count=matrix.size
    )
    present = np.unique(group_index)
    if present.size == 1:
        return [(None, chosen[int(present[0])])]
    return [(np.flatnonzero(group_index == group), chosen[int(group)]) for group in present]


def _evaluate_chunk(
    matrix: SampleMatrix,
    standards: list[Standard],
    asserted: frozenset[str],
    start: int,
    stop: int,
    codes: npt.NDArray[np.int8],
    failures: dict[tuple[str, str], dict[str, int]],
) -> None:
    size = stop - start
    # column-major copies of the chunk: every comparison then reads one contiguous column
    low = np.asfortranarray(matrix.low[start:stop])
    high = low if matrix.high is matrix.low else np.asfortranarray(matrix.high[start:stop])
    nondetect = (
        None if matrix.nondetect is None else np.asfortranarray(matrix.nondetect[start:stop])
    )
    outcomes: dict[tuple[object, ...], _Outcome] = {}

    def outcome(limit: Limit) -> _Outcome:
        key = (limit.parameter, limit.kind, limit.lower, limit.upper)
        if key not in outcomes:
            outcomes[key] = _compare(
                limit, matrix.column(limit.parameter), low, high, nondetect, size
            )
        return outcomes[key]

    column_index = 0
    for standard in standards:
        active_by_condition = {
            condition_id: _condition_active(
                condition, condition_id in asserted, matrix, low, high, size
            )
            for condition_id, condition in standard.conditions.items()
        }
        for use in standard.uses.values():
            failed_here = failures[(standard.id, use.id)]
            any_fail = np.zeros(size, dtype=bool)
            all_pass = np.ones(size, dtype=bool)
            any_required = np.zeros(size, dtype=bool)
            # a parameter with several limits (daily mean and instantaneous) counts a sample once
            rules_of = Counter(rule.parameter for rule in use.rules)
            failing_of: dict[str, BoolArray] = {}
            for rule in use.rules:
                active = None if rule.condition is None else active_by_condition[rule.condition]
                for limit, applies in ((rule.base, _negate(active)), (rule.conditional, active)):
                    if limit is None or (applies is not None and not applies.any()):
                        continue
                    result = outcome(limit)
                    if rules_of[rule.parameter] > 1:
                        mask = result.failed if applies is None else result.failed & applies
                        previous = failing_of.get(rule.parameter)
                        failing_of[rule.parameter] = mask if previous is None else previous | mask
                    else:
                        failed_here[rule.parameter] = failed_here.get(rule.parameter, 0) + (
                            result.count_failed()
                            if applies is None
                            else int(np.count_nonzero(result.failed & applies))
                        )
                    failed = result.failed if limit.verified else np.zeros(size, dtype=bool)
                    passed = result.passed if limit.verified else np.zeros(size, dtype=bool)
                    if applies is None:
                        any_fail |= failed
                        all_pass &= passed
                        any_required[:] = True
                    else:
                        any_fail |= failed & applies
                        all_pass &= passed | ~applies
                        any_required |= applies
            for parameter, mask in failing_of.items():
                failed_here[parameter] = failed_here.get(parameter, 0) + int(np.count_nonzero(mask))
            if not standard.complete:
                all_pass[:] = False
            codes[start:stop, column_index] = np.where(
                any_fail, UNFIT, np.where(all_pass & any_required, FIT, UNDETERMINED)
            )
            column_index += 1


def _negate(mask: BoolArray | None) -> BoolArray | None:
    return None if mask is None else ~mask


def _compare(
    limit: Limit,
    column: int | None,
    low_all: npt.NDArray[np.float64],
    high_all: npt.NDArray[np.float64],
    nondetect_all: BoolArray | None,
    size: int,
) -> _Outcome:
    """Pass and fail masks of one limit over a chunk; an unmeasured value is neither."""
    if column is None:
        nothing = np.zeros(size, dtype=bool)
        return _Outcome(nothing, nothing)
    low = low_all[:, column]
    high = high_all[:, column]
    with np.errstate(invalid="ignore"):
        if limit.kind is LimitKind.NOT_DETECTED:
            nondetect = (
                np.zeros(size, dtype=bool) if nondetect_all is None else nondetect_all[:, column]
            )
            passed = nondetect | (high == 0.0)
            failed = ~passed & (low > 0.0)
        elif limit.kind is LimitKind.QUALITATIVE:
            measured = ~np.isnan(low)
            passed = low >= 1.0
            failed = measured & ~passed
        else:
            lower = -np.inf if limit.lower is None else limit.lower
            upper = np.inf if limit.upper is None else limit.upper
            passed = (low >= lower) & (high <= upper)
            failed = (high < lower) | (low > upper)
            if limit.lower is not None and nondetect_all is not None:
                # "<DL" is strictly below DL: it fails a minimum of DL or more
                failed |= nondetect_all[:, column] & (high <= lower)
    return _Outcome(passed, failed)


def _condition_active(
    condition: Condition,
    asserted: bool,
    matrix: SampleMatrix,
    low_all: npt.NDArray[np.float64],
    high_all: npt.NDArray[np.float64],
    size: int,
) -> BoolArray:
    if asserted:
        return np.ones(size, dtype=bool)
    column = None if condition.parameter is None else matrix.column(condition.parameter)
    if column is None:
        return np.zeros(size, dtype=bool)
    low = low_all[:, column]
    high = high_all[:, column]
    active = ~np.isnan(low)
    with np.errstate(invalid="ignore"):
        if condition.at_most is not None:
            active &= high <= condition.at_most
        if condition.at_least is not None:
            active &= low >= condition.at_least
    return active
