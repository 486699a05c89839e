"""Alert rules the scheduler evaluates on stored data, on SQLite and PostgreSQL, on a clock the
test moves: a sensor that went silent (missing data).

The shipped missing-data rule (data/operations/alert_rules.yaml, a local choice) allows 3
missing readings; the sensors here report every 300 s, so a sensor is silent once its last
reading is more than 3 × 300 s = 900 s old.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from reclaim.service.scheduler import JOBS, Scheduler
from reclaim.store.models import AlertRecord
from tests.market.conftest import Backend
from tests.operations.test_ingest_store import backend, ingest, reading, region_id

__all__ = ["backend", "region_id"]

MISSING_DATA_JOB = [job for job in JOBS if job.name == "missing_data"]
LAST = datetime(2026, 3, 1, 11, 10, tzinfo=UTC)
"""P1's last reading (readings at 11:00, 11:05, 11:10)."""


class Clock:
    """The scheduler's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def silent(backend: Backend, region_id: int) -> Iterator[tuple[Scheduler, Clock]]:
    """P1 reported until 11:10 and stopped; Q1 reports every 5 minutes until 11:40; P2 never
    reported."""
    ingest(backend, region_id, [reading("P1", minute, 30.0) for minute in (0, 5, 10)])
    flows = [reading("Q1", minute, 12.0 + minute, "m3/h") for minute in range(0, 45, 5)]
    ingest(backend, region_id, flows, received_at=LAST + timedelta(minutes=35))
    clock = Clock(LAST)
    yield Scheduler(backend.db, clock, jobs=MISSING_DATA_JOB), clock


def run(scheduler: Scheduler) -> int | None:
    (job,) = scheduler.run_due()
    assert job.ran
    return job.result


def alerts(backend: Backend) -> list[tuple[str, str, datetime, datetime, int]]:
    query = select(
        AlertRecord.rule,
        AlertRecord.subject,
        AlertRecord.first_seen_at,
        AlertRecord.last_seen_at,
        AlertRecord.occurrences,
    ).where(AlertRecord.rule == "missing_data")
    return [tuple(row) for row in backend.db.run_read(lambda s: s.execute(query).all())]


def test_a_silent_sensor_is_alerted_after_n_intervals_and_folded_on_the_next_run(
    backend: Backend, silent: tuple[Scheduler, Clock]
) -> None:
    scheduler, clock = silent
    clock.now = LAST + timedelta(seconds=900)  # 11:25: the third missing reading is just due
    assert run(scheduler) == 0 and alerts(backend) == []
    clock.now = LAST + timedelta(seconds=900 + 300)  # 11:30: the lease of 5 minutes has passed
    assert run(scheduler) == 1
    due = LAST + timedelta(seconds=900)
    assert alerts(backend) == [("missing_data", "sensor:P1", due, clock.now, 1)]
    clock.now += timedelta(minutes=5)  # 11:35, Q1 still reporting (last 11:40), P2 never did
    assert run(scheduler) == 0  # the same silence: folded, not counted, not duplicated
    assert alerts(backend) == [("missing_data", "sensor:P1", due, clock.now, 1)]


def test_a_sensor_reporting_again_then_silent_again_is_a_new_occurrence(
    backend: Backend, region_id: int, silent: tuple[Scheduler, Clock]
) -> None:
    scheduler, clock = silent
    clock.now = LAST + timedelta(minutes=20)  # 11:30: P1 silent since 11:10
    assert run(scheduler) == 1
    ingest(backend, region_id, [reading("P1", 35, 31.0)], received_at=clock.now)
    clock.now = LAST + timedelta(minutes=35)  # 11:45: 11:35 + 900 s = 11:50 not yet passed
    assert run(scheduler) == 0
    clock.now = LAST + timedelta(minutes=45)  # 11:55: silent again since 11:35, due 11:50
    assert run(scheduler) == 1
    ((_, _, first, last, occurrences),) = alerts(backend)
    # one unresolved alert, the new silence folded into it as a second occurrence
    assert (first, last, occurrences) == (LAST + timedelta(seconds=900), clock.now, 2)
