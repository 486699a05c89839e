"""The operations registry of a region: devices and their credentials, sensors, the network's
links and the DMAs, managed by the region's network operators."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.operations.dma import boundary_links
from reclaim.service.actions import Target, record_action, state_of
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, fingerprint
from reclaim.service.ops_schemas import (
    DeviceIn,
    DeviceOut,
    DeviceTokenOut,
    DmaIn,
    DmaOut,
    ElementId,
    NetworkIn,
    NetworkOut,
    SensorChangesIn,
    SensorIn,
    SensorOut,
    sensor_out,
)
from reclaim.service.schemas import IdempotencyKey, RowId
from reclaim.store.models import Device, Dma, Sensor
from reclaim.store.sensors import (
    add_device,
    add_dma,
    delete_sensor,
    describe,
    device_code,
    dma_meters,
    network_links,
    register_sensor,
    renew_device_token,
    replace_network,
    require_network_reader,
    update_sensor,
    visible_sensor,
    visible_sensors,
)

router = APIRouter(tags=["operations registry"])


def _sensor_out(session: Session, sensor: Sensor) -> SensorOut:
    return sensor_out(describe(sensor, device_code(session, sensor)), sensor.code)


def _token_out(device: Device, token: str) -> DeviceTokenOut:
    return DeviceTokenOut(
        id=device.id, code=device.code, token_issued_at=device.token_issued_at, token=token
    )


@router.post("/regions/{region_id}/devices", response_model=DeviceTokenOut, status_code=201)
def register_device(
    region_id: RowId,
    payload: DeviceIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a device (network operator); its token is in this answer only."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        device, token = add_device(session, actor, region_id, payload.code, now)
        record_action(session, actor, "device.register", device, now=now)
        return _token_out(device, token)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/regions/{region_id}/devices", response_model=list[DeviceOut])
def list_devices(region_id: RowId, request: Request, actor: CurrentActor) -> list[DeviceOut]:
    """The region's devices (network operators and regulators); never their tokens."""

    def read(session: Session) -> list[DeviceOut]:
        require_network_reader(actor, region_id)
        rows = session.scalars(
            select(Device).where(Device.region_id == region_id).order_by(Device.code)
        )
        return [DeviceOut(id=d.id, code=d.code, token_issued_at=d.token_issued_at) for d in rows]

    return context_of(request).read(read)


@router.post(
    "/regions/{region_id}/devices/{device_id}/token",
    response_model=DeviceTokenOut,
    status_code=201,
)
def renew_token(
    region_id: RowId, device_id: RowId, request: Request, actor: CurrentActor
) -> JSONResponse:
    """A new token for a device (network operator), shown once; the old one stops working."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Device, device_id))
        device, token = renew_device_token(session, actor, region_id, device_id, now)
        record_action(session, actor, "device.token.renew", device, now=now, before=before)
        return _token_out(device, token)

    return context.write(actor, None, fingerprint(request), work)


@router.post("/regions/{region_id}/sensors", response_model=SensorOut, status_code=201)
def register(
    region_id: RowId,
    payload: SensorIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a meter or sensor (network operator)."""
    context = context_of(request)
    fields = payload.model_dump(exclude={"code"}, mode="json")

    def work(session: Session, now: datetime) -> BaseModel:
        sensor = register_sensor(session, actor, region_id, payload.code, fields, now)
        record_action(session, actor, "sensor.register", sensor, now=now)
        return _sensor_out(session, sensor)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/regions/{region_id}/sensors", response_model=list[SensorOut])
def list_sensors(region_id: RowId, request: Request, actor: CurrentActor) -> list[SensorOut]:
    """The region's sensors the caller sees (a party: those at its contracts' delivery points)."""

    def read(session: Session) -> list[SensorOut]:
        rows = session.scalars(
            select(Sensor).where(visible_sensors(actor, region_id)).order_by(Sensor.code)
        )
        return [_sensor_out(session, sensor) for sensor in rows]

    return context_of(request).read(read)


@router.get("/regions/{region_id}/sensors/{sensor_code}", response_model=SensorOut)
def get_sensor(
    region_id: RowId, sensor_code: ElementId, request: Request, actor: CurrentActor
) -> SensorOut:
    """One sensor the caller sees."""
    return context_of(request).read(
        lambda s: _sensor_out(s, visible_sensor(s, actor, region_id, sensor_code))
    )


@router.patch("/regions/{region_id}/sensors/{sensor_code}", response_model=SensorOut)
def change_sensor(
    region_id: RowId,
    sensor_code: ElementId,
    payload: SensorChangesIn,
    request: Request,
    actor: CurrentActor,
) -> JSONResponse:
    """Fix a sensor's registration (network operator); then its quarantined readings can be
    replayed."""
    context = context_of(request)
    changes = payload.model_dump(exclude_unset=True, mode="json")

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(_sensor_row(session, region_id, sensor_code))
        sensor = update_sensor(session, actor, region_id, sensor_code, changes)
        record_action(session, actor, "sensor.update", sensor, now=now, before=before)
        return _sensor_out(session, sensor)

    return context.write(actor, None, fingerprint(request, payload), work, status_code=200)


@router.delete("/regions/{region_id}/sensors/{sensor_code}", status_code=204)
def remove_sensor(
    region_id: RowId, sensor_code: ElementId, request: Request, actor: CurrentActor
) -> Response:
    """Remove a sensor registered by mistake (network operator); one with readings stays."""
    context = context_of(request)

    def work(session: Session) -> None:
        before = state_of(_sensor_row(session, region_id, sensor_code))
        delete_sensor(session, actor, region_id, sensor_code)
        record_action(
            session,
            actor,
            "sensor.delete",
            Target("sensors", f"{region_id}/{sensor_code}"),
            now=context.now(),
            before=before,
            region_id=region_id,
        )

    context.run(work)
    return Response(status_code=204)


def _sensor_row(session: Session, region_id: int, code: str) -> Sensor | None:
    """The sensor row of a region by its code, if any (logged as the `before` of a change)."""
    return session.scalar(select(Sensor).where(Sensor.region_id == region_id, Sensor.code == code))


@router.put("/regions/{region_id}/network", response_model=NetworkOut)
def load_network(
    region_id: RowId, payload: NetworkIn, request: Request, actor: CurrentActor
) -> JSONResponse:
    """Load the region's network topology (network operator): each link's EPANET id and end
    nodes, against which attachments and DMA boundaries are checked."""
    context = context_of(request)
    links = [(link.id, link.start, link.end) for link in payload.links]

    def work(session: Session, now: datetime) -> BaseModel:
        count = replace_network(session, actor, region_id, links)
        record_action(
            session,
            actor,
            "network.replace",
            Target("network", str(region_id)),
            now=now,
            after={"links": count},
            region_id=region_id,
        )
        return NetworkOut(links=count)

    return context.write(actor, None, fingerprint(request, payload), work, status_code=200)


def _dma_out(session: Session, dma: Dma, boundary: Collection[str]) -> DmaOut:
    return DmaOut(
        id=dma.id,
        code=dma.code,
        name=dma.name,
        link_ids=dma.link_ids,
        meters=dma_meters(session, dma.id),
        boundary_links=sorted(boundary),
    )


@router.post("/regions/{region_id}/dmas", response_model=DmaOut, status_code=201)
def define_dma(
    region_id: RowId,
    payload: DmaIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Define a DMA (network operator); refused while a link crossing its boundary has no
    registered flow meter, naming those links."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        dma, boundary = add_dma(session, actor, region_id, payload.model_dump(), now)
        out = _dma_out(session, dma, boundary)
        record_action(session, actor, "dma.define", dma, now=now, after=out.model_dump())
        return out

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/regions/{region_id}/dmas", response_model=list[DmaOut])
def list_dmas(region_id: RowId, request: Request, actor: CurrentActor) -> list[DmaOut]:
    """The region's DMAs with their meters and boundary (network operators and regulators)."""

    def read(session: Session) -> list[DmaOut]:
        require_network_reader(actor, region_id)
        links = network_links(session, region_id)
        rows = session.scalars(select(Dma).where(Dma.region_id == region_id).order_by(Dma.code))
        return [_dma_out(session, dma, boundary_links(links, dma.link_ids)) for dma in rows]

    return context_of(request).read(read)
