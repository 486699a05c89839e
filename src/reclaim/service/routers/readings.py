"""Readings of a region: HTTP batch ingest (JSON or CSV, from a device or a network operator),
stored readings and their aggregates, and the quarantine with its replay."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.errors import ErrorCode, InputError
from reclaim.market.errors import ForbiddenError
from reclaim.operations.aggregate import Period
from reclaim.service.actions import DEVICE_ROLE, Target, record_action
from reclaim.service.auth import AuthError, CurrentActor, bearer, current_actor
from reclaim.service.context import context_of
from reclaim.service.limits import AGGREGATE_SPAN_DAYS, READINGS_PAGE, READINGS_PER_REQUEST
from reclaim.service.ops_schemas import (
    AggregateOut,
    ElementId,
    IngestOut,
    QuarantineOut,
    ReadingOut,
    RefusedOut,
    ReplayIn,
    ReplayOut,
)
from reclaim.service.refusal import refusal
from reclaim.service.schemas import RowId
from reclaim.store.models import QuarantinedReading, Region
from reclaim.store.readings import (
    IngestOutcome,
    Source,
    ingest_readings,
    replay_quarantine,
    sensor_aggregates,
    sensor_readings,
)
from reclaim.store.registry import get_or_404
from reclaim.store.sensors import (
    DEVICE_TOKEN_PREFIX,
    device_for_token,
    require_network_operator,
    require_network_reader,
    visible_sensor,
)

router = APIRouter(tags=["readings"])
CSV_HEADER = ["sensor_id", "ts", "value", "unit"]
"""The columns of an ingest CSV, in this order, on its first line."""
CSV_TYPES = ("text/csv", "application/csv")


async def raw_body(request: Request) -> bytes:
    """The request body as sent (its size is bounded by `limits.BodyLimit`)."""
    return await request.body()


def parse_readings(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """An ingest body as readings (sensor, ts, value, unit): a JSON array of objects
    {sensor_id, ts, value, unit}, or CSV with the header `sensor_id,ts,value,unit`."""
    media = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("body", None, "UTF-8 text") from None
    if media in CSV_TYPES:
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [cell.strip() for cell in rows[0]] != CSV_HEADER:
            header = rows[0] if rows else []
            raise InputError("body.header", header, f"the header line {','.join(CSV_HEADER)}")
        readings = []
        for line, cells in enumerate(rows[1:], start=2):
            if not cells:
                continue
            if len(cells) != len(CSV_HEADER):
                raise InputError(f"line {line}", cells, f"{len(CSV_HEADER)} comma-separated cells")
            readings.append(dict(zip(CSV_HEADER, (cell.strip() for cell in cells), strict=True)))
        return [_reading(row) for row in readings]
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InputError("body", None, f"a JSON array of readings ({error})") from None
    except RecursionError:
        raise InputError(
            "body", None, "a JSON array of readings (this one nests too deep)"
        ) from None
    if not isinstance(document, list):
        raise InputError("body", type(document).__name__, "a JSON array of readings")
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise InputError(f"readings[{index}]", item, "an object {sensor_id, ts, value, unit}")
    return [_reading(item) for item in document]


def _reading(item: dict[str, Any]) -> dict[str, Any]:
    """The ingest mapping of one sent reading (`sensor_id` is the sensor's code)."""
    return {
        "sensor": item.get("sensor_id"),
        "ts": item.get("ts"),
        "value": item.get("value"),
        "unit": item.get("unit"),
    }


def _ingest_out(outcome: IngestOutcome) -> IngestOut:
    return IngestOut(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        quarantined=outcome.quarantined,
        refused=[RefusedOut(**vars(r)) for r in outcome.refused],
        alerts_opened=outcome.alerts_opened,
        alerts_folded=outcome.alerts_folded,
    )


@router.post("/regions/{region_id}/readings", response_model=IngestOut)
def post_readings(
    region_id: RowId,
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    bearer_token: Annotated[str | None, Depends(bearer)],
) -> JSONResponse:
    """Ingest a batch of at most 10⁴ readings, JSON or CSV (`Content-Type: text/csv`).

    A device sends with its own token and only for its own sensors; a network operator of the
    region may upload for any of them. Every reading is stored once, counted as a duplicate, or
    quarantined with its reason (listed in `refused`, with the row's position).
    """
    readings = parse_readings(body, request.headers.get("content-type", "application/json"))
    if len(readings) > READINGS_PER_REQUEST:
        return refusal(
            413,
            "too_large",
            "readings",
            f"{len(readings)} readings",
            f"at most {READINGS_PER_REQUEST} readings per request; send the rest in further ones",
            code=ErrorCode.BODY_TOO_LARGE,
        )
    if not readings:
        raise InputError("readings", [], "at least one reading")
    context = context_of(request)
    now = context.now()
    token = bearer_token or ""
    if token.startswith(DEVICE_TOKEN_PREFIX):

        def as_device(session: Session) -> IngestOutcome:
            device = device_for_token(session, token)
            if device is None:
                raise AuthError("invalid device token", ErrorCode.TOKEN_INVALID)
            if device.region_id != region_id:
                raise ForbiddenError(
                    "region_id",
                    region_id,
                    "the sending device's own region",
                    ErrorCode.NOT_YOUR_REGION,
                )
            outcome = ingest_readings(
                session,
                readings,
                region_id=region_id,
                received_at=now,
                source=Source.HTTP,
                device_id=device.id,
            )
            record_action(
                session,
                None,
                "readings.ingest",
                device,
                now=now,
                after=_ingest_out(outcome).model_dump(exclude={"refused"}),
                role=DEVICE_ROLE,
            )
            return outcome

        outcome = context.db.run(as_device)
    else:
        actor = current_actor(request, bearer_token)

        def as_operator(session: Session) -> IngestOutcome:
            require_network_operator(actor, region_id)
            outcome = ingest_readings(
                session, readings, region_id=region_id, received_at=now, source=Source.HTTP
            )
            record_action(
                session,
                actor,
                "readings.ingest",
                Target("readings", str(region_id)),
                now=now,
                after=_ingest_out(outcome).model_dump(exclude={"refused"}),
                region_id=region_id,
            )
            return outcome

        outcome = context.run(as_operator)
    return JSONResponse(_ingest_out(outcome).model_dump(mode="json"))


Moment = Annotated[AwareDatetime, Query(description="ISO 8601 with its offset")]


def _span(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InputError("end", end.isoformat(), f"a time after start {start.isoformat()}")


@router.get("/regions/{region_id}/readings", response_model=list[ReadingOut])
def list_readings(
    region_id: RowId,
    sensor: Annotated[ElementId, Query()],
    start: Moment,
    end: Moment,
    request: Request,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=READINGS_PAGE)] = 1_000,
) -> list[ReadingOut]:
    """A sensor's readings in [start, end), oldest first (a party: sensors at its contracts'
    delivery points)."""
    _span(start, end)

    def read(session: Session) -> list[ReadingOut]:
        found = visible_sensor(session, actor, region_id, sensor)
        return [
            ReadingOut(ts=ts, value=value, received_at=received, source=source)
            for ts, value, received, source in sensor_readings(session, found, start, end, limit)
        ]

    return context_of(request).read(read)


@router.get("/regions/{region_id}/aggregates", response_model=list[AggregateOut])
def list_aggregates(
    region_id: RowId,
    sensor: Annotated[ElementId, Query()],
    period: Annotated[Literal["15min", "1h", "1D"], Query()],
    start: Moment,
    end: Moment,
    request: Request,
    actor: CurrentActor,
) -> list[AggregateOut]:
    """A sensor's 15-minute, hourly or daily aggregates, periods in the region's time zone:
    mean/min/max/count, or a totaliser's volume (estimated where a boundary is interpolated)."""
    _span(start, end)
    most = AGGREGATE_SPAN_DAYS[period]
    if end - start > timedelta(days=most):
        raise InputError("end", end.isoformat(), f"at most {most} days after start for {period}")

    def read(session: Session) -> list[AggregateOut]:
        found = visible_sensor(session, actor, region_id, sensor)
        region = get_or_404(session, Region, region_id, "region_id")
        table = sensor_aggregates(session, found, region.time_zone, Period(period), start, end)
        return [
            AggregateOut(**{str(k): v for k, v in row.items() if k != "sensor"})
            for row in table.to_dict("records")
        ]

    return context_of(request).read(read)


@router.get("/regions/{region_id}/quarantine", response_model=list[QuarantineOut])
def list_quarantine(
    region_id: RowId,
    request: Request,
    actor: CurrentActor,
    pending: bool = True,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=READINGS_PAGE)] = 1_000,
) -> list[QuarantineOut]:
    """Quarantined readings with their payload and reason, oldest first (network operators and
    regulators); `pending=false` includes those already replayed."""

    def read(session: Session) -> list[QuarantineOut]:
        require_network_reader(actor, region_id)
        query = (
            select(QuarantinedReading)
            .where(QuarantinedReading.region_id == region_id, QuarantinedReading.id > after_id)
            .order_by(QuarantinedReading.id)
            .limit(limit)
        )
        if pending:
            query = query.where(QuarantinedReading.replayed_at.is_(None))
        return [
            QuarantineOut.model_validate(r, from_attributes=True) for r in session.scalars(query)
        ]

    return context_of(request).read(read)


@router.post("/regions/{region_id}/quarantine/replay", response_model=ReplayOut)
def replay(
    region_id: RowId, payload: ReplayIn, request: Request, actor: CurrentActor
) -> JSONResponse:
    """Re-ingest pending quarantined readings (those of `ids`, or the oldest 10⁴) after their
    sensors' registration was fixed (network operator)."""
    context = context_of(request)
    now = context.now()

    def work(session: Session) -> BaseModel:
        require_network_operator(actor, region_id)
        outcome = replay_quarantine(session, region_id, payload.ids, now)
        out = ReplayOut(
            replayed=outcome.replayed,
            still_quarantined=outcome.still_quarantined,
            accepted=outcome.ingest.accepted,
            duplicates=outcome.ingest.duplicates,
        )
        record_action(
            session,
            actor,
            "quarantine.replay",
            Target("quarantine", str(region_id)),
            now=now,
            after=out.model_dump(),
            region_id=region_id,
        )
        return out

    return JSONResponse(context.run(work).model_dump(mode="json"))
