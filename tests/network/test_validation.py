"""Validation of the engine: EPANET's example networks against the EPANET toolkit's own run of
the shipped file, and a two-loop network against a hand calculation written out here."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import epanet.toolkit as en
import numpy as np
import pytest
import wntr
from scipy.optimize import fsolve

from reclaim.network.engine import EpanetProject
from reclaim.network.model import inp_text
from tests.network.conftest import EXAMPLES

# EPANET's unit constants (EPANET 2.2 source, types.h): MperFT = 0.3048, LPSperCFS = 28.317,
# GPMperCFS = 448.831. The engine converts with these, so the reference is converted with them.
M_PER_FT = 0.3048
LPS_PER_CFS = 28.317
L_PER_S_PER_GPM = LPS_PER_CFS / 448.831


def _toolkit_reference(
    path: Path, rpt: Path
) -> tuple[list[int], list[dict[str, float]], list[dict[str, float]]]:
    """EPANET's own extended-period run of the file as shipped, in the file's units (ft, GPM):
    heads and flows at every hydraulic time step."""
    ph = en.createproject()
    en.open(ph, str(path), str(rpt), "")
    assert en.getflowunits(ph) == en.GPM  # Net1–3 are in US units
    nodes = [en.getnodeid(ph, i) for i in range(1, en.getcount(ph, en.NODECOUNT) + 1)]
    links = [en.getlinkid(ph, i) for i in range(1, en.getcount(ph, en.LINKCOUNT) + 1)]
    times, heads, flows = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        en.openH(ph)
        en.initH(ph, en.NOSAVE)
        while True:
            times.append(en.runH(ph))
            heads.append({n: en.getnodevalue(ph, i + 1, en.HEAD) for i, n in enumerate(nodes)})
            flows.append({k: en.getlinkvalue(ph, i + 1, en.FLOW) for i, k in enumerate(links)})
            if en.nextH(ph) <= 0:
                break
        en.closeH(ph)
    en.close(ph)
    en.deleteproject(ph)
    return times, heads, flows


@pytest.mark.parametrize("route", ["file", "wntr"])
@pytest.mark.parametrize("name", ["Net1", "Net2", "Net3"])
def test_example_networks_match_epanet(name: str, route: str, tmp_path: Path) -> None:
    """The shipped file opened by our engine (as it is, or read and written back by WNTR, the
    path of scenario networks) and solved (SI): every head within 1e-3 m and every flow within
    1e-3 L/s of EPANET's own run."""
    path = EXAMPLES / f"{name}.inp"
    times, ref_heads, ref_flows = _toolkit_reference(path, tmp_path / "ref.rpt")
    source = path if route == "file" else inp_text(wntr.network.WaterNetworkModel(str(path)))
    with EpanetProject(source) as project:
        states = project.simulate()
        topology = project.topology
    assert [s.time_s for s in states] == times
    for state, heads, flows in zip(states, ref_heads, ref_flows, strict=True):
        expected_head = np.array([heads[n] * M_PER_FT for n in topology.node_ids])
        expected_flow = np.array([flows[k] * L_PER_S_PER_GPM for k in topology.link_ids])
        assert np.abs(state.head_m - expected_head).max() < 1e-3
        assert np.abs(state.flow_m3_per_s * 1000 - expected_flow).max() < 1e-3


# EPANET's Hazen–Williams head loss, h = 4.727 C^-1.852 d^-4.871 L q^1.852 with d, L in ft and
# q in cfs (EPANET 2.2 Users Manual, Table 3.1), with the unit constants above.


def _hw_loss_m(q_m3_s: float, length_m: float, diameter_m: float, c: float) -> float:
    q_cfs = q_m3_s * 1000 / LPS_PER_CFS
    r = 4.727 * (length_m / M_PER_FT) / c**1.852 / (diameter_m / M_PER_FT) ** 4.871
    return r * math.copysign(abs(q_cfs) ** 1.852, q_cfs) * M_PER_FT


def _hand_solution() -> tuple[dict[str, float], dict[str, float]]:
    """Solve the two-loop network of conftest.HAND_INP from its equations:
    continuity at N1–N4, the pump h = 80 − 2000 q² from the reservoir (100 m), and the
    Hazen–Williams loss of P1–P5. Unknowns: flows of PU, P1–P5 (m³/s), heads of N1–N4 (m)."""
    pipes = {
        "P1": ("N1", "N2", 1000, 0.300, 120),
        "P2": ("N1", "N3", 800, 0.250, 120),
        "P3": ("N2", "N3", 600, 0.200, 110),
        "P4": ("N2", "N4", 900, 0.200, 110),
        "P5": ("N3", "N4", 700, 0.150, 100),
    }
    demand = {"N1": 0.0, "N2": 0.030, "N3": 0.025, "N4": 0.040}
    nodes = list(demand)
    links = ["PU", *pipes]

    def equations(x: np.ndarray) -> list[float]:
        q = dict(zip(links, x[:6], strict=True))
        h = dict(zip(nodes, x[6:], strict=True))
        balance = {n: -demand[n] for n in nodes}
        balance["N1"] += q["PU"]
        for name, (a, b, *_rest) in pipes.items():
            balance[a] -= q[name]
            balance[b] += q[name]
        residuals = list(balance.values())
        residuals.append(h["N1"] - 100.0 - (80.0 - 2000.0 * q["PU"] ** 2))
        for name, (a, b, length, diameter, c) in pipes.items():
            residuals.append(h[a] - h[b] - _hw_loss_m(q[name], length, diameter, c))
        return residuals

    guess = np.array([0.095, 0.05, 0.045, 0.01, 0.01, 0.03, 160, 155, 155, 150])
    x = fsolve(equations, guess, xtol=1e-13)
    assert max(abs(r) for r in equations(x)) < 1e-9
    return dict(zip(links, x[:6], strict=True)), dict(zip(nodes, x[6:], strict=True))


def test_hand_solved_two_loop_network(hand_inp: Path) -> None:
    flows, heads = _hand_solution()
    # Independent of the loops: the pump carries all demand, 95 L/s, so N1 = 100 + 80 − 2000·0.095².
    assert heads["N1"] == pytest.approx(100 + 80 - 2000 * 0.095**2, abs=1e-9)
    with EpanetProject(hand_inp) as project:
        solution = project.solve()
        topology = project.topology
    for node, head in heads.items():
        assert solution.head_m[topology.node_index(node)] == pytest.approx(head, abs=1e-3)
    for link, flow in flows.items():
        assert solution.flow_m3_per_s[topology.link_index(link)] * 1000 == pytest.approx(
            flow * 1000, abs=1e-3
        )
