"""The public pages, in a browser with no internet, over an exchange with one concluded trade and
one deal in publicity (公示): the trade and its price index, the notice with its countdown on the
exchange's clock, a public objection filed through the form, and a refusal shown at its field.
"""

from __future__ import annotations

from typing import Any

from tests.market.helpers import Api, traded_contract
from tests.web.conftest import OfflinePage, accessibility_violations
from tests.web.test_login_page import shown_refusal
from tests.web.test_portal import LABELS, SCREENSHOTS, TIMEOUT_MS

PUBLICITY_DAYS = 5
SECOND_LOT_M3_PER_YEAR = 500_000  # illustrative
SECOND_LOT_M3_PER_DAY = 2_000


def seconds_left(text: str) -> int:
    """The seconds a countdown shows: `公示剩余 4 天 23:59:58` → 431 998."""
    prefix = LABELS["notices.ends_in"]["zh"]
    assert text.startswith(prefix), text
    parts = text.removeprefix(prefix).split()
    days = int(parts[0]) if len(parts) == 3 else 0
    hours, minutes, seconds = (int(p) for p in parts[-1].split(":"))
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def deal_in_publicity(api: Api) -> dict[str, Any]:
    """A second right of the traded region's seller, listed at a fixed price and accepted: a deal
    open to objection for PUBLICITY_DAYS from the exchange's now."""
    plant_id = api.ok(api.get(f"/regions/{api.region_id}/plants", "regulator"), 200)[0]["id"]
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["seller"],
                "plant_id": plant_id,
                "annual_volume_m3": SECOND_LOT_M3_PER_YEAR,
                "daily_max_m3": SECOND_LOT_M3_PER_DAY,
                "term_start": "2022-01-01",
                "term_end": "2026-12-31",
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
                "annual_volume_m3": SECOND_LOT_M3_PER_YEAR,
                "daily_max_m3": SECOND_LOT_M3_PER_DAY,
                "term_start": "2022-01-01",
                "term_end": "2026-12-31",
                "delivery_point": "gate",
                "reserve_yuan_per_m3": "2.80",
            },
        )
    )
    deal: dict[str, Any] = api.ok(api.post(f"/listings/{listing['id']}/accept", "buyer"))
    return deal


def test_public_pages_show_trades_notices_and_take_an_objection(
    offline_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    contract = traded_contract(api, publicity_days=PUBLICITY_DAYS)
    deal = deal_in_publicity(api)
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{url}/#/trades", wait_until="networkidle")
    row = page.locator(".el-table__row").first
    row.wait_for(timeout=TIMEOUT_MS)
    # 1 000 000 m³/yr = 100 万 m³/yr; the price exactly as the contract has it
    assert "100" in row.inner_text() and contract["price_yuan_per_m3"] in row.inner_text()
    page.screenshot(path=SCREENSHOTS / "trades-zh.png")
    assert accessibility_violations(page) == []

    page.goto(f"{url}/#/notices", wait_until="networkidle")
    countdown = page.locator(f".countdown[data-deal='{deal['id']}']")
    countdown.wait_for(timeout=TIMEOUT_MS)
    # the deal was just accepted: 5 days of publicity left on the exchange's clock (its test
    # clock stands still; the page counts down from it), not on the browser's 2026 clock
    left = seconds_left(countdown.inner_text())
    assert PUBLICITY_DAYS * 86_400 - 60 <= left <= PUBLICITY_DAYS * 86_400
    page.get_by_role("button", name=LABELS["notices.object"]["zh"]).click()
    page.get_by_role("button", name=LABELS["notices.submit"]["zh"]).click()
    field = page.locator(".el-form-item", has=page.locator("#grounds"))
    message = field.locator(".el-form-item__error")
    message.wait_for(timeout=TIMEOUT_MS)  # empty grounds: refused by the API, shown at the field
    refused = api.client.post(
        f"/public/deals/{deal['id']}/objections", json={"grounds": "", "contact": "x"}
    ).json()
    assert refused["field"] == "grounds"
    assert message.inner_text() == shown_refusal(refused, "zh")
    page.screenshot(path=SCREENSHOTS / "notices-refusal-zh.png")

    grounds = "水量超出该厂剩余能力"
    page.locator("#grounds").fill(grounds)
    page.locator("#contact").fill("13800000000")
    page.get_by_role("button", name=LABELS["notices.submit"]["zh"]).click()
    page.get_by_text(LABELS["notices.filed"]["zh"]).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(grounds).wait_for(timeout=TIMEOUT_MS)
    page.screenshot(path=SCREENSHOTS / "notices-zh.png", full_page=True)
    assert accessibility_violations(page) == []
    # the one trade: concluded in its month, volume-weighted price 2.60, index 100 (its own base)
    month = contract["concluded_at"][:7]
    page.goto(f"{url}/#/prices", wait_until="networkidle")
    index_row = page.locator(".el-table__row", has_text=month)
    index_row.wait_for(timeout=TIMEOUT_MS)
    assert "100.00" in index_row.inner_text() and "2.6" in index_row.inner_text()
    page.screenshot(path=SCREENSHOTS / "prices-zh.png")
    assert accessibility_violations(page) == []
    page.goto(f"{url}/#/ledger", wait_until="networkidle")
    page.get_by_text(LABELS["ledger.none"]["zh"]).wait_for(timeout=TIMEOUT_MS)
    assert accessibility_violations(page) == []
    objections = api.ok(api.get(f"/deals/{deal['id']}/objections", "regulator"), 200)
    assert [(o["grounds"], o["contact"]) for o in objections] == [(grounds, "13800000000")]
    assert "13800000000" not in page.content()  # the contact reaches the regulator only
    assert offline_page.blocked == []


def test_a_refused_load_shows_the_refusal_then_clears_when_the_load_works(
    offline_page: OfflinePage, site_url: str
) -> None:
    """Every page loads through one composable (web/src/load.js) and shows a refused load in one
    alert (LoadFailure.vue): the refusal's reason under the catalogue's "could not load" title;
    once the service answers, the alert is gone and the page's data is shown."""
    page = offline_page.page
    reason = "the service has as much of this work queued as it takes; retry later"
    refusal = {"field": None, "value": None, "reason": reason, "code": "busy"}
    page.route(
        "**/public/ledger/heads",
        lambda route: route.fulfill(status=503, json=refusal),
    )
    page.goto(f"{site_url}/#/ledger", wait_until="networkidle")
    alert = page.locator(".el-alert--error")
    alert.wait_for(timeout=TIMEOUT_MS)
    assert LABELS["error.load"]["zh"] in alert.inner_text()
    assert reason in alert.inner_text()  # "busy" has no catalogue entry: the API's own reason

    page.unroute("**/public/ledger/heads")
    page.goto(f"{site_url}/#/trades", wait_until="networkidle")
    page.goto(f"{site_url}/#/ledger", wait_until="networkidle")
    page.get_by_text(LABELS["ledger.none"]["zh"]).wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".el-alert--error").count() == 0
    assert offline_page.blocked == []
