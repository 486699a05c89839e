"""The operations registry in the store: devices and their credentials, sensors, the region's
network links and its DMAs, and who sees which sensor.

A region's network operators manage all of it; its regulators read it; a seller or buyer sees
only the sensors at the delivery points of its own contracts (a sensor attached to
``delivery_point`` names the contract by its id), as it sees those contracts.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, exists, false, insert, or_, select
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.rules import PARTY_ROLES, Role
from reclaim.operations.dma import check_dma
from reclaim.operations.registry import AttachmentKind, SensorKind, sensor_from_dict
from reclaim.store.models import (
    Contract,
    Device,
    Dma,
    DmaMeter,
    NetworkLink,
    Plant,
    Reading,
    Region,
    Sensor,
)
from reclaim.store.registry import Actor, get_or_404

DEVICE_TOKEN_PREFIX = "dev_"
"""Device tokens start with this, so the service tells them from account tokens unread."""
DEVICE_TOKEN_BYTES = 32
FLOW_METER_KINDS = frozenset({SensorKind.FLOW.value, SensorKind.VOLUME_TOTALISER.value})
SENSOR_FIELDS = (
    "kind",
    "valid_min",
    "valid_max",
    "interval_s",
    "level",
    "attachment",
    "device",
)


def require_network_operator(actor: Actor, region_id: int) -> None:
    """Refuse (403) anyone but a network operator assigned to the region."""
    if not actor.is_network_operator_of(region_id):
        raise ForbiddenError(
            "region_id",
            region_id,
            "for the network operators assigned to this region",
            ErrorCode.NOT_YOUR_REGION,
        )


def require_network_reader(actor: Actor, region_id: int) -> None:
    """Refuse (403) anyone but the region's network operators and regulators."""
    regulator = actor.role is Role.REGULATOR and actor.is_staff_of(region_id)
    if not (regulator or actor.is_network_operator_of(region_id)):
        raise ForbiddenError(
            "region_id",
            region_id,
            "for the network operators and regulators of this region",
            ErrorCode.NOT_YOUR_REGION,
        )


def own_contract_ids(actor: Actor) -> Any:
    """The ids (as text) of the contracts a party is party to, or supplies from a plant it runs."""
    runs = select(Plant.id).where(Plant.operator_id == actor.id)
    return select(cast(Contract.id, String)).where(
        or_(
            Contract.buyer_id == actor.id,
            Contract.seller_id == actor.id,
            Contract.plant_id.in_(runs),
        )
    )


def visible_sensors(actor: Actor, region_id: int) -> ColumnElement[bool]:
    """The region's sensors the actor sees: all (network operators and regulators of the
    region), those at its own contracts' delivery points (parties), none (anyone else)."""
    in_region = Sensor.region_id == region_id
    if actor.is_network_operator_of(region_id) or (
        actor.role is Role.REGULATOR and actor.is_staff_of(region_id)
    ):
        return in_region
    if actor.role in PARTY_ROLES:
        return (
            in_region
            & (Sensor.attachment_kind == AttachmentKind.DELIVERY_POINT.value)
            & (Sensor.attachment_ref.in_(own_contract_ids(actor)))
        )
    return false()


def visible_sensor(session: Session, actor: Actor, region_id: int, code: str) -> Sensor:
    """A sensor the actor sees, by code; an unknown one and one it may not see are both 404."""
    sensor = session.scalar(
        select(Sensor).where(visible_sensors(actor, region_id), Sensor.code == code)
    )
    if sensor is None:
        raise NotFoundError("sensor", code)
    return sensor


def _token() -> tuple[str, str]:
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(DEVICE_TOKEN_BYTES)
    return token, hashlib.sha256(token.encode()).hexdigest()


def add_device(
    session: Session, actor: Actor, region_id: int, code: str, now: datetime
) -> tuple[Device, str]:
    """Register a device with a fresh credential; the token is returned once, stored hashed."""
    require_network_operator(actor, region_id)
    get_or_404(session, Region, region_id, "region_id")
    if session.scalar(select(Device.id).where(Device.region_id == region_id, Device.code == code)):
        raise ConflictError(
            "code", code, "a device of this region has this code", ErrorCode.ALREADY_EXISTS
        )
    token, digest = _token()
    device = Device(
        region_id=region_id, code=code, token_sha256=digest, token_issued_at=now, created_at=now
    )
    session.add(device)
    session.flush()
    return device, token


def renew_device_token(
    session: Session, actor: Actor, region_id: int, device_id: int, now: datetime
) -> tuple[Device, str]:
    """A new credential for a device; the old one stops working at once."""
    require_network_operator(actor, region_id)
    device = session.get(Device, device_id, with_for_update=True)
    if device is None or device.region_id != region_id:
        raise NotFoundError("device_id", device_id)
    token, digest = _token()
    device.token_sha256, device.token_issued_at = digest, now
    session.flush()
    return device, token


def device_for_token(session: Session, token: str) -> Device | None:
    """The device whose current credential is ``token``, if any."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return session.scalar(select(Device).where(Device.token_sha256 == digest))


def _device_id(session: Session, region_id: int, code: str | None) -> int | None:
    if code is None:
        return None
    device_id = session.scalar(
        select(Device.id).where(Device.region_id == region_id, Device.code == code)
    )
    if device_id is None:
        raise NotFoundError("device", code)
    return device_id


def _check_attachment(session: Session, region_id: int, kind: str, ref: str) -> None:
    """The place a sensor is attached to exists in the region (node and link: in its network
    model, once one is loaded)."""
    found: Any
    row_id = _row_id(ref)
    if kind == AttachmentKind.PLANT.value:
        found = row_id is not None and session.scalar(
            select(Plant.id).where(Plant.id == row_id, Plant.region_id == region_id)
        )
    elif kind == AttachmentKind.DELIVERY_POINT.value:
        found = row_id is not None and session.scalar(
            select(Contract.id).where(Contract.id == row_id, Contract.region_id == region_id)
        )
    elif kind == AttachmentKind.DMA.value:
        found = session.scalar(select(Dma.id).where(Dma.region_id == region_id, Dma.code == ref))
    else:
        links = select(NetworkLink).where(NetworkLink.region_id == region_id)
        if session.scalar(select(exists(links))) is False:
            return
        if kind == AttachmentKind.LINK.value:
            match = NetworkLink.link_id == ref
        else:
            match = or_(NetworkLink.start_node == ref, NetworkLink.end_node == ref)
        found = session.scalar(select(exists(links.where(match))))
    if not found:
        raise InputError("attachment.ref", ref, _WHERE[kind])


_MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integer columns."""


def _row_id(ref: str) -> int | None:
    """``ref`` as a row id, or None where no row can have it (not ASCII digits, or past a
    32-bit id: either would fail in the query instead of being refused by name)."""
    if not (ref.isascii() and ref.isdigit()) or int(ref) > _MAX_ROW_ID:
        return None
    return int(ref)


_WHERE = {
    AttachmentKind.PLANT.value: "the id of a plant of this region",
    AttachmentKind.DELIVERY_POINT.value: "the id of a contract of this region (its delivery point)",
    AttachmentKind.DMA.value: "the code of a DMA of this region",
    AttachmentKind.LINK.value: "a link id of the region's network model",
    AttachmentKind.NODE.value: "a node id of the region's network model",
}


def _checked(
    session: Session, region_id: int, code: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Column values of a sensor described by ``fields``; each bad field named."""
    spec = sensor_from_dict({"id": code, **fields}, where="sensor")
    _check_attachment(session, region_id, spec.attachment.kind.value, spec.attachment.ref)
    return {
        "kind": spec.kind.value,
        "valid_min": spec.valid_min,
        "valid_max": spec.valid_max,
        "interval_s": spec.interval_s,
        "level": spec.level.value,
        "attachment_kind": spec.attachment.kind.value,
        "attachment_ref": spec.attachment.ref,
        "device_id": _device_id(session, region_id, fields.get("device")),
    }


def register_sensor(
    session: Session,
    actor: Actor,
    region_id: int,
    code: str,
    fields: Mapping[str, Any],
    now: datetime,
) -> Sensor:
    """Register a sensor of the region (its network operator); codes are unique in a region."""
    require_network_operator(actor, region_id)
    get_or_404(session, Region, region_id, "region_id")
    if session.scalar(select(Sensor.id).where(Sensor.region_id == region_id, Sensor.code == code)):
        raise ConflictError(
            "code", code, "a sensor of this region has this code", ErrorCode.ALREADY_EXISTS
        )
    sensor = Sensor(region_id=region_id, code=code, created_at=now)
    for name, value in _checked(session, region_id, code, fields).items():
        setattr(sensor, name, value)
    session.add(sensor)
    session.flush()
    return sensor


def describe(sensor: Sensor, device_code: str | None) -> dict[str, Any]:
    """A stored sensor as the fields `register_sensor` takes."""
    return {
        "kind": sensor.kind,
        "valid_min": sensor.valid_min,
        "valid_max": sensor.valid_max,
        "interval_s": sensor.interval_s,
        "level": sensor.level,
        "attachment": {"kind": sensor.attachment_kind, "ref": sensor.attachment_ref},
        "device": device_code,
    }


def device_code(session: Session, sensor: Sensor) -> str | None:
    """The code of the device that sends a sensor's readings."""
    if sensor.device_id is None:
        return None
    return session.scalar(select(Device.code).where(Device.id == sensor.device_id))


def update_sensor(
    session: Session, actor: Actor, region_id: int, code: str, changes: Mapping[str, Any]
) -> Sensor:
    """Change a sensor's registration (its network operator); checked as a whole. Its kind is
    fixed once it has readings, which are stored in that kind's unit."""
    require_network_operator(actor, region_id)
    sensor = session.scalar(
        select(Sensor).where(Sensor.region_id == region_id, Sensor.code == code).with_for_update()
    )
    if sensor is None:
        raise NotFoundError("sensor", code)
    fields = describe(sensor, device_code(session, sensor)) | dict(changes)
    if fields["kind"] != sensor.kind and _has_readings(session, sensor.id):
        raise ConflictError(
            "kind",
            fields["kind"],
            f"the kind stays {sensor.kind}: readings are stored in its unit",
            ErrorCode.WRONG_STATE,
        )
    for name, value in _checked(session, region_id, code, fields).items():
        setattr(sensor, name, value)
    session.flush()
    return sensor


def _has_readings(session: Session, sensor_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Reading.sensor_id == sensor_id))))


def delete_sensor(session: Session, actor: Actor, region_id: int, code: str) -> Sensor:
    """Remove a sensor registered by mistake (the row removed is returned); one with readings or
    on a DMA's boundary stays."""
    require_network_operator(actor, region_id)
    sensor = session.scalar(
        select(Sensor).where(Sensor.region_id == region_id, Sensor.code == code)
    )
    if sensor is None:
        raise NotFoundError("sensor", code)
    if _has_readings(session, sensor.id):
        raise ConflictError(
            "sensor",
            code,
            "a sensor with readings stays (nothing stored is lost)",
            ErrorCode.IN_USE,
        )
    if session.scalar(select(exists().where(DmaMeter.sensor_id == sensor.id))):
        raise ConflictError("sensor", code, "it closes a DMA's boundary", ErrorCode.IN_USE)
    session.delete(sensor)
    session.flush()
    return sensor


def replace_network(
    session: Session, actor: Actor, region_id: int, links: Sequence[tuple[str, str, str]]
) -> int:
    """Load the region's network topology (link id, start node, end node), replacing the one
    before; refused if a DMA would lose a link. Returns the number of links."""
    require_network_operator(actor, region_id)
    get_or_404(session, Region, region_id, "region_id")
    ids = [link for link, _, _ in links]
    duplicated = sorted({link for link in ids if ids.count(link) > 1})
    if duplicated:
        raise InputError("links", duplicated, "each link id once")
    for link, start, end in links:
        if start == end:
            raise InputError(f"links.{link}", [start, end], "two different end nodes")
    kept = set(ids)
    for dma in session.scalars(select(Dma).where(Dma.region_id == region_id)):
        lost = sorted(set(dma.link_ids) - kept)
        if lost:
            raise ConflictError(
                "links", lost, f"links of DMA {dma.code}, which needs them", ErrorCode.IN_USE
            )
    session.execute(delete(NetworkLink).where(NetworkLink.region_id == region_id))
    if links:
        session.execute(
            insert(NetworkLink),
            [
                {"region_id": region_id, "link_id": link, "start_node": start, "end_node": end}
                for link, start, end in links
            ],
        )
    return len(links)


def network_links(session: Session, region_id: int) -> dict[str, tuple[str, str]]:
    """The region's network links: id → (start node, end node)."""
    rows = session.execute(
        select(NetworkLink.link_id, NetworkLink.start_node, NetworkLink.end_node).where(
            NetworkLink.region_id == region_id
        )
    )
    return {link: (start, end) for link, start, end in rows}


def add_dma(
    session: Session,
    actor: Actor,
    region_id: int,
    spec: Mapping[str, Any],
    now: datetime,
) -> tuple[Dma, list[str]]:
    """Define a DMA (``code``, ``name``, ``link_ids``, ``meters``: sensor codes) whose boundary
    the region's network model shows closed by its flow meters; (the DMA, its boundary links)."""
    require_network_operator(actor, region_id)
    get_or_404(session, Region, region_id, "region_id")
    code = spec["code"]
    if session.scalar(select(Dma.id).where(Dma.region_id == region_id, Dma.code == code)):
        raise ConflictError(
            "code", code, "a DMA of this region has this code", ErrorCode.ALREADY_EXISTS
        )
    links = network_links(session, region_id)
    if not links:
        raise ConflictError(
            "link_ids", spec["link_ids"], "load the region's network first", ErrorCode.WRONG_STATE
        )
    meters = list(
        session.scalars(
            select(Sensor).where(Sensor.region_id == region_id, Sensor.code.in_(spec["meters"]))
        )
    )
    found = {meter.code for meter in meters}
    missing = sorted(set(spec["meters"]) - found)
    if missing:
        raise InputError("meters", missing, "codes of sensors registered in this region")
    not_flow = sorted(
        m.code
        for m in meters
        if m.kind not in FLOW_METER_KINDS or m.attachment_kind != AttachmentKind.LINK.value
    )
    if not_flow:
        raise InputError("meters", not_flow, "flow meters or volume totalisers on a link")
    boundary = check_dma(links, spec["link_ids"], [m.attachment_ref for m in meters])
    dma = Dma(
        region_id=region_id,
        code=code,
        name=spec["name"],
        link_ids=sorted(set(spec["link_ids"])),
        created_at=now,
    )
    session.add(dma)
    session.flush()
    session.execute(insert(DmaMeter), [{"dma_id": dma.id, "sensor_id": m.id} for m in meters])
    return dma, sorted(boundary)


def dma_meters(session: Session, dma_id: int) -> list[str]:
    """The codes of a DMA's boundary meters."""
    query = (
        select(Sensor.code)
        .join(DmaMeter, DmaMeter.sensor_id == Sensor.id)
        .where(DmaMeter.dma_id == dma_id)
        .order_by(Sensor.code)
    )
    return list(session.scalars(query))
