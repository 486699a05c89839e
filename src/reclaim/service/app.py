"""The FastAPI application: routers, and one error shape for every refusal.

401 no or bad token (reason given), 403 role or ownership, 404 unknown id, 409 state conflict,
422 bad input; each body names the field, the value and the reason. Nothing is written when a
request is refused: each request is one transaction.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError, MarketRefusal, NotFoundError
from reclaim.service.access import authorize, unruled_routes
from reclaim.service.auth import AuthError, TooManyAttempts
from reclaim.service.context import ExchangeContext
from reclaim.service.docs import add_offline_docs
from reclaim.service.limits import BodyLimit
from reclaim.service.observability import Metrics, RequestObserver
from reclaim.service.plan_jobs import PlanJobs
from reclaim.service.portal import add_portal
from reclaim.service.refusal import refusal
from reclaim.service.routers import (
    accounts,
    actions,
    alerts,
    bills,
    exports,
    operations,
    plans,
    public,
    publicity,
    readings,
    registry,
    sensors,
    settlement,
    testing,
    trading,
)
from reclaim.service.scheduler import JOBS, Scheduler, lifespan_with
from reclaim.service.schemas import ErrorOut
from reclaim.service.webhooks import notification_job
from reclaim.store.db import MAX_CONNECTIONS

SECRET_MASK = "***"
SECRET_FIELDS = frozenset({"code"})
"""Body fields besides passwords whose value a refusal never echoes (a reset code)."""
LISTED_ERRORS = 10
"""Problems listed in a 422 besides the first; a body with a million bad items lists ten."""
UNREADABLE_BODY = (
    "a JSON document whose numbers have at most 4300 digits and whose arrays and objects nest "
    "less deeply than the parser follows"
)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (401, "no valid bearer token; `reason` says why (missing, invalid, expired)"),
        (403, "the caller's role or ownership does not allow this"),
        (404, "an id that names nothing the caller may see"),
        (409, "the current state forbids it (capacity used up, listing closed, sold already)"),
        (413, "the body is longer than this route takes (see reclaim.service.limits)"),
        (422, "bad input: `field`, `value` (cut to a short excerpt) and what is allowed"),
    )
}
STATUS_OF_REFUSAL: dict[type[MarketRefusal], tuple[int, str]] = {
    NotFoundError: (404, "not_found"),
    ConflictError: (409, "conflict"),
    ForbiddenError: (403, "forbidden"),
}


def _error(status: int, error: str, field: str, value: Any, reason: str) -> JSONResponse:
    return refusal(status, error, field, value, reason)


async def _on_input_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InputError)
    return _error(422, "invalid_input", error.field, error.value, error.allowed)


async def _on_refusal(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MarketRefusal)
    status, kind = STATUS_OF_REFUSAL[type(error)]
    return _error(status, kind, error.field, error.value, error.reason)


async def _on_auth_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuthError)
    return _error(401, "unauthorized", error.field, None, error.reason)


async def _on_throttled(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TooManyAttempts)
    response = _error(429, "too_many_attempts", error.field, error.value, error.reason)
    response.headers["Retry-After"] = str(error.retry_after_s)
    return response


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    first = problems[0]
    if first["type"] == "json_invalid":
        position = first["loc"][-1]
        text = error.body if isinstance(error.body, str) else ""
        return refusal(
            422,
            "invalid_input",
            "body",
            text[max(0, position - 20) : position + 20] if isinstance(position, int) else None,
            f"a JSON document: {first.get('ctx', {}).get('error', 'not JSON')} at {position}",
        )
    field = ".".join(str(part) for part in first["loc"][1:]) or str(first["loc"][0])
    value = SECRET_MASK if "password" in field or field in SECRET_FIELDS else first.get("input")
    listed = [
        {"field": ".".join(map(str, e["loc"])), "reason": e["msg"]}
        for e in problems[:LISTED_ERRORS]
    ]
    return refusal(422, "invalid_input", field, value, first["msg"], errors=listed)


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    """Routing and body-parsing refusals (unknown path, wrong method, a body JSON cannot hold)."""
    assert isinstance(error, StarletteHTTPException)
    cause = error.__cause__
    if error.status_code == 400 and cause is not None:
        return refusal(422, "invalid_input", "body", None, UNREADABLE_BODY)
    field = {404: "path", 405: "method"}.get(error.status_code, "request")
    return refusal(
        error.status_code,
        "refused",
        field,
        None,
        str(error.detail),
        headers=dict(error.headers or {}),
    )


async def _on_integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    return _error(
        409, "conflict", "request", None, "conflicts with a concurrent change; nothing was written"
    )


IN_FLIGHT_LIMIT = MAX_CONNECTIONS - 2
"""Requests served at once: fewer than the pooled connections (the scheduler keeps one) and the
worker threads (40), so a request that holds a connection always finds a thread to finish on;
the rest wait in the event loop, holding nothing."""


class InFlightLimit:
    """ASGI middleware: at most `limit` HTTP requests inside the application at once; each
    request's transaction is closed when it ends."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.semaphore: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wait for a free slot, then serve."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.semaphore is None:
            self.semaphore = anyio.Semaphore(self.limit)
        async with self.semaphore:
            try:
                await self.app(scope, receive, send)
            finally:  # the request's transaction ends with it (committed by the route, if any)
                transaction = scope.get("state", {}).get("transaction")
                if transaction is not None:
                    await anyio.to_thread.run_sync(transaction.close)


def operation_id(route: APIRoute) -> str:
    """`tag-handler` (e.g. `public-trades`): the names the generated portal client calls."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(context: ExchangeContext) -> FastAPI:
    """The HTTP API over one exchange context (store, rules, clock), with its timed jobs; every
    route has an access rule (reclaim.service.access), enforced before it runs."""
    metrics = Metrics(context.db.engine)
    scheduler = Scheduler(
        context.db,
        context.now,
        jobs=(*JOBS, notification_job(context.webhooks)),
        on_run=metrics.job_ran,
    )
    app = FastAPI(
        lifespan=lifespan_with(
            scheduler if context.run_scheduler else None, context.scheduler_tick_s
        ),
        title="reclaim exchange",
        description="Reclaimed-water (再生水) rights: registry, trading, publicity, contracts, "
        "settlement, public prices.",
        version="1",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],
        generate_unique_id_function=operation_id,
    )
    add_offline_docs(app)
    add_portal(app)
    app.state.exchange = context
    app.state.scheduler = scheduler
    app.state.plan_jobs = PlanJobs(context.db, context.now)
    app.add_middleware(BodyLimit, limits=context.body_limits)
    app.add_middleware(InFlightLimit, limit=IN_FLIGHT_LIMIT)
    app.state.metrics = metrics
    app.add_middleware(RequestObserver, metrics=metrics)  # outermost: sees every answer
    app.add_exception_handler(InputError, _on_input_error)
    for kind in STATUS_OF_REFUSAL:
        app.add_exception_handler(kind, _on_refusal)
    app.add_exception_handler(AuthError, _on_auth_error)
    app.add_exception_handler(TooManyAttempts, _on_throttled)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    for module in (
        accounts,
        registry,
        trading,
        publicity,
        settlement,
        public,
        plans,
        operations,
        sensors,
        readings,
        actions,
        exports,
        alerts,
        bills,
        testing,
    ):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    missing = unruled_routes(app)
    if missing:
        raise RuntimeError(f"routes without an access rule in reclaim.service.access: {missing}")
    return app
