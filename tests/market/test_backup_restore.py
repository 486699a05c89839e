"""`reclaim db backup` under load and `reclaim db restore` into an empty database, on SQLite and
PostgreSQL, run as an operator would (a separate process) against a live server.

A writer thread reports deliveries over HTTP (each one a delivery, a bill and four ledger
postings) while the backup runs. After each of its writes it records every table, so the states
the database went through are known; the restored database must equal exactly one of them, taken
while the backup ran: every row of every table, no half-written request, the ledger chain whole.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from reclaim.cli.main import app
from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from reclaim.store.db import Database
from tests.market.conftest import BACKENDS, served
from tests.market.databases import fresh_database
from tests.market.helpers import (
    FAST_HASHER,
    Api,
    Clock,
    drop_append_only_triggers,
    snapshot,
    traded_contract,
)

FIRST_DAY = date(2021, 9, 1)
"""The traded contract's first day (helpers.traded_contract)."""
LAST_DAY_CLOCK = datetime(2026, 8, 31, 9, 0, tzinfo=UTC)
"""The contract's last day (term to 2026-09-01, exclusive)."""
WRITES_BEFORE_BACKUP = 5
WRITES_AFTER_BACKUP = 3

Tables = dict[str, list[tuple[Any, ...]]]


def reclaim(*args: str) -> Result:
    """The command line, run in this process (the backup's own work is the same)."""
    return CliRunner().invoke(app, list(args))


def digest(tables: Tables) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of the rows, per table."""
    return {
        name: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for name, rows in tables.items()
    }


@pytest.fixture(params=BACKENDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def source(kind: str, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """A migrated database of its own (a whole PostgreSQL database) and its URL."""
    with fresh_database(kind, tmp_path, "source") as url:
        database = Database.from_url(url)
        database.upgrade()
        try:
            yield url, database
        finally:
            database.dispose()


@pytest.fixture
def api(source: tuple[str, Database]) -> Iterator[Api]:
    """A live server over the source database, with a traded contract."""
    _url, database = source
    clock, rules = Clock(), load_exchange_rules()
    context = ExchangeContext(database, rules, load_price_schedules(), clock, FAST_HASHER)
    with served(create_app(context)) as client:
        api = Api(client, database, rules, clock)
        api.contract = traded_contract(api)  # type: ignore[attr-defined]
        clock.now = LAST_DAY_CLOCK  # years of days the writer may report
        yield api


class Writer(threading.Thread):
    """Reports one delivery a day over HTTP until stopped, recording every table after each."""

    def __init__(self, api: Api) -> None:
        super().__init__(daemon=True)
        self.base_url = str(api.client.base_url)
        self.headers = api.headers("operator")
        self.path = f"/contracts/{api.contract['id']}/deliveries"  # type: ignore[attr-defined]
        self.db = api.db
        self.states: list[Tables] = [snapshot(api.db)]
        self.stop = threading.Event()
        self.written = threading.Semaphore(0)
        self.failure: str | None = None

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            day = FIRST_DAY
            while not self.stop.is_set():
                body = {"day": day.isoformat(), "volume_m3": 1000 + len(self.states)}
                response = client.post(self.path, json=body, headers=self.headers)
                if response.status_code != 201:
                    self.failure = response.text
                    return
                self.states.append(snapshot(self.db))
                self.written.release()
                day += timedelta(days=1)


def test_a_backup_under_load_restores_every_row_and_the_ledger(
    kind: str, source: tuple[str, Database], api: Api, tmp_path: Path
) -> None:
    url, _database = source
    writer = Writer(api)
    writer.start()
    for _ in range(WRITES_BEFORE_BACKUP):
        assert writer.written.acquire(timeout=60), writer.failure
    started_at = len(writer.states) - 1
    out = tmp_path / "exchange.backup"
    made = reclaim("db", "backup", "--db", url, "--out", str(out))
    ended_at = len(writer.states) - 1
    for _ in range(WRITES_AFTER_BACKUP):
        assert writer.written.acquire(timeout=60), writer.failure
    writer.stop.set()
    writer.join(timeout=60)
    assert writer.failure is None, writer.failure
    assert made.exit_code == 0, made.output
    assert out.stat().st_size > 0

    with fresh_database(kind, tmp_path, "restored") as target:
        restored = reclaim("db", "restore", "--db", target, "--from", str(out))
        assert restored.exit_code == 0, restored.output
        assert "ledger ok" in restored.stdout and "action log ok" in restored.stdout
        copy = Database.from_url(target)
        try:
            tables = snapshot(copy)
        finally:
            copy.dispose()
    assert tables["ledger_entries"], "the backup holds the traded contract's bills"
    assert tables["action_log"], "the backup holds the log of the actions that made them"
    matches = [i for i, state in enumerate(writer.states) if digest(state) == digest(tables)]
    assert matches, "the restored database equals no state the source went through"
    # a state that existed while the backup ran (one write may land as pg_dump starts)
    assert started_at <= matches[0] <= ended_at + 1, (started_at, matches, ended_at)
    assert len(writer.states) - 1 >= WRITES_BEFORE_BACKUP + WRITES_AFTER_BACKUP


def test_restore_refuses_a_database_that_holds_tables(
    source: tuple[str, Database], api: Api, tmp_path: Path
) -> None:
    url, database = source
    out = tmp_path / "exchange.backup"
    assert reclaim("db", "backup", "--db", url, "--out", str(out)).exit_code == 0
    before = snapshot(database)
    refused = reclaim("db", "restore", "--db", url, "--from", str(out))
    assert refused.exit_code == 2
    assert "--db" in refused.stderr and "accounts" in refused.stderr
    assert "empty database" in refused.stderr
    assert snapshot(database) == before
    again = reclaim("db", "backup", "--db", url, "--out", str(out))
    assert again.exit_code == 2 and "does not exist yet" in again.stderr


def test_restore_reports_a_ledger_edited_before_the_backup(
    kind: str, source: tuple[str, Database], api: Api, tmp_path: Path
) -> None:
    url, database = source
    contract = api.contract  # type: ignore[attr-defined]
    body = {"day": "2021-10-01", "volume_m3": 1000}
    api.ok(api.post(f"/contracts/{contract['id']}/deliveries", "operator", body))
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entries SET amount_yuan = 1 WHERE seq = 2"))
    out = tmp_path / "exchange.backup"
    assert reclaim("db", "backup", "--db", url, "--out", str(out)).exit_code == 0
    with fresh_database(kind, tmp_path, "restored") as target:
        restored = reclaim("db", "restore", "--db", target, "--from", str(out))
    assert restored.exit_code == 1
    assert "ledger is broken at entry 2" in restored.stderr
    assert "do not serve" in restored.stderr


def test_restore_reports_an_action_log_edited_before_the_backup(
    kind: str, source: tuple[str, Database], api: Api, tmp_path: Path
) -> None:
    url, database = source
    drop_append_only_triggers(database.engine)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE action_log SET reason = 'nobody did it' WHERE seq = 2"))
    out = tmp_path / "exchange.backup"
    assert reclaim("db", "backup", "--db", url, "--out", str(out)).exit_code == 0
    with fresh_database(kind, tmp_path, "restored") as target:
        restored = reclaim("db", "restore", "--db", target, "--from", str(out))
    assert restored.exit_code == 1
    assert "action log is broken at entry 2" in restored.stderr
    assert "do not serve" in restored.stderr
