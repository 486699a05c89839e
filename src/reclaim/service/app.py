"""The FastAPI application: routers, and one error shape for every refusal.

401 no or bad token (reason given), 403 role or ownership, 404 unknown id or path, 405 wrong
method, 409 state conflict, 413 body too long, 422 bad input, 429 throttled, 500 a fault; each
body names the field, the value, the reason and a stable `code` (`reclaim.errors.ErrorCode`).
Nothing is written when a request is refused: each request is one transaction.
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

from reclaim.errors import ErrorCode, InputError
from reclaim.market.errors import ConflictError, ForbiddenError, MarketRefusal, NotFoundError
from reclaim.service.access import authorize, unruled_routes
from reclaim.service.auth import AuthError, TooManyAttempts
from reclaim.service.context import ExchangeContext
from reclaim.service.docs import add_offline_docs
from reclaim.service.limits import BodyLimit
from reclaim.service.observability import Metrics, RequestObserver
from reclaim.service.plan_jobs import PlanJobs
from reclaim.service.portal import add_portal
from reclaim.service.refusal import excerpt, refusal
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
        (401, "no valid bearer token; `code` says why (token_missing, token_expired, …)"),
        (403, "the caller's role or ownership does not allow this"),
        (404, "an id that names nothing the caller may see"),
        (405, "the path exists, but not with this method"),
        (409, "the current state forbids it (capacity used up, listing closed, sold already)"),
        (413, "the body is longer than this route takes (see reclaim.service.limits)"),
        (422, "bad input: `field`, `value` (cut to a short excerpt), what is allowed, `errors`"),
        (500, "a fault of the service: logged, no internals in the body"),
    )
}
STATUS_OF_REFUSAL: dict[type[MarketRefusal], tuple[int, str]] = {
    NotFoundError: (404, "not_found"),
    ConflictError: (409, "conflict"),
    ForbiddenError: (403, "forbidden"),
}
CODE_OF_PYDANTIC_ERROR: dict[str, ErrorCode] = {
    "missing": ErrorCode.FIELD_MISSING,
    "extra_forbidden": ErrorCode.FIELD_UNKNOWN,
    "json_invalid": ErrorCode.NOT_JSON,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.OUT_OF_RANGE,
    "string_too_short": ErrorCode.WRONG_LENGTH,
    "string_too_long": ErrorCode.WRONG_LENGTH,
    "too_short": ErrorCode.WRONG_LENGTH,
    "too_long": ErrorCode.WRONG_LENGTH,
    "string_pattern_mismatch": ErrorCode.WRONG_FORMAT,
    "enum": ErrorCode.WRONG_FORMAT,
    "literal_error": ErrorCode.WRONG_FORMAT,
    "value_error": ErrorCode.WRONG_FORMAT,
    "decimal_max_places": ErrorCode.WRONG_FORMAT,
    "decimal_max_digits": ErrorCode.WRONG_FORMAT,
    "decimal_whole_digits": ErrorCode.WRONG_FORMAT,
    "timezone_aware": ErrorCode.WRONG_FORMAT,
}
"""pydantic's error types → codes; any other `*_type` or `*_parsing` error is `wrong_type`."""
CODES = {code.value: code for code in ErrorCode}


def code_of_pydantic_error(kind: str) -> ErrorCode:
    """The code of one pydantic validation error, by its `type`."""
    if kind in CODE_OF_PYDANTIC_ERROR:
        return CODE_OF_PYDANTIC_ERROR[kind]
    if kind in CODES:  # a check of ours raised `PydanticCustomError(code, reason)`
        return CODES[kind]
    if kind.endswith(("_type", "_parsing")):
        return ErrorCode.WRONG_TYPE
    return ErrorCode.INVALID_INPUT


async def _on_input_error(_request: Request, error: Exception) -> JSONResponse:
    """Bad input found after the schema: every problem the checks found, listed in `errors`."""
    assert isinstance(error, InputError)
    listed = [
        {
            "field": problem.field,
            "value": _shown(problem.field, problem.value),
            "reason": problem.allowed,
            "code": problem.error_code.value,
        }
        for problem in error.problems[:LISTED_ERRORS]
    ]
    top = listed[0]
    return refusal(
        422,
        "invalid_input",
        error.field,
        top["value"],
        error.allowed,
        code=error.error_code,
        errors=listed,
    )


async def _on_refusal(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MarketRefusal)
    status, kind = STATUS_OF_REFUSAL[type(error)]
    return refusal(status, kind, error.field, error.value, error.reason, code=error.error_code)


async def _on_auth_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuthError)
    return refusal(401, "unauthorized", error.field, None, error.reason, code=error.error_code)


async def _on_throttled(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TooManyAttempts)
    return refusal(
        429,
        "too_many_attempts",
        error.field,
        error.value,
        error.reason,
        code=ErrorCode.TOO_MANY_ATTEMPTS,
        headers={"Retry-After": str(error.retry_after_s)},
    )


def _field_of(location: tuple[Any, ...]) -> str:
    """A field as the client named it: the body's, query's or header's own name, dotted."""
    return ".".join(str(part) for part in location[1:]) or str(location[0])


def _shown(field: str, value: Any) -> Any:
    """A value as a refusal repeats it: a secret masked, anything else cut to an excerpt."""
    return SECRET_MASK if "password" in field or field in SECRET_FIELDS else excerpt(value)


def _problem(problem: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as a refusal item (`field`, `value`, `reason`, `code`)."""
    field = _field_of(tuple(problem["loc"]))
    return {
        "field": field,
        "value": _shown(field, problem.get("input")),
        "reason": problem["msg"],
        "code": code_of_pydantic_error(problem["type"]).value,
    }


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
            code=ErrorCode.NOT_JSON,
        )
    listed = [_problem(problem) for problem in problems[:LISTED_ERRORS]]
    top = listed[0]
    return refusal(
        422,
        "invalid_input",
        top["field"],
        top["value"],
        top["reason"],
        code=code_of_pydantic_error(first["type"]),
        errors=listed,
    )


HTTP_REFUSALS: dict[int, tuple[str, ErrorCode, str]] = {
    404: ("path", ErrorCode.NOT_FOUND, "a path of this API (see /docs or /openapi.json)"),
    405: ("method", ErrorCode.METHOD_NOT_ALLOWED, "a method this path takes (see `Allow`)"),
}
"""Refusals of the router itself: the field, code and reason of each status."""


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    """Routing and body-parsing refusals (unknown path, wrong method, a body JSON cannot hold)."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.__cause__ is not None:
        return refusal(
            422, "invalid_input", "body", None, UNREADABLE_BODY, code=ErrorCode.UNREADABLE_BODY
        )
    field, code, reason = HTTP_REFUSALS.get(
        error.status_code, ("request", ErrorCode.INVALID_INPUT, str(error.detail))
    )
    value = {"path": request.url.path, "method": request.method}.get(field)
    return refusal(
        error.status_code,
        "refused",
        field,
        value,
        reason,
        code=code,
        headers=dict(error.headers or {}),
    )


async def _on_integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    return refusal(
        409,
        "conflict",
        "request",
        None,
        "conflicts with a concurrent change; nothing was written",
        code=ErrorCode.CONCURRENT_CHANGE,
    )


async def _on_server_error(_request: Request, _exc: Exception) -> JSONResponse:
    """Any other exception: 500 naming no internals (the log has the exception)."""
    return refusal(
        500,
        "server_error",
        "request",
        None,
        "the service failed to answer; the fault is logged for its operator",
        code=ErrorCode.SERVER_ERROR,
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
    app.add_exception_handler(Exception, _on_server_error)
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
