"""`POST /auth/token` takes the OAuth2 password form as well as JSON, as Swagger UI's Authorize
button and OAuth2 client libraries send it; account names are refused in words, not a regex."""

from __future__ import annotations

from typing import Any

from reclaim.errors import ErrorCode
from reclaim.io.market_data import load_access_limits
from reclaim.market.rules import USERNAME_FORM
from tests.market.helpers import PASSWORD, Api, snapshot

LIMITS = load_access_limits()
FORM = "application/x-www-form-urlencoded"


def form_login(api: Api, **fields: str) -> Any:
    """POST /auth/token with a form body, as an OAuth2 client sends it."""
    return api.client.post("/auth/token", data=fields, headers={"Content-Type": FORM})


def test_the_password_form_gives_a_bearer_token(api: Api) -> None:
    answer = form_login(api, grant_type="password", username="regulator", password=PASSWORD)
    body = api.ok(answer, 200)
    assert body["token_type"] == "bearer"
    me = api.client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert api.ok(me, 200)["username"] == "regulator"
    bare = form_login(api, username="regulator", password=PASSWORD, scope="", client_id="")
    assert bare.status_code == 200, bare.text  # grant_type may be left out; scope is ignored


def test_the_form_is_refused_like_json(api: Api) -> None:
    wrong_form = form_login(api, grant_type="password", username="regulator", password="x" * 9)
    wrong_json = api.client.post("/auth/token", json={"username": "regulator", "password": "x" * 9})
    assert wrong_form.status_code == wrong_json.status_code == 401
    assert wrong_form.json() == wrong_json.json()
    assert wrong_form.json()["field"] == "password"
    grant = form_login(
        api, grant_type="client_credentials", username="regulator", password=PASSWORD
    )
    assert grant.status_code == 422 and grant.json()["field"] == "grant_type"
    missing = form_login(api, grant_type="password", username="regulator")
    assert missing.status_code == 422
    assert (missing.json()["field"], missing.json()["code"]) == ("password", "field_missing")
    other = api.client.post(
        "/auth/token", content=b"username=regulator", headers={"Content-Type": "text/plain"}
    )
    assert other.status_code == 422 and other.json()["field"] == "Content-Type"


def test_form_and_json_attempts_share_one_throttle(api: Api) -> None:
    policy = LIMITS.login_per_account
    for attempt in range(policy.free_attempts):
        if attempt % 2:
            answer = form_login(api, username="regulator", password="not the password")
        else:
            answer = api.client.post(
                "/auth/token", json={"username": "regulator", "password": "not the password"}
            )
        assert answer.status_code == 401, answer.text
    throttled = form_login(api, grant_type="password", username="regulator", password=PASSWORD)
    assert throttled.status_code == 429
    assert (throttled.json()["code"], throttled.json()["field"]) == (
        "too_many_attempts",
        "username",
    )
    assert int(throttled.headers["Retry-After"]) == policy.base_delay.total_seconds()


def test_swagger_ui_can_authorize_with_the_password_flow(api: Api) -> None:
    document = api.ok(api.get("/openapi.json"), 200)
    schemes = document["components"]["securitySchemes"]
    flows = [scheme["flows"] for scheme in schemes.values() if scheme["type"] == "oauth2"]
    assert [flow["password"]["tokenUrl"] for flow in flows] == ["/auth/token"]
    login = document["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    assert set(login) == {"application/json", FORM}
    assert {"username", "password", "grant_type"} <= set(login[FORM]["schema"]["properties"])
    secured = document["paths"]["/rights"]["get"]["security"]
    assert secured == [{name: []} for name in schemes]


def test_an_account_name_is_refused_in_words(api: Api) -> None:
    api.add_region("shuozhou", "朔州")
    before = snapshot(api.db)
    body = {
        "username": "Water Bureau",
        "password": PASSWORD,
        "role": "buyer",
        "display_name": "Water Bureau",
        "region_id": api.region_id,
    }
    refusal = api.post("/accounts", "regulator", body)
    assert refusal.status_code == 422, refusal.text
    answer = refusal.json()
    assert (answer["field"], answer["code"], answer["value"]) == (
        "username",
        ErrorCode.BAD_USERNAME.value,
        "Water Bureau",
    )
    assert answer["reason"] == USERNAME_FORM and "[" not in answer["reason"]
    assert snapshot(api.db) == before
