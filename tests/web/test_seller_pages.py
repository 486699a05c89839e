"""The seller's rights page: Lingshi's 720 万 m³/yr right year by year, a listing made through the
form (an ascending auction of 240 万 m³/yr), a volume above the free one refused at its field."""

from __future__ import annotations

from tests.market.helpers import Api
from tests.web.conftest import OfflinePage, accessibility_violations
from tests.web.test_login_page import log_in, shown_refusal
from tests.web.test_market_page import LINGSHI_RIGHTS_M3_PER_YEAR, RESERVE, lingshi_right
from tests.web.test_portal import LABELS, SCREENSHOTS, TIMEOUT_MS

TERM_YEARS = 5  # seed 000: five years


def test_seller_sees_rights_year_by_year_and_lists_an_auction(
    offline_page: OfflinePage, live_exchange: tuple[str, Api]
) -> None:
    url, api = live_exchange
    right = lingshi_right(api)
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, url, "bureau")
    card = page.locator(f".right[data-right='{right['id']}']")
    card.wait_for(timeout=TIMEOUT_MS)  # a seller's home is this page
    free = card.locator(".free")
    assert free.count() == TERM_YEARS  # 2021-08-15 to 2026-08-15: five yearly periods
    assert free.first.inner_text() == "720"  # 7 200 000 m³ = 720 万 m³, none listed yet

    card.get_by_text(LABELS["mode.ascending"]["zh"]).click()
    card.locator(f"#volume-{right['id']}").fill("800")  # 800 万 m³ > 720 万 m³ free
    card.locator(f"#daily-{right['id']}").fill("7000")
    card.locator(f"#point-{right['id']}").fill("焦化园区")
    card.locator(f"#reserve-{right['id']}").fill(RESERVE)
    card.locator(f"#closes-{right['id']}").fill("2021-08-13T09:00")
    card.get_by_role("button", name=LABELS["seller.list"]["zh"]).click()
    error = card.locator(".el-form-item", has=page.locator(f"#volume-{right['id']}")).locator(
        ".el-form-item__error"
    )
    error.wait_for(timeout=TIMEOUT_MS)
    lot = {
        "right_id": right["id"],
        "mode": "ascending",
        "annual_volume_m3": 8_000_000,
        "daily_max_m3": 7_000,
        "term_start": right["term_start"],
        "term_end": right["term_end"],
        "delivery_point": "焦化园区",
        "reserve_yuan_per_m3": RESERVE,
        "closes_at": "2021-08-13T09:00:00Z",
    }
    refused = api.post("/listings", "bureau", lot).json()
    assert error.inner_text() == shown_refusal(refused, "zh")
    page.screenshot(path=SCREENSHOTS / "seller-rights-refusal-zh.png", full_page=True)
    assert accessibility_violations(page) == []

    card.locator(f"#volume-{right['id']}").fill("240")
    card.get_by_role("button", name=LABELS["seller.list"]["zh"]).click()
    card.get_by_role("status").wait_for(timeout=TIMEOUT_MS)
    (listing,) = api.ok(api.get("/listings", "bureau", mine="true"), 200)
    assert (listing["mode"], listing["annual_volume_m3"]) == ("ascending", 2_400_000)
    assert (listing["reserve_yuan_per_m3"], listing["closes_at"][:16]) == (
        RESERVE,
        "2021-08-13T09:00",
    )
    card.locator(".free", has_text="480").first.wait_for(timeout=TIMEOUT_MS)  # 720 − 240
    assert LINGSHI_RIGHTS_M3_PER_YEAR - 2_400_000 == 4_800_000
    page.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    page.get_by_role("heading", name=LABELS["seller.rights_title"]["en"]).wait_for()
    page.screenshot(path=SCREENSHOTS / "seller-rights-en.png", full_page=True)
    assert accessibility_violations(page) == []
    assert offline_page.blocked == []
