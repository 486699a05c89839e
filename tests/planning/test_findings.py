"""The findings of a plan, judged once in the domain (reports only render them)."""

from __future__ import annotations

import pytest

from reclaim.planning.engine import run_plan
from reclaim.planning.findings import (
    AreaRate,
    HorizonFindings,
    RateRange,
    Utilisation,
    fully_met,
    plan_findings,
)
from reclaim.planning.scenario import Scenario

NATIONAL = 0.25  # 发改环资〔2021〕13号: ≥ 25 % in water-scarce cities by 2025
GB_50013_RATES = {
    # GB 50013-2018 §4.0.4: green 1.0–3.0, roads and squares 2.0–3.0 L/(m²·d)
    "green_irrigation": RateRange(1.0, 3.0, "GB 50013-2018 §4.0.4"),
    "road_sweeping": RateRange(2.0, 3.0, "GB 50013-2018 §4.0.4"),
}


def test_utilisation_against_the_plan_and_national_targets() -> None:
    # the plan's own target decides the colour when it sets one; the national one otherwise
    below_target = Utilisation(
        published_rate=0.8254, capped_rate=0.7433, target=0.8, meets_target=False, national=0.25
    )
    assert (below_target.meets_target, below_target.meets_national) == (False, True)
    assert below_target.meets_reference is False
    no_target = Utilisation(
        published_rate=0.3, capped_rate=0.2, target=None, meets_target=None, national=0.25
    )
    assert no_target.meets_target is None and no_target.meets_reference is False


def test_least_served_breaks_a_proportional_tie_in_scenario_order() -> None:
    # two uses cut in the same proportion differ only in the last bits of their shares
    found = HorizonFindings(
        year=2030,
        balance_1e4_m3_per_day=-1.37,
        delivered_share_by_use={"industry": 1.0, "road": 0.4956596475518727, "green": 0.4956596475},
        delivered_share_total=0.9,
        utilisation=Utilisation(
            published_rate=0.8, capped_rate=0.7, target=None, meets_target=None, national=0.25
        ),
        plants_short_of_supply=False,
        pumps_short=(),
    )
    assert not found.surplus
    assert found.least_served == ("road", pytest.approx(0.49566, abs=1e-5))


def test_fully_met_and_area_rates() -> None:
    assert fully_met(1 - 1e-12) and not fully_met(0.999) and fully_met(None) is None
    assert AreaRate("green", 2.0, GB_50013_RATES["green_irrigation"]).within
    assert not AreaRate("road", 1.5, GB_50013_RATES["road_sweeping"]).within
    assert AreaRate("lake", 9.0, None).within


def test_shuozhou_findings_at_plan_rounding(shuozhou: Scenario) -> None:
    result = run_plan(shuozhou, "plan")
    found = plan_findings(result, NATIONAL, GB_50013_RATES)
    near, far = found.horizon(2025), found.horizon(2030)
    # published 50.46 % (2025) and 82.54 % (2030); capped at supply 74.33 % in 2030 (README,
    # seed 001 §1.4 targets 50 % and 80 %)
    assert near.utilisation.capped_rate == pytest.approx(0.5046, abs=5e-5)
    assert far.utilisation.published_rate == pytest.approx(0.8254, abs=5e-5)
    assert far.utilisation.capped_rate == pytest.approx(0.7433, abs=5e-5)
    assert (near.utilisation.meets_target, far.utilisation.meets_target) == (True, False)
    assert near.utilisation.meets_national and far.utilisation.meets_national
    assert found.audit_count == len(result.audit) > 0
    assert {rate.use_id for rate in found.area_rates} == {
        use.id for use in shuozhou.uses if use.rate_l_per_m2_day is not None
    }
