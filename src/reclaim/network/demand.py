"""Max-day demand of each use of a planning scenario, for loading the network's nodes.

The planning engine owns the demand forecast (seed 001 §4.1.4); the network takes its per-use
max-day figure for one horizon, so a plan and its network never disagree on demand. With
`overrides` (sampled inputs of the planning sensitivity) the figures are arrays, one per sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reclaim.errors import InputError
from reclaim.planning.engine import compute_figures
from reclaim.planning.inputs import Values
from reclaim.planning.scenario import Scenario


def demand_by_use_m3_per_day(
    scenario: Scenario, year: int, overrides: Mapping[str, Values] | None = None
) -> dict[str, Any]:
    """Max-day demand of every use in `year` (m³/d), keyed by use id, from the planning engine
    (`HorizonFigures.demand.by_use[<use>].m3_per_day`)."""
    if year not in scenario.horizons:
        raise InputError("year", year, f"one of the scenario's horizons {scenario.horizons}")
    figures = compute_figures(scenario, "full", overrides, with_facilities=False)
    by_use = figures.horizon(year).demand.by_use
    return {use_id: entry.m3_per_day for use_id, entry in by_use.items()}
