"""Alerts over HTTP on SQLite and PostgreSQL: the list a console pages through (filtered and
sorted by the server), acknowledgement and resolution with who and why, what a party sees,
escalation by the scheduler after the rule's deadline and not before, and the webhooks of a
region registered by its network operator under the service's URL policy.

Acknowledgement deadlines are the shipped rules' (data/operations/alert_rules.yaml):
free_head_low 900 s, totaliser_backwards 3600 s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.service.scheduler import JOBS, Scheduler
from reclaim.store.models import ActionLog, AlertRecord, Notification, Sensor
from reclaim.store.webhooks import register_webhook
from tests.market.conftest import Backend
from tests.market.helpers import Api, traded_contract
from tests.market.test_webhooks import LOCAL

ESCALATION_JOB = [job for job in JOBS if job.name == "escalate_alerts"]
runner = CliRunner()


def network_operator(api: Api, region_id: int, username: str = "netop") -> None:
    api.add_party(username, "network_operator", by="admin")
    api.assign(username, region_id)


def add_sensor(
    backend: Backend, region_id: int, code: str, kind: str, kind_of: str, ref: str
) -> int:
    def add(session: Session) -> int:
        sensor = Sensor(
            region_id=region_id,
            code=code,
            kind=kind,
            valid_min=0.0,
            valid_max=1e9,
            interval_s=300,
            level="二级",
            attachment_kind=kind_of,
            attachment_ref=ref,
            created_at=datetime(2021, 8, 1, tzinfo=UTC),
        )
        session.add(sensor)
        session.flush()
        return sensor.id

    return backend.db.run(add)


def add_alert(
    backend: Backend,
    region_id: int,
    rule: str,
    severity: str,
    opened_at: datetime,
    sensor_id: int | None = None,
    contract_id: int | None = None,
) -> int:
    subject = f"sensor:{sensor_id}" if sensor_id is not None else f"contract:{contract_id}"

    def add(session: Session) -> int:
        alert = AlertRecord(
            region_id=region_id,
            rule=rule,
            severity=severity,
            subject=subject,
            sensor_id=sensor_id,
            contract_id=contract_id,
            state="open",
            opened_at=opened_at,
            first_seen_at=opened_at,
            last_seen_at=opened_at,
            occurrences=1,
            escalation_level=0,
        )
        session.add(alert)
        session.flush()
        return alert.id

    return backend.db.run(add)


def seeded(api: Api, backend: Backend) -> dict[str, Any]:
    """A contract (buyer, seller, plant operator), a network operator, a pressure sensor on a
    node and a totaliser at the contract's delivery point, and four alerts."""
    contract = traded_contract(api)
    region_id = contract["region_id"]
    network_operator(api, region_id)
    t0 = api.clock()
    node = add_sensor(backend, region_id, "P-7", "pressure", "node", "J-7")
    meter = add_sensor(
        backend, region_id, "M-1", "volume_totaliser", "delivery_point", str(contract["id"])
    )
    ids = {
        "low_head": add_alert(backend, region_id, "free_head_low", "high", t0, sensor_id=node),
        "flatline": add_alert(
            backend, region_id, "flatline", "low", t0 + timedelta(minutes=5), sensor_id=node
        ),
        "backwards": add_alert(
            backend,
            region_id,
            "totaliser_backwards",
            "medium",
            t0 + timedelta(minutes=10),
            sensor_id=meter,
        ),
        "over_draw": add_alert(
            backend,
            region_id,
            "over_draw",
            "medium",
            t0 + timedelta(minutes=15),
            contract_id=contract["id"],
        ),
    }
    return {"contract": contract, "region_id": region_id, "t0": t0, **ids}


def listed(api: Api, who: str, region_id: int, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok(api.get(f"/regions/{region_id}/alerts", who, **params), 200)
    return body


def test_the_list_is_filtered_sorted_and_paged_by_the_server(api: Api, backend: Backend) -> None:
    world = seeded(api, backend)
    region = world["region_id"]
    newest = listed(api, "netop", region)
    order = ["over_draw", "backwards", "flatline", "low_head"]
    assert [a["id"] for a in newest["items"]] == [world[name] for name in order]
    assert newest["total"] == 4
    # Most severe first: high, then the two medium (newest first), then low.
    by_severity = listed(api, "netop", region, sort="-severity")
    assert [a["severity"] for a in by_severity["items"]] == ["high", "medium", "medium", "low"]
    assert by_severity["items"][1]["id"] == world["over_draw"]
    second_page = listed(api, "netop", region, sort="opened_at", page=2, per_page=3)
    assert [a["id"] for a in second_page["items"]] == [world["over_draw"]]
    assert (second_page["total"], second_page["page"], second_page["per_page"]) == (4, 2, 3)
    on_p7 = listed(api, "netop", region, sensor="P-7")
    assert {a["id"] for a in on_p7["items"]} == {world["low_head"], world["flatline"]}
    assert listed(api, "netop", region, rule="over_draw")["total"] == 1
    assert listed(api, "regulator", region, state="resolved")["total"] == 0
    bad_sort = api.get(f"/regions/{region}/alerts", "netop", sort="drop table")
    assert bad_sort.status_code == 422 and bad_sort.json()["field"] == "sort"
    too_many = api.get(f"/regions/{region}/alerts", "netop", per_page=10_000)
    assert too_many.status_code == 422 and too_many.json()["field"] == "per_page"


def test_parties_see_only_their_contracts_and_their_delivery_points(
    api: Api, backend: Backend
) -> None:
    world = seeded(api, backend)
    region = world["region_id"]
    for party in ("buyer", "seller"):
        seen = {a["id"] for a in listed(api, party, region)["items"]}
        assert seen == {world["backwards"], world["over_draw"]}, party
    hidden = api.get(f"/regions/{region}/alerts/{world['low_head']}", "buyer")
    assert hidden.status_code == 404
    api.add_party("stranger", "buyer", use_class="industrial")
    assert listed(api, "stranger", region)["items"] == []


def test_acknowledge_and_resolve_say_who_and_why_and_refuse_a_second_time(
    api: Api, backend: Backend
) -> None:
    world = seeded(api, backend)
    path = f"/regions/{world['region_id']}/alerts/{world['low_head']}"
    blank = api.post(f"{path}/acknowledge", "netop", {"why": ""})
    assert blank.status_code == 422 and blank.json()["field"] == "why"
    assert api.post(f"{path}/acknowledge", "buyer", {"why": "seen"}).status_code == 403
    assert api.post(f"{path}/acknowledge", "regulator", {"why": "seen"}).status_code == 403
    acked = api.ok(api.post(f"{path}/acknowledge", "netop", {"why": "crew sent to J-7"}), 200)
    assert acked["state"] == "acknowledged"
    assert (acked["acknowledged_by_id"], acked["acknowledged_why"]) == (
        api.ids["netop"],
        "crew sent to J-7",
    )
    again = api.post(f"{path}/acknowledge", "netop", {"why": "again"})
    assert again.status_code == 409 and "acknowledged" in again.json()["reason"]
    done = api.ok(api.post(f"{path}/resolve", "netop", {"why": "valve reopened"}), 200)
    assert (done["state"], done["resolved_why"]) == ("resolved", "valve reopened")
    assert api.post(f"{path}/resolve", "netop", {"why": "x"}).status_code == 409
    assert api.get(path, "regulator").json()["resolved_by_id"] == api.ids["netop"]


def escalate(backend: Backend, now: datetime) -> int | None:
    (run,) = Scheduler(backend.db, lambda: now, jobs=ESCALATION_JOB).run_due()
    return run.result


def test_escalation_after_the_deadline_not_before_and_never_once_acknowledged(
    api: Api, backend: Backend
) -> None:
    world = seeded(api, backend)
    region, t0 = world["region_id"], world["t0"]
    backend.db.run(
        lambda s: register_webhook(
            s, region, "http://127.0.0.1:9/hook", api.ids["netop"], LOCAL, t0
        )
    )
    low_head = f"/regions/{region}/alerts/{world['low_head']}"
    # free_head_low must be acknowledged within 900 s of opening at t0 (the job runs at most
    # once a minute: its lease).
    assert escalate(backend, t0 + timedelta(seconds=840)) == 0
    assert api.get(low_head, "netop").json()["escalation_level"] == 0
    escalate(backend, t0 + timedelta(seconds=900))
    assert api.get(low_head, "netop").json()["escalation_level"] == 1
    escalate(backend, t0 + timedelta(seconds=1800))
    assert api.get(low_head, "netop").json()["escalation_level"] == 2
    sent = backend.db.run(
        lambda s: [
            json.loads(n.body)
            for n in s.scalars(select(Notification).where(Notification.event == "alert.escalated"))
        ]
    )
    levels = [(b["alert"]["id"], b["alert"]["escalation_level"]) for b in sent]
    assert (world["low_head"], 1) in levels and (world["low_head"], 2) in levels
    api.ok(api.post(f"{low_head}/acknowledge", "netop", {"why": "on it"}), 200)
    escalate(backend, t0 + timedelta(hours=5))
    assert api.get(low_head, "netop").json()["escalation_level"] == 2  # stopped at acknowledgement
    # totaliser_backwards, opened 10 minutes after t0, allows 3600 s: five hours later, 4 levels
    # (4 h 50 min ÷ 1 h, whole periods).
    backwards = api.get(f"/regions/{region}/alerts/{world['backwards']}", "netop").json()
    assert backwards["escalation_level"] == 4


def test_webhooks_registered_by_the_network_operator_under_the_url_policy(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    region = contract["region_id"]
    network_operator(api, region)
    path = f"/regions/{region}/webhooks"
    made = api.ok(api.post(path, "netop", {"url": "https://hooks.example.org/reclaim"}))
    assert len(made["secret"]) == 64 and made["pending"] == 0
    for url in ("http://hooks.example.org/x", "https://127.0.0.1/x", "https://[::1]/x"):
        refused = api.post(path, "netop", {"url": url})
        assert refused.status_code == 422 and refused.json()["field"] == "url", url
    assert api.post(path, "regulator", {"url": "https://hooks.example.org/y"}).status_code == 403
    listed_hooks = api.ok(api.get(path, "regulator"), 200)
    assert [h["id"] for h in listed_hooks] == [made["id"]]
    assert "secret" not in listed_hooks[0]
    assert listed_hooks[0]["url"] == "https://hooks.example.org/…"  # its path may be a token
    with_password = api.post(path, "netop", {"url": "https://ops:hunter2@hooks.example.org/x"})
    assert with_password.status_code == 422 and "hunter2" not in with_password.text
    removed = api.ok(api.send("DELETE", f"{path}/{made['id']}", "netop"), 200)
    assert removed["id"] == made["id"]
    assert api.ok(api.get(path, "netop"), 200) == []
    assert api.send("DELETE", f"{path}/{made['id']}", "netop").status_code == 404


def test_ops_commands_list_acknowledge_and_bill_from_the_database(
    api: Api, backend: Backend
) -> None:
    world = seeded(api, backend)
    listed_out = runner.invoke(
        app, ["ops", "alerts", "--region", "shuozhou", "--db", backend.url, "--json"]
    )
    assert listed_out.exit_code == 0, listed_out.output
    page = json.loads(listed_out.output)
    assert page["total"] == 4 and page["items"][0]["id"] == world["over_draw"]
    table = runner.invoke(
        app, ["ops", "alerts", "--region", "shuozhou", "--db", backend.url, "--lang", "en"]
    )
    assert table.exit_code == 0 and "over_draw" in table.output and "4 / 4" in table.output
    by_sensor = runner.invoke(
        app,
        ["ops", "alerts", "--region", "shuozhou", "--sensor", "P-7", "--db", backend.url, "--json"],
    )
    assert {a["id"] for a in json.loads(by_sensor.output)["items"]} == {
        world["low_head"],
        world["flatline"],
    }
    acked = runner.invoke(
        app,
        [
            "ops",
            "ack",
            str(world["low_head"]),
            "--by",
            "netop",
            "--why",
            "crew out",
            "--db",
            backend.url,
        ],
    )
    assert acked.exit_code == 0, acked.output
    assert "acknowledged" in acked.output
    logged = backend.db.run(
        lambda s: s.execute(
            select(ActionLog.actor_username, ActionLog.action, ActionLog.reason)
            .order_by(ActionLog.seq.desc())
            .limit(1)
        ).one()
    )
    assert tuple(logged) == ("netop", "alert.acknowledge", "crew out")
    twice = runner.invoke(
        app,
        ["ops", "ack", str(world["low_head"]), "--by", "netop", "--why", "x", "--db", backend.url],
    )
    assert twice.exit_code == 2 and "not open" in twice.output
    not_operator = runner.invoke(
        app,
        [
            "ops",
            "resolve",
            str(world["flatline"]),
            "--by",
            "buyer",
            "--why",
            "x",
            "--db",
            backend.url,
        ],
    )
    assert not_operator.exit_code == 2 and "network operators" in not_operator.output
    unknown_region = runner.invoke(
        app, ["ops", "alerts", "--region", "nowhere", "--db", backend.url]
    )
    assert unknown_region.exit_code == 2 and "--region" in unknown_region.output
    bills_out = runner.invoke(app, ["ops", "bills", "--db", backend.url, "--json"])
    assert bills_out.exit_code == 0 and json.loads(bills_out.output) == []
