"""UARL, ILI and the CJJ 92-2016 leakage rate, each checked on an example worked by hand.

The coefficients are read from data/operations/losses.yaml; the tests restate the published values
(Lambert et al. 1999: 18 L/km mains, 0.8 L/connection, 25 L/km private pipe, per day per metre of
pressure; CJJ 92-2016: R1 = 0.08 r, R2 = 0.99 (A − 0.0693) within ±3 %, R3 0.5 / 1 / 2 % above
0.35 / 0.55 / 0.75 MPa, R4 1 % above 1.4 m frost, grades 10 % and 12 %) and compute by hand.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reclaim.errors import InputError
from reclaim.io.data_files import read_yaml
from reclaim.io.operations_files import LOSSES, load_cjj92_coefficients, load_uarl_coefficients
from reclaim.operations.losses import (
    Cjj92Conditions,
    LeadingIndicator,
    NetworkSize,
    cjj92_coefficients_from_dict,
    cjj92_leakage_rate,
    leading_indicator,
    leakage_index,
    uarl_coefficients_from_dict,
    uarl_litres_per_day,
)
from reclaim.operations.water_balance import BalanceInputs, WaterBalance, water_balance

UARL = load_uarl_coefficients()
CJJ92 = load_cjj92_coefficients()


def test_the_file_holds_the_published_coefficients() -> None:
    assert (
        UARL.mains_l_per_km_day_m,
        UARL.connections_l_per_connection_day_m,
        UARL.private_pipe_l_per_km_day_m,
    ) == (18.0, 0.8, 25.0)
    assert [(grade.name, grade.max_rate_fraction) for grade in CJJ92.grades] == [
        ("一级", 0.10),
        ("二级", 0.12),
    ]


def test_uarl_and_ili_worked_by_hand() -> None:
    # 200 km of mains, 12,000 connections with 2 m of private pipe each (24 km), 40 m pressure
    network = NetworkSize(
        mains_km=200, service_connections=12_000, private_pipe_km=24, average_pressure_m=40
    )
    # 18 × 200 = 3,600; 0.8 × 12,000 = 9,600; 25 × 24 = 600; Σ 13,800 L/d/m × 40 m = 552,000 L/d
    assert uarl_litres_per_day(network, UARL) == pytest.approx(552_000)
    # the 30-day balance of test_water_balance: real losses (CARL) 51,000 m³
    balance = _balance(system_input_m3=300_000, authorised_m3=240_000, apparent_m3=9_000)
    index = leakage_index(balance, network, period_days=30, coefficients=UARL)
    # UARL over 30 days: 552 m³/d × 30 = 16,560 m³; ILI = 51,000 / 16,560 = 3.0797
    assert index.uarl_m3 == pytest.approx(16_560)
    assert index.carl_m3 == pytest.approx(51_000)
    assert index.ili == pytest.approx(3.0797, abs=1e-4)
    # 12,000 connections, 60 per km, 40 m: inside Lambert's range, the ILI leads
    assert index.caveats == ()
    assert leading_indicator(index) is LeadingIndicator.ILI


def test_a_small_system_gets_its_ili_with_the_caveat_and_cjj92_leads() -> None:
    # 1,200 connections on 30 km (40 per km) at 40 m: below the 5,000 connections of the formula
    network = NetworkSize(
        mains_km=30, service_connections=1_200, private_pipe_km=0, average_pressure_m=40
    )
    balance = _balance(system_input_m3=30_000, authorised_m3=27_000, apparent_m3=600)
    index = leakage_index(balance, network, period_days=30, coefficients=UARL)
    # UARL (18 × 30 + 0.8 × 1,200) × 40 = (540 + 960) × 40 = 60,000 L/d; 30 d → 1,800 m³
    # CARL 30,000 − 27,000 − 600 = 2,400 m³ → ILI 1.3333
    assert index.ili == pytest.approx(2_400 / 1_800)
    assert len(index.caveats) == 1
    assert "1200 service connections" in index.caveats[0]
    assert leading_indicator(index) is LeadingIndicator.CJJ92_LEAKAGE_RATE


def test_low_pressure_and_sparse_connections_are_caveats_too() -> None:
    # 6,000 connections on 400 km = 15 per km (< 20), at 20 m (< 25 m)
    network = NetworkSize(
        mains_km=400, service_connections=6_000, private_pipe_km=0, average_pressure_m=20
    )
    balance = _balance(system_input_m3=30_000, authorised_m3=27_000, apparent_m3=600)
    caveats = leakage_index(balance, network, 30, UARL).caveats
    assert len(caveats) == 2
    assert "15.0 connections per km" in caveats[0]
    assert "20 m" in caveats[1]


@given(
    st.floats(min_value=1, max_value=5_000),
    st.integers(min_value=0, max_value=500_000),
    st.floats(min_value=0, max_value=2_000),
    st.floats(min_value=1, max_value=150),
    st.floats(min_value=1.1, max_value=5),
)
def test_ili_scales_inversely_with_pressure(
    mains_km: float, connections: int, private_km: float, pressure_m: float, factor: float
) -> None:
    balance = _balance(system_input_m3=1e6, authorised_m3=7e5, apparent_m3=5e4)

    def ili(pressure: float) -> float:
        network = NetworkSize(mains_km, connections, private_km, pressure)
        return leakage_index(balance, network, 365, UARL).ili

    assert ili(pressure_m * factor) == pytest.approx(ili(pressure_m) / factor, rel=1e-9)


def test_a_network_without_mains_or_pressure_is_refused() -> None:
    with pytest.raises(InputError) as refused:
        uarl_litres_per_day(NetworkSize(0, 100, 0, -3), UARL)
    fields = {problem.field for problem in refused.value.problems}
    assert fields == {"mains_km", "average_pressure_m"}


def test_cjj92_worked_by_hand_with_every_correction() -> None:
    # a year of 10,000 m³/d: Q_s = 3,650,000 m³ (365 万m³); registered use Q_a = 3,139,000 m³
    balance = _balance(system_input_m3=3_650_000, authorised_m3=3_139_000, apparent_m3=0)
    conditions = Cjj92Conditions(
        residential_metered_m3=1_460_000,  # r = 1,460,000 / 3,650,000 = 0.40
        pipe_length_dn75_km=29.2,  # A = 29.2 km / 365 万m³ = 0.08 km/万m³
        mean_outlet_pressure_mpa=0.40,  # in (0.35, 0.55]
        max_frost_depth_m=1.5,  # > 1.4 m
    )
    rate = cjj92_leakage_rate(balance, conditions, CJJ92)
    # 综合漏损率 R_WL = (3,650,000 − 3,139,000) / 3,650,000 = 511,000 / 3,650,000 = 0.14
    assert rate.gross_loss_rate_fraction == pytest.approx(0.14)
    assert rate.residential_correction_fraction == pytest.approx(0.08 * 0.40)  # R1 = 0.032
    assert rate.pipe_length_km_per_1e4_m3 == pytest.approx(0.08)
    # R2 = 0.99 × (0.08 − 0.0693) = 0.99 × 0.0107 = 0.010593
    assert rate.pipe_length_correction_fraction == pytest.approx(0.010593)
    assert rate.pressure_correction_fraction == pytest.approx(0.005)  # R3
    assert rate.frost_correction_fraction == pytest.approx(0.01)  # R4
    # R_n = 0.032 + 0.010593 + 0.005 + 0.01 = 0.057593; R_BL = 0.14 − 0.057593 = 0.082407
    assert rate.total_correction_fraction == pytest.approx(0.057593)
    assert rate.leakage_rate_fraction == pytest.approx(0.082407)
    assert rate.grade == "一级"  # ≤ 10 %


def test_cjj92_grades_and_bands_at_their_edges() -> None:
    balance = _balance(system_input_m3=3_650_000, authorised_m3=3_139_000, apparent_m3=0)
    # no corrections: r = 0, A = 0.0693 (25.2945 km / 365 万m³), 0.30 MPa, 1.0 m frost
    plain = Cjj92Conditions(0, 0.0693 * 365, 0.30, 1.0)
    rate = cjj92_leakage_rate(balance, plain, CJJ92)
    assert rate.total_correction_fraction == pytest.approx(0.0, abs=1e-12)
    assert rate.grade is None  # 14 % is above the 二级 12 %
    # 11 % after a residential correction of 3 %: r = 0.375 → R1 = 0.03 → 二级
    second = Cjj92Conditions(0.375 * 3_650_000, 0.0693 * 365, 0.30, 1.0)
    assert cjj92_leakage_rate(balance, second, CJJ92).leakage_rate_fraction == pytest.approx(0.11)
    assert cjj92_leakage_rate(balance, second, CJJ92).grade == "二级"
    # exactly 0.55 MPa is still the 0.5 % band; 0.76 MPa is the 2 % band
    assert cjj92_leakage_rate(
        balance, Cjj92Conditions(0, 25.2945, 0.55, 1.0), CJJ92
    ).pressure_correction_fraction == pytest.approx(0.005)
    assert cjj92_leakage_rate(
        balance, Cjj92Conditions(0, 25.2945, 0.76, 1.0), CJJ92
    ).pressure_correction_fraction == pytest.approx(0.02)
    # a long network: A = 36.5 / 365 = 0.1 → 0.99 × 0.0307 = 0.030393, held at the 3 % limit
    assert cjj92_leakage_rate(
        balance, Cjj92Conditions(0, 36.5, 0.30, 1.0), CJJ92
    ).pipe_length_correction_fraction == pytest.approx(0.03)


def test_cjj92_refuses_more_residential_use_than_registered_use() -> None:
    balance = _balance(system_input_m3=1_000, authorised_m3=900, apparent_m3=0)
    with pytest.raises(InputError) as refused:
        cjj92_leakage_rate(balance, Cjj92Conditions(950, 1, 0.3, 1.0), CJJ92)
    assert refused.value.field == "residential_metered_m3"
    assert refused.value.value == 950


def test_a_coefficient_without_a_source_is_refused() -> None:
    document = read_yaml(LOSSES)
    unsourced = copy.deepcopy(document["uarl"])
    del unsourced["mains_l_per_km_day_m"]["source"]
    with pytest.raises(InputError) as refused:
        uarl_coefficients_from_dict(unsourced)
    assert refused.value.field == "uarl.mains_l_per_km_day_m"
    bare = copy.deepcopy(document["cjj92"])
    bare["grades"][1]["max_rate_fraction"] = 0.12
    with pytest.raises(InputError) as refused:
        cjj92_coefficients_from_dict(bare)
    assert refused.value.field == "cjj92.grades[1].max_rate_fraction"


def _balance(system_input_m3: float, authorised_m3: float, apparent_m3: float) -> WaterBalance:
    return water_balance(
        BalanceInputs(
            system_input_m3=system_input_m3,
            billed_metered_m3=authorised_m3,
            customer_meter_inaccuracies_m3=apparent_m3,
        )
    )


def test_infinite_network_figures_and_periods_are_refused() -> None:
    with pytest.raises(InputError) as refused:
        uarl_litres_per_day(NetworkSize(float("inf"), 100, float("inf"), float("inf")), UARL)
    fields = [problem.field for problem in refused.value.problems]
    # each field named once, mains_km by its own "above 0 km" rule only
    assert sorted(fields) == ["average_pressure_m", "mains_km", "private_pipe_km"]
    network = NetworkSize(200, 12_000, 24, 40)
    balance = _balance(system_input_m3=300_000, authorised_m3=240_000, apparent_m3=9_000)
    with pytest.raises(InputError, match="period_days"):
        leakage_index(balance, network, float("inf"), UARL)
    with pytest.raises(InputError) as frost:
        cjj92_leakage_rate(balance, Cjj92Conditions(0, 1, 0.3, float("inf")), CJJ92)
    assert frost.value.field == "max_frost_depth_m"
