"""The illustrative small county: every figure worked out by hand in the comments."""

from __future__ import annotations

import pytest

from reclaim.planning.engine import run_plan
from reclaim.planning.scenario import Scenario


@pytest.fixture(scope="module")
def horizon(small_county: Scenario) -> dict:
    return run_plan(small_county).to_json_dict()["2030"]


def test_demand_per_driver(horizon: dict) -> None:
    by_use = horizon["demand"]["by_use"]
    assert by_use["coking"]["m3_per_day"] == pytest.approx(10_000)  # flow
    assert by_use["park"]["m3_per_day"] == pytest.approx(900)  # 1e6 m² × 0.6 × 1.5 L
    assert by_use["flushing"]["m3_per_day"] == pytest.approx(300)  # 50 000 × 0.2 × 30 L
    assert by_use["lake"]["m3_per_day"] == pytest.approx(1000)  # 2e5 m² × 5 mm/d
    assert by_use["park"]["1e4_m3_per_year"] == pytest.approx(18.0)  # 900 × 200 d
    assert horizon["demand"]["total_m3_per_day"] == pytest.approx(12_200)
    assert horizon["demand"]["total_1e4_m3_per_year"] == pytest.approx(365 + 18 + 10.95 + 36.5)


def test_sewage_supply_and_balance(horizon: dict) -> None:
    assert horizon["domestic_1e4_m3_per_day"] == pytest.approx(1.2)  # 10 万 × 120 L
    assert horizon["industrial_1e4_m3_per_day"] == pytest.approx(0.6)  # 2 km² × 3000 m³
    assert horizon["sewage_1e4_m3_per_day"] == pytest.approx((1.2 * 0.85 + 0.6 * 0.7) * 1.05)
    assert horizon["reclaimed_supply_1e4_m3_per_day"] == pytest.approx(0.8 * 1.512)
    assert horizon["balance_1e4_m3_per_day"] == pytest.approx(1.2096 - 1.22)
    assert horizon["utilisation_rate"] == pytest.approx(430.45 / (1.512 * 365))


def test_capped_allocation_by_season_and_priority(horizon: dict) -> None:
    # 165 days without park irrigation: 11 300 m³/d ≤ 12 096, all delivered.
    # 200 days with it: coking 10 000, park 900, then 1196 m³/d shared by flushing (300)
    # and lake (1000) pro rata: 276 and 920.
    by_use = horizon["demand"]["by_use"]
    assert by_use["coking"]["delivered_1e4_m3_per_year"] == pytest.approx(365.0)
    assert by_use["park"]["delivered_1e4_m3_per_year"] == pytest.approx(18.0)
    assert by_use["flushing"]["delivered_1e4_m3_per_year"] == pytest.approx(
        (300 * 165 + 276 * 200) / 1e4
    )
    assert by_use["lake"]["delivered_1e4_m3_per_year"] == pytest.approx(
        (1000 * 165 + 920 * 200) / 1e4
    )
    assert horizon["utilisation_rate_capped"] == pytest.approx(428.37 / 551.88)
    assert horizon["meets_target"] is True  # 77.6 % ≥ 50 %


def test_facilities_and_money(horizon: dict) -> None:
    assert horizon["investment_1e4_yuan"] == pytest.approx(2.5 * 90 + 1.5 * 60 + 500)
    assert horizon["pipes"]["by_dn_km"] == {
        "DN200": pytest.approx(1.5),
        "DN300": pytest.approx(2.5),
    }
    pump = horizon["pump_stations"]["industrial_pump"]
    assert pump["required_m3_per_day"] == pytest.approx(10_000 * 1.2)
    assert pump["adequate"] is True
    assert horizon["pump_stations"]["required_total_m3_per_day"] == pytest.approx(12_200 * 1.2)
    economics = horizon["economics"]
    assert economics["revenue_1e4_yuan_per_year"] == pytest.approx(365 * 2.0 + 18 * 1.0)
    assert economics["unpriced_uses"] == ["flushing", "lake"]
    assert economics["freshwater_cost_saved_1e4_yuan_per_year"] == pytest.approx(428.37 * 3.0)
    assert horizon["plants"]["covers_supply"] is True  # 1.5 ≥ 1.2096 万 m³/d
