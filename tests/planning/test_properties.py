"""Property tests of the planning model (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reclaim import units
from reclaim.planning.allocation import allocate_by_priority, allocate_year
from reclaim.planning.calendar import centred_mask, periods
from reclaim.planning.engine import compute_figures
from reclaim.planning.rounding import RoundingMode
from reclaim.planning.scenario import Scenario

fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
area = st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False)
flow = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


def _with_green(scenario: Scenario, area_ha: float, coverage: float) -> Scenario:
    uses = [
        u.model_copy(
            update={
                "area_ha": {2025: area_ha, 2030: area_ha},
                "coverage": {2025: coverage, 2030: coverage},
            }
        )
        if u.id == "green"
        else u
        for u in scenario.uses
    ]
    return scenario.model_copy(update={"uses": uses})


def _total(scenario: Scenario) -> float:
    return float(
        compute_figures(scenario, with_facilities=False).horizon(2030).demand.total_m3_per_day
    )


@settings(max_examples=40, deadline=None)
@given(area_ha=area, extra=area, coverage=fraction, more=fraction)
def test_demand_rises_with_area_and_coverage(
    shuozhou: Scenario, area_ha: float, extra: float, coverage: float, more: float
) -> None:
    base = _total(_with_green(shuozhou, area_ha, coverage))
    assert _total(_with_green(shuozhou, area_ha + extra, coverage)) >= base
    assert _total(_with_green(shuozhou, area_ha, min(1.0, coverage + more))) >= base


@settings(max_examples=40, deadline=None)
@given(area_ha=area, coverage=fraction, population=st.floats(1.0, 200.0))
def test_capped_utilisation_never_exceeds_uncapped(
    shuozhou: Scenario, area_ha: float, coverage: float, population: float
) -> None:
    overrides = {"sewage.population_1e4_persons": population}
    scenario = _with_green(shuozhou, area_ha, coverage)
    for horizon in (2025, 2030):
        figures = compute_figures(scenario, overrides=overrides, with_facilities=False)
        result = figures.horizon(horizon)
        assert result.utilisation_rate_capped <= result.utilisation_rate + 1e-12


demands = st.dictionaries(st.sampled_from(list("abcdef")), flow, min_size=1)


@settings(max_examples=200, deadline=None)
@given(supply=flow, demand=demands, priorities=st.lists(st.integers(1, 3), min_size=6, max_size=6))
def test_allocation_within_supply_and_each_demand(
    supply: float, demand: dict[str, float], priorities: list[int]
) -> None:
    ranks = {use: priorities[i] for i, use in enumerate(sorted(demand))}
    delivered = allocate_by_priority(supply, demand, ranks)
    assert sum(delivered.values()) <= supply * (1 + 1e-12) + 1e-9
    for use, amount in delivered.items():
        assert -1e-12 <= amount <= demand[use] * (1 + 1e-12)
    # nothing left unserved while water is left over
    if supply >= sum(demand.values()):
        assert all(np.isclose(delivered[u], demand[u]) for u in demand)


@settings(max_examples=100, deadline=None)
@given(
    supply=flow,
    demand=demands,
    days=st.lists(st.integers(1, 365), min_size=6, max_size=6),
    centres=st.lists(st.floats(0, 364), min_size=6, max_size=6),
)
def test_periods_cover_each_use_on_its_days_only(
    supply: float, demand: dict[str, float], days: list[int], centres: list[float]
) -> None:
    uses = sorted(demand)
    masks = {use: centred_mask(days[i], centres[i]) for i, use in enumerate(uses)}
    year = periods(masks)
    for i, use in enumerate(uses):
        assert sum(p.days for p in year if use in p.uses) == days[i]
    assert sum(p.days for p in year) <= 365
    result = allocate_year(supply, supply, demand, dict.fromkeys(demand, 1), (), year)
    for i, use in enumerate(uses):
        delivered = sum(result.delivered_by_month_m3[use])
        assert delivered <= demand[use] * days[i] * (1 + 1e-12) + 1e-9
        assert np.isclose(delivered + result.unmet_m3[use], demand[use] * days[i], atol=1e-6)


@settings(max_examples=200)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_unit_conversions_round_trip(value: float) -> None:
    assert np.isclose(units.from_1e4_m3(units.m3_to_1e4_m3(value)), value, rtol=1e-15)
    assert np.isclose(units.ha_to_m2(value) / units.M2_PER_HA, value, rtol=1e-15)
    assert np.isclose(
        units.parse_quantity(f"{value!r} 万m3/d", "m3_per_day"), value * 1e4, rtol=1e-15
    )


@settings(max_examples=40, deadline=None)
@given(
    flows=st.lists(st.floats(0.0, 50_000.0, allow_nan=False), min_size=1, max_size=5),
    days=st.lists(st.integers(1, 365), min_size=5, max_size=5),
    rounding=st.sampled_from(["full", "plan"]),
)
def test_no_shortfall_when_supply_covers_every_day(
    flows: list[float], days: list[int], rounding: RoundingMode
) -> None:
    """Sewage 100 万 m³/d (supply 80 万) covers any demand here: whatever the rounding,
    delivered is exactly the demand and the shortfall exactly 0."""
    from .scenarios import build, city, flow_use

    uses = [
        flow_use(f"u{i}", flow, 1 + i % 3, days_per_year=days[i]) for i, flow in enumerate(flows)
    ]
    horizon = compute_figures(build(city(100.0, uses)), rounding).horizon(2030)
    assert horizon.shortfall_1e4_m3_per_year == 0.0
    assert horizon.delivered_1e4_m3_per_year == horizon.demand.total_1e4_m3_per_year
    assert horizon.utilisation_rate_capped == horizon.utilisation_rate
