"""What the public sees: trades, deals in publicity (公示) with their objections, the published
ledger heads, and the price index per region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from reclaim.market.errors import NotFoundError
from reclaim.market.prices import Trade, price_index
from reclaim.market.rules import OPEN_DEAL_STATES
from reclaim.service.context import context_of, dump
from reclaim.service.schemas import (
    MAX_ID,
    LedgerHeadOut,
    PricePeriodOut,
    PublicNoticeOut,
    PublicNoticesOut,
    PublicObjectionOut,
    PublicTradeOut,
)
from reclaim.store.models import Account, Contract, Deal, LedgerCheckpoint, Objection, Region
from reclaim.store.registry import get_or_404

router = APIRouter(prefix="/public", tags=["public"])
RegionFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/trades", response_model=list[PublicTradeOut])
def trades(request: Request, region_id: RegionFilter = None) -> list[PublicTradeOut]:
    """Concluded trades: parties, volumes, price and term (no bids, bills or balances)."""

    def work(session: Session) -> list[PublicTradeOut]:
        seller, buyer = aliased(Account), aliased(Account)
        query = (
            select(Contract, Deal.mode, seller.display_name, buyer.display_name)
            .join(Deal, Deal.id == Contract.deal_id)
            .join(seller, seller.id == Contract.seller_id)
            .join(buyer, buyer.id == Contract.buyer_id)
            .order_by(Contract.id)
        )
        if region_id is not None:
            query = query.where(Contract.region_id == region_id)
        return [
            PublicTradeOut(
                contract_id=c.id,
                region_id=c.region_id,
                seller=seller_name,
                buyer=buyer_name,
                mode=mode,
                annual_volume_m3=c.annual_volume_m3,
                daily_max_m3=c.daily_max_m3,
                price_yuan_per_m3=c.price_yuan_per_m3,
                term_start=c.term_start,
                term_end=c.term_end,
                concluded_at=c.concluded_at,
            )
            for c, mode, seller_name, buyer_name in session.execute(query)
        ]

    return context_of(request).read(work)


@router.get("/notices", response_model=PublicNoticesOut)
def notices(request: Request, region_id: RegionFilter = None) -> PublicNoticesOut:
    """The notice board (公示): deals open to objection or awaiting decision, with every
    objection's grounds and resolution, and the newest published ledger head."""

    def work(session: Session) -> PublicNoticesOut:
        seller, buyer = aliased(Account), aliased(Account)
        query = (
            select(Deal, seller.display_name, buyer.display_name)
            .join(seller, seller.id == Deal.seller_id)
            .join(buyer, buyer.id == Deal.buyer_id)
            .where(Deal.state.in_([s.value for s in OPEN_DEAL_STATES]))
            .order_by(Deal.id)
        )
        if region_id is not None:
            query = query.where(Deal.region_id == region_id)
        rows = session.execute(query).all()
        objections: dict[int, list[PublicObjectionOut]] = {d.id: [] for d, _, _ in rows}
        for objection in session.scalars(
            select(Objection).where(Objection.deal_id.in_(list(objections))).order_by(Objection.id)
        ):
            objections[objection.deal_id].append(
                PublicObjectionOut(
                    id=objection.id,
                    filed_by="public" if objection.filed_by_id is None else "party",
                    grounds=objection.grounds,
                    state=objection.state,
                    filed_at=objection.filed_at,
                    resolution=objection.resolution,
                    resolved_at=objection.resolved_at,
                )
            )
        deals = [
            PublicNoticeOut(
                deal_id=d.id,
                region_id=d.region_id,
                seller=seller_name,
                buyer=buyer_name,
                mode=d.mode,
                state=d.state,
                annual_volume_m3=d.annual_volume_m3,
                price_yuan_per_m3=d.price_yuan_per_m3,
                use_class=d.use_class,
                term_start=d.term_start,
                term_end=d.term_end,
                publicity_ends_at=d.publicity_ends_at,
                lapses_at=d.lapses_at,
                objections=objections[d.id],
            )
            for d, seller_name, buyer_name in rows
        ]
        return PublicNoticesOut(as_of=context.now(), ledger_head=_newest_head(session), deals=deals)

    context = context_of(request)
    return context.read(work)


def _newest_head(session: Session) -> LedgerHeadOut | None:
    row = session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.day.desc()).limit(1))
    return None if row is None else dump(LedgerHeadOut, row)


@router.get("/ledger/head", response_model=LedgerHeadOut)
def ledger_head(request: Request) -> LedgerHeadOut:
    """The newest daily ledger head: save it, and later check the ledger still extends it with
    `reclaim ledger verify --head FILE`."""

    def work(session: Session) -> LedgerHeadOut:
        head = _newest_head(session)
        if head is None:
            raise NotFoundError("ledger_head", None)
        return head

    return context_of(request).read(work)


@router.get("/ledger/heads", response_model=list[LedgerHeadOut])
def ledger_heads(request: Request) -> list[LedgerHeadOut]:
    """Every published daily ledger head, newest first."""
    return context_of(request).read(
        lambda session: [
            dump(LedgerHeadOut, row)
            for row in session.scalars(
                select(LedgerCheckpoint).order_by(LedgerCheckpoint.day.desc())
            )
        ]
    )


@router.get("/price-index", response_model=list[PricePeriodOut])
def region_price_index(
    request: Request, region_id: Annotated[int, Query(ge=1, le=MAX_ID)]
) -> list[PricePeriodOut]:
    """Monthly traded volume, volume-weighted price and index (first month = 100) of a region."""

    def work(session: Session) -> list[PricePeriodOut]:
        get_or_404(session, Region, region_id, "region_id")
        rows = session.execute(
            select(
                Contract.concluded_at, Contract.annual_volume_m3, Contract.price_yuan_per_m3
            ).where(Contract.region_id == region_id)
        )
        periods = price_index(Trade(at.date(), volume, price) for at, volume, price in rows)
        return [PricePeriodOut.model_validate(p, from_attributes=True) for p in periods]

    return context_of(request).read(work)
