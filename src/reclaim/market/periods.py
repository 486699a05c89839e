"""A right's volume as a function of the year: the right's periods.

A right is held from `term_start` to `term_end` in contract years counted from `term_start`
(`contract_year_bounds`). Its volume need not be the same in every year: selling 500 m³/yr of a
1000 m³/yr right for its first year alone leaves the seller 500 in that year and 1000 in the
others. So a right stores a list of periods, each a run of years with the same annual and daily
volume held and the same volume reserved by open listings and deals. The periods tile the term
without gap or overlap and adjacent periods always differ (the list is kept merged), so a right
that was never split has exactly one period and a partial-term sale adds at most two.

Why periods and not successor rights: the holder, the right's id and its contracts stay what they
were; and why not one row per year: a 30-year right would carry 30 rows for one number. Every
operation is a pure function from the periods before to the periods after, applied under the
right's row lock, and the invariants read "for every day, in the period covering it".

A plant's commitment is per day too: the volume held on a day by every right of the plant is at
most its deliverable supply. A right past its term covers no day ahead, so expiry frees capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise

from reclaim.errors import ErrorCode, InputError, problems_of, raise_all
from reclaim.market.errors import ConflictError
from reclaim.market.rules import check_within_term, contract_year_bounds


@dataclass(frozen=True)
class Period:
    """Volumes a right holds and has reserved from `starts_on` up to (not including) `ends_on`."""

    starts_on: date
    ends_on: date
    annual_m3: int
    daily_m3: int
    reserved_annual_m3: int = 0
    reserved_daily_m3: int = 0

    def covers(self, day: date) -> bool:
        """True when `day` falls inside this period."""
        return self.starts_on <= day < self.ends_on

    def _volumes(self) -> tuple[int, int, int, int]:
        return (self.annual_m3, self.daily_m3, self.reserved_annual_m3, self.reserved_daily_m3)


@dataclass(frozen=True)
class Slice:
    """A volume over a span of the term: what a listing, deal or contract moves."""

    starts_on: date
    ends_on: date
    annual_m3: int
    daily_m3: int

    def covers(self, day: date) -> bool:
        """True when `day` falls inside this span."""
        return self.starts_on <= day < self.ends_on


def whole_term(term_start: date, term_end: date, annual_m3: int, daily_m3: int) -> list[Period]:
    """The periods of a right just issued or bought: one, over its whole term."""
    return [Period(term_start, term_end, annual_m3, daily_m3)]


def year_boundaries(term_start: date, term_end: date) -> list[date]:
    """Where the right's contract years begin, and its end: the days a sale may start or end on."""
    days = [term_start]
    while days[-1] < term_end:
        days.append(min(contract_year_bounds(term_start, days[-1])[1], term_end))
    return days


def check_sale_years(
    right_start: date, right_end: date, sale_start: date, sale_end: date, today: date
) -> None:
    """A sale covers whole contract years of the right, none of them begun yet (every problem
    reported at once).

    A year already under way has deliveries recorded against the seller's volume; splitting it
    would let both parties draw the year's full volume. The last year may be short when the
    right's term is not whole years: it ends with the right.
    """
    outside = problems_of(lambda: check_within_term(sale_start, sale_end, right_start, right_end))
    problems = list(outside)
    if sale_start < today:
        problems.append(
            InputError(
                "term_start",
                sale_start.isoformat(),
                f"a contract year not yet begun (today is {today.isoformat()})",
            )
        )
    boundaries = year_boundaries(right_start, right_end)
    for field, day in (("term_start", sale_start), ("term_end", sale_end)):
        if not outside and day not in boundaries:
            before = max(b for b in boundaries if b < day)
            after = min(b for b in boundaries if b > day)
            problems.append(
                InputError(
                    field,
                    day.isoformat(),
                    "whole contract years of the right, which run from each anniversary of "
                    f"{right_start.isoformat()}: {before.isoformat()} or {after.isoformat()}",
                )
            )
    raise_all(problems)


def merged(periods: Iterable[Period]) -> list[Period]:
    """Periods in order with adjacent equal ones joined: the one stored form of a right's years."""
    out: list[Period] = []
    for period in sorted(periods, key=lambda p: p.starts_on):
        if out and out[-1].ends_on == period.starts_on and out[-1]._volumes() == period._volumes():
            out[-1] = replace(out[-1], ends_on=period.ends_on)
        else:
            out.append(period)
    return out


def _split(periods: Sequence[Period], day: date) -> list[Period]:
    out: list[Period] = []
    for period in periods:
        if period.starts_on < day < period.ends_on:
            out += [replace(period, ends_on=day), replace(period, starts_on=day)]
        else:
            out.append(period)
    return out


def _apply(
    periods: Sequence[Period], span: Slice, held_delta: int, reserved_delta: int
) -> list[Period]:
    """Add the deltas (times the span's volumes) to every period inside the span."""
    pieces = _split(_split(periods, span.starts_on), span.ends_on)
    out = []
    for period in pieces:
        if span.starts_on <= period.starts_on and period.ends_on <= span.ends_on:
            period = Period(
                period.starts_on,
                period.ends_on,
                period.annual_m3 + held_delta * span.annual_m3,
                period.daily_m3 + held_delta * span.daily_m3,
                period.reserved_annual_m3 + reserved_delta * span.annual_m3,
                period.reserved_daily_m3 + reserved_delta * span.daily_m3,
            )
        out.append(period)
    return merged(out)


def reserve(periods: Sequence[Period], span: Slice) -> list[Period]:
    """Set aside a span's volume for a listing; refused where any year has too little free."""
    for period in periods:
        if period.ends_on <= span.starts_on or period.starts_on >= span.ends_on:
            continue
        years = f"{max(period.starts_on, span.starts_on)}–{min(period.ends_on, span.ends_on)}"
        free_annual = period.annual_m3 - period.reserved_annual_m3
        if span.annual_m3 > free_annual:
            raise ConflictError(
                "annual_volume_m3",
                span.annual_m3,
                f"the right has {free_annual} m³/yr free in {years}",
                ErrorCode.VOLUME_ABOVE_FREE,
            )
        free_daily = period.daily_m3 - period.reserved_daily_m3
        if span.daily_m3 > free_daily:
            raise ConflictError(
                "daily_max_m3",
                span.daily_m3,
                f"the right has {free_daily} m³/d free in {years}",
                ErrorCode.VOLUME_ABOVE_FREE,
            )
    return _apply(periods, span, 0, +1)


def release(periods: Sequence[Period], span: Slice) -> list[Period]:
    """Give back a reservation (listing withdrawn or unsold, deal rejected or lapsed)."""
    return _checked(_apply(periods, span, 0, -1))


def transfer(periods: Sequence[Period], span: Slice) -> list[Period]:
    """Hand a reserved span to the buyer: the seller's years hold (and reserve) that much less."""
    return _checked(_apply(periods, span, -1, -1))


def _checked(periods: list[Period]) -> list[Period]:
    for period in periods:
        if not 0 <= period.reserved_annual_m3 <= period.annual_m3:
            raise ValueError(f"a span moved that was never reserved: {period}")
        if not 0 <= period.reserved_daily_m3 <= period.daily_m3:
            raise ValueError(f"a span moved that was never reserved: {period}")
    return periods


def period_on(periods: Sequence[Period], day: date) -> Period | None:
    """The period covering `day`, if the right runs then."""
    return next((p for p in periods if p.covers(day)), None)


def exhausted(periods: Sequence[Period]) -> bool:
    """True when no year of the right holds any volume."""
    return all(p.annual_m3 == 0 for p in periods)


@dataclass(frozen=True)
class Load:
    """The largest volume held at once over a span, and the stretch where it is reached."""

    annual_m3: int
    daily_m3: int
    annual_peak: tuple[date, date]
    daily_peak: tuple[date, date]


def peak_load(spans: Iterable[Slice | Period], starts_on: date, ends_on: date) -> Load:
    """The most volume the spans (a plant's rights) hold on any one day in [starts_on, ends_on).

    A sweep over the days where some span begins or ends, O(n log n); spans outside the window
    (rights that expired, or that start later) do not count.
    """
    changes: dict[date, tuple[int, int]] = {}
    for span in spans:
        first, last = max(span.starts_on, starts_on), min(span.ends_on, ends_on)
        if first >= last:
            continue
        for day, sign in ((first, 1), (last, -1)):
            annual, daily = changes.get(day, (0, 0))
            changes[day] = (annual + sign * span.annual_m3, daily + sign * span.daily_m3)
    whole = (starts_on, ends_on)
    best = Load(0, 0, whole, whole)  # nothing held: the whole window is free
    annual = daily = 0
    days = sorted(changes)
    for day, following in pairwise([*days, ends_on]):
        annual, daily = annual + changes[day][0], daily + changes[day][1]
        if annual > best.annual_m3:
            best = replace(best, annual_m3=annual, annual_peak=(day, following))
        if daily > best.daily_m3:
            best = replace(best, daily_m3=daily, daily_peak=(day, following))
    return best


def check_capacity(
    plant_id: int,
    held: Iterable[Slice | Period],
    new: Slice,
    deliverable_annual_m3: int,
    deliverable_daily_m3: int,
) -> None:
    """A new right fits the plant on every day of its term, on top of what is held then."""
    load = peak_load(held, new.starts_on, new.ends_on)
    if load.annual_m3 + new.annual_m3 > deliverable_annual_m3:
        free = deliverable_annual_m3 - load.annual_m3
        first, last = load.annual_peak
        raise ConflictError(
            "annual_volume_m3",
            new.annual_m3,
            f"plant {plant_id} can deliver only {free} more m³/yr in {first}–{last}",
            ErrorCode.VOLUME_ABOVE_CAPACITY,
        )
    if load.daily_m3 + new.daily_m3 > deliverable_daily_m3:
        free = deliverable_daily_m3 - load.daily_m3
        first, last = load.daily_peak
        raise ConflictError(
            "daily_max_m3",
            new.daily_m3,
            f"plant {plant_id} can deliver only {free} more m³/d in {first}–{last}",
            ErrorCode.VOLUME_ABOVE_CAPACITY,
        )


def periods_from_history(
    term_start: date,
    term_end: date,
    original_annual_m3: int,
    original_daily_m3: int,
    sold: Iterable[Slice],
    reserved: Iterable[Slice],
) -> list[Period]:
    """A right's periods rebuilt from what it was issued with, what it sold and what it reserves.

    Used by the data migration: the stored single volume lost the years a partial-term sale did
    not cover, the contracts did not.
    """
    periods = whole_term(term_start, term_end, original_annual_m3, original_daily_m3)
    for span in reserved:
        periods = _apply(periods, _clipped(span, term_start, term_end), 0, +1)
    for span in sold:
        periods = _apply(periods, _clipped(span, term_start, term_end), -1, 0)
    return periods


def _clipped(span: Slice, term_start: date, term_end: date) -> Slice:
    return replace(
        span, starts_on=max(span.starts_on, term_start), ends_on=min(span.ends_on, term_end)
    )
