"""Metered contracts: their monthly bills, and a contract year's days against its right."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.service.access import listed_for
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump
from reclaim.service.schemas import (
    ContractUseOut,
    DailyVolumeOut,
    Day,
    Id,
    MonthlyBillOut,
    RowId,
)
from reclaim.store.metering import contract_use
from reclaim.store.models import Contract, MonthlyBill

router = APIRouter(tags=["metered bills"])


@router.get("/monthly-bills", response_model=list[MonthlyBillOut])
def monthly_bills(
    request: Request, actor: CurrentActor, contract_id: Id | None = None
) -> list[MonthlyBillOut]:
    """The monthly bills of metered contracts: a party's own (buyer or seller), staff: those
    of their regions; each with its lines (adjustments of earlier days included)."""

    def work(session: Session) -> list[MonthlyBillOut]:
        query = (
            select(MonthlyBill)
            .join(Contract, Contract.id == MonthlyBill.contract_id)
            .where(
                listed_for(actor, Contract.region_id, MonthlyBill.buyer_id, MonthlyBill.seller_id)
            )
        )
        if contract_id is not None:
            query = query.where(MonthlyBill.contract_id == contract_id)
        rows = session.scalars(query.order_by(MonthlyBill.contract_id, MonthlyBill.month))
        return [dump(MonthlyBillOut, row) for row in rows]

    return context_of(request).read(work)


@router.get("/contracts/{contract_id}/use", response_model=ContractUseOut)
def use(
    contract_id: RowId, request: Request, actor: CurrentActor, day: Day | None = None
) -> ContractUseOut:
    """A contract year's days (the year holding `day`, default today): each day's volume with
    its source (meter, or manual for a contract without one) and over-draw, and the year's use
    against the right."""
    context = context_of(request)

    def work(session: Session) -> ContractUseOut:
        found = contract_use(session, actor, contract_id, day, context.now())
        return ContractUseOut(
            contract_id=found.contract.id,
            year_start=found.year_start,
            year_end=found.year_end,
            annual_volume_m3=found.contract.annual_volume_m3,
            used_m3=found.used_m3,
            over_draw_m3=found.over_draw_m3,
            days=[
                DailyVolumeOut(
                    day=d.day,
                    source=d.source.value,
                    volume_m3=d.volume_m3,
                    daily_cap_m3=d.daily_cap_m3,
                    over_cap_m3=d.over_cap_m3,
                    over_right_m3=d.over_right_m3,
                    estimated=d.estimated,
                )
                for d in found.days
            ],
        )

    return context.read(work)
