"""Tiered prices by sector and the public price index of a region."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from reclaim.errors import InputError

FEN = Decimal("0.01")
INDEX_BASE = Decimal(100)


@dataclass(frozen=True)
class PriceSchedule:
    """Prices in 元/m³ by use class (sector), e.g. Tianjin's 1.1 / 1.5 / 3.1 / 4.0."""

    code: str
    name: str
    source: str
    tiers_yuan_per_m3: Mapping[str, Decimal]

    def price_for(self, use_class: str | None) -> Decimal:
        """The price this schedule sets for a buyer of the given use class."""
        if use_class is None or use_class not in self.tiers_yuan_per_m3:
            raise InputError(
                "use_class",
                use_class,
                f"a sector priced by schedule {self.code!r}: {', '.join(self.tiers_yuan_per_m3)}",
            )
        return self.tiers_yuan_per_m3[use_class]


@dataclass(frozen=True)
class Trade:
    """A concluded trade as the public sees it."""

    concluded_on: date
    annual_volume_m3: int
    price_yuan_per_m3: Decimal


@dataclass(frozen=True)
class PeriodPrice:
    """One month of trades: count, volume, volume-weighted price, index (first month = 100)."""

    period: str
    trades: int
    annual_volume_m3: int
    mean_price_yuan_per_m3: Decimal
    index: Decimal


def price_index(trades: Iterable[Trade]) -> list[PeriodPrice]:
    """Monthly volume-weighted mean prices and their index against the first month traded."""
    by_month: dict[str, list[Trade]] = defaultdict(list)
    for trade in trades:
        by_month[trade.concluded_on.strftime("%Y-%m")].append(trade)
    periods: list[PeriodPrice] = []
    base: Decimal | None = None
    for month in sorted(by_month):
        month_trades = by_month[month]
        volume = sum(t.annual_volume_m3 for t in month_trades)
        value = sum((t.price_yuan_per_m3 * t.annual_volume_m3 for t in month_trades), Decimal(0))
        mean = value / volume
        base = mean if base is None else base
        periods.append(
            PeriodPrice(
                period=month,
                trades=len(month_trades),
                annual_volume_m3=volume,
                mean_price_yuan_per_m3=mean.quantize(Decimal("0.0001"), ROUND_HALF_UP),
                index=(mean / base * INDEX_BASE).quantize(FEN, ROUND_HALF_UP),
            )
        )
    return periods
