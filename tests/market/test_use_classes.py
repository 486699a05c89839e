"""One use class decides the price and the new right, over HTTP on SQLite and PostgreSQL.

Issue 8: a listing priced by schedule charged the buyer's sector but the new right kept the
seller's use class, so a residential buyer got an industrial right at the residential price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.market.helpers import Api, snapshot
from tests.market.test_refusals import refused

TIANJIN_RESIDENTIAL = Decimal("1.1")  # seed 001 §5.4: 居民生活用水 1.1 元/m³
TIANJIN_INDUSTRIAL = Decimal("3.1")  # seed 001 §5.4: 工业 3.1 元/m³


def region_with_right(
    api: Api, code: str, conversions: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """A region priced by the Tianjin tiers, a plant, and an industrial right of `seller`."""
    settings: dict[str, Any] = {"price_schedule": "tianjin"}
    if conversions is not None:
        settings["use_class_conversions"] = conversions
    region = api.add_region(code, code, **settings)
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {"name": "p", "sewage_treated_m3_per_day": 1_000, "reclaimed_capacity_m3_per_day": 800},
        )
    )
    return dict(
        api.ok(
            api.post(
                "/rights",
                "regulator",
                {
                    "holder_id": api.ids["seller"],
                    "plant_id": plant["id"],
                    "annual_volume_m3": 10_000,
                    "daily_max_m3": 50,
                    "term_start": "2022-01-01",
                    "term_end": "2024-01-01",
                    "use_class": "industrial",
                },
            )
        )
    )


def listing(right: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "right_id": right["id"],
        "mode": "fixed",
        "annual_volume_m3": 1_000,
        "daily_max_m3": 5,
        "term_start": "2022-01-01",
        "term_end": "2024-01-01",
        "delivery_point": "gate",
        "price_schedule": "tianjin",
    }
    return {**body, **changes}


def parties(api: Api) -> None:
    """The parties, registered in their home region."""
    api.add_region("home", "home")
    api.add_party("seller", "seller")
    api.add_party("factory", "buyer", use_class="industrial")
    api.add_party("estate", "buyer", use_class="residential")


def test_a_buyer_of_another_sector_is_refused(api: Api) -> None:
    parties(api)
    right = region_with_right(api, "strict")
    listed = api.ok(api.post("/listings", "seller", listing(right)))
    assert listed["use_class"] == "industrial"  # the right's, stated on the listing
    before = snapshot(api.db)
    body = refused(api, api.post(f"/listings/{listed['id']}/accept", "estate"), 403, "use_class")
    assert body["value"] == "residential" and "industrial" in body["reason"]
    assert snapshot(api.db) == before
    stated = api.post("/listings", "seller", listing(right, use_class="residential"))
    refused(api, stated, 403, "use_class")  # the seller may not restate the use either
    negotiated = listing(
        right, mode="negotiated", price_schedule=None, reserve_yuan_per_m3="2.00"
    ) | {"counterparty_id": api.ids["estate"]}
    refused(api, api.post("/listings", "seller", negotiated), 403, "counterparty_id")
    deal = api.ok(api.post(f"/listings/{listed['id']}/accept", "factory"))
    assert Decimal(deal["price_yuan_per_m3"]) == TIANJIN_INDUSTRIAL
    assert deal["use_class"] == "industrial"


def test_a_conversion_the_region_allows_sets_price_and_right(api: Api) -> None:
    parties(api)
    bad = api.post(
        "/regions",
        "admin",
        {"code": "bad", "name": "bad", "use_class_conversions": {"industrial": ["mining"]}},
    )
    refused(api, bad, 422, "use_class_conversions.industrial")
    right = region_with_right(api, "lenient", {"industrial": ["residential"]})
    listed = api.ok(api.post("/listings", "seller", listing(right)))
    deal = api.ok(api.post(f"/listings/{listed['id']}/accept", "estate"))
    # converted to residential use: the residential tier, and a residential right
    assert Decimal(deal["price_yuan_per_m3"]) == TIANJIN_RESIDENTIAL
    assert deal["use_class"] == "residential"
    notice = api.ok(api.get("/public/notices"), 200)["deals"][0]
    assert notice["use_class"] == "residential"  # the public sees the use sold
    api.clock.advance(days=5)  # the default publicity period (data file)
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract = api.ok(api.post(f"/deals/{deal['id']}/conclude", "estate"))
    bought = api.ok(api.get(f"/rights/{contract['right_id']}", "estate"), 200)
    assert bought["use_class"] == "residential"
    regions = api.ok(api.get("/regions"), 200)
    assert regions[-1]["use_class_conversions"] == {"industrial": ["residential"]}


def test_an_auction_takes_bids_only_from_the_listed_use(api: Api) -> None:
    parties(api)
    right = region_with_right(api, "auction")
    closes_at = api.clock().replace(day=20).isoformat()
    auction = api.ok(
        api.post(
            "/listings",
            "seller",
            listing(
                right,
                mode="ascending",
                price_schedule=None,
                reserve_yuan_per_m3="2.00",
                closes_at=closes_at,
            ),
        )
    )
    bids = f"/listings/{auction['id']}/bids"
    refused(api, api.post(bids, "estate", {"price_yuan_per_m3": "2.50"}), 403, "use_class")
    api.ok(api.post(bids, "factory", {"price_yuan_per_m3": "2.10"}))
