"""Logging in through the portal: a wrong password refused at the password field, then a buyer's
browser session held in an HttpOnly cookie the page cannot read (nothing in localStorage), the
header showing the buyer's name and role in both languages, and logout ending the session."""

from __future__ import annotations

from playwright.sync_api import Page

from reclaim.service.sessions import CSRF_COOKIE, SESSION_COOKIE
from tests.market.helpers import PASSWORD, Api
from tests.web.conftest import OfflinePage, accessibility_violations
from tests.web.test_portal import LABELS, SCREENSHOTS, TIMEOUT_MS


def shown_refusal(body: dict[str, str], lang: str) -> str:
    """What the portal shows for a refusal: the catalogue's words for its code, else its reason."""
    entry = LABELS.get(f"code.{body.get('code')}")
    return entry[lang] if entry else body["reason"]


def log_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Fill and send the login form."""
    page.goto(f"{url}/#/login", wait_until="networkidle")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name=LABELS["login.submit"]["zh"]).click()


def test_login_keeps_the_token_out_of_the_page_and_logout_ends_it(
    offline_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    api.add_region("lingshi", "灵石县")
    api.add_party("jinneng", "buyer", display_name="晋能焦化", use_class="industrial")
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, url, "jinneng", "not the password")
    field = page.locator(".el-form-item", has=page.locator("#password"))
    message = field.locator(".el-form-item__error")
    message.wait_for(timeout=TIMEOUT_MS)
    refused = api.client.post(
        "/auth/token", json={"username": "jinneng", "password": "not the password"}
    ).json()
    assert message.inner_text() == shown_refusal(refused, "zh")
    page.screenshot(path=SCREENSHOTS / "login-refused-zh.png")
    assert accessibility_violations(page) == []

    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=LABELS["login.submit"]["zh"]).click()
    who = page.locator("header .account")
    who.wait_for(timeout=TIMEOUT_MS)
    assert who.inner_text() == f"晋能焦化 · {LABELS['role.buyer']['zh']}"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] and cookies[SESSION_COOKIE]["sameSite"] == "Strict"
    assert not cookies[CSRF_COOKIE]["httpOnly"]
    token = cookies[SESSION_COOKIE]["value"]
    readable = page.evaluate("() => document.cookie + JSON.stringify(localStorage)")
    assert token not in readable and SESSION_COOKIE not in readable
    me = api.client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "jinneng"  # the cookie holds a real token of this buyer
    page.screenshot(path=SCREENSHOTS / "logged-in-zh.png")

    page.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    page.get_by_role("button", name=LABELS["login.logout"]["en"]).wait_for(timeout=TIMEOUT_MS)
    assert who.inner_text() == f"晋能焦化 · {LABELS['role.buyer']['en']}"
    page.screenshot(path=SCREENSHOTS / "logged-in-en.png")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name=LABELS["login.logout"]["en"]).click()
    page.get_by_role("heading", name=LABELS["login.title"]["en"]).wait_for(timeout=TIMEOUT_MS)
    assert {c["name"] for c in page.context.cookies()} & {SESSION_COOKIE, CSRF_COOKIE} == set()
    replayed = api.client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert replayed.status_code == 401  # logout revoked the token, not only the cookie
    page.screenshot(path=SCREENSHOTS / "login-en.png")
    assert offline_page.blocked == []
