"""The rules of the planning engine on small cases worked by hand (issue 10, "Why").

Every scenario: sewage from population (see scenarios.city), reuse cap 0.8, one horizon 2030,
a 365-day year; the irrigation season is April–October (coefficients.yaml), so a use given
only its days is centred on day 197 (1 Jan = day 0).
"""

from __future__ import annotations

import pytest

from reclaim.planning.engine import run_plan

from .scenarios import build, city, flow_use


def test_built_capacity_limits_supply() -> None:
    """A plant of 2 万 m³/d facing 2.35 万 of demand: sewage 3.0 万 × 0.8 = 2.4 万 would cover
    it, the plant cannot. Supply 2.0, balance −0.35 万 m³/d; delivered 2.0 万 × 365 = 730 万 m³
    of 2.35 × 365 = 857.75; utilisation capped 730 / (3.0 × 365 = 1095)."""
    plant = {
        "id": "wwtp",
        "name_zh": "厂",
        "name_en": "plant",
        "sewage_capacity_m3_per_day": "4 万m3/d",
        "reclaimed_capacity_m3_per_day": "2 万m3/d",
    }
    scenario = build(city(3.0, [flow_use("mill", 23_500)], plants=[plant]))
    horizon = run_plan(scenario).horizon(2030)
    assert horizon.cap_supply_1e4_m3_per_day == pytest.approx(2.4)
    assert horizon.reclaimed_supply_1e4_m3_per_day == pytest.approx(2.0)
    assert horizon.balance_1e4_m3_per_day == pytest.approx(-0.35)
    assert horizon.demand.by_use["mill"].delivered_max_day_m3_per_day == pytest.approx(20_000)
    assert horizon.delivered_1e4_m3_per_year == pytest.approx(730.0)
    assert horizon.shortfall_1e4_m3_per_year == pytest.approx(127.75)
    assert horizon.utilisation_rate_capped == pytest.approx(730 / 1095)
    assert horizon.plants.by_plant["wwtp"].limited_by_capacity
    assert not horizon.plants.covers_supply


def _winter_case(winter: dict) -> dict:
    """Supply 2.5 万 × 0.8 = 20 000 m³/d. Industry 15 000 m³/d all year (priority 1); green
    6852 m³/d for 200 days (priority 2, centred in the irrigation season: 8 Apr–24 Oct);
    a winter use of 3000 m³/d for 120 days (priority 2)."""
    return city(
        2.5,
        [
            flow_use("industry", 15_000),
            flow_use("green", 6_852, 2, category="green_irrigation", days_per_year=200),
            flow_use("heating", 3_000, 2, **winter),
        ],
    )


@pytest.mark.parametrize(
    "winter",
    [
        {"months": [11, 12, 1, 2]},
        {"days_per_year": 120, "centred_on_month": 1},
        {"days_per_year": 120, "months": [11, 12, 1, 2, 3]},
    ],
    ids=["months", "days-centred-on-january", "days-within-winter-months"],
)
def test_a_winter_use_draws_in_its_own_months(winter: dict) -> None:
    """Green days: 15 000 + 6852 = 21 852 > 20 000, short 1852 m³/d × 200 d = 37.04 万 m³.
    Winter days: 15 000 + 3000 = 18 000 ≤ 20 000, nothing short. (Nested inside the green
    season, as before, the 120 winter days would add 3000 × 120 = 36 万: 73.04.)
    Demand 15 000 × 365 + 6852 × 200 + 3000 × 120 = 720.54 万 m³; delivered 683.50;
    sewage 2.5 × 365 = 912.5 万 m³."""
    horizon = run_plan(build(_winter_case(winter))).horizon(2030)
    assert horizon.demand.total_1e4_m3_per_year == pytest.approx(720.54)
    assert horizon.shortfall_1e4_m3_per_year == pytest.approx(37.04)
    assert horizon.demand.by_use["heating"].shortfall_1e4_m3_per_year == pytest.approx(0.0)
    assert horizon.demand.by_use["green"].shortfall_1e4_m3_per_year == pytest.approx(37.04)
    assert horizon.delivered_1e4_m3_per_year == pytest.approx(683.50)
    assert horizon.utilisation_rate_capped == pytest.approx(683.50 / 912.5)
    assert horizon.utilisation_rate == pytest.approx(720.54 / 912.5)
    assert 7 not in horizon.demand.by_use["heating"].months
    assert {12, 1, 2} <= set(horizon.demand.by_use["heating"].months)
    july, january = horizon.months[6], horizon.months[0]
    assert july.shortfall_1e4_m3 == pytest.approx(1852 * 31 / 1e4)
    assert january.shortfall_1e4_m3 == pytest.approx(0.0)
    assert january.demand_1e4_m3 == pytest.approx(18_000 * 31 / 1e4)
    assert horizon.demand.busiest_day_m3_per_day == pytest.approx(21_852)


def test_plan_rounding_shows_no_shortfall_in_a_balanced_year() -> None:
    """Plan rounding: 1712.5 m³/d × 365 d = 62.50625 → printed 62.51 万 m³; 3000.5 × 214 =
    64.2107 → 64.21. Supply 2.4 万 m³/d covers 4713 m³/d every day: delivered is the printed
    demand, 126.72 万 m³, and no shortfall appears (summing unrounded delivery gave 0.00305)."""
    uses = [
        flow_use("a", 1_712.5),
        flow_use("b", 3_000.5, 2, category="green_irrigation", days_per_year=214),
    ]
    horizon = run_plan(build(city(3.0, uses)), "plan").horizon(2030)
    assert horizon.demand.by_use["a"].annual_1e4_m3 == pytest.approx(62.51, abs=1e-12)
    assert horizon.demand.total_1e4_m3_per_year == pytest.approx(126.72, abs=1e-12)
    assert horizon.delivered_1e4_m3_per_year == horizon.demand.total_1e4_m3_per_year
    assert horizon.shortfall_1e4_m3_per_year == 0.0
    assert horizon.utilisation_rate_capped == horizon.utilisation_rate


def test_ecological_release_outside_the_cap() -> None:
    """Sewage 2.5 万 m³/d, supply 20 000 m³/d taken whole by industry. A river release of
    4000 m³/d kept outside the cap takes the effluent left, 25 000 − 20 000 = 5000 m³/d:
    delivered in full, balance 0. Inside the cap it would be short 4000 × 365 = 146 万 m³."""
    release = {"category": "surface_water_supplement", "outside_cap": True}
    outside = build(
        city(2.5, [flow_use("industry", 20_000), flow_use("river", 4_000, 3, **release)])
    )
    horizon = run_plan(outside).horizon(2030)
    assert horizon.balance_1e4_m3_per_day == pytest.approx(0.0)
    assert horizon.shortfall_1e4_m3_per_year == pytest.approx(0.0)
    assert horizon.demand.by_use["river"].delivered_1e4_m3_per_year == pytest.approx(146.0)
    assert horizon.utilisation_rate_capped == pytest.approx((730 + 146) / (2.5 * 365))
    release["outside_cap"] = False
    inside = build(
        city(2.5, [flow_use("industry", 20_000), flow_use("river", 4_000, 3, **release)])
    )
    assert run_plan(inside).horizon(2030).shortfall_1e4_m3_per_year == pytest.approx(146.0)


def test_balance_per_plant_and_per_zone() -> None:
    """Sewage 2.5 万 m³/d shared by equal sewage capacities: 1.25 each, × 0.8 = 1.0 each.
    North can reclaim only 0.8 (its capacity), south 1.0. North serves 1.2 万 (balance −0.4),
    south 0.5 万 (balance +0.5); supply 1.8 万 m³/d in all."""
    plants = [
        {
            "id": pid,
            "name_zh": pid,
            "name_en": pid,
            "sewage_capacity_m3_per_day": 20_000,
            "reclaimed_capacity_m3_per_day": capacity,
            "zone": pid,
        }
        for pid, capacity in (("north", 8_000), ("south", 20_000))
    ]
    uses = [
        flow_use("mill", 12_000, plant="north", zone="north"),
        flow_use("park", 5_000, 2, category="green_irrigation", plant="south", zone="south"),
    ]
    horizon = run_plan(build(city(2.5, uses, plants=plants))).horizon(2030)
    north, south = horizon.plants.by_plant["north"], horizon.plants.by_plant["south"]
    assert north.supply_1e4_m3_per_day == pytest.approx(0.8)
    assert north.balance_1e4_m3_per_day == pytest.approx(-0.4)
    assert south.supply_1e4_m3_per_day == pytest.approx(1.0)
    assert south.balance_1e4_m3_per_day == pytest.approx(0.5)
    assert horizon.zones["north"].balance_1e4_m3_per_day == pytest.approx(-0.4)
    assert horizon.zones["south"].balance_1e4_m3_per_day == pytest.approx(0.5)
    assert horizon.reclaimed_supply_1e4_m3_per_day == pytest.approx(1.8)
    assert horizon.plants.sewage_split == "sewage_capacity"


def test_days_that_do_not_fit_their_months_are_refused() -> None:
    from reclaim.errors import InputError

    data = _winter_case({"days_per_year": 130, "months": [12, 1, 2, 3]})  # 121 days
    with pytest.raises(InputError, match="at most the 121 days"):
        run_plan(build(data))


def test_only_releases_to_the_environment_may_stay_outside_the_cap() -> None:
    from reclaim.errors import InputError

    data = city(2.5, [flow_use("industry", 20_000, outside_cap=True)])
    with pytest.raises(InputError, match=r"uses\[industry\]\.outside_cap"):
        build(data)
