"""The broker set-up `reclaim ops broker-config` writes, checked against a real Mosquitto: device
logins, the ACL that keeps each device to its own topic, and the topic scheme itself."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from reclaim.errors import InputError
from reclaim.io.broker_files import WORKER_LOGIN, acl_text, password_hash, write_broker_config
from reclaim.operations.topics import (
    DeviceTopic,
    encode_readings,
    parse_readings_topic,
    readings_filter,
    readings_topic,
)
from reclaim.service.mqtt_ingest import (
    BrokerAddress,
    Delivery,
    IngestCounts,
    IngestWorker,
    WorkerSettings,
)
from reclaim.service.routers.readings import parse_readings
from tests.operations.broker import Publisher, running_broker

DEVICES = [DeviceTopic("shuozhou", "logger-a"), DeviceTopic("shuozhou", "logger-b")]


def one_reading(sensor: str, value: float) -> bytes:
    frame = pd.DataFrame(
        {"sensor": [sensor], "time": ["2026-03-01T00:00:00Z"], "value": [value], "unit": ["m"]}
    )
    return encode_readings(frame)


class Recorder:
    """A sink that keeps what it was handed (the broker is under test here, not the store)."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()

    def __call__(self, batch: Sequence[Delivery]) -> IngestCounts:
        with self.lock:
            self.deliveries.extend(batch)
        return IngestCounts(messages=len(batch))


def test_topic_scheme_round_trips_and_refuses_wildcards() -> None:
    topic = readings_topic("shuozhou", "logger-a")
    assert topic == "reclaim/shuozhou/logger-a/readings"
    parsed = parse_readings_topic(topic)
    assert (parsed.region, parsed.device) == ("shuozhou", "logger-a")
    assert readings_filter() == "$share/reclaim/reclaim/+/+/readings"
    assert readings_filter("lingshi", shared=False) == "reclaim/lingshi/+/readings"
    for bad in ("+", "#", "a/b", "$SYS", ""):
        with pytest.raises(InputError) as error:
            readings_topic("shuozhou", bad)
        assert error.value.field == "device"
    with pytest.raises(InputError):
        parse_readings_topic("reclaim/shuozhou/logger-a/commands")


def test_payload_is_the_http_batch_body_with_utc_times() -> None:
    frame = pd.DataFrame(
        {
            "sensor": ["A.head"],
            "time": [pd.Timestamp("2026-03-01T08:05:00+08:00")],
            "value": [30.5],
            "unit": ["m"],
        }
    )
    payload = encode_readings(frame)
    assert json.loads(payload) == [
        {"sensor_id": "A.head", "ts": "2026-03-01T00:05:00.000000Z", "value": 30.5, "unit": "m"}
    ]
    # the HTTP route's parser reads it as the ingest entry point takes readings
    assert parse_readings(payload, "application/json") == [
        {"sensor": "A.head", "ts": "2026-03-01T00:05:00.000000Z", "value": 30.5, "unit": "m"}
    ]


def test_password_hash_is_mosquitto_passwd_format() -> None:
    # mosquitto_passwd -b of "secret" wrote this line (salt SuUPoppXpDc+AU3Z, 101 iterations);
    # PBKDF2-SHA512 of the same password and salt must give the same digest.
    written = (
        "$7$101$SuUPoppXpDc+AU3Z$rO2IsLbyiB9WD+64SSwm3Y+y0ObW+FEKBMBBXClgOT+gHA0L+jIi6mtmEU9d0"
        "An2to2kYbrvVbgMrnlwz69vVg=="
    )
    import base64

    assert password_hash("secret", base64.b64decode("SuUPoppXpDc+AU3Z")) == written


def test_acl_gives_each_device_its_own_topic_only() -> None:
    text = acl_text(DEVICES)
    assert "user logger-a\ntopic write reclaim/shuozhou/logger-a/readings" in text
    assert "user logger-b\ntopic write reclaim/shuozhou/logger-b/readings" in text
    assert "topic read reclaim/+/+/readings" in text


def test_a_device_may_not_take_the_workers_login(tmp_path: Path) -> None:
    # it would get the workers' password and read every region's readings
    devices = [*DEVICES, DeviceTopic("lingshi", WORKER_LOGIN)]
    with pytest.raises(InputError) as refused:
        write_broker_config(devices, tmp_path / "broker", 1883)
    assert (refused.value.field, refused.value.value) == ("devices", WORKER_LOGIN)
    assert not (tmp_path / "broker").exists()


def wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_broker_checks_device_passwords_and_keeps_devices_to_their_topics(
    tmp_path: Path,
) -> None:
    with running_broker(tmp_path / "broker", DEVICES) as broker:
        intruder = Publisher(
            BrokerAddress("127.0.0.1", broker.port, "logger-a", "wrong-password"), "intruder"
        )
        assert intruder.wait_connack().is_failure
        intruder.close()
        anonymous = Publisher(BrokerAddress("127.0.0.1", broker.port), "anon")
        assert anonymous.wait_connack().is_failure
        anonymous.close()

        recorder = Recorder()
        worker = IngestWorker(broker.worker_address(), recorder, WorkerSettings("worker-1"))
        worker.start()
        assert worker.subscribed.wait(10)
        device = Publisher(broker.address("logger-a"), "logger-a")
        assert not device.wait_connack().is_failure
        own = device.publish(readings_topic("shuozhou", "logger-a"), one_reading("A.head", 30.0))
        other = device.publish(readings_topic("shuozhou", "logger-b"), one_reading("B.head", 1.0))
        device.wait_acked([own, other])
        runner = threading.Thread(target=worker.run)
        runner.start()
        wait_for(lambda: len(recorder.deliveries) >= 1)
        time.sleep(0.5)  # give a wrongly routed message time to arrive, if it were routed
        worker.stop()
        runner.join()
        worker.close()
        device.close()
    # MQTT 5: the broker answers the forbidden publish with "Not authorized" (0x87) and drops it.
    assert device.acked[own.mid].value == 0
    assert device.acked[other.mid].value == 0x87
    assert [(d.region, d.device) for d in recorder.deliveries] == [("shuozhou", "logger-a")]
    assert recorder.deliveries[0].readings is not None
    assert [reading["sensor"] for reading in recorder.deliveries[0].readings] == ["A.head"]
    assert recorder.deliveries[0].problem is None
