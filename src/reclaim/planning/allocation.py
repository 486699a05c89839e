"""Who gets the water when supply is short: priority tiers, period by period through the year.

Seed 001 §5.2 serves industry first, then large parks and squares (roads, green), then the rest;
within one priority tier the water is shared in proportion to demand. Seed 001 §4.2 caps use at
what the plants give on the days when demand exceeds supply. Ecological releases kept outside
the reuse cap take the treated effluent the other uses leave.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reclaim.planning.calendar import Period
from reclaim.planning.inputs import Values


def allocate_by_priority(
    supply: Values, demands: Mapping[str, Values], priorities: Mapping[str, int]
) -> dict[str, Values]:
    """Delivered flow per use: tiers in priority order, pro rata to demand within a tier.

    Never gives a use more than its demand, nor all uses together more than the supply.
    """
    remaining = np.maximum(supply, 0.0)
    delivered: dict[str, Values] = {}
    for tier in sorted(set(priorities[use] for use in demands)):
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
class YearAllocation:
    """Per use: volume delivered in each month (m³) and volume not delivered over the year (m³)."""

    delivered_by_month_m3: dict[str, list[Values]]
    unmet_m3: dict[str, Values]


def allocate_year(
    supply_m3_per_day: Values,
    effluent_m3_per_day: Values,
    demands_m3_per_day: Mapping[str, Values],
    priorities: Mapping[str, int],
    outside_cap: Collection[str],
    year_periods: Sequence[Period],
) -> YearAllocation:
    """Allocate every period of the year: uses within the cap share the reclaimed supply by
    priority; uses outside it share the effluent left (sewage treated − water reclaimed)."""
    monthly: dict[str, list[Values]] = {u: [np.float64(0.0)] * 12 for u in demands_m3_per_day}
    unmet: dict[str, Values] = dict.fromkeys(demands_m3_per_day, np.float64(0.0))
    for period in year_periods:
        within = {u: demands_m3_per_day[u] for u in period.uses if u not in outside_cap}
        given = allocate_by_priority(supply_m3_per_day, within, priorities)
        reclaimed = sum(given.values(), start=np.float64(0.0))
        released = {u: demands_m3_per_day[u] for u in period.uses if u in outside_cap}
        given |= allocate_by_priority(effluent_m3_per_day - reclaimed, released, priorities)
        for use, flow in given.items():
            unmet[use] = unmet[use] + (demands_m3_per_day[use] - flow) * period.days
            for month, days in enumerate(period.days_by_month):
                if days:
                    monthly[use][month] = monthly[use][month] + flow * days
    return YearAllocation(monthly, unmet)
