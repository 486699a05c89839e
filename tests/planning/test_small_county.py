"""The illustrative small county: every figure worked out by hand in the comments.

Supply: sewage (10 万 × 120 L × 0.85 + 2 km² × 3000 m³ × 0.70) × 1.05 = 1.512 万 m³/d,
80 % of it = 12 096 m³/d. Days of use on the calendar, centred on the middle of the
irrigation season (April–October, day 197): park 200 d (8 Apr–24 Oct), farmland 120 d
(18 May–14 Sep) → 165 d without park or farmland, 80 d with the park, 120 d with both.
"""

from __future__ import annotations

import pytest

from reclaim.planning.engine import run_plan
from reclaim.planning.scenario import Scenario

SEWAGE_1E4 = (1.2 * 0.85 + 0.6 * 0.7) * 1.05
SUPPLY_M3 = 0.8 * SEWAGE_1E4 * 1e4
DAILY = {  # m³/d
    "coking": 10_000,  # flow
    "park": 100 * 1e4 * 0.6 * 1.5 / 1000,  # 900: area × coverage × rate
    "flushing": 50_000 * 0.2 * 30 / 1000,  # 300: persons × coverage × L/(person·d)
    "lake": 20 * 1e4 * 1.0 * 5 / 1000,  # 1000: 5 mm/d over 20 ha
    "carwash": 400 * 1.0 * 100 / 1000,  # 40
    "sites": 5 * 1e4 * 1.0 * 2 / 1000,  # 100
    "recharge": 500,
    "farmland": 200 * 1e4 * 0.5 * 3 / 1000,  # 3000
}
DAYS = {"park": 200, "farmland": 120}
ANNUAL_1E4 = {use: flow * DAYS.get(use, 365) / 1e4 for use, flow in DAILY.items()}
YEAR_ROUND_P4 = DAILY["carwash"] + DAILY["sites"] + DAILY["recharge"]  # 640


@pytest.fixture(scope="module")
def horizon(small_county: Scenario) -> dict:
    return run_plan(small_county).to_json_dict()["2030"]


def test_demand_per_driver(horizon: dict) -> None:
    by_use = horizon["demand"]["by_use"]
    for use, flow in DAILY.items():
        assert by_use[use]["m3_per_day"] == pytest.approx(flow), use
        assert by_use[use]["1e4_m3_per_year"] == pytest.approx(ANNUAL_1E4[use]), use
    assert horizon["demand"]["total_m3_per_day"] == pytest.approx(15_840)
    assert horizon["demand"]["total_1e4_m3_per_year"] == pytest.approx(489.81)


def test_every_reuse_class_of_gb_t_18919_is_planned(small_county: Scenario) -> None:
    classes = {u.category for u in small_county.uses}
    # GB/T 18919-2002 Table 1: 1 农林牧渔, 2 城市杂用, 3 工业, 4 环境, 5 补充水源
    assert {"farmland_irrigation", "industrial", "landscape", "groundwater_recharge"} <= classes
    assert {"green_irrigation", "toilet_flushing", "car_washing", "construction"} <= classes


def test_sewage_supply_and_balance(horizon: dict) -> None:
    assert horizon["domestic_1e4_m3_per_day"] == pytest.approx(1.2)
    assert horizon["industrial_1e4_m3_per_day"] == pytest.approx(0.6)
    assert horizon["sewage_1e4_m3_per_day"] == pytest.approx(SEWAGE_1E4)
    assert horizon["reclaimed_supply_1e4_m3_per_day"] == pytest.approx(SUPPLY_M3 / 1e4)
    assert horizon["balance_1e4_m3_per_day"] == pytest.approx((SUPPLY_M3 - 15_840) / 1e4)
    assert horizon["utilisation_rate"] == pytest.approx(489.81 / (SEWAGE_1E4 * 365))


def test_capped_allocation_by_season_and_priority(horizon: dict) -> None:
    # 165 d: year-round uses 11 300 + 640 = 11 940 ≤ 12 096, all delivered.
    # 80 d + 120 d with the park: coking 10 000 and park 900 first, the 1196 m³/d left shared
    # by flushing (300) and lake (1000) pro rata (276 and 920); priority 4 gets nothing.
    expected = {
        "coking": 365.0,
        "park": 18.0,
        "flushing": (300 * 165 + 276 * 200) / 1e4,
        "lake": (1000 * 165 + 920 * 200) / 1e4,
        "carwash": 40 * 165 / 1e4,
        "sites": 100 * 165 / 1e4,
        "recharge": 500 * 165 / 1e4,
        "farmland": 0.0,
    }
    by_use = horizon["demand"]["by_use"]
    for use, volume in expected.items():
        assert by_use[use]["delivered_1e4_m3_per_year"] == pytest.approx(volume, abs=1e-9), use
    delivered = (11_300 + YEAR_ROUND_P4) * 165 + SUPPLY_M3 * 200
    assert horizon["delivered_1e4_m3_per_year"] == pytest.approx(delivered / 1e4)
    assert horizon["utilisation_rate_capped"] == pytest.approx(delivered / 1e4 / (SEWAGE_1E4 * 365))
    assert horizon["meets_target"] is True  # 79.5 % ≥ 50 %


def test_facilities_and_money(horizon: dict) -> None:
    assert horizon["investment_1e4_yuan"] == pytest.approx(2.5 * 90 + 1.5 * 60 + 500)
    assert horizon["pipes"]["by_dn_km"] == {
        "DN200": pytest.approx(1.5),
        "DN300": pytest.approx(2.5),
    }
    pump = horizon["pump_stations"]["industrial_pump"]
    # max-day demand × peak-hour factor ÷ 24 h; the station is given as "12000 m3/d" = 500 m³/h
    assert pump["required_peak_hour_m3_per_hour"] == pytest.approx(10_000 * 1.2 / 24)
    assert pump["capacity_peak_hour_m3_per_hour"] == pytest.approx(12_000 / 24)
    assert pump["adequate"] is True
    assert horizon["pump_stations"]["required_total_peak_hour_m3_per_hour"] == pytest.approx(
        15_840 * 1.2 / 24
    )
    economics = horizon["economics"]
    assert economics["revenue_1e4_yuan_per_year"] == pytest.approx(365 * 2.0 + 18 * 1.0)
    assert set(economics["unpriced_uses"]) == set(DAILY) - {"coking", "park"}
    assert economics["freshwater_cost_saved_1e4_yuan_per_year"] == pytest.approx(438.93 * 3.0)
    assert horizon["plants"]["covers_supply"] is True  # 1.5 ≥ 1.2096 万 m³/d


def test_an_override_of_one_horizon_reaches_the_reuse_cap(small_county: Scenario) -> None:
    """Every input, the reuse cap included, can be overridden for one horizon by its path."""
    from reclaim.planning.engine import compute_figures

    figures = compute_figures(
        small_county, overrides={"sewage.reuse_cap.2030": 0.5}, with_facilities=False
    ).horizon(2030)
    assert figures.reclaimed_supply_1e4_m3_per_day == pytest.approx(0.5 * SEWAGE_1E4)
