"""The regulator's deals page: a deal in publicity (公示) with a public objection; resolving it
without a reason is refused at the field; approving before publicity ends is refused; after it
ends the deal is approved with its reason, and the page no longer lists it."""

from __future__ import annotations

from tests.market.helpers import Api, traded_contract
from tests.web.conftest import OfflinePage, accessibility_violations
from tests.web.test_login_page import log_in, shown_refusal
from tests.web.test_market_page import lingshi_plant
from tests.web.test_portal import LABELS, SCREENSHOTS, TIMEOUT_MS
from tests.web.test_public_pages import PUBLICITY_DAYS, deal_in_publicity

GROUNDS = "该厂剩余能力不足"
DISMISSAL = "核查该厂2022年剩余能力充足，异议不成立"
APPROVAL = "公示期满，异议已处理，准予成交"


def test_regulator_resolves_an_objection_and_approves_after_publicity(
    offline_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    traded_contract(api, publicity_days=PUBLICITY_DAYS)
    deal = deal_in_publicity(api)
    api.ok(
        api.client.post(
            f"/public/deals/{deal['id']}/objections",
            json={"grounds": GROUNDS, "contact": "13800000000"},
        )
    )
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, url, "regulator")
    card = page.locator(f".deal[data-deal='{deal['id']}']")
    card.get_by_text(GROUNDS).wait_for(timeout=TIMEOUT_MS)  # the regulator's home is this page
    card.get_by_text(LABELS["notices.ends_in"]["zh"]).wait_for(timeout=TIMEOUT_MS)
    assert GROUNDS in card.inner_text() and "13800000000" in card.inner_text()
    assert LABELS["deal_state.publicity"]["zh"] in card.inner_text()

    card.get_by_role("button", name=LABELS["regulator.resolve"]["zh"]).click()
    resolve_error = card.locator(".resolve .el-form-item__error")
    resolve_error.wait_for(timeout=TIMEOUT_MS)
    objection_id = api.ok(api.get(f"/deals/{deal['id']}/objections", "regulator"), 200)[0]["id"]
    refused = api.post(
        f"/objections/{objection_id}/resolve", "regulator", {"outcome": "dismissed", "reason": ""}
    ).json()
    assert resolve_error.inner_text() == shown_refusal(refused, "zh")

    decide_error = card.locator(".decide .el-form-item__error")
    card.get_by_role("button", name=LABELS["regulator.approve"]["zh"]).click()
    assert decide_error.inner_text() == LABELS["regulator.reason_required"]["zh"]
    card.locator(f"#decide-{deal['id']}").fill(APPROVAL)
    card.get_by_role("button", name=LABELS["regulator.approve"]["zh"]).click()
    early = api.post(f"/deals/{deal['id']}/approve", "regulator", {"reason": APPROVAL}).json()
    page.get_by_text(shown_refusal(early, "zh")).wait_for(timeout=TIMEOUT_MS)
    page.screenshot(path=SCREENSHOTS / "regulator-deals-zh.png", full_page=True)
    assert accessibility_violations(page) == []

    card.locator(f"#resolve-{objection_id}").fill(DISMISSAL)
    card.get_by_role("button", name=LABELS["regulator.resolve"]["zh"]).click()
    card.get_by_text(DISMISSAL).wait_for(timeout=TIMEOUT_MS)
    assert LABELS["objection_state.dismissed"]["zh"] in card.inner_text()

    api.clock.advance(days=PUBLICITY_DAYS, minutes=1)
    log_in(page, url, "regulator")  # five days on, the session has expired
    card.get_by_text(LABELS["notices.ended"]["zh"]).wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    card.get_by_role("button", name=LABELS["regulator.approve"]["en"]).wait_for()
    page.screenshot(path=SCREENSHOTS / "regulator-deals-en.png", full_page=True)
    assert accessibility_violations(page) == []
    card.locator(f"#decide-{deal['id']}").fill(APPROVAL)
    card.get_by_role("button", name=LABELS["regulator.approve"]["en"]).click()
    page.get_by_text(LABELS["regulator.no_deals"]["en"]).wait_for(timeout=TIMEOUT_MS)
    decided = api.ok(api.get(f"/deals/{deal['id']}", "regulator"), 200)
    assert (decided["state"], decided["decision_reason"]) == ("approved", APPROVAL)
    assert offline_page.blocked == []


def test_regulator_issues_lingshi_right_with_the_capacity_gauge(
    offline_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    plant = lingshi_plant(api)
    # deliverable: min(0.8 × 35 000, 27 400) = 27 400 m³/d × 365 d = 10 001 000 m³/yr
    assert plant["deliverable_annual_m3"] == 10_001_000
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, url, "regulator")
    page.goto(f"{url}/#/regulator/rights", wait_until="networkidle")
    page.locator(".holder").click()
    page.get_by_role("option", name="灵石县水利局").click()
    page.locator("#issue-volume").fill("720")  # seed 000: 720 万 m³/yr
    page.locator("#issue-daily").fill("21000")
    page.locator("#issue-start").fill("2021-08-15")
    page.locator("#issue-end").fill("2026-08-15")
    years = page.locator(".year")
    years.first.wait_for(timeout=TIMEOUT_MS)
    assert years.count() == 5
    # left each year: 1000.1 万 − 720 万 = 280.1 万 m³
    assert all("280.1" in y.inner_text() for y in years.all())
    page.screenshot(path=SCREENSHOTS / "regulator-issue-zh.png", full_page=True)
    assert accessibility_violations(page) == []
    page.get_by_role("button", name=LABELS["issue.submit"]["zh"]).click()
    page.get_by_role("status").wait_for(timeout=TIMEOUT_MS)
    (right,) = api.ok(api.get("/rights", "regulator"), 200)
    assert (right["annual_volume_m3"], right["term_end"]) == (7_200_000, "2026-08-15")

    page.locator("#issue-volume").fill("400")  # 400 万 more than the 280.1 万 left
    page.locator(".left.over").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name=LABELS["issue.submit"]["zh"]).click()
    error = page.locator(".el-form-item", has=page.locator("#issue-volume")).locator(
        ".el-form-item__error"
    )
    error.wait_for(timeout=TIMEOUT_MS)
    refused = api.post(
        "/rights",
        "regulator",
        {
            "holder_id": api.ids["bureau"],
            "plant_id": plant["id"],
            "annual_volume_m3": 4_000_000,
            "daily_max_m3": 21_000,
            "term_start": "2021-08-15",
            "term_end": "2026-08-15",
            "use_class": "industrial",
        },
    ).json()
    assert error.inner_text() == shown_refusal(refused, "zh")
    page.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    page.get_by_role("heading", name=LABELS["issue.title"]["en"]).wait_for()
    page.screenshot(path=SCREENSHOTS / "regulator-issue-en.png", full_page=True)
    assert accessibility_violations(page) == []
    assert offline_page.blocked == []
