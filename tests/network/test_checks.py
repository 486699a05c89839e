"""Checks on the hand-solved network (conftest.HAND_INP) with a branch added: N5 hangs from N4
by P6 alone, so losing P6 must leave N5 unserved while every looped pipe can be lost."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import wntr

from reclaim.io.network_files import load_design_value, load_velocity_ranges
from reclaim.network import batch, checks
from reclaim.network.engine import EpanetProject, Topology
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
    results = {
        r.label: r
        for r in batch.run_cases(project, cases, LOW_LIMIT_M, required_pressure_m=LOW_LIMIT_M)
    }
    assert results["P6"].users_unserved == ("N5",)
    assert all(not r.users_unserved for label, r in results.items() if label != "P6")
    # Running the batch on one open project gives what a fresh accident check gives.
    for label, result in results.items():
        single = checks.accident(
            project, label, LOW_LIMIT_M, required_pressure_m=LOW_LIMIT_M, flow_fraction=1.0
        )
        assert single.check is not None
        assert single.check.worst.node == result.worst_node
        assert single.check.worst.free_head_m == pytest.approx(result.worst_free_head_m, abs=1e-9)
        assert [s.node for s in single.check.below_limit] == list(result.users_below_limit)
    # …and leaves the project as it found it.
    after = project.solve()
    assert np.allclose(after.head_m, before.head_m, atol=1e-9)
    assert np.allclose(after.flow_m3_per_s, before.flow_m3_per_s, atol=1e-12)


@pytest.mark.parametrize("pipe", ["P1", "P3", "P5"])
def test_accident_carries_70_percent_of_the_design_flow(project: EpanetProject, pipe: str) -> None:
    """GB 50013-2018 §7.1.3: a town's accident flow is 70 % of the design flow. Worked by hand:
    every user keeps its (reduced) demand, so the pump lifts 0.7 × 0.100 = 0.070 m³/s and its
    curve h = 80 − 2000 q² gives 80 − 2000 × 0.07² = 70.2 m: N1 (ground 150 m) sits at
    100 + 70.2 m, a free head of 20.2 m; at the full design flow it would be 10 m."""
    result = checks.accident(project, pipe, 5.0, required_pressure_m=5.0, flow_fraction=0.7)
    assert result.check is not None and result.solution is not None
    assert result.flow_fraction == 0.7
    n1 = project.topology.node_index("N1")
    assert result.solution.head_m[n1] - 150.0 == pytest.approx(20.2, abs=1e-3)
    users = project.topology.junctions
    assert float(result.solution.required_demand_m3_per_s[users].sum()) == pytest.approx(0.070)
    assert result.check.delivered_fraction == pytest.approx(1.0, abs=1e-6)
    (batch_result,) = batch.run_cases(
        project,
        batch.n1_cases(project, [pipe]),
        5.0,
        required_pressure_m=5.0,
        demand_fraction=0.7,
    )
    assert batch_result.required_m3_per_s == pytest.approx(0.070)
    # warm start from another state: equal to EPANET's accuracy
    assert batch_result.worst_free_head_m == pytest.approx(result.check.worst.free_head_m, abs=1e-4)
    # …and the project is back at the full design flow afterwards.
    assert project.solve().head_m[n1] - 150.0 == pytest.approx(80 - 2000 * 0.1**2 - 50, abs=1e-3)


def test_accident_fraction_outside_0_1_is_refused(project: EpanetProject) -> None:
    from reclaim.errors import InputError

    with pytest.raises(InputError, match=r"accident_flow_fraction: got 1\.5"):
        checks.accident(project, "P1", 5.0, required_pressure_m=5.0, flow_fraction=1.5)


def test_pump_head_for_a_target_matches_the_closed_form(project: EpanetProject) -> None:
    # One source, fixed demands: the pump carries 0.100 m³/s whatever its head, and scaling its
    # curve h = 80 − 2000 q² by s lifts every head by (s − 1)(80 − 2000·0.1²) = (s − 1)·60.
    base = checks.peak_hour(project, 15.0, required_pressure_m=10.0).check.worst.free_head_m
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
    result = checks.peak_hour(project, 15.0, required_pressure_m=10.0)
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
    assert not result.check.passes  # N3 at 12.2 m, N4 at 11.7 m: below 15 m


def test_full_delivery_pressure_is_not_the_service_limit(project: EpanetProject) -> None:
    """Users below the 15 m limit but above the 10 m of full delivery still get all their
    demand; with full delivery at 15 m they get Wagner's share d·√(p/15) (EPANET 2.2 Users
    Manual §3.1, pressure-driven demand, exponent 0.5, minimum pressure 0)."""
    at_10 = checks.peak_hour(project, 15.0, required_pressure_m=10.0)
    heads = {s.node: s.free_head_m for s in at_10.check.below_limit}
    assert heads and min(heads.values()) > 10.0
    assert at_10.pressure_driven is not None
    assert at_10.pressure_driven.below_limit  # still short of the limit…
    assert at_10.pressure_driven.delivered_fraction == pytest.approx(1.0, abs=1e-9)  # …served
    at_15 = checks.peak_hour(project, 15.0, required_pressure_m=15.0)
    assert at_15.pressure_driven is not None
    assert at_15.pressure_driven.delivered_fraction < 0.999
    for state in at_15.pressure_driven.below_limit:
        share = math.sqrt(max(state.free_head_m, 0.0) / 15.0)
        assert state.delivered_m3_per_s == pytest.approx(state.required_m3_per_s * share, rel=1e-3)


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


# A day of demand on the hand-solved network: 24 hourly multipliers averaging 1 (a morning and
# an evening peak), so the pump's operating point moves along its curve over the day.
DAY_PATTERN = [0.5, 0.4, 0.4, 0.4, 0.5, 0.8, 1.2, 1.5, 1.4, 1.2, 1.1, 1.0,
               1.0, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.5, 1.2, 1.0, 0.8, 0.8]  # fmt: skip
DAY_INP = (
    BRANCHED.replace("N2 140 30", "N2 140 30 DAY")
    .replace("N3 145 25", "N3 145 25 DAY")
    .replace("N4 135 40", "N4 135 40 DAY")
    .replace("N5 130 5", "N5 130 5 DAY")
    .replace(
        "[OPTIONS]",
        "[PATTERNS]\nDAY "
        + " ".join(f"{m:g}" for m in DAY_PATTERN)
        + "\n[TIMES]\nDuration 24:00\nHydraulic Timestep 1:00\nPattern Timestep 1:00\n"
        "Report Timestep 1:00\n[ENERGY]\nGlobal Efficiency 75\n[OPTIONS]",
    )
)


def test_pump_energy_integrates_the_24_h_run(tmp_path: Path) -> None:
    assert sum(DAY_PATTERN) / 24 == pytest.approx(1.0)
    path = tmp_path / "day.inp"
    path.write_text(DAY_INP, encoding="utf-8")
    with EpanetProject(DAY_INP) as project:
        states = project.simulate()
        topology = project.topology
    daily_m3 = TOTAL_DEMAND_M3_S * 86400  # patterns average 1: the base demand for a day
    annual = 365 * daily_m3
    grid = 0.5703  # kg CO₂/kWh: any user-given factor
    (energy,) = checks.pump_energy(topology, states, annual, grid)

    # Independently: WNTR's own EPANET run of the file and its metrics.pump_energy (power
    # 1000·9.81·Q·H/η held over each 1 h report step), summed over the 24 steps of the day.
    model = wntr.network.WaterNetworkModel(str(path))
    results = wntr.sim.EpanetSimulator(model).run_sim(file_prefix=str(tmp_path / "wntr"))
    flows = results.link["flowrate"][["PU"]]
    joules = wntr.metrics.pump_energy(flows, results.node["head"], model)["PU"]
    day = joules[joules.index < 86400]
    assert len(day) == 24
    wntr_kwh = float(day.sum()) / 3.6e6
    assert energy.period_h == pytest.approx(24.0)
    assert energy.kwh == pytest.approx(wntr_kwh, rel=2e-3)  # g = 9.81 vs EPANET's constants
    pumped = float(flows["PU"][flows.index < 86400].sum()) * 3600
    assert energy.pumped_m3 == pytest.approx(pumped, rel=1e-6)
    assert energy.pumped_m3 == pytest.approx(daily_m3, rel=1e-6)
    assert energy.kwh_per_year == pytest.approx(365 * wntr_kwh, rel=2e-3)
    assert energy.co2_t_per_year == pytest.approx(energy.kwh_per_year * grid / 1000)

    # The peak-hour state times the year's volume (what the check did before) is another
    # figure: the pump works at another point of its curve at the peak than on average.
    peak = max(states, key=lambda s: float(s.flow_m3_per_s[project_pump(topology)]))
    i = project_pump(topology)
    peak_kwh_per_m3 = float(peak.pump_power_kw[i]) / (float(peak.flow_m3_per_s[i]) * 3600)
    assert abs(peak_kwh_per_m3 * annual - energy.kwh_per_year) > 0.01 * energy.kwh_per_year


def project_pump(topology: Topology) -> int:
    """Position of the one pump, PU."""
    return topology.link_index("PU")


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
