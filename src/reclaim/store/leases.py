"""Named leases in the database: among several service workers, one holds a lease at a time.

A lease is taken with one atomic statement — an UPDATE of an expired row, or an INSERT of a new
one that does nothing if the row exists — so two workers never both get it, on SQLite (one
writer at a time) and on PostgreSQL (the row lock, and the primary key for the first INSERT).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from reclaim.store.models import Lease
from reclaim.store.throttle import insert_or_ignore


def acquire_lease(
    session: Session, name: str, holder: str, now: datetime, duration: timedelta
) -> bool:
    """Take the lease `name` until `now + duration` if nobody holds it; True if taken."""
    expires_at = now + duration
    renewed = session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.expires_at <= now)
        .values(holder=holder, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(renewed, CursorResult)
    if renewed.rowcount == 1:
        return True
    values = {"name": name, "holder": holder, "expires_at": expires_at}
    return insert_or_ignore(session, Lease, values) == 1
