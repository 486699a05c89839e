"""/healthz and /readyz over HTTP on a live server: readiness fails while the database is gone
or behind the newest migration, and comes back when the database does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from reclaim.store.db import Database
from reclaim.store.health import head_revisions
from tests.market.conftest import BACKENDS, served
from tests.market.databases import fresh_database, set_connections_allowed
from tests.market.helpers import FAST_HASHER, Clock

FIRST_REVISION = "0001"


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of its own (a whole PostgreSQL database, not a schema)."""
    with fresh_database(request.param, tmp_path, "ready") as url:
        database = Database.from_url(url)
        database.upgrade()
        try:
            yield database
        finally:
            database.dispose()


def context_over(database: Database) -> ExchangeContext:
    rules = load_exchange_rules()
    return ExchangeContext(database, rules, load_price_schedules(), Clock(), FAST_HASHER)


def test_healthz_answers_without_the_database(database: Database) -> None:
    with served(create_app(context_over(database))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_fails_while_the_database_is_stopped_and_recovers(
    database: Database, tmp_path: Path
) -> None:
    with served(create_app(context_over(database))) as client:
        assert client.get("/readyz").status_code == 200
        if database.engine.dialect.name == "sqlite":
            path = Path(str(database.engine.url.database))
            moved = tmp_path / "moved-away.db"
            path.rename(moved)
            down = client.get("/readyz")
            moved.rename(path)
        else:
            url = database.engine.url.render_as_string(hide_password=False)
            set_connections_allowed(url, False)
            try:
                down = client.get("/readyz")
            finally:
                set_connections_allowed(url, True)
        assert down.status_code == 503
        body = down.json()
        assert (body["error"], body["field"]) == ("not_ready", "database")
        assert "does not answer" in body["reason"]
        assert str(database.engine.url.database) not in down.text  # no path or URL echoed
        assert client.get("/readyz").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_readyz_fails_when_the_schema_is_behind_the_newest_migration(database: Database) -> None:
    (head,) = head_revisions()
    assert head != FIRST_REVISION
    with served(create_app(context_over(database))) as client:
        database.run(
            lambda s: s.execute(
                text("UPDATE alembic_version SET version_num = :old"), {"old": FIRST_REVISION}
            )
        )
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert (behind.json()["field"], behind.json()["value"]) == ("schema", FIRST_REVISION)
        assert head in behind.json()["reason"]
        database.run(
            lambda s: s.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
        )
        assert client.get("/readyz").status_code == 200
