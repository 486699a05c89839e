"""The exchange's rules on volumes, terms, capacity, bids and deal life cycle.

Volumes are whole cubic metres: annual volumes in m³/yr, daily volumes in m³/d. Money is `Decimal`.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from reclaim.errors import ErrorCode, InputError, check_all, raise_all
from reclaim.market.errors import ConflictError, ForbiddenError
from reclaim.units import DAYS_PER_YEAR


class Role(StrEnum):
    """Who an account is on the exchange."""

    ADMIN = "admin"
    """Creates regions and assigns regulators and operators to them; trades nothing."""
    REGULATOR = "regulator"
    """The water bureau of the regions it is assigned to: issues rights, decides deals."""
    OPERATOR = "operator"
    """The exchange operator of the regions it is assigned to: registers parties, runs sales."""
    NETWORK_OPERATOR = "network_operator"
    """Runs the reclaimed-water network of the regions it is assigned to: sensors, devices,
    DMAs, alert rules and acknowledgements. Not the exchange's operator: it trades nothing."""
    SELLER = "seller"
    BUYER = "buyer"


STAFF_ROLES = frozenset({Role.REGULATOR, Role.OPERATOR})
"""The exchange's staff: act on the exchange's records of the regions they are assigned to."""
ASSIGNED_ROLES = STAFF_ROLES | {Role.NETWORK_OPERATOR}
"""Roles an administrator assigns to regions (many-to-many), rather than giving a home region."""
PARTY_ROLES = frozenset({Role.SELLER, Role.BUYER})
"""Roles that hold rights and trade; each party belongs to one home region."""


class ListingMode(StrEnum):
    """How a listed volume is sold."""

    FIXED = "fixed"
    """挂牌: the first buyer who accepts the reserve price gets it."""
    NEGOTIATED = "negotiated"
    """协议转让: a price agreed with one named counterparty, who accepts it."""
    ASCENDING = "ascending"
    """竞价, open ascending: every bid must beat the best so far; highest wins at close."""
    SEALED = "sealed"
    """竞价, sealed: bids hidden until close; highest wins, ties by time."""


AUCTION_MODES = frozenset({ListingMode.ASCENDING, ListingMode.SEALED})


class RightState(StrEnum):
    """Life of a right: active while it holds volume, exhausted once all of it is sold.

    Expired (past its term) is read from the date, never stored.
    """

    ACTIVE = "active"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"


class ListingState(StrEnum):
    """Life of a listing."""

    OPEN = "open"
    SOLD = "sold"
    UNSOLD = "unsold"
    CANCELLED = "cancelled"


class DealState(StrEnum):
    """Life of a deal: publicity (公示), then the regulator's decision, then a contract.

    A deal still undecided `lapse_days` after its publicity ends lapses.
    """

    PUBLICITY = "publicity"
    PENDING_DECISION = "pending_decision"
    """Publicity has ended; no more objections, the regulator decides."""
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    CONTRACTED = "contracted"


UNDECIDED_DEAL_STATES = frozenset({DealState.PUBLICITY, DealState.PENDING_DECISION})
OPEN_DEAL_STATES = UNDECIDED_DEAL_STATES | {DealState.APPROVED}


class ObjectionState(StrEnum):
    """An objection is open until the regulator dismisses or upholds it, with a public reason."""

    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"
    """Upheld: the deal is rejected and its volume returns to the seller's right."""


def check_decidable(
    deal_id: int, publicity_ends_at: datetime, open_objections: int, now: datetime
) -> None:
    """A deal is approved only after its publicity ends and with no objection left open."""
    if now < publicity_ends_at:
        raise ConflictError(
            "deal_id",
            deal_id,
            f"publicity (公示) runs until {publicity_ends_at.isoformat()}; "
            "the deal is approved only after it ends",
            ErrorCode.PUBLICITY_RUNNING,
        )
    if open_objections:
        raise ConflictError(
            "deal_id",
            deal_id,
            f"{open_objections} objection(s) still open; the regulator resolves them first",
            ErrorCode.OBJECTIONS_OPEN,
        )


class DeliveryState(StrEnum):
    """Life of a delivery: billed at once, or first confirmed when its own seller reported it."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """Reported by the contract's seller: the buyer confirms or disputes it."""
    DISPUTED = "disputed"
    """The buyer disputes it: the region's regulator decides, with a reason."""
    BILLED = "billed"
    REJECTED = "rejected"
    """The regulator found it not delivered: nothing is billed."""


@dataclass(frozen=True)
class ExchangeRules:
    """The rules of `data/market/exchange_rules.yaml`: fixed ones, and defaults of a new region.

    A region's own settings (publicity, fee, feedback share, time zone, confirmation days) are
    copied from here when it is created and then live on the region's row.
    """

    reuse_cap_fraction: Decimal
    publicity_days: int
    lapse_days: int
    exchange_fee_rate: Decimal
    treatment_feedback_share: Decimal
    time_zone: str
    delivery_confirmation_days: int
    token_lifetime_minutes: int
    use_classes: tuple[str, ...]


@dataclass(frozen=True)
class SourceCapacity:
    """What a plant can deliver to rights holders, daily and annually."""

    deliverable_daily_m3: int
    deliverable_annual_m3: int


def deliverable_capacity(
    sewage_treated_m3_per_day: int, reclaimed_capacity_m3_per_day: int, reuse_cap_fraction: Decimal
) -> SourceCapacity:
    """Deliverable supply of a plant: its reclamation capacity, never above the reuse cap.

    The cap is a fraction of the sewage treated (0.8 by GB 50335, see the data file); the
    annual figure is the daily one over a 365-day year.
    """
    positive_int("sewage_treated_m3_per_day", sewage_treated_m3_per_day)
    positive_int("reclaimed_capacity_m3_per_day", reclaimed_capacity_m3_per_day)
    capped = math.floor(Decimal(sewage_treated_m3_per_day) * reuse_cap_fraction)
    daily = min(capped, reclaimed_capacity_m3_per_day)
    return SourceCapacity(deliverable_daily_m3=daily, deliverable_annual_m3=daily * DAYS_PER_YEAR)


def positive_int(field: str, value: int) -> int:
    """A strictly positive whole number (volumes, capacities)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(field, value, "a whole number greater than zero is required")
    return value


def positive_price(field: str, value: Decimal) -> Decimal:
    """A price in 元/m³, strictly positive, at most fen precision."""
    if not value.is_finite() or value <= 0:
        raise InputError(field, str(value), "a price greater than zero (元/m³) is required")
    if value != value.quantize(Decimal("0.01")):
        raise InputError(field, str(value), "a price with at most two decimals (fen) is required")
    return value


def check_volumes(annual_volume_m3: int, daily_max_m3: int) -> None:
    """Annual and daily volumes are positive and the daily cap does not exceed the annual volume
    (every problem reported at once)."""
    check_all(
        lambda: positive_int("annual_volume_m3", annual_volume_m3),
        lambda: positive_int("daily_max_m3", daily_max_m3),
    )
    if daily_max_m3 > annual_volume_m3:
        raise InputError(
            "daily_max_m3", daily_max_m3, f"at most the annual volume ({annual_volume_m3} m³)"
        )


def check_term(term_start: date, term_end: date) -> None:
    """A term runs forward: its end is after its start."""
    if term_end <= term_start:
        raise InputError("term_end", term_end.isoformat(), f"after term_start {term_start}")


def check_within_term(term_start: date, term_end: date, valid_from: date, valid_to: date) -> None:
    """A listed or resold term must lie inside the validity of the right it comes from."""
    check_term(term_start, term_end)
    validity = f"within the right's validity {valid_from}–{valid_to}"
    problems = []
    if term_start < valid_from:
        problems.append(InputError("term_start", term_start.isoformat(), validity))
    if term_end > valid_to:
        problems.append(InputError("term_end", term_end.isoformat(), validity))
    raise_all(problems)


USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
"""The form of a login, as `/auth/token` and the service's schemas accept it."""
USERNAME_FORM = (
    "1 to 64 characters, each a lower-case letter a-z, a digit 0-9, '_', '.' or '-' "
    "(no spaces or capitals), e.g. water_bureau"
)


def check_username(username: str) -> None:
    """An account name a user can log in with: checked when the account is created, not first
    at the login that would fail."""
    if USERNAME_PATTERN.fullmatch(username) is None:
        raise InputError("username", username, USERNAME_FORM, ErrorCode.BAD_USERNAME)


def check_use_class(use_class: str, rules: ExchangeRules, field: str = "use_class") -> None:
    """A use class is one of the sectors the exchange knows."""
    if use_class not in rules.use_classes:
        raise InputError(field, use_class, f"one of {', '.join(rules.use_classes)}")


def term_years(term_start: date, term_end: date) -> Decimal:
    """Length of a term in years (365-day years), to two decimals."""
    return (Decimal((term_end - term_start).days) / DAYS_PER_YEAR).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class BidView:
    """What the rules need of a bid: its price, when it came and its id (the final tie-break)."""

    id: int
    bidder_id: int
    price_yuan_per_m3: Decimal
    placed_at: datetime


def check_bid(
    *,
    mode: ListingMode,
    seller_id: int,
    bidder_id: int,
    reserve_yuan_per_m3: Decimal,
    price_yuan_per_m3: Decimal,
    best_so_far: Decimal | None,
    closes_at: datetime | None,
    now: datetime,
) -> None:
    """A bid is allowed: an auction still open, not the seller's own, at or above the reserve.

    In an ascending auction a bid must also beat the best bid so far.
    """
    if mode not in AUCTION_MODES:
        raise ConflictError(
            "listing_id",
            mode.value,
            "bids are taken only on auction listings",
            ErrorCode.WRONG_LISTING_MODE,
        )
    if bidder_id == seller_id:
        raise ForbiddenError(
            "listing_id", bidder_id, "a party may not bid on its own listing", ErrorCode.OWN_LISTING
        )
    if closes_at is not None and now >= closes_at:
        raise ConflictError(
            "listing_id", closes_at.isoformat(), "the auction has closed", ErrorCode.AUCTION_CLOSED
        )
    positive_price("price_yuan_per_m3", price_yuan_per_m3)
    if price_yuan_per_m3 < reserve_yuan_per_m3:
        raise InputError(
            "price_yuan_per_m3",
            str(price_yuan_per_m3),
            f"at least the reserve price {reserve_yuan_per_m3} 元/m³",
            ErrorCode.BELOW_RESERVE,
        )
    if (
        mode is ListingMode.ASCENDING
        and best_so_far is not None
        and price_yuan_per_m3 <= best_so_far
    ):
        raise ConflictError(
            "price_yuan_per_m3",
            str(price_yuan_per_m3),
            f"above the best bid so far, {best_so_far} 元/m³",
            ErrorCode.BID_TOO_LOW,
        )


def winning_bid(bids: Sequence[BidView]) -> BidView | None:
    """Highest price wins; among equal prices the earliest bid (then the lowest id)."""
    if not bids:
        return None
    return min(bids, key=lambda bid: (-bid.price_yuan_per_m3, bid.placed_at, bid.id))


def check_can_close(mode: ListingMode, closes_at: datetime | None, now: datetime) -> None:
    """An auction closes only once its closing time has passed."""
    if mode not in AUCTION_MODES:
        raise ConflictError(
            "listing_id",
            mode.value,
            "only auctions are closed; accept the listing",
            ErrorCode.WRONG_LISTING_MODE,
        )
    if closes_at is not None and now < closes_at:
        raise ConflictError(
            "listing_id",
            closes_at.isoformat(),
            "the auction closes only after its closing time",
            ErrorCode.AUCTION_STILL_OPEN,
        )


def contract_year_bounds(term_start: date, day: date) -> tuple[date, date]:
    """The contract year (from an anniversary of the start, end exclusive) that contains `day`.

    An annual volume is a cap per contract year; a 29 February start has its anniversaries on
    28 February in common years.
    """
    years = day.year - term_start.year
    start = _anniversary(term_start, years)
    if start > day:
        years -= 1
        start = _anniversary(term_start, years)
    return start, _anniversary(term_start, years + 1)


def _anniversary(origin: date, years: int) -> date:
    year = origin.year + years
    if year > date.max.year:
        return date.max
    if origin.month == 2 and origin.day == 29 and not calendar.isleap(year):
        return origin.replace(year=year, day=28)
    return origin.replace(year=year)
