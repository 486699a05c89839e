"""Properties of any solved state of the hand network: mass balance at every node and the
Hazen–Williams loss on every pipe, whatever the demand level and pipe roughness."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reclaim.network.engine import EpanetProject
from tests.network.conftest import HAND_INP
from tests.network.test_validation import _hw_loss_m

PIPES = {
    "P1": (1000, 0.300),
    "P2": (800, 0.250),
    "P3": (600, 0.200),
    "P4": (900, 0.200),
    "P5": (700, 0.150),
}


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(0.2, 1.8), roughness=st.integers(80, 140))
def test_mass_balance_and_head_loss_hold(scale: float, roughness: int) -> None:
    text = HAND_INP.replace("Headloss H-W", f"Headloss H-W\nDemand Multiplier {scale}")
    for pipe in PIPES:
        old = next(line for line in text.splitlines() if line.startswith(pipe + " "))
        new = " ".join([*old.split()[:5], str(roughness)])
        text = text.replace(old, new)
    with EpanetProject(text) as project:
        solution = project.solve()
        topology = project.topology
    inflow = np.zeros(len(topology.node_ids))
    np.add.at(inflow, topology.end_node, solution.flow_m3_per_s)
    np.add.at(inflow, topology.start_node, -solution.flow_m3_per_s)
    junctions = topology.junctions
    # Continuity: what flows in is drawn as demand (the base demands times the multiplier).
    assert np.allclose(inflow[junctions], solution.demand_m3_per_s[junctions], atol=1e-7)
    assert abs(solution.demand_m3_per_s[junctions].sum() - 0.095 * scale) < 1e-9
    for pipe, (length, diameter) in PIPES.items():
        i = topology.link_index(pipe)
        drop = solution.head_m[topology.start_node[i]] - solution.head_m[topology.end_node[i]]
        expected = _hw_loss_m(float(solution.flow_m3_per_s[i]), length, diameter, roughness)
        assert abs(drop - expected) < 1e-4 + 1e-4 * abs(expected)
