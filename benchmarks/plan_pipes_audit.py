"""The repeated-pipe audit on the largest pipe table a plan run takes, against a pairwise scan.

`repeated_pipes` groups rows by (road, DN, length) in one pass; the reference is the pairwise
scan it replaced (every row against every row), timed in the same run on the same table: half the
rows repeat a row of the earlier phase, so the scan does its full n² work. Prints both times and
their ratio; the two must report the same rows.

    python benchmarks/plan_pipes_audit.py [--pipes 5000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reclaim.io.scenario_file import load_scenario
from reclaim.planning.audit import repeated_pipes
from reclaim.planning.scenario import Pipe, Scenario
from reclaim.service.limits import PLAN_COUNT_LIMITS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shuozhou.yaml"


def pairwise(scenario: Scenario) -> list[str]:
    """The reference: each later row against every row, stopping at its first earlier twin."""
    found = []
    for later in scenario.pipes:
        for earlier in scenario.pipes:
            same = (earlier.road, earlier.dn_mm, earlier.length_m) == (
                later.road,
                later.dn_mm,
                later.length_m,
            )
            if same and earlier.phase < later.phase:
                found.append(later.id)
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipes", type=int, default=PLAN_COUNT_LIMITS["pipes"])
    n = parser.parse_args().pipes
    half = n // 2
    table = [
        Pipe(
            id=f"p{i}",
            road=f"road {i % half}",
            dn_mm=300,
            length_m=500.0,
            phase=2025 + 5 * (i // half),
        )
        for i in range(n)
    ]
    scenario = load_scenario(EXAMPLE).model_copy(update={"pipes": table})
    start = time.perf_counter()
    one_pass = [d.figure.removeprefix("pipes.") for d in repeated_pipes(scenario)]
    grouped_s = time.perf_counter() - start
    start = time.perf_counter()
    reference = pairwise(scenario)
    pairwise_s = time.perf_counter() - start
    assert one_pass == reference, "the one-pass audit and the pairwise scan disagree"
    print(f"pipes: {n}, repeats found: {len(one_pass)}")
    print(
        f"repeated_pipes: {grouped_s * 1000:.1f} ms; pairwise reference: {pairwise_s * 1000:.1f} ms"
    )
    print(f"speed-up: {pairwise_s / grouped_s:.0f}x")


if __name__ == "__main__":
    main()
