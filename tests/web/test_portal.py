"""The portal at / loads offline in Chromium, in Chinese first, and switches to English.

Labels come from the catalogue web/src/i18n/labels.json; the test reads the expected words from
that file, so a page showing a hard-coded or untranslated word fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.web.conftest import OfflinePage

TIMEOUT_MS = 30_000
LABELS = json.loads(
    (Path(__file__).parents[2] / "web" / "src" / "i18n" / "labels.json").read_text("utf-8")
)
SCREENSHOTS = Path(os.environ.get("RECLAIM_SCREENSHOTS", "out/screenshots"))
"""Where the browser tests leave their screenshots (artefacts, never committed)."""


def test_the_portal_is_served_at_the_root_with_its_own_assets(site_url: str) -> None:
    html = httpx.get(f"{site_url}/").text
    assert '<div id="app">' in html
    for reference in ("http://", "https://", "//cdn"):
        assert reference not in html, reference
    assert httpx.get(f"{site_url}/portal/favicon.svg").status_code == 200


def test_the_public_page_loads_offline_in_chinese_then_english(
    offline_page: OfflinePage, site_url: str
) -> None:
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{site_url}/", wait_until="networkidle")
    title = page.locator("header h1")
    title.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert title.inner_text() == LABELS["app.title"]["zh"]
    assert page.get_by_role("heading", name=LABELS["public.price_index"]["zh"]).is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "public-zh.png")

    page.get_by_role("group", name=LABELS["app.language"]["zh"]).get_by_role(
        "button", name="English"
    ).click()
    page.get_by_role("heading", name=LABELS["public.price_index"]["en"]).wait_for(
        timeout=TIMEOUT_MS
    )
    assert title.inner_text() == LABELS["app.title"]["en"]
    page.screenshot(path=SCREENSHOTS / "public-en.png")
    assert offline_page.blocked == []


def test_every_label_has_both_languages() -> None:
    for key, entry in LABELS.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key


def test_the_catalogue_names_every_value_the_api_sends() -> None:
    """Modes, deal and objection states and use classes show in words, never as API codes."""
    from reclaim.io.market_data import load_exchange_rules
    from reclaim.market.rules import DealState, ListingMode, ObjectionState

    kinds = {
        "mode": [m.value for m in ListingMode],
        "deal_state": [s.value for s in DealState],
        "objection_state": [s.value for s in ObjectionState],
        "use_class": list(load_exchange_rules().use_classes),
    }
    missing = [f"{kind}.{value}" for kind, values in kinds.items() for value in values]
    assert [key for key in missing if key not in LABELS] == []
