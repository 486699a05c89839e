"""The action log: one entry per state-changing request, with its actor, in the request's own
transaction; none for a refused request; chained by hash, so an edited row is detected.

The state-changing routes come from the app itself (`app.routes`): a new one that the journey
below does not call, or that writes no entry (or two), fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from reclaim.cli.main import app as cli
from reclaim.service.access import route_keys
from reclaim.service.scheduler import Scheduler
from reclaim.store.actions import verify_actions
from reclaim.store.db import Database
from reclaim.store.models import Account, ActionLog, ActionLogParty, AlertRecord
from tests.market.conftest import Backend
from tests.market.helpers import PASSWORD, Api, drop_append_only_triggers, snapshot

SRC = Path(__file__).resolve().parents[2] / "src"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shuozhou.yaml"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_LOGGED = {
    ("POST", "/auth/token"): "logging in changes no record of the exchange: it issues a token "
    "(counted by the login throttle and the access log), and the password it carries must "
    "stay out of every log",
    ("PUT", "/testing/clock"): "exists only in a service started with RECLAIM_TESTING=1 for "
    "tests; it moves the service's clock, no record",
    ("POST", "/testing/jobs/run"): "exists only in a service started with RECLAIM_TESTING=1; "
    "runs the scheduler's jobs, which are the service's own work, not a caller's action",
}
"""State-changing routes that write no action-log entry, each with the reason."""
SHUOZHOU_NO1 = {"sewage_treated_m3_per_day": 40_000, "reclaimed_capacity_m3_per_day": 32_000}
"""Seed 001 §3.2: No. 1 plant, 4.0 万 m³/d sewage treated, 3.2 万 m³/d reclaimed."""
NEW_PASSWORD = "a new and longer phrase"
PUBLICITY_DAYS = 5
CONFIRMATION_DAYS = 3
THREADS = 4
WRITES_PER_THREAD = 4


def entries(api: Api) -> list[ActionLog]:
    return api.db.run(lambda s: list(s.scalars(select(ActionLog).order_by(ActionLog.seq))))


class Journey:
    """Calls routes one by one, checking that each accepted call adds exactly one entry by the
    caller, and remembering which route templates were called."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.called: set[tuple[str, str]] = set()
        self.secrets: list[str] = [PASSWORD, NEW_PASSWORD]
        """Passwords and reset codes sent on the way, which no entry may hold."""

    def call(
        self,
        method: str,
        template: str,
        who: str | None,
        body: Any = None,
        status: int = 201,
        by: str | None = "",
        token: str | None = None,
        **ids: Any,
    ) -> Any:
        """Call as `who` (or with a device's `token`); the entry must name `by` (default:
        `who`; None: no account, the public or a device)."""
        by = who if by == "" else by
        before = entries(self.api)
        path = template.format(**ids)
        if token is None:
            response = self.api.send(method, path, who, body)
        else:
            auth = {"Authorization": f"Bearer {token}"}
            response = self.api.client.request(method, path, json=body, headers=auth)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        after = entries(self.api)
        added = after[len(before) :]
        assert len(added) == 1, f"{method} {template} wrote {len(added)} entries"
        (entry,) = added
        if by is None:
            assert (entry.actor_id, entry.role) == (None, "device" if token else "public")
        else:
            assert entry.actor_id == self.api.ids[by] and entry.actor_username == by
        assert entry.request_id == response.headers["X-Request-ID"]
        self.called.add((method, template))
        return response.json() if response.content else None

    def refused(self, method: str, path: str, who: str | None, body: Any, status: int) -> None:
        """A refused call writes no entry (and nothing else)."""
        rows = snapshot(self.api.db)
        response = self.api.send(method, path, who, body)
        assert response.status_code == status, response.text
        assert snapshot(self.api.db) == rows


def listing_body(right_id: int, mode: str = "fixed", **extra: Any) -> dict[str, Any]:
    return {
        "right_id": right_id,
        "mode": mode,
        "annual_volume_m3": 100_000,
        "daily_max_m3": 500,
        "term_start": "2021-09-01",
        "term_end": "2026-09-01",
        "delivery_point": "gate",
        "reserve_yuan_per_m3": "2.60",
        **extra,
    }


def journey(api: Api) -> Journey:
    """Every state-changing route called once or more, successfully, by the role it is for."""
    j = Journey(api)
    region = j.call("POST", "/regions", "admin", {"code": "shuozhou", "name": "朔州"})["id"]
    api.region_id = region
    j.call(
        "PUT",
        "/accounts/{account_id}/regions/{region_id}",
        "admin",
        status=200,
        account_id=api.ids["regulator"],
        region_id=region,
    )
    j.call(
        "PATCH",
        "/regions/{region_id}",
        "regulator",
        {"publicity_days": PUBLICITY_DAYS, "delivery_confirmation_days": CONFIRMATION_DAYS},
        status=200,
        region_id=region,
    )
    for name, role, by, extra in (
        ("op", "operator", "admin", {"region_id": region}),
        ("seller", "seller", "regulator", {"region_id": region}),
        ("buyer", "buyer", "regulator", {"region_id": region, "use_class": "industrial"}),
        ("bystander", "buyer", "op", {"region_id": region, "use_class": "industrial"}),
    ):
        body = {"username": name, "password": PASSWORD, "role": role, "display_name": name}
        api.ids[name] = j.call("POST", "/accounts", by, body | extra)["id"]
    plant = j.call(
        "POST",
        "/regions/{region_id}/plants",
        "regulator",
        {"name": "No. 1", **SHUOZHOU_NO1, "operator_id": api.ids["seller"]},
        region_id=region,
    )["id"]
    right_body = {
        "holder_id": api.ids["seller"],
        "plant_id": plant,
        "annual_volume_m3": 1_000_000,
        "daily_max_m3": 5_000,
        "term_start": "2021-09-01",
        "term_end": "2026-09-01",
        "use_class": "industrial",
    }
    right = j.call("POST", "/rights", "regulator", right_body)["id"]

    def deal() -> int:
        listing = j.call("POST", "/listings", "seller", listing_body(right))["id"]
        return int(
            j.call("POST", "/listings/{listing_id}/accept", "buyer", listing_id=listing)["id"]
        )

    sold, rejected = deal(), deal()
    objection = j.call(
        "POST", "/deals/{deal_id}/objections", "bystander", {"grounds": "too cheap"}, deal_id=sold
    )["id"]
    public = {"grounds": "the river needs it", "contact": "villager@example.org"}
    from_public = j.call("POST", "/public/deals/{deal_id}/objections", None, public, deal_id=sold)[
        "id"
    ]
    for filed in (objection, from_public):
        j.call(
            "POST",
            "/objections/{objection_id}/resolve",
            "regulator",
            {"outcome": "dismissed", "reason": "priced at the schedule"},
            status=200,
            objection_id=filed,
        )
    j.call(
        "POST",
        "/deals/{deal_id}/reject",
        "regulator",
        {"reason": "no permit"},
        200,
        deal_id=rejected,
    )
    closes_at = (api.clock() + timedelta(days=1)).isoformat()
    auction = j.call(
        "POST",
        "/listings",
        "seller",
        listing_body(right, "sealed", reserve_yuan_per_m3="2.00", closes_at=closes_at),
    )["id"]
    j.call(
        "POST",
        "/listings/{listing_id}/bids",
        "buyer",
        {"price_yuan_per_m3": "2.10"},
        listing_id=auction,
    )
    withdrawn = j.call("POST", "/listings", "seller", listing_body(right))["id"]
    j.call("POST", "/listings/{listing_id}/cancel", "seller", status=200, listing_id=withdrawn)
    api.clock.advance(days=PUBLICITY_DAYS)
    j.call("POST", "/listings/{listing_id}/close", "seller", status=200, listing_id=auction)
    j.call("POST", "/deals/{deal_id}/approve", "regulator", status=200, deal_id=sold)
    contract = j.call("POST", "/deals/{deal_id}/conclude", "buyer", deal_id=sold)["id"]
    j.refused("POST", f"/deals/{sold}/approve", "regulator", None, 409)
    api.clock.now = api.clock.now.replace(year=2021, month=12, day=31)

    def report(day: str) -> int:
        body = {"day": day, "volume_m3": 400}
        return int(
            j.call(
                "POST", "/contracts/{contract_id}/deliveries", "seller", body, contract_id=contract
            )["id"]
        )

    confirmed, disputed = report("2021-10-01"), report("2021-10-02")
    j.call("POST", "/deliveries/{delivery_id}/confirm", "buyer", status=200, delivery_id=confirmed)
    j.call(
        "POST",
        "/deliveries/{delivery_id}/dispute",
        "buyer",
        {"reason": "meter off"},
        200,
        delivery_id=disputed,
    )
    j.call(
        "POST",
        "/deliveries/{delivery_id}/decide",
        "regulator",
        {"volume_m3": 300, "reason": "meter calibration"},
        status=200,
        delivery_id=disputed,
    )
    report("2021-10-03")
    api.clock.advance(days=CONFIRMATION_DAYS + 1)
    billed = j.call("POST", "/deliveries/bill-due", "op", status=200)
    assert len(billed["deliveries"]) == 1
    scenario = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    j.call("POST", "/plans/run", "regulator", scenario, status=202)
    j.call(
        "POST",
        "/accounts/{account_id}/tokens/revoke",
        "admin",
        status=200,
        account_id=api.ids["bystander"],
    )
    j.call(
        "DELETE",
        "/accounts/{account_id}/regions/{region_id}",
        "admin",
        status=200,
        account_id=api.ids["op"],
        region_id=region,
    )
    j.call("POST", "/auth/logout", "buyer", status=200)
    api.tokens.pop("buyer")
    operations(j, region)
    bystander = {"account_id": api.ids["bystander"]}
    j.call("POST", "/accounts/{account_id}/disable", "admin", status=200, **bystander)
    j.call("POST", "/accounts/{account_id}/enable", "admin", status=200, **bystander)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    j.call("POST", "/me/password", "bystander", change, status=200)
    code = j.call("POST", "/accounts/{account_id}/reset-code", "admin", **bystander)["code"]
    j.secrets += [code, code.replace("-", "")]
    reset = {"username": "bystander", "code": code, "new_password": PASSWORD}
    j.call("POST", "/auth/reset", None, reset, status=200, by="bystander")
    api.tokens.pop("bystander")  # revoked by the reset
    alerts_and_webhooks(j, region, contract)
    return j


def alerts_and_webhooks(j: Journey, region: int, contract: int) -> None:
    """The network operator registers and removes a webhook, acknowledges and resolves an
    over-draw alert on the contract."""
    at = {"region_id": region}
    hook = {"url": "https://hooks.example.org/reclaim"}
    webhook = j.call("POST", "/regions/{region_id}/webhooks", "net", hook, **at)
    j.call(
        "DELETE",
        "/regions/{region_id}/webhooks/{webhook_id}",
        "net",
        status=200,
        webhook_id=webhook["id"],
        **at,
    )
    now = j.api.clock()

    def raise_alert(session: Session) -> int:
        alert = AlertRecord(
            region_id=region,
            rule="over_draw",
            severity="medium",
            subject=f"contract:{contract}",
            contract_id=contract,
            state="open",
            opened_at=now,
            first_seen_at=now,
            last_seen_at=now,
            occurrences=1,
            escalation_level=0,
        )
        session.add(alert)
        session.flush()
        return alert.id

    alert = {"alert_id": j.api.db.run(raise_alert), **at}
    path = "/regions/{region_id}/alerts/{alert_id}"
    j.call("POST", f"{path}/acknowledge", "net", {"why": "meter read"}, 200, **alert)
    j.call("POST", f"{path}/resolve", "net", {"why": "billed as over-draw"}, 200, **alert)


def sensor(code: str, kind: str, device: str | None = None, link: str | None = None) -> Any:
    attachment = {"kind": "link", "ref": link} if link else {"kind": "node", "ref": "A"}
    return {
        "code": code,
        "kind": kind,
        "valid_min": 0,
        "valid_max": 500,
        "interval_s": 300,
        "level": "二级",
        "attachment": attachment,
        "device": device,
    }


def operations(j: Journey, region: int) -> None:
    """The network operator's devices, sensors, network, DMA and readings; a device's batch."""
    api, at = j.api, {"region_id": region}
    body = {"username": "net", "password": PASSWORD, "role": "network_operator"}
    body |= {"display_name": "net", "region_id": region}
    api.ids["net"] = j.call("POST", "/accounts", "admin", body)["id"]
    device = j.call("POST", "/regions/{region_id}/devices", "net", {"code": "dev-1"}, **at)
    token = j.call(
        "POST",
        "/regions/{region_id}/devices/{device_id}/token",
        "net",
        device_id=device["id"],
        **at,
    )["token"]
    j.secrets += [device["token"], token]
    # DMA {L3, L4}: L2 (A–B) and L5 (B–E) cross its boundary, metered by M2 and M5
    links = [("L1", "R", "A"), ("L2", "A", "B"), ("L3", "B", "C"), ("L4", "C", "D")]
    network = {"links": [{"id": i, "start": s, "end": e} for i, s, e in [*links, ("L5", "B", "E")]]}
    j.call("PUT", "/regions/{region_id}/network", "net", network, status=200, **at)
    for code, link in (("M2", "L2"), ("M5", "L5")):
        j.call("POST", "/regions/{region_id}/sensors", "net", sensor(code, "flow", link=link), **at)
    dma = {"code": "d1", "name": "North", "link_ids": ["L3", "L4"], "meters": ["M2", "M5"]}
    j.call("POST", "/regions/{region_id}/dmas", "net", dma, **at)
    for code in ("P1", "X1"):
        j.call(
            "POST", "/regions/{region_id}/sensors", "net", sensor(code, "pressure", "dev-1"), **at
        )
    change = {"kind": "tank_level"}
    j.call(
        "PATCH",
        "/regions/{region_id}/sensors/{sensor_code}",
        "net",
        change,
        200,
        sensor_code="P1",
        **at,
    )
    j.call(
        "DELETE",
        "/regions/{region_id}/sensors/{sensor_code}",
        "net",
        status=204,
        sensor_code="X1",
        **at,
    )
    ts = "2021-12-31T08:00:00+08:00"
    batch = [
        {"sensor_id": "P1", "ts": ts, "value": 2.0, "unit": "m"},
        {"sensor_id": "F9", "ts": ts, "value": 36.0, "unit": "m3/h"},  # not registered yet
    ]
    sent = j.call(
        "POST", "/regions/{region_id}/readings", None, batch, 200, by=None, token=token, **at
    )
    assert (sent["accepted"], sent["quarantined"]) == (1, 1)
    later = [{"sensor_id": "P1", "ts": "2021-12-31T08:05:00+08:00", "value": 2.1, "unit": "m"}]
    j.call("POST", "/regions/{region_id}/readings", "net", later, status=200, **at)
    j.call("POST", "/regions/{region_id}/sensors", "net", sensor("F9", "flow", "dev-1"), **at)
    replayed = j.call("POST", "/regions/{region_id}/quarantine/replay", "net", {}, 200, **at)
    assert replayed["accepted"] == 1


def test_every_state_changing_route_writes_one_entry_by_its_caller(app: FastAPI, api: Api) -> None:
    done = journey(api)
    state_changing = {key for key in route_keys(app) if key[0] in STATE_CHANGING}
    assert set(NOT_LOGGED) <= state_changing
    assert done.called == state_changing - set(NOT_LOGGED)
    report = api.db.snapshot(verify_actions)
    assert report.ok and report.entries == len(entries(api)), report.problems()


def test_entries_carry_the_target_before_and_after_and_never_a_secret(api: Api) -> None:
    done = journey(api)
    log = entries(api)
    by_action = {e.action: e for e in log}
    approve = by_action["deal.approve"]
    assert approve.target_kind == "deals" and approve.region_id == api.region_id
    assert json.loads(approve.before_json or "")["state"] == "publicity"
    assert json.loads(approve.after_json or "")["state"] == "approved"
    reject = by_action["deal.reject"]
    assert reject.reason == "no permit"
    created = [e for e in log if e.action == "account.create"]
    # an operator registered into a region is logged in that region (its regulator reads it)
    (operator,) = [e for e in created if e.target_id == str(api.ids["op"])]
    assert operator.region_id == api.region_id
    hashes = api.db.run(
        lambda s: [h for (h,) in s.execute(text("SELECT password_hash FROM accounts"))]
    )
    tokens = set(api.tokens.values())
    everything = " ".join(f"{e.before_json} {e.after_json}" for e in log)
    assert all(h not in everything for h in hashes)
    assert all(t not in everything for t in tokens)
    assert all(secret not in everything for secret in done.secrets)
    assert all("password_hash" not in (e.after_json or "") for e in created)
    # the deal's parties may read its entries; the bystander only its own objection's
    readers = api.db.run(
        lambda s: set(
            s.scalars(select(ActionLogParty.account_id).where(ActionLogParty.seq == approve.seq))
        )
    )
    assert readers == {api.ids["seller"], api.ids["buyer"], api.ids["regulator"]}


def test_a_refused_request_writes_no_entry(api: Api) -> None:
    api.add_region("shuozhou", "朔州")
    count = len(entries(api))
    for who, body, status in (
        (None, {"code": "x", "name": "x"}, 401),
        ("regulator", {"code": "x", "name": "x"}, 403),
        ("admin", {"code": "shuozhou", "name": "taken"}, 409),
        ("admin", {"code": "", "name": "x"}, 422),
    ):
        assert api.post("/regions", who, body).status_code == status
    assert len(entries(api)) == count


def test_the_action_rolls_back_when_its_entry_cannot_be_written(api: Api, backend: Backend) -> None:
    api.add_region("shuozhou", "朔州")
    with backend.db.engine.begin() as connection:
        connection.execute(text("UPDATE action_log_head SET last_seq = last_seq - 1"))
    # the next entry would reuse the last sequence number: the database refuses it, and the
    # region it logs is not created either
    refused = api.post("/regions", "admin", {"code": "lingshi", "name": "灵石"})
    assert refused.status_code == 409, refused.text
    codes = api.db.run(lambda s: [c for (c,) in s.execute(text("SELECT code FROM regions"))])
    assert codes == ["shuozhou"]


def test_concurrent_writers_extend_one_chain(live_api: Api) -> None:
    api = live_api
    api.add_region("shuozhou", "朔州")
    headers = api.headers("admin")
    statuses: list[int] = []

    def register(n: int) -> None:
        with httpx.Client(base_url=str(api.client.base_url), timeout=60) as client:
            for k in range(WRITES_PER_THREAD):
                body = {"code": f"r{n}_{k}", "name": f"r{n}_{k}"}
                statuses.append(client.post("/regions", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * (THREADS * WRITES_PER_THREAD)
    report = api.db.snapshot(verify_actions)
    assert report.ok, report.problems()
    log = entries(api)
    assert len([e for e in log if e.action == "region.create"]) == 1 + THREADS * WRITES_PER_THREAD
    assert [e.seq for e in log] == list(range(1, len(log) + 1))


def audit_verify(url: str) -> subprocess.CompletedProcess[str]:
    """Run `reclaim audit verify` in a fresh process, as an auditor would."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "reclaim", "audit", "verify", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_audit_verify_detects_an_edited_row(api: Api, backend: Backend) -> None:
    api.add_region("shuozhou", "朔州")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    intact = audit_verify(backend.url)
    assert intact.returncode == 0, intact.stderr
    # add_region: the region and its regulator's assignment; two accounts registered
    assert "4 entries" in intact.stdout
    with backend.db.engine.begin() as connection, pytest.raises(Exception):  # noqa: B017
        connection.execute(text("UPDATE action_log SET actor_id = 1 WHERE seq = 3"))
    drop_append_only_triggers(backend.db.engine)
    with backend.db.engine.begin() as connection:
        connection.execute(text("UPDATE action_log SET actor_id = 1 WHERE seq = 3"))
    broken = audit_verify(backend.url)
    assert broken.returncode == 1
    assert "entry 3" in broken.stderr and "hash" in broken.stderr


def test_audit_verify_detects_a_removed_entry_and_a_missing_database(
    api: Api, backend: Backend, tmp_path: Path
) -> None:
    api.add_region("shuozhou", "朔州")
    drop_append_only_triggers(backend.db.engine)
    with backend.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM action_log_parties WHERE seq = 1"))
        connection.execute(text("DELETE FROM action_log WHERE seq = 1"))
    broken = audit_verify(backend.url)
    assert broken.returncode == 1 and "entry 2" in broken.stderr
    missing = audit_verify(f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 2 and "no reclaim database" in missing.stderr


def read_log(api: Api, who: str, **params: Any) -> dict[str, Any]:
    return dict(api.ok(api.get("/actions", who, **params), 200))


def test_each_caller_reads_the_entries_of_its_regions_and_records(api: Api) -> None:
    done = journey(api)
    assert done.called
    shuozhou = api.region_id
    lingshi = api.add_region("lingshi", "灵石")["id"]  # the regulator is assigned to both
    api.add_party("lingshi_reg", "regulator", by="admin")
    api.assign("lingshi_reg", lingshi)
    api.add_party("lingshi_seller", "seller", by="lingshi_reg")
    log = entries(api)
    everything = read_log(api, "admin", page_size=200)
    assert everything["total"] == len(log)
    assert [e["seq"] for e in everything["items"]] == [e.seq for e in reversed(log)]
    # the regulator of Lingshi only: its region's entries, and its own (being registered)
    lingshi_reg = read_log(api, "lingshi_reg", page_size=200)["items"]
    me = str(api.ids["lingshi_reg"])
    assert all(e["region_id"] == lingshi or e["target_id"] == me for e in lingshi_reg)
    assert {e["action"] for e in lingshi_reg} >= {"region.create", "account.create"}
    assert all(e["region_id"] != shuozhou for e in lingshi_reg)
    # the bystander buyer: its own account, objection, password, never the deal it objected to
    bystander = read_log(api, "bystander", page_size=200)["items"]
    own = {e.seq for e in log if api.ids["bystander"] in json.loads(e.parties_json)}
    assert {e["seq"] for e in bystander} == own
    assert "deal.approve" not in {e["action"] for e in bystander}
    assert "objection.file" in {e["action"] for e in bystander}
    # the seller: every entry of its deals, listings, contract and deliveries
    seller = {e["action"] for e in read_log(api, "seller", page_size=200)["items"]}
    assert {"deal.approve", "deal.reject", "listing.accept", "delivery.confirm"} <= seller
    assert "bid.place" not in seller  # a sealed bid is its bidder's


def test_the_log_is_paged_sorted_and_filtered_by_the_server(api: Api) -> None:
    journey(api)
    log = entries(api)
    first = read_log(api, "admin", page=1, page_size=5, sort="seq", order="asc")
    second = read_log(api, "admin", page=2, page_size=5, sort="seq", order="asc")
    assert [e["seq"] for e in first["items"] + second["items"]] == list(range(1, 11))
    assert first["total"] == second["total"] == len(log)
    by_action = read_log(api, "admin", sort="action", order="asc", page_size=200)["items"]
    assert [e["action"] for e in by_action] == sorted(e.action for e in log)
    approvals = read_log(api, "admin", action="deal.approve")["items"]
    assert [e["target_kind"] for e in approvals] == ["deals"]
    assert approvals[0]["before"]["state"] == "publicity"
    assert approvals[0]["after"]["state"] == "approved"
    today = api.clock().date()
    later = read_log(api, "admin", **{"from": (today + timedelta(days=1)).isoformat()})
    assert later["total"] == 0
    for params, field in (
        ({"sort": "password_hash"}, "sort"),
        ({"page_size": 201}, "page_size"),
        ({"from": "2022-01-02", "to": "2022-01-01"}, "to"),
        ({"from": "20220101"}, "from"),
    ):
        refused = api.get("/actions", "admin", **params)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field


def test_a_scheduler_job_that_changed_something_is_logged_by_the_system(api: Api) -> None:
    api.add_region("shuozhou", "朔州")
    before = len(entries(api))
    scheduler = Scheduler(api.db, api.clock)
    first = {run.name: run.result for run in scheduler.run_due()}
    assert first["ledger_daily_head"] == 1  # today's chain head, published once
    changed = sorted(f"job.{name}" for name, result in first.items() if result)
    added = entries(api)[before:]
    assert sorted(e.action for e in added) == changed  # one entry per job that changed something
    assert {(e.role, e.actor_id) for e in added} == {("system", None)}
    head = next(e for e in added if e.action == "job.ledger_daily_head")
    assert json.loads(head.after_json or "") == {"count": 1}
    api.clock.advance(hours=2)  # the hourly leases have expired: those jobs run again, changing
    again = {run.name for run in scheduler.run_due() if run.ran}  # nothing (daily ones wait)
    assert "ledger_daily_head" in again
    assert len(entries(api)) == before + len(changed)
    assert api.db.snapshot(verify_actions).ok


def test_an_administrator_made_at_the_shell_is_logged_by_the_shell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'exchange.db'}"
    made = CliRunner().invoke(cli, ["db", "add-admin", "root", "--password", PASSWORD, "--db", url])
    assert made.exit_code == 0, made.output
    database = Database.from_url(url)
    try:
        log = database.run(lambda s: list(s.scalars(select(ActionLog))))
        hashes = database.run(lambda s: list(s.scalars(select(Account.password_hash))))
    finally:
        database.dispose()
    assert [(e.role, e.actor_id, e.action, e.target_kind) for e in log] == [
        ("shell", None, "account.create", "accounts")
    ]
    assert json.loads(log[0].after_json or "")["username"] == "root"
    assert hashes[0] not in (log[0].after_json or "")
    assert audit_verify(url).returncode == 0
