"""`reclaim ops enterprise`: the example mill's water-balance test, worked by hand.

examples/enterprise_balance.yaml: inlet 12,000 m³ over dyeing 6,500 + boiler 5,000; dyeing over
3,000 + 2,500; boiler over 4,600; reused 36,000; reclaimed 3,000; value added 400 (10⁴ yuan).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "enterprise_balance.yaml"


def test_the_example_mill_by_hand() -> None:
    result = runner.invoke(app, ["ops", "enterprise", str(EXAMPLE), "--json"])
    # dyeing closes at 1,000 / 6,500 = 15.4 % > 15 % and the reuse quota is missed: exit 1
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    closures = {closure["meter"]: closure for closure in report["closures"]}
    assert closures["inlet"]["error_fraction"] == pytest.approx(500 / 12_000)
    assert closures["dyeing"]["within_limit"] is False
    assert closures["boiler"]["error_fraction"] == pytest.approx(400 / 5_000)
    # reuse 36,000 / 48,000 = 0.75 < 0.90; reclaimed 3,000 / 12,000 = 0.25 ≥ 0.20; 30 ≤ 35
    assert report["reuse_rate_fraction"] == pytest.approx(0.75)
    assert report["m3_per_1e4_yuan"] == pytest.approx(30)
    assert (report["meets_reuse_rate"], report["meets_reclaimed_share"]) == (False, True)
    assert report["passed"] is False
    table = runner.invoke(app, ["ops", "enterprise", str(EXAMPLE), "--no-fail", "--lang", "en"])
    assert table.exit_code == 0
    assert "reuse rate 75.0%" in table.output


def test_a_passing_test_exits_0_and_a_broken_file_2(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "meters:\n"
        "  - {meter: in, level: 1, volume_m3: 100}\n"
        "  - {meter: w, level: 2, volume_m3: 98, parent: in}\n"
        "use: {reused_m3: 100}\n"
    )
    passed = runner.invoke(app, ["ops", "enterprise", str(good), "--json"])
    assert passed.exit_code == 0, passed.output
    # (100 − 98) / 100 = 2 % ≤ 5 %; reuse 100 / (100 + 100) = 0.5; no quota, nothing judged
    assert json.loads(passed.output)["reuse_rate_fraction"] == pytest.approx(0.5)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "meters:\n  - {meter: in, level: one, volume_m3: 100}\nuse: {reused: 1}\nquota: {x: 1}\n"
    )
    refused = runner.invoke(app, ["ops", "enterprise", str(broken)])
    assert refused.exit_code == 2
    for field in ("meters[0].level", "use.reused", "quota.x", "use.reused_m3"):
        assert f"broken.yaml.{field}" in refused.output
    assert "Traceback" not in refused.output
