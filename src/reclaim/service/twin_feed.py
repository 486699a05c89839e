"""Feed a digital twin's readings in as field devices would: over HTTP into the service running in
this process (each device with its own token), or over MQTT to a broker (each device with its own
login). Before an HTTP run the twin's network, devices and sensors are registered in the region
(as its network operator would), so the readings have somewhere to go.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.rules import Role
from reclaim.operations.topics import encode_readings, readings_topic
from reclaim.operations.twin import INTERVAL_S, Twin, local_midnight, readings
from reclaim.store.db import Database
from reclaim.store.models import Account, Device, Region, RegionStaff, Sensor
from reclaim.store.registry import Actor
from reclaim.store.sensors import (
    add_device,
    network_links,
    register_sensor,
    renew_device_token,
    replace_network,
)

STEPS_PER_HOUR = 3600 // INTERVAL_S
"""Without waiting (--speed 0) a device sends an hour of readings a request or message."""


def run_start(start: str | None, days: float, speed: float) -> pd.Timestamp:
    """The first reading's time: ``start`` (local midnight), else now (real time) or ``days``
    before today's midnight (faster than real time: the run ends by today, never ahead of the
    receiving clock, whose future tolerance would quarantine it)."""
    if start is not None:
        return local_midnight(start)
    today = pd.Timestamp.now(tz=local_midnight("2000-01-01").tz).normalize()
    if speed == 1.0:
        return pd.Timestamp.now(tz=today.tz).floor(f"{INTERVAL_S}s")
    return today - pd.Timedelta(days=days)


def paced(
    twin: Twin, start: pd.Timestamp, days: float, seed: int, speed: float
) -> Iterator[pd.DataFrame]:
    """The twin's readings in sending batches: each step at its time scaled by ``speed`` (an
    hour of steps at once when ``speed`` is 0), with a ``device`` column."""
    owner = {item.sensor.id: item.device for item in twin.sensors}
    began = time.monotonic()
    pending: list[pd.DataFrame] = []
    for step, frame in enumerate(readings(twin, start, days, seed)):
        pending.append(frame)
        if speed == 0 and len(pending) < STEPS_PER_HOUR:
            continue
        if speed > 0:
            delay = began + step * INTERVAL_S / speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        batch = pd.concat(pending, ignore_index=True)
        pending = []
        yield batch.assign(device=batch["sensor"].map(owner))
    if pending:
        batch = pd.concat(pending, ignore_index=True)
        yield batch.assign(device=batch["sensor"].map(owner))


def register_twin(session: Session, twin: Twin, now: Any) -> tuple[int, dict[str, str]]:
    """Load the twin's network, devices and sensors into its region (missing ones only), as the
    region's network operator; (region id, a fresh token per device)."""
    region_id = session.scalar(select(Region.id).where(Region.code == twin.region))
    if region_id is None:
        raise InputError("REGION", twin.region, "a region of this database (reclaim serve --demo)")
    actor = _network_operator(session, region_id)
    if not network_links(session, region_id):
        replace_network(session, actor, region_id, list(twin.network.links))
    tokens = {}
    for device in twin.devices:
        existing = session.scalar(
            select(Device).where(Device.region_id == region_id, Device.code == device)
        )
        if existing is None:
            _, tokens[device] = add_device(session, actor, region_id, device, now)
        else:
            _, tokens[device] = renew_device_token(session, actor, region_id, existing.id, now)
    known = set(session.scalars(select(Sensor.code).where(Sensor.region_id == region_id)))
    for item in twin.sensors:
        if item.sensor.id in known:
            continue
        attached = ("node", item.node) if item.link is None else ("link", item.link)
        register_sensor(
            session,
            actor,
            region_id,
            item.sensor.id,
            {
                "kind": item.sensor.kind.value,
                "valid_min": item.sensor.valid_min,
                "valid_max": item.sensor.valid_max,
                "interval_s": item.sensor.interval_s,
                "level": item.sensor.level.value,
                "attachment": {"kind": attached[0], "ref": attached[1]},
                "device": item.device,
            },
            now,
        )
    return region_id, tokens


def _network_operator(session: Session, region_id: int) -> Actor:
    account = session.scalar(
        select(Account)
        .join(RegionStaff, RegionStaff.account_id == Account.id)
        .where(RegionStaff.region_id == region_id, Account.role == Role.NETWORK_OPERATOR.value)
        .order_by(Account.id)
    )
    if account is None:
        raise InputError("REGION", region_id, "a region with a network operator assigned")
    return Actor.load(session, account)


def publish_http(
    twin: Twin, start: pd.Timestamp, days: float, seed: int, speed: float, database: Database
) -> dict[str, int]:
    """Run the twin into the service in this process over HTTP; the service's answers summed."""
    with warnings.catch_warnings():  # starlette's notice about its httpx dependency
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from reclaim.service.app import create_app
    from reclaim.service.context import utc_now
    from reclaim.service.settings import exchange_context, load_settings

    region_id, tokens = database.run(lambda s: register_twin(s, twin, utc_now()))
    context = exchange_context(load_settings(), database)
    client = TestClient(create_app(context))  # no lifespan: the scheduler is not started
    totals = dict.fromkeys(
        ("readings", "accepted", "duplicates", "quarantined", "alerts_opened"), 0
    )
    for batch in paced(twin, start, days, seed, speed):
        for device, frame in batch.groupby("device", sort=True):
            answer = client.post(
                f"/regions/{region_id}/readings",
                content=encode_readings(frame),
                headers={
                    "Authorization": f"Bearer {tokens[str(device)]}",
                    "Content-Type": "application/json",
                },
            )
            if answer.status_code != 200:
                raise InputError("readings", answer.status_code, answer.text[:300])
            body = answer.json()
            totals["readings"] += len(frame)
            for name in ("accepted", "duplicates", "quarantined", "alerts_opened"):
                totals[name] += int(body[name])
    return totals


def publish_mqtt(
    twin: Twin,
    start: pd.Timestamp,
    days: float,
    seed: int,
    speed: float,
    url: str,
    secrets: Path | None,
) -> dict[str, int]:
    """Run the twin onto an MQTT broker, each device with its own client (and login, from
    broker-config's secrets file), QoS 1; returns what the broker acknowledged."""
    from reclaim.service.mqtt_ingest import BrokerAddress
    from reclaim.service.mqtt_publish import DevicePublisher

    address = BrokerAddress.from_url(url, "--mqtt")
    passwords = _passwords(secrets)
    publishers = {
        device: DevicePublisher(address, device, passwords.get(device)) for device in twin.devices
    }
    sent = 0
    try:
        for publisher in publishers.values():
            publisher.wait_connected()
        for batch in paced(twin, start, days, seed, speed):
            for device, frame in batch.groupby("device", sort=True):
                publishers[str(device)].publish(
                    readings_topic(twin.region, str(device)), encode_readings(frame)
                )
                sent += len(frame)
        acked = sum(publisher.wait_all_acked() for publisher in publishers.values())
    finally:
        for publisher in publishers.values():
            publisher.close()
    return {"readings": sent, "messages_acknowledged": acked}


def _passwords(secrets: Path | None) -> Mapping[str, str]:
    if secrets is None:
        return {}
    from reclaim.io.data_files import read_yaml

    if not secrets.is_file():
        raise InputError("--secrets", str(secrets), "broker-config's secrets.yaml")
    loaded = read_yaml(secrets)
    if not isinstance(loaded, dict):
        raise InputError("--secrets", str(secrets), "a mapping of login: password")
    return {str(key): str(value) for key, value in loaded.items()}
