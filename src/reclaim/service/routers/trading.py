"""Rights, listings, bids, deals and contracts: the exchange's order flow."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.periods import period_on
from reclaim.market.rules import (
    OPEN_DEAL_STATES,
    PARTY_ROLES,
    DealState,
    ListingMode,
    ListingState,
    RightState,
)
from reclaim.service.access import contracts_listed_for, listed_for
from reclaim.service.actions import record_action, state_of
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import (
    BidIn,
    BidOut,
    CloseOut,
    ContractOut,
    DealOut,
    DecisionIn,
    IdempotencyKey,
    ListingIn,
    ListingOut,
    RightIn,
    RightOut,
    RightPeriodOut,
    RowId,
)
from reclaim.store.exchange import (
    ListingSpec,
    RightSpec,
    accept_listing,
    cancel_listing,
    close_auction,
    conclude_deal,
    create_listing,
    decide_deal,
    issue_right,
    listing_region,
    periods_of,
    place_bid,
    visible_deal,
    visible_right,
)
from reclaim.store.models import Bid, Contract, Deal, Listing, Right
from reclaim.store.registry import Actor, get_or_404
from reclaim.store.settlement import visible_contract

router = APIRouter(tags=["exchange"])
LISTING_REGION = select(Right.region_id).where(Right.id == Listing.right_id).scalar_subquery()


@router.post("/rights", response_model=RightOut, status_code=201)
def issue(
    payload: RightIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Issue a right against a plant's deliverable supply (regulator)."""
    context = context_of(request)
    spec = RightSpec(**payload.model_dump())

    def work(session: Session, now: datetime) -> BaseModel:
        out = right_out(issue_right(session, actor, spec, context.rules, now), now.date())
        right = get_or_404(session, Right, out.id, "right_id")
        record_action(session, actor, "right.issue", right, now=now, after=out.model_dump())
        return out

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/rights", response_model=list[RightOut])
def list_rights(request: Request, actor: CurrentActor) -> list[RightOut]:
    """The caller's rights (regulators and operators: every right of their regions)."""
    today = context_of(request).clock().date()

    def work(session: Session) -> list[RightOut]:
        query = select(Right).where(listed_for(actor, Right.region_id, Right.holder_id))
        return [right_out(r, today) for r in session.scalars(query.order_by(Right.id))]

    return context_of(request).read(work)


@router.get("/rights/{right_id}", response_model=RightOut)
def get_right(right_id: RowId, request: Request, actor: CurrentActor) -> RightOut:
    """One right, if the caller holds it or is staff of its region, with its volume in every
    year."""
    context = context_of(request)
    today = context.clock().date()
    return context.read(lambda s: right_out(visible_right(s, actor, right_id), today))


def right_out(right: Right, today: date) -> RightOut:
    """A right with its periods, and the volumes of the year under way on top."""
    periods = periods_of(right)
    current = period_on(periods, max(today, right.term_start))
    state = RightState.EXPIRED.value if today >= right.term_end else right.state
    return RightOut(
        id=right.id,
        region_id=right.region_id,
        plant_id=right.plant_id,
        holder_id=right.holder_id,
        parent_id=right.parent_id,
        use_class=right.use_class,
        term_start=right.term_start,
        term_end=right.term_end,
        original_annual_m3=right.original_annual_m3,
        original_daily_m3=right.original_daily_m3,
        annual_volume_m3=current.annual_m3 if current else 0,
        daily_max_m3=current.daily_m3 if current else 0,
        reserved_annual_m3=current.reserved_annual_m3 if current else 0,
        reserved_daily_m3=current.reserved_daily_m3 if current else 0,
        state=state,
        periods=[
            RightPeriodOut(
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                annual_volume_m3=p.annual_m3,
                daily_max_m3=p.daily_m3,
                reserved_annual_m3=p.reserved_annual_m3,
                reserved_daily_m3=p.reserved_daily_m3,
            )
            for p in periods
        ],
    )


def _listing_out(listing: Listing) -> ListingOut:
    out = dump(ListingOut, listing)
    if listing.mode != ListingMode.ASCENDING or listing.state != ListingState.OPEN:
        out.best_bid_yuan_per_m3 = None  # sealed bids stay sealed
    return out


@router.post("/listings", response_model=ListingOut, status_code=201)
def list_right(
    payload: ListingIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """List (part of) a right: fixed price (挂牌), negotiated (协议转让) or auction (竞价)."""
    context = context_of(request)
    spec = ListingSpec(**payload.model_dump())

    def work(session: Session, now: datetime) -> BaseModel:
        listing = create_listing(session, actor, spec, context.schedules, now)
        record_action(session, actor, "listing.create", listing, now=now)
        return _listing_out(listing)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/listings", response_model=list[ListingOut])
def list_listings(
    request: Request,
    actor: CurrentActor,
    mine: bool = False,
) -> list[ListingOut]:
    """Open listings offered to the caller (staff: every open listing of their regions), or
    (mine=true) every listing of the caller."""

    def work(session: Session) -> list[ListingOut]:
        query = select(Listing).order_by(Listing.id)
        if mine:
            query = query.where(Listing.seller_id == actor.id)
        else:
            offered = listed_for(actor, LISTING_REGION, Listing.seller_id, Listing.counterparty_id)
            if actor.role in PARTY_ROLES:
                offered = or_(offered, Listing.counterparty_id.is_(None))
            query = query.where(Listing.state == ListingState.OPEN.value, offered)
        return [_listing_out(x) for x in session.scalars(query)]

    return context_of(request).read(work)


@router.post("/listings/{listing_id}/accept", response_model=DealOut, status_code=201)
def accept(
    listing_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Accept a fixed-price or negotiated listing; the deal enters publicity."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        deal = accept_listing(session, actor, listing_id, context.schedules, now)
        record_action(session, actor, "listing.accept", deal, now=now)
        return dump(DealOut, deal)

    return context.write(actor, idempotency_key, fingerprint(request), work)


@router.post("/listings/{listing_id}/bids", response_model=BidOut, status_code=201)
def bid(
    listing_id: RowId,
    payload: BidIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Bid on an auction at or above its reserve (above the best bid in an ascending one)."""
    context = context_of(request)
    price = payload.price_yuan_per_m3

    def work(session: Session, now: datetime) -> BaseModel:
        placed = place_bid(session, actor, listing_id, price, now)
        record_action(session, actor, "bid.place", placed, now=now)
        return dump(BidOut, placed)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/listings/{listing_id}/bids", response_model=list[BidOut])
def my_bids(listing_id: RowId, request: Request, actor: CurrentActor) -> list[BidOut]:
    """The caller's own bids on a listing (staff of the listing's region: every bid)."""

    def work(session: Session) -> list[BidOut]:
        query = select(Bid).where(Bid.listing_id == listing_id).order_by(Bid.id)
        listing = get_or_404(session, Listing, listing_id, "listing_id")
        if not actor.is_staff_of(listing_region(session, listing)):
            query = query.where(Bid.bidder_id == actor.id)
        return [dump(BidOut, b) for b in session.scalars(query)]

    return context_of(request).read(work)


@router.post("/listings/{listing_id}/close", response_model=CloseOut)
def close(
    listing_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Close an auction after its closing time: highest bid wins, ties by time."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Listing, listing_id))
        deal = close_auction(session, actor, listing_id, now)
        listing = get_or_404(session, Listing, listing_id, "listing_id")
        winner = () if deal is None else (deal.buyer_id,)
        record_action(
            session, actor, "listing.close", listing, now=now, before=before, parties=winner
        )
        state = ListingState.SOLD if deal is not None else ListingState.UNSOLD
        return CloseOut(
            listing_id=listing_id,
            state=state.value,
            deal=None if deal is None else dump(DealOut, deal),
        )

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.post("/listings/{listing_id}/cancel", response_model=ListingOut)
def cancel(
    listing_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Withdraw an open listing without bids; its volume returns to the right."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Listing, listing_id))
        listing = cancel_listing(session, actor, listing_id)
        record_action(session, actor, "listing.cancel", listing, now=now, before=before)
        return _listing_out(listing)

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.get("/deals", response_model=list[DealOut])
def list_deals(
    request: Request,
    actor: CurrentActor,
    state: Annotated[DealState | None, Query()] = None,
    open_only: bool = False,
) -> list[DealOut]:
    """The caller's deals; staff see every deal of their regions (open_only=true: undecided)."""

    def work(session: Session) -> list[DealOut]:
        query = select(Deal).order_by(Deal.id)
        query = query.where(listed_for(actor, Deal.region_id, Deal.buyer_id, Deal.seller_id))
        if state is not None:
            query = query.where(Deal.state == state.value)
        if open_only:
            query = query.where(Deal.state.in_([s.value for s in OPEN_DEAL_STATES]))
        return [dump(DealOut, d) for d in session.scalars(query)]

    return context_of(request).read(work)


@router.get("/deals/{deal_id}", response_model=DealOut)
def get_deal(deal_id: RowId, request: Request, actor: CurrentActor) -> DealOut:
    """One deal, if the caller is a party to it or staff of its region."""
    return context_of(request).read(lambda s: dump(DealOut, visible_deal(s, actor, deal_id)))


def _decide(
    request: Request,
    actor: Actor,
    deal_id: int,
    approve: bool,
    payload: DecisionIn,
    idempotency_key: str | None,
) -> JSONResponse:
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Deal, deal_id))
        deal = decide_deal(session, actor, deal_id, approve, payload.reason, now)
        action = "deal.approve" if approve else "deal.reject"
        record_action(session, actor, action, deal, now=now, before=before, reason=payload.reason)
        return dump(DealOut, deal)

    return context.write(
        actor, idempotency_key, fingerprint(request, payload), work, status_code=200
    )


@router.post("/deals/{deal_id}/approve", response_model=DealOut)
def approve(
    deal_id: RowId,
    request: Request,
    actor: CurrentActor,
    payload: DecisionIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve a deal in publicity (the regulator of its region)."""
    return _decide(request, actor, deal_id, True, payload or DecisionIn(), idempotency_key)


@router.post("/deals/{deal_id}/reject", response_model=DealOut)
def reject(
    deal_id: RowId,
    payload: DecisionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Reject a deal in publicity, with a reason (the regulator of its region); its volume
    returns to the right."""
    return _decide(request, actor, deal_id, False, payload, idempotency_key)


@router.post("/deals/{deal_id}/conclude", response_model=ContractOut, status_code=201)
def conclude(
    deal_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Make an approved deal whose publicity has ended into a contract."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        contract = conclude_deal(session, actor, deal_id, now)
        record_action(session, actor, "deal.conclude", contract, now=now)
        return dump(ContractOut, contract)

    return context.write(actor, idempotency_key, fingerprint(request), work)


@router.get("/contracts", response_model=list[ContractOut])
def list_contracts(request: Request, actor: CurrentActor) -> list[ContractOut]:
    """The caller's contracts, as a party or as the supplying plant's operator (staff: every
    contract of their regions)."""

    def work(session: Session) -> list[ContractOut]:
        query = select(Contract).where(contracts_listed_for(actor)).order_by(Contract.id)
        return [dump(ContractOut, c) for c in session.scalars(query)]

    return context_of(request).read(work)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: RowId, request: Request, actor: CurrentActor) -> ContractOut:
    """One contract, if the caller is a party, the supplying plant's operator or staff of its
    region."""
    return context_of(request).read(
        lambda s: dump(ContractOut, visible_contract(s, actor, contract_id))
    )
