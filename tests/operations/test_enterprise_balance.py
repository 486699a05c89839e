"""The enterprise water-balance test (GB/T 12452) on a hand-made three-level meter set.

One inlet (一级) of 12,000 m³ in the period feeds workshops A (6,500) and B (5,000) (二级); A feeds
equipment a1 (3,000) and a2 (2,500), B feeds b1 (4,600) (三级). The limits of the file are 5 % at
the second level and 15 % at the third (GB 24789-2009 metering rates 95 % and 85 %).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reclaim.errors import InputError
from reclaim.io.operations_files import load_closure_limits
from reclaim.operations.enterprise_balance import (
    EnterpriseMeter,
    EnterpriseQuota,
    EnterpriseUse,
    enterprise_balance,
)

LIMITS = load_closure_limits()
METERS = (
    EnterpriseMeter("inlet", 1, 12_000),
    EnterpriseMeter("A", 2, 6_500, "inlet"),
    EnterpriseMeter("B", 2, 5_000, "inlet"),
    EnterpriseMeter("a1", 3, 3_000, "A"),
    EnterpriseMeter("a2", 3, 2_500, "A"),
    EnterpriseMeter("b1", 3, 4_600, "B"),
)
USE = EnterpriseUse(reused_m3=36_000, reclaimed_intake_m3=3_000, value_added_1e4_yuan=400)


def test_the_limits_are_the_metering_rates_of_gb_24789() -> None:
    assert LIMITS == {2: 0.05, 3: 0.15}


def test_the_hand_made_meter_set() -> None:
    result = enterprise_balance(
        METERS,
        USE,
        LIMITS,
        EnterpriseQuota(
            min_reuse_rate_fraction=0.90,
            min_reclaimed_share_fraction=0.20,
            max_m3_per_1e4_yuan=35,
        ),
    )
    closures = {closure.meter: closure for closure in result.closures}
    # inlet: (12,000 − (6,500 + 5,000)) / 12,000 = 500 / 12,000 = 4.17 % ≤ 5 %
    assert closures["inlet"].error_fraction == pytest.approx(500 / 12_000)
    assert closures["inlet"].within_limit
    # A: (6,500 − 5,500) / 6,500 = 15.38 % > 15 %
    assert closures["A"].error_fraction == pytest.approx(1_000 / 6_500)
    assert not closures["A"].within_limit
    # B: (5,000 − 4,600) / 5,000 = 8 % ≤ 15 %
    assert closures["B"].error_fraction == pytest.approx(0.08)
    assert closures["B"].within_limit
    assert set(closures) == {"inlet", "A", "B"}
    assert not result.closes
    # intake 12,000; reuse rate 36,000 / (36,000 + 12,000) = 0.75; reclaimed 3,000 / 12,000 = 0.25
    assert result.intake_m3 == pytest.approx(12_000)
    assert result.reuse_rate_fraction == pytest.approx(0.75)
    assert result.reclaimed_share_fraction == pytest.approx(0.25)
    # 12,000 m³ / 400 (10⁴ yuan) = 30 m³ per 10⁴ yuan of value added
    assert result.m3_per_1e4_yuan == pytest.approx(30)
    # quota: reuse 0.75 < 0.90 fails; share 0.25 ≥ 0.20 meets; 30 ≤ 35 meets
    assert result.meets_reuse_rate is False
    assert result.meets_reclaimed_share is True
    assert result.meets_m3_per_1e4_yuan is True


def test_without_quota_or_value_added_nothing_is_judged() -> None:
    result = enterprise_balance(METERS, EnterpriseUse(reused_m3=0), LIMITS)
    assert result.m3_per_1e4_yuan is None
    assert (result.meets_reuse_rate, result.meets_reclaimed_share) == (None, None)
    assert result.meets_m3_per_1e4_yuan is None
    assert result.reuse_rate_fraction == 0.0


def test_children_reading_more_than_their_parent_break_the_closure() -> None:
    # B 5,000 with b1 5,900: (5,000 − 5,900) / 5,000 = −18 %, beyond the 15 % either way
    meters = (*METERS[:5], EnterpriseMeter("b1", 3, 5_900, "B"))
    closures = {c.meter: c for c in enterprise_balance(meters, USE, LIMITS).closures}
    assert closures["B"].error_fraction == pytest.approx(-0.18)
    assert not closures["B"].within_limit


def test_a_broken_meter_set_is_refused_naming_every_fault() -> None:
    meters = (
        EnterpriseMeter("inlet", 1, 12_000),
        EnterpriseMeter("A", 2, 6_500, "nowhere"),
        EnterpriseMeter("a1", 3, -1, "A"),
        EnterpriseMeter("x", 4, 1, "a1"),
        EnterpriseMeter("A", 2, 10, "inlet"),
    )
    with pytest.raises(InputError) as refused:
        enterprise_balance(meters, EnterpriseUse(reused_m3=0, reclaimed_intake_m3=13_000), LIMITS)
    problems = {(problem.field, problem.value) for problem in refused.value.problems}
    assert ("meters[1].parent", "nowhere") in problems
    assert ("meters[2].volume_m3", -1) in problems
    assert ("meters[3].level", 4) in problems
    assert ("meters[4].meter", "A") in problems
    assert ("reclaimed_intake_m3", 13_000) in problems


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=6),
    st.floats(min_value=0, max_value=1e7),
)
def test_children_summing_to_their_parent_close_exactly(
    children: list[float], reused: float
) -> None:
    total = sum(children) + 1.0
    meters = [
        EnterpriseMeter("inlet", 1, total),
        EnterpriseMeter("rest", 2, 1.0, "inlet"),
        *(EnterpriseMeter(f"w{i}", 2, volume, "inlet") for i, volume in enumerate(children)),
    ]
    result = enterprise_balance(meters, EnterpriseUse(reused_m3=reused), LIMITS)
    assert result.closures[0].error_fraction == pytest.approx(0.0, abs=1e-9)
    assert 0.0 <= result.reuse_rate_fraction < 1.0
    assert result.reuse_rate_fraction == pytest.approx(reused / (reused + total))


def test_infinite_volumes_and_value_added_are_refused() -> None:
    meters = (*METERS[:5], EnterpriseMeter("b1", 3, float("inf"), "B"))
    use = EnterpriseUse(reused_m3=float("inf"), value_added_1e4_yuan=float("inf"))
    with pytest.raises(InputError) as refused:
        enterprise_balance(meters, use, LIMITS)
    fields = {problem.field for problem in refused.value.problems}
    assert fields == {"meters[5].volume_m3", "reused_m3", "value_added_1e4_yuan"}
