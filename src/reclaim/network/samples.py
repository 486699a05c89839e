"""Demand samples for the network from the planning sensitivity (the scenario's `uncertainty`).

The planning sensitivity draws every uncertain input and runs the planning engine on the
arrays; the network takes each sample's per-use max-day demand and spreads it over the nodes.
Distributions on sewage inputs shape supply, not demand: they are reported as unused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reclaim.errors import InputError
from reclaim.network.demand import demand_by_use_m3_per_day
from reclaim.network.model import SECONDS_PER_DAY, node_demands_m3_per_day
from reclaim.planning.scenario import Scenario
from reclaim.planning.sensitivity import sample_inputs


@dataclass(frozen=True)
class DemandSamples:
    """Node base demands (m³/s at max day) per sample, and the distributions left unused."""

    node_demands_m3_per_s: list[dict[str, float]]
    unused_paths: list[str]


def demand_samples(scenario: Scenario, year: int, count: int, seed: int) -> DemandSamples:
    """`count` draws of every node's max-day demand (m³/s) in `year`, reproducible by `seed`."""
    if count < 1:
        raise InputError("samples", count, "must be ≥ 1")
    if scenario.network is None:
        raise InputError("network", None, "the scenario needs a network block")
    drawn = sample_inputs(scenario, count, np.random.default_rng(seed))
    by_use = demand_by_use_m3_per_day(scenario, year, drawn)
    per_sample = {
        use: np.broadcast_to(np.asarray(value, dtype=float), (count,))
        for use, value in by_use.items()
    }
    samples = []
    for k in range(count):
        flows = {use: float(values[k]) for use, values in per_sample.items()}
        per_node = node_demands_m3_per_day(scenario.network, flows)
        samples.append(
            {node: sum(uses.values()) / SECONDS_PER_DAY for node, uses in per_node.items()}
        )
    unused = [d.path for d in scenario.uncertainty if not d.path.startswith("uses.")]
    return DemandSamples(node_demands_m3_per_s=samples, unused_paths=unused)
