"""`reclaim network …` end to end: JSON and tables out, one-line errors with status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from tests.network.conftest import EXAMPLES
from tests.network.test_checks import BRANCHED
from tests.network.test_shuozhou import LIMIT_M, SHUOZHOU

runner = CliRunner()


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["network", *args, "--json"])
    out = json.loads(result.stdout)
    failed = (
        out.get("passes") is False
        or bool(out.get("critical_pipes"))
        or any(not (a["check"] or {}).get("passes") for a in out.get("accidents", []))
    )
    assert result.exit_code == (1 if failed else 0), result.output  # a failed check exits 1
    return out


@pytest.fixture
def branched(tmp_path: Path) -> Path:
    path = tmp_path / "branched.inp"
    path.write_text(BRANCHED, encoding="utf-8")
    return path


def test_check_scenario_reports_worst_point_and_verdict(tmp_path: Path) -> None:
    geojson = tmp_path / "net.geojson"
    out = _json("check", str(SHUOZHOU), "--grid-factor", "0.5703", "--geojson", str(geojson))
    assert out["year"] == 2030 and out["illustrative_layout"] is True
    worst = out["peak_hour"]["worst_point"]
    heads = [
        n["free_head_m"]
        for n in out["nodes"]
        if n["kind"] == "junction" and n["demand_m3_per_s"] > 0
    ]
    assert worst["free_head_m"] == pytest.approx(min(heads), abs=1e-6)
    assert out["peak_hour"]["limit_m"] == LIMIT_M
    assert out["peak_hour"]["passes"] == (worst["free_head_m"] >= LIMIT_M)
    assert out["passes"] is False  # Baowu cannot keep 15 m (test_shuozhou works it by hand)
    assert {p["pipe"] for p in out["pipes"]} >= {f"p{i:02d}" for i in range(1, 30)}
    assert all(p["co2_t_per_year"] is not None for p in out["pumps"])
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(out["nodes"]) + len(out["pipes"]) + len(out["pumps"])


def test_exported_inp_solves_like_the_scenario(tmp_path: Path) -> None:
    inp = tmp_path / "shuozhou_2030.inp"
    result = runner.invoke(app, ["network", "export", str(SHUOZHOU), "--out", str(inp)])
    assert result.exit_code == 0, result.output
    from_scenario = _json("check", str(SHUOZHOU))["peak_hour"]["worst_point"]
    from_inp = _json("check", str(inp))["peak_hour"]["worst_point"]  # multiplier 1.3 kept
    assert from_inp["node"] == from_scenario["node"]
    assert from_inp["free_head_m"] == pytest.approx(from_scenario["free_head_m"], abs=1e-3)


def test_n1_lists_the_pipe_whose_loss_cuts_a_user_off(branched: Path) -> None:
    out = _json("n1", str(branched), "--min-head", "5")
    assert out["pipes_checked"] == 6
    assert "P6" in out["critical_pipes"]
    (p6,) = [c for c in out["cases"] if c["case"] == "P6"]
    assert p6["users_unserved"] == ["N5"]
    table = runner.invoke(app, ["network", "n1", str(branched), "--min-head", "5"])
    assert table.exit_code == 1 and "P6" in table.stdout  # a pipe is critical: the check fails


def test_accident_pump_head_energy_and_simulate(branched: Path) -> None:
    (accident,) = _json("accident", str(branched), "--pipe", "P1", "--min-head", "5")["accidents"]
    assert accident["pipe"] == "P1" and accident["check"]["worst_point"]["node"].startswith("N")
    pump = _json("pump-head", str(branched), "--target", "20")
    assert pump["at_required_head"]["worst_point"]["free_head_m"] == pytest.approx(20, abs=1e-3)
    energy = _json("energy", str(branched), "--grid-factor", "0.6")
    assert energy["pumps"][0]["pump"] == "PU"
    run = _json("simulate", str(EXAMPLES / "Net1.inp"))
    assert run["steps"][-1]["time_h"] == 24  # Net1's duration
    assert "2" in run["steps"][0]["tank_level_m"]  # Net1's tank


def test_accident_defaults_to_the_main_at_the_pump_outlet(hand_inp: Path) -> None:
    # P1 and P2 leave the pump's outlet N1; the main is the one the hand solution loads most.
    from tests.network.test_validation import _hand_solution

    flows, _ = _hand_solution()
    main = max(("P1", "P2"), key=lambda pipe: abs(flows[pipe]))
    (outlet,) = _json("accident", str(hand_inp), "--min-head", "5")["accidents"]
    assert outlet["pipe"] == main


def test_samples_from_the_scenario_sensitivity() -> None:
    out = _json("samples", str(SHUOZHOU), "--samples", "4", "--seed", "1")
    assert out["samples"] == 4 and len(out["cases"]) == 4
    assert 0.0 <= out["passing_fraction"] <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["accident", "{branched}", "--pipe", "P99"], "error: pipe: got 'P99'; not a link"),
        (["check", "{missing}"], "error: file: got"),
        (["check", "{branched}", "--year", "2030"], "error: --year: got 2030"),
        (["energy", "{branched}", "--grid-factor", "-1"], "error: grid_factor_kg_per_kwh"),
        (["check", str(SHUOZHOU), "--year", "2040"], "error: year: got 2040"),
        (["n1", "{branched}", "--accident-fraction", "0"], "error: accident_fraction: got 0.0"),
        (["check", "{branched}", "--required-pressure", "-1"], "error: required_pressure"),
        (["n1", "{branched}", "--workers", "0"], "error: --workers: got 0"),
    ],
)
def test_bad_input_is_one_line_with_status_2(
    args: list[str], message: str, branched: Path, tmp_path: Path
) -> None:
    filled = [a.format(branched=branched, missing=tmp_path / "none.inp") for a in args]
    result = runner.invoke(app, ["network", *filled])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_sizing_lists_pipes_to_resize(branched: Path) -> None:
    out = _json("sizing", str(branched), "--v-min", "0.6", "--v-max", "0.9")
    resized = {p["pipe"] for p in out["pipes"] if p["verdict"] != "ok"}
    assert set(out["resize"]) <= resized
    assert all(p["v_min"] == 0.6 and p["v_max"] == 0.9 for p in out["pipes"])


def test_simulate_scenario_reports_a_day_of_pump_energy() -> None:
    run = _json("simulate", str(SHUOZHOU))
    hours = [s["time_h"] for s in run["steps"]]
    assert hours[0] == 0 and hours[-1] == 24
    assert set(run["pump_energy_kwh"]) == {"pump1", "pump2", "pump3"}  # 2030: booster gone
    assert all(kwh > 0 for kwh in run["pump_energy_kwh"].values())


def test_n1_on_a_dask_scheduler_address(branched: Path) -> None:
    from distributed import LocalCluster

    local = _json("n1", str(branched), "--min-head", "5")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = _json(
            "n1",
            str(branched),
            "--min-head",
            "5",
            "--scheduler",
            cluster.scheduler_address,
            "--chunk-size",
            "2",
        )
    assert remote["critical_pipes"] == local["critical_pipes"]
    assert [c["case"] for c in remote["cases"]] == [c["case"] for c in local["cases"]]


def test_2025_check_counts_the_demand_not_yet_networked_and_fails() -> None:
    """16 nodes of examples/shuozhou.yaml wait for far-term pipes in 2025: 64 % of green
    (4576.1 m³/d) and road (8242.5 m³/d) demand, planning.md, i.e. 8203.9 m³/d."""
    table = runner.invoke(
        app, ["network", "check", str(SHUOZHOU), "--year", "2025", "--lang", "en"]
    )
    assert table.exit_code == 1, table.output  # FAIL
    words = " ".join(table.stdout.split())  # the table title wraps
    assert "Demand not yet networked: 16 nodes, 8,203.9 of 50,818.6 m³/d" in words
    assert "FAIL" in table.stdout and "PASS" not in table.stdout
    out = _json("check", str(SHUOZHOU), "--year", "2025", "--no-energy")
    assert out["passes"] is False
    assert out["peak_hour"]["passes"] is True  # the networked users alone keep 15 m
    assert out["not_yet_networked_total_m3_per_day"] == pytest.approx(
        0.64 * (4576.1 + 8242.5), abs=0.05
    )
    assert len(out["not_yet_networked_m3_per_day"]) == 16
    booster = next(p for p in out["pump_points"] if p["pump"] == "booster_baowu")
    assert booster["load_fraction"] == pytest.approx(6500 / 5000, rel=1e-6)


def test_n1_and_accident_run_at_the_accident_flow(branched: Path) -> None:
    """GB 50013-2018 §7.1.3: 70 % of the design flow unless --accident-fraction says otherwise;
    the pump then lifts 0.7 × 0.100 m³/s, N1 at 100 + 80 − 2000 × 0.07² − 150 = 20.2 m."""
    out = _json("n1", str(branched), "--min-head", "5", "--all")
    assert out["accident_flow_fraction"] == 0.7
    assert out["required_pressure_m"] == 10.0  # data/network/design.yaml
    (accident,) = _json("accident", str(branched), "--pipe", "P3", "--min-head", "5")["accidents"]
    assert accident["flow_fraction"] == 0.7
    full = _json("accident", str(branched), "--pipe", "P3", "--accident-fraction", "1")
    assert full["accidents"][0]["flow_fraction"] == 1.0


def test_a_long_table_prints_every_row_as_plain_text() -> None:
    # KY4 has 1,156 pipes: every one a row of the plain-text table, under its heading and rule.
    result = runner.invoke(app, ["network", "sizing", str(EXAMPLES / "ky4.inp"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines.index("Pipes (velocity vs economic range, head loss)") + 1
    header_words = lines[header].split()
    assert header_words[:3] == ["pipe", "DN", "flow"] and header_words[-2:] == ["suggest", "DN"]
    assert set(lines[header + 1]) <= {"─", " "}
    rows = [line.split()[0] for line in lines[header + 2 :] if line.strip()]
    pipes = _json("sizing", str(EXAMPLES / "ky4.inp"))["pipes"]
    assert rows == [p["pipe"] for p in pipes]
    assert len(rows) > 1000
