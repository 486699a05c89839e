"""The network built from examples/shuozhou.yaml (illustrative layout, plan's pipes and demands)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reclaim.io.network_files import load_demand_patterns
from reclaim.io.scenario_file import load_scenario
from reclaim.network.checks import peak_hour
from reclaim.network.engine import EpanetProject
from reclaim.network.model import build_network, inp_text

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


def test_2030_network_solves_reports_worst_point_and_verdict(scenario) -> None:  # type: ignore[no-untyped-def]
    assert _total_2030_demand_m3_per_day() == pytest.approx(92249.4)  # §4.1.4 3 表
    built = build_network(scenario, 2030, pump_efficiency=0.75)
    assert built.illustrative
    assert len(built.model.pipe_name_list) == 29 + 5  # p01–p29, four existing mains, a bypass
    with EpanetProject(inp_text(built.model)) as project:
        result = peak_hour(project, built.min_free_head_m)
        topology = project.topology
    solution = result.solution
    # Mass balance: the pumps deliver the whole max-day demand at the peak-hour factor.
    pumped = sum(
        solution.flow_m3_per_s[i] for i, k in enumerate(topology.link_kinds) if k == "pump"
    )
    assert pumped == pytest.approx(
        _total_2030_demand_m3_per_day() * PEAK_HOUR_FACTOR / 86400, rel=1e-6
    )
    # The worst point is the user with the lowest head above its ground, and the verdict is
    # that figure against 15 m.
    free = solution.head_m - topology.elevation_m
    users = [
        i
        for i, n in enumerate(topology.node_ids)
        if topology.node_kinds[i] == "junction" and solution.demand_m3_per_s[i] > 0
    ]
    lowest = min(users, key=lambda i: free[i])
    assert result.check.worst.node == topology.node_ids[lowest]
    assert result.check.worst.free_head_m == pytest.approx(free[lowest])
    assert result.check.limit_m == LIMIT_M
    assert result.check.passes == bool(free[users].min() >= LIMIT_M)
    below = {topology.node_ids[i] for i in users if free[i] < LIMIT_M - 1e-3}
    assert {s.node for s in result.check.below_limit} == below
    if below:  # pressure short: a pressure-driven solve says what users actually receive
        assert result.pressure_driven is not None
        assert 0 < result.pressure_driven.delivered_fraction < 1


def test_2025_network_holds_only_the_near_term_pipes(scenario) -> None:  # type: ignore[no-untyped-def]
    built = build_network(scenario, 2025, pump_efficiency=0.75)
    near_term = {p.id for p in scenario.pipes if p.phase == 2025}  # §4.3.2 表: 近期管道
    existing = {"e01", "e02", "e03", "e04", "e05"}
    assert set(built.model.pipe_name_list) - existing == near_term
    assert "pump3" not in built.model.pump_name_list  # plant 3 is new in 2030 (§4.3.1)
    assert "booster_baowu" in built.model.pump_name_list  # near-term booster (§5.3.1)
    assert built.not_networked_m3_per_day  # far-term nodes wait for their pipes
    with EpanetProject(inp_text(built.model)) as project:
        result = peak_hour(project, built.min_free_head_m)
    assert result.check.worst.free_head_m == pytest.approx(
        min(s.free_head_m for s in (result.check.worst, *result.check.below_limit))
    )


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
        assert level_after == pytest.approx(min(max(expected, 0.5), 6.0), abs=1e-6)


def test_a_shut_bypass_is_not_judged_by_its_head_difference(scenario) -> None:  # type: ignore[no-untyped-def]
    """In 2025 the Baowu booster runs, so its check-valve bypass e05 carries nothing: the head
    the booster adds stands across e05 and must not read as friction loss nor ask for a resize."""
    from reclaim.io.network_files import load_design_value
    from reclaim.network.checks import VelocityRange, pipe_checks

    built = build_network(scenario, 2025, pump_efficiency=0.75)
    with EpanetProject(inp_text(built.model)) as project:
        solution = peak_hour(project, built.min_free_head_m).solution
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
