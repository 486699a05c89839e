"""An account's life over HTTP, on SQLite and PostgreSQL: disabled and enabled by the
administrator, its password changed by its user or reset with a one-time code that expires, and
its argon2 hash upgraded at the next login."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.errors import InputError
from reclaim.io.market_data import load_access_limits, load_password_policy
from reclaim.store.models import Account, ActionLog, ResetCode
from tests.market.conftest import Backend
from tests.market.helpers import FAST_HASHER, PASSWORD, Api
from tests.market.test_concurrency import race

NEW_PASSWORD = "a new and longer one"
WEAKER = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
"""Below the tests' service hasher (FAST_HASHER: m=1024 KiB), like a hash of an older release."""
RESET_LIFETIME_MINUTES = 30
"""The default lifetime of a reset code (README, operating the service: settings)."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(api: Api, username: str, password: str) -> Any:
    return api.client.post("/auth/token", json={"username": username, "password": password})


def with_buyer(api: Api) -> int:
    api.add_region("shuozhou", "朔州")
    return api.add_party("buyer", "buyer", use_class="industrial")


def stored(api: Api, column: Any, account_id: int) -> Any:
    return api.db.run(lambda s: s.scalar(select(column).where(Account.id == account_id)))


def test_disabling_revokes_every_token_and_refuses_login_like_a_wrong_password(api: Api) -> None:
    buyer = with_buyer(api)
    tokens = [api.login("buyer"), api.login("buyer")]
    assert api.post(f"/accounts/{buyer}/disable", "regulator").status_code == 403
    done = api.ok(api.post(f"/accounts/{buyer}/disable", "admin"), 200)
    assert done["revoked_tokens"] == 2  # the two logins above
    assert datetime.fromisoformat(done["disabled_at"]) == api.clock()
    for token in tokens:
        refused = api.client.get("/me", headers=bearer(token))
        assert refused.status_code == 401
        assert "account disabled" in refused.json()["reason"]
    disabled = login(api, "buyer", PASSWORD)
    wrong = login(api, "buyer", "not the password")
    unknown = login(api, "nobody", PASSWORD)
    assert disabled.status_code == wrong.status_code == unknown.status_code == 401
    assert disabled.json() == wrong.json() == unknown.json()  # no account enumeration
    again = api.post(f"/accounts/{buyer}/disable", "admin")
    assert again.status_code == 409 and "disabled already" in again.json()["reason"]
    myself = api.post(f"/accounts/{api.ids['admin']}/disable", "admin")
    assert myself.status_code == 409 and myself.json()["field"] == "account_id"

    enabled = api.ok(api.post(f"/accounts/{buyer}/enable", "admin"), 200)
    assert enabled["disabled_at"] is None
    still = api.client.get("/me", headers=bearer(tokens[0]))
    assert still.status_code == 401 and "revoked" in still.json()["reason"]
    assert login(api, "buyer", PASSWORD).status_code == 200
    twice = api.post(f"/accounts/{buyer}/enable", "admin")
    assert twice.status_code == 409 and "not disabled" in twice.json()["reason"]


def test_a_user_changes_their_password_and_their_other_tokens_end(api: Api, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    buyer = with_buyer(api)
    this, other = api.login("buyer"), api.login("buyer")
    change = "/me/password"

    def send(current: str, new: str) -> Any:
        body = {"current_password": current, "new_password": new}
        return api.client.post(change, json=body, headers=bearer(this))

    wrong = send("not the password", NEW_PASSWORD)
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    assert wrong.json()["value"] == "***" and "not the password" not in wrong.text
    same = send(PASSWORD, PASSWORD)
    assert same.status_code == 422 and same.json()["field"] == "new_password"
    for weak in ("short", "reclaim water 2026", "x" * 12):
        refused = send(PASSWORD, weak)
        assert refused.status_code == 422, weak
        body = refused.json()
        assert (body["field"], body["value"]) == ("new_password", "***")
        # the rule in words (data/market/password_policy.yaml)
        assert "8 to 200 characters" in body["reason"] and "not the username" in body["reason"]
        assert "'reclaim'" in body["reason"] and weak not in refused.text
    done = api.ok(send(PASSWORD, NEW_PASSWORD), 200)
    assert done == {"account_id": buyer, "revoked_tokens": 1}  # `other`; this one stays
    assert api.client.get("/me", headers=bearer(this)).status_code == 200
    ended = api.client.get("/me", headers=bearer(other))
    assert ended.status_code == 401 and "revoked" in ended.json()["reason"]
    assert login(api, "buyer", PASSWORD).status_code == 401
    assert login(api, "buyer", NEW_PASSWORD).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "password of 'buyer' changed" in logged
    for secret in (PASSWORD, NEW_PASSWORD, "not the password", this, other):
        assert secret not in logged


def test_a_wrong_current_password_counts_against_the_login_throttle(api: Api) -> None:
    with_buyer(api)
    token = api.login("buyer")
    free = load_access_limits().login_per_account.free_attempts
    body = {"current_password": "not the password", "new_password": NEW_PASSWORD}
    for _ in range(free):
        guess = api.client.post("/me/password", json=body, headers=bearer(token))
        assert guess.status_code == 422
    throttled = api.client.post("/me/password", json=body, headers=bearer(token))
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert login(api, "buyer", PASSWORD).status_code == 429


def test_the_policy_refuses_the_username_and_context_words_in_words() -> None:
    policy = load_password_policy()
    policy.check("correct horse battery", "waterworks")
    for weak in ("WaterWorks", "my Password is long", "zzzzzzzzzz", "x" * 201):
        with pytest.raises(InputError) as refused:
            policy.check(weak, "waterworks")
        assert refused.value.value == "***"
    assert policy.in_words() == (
        "a password of 8 to 200 characters, not the username, not containing 'reclaim' or "
        "'password', not one character repeated"
    )


def reset(api: Api, code: str, password: str = NEW_PASSWORD, username: str = "buyer") -> Any:
    body = {"username": username, "code": code, "new_password": password}
    return api.client.post("/auth/reset", json=body)


def test_a_reset_code_works_once_and_is_kept_only_as_a_hash(api: Api, caplog: Any) -> None:
    buyer = with_buyer(api)
    old_token = api.login("buyer")
    caplog.set_level(logging.INFO)
    assert api.post(f"/accounts/{buyer}/reset-code", "regulator").status_code == 403
    issued = api.post(f"/accounts/{buyer}/reset-code", "admin")
    body = api.ok(issued)
    code = body["code"]
    assert issued.headers["Cache-Control"] == "no-store"
    assert len(code.replace("-", "")) == 16 and body["account_id"] == buyer
    minutes = (datetime.fromisoformat(body["expires_at"]) - api.clock()).total_seconds() / 60
    assert minutes == RESET_LIFETIME_MINUTES
    rows = api.db.run(lambda s: [tuple(r) for r in s.execute(select(ResetCode.__table__)).all()])
    assert len(rows) == 1 and not any(
        code in str(v) or code.replace("-", "") in str(v) for v in rows[0]
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "reset code issued" in logged and code not in logged
    assert code.replace("-", "") not in logged

    wrong = reset(api, "AAAA-BBBB-CCCC-DDDD")
    elsewhere = reset(api, code, username="regulator")
    assert wrong.status_code == elsewhere.status_code == 401
    assert wrong.json() == elsewhere.json() and wrong.json()["field"] == "code"
    weak = reset(api, code, "short")
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    typed = code.lower().replace("-", " ")  # as a person types it: case and spacing differ
    done = api.ok(reset(api, typed), 200)
    assert done == {"account_id": buyer, "revoked_tokens": 1}
    ended = api.client.get("/me", headers=bearer(old_token))
    assert ended.status_code == 401 and "revoked" in ended.json()["reason"]
    assert login(api, "buyer", NEW_PASSWORD).status_code == 200
    used = reset(api, code, "yet another secret")
    assert used.status_code == 409 and "used at" in used.json()["reason"]
    assert used.json()["value"] == "***" and code not in used.text
    assert login(api, "buyer", NEW_PASSWORD).status_code == 200


def test_a_reset_code_expires_and_a_newer_one_replaces_it(api: Api) -> None:
    buyer = with_buyer(api)

    def issue() -> str:
        return str(api.ok(api.post(f"/accounts/{buyer}/reset-code", "admin"))["code"])

    first = issue()
    second = issue()
    replaced = reset(api, first)
    assert replaced.status_code == 409 and "replaced" in replaced.json()["reason"]
    api.clock.advance(minutes=RESET_LIFETIME_MINUTES)
    expired = reset(api, second)
    assert expired.status_code == 409 and "expired at" in expired.json()["reason"]
    third = issue()
    api.clock.advance(minutes=RESET_LIFETIME_MINUTES - 1)
    assert reset(api, third).status_code == 200
    assert login(api, "buyer", NEW_PASSWORD).status_code == 200
    api.ok(api.post(f"/accounts/{buyer}/disable", "admin"), 200)
    refused = api.post(f"/accounts/{buyer}/reset-code", "admin")
    assert refused.status_code == 409 and "disabled" in refused.json()["reason"]


def test_a_disabled_account_cannot_use_a_code_issued_before(api: Api) -> None:
    buyer = with_buyer(api)
    code = api.ok(api.post(f"/accounts/{buyer}/reset-code", "admin"))["code"]
    api.ok(api.post(f"/accounts/{buyer}/disable", "admin"), 200)
    refused = reset(api, code)
    assert refused.status_code == 401 and refused.json()["field"] == "code"
    assert login(api, "buyer", NEW_PASSWORD).status_code == 401


def test_the_argon2_parameters_are_upgraded_at_the_next_login(api: Api) -> None:
    buyer = with_buyer(api)
    weak_hash = WEAKER.hash(PASSWORD)
    assert "$m=256,t=1,p=1$" in weak_hash  # the PHC string names the parameters
    api.db.run(
        lambda s: s.execute(
            update(Account).where(Account.id == buyer).values(password_hash=weak_hash)
        )
    )
    assert login(api, "buyer", "not the password").status_code == 401
    assert stored(api, Account.password_hash, buyer) == weak_hash  # only a success upgrades
    assert login(api, "buyer", PASSWORD).status_code == 200
    upgraded = stored(api, Account.password_hash, buyer)
    # the service's hasher in these tests: FAST_HASHER (tests/market/helpers.py)
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert not FAST_HASHER.check_needs_rehash(upgraded)
    assert login(api, "buyer", PASSWORD).status_code == 200
    assert stored(api, Account.password_hash, buyer) == upgraded  # no rehash when current


def test_an_operator_at_the_shell_disables_enables_and_issues_a_code(
    api: Api, backend: Backend
) -> None:
    with_buyer(api)
    token = api.login("buyer")
    runner = CliRunner()

    def db(*args: str) -> Any:
        return runner.invoke(app, ["db", *args, "--db", backend.url])

    disabled = db("disable-account", "buyer")
    assert disabled.exit_code == 0, disabled.output
    assert "account 'buyer' disabled" in disabled.stdout
    refused = api.client.get("/me", headers=bearer(token))
    assert refused.status_code == 401 and "account disabled" in refused.json()["reason"]
    assert login(api, "buyer", PASSWORD).status_code == 401
    unknown = db("disable-account", "nobody")
    assert unknown.exit_code == 2 and "nobody" in unknown.stderr
    assert db("reset-code", "buyer").exit_code == 2  # enable it first
    assert db("enable-account", "buyer").exit_code == 0
    assert login(api, "buyer", PASSWORD).status_code == 200
    issued = db("reset-code", "buyer")
    assert issued.exit_code == 0, issued.output
    code = issued.stdout.split("reset code for 'buyer': ")[1].split()[0]
    assert api.ok(reset(api, code), 200)["account_id"] == api.ids["buyer"]
    assert login(api, "buyer", NEW_PASSWORD).status_code == 200
    shell = api.db.run(
        lambda s: [
            tuple(row)
            for row in s.execute(
                select(ActionLog.action, ActionLog.target_id, ActionLog.after_json)
                .where(ActionLog.role == "shell")
                .order_by(ActionLog.seq)
            )
        ]
    )
    assert [(action, target) for action, target, _ in shell] == [
        ("account.disable", str(api.ids["buyer"])),
        ("account.enable", str(api.ids["buyer"])),
        ("account.reset_code.issue", str(api.ids["buyer"])),
    ]  # the refused commands (unknown name, disabled account) wrote none
    assert not any(code in str(after) or code.replace("-", "") in str(after) for *_, after in shell)
    verified = runner.invoke(app, ["audit", "verify", "--db", backend.url])
    assert verified.exit_code == 0, verified.output


def test_a_reset_code_raced_by_four_requests_sets_one_password(live_api: Api) -> None:
    api = live_api
    buyer = with_buyer(api)
    code = api.ok(api.post(f"/accounts/{buyer}/reset-code", "admin"))["code"]
    passwords = [f"{NEW_PASSWORD} {n}" for n in range(4)]
    statuses = race([partial(reset, api, code, password) for password in passwords])
    assert sorted(statuses) == [200, 409, 409, 409]
    winner = passwords[statuses.index(200)]
    assert login(api, "buyer", winner).status_code == 200
    losers = [p for p in passwords if p != winner]
    assert all(login(api, "buyer", p).status_code == 401 for p in losers)
