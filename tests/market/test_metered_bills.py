"""Monthly bills of a metered contract posted to the ledger by the scheduler, on SQLite and
PostgreSQL: amounts worked by hand, a late reading adjusted in the next bill, the ledger intact.

The contract (tests.market.helpers.traded_contract): 2.60 元/m³, daily cap 5000 m³/d,
1,000,000 m³/yr from 2021-09-01; region fee 0.5 %, treatment feedback 10 % (exchange_rules.yaml);
over-draw at twice the price (metered_billing.yaml); a month is billed one day after it ends in
China Standard Time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.market.ledger import EXCHANGE_FEES_ACCOUNT, party_account, treatment_account
from reclaim.operations.notify import WebhookPolicy
from reclaim.service.scheduler import JOBS, Scheduler
from reclaim.store.metering import MeterVolume, record_metered_days
from reclaim.store.models import (
    AlertRecord,
    Contract,
    MeteredDay,
    MonthlyBill,
    Notification,
    Sensor,
)
from reclaim.store.readings import Source, ingest_readings
from reclaim.store.settlement import balances, region_balances, verify_ledger
from reclaim.store.webhooks import register_webhook
from tests.market.conftest import Backend
from tests.market.helpers import Api, traded_contract

D = Decimal
SRC = Path(__file__).resolve().parents[2] / "src"
BILLING_JOB = [job for job in JOBS if job.name == "bill_metered_contracts"]


def run_billing(backend: Backend, now: datetime) -> int | None:
    """Give the registered billing job its turn at ``now``, as the service's scheduler does."""
    (run,) = Scheduler(backend.db, lambda: now, jobs=BILLING_JOB).run_due()
    return run.result


def meter(backend: Backend, contract_id: int, volumes: dict[date, str]) -> None:
    backend.db.run(
        lambda s: record_metered_days(
            s,
            contract_id,
            {day: MeterVolume(D(volume), False) for day, volume in volumes.items()},
            datetime(2021, 10, 1, tzinfo=UTC),
        )
    )


def bills(backend: Backend) -> list[MonthlyBill]:
    return backend.db.run(
        lambda s: list(s.scalars(select(MonthlyBill).order_by(MonthlyBill.month)))
    )


def ledger_verify(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "reclaim", "ledger", "verify", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_metered_month_is_billed_once_balances_and_a_late_reading_adjusts_the_next(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    buyer, seller = party_account(api.ids["buyer"]), party_account(api.ids["seller"])
    meter(backend, contract["id"], {date(2021, 9, 1): "4000.5", date(2021, 9, 2): "5200"})

    # 1 Oct 04:00 in China: September ended, but is billed only a day later.
    assert run_billing(backend, datetime(2021, 9, 30, 20, 0, tzinfo=UTC)) == 0
    assert run_billing(backend, datetime(2021, 10, 2, 0, 0, tzinfo=UTC)) == 1
    (september,) = bills(backend)
    # 4000.5 × 2.60 = 10,401.30; 5000 × 2.60 = 13,000.00; over-draw 200 × 5.20 = 1,040.00.
    # Total 24,441.30; fee 0.5 % = 122.2065 → 122.21; feedback 10 % = 2,444.13;
    # seller 24,441.30 − 122.21 − 2,444.13 = 21,874.96.
    assert september.month == date(2021, 9, 1)
    assert [(line.kind, line.volume_m3, line.amount_yuan) for line in september.lines] == [
        ("delivered", D("4000.5"), D("10401.30")),
        ("delivered", D(5000), D("13000.00")),
        ("over_draw", D(200), D("1040.00")),
    ]
    assert (september.amount_yuan, september.exchange_fee_yuan) == (D("24441.30"), D("122.21"))
    assert (september.treatment_feedback_yuan, september.seller_net_yuan) == (
        D("2444.13"),
        D("21874.96"),
    )
    after_september = backend.db.run(lambda s: balances(s))
    assert after_september[buyer] == D("-24441.30")
    assert after_september[seller] == D("21874.96")
    assert after_september[EXCHANGE_FEES_ACCOUNT] == D("122.21")
    assert after_september[treatment_account(contract["region_id"])] == D("2444.13")

    # Billed once: the job running again in the same month posts nothing.
    assert run_billing(backend, datetime(2021, 10, 20, 0, 0, tzinfo=UTC)) == 0

    # A late reading adds 100 m³ to 1 Sep; October has no metered day of its own. The October
    # bill adjusts: +100 × 2.60 = 260.00; fee 1.30, feedback 26.00, seller 232.70.
    meter(backend, contract["id"], {date(2021, 9, 1): "4100.5"})
    assert run_billing(backend, datetime(2021, 11, 2, 0, 0, tzinfo=UTC)) == 1
    september, october = bills(backend)
    assert [(line.day, line.kind, line.volume_m3, line.adjustment) for line in october.lines] == [
        (date(2021, 9, 1), "delivered", D(100), True)
    ]
    assert (october.amount_yuan, october.exchange_fee_yuan) == (D("260.00"), D("1.30"))
    assert (october.treatment_feedback_yuan, october.seller_net_yuan) == (D("26.00"), D("232.70"))
    assert september.amount_yuan == D("24441.30")  # the posted bill is not rewritten

    totals = backend.db.run(lambda s: balances(s))
    assert totals[buyer] == D("-24701.30")
    assert totals[seller] == D("21874.96") + D("232.70")
    assert sum(totals.values()) == 0
    region = backend.db.run(lambda s: region_balances(s, [contract["region_id"]]))
    assert region[buyer] == D("-24701.30")
    assert backend.db.run(lambda s: verify_ledger(s)).ok
    verified = ledger_verify(backend.url)
    assert verified.returncode == 0, verified.stderr
    assert "ledger ok" in verified.stdout
    listed = CliRunner().invoke(app, ["ops", "bills", "--db", backend.url, "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    assert "24441.30" in listed.output and "260.00" in listed.output and "2021-10" in listed.output
    as_json = CliRunner().invoke(app, ["ops", "bills", "--db", backend.url, "--json"])
    (_, adjusted) = json.loads(as_json.output)
    assert adjusted["lines"] == [
        {
            "day": "2021-09-01",
            "kind": "delivered",
            "volume_m3": "100.000",
            "price_yuan_per_m3": "2.60",
            "amount_yuan": "260.00",
            "adjustment": True,
        }
    ]


def test_a_quiet_month_in_the_term_is_billed_at_nothing_without_a_transaction(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    meter(backend, contract["id"], {date(2021, 9, 30): "10"})
    entries_before = backend.db.run(lambda s: verify_ledger(s)).entries
    # September (10 × 2.60 = 26.00) and a quiet October are due on 2 November.
    assert run_billing(backend, datetime(2021, 11, 2, 0, 0, tzinfo=UTC)) == 2
    september, october = bills(backend)
    assert september.amount_yuan == D("26.00") and september.ledger_txn_id is not None
    assert october.amount_yuan == 0 and october.ledger_txn_id is None and not october.lines
    # 26.00 splits into buyer, seller, fee (0.13) and feedback (2.60): four entries.
    assert backend.db.run(lambda s: verify_ledger(s)).entries == entries_before + 4


def add_meter(backend: Backend, region_id: int, contract_id: int, code: str = "M1") -> None:
    backend.db.run(
        lambda s: s.add(
            Sensor(
                region_id=region_id,
                code=code,
                kind="volume_totaliser",
                valid_min=0.0,
                valid_max=1e9,
                interval_s=86_400,
                level="一级",
                attachment_kind="delivery_point",
                attachment_ref=str(contract_id),
                created_at=datetime(2021, 8, 1, tzinfo=UTC),
            )
        )
    )


def ingest(backend: Backend, region_id: int, rows: list[tuple[str, float]], at: datetime) -> Any:
    readings = [{"sensor": "M1", "ts": ts, "value": value, "unit": "m3"} for ts, value in rows]
    return backend.db.run(
        lambda s: ingest_readings(
            s, readings, region_id=region_id, received_at=at, source=Source.HTTP
        )
    )


def test_from_meter_readings_to_bill_over_draw_alerted_and_a_late_reading_refunded(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    region_id = contract["region_id"]
    buyer = party_account(api.ids["buyer"])
    backend.db.run(
        lambda s: register_webhook(
            s,
            region_id,
            "https://hooks.example.org/reclaim",
            api.ids["admin"],
            WebhookPolicy(),
            datetime(2021, 8, 1, tzinfo=UTC),
        )
    )
    add_meter(backend, region_id, contract["id"])
    # Local (UTC+8) 1 Sep 00:00 reads 10,000; 1 Sep 23:00 13,800; 2 Sep 02:00 14,400;
    # 3 Sep 00:00 19,400. Midnight of 2 Sep interpolated: 13,800 + 600 × 1/3 = 14,000.
    # 1 Sep: 4,000 m³; 2 Sep: 5,400 m³, 400 above the 5,000 m³/d cap.
    outcome = ingest(
        backend,
        region_id,
        [
            ("2021-08-31T16:00:00Z", 10_000),
            ("2021-09-01T15:00:00Z", 13_800),
            ("2021-09-01T18:00:00Z", 14_400),
            ("2021-09-02T16:00:00Z", 19_400),
        ],
        datetime(2021, 9, 5, tzinfo=UTC),
    )
    assert outcome.accepted == 4
    days = backend.db.run(lambda s: list(s.scalars(select(MeteredDay).order_by(MeteredDay.day))))
    assert [(d.day, d.metered_m3, d.over_cap_m3, d.estimated) for d in days] == [
        (date(2021, 9, 1), D(4000), D(0), True),
        (date(2021, 9, 2), D(5400), D(400), True),
    ]
    alert = backend.db.run(lambda s: s.scalars(select(AlertRecord)).one())
    assert (alert.rule, alert.subject, alert.contract_id) == (
        "over_draw",
        f"contract:{contract['id']}",
        contract["id"],
    )
    queued = backend.db.run(lambda s: s.scalars(select(Notification)).one())
    assert queued.event == "alert.opened" and json.loads(queued.body)["alert"]["id"] == alert.id

    # September billed: 4,000 × 2.60 = 10,400.00; 5,000 × 2.60 = 13,000.00;
    # 400 × 5.20 = 2,080.00; total 25,480.00.
    assert run_billing(backend, datetime(2021, 10, 2, tzinfo=UTC)) == 1
    (september,) = bills(backend)
    assert september.amount_yuan == D("25480.00")

    # A late reading at local midnight of 2 Sep: 14,100. 1 Sep becomes 4,100 (+100 delivered);
    # 2 Sep 19,400 − 14,100 = 5,300, over-draw 300 (−100). October's bill: +100 × 2.60 = 260.00,
    # −100 × 5.20 = −520.00; total −260.00, a refund.
    ingest(
        backend, region_id, [("2021-09-01T16:00:00Z", 14_100)], datetime(2021, 10, 10, tzinfo=UTC)
    )
    assert run_billing(backend, datetime(2021, 11, 2, tzinfo=UTC)) == 1
    _, october = bills(backend)
    assert [(line.day, line.kind, line.volume_m3, line.amount_yuan) for line in october.lines] == [
        (date(2021, 9, 1), "delivered", D(100), D("260.00")),
        (date(2021, 9, 2), "over_draw", D(-100), D("-520.00")),
    ]
    assert october.amount_yuan == D("-260.00") and october.seller_net_yuan == D("-232.70")
    assert backend.db.run(lambda s: balances(s))[buyer] == D("-25220.00")
    assert backend.db.run(lambda s: verify_ledger(s)).ok
    # The over-draw shrank: the alert was not raised again.
    assert backend.db.run(lambda s: s.scalars(select(AlertRecord)).one()).occurrences == 1


def test_the_manual_route_refuses_a_metered_contract_and_marks_its_own_entries_manual(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    path = f"/contracts/{contract['id']}/deliveries"
    manual = api.ok(api.post(path, "operator", {"day": "2021-09-01", "volume_m3": 100}))
    assert manual["source"] == "manual"
    above_cap = api.post(path, "operator", {"day": "2021-09-02", "volume_m3": 5_001})
    assert above_cap.status_code == 422 and above_cap.json()["field"] == "volume_m3"

    add_meter(backend, contract["region_id"], contract["id"])
    refused = api.post(path, "operator", {"day": "2021-09-03", "volume_m3": 100})
    assert refused.status_code == 409
    body = refused.json()
    assert body["field"] == "contract_id" and body["value"] == contract["id"]
    assert "metered (M1 at its delivery point)" in body["reason"]


def test_over_draw_on_two_days_folds_into_one_open_alert(api: Api, backend: Backend) -> None:
    contract = traded_contract(api)
    region_id = contract["region_id"]
    add_meter(backend, region_id, contract["id"])
    # Local midnights of 1, 2 and 3 Sep read 0, 5,100 and 10,300: 100 and 200 m³ over the cap.
    ingest(
        backend,
        region_id,
        [
            ("2021-08-31T16:00:00Z", 0),
            ("2021-09-01T16:00:00Z", 5_100),
            ("2021-09-02T16:00:00Z", 10_300),
        ],
        datetime(2021, 9, 5, tzinfo=UTC),
    )
    alerts = backend.db.run(lambda s: list(s.scalars(select(AlertRecord))))
    assert [(a.rule, a.contract_id, a.occurrences) for a in alerts] == [
        ("over_draw", contract["id"], 2)
    ]
    days = backend.db.run(lambda s: list(s.scalars(select(MeteredDay).order_by(MeteredDay.day))))
    assert [d.over_cap_m3 for d in days] == [D(100), D(200)]


def test_a_contract_years_use_lists_metered_and_manual_days_against_the_right(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    path = f"/contracts/{contract['id']}/deliveries"
    api.ok(api.post(path, "operator", {"day": "2021-09-01", "volume_m3": 1_000}))
    add_meter(backend, contract["region_id"], contract["id"])
    # Metered from 2 Sep: 5,000.5 m³ (0.5 over the cap), then 4,000 m³ on 3 Sep.
    ingest(
        backend,
        contract["region_id"],
        [
            ("2021-09-01T16:00:00Z", 100),
            ("2021-09-02T16:00:00Z", 5_100.5),
            ("2021-09-03T16:00:00Z", 9_100.5),
        ],
        datetime(2021, 9, 5, tzinfo=UTC),
    )
    use = api.ok(api.get(f"/contracts/{contract['id']}/use", "buyer", day="2021-09-03"), 200)
    assert (use["year_start"], use["year_end"]) == ("2021-09-01", "2022-09-01")
    assert [(d["day"], d["source"], D(d["volume_m3"])) for d in use["days"]] == [
        ("2021-09-01", "manual", D(1_000)),
        ("2021-09-02", "meter", D("5000.5")),
        ("2021-09-03", "meter", D(4_000)),
    ]
    # Within the right: 1,000 + 5,000 + 4,000 = 10,000 m³ of 1,000,000; over-draw 0.5 m³.
    assert D(use["used_m3"]) == D(10_000) and D(use["over_draw_m3"]) == D("0.5")
    assert use["annual_volume_m3"] == 1_000_000
    api.add_party("stranger", "buyer", use_class="industrial")
    assert api.get(f"/contracts/{contract['id']}/use", "stranger").status_code == 404


def test_manual_days_before_the_meter_use_the_years_right_first(api: Api, backend: Backend) -> None:
    contract = traded_contract(api)
    # The contract's yearly volume set to 4,500 m³ for the test (its right is larger, so the
    # manual route takes the entry): 4,000 m³ entered by hand on 1 Sep leave 500; the meter's
    # 5,000 m³ on 2 Sep are then 500 within the right and 4,500 beyond it.
    backend.db.run(lambda s: setattr(s.get(Contract, contract["id"]), "annual_volume_m3", 4_500))
    path = f"/contracts/{contract['id']}/deliveries"
    api.ok(api.post(path, "operator", {"day": "2021-09-01", "volume_m3": 4_000}))
    grown = backend.db.run(
        lambda s: record_metered_days(
            s,
            contract["id"],
            {date(2021, 9, 2): MeterVolume(D(5_000), False)},
            datetime(2021, 9, 3, tzinfo=UTC),
        )
    )
    assert [row.day for row in grown] == [date(2021, 9, 2)]
    day = backend.db.run(lambda s: s.scalars(select(MeteredDay)).one())
    assert (day.within_right_m3, day.over_right_m3, day.over_cap_m3) == (D(500), D(4_500), D(0))
