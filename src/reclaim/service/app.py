"""The FastAPI application: routers, and one error shape for every refusal.

401 no or bad token (reason given), 403 role or ownership, 404 unknown id, 409 state conflict,
422 bad input; each body names the field, the value and the reason. Nothing is written when a
request is refused: each request is one transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError, MarketRefusal, NotFoundError
from reclaim.service.access import authorize, unruled_routes
from reclaim.service.auth import AuthError
from reclaim.service.context import ExchangeContext
from reclaim.service.docs import add_offline_docs
from reclaim.service.limits import BodyLimit
from reclaim.service.plan_jobs import PlanJobs
from reclaim.service.refusal import refusal
from reclaim.service.routers import (
    accounts,
    operations,
    plans,
    public,
    registry,
    settlement,
    trading,
)
from reclaim.service.schemas import ErrorOut

SECRET_MASK = "***"
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
    return _error(401, "unauthorized", "Authorization", None, error.reason)


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
    value = SECRET_MASK if "password" in field else first.get("input")
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


def create_app(context: ExchangeContext) -> FastAPI:
    """The HTTP API over one exchange context (store, rules, clock); every route has an access
    rule (reclaim.service.access), enforced before it runs."""
    app = FastAPI(
        title="reclaim exchange",
        description="Reclaimed-water (再生水) rights: registry, trading, publicity, contracts, "
        "settlement, public prices.",
        version="1",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],
    )
    add_offline_docs(app)
    app.state.exchange = context
    app.state.plan_jobs = PlanJobs(context.db, context.clock)
    app.add_middleware(BodyLimit)
    app.add_exception_handler(InputError, _on_input_error)
    for kind in STATUS_OF_REFUSAL:
        app.add_exception_handler(kind, _on_refusal)
    app.add_exception_handler(AuthError, _on_auth_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    for module in (accounts, registry, trading, settlement, public, plans, operations):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    missing = unruled_routes(app)
    if missing:
        raise RuntimeError(f"routes without an access rule in reclaim.service.access: {missing}")
    return app
