"""The API documentation pages work in a browser that cannot reach the internet.

Swagger UI (/docs) and ReDoc (/redoc) load their scripts from the service itself (assets of the
fastapi-offline package); Chromium is cut off from every host but 127.0.0.1 and must still show
the operations, and must not even have tried to reach another host.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.web.conftest import OfflinePage

TIMEOUT_MS = 30_000
OPERATION_PATH = "/plans/run"
OPERATION_SUMMARY = "Run Scenario"
"""FastAPI's summary of `run_scenario`, the handler of POST /plans/run."""


def test_swagger_ui_lists_the_operations_offline(
    offline_page: OfflinePage, site_url: str, tmp_path: Path
) -> None:
    page = offline_page.page
    page.goto(f"{site_url}/docs", wait_until="networkidle")
    operation = page.locator(".opblock-summary", has_text=OPERATION_PATH).first
    operation.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert OPERATION_SUMMARY in operation.inner_text()
    assert page.locator(".opblock").count() >= 25
    page.screenshot(path=tmp_path / "docs.png", full_page=False)
    assert offline_page.blocked == []


def test_redoc_lists_the_operations_offline(
    offline_page: OfflinePage, site_url: str, tmp_path: Path
) -> None:
    page = offline_page.page
    page.goto(f"{site_url}/redoc", wait_until="networkidle")
    page.get_by_role("menuitem", name="planning").click()
    entry = page.get_by_role("menuitem", name=OPERATION_SUMMARY)
    entry.wait_for(state="visible", timeout=TIMEOUT_MS)
    heading = page.locator("h2", has_text=OPERATION_SUMMARY).first
    heading.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
    assert heading.is_visible()
    assert page.locator("h2").count() >= 25  # one heading per operation
    page.screenshot(path=tmp_path / "redoc.png", full_page=False)
    assert offline_page.blocked == []


def test_the_docs_pages_name_no_outside_host(site_url: str) -> None:
    for path in ("/docs", "/redoc"):
        html = httpx.get(f"{site_url}{path}").text
        assert "<script" in html
        for reference in ("http://", "https://", "//cdn", "fonts.googleapis"):
            assert reference not in html.replace(site_url, ""), (path, reference)
