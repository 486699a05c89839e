"""The digital twin of the demo regions: its networks, its quiet normal days, its faults' alarms.

- Normal days must stay under EEMUA 191's "very likely to be acceptable" alarm rate for one
  operator console: fewer than 1 alarm per 10 minutes (data/operations/twin.yaml `alarm_rate`).
- Each injected fault must raise the alarm its rule is for, at the right subject and time.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import wntr

from reclaim.io.data_files import read_yaml
from reclaim.io.operations_files import load_alert_rules
from reclaim.io.quality_files import load_standards
from reclaim.io.twin_files import NETWORKS, TWIN_FILE, load_twin
from reclaim.operations.twin import INTERVAL_S, FaultKind, local_midnight, readings
from tests.operations.twin_alerts import console_alarms

REPO = Path(__file__).resolve().parents[2]
START = "2026-03-02"
SEED = 13
FAULT_DAYS = 9
"""The leaks start on day 8 (hour 192): the night-flow rule needs 7 baseline nights first."""
EXPECTED_RULE = {
    FaultKind.STUCK: "flatline",
    FaultKind.GAP: "missing_data",
    FaultKind.QUALITY_EXCURSION: "quality_exceedance",
    FaultKind.OVER_DRAW: "over_draw",
    FaultKind.LEAK: "night_flow_rising",
}


@pytest.fixture(scope="module")
def standards() -> dict:
    return load_standards()


def run(region: str, days: int, faults: bool, standards: dict) -> pd.DataFrame:
    twin = load_twin(region)
    twin = twin if faults else twin.without_faults()
    start = local_midnight(START)
    frames = readings(twin, start, days, SEED)
    steps = days * 24 * 3600 // INTERVAL_S
    return console_alarms(twin, frames, load_alert_rules(region), standards, start, steps)


def test_lingshi_network_is_the_seeds_length() -> None:
    # Seed 000: 建成 67.787 公里的再生水管网.
    model = wntr.network.WaterNetworkModel(str(NETWORKS / "lingshi.inp"))
    total_m = sum(pipe.length for _, pipe in model.pipes())
    assert total_m == pytest.approx(67_787.0, abs=0.5)


def test_shuozhou_network_is_the_plan_example_exported(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from reclaim.cli.main import app

    out = tmp_path / "shuozhou.inp"
    result = CliRunner().invoke(
        app,
        [
            "network",
            "export",
            str(REPO / "examples/shuozhou.yaml"),
            "--year",
            "2025",
            "--patterns",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    fresh = out.read_text().split("[JUNCTIONS]", 1)[1]
    shipped = (NETWORKS / "shuozhou.inp").read_text().split("[JUNCTIONS]", 1)[1]
    assert shipped == fresh


@pytest.mark.parametrize("region", ["shuozhou", "lingshi"])
def test_normal_days_stay_under_eemua_rate(region: str, standards: dict) -> None:
    days = 3
    alarms = run(region, days, faults=False, standards=standards)
    rate = read_yaml(TWIN_FILE)["alarm_rate"]
    allowed = rate["max_alerts"]["value"] * days * 24 * 60 / rate["per_minutes"]["value"]
    assert len(alarms) <= allowed, alarms
    window = f"{rate['per_minutes']['value']}min"
    per_window = alarms["start"].dt.floor(window).value_counts()
    assert (per_window <= rate["max_alerts"]["value"]).all(), per_window


@pytest.mark.parametrize("region", ["shuozhou", "lingshi"])
def test_each_injected_fault_raises_its_alarm(region: str, standards: dict) -> None:
    twin = load_twin(region)
    alarms = run(region, FAULT_DAYS, faults=True, standards=standards)
    start = local_midnight(START)
    assert {fault.kind for fault in twin.faults} == set(FaultKind)
    for fault in twin.faults:
        rule = EXPECTED_RULE[fault.kind]
        began = start + pd.Timedelta(hours=fault.start_h)
        if fault.kind is FaultKind.OVER_DRAW:
            point = next(i.delivery_point for i in twin.sensors if i.sensor.id == fault.sensor)
            subject, earliest = f"delivery_point:{point}", began.normalize()
        elif fault.kind is FaultKind.LEAK:
            dma = next(i.dma for i in twin.sensors if i.dma is not None)
            subject, earliest = f"dma:{dma}", began.normalize()
        else:
            subject, earliest = fault.sensor, began
        latest = began + pd.Timedelta(hours=min(fault.duration_h, 24))
        hits = alarms[
            (alarms["rule"] == rule)
            & (alarms["subject"] == subject)
            & (alarms["start"] >= earliest)
            & (alarms["start"] <= latest)
        ]
        assert len(hits) >= 1, f"{fault.kind.value} on {subject}: no {rule} alarm\n{alarms}"
