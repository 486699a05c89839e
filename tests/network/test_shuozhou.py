"""The network built from examples/shuozhou.yaml (illustrative layout, plan's pipes and demands)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reclaim.io.network_files import load_demand_patterns
from reclaim.io.scenario_file import load_scenario
from reclaim.network.checks import peak_hour, pump_points, verdict
from reclaim.network.engine import EpanetProject
from reclaim.network.model import build_network, inp_text
from reclaim.planning.engine import run_plan

SHUOZHOU = Path(__file__).resolve().parents[2] / "examples" / "shuozhou.yaml"
LIMIT_M = 15.0  # seed 001 §4.3.2: 最不利点自由水头取 0.15 MPa
PEAK_HOUR_FACTOR = 1.3  # seed 001 §4.3.1(3)


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario(SHUOZHOU)


def _total_2030_demand_m3_per_day() -> float:
    """Seed 001 §4.1.4: industry 5000 + 10000 + 30000 + 20000 m³/d; roads 877.00 ha × 100 % ×
    2 L/(m²·d); green 970.94 ha × 100 % × 1 L/(m²·d). The plan prints the sum: 92249.4 m³/d."""
    industry = 5000 + 10000 + 30000 + 20000
    road = 877.00e4 * 1.0 * 2.0 / 1000
    green = 970.94e4 * 1.0 * 1.0 / 1000
    return industry + road + green


def _hazen_williams_loss_m(flow_m3_per_s: float, dn_mm: float, length_m: float, c: float) -> float:
    """Head loss by Hazen–Williams in SI, h = 10.67 L Q^1.852 / (C^1.852 D^4.871) (EPANET 2.2
    Users Manual, Table 3.1, converted to SI)."""
    return 10.67 * length_m * flow_m3_per_s**1.852 / (c**1.852 * (dn_mm / 1000) ** 4.871)


def test_2030_network_fails_at_baowu_as_worked_by_hand(scenario) -> None:  # type: ignore[no-untyped-def]
    """Worked by hand from the example and seed 001, without the code under test: in 2030 the
    booster is gone (built for 2025 only), so Baowu (BW, ground 1075 m) hangs on pump2 (head 90 m
    at its design point, 4/3 × 90 = 120 m at shut-off: EPANET's single-point pump curve, Users
    Manual §3.1) through the 20 m bypass e05 and 23 km of DN500 (p04, C 130). BW draws
    20000 m³/d × 1.3 = 0.30093 m³/s at the peak hour, all of it through p04, whose loss is then
    94.4 m: BW can have at most 1062 + 120 − 94.4 − 1075 = 12.6 m of free head, below 15 m."""
    assert _total_2030_demand_m3_per_day() == pytest.approx(92249.4)  # §4.1.4 3 表
    built = build_network(scenario, 2030, pump_efficiency=0.75)
    assert built.illustrative
    assert len(built.model.pipe_name_list) == 29 + 5  # p01–p29, four existing mains, a bypass
    assert not built.coverage.not_networked_m3_per_day  # every node has its pipe by 2030
    with EpanetProject(inp_text(built.model)) as project:
        result = peak_hour(project, built.min_free_head_m, required_pressure_m=10.0)
        topology = project.topology
    solution = result.solution
    # Mass balance: the pumps deliver the whole max-day demand at the peak-hour factor.
    pumped = sum(
        solution.flow_m3_per_s[i] for i, k in enumerate(topology.link_kinds) if k == "pump"
    )
    assert pumped == pytest.approx(
        _total_2030_demand_m3_per_day() * PEAK_HOUR_FACTOR / 86400, rel=1e-6
    )
    bw_flow = 20000 * PEAK_HOUR_FACTOR / 86400
    p04 = topology.link_index("p04")
    assert solution.flow_m3_per_s[p04] == pytest.approx(bw_flow, rel=1e-6)
    loss = _hazen_williams_loss_m(bw_flow, 500, 23000, 130)
    assert loss == pytest.approx(94.4, abs=0.1)
    p2b, bw = topology.node_index("P2B"), topology.node_index("BW")
    assert solution.head_m[p2b] - solution.head_m[bw] == pytest.approx(loss, rel=2e-3)
    bound = 1062 + 120 - loss - 1075
    free_bw = solution.head_m[bw] - 1075
    assert free_bw <= bound
    assert result.check.limit_m == LIMIT_M
    assert "BW" in {s.node for s in result.check.below_limit}
    assert not result.check.passes
    assert not verdict(result.check, built.coverage)
    assert result.check.worst.free_head_m <= free_bw  # the worst point is no better than BW
    # Short of pressure: a pressure-driven solve says what the users actually receive.
    assert result.pressure_driven is not None
    assert 0 < result.pressure_driven.delivered_fraction < 1


# Nodes of examples/shuozhou.yaml that only far-term (2030) pipes reach, with their share of
# green and of road demand (each node draws the same share of both).
FAR_TERM_NODES = {
    "E": 0.03, "I": 0.03, "J": 0.03, "K": 0.03, "L": 0.08, "M": 0.06, "N": 0.04, "O": 0.08,
    "Q": 0.07, "R": 0.04, "S": 0.06, "T": 0.03, "U": 0.02, "V": 0.02, "W": 0.01, "X": 0.01,
}  # fmt: skip
GREEN_2025_M3_PER_DAY = 4576.1  # planning.md: 915.22 ha × 50 % × 1 L/(m²·d)
ROAD_2025_M3_PER_DAY = 8242.5  # planning.md: 824.25 ha × 50 % × 2 L/(m²·d)
TOTAL_2025_M3_PER_DAY = 50818.6  # seed 001 §4.1.4: 最高日需水量 50818.6 m³/d


def test_2025_verdict_counts_the_demand_not_yet_networked(scenario) -> None:  # type: ignore[no-untyped-def]
    built = build_network(scenario, 2025, pump_efficiency=0.75)
    near_term = {p.id for p in scenario.pipes if p.phase == 2025}  # §4.3.2 表: 近期管道
    existing = {"e01", "e02", "e03", "e04", "e05"}
    assert set(built.model.pipe_name_list) - existing == near_term
    assert "pump3" not in built.model.pump_name_list  # plant 3 is new in 2030 (§4.3.1)
    assert "booster_baowu" in built.model.pump_name_list  # near-term booster (§5.3.1)
    # 16 nodes wait for far-term pipes: 64 % of green and road demand, 8203.9 m³/d.
    share = sum(FAR_TERM_NODES.values())
    assert share == pytest.approx(0.64)
    left_out = share * (GREEN_2025_M3_PER_DAY + ROAD_2025_M3_PER_DAY)
    assert left_out == pytest.approx(8203.9, abs=0.05)
    coverage = built.coverage
    assert set(coverage.not_networked_m3_per_day) == set(FAR_TERM_NODES)
    for node, node_share in FAR_TERM_NODES.items():
        expected = node_share * (GREEN_2025_M3_PER_DAY + ROAD_2025_M3_PER_DAY)
        assert coverage.not_networked_m3_per_day[node] == pytest.approx(expected, abs=0.01)
    assert coverage.total_m3_per_day == pytest.approx(TOTAL_2025_M3_PER_DAY, abs=0.05)
    assert coverage.unserved_fraction == pytest.approx(8203.9 / 50818.6, abs=1e-5)
    with EpanetProject(inp_text(built.model)) as project:
        result = peak_hour(project, built.min_free_head_m, required_pressure_m=10.0)
    # The networked users keep 15 m (the booster lifts Baowu), yet the horizon fails: a
    # sixth of its demand has no pipe.
    assert result.check.passes
    assert not verdict(result.check, coverage)


def test_2025_baowu_booster_runs_past_its_rating_as_planning_says(scenario) -> None:  # type: ignore[no-untyped-def]
    """Seed 001 §5.3.1: the Baowu booster is 5000 m³/d, sized (§4.3.1) at the peak hour; Baowu
    draws 5000 m³/d at max day, 6500 m³/d at the peak hour. Planning: 208.3 < 270.8 m³/h,
    inadequate. Network: the booster's single-point curve (q0 = 5000/86400 m³/s, h0 = 30 m)
    carries 6500/86400 m³/s, 130 % of q0, at h = 30 × (4/3 − 1.3²/3) = 23.1 m."""
    plan = run_plan(scenario).figures.to_json()["2025"]["pump_stations"]["booster_baowu"]
    assert plan["capacity_peak_hour_m3_per_hour"] == pytest.approx(5000 / 24)
    assert plan["required_peak_hour_m3_per_hour"] == pytest.approx(5000 * 1.3 / 24)
    assert plan["adequate"] is False
    built = build_network(scenario, 2025, pump_efficiency=0.75)
    with EpanetProject(inp_text(built.model)) as project:
        solution = peak_hour(project, 15.0, required_pressure_m=10.0).solution
        (booster,) = [p for p in pump_points(project, solution) if p.pump == "booster_baowu"]
    assert booster.rated_flow_m3_per_s == pytest.approx(5000 / 86400, rel=1e-6)
    assert booster.flow_m3_per_s == pytest.approx(6500 / 86400, rel=1e-6)
    assert booster.load_fraction == pytest.approx(1.3, rel=1e-6)
    assert booster.head_m == pytest.approx(30 * (4 / 3 - 1.3**2 / 3), abs=1e-3)


def test_24h_simulation_delivers_the_max_day_volume(scenario) -> None:  # type: ignore[no-untyped-def]
    patterns = load_demand_patterns()
    built = build_network(scenario, 2030, patterns=patterns, pump_efficiency=0.75)
    with EpanetProject(inp_text(built.model)) as project:
        states = project.simulate()
        junctions = project.topology.junctions
    hourly = [s for s in states if s.time_s % 3600 == 0 and s.time_s < 86400]
    assert len(hourly) == 24
    # Patterns average 1, so 24 hourly steps carry the max-day demand of §4.1.4 (demand-driven).
    volume = sum(float(np.sum(s.demand_m3_per_s[junctions])) * 3600 for s in hourly)
    assert volume == pytest.approx(_total_2030_demand_m3_per_day(), rel=1e-6)


def test_demand_patterns_average_one_and_stay_below_the_peak_factor() -> None:
    for category, values in load_demand_patterns().items():
        assert len(values) == 24, category
        assert sum(values) / 24 == pytest.approx(1.0), category
        assert max(values) <= PEAK_HOUR_FACTOR + 1e-12, category


def test_tank_fills_and_drains_by_its_inflow(tmp_path: Path) -> None:
    import yaml

    from reclaim.io.scenario_file import scenario_from_dict

    raw = yaml.safe_load(SHUOZHOU.read_text(encoding="utf-8"))
    raw["network"]["tanks"] = [
        {
            "id": "TK",
            "elevation_m": 1120,
            "init_level_m": 3,
            "min_level_m": 0.5,
            "max_level_m": 6,
            "diameter_m": 20,
        }
    ]
    raw["network"]["links"].append(
        {"pipe": "t01", "from_node": "A", "to_node": "TK", "dn_mm": 300, "length_m": 500}
    )
    built = build_network(
        scenario_from_dict(raw), 2030, patterns=load_demand_patterns(), pump_efficiency=0.75
    )
    with EpanetProject(inp_text(built.model)) as project:
        states = project.simulate()
        topology = project.topology
    tank, link = topology.node_index("TK"), topology.link_index("t01")
    area = np.pi * 20**2 / 4
    levels = [s.head_m[tank] - 1120 for s in states]
    assert levels[0] == pytest.approx(3.0)
    assert len(set(np.round(levels, 6))) > 1  # it moves over the day
    for before, after, level_before, level_after in zip(
        states, states[1:], levels, levels[1:], strict=False
    ):
        # Mass balance over each step: Δlevel × area = inflow × Δt (EPANET integrates the tank
        # with the flow at the start of the step); capped within its levels. EPANET keeps
        # volumes in ft³ and converts L/s with LPSperCFS = 28.317 (source, types.h), so one
        # of its m³ of inflow is 1000 × 0.3048³ / 28.317 m³ of tank volume.
        dt = after.time_s - before.time_s
        m3_per_epanet_m3 = 1000 * 0.3048**3 / 28.317
        expected = level_before + before.flow_m3_per_s[link] * m3_per_epanet_m3 * dt / area
        # EPANET ends a step where the tank fills or empties, rounded to a whole second.
        one_second = abs(before.flow_m3_per_s[link]) * m3_per_epanet_m3 * 1.0 / area
        assert level_after == pytest.approx(min(max(expected, 0.5), 6.0), abs=1e-6 + one_second)


def test_a_shut_bypass_is_not_judged_by_its_head_difference(scenario) -> None:  # type: ignore[no-untyped-def]
    """In 2025 the Baowu booster runs, so its check-valve bypass e05 carries nothing: the head
    the booster adds stands across e05 and must not read as friction loss nor ask for a resize."""
    from reclaim.io.network_files import load_design_value
    from reclaim.network.checks import VelocityRange, pipe_checks

    built = build_network(scenario, 2025, pump_efficiency=0.75)
    with EpanetProject(inp_text(built.model)) as project:
        solution = peak_hour(project, built.min_free_head_m, required_pressure_m=10.0).solution
        topology = project.topology
    ranges = [VelocityRange(0.0, 10_000.0, 0.6, 1.4)]
    by_pipe = {
        c.pipe: c
        for c in pipe_checks(topology, solution, ranges, load_design_value("standard_dn_mm"))
    }
    bypass = by_pipe["e05"]
    assert abs(solution.flow_m3_per_s[topology.link_ids.index("e05")]) < 1e-9
    assert (bypass.verdict, bypass.headloss_m_per_km, bypass.suggested_dn_mm) == (
        "no flow",
        0.0,
        bypass.dn_mm,
    )
    assert all(c.headloss_m_per_km < 100 for c in by_pipe.values())
