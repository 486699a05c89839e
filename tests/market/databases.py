"""Whole databases of their own for the operations tests (readiness, backup and restore), which
stop, rename or restore a database, so they cannot share the schema-per-test databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from tests.market.conftest import PG_URL


def admin_engine() -> Engine:
    """An autocommit connection to the server's maintenance database (CREATE/DROP DATABASE)."""
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(kind: str, tmp_path: Path, name: str = "db") -> Iterator[str]:
    """The URL of a new, empty database of `kind` (sqlite: a file not yet made), dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    database = f"reclaim_ops_{name}_{uuid.uuid4().hex[:12]}"
    engine = admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        engine.dispose()


def set_connections_allowed(url: str, allowed: bool) -> None:
    """Stop (or restart) a PostgreSQL database without stopping the shared server: refuse new
    connections and end every open one, or accept connections again."""
    database = make_url(url).database
    engine = admin_engine()
    with engine.connect() as connection:
        connection.execute(
            text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        )
        if not allowed:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
    engine.dispose()
