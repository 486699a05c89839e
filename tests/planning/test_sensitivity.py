"""Sensitivity: quantiles and shortage probability against closed-form answers."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.errors import InputError
from reclaim.planning.scenario import Distribution, Scenario
from reclaim.planning.sensitivity import run_sensitivity, sample_inputs

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


def test_same_seed_same_figures_whatever_the_chunking(shuozhou: Scenario) -> None:
    """Shuozhou has five uncertain inputs (uniform, triangular, normal): seed 3 must give the
    same summary in one chunk, in chunks of 1000 and in uneven chunks of 777."""
    assert len(shuozhou.uncertainty) >= 3
    one = run_sensitivity(shuozhou, 5_000, seed=3, chunk=5_000)
    for chunk in (1_000, 777):
        assert run_sensitivity(shuozhou, 5_000, seed=3, chunk=chunk) == one, chunk
    other_seed = run_sensitivity(shuozhou, 5_000, seed=4, chunk=5_000)
    assert other_seed.quantiles != one.quantiles


def _with_uncertainty(scenario: Scenario, *distributions: dict) -> Scenario:
    return scenario.model_copy(
        update={"uncertainty": [Distribution.model_validate(d) for d in distributions]}
    )


def test_samples_stay_in_each_inputs_valid_range(small_county: Scenario) -> None:
    """A normal rate N(0.5, 1) would be negative 31 % of the time and a coverage N(0.95, 0.2)
    above 1 in 40 %: both are drawn from the distribution truncated to the valid range.
    U(−1, 3) truncated to rates ≥ 0 is U(0, 3), mean 1.5."""
    scenario = _with_uncertainty(
        small_county,
        {"path": "uses.park.rate_l_per_m2_day", "kind": "normal", "mean": 0.5, "sd": 1.0},
        {"path": "uses.park.coverage", "kind": "normal", "mean": 0.95, "sd": 0.2},
        {"path": "uses.lake.rate_l_per_m2_day", "kind": "uniform", "low": -1.0, "high": 3.0},
    )
    samples = sample_inputs(scenario, 200_000, np.random.default_rng(5))
    rate, coverage = samples["uses.park.rate_l_per_m2_day"], samples["uses.park.coverage"]
    assert rate.min() >= 0.0 and coverage.max() <= 1.0 and coverage.min() >= 0.0
    assert np.mean(rate == 0.0) < 1e-4 and np.mean(coverage == 1.0) < 1e-4  # truncated, not clipped
    assert samples["uses.lake.rate_l_per_m2_day"].mean() == pytest.approx(1.5, abs=0.01)
    # truncated normal N(0.5, 1) on [0, ∞): mean = 0.5 + φ(0.5) / Φ(0.5) = 0.5 + 0.35207 / 0.69146
    assert rate.mean() == pytest.approx(0.5 + 0.352065 / 0.691462, abs=0.01)
    summary = run_sensitivity(scenario, 20_000, seed=1)
    assert summary.quantiles["2030"]["demand.total_m3_per_day"]["p10"] > 0


def test_a_distribution_outside_the_valid_range_is_refused(small_county: Scenario) -> None:
    scenario = _with_uncertainty(
        small_county, {"path": "uses.park.coverage", "kind": "uniform", "low": 1.5, "high": 2.0}
    )
    with pytest.raises(InputError, match=r"uses\.park\.coverage"):
        run_sensitivity(scenario, 100)


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


def test_command_figures_do_not_depend_on_the_chunk() -> None:
    path = str(EXAMPLES / "shuozhou.yaml")
    outputs = [
        CliRunner().invoke(
            app,
            ["plan", "sensitivity", path, "-n", "3000", "--seed", "3", "--chunk", chunk, "--json"],
        )
        for chunk in ("3000", "1000", "641")
    ]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
