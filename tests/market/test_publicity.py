"""Publicity (公示) over HTTP against a live server, on SQLite and PostgreSQL.

A deal is approved only after its publicity ends; during it anyone may object (parties with
their login, the public through a throttled form with a contact); an open objection blocks
approval until the regulator resolves it with a public reason; an undecided deal lapses and its
volume returns to the seller's right, through the service's own scheduler.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from reclaim.service.context import ExchangeContext
from tests.market.helpers import Api

PUBLICITY_DAYS = 5  # set on the region in these tests
LAPSE_DAYS = 10
RIGHT_ANNUAL_M3 = 100_000
RIGHT_DAILY_M3 = 500
SHUOZHOU_NO1 = (40_000, 32_000)  # seed 001 §3.2: 4.0 万 m³/d sewage, 3.2 万 m³/d reclaimed


def deal_in_publicity(api: Api, start: datetime) -> dict[str, Any]:
    """A region, a plant, a right of `seller` and a fixed-price listing accepted by `buyer`."""
    region = api.add_region(
        "shuozhou", "朔州", publicity_days=PUBLICITY_DAYS, lapse_days=LAPSE_DAYS
    )
    assert region["lapse_days"] == LAPSE_DAYS
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    api.add_party("neighbour", "buyer", use_class="industrial")
    sewage, reclaimed = SHUOZHOU_NO1
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "No. 1",
                "sewage_treated_m3_per_day": sewage,
                "reclaimed_capacity_m3_per_day": reclaimed,
            },
        )
    )
    term = {
        "term_start": start.date().isoformat(),
        "term_end": start.date().replace(year=start.year + 3).isoformat(),
    }
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["seller"],
                "plant_id": plant["id"],
                "annual_volume_m3": RIGHT_ANNUAL_M3,
                "daily_max_m3": RIGHT_DAILY_M3,
                "use_class": "industrial",
                **term,
            },
        )
    )
    listing = api.ok(
        api.post(
            "/listings",
            "seller",
            {
                "right_id": right["id"],
                "mode": "fixed",
                "annual_volume_m3": RIGHT_ANNUAL_M3,
                "daily_max_m3": RIGHT_DAILY_M3,
                "delivery_point": "gate",
                "reserve_yuan_per_m3": "2.60",
                **term,
            },
        )
    )
    deal: dict[str, Any] = api.ok(api.post(f"/listings/{listing['id']}/accept", "buyer"))
    return deal


def reserved(api: Api, right_id: int) -> int:
    """What the seller's right still sets aside for open listings and deals (m³/yr)."""
    return int(api.ok(api.get(f"/rights/{right_id}", "seller"), 200)["reserved_annual_m3"])


def notice(api: Api, deal_id: int) -> dict[str, Any] | None:
    """The deal's entry on the public notice board, if it is there."""
    board = api.ok(api.get("/public/notices"), 200)
    return next((n for n in board["deals"] if n["deal_id"] == deal_id), None)


def test_approval_waits_for_the_end_of_publicity(live_api: Api) -> None:
    api = live_api
    deal = deal_in_publicity(api, api.clock())
    first_day = api.post(f"/deals/{deal['id']}/approve", "regulator")
    assert first_day.status_code == 409, first_day.text
    assert first_day.json()["field"] == "deal_id" and "publicity" in first_day.json()["reason"]
    api.clock.advance(days=PUBLICITY_DAYS, seconds=-1)
    assert api.post(f"/deals/{deal['id']}/approve", "regulator").status_code == 409
    api.clock.advance(seconds=1)
    approved = api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    assert approved["state"] == "approved"


def test_an_open_objection_blocks_approval_until_resolved_in_public(live_api: Api) -> None:
    api = live_api
    deal = deal_in_publicity(api, api.clock())
    objections = f"/deals/{deal['id']}/objections"
    grounds = "the plant's 2022 output cannot carry this volume"
    filed = api.ok(api.post(objections, "neighbour", {"grounds": grounds}))
    assert filed["state"] == "open"
    blank = api.post(objections, "neighbour", {"grounds": "   "})
    assert blank.status_code == 422 and blank.json()["field"] == "grounds"
    by_regulator = api.post(objections, "regulator", {"grounds": grounds})
    assert by_regulator.status_code == 403
    assert api.client.post(objections, json={"grounds": grounds}).status_code == 401

    api.clock.advance(days=PUBLICITY_DAYS)
    too_late = api.post(objections, "neighbour", {"grounds": "late"})
    assert too_late.status_code == 409 and too_late.json()["field"] == "deal_id"
    blocked = api.post(f"/deals/{deal['id']}/approve", "regulator")
    assert blocked.status_code == 409 and "objection" in blocked.json()["reason"]

    seen = api.ok(api.get(objections, "regulator"), 200)
    assert [(o["id"], o["filed_by_id"]) for o in seen] == [(filed["id"], api.ids["neighbour"])]
    assert api.get(objections, "neighbour").status_code == 403
    listed = notice(api, deal["id"])
    assert listed is not None
    assert [(o["grounds"], o["state"], o["filed_by"]) for o in listed["objections"]] == [
        (grounds, "open", "party")
    ]

    resolve = f"/objections/{filed['id']}/resolve"
    unreasoned = api.post(resolve, "regulator", {"outcome": "dismissed", "reason": ""})
    assert unreasoned.status_code == 422 and unreasoned.json()["field"] == "reason"
    assert api.post(resolve, "buyer", {"outcome": "dismissed", "reason": "x"}).status_code == 403
    reason = "the 2022 output of No. 1 is 3.2 万 m³/d; this deal is 500 m³/d of it"
    done = api.ok(api.post(resolve, "regulator", {"outcome": "dismissed", "reason": reason}), 200)
    assert done["state"] == "dismissed"
    again = api.post(resolve, "regulator", {"outcome": "upheld", "reason": reason})
    assert again.status_code == 409
    listed = notice(api, deal["id"])
    assert listed is not None
    assert [(o["state"], o["resolution"]) for o in listed["objections"]] == [("dismissed", reason)]
    approved = api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    assert approved["state"] == "approved"


def test_an_upheld_objection_rejects_the_deal_and_frees_its_volume(live_api: Api) -> None:
    api = live_api
    deal = deal_in_publicity(api, api.clock())
    assert reserved(api, deal["right_id"]) == RIGHT_ANNUAL_M3
    public = api.ok(
        api.client.post(
            f"/public/deals/{deal['id']}/objections",
            json={"grounds": "the buyer's works are not yet built", "contact": "a@example.org"},
        )
    )
    regulator_view = api.ok(api.get(f"/deals/{deal['id']}/objections", "regulator"), 200)
    assert regulator_view[0]["contact"] == "a@example.org"
    assert "a@example.org" not in api.get("/public/notices").text
    api.ok(
        api.post(
            f"/objections/{public['id']}/resolve",
            "regulator",
            {"outcome": "upheld", "reason": "no works permit on file"},
        ),
        200,
    )
    rejected = api.ok(api.get(f"/deals/{deal['id']}", "buyer"), 200)
    assert rejected["state"] == "rejected"
    assert f"objection {public['id']} upheld" in rejected["decision_reason"]
    assert reserved(api, deal["right_id"]) == 0
    assert notice(api, deal["id"]) is None


def test_the_public_form_is_throttled_per_address(live_api: Api) -> None:
    api = live_api
    deal = deal_in_publicity(api, api.clock())
    form = f"/public/deals/{deal['id']}/objections"
    free = 5  # data/market/access_limits.yaml: public_objections_per_address.free_attempts
    body = {"grounds": "objection", "contact": "13800000000"}
    for _ in range(free):
        api.ok(api.client.post(form, json=body))
    refused = api.client.post(form, json=body)
    assert refused.status_code == 429, refused.text
    assert refused.json()["field"] == "address"
    assert int(refused.headers["Retry-After"]) == 60  # base_delay_seconds of the same file
    unknown = api.client.post("/public/deals/999/objections", json=body)
    assert unknown.status_code == 429  # refused before any work, known deal or not
    api.clock.advance(seconds=60)
    api.ok(api.client.post(form, json=body))
    assert len(api.ok(api.get(f"/deals/{deal['id']}/objections", "regulator"), 200)) == free + 1
    missing_contact = api.client.post(form, json={"grounds": "objection"})
    assert missing_contact.status_code == 422 and missing_contact.json()["field"] == "contact"


def wait_for(check: Any, timeout_s: float = 20) -> Any:
    """Poll `check()` until it gives something truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the scheduler did not do it in time")


def test_the_scheduler_ends_publicity_and_lapses_undecided_deals(
    testing_api: tuple[Api, ExchangeContext],
) -> None:
    api, _context = testing_api
    deal = deal_in_publicity(api, api.clock())
    assert reserved(api, deal["right_id"]) == RIGHT_ANNUAL_M3
    assert datetime.fromisoformat(deal["lapses_at"]) == datetime.fromisoformat(
        deal["publicity_ends_at"]
    ) + timedelta(days=LAPSE_DAYS)

    def state() -> str:
        return str(api.ok(api.get(f"/deals/{deal['id']}", "buyer"), 200)["state"])

    day = 86_400
    api.ok(
        api.client.put(
            "/testing/clock",
            json={"offset_seconds": PUBLICITY_DAYS * day},
            headers=api.headers("admin"),
        ),
        200,
    )
    wait_for(lambda: state() == "pending_decision")
    listed = notice(api, deal["id"])
    assert listed is not None and listed["state"] == "pending_decision"
    assert reserved(api, deal["right_id"]) == RIGHT_ANNUAL_M3

    offset = (PUBLICITY_DAYS + LAPSE_DAYS) * day
    api.ok(
        api.client.put(
            "/testing/clock", json={"offset_seconds": offset}, headers=api.headers("admin")
        ),
        200,
    )
    wait_for(lambda: state() == "lapsed")
    assert reserved(api, deal["right_id"]) == 0
    assert notice(api, deal["id"]) is None
    late = api.post(f"/deals/{deal['id']}/approve", "regulator")
    assert late.status_code == 409 and "lapsed" in late.json()["reason"]


def test_the_clock_moves_only_in_a_service_started_for_testing(live_api: Api) -> None:
    api = live_api
    move = {"offset_seconds": 86_400}
    refused = api.client.put("/testing/clock", json=move, headers=api.headers("admin"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "testing" and "RECLAIM_TESTING" in refused.json()["reason"]
    jobs = api.client.post("/testing/jobs/run", headers=api.headers("admin"))
    assert jobs.status_code == 403
    assert api.client.put("/testing/clock", json=move).status_code == 401


def test_only_the_administrator_moves_a_testing_clock(
    testing_api: tuple[Api, ExchangeContext],
) -> None:
    api, context = testing_api
    move = {"offset_seconds": 86_400}
    refused = api.client.put("/testing/clock", json=move, headers=api.headers("regulator"))
    assert refused.status_code == 403 and refused.json()["field"] == "role"
    assert context.clock_offset == timedelta(0)
