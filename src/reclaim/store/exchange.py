"""Trading: issue rights, list them, accept, bid, close auctions, decide and conclude deals.

Each function runs inside the caller's transaction. Volumes are claimed with single conditional
UPDATEs (`… SET reserved = reserved + v WHERE reserved + v <= held`), so two requests can never
both claim the last cubic metre; rows that gate a choice (an auction's best bid, a deal's state)
are locked with SELECT … FOR UPDATE on PostgreSQL, and SQLite serializes writers with BEGIN
IMMEDIATE. Any refusal raises, and the caller rolls the whole transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.prices import PriceSchedule
from reclaim.market.rules import (
    AUCTION_MODES,
    UNDECIDED_DEAL_STATES,
    BidView,
    DealState,
    ExchangeRules,
    ListingMode,
    ListingState,
    ObjectionState,
    RightState,
    Role,
    check_bid,
    check_can_close,
    check_decidable,
    check_term,
    check_use_class,
    check_volumes,
    check_within_term,
    positive_price,
    term_years,
    winning_bid,
)
from reclaim.store.models import (
    Account,
    Bid,
    Contract,
    Deal,
    Listing,
    Objection,
    Plant,
    Region,
    Right,
)
from reclaim.store.registry import Actor, get_or_404, lock_or_404, require_role

TRADING_ROLES = (Role.SELLER, Role.BUYER)


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


@dataclass(frozen=True)
class RightSpec:
    """A right to issue against a plant."""

    holder_id: int
    plant_id: int
    annual_volume_m3: int
    daily_max_m3: int
    term_start: date
    term_end: date
    use_class: str


def issue_right(
    session: Session, actor: Actor, spec: RightSpec, rules: ExchangeRules, now: datetime
) -> Right:
    """Issue a right (regulator only), never beyond what the plant can still deliver."""
    require_role(actor, Role.REGULATOR)
    check_volumes(spec.annual_volume_m3, spec.daily_max_m3)
    check_term(spec.term_start, spec.term_end)
    check_use_class(spec.use_class, rules)
    holder = get_or_404(session, Account, spec.holder_id, "holder_id")
    if holder.role not in TRADING_ROLES:
        raise InputError("holder_id", spec.holder_id, "a seller or buyer account holds rights")
    plant = get_or_404(session, Plant, spec.plant_id, "plant_id")
    claimed = session.execute(
        update(Plant)
        .where(
            Plant.id == spec.plant_id,
            Plant.committed_annual_m3 + spec.annual_volume_m3 <= Plant.deliverable_annual_m3,
            Plant.committed_daily_m3 + spec.daily_max_m3 <= Plant.deliverable_daily_m3,
        )
        .values(
            committed_annual_m3=Plant.committed_annual_m3 + spec.annual_volume_m3,
            committed_daily_m3=Plant.committed_daily_m3 + spec.daily_max_m3,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        session.refresh(plant)
        free_annual = plant.deliverable_annual_m3 - plant.committed_annual_m3
        free_daily = plant.deliverable_daily_m3 - plant.committed_daily_m3
        field, value, free = (
            ("annual_volume_m3", spec.annual_volume_m3, f"{free_annual} m³/yr")
            if spec.annual_volume_m3 > free_annual
            else ("daily_max_m3", spec.daily_max_m3, f"{free_daily} m³/d")
        )
        raise ConflictError(field, value, f"plant {plant.id} can deliver only {free} more")
    right = Right(
        region_id=plant.region_id,
        plant_id=plant.id,
        holder_id=holder.id,
        parent_id=None,
        use_class=spec.use_class,
        term_start=spec.term_start,
        term_end=spec.term_end,
        original_annual_m3=spec.annual_volume_m3,
        original_daily_m3=spec.daily_max_m3,
        annual_volume_m3=spec.annual_volume_m3,
        daily_max_m3=spec.daily_max_m3,
        reserved_annual_m3=0,
        reserved_daily_m3=0,
        state=RightState.ACTIVE.value,
        created_at=now,
    )
    session.add(right)
    session.flush()
    return right


def visible_right(session: Session, actor: Actor, right_id: int) -> Right:
    """A right its holder, the regulator or the operator may see; others get 404."""
    right = session.get(Right, right_id)
    if right is None or (
        actor.role not in (Role.REGULATOR, Role.OPERATOR) and right.holder_id != actor.id
    ):
        raise NotFoundError("right_id", right_id)
    return right


@dataclass(frozen=True)
class ListingSpec:
    """(Part of) a right offered for sale."""

    right_id: int
    mode: ListingMode
    annual_volume_m3: int
    daily_max_m3: int
    term_start: date
    term_end: date
    delivery_point: str
    reserve_yuan_per_m3: Decimal | None = None
    price_schedule: str | None = None
    counterparty_id: int | None = None
    closes_at: datetime | None = None


def create_listing(
    session: Session,
    actor: Actor,
    spec: ListingSpec,
    schedules: dict[str, PriceSchedule],
    now: datetime,
) -> Listing:
    """List (part of) a right the actor holds; its volume is reserved until sold or withdrawn."""
    require_role(actor, *TRADING_ROLES)
    right = visible_right(session, actor, spec.right_id)
    if right.holder_id != actor.id:
        raise ForbiddenError("right_id", spec.right_id, "only the holder lists a right")
    check_volumes(spec.annual_volume_m3, spec.daily_max_m3)
    check_within_term(spec.term_start, spec.term_end, right.term_start, right.term_end)
    if spec.term_end <= now.date():
        raise InputError("term_end", spec.term_end.isoformat(), "a date after today")
    _check_listing_price(session, actor, spec, schedules, now)
    claimed = session.execute(
        update(Right)
        .where(
            Right.id == right.id,
            Right.holder_id == actor.id,
            Right.state == RightState.ACTIVE.value,
            Right.reserved_annual_m3 + spec.annual_volume_m3 <= Right.annual_volume_m3,
            Right.reserved_daily_m3 + spec.daily_max_m3 <= Right.daily_max_m3,
        )
        .values(
            reserved_annual_m3=Right.reserved_annual_m3 + spec.annual_volume_m3,
            reserved_daily_m3=Right.reserved_daily_m3 + spec.daily_max_m3,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        session.refresh(right)
        free_annual = right.annual_volume_m3 - right.reserved_annual_m3
        free_daily = right.daily_max_m3 - right.reserved_daily_m3
        if spec.annual_volume_m3 > free_annual:
            raise ConflictError(
                "annual_volume_m3", spec.annual_volume_m3, f"the right has {free_annual} m³/yr free"
            )
        raise ConflictError(
            "daily_max_m3", spec.daily_max_m3, f"the right has {free_daily} m³/d free"
        )
    listing = Listing(
        right_id=right.id,
        seller_id=actor.id,
        counterparty_id=spec.counterparty_id,
        mode=spec.mode.value,
        annual_volume_m3=spec.annual_volume_m3,
        daily_max_m3=spec.daily_max_m3,
        term_start=spec.term_start,
        term_end=spec.term_end,
        reserve_yuan_per_m3=spec.reserve_yuan_per_m3,
        price_schedule=spec.price_schedule,
        delivery_point=spec.delivery_point,
        closes_at=spec.closes_at,
        state=ListingState.OPEN.value,
        created_at=now,
    )
    session.add(listing)
    session.flush()
    return listing


def _check_listing_price(
    session: Session,
    actor: Actor,
    spec: ListingSpec,
    schedules: dict[str, PriceSchedule],
    now: datetime,
) -> None:
    if spec.mode in AUCTION_MODES:
        if spec.reserve_yuan_per_m3 is None:
            raise InputError("reserve_yuan_per_m3", None, "an auction needs a reserve price")
        if spec.price_schedule is not None:
            raise InputError("price_schedule", spec.price_schedule, "auctions are priced by bids")
        if spec.closes_at is None or spec.closes_at <= now:
            raise InputError(
                "closes_at",
                None if spec.closes_at is None else spec.closes_at.isoformat(),
                "an auction needs a closing time in the future",
            )
    elif (spec.reserve_yuan_per_m3 is None) == (spec.price_schedule is None):
        raise InputError(
            "reserve_yuan_per_m3", spec.reserve_yuan_per_m3, "give a price or a price_schedule"
        )
    if spec.reserve_yuan_per_m3 is not None:
        positive_price("reserve_yuan_per_m3", spec.reserve_yuan_per_m3)
    if spec.price_schedule is not None and spec.price_schedule not in schedules:
        raise InputError("price_schedule", spec.price_schedule, f"one of {sorted(schedules)}")
    if spec.mode is ListingMode.NEGOTIATED:
        if spec.counterparty_id is None:
            raise InputError("counterparty_id", None, "a negotiated transfer names its buyer")
        if spec.counterparty_id == actor.id:
            raise InputError(
                "counterparty_id", spec.counterparty_id, "a party other than the seller"
            )
        counterparty = session.get(Account, spec.counterparty_id)
        if counterparty is None or counterparty.role not in TRADING_ROLES:
            raise NotFoundError("counterparty_id", spec.counterparty_id)
    elif spec.counterparty_id is not None:
        raise InputError(
            "counterparty_id", spec.counterparty_id, "only negotiated transfers name one"
        )


def _release(session: Session, right_id: int, annual_m3: int, daily_m3: int) -> None:
    """Give back a reservation made by a listing that will not be sold, or a rejected deal."""
    session.execute(
        update(Right)
        .where(Right.id == right_id)
        .values(
            reserved_annual_m3=Right.reserved_annual_m3 - annual_m3,
            reserved_daily_m3=Right.reserved_daily_m3 - daily_m3,
        )
        .execution_options(synchronize_session=False)
    )


def _close_listing(session: Session, listing_id: int, new_state: ListingState) -> None:
    """Move an open listing to `new_state`, or refuse if someone else closed it first."""
    moved = session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.state == ListingState.OPEN.value)
        .values(state=new_state.value)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(moved) != 1:
        raise ConflictError("listing_id", listing_id, "the listing is no longer open")


def _open_deal(
    session: Session, listing: Listing, buyer_id: int, price: Decimal, now: datetime
) -> Deal:
    right = session.get(Right, listing.right_id)
    assert right is not None
    region = session.get(Region, right.region_id)
    assert region is not None
    publicity_ends_at = now + timedelta(days=region.publicity_days)
    deal = Deal(
        listing_id=listing.id,
        right_id=listing.right_id,
        region_id=right.region_id,
        seller_id=listing.seller_id,
        buyer_id=buyer_id,
        mode=listing.mode,
        annual_volume_m3=listing.annual_volume_m3,
        daily_max_m3=listing.daily_max_m3,
        term_start=listing.term_start,
        term_end=listing.term_end,
        price_yuan_per_m3=price,
        delivery_point=listing.delivery_point,
        state=DealState.PUBLICITY.value,
        publicity_ends_at=publicity_ends_at,
        lapses_at=publicity_ends_at + timedelta(days=region.lapse_days),
        created_at=now,
    )
    session.add(deal)
    session.flush()
    return deal


def accept_listing(
    session: Session,
    actor: Actor,
    listing_id: int,
    schedules: dict[str, PriceSchedule],
    now: datetime,
) -> Deal:
    """Accept a fixed-price or negotiated listing: the first acceptance makes the deal."""
    require_role(actor, *TRADING_ROLES)
    listing = get_or_404(session, Listing, listing_id, "listing_id")
    mode = ListingMode(listing.mode)
    if mode is ListingMode.NEGOTIATED and listing.counterparty_id != actor.id:
        raise NotFoundError("listing_id", listing_id)
    if mode in AUCTION_MODES:
        raise ConflictError("listing_id", mode.value, "an auction is won by bidding")
    if listing.seller_id == actor.id:
        raise ForbiddenError("listing_id", listing_id, "a party may not buy its own listing")
    if listing.price_schedule is not None:
        price = schedules[listing.price_schedule].price_for(actor.use_class)
    else:
        assert listing.reserve_yuan_per_m3 is not None
        price = listing.reserve_yuan_per_m3
    _close_listing(session, listing_id, ListingState.SOLD)
    return _open_deal(session, listing, actor.id, price, now)


def place_bid(
    session: Session, actor: Actor, listing_id: int, price: Decimal, now: datetime
) -> Bid:
    """Bid on an open auction (the listing row is locked while the best bid is compared)."""
    require_role(actor, *TRADING_ROLES)
    listing = lock_or_404(session, Listing, listing_id, "listing_id")
    if listing.state != ListingState.OPEN.value:
        raise ConflictError("listing_id", listing_id, "the listing is no longer open")
    best = listing.best_bid_yuan_per_m3
    check_bid(
        mode=ListingMode(listing.mode),
        seller_id=listing.seller_id,
        bidder_id=actor.id,
        reserve_yuan_per_m3=listing.reserve_yuan_per_m3 or Decimal(0),  # set on every auction
        price_yuan_per_m3=price,
        best_so_far=best,
        closes_at=listing.closes_at,
        now=now,
    )
    bid = Bid(listing_id=listing_id, bidder_id=actor.id, price_yuan_per_m3=price, placed_at=now)
    session.add(bid)
    if best is None or price > best:
        listing.best_bid_yuan_per_m3 = price
    session.flush()
    return bid


def close_auction(session: Session, actor: Actor, listing_id: int, now: datetime) -> Deal | None:
    """Close an auction after its closing time: the winning bid becomes a deal, else unsold."""
    require_role(actor, Role.OPERATOR, *TRADING_ROLES)
    listing = lock_or_404(session, Listing, listing_id, "listing_id")
    if actor.role is not Role.OPERATOR and listing.seller_id != actor.id:
        raise ForbiddenError("listing_id", listing_id, "the seller or the operator closes it")
    check_can_close(ListingMode(listing.mode), listing.closes_at, now)
    bids = session.scalars(select(Bid).where(Bid.listing_id == listing_id)).all()
    winner = winning_bid(
        [BidView(b.id, b.bidder_id, b.price_yuan_per_m3, b.placed_at) for b in bids]
    )
    if winner is None:
        _close_listing(session, listing_id, ListingState.UNSOLD)
        _release(session, listing.right_id, listing.annual_volume_m3, listing.daily_max_m3)
        return None
    _close_listing(session, listing_id, ListingState.SOLD)
    return _open_deal(session, listing, winner.bidder_id, winner.price_yuan_per_m3, now)


def cancel_listing(session: Session, actor: Actor, listing_id: int) -> Listing:
    """Withdraw an open listing that has no bids; its volume returns to the right."""
    listing = lock_or_404(session, Listing, listing_id, "listing_id")
    if listing.seller_id != actor.id and actor.role is not Role.OPERATOR:
        raise NotFoundError("listing_id", listing_id)
    if session.scalar(select(Bid.id).where(Bid.listing_id == listing_id).limit(1)) is not None:
        raise ConflictError("listing_id", listing_id, "a listing with bids cannot be withdrawn")
    _close_listing(session, listing_id, ListingState.CANCELLED)
    _release(session, listing.right_id, listing.annual_volume_m3, listing.daily_max_m3)
    session.refresh(listing)
    return listing


def visible_deal(session: Session, actor: Actor, deal_id: int) -> Deal:
    """A deal its parties, the regulator or the operator may see; others get 404."""
    deal = session.get(Deal, deal_id)
    if deal is None or (
        actor.role not in (Role.REGULATOR, Role.OPERATOR)
        and actor.id not in (deal.buyer_id, deal.seller_id)
    ):
        raise NotFoundError("deal_id", deal_id)
    return deal


def decide_deal(
    session: Session,
    actor: Actor,
    deal_id: int,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> Deal:
    """The regulator approves or rejects an undecided deal; a rejection frees the volume.

    Approval waits for the end of publicity (公示) and for every objection to be resolved; a
    rejection, which must give its reason, may come at any time before the deal lapses.
    """
    require_role(actor, Role.REGULATOR)
    deal = lock_or_404(session, Deal, deal_id, "deal_id")
    if DealState(deal.state) not in UNDECIDED_DEAL_STATES:
        raise ConflictError(
            "deal_id", deal_id, f"the deal is {deal.state}, not awaiting a decision"
        )
    if not approve and not reason:
        raise InputError("reason", reason, "a rejection states its reason")
    if approve:
        check_decidable(
            deal.id, deal.publicity_ends_at, count_open_objections(session, deal.id), now
        )
    deal.state = (DealState.APPROVED if approve else DealState.REJECTED).value
    deal.decided_by_id = actor.id
    deal.decided_at = now
    deal.decision_reason = reason
    if not approve:
        release_deal_volume(session, deal)
    session.flush()
    return deal


def count_open_objections(session: Session, deal_id: int) -> int:
    """How many objections to the deal the regulator has not resolved yet."""
    return int(
        session.scalar(
            select(func.count(Objection.id)).where(
                Objection.deal_id == deal_id, Objection.state == ObjectionState.OPEN.value
            )
        )
        or 0
    )


def release_deal_volume(session: Session, deal: Deal) -> None:
    """A deal that will not become a contract gives its reserved volume back to the right."""
    _release(session, deal.right_id, deal.annual_volume_m3, deal.daily_max_m3)


def conclude_deal(session: Session, actor: Actor, deal_id: int, now: datetime) -> Contract:
    """Turn an approved deal whose publicity has ended into a contract and a right for the buyer.

    The seller's right gives up the sold volume; the buyer's new right carries it, from the same
    source, for the deal's term.
    """
    deal = visible_deal(session, actor, deal_id)
    deal = lock_or_404(session, Deal, deal_id, "deal_id")
    if deal.state != DealState.APPROVED.value:
        raise ConflictError("deal_id", deal_id, f"the deal is {deal.state}; it must be approved")
    if now < deal.publicity_ends_at:
        raise ConflictError(
            "deal_id", deal_id, f"publicity runs until {deal.publicity_ends_at.isoformat()}"
        )
    source = lock_or_404(session, Right, deal.right_id, "right_id")
    source.annual_volume_m3 -= deal.annual_volume_m3
    source.daily_max_m3 -= deal.daily_max_m3
    source.reserved_annual_m3 -= deal.annual_volume_m3
    source.reserved_daily_m3 -= deal.daily_max_m3
    if source.annual_volume_m3 == 0:
        source.state = RightState.EXHAUSTED.value
    bought = Right(
        region_id=source.region_id,
        plant_id=source.plant_id,
        holder_id=deal.buyer_id,
        parent_id=source.id,
        use_class=source.use_class,
        term_start=deal.term_start,
        term_end=deal.term_end,
        original_annual_m3=deal.annual_volume_m3,
        original_daily_m3=deal.daily_max_m3,
        annual_volume_m3=deal.annual_volume_m3,
        daily_max_m3=deal.daily_max_m3,
        reserved_annual_m3=0,
        reserved_daily_m3=0,
        state=RightState.ACTIVE.value,
        created_at=now,
    )
    session.add(bought)
    deal.state = DealState.CONTRACTED.value
    session.flush()
    contract = Contract(
        deal_id=deal.id,
        right_id=bought.id,
        source_right_id=source.id,
        region_id=deal.region_id,
        plant_id=source.plant_id,
        seller_id=deal.seller_id,
        buyer_id=deal.buyer_id,
        annual_volume_m3=deal.annual_volume_m3,
        daily_max_m3=deal.daily_max_m3,
        price_yuan_per_m3=deal.price_yuan_per_m3,
        term_start=deal.term_start,
        term_end=deal.term_end,
        term_years=term_years(deal.term_start, deal.term_end),
        delivery_point=deal.delivery_point,
        concluded_at=now,
    )
    session.add(contract)
    session.flush()
    return contract
