"""Benchmark: operations ingest and alerting, each part against a reference timed in the same run.

Parts (issue 13):
- ``alerts`` (here): alert evaluation over N sensors (default 10,000) × one day of 5-minute
  readings, the vectorised rules of reclaim.operations.alerts against the per-reading state
  machines of reclaim.operations.stepwise on the same grid; the two must agree on every reading.
  Target: ≥ 50×.
- ``http``: readings/s accepted through HTTP batches of 10⁴ (`POST /regions/{id}/readings`, the
  service in this process, a device's token) against a raw ``COPY`` of the same rows into the same
  PostgreSQL readings table; target ≥ 0.5×. Wall-clock time (both sides are I/O-bound).
- ``mqtt``: readings/s at QoS 1 with batched payloads (one device, messages of 500 readings)
  through the ingest worker into PostgreSQL, against a bare paho-mqtt subscriber that only
  counts what it receives, both on the machine's Mosquitto (127.0.0.1:1883; credentials do not
  matter here); zero loss on both; target ≥ 0.5×. Then the latency from publishing a reading
  to its alert being stored (free head below 15 m for two readings), p50 and p99.

``--pg URL`` names the PostgreSQL server (default: RECLAIM_TEST_PG_URL or the local one); a
database of the benchmark's own is created and dropped.

Synthetic day: free head 25 m ± a 24 h swing and noise; 2 % of sensors dip below 15 m for an
hour, 1 % stick at one value for three hours, 1 % lose readings for an hour, 0.5 % of the grid
points are lost at random; totalisers advance by the flow, 1 % are reset once. The rules and
their parameters are the shipped default rule set (data/operations/alert_rules.yaml).

    PYTHONPATH=src python benchmarks/ingest.py [--part alerts|http|mqtt] [--sensors 10000]
        [--reference N] [--readings 100000] [--pg URL] [--mqtt mqtt://127.0.0.1:1883]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reclaim.io.operations_files import load_alert_rules
from reclaim.operations.alerts import Direction
from reclaim.operations.rules import AlertRule, RuleKind, evaluate_series_rule
from reclaim.operations.stepwise import (
    flatline_stepwise,
    missing_data_stepwise,
    rate_of_change_stepwise,
    threshold_stepwise,
    totaliser_backwards_stepwise,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reclaim.service.mqtt_ingest import BrokerAddress
    from reclaim.store.db import Database

INTERVAL_S = 300
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STEPS_PER_DAY = 288
SEED = 20260301


def synthetic_day(sensors: int) -> tuple[np.ndarray, np.ndarray]:
    """(free head grid in m, totaliser grid in m³), time-major (288 steps × sensors), NaN where
    lost."""
    rng = np.random.default_rng(SEED)
    hours = np.arange(STEPS_PER_DAY) * INTERVAL_S / 3600.0
    swing = 4.0 * np.cos(2.0 * np.pi * (hours - 4.0) / 24.0)
    head = 25.0 + swing + rng.normal(0.0, 0.3, (sensors, STEPS_PER_DAY))
    dips = rng.choice(sensors, sensors // 50, replace=False)
    head[dips, 120:132] = 12.0 + rng.normal(0.0, 0.3, (len(dips), 12))
    stuck = rng.choice(sensors, sensors // 100, replace=False)
    head[stuck, 150:186] = head[stuck, 150:151]
    gaps = rng.choice(sensors, sensors // 100, replace=False)
    head[gaps, 200:212] = np.nan
    head[rng.random(head.shape) < 0.005] = np.nan
    flow_m3 = rng.uniform(0.5, 2.0, (sensors, STEPS_PER_DAY))
    total = 1.0e5 + np.cumsum(flow_m3, axis=1)
    resets = rng.choice(sensors, sensors // 100, replace=False)
    total[resets, 100:] -= total[resets, 100:101] - 5.0
    return np.ascontiguousarray(head.T), np.ascontiguousarray(total.T)


def stepwise(rule: AlertRule, row: list[float]) -> list[bool]:
    """The per-reading reference for one sensor's day under ``rule``."""
    steps = rule.steps
    if rule.kind is RuleKind.FREE_HEAD_LOW:
        return threshold_stepwise(
            row,
            rule.value("limit_m"),
            Direction.BELOW,
            rule.value("hysteresis_m"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.THRESHOLD:
        assert rule.direction is not None
        return threshold_stepwise(
            row,
            rule.value("limit"),
            rule.direction,
            rule.value("hysteresis"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.RATE_OF_CHANGE:
        return rate_of_change_stepwise(
            row,
            INTERVAL_S,
            rule.value("max_rate_per_hour"),
            steps("min_duration_s", INTERVAL_S),
        )
    if rule.kind is RuleKind.FLATLINE:
        return flatline_stepwise(row, steps("min_duration_s", INTERVAL_S), rule.value("tolerance"))
    if rule.kind is RuleKind.MISSING_DATA:
        return missing_data_stepwise(row, int(rule.value("max_missing_intervals")))
    return totaliser_backwards_stepwise(row, rule.value("tolerance_m3"))


def timed(run: Callable[[], list[np.ndarray]], repeats: int = 1) -> tuple[list[np.ndarray], float]:
    """Result and best CPU seconds of ``repeats`` runs (CPU time, so the other jobs sharing the
    machine's cores do not count against either side)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return result, best


def alerts_part(sensors: int, reference: int) -> None:
    """Vectorised rule evaluation against the per-reading loop; prints the ratio."""
    rules = [
        rule
        for rule in load_alert_rules("default")
        if rule.kind
        in (
            RuleKind.FREE_HEAD_LOW,
            RuleKind.THRESHOLD,
            RuleKind.RATE_OF_CHANGE,
            RuleKind.FLATLINE,
            RuleKind.MISSING_DATA,
            RuleKind.TOTALISER_BACKWARDS,
        )
    ]
    head, total = synthetic_day(sensors)

    def grid_of(rule: AlertRule) -> np.ndarray:
        return total if rule.kind is RuleKind.TOTALISER_BACKWARDS else head

    vectorised, vector_s = timed(
        lambda: [evaluate_series_rule(rule, grid_of(rule), INTERVAL_S) for rule in rules],
        repeats=3,
    )
    rows = min(reference, sensors)
    lists = {id(grid): grid[:, :rows].T.tolist() for grid in (head, total)}

    def loop() -> list[np.ndarray]:
        return [
            np.array([stepwise(rule, row) for row in lists[id(grid_of(rule))]]) for rule in rules
        ]

    looped, loop_s = timed(loop)
    for rule, fast, slow in zip(rules, vectorised, looped, strict=True):
        if not np.array_equal(fast[:, :rows].T, slow):
            raise SystemExit(f"rule {rule.id}: vectorised and per-reading results disagree")

    readings = sensors * STEPS_PER_DAY
    vector_rate = readings * len(rules) / vector_s
    loop_rate = rows * STEPS_PER_DAY * len(rules) / loop_s
    print(f"rules: {', '.join(rule.id for rule in rules)}")
    print(
        f"vectorised: {sensors:,} sensors × {STEPS_PER_DAY} readings × {len(rules)} rules "
        f"in {vector_s:.2f} CPU s (best of 3) = {vector_rate:,.0f} reading-rule evaluations/s"
    )
    print(
        f"per-reading loop: {rows:,} sensors in {loop_s:.2f} CPU s "
        f"= {loop_rate:,.0f} reading-rule evaluations/s"
    )
    print(
        f"speed-up: ×{vector_rate / loop_rate:,.0f} (target ≥ 50); "
        f"agreement on {rows:,} sensors × {len(rules)} rules: 100 %"
    )
    fired = {
        rule.id: int(fast.any(axis=0).sum()) for rule, fast in zip(rules, vectorised, strict=True)
    }
    print(f"sensors with an alarm, per rule: {fired}")


BENCH_SENSORS = 100
"""Sensors of the benchmark's device: readings spread over them, 5 minutes apart."""
MQTT_BATCH = 500
"""Readings per MQTT message (a device's batch)."""


@contextmanager
def bench_database(pg_url: str) -> Iterator[tuple[Database, str]]:
    """A fresh PostgreSQL database migrated to the head, with a region, a device (its token) and
    `BENCH_SENSORS` pressure sensors; dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    from reclaim.store.db import Database

    name = f"reclaim_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    database = Database.from_url(url)
    try:
        database.upgrade()
        token = database.run(seed_bench_region)
        yield database, token
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_bench_region(session: Session) -> str:
    """Region ``bench``, device ``bench-dev`` and its sensors S000…; the device's token."""
    from reclaim.store.models import Device, Region, Sensor
    from reclaim.store.sensors import DEVICE_TOKEN_PREFIX

    now = datetime.now(UTC)
    region = Region(
        code="bench",
        name="bench",
        publicity_days=5,
        lapse_days=30,
        exchange_fee_rate=Decimal("0.005"),
        treatment_feedback_share=Decimal("0.1"),
        time_zone="Asia/Shanghai",
        delivery_confirmation_days=3,
    )
    session.add(region)
    session.flush()
    token = DEVICE_TOKEN_PREFIX + uuid.uuid4().hex
    device = Device(
        region_id=region.id,
        code="bench-dev",
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        token_issued_at=now,
        created_at=now,
    )
    session.add(device)
    session.flush()
    for n in range(BENCH_SENSORS):
        session.add(
            Sensor(
                region_id=region.id,
                code=f"S{n:03d}",
                kind="pressure",
                valid_min=0.0,
                valid_max=200.0,
                interval_s=INTERVAL_S,
                level="二级",
                attachment_kind="node",
                attachment_ref=f"N{n:03d}",
                device_id=device.id,
                created_at=now,
            )
        )
    return token


def bench_rows(count: int, start: pd.Timestamp) -> pd.DataFrame:
    """``count`` readings (sensor, time, value, unit): the sensors in turn, 5 minutes apart,
    free head 30 m ± 0.1 m noise (normal operation: no rule fires)."""
    index = np.arange(count)
    rng = np.random.default_rng(SEED)
    return pd.DataFrame(
        {
            "sensor": [f"S{n:03d}" for n in index % BENCH_SENSORS],
            "time": start + pd.to_timedelta((index // BENCH_SENSORS) * INTERVAL_S, unit="s"),
            "value": np.round(30.0 + rng.normal(0.0, 0.1, count), 2),
            "unit": "m",
        }
    )


def clear_readings(database: Database) -> None:
    """Empty the readings (and what ingest derived from them) between the timed sides."""
    from sqlalchemy import text

    database.run(lambda s: s.execute(text("TRUNCATE readings, quarantine, alerts")))


def count_readings(database: Database) -> int:
    from sqlalchemy import func, select

    from reclaim.store.models import Reading

    return int(
        database.run_read(lambda s: s.scalar(select(func.count()).select_from(Reading))) or 0
    )


def copy_rows(database: Database, rows: pd.DataFrame) -> float:
    """Wall seconds of a raw COPY of ``rows`` into the readings table (sensor ids resolved
    before the clock starts, the partition made as ingest makes it)."""
    from sqlalchemy import select, text

    from reclaim.store.models import Sensor

    ids = dict(database.run_read(lambda s: s.execute(select(Sensor.code, Sensor.id)).all()))
    received = datetime.now(UTC).isoformat()
    lines = [
        f"{ids[sensor]}\t{time.isoformat()}\t{value}\t{received}\thttp\n"
        for sensor, time, value in zip(rows["sensor"], rows["time"], rows["value"], strict=True)
    ]
    months = sorted({t.date().replace(day=1) for t in rows["time"].dt.to_pydatetime()})
    started = time.perf_counter()
    with database.engine.begin() as connection:
        connection.execute(
            text("SELECT reclaim_readings_partition(day) FROM unnest(CAST(:d AS date[])) AS day"),
            {"d": months},
        )
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        with cursor.copy(
            "COPY readings (sensor_id, ts, value, received_at, source) FROM STDIN"
        ) as copy:
            for line in lines:
                copy.write(line)
    return time.perf_counter() - started


def http_part(args: argparse.Namespace) -> None:
    """HTTP batches of 10⁴ through the service against a raw COPY of the same rows."""
    from fastapi.testclient import TestClient

    from reclaim.operations.topics import encode_readings
    from reclaim.service.app import create_app
    from reclaim.service.settings import exchange_context, load_settings

    start = pd.Timestamp("2026-03-01T00:00:00Z")
    rows = bench_rows(args.readings, start)
    batches = [rows.iloc[i : i + 10_000] for i in range(0, len(rows), 10_000)]
    payloads = [encode_readings(batch) for batch in batches]
    with bench_database(args.pg) as (database, token):
        copy_s = copy_rows(database, rows)
        assert count_readings(database) == len(rows)
        clear_readings(database)
        client = TestClient(create_app(exchange_context(load_settings(), database)))
        region_id = database.run_read(lambda s: s.scalar(text_region_id()))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        accepted = 0
        for payload in payloads:
            answer = client.post(f"/regions/{region_id}/readings", content=payload, headers=headers)
            answer.raise_for_status()
            accepted += answer.json()["accepted"]
        http_s = time.perf_counter() - started
        assert accepted == count_readings(database) == len(rows)
    copy_rate, http_rate = len(rows) / copy_s, len(rows) / http_s
    print(f"raw COPY: {len(rows):,} readings in {copy_s:.2f} s = {copy_rate:,.0f} readings/s")
    print(
        f"HTTP batches of 10,000: {len(rows):,} readings in {http_s:.2f} s "
        f"= {http_rate:,.0f} readings/s"
    )
    print(f"ratio: {http_rate / copy_rate:.3f} × COPY (target ≥ 0.5)")
    if args.profile:
        profile_ingest(args.pg)


def profile_ingest(pg_url: str) -> None:
    """Where a 10⁴-reading batch's time goes: the store's entry point alone (what the route
    calls), profiled in this thread, the functions with the most own time first."""
    from reclaim.operations.topics import encode_readings
    from reclaim.service.routers.readings import parse_readings
    from reclaim.store.readings import Source, ingest_readings

    rows = bench_rows(10_000, pd.Timestamp("2026-05-01T00:00:00Z"))
    readings = parse_readings(encode_readings(rows), "application/json")
    with bench_database(pg_url) as (database, _token):
        region_id = database.run_read(lambda s: s.scalar(text_region_id()))
        profile = cProfile.Profile()
        profile.enable()
        database.run(
            lambda s: ingest_readings(
                s, readings, region_id=region_id, received_at=datetime.now(UTC),
                source=Source.HTTP,
            )
        )  # fmt: skip
        profile.disable()
    print("profile of one 10,000-reading batch through ingest_readings (own time first):")
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(r"reclaim/(store|operations)/.*\.py")


def text_region_id() -> Any:
    from sqlalchemy import select

    from reclaim.store.models import Region

    return select(Region.id).where(Region.code == "bench")


def bare_subscriber_rate(address: BrokerAddress, payloads: list[bytes], topic: str) -> float:
    """Readings/s a paho subscriber that only counts receives at QoS 1 (publish to last)."""
    from paho.mqtt.client import Client
    from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

    from reclaim.service.mqtt_publish import DevicePublisher

    received = {"messages": 0, "readings": 0}
    done = threading.Event()
    counter = Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-count-{uuid.uuid4().hex[:6]}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )  # fmt: skip

    def count(client: Any, userdata: Any, message: Any) -> None:
        received["messages"] += 1
        received["readings"] += message.payload.count(b"sensor_id")
        if received["messages"] == len(payloads):
            done.set()

    counter.on_message = count
    counter.connect(address.host, address.port)
    counter.subscribe(topic, qos=1)
    counter.loop_start()
    time.sleep(0.5)
    publisher = DevicePublisher(address, f"bench-pub-{uuid.uuid4().hex[:6]}", None)
    publisher.wait_connected()
    started = time.perf_counter()
    for payload in payloads:
        publisher.publish(topic, payload)
    finished = done.wait(300)
    elapsed = time.perf_counter() - started
    publisher.close()
    counter.disconnect()
    counter.loop_stop()
    if not finished:
        raise SystemExit(f"bare subscriber lost messages: {received['messages']}/{len(payloads)}")
    return received["readings"] / elapsed


def mqtt_part(args: argparse.Namespace) -> None:
    """The ingest worker at QoS 1 against a bare counting subscriber; then publish → alert."""
    from reclaim.operations.topics import encode_readings, readings_topic
    from reclaim.service.mqtt_ingest import (
        BrokerAddress,
        IngestWorker,
        WorkerSettings,
        database_sink,
    )
    from reclaim.service.mqtt_publish import DevicePublisher

    address = BrokerAddress.from_url(args.mqtt)
    topic = readings_topic("bench", "bench-dev")
    rows = bench_rows(args.readings, pd.Timestamp("2026-03-01T00:00:00Z"))
    payloads = [
        encode_readings(rows.iloc[i : i + MQTT_BATCH]) for i in range(0, len(rows), MQTT_BATCH)
    ]
    bare_rate = bare_subscriber_rate(address, payloads, topic)
    with bench_database(args.pg) as (database, _token):
        client_id = f"bench-worker-{uuid.uuid4().hex[:6]}"
        # a plain subscription like the bare subscriber's, and a session that ends a minute
        # after the run (a benchmark's worker must not keep a share of a group on the broker)
        settings = WorkerSettings(client_id, shared=False, session_expiry_s=60)
        worker = IngestWorker(address, database_sink(database), settings)
        runner = threading.Thread(target=worker.run)
        worker.start()
        if not worker.subscribed.wait(10):
            raise SystemExit("the worker could not subscribe")
        runner.start()
        publisher = DevicePublisher(address, f"bench-pub-{uuid.uuid4().hex[:6]}", None)
        publisher.wait_connected()
        started = time.perf_counter()
        for payload in payloads:
            publisher.publish(topic, payload)
        while count_readings(database) < len(rows) and time.perf_counter() - started < 600:
            time.sleep(0.05)
        worker_s = time.perf_counter() - started
        stored = count_readings(database)
        latencies = alert_latencies(database, publisher, topic, args.latency_samples)
        worker.stop()
        runner.join()
        worker.close()
        publisher.close()
    worker_rate = len(rows) / worker_s
    print(f"bare paho subscriber (counts only): {bare_rate:,.0f} readings/s, no loss")
    print(
        f"ingest worker → PostgreSQL: {stored:,}/{len(rows):,} readings stored in {worker_s:.2f} s"
        f" = {worker_rate:,.0f} readings/s; loss {len(rows) - stored}"
    )
    print(f"ratio: {worker_rate / bare_rate:.3f} × the bare subscriber (target ≥ 0.5)")
    p50, p99 = np.percentile(latencies, [50, 99])
    print(
        f"publish → alert stored: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"({len(latencies)} alerts)"
    )


def alert_latencies(database: Database, publisher: Any, topic: str, samples: int) -> list[float]:
    """Seconds from publishing the second of two readings below 15 m (free head rule: 15 m,
    on-delay two 5-minute readings) to its alert row being committed, per sensor."""
    from sqlalchemy import func, select

    from reclaim.operations.topics import encode_readings
    from reclaim.store.models import AlertRecord

    def alerts() -> int:
        return int(
            database.run_read(lambda s: s.scalar(select(func.count()).select_from(AlertRecord)))
            or 0
        )

    base = pd.Timestamp("2026-04-01T00:00:00Z")
    latencies = []
    for n in range(min(samples, BENCH_SENSORS)):
        sensor = f"S{n:03d}"
        before = alerts()
        first = pd.DataFrame({"sensor": [sensor], "time": [base], "value": [12.0], "unit": ["m"]})
        publisher.publish(topic, encode_readings(first))
        time.sleep(0.2)
        second = first.assign(time=[base + pd.Timedelta(seconds=INTERVAL_S)])
        started = time.perf_counter()
        publisher.publish(topic, encode_readings(second))
        while alerts() <= before and time.perf_counter() - started < 30:
            time.sleep(0.002)
        latencies.append(time.perf_counter() - started)
    return latencies


PARTS = {
    "alerts": lambda args: alerts_part(args.sensors, args.reference),
    "http": http_part,
    "mqtt": mqtt_part,
}
"""The parts of the benchmark, run in this order by default."""


def main() -> None:
    """Run the chosen parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--sensors", type=int, default=10_000)
    parser.add_argument(
        "--reference", type=int, default=2_000, help="sensors run through the per-reading loop"
    )
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("RECLAIM_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--latency-samples", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="profile the HTTP side")
    args = parser.parse_args()
    for part in args.part or list(PARTS):
        print(f"== {part}")
        PARTS[part](args)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
