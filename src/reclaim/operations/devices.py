"""Field devices (data loggers, RTUs, smart meters) that publish readings over MQTT.

Each device has its own broker login and may publish only to its own topic (the broker's ACL) and
report only its own sensors (checked by the ingest worker): a logger that is taken over can
neither speak for another device nor write another device's meters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reclaim.errors import InputError
from reclaim.operations.topics import check_name


@dataclass(frozen=True)
class Device:
    """One device: its region, its login (= its id) and the sensors it may report."""

    id: str
    region: str
    sensors: frozenset[str]


@dataclass(frozen=True)
class DeviceRegistry:
    """The devices of a site, by (region, device id)."""

    devices: Mapping[tuple[str, str], Device]

    def get(self, region: str, device: str) -> Device | None:
        """The device publishing on ``region``/``device``, or None when none is registered."""
        return self.devices.get((region, device))


def devices_from_dict(raw: object, origin: str = "devices") -> DeviceRegistry:
    """Devices from ``{devices: [{id, region, sensors: [...]}, ...]}``; each bad field named."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("devices"), list):
        raise InputError(f"{origin}:devices", raw, "a list of devices {id, region, sensors}")
    devices: dict[tuple[str, str], Device] = {}
    logins: set[str] = set()
    for index, item in enumerate(raw["devices"]):
        device = _device(item, f"{origin}:devices[{index}]")
        if device.id in logins:
            raise InputError(f"{origin}:devices[{index}].id", device.id, "a login used once")
        logins.add(device.id)
        devices[(device.region, device.id)] = device
    return DeviceRegistry(devices)


def _device(item: Any, where: str) -> Device:
    if not isinstance(item, Mapping):
        raise InputError(where, item, "a mapping {id, region, sensors}")
    sensors = item.get("sensors")
    if not isinstance(sensors, list) or not sensors:
        raise InputError(f"{where}.sensors", sensors, "a non-empty list of sensor ids")
    for position, sensor in enumerate(sensors):
        if not isinstance(sensor, str) or not sensor.strip():
            raise InputError(f"{where}.sensors[{position}]", sensor, "a sensor id")
    return Device(
        id=check_name(item.get("id"), f"{where}.id"),
        region=check_name(item.get("region"), f"{where}.region"),
        sensors=frozenset(sensors),
    )


def not_own_sensor(batch: pd.DataFrame, device: Device | None) -> pd.Series:
    """Mask of the readings in ``batch`` that ``device`` may not report (all, if unregistered)."""
    if device is None:
        return pd.Series(True, index=batch.index)
    return ~batch["sensor"].isin(list(device.sensors))

