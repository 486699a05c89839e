"""Metered deliveries billed by the month: the volume within the right, over-draw, adjustments.

A metered contract's day is split three ways, in order through its contract year:
- up to the daily cap and within what the year's right has left: billed at the contract price;
- above the daily cap: over-draw;
- within the cap but beyond the year's right: over-draw as well (the year's use against the right).
Over-draw is billed at the region's multiple of the contract price (`OverDrawRule`).

A month's bill charges the month's days and adjusts, line by line, every earlier day whose
figures changed since it was billed (a late reading): the bill of month M holds what it newly
bills; nothing billed before is rewritten, so the ledger stays append-only. Volumes are exact
decimals in m³ (to the litre), money in 元 to the fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from reclaim.errors import InputError
from reclaim.market.prices import FEN
from reclaim.market.rules import contract_year_bounds

LITRE_M3 = Decimal("0.001")
"""Resolution of a metered volume: a litre (m³ to three decimals)."""


class VolumeSource(StrEnum):
    """Where a contract's daily volume came from."""

    METER = "meter"
    """The meter(s) at the contract's delivery point."""
    MANUAL = "manual"
    """Typed in by an operator: only for a contract without a meter."""


class LineKind(StrEnum):
    """What a bill line charges."""

    DELIVERED = "delivered"
    """Volume within the daily cap and the year's right, at the contract price."""
    OVER_DRAW = "over_draw"
    """Volume above the daily cap or beyond the year's right, at the over-draw multiple."""


@dataclass(frozen=True)
class OverDrawRule:
    """A region's over-draw price: a multiple of the contract price, and where it comes from."""

    price_multiple: Decimal
    origin: str
    local_choice: bool

    def __post_init__(self) -> None:
        if not self.price_multiple >= 1:
            raise InputError(
                "over_draw.price_multiple", str(self.price_multiple), "a multiple of at least 1"
            )


def metered_m3(volume_m3: float | Decimal) -> Decimal:
    """A metered volume as an exact decimal to the litre."""
    return Decimal(str(volume_m3)).quantize(LITRE_M3, ROUND_HALF_UP)


@dataclass(frozen=True)
class ContractDay:
    """A contract's day: cap, what was metered, and how it splits (all in m³)."""

    day: date
    metered_m3: Decimal
    daily_cap_m3: int
    within_right_m3: Decimal
    over_cap_m3: Decimal
    over_right_m3: Decimal

    @property
    def over_draw_m3(self) -> Decimal:
        """Volume billed at the over-draw price: above the cap or beyond the year's right."""
        return self.over_cap_m3 + self.over_right_m3


def split_contract_days(
    volumes: Mapping[date, Decimal],
    term_start: date,
    daily_cap_m3: int,
    annual_volume_m3: int,
    used_before: Mapping[date, Decimal] | None = None,
) -> list[ContractDay]:
    """Split each metered day of a contract (in day order, the year's right running out in each
    contract year from ``term_start``) into volume within the right and over-draw.

    ``used_before``: volume of the right already used in a contract year (keyed by its first
    day) by days entered by hand before the contract had a meter."""
    used: dict[date, Decimal] = dict(used_before or {})
    days = []
    for day in sorted(volumes):
        volume = volumes[day]
        if volume < 0:
            raise InputError(f"volume_m3[{day.isoformat()}]", str(volume), "a volume ≥ 0 m³")
        year_start, _ = contract_year_bounds(term_start, day)
        within_cap = min(volume, Decimal(daily_cap_m3))
        left = max(Decimal(annual_volume_m3) - used.get(year_start, Decimal(0)), Decimal(0))
        within_right = min(within_cap, left)
        used[year_start] = used.get(year_start, Decimal(0)) + within_right
        days.append(
            ContractDay(
                day=day,
                metered_m3=volume,
                daily_cap_m3=daily_cap_m3,
                within_right_m3=within_right,
                over_cap_m3=volume - within_cap,
                over_right_m3=within_cap - within_right,
            )
        )
    return days


Charged = tuple[date, LineKind]
"""A day's charge of one kind: what bill lines are keyed by."""


@dataclass(frozen=True)
class Charge:
    """A volume and its amount (what a day's charge of one kind comes to, or was billed at)."""

    volume_m3: Decimal
    amount_yuan: Decimal


@dataclass(frozen=True)
class BillLine:
    """One line of a monthly bill: a day's charge, or an adjustment of an earlier day's."""

    day: date
    kind: LineKind
    volume_m3: Decimal
    price_yuan_per_m3: Decimal
    amount_yuan: Decimal
    adjustment: bool


def unit_price(kind: LineKind, price_yuan_per_m3: Decimal, rule: OverDrawRule) -> Decimal:
    """元/m³ of a line: the contract price, or its over-draw multiple."""
    return (
        price_yuan_per_m3 * rule.price_multiple if kind is LineKind.OVER_DRAW else price_yuan_per_m3
    )


def charges(
    days: Iterable[ContractDay], price_yuan_per_m3: Decimal, rule: OverDrawRule
) -> dict[Charged, Charge]:
    """What each day comes to: volume within the right, and over-draw, each with its amount
    (volume × unit price, rounded to the fen). Zero volumes are left out."""
    owed: dict[Charged, Charge] = {}
    for day in days:
        for kind, volume in (
            (LineKind.DELIVERED, day.within_right_m3),
            (LineKind.OVER_DRAW, day.over_draw_m3),
        ):
            if volume:
                price = unit_price(kind, price_yuan_per_m3, rule)
                owed[(day.day, kind)] = Charge(volume, _fen(volume * price))
    return owed


def bill_lines(
    month_start: date,
    month_end: date,
    owed: Mapping[Charged, Charge],
    billed: Mapping[Charged, Charge],
    price_yuan_per_m3: Decimal,
    rule: OverDrawRule,
) -> list[BillLine]:
    """The lines of the bill of [``month_start``, ``month_end``): each charge of its days, and an
    adjustment for each earlier day whose charge differs from what was ``billed`` for it (a late
    reading); days after the month wait for their own bill."""
    lines = []
    for key in sorted(set(owed) | set(billed)):
        day, kind = key
        if day >= month_end:
            continue
        now = owed.get(key, Charge(Decimal(0), Decimal(0)))
        before = billed.get(key, Charge(Decimal(0), Decimal(0)))
        volume, amount = now.volume_m3 - before.volume_m3, now.amount_yuan - before.amount_yuan
        if volume == 0 and amount == 0:
            continue
        lines.append(
            BillLine(
                day=day,
                kind=kind,
                volume_m3=volume,
                price_yuan_per_m3=unit_price(kind, price_yuan_per_m3, rule),
                amount_yuan=amount,
                adjustment=day < month_start,
            )
        )
    return lines


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, ROUND_HALF_UP)


@dataclass(frozen=True)
class MeteredBilling:
    """A region's metered billing: its over-draw rule, and how many days after a month ends the
    month is billed."""

    over_draw: OverDrawRule
    bill_after_days: int
