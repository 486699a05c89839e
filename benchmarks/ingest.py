"""Benchmark: operations ingest and alerting, each part against a reference timed in the same run.

Parts (issue 13):
- ``alerts`` (here): alert evaluation over N sensors (default 10,000) × one day of 5-minute
  readings, the vectorised rules of reclaim.operations.alerts against the per-reading state
  machines of reclaim.operations.stepwise on the same grid; the two must agree on every reading.
  Target: ≥ 50×.
- ``http`` (to come with the service routes): readings/s accepted through HTTP batches against a
  raw COPY of the same rows into the same database; target ≥ 0.5×.
- ``mqtt`` (to come with the MQTT worker): readings/s at QoS 1 with batched payloads against a
  bare paho-mqtt subscriber that only counts, zero loss; target ≥ 0.5×; and latency from publish
  to alert (p50, p99).

Synthetic day: free head 25 m ± a 24 h swing and noise; 2 % of sensors dip below 15 m for an
hour, 1 % stick at one value for three hours, 1 % lose readings for an hour, 0.5 % of the grid
points are lost at random; totalisers advance by the flow, 1 % are reset once. The rules and
their parameters are the shipped default rule set (data/operations/alert_rules.yaml).

    PYTHONPATH=src python benchmarks/ingest.py [--part alerts] [--sensors 10000] [--reference N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from reclaim.io.operations_files import load_alert_rules
from reclaim.operations.alerts import Direction
from reclaim.operations.rules import AlertRule, RuleKind, evaluate_series_rule
from reclaim.operations.stepwise import (
    flatline_stepwise,
    missing_data_stepwise,
    rate_of_change_stepwise,
    threshold_stepwise,
    totaliser_backwards_stepwise,
)

INTERVAL_S = 300
STEPS_PER_DAY = 288
SEED = 20260301


def synthetic_day(sensors: int) -> tuple[np.ndarray, np.ndarray]:
    """(free head grid in m, totaliser grid in m³), time-major (288 steps × sensors), NaN where
    lost."""
    rng = np.random.default_rng(SEED)
    hours = np.arange(STEPS_PER_DAY) * INTERVAL_S / 3600.0
    swing = 4.0 * np.cos(2.0 * np.pi * (hours - 4.0) / 24.0)
    head = 25.0 + swing + rng.normal(0.0, 0.3, (sensors, STEPS_PER_DAY))
    dips = rng.choice(sensors, sensors // 50, replace=False)
    head[dips, 120:132] = 12.0 + rng.normal(0.0, 0.3, (len(dips), 12))
    stuck = rng.choice(sensors, sensors // 100, replace=False)
    head[stuck, 150:186] = head[stuck, 150:151]
    gaps = rng.choice(sensors, sensors // 100, replace=False)
    head[gaps, 200:212] = np.nan
    head[rng.random(head.shape) < 0.005] = np.nan
    flow_m3 = rng.uniform(0.5, 2.0, (sensors, STEPS_PER_DAY))
    total = 1.0e5 + np.cumsum(flow_m3, axis=1)
    resets = rng.choice(sensors, sensors // 100, replace=False)
    total[resets, 100:] -= total[resets, 100:101] - 5.0
    return np.ascontiguousarray(head.T), np.ascontiguousarray(total.T)


def stepwise(rule: AlertRule, row: list[float]) -> list[bool]:
    """The per-reading reference for one sensor's day under ``rule``."""
    steps = rule.steps
    if rule.kind is RuleKind.FREE_HEAD_LOW:
        return threshold_stepwise(
            row,
            rule.value("limit_m"),
            Direction.BELOW,
            rule.value("hysteresis_m"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.THRESHOLD:
        assert rule.direction is not None
        return threshold_stepwise(
            row,
            rule.value("limit"),
            rule.direction,
            rule.value("hysteresis"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.RATE_OF_CHANGE:
        return rate_of_change_stepwise(
            row,
            INTERVAL_S,
            rule.value("max_rate_per_hour"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.FLATLINE:
        return flatline_stepwise(row, steps("min_duration_s", INTERVAL_S), rule.value("tolerance"))
    if rule.kind is RuleKind.MISSING_DATA:
        return missing_data_stepwise(row, int(rule.value("max_missing_intervals")))
    return totaliser_backwards_stepwise(row, rule.value("tolerance_m3"))


def timed(run: Callable[[], list[np.ndarray]], repeats: int = 1) -> tuple[list[np.ndarray], float]:
    """Result and best CPU seconds of ``repeats`` runs (CPU time, so the other jobs sharing the
    machine's cores do not count against either side)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return result, best


def alerts_part(sensors: int, reference: int) -> None:
    """Vectorised rule evaluation against the per-reading loop; prints the ratio."""
    rules = [
        rule
        for rule in load_alert_rules("default")
        if rule.kind
        in (
            RuleKind.FREE_HEAD_LOW,
            RuleKind.THRESHOLD,
            RuleKind.RATE_OF_CHANGE,
            RuleKind.FLATLINE,
            RuleKind.MISSING_DATA,
            RuleKind.TOTALISER_BACKWARDS,
        )
    ]
    head, total = synthetic_day(sensors)

    def grid_of(rule: AlertRule) -> np.ndarray:
        return total if rule.kind is RuleKind.TOTALISER_BACKWARDS else head

    vectorised, vector_s = timed(
        lambda: [evaluate_series_rule(rule, grid_of(rule), INTERVAL_S) for rule in rules],
        repeats=3,
    )
    rows = min(reference, sensors)
    lists = {id(grid): grid[:, :rows].T.tolist() for grid in (head, total)}

    def loop() -> list[np.ndarray]:
        return [
            np.array([stepwise(rule, row) for row in lists[id(grid_of(rule))]]) for rule in rules
        ]

    looped, loop_s = timed(loop)
    for rule, fast, slow in zip(rules, vectorised, looped, strict=True):
        if not np.array_equal(fast[:, :rows].T, slow):
            raise SystemExit(f"rule {rule.id}: vectorised and per-reading results disagree")

    readings = sensors * STEPS_PER_DAY
    vector_rate = readings * len(rules) / vector_s
    loop_rate = rows * STEPS_PER_DAY * len(rules) / loop_s
    print(f"rules: {', '.join(rule.id for rule in rules)}")
    print(
        f"vectorised: {sensors:,} sensors × {STEPS_PER_DAY} readings × {len(rules)} rules "
        f"in {vector_s:.2f} CPU s (best of 3) = {vector_rate:,.0f} reading-rule evaluations/s"
    )
    print(
        f"per-reading loop: {rows:,} sensors in {loop_s:.2f} CPU s "
        f"= {loop_rate:,.0f} reading-rule evaluations/s"
    )
    print(
        f"speed-up: ×{vector_rate / loop_rate:,.0f} (target ≥ 50); "
        f"agreement on {rows:,} sensors × {len(rules)} rules: 100 %"
    )
    fired = {
        rule.id: int(fast.any(axis=0).sum()) for rule, fast in zip(rules, vectorised, strict=True)
    }
    print(f"sensors with an alarm, per rule: {fired}")


PARTS = {"alerts": alerts_part}
"""Parts of the benchmark that exist; http and mqtt join when the service and worker land."""


def main() -> None:
    """Run the chosen parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--sensors", type=int, default=10_000)
    parser.add_argument(
        "--reference", type=int, default=2_000, help="sensors run through the per-reading loop"
    )
    args = parser.parse_args()
    for part in args.part or sorted(PARTS):
        print(f"== {part}")
        PARTS[part](args.sensors, args.reference)


if __name__ == "__main__":
    main()
