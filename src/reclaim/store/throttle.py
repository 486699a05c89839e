"""Attempt counters kept in the database, so that every service worker sees the same ones.

`claim_attempt` counts an attempt before the expensive or abusable work is done (a password
check, a public objection), under the counter row's lock: many simultaneous attempts are
counted one by one, and an attempt made during the wait is refused without running anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reclaim.market.access import ThrottlePolicy
from reclaim.store.models import Base, Throttle


def insert_or_ignore(session: Session, model: type[Base], values: dict[str, object]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; rows inserted (0 or 1)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: psycopg reports no reliable rowcount for ON CONFLICT DO NOTHING
    # through SQLAlchemy, which made the first lease on a fresh PostgreSQL database look taken.
    statement = insert(model).values(**values).on_conflict_do_nothing()
    key_columns = list(inspect(model).primary_key)
    inserted = session.execute(statement.returning(*key_columns)).first()
    return 0 if inserted is None else 1


def claim_attempt(
    session: Session, key: str, policy: ThrottlePolicy, now: datetime
) -> datetime | None:
    """Count one attempt against `key`: None if it may go ahead, else when it may try again."""
    insert_or_ignore(session, Throttle, {"key": key, "attempts": 0, "window_started_at": now})
    row = session.get(Throttle, key, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.blocked_until is not None and now < row.blocked_until:
        return row.blocked_until
    if now - row.window_started_at >= policy.window:
        row.attempts, row.window_started_at = 0, now
    row.attempts += 1
    delay = policy.delay_after(row.attempts)
    row.blocked_until = now + delay if delay else None
    session.flush()
    return None


def forgive_attempt(session: Session, key: str) -> None:
    """Take back one counted attempt (it succeeded), leaving any wait already set."""
    session.execute(
        update(Throttle)
        .where(Throttle.key == key, Throttle.attempts > 0)
        .values(attempts=Throttle.attempts - 1)
    )


def reset_attempts(session: Session, key: str) -> None:
    """Forget the attempts against `key` (a successful login clears its account's count)."""
    session.execute(
        update(Throttle).where(Throttle.key == key).values(attempts=0, blocked_until=None)
    )
