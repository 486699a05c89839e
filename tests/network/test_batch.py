"""Scenario batches: on Dask they give what the in-process runner gives; demand samples follow
the planning sensitivity's distributions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from reclaim.io.scenario_file import load_scenario
from reclaim.network import batch
from reclaim.network.engine import EpanetProject
from reclaim.network.samples import demand_samples
from tests.network.test_checks import BRANCHED, LOW_LIMIT_M
from tests.network.test_shuozhou import SHUOZHOU


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def test_dask_batch_equals_in_process_batch(client: Client) -> None:
    with EpanetProject(BRANCHED) as project:
        cases = batch.n1_cases(project)
        local = batch.run_cases(project, cases, LOW_LIMIT_M, required_pressure_m=LOW_LIMIT_M)
    seen: list[tuple[int, int]] = []
    remote = batch.run_cases_on_dask(
        BRANCHED,
        cases,
        batch.BatchSettings(LOW_LIMIT_M, LOW_LIMIT_M),
        client,
        chunk_size=2,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert len(remote) == len(local)
    for ours, theirs in zip(remote, local, strict=True):
        # Same cases, same verdicts; heads equal up to EPANET's warm start (≈1e-12 m).
        assert (ours.label, ours.worst_node, ours.users_below_limit, ours.users_unserved) == (
            theirs.label,
            theirs.worst_node,
            theirs.users_below_limit,
            theirs.users_unserved,
        )
        assert ours.worst_free_head_m == pytest.approx(theirs.worst_free_head_m, abs=1e-9)
        assert ours.delivered_fraction == pytest.approx(theirs.delivered_fraction, abs=1e-9)
    assert seen[-1] == (len(cases), len(cases))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_unreachable_scheduler_is_an_input_error() -> None:
    from reclaim.errors import InputError

    with pytest.raises(InputError, match=r"scheduler: got 'tcp://127\.0\.0\.1:9'"):
        batch.run_cases_on_dask(
            BRANCHED,
            [],
            batch.BatchSettings(LOW_LIMIT_M, LOW_LIMIT_M),
            "tcp://127.0.0.1:9",
            connect_timeout_s=1.0,
        )


def test_demand_samples_follow_the_sensitivity_ranges() -> None:
    scenario = load_scenario(SHUOZHOU)
    drawn = demand_samples(scenario, 2030, count=20, seed=7)
    again = demand_samples(scenario, 2030, count=20, seed=7)
    assert drawn == again  # reproducible by seed
    # examples/shuozhou.yaml: green rate U(1, 3) and road rate U(2, 3) L/(m²·d) (GB 50013-2018
    # ranges) on 970.94 ha and 877.00 ha at 100 % coverage in 2030; industry fixed at 65000 m³/d.
    industry = 65000.0
    low = industry + 970.94e4 * 1.0 / 1000 + 877.00e4 * 2.0 / 1000
    high = industry + 970.94e4 * 3.0 / 1000 + 877.00e4 * 3.0 / 1000
    totals = [sum(sample.values()) * 86400 for sample in drawn.node_demands_m3_per_s]
    assert all(low <= total <= high for total in totals)
    assert len(set(totals)) == len(totals)  # each draw differs
    # Sewage and population inputs shape supply, not demand: reported as unused.
    assert "sewage.discharge_factor_domestic" in drawn.unused_paths
    assert "uses.green.rate_l_per_m2_day" not in drawn.unused_paths


def test_demand_cases_restore_the_base_demands(tmp_path: Path) -> None:
    with EpanetProject(BRANCHED) as project:
        before = project.base_demands_m3_per_s()
        doubled = {n: 2 * before[project.topology.node_index(n)] for n in ("N2", "N3", "N4", "N5")}
        (result,) = batch.run_cases(
            project, batch.demand_cases(project, [doubled]), 0.0, required_pressure_m=1.0
        )
        assert result.required_m3_per_s == pytest.approx(2 * (0.030 + 0.025 + 0.040 + 0.005))
        assert list(project.base_demands_m3_per_s()) == list(before)


def test_a_case_that_fails_from_the_last_flows_is_solved_from_a_cold_start() -> None:
    """EPANET 2.3 on this network, pressure-driven from 5 m: ×1 demand balances in 4 trials
    from its own initial flows (initH(10)) but needs 5 from the flows a ×200 case leaves
    (initH(0)); ×200 balances in neither within 4. With TRIALS 4 the ×1 case after the ×200
    one fails warm and must be solved cold, giving what a fresh solve gives."""
    with EpanetProject(BRANCHED) as fresh:
        (alone,) = batch.run_cases(fresh, [batch.Case("x1")], LOW_LIMIT_M, required_pressure_m=5.0)
    with EpanetProject(BRANCHED, max_trials=4) as project:
        base = project.base_demands_m3_per_s()
        ids = project.topology.node_ids
        heavy = {n: 200 * base[i] for i, n in enumerate(ids) if base[i] > 0}
        normal = {n: base[i] for i, n in enumerate(ids) if base[i] > 0}
        cases = batch.demand_cases(project, [heavy, normal])
        failed, solved = batch.run_cases(project, cases, LOW_LIMIT_M, required_pressure_m=5.0)
        assert failed.error is not None and "did not balance" in failed.error
        assert solved.error is None
        assert project.cold_restarts == 2  # the ×200 case tried cold too, in vain
    assert solved.worst_node == alone.worst_node
    assert solved.worst_free_head_m == pytest.approx(alone.worst_free_head_m, abs=1e-6)
    assert solved.users_below_limit == alone.users_below_limit


def test_local_dask_workers_give_the_in_process_verdicts() -> None:
    """Without a scheduler the batch runs on local worker processes (here 2)."""
    with EpanetProject(BRANCHED) as project:
        cases = batch.n1_cases(project)
        local = batch.run_cases(
            project, cases, LOW_LIMIT_M, required_pressure_m=LOW_LIMIT_M, demand_fraction=0.7
        )
    spread = batch.run_cases_on_dask(
        BRANCHED, cases, batch.BatchSettings(LOW_LIMIT_M, LOW_LIMIT_M, 0.7), workers=2
    )
    assert [(r.label, r.users_below_limit, r.users_unserved) for r in spread] == [
        (r.label, r.users_below_limit, r.users_unserved) for r in local
    ]
    assert [r.worst_free_head_m for r in spread] == pytest.approx(
        [r.worst_free_head_m for r in local], abs=1e-4
    )
