"""Load doors over HTTP against live servers, on SQLite and PostgreSQL: login throttles kept in
the database (they hold across workers), logout, and one transaction per request."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import event

from reclaim.io.market_data import load_access_limits, load_price_schedules
from reclaim.market.rules import ExchangeRules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from tests.market.conftest import Backend, served
from tests.market.helpers import FAST_HASHER, PASSWORD, Api, Clock, traded_contract

LIMITS = load_access_limits()


def test_login_is_throttled_per_account_across_workers(
    live_api: Api, backend: Backend, clock: Clock, rules: ExchangeRules, caplog: Any
) -> None:
    """Two service workers on one database share the counters: the limit is not doubled."""
    api = live_api
    api.add_region("shuozhou", "朔州")
    api.add_party("buyer", "buyer", use_class="industrial")
    policy = LIMITS.login_per_account
    second = ExchangeContext(backend.db, rules, load_price_schedules(), clock, FAST_HASHER)
    wrong = {"username": "buyer", "password": "not the password"}
    right = {"username": "buyer", "password": PASSWORD}
    caplog.set_level(logging.WARNING, logger="reclaim.service.auth")
    with served(create_app(second)) as other:
        workers = [api.client, other]
        for attempt in range(policy.free_attempts):
            reply = workers[attempt % 2].post("/auth/token", json=wrong)
            assert reply.status_code == 401, reply.text
        for worker in workers:
            refused = worker.post("/auth/token", json=right)
            assert refused.status_code == 429, refused.text
            assert refused.json()["field"] == "username"
            assert int(refused.headers["Retry-After"]) == policy.base_delay.total_seconds()
    assert any(
        "throttled" in r.getMessage() and "'buyer'" in r.getMessage() for r in caplog.records
    )
    assert any("wrong credentials" in r.getMessage() for r in caplog.records)
    clock.advance(seconds=policy.base_delay.total_seconds())
    assert api.client.post("/auth/token", json=wrong).status_code == 401
    doubled = api.client.post("/auth/token", json=right)
    assert doubled.status_code == 429
    assert int(doubled.headers["Retry-After"]) == 2 * policy.base_delay.total_seconds()
    clock.advance(seconds=2 * policy.base_delay.total_seconds())
    assert api.client.post("/auth/token", json=right).status_code == 200
    for _ in range(policy.free_attempts - 1):  # a success clears the account's count
        assert api.client.post("/auth/token", json=wrong).status_code == 401
    assert api.client.post("/auth/token", json=right).status_code == 200


def test_login_is_throttled_per_address(live_api: Api, clock: Clock) -> None:
    """Guessing over many names from one address meets the address's limit."""
    api = live_api
    policy = LIMITS.login_per_address
    api.add_region("shuozhou", "朔州")
    api.add_party("buyer", "buyer", use_class="industrial")
    for number in range(policy.free_attempts):
        guess = {"username": f"nobody{number}", "password": "guessed password"}
        assert api.client.post("/auth/token", json=guess).status_code == 401
    refused = api.client.post("/auth/token", json={"username": "buyer", "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["field"] == "address"
    clock.advance(minutes=policy.window.total_seconds() / 60)
    assert (
        api.client.post("/auth/token", json={"username": "buyer", "password": PASSWORD}).status_code
        == 200
    )


def test_logout_revokes_the_token(live_api: Api) -> None:
    api = live_api
    api.add_region("shuozhou", "朔州")
    api.add_party("buyer", "buyer", use_class="industrial")
    first, second = api.login("buyer"), api.login("buyer")
    bearer = {"Authorization": f"Bearer {first}"}
    assert api.client.get("/me", headers=bearer).status_code == 200
    out = api.client.post("/auth/logout", headers=bearer)
    assert out.status_code == 200, out.text
    assert out.json()["account_id"] == api.ids["buyer"]
    after = api.client.get("/me", headers=bearer)
    assert after.status_code == 401 and "revoked" in after.json()["reason"]
    still = api.client.get("/me", headers={"Authorization": f"Bearer {second}"})
    assert still.status_code == 200


@pytest.mark.parametrize("path", ["/bills", "/contracts"])
def test_a_request_is_one_transaction(live_api: Api, backend: Backend, path: str) -> None:
    """The token is checked in the transaction that does the work: one BEGIN per request."""
    api = live_api
    contract = traded_contract(api)
    deliver = f"/contracts/{contract['id']}/deliveries"
    headers = api.headers("operator")
    begun: list[int] = []
    listener = lambda *_args: begun.append(1)  # noqa: E731
    event.listen(backend.db.engine, "begin", listener)
    try:
        api.ok(
            api.client.post(deliver, json={"day": "2021-09-02", "volume_m3": 10}, headers=headers)
        )
        assert len(begun) == 1
        api.ok(api.client.get(path, headers=headers), 200)
        assert len(begun) == 2
    finally:
        event.remove(backend.db.engine, "begin", listener)


def test_the_administrator_revokes_every_token_of_an_account(live_api: Api) -> None:
    api = live_api
    api.add_region("shuozhou", "朔州")
    api.add_party("buyer", "buyer", use_class="industrial")
    tokens = [api.login("buyer"), api.login("buyer")]
    revoke = f"/accounts/{api.ids['buyer']}/tokens/revoke"
    assert api.post(revoke, "regulator").status_code == 403
    assert api.post(revoke, "buyer").status_code == 403
    done = api.ok(api.post(revoke, "admin"), 200)
    # the two logins above (the refused request reused the second)
    assert done == {"account_id": api.ids["buyer"], "revoked_tokens": 2}
    for token in tokens:
        refused = api.client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and "revoked" in refused.json()["reason"]
    assert api.post("/accounts/2000000/tokens/revoke", "admin").status_code == 404
    api.tokens.pop("buyer")
    assert api.get("/me", "buyer").status_code == 200  # a new login works
