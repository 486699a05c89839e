"""Probes for a load balancer or systemd (is the process alive, is it ready to serve) and the
Prometheus metrics."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from reclaim.errors import ErrorCode
from reclaim.service.context import context_of
from reclaim.service.field_docs import Documented
from reclaim.service.observability import Metrics
from reclaim.service.schemas import ErrorOut
from reclaim.store.health import check_ready

router = APIRouter(tags=["operations"])


class ProbeOut(Documented):
    """A probe that passed."""

    status: Literal["ok"] = "ok"


@router.get("/healthz", response_model=ProbeOut)
def healthz() -> ProbeOut:
    """The process is alive and answers HTTP (the database is not consulted)."""
    return ProbeOut()


@router.get(
    "/readyz",
    response_model=ProbeOut,
    responses={503: {"model": ErrorOut, "description": "the database cannot serve; why"}},
)
def readyz(request: Request) -> Any:
    """The database answers and its schema is at the newest migration; 503 naming what is not."""
    problem = check_ready(context_of(request).db.engine)
    if problem is None:
        return ProbeOut()
    body = {"error": "not_ready", "code": ErrorCode.NOT_READY.value, **problem.__dict__}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, latencies, refusals, database pool, scheduler jobs. For
    the administrator, or a scraper on the loopback address."""
    registry = request.app.state.metrics
    assert isinstance(registry, Metrics)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
