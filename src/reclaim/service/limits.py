"""How much the service takes from one request: body size per route, plan-run size, plan workers.

All of the service's size limits are declared here, in one place (the two body limits are also
settings, `service/settings.py`); `BodyLimit` (middleware) and the plan routes read them.
Trading bodies are a few hundred bytes, so their limit is small; a plan run carries a whole
scenario (the Shuozhou example is about 20 kB as JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reclaim.errors import ErrorCode, InputError
from reclaim.planning.scenario import Scenario
from reclaim.service.refusal import refusal

KIB = 1024
DEFAULT_BODY_BYTES = 32 * KIB
"""Every route but a plan run and a readings batch, unless set otherwise
(RECLAIM_BODY_LIMIT_BYTES): trading, registry, accounts. The largest such body is a plant whose
2000-character source note is all escaped CJK (2000 × 6 bytes)."""
PLAN_RUN_BODY_BYTES = 512 * KIB
"""`POST /plans/run`, unless set otherwise (RECLAIM_PLAN_BODY_LIMIT_BYTES): a whole scenario."""
PLAN_RUN_ROUTE = ("POST", "/plans/run")
READINGS_BODY_BYTES = 4 * 1024 * KIB
"""`POST /regions/{region_id}/readings`: a batch of up to `READINGS_PER_REQUEST` readings."""
READINGS_ROUTE = ("POST", "/regions/{region_id}/readings")
READINGS_PER_REQUEST = 10_000
"""Readings one ingest request carries at most (issue 13: 10⁴); a larger batch is refused (413).
A reading is about 100 bytes of JSON or 60 of CSV, so 10⁴ of them fit the route's 4 MiB body."""
READINGS_PAGE = 10_000
"""Stored readings one query returns at most (`limit`)."""
AGGREGATE_SPAN_DAYS: dict[str, int] = {"15min": 31, "1h": 92, "1D": 366}
"""The longest span one aggregate query covers, per period: at 5-minute readings about 9,000,
26,000 and 105,000 readings read to answer it."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest body taken: by a plan run, and by every other route (both are settings),
    and by a readings batch (fixed: it follows `READINGS_PER_REQUEST`)."""

    default_bytes: int = DEFAULT_BODY_BYTES
    plan_run_bytes: int = PLAN_RUN_BODY_BYTES

    def by_route(self) -> dict[tuple[str, str], int]:
        """(method, route path) → the largest body taken, for the routes not at the default;
        later file and batch routes belong here."""
        return {PLAN_RUN_ROUTE: self.plan_run_bytes, READINGS_ROUTE: READINGS_BODY_BYTES}

    def for_request(self, method: str, path: str) -> tuple[int, str]:
        """The largest body, in bytes, that a request takes, and the route the limit is set
        for."""
        for (route_method, route), limit in self.by_route().items():
            if method == route_method and _route_pattern(route).match(path):
                return limit, f"{method} {route}"
        return self.default_bytes, f"{method} {path}"


@cache
def _route_pattern(route: str) -> re.Pattern[str]:
    return compile_path(route)[0]


DRAIN_BYTES = 4 * 1024 * KIB
"""A body declared too large is read and dropped up to this much before the 413 is sent, so the
client reads the answer instead of a reset connection; beyond it the connection is closed."""

PLAN_COUNT_LIMITS: dict[str, int] = {
    "horizons": 20,
    "uses": 500,
    "plants": 100,
    "pump_stations": 200,
    "pipes": 5_000,
    "published": 2_000,
    "uncertainty": 100,
    "costs.items": 2_000,
    "network.nodes": 5_000,
    "network.links": 5_000,
}
"""The most items of each list a scenario sent to `POST /plans/run` may have."""
PLAN_DEPTH = 16
"""The deepest nesting of objects and arrays in a scenario (a real one is about 6 deep)."""
PLAN_WORKERS = 2
"""Threads computing plan runs, beside the request threads."""
PLAN_QUEUE = 16
"""Plan runs waiting or running at once; a further one is refused with 429 until one ends."""


def check_nesting(document: Any, most: int = PLAN_DEPTH) -> None:
    """Refuse a document nested deeper than `most` (checked without recursion)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > most:
            raise InputError(
                "body",
                f"nested {depth} deep",
                f"at most {most} levels of nesting",
                ErrorCode.UNREADABLE_BODY,
            )
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)


def check_plan_size(scenario: Scenario) -> None:
    """Refuse a scenario with more items in any list than `PLAN_COUNT_LIMITS` allows."""
    for path, most in PLAN_COUNT_LIMITS.items():
        items: Any = scenario
        for part in path.split("."):
            items = getattr(items, part, None) if items is not None else None
        if items is not None and len(items) > most:
            raise InputError(
                path,
                f"{len(items)} items",
                f"at most {most} items in a plan run",
                ErrorCode.WRONG_LENGTH,
            )


class BodyLimit:
    """ASGI middleware: a body longer than its route's limit is answered 413, field `body`.

    The limit is that of the route the request's path matches (`BodyLimits.for_request`); a
    declared Content-Length is checked before anything is read, a chunked body as it arrives.
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the body's size against the route's limit, then pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, route = self.limits.for_request(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _drain(receive)
            await _too_large(scope, receive, send, declared.decode("latin-1"), limit, route)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                if message.get("more_body", False):
                    await _drain(receive)
                await _too_large(scope, receive, send, f"more than {limit}", limit, route)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _drain(receive: Receive) -> None:
    """Read and drop what is left of a body, up to `DRAIN_BYTES`."""
    dropped = 0
    while dropped <= DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _too_large(
    scope: Scope, receive: Receive, send: Send, size: str, limit: int, route: str
) -> None:
    response = refusal(
        413,
        "too_large",
        "body",
        f"{size} bytes",
        f"a body of at most {limit} bytes for {route}",
        code=ErrorCode.BODY_TOO_LARGE,
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
