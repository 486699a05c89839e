"""`reclaim ops losses`: the example year's balance, ILI and CJJ 92 rate, worked by hand.

examples/losses_dma.yaml: system input 3,650,000 m³; billed 3,080,000 + 20,000 = 3,100,000;
unbilled 15,000 + 24,000 = 39,000; authorised 3,139,000; apparent 36,500 + 73,000 = 109,500.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "losses_dma.yaml"


def test_the_example_year_by_hand() -> None:
    result = runner.invoke(app, ["ops", "losses", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # losses 3,650,000 − 3,139,000 = 511,000; real 511,000 − 109,500 = 401,500
    assert report["balance"]["real_losses_m3"] == pytest.approx(401_500)
    # NRW 3,650,000 − 3,100,000 = 550,000
    assert report["balance"]["non_revenue_water_m3"] == pytest.approx(550_000)
    # UARL (18 × 200 + 0.8 × 12,000 + 25 × 24) × 40 = 552,000 L/d → × 365 / 1,000 = 201,480 m³
    assert report["leakage"]["uarl_m3"] == pytest.approx(201_480)
    assert report["leakage"]["ili"] == pytest.approx(401_500 / 201_480)
    assert report["leading_indicator"] == "ili"
    # R_WL 0.14; R1 0.08 × 0.4 = 0.032, R2 0.99 × (0.08 − 0.0693) = 0.010593, R3 0.005, R4 0.01
    assert report["cjj92"]["leakage_rate_fraction"] == pytest.approx(0.14 - 0.057593)
    assert report["cjj92"]["grade"] == "一级"
    # validity: Σ v·g = 3,650,000×8 + 3,080,000×7 + 20,000×3 + 15,000×5 + 24,000×2 + 36,500×2
    # + 73,000×4 = 29,200,000 + 21,560,000 + 60,000 + 75,000 + 48,000 + 73,000 + 292,000
    # = 51,308,000 over Σ v = 6,898,500 → 7.4375 → 74.4, level IV
    assert report["validity"]["score"] == pytest.approx(10 * 51_308_000 / 6_898_500)
    assert report["validity"]["level"] == "IV"


def test_the_table_in_english_and_a_broken_file_refused(tmp_path: Path) -> None:
    table = runner.invoke(app, ["ops", "losses", str(EXAMPLE), "--lang", "en"])
    assert table.exit_code == 0, table.output
    assert "leakage rate (CJJ 92)" in table.output and "8.24%" in table.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("period_days: 30\nbalance: {system_input_m3: -1, billed_metered_m3: 0}\n")
    refused = runner.invoke(app, ["ops", "losses", str(broken)])
    assert refused.exit_code == 2
    assert "broken.yaml.network" in refused.output
    assert "Traceback" not in refused.output
