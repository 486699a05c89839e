"""Every error answer carries a stable `code` from the one list, `reclaim.errors.ErrorCode`.

Besides these tests, `tests.market.helpers.check_refusal` checks the code of every error answer
that any test of the exchange provokes (it is a response hook of `Api`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reclaim.errors import ErrorCode
from reclaim.service.limits import DEFAULT_BODY_BYTES
from reclaim.service.routers import trading
from tests.market.helpers import PASSWORD, Api
from tests.market.test_refusals import World

README = Path(__file__).resolve().parents[2] / "README.md"
PORTAL_LABELS = Path(__file__).resolve().parents[2] / "web" / "src" / "i18n" / "labels.json"
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@pytest.fixture
def world(api: Api) -> World:
    return World(api)


def refusal(response: Any, status: int, code: ErrorCode, field: str) -> dict[str, Any]:
    """Assert a refusal's status, code and field; return its body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert (body["code"], body["field"]) == (code.value, field), body
    return body


def test_codes_are_snake_case_and_each_has_a_one_line_meaning() -> None:
    assert len({code.value for code in ErrorCode}) == len(ErrorCode)
    for code in ErrorCode:
        assert SNAKE_CASE.fullmatch(code.value), code
        assert code.meaning and "\n" not in code.meaning, code


def test_the_readme_lists_every_code_with_its_meaning() -> None:
    text = README.read_text(encoding="utf-8").split("### Refusal codes", 1)[1].split("\n#", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \|$", text, flags=re.MULTILINE))
    assert set(rows) == {code.value for code in ErrorCode}
    for code in ErrorCode:
        assert rows[code.value] == code.meaning, code


def test_the_portal_translates_only_codes_that_exist() -> None:
    labels = json.loads(PORTAL_LABELS.read_text(encoding="utf-8"))
    translated = {key.removeprefix("code.") for key in labels if key.startswith("code.")}
    assert translated >= {"wrong_credentials", "token_expired", "too_many_attempts"}
    assert translated <= {code.value for code in ErrorCode}


def test_routing_refusals_have_the_refusal_body(api: Api) -> None:
    unknown = refusal(api.get("/no/such/route", "regulator"), 404, ErrorCode.NOT_FOUND, "path")
    assert unknown["value"] == "/no/such/route" and unknown["reason"]
    public = refusal(api.client.get("/nothing-here"), 404, ErrorCode.NOT_FOUND, "path")
    assert "detail" not in public
    wrong = api.client.delete("/public/trades")
    body = refusal(wrong, 405, ErrorCode.METHOD_NOT_ALLOWED, "method")
    assert body["value"] == "DELETE" and wrong.headers["Allow"] == "GET"


def test_each_token_problem_has_its_own_code(world: World) -> None:
    api = world.api
    refusal(api.client.get("/rights"), 401, ErrorCode.TOKEN_MISSING, "Authorization")
    forged = api.client.get("/rights", headers={"Authorization": "Bearer not-a-token"})
    refusal(forged, 401, ErrorCode.TOKEN_INVALID, "Authorization")
    token = api.login("buyer")
    bearer = {"Authorization": f"Bearer {token}"}
    api.ok(api.client.post("/auth/logout", headers=bearer), 200)
    revoked = api.client.get("/rights", headers=bearer)
    refusal(revoked, 401, ErrorCode.TOKEN_REVOKED, "Authorization")
    stale = {"Authorization": f"Bearer {api.login('seller')}"}
    api.clock.advance(minutes=api.rules.token_lifetime_minutes + 1)
    refusal(api.client.get("/rights", headers=stale), 401, ErrorCode.TOKEN_EXPIRED, "Authorization")


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(world: World) -> None:
    api = world.api
    wrong = api.client.post(
        "/auth/token", json={"username": "buyer", "password": "not-" + PASSWORD}
    )
    unknown = api.client.post("/auth/token", json={"username": "nobody", "password": PASSWORD})
    first = refusal(wrong, 401, ErrorCode.WRONG_CREDENTIALS, "password")
    second = refusal(unknown, 401, ErrorCode.WRONG_CREDENTIALS, "password")
    assert first == second
    assert first["value"] is None and PASSWORD not in wrong.text


def test_state_and_permission_refusals_name_their_cause(world: World) -> None:
    api = world.api
    plant_annual = world.plant["deliverable_annual_m3"]
    over = api.post("/rights", "regulator", world.right_body(plant_annual, 100))
    refusal(over, 409, ErrorCode.VOLUME_ABOVE_CAPACITY, "annual_volume_m3")
    held = world.right["annual_volume_m3"]
    too_much = api.post("/listings", "seller", world.listing_body(annual_volume_m3=held))
    refusal(too_much, 409, ErrorCode.VOLUME_ABOVE_FREE, "annual_volume_m3")
    refusal(
        api.post("/rights", "buyer", world.right_body(10, 1)),
        403,
        ErrorCode.ROLE_NOT_ALLOWED,
        "role",
    )
    bids = f"/listings/{world.listing['id']}/bids"
    own = api.post(bids, "seller", {"price_yuan_per_m3": "3.00"})
    refusal(own, 403, ErrorCode.OWN_LISTING, "listing_id")
    accept = api.post(f"/listings/{world.listing['id']}/accept", "buyer")
    refusal(accept, 409, ErrorCode.WRONG_LISTING_MODE, "listing_id")
    refusal(api.get("/rights/9999", "seller"), 404, ErrorCode.NOT_FOUND, "right_id")
    api.clock.advance(days=3)
    late = api.post(bids, "buyer", {"price_yuan_per_m3": "3.00"})
    refusal(late, 409, ErrorCode.AUCTION_CLOSED, "listing_id")


def test_bad_input_gets_the_code_of_its_problem(world: World) -> None:
    api = world.api
    refusal(
        api.post("/rights", "regulator", world.right_body(0, 1)),
        422,
        ErrorCode.OUT_OF_RANGE,
        "annual_volume_m3",
    )
    body = world.right_body(10, 1)
    del body["plant_id"]
    refusal(api.post("/rights", "regulator", body), 422, ErrorCode.FIELD_MISSING, "plant_id")
    misspelt = world.listing_body(anual_volume_m3=5)
    refusal(
        api.post("/listings", "seller", misspelt), 422, ErrorCode.FIELD_UNKNOWN, "anual_volume_m3"
    )
    text = api.post("/rights", "regulator", world.right_body("ten", 1))
    refusal(text, 422, ErrorCode.WRONG_TYPE, "annual_volume_m3")
    broken = api.client.post(
        "/rights",
        content=b'{"holder_id": ',
        headers={**api.headers("regulator"), "Content-Type": "application/json"},
    )
    refusal(broken, 422, ErrorCode.NOT_JSON, "body")
    padded = world.listing_body(delivery_point="x" * (DEFAULT_BODY_BYTES + 1))
    refusal(api.post("/listings", "seller", padded), 413, ErrorCode.BODY_TOO_LARGE, "body")


def test_a_nul_byte_in_a_text_filter_is_refused_naming_the_filter(api: Api) -> None:
    # PostgreSQL cannot compare text holding a NUL byte: without the check this is a 500 there
    region = api.add_region("r", "R")["id"]
    for path, who, name in (
        ("/actions", "admin", "target_id"),
        (f"/regions/{region}/alerts", "regulator", "sensor"),
    ):
        body = refusal(api.get(path, who, **{name: "a\x00b"}), 422, ErrorCode.WRONG_FORMAT, name)
        assert "control characters" in body["reason"]


def test_a_fault_is_a_500_with_the_refusal_body_and_no_internals(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = world.api

    def broken(*_args: Any) -> None:
        raise RuntimeError("internal detail: /srv/secret.db password=hunter2")

    monkeypatch.setattr(trading, "right_out", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.get("/rights", headers=api.headers("seller"))
    body = refusal(failed, 500, ErrorCode.SERVER_ERROR, "request")
    assert "hunter2" not in failed.text and "secret" not in failed.text and body["value"] is None


def test_the_openapi_document_lists_the_codes_and_the_error_answers(api: Api) -> None:
    document = api.ok(api.get("/openapi.json"), 200)
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}
    assert "code" in schemas["ErrorOut"]["required"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            for status in ("404", "405", "422", "500"):
                schema = declared[status]["content"]["application/json"]["schema"]
                assert schema["$ref"] == "#/components/schemas/ErrorOut", (method, path, status)
