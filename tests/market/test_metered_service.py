"""From meter to bill through the running service, on SQLite and PostgreSQL: readings posted
over HTTP, the over-draw alert sent to a local webhook receiver and retried with backoff, the
monthly bills posted and a late reading adjusted — every timed step by the service's own
scheduler (POST /testing/jobs/run) on its testing clock (PUT /testing/clock), no sleeps.

Figures: the contract of tests.market.helpers.traded_contract (2.60 元/m³, cap 5,000 m³/d,
from 2021-09-01; the clock at 2021-12-31 09:00 UTC), over-draw at twice the price
(data/market/metered_billing.yaml), the retry schedule of data/operations/notifications.yaml
(first retry after 30 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from reclaim.io.market_data import load_price_schedules
from reclaim.market.rules import ExchangeRules
from reclaim.operations.notify import signature_matches
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from tests.market.conftest import Backend, ServiceClock, served
from tests.market.helpers import FAST_HASHER, Api, Clock, traded_contract
from tests.market.test_webhooks import LOCAL, Receiver

D = Decimal


@pytest.fixture
def service(backend: Backend, clock: Clock, rules: ExchangeRules) -> Iterator[Api]:
    """A service started for testing whose webhook policy lets it call a receiver on this
    machine; its jobs run only when the test asks (POST /testing/jobs/run)."""
    context = ExchangeContext(
        backend.db,
        rules,
        load_price_schedules(),
        clock,
        FAST_HASHER,
        testing=True,
        webhooks=LOCAL,
    )
    with served(create_app(context)) as client:
        yield Api(client, backend.db, rules, ServiceClock(context, clock))


def move_clock(api: Api, seconds: float) -> None:
    api.ok(api.send("PUT", "/testing/clock", "admin", {"offset_seconds": seconds}), 200)


def run_jobs(api: Api) -> dict[str, Any]:
    runs = api.ok(api.post("/testing/jobs/run", "admin"), 200)
    return {run["name"]: run["result"] for run in runs if run["ran"]}


def test_readings_to_bill_alert_webhook_retry_and_adjustment(service: Api) -> None:
    api = service
    receiver = Receiver([503])
    try:
        contract = traded_contract(api)
        region = contract["region_id"]
        api.add_party("netop", "network_operator", by="admin")
        api.assign("netop", region)
        meter = {
            "code": "M1",
            "kind": "volume_totaliser",
            "valid_min": 0,
            "valid_max": 1e9,
            "interval_s": 86_400,
            "level": "一级",
            "attachment": {"kind": "delivery_point", "ref": str(contract["id"])},
            "device": None,
        }
        api.ok(api.post(f"/regions/{region}/sensors", "netop", meter))
        hook = api.ok(api.post(f"/regions/{region}/webhooks", "netop", {"url": receiver.url}))

        def post_readings(rows: list[tuple[str, float]]) -> dict[str, Any]:
            batch = [{"sensor_id": "M1", "ts": ts, "value": v, "unit": "m3"} for ts, v in rows]
            return dict(api.ok(api.post(f"/regions/{region}/readings", "netop", batch), 200))

        # Local 1 Sep 00:00 reads 0, 2 Sep 00:00 4,000, 3 Sep 01:00 9,250: midnight of 3 Sep
        # interpolated at 24/25 of the way, 4,000 + 5,250 × 24/25 = 9,040. 1 Sep: 4,000 m³;
        # 2 Sep: 5,040 m³, 40 over the 5,000 m³/d cap.
        ingested = post_readings(
            [
                ("2021-08-31T16:00:00Z", 0),
                ("2021-09-01T16:00:00Z", 4_000),
                ("2021-09-02T17:00:00Z", 9_250),
            ]
        )
        assert ingested["accepted"] == 3
        alerts = api.ok(api.get(f"/regions/{region}/alerts", "buyer", rule="over_draw"), 200)
        (over_draw,) = alerts["items"]
        assert over_draw["subject"] == f"contract:{contract['id']}"

        # M1 reports daily and was last read on 3 Sep: by the service clock (end of December)
        # it is silent, more than the 3 intervals of the missing-data rule, so the job
        # `missing_data` opens its alert too. Two notifications go out, the over-draw's first
        # (the receiver answers 503 to that first attempt), then the silence's (delivered).
        ran = run_jobs(api)
        assert ran["missing_data"] == 1
        assert ran["send_notifications"] == 2 and len(receiver.received) == 2
        # September, October and November are due on 31 December (a day after each ends).
        assert ran["bill_metered_contracts"] == 3
        move_clock(api, 29)
        assert run_jobs(api).get("send_notifications") == 0  # not due before 30 s
        move_clock(api, 40)
        assert run_jobs(api)["send_notifications"] == 1  # the over-draw's, again
        assert len(receiver.received) == 3
        headers, body = receiver.received[-1]
        sent_at = int(api.clock().timestamp())
        assert signature_matches(
            hook["secret"].encode(), headers["X-Reclaim-Signature"], body, sent_at, 300
        )
        assert api.ok(api.get(f"/regions/{region}/webhooks", "netop"), 200)[0]["delivered"] == 2

        # A late reading of the midnight of 3 Sep, 9,200: 2 Sep becomes 5,200 m³, 200 over the
        # cap (+160 over-draw). September is billed already: December's bill adjusts 2 Sep,
        # +160 × 5.20 = +832.00.
        post_readings([("2021-09-02T16:00:00Z", 9_200)])
        move_clock(api, 3 * 86_400)  # 3 January 2022: December is due
        assert run_jobs(api)["bill_metered_contracts"] == 1
        bills = api.ok(api.get("/monthly-bills", "buyer", contract_id=contract["id"]), 200)
        assert [b["month"] for b in bills] == [
            "2021-09-01",
            "2021-10-01",
            "2021-11-01",
            "2021-12-01",
        ]
        # September: 4,000 × 2.60 + 5,000 × 2.60 + 40 × 5.20 = 10,400 + 13,000 + 208.
        assert D(bills[0]["amount_yuan"]) == D("23608.00")
        assert [D(b["amount_yuan"]) for b in bills[1:3]] == [D(0), D(0)]
        december = bills[3]
        assert [
            (line["day"], line["kind"], D(line["volume_m3"]), line["adjustment"])
            for line in december["lines"]
        ] == [("2021-09-02", "over_draw", D(160), True)]
        assert D(december["amount_yuan"]) == D("832.00")
        # The over-draw grew again: folded into the open alert, not a second one.
        again = api.ok(api.get(f"/regions/{region}/alerts", "netop", rule="over_draw"), 200)
        assert again["total"] == 1 and again["items"][0]["occurrences"] == 2
        verified = api.ok(api.get("/ledger/verify", "regulator"), 200)
        assert verified["ok"] is True
    finally:
        receiver.close()
