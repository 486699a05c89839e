"""Browser sessions: the token in an HttpOnly cookie for the portal, CSRF on its writes, bearer
tokens unchanged for API clients, and logout ending the session (SQLite and PostgreSQL)."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx

from reclaim.service.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, SESSION_HEADER
from tests.market.helpers import PASSWORD, Api

LOGIN = {"username": "regulator", "password": PASSWORD}


def cookie_login(api: Api, base: str = "") -> httpx.Response:
    """Log the regulator in as the portal does."""
    response = api.client.post(f"{base}/auth/token", json=LOGIN, headers={SESSION_HEADER: "cookie"})
    assert response.status_code == 200, response.text
    return response


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header of the response by cookie name (its whole text, lower case)."""
    found: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        name = next(iter(SimpleCookie(header)))
        found[name] = header.lower()
    return found


def test_cookie_login_gives_httponly_strict_session_and_no_token_in_the_body(api: Api) -> None:
    response = cookie_login(api)
    assert response.json()["access_token"] == ""
    cookies = set_cookies(response)
    lifetime_s = api.rules.token_lifetime_minutes * 60
    session = cookies[SESSION_COOKIE]
    assert "httponly" in session and "samesite=strict" in session
    assert f"max-age={lifetime_s}" in session
    assert "secure" not in session  # plain http: a Secure cookie would never come back
    csrf = cookies[CSRF_COOKIE]
    assert "httponly" not in csrf and "samesite=strict" in csrf
    me = api.client.get("/me")  # no Authorization header: the cookie alone
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "regulator"


def test_cookies_are_secure_over_https(api: Api) -> None:
    cookies = set_cookies(cookie_login(api, base="https://testserver"))
    assert "secure" in cookies[SESSION_COOKIE] and "secure" in cookies[CSRF_COOKIE]


def test_bearer_login_is_unchanged_and_sets_no_cookie(api: Api) -> None:
    response = api.client.post("/auth/token", json=LOGIN)
    assert response.status_code == 200
    assert len(response.json()["access_token"]) >= 40
    assert response.headers.get_list("set-cookie") == []


def test_cookie_write_without_or_with_a_wrong_csrf_header_is_refused(api: Api) -> None:
    cookie_login(api)
    csrf = api.client.cookies[CSRF_COOKIE]
    missing = api.client.post("/auth/logout")
    assert missing.status_code == 403, missing.text
    assert missing.json()["field"] == CSRF_HEADER
    other_digit = "1" if csrf.endswith("0") else "0"  # always differs from the real token
    wrong = api.client.post("/auth/logout", headers={CSRF_HEADER: csrf[:-1] + other_digit})
    assert wrong.status_code == 403
    assert api.client.get("/me").status_code == 200  # the refused logout ended nothing


def test_a_csrf_token_of_another_session_is_refused(api: Api) -> None:
    cookie_login(api)
    first_csrf = api.client.cookies[CSRF_COOKIE]
    api.client.cookies.clear()
    cookie_login(api)
    api.client.cookies.set(CSRF_COOKIE, first_csrf)  # the attacker's own pair, planted
    refused = api.client.post("/auth/logout", headers={CSRF_HEADER: first_csrf})
    assert refused.status_code == 403


def test_bearer_write_needs_no_csrf(api: Api) -> None:
    token = api.login("regulator")
    response = api.client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["revoked_tokens"] == 1


def test_logout_clears_the_cookies_and_revokes_the_token(api: Api) -> None:
    cookie_login(api)
    token = api.client.cookies[SESSION_COOKIE]
    csrf = api.client.cookies[CSRF_COOKIE]
    response = api.client.post("/auth/logout", headers={CSRF_HEADER: csrf})
    assert response.status_code == 200, response.text
    cleared = set_cookies(response)
    assert "max-age=0" in cleared[SESSION_COOKIE] and "max-age=0" in cleared[CSRF_COOKIE]
    assert api.client.get("/me").status_code == 401  # the browser dropped the cookies
    api.client.cookies.set(SESSION_COOKIE, token)  # a copy kept elsewhere is dead too
    replayed = api.client.get("/me")
    assert replayed.status_code == 401
    assert "revoked" in replayed.json()["reason"]
