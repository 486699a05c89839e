"""The Lingshi story through the HTTP API, on SQLite and PostgreSQL.

Seed 000: the Lingshi water bureau sold 720 万 m³/yr of reclaimed-water rights for 5 years to
three coking companies (August 2021); one authorised seller (保净污水处理有限公司) delivers; rights
may be resold within their validity and the fees are fed back into wastewater treatment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from reclaim.store.audit import audit
from tests.market.helpers import Api

LINGSHI_RIGHTS_M3_PER_YEAR = 720 * 10_000  # seed 000: 720 万立方米/年
TERM_YEARS = 5  # seed 000: 为期 5 年
LOT_M3_PER_YEAR = (
    LINGSHI_RIGHTS_M3_PER_YEAR // 3
)  # three coking companies, equal lots (illustrative)
HONGYUAN_DAILY_M3 = 2000  # seed 000: 每天 2000 立方米的再生水 … 直达生产一线
LINGSHI_RECLAIMED_M3_PER_DAY = 27_400  # seed 000: 13 plants, 1000 多万 m³/yr (≈ 27 400 m³/d)
LINGSHI_SEWAGE_M3_PER_DAY = 35_000  # illustrative: the seed gives no sewage figure
SHUOZHOU_INDUSTRIAL_PRICE = Decimal("2.6")  # seed 001 §5.4: 2.6 元/m³, the reserve here
TIANJIN_INDUSTRIAL_PRICE = Decimal("3.1")  # seed 001 §5.4: Tianjin industrial tier 3.1 元/m³
PUBLICITY_DAYS = 7  # set for this region; the exchange default comes from the data file
FEE_RATE = Decimal("0.01")
RESALE_M3_PER_YEAR = 600_000  # illustrative: a quarter of Hongyuan's lot, resold for two years
RESALE_DAILY_M3 = 1_000
FEEDBACK_SHARE = Decimal("0.20")


def test_lingshi_story(api: Api) -> None:
    def sound() -> None:
        """Every invariant holds on every day of every right and plant."""
        assert api.db.run(audit) == []

    region = api.add_region(
        "lingshi",
        "灵石县",
        publicity_days=PUBLICITY_DAYS,
        exchange_fee_rate=str(FEE_RATE),
        treatment_feedback_share=str(FEEDBACK_SHARE),
    )
    api.add_party("bureau", "seller", region_id=region["id"])
    api.add_party("baojing", "seller", region_id=region["id"])
    for buyer in ("hongyuan", "jiuxin", "coking3"):
        api.add_party(buyer, "buyer", region_id=region["id"], use_class="industrial")

    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "灵石县 13 座污水处理厂",
                "sewage_treated_m3_per_day": LINGSHI_SEWAGE_M3_PER_DAY,
                "reclaimed_capacity_m3_per_day": LINGSHI_RECLAIMED_M3_PER_DAY,
                "operator_id": api.ids["baojing"],
            },
        )
    )
    # deliverable = min(0.8 × 35 000, 27 400) = 27 400 m³/d, × 365 d
    assert plant["deliverable_daily_m3"] == 27_400
    assert plant["deliverable_annual_m3"] == 27_400 * 365

    # 1. the regulator issues the 720 万 m³/yr right to the bureau for five years
    term_start, term_end = "2021-08-15", f"{2021 + TERM_YEARS}-08-15"
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["bureau"],
                "plant_id": plant["id"],
                "annual_volume_m3": LINGSHI_RIGHTS_M3_PER_YEAR,
                "daily_max_m3": 21_000,
                "term_start": term_start,
                "term_end": term_end,
                "use_class": "industrial",
            },
        )
    )
    assert right["state"] == "active"
    lot = {
        "annual_volume_m3": LOT_M3_PER_YEAR,
        "daily_max_m3": 7_000,
        "term_start": term_start,
        "term_end": term_end,
        "delivery_point": "焦化园区",
    }
    closes_at = (api.clock() + timedelta(days=3)).isoformat()

    sound()

    # 2. three lots: an ascending auction, a sealed auction, a negotiated transfer
    open_lot = api.ok(
        api.post(
            "/listings",
            "bureau",
            {
                "right_id": right["id"],
                "mode": "ascending",
                **lot,
                "reserve_yuan_per_m3": str(SHUOZHOU_INDUSTRIAL_PRICE),
                "closes_at": closes_at,
            },
        )
    )
    sealed_lot = api.ok(
        api.post(
            "/listings",
            "bureau",
            {
                "right_id": right["id"],
                "mode": "sealed",
                **lot,
                "reserve_yuan_per_m3": str(SHUOZHOU_INDUSTRIAL_PRICE),
                "closes_at": closes_at,
            },
        )
    )
    negotiated = api.ok(
        api.post(
            "/listings",
            "bureau",
            {
                "right_id": right["id"],
                "mode": "negotiated",
                **lot,
                "reserve_yuan_per_m3": str(SHUOZHOU_INDUSTRIAL_PRICE),
                "counterparty_id": api.ids["coking3"],
            },
        )
    )
    mine = api.ok(api.get("/rights", "bureau"), 200)
    assert mine[0]["reserved_annual_m3"] == 3 * LOT_M3_PER_YEAR

    sound()

    # 3. bidding: highest price wins; ties by time
    bids = f"/listings/{open_lot['id']}/bids"
    api.ok(api.post(bids, "hongyuan", {"price_yuan_per_m3": "2.60"}))
    api.clock.advance(minutes=1)
    api.ok(api.post(bids, "jiuxin", {"price_yuan_per_m3": "2.80"}))
    api.clock.advance(minutes=1)
    not_above = api.post(bids, "hongyuan", {"price_yuan_per_m3": "2.80"})
    assert not_above.status_code == 409 and not_above.json()["field"] == "price_yuan_per_m3"
    api.ok(api.post(bids, "hongyuan", {"price_yuan_per_m3": "3.00"}))
    offered = {x["id"]: x for x in api.ok(api.get("/listings", "coking3"), 200)}
    assert Decimal(offered[open_lot["id"]]["best_bid_yuan_per_m3"]) == Decimal("3.00")
    sealed = f"/listings/{sealed_lot['id']}/bids"
    api.ok(api.post(sealed, "jiuxin", {"price_yuan_per_m3": "2.70"}))
    api.clock.advance(minutes=1)
    api.ok(api.post(sealed, "coking3", {"price_yuan_per_m3": "2.70"}))
    # a sealed bid is never shown to another bidder
    assert api.ok(api.get(sealed, "coking3"), 200)[0]["bidder_id"] == api.ids["coking3"]
    assert len(api.ok(api.get(sealed, "coking3"), 200)) == 1
    offered = {x["id"]: x for x in api.ok(api.get("/listings", "hongyuan"), 200)}
    assert offered[sealed_lot["id"]]["best_bid_yuan_per_m3"] is None

    not_theirs = api.post(f"/listings/{open_lot['id']}/close", "jiuxin")
    assert not_theirs.status_code == 403 and not_theirs.json()["field"] == "listing_id"
    api.add_party("exchange_op", "operator", by="admin", region_id=region["id"])
    too_early = api.post(f"/listings/{open_lot['id']}/close", "exchange_op")
    assert too_early.status_code == 409 and too_early.json()["field"] == "listing_id"

    api.clock.advance(days=3)
    won_open = api.ok(api.post(f"/listings/{open_lot['id']}/close", "exchange_op"), 200)
    won_sealed = api.ok(api.post(f"/listings/{sealed_lot['id']}/close", "exchange_op"), 200)
    assert won_open["deal"]["buyer_id"] == api.ids["hongyuan"]
    assert Decimal(won_open["deal"]["price_yuan_per_m3"]) == Decimal("3.00")
    assert won_sealed["deal"]["buyer_id"] == api.ids["jiuxin"]  # same price, earlier bid
    negotiated_deal = api.ok(api.post(f"/listings/{negotiated['id']}/accept", "coking3"))
    deals = [won_open["deal"], won_sealed["deal"], negotiated_deal]

    sound()

    # 4. publicity (公示): the public sees the notices and objects to one deal; approval waits
    # for the end of publicity and then for the objection to be resolved
    board = api.ok(api.get("/public/notices"), 200)
    assert {n["deal_id"] for n in board["deals"]} == {d["id"] for d in deals}
    open_deals = api.ok(api.get("/deals", "regulator", open_only=True), 200)
    assert len(open_deals) == 3
    assert len(api.ok(api.get("/deals", "hongyuan"), 200)) == 1
    premature = api.post(f"/deals/{deals[0]['id']}/conclude", "hongyuan")
    assert premature.status_code == 409
    too_soon = api.post(f"/deals/{deals[0]['id']}/approve", "regulator")
    assert too_soon.status_code == 409 and "publicity" in too_soon.json()["reason"]
    grounds = "本村灌溉井水位下降, 请核实宏源焦化的取水是否另有地下水 (illustrative objection)"
    objection = api.ok(
        api.client.post(
            f"/public/deals/{deals[0]['id']}/objections",
            json={"grounds": grounds, "contact": "13800000000"},
        )
    )
    api.clock.advance(days=PUBLICITY_DAYS)
    late = api.client.post(
        f"/public/deals/{deals[1]['id']}/objections",
        json={"grounds": "too late", "contact": "13800000000"},
    )
    assert late.status_code == 409 and late.json()["field"] == "deal_id"
    for deal in deals[1:]:
        api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    blocked = api.post(f"/deals/{deals[0]['id']}/approve", "regulator")
    assert blocked.status_code == 409 and "objection" in blocked.json()["reason"]
    board = api.ok(api.get("/public/notices"), 200)
    shown = next(n for n in board["deals"] if n["deal_id"] == deals[0]["id"])
    assert [(o["grounds"], o["state"], o["filed_by"]) for o in shown["objections"]] == [
        (grounds, "open", "public")
    ]
    assert "13800000000" not in api.get("/public/notices").text  # the contact stays private
    reason = "取水来自保净污水处理厂的再生水, 不抽取地下水 (illustrative resolution)"
    api.ok(
        api.post(
            f"/objections/{objection['id']}/resolve",
            "regulator",
            {"outcome": "dismissed", "reason": reason},
        ),
        200,
    )
    api.ok(api.post(f"/deals/{deals[0]['id']}/approve", "regulator"), 200)
    board = api.ok(api.get("/public/notices"), 200)
    shown = next(n for n in board["deals"] if n["deal_id"] == deals[0]["id"])
    assert [(o["state"], o["resolution"]) for o in shown["objections"]] == [("dismissed", reason)]

    sound()

    # 5. contracts once approved after the publicity period
    contracts = [api.ok(api.post(f"/deals/{d['id']}/conclude", "regulator")) for d in deals]
    assert [c["annual_volume_m3"] for c in contracts] == [LOT_M3_PER_YEAR] * 3
    assert Decimal(contracts[0]["term_years"]) == Decimal(TERM_YEARS)
    bureau_right = api.ok(api.get(f"/rights/{right['id']}", "bureau"), 200)
    assert bureau_right["annual_volume_m3"] == 0 and bureau_right["state"] == "exhausted"
    assert api.get(f"/rights/{right['id']}", "hongyuan").status_code == 404

    sound()

    # 6. deliveries billed: Hongyuan's 2000 m³ a day at 3.00 元/m³ (reported the next day)
    api.clock.advance(days=9)
    hongyuan_contract = contracts[0]
    bill = api.ok(
        api.post(
            f"/contracts/{hongyuan_contract['id']}/deliveries",
            "baojing",
            {"day": "2021-08-25", "volume_m3": HONGYUAN_DAILY_M3},
        )
    )["bill"]
    amount = HONGYUAN_DAILY_M3 * Decimal("3.00")
    assert Decimal(bill["amount_yuan"]) == amount == Decimal("6000.00")
    assert Decimal(bill["exchange_fee_yuan"]) == amount * FEE_RATE
    assert Decimal(bill["treatment_feedback_yuan"]) == amount * FEEDBACK_SHARE
    assert Decimal(bill["seller_net_yuan"]) == amount * (1 - FEE_RATE - FEEDBACK_SHARE)
    twice = api.post(
        f"/contracts/{hongyuan_contract['id']}/deliveries",
        "baojing",
        {"day": "2021-08-25", "volume_m3": 10},
    )
    assert twice.status_code == 409 and twice.json()["field"] == "day"
    assert (
        api.post(
            f"/contracts/{hongyuan_contract['id']}/deliveries",
            "jiuxin",
            {"day": "2021-08-26", "volume_m3": 10},
        ).status_code
        == 403  # a buyer never reports deliveries
    )
    assert (
        api.post(
            f"/contracts/{hongyuan_contract['id']}/deliveries",
            "bureau",
            {"day": "2021-08-26", "volume_m3": 10},
        ).status_code
        == 403  # the seller does not run the plant
    )
    assert api.ok(api.get("/bills", "jiuxin"), 200) == []
    assert len(api.ok(api.get("/bills", "hongyuan"), 200)) == 1

    sound()

    # 7. months later, Hongyuan resells part of its right for two of its contract years (they
    # run from each 15 August), priced by the Tianjin tiers for the buyer's sector
    api.clock.advance(days=150 - 9)
    hongyuan_right = hongyuan_contract["right_id"]
    resale_terms = {
        "right_id": hongyuan_right,
        "mode": "fixed",
        "annual_volume_m3": RESALE_M3_PER_YEAR,
        "daily_max_m3": RESALE_DAILY_M3,
        "term_start": "2022-08-15",
        "term_end": "2024-08-15",
        "delivery_point": "焦化园区",
        "price_schedule": "tianjin",
    }
    outside = api.post("/listings", "hongyuan", {**resale_terms, "term_end": "2027-01-01"})
    assert outside.status_code == 422 and outside.json()["field"] == "term_end"
    mid_year = api.post("/listings", "hongyuan", {**resale_terms, "term_start": "2022-01-01"})
    assert mid_year.status_code == 422 and mid_year.json()["field"] == "term_start"
    resale = api.ok(api.post("/listings", "hongyuan", resale_terms))
    resale_deal = api.ok(api.post(f"/listings/{resale['id']}/accept", "coking3"))
    assert Decimal(resale_deal["price_yuan_per_m3"]) == TIANJIN_INDUSTRIAL_PRICE
    sold_again = api.post(f"/listings/{resale['id']}/accept", "jiuxin")
    assert sold_again.status_code == 409
    api.clock.advance(days=PUBLICITY_DAYS)
    api.ok(api.post(f"/deals/{resale_deal['id']}/approve", "regulator"), 200)
    resale_contract = api.ok(api.post(f"/deals/{resale_deal['id']}/conclude", "coking3"))
    sound()
    held = api.ok(api.get(f"/rights/{hongyuan_right}", "hongyuan"), 200)
    # Hongyuan keeps its whole lot in the year under way and from 2024 on; in the two years sold
    # it holds 2 400 000 − 600 000 = 1 800 000 m³/yr and 7 000 − 1 000 = 6 000 m³/d
    assert [
        (p["starts_on"], p["ends_on"], p["annual_volume_m3"], p["daily_max_m3"])
        for p in held["periods"]
    ] == [
        ("2021-08-15", "2022-08-15", LOT_M3_PER_YEAR, 7_000),
        ("2022-08-15", "2024-08-15", LOT_M3_PER_YEAR - RESALE_M3_PER_YEAR, 7_000 - 1_000),
        ("2024-08-15", term_end, LOT_M3_PER_YEAR, 7_000),
    ]
    new_right = api.ok(api.get(f"/rights/{resale_contract['right_id']}", "coking3"), 200)
    assert new_right["parent_id"] == hongyuan_right
    assert (new_right["term_start"], new_right["term_end"]) == ("2022-08-15", "2024-08-15")
    assert new_right["annual_volume_m3"] == RESALE_M3_PER_YEAR

    # 8. in the years resold, Hongyuan's deliveries stop at what it kept; coking3's are billed and
    # fees fed back to treatment from every payment
    api.clock.advance(days=230)  # 2022-09: the first year resold is under way
    over_kept = api.post(
        f"/contracts/{hongyuan_contract['id']}/deliveries",
        "baojing",
        {"day": "2022-09-01", "volume_m3": 6_001},  # kept: 6 000 m³/d
    )
    assert over_kept.status_code == 422 and over_kept.json()["field"] == "volume_m3"
    api.ok(
        api.post(
            f"/contracts/{resale_contract['id']}/deliveries",
            "baojing",
            {"day": "2022-09-01", "volume_m3": 1_000},
        )
    )
    sound()
    balances = api.ok(api.get("/ledger/balances", "regulator"), 200)
    resale_amount = 1_000 * TIANJIN_INDUSTRIAL_PRICE
    treatment = f"treatment:region:{region['id']}"
    assert Decimal(balances[treatment]) == (amount + resale_amount) * FEEDBACK_SHARE
    assert Decimal(balances["exchange:fees"]) == (amount + resale_amount) * FEE_RATE
    assert Decimal(balances[f"party:{api.ids['coking3']}"]) == -resale_amount
    assert sum(Decimal(v) for v in balances.values()) == 0
    assert api.get("/ledger/balances", "hongyuan").status_code == 403
    verified = api.ok(api.get("/ledger/verify", "regulator"), 200)
    assert verified["ok"] and verified["entries"] == 8

    # 9. public figures: four trades and a monthly price index
    trades = api.ok(api.get("/public/trades", region_id=region["id"]), 200)
    assert len(trades) == 4
    index = api.ok(api.get("/public/price-index", region_id=region["id"]), 200)
    first = index[0]
    # August 2021: lots at 3.00, 2.70, 2.60 元/m³ of equal volume → mean 2.7667, index 100
    assert first["period"] == "2021-08" and first["trades"] == 3
    assert Decimal(first["mean_price_yuan_per_m3"]) == Decimal("2.7667")
    assert Decimal(first["index"]) == 100
    august_mean = (Decimal("3.00") + Decimal("2.70") + Decimal("2.60")) / 3
    later = index[1]
    assert later["period"] == "2022-01" and later["trades"] == 1
    assert Decimal(later["index"]) == (TIANJIN_INDUSTRIAL_PRICE / august_mean * 100).quantize(
        Decimal("0.01")
    )
    sound()

    # 10. expiry frees capacity: the plant delivers 27 400 × 365 = 10 001 000 m³/yr, and the
    # 7 200 000 issued run until 2026-08-15. Another 7 200 000 fits from that day on, not a day
    # before (7 200 000 × 2 > 10 001 000).
    next_right = {
        "holder_id": api.ids["bureau"],
        "plant_id": plant["id"],
        "annual_volume_m3": LINGSHI_RIGHTS_M3_PER_YEAR,
        "daily_max_m3": 21_000,
        "term_start": "2026-08-14",
        "term_end": "2031-08-15",
        "use_class": "industrial",
    }
    overlapping = api.post("/rights", "regulator", next_right)
    assert overlapping.status_code == 409 and overlapping.json()["field"] == "annual_volume_m3"
    # free on 2026-08-14: 10 001 000 − 7 200 000 = 2 801 000
    assert "only 2801000 more m³/yr in 2026-08-14–2026-08-15" in overlapping.json()["reason"]
    api.ok(api.post("/rights", "regulator", {**next_right, "term_start": term_end}))
    sound()
    api.clock.advance(days=365)  # 2023-09: coking3's first resold year is over, the second runs
    plants = api.ok(api.get(f"/regions/{region['id']}/plants"), 200)
    assert plants[0]["committed_annual_m3"] == LINGSHI_RIGHTS_M3_PER_YEAR
    api.clock.now = api.clock.now.replace(year=2024, month=9, day=1)  # after 2024-08-15
    expired = api.ok(api.get(f"/rights/{resale_contract['right_id']}", "coking3"), 200)
    assert expired["state"] == "expired" and expired["annual_volume_m3"] == 0
    back = api.ok(api.get(f"/rights/{hongyuan_right}", "hongyuan"), 200)
    assert back["annual_volume_m3"] == LOT_M3_PER_YEAR  # the resold years are over
    api.clock.now = api.clock.now.replace(year=2026, month=9, day=1)  # the first rights expired
    plants = api.ok(api.get(f"/regions/{region['id']}/plants"), 200)
    assert plants[0]["committed_annual_m3"] == LINGSHI_RIGHTS_M3_PER_YEAR  # the new right alone
    sound()
