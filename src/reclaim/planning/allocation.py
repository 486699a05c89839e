"""Who gets the water when supply is short: priority tiers, day by day through the seasons.

Seed 001 §5.2 serves industry first, then large parks and squares (roads, green), then the rest;
within one priority tier the water is shared in proportion to demand. Seed 001 §4.2 caps use at
what the plants give on the days when demand exceeds supply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reclaim.planning.inputs import Values


def allocate_by_priority(
    supply: Values, demands: Mapping[str, Values], priorities: Mapping[str, int]
) -> dict[str, Values]:
    """Delivered flow per use: tiers in priority order, pro rata to demand within a tier.

    Never gives a use more than its demand, nor all uses together more than the supply.
    """
    remaining = np.maximum(supply, 0.0)
    delivered: dict[str, Values] = {}
    for tier in sorted(set(priorities.values())):
        members = [use for use in demands if priorities[use] == tier]
        tier_demand = sum((demands[use] for use in members), start=np.float64(0.0))
        given = np.minimum(tier_demand, remaining)
        share = np.divide(
            given,
            tier_demand,
            out=np.zeros_like(np.asarray(given, dtype=float)),
            where=np.asarray(tier_demand) > 0,
        )
        for use in members:
            delivered[use] = np.minimum(demands[use] * share, demands[use])
        remaining = remaining - given
    return delivered


@dataclass(frozen=True)
class Season:
    """A stretch of the year in which the same uses draw water."""

    days: int
    uses: tuple[str, ...]


def seasons(days_per_year: Mapping[str, int]) -> list[Season]:
    """Split the year by how many days each use draws water, assuming seasonal uses nest.

    Uses drawing d days are active in the d busiest days: with uses of 365 and 214 days that is
    151 days with the year-round uses only and 214 days with all (seed 001 §4.2: winter and
    non-winter).
    """
    distinct = sorted(set(days_per_year.values()), reverse=True)
    bounds = [*distinct, 0]
    return [
        Season(
            days=bounds[k] - bounds[k + 1],
            uses=tuple(use for use, days in days_per_year.items() if days >= bounds[k]),
        )
        for k in range(len(distinct))
    ]


def annual_delivered_m3(
    supply_m3_per_day: Values,
    demands_m3_per_day: Mapping[str, Values],
    priorities: Mapping[str, int],
    year_seasons: Sequence[Season],
) -> dict[str, Values]:
    """Delivered volume per use over the year when every day's use is capped at supply."""
    total: dict[str, Values] = {use: np.float64(0.0) for use in demands_m3_per_day}
    for season in year_seasons:
        active = {use: demands_m3_per_day[use] for use in season.uses}
        for use, flow in allocate_by_priority(supply_m3_per_day, active, priorities).items():
            total[use] = total[use] + flow * season.days
    return total
