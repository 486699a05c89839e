"""Properties: tightening never helps, a missing value never yields fit, batch == reference."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reclaim.io.quality_files import load_catalogue, load_standards
from reclaim.quality.batch import FITNESS_BY_CODE, evaluate_batch
from reclaim.quality.evaluate import Fitness, Status, fitness_matrix
from reclaim.quality.samples import Measurement, Sample, SampleMatrix
from reclaim.quality.standards import (
    Limit,
    LimitKind,
    LimitRule,
    Standard,
    UseClass,
    all_parameters,
)

CATALOGUE = load_catalogue()
STANDARDS = load_standards(catalogue=CATALOGUE)
PARAMETERS = (*all_parameters(STANDARDS.values()), "water_temperature")
RANK = {Status.PASS: 0, Status.INCONCLUSIVE: 1, Status.FAIL: 2}


@st.composite
def measurements(draw: st.DrawFn, parameter: str) -> Measurement:
    unit = CATALOGUE.parameters[parameter].canonical_unit
    if unit == "conformity":
        value = float(draw(st.sampled_from([0.0, 1.0])))
        return Measurement(value, value)
    highest = 14.0 if unit == "pH" else 40.0 if parameter == "water_temperature" else 5000.0
    low = draw(st.floats(0.0, highest, allow_nan=False))
    kind = draw(st.sampled_from(["point", "point", "interval", "nondetect"]))
    if kind == "point":
        return Measurement(low, low)
    high = draw(st.floats(low, highest, allow_nan=False))
    return Measurement(0.0, high, nondetect=True) if kind == "nondetect" else Measurement(low, high)


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    chosen = draw(st.lists(st.sampled_from(PARAMETERS), unique=True, max_size=len(PARAMETERS)))
    return Sample("h", {parameter: draw(measurements(parameter)) for parameter in chosen})


def tighten(limit: Limit | None, factor: float) -> Limit | None:
    if limit is None or limit.kind in (LimitKind.NOT_DETECTED, LimitKind.QUALITATIVE):
        return limit
    lower, upper = limit.lower, limit.upper
    if limit.kind is LimitKind.MAX and upper is not None:
        upper *= factor
    elif limit.kind is LimitKind.MIN and lower is not None:
        lower /= factor
    elif lower is not None and upper is not None:
        middle, half = (lower + upper) / 2, (upper - lower) / 2 * factor
        lower, upper = middle - half, middle + half
    return dataclasses.replace(limit, lower=lower, upper=upper)


def tightened(standard: Standard, factor: float) -> Standard:
    uses = {
        use_id: dataclasses.replace(
            use,
            rules=tuple(
                LimitRule(
                    rule.parameter,
                    tighten(rule.base, factor),
                    rule.condition,
                    tighten(rule.conditional, factor),
                )
                for rule in use.rules
            ),
        )
        for use_id, use in standard.uses.items()
    }
    return dataclasses.replace(standard, uses=uses)


@settings(max_examples=40, deadline=None)
@given(sample=samples(), factor=st.floats(0.05, 1.0), key=st.sampled_from(sorted(STANDARDS)))
def test_tightening_a_limit_never_turns_a_fail_into_a_pass(
    sample: Sample, factor: float, key: str
) -> None:
    original = fitness_matrix(sample, [STANDARDS[key]])
    strict = fitness_matrix(sample, [tightened(STANDARDS[key], factor)])
    for before, after in zip(original.verdicts, strict.verdicts, strict=True):
        for rule_before, rule_after in zip(before.verdicts, after.verdicts, strict=True):
            if rule_before.outcome in RANK:
                assert RANK[rule_after.outcome] >= RANK[rule_before.outcome]
        if before.fitness is Fitness.UNFIT:
            assert after.fitness is Fitness.UNFIT
        if after.fitness is Fitness.FIT:
            assert before.fitness is Fitness.FIT


@settings(max_examples=40, deadline=None)
@given(sample=samples(), key=st.sampled_from(sorted(STANDARDS)), pick=st.integers(0, 10_000))
def test_a_missing_measurement_never_yields_fit(sample: Sample, key: str, pick: int) -> None:
    standard = STANDARDS[key]
    use: UseClass = list(standard.uses.values())[pick % len(standard.uses)]
    required = [rule.parameter for rule in use.rules if rule.base is not None]
    missing = required[pick % len(required)]
    reduced = Sample(sample.id, {p: m for p, m in sample.measurements.items() if p != missing})
    verdict = fitness_matrix(reduced, [standard])
    [use_verdict] = [v for v in verdict.verdicts if v.use_id == use.id]
    assert use_verdict.fitness is not Fitness.FIT


@settings(max_examples=25, deadline=None)
@given(
    batch=st.lists(samples(), min_size=1, max_size=12),
    conditions=st.lists(
        st.sampled_from(["coastal_high_tds", "lake_reservoir", "aerosol_risk", "selective_items"]),
        unique=True,
    ),
)
def test_vectorised_engine_agrees_with_the_per_sample_reference(
    batch: list[Sample], conditions: list[str]
) -> None:
    matrix = SampleMatrix.from_samples(batch, PARAMETERS)
    result = evaluate_batch(matrix, STANDARDS, conditions, chunk_samples=5)
    expected_failures: dict[tuple[str, str], dict[str, int]] = {use: {} for use in result.uses}
    for row, sample in enumerate(batch):
        reference = fitness_matrix(sample, STANDARDS, conditions)
        for column, verdict in enumerate(reference.verdicts):
            assert result.uses[column] == (verdict.standard_id, verdict.use_id)
            assert FITNESS_BY_CODE[int(result.codes[row, column])] is verdict.fitness
            counts = expected_failures[result.uses[column]]
            # a sample counts once per parameter, however many of its limits it fails
            for parameter in {item.parameter for item in verdict.failing()}:
                counts[parameter] = counts.get(parameter, 0) + 1
    for use, counts in expected_failures.items():
        assert {p: n for p, n in result.failures[use].items() if n} == counts


def test_batch_fit_share_counts_fit_samples() -> None:
    good = Sample(
        "g",
        {
            "e_coli": Measurement(50, 50),
            "bod5": Measurement(8, 8),
            "ss": Measurement(8, 8),
            "turbidity": Measurement(3, 3),
        },
    )  # class A: E. coli 50 /L = 5 /100 mL ≤ 10
    bad = Sample("b", {**good.measurements, "e_coli": Measurement(500, 500)})  # 50 /100 mL > 10
    result = evaluate_batch(
        SampleMatrix.from_samples([good, bad, good, good]), [STANDARDS["eu_2020_741"]]
    )
    assert result.fit_share()[("eu_2020_741", "A")] == 0.75
    assert result.fitness(1, ("eu_2020_741", "A")) is Fitness.UNFIT
    assert np.array_equal(result.codes[:, 0] == 0, np.array([True, False, True, True]))
