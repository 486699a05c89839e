"""The registry of meters and sensors: what each measures, in which unit, where it sits.

Metering levels follow seed 004 (陕西, 分类、分级、分项计量): 一级 the plant or enterprise inlet,
二级 a workshop or zone, 三级 a piece of equipment. A sensor is attached to exactly one place: a
plant, a node or link of the region's EPANET network, a contract's delivery point, or a DMA.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from reclaim.errors import InputError

DEFAULT_FUTURE_TOLERANCE_S = 300
"""A reading stamped further ahead of the receiving clock than this (s) is refused: the issue 13
default of five minutes, which a region may change."""


class SensorKind(StrEnum):
    """What a sensor measures; fixes its canonical unit (`CANONICAL_UNIT`)."""

    FLOW = "flow"
    VOLUME_TOTALISER = "volume_totaliser"
    PRESSURE = "pressure"
    TANK_LEVEL = "tank_level"
    TURBIDITY = "turbidity"
    RESIDUAL_CHLORINE = "residual_chlorine"
    NH3_N = "nh3_n"
    COD = "cod"
    PH = "ph"
    CONDUCTIVITY = "conductivity"


CANONICAL_UNIT: Mapping[SensorKind, str] = {
    SensorKind.FLOW: "m3_per_hour",
    SensorKind.VOLUME_TOTALISER: "m3",
    SensorKind.PRESSURE: "m_head",
    SensorKind.TANK_LEVEL: "m",
    SensorKind.TURBIDITY: "ntu",
    SensorKind.RESIDUAL_CHLORINE: "mg_per_l",
    SensorKind.NH3_N: "mg_per_l",
    SensorKind.COD: "mg_per_l",
    SensorKind.PH: "ph",
    SensorKind.CONDUCTIVITY: "us_per_cm",
}
"""The unit (a `reclaim.units.QUANTITY_UNITS` key) every reading of a kind is stored in."""

QUALITY_PARAMETER: Mapping[SensorKind, str] = {
    SensorKind.TURBIDITY: "turbidity",
    SensorKind.RESIDUAL_CHLORINE: "residual_chlorine",
    SensorKind.NH3_N: "nh3_n",
    SensorKind.COD: "cod_cr",
    SensorKind.PH: "ph",
}
"""The `reclaim.quality` parameter an online analyser measures (conductivity has no limit there)."""


class MeteringLevel(StrEnum):
    """Seed 004's 分级计量: 一级 plant/enterprise inlet, 二级 workshop/zone, 三级 equipment."""

    LEVEL_1 = "一级"
    LEVEL_2 = "二级"
    LEVEL_3 = "三级"


class AttachmentKind(StrEnum):
    """The kind of place a sensor is attached to."""

    PLANT = "plant"
    NODE = "node"
    LINK = "link"
    DELIVERY_POINT = "delivery_point"
    DMA = "dma"


@dataclass(frozen=True)
class Attachment:
    """Where a sensor sits: a plant id, an EPANET node or link id, a delivery point or a DMA."""

    kind: AttachmentKind
    ref: str


@dataclass(frozen=True)
class Sensor:
    """One meter or sensor: range and interval in its kind's canonical unit and in seconds."""

    id: str
    kind: SensorKind
    valid_min: float
    valid_max: float
    interval_s: int
    level: MeteringLevel
    attachment: Attachment

    @property
    def unit(self) -> str:
        """The canonical unit of its readings."""
        return CANONICAL_UNIT[self.kind]

    @property
    def is_totaliser(self) -> bool:
        """A cumulative register: never goes down, aggregated by differences."""
        return self.kind is SensorKind.VOLUME_TOTALISER


@dataclass(frozen=True)
class Registry:
    """The sensors of a region, by id."""

    sensors: Mapping[str, Sensor]

    def __contains__(self, sensor_id: object) -> bool:
        return sensor_id in self.sensors

    def of_kind(self, *kinds: SensorKind) -> tuple[Sensor, ...]:
        """The sensors measuring any of ``kinds``."""
        return tuple(sensor for sensor in self.sensors.values() if sensor.kind in kinds)


def registry_from_sensors(sensors: Iterable[Sensor]) -> Registry:
    """A registry of ``sensors``; an id given twice is an `InputError`."""
    by_id: dict[str, Sensor] = {}
    for sensor in sensors:
        if sensor.id in by_id:
            raise InputError("sensors[].id", sensor.id, "an id used by one sensor only")
        by_id[sensor.id] = sensor
    return Registry(by_id)


def sensor_from_dict(raw: Mapping[str, Any], where: str = "sensor") -> Sensor:
    """Build a sensor from its description; each bad field is an `InputError` naming it."""
    sensor_id = raw.get("id")
    if not isinstance(sensor_id, str) or not sensor_id.strip():
        raise InputError(f"{where}.id", sensor_id, "a non-empty text id")
    kind = parse_choice(raw.get("kind"), SensorKind, f"{where}.kind")
    level = parse_choice(raw.get("level"), MeteringLevel, f"{where}.level")
    valid_min = _number(raw.get("valid_min"), f"{where}.valid_min")
    valid_max = _number(raw.get("valid_max"), f"{where}.valid_max")
    if valid_max <= valid_min:
        raise InputError(f"{where}.valid_max", valid_max, f"a number above valid_min {valid_min}")
    interval = raw.get("interval_s")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
        raise InputError(f"{where}.interval_s", interval, "a whole number of seconds above 0")
    attached = raw.get("attachment")
    if not isinstance(attached, Mapping):
        raise InputError(f"{where}.attachment", attached, "a mapping {kind, ref}")
    ref = attached.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        raise InputError(f"{where}.attachment.ref", ref, "a non-empty text id")
    attachment = Attachment(
        parse_choice(attached.get("kind"), AttachmentKind, f"{where}.attachment.kind"), ref
    )
    return Sensor(sensor_id, kind, valid_min, valid_max, interval, level, attachment)


_Choice = TypeVar("_Choice", bound=StrEnum)


def parse_choice(value: object, enum: type[_Choice], field: str) -> _Choice:
    """``value`` as a member of ``enum``; anything else is an `InputError` listing the members."""
    allowed = f"one of {', '.join(item.value for item in enum)}"
    if not isinstance(value, str):
        raise InputError(field, value, allowed)
    try:
        return enum(value)
    except ValueError:
        raise InputError(field, value, allowed) from None


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InputError(field, value, "a number")
    return float(value)
