"""What the service is doing: a request id on every request, one JSON log line per request, and
Prometheus metrics (requests, latencies, refusals, database pool, scheduler jobs).

A log line carries the method, the route template, the status, the time taken and the request id;
never a body, a header, a query string, a password or a token. Metrics are labelled by route
template (not the path, whose ids would make one series per record) and refusal kind.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""An id sent by a proxy is kept only if it is this plain; anything else is replaced."""
UNMATCHED_ROUTE = "<unmatched>"
REFUSAL_BODY_BYTES = 4096
"""Refusal bodies are short (field/value/reason); only this much is read for their kind."""
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("reclaim.access")


class PoolCollector(Collector):
    """The database pool's connections at scrape time: checked out, idle, overflow, size."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge, labelled by state, read from the pool when Prometheus scrapes."""
        family = GaugeMetricFamily(
            "reclaim_db_pool_connections", "Database pool connections by state", labels=["state"]
        )
        pool: Any = self.engine.pool
        for state in ("size", "checkedout", "checkedin", "overflow"):
            reader = getattr(pool, state, None)
            if callable(reader):
                family.add_metric([state], float(reader()))
        yield family


class Metrics:
    """The service's metrics, in a registry of its own (one per app, so that tests that build
    many apps never share counters)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "reclaim_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reclaim_http_request_duration_seconds",
            "Time to answer a request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.refusals = Counter(
            "reclaim_http_refusals",
            "Refused requests by route template, status and kind (the body's `error`)",
            ["route", "status", "error"],
            registry=self.registry,
        )
        self.job_runs = Counter(
            "reclaim_scheduler_job_runs",
            "Runs of the scheduler's timed jobs, by job and outcome (ok, failed)",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.registry.register(PoolCollector(engine))

    def job_ran(self, job: str, ok: bool) -> None:
        """Count one run of a scheduler job."""
        self.job_runs.labels(job=job, outcome="ok" if ok else "failed").inc()


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID if it is plain, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if REQUEST_ID_PATTERN.fullmatch(given):
                return given
    return uuid.uuid4().hex


def _refusal_kind(body: bytes) -> str:
    try:
        kind = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return "unknown"
    return kind if isinstance(kind, str) and len(kind) <= 40 else "unknown"


class RequestObserver:
    """ASGI middleware: gives each request an id (answered in X-Request-ID), logs it as one
    JSON line and counts it in the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Observe one HTTP request; pass anything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        refusal = bytearray()
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            self._record(scope, status, time.perf_counter() - started, bytes(refusal))

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                if status >= 400:
                    refusal.extend(message.get("body", b"")[: REFUSAL_BODY_BYTES - len(refusal)])
                if not message.get("more_body", False):
                    record()  # before the client has the answer: counted and logged in order
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            if not recorded:  # no answer sent (an error ServerErrorMiddleware answers 500)
                record()
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float, refusal: bytes) -> None:
        """Count the request in the metrics and write its log line."""
        route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        if status >= 400:
            self.metrics.refusals.labels(route, str(status), _refusal_kind(refusal)).inc()
        client = scope.get("client")
        access_log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "client": client[0] if client else None,
            },
        )


LOG_FIELDS = ("method", "route", "status", "duration_ms", "client", "job")
"""Extra fields a log call may attach; nothing else from a record is written."""


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the known extra
    fields; an exception as its type and frames, never its message (a database error's message
    quotes the statement's parameters)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        line.update({name: getattr(record, name) for name in LOG_FIELDS if hasattr(record, name)})
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["at"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


class CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever `sys.stderr` is when a record is emitted, not the one
    that was current when logging was set up (which a test runner may since have closed)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current stderr; nothing to set."""


def configure_logging(level: str, stream: Any = None) -> None:
    """Send every log record (reclaim's, uvicorn's, libraries') as JSON lines to `stream`
    (the current stderr by default), at `level` and above."""
    handler = CurrentStderr() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
