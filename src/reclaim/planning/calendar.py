"""The year as the plan's seasons see it: which days each use draws water (365-day year).

A use names its months, or gives a number of days placed as one stretch centred on a month or,
by default, on the middle of the irrigation season (seed 001 §4.1.4: 214 days of watering a year,
April to October; §4.2: the 151 winter days have industry only). Days with the same uses active
form a period; allocation runs once per period and is booked to the months it covers.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reclaim.errors import InputError
from reclaim.units import DAYS_PER_YEAR

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_START = tuple(int(sum(MONTH_DAYS[:m])) for m in range(12))
MONTH_OF_DAY = np.repeat(np.arange(12), MONTH_DAYS)
DayMask = npt.NDArray[np.bool_]


def _consecutive(months: Sequence[int]) -> bool:
    return all((b - a) % 12 == 1 for a, b in itertools.pairwise(months))


def season_centre(months: Sequence[int], field: str = "calendar.irrigation_months") -> float:
    """Day of the year (0 = 1 Jan) in the middle of consecutive months (may run over New Year)."""
    if not _consecutive(months) or len(months) > 12:
        raise InputError(field, list(months), "consecutive months in order, e.g. [4, 5, …, 10]")
    start = MONTH_START[months[0] - 1]
    length = sum(MONTH_DAYS[m - 1] for m in months)
    return (start + length / 2) % DAYS_PER_YEAR


def month_centre(month: int) -> float:
    """Day of the year in the middle of a month."""
    return MONTH_START[month - 1] + MONTH_DAYS[month - 1] / 2


def months_mask(months: Sequence[int]) -> DayMask:
    """The days of the given months."""
    return np.isin(MONTH_OF_DAY, np.asarray(months) - 1)


def centred_mask(days: int, centre: float) -> DayMask:
    """`days` consecutive days centred on `centre` (wrapping over New Year)."""
    mask = np.zeros(DAYS_PER_YEAR, dtype=bool)
    start = int(np.floor(centre - days / 2 + 0.5))
    mask[(start + np.arange(days)) % DAYS_PER_YEAR] = True
    return mask


def days_by_month(mask: DayMask) -> tuple[int, ...]:
    """How many of the masked days fall in each month."""
    return tuple(int(n) for n in np.bincount(MONTH_OF_DAY[mask], minlength=12))


@dataclass(frozen=True)
class Period:
    """Days of the year on which the same uses draw water, counted per month."""

    uses: tuple[str, ...]
    days_by_month: tuple[int, ...]

    @property
    def days(self) -> int:
        return sum(self.days_by_month)


def periods(masks: Mapping[str, DayMask]) -> list[Period]:
    """Split the year into periods of identical active uses (days with no use are left out)."""
    ids = list(masks)
    table = np.array([masks[use] for use in ids])
    patterns, group = np.unique(table.T, axis=0, return_inverse=True)
    found = []
    for index, pattern in enumerate(patterns):
        active = tuple(use for use, on in zip(ids, pattern, strict=True) if on)
        if active:
            found.append(Period(active, days_by_month(group.ravel() == index)))
    return found
