"""Is the database ready to serve: it answers, and its schema is at the newest migration.

On SQLite the file is opened afresh at its path (read-write, never created), because the pool's
open connections keep working on a file that was moved or deleted; a fresh connection also never
takes the write lock that the pool's `BEGIN IMMEDIATE` would. On PostgreSQL the check goes
through the service's own pool, which pings each connection before use.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

SQLITE_PROBE_TIMEOUT_S = 2.0
REVISION_QUERY = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class NotReady:
    """Why the database cannot serve: the part that failed, what was found, and why."""

    field: str
    value: str | None
    reason: str


@cache
def head_revisions() -> frozenset[str]:
    """The newest Alembic revision(s) shipped with this version of reclaim."""
    from alembic.script import ScriptDirectory

    from reclaim.store.db import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> frozenset[str]:
    """Every Alembic revision shipped with this version of reclaim."""
    from alembic.script import ScriptDirectory

    from reclaim.store.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite engine (None for an in-memory database or another dialect)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def _sqlite_revisions(path: Path) -> set[str]:
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    connection = sqlite3.connect(uri, uri=True, timeout=SQLITE_PROBE_TIMEOUT_S)
    try:
        return {row[0] for row in connection.execute(REVISION_QUERY)}
    finally:
        connection.close()


def _pooled_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {str(value) for value in connection.execute(text(REVISION_QUERY)).scalars()}


def check_ready(engine: Engine) -> NotReady | None:
    """None when the database answers and is migrated to head; otherwise what is wrong."""
    path = sqlite_path(engine)
    try:
        found = _sqlite_revisions(path) if path is not None else _pooled_revisions(engine)
    except (sqlite3.Error, DBAPIError) as error:
        if "alembic_version" in str(error):
            return NotReady("schema", None, "the database has no migration record: not migrated")
        return NotReady("database", None, f"the database does not answer ({type(error).__name__})")
    heads = head_revisions()
    if found != heads:
        value = ",".join(sorted(found)) or None
        return NotReady(
            "schema", value, f"the schema is not at the newest migration {','.join(sorted(heads))}"
        )
    return None
