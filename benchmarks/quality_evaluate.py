"""Benchmark: samples judged per second against every use of every shipped standard.

The vectorised engine (reclaim.quality.batch) on N samples (default 10⁶) against the per-sample
reference loop (reclaim.quality.evaluate.fitness_matrix) on a slice of the same samples, in the
same run; the two must agree on every sample of the slice. Synthetic samples: each parameter
uniform between 0 and twice the median of its maximum limits (pH 5–10, qualitative 0/1), with
10 % of values left unmeasured.

    PYTHONPATH=src python benchmarks/quality_evaluate.py [--samples 1000000] [--reference 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from reclaim.io.quality_files import load_catalogue, load_standards
from reclaim.quality.batch import FITNESS_BY_CODE, evaluate_batch
from reclaim.quality.evaluate import fitness_matrix
from reclaim.quality.samples import Measurement, Sample, SampleMatrix
from reclaim.quality.standards import all_parameters

UNMEASURED_SHARE = 0.1
SEED = 20260301


def synthetic(
    size: int, parameters: tuple[str, ...], scales: dict[str, tuple[float, float]]
) -> SampleMatrix:
    """Random samples as a matrix (point values, some unmeasured)."""
    rng = np.random.default_rng(SEED)
    values = np.empty((size, len(parameters)))
    for column, parameter in enumerate(parameters):
        low, high = scales[parameter]
        if high == 1.0 and low == 0.0:
            values[:, column] = rng.integers(0, 2, size)
        else:
            values[:, column] = rng.uniform(low, high, size)
    values[rng.random(values.shape) < UNMEASURED_SHARE] = np.nan
    return SampleMatrix(parameters, values, values)


def main() -> None:
    """Time both engines and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--reference", type=int, default=2_000)
    args = parser.parse_args()

    catalogue = load_catalogue()
    standards = load_standards(catalogue=catalogue)
    parameters = (*all_parameters(standards.values()), "water_temperature")
    uppers: dict[str, list[float]] = {p: [] for p in parameters}
    for standard in standards.values():
        for use in standard.uses.values():
            for rule in use.rules:
                for limit in rule.limits():
                    if limit.upper is not None:
                        uppers[rule.parameter].append(limit.upper)
    scales = {}
    for parameter in parameters:
        unit = catalogue.parameters[parameter].canonical_unit
        if unit == "pH":
            scales[parameter] = (5.0, 10.0)
        elif unit == "conformity":
            scales[parameter] = (0.0, 1.0)
        elif parameter == "water_temperature":
            scales[parameter] = (2.0, 30.0)
        else:
            scales[parameter] = (0.0, 2.0 * statistics.median(uppers[parameter] or [10.0]))
    n_uses = sum(len(s.uses) for s in standards.values())

    matrix = synthetic(args.samples, parameters, scales)
    start = time.perf_counter()
    batch = evaluate_batch(matrix, standards)
    vector_seconds = time.perf_counter() - start

    reference_samples = [
        Sample(
            str(row),
            {
                parameter: Measurement(
                    float(matrix.low[row, column]), float(matrix.low[row, column])
                )
                for column, parameter in enumerate(parameters)
                if not np.isnan(matrix.low[row, column])
            },
        )
        for row in range(min(args.reference, args.samples))
    ]
    start = time.perf_counter()
    verdicts = [fitness_matrix(sample, standards) for sample in reference_samples]
    loop_seconds = time.perf_counter() - start
    for row, reference in enumerate(verdicts):
        for column, verdict in enumerate(reference.verdicts):
            if FITNESS_BY_CODE[int(batch.codes[row, column])] is not verdict.fitness:
                raise SystemExit(f"disagreement at sample {row}, use {batch.uses[column]}")

    vector_rate = args.samples / vector_seconds
    loop_rate = len(reference_samples) / loop_seconds
    print(f"standards: {len(standards)}, uses: {n_uses}, parameters per sample: {len(parameters)}")
    print(
        f"vectorised: {args.samples:,} samples × {n_uses} uses in {vector_seconds:.2f} s "
        f"= {vector_rate:,.0f} samples/s ({vector_rate * n_uses:,.0f} sample-use verdicts/s)"
    )
    print(
        f"per-sample loop (reference): {len(reference_samples):,} samples in {loop_seconds:.2f} s "
        f"= {loop_rate:,.0f} samples/s"
    )
    print(
        f"speed-up of the vectorised engine: ×{vector_rate / loop_rate:,.0f}; "
        f"agreement on the {len(reference_samples):,} reference samples: 100 %"
    )
    shares = batch.fit_share()
    print(f"share of sample-use pairs fit: {float(np.mean(list(shares.values()))):.3%}")


if __name__ == "__main__":
    main()
