"""Test helpers: a hand-moved clock and a thin client that logs parties in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode
from reclaim.market.rules import ExchangeRules, Role
from reclaim.service.auth import hash_password
from reclaim.store.db import Database
from reclaim.store.models import Base
from reclaim.store.registry import AccountSpec, create_account

PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""argon2id at a test-only cost: the tests register and log in hundreds of parties."""
START = datetime(2021, 8, 10, 9, 0, tzinfo=UTC)
"""The Lingshi signing month (seed 000: 2021 年 8 月 … 签约)."""
AFTER_AUTUMN_2021 = datetime(2021, 12, 31, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by a `timedelta(**delta)`."""
        self.now += timedelta(**delta)


KNOWN_CODES = frozenset(code.value for code in ErrorCode)


def check_refusal(response: httpx.Response) -> None:
    """Every error answer a test provokes is JSON with `field`, `reason` and a `code` of
    `ErrorCode`, and so is every item of its `errors` list (a response hook of `Api`)."""
    if response.status_code < 400:
        return
    response.read()
    body = response.json()
    assert body["code"] in KNOWN_CODES, (response.request.url, body)
    assert isinstance(body["field"], str) and body["field"], body
    assert isinstance(body["reason"], str) and body["reason"], body
    for item in body.get("errors", []):
        assert item["code"] in KNOWN_CODES and item["field"] and item["reason"], body


class Api:
    """An HTTP client that remembers one bearer token per username.

    It starts with an administrator (`admin`, made on the server as `reclaim db add-admin`
    does) and a `regulator` that `add_region` assigns to every region it creates. Every error
    answer it receives is checked by `check_refusal`.
    """

    def __init__(self, client: Any, db: Database, rules: ExchangeRules, clock: Clock) -> None:
        self.client = client
        client.event_hooks["response"].append(check_refusal)
        self.db = db
        self.rules = rules
        self.clock = clock
        self.tokens: dict[str, str] = {}
        self.expiry: dict[str, datetime] = {}
        self.ids: dict[str, int] = {}
        self.region_id: int | None = None
        for username, role in (("admin", Role.ADMIN), ("regulator", Role.REGULATOR)):
            spec = AccountSpec(username, hash_password(PASSWORD, FAST_HASHER), role, username)
            self.ids[username] = db.run(
                lambda s, spec=spec: create_account(s, None, spec, rules, clock()).id
            )

    def login(self, username: str) -> str:
        """A fresh token for `username`."""
        response = self.client.post(
            "/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        self.tokens[username] = body["access_token"]
        self.expiry[username] = datetime.fromisoformat(body["expires_at"])
        return str(body["access_token"])

    def headers(self, who: str | None, key: str | None = None) -> dict[str, str]:
        """Authorization (and Idempotency-Key) headers for `who`."""
        headers: dict[str, str] = {}
        if who is not None:
            fresh = who in self.tokens and self.clock() < self.expiry[who]
            token = self.tokens[who] if fresh else self.login(who)
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def post(
        self, path: str, who: str | None, json: Any = None, key: str | None = None
    ) -> httpx.Response:
        """POST as `who`."""
        return self.client.post(path, json=json, headers=self.headers(who, key))  # type: ignore[no-any-return]

    def send(self, method: str, path: str, who: str | None, json: Any = None) -> httpx.Response:
        """Any method (PUT, PATCH, DELETE…) as `who`."""
        return self.client.request(method, path, json=json, headers=self.headers(who))  # type: ignore[no-any-return]

    def get(self, path: str, who: str | None = None, **params: Any) -> httpx.Response:
        """GET as `who` (None: the public)."""
        return self.client.get(path, params=params, headers=self.headers(who))  # type: ignore[no-any-return]

    def ok(self, response: httpx.Response, status: int = 201) -> Any:
        """The JSON body of a response that must have `status`."""
        assert response.status_code == status, response.text
        return response.json()

    def add_region(self, code: str, name: str, **settings: Any) -> dict[str, Any]:
        """Create a region as the administrator and assign `regulator` to it."""
        region: dict[str, Any] = self.ok(
            self.post("/regions", "admin", {"code": code, "name": name, **settings})
        )
        self.assign("regulator", region["id"])
        self.region_id = region["id"]
        return region

    def assign(self, username: str, region_id: int) -> None:
        """Assign a regulator or operator to a region, as the administrator."""
        path = f"/accounts/{self.ids[username]}/regions/{region_id}"
        self.ok(self.send("PUT", path, "admin"), 200)

    def add_party(self, username: str, role: str, by: str = "regulator", **extra: Any) -> int:
        """Register an account as `by` (home region: the last region added); returns its id."""
        body = {"username": username, "password": PASSWORD, "role": role, "display_name": username}
        if role in ("seller", "buyer"):
            body["region_id"] = self.region_id
        body.update(extra)
        party = self.ok(self.post("/accounts", by, body))
        self.ids[username] = party["id"]
        return int(party["id"])


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a refused request wrote nothing."""

    def read(session: Session) -> dict[str, list[tuple[Any, ...]]]:
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in ("tokens", "throttles"):
                continue  # logging in (token, attempt counters) is not the request under test
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
        return tables

    return db.run(read)


def drop_append_only_triggers(engine: Engine) -> None:
    """What someone who owns the database could do before editing the action log."""
    with engine.begin() as connection:
        for table in ("action_log", "action_log_parties"):
            if engine.dialect.name == "sqlite":
                for event in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_no_{event}"))
            else:
                connection.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))


def traded_contract(api: Api, price: str = "2.60", publicity_days: int = 5) -> dict[str, Any]:
    """A region, a plant run by `operator`, a right of `seller` sold whole to `buyer`: a contract.

    The clock is left at the end of 2021, so the tests report deliveries of autumn 2021.

    Shuozhou No. 1 plant figures (seed 001 §3.2: 4.0 万 m³/d sewage, 3.2 万 m³/d reclaimed).
    """
    region = api.add_region("shuozhou", "朔州", publicity_days=publicity_days)
    api.add_party("operator", "seller")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "No. 1",
                "sewage_treated_m3_per_day": 40_000,
                "reclaimed_capacity_m3_per_day": 32_000,
                "operator_id": api.ids["operator"],
            },
        )
    )
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["seller"],
                "plant_id": plant["id"],
                "annual_volume_m3": 1_000_000,
                "daily_max_m3": 5_000,
                "term_start": "2021-09-01",
                "term_end": "2026-09-01",
                "use_class": "industrial",
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
                "annual_volume_m3": 1_000_000,
                "daily_max_m3": 5_000,
                "term_start": "2021-09-01",
                "term_end": "2026-09-01",
                "delivery_point": "gate",
                "reserve_yuan_per_m3": price,
            },
        )
    )
    deal = api.ok(api.post(f"/listings/{listing['id']}/accept", "buyer"))
    api.clock.advance(days=publicity_days)
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract: dict[str, Any] = api.ok(api.post(f"/deals/{deal['id']}/conclude", "buyer"))
    api.clock.now = AFTER_AUTUMN_2021  # deliveries are never dated after the region's today
    return contract
