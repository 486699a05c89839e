"""Checks on the hand-solved network (conftest.HAND_INP) with a branch added: N5 hangs from N4
by P6 alone, so losing P6 must leave N5 unserved while every looped pipe can be lost."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from reclaim.io.network_files import load_design_value, load_velocity_ranges
from reclaim.network import batch, checks
from reclaim.network.engine import EpanetProject
from tests.network.conftest import HAND_INP

BRANCHED = (
    HAND_INP.replace("[RESERVOIRS]", "N5 130 5\n[RESERVOIRS]")
    .replace("[PUMPS]", "P6 N4 N5 500 100 100\n[PUMPS]")
    .replace("[END]", "N5 400 0\n[END]")
)
TOTAL_DEMAND_M3_S = 0.030 + 0.025 + 0.040 + 0.005
LOW_LIMIT_M = 5.0


@pytest.fixture
def project(tmp_path: Path) -> Iterator[EpanetProject]:
    path = tmp_path / "branched.inp"
    path.write_text(BRANCHED, encoding="utf-8")
    with EpanetProject(path) as opened:
        yield opened


def test_n1_finds_the_branch_and_batch_equals_fresh_solves(project: EpanetProject) -> None:
    before = project.solve()
    cases = batch.n1_cases(project)
    assert [c.label for c in cases] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    results = {r.label: r for r in batch.run_cases(project, cases, LOW_LIMIT_M)}
    assert results["P6"].users_unserved == ("N5",)
    assert all(not r.users_unserved for label, r in results.items() if label != "P6")
    # Running the batch on one open project gives what a fresh accident check gives.
    for label, result in results.items():
        single = checks.accident(project, label, LOW_LIMIT_M)
        assert single.check is not None
        assert single.check.worst.node == result.worst_node
        assert single.check.worst.free_head_m == pytest.approx(result.worst_free_head_m, abs=1e-9)
        assert [s.node for s in single.check.below_limit] == list(result.users_below_limit)
    # …and leaves the project as it found it.
    after = project.solve()
    assert np.allclose(after.head_m, before.head_m, atol=1e-9)
    assert np.allclose(after.flow_m3_per_s, before.flow_m3_per_s, atol=1e-12)


def test_pump_head_for_a_target_matches_the_closed_form(project: EpanetProject) -> None:
    # One source, fixed demands: the pump carries 0.100 m³/s whatever its head, and scaling its
    # curve h = 80 − 2000 q² by s lifts every head by (s − 1)(80 − 2000·0.1²) = (s − 1)·60.
    base = checks.peak_hour(project, 15.0).check.worst.free_head_m
    gain = 80 - 2000 * TOTAL_DEMAND_M3_S**2
    target = 25.0
    scale = 1 + (target - base) / gain
    heads, check = checks.required_pump_heads(project, target)
    assert len(heads) == 1
    assert heads[0].pump == "PU"
    assert heads[0].current_head_m == pytest.approx(60.0)  # design point (100 L/s, 60 m)
    assert heads[0].required_head_m == pytest.approx(60.0 * scale, abs=1e-3)
    assert check.worst.free_head_m == pytest.approx(target, abs=1e-3)


def test_worst_point_against_the_15_m_limit(project: EpanetProject) -> None:
    result = checks.peak_hour(project, 15.0)
    solution = result.solution
    topology = project.topology
    free = {
        n: solution.head_m[i] - topology.elevation_m[i]
        for i, n in enumerate(topology.node_ids)
        if n.startswith("N")
    }
    users = {n: h for n, h in free.items() if n != "N1"}  # N1 draws nothing
    assert result.check.worst.node == min(users, key=users.__getitem__)
    assert result.check.passes == (min(users.values()) >= 15.0)
    if not result.check.passes:
        assert result.pressure_driven is not None
        assert result.pressure_driven.delivered_fraction < 1.0


def test_pipe_velocity_and_sizing(project: EpanetProject) -> None:
    solution = project.solve()
    topology = project.topology
    ranges = load_velocity_ranges()
    standard = load_design_value("standard_dn_mm")
    for check in checks.pipe_checks(topology, solution, ranges, standard):
        i = topology.link_index(check.pipe)
        area = math.pi * topology.diameter_m[i] ** 2 / 4
        assert check.velocity_m_per_s == pytest.approx(
            abs(solution.flow_m3_per_s[i]) / area, rel=1e-4
        )
        band = next(b for b in ranges if b.dn_min_mm <= check.dn_mm < b.dn_max_mm)
        inside = band.v_min <= check.velocity_m_per_s <= band.v_max
        assert (check.verdict == "ok") == inside
        if not inside:
            suggested = next(
                b for b in ranges if b.dn_min_mm <= check.suggested_dn_mm < b.dn_max_mm
            )
            v = check.flow_m3_per_s / (math.pi * (check.suggested_dn_mm / 1000) ** 2 / 4)
            fits = [d for d in standard if _fits(check.flow_m3_per_s, d, ranges)]
            if fits:
                assert suggested.v_min <= v <= suggested.v_max
        hl = abs(solution.head_m[topology.start_node[i]] - solution.head_m[topology.end_node[i]])
        assert check.headloss_m_per_km == pytest.approx(hl / topology.length_m[i] * 1000)


def _fits(flow: float, dn: float, ranges: list[checks.VelocityRange]) -> bool:
    band = next(b for b in ranges if b.dn_min_mm <= dn < b.dn_max_mm)
    v = flow / (math.pi * (dn / 1000) ** 2 / 4)
    return band.v_min <= v <= band.v_max


def test_pump_energy_is_rho_g_q_h_over_efficiency(project: EpanetProject) -> None:
    solution = project.solve()
    annual = 1.0e6
    grid = 0.5703  # kg CO₂/kWh: any user-given factor; this is the figure used for the demo
    (energy,) = checks.pump_energy(project.topology, solution, annual, grid)
    q, h = energy.flow_m3_per_s, energy.head_m
    assert q == pytest.approx(TOTAL_DEMAND_M3_S, rel=1e-6)
    assert h == pytest.approx(80 - 2000 * q**2, abs=1e-3)
    # P = ρ g Q H / η with ρ = 1000 kg/m³, g = 9.80665 m/s², η = 0.75 (EPANET's default global
    # efficiency, Users Manual [ENERGY]); EPANET's own unit constants agree to 1e-3.
    power_kw = 1000 * 9.80665 * q * h / 0.75 / 1000
    assert energy.power_kw == pytest.approx(power_kw, rel=1e-3)
    assert energy.kwh_per_m3 == pytest.approx(power_kw / (q * 3600), rel=1e-3)
    assert energy.kwh_per_year == pytest.approx(energy.kwh_per_m3 * annual)
    assert energy.co2_t_per_year == pytest.approx(energy.kwh_per_year * grid / 1000)


def test_head_loss_limit_flags_and_resizes(project: EpanetProject) -> None:
    solution = project.solve()
    topology = project.topology
    wide = [checks.VelocityRange(0.0, 1.0e9, 0.0, 10.0)]  # velocity never limits here
    limit = 2.0  # m/km
    standard = load_design_value("standard_dn_mm")
    for check in checks.pipe_checks(topology, solution, wide, standard, limit):
        assert ("head loss high" in check.verdict) == (check.headloss_m_per_km > limit)
        if check.headloss_m_per_km > limit:
            # Hazen–Williams at the same flow and C: J ∝ d^-4.871 (EPANET Manual Table 3.1);
            # the suggestion is the nearest standard DN whose loss is within the limit.
            fits = [
                d for d in standard if check.headloss_m_per_km * (check.dn_mm / d) ** 4.871 <= limit
            ]
            assert check.suggested_dn_mm == min(fits, key=lambda d: abs(d - check.dn_mm))


def test_pump_head_search_is_bounded(project: EpanetProject) -> None:
    from reclaim.network.engine import EngineError

    # 1000 m of free head would need the pump's 60 m design head scaled far beyond 8×.
    with pytest.raises(EngineError, match="no pump head up to 8× the current one reaches 1000 m"):
        checks.required_pump_heads(project, 1000.0)
    assert project.pump_curve(project.pump_indices[0])[1].tolist() == [80.0, 60.0, 0.0]
