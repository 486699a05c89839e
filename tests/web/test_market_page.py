"""The market page: two buyers bid on the Lingshi ascending auction at once, each in their own
browser context; each sees the best bid but only their own bids; a bid not above the best is
refused at the price field; a sealed auction shows nothing of others; the mode filter works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.market.helpers import Api
from tests.web.conftest import OfflinePage, accessibility_violations
from tests.web.test_login_page import log_in, shown_refusal
from tests.web.test_portal import LABELS, SCREENSHOTS, TIMEOUT_MS

LINGSHI_RIGHTS_M3_PER_YEAR = 7_200_000  # seed 000: 720 万 m³/yr
LOT_M3_PER_YEAR = 2_400_000  # illustrative: a third of the right
LINGSHI_SEWAGE_M3_PER_DAY = 35_000  # as tests/market/test_lingshi_story.py
LINGSHI_RECLAIMED_M3_PER_DAY = 27_400
RESERVE = "2.60"


@pytest.fixture
def second_page(browser: Browser) -> Iterator[OfflinePage]:
    """Another buyer's browser: its own context (cookies), network ending at 127.0.0.1."""
    context = browser.new_context()
    offline = OfflinePage(context.new_page())
    context.route("**/*", offline.guard)
    yield offline
    context.close()


def lingshi_right(api: Api) -> dict[str, Any]:
    """Lingshi's right of 720 万 m³/yr for five years, issued to the bureau; two coking buyers."""
    region = api.add_region("lingshi", "灵石县")
    api.add_party("bureau", "seller", display_name="灵石县水利局")
    api.add_party("hongyuan", "buyer", display_name="宏源焦化", use_class="industrial")
    api.add_party("jiuxin", "buyer", display_name="九鑫焦化", use_class="industrial")
    plant = api.ok(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {
                "name": "灵石县污水处理厂",
                "sewage_treated_m3_per_day": LINGSHI_SEWAGE_M3_PER_DAY,
                "reclaimed_capacity_m3_per_day": LINGSHI_RECLAIMED_M3_PER_DAY,
                "operator_id": api.ids["bureau"],
            },
        )
    )
    right: dict[str, Any] = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["bureau"],
                "plant_id": plant["id"],
                "annual_volume_m3": LINGSHI_RIGHTS_M3_PER_YEAR,
                "daily_max_m3": 21_000,
                "term_start": "2021-08-15",
                "term_end": "2026-08-15",
                "use_class": "industrial",
            },
        )
    )
    return right


def lingshi_auctions(api: Api) -> dict[str, Any]:
    """Lingshi's right with an ascending and a sealed lot of 240 万 m³/yr each."""
    right = lingshi_right(api)
    lot = {
        "right_id": right["id"],
        "annual_volume_m3": LOT_M3_PER_YEAR,
        "daily_max_m3": 7_000,
        "term_start": "2021-08-15",
        "term_end": "2026-08-15",
        "delivery_point": "焦化园区",
        "reserve_yuan_per_m3": RESERVE,
        "closes_at": (api.clock() + timedelta(days=3)).isoformat(),
    }
    return {
        mode: api.ok(api.post("/listings", "bureau", {**lot, "mode": mode}))
        for mode in ("ascending", "sealed")
    }


def bid(page: Page, listing_id: int, price: str) -> None:
    card = page.locator(f".listing[data-listing='{listing_id}']")
    card.locator(f"#price-{listing_id}").fill(price)
    card.get_by_role("button", name=LABELS["market.bid"]["zh"]).click()


def test_two_buyers_bid_at_once_and_see_only_their_own_bids(
    offline_page: OfflinePage, second_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    lots = lingshi_auctions(api)
    ascending, sealed = lots["ascending"]["id"], lots["sealed"]["id"]
    hongyuan, jiuxin = offline_page.page, second_page.page
    for page, who in ((hongyuan, "hongyuan"), (jiuxin, "jiuxin")):
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, url, who)
        page.locator(f".listing[data-listing='{ascending}']").wait_for(timeout=TIMEOUT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    bid(hongyuan, ascending, "2.70")
    hongyuan.locator(".my-bid", has_text="2.70").wait_for(timeout=TIMEOUT_MS)
    bid(jiuxin, ascending, "2.70")  # not above the best: refused at the price field
    error = jiuxin.locator(f".listing[data-listing='{ascending}'] .el-form-item__error")
    error.wait_for(timeout=TIMEOUT_MS)
    refused = api.post(f"/listings/{ascending}/bids", "jiuxin", {"price_yuan_per_m3": "2.70"})
    assert error.inner_text() == shown_refusal(refused.json(), "zh")
    bid(jiuxin, ascending, "2.85")
    bid(jiuxin, sealed, "3.10")
    jiuxin.locator(".my-bid", has_text="3.10").wait_for(timeout=TIMEOUT_MS)
    jiuxin.screenshot(path=SCREENSHOTS / "market-zh.png", full_page=True)
    assert accessibility_violations(jiuxin) == []

    hongyuan.reload(wait_until="networkidle")
    best = hongyuan.locator(f".listing[data-listing='{ascending}'] .best-bid")
    best.wait_for(timeout=TIMEOUT_MS)
    assert best.inner_text() == "2.85"  # the best bid of an ascending auction is public
    page_text = hongyuan.locator("main").inner_text()
    assert "3.10" not in page_text  # jiuxin's sealed bid never reaches hongyuan
    assert [b.inner_text().split()[0] for b in hongyuan.locator(".my-bid").all()] == ["2.70"]
    sealed_card = hongyuan.locator(f".listing[data-listing='{sealed}']")
    assert LABELS["market.sealed"]["zh"] in sealed_card.inner_text()

    hongyuan.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    hongyuan.get_by_role("heading", name=LABELS["market.title"]["en"]).wait_for()
    hongyuan.locator(".filters .el-select").first.click()
    hongyuan.get_by_role("option", name=LABELS["mode.sealed"]["en"]).click()
    hongyuan.locator(f".listing[data-listing='{ascending}']").wait_for(state="detached")
    assert hongyuan.locator(".listing").count() == 1
    hongyuan.screenshot(path=SCREENSHOTS / "market-en.png", full_page=True)
    assert accessibility_violations(hongyuan) == []
    assert offline_page.blocked == [] and second_page.blocked == []
