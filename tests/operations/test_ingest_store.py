"""The ingest entry point on SQLite and PostgreSQL: stored once, duplicates counted, quarantine
with payload and reason, devices limited to their sensors, alerts opened and folded.

Expected figures are worked by hand in the comments (unit factors are definitions: 1 MPa ≙ 100 m
by the planning convention of seed 001 §4.3.2; the free-head rule of the shipped alert rules:
15 m, deadband 1 m, on-delay 600 s = two 5-minute readings).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from reclaim.market.errors import ForbiddenError
from reclaim.store.models import AlertRecord, Device, QuarantinedReading, Reading, Region, Sensor
from reclaim.store.readings import IngestOutcome, Source, ingest_readings
from tests.market.conftest import BACKENDS, Backend
from tests.operations.stored_region import seed_region

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def region_id(backend: Backend) -> int:
    """A region with two devices: dev-1 sends P1, Q1 and T1; dev-2 sends P2."""
    sensors = {
        "dev-1": [
            ("P1", "pressure", 100.0),
            ("Q1", "flow", 500.0),
            ("T1", "volume_totaliser", 1e9),
        ],
        "dev-2": [("P2", "pressure", 100.0)],
    }
    return seed_region(backend, "r", sensors, NOW)


def ingest(
    backend: Backend, region_id: int, rows: list[dict[str, Any]], **options: Any
) -> IngestOutcome:
    options = {"received_at": NOW, "source": Source.HTTP, **options}
    return backend.db.run(lambda s: ingest_readings(s, rows, region_id=region_id, **options))


def reading(sensor: str, minute: int, value: Any, unit: str = "m") -> dict[str, Any]:
    return {"sensor": sensor, "ts": f"2026-03-01T11:{minute:02d}:00Z", "value": value, "unit": unit}


def stored(backend: Backend) -> list[tuple[str, int, float]]:
    query = (
        select(Sensor.code, Reading.ts, Reading.value)
        .join(Sensor, Sensor.id == Reading.sensor_id)
        .order_by(Sensor.code, Reading.ts)
    )
    return [(c, t.minute, v) for c, t, v in backend.db.run_read(lambda s: s.execute(query).all())]


def test_readings_are_stored_once_and_duplicates_counted(backend: Backend, region_id: int) -> None:
    rows = [reading("P1", 0, 25.0), reading("P1", 5, 0.24, "MPa"), reading("P1", 0, 25.0)]
    first = ingest(backend, region_id, rows)
    # the third row repeats the first within the batch: counted, not stored
    assert (first.accepted, first.duplicates, first.quarantined) == (2, 1, 0)
    again = ingest(backend, region_id, rows)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 3, 0)
    # 0.24 MPa = 24 m
    assert stored(backend) == [("P1", 0, 25.0), ("P1", 5, pytest.approx(24.0))]


def test_out_of_order_readings_are_accepted(backend: Backend, region_id: int) -> None:
    ingest(backend, region_id, [reading("T1", 10, 300.0, "m3")])
    late = ingest(
        backend, region_id, [reading("T1", 0, 100.0, "m3"), reading("T1", 5, 200.0, "m3")]
    )
    assert late.accepted == 2
    assert [row[1:] for row in stored(backend)] == [(0, 100.0), (5, 200.0), (10, 300.0)]


def test_failures_keep_payload_and_reason(backend: Backend, region_id: int) -> None:
    ingest(backend, region_id, [reading("T1", 0, 500.0, "m3"), reading("T1", 10, 700.0, "m3")])
    outcome = ingest(
        backend,
        region_id,
        [
            reading("NOPE", 0, 1.0),  # 0 not registered
            reading("P1", 0, 1.0, "m3/h"),  # 1 a flow unit on a pressure sensor
            reading("P1", 5, 1.2, "MPa"),  # 2 120 m > 100 m
            reading("T1", 5, 800.0, "m3"),  # 3 above the later register 700
            {"sensor": "P1", "ts": "2026-03-01T12:05:01Z", "value": 20, "unit": "m"},  # 4 +5:01
            reading("T1", 0, 501.0, "m3"),  # 5 another value for a stored (sensor, ts)
            {"sensor": "Q1", "value": "x", "unit": "m3/h"},  # 6 no time
        ],
    )
    assert outcome.accepted == 0 and outcome.quarantined == 7
    assert [(r.row, r.field, r.reason) for r in outcome.refused] == [
        (0, "sensor", "unknown_sensor"),
        (1, "unit", "wrong_unit"),
        (2, "value", "outside_range"),
        (3, "value", "totaliser_backwards"),
        (4, "ts", "future_timestamp"),
        (5, "value", "conflicting_duplicate"),
        (6, "ts", "bad_timestamp"),
    ]
    kept = backend.db.run_read(
        lambda s: s.scalars(select(QuarantinedReading).order_by(QuarantinedReading.id)).all()
    )
    assert kept[1].payload == {
        "sensor": "P1",
        "ts": "2026-03-01T11:00:00Z",
        "value": 1.0,
        "unit": "m3/h",
    }
    assert (kept[1].field, kept[1].value, kept[1].replayed_at) == ("unit", "m3/h", None)
    assert kept[6].payload == {"sensor": "Q1", "ts": None, "value": "x", "unit": "m3/h"}
    # the stored register is unchanged
    assert [row[1:] for row in stored(backend)] == [(0, 500.0), (10, 700.0)]


def test_the_region_sets_its_future_tolerance(backend: Backend, region_id: int) -> None:
    one_minute_ahead = {"sensor": "P1", "ts": "2026-03-01T12:01:00Z", "value": 20, "unit": "m"}
    assert ingest(backend, region_id, [one_minute_ahead]).accepted == 1  # within 5 min

    def tighten(session: Session) -> None:
        region = session.get(Region, region_id)
        assert region is not None
        region.reading_future_tolerance_s = 30

    backend.db.run(tighten)
    outcome = ingest(backend, region_id, [one_minute_ahead | {"ts": "2026-03-01T12:00:31Z"}])
    assert [r.reason for r in outcome.refused] == ["future_timestamp"]


def test_a_device_writes_only_its_own_sensors(backend: Backend, region_id: int) -> None:
    device_ids = backend.db.run_read(
        lambda s: {row.code: row.id for row in s.execute(select(Device.code, Device.id))}
    )
    rows = [reading("P1", 0, 25.0), reading("P2", 0, 25.0)]
    with pytest.raises(ForbiddenError) as refused:
        ingest(backend, region_id, rows, device_id=device_ids["dev-1"])
    assert (refused.value.field, refused.value.value) == ("readings[1].sensor", "P2")
    assert stored(backend) == []  # nothing of the batch was written
    ok = ingest(backend, region_id, rows[:1], device_id=device_ids["dev-1"])
    assert ok.accepted == 1


def alerts(backend: Backend) -> list[tuple[str, str, int, int, int]]:
    rows = backend.db.run_read(
        lambda s: s.scalars(select(AlertRecord).order_by(AlertRecord.id)).all()
    )
    return [
        (a.rule, a.subject, a.occurrences, a.first_seen_at.minute, a.last_seen_at.minute)
        for a in rows
    ]


def test_low_free_head_opens_one_alert_and_folds_a_second_episode(
    backend: Backend, region_id: int
) -> None:
    # 11:00 16 m, 11:05 14 m (below 15: latched), 11:10 14.5 m (still below 15 + 1 deadband):
    # two readings in alarm = the 600 s on-delay → alarm at 11:10. No step is faster than the
    # rate-of-change rule's 60 m/h (5 m in 5 min).
    ingest(backend, region_id, [reading("P2", m, v) for m, v in ((0, 16.0), (5, 14.0), (10, 14.5))])
    assert alerts(backend) == [("free_head_low", "sensor:P2", 1, 10, 10)]
    # 11:15 15.5 m clears only at ≥ 16 m: still in alarm, the same episode, not a new occurrence
    ingest(backend, region_id, [reading("P2", 15, 15.5)])
    assert alerts(backend) == [("free_head_low", "sensor:P2", 1, 10, 15)]
    # 11:20 17 m clears; 11:25 13 m, 11:30 13 m: a second episode, folded into the open alert
    ingest(
        backend, region_id, [reading("P2", m, v) for m, v in ((20, 17.0), (25, 13.0), (30, 13.0))]
    )
    assert alerts(backend) == [("free_head_low", "sensor:P2", 2, 10, 30)]


def test_a_late_reading_recomputes_the_alarm_it_completes(backend: Backend, region_id: int) -> None:
    # 11:00 16 m and 11:10 12 m: one reading below 15 m, the on-delay needs two in a row
    ingest(backend, region_id, [reading("P2", 0, 16.0), reading("P2", 10, 12.0)])
    assert alerts(backend) == []
    # 11:05 arrives late at 13 m: 11:05 and 11:10 in alarm → the alarm holds at 11:10
    ingest(backend, region_id, [reading("P2", 5, 13.0)])
    assert alerts(backend) == [("free_head_low", "sensor:P2", 1, 10, 10)]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", [BACKENDS[1]], indirect=True)
def test_postgresql_partitions_readings_by_month(backend: Backend, region_id: int) -> None:
    ingest(
        backend,
        region_id,
        [
            reading("P1", 0, 25.0),
            {"sensor": "P1", "ts": "2026-02-28T23:59:59Z", "value": 25.0, "unit": "m"},
        ],
    )

    def inspect(session: Session) -> tuple[list[str], list[str], str]:
        parts = session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'readings' "
                "AND p.relnamespace = to_regnamespace(current_schema()) ORDER BY 1"
            )
        ).all()
        methods = session.scalars(
            text(
                "SELECT am.amname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_am am ON am.oid = i.relam WHERE x.indrelid = to_regclass('readings') "
                "ORDER BY 1"
            )
        ).all()
        strategy = session.scalar(
            text(
                "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'readings'::regclass"
            )
        )
        return list(parts), list(methods), str(strategy)

    parts, methods, strategy = backend.db.run_read(inspect)
    assert parts == ["readings_2026_02", "readings_2026_03"]
    assert methods == ["brin", "btree"]  # BRIN on ts, the (sensor_id, ts) primary key
    assert strategy == "r"  # RANGE
    counts = backend.db.run_read(
        lambda s: s.execute(text("SELECT count(*) FROM ONLY readings")).scalar_one()
    )
    assert counts == 0  # every row lives in a partition
    assert backend.db.run_read(lambda s: s.scalar(select(func.count()).select_from(Reading))) == 2


def test_a_batch_larger_than_the_limit_is_refused(backend: Backend, region_id: int) -> None:
    rows = [reading("P1", 0, 1.0)] * 10_001
    with pytest.raises(ValueError, match="10000"):
        ingest(backend, region_id, rows)
    assert stored(backend) == []


def test_the_received_time_is_kept(backend: Backend, region_id: int) -> None:
    later = NOW + timedelta(minutes=3)
    ingest(
        backend, region_id, [reading("Q1", 0, 36.0, "m3/h")], received_at=later, source=Source.MQTT
    )
    row = backend.db.run_read(
        lambda s: s.execute(select(Reading.received_at, Reading.source)).one()
    )
    assert (row[0], row[1]) == (later, "mqtt")


@pytest.mark.postgres
@pytest.mark.parametrize("backend", [BACKENDS[1]], indirect=True)
def test_the_scheduler_job_creates_this_and_next_months_partition(backend: Backend) -> None:
    from reclaim.service.scheduler import JOBS

    job = next(job for job in JOBS if job.name == "reading_partitions")
    # 2026-12-31 23:30 UTC: December and January of the next year
    assert backend.db.run(lambda s: job.run(s, datetime(2026, 12, 31, 23, 30, tzinfo=UTC))) == 2
    names = backend.db.run_read(
        lambda s: s.scalars(
            text(
                "SELECT to_regclass(n)::text FROM unnest(ARRAY['readings_2026_12', "
                "'readings_2027_01', 'readings_2027_02']) AS n"
            )
        ).all()
    )
    assert names == ["readings_2026_12", "readings_2027_01", None]


def test_concurrent_batches_store_each_reading_once(backend: Backend, region_id: int) -> None:
    """Two transactions send overlapping batches at once: the second one's validation cannot see
    the first one's uncommitted readings (PostgreSQL) or waits for it (SQLite); either way each
    reading is stored once, a resend is a duplicate and another value is quarantined."""
    first = backend.db.sessions()
    first.begin()
    ingest_readings(
        first,
        [reading("P1", 0, 20.0), reading("P1", 5, 21.0)],
        region_id=region_id,
        received_at=NOW,
        source=Source.MQTT,
    )
    outcome: dict[str, IngestOutcome] = {}
    second = threading.Thread(
        target=lambda: outcome.update(
            b=ingest(
                backend,
                region_id,
                [reading("P1", 0, 20.0), reading("P1", 5, 99.0), reading("P1", 10, 22.0)],
            )
        )
    )
    second.start()
    second.join(timeout=1.0)  # blocked: on the first one's keys, or on SQLite's write lock
    assert second.is_alive()
    first.commit()
    first.close()
    second.join()
    got = outcome["b"]
    assert (got.accepted, got.duplicates, got.quarantined) == (1, 1, 1)
    assert [(r.row, r.reason) for r in got.refused] == [(1, "conflicting_duplicate")]
    assert stored(backend) == [("P1", 0, 20.0), ("P1", 5, 21.0), ("P1", 10, 22.0)]
