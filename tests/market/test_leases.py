"""The database lease that lets several service workers run each timed job once.

Regression: on PostgreSQL the first lease on a fresh database was reported as not taken (the
insert's rowcount was read as 0), so each job's first run waited for a lease nobody held.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from reclaim.store.leases import acquire_lease

from .conftest import BACKENDS, Backend, open_backend

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TEN_MINUTES = timedelta(minutes=10)


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request.param, tmp_path)


def take(backend: Backend, holder: str, now: datetime) -> bool:
    with Session(backend.db.engine) as session, session.begin():
        return acquire_lease(session, "daily_ledger_head", holder, now, TEN_MINUTES)


def test_first_lease_on_a_fresh_database_is_taken_then_held_until_it_expires(
    fresh: Backend,
) -> None:
    assert take(fresh, "worker-1", START) is True
    assert take(fresh, "worker-2", START + timedelta(minutes=5)) is False  # still held
    assert take(fresh, "worker-2", START + TEN_MINUTES) is True  # expired exactly at 10 min
    assert take(fresh, "worker-1", START + TEN_MINUTES) is False  # worker-2 holds it now
