"""Benchmark: plan sensitivity samples per second, vectorised vs a plain-Python loop.

Both run the same model (`reclaim.planning.engine.compute_figures`) on the bundled Shuozhou
scenario: the vectorised run draws N samples at once (in chunks of 100 000); the reference
loop evaluates the model once per sample with Python floats. Run:

    .venv/bin/python benchmarks/plan_sensitivity.py [--samples 1000000] [--loop-samples 2000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np

from reclaim.io.scenario_file import load_scenario
from reclaim.planning.engine import compute_figures
from reclaim.planning.sensitivity import run_sensitivity, sample_inputs

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "shuozhou.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--loop-samples", type=int, default=2_000)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)

    tracemalloc.start()
    start = time.perf_counter()
    run_sensitivity(scenario, args.samples, seed=1)
    vector_s = time.perf_counter() - start
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    draws = sample_inputs(scenario, args.loop_samples, np.random.default_rng(1))
    start = time.perf_counter()
    for i in range(args.loop_samples):
        compute_figures(
            scenario, "full", {p: float(v[i]) for p, v in draws.items()}, with_facilities=False
        )
    loop_s = time.perf_counter() - start

    vector_rate = args.samples / vector_s
    loop_rate = args.loop_samples / loop_s
    print(
        f"vectorised : {args.samples:>9,} samples in {vector_s:8.3f} s = {vector_rate:12,.0f}/s"
        f"  (peak traced memory {peak_bytes / 2**20:,.0f} MiB)"
    )
    print(f"plain loop : {args.loop_samples:>9,} samples in {loop_s:8.3f} s = {loop_rate:12,.0f}/s")
    print(f"ratio      : vectorised / loop = {vector_rate / loop_rate:,.0f}×")


if __name__ == "__main__":
    main()
