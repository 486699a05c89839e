"""The MQTT topic scheme and the readings payload, as pure functions (no broker, no I/O).

One topic per device: ``reclaim/{region}/{device}/readings``. The broker's ACL lets a device write
its own topic only, so the topic names who sent a message; ingest workers share one subscription
``$share/reclaim/reclaim/+/+/readings`` so that the broker hands each message to one of them.

A payload is exactly the body of the HTTP batch route (`POST /regions/{id}/readings`), a JSON
array of at most 10⁴ readings::

    [{"sensor_id": "sz.D.head", "ts": "2026-03-01T00:05:00+08:00", "value": 31.2, "unit": "m"},
     ...]

Each reading is then checked by the store (known sensor of the sending device, unit, range,
time, repeats), and one that fails is quarantined with its payload and reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from reclaim.errors import InputError

TOPIC_ROOT = "reclaim"
READINGS_LEAF = "readings"
SHARE_GROUP = "reclaim"
"""Name of the shared subscription group every ingest worker joins."""
MAX_READINGS_PER_MESSAGE = 10_000
"""As many readings as one HTTP batch may carry (issue 13: up to 10⁴ readings a request; the
service's `READINGS_PER_REQUEST`)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""Region and device ids allowed in a topic: no MQTT wildcard (+ #), level separator or $."""


@dataclass(frozen=True)
class DeviceTopic:
    """Who a message on a readings topic comes from."""

    region: str
    device: str


def check_name(value: object, field: str) -> str:
    """A region or device id usable as one topic level (letters, digits, ``_ . -``, ≤ 64)."""
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise InputError(field, value, "1–64 letters, digits, '_', '.' or '-', starting alnum")
    return value


def readings_topic(region: str, device: str) -> str:
    """The topic ``device`` of ``region`` publishes its readings to."""
    region = check_name(region, "region")
    device = check_name(device, "device")
    return f"{TOPIC_ROOT}/{region}/{device}/{READINGS_LEAF}"


def parse_readings_topic(topic: str) -> DeviceTopic:
    """Region and device of a readings topic; any other topic is an `InputError`."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != TOPIC_ROOT or parts[3] != READINGS_LEAF:
        raise InputError("topic", topic, f"{TOPIC_ROOT}/{{region}}/{{device}}/{READINGS_LEAF}")
    return DeviceTopic(check_name(parts[1], "topic.region"), check_name(parts[2], "topic.device"))


def readings_filter(region: str | None = None, shared: bool = True) -> str:
    """The topic filter ingest workers subscribe with: every region, or only ``region``; in the
    shared group (scale-out), or plain (one worker, see `WorkerSettings.shared`)."""
    level = "+" if region is None else check_name(region, "region")
    plain = f"{TOPIC_ROOT}/{level}/+/{READINGS_LEAF}"
    return f"$share/{SHARE_GROUP}/{plain}" if shared else plain


def encode_readings(readings: pd.DataFrame) -> bytes:
    """A payload carrying ``readings`` (columns sensor, time, value, unit), times in UTC."""
    if len(readings) > MAX_READINGS_PER_MESSAGE:
        raise InputError("readings", len(readings), f"at most {MAX_READINGS_PER_MESSAGE} a message")
    times = pd.to_datetime(readings["time"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = [
        {"sensor_id": sensor, "ts": time, "value": value, "unit": unit}
        for sensor, time, value, unit in zip(
            readings["sensor"].tolist(),
            times.tolist(),
            readings["value"].tolist(),
            readings["unit"].tolist(),
            strict=True,
        )
    ]
    return json.dumps(rows, separators=(",", ":"), allow_nan=False).encode()
