"""Alert rules the scheduler evaluates on stored data, on SQLite and PostgreSQL, on a clock the
test moves: a sensor that went silent (missing data).

The shipped missing-data rule (data/operations/alert_rules.yaml, a local choice) allows 3
missing readings; the sensors here report every 300 s, so a sensor is silent once its last
reading is more than 3 × 300 s = 900 s old.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.service.scheduler import JOBS, Scheduler
from reclaim.store.models import AlertRecord, Dma, DmaMeter, NetworkLink, Sensor
from tests.market.conftest import Backend
from tests.operations.test_ingest_store import ingest, reading, region_id

__all__ = ["region_id"]

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


# Minimum night flow rising in a DMA. The shipped rule (alert_rules.yaml, local choices): night
# 02:00–04:00 local, baseline the median of the 7 nights before, rising when above it by more
# than 20 % and by more than 0.5 m³/h. The DMA is links L1 (A→B) and L2 (B→C); water enters
# through L0 (S→A, meter QIN: positive flow points into the DMA) and leaves through L3 (C→D,
# meter QOUT: positive flow points out), so the net inflow is QIN − QOUT. Hourly readings in
# Asia/Shanghai (UTC+8); QOUT reads 4 m³/h throughout, QIN 4 + the net inflow wanted: 50 m³/h by
# day, the night's minimum + 1 at 02:00 and the minimum at 03:00.
NIGHT_FLOW_JOB = [job for job in JOBS if job.name == "night_flow_rising"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 3, 1)


@pytest.fixture
def dma_region(backend: Backend, region_id: int) -> int:
    """Region ``region_id`` with the network S–A–B–C–D, the DMA "D1" (L1, L2) and its meters."""

    def seed(session: Session) -> int:
        for link, start, end in (
            ("L0", "S", "A"),
            ("L1", "A", "B"),
            ("L2", "B", "C"),
            ("L3", "C", "D"),
        ):
            session.add(
                NetworkLink(region_id=region_id, link_id=link, start_node=start, end_node=end)
            )
        meters = [
            Sensor(
                region_id=region_id,
                code=code,
                kind="flow",
                valid_min=0.0,
                valid_max=500.0,
                interval_s=3600,
                level="二级",
                attachment_kind="link",
                attachment_ref=link,
                created_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
            for code, link in (("QIN", "L0"), ("QOUT", "L3"))
        ]
        session.add_all(meters)
        dma = Dma(
            region_id=region_id,
            code="D1",
            name="D1",
            link_ids=["L1", "L2"],
            created_at=datetime(2026, 2, 1, tzinfo=UTC),
        )
        session.add(dma)
        session.flush()
        session.add_all(DmaMeter(dma_id=dma.id, sensor_id=meter.id) for meter in meters)
        return region_id

    return backend.db.run(seed)


def night_flows(backend: Backend, region_id: int, minima_m3_per_hour: list[float]) -> None:
    """Hourly readings from 1 March 00:00 local, one night minimum per day, up to 05:00 of the
    day after the last baseline night."""
    rows = []
    for day, minimum in enumerate(minima_m3_per_hour):
        for hour in range(24 if day < len(minima_m3_per_hour) - 1 else 6):
            local = datetime.combine(FIRST_DAY + timedelta(days=day), time(hour), SHANGHAI)
            net = {2: minimum + 1.0, 3: minimum}.get(hour, 50.0)
            ts = local.astimezone(UTC).isoformat()
            rows.append({"sensor": "QIN", "ts": ts, "value": 4.0 + net, "unit": "m3/h"})
            rows.append({"sensor": "QOUT", "ts": ts, "value": 4.0, "unit": "m3/h"})
    outcome = ingest(backend, region_id, rows, received_at=datetime(2026, 3, 9, tzinfo=UTC))
    assert outcome.accepted == len(rows)


def night_alerts(backend: Backend) -> list[tuple[str, datetime, datetime, int]]:
    query = select(
        AlertRecord.subject,
        AlertRecord.first_seen_at,
        AlertRecord.last_seen_at,
        AlertRecord.occurrences,
    ).where(AlertRecord.rule == "night_flow_rising", AlertRecord.dma_id.is_not(None))
    return [tuple(row) for row in backend.db.run_read(lambda s: s.execute(query).all())]


@pytest.mark.parametrize(
    ("baseline", "last_night", "fires"),
    [
        # median of 6, 6, 6, 6, 7, 5, 6 = 6; 7.3 > 6 × 1.2 = 7.2 and 7.3 − 6 = 1.3 > 0.5
        ([6.0, 6.0, 6.0, 6.0, 7.0, 5.0, 6.0], 7.3, True),
        # 7.1 is 1.1 above the median but not above 7.2
        ([6.0, 6.0, 6.0, 6.0, 7.0, 5.0, 6.0], 7.1, False),
        # a small DMA: 2.45 > 2 × 1.2 = 2.4 but 2.45 − 2 = 0.45 is not above 0.5
        ([2.0] * 7, 2.45, False),
        # 2.6 > 2.4 and 2.6 − 2 = 0.6 > 0.5
        ([2.0] * 7, 2.6, True),
    ],
)
def test_night_flow_rising_is_judged_once_the_night_has_ended(
    backend: Backend, dma_region: int, baseline: list[float], last_night: float, fires: bool
) -> None:
    night_flows(backend, dma_region, [*baseline, last_night])
    judged = FIRST_DAY + timedelta(days=7)  # 8 March
    clock = Clock(datetime.combine(judged, time(3, 30), SHANGHAI))
    scheduler = Scheduler(backend.db, clock, jobs=NIGHT_FLOW_JOB)
    # 03:30: 8 March's night has not ended; 7 March's has only six nights before it
    assert run(scheduler) == 0 and night_alerts(backend) == []
    clock.now = datetime.combine(judged, time(5), SHANGHAI)
    assert run(scheduler) == (1 if fires else 0)
    night = (
        datetime.combine(judged, time(2), SHANGHAI),
        datetime.combine(judged, time(4), SHANGHAI),
    )
    expected = [("dma:D1", *night, 1)] if fires else []
    assert night_alerts(backend) == expected
    clock.now = datetime.combine(judged, time(6, 30), SHANGHAI)
    assert run(scheduler) == 0  # the same night is not judged twice
    assert night_alerts(backend) == expected
