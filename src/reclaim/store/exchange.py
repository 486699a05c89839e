"""Trading: issue rights, list them, accept, bid, close auctions, decide and conclude deals.

Each function runs inside the caller's transaction. A right's volumes are its periods (volume by
year, `reclaim.market.periods`): every change locks the right's row (SELECT … FOR UPDATE on
PostgreSQL; SQLite serializes writers with BEGIN IMMEDIATE), computes the new periods with the
pure rules and writes them, so two requests can never both claim the last cubic metre of a year.
Issuing locks the plant's row the same way while it checks every day of the new term against the
plant's supply. Rows that gate a choice (an auction's best bid, a deal's state) are locked too.
Any refusal raises, and the caller rolls the whole transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError, check_all, problems_of, raise_all
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.periods import (
    Period,
    Slice,
    check_capacity,
    check_sale_years,
    exhausted,
    release,
    reserve,
    transfer,
    whole_term,
)
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
    RightPeriod,
)
from reclaim.store.registry import (
    Actor,
    get_or_404,
    lock_or_404,
    region_today,
    require_role,
    require_staff_of,
)

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
    """Issue a right (the plant's regulator), never beyond what the plant can still deliver."""
    require_role(actor, Role.REGULATOR)
    check_all(
        lambda: check_volumes(spec.annual_volume_m3, spec.daily_max_m3),
        lambda: check_term(spec.term_start, spec.term_end),
        lambda: check_use_class(spec.use_class, rules),
    )
    holder = get_or_404(session, Account, spec.holder_id, "holder_id")
    if holder.role not in TRADING_ROLES:
        raise InputError("holder_id", spec.holder_id, "a seller or buyer account holds rights")
    plant = lock_or_404(session, Plant, spec.plant_id, "plant_id")
    require_staff_of(actor, plant.region_id, "plant_id", spec.plant_id)
    new = Slice(spec.term_start, spec.term_end, spec.annual_volume_m3, spec.daily_max_m3)
    check_capacity(
        plant.id,
        held_by_plant(session, plant.id, spec.term_start, spec.term_end),
        new,
        plant.deliverable_annual_m3,
        plant.deliverable_daily_m3,
    )
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
        state=RightState.ACTIVE.value,
        created_at=now,
    )
    session.add(right)
    store_periods(right, whole_term(new.starts_on, new.ends_on, new.annual_m3, new.daily_m3))
    session.flush()
    return right


def held_by_plant(session: Session, plant_id: int, starts_on: date, ends_on: date) -> list[Period]:
    """The periods of every right of a plant that overlap [starts_on, ends_on)."""
    rows = session.scalars(
        select(RightPeriod).where(
            RightPeriod.plant_id == plant_id,
            RightPeriod.ends_on > starts_on,
            RightPeriod.starts_on < ends_on,
        )
    )
    return [_period(row) for row in rows]


def committed_on(session: Session, plant_id: int, day: date) -> tuple[int, int]:
    """Annual and daily volume the plant's rights hold on `day`."""
    held = held_by_plant(session, plant_id, day, day + timedelta(days=1))
    return sum(p.annual_m3 for p in held), sum(p.daily_m3 for p in held)


def _period(row: RightPeriod) -> Period:
    return Period(
        row.starts_on,
        row.ends_on,
        row.annual_m3,
        row.daily_m3,
        row.reserved_annual_m3,
        row.reserved_daily_m3,
    )


def periods_of(right: Right) -> list[Period]:
    """A right's periods as the pure rules see them."""
    return [_period(row) for row in right.periods]


def store_periods(right: Right, periods: list[Period]) -> None:
    """Write a right's new periods over its old ones (rows matched by their first day).

    Rows are updated in place where a period starts on the same day, so the unique
    (right, first day) never sees two rows at once; the right's state follows its volume.
    """
    rows = {row.starts_on: row for row in right.periods}
    kept = []
    for period in periods:
        row = rows.pop(period.starts_on, None) or RightPeriod(
            plant_id=right.plant_id, starts_on=period.starts_on
        )
        row.ends_on = period.ends_on
        row.annual_m3, row.daily_m3 = period.annual_m3, period.daily_m3
        row.reserved_annual_m3 = period.reserved_annual_m3
        row.reserved_daily_m3 = period.reserved_daily_m3
        kept.append(row)
    right.periods = kept
    right.state = (RightState.EXHAUSTED if exhausted(periods) else RightState.ACTIVE).value


def visible_right(session: Session, actor: Actor, right_id: int) -> Right:
    """A right its holder or the staff of its region may see; others get 404."""
    right = session.get(Right, right_id)
    if right is None or not (right.holder_id == actor.id or actor.is_staff_of(right.region_id)):
        raise NotFoundError("right_id", right_id)
    return right


def listing_region(session: Session, listing: Listing) -> int:
    """The region of a listing: that of the right it offers."""
    region_id = session.scalar(select(Right.region_id).where(Right.id == listing.right_id))
    assert region_id is not None
    return region_id


def visible_listing(session: Session, actor: Actor, listing_id: int, lock: bool = False) -> Listing:
    """A listing its seller, its named counterparty, the staff of its region or (while it is an
    open offer to the market) any seller or buyer may see; others get 404."""
    listing = (lock_or_404 if lock else get_or_404)(session, Listing, listing_id, "listing_id")
    if actor.id in (listing.seller_id, listing.counterparty_id):
        return listing
    if actor.role in TRADING_ROLES and listing.counterparty_id is None:
        return listing
    if actor.is_staff_of(listing_region(session, listing)):
        return listing
    raise NotFoundError("listing_id", listing_id)


@dataclass(frozen=True)
class ListingSpec:
    """(Part of) a right offered for sale, over whole contract years not yet begun."""

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
    use_class: str | None = None
    """The use of the water sold; by default the right's."""

    def span(self) -> Slice:
        """The years and volumes the listing sets aside."""
        return Slice(self.term_start, self.term_end, self.annual_volume_m3, self.daily_max_m3)


def create_listing(
    session: Session,
    actor: Actor,
    spec: ListingSpec,
    schedules: dict[str, PriceSchedule],
    now: datetime,
) -> Listing:
    """List (part of) a right the actor holds; its volume is reserved until sold or withdrawn.

    The listing states the use of the water: the right's, or one the region converts it to.
    """
    require_role(actor, *TRADING_ROLES)
    right = visible_right(session, actor, spec.right_id)
    if right.holder_id != actor.id:
        raise ForbiddenError(
            "right_id", spec.right_id, "only the holder lists a right", ErrorCode.NOT_YOURS
        )
    region = get_or_404(session, Region, right.region_id, "region_id")
    today = region_today(region, now)
    check_all(
        lambda: check_volumes(spec.annual_volume_m3, spec.daily_max_m3),
        lambda: check_sale_years(
            right.term_start, right.term_end, spec.term_start, spec.term_end, today
        ),
        lambda: _check_listing_price(actor, spec, schedules, now),
    )
    _check_counterparty(session, spec)
    use_class = converted_use(right.use_class, spec.use_class, region, "use_class")
    if spec.counterparty_id is not None:
        counterparty = get_or_404(session, Account, spec.counterparty_id, "counterparty_id")
        converted_use(use_class, counterparty.use_class or use_class, region, "counterparty_id")
    if spec.price_schedule is not None:
        schedules[spec.price_schedule].price_for(use_class)
    right = lock_or_404(session, Right, right.id, "right_id")
    if right.state != RightState.ACTIVE.value:
        raise ConflictError(
            "right_id", right.id, f"the right is {right.state}", ErrorCode.RIGHT_NOT_ACTIVE
        )
    store_periods(right, reserve(periods_of(right), spec.span()))
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
        use_class=use_class,
        delivery_point=spec.delivery_point,
        closes_at=spec.closes_at,
        state=ListingState.OPEN.value,
        created_at=now,
    )
    session.add(listing)
    session.flush()
    return listing


def converted_use(listed: str, wanted: str | None, region: Region, field: str) -> str:
    """The use `wanted` (default: `listed`), if it is `listed` or the region converts to it."""
    if wanted is None or wanted == listed:
        return listed
    allowed = region.use_class_conversions.get(listed, [])
    if wanted not in allowed:
        raise ForbiddenError(
            field,
            wanted,
            f"the water is sold for {listed} use; region {region.code} converts it to "
            f"{', '.join(allowed) if allowed else 'no other use'}",
            ErrorCode.USE_NOT_CONVERTED,
        )
    return wanted


def _check_listing_price(
    actor: Actor, spec: ListingSpec, schedules: dict[str, PriceSchedule], now: datetime
) -> None:
    """The listing's price, closing time and counterparty fit its mode (all problems at once)."""
    problems: list[InputError] = []
    if spec.mode in AUCTION_MODES:
        if spec.reserve_yuan_per_m3 is None:
            problems.append(
                InputError("reserve_yuan_per_m3", None, "an auction needs a reserve price")
            )
        if spec.price_schedule is not None:
            problems.append(
                InputError("price_schedule", spec.price_schedule, "auctions are priced by bids")
            )
        if spec.closes_at is None or spec.closes_at <= now:
            problems.append(
                InputError(
                    "closes_at",
                    None if spec.closes_at is None else spec.closes_at.isoformat(),
                    "an auction needs a closing time in the future",
                )
            )
    elif (spec.reserve_yuan_per_m3 is None) == (spec.price_schedule is None):
        problems.append(
            InputError(
                "reserve_yuan_per_m3", spec.reserve_yuan_per_m3, "give a price or a price_schedule"
            )
        )
    reserve = spec.reserve_yuan_per_m3
    if reserve is not None:
        problems.extend(problems_of(lambda: positive_price("reserve_yuan_per_m3", reserve)))
    if spec.price_schedule is not None and spec.price_schedule not in schedules:
        problems.append(
            InputError("price_schedule", spec.price_schedule, f"one of {sorted(schedules)}")
        )
    if spec.mode is ListingMode.NEGOTIATED and spec.counterparty_id is None:
        problems.append(
            InputError("counterparty_id", None, "a negotiated transfer names its buyer")
        )
    elif spec.mode is ListingMode.NEGOTIATED and spec.counterparty_id == actor.id:
        problems.append(
            InputError("counterparty_id", spec.counterparty_id, "a party other than the seller")
        )
    elif spec.mode is not ListingMode.NEGOTIATED and spec.counterparty_id is not None:
        problems.append(
            InputError(
                "counterparty_id", spec.counterparty_id, "only negotiated transfers name one"
            )
        )
    raise_all(problems)


def _check_counterparty(session: Session, spec: ListingSpec) -> None:
    """A negotiated listing's buyer is a seller's or buyer's account (404 otherwise)."""
    if spec.mode is not ListingMode.NEGOTIATED or spec.counterparty_id is None:
        return
    counterparty = session.get(Account, spec.counterparty_id)
    if counterparty is None or counterparty.role not in TRADING_ROLES:
        raise NotFoundError("counterparty_id", spec.counterparty_id)


def release_reservation(session: Session, right_id: int, span: Slice) -> None:
    """Give back a reservation made by a listing that will not be sold, or a rejected deal."""
    right = lock_or_404(session, Right, right_id, "right_id")
    store_periods(right, release(periods_of(right), span))


def span_of(row: Listing | Deal) -> Slice:
    """The years and volumes a listing or deal moves."""
    return Slice(row.term_start, row.term_end, row.annual_volume_m3, row.daily_max_m3)


def _close_listing(session: Session, listing_id: int, new_state: ListingState) -> None:
    """Move an open listing to `new_state`, or refuse if someone else closed it first."""
    moved = session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.state == ListingState.OPEN.value)
        .values(state=new_state.value)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(moved) != 1:
        raise ConflictError(
            "listing_id", listing_id, "the listing is no longer open", ErrorCode.LISTING_NOT_OPEN
        )


def _open_deal(
    session: Session, listing: Listing, buyer: Actor, price: Decimal, now: datetime
) -> Deal:
    right = get_or_404(session, Right, listing.right_id, "right_id")
    region = get_or_404(session, Region, right.region_id, "region_id")
    publicity_ends_at = now + timedelta(days=region.publicity_days)
    deal = Deal(
        listing_id=listing.id,
        right_id=listing.right_id,
        region_id=right.region_id,
        seller_id=listing.seller_id,
        buyer_id=buyer.id,
        mode=listing.mode,
        annual_volume_m3=listing.annual_volume_m3,
        daily_max_m3=listing.daily_max_m3,
        term_start=listing.term_start,
        term_end=listing.term_end,
        price_yuan_per_m3=price,
        use_class=buyer_use(session, listing, buyer),
        delivery_point=listing.delivery_point,
        state=DealState.PUBLICITY.value,
        publicity_ends_at=publicity_ends_at,
        lapses_at=publicity_ends_at + timedelta(days=region.lapse_days),
        created_at=now,
    )
    session.add(deal)
    session.flush()
    return deal


def buyer_use(session: Session, listing: Listing, buyer: Actor) -> str:
    """The use a buyer gets: its own sector if the listed use is it or converts to it.

    A buyer without a sector (a seller buying) takes the listed use; any other buyer whose sector
    the region does not convert the listed use to is refused.
    """
    if buyer.use_class is None or buyer.use_class == listing.use_class:
        return listing.use_class  # no conversion: nothing to read (bids stay cheap)
    region_id = session.scalar(select(Right.region_id).where(Right.id == listing.right_id))
    region = get_or_404(session, Region, region_id or 0, "region_id")
    return converted_use(listing.use_class, buyer.use_class, region, "use_class")


def accept_listing(
    session: Session,
    actor: Actor,
    listing_id: int,
    schedules: dict[str, PriceSchedule],
    now: datetime,
) -> Deal:
    """Accept a fixed-price or negotiated listing: the first acceptance makes the deal."""
    require_role(actor, *TRADING_ROLES)
    listing = visible_listing(session, actor, listing_id)
    mode = ListingMode(listing.mode)
    if mode in AUCTION_MODES:
        raise ConflictError(
            "listing_id", mode.value, "an auction is won by bidding", ErrorCode.WRONG_LISTING_MODE
        )
    if listing.seller_id == actor.id:
        raise ForbiddenError(
            "listing_id", listing_id, "a party may not buy its own listing", ErrorCode.OWN_LISTING
        )
    use = buyer_use(session, listing, actor)
    if listing.price_schedule is not None:
        price = schedules[listing.price_schedule].price_for(use)
    else:
        assert listing.reserve_yuan_per_m3 is not None
        price = listing.reserve_yuan_per_m3
    _close_listing(session, listing_id, ListingState.SOLD)
    return _open_deal(session, listing, actor, price, now)


def place_bid(
    session: Session, actor: Actor, listing_id: int, price: Decimal, now: datetime
) -> Bid:
    """Bid on an open auction (the listing row is locked while the best bid is compared)."""
    require_role(actor, *TRADING_ROLES)
    listing = visible_listing(session, actor, listing_id, lock=True)
    if listing.state != ListingState.OPEN.value:
        raise ConflictError(
            "listing_id", listing_id, "the listing is no longer open", ErrorCode.LISTING_NOT_OPEN
        )
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
    buyer_use(session, listing, actor)
    bid = Bid(listing_id=listing_id, bidder_id=actor.id, price_yuan_per_m3=price, placed_at=now)
    session.add(bid)
    if best is None or price > best:
        listing.best_bid_yuan_per_m3 = price
    session.flush()
    return bid


def _runs_listing(session: Session, actor: Actor, listing: Listing) -> bool:
    """The seller, or an exchange operator of the listing's region."""
    if listing.seller_id == actor.id:
        return True
    return actor.role is Role.OPERATOR and actor.is_staff_of(listing_region(session, listing))


def close_auction(session: Session, actor: Actor, listing_id: int, now: datetime) -> Deal | None:
    """Close an auction after its closing time: the winning bid becomes a deal, else unsold."""
    require_role(actor, Role.OPERATOR, *TRADING_ROLES)
    listing = visible_listing(session, actor, listing_id, lock=True)
    if not _runs_listing(session, actor, listing):
        raise ForbiddenError(
            "listing_id",
            listing_id,
            "the seller or the region's operator closes it",
            ErrorCode.NOT_YOURS,
        )
    check_can_close(ListingMode(listing.mode), listing.closes_at, now)
    bids = session.scalars(select(Bid).where(Bid.listing_id == listing_id)).all()
    bidders = {b.bidder_id: _may_buy(session, listing, b.bidder_id) for b in bids}
    winner = winning_bid(
        [
            BidView(b.id, b.bidder_id, b.price_yuan_per_m3, b.placed_at)
            for b in bids
            if bidders[b.bidder_id] is not None
        ]
    )
    if winner is None:
        _close_listing(session, listing_id, ListingState.UNSOLD)
        release_reservation(session, listing.right_id, span_of(listing))
        return None
    _close_listing(session, listing_id, ListingState.SOLD)
    winner_actor = bidders[winner.bidder_id]
    assert winner_actor is not None
    return _open_deal(session, listing, winner_actor, winner.price_yuan_per_m3, now)


def _may_buy(session: Session, listing: Listing, bidder_id: int) -> Actor | None:
    """The bidder, if the listed use is still theirs or converts to it (the region may change)."""
    bidder = Actor.of(get_or_404(session, Account, bidder_id, "bidder_id"))
    try:
        buyer_use(session, listing, bidder)
    except ForbiddenError:
        return None
    return bidder


def cancel_listing(session: Session, actor: Actor, listing_id: int) -> Listing:
    """Withdraw an open listing that has no bids; its volume returns to the right."""
    listing = visible_listing(session, actor, listing_id, lock=True)
    if not _runs_listing(session, actor, listing):
        raise ForbiddenError(
            "listing_id",
            listing_id,
            "the seller or the region's operator withdraws it",
            ErrorCode.NOT_YOURS,
        )
    if session.scalar(select(Bid.id).where(Bid.listing_id == listing_id).limit(1)) is not None:
        raise ConflictError(
            "listing_id",
            listing_id,
            "a listing with bids cannot be withdrawn",
            ErrorCode.LISTING_HAS_BIDS,
        )
    _close_listing(session, listing_id, ListingState.CANCELLED)
    release_reservation(session, listing.right_id, span_of(listing))
    session.refresh(listing)
    return listing


def visible_deal(session: Session, actor: Actor, deal_id: int) -> Deal:
    """A deal its parties or the staff of its region may see; others get 404."""
    deal = session.get(Deal, deal_id)
    if deal is None or not (
        actor.id in (deal.buyer_id, deal.seller_id) or actor.is_staff_of(deal.region_id)
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
    """The regulator of the deal's region approves or rejects an undecided deal; a rejection
    frees the volume.

    Approval waits for the end of publicity (公示) and for every objection to be resolved; a
    rejection, which must give its reason, may come at any time before the deal lapses.
    """
    require_role(actor, Role.REGULATOR)
    visible_deal(session, actor, deal_id)
    deal = lock_or_404(session, Deal, deal_id, "deal_id")
    if DealState(deal.state) not in UNDECIDED_DEAL_STATES:
        raise ConflictError(
            "deal_id",
            deal_id,
            f"the deal is {deal.state}, not awaiting a decision",
            ErrorCode.WRONG_STATE,
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
        release_reservation(session, deal.right_id, span_of(deal))
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


def conclude_deal(session: Session, actor: Actor, deal_id: int, now: datetime) -> Contract:
    """Turn an approved deal whose publicity has ended into a contract and a right for the buyer.

    The seller's right gives up the sold volume in the years sold; the buyer's new right carries
    it, from the same source, for the deal's term and for the use the buyer bought it for.
    """
    deal = visible_deal(session, actor, deal_id)
    deal = lock_or_404(session, Deal, deal_id, "deal_id")
    if deal.state != DealState.APPROVED.value:
        raise ConflictError(
            "deal_id",
            deal_id,
            f"the deal is {deal.state}; it must be approved",
            ErrorCode.WRONG_STATE,
        )
    if now < deal.publicity_ends_at:
        raise ConflictError(
            "deal_id",
            deal_id,
            f"publicity runs until {deal.publicity_ends_at.isoformat()}",
            ErrorCode.PUBLICITY_RUNNING,
        )
    source = lock_or_404(session, Right, deal.right_id, "right_id")
    store_periods(source, transfer(periods_of(source), span_of(deal)))
    bought = Right(
        region_id=source.region_id,
        plant_id=source.plant_id,
        holder_id=deal.buyer_id,
        parent_id=source.id,
        use_class=deal.use_class,
        term_start=deal.term_start,
        term_end=deal.term_end,
        original_annual_m3=deal.annual_volume_m3,
        original_daily_m3=deal.daily_max_m3,
        state=RightState.ACTIVE.value,
        created_at=now,
    )
    session.add(bought)
    store_periods(
        bought, whole_term(deal.term_start, deal.term_end, deal.annual_volume_m3, deal.daily_max_m3)
    )
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
