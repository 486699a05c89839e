"""The exchange's invariants, checked over a snapshot of its state whatever order led there.

Volumes are a function of the year (see `reclaim.market.periods`), so every check holds on every
day of every right and plant, stretch by stretch between the days where anything changes:

- no source is over-committed: on any day, the volume held by the rights of a plant never exceeds
  its deliverable supply, and equals what was issued against it then;
- volume is conserved: on any day of a right, what it holds plus what it sold equals what it was
  issued (or bought) with;
- no right is sold twice: a listing yields at most one deal, and on any day a right's
  reservations equal its open listings and deals and never exceed what it holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from reclaim.market.periods import Period, Slice
from reclaim.market.rules import OPEN_DEAL_STATES, DealState, ListingState


@dataclass(frozen=True)
class PlantSnapshot:
    """A plant's deliverable supply."""

    id: int
    deliverable_annual_m3: int
    deliverable_daily_m3: int


@dataclass(frozen=True)
class RightSnapshot:
    """A right's term, the volume it was issued (or bought) with, and its periods."""

    id: int
    plant_id: int
    parent_id: int | None
    term_start: date
    term_end: date
    original_annual_m3: int
    original_daily_m3: int
    periods: tuple[Period, ...]


@dataclass(frozen=True)
class ListingSnapshot:
    """A listing's volume, term and state."""

    id: int
    right_id: int
    state: str
    span: Slice
    best_bid_yuan_per_m3: Decimal | None = None


@dataclass(frozen=True)
class DealSnapshot:
    """A deal's listing, right, volume, term and state."""

    id: int
    listing_id: int
    right_id: int
    state: str
    span: Slice


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


def _stretches(spans: Iterable[Slice | Period]) -> list[tuple[date, date]]:
    """The stretches between consecutive days where any span begins or ends."""
    cuts = sorted({day for s in spans for day in (s.starts_on, s.ends_on)})
    return list(pairwise(cuts))


def _on(spans: Iterable[Slice | Period], day: date) -> tuple[int, int]:
    """Annual and daily volume of the spans covering `day`."""
    covering = [s for s in spans if s.covers(day)]
    return sum(s.annual_m3 for s in covering), sum(s.daily_m3 for s in covering)


def _issued(right: RightSnapshot) -> Slice:
    return Slice(
        right.term_start, right.term_end, right.original_annual_m3, right.original_daily_m3
    )


def _source_violations(
    plants: Sequence[PlantSnapshot], rights: Sequence[RightSnapshot]
) -> list[str]:
    problems: list[str] = []
    issued: dict[int, list[Slice]] = defaultdict(list)
    held: dict[int, list[Period]] = defaultdict(list)
    for right in rights:
        if right.parent_id is None:
            issued[right.plant_id].append(_issued(right))
        held[right.plant_id] += right.periods
    for plant in plants:
        for first, last in _stretches([*issued[plant.id], *held[plant.id]]):
            issued_annual, issued_daily = _on(issued[plant.id], first)
            held_annual, held_daily = _on(held[plant.id], first)
            when = f"in {first}–{last}"
            if issued_annual > plant.deliverable_annual_m3:
                problems.append(
                    f"plant {plant.id} over-committed {when}: {issued_annual} m³/yr issued, "
                    f"{plant.deliverable_annual_m3} deliverable"
                )
            if issued_daily > plant.deliverable_daily_m3:
                problems.append(
                    f"plant {plant.id} over-committed {when}: {issued_daily} m³/d issued, "
                    f"{plant.deliverable_daily_m3} deliverable"
                )
            if (held_annual, held_daily) != (issued_annual, issued_daily):
                problems.append(
                    f"plant {plant.id} {when}: rights hold {held_annual} m³/yr, "
                    f"{held_daily} m³/d; issued {issued_annual} m³/yr, {issued_daily} m³/d"
                )
    return problems


def _tiling_violations(right: RightSnapshot) -> list[str]:
    periods = sorted(right.periods, key=lambda p: p.starts_on)
    if not periods:
        return [f"right {right.id} has no periods"]
    problems = []
    if periods[0].starts_on != right.term_start or periods[-1].ends_on != right.term_end:
        problems.append(f"right {right.id}: periods do not span its term")
    if any(p.ends_on <= p.starts_on for p in periods):
        problems.append(f"right {right.id}: a period ends before it starts")
    if any(a.ends_on != b.starts_on for a, b in pairwise(periods)):
        problems.append(f"right {right.id}: periods leave a gap or overlap")
    return problems


def _right_violations(
    rights: Sequence[RightSnapshot],
    listings: Sequence[ListingSnapshot],
    deals: Sequence[DealSnapshot],
) -> list[str]:
    problems: list[str] = []
    reserving: dict[int, list[Slice]] = defaultdict(list)
    sold: dict[int, list[Slice]] = defaultdict(list)
    for listing in listings:
        if listing.state == ListingState.OPEN:
            reserving[listing.right_id].append(listing.span)
    for deal in deals:
        if deal.state in OPEN_DEAL_STATES:
            reserving[deal.right_id].append(deal.span)
        elif deal.state == DealState.CONTRACTED:
            sold[deal.right_id].append(deal.span)
    for right in rights:
        tiling = _tiling_violations(right)
        problems += tiling
        if tiling:
            continue
        outside = [
            s
            for s in (*reserving[right.id], *sold[right.id])
            if s.starts_on < right.term_start or s.ends_on > right.term_end
        ]
        if outside:
            problems.append(f"right {right.id}: a listing or deal lies outside its term")
        spans: list[Slice | Period] = [*right.periods, *reserving[right.id], *sold[right.id]]
        for first, last in _stretches(spans):
            if not right.term_start <= first < right.term_end:
                continue
            problems += _year_violations(right, first, last, reserving[right.id], sold[right.id])
    return problems


def _year_violations(
    right: RightSnapshot, first: date, last: date, reserving: list[Slice], sold: list[Slice]
) -> list[str]:
    problems = []
    period = next(p for p in right.periods if p.covers(first))
    when = f"in {first}–{last}"
    if not 0 <= period.reserved_annual_m3 <= period.annual_m3:
        problems.append(
            f"right {right.id} {when} reserves {period.reserved_annual_m3} m³/yr of "
            f"{period.annual_m3} held"
        )
    if not 0 <= period.reserved_daily_m3 <= period.daily_m3:
        problems.append(
            f"right {right.id} {when} reserves {period.reserved_daily_m3} m³/d of "
            f"{period.daily_m3} held"
        )
    if (period.reserved_annual_m3, period.reserved_daily_m3) != _on(reserving, first):
        problems.append(f"right {right.id} {when}: reservations differ from open listings/deals")
    sold_annual, sold_daily = _on(sold, first)
    if period.annual_m3 + sold_annual != right.original_annual_m3:
        problems.append(
            f"right {right.id} {when}: holds {period.annual_m3} + sold {sold_annual} m³/yr, "
            f"issued {right.original_annual_m3}: sold twice, or volume lost?"
        )
    if period.daily_m3 + sold_daily != right.original_daily_m3:
        problems.append(
            f"right {right.id} {when}: holds {period.daily_m3} + sold {sold_daily} m³/d, "
            f"issued {right.original_daily_m3}"
        )
    return problems
