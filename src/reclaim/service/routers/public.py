"""What the public sees: trades, deals in publicity (公示), and the price index per region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from reclaim.market.prices import Trade, price_index
from reclaim.market.rules import DealState
from reclaim.service.context import context_of
from reclaim.service.schemas import MAX_ID, PricePeriodOut, PublicNoticeOut, PublicTradeOut
from reclaim.store.models import Account, Contract, Deal, Region
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


@router.get("/notices", response_model=list[PublicNoticeOut])
def notices(request: Request, region_id: RegionFilter = None) -> list[PublicNoticeOut]:
    """Deals in their publicity period (公示), open to objection."""

    def work(session: Session) -> list[PublicNoticeOut]:
        seller, buyer = aliased(Account), aliased(Account)
        query = (
            select(Deal, seller.display_name, buyer.display_name)
            .join(seller, seller.id == Deal.seller_id)
            .join(buyer, buyer.id == Deal.buyer_id)
            .where(Deal.state.in_([DealState.PUBLICITY.value, DealState.APPROVED.value]))
            .order_by(Deal.id)
        )
        if region_id is not None:
            query = query.where(Deal.region_id == region_id)
        return [
            PublicNoticeOut(
                deal_id=d.id,
                region_id=d.region_id,
                seller=seller_name,
                buyer=buyer_name,
                mode=d.mode,
                annual_volume_m3=d.annual_volume_m3,
                price_yuan_per_m3=d.price_yuan_per_m3,
                use_class=d.use_class,
                term_start=d.term_start,
                term_end=d.term_end,
                publicity_ends_at=d.publicity_ends_at,
            )
            for d, seller_name, buyer_name in session.execute(query)
        ]

    return context_of(request).read(work)


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
