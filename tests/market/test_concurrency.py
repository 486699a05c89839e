"""Many simultaneous conflicting requests against a running server; then the database is audited.

The server is uvicorn on a loopback port; requests come from one thread each, released together
by a barrier. Afterwards the database itself must show no over-committed source, no right sold
twice, one effect per idempotency key, and a ledger that balances and verifies.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from reclaim.store.audit import audit
from reclaim.store.exchange import committed_on
from reclaim.store.models import Bid, Deal, Plant, Right
from reclaim.store.settlement import verify_ledger
from tests.market.conftest import Backend
from tests.market.helpers import Api

BUYERS = 12
PLANT_SEWAGE_M3_PER_DAY = 1_000
PLANT_RECLAIMED_M3_PER_DAY = 800  # deliverable: min(0.8 × 1000, 800) = 800 m³/d (illustrative)
RIGHT_ANNUAL_M3 = 20_000
RIGHT_DAILY_M3 = 50


def race(calls: list[Callable[[], httpx.Response]]) -> list[int]:
    """Fire every call at once, one thread each, released together; their status codes."""
    barrier = threading.Barrier(len(calls))

    def fire(call: Callable[[], httpx.Response]) -> int:
        barrier.wait(timeout=30)
        return call().status_code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(fire, calls))


def test_conflicting_requests_keep_every_invariant(live_api: Api, backend: Backend) -> None:
    api = live_api
    region = api.add_region("race", "race", publicity_days=0)
    api.add_party("operator", "seller")
    api.add_party("seller", "seller")
    buyers = [f"buyer{i}" for i in range(BUYERS)]
    for buyer in buyers:
        api.add_party(buyer, "buyer", use_class="industrial")
        api.login(buyer)
    for who in ("regulator", "operator", "seller"):
        api.login(who)
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "small",
                "sewage_treated_m3_per_day": PLANT_SEWAGE_M3_PER_DAY,
                "reclaimed_capacity_m3_per_day": PLANT_RECLAIMED_M3_PER_DAY,
                "operator_id": api.ids["operator"],
            },
        )
    )
    right_body = {
        "holder_id": api.ids["seller"],
        "plant_id": plant["id"],
        "annual_volume_m3": RIGHT_ANNUAL_M3,
        "daily_max_m3": RIGHT_DAILY_M3,
        "term_start": "2021-09-01",
        "term_end": "2026-09-01",
        "use_class": "industrial",
    }

    # A. twenty simultaneous issues against a plant that can carry fourteen
    issued = race([lambda: api.post("/rights", "regulator", right_body) for _ in range(20)])
    fits = plant["deliverable_annual_m3"] // RIGHT_ANNUAL_M3  # 800 × 365 // 20 000 = 14
    assert issued.count(201) == fits == 14 and issued.count(409) == 20 - fits
    rights = api.ok(api.get("/rights", "seller"), 200)

    def listing(right_id: int, annual: int, daily: int, **extra: Any) -> dict[str, Any]:
        return {
            "right_id": right_id,
            "annual_volume_m3": annual,
            "daily_max_m3": daily,
            "term_start": "2021-09-01",
            "term_end": "2026-09-01",
            "delivery_point": "gate",
            **extra,
        }

    # B. ten simultaneous listings of 5 000 m³/yr from a right of 20 000: four fit
    listed = race(
        [
            lambda: api.post(
                "/listings",
                "seller",
                listing(rights[0]["id"], 5_000, 10, mode="fixed", reserve_yuan_per_m3="2.60"),
            )
            for _ in range(10)
        ]
    )
    assert listed.count(201) == 4 and listed.count(409) == 6

    # C. twelve buyers accept the same whole-right listing at once: one deal
    whole = api.ok(
        api.post(
            "/listings",
            "seller",
            listing(
                rights[1]["id"],
                RIGHT_ANNUAL_M3,
                RIGHT_DAILY_M3,
                mode="fixed",
                reserve_yuan_per_m3="2.60",
            ),
        )
    )
    accepted = race([lambda b=b: api.post(f"/listings/{whole['id']}/accept", b) for b in buyers])
    assert accepted.count(201) == 1 and accepted.count(409) == BUYERS - 1

    # D. an ascending auction with 60 simultaneous bids: stored bids rise strictly in order
    closes = (api.clock() + timedelta(days=1)).isoformat()
    auction = api.ok(
        api.post(
            "/listings",
            "seller",
            listing(
                rights[2]["id"],
                RIGHT_ANNUAL_M3,
                RIGHT_DAILY_M3,
                mode="ascending",
                reserve_yuan_per_m3="2.00",
                closes_at=closes,
            ),
        )
    )
    prices = [f"{2 + (i * 7919 % 60) / 100:.2f}" for i in range(60)]
    bid_codes = race(
        [
            lambda b=buyers[i % BUYERS], p=p: api.post(
                f"/listings/{auction['id']}/bids", b, {"price_yuan_per_m3": p}
            )
            for i, p in enumerate(prices)
        ]
    )
    assert set(bid_codes) <= {201, 409} and 201 in bid_codes

    # E. one submission repeated by twelve threads with the same key: one bid
    sealed = api.ok(
        api.post(
            "/listings",
            "seller",
            listing(
                rights[3]["id"],
                RIGHT_ANNUAL_M3,
                RIGHT_DAILY_M3,
                mode="sealed",
                reserve_yuan_per_m3="2.00",
                closes_at=closes,
            ),
        )
    )
    repeated = race(
        [
            lambda: api.post(
                f"/listings/{sealed['id']}/bids",
                "buyer0",
                {"price_yuan_per_m3": "2.50"},
                key="same-bid",
            )
            for _ in range(12)
        ]
    )
    assert repeated == [201] * 12

    # F. contracts, then simultaneous deliveries (some on the same day) into the ledger
    contracts = []
    for right, buyer in zip(rights[4:8], buyers[:4], strict=True):
        fixed = api.ok(
            api.post(
                "/listings",
                "seller",
                listing(
                    right["id"],
                    RIGHT_ANNUAL_M3,
                    RIGHT_DAILY_M3,
                    mode="fixed",
                    reserve_yuan_per_m3="2.60",
                ),
            )
        )
        deal = api.ok(api.post(f"/listings/{fixed['id']}/accept", buyer))
        api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
        contracts.append(api.ok(api.post(f"/deals/{deal['id']}/conclude", buyer)))
    api.clock.now = datetime(2021, 10, 5, tzinfo=UTC)  # deliveries are never dated after today
    # The jump expired the operator's token: log in once now, or the 24 racing deliveries would
    # each log in at once and meet the per-account login throttle (5 free attempts).
    api.login("operator")
    deliveries = [
        lambda c=c, d=d: api.post(
            f"/contracts/{c['id']}/deliveries",
            "operator",
            {"day": f"2021-10-{d:02d}", "volume_m3": 40},
        )
        for c in contracts
        for d in (1, 2, 3, 3, 4, 4)
    ]
    delivered = race(deliveries)
    assert delivered.count(201) == 4 * 4 and delivered.count(409) == 4 * 2

    def check(session: Any) -> None:
        plant_row = session.get(Plant, plant["id"])
        committed_annual, _ = committed_on(session, plant["id"], date(2021, 9, 1))
        assert committed_annual <= plant_row.deliverable_annual_m3
        issued_total = session.scalar(
            select(func.sum(Right.original_annual_m3)).where(Right.parent_id.is_(None))
        )
        assert issued_total == fits * RIGHT_ANNUAL_M3 == committed_annual
        assert (
            session.scalar(
                select(func.count()).select_from(Deal).where(Deal.listing_id == whole["id"])
            )
            == 1
        )
        assert (
            session.scalar(
                select(func.count()).select_from(Bid).where(Bid.listing_id == sealed["id"])
            )
            == 1
        )
        stored = session.scalars(
            select(Bid.price_yuan_per_m3).where(Bid.listing_id == auction["id"]).order_by(Bid.id)
        ).all()
        assert all(a < b for a, b in itertools.pairwise(stored))
        report = verify_ledger(session)
        assert report.ok and report.entries == 16 * 4
        assert audit(session) == []

    backend.db.run(check)
