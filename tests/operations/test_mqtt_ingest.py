"""MQTT ingest end to end, with a Mosquitto of the test's own, on SQLite and PostgreSQL: readings
stored once, duplicates / out-of-order / late readings handled, nothing lost when the store
fails before the acknowledgement, two workers losing and doubling nothing, and a broker restart
in mid-stream losing nothing (QoS 1, persistent sessions, broker persistence).

Expected counts are worked from what the test publishes: every reading key (sensor, minute) is
distinct unless the comment says it repeats one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from reclaim.operations.topics import DeviceTopic, encode_readings, readings_topic
from reclaim.service.mqtt_ingest import (
    Delivery,
    IngestCounts,
    IngestWorker,
    WorkerSettings,
    database_sink,
    run_workers,
)
from reclaim.store.models import Reading, Sensor
from tests.market.conftest import Backend
from tests.operations.broker import Broker, Publisher
from tests.operations.stored_region import seed_region

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY_START = pd.Timestamp("2026-03-01T00:00:00Z")
DEVICES = [DeviceTopic("r1", "dev-a"), DeviceTopic("r1", "dev-b")]
SENSORS = {"dev-a": ["A1", "A2"], "dev-b": ["B1"]}


@pytest.fixture
def seeded(backend: Backend) -> Backend:
    """Region r1 with devices dev-a (pressure sensors A1, A2) and dev-b (B1)."""
    sensors = {
        device: [(code, "pressure", 100.0) for code in codes] for device, codes in SENSORS.items()
    }
    seed_region(backend, "r1", sensors, NOW)
    return backend


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    running = Broker(tmp_path / "broker", DEVICES)
    running.start()
    yield running
    running.stop()


def payload(sensor: str, minutes: Sequence[int], value: float = 30.0) -> bytes:
    """Readings of ``sensor`` at the given minutes of 2026-03-01 (value + minute/1000 m)."""
    frame = pd.DataFrame(
        {
            "sensor": sensor,
            "time": [DAY_START + pd.Timedelta(minutes=m) for m in minutes],
            "value": [value + m / 1000 for m in minutes],
            "unit": "m",
        }
    )
    return encode_readings(frame)


def stored(backend: Backend) -> list[tuple[str, datetime, float]]:
    query = (
        select(Sensor.code, Reading.ts, Reading.value)
        .join(Sensor, Sensor.id == Reading.sensor_id)
        .order_by(Sensor.code, Reading.ts)
    )
    return [tuple(row) for row in backend.db.run_read(lambda s: s.execute(query).all())]


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def count_stored(backend: Backend) -> int:
    return backend.db.run_read(lambda s: s.scalar(select(func.count()).select_from(Reading)))


class Running:
    """Workers running in the background until `finish`."""

    def __init__(self, workers: list[IngestWorker]) -> None:
        self.workers = workers
        self.result: IngestCounts | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        self.result = run_workers(self.workers, seconds=None)

    def finish(self) -> IngestCounts:
        for worker in self.workers:
            worker.stop()
        self.thread.join(timeout=30)
        assert self.result is not None
        return self.result


def worker(broker: Broker, backend: Backend, client_id: str, shared: bool = True) -> IngestWorker:
    return IngestWorker(
        broker.worker_address(),
        database_sink(backend.db),
        WorkerSettings(client_id, shared=shared),
    )


def test_readings_stored_once_with_duplicates_out_of_order_and_late(
    seeded: Backend, broker: Broker
) -> None:
    device = Publisher(broker.address("dev-a"), "dev-a")
    topic = readings_topic("r1", "dev-a")
    messages = [
        payload("A1", [10, 15]),
        payload("A1", [0, 5]),  # out of order: earlier than the message before
        payload("A1", [10, 15]),  # resent: 2 duplicates
        payload("A2", [0, 5, 10]),
        payload("A1", [20, 0]),  # 20 new, 0 a duplicate
        payload("A2", [-60]),  # late: an hour before everything else
    ]
    running = Running([worker(broker, seeded, "w1")])
    assert running.workers[0].subscribed.wait(10)
    infos = [device.publish(topic, message) for message in messages]
    device.wait_acked(infos)
    # distinct keys: A1 at 0, 5, 10, 15, 20 and A2 at -60, 0, 5, 10 = 9
    wait_until(lambda: count_stored(seeded) == 9)
    counts = running.finish()
    device.close()
    assert counts.messages == 6
    assert counts.readings == 12
    assert (counts.accepted, counts.duplicates, counts.quarantined) == (9, 3, 0)
    rows = stored(seeded)
    assert [(code, ts.minute if ts.hour == 0 else ts.minute - 60) for code, ts, _ in rows] == [
        ("A1", 0), ("A1", 5), ("A1", 10), ("A1", 15), ("A1", 20),
        ("A2", -60), ("A2", 0), ("A2", 5), ("A2", 10),
    ]  # fmt: skip


def test_a_device_naming_another_devices_sensor_is_refused_whole(
    seeded: Backend, broker: Broker
) -> None:
    device = Publisher(broker.address("dev-a"), "dev-a")
    topic = readings_topic("r1", "dev-a")
    mixed = encode_readings(
        pd.DataFrame(
            {
                "sensor": ["A1", "B1"],  # B1 belongs to dev-b
                "time": [DAY_START, DAY_START],
                "value": [30.0, 31.0],
                "unit": "m",
            }
        )
    )
    running = Running([worker(broker, seeded, "w1")])
    assert running.workers[0].subscribed.wait(10)
    infos = [device.publish(topic, mixed), device.publish(topic, payload("A2", [0]))]
    device.wait_acked(infos)
    wait_until(lambda: count_stored(seeded) == 1)
    time.sleep(0.5)
    counts = running.finish()
    device.close()
    assert counts.refused_messages == 1
    assert [code for code, _, _ in stored(seeded)] == ["A2"]


def test_unacknowledged_messages_come_back_after_a_failed_commit(
    seeded: Backend, broker: Broker
) -> None:
    attempts: list[int] = []

    def failing(batch: Sequence[Delivery]) -> IngestCounts:
        attempts.append(len(batch))
        raise ConnectionError("database unreachable")

    broken = IngestWorker(broker.worker_address(), failing, WorkerSettings("w1", retry_delay_s=0.1))
    running = Running([broken])
    assert broken.subscribed.wait(10)
    device = Publisher(broker.address("dev-a"), "dev-a")
    topic = readings_topic("r1", "dev-a")
    infos = [device.publish(topic, payload("A1", [m])) for m in range(0, 50, 5)]
    device.wait_acked(infos)
    wait_until(lambda: len(attempts) >= 2)
    running.finish()
    assert count_stored(seeded) == 0
    # the same session (client id) again, now with a store that works: nothing was lost
    running = Running([worker(broker, seeded, "w1")])
    wait_until(lambda: count_stored(seeded) == 10)
    counts = running.finish()
    device.close()
    assert counts.accepted == 10


def test_two_workers_lose_nothing_and_double_nothing(seeded: Backend, broker: Broker) -> None:
    running = Running([worker(broker, seeded, "w1"), worker(broker, seeded, "w2")])
    for started in running.workers:
        assert started.subscribed.wait(10)
    devices = {code: Publisher(broker.address(code), code) for code in SENSORS}
    infos = []
    for batch in range(40):
        minutes = [batch * 10, batch * 10 + 5]
        for code, sensors in SENSORS.items():
            topic = readings_topic("r1", code)
            for sensor in sensors:
                infos.append((code, devices[code].publish(topic, payload(sensor, minutes))))
                if batch % 4 == 0:  # every fourth batch resent: duplicates
                    infos.append((code, devices[code].publish(topic, payload(sensor, minutes))))
    for code, publisher in devices.items():
        publisher.wait_acked([info for owner, info in infos if owner == code])
    # 40 batches × 2 minutes × 3 sensors = 240 distinct readings; 10 batches resent × 6 = 60
    wait_until(lambda: count_stored(seeded) == 240)
    time.sleep(0.5)
    counts = running.finish()
    for publisher in devices.values():
        publisher.close()
    assert (counts.accepted, counts.duplicates) == (240, 60)
    assert all(started.counts.messages > 0 for started in running.workers), [
        started.counts for started in running.workers
    ]
    assert len(stored(seeded)) == len(set(stored(seeded))) == 240


def test_a_broker_restart_mid_stream_loses_nothing(seeded: Backend, broker: Broker) -> None:
    # One worker with a plain persistent subscription: Mosquitto 2.0.11 restores it from its
    # persistence file (it does not restore shared ones; see WorkerSettings.shared).
    running = Running([worker(broker, seeded, "w1", shared=False)])
    assert running.workers[0].subscribed.wait(10)
    device = Publisher(broker.address("dev-b"), "dev-b")
    device.wait_connack()
    topic = readings_topic("r1", "dev-b")
    sent = []

    def publish_stream() -> None:
        for minute in range(300):
            sent.append(device.publish(topic, payload("B1", [minute])))
            time.sleep(0.01)

    publishing = threading.Thread(target=publish_stream)
    publishing.start()
    wait_until(lambda: len(sent) >= 100)
    broker.stop()  # an orderly restart (SIGTERM, as systemctl restart sends): state saved
    time.sleep(0.5)
    broker.start()
    publishing.join()
    device.wait_acked(sent, timeout=90)
    wait_until(lambda: count_stored(seeded) == 300, timeout=90)
    counts = running.finish()
    device.close()
    # QoS 1 may deliver a message twice around the restart: a duplicate, never a second row
    assert counts.accepted == 300
    assert sorted(ts for _, ts, _ in stored(seeded)) == [
        (DAY_START + pd.Timedelta(minutes=m)).to_pydatetime() for m in range(300)
    ]
