"""Regions as tenants, over HTTP on a live server (SQLite and PostgreSQL).

Staff act only in the regions an administrator assigned them to; a region's settings (time zone,
delivery-confirmation days) live on the region; a plant is run by a seller of its region or an
exchange operator assigned to it; a delivery its own seller reports is billed only once the buyer
confirms it, the regulator decides a dispute, or the region's confirmation period passes; and no
delivery is dated after today in the region's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from reclaim.service.scheduler import JOBS
from reclaim.store.audit import audit
from reclaim.store.settlement import bill_due_deliveries
from tests.market.helpers import Api
from tests.market.test_concurrency import race

SHUOZHOU_NO1 = {"sewage_treated_m3_per_day": 40_000, "reclaimed_capacity_m3_per_day": 32_000}
"""Seed 001 §3.2: No. 1 plant, 4.0 万 m³/d sewage treated, 3.2 万 m³/d reclaimed."""
PRICE = Decimal("2.60")  # seed 001 §5.4: Shuozhou industrial price, 2.6 元/m³
CONFIRMATION_DAYS = 3  # set for this test's region
PUBLICITY_DAYS = 1


def plant(api: Api, region_id: int, operator: str | None, who: str = "regulator") -> Any:
    """POST a Shuozhou No. 1 plant run by `operator` (the response, not checked)."""
    body: dict[str, Any] = {"name": "No. 1", **SHUOZHOU_NO1}
    if operator is not None:
        body["operator_id"] = api.ids[operator]
    return api.post(f"/regions/{region_id}/plants", who, body)


def sold_right(api: Api, plant_id: int, seller: str, buyer: str) -> dict[str, Any]:
    """A right of `seller` on the plant, sold whole to `buyer` at 2.60 元/m³: the contract."""
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids[seller],
                "plant_id": plant_id,
                "annual_volume_m3": 100_000,
                "daily_max_m3": 1_000,
                "term_start": "2021-09-01",
                "term_end": "2024-09-01",
                "use_class": "industrial",
            },
        )
    )
    listing = api.ok(
        api.post(
            "/listings",
            seller,
            {
                "right_id": right["id"],
                "mode": "fixed",
                "annual_volume_m3": 100_000,
                "daily_max_m3": 1_000,
                "term_start": "2021-09-01",
                "term_end": "2024-09-01",
                "delivery_point": "gate",
                "reserve_yuan_per_m3": str(PRICE),
            },
        )
    )
    deal = api.ok(api.post(f"/listings/{listing['id']}/accept", buyer))
    api.clock.advance(days=PUBLICITY_DAYS)
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract: dict[str, Any] = api.ok(api.post(f"/deals/{deal['id']}/conclude", buyer))
    return contract


def test_staff_act_only_where_assigned(live_api: Api) -> None:
    api = live_api
    shuozhou = api.add_region("shuozhou", "朔州")
    lingshi = api.ok(api.post("/regions", "admin", {"code": "lingshi", "name": "灵石"}))
    # the administrator registers a regulator straight into Lingshi
    api.add_party("ls_water", "regulator", by="admin", region_id=lingshi["id"])
    me = api.ok(api.get("/me", "ls_water"), 200)
    assert me["region_ids"] == [lingshi["id"]] and me["region_id"] is None
    # Shuozhou's regulator registers a plant at home, not in Lingshi
    assert plant(api, shuozhou["id"], None).status_code == 201
    away = plant(api, lingshi["id"], None)
    assert away.status_code == 403 and away.json()["field"] == "region_id"
    # nobody but the administrator assigns staff
    path = f"/accounts/{api.ids['regulator']}/regions/{lingshi['id']}"
    assert api.send("PUT", path, "regulator").status_code == 403
    assert api.send("PUT", path, None).status_code == 401
    api.ok(api.send("PUT", path, "admin"), 200)
    assert plant(api, lingshi["id"], None).status_code == 201
    mine = api.ok(api.get("/me", "regulator"), 200)
    assert mine["region_ids"] == sorted([shuozhou["id"], lingshi["id"]])
    api.ok(api.send("DELETE", path, "admin"), 200)
    assert plant(api, lingshi["id"], None).status_code == 403
    gone = api.send("DELETE", path, "admin")
    assert gone.status_code == 404 and gone.json()["field"] == "region_id"
    # only regulators and operators are assigned
    api.add_party("buyer", "buyer", use_class="industrial")
    buyer_path = f"/accounts/{api.ids['buyer']}/regions/{lingshi['id']}"
    refused = api.send("PUT", buyer_path, "admin")
    assert refused.status_code == 422 and refused.json()["field"] == "account_id"
    # a regulator registers sellers and buyers of its own regions only
    body = {"username": "x", "password": "long enough", "role": "buyer", "display_name": "x"}
    stranger = api.post("/accounts", "regulator", {**body, "region_id": lingshi["id"]})
    assert stranger.status_code == 403 and stranger.json()["field"] == "region_id"
    homeless = api.post("/accounts", "regulator", body)
    assert homeless.status_code == 422 and homeless.json()["field"] == "region_id"
    staff = api.post("/accounts", "regulator", {**body, "role": "regulator"})
    assert staff.status_code == 403 and staff.json()["field"] == "role"


def test_region_settings_live_on_the_region(live_api: Api) -> None:
    api = live_api
    region = api.add_region("shuozhou", "朔州")
    # unset settings take the exchange's defaults (data/market/exchange_rules.yaml)
    assert region["time_zone"] == "Asia/Shanghai" and region["delivery_confirmation_days"] == 7
    for zone in ("Mars/Olympus_Mons", "../../../../etc/passwd", "Asia/Shanghai/../../x", "UTC+8"):
        refused = api.send("PATCH", f"/regions/{region['id']}", "regulator", {"time_zone": zone})
        assert refused.status_code == 422 and refused.json()["field"] == "time_zone", zone
    changed = api.ok(
        api.send(
            "PATCH",
            f"/regions/{region['id']}",
            "regulator",
            {"time_zone": "Asia/Urumqi", "delivery_confirmation_days": 10},
        ),
        200,
    )
    assert changed["time_zone"] == "Asia/Urumqi" and changed["delivery_confirmation_days"] == 10
    assert api.ok(api.get(f"/regions/{region['id']}"), 200) == changed
    other = api.ok(api.post("/regions", "admin", {"code": "lingshi", "name": "灵石"}))
    away = api.send("PATCH", f"/regions/{other['id']}", "regulator", {"publicity_days": 1})
    assert away.status_code == 403
    api.add_party("seller", "seller")
    assert api.send("PATCH", f"/regions/{region['id']}", "seller", {}).status_code == 403
    assert api.send("PATCH", f"/regions/{region['id']}", None, {}).status_code == 401
    fee = api.send(
        "PATCH",
        f"/regions/{region['id']}",
        "admin",
        {"exchange_fee_rate": "0.5", "treatment_feedback_share": "0.5"},
    )
    assert fee.status_code == 422 and fee.json()["field"] == "treatment_feedback_share"
    assert api.ok(api.get(f"/regions/{region['id']}"), 200) == changed  # nothing half-written
    path = f"/regions/{region['id']}"
    unknown = {"use_class_conversions": {"industrial": ["mining"]}}
    refused = api.send("PATCH", path, "regulator", unknown)
    assert refused.status_code == 422
    assert refused.json()["field"] == "use_class_conversions.industrial"
    allowed = {"industrial": ["municipal"]}
    converted = api.send("PATCH", path, "regulator", {"use_class_conversions": allowed})
    assert api.ok(converted, 200)["use_class_conversions"] == allowed


def test_plant_operator_is_a_seller_or_operator_of_the_region(live_api: Api) -> None:
    api = live_api
    shuozhou = api.add_region("shuozhou", "朔州")
    api.add_party("utility", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    api.add_party("exchange", "operator", by="admin", region_id=shuozhou["id"])
    lingshi = api.ok(api.post("/regions", "admin", {"code": "lingshi", "name": "灵石"}))
    api.add_party("elsewhere", "seller", by="admin", region_id=lingshi["id"])
    api.add_party("ls_exchange", "operator", by="admin", region_id=lingshi["id"])
    for wrong in ("buyer", "regulator", "admin", "elsewhere", "ls_exchange"):
        refused = plant(api, shuozhou["id"], wrong)
        assert refused.status_code == 422 and refused.json()["field"] == "operator_id", wrong
    assert plant(api, shuozhou["id"], "utility").status_code == 201
    assert plant(api, shuozhou["id"], "exchange").status_code == 201


def test_no_delivery_after_today_in_the_regions_time_zone(live_api: Api) -> None:
    api = live_api
    region = api.add_region("shuozhou", "朔州", publicity_days=PUBLICITY_DAYS)
    api.add_party("utility", "seller")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    plant_id = api.ok(plant(api, region["id"], "utility"))["id"]
    contract = sold_right(api, plant_id, "seller", "buyer")
    # 17:00 UTC on 31 December is 01:00 on 1 January in Shanghai (UTC+8, no summer time)
    api.clock.now = datetime(2021, 12, 31, 17, 0, tzinfo=UTC)
    path = f"/contracts/{contract['id']}/deliveries"
    for day in ("2022-01-02", "2022-07-20"):  # tomorrow there; 200 days ahead
        ahead = api.post(path, "utility", {"day": day, "volume_m3": 10})
        assert ahead.status_code == 422 and ahead.json()["field"] == "day", day
        assert "2022-01-01 in Asia/Shanghai" in ahead.json()["reason"]
    api.ok(api.send("PATCH", f"/regions/{region['id']}", "regulator", {"time_zone": "UTC"}), 200)
    in_utc = api.post(path, "utility", {"day": "2022-01-01", "volume_m3": 10})
    assert in_utc.status_code == 422 and "2021-12-31 in UTC" in in_utc.json()["reason"]
    assert api.ok(api.get("/bills", "buyer"), 200) == []
    api.send("PATCH", f"/regions/{region['id']}", "regulator", {"time_zone": "Asia/Shanghai"})
    today = api.ok(api.post(path, "utility", {"day": "2022-01-01", "volume_m3": 10}))
    assert today["state"] == "billed" and Decimal(today["bill"]["amount_yuan"]) == 10 * PRICE


def test_a_delivery_its_seller_reports_waits_for_the_buyer(live_api: Api) -> None:
    api = live_api
    region = api.add_region(
        "lingshi",
        "灵石",
        publicity_days=PUBLICITY_DAYS,
        delivery_confirmation_days=CONFIRMATION_DAYS,
    )
    # seed 000: the authorised seller 保净 runs the plants and sells the water
    api.add_party("baojing", "seller")
    api.add_party("hongyuan", "buyer", use_class="industrial")
    api.add_party("exchange", "operator", by="admin", region_id=region["id"])
    other = api.ok(api.post("/regions", "admin", {"code": "shuozhou", "name": "朔州"}))
    api.add_party("sz_water", "regulator", by="admin", region_id=other["id"])
    api.add_party("sz_exchange", "operator", by="admin", region_id=other["id"])
    plant_id = api.ok(plant(api, region["id"], "baojing"))["id"]
    contract = sold_right(api, plant_id, "baojing", "hongyuan")
    api.clock.now = datetime(2021, 10, 10, 9, 0, tzinfo=UTC)
    path = f"/contracts/{contract['id']}/deliveries"

    def report(day: str, volume_m3: int) -> dict[str, Any]:
        delivery: dict[str, Any] = api.ok(
            api.post(path, "baojing", {"day": day, "volume_m3": volume_m3})
        )
        assert delivery["state"] == "awaiting_confirmation" and delivery["bill"] is None
        return delivery

    # 1. confirmed by the buyer: billed then, not before
    first = report("2021-10-01", 800)
    assert api.ok(api.get("/bills", "hongyuan"), 200) == []
    assert api.ok(api.get("/ledger/entries", "regulator"), 200) == []
    own = api.post(f"/deliveries/{first['id']}/confirm", "baojing")
    assert own.status_code == 403 and own.json()["field"] == "delivery_id"
    confirmed = api.ok(api.post(f"/deliveries/{first['id']}/confirm", "hongyuan"), 200)
    assert confirmed["state"] == "billed" and confirmed["billed_volume_m3"] == 800
    assert Decimal(confirmed["bill"]["amount_yuan"]) == 800 * PRICE == Decimal("2080.00")
    again = api.post(f"/deliveries/{first['id']}/confirm", "hongyuan")
    assert again.status_code == 409

    # 2. disputed: the region's regulator decides, with a reason, the volume found delivered
    second = report("2021-10-02", 900)
    no_grounds = api.post(f"/deliveries/{second['id']}/dispute", "hongyuan", {"reason": ""})
    assert no_grounds.status_code == 422 and no_grounds.json()["field"] == "reason"
    disputed = api.ok(
        api.post(
            f"/deliveries/{second['id']}/dispute",
            "hongyuan",
            {"reason": "meter at the gate read 600 m³"},
        ),
        200,
    )
    assert disputed["state"] == "disputed" and disputed["dispute_reason"]
    queue = api.ok(api.get("/deliveries", "regulator", state="disputed"), 200)
    assert [d["id"] for d in queue] == [second["id"]]
    assert api.ok(api.get("/deliveries", "sz_water", state="disputed"), 200) == []
    assert api.post(f"/deliveries/{second['id']}/confirm", "hongyuan").status_code == 409
    decision = {"volume_m3": 600, "reason": "gate meter reading accepted"}
    assert api.post(f"/deliveries/{second['id']}/decide", "sz_water", decision).status_code == 404
    assert api.post(f"/deliveries/{second['id']}/decide", "exchange", decision).status_code == 403
    too_much = {"volume_m3": 901, "reason": "x"}
    refused = api.post(f"/deliveries/{second['id']}/decide", "regulator", too_much)
    assert refused.status_code == 422 and refused.json()["field"] == "volume_m3"
    decided = api.ok(api.post(f"/deliveries/{second['id']}/decide", "regulator", decision), 200)
    assert decided["state"] == "billed" and decided["billed_volume_m3"] == 600
    assert decided["decision_reason"] == "gate meter reading accepted"
    assert Decimal(decided["bill"]["amount_yuan"]) == 600 * PRICE == Decimal("1560.00")

    # 3. unanswered: billed once the region's confirmation period has passed, once only
    third = report("2021-10-03", 500)
    assert api.ok(api.post("/deliveries/bill-due", "exchange"), 200)["deliveries"] == []
    api.clock.advance(days=CONFIRMATION_DAYS)
    late = api.post(f"/deliveries/{third['id']}/dispute", "hongyuan", {"reason": "late"})
    assert late.status_code == 409
    assert api.ok(api.post("/deliveries/bill-due", "sz_exchange"), 200)["deliveries"] == []
    billed = api.ok(api.post("/deliveries/bill-due", "exchange"), 200)["deliveries"]
    assert [d["id"] for d in billed] == [third["id"]]
    assert Decimal(billed[0]["bill"]["amount_yuan"]) == 500 * PRICE
    assert api.ok(api.post("/deliveries/bill-due", "admin"), 200)["deliveries"] == []
    fifth = report("2021-10-05", 200)
    api.clock.advance(days=CONFIRMATION_DAYS)
    # the scheduler's job (service/scheduler.py JOBS) bills it too, once whoever runs it
    assert any(job.run is bill_due_deliveries for job in JOBS)
    billed_here = [api.db.run(lambda s: bill_due_deliveries(s, api.clock())) for _ in range(2)]
    assert billed_here in ([1, 0], [0, 0])  # [0, 0]: the service's own scheduler was first
    states = {d["id"]: d for d in api.ok(api.get(path, "hongyuan"), 200)}
    assert states[fifth["id"]]["bill"]["volume_m3"] == 200

    # 4. a rejected delivery bills nothing; the buyer owes 2080 + 1560 + 1300 + 520 = 5460 元
    fourth = report("2021-10-04", 100)
    api.ok(api.post(f"/deliveries/{fourth['id']}/dispute", "hongyuan", {"reason": "no flow"}), 200)
    rejected = api.ok(
        api.post(
            f"/deliveries/{fourth['id']}/decide",
            "regulator",
            {"volume_m3": 0, "reason": "the plant was shut that day"},
        ),
        200,
    )
    assert rejected["state"] == "rejected" and rejected["bill"] is None
    owed = api.ok(api.get("/me/balance", "hongyuan"), 200)
    owed_yuan = Decimal(owed[f"party:{api.ids['hongyuan']}"])
    assert owed_yuan == -((800 + 600 + 500 + 200) * PRICE) == Decimal("-5460.00")
    listed = api.ok(api.get(path, "hongyuan"), 200)
    assert [d["state"] for d in listed] == ["billed", "billed", "billed", "rejected", "billed"]
    assert api.get(path, "sz_water").status_code == 404
    assert api.db.run(audit) == []


def test_a_delivery_is_billed_once_when_its_buyer_and_the_billing_run_race(
    live_api: Api,
) -> None:
    api = live_api
    region = api.add_region(
        "lingshi", "灵石", publicity_days=PUBLICITY_DAYS, delivery_confirmation_days=1
    )
    api.add_party("baojing", "seller")
    api.add_party("hongyuan", "buyer", use_class="industrial")
    api.add_party("exchange", "operator", by="admin", region_id=region["id"])
    plant_id = api.ok(plant(api, region["id"], "baojing"))["id"]
    contract = sold_right(api, plant_id, "baojing", "hongyuan")
    api.clock.now = datetime(2021, 10, 10, 9, 0, tzinfo=UTC)
    body = {"day": "2021-10-01", "volume_m3": 700}
    delivery = api.ok(api.post(f"/contracts/{contract['id']}/deliveries", "baojing", body))
    api.clock.advance(days=2)  # past the region's one day: both may bill it
    for who in ("hongyuan", "exchange"):
        api.login(who)
    calls = [
        lambda: api.post(f"/deliveries/{delivery['id']}/confirm", "hongyuan"),
        lambda: api.post("/deliveries/bill-due", "exchange"),
    ] * 6
    statuses = race(calls)
    assert set(statuses[0::2]) <= {200, 409} and set(statuses[1::2]) == {200}
    bills = api.ok(api.get("/bills", "hongyuan"), 200)
    assert [(b["delivery_id"], Decimal(b["amount_yuan"])) for b in bills] == [
        (delivery["id"], 700 * PRICE)
    ]
    assert api.ok(api.get("/ledger/verify", "regulator"), 200)["ok"]
    assert api.db.run(audit) == []
