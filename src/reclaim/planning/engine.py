"""Compute every figure of a reclaimed-water plan from its scenario.

`compute_figures` is the model: NumPy all the way, so the same code computes one plan (floats)
or a million samples of it (arrays, see `sensitivity`). `run_plan` adds the audit against the
figures the plan document prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reclaim.planning import facilities
from reclaim.planning.allocation import allocate_by_priority, annual_delivered_m3, seasons
from reclaim.planning.audit import Discrepancy, audit_plan
from reclaim.planning.demand import use_annual_1e4_m3, use_max_day_m3_per_day
from reclaim.planning.inputs import Inputs, Values
from reclaim.planning.rounding import Rounder, RoundingMode
from reclaim.planning.scenario import Scenario
from reclaim.planning.supply import forecast_supply
from reclaim.units import M3_PER_1E4_M3

INDUSTRIAL_CATEGORY = "industrial"
_SIGNIFICANT_DIGITS = 12
"""JSON keeps 12 significant digits: drops binary noise (7.22 − 5.08 = 2.1399999…)."""


def compute_horizon(
    scenario: Scenario, year: int, inputs: Inputs, rounder: Rounder
) -> dict[str, Any]:
    """All figures of one horizon: demand, supply, balance, utilisation, allocation."""
    uses = scenario.uses
    daily = {u.id: use_max_day_m3_per_day(u, year, inputs, rounder) for u in uses}
    annual = {u.id: use_annual_1e4_m3(u, daily[u.id], rounder) for u in uses}
    industrial_ids = [u.id for u in uses if u.category == INDUSTRIAL_CATEGORY]

    total_m3_per_day = sum(daily.values())
    total_1e4_m3_per_year = sum(annual.values())
    demand_1e4 = rounder("demand_1e4_m3_per_day", total_m3_per_day / M3_PER_1E4_M3)

    supply = forecast_supply(year, inputs, rounder)
    supply_m3_per_day = supply.reclaimed_supply_1e4_m3_per_day * M3_PER_1E4_M3

    priorities = {u.id: u.priority for u in uses}
    delivered_max_day = allocate_by_priority(supply_m3_per_day, daily, priorities)
    delivered_year_m3 = annual_delivered_m3(
        supply_m3_per_day, daily, priorities, seasons({u.id: u.days_per_year for u in uses})
    )
    delivered_1e4 = sum(delivered_year_m3.values()) / M3_PER_1E4_M3
    sewage_year = supply.sewage_1e4_m3_per_year

    by_use: dict[str, Any] = {}
    for use in uses:
        entry: dict[str, Any] = {
            "category": use.category,
            "priority": use.priority,
            "days_per_year": use.days_per_year,
            "m3_per_day": daily[use.id],
            "1e4_m3_per_year": annual[use.id],
            "delivered_max_day_m3_per_day": delivered_max_day[use.id],
            "delivered_1e4_m3_per_year": delivered_year_m3[use.id] / M3_PER_1E4_M3,
        }
        if use.coverage is not None:
            entry["coverage"] = inputs.use(use, "coverage", year)
        by_use[use.id] = entry

    return {
        "demand": {
            "total_m3_per_day": total_m3_per_day,
            "total_1e4_m3_per_day": demand_1e4,
            "total_1e4_m3_per_year": total_1e4_m3_per_year,
            "industrial_m3_per_day": sum(daily[i] for i in industrial_ids),
            "industrial_1e4_m3_per_year": sum(annual[i] for i in industrial_ids),
            "by_use": by_use,
        },
        "domestic_1e4_m3_per_day": supply.domestic_1e4_m3_per_day,
        "industrial_1e4_m3_per_day": supply.industrial_1e4_m3_per_day,
        "sewage_1e4_m3_per_day": supply.sewage_1e4_m3_per_day,
        "sewage_1e4_m3_per_year": sewage_year,
        "reclaimed_supply_1e4_m3_per_day": supply.reclaimed_supply_1e4_m3_per_day,
        "balance_1e4_m3_per_day": supply.reclaimed_supply_1e4_m3_per_day - demand_1e4,
        "utilisation_rate": rounder("utilisation_rate", total_1e4_m3_per_year / sewage_year),
        "utilisation_rate_capped": rounder("utilisation_rate", delivered_1e4 / sewage_year),
        "delivered_1e4_m3_per_year": delivered_1e4,
        "shortfall_1e4_m3_per_year": total_1e4_m3_per_year - delivered_1e4,
    }


def _economics(scenario: Scenario, year: int, figures: Mapping[str, Any]) -> dict[str, Any]:
    """Annual revenue at the prices given, freshwater displaced and the cost it saves."""
    by_use = figures["demand"]["by_use"]
    revenue = 0.0
    unpriced = []
    for use in scenario.uses:
        if use.price_yuan_per_m3 is None:
            unpriced.append(use.id)
            continue
        revenue += by_use[use.id]["delivered_1e4_m3_per_year"] * use.price_yuan_per_m3
    displaced = figures["delivered_1e4_m3_per_year"]
    result: dict[str, Any] = {
        "revenue_1e4_yuan_per_year": revenue,
        "unpriced_uses": unpriced,
        "freshwater_displaced_1e4_m3_per_year": displaced,
    }
    if scenario.economics.freshwater_cost_yuan_per_m3 is not None:
        result["freshwater_cost_saved_1e4_yuan_per_year"] = (
            displaced * scenario.economics.freshwater_cost_yuan_per_m3
        )
    return result


def compute_figures(
    scenario: Scenario,
    rounding: RoundingMode = "full",
    overrides: Mapping[str, Values] | None = None,
    with_facilities: bool = True,
) -> dict[str, Any]:
    """Every figure per horizon (keyed by the year as a string) and the plan totals."""
    rounder = Rounder(rounding, scenario.rounding)
    inputs = Inputs(scenario, overrides)
    figures: dict[str, Any] = {}
    for year in scenario.horizons:
        horizon = compute_horizon(scenario, year, inputs, rounder)
        target = scenario.targets_utilisation.get(year)
        if target is not None:
            horizon["target_utilisation_rate"] = target
            horizon["meets_target"] = horizon["utilisation_rate_capped"] >= target
        if with_facilities:
            daily = {u: e["m3_per_day"] for u, e in horizon["demand"]["by_use"].items()}
            peak = scenario.peak_hour_factor
            horizon["plants"] = facilities.plants_in_service(scenario, year)
            horizon["plants"]["covers_supply"] = bool(
                horizon["plants"]["reclaimed_capacity_1e4_m3_per_day"]
                >= horizon["reclaimed_supply_1e4_m3_per_day"]
            )
            if peak is not None:
                horizon["pump_stations"] = facilities.pump_stations(scenario, year, daily, peak)
            horizon["pipes"] = facilities.pipes_laid(scenario, year)
            items = facilities.investment_1e4_yuan(scenario, year)
            horizon["investment_by_item_1e4_yuan"] = items
            horizon["investment_1e4_yuan"] = sum(items.values())
            horizon["economics"] = _economics(scenario, year, horizon)
        figures[str(year)] = horizon
    if with_facilities:
        figures["total"] = {
            "pipes": {
                "length_km": sum(figures[str(y)]["pipes"]["length_km"] for y in scenario.horizons)
            },
            "investment_1e4_yuan": sum(
                figures[str(y)]["investment_1e4_yuan"] for y in scenario.horizons
            ),
        }
    return figures


@dataclass(frozen=True)
class PlanResult:
    """The figures of a plan, how they were rounded, and the audit of the published document."""

    scenario: Scenario
    rounding: RoundingMode
    figures: dict[str, Any]
    audit: list[Discrepancy] = field(default_factory=list)
    plants_fitness: dict[str, Any] = field(default_factory=dict)
    """Per plant with an effluent profile: the quality module's fitness matrix, as a dict."""

    def horizon(self, year: int) -> dict[str, Any]:
        """The figures of one horizon."""
        return self.figures[str(year)]

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON types: horizons as keys, units in key names, the audit as a list."""
        return {
            "region": self.scenario.region.model_dump(),
            "rounding": self.rounding,
            **_plain(self.figures),
            "audit": [d.to_dict() for d in self.audit],
            **({"plants_fitness": self.plants_fitness} if self.plants_fitness else {}),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, int):
        return value
    if isinstance(value, np.generic | float):
        return float(f"{float(value):.{_SIGNIFICANT_DIGITS}g}")
    return value


def run_plan(
    scenario: Scenario,
    rounding: RoundingMode = "full",
    plants_fitness: Mapping[str, Any] | None = None,
) -> PlanResult:
    """Compute the plan and audit the figures its document publishes.

    The audit always recomputes with the plan's own rounding, so that what it reports are the
    document's inconsistencies, not the digits it dropped. `plants_fitness` (judged by the
    quality module from each plant's effluent profile, see `reclaim.io.scenario_file`) is
    carried into the result as given.
    """
    figures = compute_figures(scenario, rounding)
    as_printed = None
    if scenario.published:
        as_printed = figures if rounding == "plan" else compute_figures(scenario, "plan")
    audit = audit_plan(scenario, as_printed)
    return PlanResult(scenario, rounding, figures, audit, dict(plants_fitness or {}))
