"""Fixtures of the exchange tests: every store/API test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh schema (migrated by Alembic, dropped afterwards), so runs never see
each other's rows. An unreachable PostgreSQL fails these tests; it never skips them.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.market.rules import ExchangeRules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from reclaim.store.db import Database, upgrade_schema
from tests.market.helpers import FAST_HASHER, Api, Clock

PG_URL = os.environ.get(
    "RECLAIM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/reclaim_test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Backend:
    """A migrated (to `revision`), empty database of one kind, and the URL that reaches it."""

    def __init__(self, kind: str, tmp_path: Path, revision: str = "head") -> None:
        self.kind = kind
        self.schema: str | None = None
        if kind == "sqlite":
            tmp_path.mkdir(parents=True, exist_ok=True)
            self.url = f"sqlite:///{tmp_path / 'exchange.db'}"
        else:
            self.schema = f"test_{uuid.uuid4().hex[:16]}"
            with create_engine(PG_URL).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        self.db = Database.from_url(self.url)
        upgrade_schema(self.db.engine, revision)

    def close(self) -> None:
        """Dispose of the pool and drop the PostgreSQL schema."""
        self.db.dispose()
        if self.schema is not None:
            engine = create_engine(PG_URL)
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            engine.dispose()


def open_backend(kind: str, tmp_path: Path) -> Iterator[Backend]:
    """Yield a fresh backend and clean it up."""
    backend = Backend(kind, tmp_path)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    yield from open_backend(request.param, tmp_path)


@pytest.fixture(scope="session")
def rules() -> ExchangeRules:
    """The exchange rules shipped in the package."""
    return load_exchange_rules()


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves by hand (publicity periods, auction closes, token expiry)."""
    return Clock()


@pytest.fixture
def app(backend: Backend, clock: Clock, rules: ExchangeRules) -> FastAPI:
    """The FastAPI application over the backend, on the test clock."""
    context = ExchangeContext(
        db=backend.db,
        rules=rules,
        schedules=load_price_schedules(),
        clock=clock,
        hasher=FAST_HASHER,
    )
    return create_app(context)


@pytest.fixture
def api(app: FastAPI, backend: Backend, clock: Clock, rules: ExchangeRules) -> Iterator[Api]:
    """A client of the API, with a regulator already registered."""
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Api(client, backend.db, rules, clock)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server did not start")
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The base URL of the app served live (uvicorn on loopback) over the backend."""
    with serving(app) as url:
        yield url


@contextmanager
def served(app: FastAPI) -> Iterator[httpx.Client]:
    """`app` served by uvicorn on 127.0.0.1 (a free port); a client of it."""
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


@pytest.fixture
def live_api(app: FastAPI, backend: Backend, clock: Clock, rules: ExchangeRules) -> Iterator[Api]:
    """The API served over HTTP by a live server (uvicorn), on the test clock."""
    with served(app) as client:
        yield Api(client, backend.db, rules, clock)


class ServiceClock(Clock):
    """A testing service's own time: the test clock underneath, plus the offset that only HTTP
    moves (PUT /testing/clock)."""

    def __init__(self, context: ExchangeContext, base: Clock) -> None:
        self.context = context
        self.base = base

    def __call__(self) -> datetime:
        return self.context.now()

    @property  # type: ignore[override]
    def now(self) -> datetime:
        """The test clock underneath."""
        return self.base.now

    @now.setter
    def now(self, value: datetime) -> None:
        self.base.now = value

    def advance(self, **delta: float) -> None:
        """Move the test clock underneath."""
        self.base.advance(**delta)


@pytest.fixture
def testing_api(
    backend: Backend, clock: Clock, rules: ExchangeRules
) -> Iterator[tuple[Api, ExchangeContext]]:
    """A service started for testing (as RECLAIM_TESTING=1 does), its scheduler ticking every
    0.1 s; the test moves its clock over HTTP only (PUT /testing/clock)."""
    context = ExchangeContext(
        backend.db,
        rules,
        load_price_schedules(),
        clock,
        FAST_HASHER,
        testing=True,
        run_scheduler=True,
        scheduler_tick_s=0.1,
    )
    with served(create_app(context)) as client:
        yield Api(client, backend.db, rules, ServiceClock(context, clock)), context
