"""Every route × every role × own region / other region, own record / another's, over HTTP.

The routes come from the app itself (`app.routes`): each must have an access rule in
`reclaim.service.access` and a row in `EXPECTED` below, whose statuses are written from the
roles-and-regions table of the README, not from the code. Two regions, `a` (the callers' own)
and `b`, are seeded once per backend with the same records; every caller of region `a` then calls
every route on the records of `a` and of `b`. A write is sent so that a caller who is let in
meets a business refusal that changes nothing (409 or 422), so the seeded world stays as it is;
a list is compared row by row with what the caller may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.service.access import route_keys, unruled_routes
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from reclaim.service.portal import PORTAL_DIR
from reclaim.store.metering import MeterVolume, bill_metered_contracts, record_metered_days
from reclaim.store.models import ActionLog, AlertRecord, MonthlyBill, Sensor
from tests.market.conftest import BACKENDS, Backend, open_backend, served
from tests.market.helpers import FAST_HASHER, Api, Clock
from tests.market.test_action_log import NOT_LOGGED, STATE_CHANGING

CALLERS = ("anon", "admin", "reg", "op", "net", "util", "seller", "buyer", "bystander")
"""Callers of region a: anonymous, the administrator, its regulator, exchange operator and
network operator, the seller that runs its plant, a seller holding a right, its buyer, and a
buyer party to nothing."""
STAFF = ("reg", "op")
PARTIES = ("util", "seller", "buyer", "bystander")
NET = ("net",)
NETWORK_READERS = ("reg", "net")
SIGNED_IN = ("admin", *STAFF, *NET, *PARTIES)
MARKET = (*STAFF, *PARTIES)
SHUOZHOU_NO1 = {"sewage_treated_m3_per_day": 40_000, "reclaimed_capacity_m3_per_day": 32_000}
"""Seed 001 §3.2: No. 1 plant, 4.0 万 m³/d sewage treated, 3.2 万 m³/d reclaimed."""
LOT = {"annual_volume_m3": 10_000, "daily_max_m3": 100}
UNKNOWN_ID = 2_000_000
PORTAL_ASSET = "/portal/no-such-asset.js"
"""Public, so the static folder answers (404: no such file) whether or not the portal is built;
tests/web/test_portal.py fetches its real files."""
PORTAL_INDEX_STATUS = 200 if (PORTAL_DIR / "index.html").is_file() else 503
"""`/` is public either way: the portal's page once built (the install step builds it), else 503
saying how to build it (a worktree without `npm run build`)."""


@dataclass(frozen=True)
class Rec:
    """A seeded record: its id, its region and the callers party to it."""

    id: Any
    region: str
    parties: frozenset[str]


@dataclass
class World:
    """Two regions seeded alike, and what was seeded, by kind of record."""

    api: Api
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per region: the id of each named record (right, fixed, auction, contract…)."""
    records: dict[str, list[Rec]] = field(default_factory=dict)

    def add(self, kind: str, ident: Any, region: str, *parties: str) -> None:
        self.records.setdefault(kind, []).append(Rec(ident, region, frozenset(parties)))

    def user(self, caller: str, region: str = "a") -> str:
        return caller if caller == "admin" else f"{caller}_{region}"


def seed_region(world: World, code: str) -> None:
    """Staff, parties, a plant, rights, listings, a bid, deals, contracts and deliveries."""
    api = world.api
    api.clock.now = datetime(2021, 8, 10, 9, 0, tzinfo=UTC)
    region_id = api.ok(api.post("/regions", "admin", {"code": code, "name": code}))["id"]
    api.region_id = region_id
    ids: dict[str, int] = {"region": region_id}
    world.ids[code] = ids
    for caller, role in (("reg", "regulator"), ("op", "operator"), ("net", "network_operator")):
        api.add_party(f"{caller}_{code}", role, by="admin", region_id=region_id)
    for caller in ("util", "seller"):
        api.add_party(f"{caller}_{code}", "seller", by=f"reg_{code}")
    for caller in ("buyer", "bystander"):
        api.add_party(f"{caller}_{code}", "buyer", by=f"op_{code}", use_class="industrial")
    for caller in (*STAFF, *NET, *PARTIES):
        world.add("account", api.ids[f"{caller}_{code}"], code)
    reg, util, buyer = (f"{c}_{code}" for c in ("reg", "util", "buyer"))
    ids["plant"] = api.ok(
        api.post(
            f"/regions/{region_id}/plants",
            reg,
            {"name": "No. 1", **SHUOZHOU_NO1, "operator_id": api.ids[util]},
        )
    )["id"]

    def right(holder: str) -> int:
        body = {
            "holder_id": api.ids[f"{holder}_{code}"],
            "plant_id": ids["plant"],
            "annual_volume_m3": 100_000,
            "daily_max_m3": 1_000,
            "term_start": "2021-09-01",
            "term_end": "2024-09-01",
            "use_class": "industrial",
        }
        right_id = int(api.ok(api.post("/rights", reg, body))["id"])
        world.add("right", right_id, code, holder)
        return right_id

    def listing(holder: str, right_id: int, mode: str = "fixed", **extra: Any) -> int:
        body = {
            "right_id": right_id,
            "mode": mode,
            **LOT,
            "term_start": f"{year}-09-01",  # whole contract years not yet begun
            "term_end": "2024-09-01",
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
            **extra,
        }
        return int(api.ok(api.post("/listings", f"{holder}_{code}", body))["id"])

    year = 2022

    def deal(holder: str, right_id: int) -> int:
        accepted = api.post(f"/listings/{listing(holder, right_id)}/accept", buyer)
        deal_id = int(api.ok(accepted)["id"])
        world.add("deal", deal_id, code, holder, "buyer")
        return deal_id

    ids["right"], ids["util_right"] = right("seller"), right("util")
    ids["contracted_deal"], util_deal = (
        deal("seller", ids["right"]),
        deal("util", ids["util_right"]),
    )
    api.clock.advance(days=10)  # approved once publicity ends
    for deal_id in (ids["contracted_deal"], util_deal):
        api.ok(api.post(f"/deals/{deal_id}/approve", reg), 200)
    for name, deal_id, parties in (
        ("contract", ids["contracted_deal"], ("seller", "buyer", "util")),
        ("util_contract", util_deal, ("util", "buyer")),
    ):
        contract = api.ok(api.post(f"/deals/{deal_id}/conclude", buyer))
        ids[name] = contract["id"]
        world.add("contract", contract["id"], code, *parties)
        world.add("right", contract["right_id"], code, "buyer")
    api.clock.now = datetime(2022, 9, 5, 9, 0, tzinfo=UTC)
    year = 2023

    def deliver(contract: str, day: str) -> dict[str, Any]:
        body = {"day": day, "volume_m3": 50}
        return dict(api.ok(api.post(f"/contracts/{ids[contract]}/deliveries", util, body)))

    billed = deliver("contract", "2022-09-02")  # reported by the plant's operator: billed
    world.add("delivery", billed["id"], code, "seller", "buyer", "util")
    world.add("bill", billed["bill"]["id"], code, "seller", "buyer")
    world.add("txn", billed["bill"]["ledger_txn_id"], code)
    ids["awaiting"] = deliver("util_contract", "2022-09-02")["id"]  # its seller reported it
    ids["disputed"] = deliver("util_contract", "2022-09-03")["id"]
    api.ok(api.post(f"/deliveries/{ids['disputed']}/dispute", buyer, {"reason": "no flow"}), 200)
    for name in ("awaiting", "disputed"):
        world.add("delivery", ids[name], code, "util", "buyer")
    ids["fixed"] = listing("seller", ids["right"])
    closes_at = (api.clock() + timedelta(days=30)).isoformat()
    ids["auction"] = listing(
        "seller", ids["right"], "sealed", reserve_yuan_per_m3="2.00", closes_at=closes_at
    )
    ids["negotiated"] = listing(
        "seller", ids["right"], "negotiated", counterparty_id=api.ids[buyer]
    )
    for name in ("fixed", "auction"):
        world.add("offer", ids[name], code, "seller")
    world.add("negotiated", ids["negotiated"], code, "seller", "buyer")
    bid = api.ok(api.post(f"/listings/{ids['auction']}/bids", buyer, {"price_yuan_per_m3": "2.10"}))
    world.add("bid", bid["id"], code, "buyer")
    ids["publicity_deal"] = deal("seller", ids["right"])
    seed_meters(world, code)
    seed_alerts_and_bills(world, code)


METER_DAY = "2022-09-05T08:00:00Z"
METER_SPAN = "start=2022-09-05T00:00:00Z&end=2022-09-05T12:00:00Z"


def meter(code: str, kind: str, attachment: dict[str, str], device: str | None) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "valid_min": 0,
        "valid_max": 1e6,
        "interval_s": 300,
        "level": "一级",
        "attachment": attachment,
        "device": device,
    }


def seed_meters(world: World, code: str) -> None:
    """The network operator's registry: a network of three links, a device, a totaliser at the
    contract's delivery point (seen by its parties), a pressure sensor at a node and a flow
    meter on a link, each with a reading."""
    api, ids = world.api, world.ids[code]
    net, region = f"net_{code}", ids["region"]
    links = [{"id": f"L{n}", "start": a, "end": b} for n, a, b in ((1, "R", "A"), (2, "A", "B"))]
    api.ok(api.send("PUT", f"/regions/{region}/network", net, {"links": links}), 200)
    ids["device"] = api.ok(api.post(f"/regions/{region}/devices", net, {"code": "dev-1"}))["id"]
    point = {"kind": "delivery_point", "ref": str(ids["contract"])}
    for sensor, kind, attachment, parties in (
        ("DP1", "volume_totaliser", point, ("seller", "buyer", "util")),
        ("N1", "pressure", {"kind": "node", "ref": "B"}, ()),
        ("M1", "flow", {"kind": "link", "ref": "L1"}, ()),
    ):
        api.ok(
            api.post(f"/regions/{region}/sensors", net, meter(sensor, kind, attachment, "dev-1"))
        )
        world.add("sensor", sensor, code, *parties)
    batch = [
        {"sensor_id": c, "ts": METER_DAY, "value": 10, "unit": u}
        for c, u in (("DP1", "m3"), ("N1", "m"))
    ]
    assert api.ok(api.post(f"/regions/{region}/readings", net, batch), 200)["accepted"] == 2


def seed_alerts_and_bills(world: World, code: str) -> None:
    """Alerts in each state (an open one on the node's pressure sensor, an acknowledged
    over-draw on the contract, a resolved one on the node), a webhook, and the contract's
    metered September 2022 billed by the scheduler's job."""
    api, ids = world.api, world.ids[code]
    region, contract, t0 = ids["region"], ids["contract"], api.clock()

    def seed(session: Session) -> dict[str, int]:
        sensor = session.scalar(
            select(Sensor.id).where(Sensor.code == "N1", Sensor.region_id == region)
        )
        made = {}
        for name, rule, subject, state, sensor_id, contract_id in (
            ("open_alert", "free_head_low", "sensor:N1", "open", sensor, None),
            ("acked_alert", "over_draw", f"contract:{contract}", "acknowledged", None, contract),
            ("resolved_alert", "flatline", "sensor:N1", "resolved", sensor, None),
        ):
            alert = AlertRecord(
                region_id=region,
                rule=rule,
                severity="medium",
                subject=subject,
                sensor_id=sensor_id,
                contract_id=contract_id,
                state=state,
                opened_at=t0,
                first_seen_at=t0,
                last_seen_at=t0,
                occurrences=1,
                escalation_level=0,
            )
            session.add(alert)
            session.flush()
            made[name] = alert.id
        record_metered_days(
            session, contract, {date(2022, 9, 1): MeterVolume(Decimal(10), False)}, t0
        )
        assert bill_metered_contracts(session, t0 + timedelta(days=30)) >= 1
        return made

    ids.update(api.db.run(seed))
    world.add("alert", ids["open_alert"], code)
    world.add("alert", ids["acked_alert"], code, "seller", "buyer", "util")
    world.add("alert", ids["resolved_alert"], code)
    bills = api.db.run(
        lambda s: list(s.scalars(select(MonthlyBill).where(MonthlyBill.contract_id == contract)))
    )
    for bill in bills:
        world.add("monthly_bill", bill.id, code, "seller", "buyer")
        if bill.ledger_txn_id is not None:
            world.add("txn", bill.ledger_txn_id, code)
    hook = {"url": "https://hooks.example.org/reclaim"}
    ids["webhook"] = api.ok(api.post(f"/regions/{region}/webhooks", f"net_{code}", hook))["id"]
    world.add("webhook", ids["webhook"], code)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One live server per backend over the two regions, seeded once."""
    for backend in open_backend(request.param, tmp_path_factory.mktemp("matrix")):
        yield from _served(backend)


def _served(backend: Backend) -> Iterator[World]:
    clock, rules = Clock(), load_exchange_rules()
    context = ExchangeContext(backend.db, rules, load_price_schedules(), clock, FAST_HASHER)
    with served(create_app(context)) as client:
        world = World(Api(client, backend.db, rules, clock))
        for code in ("a", "b"):
            seed_region(world, code)
        world.add("account", world.api.ids["admin"], "-")
        world.add("account", world.api.ids["regulator"], "-")
        yield world


# -- expected statuses and rows, from the README's roles-and-regions table --------------------

Status = Callable[[World, str, str], int]
"""(world, caller, region of the target) → the status the caller must get."""


def gate(allowed: tuple[str, ...], then: Status | int) -> Status:
    """401 without a token, 403 for a role the route does not name, else `then`."""

    def status(world: World, caller: str, region: str) -> int:
        if caller == "anon":
            return 401
        if caller not in allowed:
            return 403
        return then if isinstance(then, int) else then(world, caller, region)

    return status


def public(code: int) -> Status:
    return lambda _w, _c, _r: code


def in_region(inside: int, outside: int) -> Status:
    """The administrator and staff of region a get `inside` there; staff elsewhere `outside`."""
    return lambda _w, caller, region: inside if caller == "admin" or region == "a" else outside


def network(ok: int) -> Status:
    """The region's network operators and regulators get `ok` there, 403 elsewhere; a seller or
    buyer gets `ok` for the sensors at its own contracts' delivery points (a list: filtered),
    404 for another sensor."""

    def status(_w: World, caller: str, region: str) -> int:
        if caller in NETWORK_READERS:
            return ok if region == "a" else 403
        return ok

    return status


def metered(parties: tuple[str, ...], ok: int) -> Status:
    """A sensor at a delivery point: the region's network operators and regulators get `ok`
    (another region: 403), the parties of its contract `ok`, other parties 404."""

    def status(_w: World, caller: str, region: str) -> int:
        if caller in NETWORK_READERS:
            return ok if region == "a" else 403
        return ok if caller in parties and region == "a" else 404

    return status


def sensors_seen(world: World, caller: str, region: str) -> set[Any]:
    """GET sensors: every sensor of the region for its readers, a party's own delivery points
    (the callers are of region a: parties to nothing in region b)."""
    return {
        r.id
        for r in world.records["sensor"]
        if r.region == region
        and (caller in NETWORK_READERS or (caller in r.parties and region == "a"))
    }


def alerts_seen(world: World, caller: str, region: str) -> set[Any]:
    """GET alerts: every alert of the region for its readers, a party's own contracts' and
    delivery points' (the callers are of region a: parties to nothing in region b)."""
    return {
        r.id
        for r in world.records["alert"]
        if r.region == region
        and (caller in NETWORK_READERS or (caller in r.parties and region == "a"))
    }


def record(parties: tuple[str, ...], ok: int, not_party: int = 404) -> Status:
    """Staff of the record's region and its parties get `ok`; others `not_party` (other
    regions: 404, as for an unknown id)."""

    def status(_w: World, caller: str, region: str) -> int:
        if region != "a":
            return 404
        return ok if caller in STAFF or caller in parties else not_party

    return status


def runner(ok: int) -> Status:
    """A listing's seller and the exchange operator of its region get `ok`; an operator of
    another region cannot see it (404); another party sees the open offer but may not run it."""

    def status(_w: World, caller: str, region: str) -> int:
        if caller == "op":
            return ok if region == "a" else 404
        return ok if caller == "seller" and region == "a" else 403

    return status


Rows = Callable[[World, str, str], set[Any]]
"""(world, caller, region of the target) → the rows the caller must get."""


def listed(kind: str, staff_see: bool = True, of_target: bool = False) -> Rows:
    """The rows of `kind` a caller of region a must get: its own and (staff) its region's;
    `of_target`: only those of the target's region (a list under a record's path)."""

    def rows(world: World, caller: str, region: str) -> set[Any]:
        return {
            r.id
            for r in world.records.get(kind, [])
            if r.region == "a"
            and (caller in r.parties or (staff_see and caller in STAFF))
            and (not of_target or r.region == region)
        }

    return rows


def reporter(_w: World, caller: str, region: str) -> int:
    """A delivery typed in by the plant's operator or the region's exchange operator for the
    contract metered by DP1: refused, its days come from the meter (409); the contract's seller
    that does not run the plant is refused (403)."""
    if region != "a":
        return 404
    return 409 if caller in ("op", "util") else 403


def answerer(_w: World, caller: str, region: str) -> int:
    """A disputed delivery of util's contract with the buyer: its buyer meets the state (409),
    its seller may see but not answer it (403), anyone else cannot see it (404)."""
    if region != "a":
        return 404
    return {"buyer": 409, "util": 403}.get(caller, 404)


def offers(world: World, caller: str, _region: str) -> set[Any]:
    """GET /listings: parties see every open offer of the market and those addressed to them;
    staff the open listings of their region."""
    if caller in STAFF:
        kinds = ("offer", "negotiated")
        return {r.id for k in kinds for r in world.records[k] if r.region == "a"}
    mine = listed("negotiated", staff_see=False)(world, caller, "a")
    return {r.id for r in world.records["offer"]} | mine


def accounts(world: World, caller: str, _region: str) -> set[Any]:
    if caller == "admin":
        return {r.id for r in world.records["account"]}
    return {r.id for r in world.records["account"] if r.region == "a"}


def ledger_accounts(world: World, _caller: str, _region: str) -> set[Any]:
    """The ledger accounts a region-a bill posts to (market/ledger.py names them)."""
    ids = world.api.ids
    return {
        f"party:{ids['buyer_a']}",
        f"party:{ids['seller_a']}",
        "exchange:fees",
        f"treatment:region:{world.ids['a']['region']}",
    }


@dataclass(frozen=True)
class Case:
    """How to call a route on a region's records, the status each caller must get, and for a
    list the rows it must get exactly."""

    path: str
    """The path, with `{name}` filled by the region's seeded record of that name."""
    status: Status
    body: Callable[[World, str], Any] | None = None
    rows: Rows | None = None
    key: Callable[[Any], Any] = lambda row: row["id"]
    fresh_login: bool = False
    """The call revokes the caller's token: log in again afterwards."""


def holder(world: World, region: str, who: str) -> int:
    return world.api.ids[world.user(who, region)]


EXPECTED: dict[tuple[str, str], Case] = {
    ("POST", "/auth/token"): Case(
        "/auth/token",
        public(200),
        lambda w, _r: {"username": "bystander_a", "password": "correct horse battery"},
    ),
    ("GET", "/me"): Case("/me", gate(SIGNED_IN, 200)),
    ("GET", "/accounts"): Case("/accounts", gate(("admin", *STAFF), 200), rows=accounts),
    # a taken username: 409 once the caller may register in the region
    ("POST", "/accounts"): Case(
        "/accounts",
        gate(("admin", *STAFF), in_region(409, 403)),
        lambda _w, r: {
            "username": "bystander_a",
            "password": "long enough",
            "role": "buyer",
            "display_name": "x",
            "region_id": _w.ids[r]["region"],
        },
    ),
    # a buyer is never assigned (422), and has no assignment to end (404)
    # logging out revokes the caller's token: the matrix logs in afresh after it
    ("POST", "/auth/logout"): Case("/auth/logout", gate(SIGNED_IN, 200), fresh_login=True),
    ("POST", "/accounts/{account_id}/tokens/revoke"): Case(
        f"/accounts/{UNKNOWN_ID}/tokens/revoke", gate(("admin",), 404)
    ),
    # disabling, enabling and issuing a reset code are the administrator's: an unknown account
    # (404), or one that is not disabled (409), changes nothing
    ("POST", "/accounts/{account_id}/disable"): Case(
        f"/accounts/{UNKNOWN_ID}/disable", gate(("admin",), 404)
    ),
    ("POST", "/accounts/{account_id}/enable"): Case(
        "/accounts/{bystander}/enable", gate(("admin",), 409)
    ),
    ("POST", "/accounts/{account_id}/reset-code"): Case(
        f"/accounts/{UNKNOWN_ID}/reset-code", gate(("admin",), 404)
    ),
    # everyone signed in changes their own password; a new one too short is refused (422)
    ("POST", "/me/password"): Case(
        "/me/password",
        gate(SIGNED_IN, 422),
        lambda _w, _r: {"current_password": "correct horse battery", "new_password": "short"},
    ),
    # the public reset form: an empty code is refused by validation, before the throttle counts
    ("POST", "/auth/reset"): Case(
        "/auth/reset",
        public(422),
        lambda _w, _r: {"username": "bystander_a", "code": "", "new_password": "x"},
    ),
    ("PUT", "/accounts/{account_id}/regions/{region_id}"): Case(
        "/accounts/{bystander}/regions/{region}", gate(("admin",), 422)
    ),
    ("DELETE", "/accounts/{account_id}/regions/{region_id}"): Case(
        "/accounts/{bystander}/regions/{region}", gate(("admin",), 404)
    ),
    ("POST", "/regions"): Case(
        "/regions", gate(("admin",), 409), lambda _w, r: {"code": r, "name": "taken"}
    ),
    ("GET", "/regions"): Case("/regions", public(200)),
    ("GET", "/regions/{region_id}"): Case("/regions/{region}", public(200)),
    ("PATCH", "/regions/{region_id}"): Case(
        "/regions/{region}",
        gate(("admin", "reg"), in_region(422, 403)),
        lambda _w, _r: {"time_zone": "Mars/Olympus_Mons"},
    ),
    ("POST", "/regions/{region_id}/plants"): Case(
        "/regions/{region}/plants",
        gate(("reg",), in_region(422, 403)),
        lambda w, r: {"name": "x", **SHUOZHOU_NO1, "operator_id": holder(w, r, "bystander")},
    ),
    ("GET", "/regions/{region_id}/plants"): Case("/regions/{region}/plants", public(200)),
    # more than the plant can deliver: 409 for the region's regulator
    ("POST", "/rights"): Case(
        "/rights",
        gate(("reg",), in_region(409, 403)),
        lambda w, r: {
            "holder_id": holder(w, r, "seller"),
            "plant_id": w.ids[r]["plant"],
            "annual_volume_m3": 10**11,
            "daily_max_m3": 1_000,
            "term_start": "2022-01-01",
            "term_end": "2023-01-01",
            "use_class": "industrial",
        },
    ),
    ("GET", "/rights"): Case("/rights", gate(MARKET, 200), rows=listed("right")),
    ("GET", "/rights/{right_id}"): Case("/rights/{right}", gate(MARKET, record(("seller",), 200))),
    # more than the right holds: 409 for its holder
    ("POST", "/listings"): Case(
        "/listings",
        gate(PARTIES, record(("seller",), 409)),
        lambda w, r: {
            "right_id": w.ids[r]["right"],
            "mode": "fixed",
            "annual_volume_m3": 10**9,
            "daily_max_m3": 100,
            "term_start": "2023-09-01",
            "term_end": "2024-09-01",
            "delivery_point": "gate",
            "reserve_yuan_per_m3": "2.60",
        },
    ),
    ("GET", "/listings"): Case("/listings", gate(MARKET, 200), rows=offers),
    # an auction is won by bidding (409), for every party that sees the open offer
    ("POST", "/listings/{listing_id}/accept"): Case(
        "/listings/{auction}/accept", gate(PARTIES, 409)
    ),
    # below the reserve (422); the seller may not bid on its own listing (403)
    ("POST", "/listings/{listing_id}/bids"): Case(
        "/listings/{auction}/bids",
        gate(PARTIES, lambda _w, c, r: 403 if c == "seller" and r == "a" else 422),
        lambda _w, _r: {"price_yuan_per_m3": "0.01"},
    ),
    ("GET", "/listings/{listing_id}/bids"): Case(
        "/listings/{auction}/bids", gate(MARKET, 200), rows=listed("bid", of_target=True)
    ),
    # before the closing time (409) / with a bid on it (409), for its seller and operator
    ("POST", "/listings/{listing_id}/close"): Case(
        "/listings/{auction}/close", gate(("op", *PARTIES), runner(409))
    ),
    ("POST", "/listings/{listing_id}/cancel"): Case(
        "/listings/{auction}/cancel", gate(("op", *PARTIES), runner(409))
    ),
    ("GET", "/deals"): Case("/deals", gate(MARKET, 200), rows=listed("deal")),
    ("GET", "/deals/{deal_id}"): Case(
        "/deals/{publicity_deal}", gate(MARKET, record(("seller", "buyer"), 200))
    ),
    # a contracted deal is no longer decided (409) or concluded again (409)
    ("POST", "/deals/{deal_id}/approve"): Case(
        "/deals/{contracted_deal}/approve", gate(("reg",), in_region(409, 404))
    ),
    ("POST", "/deals/{deal_id}/reject"): Case(
        "/deals/{contracted_deal}/reject",
        gate(("reg",), in_region(409, 404)),
        lambda _w, _r: {"reason": "x"},
    ),
    ("POST", "/deals/{deal_id}/conclude"): Case(
        "/deals/{contracted_deal}/conclude", gate(MARKET, record(("seller", "buyer"), 409))
    ),
    ("GET", "/contracts"): Case("/contracts", gate(MARKET, 200), rows=listed("contract")),
    # deals in publicity are public: any registered party but the regulator objects; blank
    # grounds are refused (422) by the store, after the rules
    ("POST", "/deals/{deal_id}/objections"): Case(
        "/deals/{publicity_deal}/objections",
        gate(("admin", "op", *PARTIES), 422),
        lambda _w, _r: {"grounds": "   "},
    ),
    ("GET", "/deals/{deal_id}/objections"): Case(
        "/deals/{publicity_deal}/objections", gate(("reg",), in_region(200, 404))
    ),
    ("POST", "/objections/{objection_id}/resolve"): Case(
        f"/objections/{UNKNOWN_ID}/resolve",
        gate(("reg",), 404),
        lambda _w, _r: {"outcome": "dismissed", "reason": "x"},
    ),
    # empty grounds: refused by validation, before the form's throttle counts the attempt
    ("POST", "/public/deals/{deal_id}/objections"): Case(
        "/public/deals/{publicity_deal}/objections",
        public(422),
        lambda _w, _r: {"grounds": "", "contact": "x"},
    ),
    ("GET", "/contracts/{contract_id}"): Case(
        "/contracts/{contract}", gate(MARKET, record(("seller", "buyer", "util"), 200))
    ),
    # a metered contract takes no manual entry (409), for the plant's operator and the
    # region's exchange operator
    ("POST", "/contracts/{contract_id}/deliveries"): Case(
        "/contracts/{contract}/deliveries",
        gate(("op", "util", "seller"), reporter),
        lambda _w, _r: {"day": "2024-01-01", "volume_m3": 10},
    ),
    ("GET", "/contracts/{contract_id}/deliveries"): Case(
        "/contracts/{contract}/deliveries",
        gate(MARKET, record(("seller", "buyer", "util"), 200)),
    ),
    ("GET", "/deliveries"): Case("/deliveries", gate(MARKET, 200), rows=listed("delivery")),
    # a disputed delivery is no longer confirmed or disputed (409) by its buyer
    ("POST", "/deliveries/{delivery_id}/confirm"): Case(
        "/deliveries/{disputed}/confirm", gate(PARTIES, answerer)
    ),
    ("POST", "/deliveries/{delivery_id}/dispute"): Case(
        "/deliveries/{disputed}/dispute",
        gate(PARTIES, answerer),
        lambda _w, _r: {"reason": "x"},
    ),
    # a delivery awaiting its buyer is not the regulator's to decide yet (409)
    ("POST", "/deliveries/{delivery_id}/decide"): Case(
        "/deliveries/{awaiting}/decide",
        gate(("reg",), in_region(409, 404)),
        lambda _w, _r: {"volume_m3": 1, "reason": "x"},
    ),
    ("POST", "/deliveries/bill-due"): Case("/deliveries/bill-due", gate(("admin", "op"), 200)),
    ("GET", "/bills"): Case("/bills", gate(MARKET, 200), rows=listed("bill")),
    ("GET", "/me/balance"): Case("/me/balance", gate(SIGNED_IN, 200)),
    ("GET", "/ledger/balances"): Case(
        "/ledger/balances", gate(STAFF, 200), rows=ledger_accounts, key=lambda row: row
    ),
    ("GET", "/ledger/entries"): Case(
        "/ledger/entries", gate(STAFF, 200), rows=listed("txn"), key=lambda r: r["txn_id"]
    ),
    ("GET", "/ledger/verify"): Case("/ledger/verify", gate(STAFF, 200)),
    ("GET", "/public/trades"): Case("/public/trades", public(200)),
    ("GET", "/public/notices"): Case("/public/notices", public(200)),
    ("GET", "/public/price-index"): Case("/public/price-index?region_id={region}", public(200)),
    ("GET", "/public/ledger/head"): Case("/public/ledger/head", public(404)),  # none published
    ("GET", "/public/ledger/heads"): Case("/public/ledger/heads", public(200)),
    # exports: staff of another region are refused; a party gets its own rows of any region
    # (tests/market/test_exports.py: which rows)
    ("GET", "/regions/{region_id}/exports/{file_name}"): Case(
        "/regions/{region}/exports/deals.csv",
        gate(MARKET, lambda _w, c, r: 403 if c in STAFF and r != "a" else 200),
    ),
    # every caller reads the entries it may (tests/market/test_action_log.py: which ones)
    ("GET", "/actions"): Case("/actions", gate(SIGNED_IN, 200)),
    # this service was not started for testing: the administrator is refused too
    ("PUT", "/testing/clock"): Case(
        "/testing/clock", gate(("admin",), 403), lambda _w, _r: {"offset_seconds": 0}
    ),
    ("POST", "/testing/jobs/run"): Case("/testing/jobs/run", gate(("admin",), 403)),
    ("POST", "/plans/run"): Case("/plans/run", gate(SIGNED_IN, 422), lambda _w, _r: {}),
    ("GET", "/plans/{run_id}"): Case(f"/plans/{UNKNOWN_ID}", gate(SIGNED_IN, 404)),
    ("GET", "/healthz"): Case("/healthz", public(200)),
    ("GET", "/readyz"): Case("/readyz", public(200)),
    # the matrix calls from the loopback address, where a local scraper reads the metrics;
    # from elsewhere only the administrator does (tests/market/test_metrics_and_logs.py)
    ("GET", "/metrics"): Case("/metrics", public(200)),
    ("GET", "/openapi.json"): Case("/openapi.json", public(200)),
    ("GET", "/docs"): Case("/docs", public(200)),
    ("GET", "/redoc"): Case("/redoc", public(200)),
    ("MOUNT", "/docs-assets"): Case("/docs-assets/redoc.standalone.js", public(200)),
    ("GET", "/"): Case("/", public(PORTAL_INDEX_STATUS)),
    ("MOUNT", "/portal"): Case(PORTAL_ASSET, public(404)),
}


METER_PARTIES = ("seller", "buyer", "util")
"""The parties of the contract the delivery-point totaliser DP1 measures (util runs the plant)."""
EXPECTED |= {
    # operations: a network operator's registry, readings and quarantine; a write meets a
    # business refusal (409, 404, 422) so the seeded world stays as it is
    ("POST", "/regions/{region_id}/devices"): Case(
        "/regions/{region}/devices",
        gate(NET, in_region(409, 403)),
        lambda _w, _r: {"code": "dev-1"},
    ),
    ("GET", "/regions/{region_id}/devices"): Case(
        "/regions/{region}/devices", gate(NETWORK_READERS, in_region(200, 403))
    ),
    ("POST", "/regions/{region_id}/devices/{device_id}/token"): Case(
        f"/regions/{{region}}/devices/{UNKNOWN_ID}/token", gate(NET, in_region(404, 403))
    ),
    ("POST", "/regions/{region_id}/sensors"): Case(
        "/regions/{region}/sensors",
        gate(NET, in_region(409, 403)),
        lambda _w, _r: meter("N1", "pressure", {"kind": "node", "ref": "B"}, None),
    ),
    ("GET", "/regions/{region_id}/sensors"): Case(
        "/regions/{region}/sensors",
        gate((*NETWORK_READERS, *PARTIES), network(200)),
        rows=sensors_seen,
        key=lambda row: row["code"],
    ),
    ("GET", "/regions/{region_id}/sensors/{sensor_code}"): Case(
        "/regions/{region}/sensors/DP1",
        gate((*NETWORK_READERS, *PARTIES), metered(METER_PARTIES, 200)),
    ),
    # a range whose top is below its bottom (422); a sensor with readings stays (409)
    ("PATCH", "/regions/{region_id}/sensors/{sensor_code}"): Case(
        "/regions/{region}/sensors/DP1",
        gate(NET, in_region(422, 403)),
        lambda _w, _r: {"valid_max": -1},
    ),
    ("DELETE", "/regions/{region_id}/sensors/{sensor_code}"): Case(
        "/regions/{region}/sensors/DP1", gate(NET, in_region(409, 403))
    ),
    ("PUT", "/regions/{region_id}/network"): Case(
        "/regions/{region}/network",
        gate(NET, in_region(422, 403)),
        lambda _w, _r: {"links": [{"id": "L1", "start": "A", "end": "A"}]},
    ),
    # L2 (A–B) crosses the boundary of a DMA made of L1 and has no meter: refused (422)
    ("POST", "/regions/{region_id}/dmas"): Case(
        "/regions/{region}/dmas",
        gate(NET, in_region(422, 403)),
        lambda _w, _r: {"code": "d", "name": "d", "link_ids": ["L1"], "meters": ["M1"]},
    ),
    ("GET", "/regions/{region_id}/dmas"): Case(
        "/regions/{region}/dmas", gate(NETWORK_READERS, in_region(200, 403))
    ),
    # an empty batch (422); devices, with their own tokens, are tested in test_meter_ingest_api
    ("POST", "/regions/{region_id}/readings"): Case(
        "/regions/{region}/readings", gate(NET, in_region(422, 403)), lambda _w, _r: []
    ),
    ("GET", "/regions/{region_id}/readings"): Case(
        f"/regions/{{region}}/readings?sensor=DP1&{METER_SPAN}",
        gate((*NETWORK_READERS, *PARTIES), metered(METER_PARTIES, 200)),
    ),
    ("GET", "/regions/{region_id}/aggregates"): Case(
        f"/regions/{{region}}/aggregates?sensor=DP1&period=1h&{METER_SPAN}",
        gate((*NETWORK_READERS, *PARTIES), metered(METER_PARTIES, 200)),
    ),
    ("GET", "/regions/{region_id}/quarantine"): Case(
        "/regions/{region}/quarantine", gate(NETWORK_READERS, in_region(200, 403))
    ),
    ("POST", "/regions/{region_id}/quarantine/replay"): Case(
        "/regions/{region}/quarantine/replay",
        gate(NET, in_region(404, 403)),
        lambda _w, _r: {"ids": [UNKNOWN_ID]},
    ),
}


EXPECTED |= {
    # alerts: readers see the region's, parties their contracts'; acknowledging an acknowledged
    # alert and resolving a resolved one meet the state (409); a loopback webhook URL (422)
    ("GET", "/regions/{region_id}/alerts"): Case(
        "/regions/{region}/alerts",
        gate((*NETWORK_READERS, *PARTIES), network(200)),
        rows=alerts_seen,
    ),
    ("GET", "/regions/{region_id}/alerts/{alert_id}"): Case(
        "/regions/{region}/alerts/{acked_alert}",
        gate((*NETWORK_READERS, *PARTIES), metered(METER_PARTIES, 200)),
    ),
    ("POST", "/regions/{region_id}/alerts/{alert_id}/acknowledge"): Case(
        "/regions/{region}/alerts/{acked_alert}/acknowledge",
        gate(NET, in_region(409, 403)),
        lambda _w, _r: {"why": "seen"},
    ),
    ("POST", "/regions/{region_id}/alerts/{alert_id}/resolve"): Case(
        "/regions/{region}/alerts/{resolved_alert}/resolve",
        gate(NET, in_region(409, 403)),
        lambda _w, _r: {"why": "done"},
    ),
    ("POST", "/regions/{region_id}/webhooks"): Case(
        "/regions/{region}/webhooks",
        gate(NET, in_region(422, 403)),
        lambda _w, _r: {"url": "https://127.0.0.1/hook"},
    ),
    ("GET", "/regions/{region_id}/webhooks"): Case(
        "/regions/{region}/webhooks",
        gate(NETWORK_READERS, in_region(200, 403)),
        rows=lambda w, _c, r: {x.id for x in w.records["webhook"] if x.region == r},
    ),
    ("DELETE", "/regions/{region_id}/webhooks/{webhook_id}"): Case(
        f"/regions/{{region}}/webhooks/{UNKNOWN_ID}", gate(NET, in_region(404, 403))
    ),
    ("GET", "/monthly-bills"): Case(
        "/monthly-bills", gate(MARKET, 200), rows=listed("monthly_bill")
    ),
    ("GET", "/contracts/{contract_id}/use"): Case(
        "/contracts/{contract}/use", gate(MARKET, record(("seller", "buyer", "util"), 200))
    ),
}


def call(world: World, method: str, case: Case, caller: str, region: str) -> Any:
    """Send one matrix request (a mounted folder: a GET of the case's path); the response."""
    names = {
        **world.ids[region],
        "bystander": world.api.ids[world.user("bystander", region)],
    }
    path = case.path.format(**names)
    who = None if caller == "anon" else world.user(caller)
    payload = None if case.body is None else case.body(world, region)
    response = world.api.send("GET" if method == "MOUNT" else method, path, who, payload)
    if case.fresh_login and who is not None:
        world.api.tokens.pop(who, None)
    return response


def logged_since(world: World, seq: int) -> list[tuple[int | None, str]]:
    """(actor id, action) of the action-log entries after `seq`."""
    query = select(ActionLog.actor_id, ActionLog.action).where(ActionLog.seq > seq)
    return [(a, b) for a, b in world.api.db.run(lambda s: s.execute(query.order_by(ActionLog.seq)))]


def last_seq(world: World) -> int:
    return int(world.api.db.run(lambda s: s.scalar(select(func.max(ActionLog.seq)))) or 0)


def test_every_route_for_every_role_and_tenant(world: World) -> None:
    """Every call gets its expected status; an accepted state-changing call writes one action
    log entry by its caller, a refused one (or a read) none."""
    mismatches: list[str] = []
    calls = 0
    for (method, template), case in EXPECTED.items():
        for caller in CALLERS:
            for region in ("a", "b"):
                seq = last_seq(world)
                response = call(world, method, case, caller, region)
                calls += 1
                want = case.status(world, caller, region)
                got = response.status_code
                label = f"{method} {template} as {caller} on region {region}"
                logged = [actor for actor, _ in logged_since(world, seq)]
                accepted = got < 400 and method in STATE_CHANGING
                if accepted and (method, template) not in NOT_LOGGED:
                    who = None if caller == "anon" else world.api.ids[world.user(caller)]
                    if logged != [who]:
                        mismatches.append(f"{label}: logged by {logged}, want [{who}]")
                elif logged:
                    mismatches.append(f"{label}: {got} but logged by {logged}")
                if got != want:
                    mismatches.append(f"{label}: {got} (want {want}) {response.text[:160]}")
                elif case.rows is not None and got == 200:
                    payload = response.json()
                    if isinstance(payload, dict) and "items" in payload:
                        payload = payload["items"]  # one page of a paged list
                    rows = payload if isinstance(payload, list) else list(payload)
                    got_rows = {case.key(row) for row in rows}
                    want_rows = case.rows(world, caller, region)
                    if got_rows != want_rows:
                        mismatches.append(f"{label}: rows {got_rows}, want {want_rows}")
    assert mismatches == [], "\n".join(mismatches)
    assert calls == len(EXPECTED) * len(CALLERS) * 2


def test_the_matrix_covers_every_route_of_the_app(backend: Backend) -> None:
    context = ExchangeContext(
        backend.db, load_exchange_rules(), load_price_schedules(), Clock(), FAST_HASHER
    )
    app = create_app(context)
    assert set(route_keys(app)) == set(EXPECTED)
    assert unruled_routes(app) == []


def test_a_route_without_an_access_rule_is_reported_and_refused(backend: Backend) -> None:
    context = ExchangeContext(
        backend.db, load_exchange_rules(), load_price_schedules(), Clock(), FAST_HASHER
    )
    app = create_app(context)

    def export_everything() -> dict[str, str]:
        return {"secret": "everyone's data"}

    app.add_api_route("/export", export_everything, methods=["GET"])
    assert unruled_routes(app) == [("GET", "/export")]
    assert set(route_keys(app)) - set(EXPECTED) == {("GET", "/export")}
    with TestClient(app) as client:
        refused = client.get("/export")
    assert refused.status_code == 403 and refused.json()["field"] == "route"
    assert "secret" not in refused.text
    with pytest.raises(RuntimeError, match="/public/unruled"):
        _app_with_unruled_route(context)


def _app_with_unruled_route(context: ExchangeContext) -> FastAPI:
    """`create_app` refuses to build an app with a route that has no rule."""
    from reclaim.service import app as app_module
    from reclaim.service.routers import public

    extra = public.router.routes[:]
    try:
        public.router.add_api_route("/unruled", lambda: None, methods=["GET"])
        return app_module.create_app(context)
    finally:
        public.router.routes[:] = extra
