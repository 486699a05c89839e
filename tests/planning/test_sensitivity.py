"""Sensitivity: quantiles and shortage probability against closed-form answers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.planning.scenario import Scenario
from reclaim.planning.sensitivity import run_sensitivity

from .conftest import EXAMPLES

# Small county, 2030, its first four uses only: only the park rate r ~ U(1, 3) L/(m²·d) is
# uncertain. Max-day demand = 11 300 + 1e6 m² × 0.6 × r / 1000 = 11 300 + 600 r  (m³/d)
# Supply = 0.8 × 1.512 万 m³/d = 12 096 m³/d, short when r > 796/600.
SUPPLY = 12_096.0


def _demand(rate: float) -> float:
    return 11_300 + 600 * rate


@pytest.fixture(scope="module")
def four_uses(small_county: Scenario) -> Scenario:
    keep = {"coking", "park", "flushing", "lake"}
    return small_county.model_copy(update={"uses": [u for u in small_county.uses if u.id in keep]})


def test_quantiles_and_probability_short(four_uses: Scenario) -> None:
    summary = run_sensitivity(four_uses, 200_000, seed=7, chunk=30_000)
    demand = summary.quantiles["2030"]["demand.total_m3_per_day"]
    # rate quantiles of U(1,3): P10 = 1.2, P50 = 2.0, P90 = 2.8; 200k samples → ±0.01 in rate
    assert demand["p10"] == pytest.approx(_demand(1.2), abs=8)
    assert demand["p50"] == pytest.approx(_demand(2.0), abs=8)
    assert demand["p90"] == pytest.approx(_demand(2.8), abs=8)
    expected_short = (3.0 - (SUPPLY - 11_300) / 600) / 2.0
    assert summary.probability_short["2030"] == pytest.approx(expected_short, abs=0.005)
    balance = summary.quantiles["2030"]["balance_1e4_m3_per_day"]
    assert balance["p50"] == pytest.approx((SUPPLY - _demand(2.0)) / 1e4, abs=1e-3)


def test_same_seed_same_figures_whatever_the_chunking(small_county: Scenario) -> None:
    one = run_sensitivity(small_county, 5_000, seed=3, chunk=5_000)
    again = run_sensitivity(small_county, 5_000, seed=3, chunk=5_000)
    assert one == again
    other_seed = run_sensitivity(small_county, 5_000, seed=4, chunk=5_000)
    assert other_seed.quantiles != one.quantiles


def test_progress_reports_every_sample(small_county: Scenario) -> None:
    seen: list[int] = []
    run_sensitivity(small_county, 2_500, chunk=1_000, on_chunk=seen.append)
    assert seen == [1_000, 1_000, 500]


def test_command_prints_json() -> None:
    result = CliRunner().invoke(
        app, ["plan", "sensitivity", str(EXAMPLES / "shuozhou.yaml"), "-n", "2000", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"probability_supply_short"' in result.stdout
