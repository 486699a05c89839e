"""Regions and plants: the registry the exchange issues rights against."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.service.actions import record_action, state_of
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import (
    IdempotencyKey,
    PlantIn,
    PlantOut,
    RegionIn,
    RegionOut,
    RegionSettingsIn,
    RowId,
)
from reclaim.store.exchange import committed_on
from reclaim.store.models import Plant, Region
from reclaim.store.registry import (
    PlantSpec,
    RegionSettings,
    RegionSpec,
    add_plant,
    create_region,
    get_or_404,
    update_region,
)

router = APIRouter(tags=["registry"])


@router.post("/regions", response_model=RegionOut, status_code=201)
def register_region(
    payload: RegionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a region with its settings (administrator); unset ones take the defaults."""
    context = context_of(request)
    spec = RegionSpec(**payload.model_dump())

    def work(session: Session, now: datetime) -> BaseModel:
        region = create_region(session, actor, spec, context.rules, set(context.schedules))
        record_action(session, actor, "region.create", region, now=now)
        return dump(RegionOut, region)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/regions", response_model=list[RegionOut])
def list_regions(request: Request) -> list[RegionOut]:
    """Every region (public)."""
    rows = context_of(request).read(lambda s: s.scalars(select(Region).order_by(Region.id)).all())
    return [dump(RegionOut, r) for r in rows]


@router.get("/regions/{region_id}", response_model=RegionOut)
def get_region(region_id: RowId, request: Request) -> RegionOut:
    """A region and its settings (public)."""
    return context_of(request).read(
        lambda s: dump(RegionOut, get_or_404(s, Region, region_id, "region_id"))
    )


@router.patch("/regions/{region_id}", response_model=RegionOut)
def change_region(
    region_id: RowId,
    payload: RegionSettingsIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Change a region's settings (the administrator or the region's regulator)."""
    context = context_of(request)
    settings = RegionSettings(**payload.model_dump())

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Region, region_id))
        region = update_region(
            session, actor, region_id, settings, context.rules, set(context.schedules)
        )
        record_action(session, actor, "region.update", region, now=now, before=before)
        return dump(RegionOut, region)

    return context.write(
        actor, idempotency_key, fingerprint(request, payload), work, status_code=200
    )


@router.post("/regions/{region_id}/plants", response_model=PlantOut, status_code=201)
def register_plant(
    region_id: RowId,
    payload: PlantIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a plant (the region's regulator); its deliverable supply follows from the reuse
    cap on sewage treated. Its operator is a seller of the region (the utility running it) or an
    exchange operator assigned to the region."""
    context = context_of(request)
    spec = PlantSpec(region_id=region_id, **payload.model_dump())

    def work(session: Session, now: datetime) -> BaseModel:
        plant = add_plant(session, actor, spec, context.rules)
        record_action(session, actor, "plant.create", plant, now=now)
        return plant_out(session, plant, now.date())

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


def plant_out(session: Session, plant: Plant, today: date) -> PlantOut:
    """A plant as the API shows it, with the volume its rights hold today."""
    annual, daily = committed_on(session, plant.id, today)
    fields = {c: getattr(plant, c) for c in PlantOut.model_fields if hasattr(plant, c)}
    return PlantOut(**fields, committed_annual_m3=annual, committed_daily_m3=daily)


@router.get("/regions/{region_id}/plants", response_model=list[PlantOut])
def list_plants(region_id: RowId, request: Request) -> list[PlantOut]:
    """The plants of a region with their deliverable volumes and those committed today (public)."""
    today = context_of(request).clock().date()

    def work(session: Session) -> list[PlantOut]:
        get_or_404(session, Region, region_id, "region_id")
        rows = session.scalars(
            select(Plant).where(Plant.region_id == region_id).order_by(Plant.id)
        ).all()
        return [plant_out(session, p, today) for p in rows]

    return context_of(request).read(work)
