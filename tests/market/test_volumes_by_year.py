"""Volumes by year over HTTP, on SQLite and PostgreSQL: partial-term sales, whole years, expiry.

Issue 8: a right of 1000 m³/yr for 2025–2030 of which 500 m³/yr was sold for 2025 alone left the
seller 500 m³/yr in every year, and an expired right never freed its plant's capacity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reclaim.store.audit import audit
from tests.market.helpers import Api, snapshot, traded_contract
from tests.market.test_refusals import refused

PLANT_SEWAGE_M3_PER_DAY = 1_000  # illustrative, small so that one right fills the plant
PLANT_RECLAIMED_M3_PER_DAY = 800
DELIVERABLE_DAILY_M3 = 800  # min(0.8 × 1 000, 800)
DELIVERABLE_ANNUAL_M3 = 800 * 365  # = 292 000


def build(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A region, its plant, a seller and an industrial buyer."""
    region = api.add_region("yr", "yr")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "p",
                "sewage_treated_m3_per_day": PLANT_SEWAGE_M3_PER_DAY,
                "reclaimed_capacity_m3_per_day": PLANT_RECLAIMED_M3_PER_DAY,
            },
        )
    )
    assert plant["deliverable_annual_m3"] == DELIVERABLE_ANNUAL_M3
    return region, plant


def right_body(plant: dict[str, Any], api: Api, **changes: Any) -> dict[str, Any]:
    body = {
        "holder_id": api.ids["seller"],
        "plant_id": plant["id"],
        "annual_volume_m3": 1_000,
        "daily_max_m3": 10,
        "term_start": "2025-01-01",
        "term_end": "2031-01-01",  # contract years 2025 … 2030
        "use_class": "industrial",
    }
    return {**body, **changes}


def sell(api: Api, listing: dict[str, Any]) -> dict[str, Any]:
    """List, accept, approve and conclude; the contract."""
    listed = api.ok(api.post("/listings", "seller", listing))
    deal = api.ok(api.post(f"/listings/{listed['id']}/accept", "buyer"))
    api.clock.advance(days=5)  # the exchange's default publicity period (data file)
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract: dict[str, Any] = api.ok(api.post(f"/deals/{deal['id']}/conclude", "buyer"))
    return contract


def by_year(right: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [
        (p["starts_on"], p["ends_on"], p["annual_volume_m3"], p["daily_max_m3"])
        for p in right["periods"]
    ]


def test_a_partial_term_sale_keeps_every_year(api: Api) -> None:
    _, plant = build(api)
    right = api.ok(api.post("/rights", "regulator", right_body(plant, api)))
    contract = sell(
        api,
        {
            "right_id": right["id"],
            "mode": "fixed",
            "annual_volume_m3": 500,
            "daily_max_m3": 5,
            "term_start": "2025-01-01",
            "term_end": "2026-01-01",  # 2025 alone
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
        },
    )
    seller = api.ok(api.get(f"/rights/{right['id']}", "seller"), 200)
    # 2025: 1 000 − 500 = 500 m³/yr, 10 − 5 = 5 m³/d; 2026–2030 untouched
    assert by_year(seller) == [
        ("2025-01-01", "2026-01-01", 500, 5),
        ("2026-01-01", "2031-01-01", 1_000, 10),
    ]
    bought = api.ok(api.get(f"/rights/{contract['right_id']}", "buyer"), 200)
    assert by_year(bought) == [("2025-01-01", "2026-01-01", 500, 5)]
    assert api.db.run(audit) == []

    # the seller can sell its 2026–2030 whole, and nothing of 2025 beyond the 500 it kept
    too_much = api.post(
        "/listings",
        "seller",
        {
            "right_id": right["id"],
            "mode": "fixed",
            "annual_volume_m3": 501,
            "daily_max_m3": 5,
            "term_start": "2025-01-01",
            "term_end": "2031-01-01",
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
        },
    )
    body = refused(api, too_much, 409, "annual_volume_m3")
    assert "500 m³/yr free in 2025-01-01–2026-01-01" in body["reason"]
    sell(
        api,
        {
            "right_id": right["id"],
            "mode": "fixed",
            "annual_volume_m3": 1_000,
            "daily_max_m3": 10,
            "term_start": "2026-01-01",
            "term_end": "2031-01-01",
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
        },
    )
    seller = api.ok(api.get(f"/rights/{right['id']}", "seller"), 200)
    assert by_year(seller) == [
        ("2025-01-01", "2026-01-01", 500, 5),
        ("2026-01-01", "2031-01-01", 0, 0),
    ]
    assert seller["state"] == "active"  # 500 m³/yr left in 2025
    assert api.db.run(audit) == []


def test_a_sale_covers_whole_contract_years_not_yet_begun(api: Api) -> None:
    _, plant = build(api)
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            right_body(plant, api, term_start="2021-09-01", term_end="2026-09-01"),
        )
    )
    listing = {
        "right_id": right["id"],
        "mode": "fixed",
        "annual_volume_m3": 100,
        "daily_max_m3": 1,
        "term_start": "2022-09-01",
        "term_end": "2023-09-01",
        "delivery_point": "gate",
        "reserve_yuan_per_m3": "2.60",
    }
    before = snapshot(api.db)
    half_year = api.post("/listings", "seller", {**listing, "term_end": "2023-03-01"})
    body = refused(api, half_year, 422, "term_end")
    assert "2022-09-01 or 2023-09-01" in body["reason"]  # the years run from 1 September
    calendar_year = api.post("/listings", "seller", {**listing, "term_start": "2023-01-01"})
    refused(api, calendar_year, 422, "term_start")
    # 17:00 UTC on 1 September is 01:00 on 2 September in the region (Asia/Shanghai, the
    # default zone in the data file): the year 2022-09-01 is under way there
    api.clock.now = datetime(2022, 9, 1, 17, 0, tzinfo=UTC)
    begun = api.post("/listings", "seller", listing)
    body = refused(api, begun, 422, "term_start")
    assert "not yet begun (today is 2022-09-02)" in body["reason"]
    assert snapshot(api.db) == before
    api.ok(
        api.post(
            "/listings", "seller", {**listing, "term_start": "2023-09-01", "term_end": "2024-09-01"}
        )
    )


def test_expiry_frees_the_plants_capacity(api: Api) -> None:
    region, plant = build(api)
    first = right_body(
        plant,
        api,
        annual_volume_m3=DELIVERABLE_ANNUAL_M3,
        daily_max_m3=DELIVERABLE_DAILY_M3,
        term_start="2021-09-01",
        term_end="2023-09-01",
    )
    api.ok(api.post("/rights", "regulator", first))
    plants = f"/regions/{region['id']}/plants"
    assert api.ok(api.get(plants), 200)[0]["committed_annual_m3"] == 0  # 2021-08-10: not begun
    api.clock.now = datetime(2023, 9, 1, tzinfo=UTC)  # the first right has just expired
    second = {**first, "term_start": "2023-09-01", "term_end": "2025-09-01"}
    # the plant is free again: 292 000 m³/yr, 800 m³/d from today
    api.ok(api.post("/rights", "regulator", second))
    assert api.ok(api.get(plants), 200)[0]["committed_annual_m3"] == DELIVERABLE_ANNUAL_M3
    # but not twice over: one more m³ on any day of 2023-09-01 … 2025-09-01 is refused
    one_more = {**second, "annual_volume_m3": 1, "daily_max_m3": 1}
    body = refused(api, api.post("/rights", "regulator", one_more), 409, "annual_volume_m3")
    assert body["reason"] == (
        f"plant {plant['id']} can deliver only 0 more m³/yr in 2023-09-01–2025-09-01"
    )
    expired = api.ok(api.get("/rights", "seller"), 200)[0]
    assert expired["state"] == "expired" and expired["annual_volume_m3"] == 0
    assert api.db.run(audit) == []


def test_a_year_listed_for_sale_is_not_delivered_twice(api: Api) -> None:
    # the buyer holds 1 000 000 m³/yr, 5 000 m³/d from 2021-09-01 to 2026-09-01 (helpers) and
    # lists half of its year 2022-09-01 → 2023-09-01; in that year, while the listing is open,
    # its own deliveries stop at 5 000 − 2 500 = 2 500 m³/d
    contract = traded_contract(api)
    api.ok(
        api.post(
            "/listings",
            "buyer",
            {
                "right_id": contract["right_id"],
                "mode": "fixed",
                "annual_volume_m3": 500_000,
                "daily_max_m3": 2_500,
                "term_start": "2022-09-01",
                "term_end": "2023-09-01",
                "delivery_point": "gate",
                "reserve_yuan_per_m3": "2.60",
            },
        )
    )
    api.clock.now = datetime(2022, 9, 2, tzinfo=UTC)
    deliveries = f"/contracts/{contract['id']}/deliveries"
    over = api.post(deliveries, "operator", {"day": "2022-09-01", "volume_m3": 2_501})
    body = refused(api, over, 422, "volume_m3")
    assert "at most 2500 m³/d" in body["reason"]
    api.ok(api.post(deliveries, "operator", {"day": "2022-09-01", "volume_m3": 2_500}))
    # the year before is untouched: 5 000 m³/d
    api.ok(api.post(deliveries, "operator", {"day": "2022-08-31", "volume_m3": 5_000}))
    assert api.db.run(audit) == []
