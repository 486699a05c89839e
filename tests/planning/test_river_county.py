"""The river county example (examples/river_county.yaml), every figure worked by hand.

Sewage = water supplied × 0.85 × collection: 2025 6 × 0.85 × 0.85 = 4.335 万 m³/d;
2035 8 × 0.85 × 0.95 = 6.46 万 m³/d. Reuse cap 0.8: 3.468 and 5.168 万 m³/d.
Plants: 2025 only wwtp1 (reclaims at most 2.5 万 m³/d) → supply 2.5, limited by capacity.
2035 the sewage is shared 5 : 3 by sewage capacity: wwtp1 4.0375 × 0.8 = 3.23 → 2.5 (capacity),
wwtp2 2.4225 × 0.8 = 1.938 (< 2.0) → supply 4.438 万 m³/d.

Demand (m³/d): power 12 000 / 20 000; heating 6000 / 8000 on Nov–Mar (151 d); green
600 ha × 60 % × 1.5 L = 5400 / 800 ha × 100 % × 2.0 L = 16 000 and roads 400 ha × 50 % × 2 L =
4000 / 500 ha × 100 % × 2 L = 10 000, both 214 d centred in April–October (= 1 Apr–31 Oct);
lake 12 万 m³ ÷ 40 d = 3000 / 18 万 ÷ 40 = 4500, all year.
"""

from __future__ import annotations

import pytest

from reclaim.io.scenario_file import load_scenario
from reclaim.planning.engine import run_plan
from reclaim.planning.results import HorizonFigures

from .conftest import EXAMPLES

DAILY = {
    2025: {"power": 12_000, "heating": 6_000, "green": 5_400, "roads": 4_000, "lake": 3_000},
    2035: {"power": 20_000, "heating": 8_000, "green": 16_000, "roads": 10_000, "lake": 4_500},
}
DAYS = {"power": 365, "heating": 151, "green": 214, "roads": 214, "lake": 365}
SEWAGE = {2025: 6 * 0.85 * 0.85, 2035: 8 * 0.85 * 0.95}
SUPPLY = {2025: 2.5, 2035: 2.5 + 8 * 0.85 * 0.95 * 3 / 8 * 0.8}


@pytest.fixture(scope="module")
def horizons() -> dict[int, HorizonFigures]:
    result = run_plan(load_scenario(EXAMPLES / "river_county.yaml"))
    return {year: result.horizon(year) for year in (2025, 2035)}


@pytest.mark.parametrize("year", [2025, 2035])
def test_demand_with_rates_per_horizon(horizons: dict[int, HorizonFigures], year: int) -> None:
    by_use = horizons[year].demand.by_use
    for use, flow in DAILY[year].items():
        assert by_use[use].m3_per_day == pytest.approx(flow), use
        assert by_use[use].days_per_year == DAYS[use], use
        assert by_use[use].annual_1e4_m3 == pytest.approx(flow * DAYS[use] / 1e4), use
    assert by_use["heating"].months == (1, 2, 3, 11, 12)
    assert by_use["green"].months == (4, 5, 6, 7, 8, 9, 10)


@pytest.mark.parametrize("year", [2025, 2035])
def test_sewage_from_the_water_supply_forecast(
    horizons: dict[int, HorizonFigures], year: int
) -> None:
    horizon = horizons[year]
    assert horizon.sewage_driver == "water_supply"
    assert horizon.sewage_1e4_m3_per_day == pytest.approx(SEWAGE[year])
    assert horizon.cap_supply_1e4_m3_per_day == pytest.approx(0.8 * SEWAGE[year])
    assert horizon.reclaimed_supply_1e4_m3_per_day == pytest.approx(SUPPLY[year])
    assert horizon.sewage_1e4_m3_per_year == pytest.approx(SEWAGE[year] * 365)
    assert horizon.plants.by_plant["wwtp1"].limited_by_capacity
    assert not horizon.plants.covers_supply


def test_2025_short_on_the_max_day_but_never_on_a_calendar_day(
    horizons: dict[int, HorizonFigures],
) -> None:
    """All uses together 30 400 m³/d against 25 000: balance −0.54 万 m³/d as plans print it.
    But heating (winter) and watering (April–October) never draw on the same day: the busiest
    day is 12 000 + 5400 + 4000 + 3000 = 24 400 ≤ 25 000, winter days 21 000. Nothing short:
    delivered = demand = 438 + 90.6 + 115.56 + 85.6 + 109.5 = 839.26 万 m³."""
    horizon = horizons[2025]
    assert horizon.balance_1e4_m3_per_day == pytest.approx(2.5 - 3.04)
    assert horizon.demand.busiest_day_m3_per_day == pytest.approx(24_400)
    assert horizon.demand.total_1e4_m3_per_year == pytest.approx(839.26)
    assert horizon.shortfall_1e4_m3_per_year == pytest.approx(0.0, abs=1e-9)
    assert horizon.utilisation_rate_capped == pytest.approx(839.26 / (SEWAGE[2025] * 365))
    assert horizon.meets_target  # 53.04 % ≥ 50 %


def test_2035_watering_season_short_winter_served(horizons: dict[int, HorizonFigures]) -> None:
    """Watering days: 20 000 + 16 000 + 10 000 + 4500 = 50 500 against 44 380 m³/d. Power (1)
    takes 20 000; green and roads (2) share 24 380 pro rata to 16 000 : 10 000 (15 003.08 and
    9376.92); the lake (3) gets nothing. Short 6120 m³/d × 214 d = 130.968 万 m³. Winter days:
    20 000 + 8000 + 4500 = 32 500, all served. Demand 730 + 120.8 + 342.4 + 214 + 164.25 =
    1571.45; delivered 1440.482 万 m³; sewage 6.46 × 365 = 2357.9 万 m³."""
    horizon = horizons[2035]
    by_use = horizon.demand.by_use
    assert horizon.balance_1e4_m3_per_day == pytest.approx(SUPPLY[2035] - 5.85)
    assert horizon.shortfall_1e4_m3_per_year == pytest.approx(130.968)
    assert by_use["lake"].shortfall_1e4_m3_per_year == pytest.approx(4_500 * 214 / 1e4)
    green_short = (16_000 - 24_380 * 16 / 26) * 214 / 1e4
    assert by_use["green"].shortfall_1e4_m3_per_year == pytest.approx(green_short)
    assert by_use["heating"].shortfall_1e4_m3_per_year == pytest.approx(0.0, abs=1e-9)
    assert horizon.delivered_1e4_m3_per_year == pytest.approx(1571.45 - 130.968)
    assert horizon.utilisation_rate == pytest.approx(1571.45 / 2357.9)
    assert horizon.utilisation_rate_capped == pytest.approx(1440.482 / 2357.9)
    assert not horizon.meets_target  # 61.09 % < 65 %
    assert horizon.months[6].shortfall_1e4_m3 == pytest.approx(6_120 * 31 / 1e4)  # July
    assert horizon.months[0].shortfall_1e4_m3 == pytest.approx(0.0, abs=1e-9)  # January


def test_prices_per_horizon(horizons: dict[int, HorizonFigures]) -> None:
    """Only power is priced: 438 万 m³ × 2.0 元 in 2025, 730 × 2.5 in 2035 (served in full)."""
    revenue = {
        year: h.economics.revenue_1e4_yuan_per_year
        for year, h in horizons.items()
        if h.economics is not None
    }
    assert revenue == {2025: pytest.approx(876.0), 2035: pytest.approx(1825.0)}


def test_sensitivity_counts_short_days_not_the_sum_of_max_days() -> None:
    """2025 is certain (only 2035 inputs are uncertain): the max-day balance is −0.54 万 m³/d
    in every sample, yet no calendar day is short, so P(short) is 0."""
    from reclaim.planning.sensitivity import run_sensitivity

    summary = run_sensitivity(load_scenario(EXAMPLES / "river_county.yaml"), 2_000, seed=1)
    assert summary.quantiles["2025"]["balance_1e4_m3_per_day"]["p50"] == pytest.approx(-0.54)
    assert summary.probability_short["2025"] == 0.0
    assert summary.probability_short["2035"] > 0.5
