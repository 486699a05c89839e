"""Request and response bodies of the operations routes: devices, sensors, the network's links,
DMAs, readings, aggregates and the quarantine. Values are in the sensor kind's canonical unit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from reclaim.operations.registry import CANONICAL_UNIT, SensorKind
from reclaim.service.field_docs import Documented
from reclaim.service.schemas import Name, Strict

MAX_LIST_ITEMS = 10_000
ElementId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
"""A sensor, device, DMA or EPANET element id: letters, digits and _ . : - (no spaces, no /)."""


class DeviceIn(Strict):
    code: ElementId


class DeviceOut(Documented):
    id: int
    code: str
    token_issued_at: datetime | None


class DeviceTokenOut(DeviceOut):
    token: str = Field(description="The device's credential, shown this once (stored hashed).")


class AttachmentIn(Strict):
    kind: Literal["plant", "node", "link", "delivery_point", "dma"]
    ref: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="A plant id, an EPANET node or link id, a contract id (its delivery "
        "point) or a DMA code"
    )


class SensorFields(Strict):
    """What a sensor is; each field checked by `reclaim.operations.registry.sensor_from_dict`."""

    kind: SensorKind
    valid_min: float
    valid_max: float
    interval_s: Annotated[int, Field(strict=True, gt=0, le=86_400)]
    level: Literal["一级", "二级", "三级"]
    attachment: AttachmentIn
    device: ElementId | None = None


class SensorIn(SensorFields):
    code: ElementId


class SensorChangesIn(Strict):
    """Fields of a sensor's registration to change; a field left out keeps its value."""

    kind: SensorKind | None = None
    valid_min: float | None = None
    valid_max: float | None = None
    interval_s: Annotated[int, Field(strict=True, gt=0, le=86_400)] | None = None
    level: Literal["一级", "二级", "三级"] | None = None
    attachment: AttachmentIn | None = None
    device: ElementId | None = None


class SensorOut(Documented):
    code: str
    kind: str
    unit: str
    valid_min: float
    valid_max: float
    interval_s: int
    level: str
    attachment: dict[str, str]
    device: str | None


def sensor_out(fields: dict[str, Any], code: str) -> SensorOut:
    """A sensor's registration as a response body, with its canonical unit."""
    return SensorOut(code=code, unit=CANONICAL_UNIT[SensorKind(fields["kind"])], **fields)


class LinkIn(Strict):
    id: ElementId
    start: ElementId
    end: ElementId


class NetworkIn(Strict):
    links: Annotated[list[LinkIn], Field(max_length=MAX_LIST_ITEMS)]


class NetworkOut(Documented):
    links: int


class DmaIn(Strict):
    code: ElementId
    name: Name
    link_ids: Annotated[list[ElementId], Field(min_length=1, max_length=MAX_LIST_ITEMS)]
    meters: Annotated[list[ElementId], Field(max_length=1_000)] = Field(
        description="Codes of the flow meters on the links crossing the boundary"
    )


class DmaOut(Documented):
    id: int
    code: str
    name: str
    link_ids: list[str]
    meters: list[str]
    boundary_links: list[str]


class RefusedOut(Documented):
    row: int
    field: str
    value: Any
    reason: str
    quarantine_id: int | None


class IngestOut(Documented):
    accepted: int
    duplicates: int
    quarantined: int
    refused: list[RefusedOut]
    alerts_opened: int
    alerts_folded: int


class ReadingOut(Documented):
    ts: datetime
    value: float
    received_at: datetime
    source: str


class AggregateOut(Documented):
    start: datetime
    mean: float | None = None
    min: float | None = None
    max: float | None = None
    n_readings: int | None = None
    volume_m3: float | None = None
    estimated: bool | None = None


class QuarantineOut(Documented):
    id: int
    sensor_code: str | None
    payload: dict[str, Any]
    reason: str
    field: str
    value: str | None
    source: str
    received_at: datetime
    replayed_at: datetime | None


class ReplayIn(Strict):
    ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_LIST_ITEMS)] | None = (
        None
    )


class ReplayOut(Documented):
    replayed: int
    still_quarantined: int
    accepted: int
    duplicates: int
