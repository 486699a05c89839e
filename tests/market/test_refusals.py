"""Bad input and forbidden requests: a clear 4xx naming the field, and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reclaim.units import DAYS_PER_YEAR
from tests.market.helpers import Api, snapshot

SHUOZHOU_NO1_SEWAGE_M3_PER_DAY = 40_000  # seed 001 §3.2: 污水处理规模 4.0 万 m³/d
SHUOZHOU_NO1_RECLAIMED_M3_PER_DAY = 32_000  # seed 001 §3.2: 再生水生产规模 3.2 万 m³/d
REUSE_CAP = 0.8  # GB 50335 via seed 001 §4.2: ≤ 80 % of the sewage treated


class World:
    """Shuozhou with its No. 1 plant, a seller holding a right, a buyer, and one listing."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.region = api.add_region("shuozhou", "朔州")
        api.add_party("seller", "seller")
        api.add_party("buyer", "buyer", use_class="industrial")
        api.add_party("other", "buyer", use_class="power_plant")
        self.plant = api.ok(
            api.post(
                f"/regions/{self.region['id']}/plants",
                "regulator",
                {
                    "name": "No. 1",
                    "sewage_treated_m3_per_day": SHUOZHOU_NO1_SEWAGE_M3_PER_DAY,
                    "reclaimed_capacity_m3_per_day": SHUOZHOU_NO1_RECLAIMED_M3_PER_DAY,
                },
            )
        )
        self.right = api.ok(api.post("/rights", "regulator", self.right_body(1_000_000, 5_000)))
        self.listing = api.ok(api.post("/listings", "seller", self.listing_body()))

    def right_body(self, annual: int, daily: int, **changes: Any) -> dict[str, Any]:
        body = {
            "holder_id": self.api.ids["seller"],
            "plant_id": self.plant["id"],
            "annual_volume_m3": annual,
            "daily_max_m3": daily,
            "term_start": "2021-09-01",
            "term_end": "2026-09-01",
            "use_class": "industrial",
        }
        return {**body, **changes}

    def listing_body(self, **changes: Any) -> dict[str, Any]:
        body = {
            "right_id": self.right["id"],
            "mode": "sealed",
            "annual_volume_m3": 100_000,
            "daily_max_m3": 500,
            "term_start": "2021-09-01",
            "term_end": "2026-09-01",
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
            "closes_at": (self.api.clock() + timedelta(days=2)).isoformat(),
        }
        return {**body, **changes}


@pytest.fixture
def world(api: Api) -> World:
    return World(api)


def refused(api: Api, response: Any, status: int, field: str) -> dict[str, Any]:
    """Assert the refusal's status and field; return its body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    assert body["reason"]
    return body


def test_capacity_cap_comes_from_sewage_treated(world: World) -> None:
    api = world.api
    deliverable_daily = min(
        int(SHUOZHOU_NO1_SEWAGE_M3_PER_DAY * REUSE_CAP), SHUOZHOU_NO1_RECLAIMED_M3_PER_DAY
    )
    assert world.plant["deliverable_annual_m3"] == deliverable_daily * DAYS_PER_YEAR
    free = deliverable_daily * DAYS_PER_YEAR - 1_000_000
    before = snapshot(api.db)
    over = api.post("/rights", "regulator", world.right_body(free + 1, 100))
    body = refused(api, over, 409, "annual_volume_m3")
    assert str(free) in body["reason"]
    assert snapshot(api.db) == before
    api.ok(api.post("/rights", "regulator", world.right_body(free, 100)))


CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("unknown plant", "/rights", "regulator", {"plant_id": 9999}, 404, "plant_id"),
    ("unknown holder", "/rights", "regulator", {"holder_id": 9999}, 404, "holder_id"),
    ("zero volume", "/rights", "regulator", {"annual_volume_m3": 0}, 422, "annual_volume_m3"),
    ("negative daily", "/rights", "regulator", {"daily_max_m3": -5}, 422, "daily_max_m3"),
    (
        "daily above annual",
        "/rights",
        "regulator",
        {"annual_volume_m3": 10, "daily_max_m3": 11},
        422,
        "daily_max_m3",
    ),
    ("backwards term", "/rights", "regulator", {"term_end": "2020-01-01"}, 422, "term_end"),
    ("unknown use class", "/rights", "regulator", {"use_class": "mining"}, 422, "use_class"),
    ("buyer issues", "/rights", "buyer", {}, 403, "role"),
]


@pytest.mark.parametrize(("name", "path", "who", "changes", "status", "field"), CASES)
def test_issue_refusals(
    world: World, name: str, path: str, who: str, changes: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot(world.api.db)
    response = world.api.post(path, who, world.right_body(1000, 10, **changes))
    refused(world.api, response, status, field)
    assert snapshot(world.api.db) == before, name


LISTING_CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("unknown right", "seller", {"right_id": 9999}, 404, "right_id"),
    ("someone else's right", "buyer", {}, 404, "right_id"),
    ("term before validity", "seller", {"term_start": "2021-01-01"}, 422, "term_start"),
    ("term after validity", "seller", {"term_end": "2027-01-01"}, 422, "term_end"),
    ("more than held", "seller", {"annual_volume_m3": 950_000}, 409, "annual_volume_m3"),
    ("negative volume", "seller", {"annual_volume_m3": -1}, 422, "annual_volume_m3"),
    ("zero reserve", "seller", {"reserve_yuan_per_m3": "0"}, 422, "reserve_yuan_per_m3"),
    ("auction without close", "seller", {"closes_at": None}, 422, "closes_at"),
    (
        "negotiated without buyer",
        "seller",
        {"mode": "negotiated", "closes_at": None},
        422,
        "counterparty_id",
    ),
    (
        "unknown schedule",
        "seller",
        {
            "mode": "fixed",
            "closes_at": None,
            "reserve_yuan_per_m3": None,
            "price_schedule": "atlantis",
        },
        422,
        "price_schedule",
    ),
    ("misspelt field", "seller", {"anual_volume_m3": 5}, 422, "anual_volume_m3"),
]


@pytest.mark.parametrize(("name", "who", "changes", "status", "field"), LISTING_CASES)
def test_listing_refusals(
    world: World, name: str, who: str, changes: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot(world.api.db)
    response = world.api.post("/listings", who, world.listing_body(**changes))
    refused(world.api, response, status, field)
    assert snapshot(world.api.db) == before, name


def test_bid_refusals(world: World) -> None:
    api = world.api
    bids = f"/listings/{world.listing['id']}/bids"
    before = snapshot(api.db)
    refused(api, api.post(bids, "buyer", {"price_yuan_per_m3": "2.59"}), 422, "price_yuan_per_m3")
    refused(api, api.post(bids, "buyer", {"price_yuan_per_m3": "-1"}), 422, "price_yuan_per_m3")
    refused(api, api.post(bids, "seller", {"price_yuan_per_m3": "3.00"}), 403, "listing_id")
    refused(
        api, api.post("/listings/9999/bids", "buyer", {"price_yuan_per_m3": "3"}), 404, "listing_id"
    )
    refused(api, api.post(f"/listings/{world.listing['id']}/accept", "buyer"), 409, "listing_id")
    assert snapshot(api.db) == before
    api.clock.advance(days=3)
    refused(api, api.post(bids, "buyer", {"price_yuan_per_m3": "3.00"}), 409, "listing_id")
    assert snapshot(api.db) == before


def test_tokens(world: World) -> None:
    api = world.api
    missing = refused(api, api.client.get("/rights"), 401, "Authorization")
    assert "missing" in missing["reason"]
    forged = api.client.get("/rights", headers={"Authorization": "Bearer not-a-token"})
    assert "invalid" in refused(api, forged, 401, "Authorization")["reason"]
    api.login("buyer")
    api.clock.advance(minutes=api.rules.token_lifetime_minutes + 1)
    stale = api.client.get("/rights", headers={"Authorization": f"Bearer {api.tokens['buyer']}"})
    assert "expired" in refused(api, stale, 401, "Authorization")["reason"]
    wrong = api.client.post("/auth/token", json={"username": "buyer", "password": "wrong-password"})
    refused(api, wrong, 401, "password")


def test_parties_see_only_their_own(world: World) -> None:
    api = world.api
    api.ok(api.post(f"/listings/{world.listing['id']}/bids", "buyer", {"price_yuan_per_m3": "3"}))
    assert api.ok(api.get(f"/listings/{world.listing['id']}/bids", "other"), 200) == []
    assert api.ok(api.get("/rights", "other"), 200) == []
    refused(api, api.get(f"/rights/{world.right['id']}", "other"), 404, "right_id")
    refused(api, api.get("/ledger/entries", "other"), 403, "role")
    refused(api, api.client.get("/deals"), 401, "Authorization")
    assert api.ok(api.get("/public/trades"), 200) == []


def test_idempotent_submission_takes_effect_once(world: World) -> None:
    api = world.api
    bids = f"/listings/{world.listing['id']}/bids"
    first = api.post(bids, "buyer", {"price_yuan_per_m3": "3.00"}, key="bid-1")
    again = api.post(bids, "buyer", {"price_yuan_per_m3": "3.00"}, key="bid-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replay"] == "true"
    assert len(api.ok(api.get(bids, "buyer"), 200)) == 1
    before = snapshot(api.db)
    other = api.post(bids, "buyer", {"price_yuan_per_m3": "3.10"}, key="bid-1")
    refused(api, other, 422, "Idempotency-Key")
    assert snapshot(api.db) == before


def test_rejected_deal_returns_volume(world: World) -> None:
    api = world.api
    fixed = api.ok(
        api.post(
            "/listings",
            "seller",
            world.listing_body(mode="fixed", closes_at=None, annual_volume_m3=200_000),
        )
    )
    deal = api.ok(api.post(f"/listings/{fixed['id']}/accept", "buyer"))
    refused(api, api.post(f"/deals/{deal['id']}/reject", "regulator", {}), 422, "reason")
    refused(api, api.post(f"/deals/{deal['id']}/approve", "seller"), 403, "role")
    api.ok(api.post(f"/deals/{deal['id']}/reject", "regulator", {"reason": "objection"}), 200)
    right = api.ok(api.get(f"/rights/{world.right['id']}", "seller"), 200)
    assert right["reserved_annual_m3"] == 100_000  # only the open sealed listing remains
    refused(api, api.post(f"/deals/{deal['id']}/conclude", "buyer"), 409, "deal_id")


def test_registry_of_parties_is_for_the_regulator(world: World) -> None:
    api = world.api
    parties = api.ok(api.get("/accounts", "regulator"), 200)
    assert {p["username"] for p in parties} == {"regulator", "seller", "buyer", "other"}
    assert next(p for p in parties if p["username"] == "other")["use_class"] == "power_plant"
    refused(api, api.get("/accounts", "buyer"), 403, "role")
    unknown = api.client.post("/auth/token", json={"username": "nobody", "password": "whatever1"})
    assert refused(api, unknown, 401, "password")["reason"] == (
        "unknown username or wrong password"
    )


def test_a_refused_password_is_never_echoed(world: World) -> None:
    api = world.api
    body = {"username": "newcomer", "password": "short", "role": "buyer", "display_name": "n"}
    refusal = refused(api, api.post("/accounts", "regulator", body), 422, "password")
    assert "short" not in str(refusal)
