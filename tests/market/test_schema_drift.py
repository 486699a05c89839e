"""The schema the migrations build is the one the models describe, on SQLite and PostgreSQL: a
column, constraint or index added to one and not the other fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reclaim.store.models import Base
from tests.market.conftest import Backend

POSTGRESQL_ONLY = {"ix_readings_ts_brin"}
"""Indexes the migrations make on PostgreSQL only (a BRIN index on the partitioned readings),
which the models, shared with SQLite, do not declare."""


def _compared(obj: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
    return not (kind == "index" and reflected and name in POSTGRESQL_ONLY)


def test_the_migrated_schema_matches_the_models(backend: Backend) -> None:
    with backend.db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _compared, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
