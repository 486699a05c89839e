"""The exchange's invariants, checked over a snapshot of its state whatever order led there.

- no source is over-committed: rights issued against a plant never exceed its deliverable supply;
- volume is conserved: selling part of a right moves volume, it never creates any;
- no right is sold twice: a listing yields at most one deal, and a right's reservations never
  exceed what it holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reclaim.market.rules import OPEN_DEAL_STATES, DealState, ListingState


@dataclass(frozen=True)
class PlantSnapshot:
    """A plant's deliverable supply and the counters of volume committed against it."""

    id: int
    deliverable_annual_m3: int
    deliverable_daily_m3: int
    committed_annual_m3: int
    committed_daily_m3: int


@dataclass(frozen=True)
class RightSnapshot:
    """A right's volumes: as issued (or bought), held now, and reserved by open listings/deals."""

    id: int
    plant_id: int
    parent_id: int | None
    original_annual_m3: int
    original_daily_m3: int
    annual_volume_m3: int
    daily_max_m3: int
    reserved_annual_m3: int
    reserved_daily_m3: int


@dataclass(frozen=True)
class ListingSnapshot:
    """A listing's volume and state."""

    id: int
    right_id: int
    state: str
    annual_volume_m3: int
    daily_max_m3: int
    best_bid_yuan_per_m3: Decimal | None = None


@dataclass(frozen=True)
class DealSnapshot:
    """A deal's listing, right, volume and state."""

    id: int
    listing_id: int
    right_id: int
    state: str
    annual_volume_m3: int
    daily_max_m3: int


def invariant_violations(
    plants: Sequence[PlantSnapshot],
    rights: Sequence[RightSnapshot],
    listings: Sequence[ListingSnapshot],
    deals: Sequence[DealSnapshot],
    bids: Sequence[tuple[int, Decimal]] = (),
) -> list[str]:
    """Every broken invariant, one sentence each; an empty list when the state is sound.

    `bids` are (listing id, price) pairs: a listing's recorded best bid must be their maximum.
    """
    problems: list[str] = []
    best: dict[int, Decimal] = {}
    for listing_id, price in bids:
        best[listing_id] = max(price, best.get(listing_id, price))
    problems += [
        f"listing {x.id} records best bid {x.best_bid_yuan_per_m3}, bids say {best.get(x.id)}"
        for x in listings
        if x.best_bid_yuan_per_m3 != best.get(x.id)
    ]
    problems += _source_violations(plants, rights)
    problems += _right_violations(rights, listings, deals)
    deals_per_listing = Counter(deal.listing_id for deal in deals)
    problems += [
        f"listing {listing_id} has {count} deals (at most one)"
        for listing_id, count in sorted(deals_per_listing.items())
        if count > 1
    ]
    return problems


def _source_violations(
    plants: Sequence[PlantSnapshot], rights: Sequence[RightSnapshot]
) -> list[str]:
    problems: list[str] = []
    issued_annual: dict[int, int] = defaultdict(int)
    issued_daily: dict[int, int] = defaultdict(int)
    held_annual: dict[int, int] = defaultdict(int)
    held_daily: dict[int, int] = defaultdict(int)
    for right in rights:
        if right.parent_id is None:
            issued_annual[right.plant_id] += right.original_annual_m3
            issued_daily[right.plant_id] += right.original_daily_m3
        held_annual[right.plant_id] += right.annual_volume_m3
        held_daily[right.plant_id] += right.daily_max_m3
    for plant in plants:
        if issued_annual[plant.id] > plant.deliverable_annual_m3:
            problems.append(
                f"plant {plant.id} over-committed: {issued_annual[plant.id]} m³/yr issued, "
                f"{plant.deliverable_annual_m3} deliverable"
            )
        if issued_daily[plant.id] > plant.deliverable_daily_m3:
            problems.append(
                f"plant {plant.id} over-committed: {issued_daily[plant.id]} m³/d issued, "
                f"{plant.deliverable_daily_m3} deliverable"
            )
        if (plant.committed_annual_m3, plant.committed_daily_m3) != (
            issued_annual[plant.id],
            issued_daily[plant.id],
        ):
            problems.append(f"plant {plant.id} commitment counters differ from the rights issued")
        if (held_annual[plant.id], held_daily[plant.id]) != (
            issued_annual[plant.id],
            issued_daily[plant.id],
        ):
            problems.append(f"plant {plant.id}: volume held by rights differs from volume issued")
    return problems


def _right_violations(
    rights: Sequence[RightSnapshot],
    listings: Sequence[ListingSnapshot],
    deals: Sequence[DealSnapshot],
) -> list[str]:
    problems: list[str] = []
    reserved_annual: dict[int, int] = defaultdict(int)
    reserved_daily: dict[int, int] = defaultdict(int)
    sold_annual: dict[int, int] = defaultdict(int)
    sold_daily: dict[int, int] = defaultdict(int)
    for listing in listings:
        if listing.state == ListingState.OPEN:
            reserved_annual[listing.right_id] += listing.annual_volume_m3
            reserved_daily[listing.right_id] += listing.daily_max_m3
    for deal in deals:
        if deal.state in OPEN_DEAL_STATES:
            reserved_annual[deal.right_id] += deal.annual_volume_m3
            reserved_daily[deal.right_id] += deal.daily_max_m3
        elif deal.state == DealState.CONTRACTED:
            sold_annual[deal.right_id] += deal.annual_volume_m3
            sold_daily[deal.right_id] += deal.daily_max_m3
    for right in rights:
        if not 0 <= right.reserved_annual_m3 <= right.annual_volume_m3:
            problems.append(
                f"right {right.id} reserves {right.reserved_annual_m3} m³/yr of "
                f"{right.annual_volume_m3} held"
            )
        if (right.reserved_annual_m3, right.reserved_daily_m3) != (
            reserved_annual[right.id],
            reserved_daily[right.id],
        ):
            problems.append(f"right {right.id}: reservations differ from its open listings/deals")
        if right.annual_volume_m3 + sold_annual[right.id] != right.original_annual_m3:
            problems.append(f"right {right.id} sold more (or less) than it gave up: sold twice?")
        if right.daily_max_m3 + sold_daily[right.id] != right.original_daily_m3:
            problems.append(
                f"right {right.id}: daily volume sold differs from daily volume given up"
            )
    return problems
