"""The IWA water balance and its data-validity score, checked on an example worked by hand.

The example: a reclaimed-water network delivering 10,000 m³/d for 30 days, so a system input of
300,000 m³, with the components stated below; every expected figure is derived in the comments.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reclaim.errors import InputError
from reclaim.io.operations_files import load_validity_scale
from reclaim.operations.data_validity import balance_validity
from reclaim.operations.water_balance import (
    BalanceInputs,
    balance_inputs_from_dict,
    water_balance,
)

EXAMPLE = BalanceInputs(
    system_input_m3=10_000 * 30,  # 10,000 m³/d × 30 d = 300,000 m³
    billed_metered_m3=231_000,
    billed_unmetered_m3=3_000,
    unbilled_metered_m3=1_500,  # e.g. the utility's own metered use
    unbilled_unmetered_m3=4_500,  # e.g. mains flushing, fire fighting
    unauthorised_consumption_m3=3_000,
    customer_meter_inaccuracies_m3=6_000,
)


def test_the_worked_example_balances() -> None:
    balance = water_balance(EXAMPLE)
    # billed authorised 231,000 + 3,000 = 234,000; unbilled 1,500 + 4,500 = 6,000
    assert balance.billed_authorised_m3 == pytest.approx(234_000)
    assert balance.unbilled_authorised_m3 == pytest.approx(6_000)
    # authorised 240,000; water losses 300,000 − 240,000 = 60,000 (20 % of the input)
    assert balance.authorised_consumption_m3 == pytest.approx(240_000)
    assert balance.water_losses_m3 == pytest.approx(60_000)
    assert balance.water_losses_fraction == pytest.approx(0.20)
    # apparent 3,000 + 6,000 = 9,000; real 60,000 − 9,000 = 51,000
    assert balance.apparent_losses_m3 == pytest.approx(9_000)
    assert balance.real_losses_m3 == pytest.approx(51_000)
    # NRW 300,000 − 234,000 = 66,000 = 6,000 + 9,000 + 51,000, 22 % of the input
    assert balance.non_revenue_water_m3 == pytest.approx(66_000)
    assert balance.non_revenue_water_fraction == pytest.approx(0.22)


def test_a_negative_component_is_refused_naming_it() -> None:
    with pytest.raises(InputError) as refused:
        water_balance(
            BalanceInputs(system_input_m3=1_000, billed_metered_m3=800, billed_unmetered_m3=-5)
        )
    assert refused.value.field == "billed_unmetered_m3"
    assert refused.value.value == -5


def test_authorised_use_above_the_input_is_refused() -> None:
    with pytest.raises(InputError) as refused:
        water_balance(
            BalanceInputs(system_input_m3=1_000, billed_metered_m3=900, unbilled_metered_m3=200)
        )
    assert "authorised" in refused.value.field
    assert refused.value.value == pytest.approx(1_100)


def test_apparent_losses_above_the_water_losses_are_refused() -> None:
    # losses 1,000 − 900 = 100; apparent 80 + 40 = 120 > 100 would make real losses negative
    with pytest.raises(InputError) as refused:
        water_balance(
            BalanceInputs(
                system_input_m3=1_000,
                billed_metered_m3=900,
                unauthorised_consumption_m3=80,
                customer_meter_inaccuracies_m3=40,
            )
        )
    assert "apparent" in refused.value.field
    assert refused.value.value == pytest.approx(120)


def test_a_zero_system_input_is_refused() -> None:
    with pytest.raises(InputError) as refused:
        water_balance(BalanceInputs(system_input_m3=0, billed_metered_m3=0))
    assert refused.value.field == "system_input_m3"


def test_inputs_from_a_table_refuse_unknown_and_non_numeric_fields() -> None:
    assert balance_inputs_from_dict({"system_input_m3": 10, "billed_metered_m3": 8}) == (
        BalanceInputs(system_input_m3=10.0, billed_metered_m3=8.0)
    )
    with pytest.raises(InputError) as refused:
        balance_inputs_from_dict({"system_input_m3": "ten", "billed_metered_m3": 8, "leaks": 1})
    fields = {problem.field for problem in refused.value.problems}
    assert fields == {"balance.leaks", "balance.system_input_m3"}


volumes = st.floats(min_value=0, max_value=1e7, allow_nan=False)


@given(
    st.lists(volumes, min_size=4, max_size=4),
    st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), min_size=3, max_size=3),
    st.floats(min_value=1, max_value=1e7),
)
def test_non_revenue_water_is_unbilled_plus_apparent_plus_real(
    authorised: list[float], apparent_shares: list[float], losses: float
) -> None:
    # apparent components take at most a third of the losses each, so they never exceed them
    inputs = BalanceInputs(
        system_input_m3=sum(authorised) + losses,
        billed_metered_m3=authorised[0],
        billed_unmetered_m3=authorised[1],
        unbilled_metered_m3=authorised[2],
        unbilled_unmetered_m3=authorised[3],
        unauthorised_consumption_m3=losses * apparent_shares[0] / 3,
        customer_meter_inaccuracies_m3=losses * apparent_shares[1] / 3,
        data_handling_errors_m3=losses * apparent_shares[2] / 3,
    )
    balance = water_balance(inputs)
    parts = balance.unbilled_authorised_m3 + balance.apparent_losses_m3 + balance.real_losses_m3
    assert balance.non_revenue_water_m3 == pytest.approx(parts, rel=1e-9, abs=1e-6)
    assert balance.real_losses_m3 >= -1e-6


def test_data_validity_of_the_worked_example() -> None:
    grades = {
        "system_input_m3": 8,
        "billed_metered_m3": 7,
        "billed_unmetered_m3": 3,
        "unbilled_metered_m3": 5,
        "unbilled_unmetered_m3": 2,
        "unauthorised_consumption_m3": 2,
        "customer_meter_inaccuracies_m3": 4,
    }
    validity = balance_validity(EXAMPLE, grades, load_validity_scale())
    # Σ volume × grade = 300,000×8 + 231,000×7 + 3,000×3 + 1,500×5 + 4,500×2 + 3,000×2 + 6,000×4
    #                  = 2,400,000 + 1,617,000 + 9,000 + 7,500 + 9,000 + 6,000 + 24,000 = 4,072,500
    # Σ volume = 549,000 → mean grade 7.41803 → score 74.18, in AWWA's level IV (71–90)
    assert validity.score == pytest.approx(10 * 4_072_500 / 549_000)
    assert validity.score == pytest.approx(74.18, abs=0.01)
    assert validity.level == "IV"
    # data handling errors are 0 m³: they weigh nothing and need no grade
    assert "data_handling_errors_m3" not in validity.weights_m3


def test_a_grade_outside_the_scale_or_missing_is_refused() -> None:
    grades = {"system_input_m3": 11, "billed_metered_m3": 7}
    with pytest.raises(InputError) as refused:
        balance_validity(
            BalanceInputs(system_input_m3=100, billed_metered_m3=80, unbilled_metered_m3=5),
            grades,
            load_validity_scale(),
        )
    problems = {(problem.field, problem.value) for problem in refused.value.problems}
    assert problems == {("grades.system_input_m3", 11), ("grades.unbilled_metered_m3", None)}


def test_an_infinite_volume_is_refused_naming_it() -> None:
    # inf passes a plain ``>= 0`` check and would give an infinite input and NaN fractions
    with pytest.raises(InputError) as refused:
        water_balance(BalanceInputs(system_input_m3=float("inf"), billed_metered_m3=800))
    assert refused.value.field == "system_input_m3"
    assert refused.value.value == float("inf")
