"""Browser fixtures: Debian's Chromium driven by Playwright, on a machine with no internet.

`offline_page` opens a page whose every request to a host other than 127.0.0.1 is aborted and
recorded in `page.blocked`, so a test proves both what the page shows and that it reached
nothing outside. `site_url` serves the exchange live (uvicorn, SQLite) for the browser.
Playwright's own driver comes in its wheel; it never downloads a browser (`chromium` comes from
apt, see scripts/bootstrap.sh).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from tests.market.conftest import open_backend, serving
from tests.market.helpers import FAST_HASHER, Api, Clock

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1"})


class OfflinePage:
    """A page plus the outside requests it attempted (each aborted)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocked: list[str] = []

    def guard(self, route: Route) -> None:
        """Let loopback requests through; abort and record any other."""
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[OfflinePage]:
    """A fresh browser context whose network ends at 127.0.0.1."""
    context = browser.new_context()
    offline = OfflinePage(context.new_page())
    context.route("**/*", offline.guard)
    yield offline
    context.close()


@pytest.fixture
def site_url(tmp_path: Path) -> Iterator[str]:
    """The exchange served live over a fresh SQLite database; its base URL."""
    for backend in open_backend("sqlite", tmp_path / "site"):
        context = ExchangeContext(
            backend.db, load_exchange_rules(), load_price_schedules(), Clock(), FAST_HASHER
        )
        with serving(create_app(context)) as url:
            yield url


@pytest.fixture
def live_exchange(tmp_path: Path) -> Iterator[tuple[str, Api]]:
    """The exchange served live over a fresh SQLite database: its base URL, and an API client
    of the same server (an administrator and a regulator made) to set the scene over HTTP."""
    for backend in open_backend("sqlite", tmp_path / "exchange"):
        clock = Clock()
        context = ExchangeContext(
            backend.db, load_exchange_rules(), load_price_schedules(), clock, FAST_HASHER
        )
        with serving(create_app(context)) as url, httpx.Client(base_url=url, timeout=60) as client:
            yield url, Api(client, backend.db, context.rules, clock)


AXE_SCRIPT = Path(__file__).parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, installed from npm by the project's install step (web/package-lock.json)."""
BLOCKING_IMPACTS = ("serious", "critical")


def accessibility_violations(page: Page) -> list[str]:
    """The serious and critical WCAG violations axe-core finds on the page as it stands, one line
    each (rule, impact, first offending element)."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, target: String(v.nodes[0].target)}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['target']}"
        for v in found
        if v["impact"] in BLOCKING_IMPACTS
    ]
