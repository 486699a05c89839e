"""`reclaim ops simulate` into a demo database over HTTP in-process, then `reclaim ops
broker-config` for the devices the twin registered: the readings arrive, each device logs in."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.io.twin_files import load_twin


def test_simulate_feeds_the_demo_region_and_broker_config_lists_its_devices(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    # two hours without waiting: 24 steps × 11 sensors, less the few lost in transit
    result = runner.invoke(
        app,
        ["ops", "simulate", "lingshi", "--days", "0.0834", "--demo", "--db", url,
         "--start", "2026-03-01", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the JSON document; logs go to stderr
    twin = load_twin("lingshi")
    assert 0.95 * 24 * len(twin.sensors) <= summary["readings"] <= 24 * len(twin.sensors)
    assert summary["accepted"] == summary["readings"]
    assert summary["quarantined"] == 0
    with sqlite3.connect(tmp_path / "demo.db") as connection:
        stored = connection.execute("SELECT count(*) FROM readings").fetchone()[0]
        devices = {row[0] for row in connection.execute("SELECT code FROM devices")}
    assert stored == summary["readings"]
    assert devices == set(twin.devices)

    out = tmp_path / "broker"
    result = runner.invoke(app, ["ops", "broker-config", "--db", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    acl = (out / "acl").read_text()
    for device in twin.devices:
        assert f"user {device}\ntopic write reclaim/lingshi/{device}/readings" in acl
    logins = {line.split(":", 1)[0] for line in (out / "passwd").read_text().splitlines()}
    assert logins == {*twin.devices, "reclaim-ingest"}
    assert oct((out / "secrets.yaml").stat().st_mode & 0o777) == "0o600"
