"""The Shuozhou comparison tables of seed 001 §4.1.2, reproduced by the engine.

Each test takes the plants' effluent column of one table (朔州市污水处理厂出水, the permitted maxima
from §3.2: GB 3838-2002 class V for COD, NH3-N, TP, cyanide, surfactants; GB 18918-2002 1-A for the
rest) and the table's limit column, and states the comparison worked out by hand in a comment. The
engine must reach the same outcome with the limit held in the shipped data, and that limit must be
the one the table prints.
"""

from __future__ import annotations

import pytest

from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import Fitness, Status, evaluate
from reclaim.quality.standards import Standard
from tests.quality.conftest import make_sample

PASS, FAIL, INCONCLUSIVE, NOT_MEASURED = (
    Status.PASS,
    Status.FAIL,
    Status.INCONCLUSIVE,
    Status.NOT_MEASURED,
)
UNVERIFIED = Status.UNVERIFIED_LIMIT


def outcomes(verdict_parameters: tuple, parameter: str) -> set[Status]:
    return {v.outcome for v in verdict_parameters if v.parameter == parameter}


# ---- 污水处理厂出水标准与城市杂用水水质对比表 (seed 001 §4.1.2 (2)), GB/T 18920-2002
URBAN_EFFLUENT = {
    "ph": {"range": [6.0, 9.0], "unit": "pH"},  # 6.0~9.0
    "colour": {"value": 30, "unit": "度"},  # ≤30
    "bod5": {"value": 10, "unit": "mg/L"},  # ≤10
    "nh3_n": {"value": 2.0, "unit": "mg/L"},  # ≤2.0
    "las": {"value": 0.5, "unit": "mg/L"},  # ≤0.5
}
# The seed: "出水指标中 5 项满足（除 8 项指标未要求外）": pH, colour, BOD5, NH3-N, LAS are met
# (6–9 within 6.0–9.0; 30 ≤ 30; 10 ≤ 10/15/20; 2.0 ≤ 10/20; 0.5 ≤ 0.5/1.0) and the 8 items the
# effluent standard does not set (odour, turbidity, TDS, Fe, Mn, DO, total residual chlorine, total
# coliforms) are not known.
URBAN_MET = {"ph", "colour", "bod5", "nh3_n", "las"}
URBAN_UNSET = {
    "odour",
    "turbidity",
    "tds",
    "fe",
    "mn",
    "do",
    "total_chlorine_outlet",
    "total_chlorine_network_end",
    "total_coliform",
}


@pytest.mark.parametrize(
    "use", ["toilet", "road_cleaning_fire", "greening", "vehicle_washing", "construction"]
)
def test_urban_miscellaneous_table(
    catalogue: Catalogue, standards: dict[str, Standard], use: str
) -> None:
    verdict = evaluate(make_sample(catalogue, URBAN_EFFLUENT), standards["gb_t_18920_2002"], use)
    passed = {v.parameter for v in verdict.with_status(PASS)}
    unknown = {v.parameter for v in verdict.with_status(NOT_MEASURED)}
    if use == "road_cleaning_fire":
        # BOD5 15 for road cleaning / fire fighting is a disputed cell (10 in juduo.cc and
        # lb0371.com, 15 in xiaomilidoc; verification-2026-12 §3.2): 10 passes it only tentatively
        [bod5] = [v for v in verdict.verdicts if v.parameter == "bod5"]
        assert (bod5.status, bod5.tentative) == (Status.UNVERIFIED_LIMIT, PASS)
        assert passed == URBAN_MET - {"bod5"}
    else:
        assert passed == URBAN_MET
    assert unknown <= URBAN_UNSET and unknown
    assert not verdict.failing()
    # five met, the rest unknown: the seed concludes strict disinfection makes the water usable,
    # i.e. not yet decided from the effluent standard alone
    assert verdict.fitness is Fitness.UNDETERMINED


def test_urban_table_toilet_lists_all_eight_unset_items(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # 冲厕 has a value in every row of the table, so all eight unset items are missing
    verdict = evaluate(
        make_sample(catalogue, URBAN_EFFLUENT), standards["gb_t_18920_2002"], "toilet"
    )
    assert {v.parameter for v in verdict.with_status(NOT_MEASURED)} == URBAN_UNSET


# ---- 污水处理厂出水标准与工业用水水质对比表 (seed 001 §4.1.2 (3)), GB/T 19923-2005
INDUSTRIAL_EFFLUENT = {
    "colour": (30, "度"),
    "ph": {"range": [6.0, 9.0], "unit": "pH"},
    "ss": (10, "mg/L"),
    "bod5": (10, "mg/L"),
    "cod_cr": (40, "mg/L"),
    "nh3_n": (2.0, "mg/L"),
    "tp": (0.4, "mg/L"),
    "mn": (2.0, "mg/L"),
    "fecal_coliform": (1000, "个/L"),
}
# (use, parameter, limit as the table prints it, hand comparison with the effluent column)
INDUSTRIAL_ROWS = [
    ("cooling_open_recirculating_makeup", "colour", "≤ 30 degree", PASS),  # 30 ≤ 30
    ("cooling_open_recirculating_makeup", "turbidity", "≤ 5 NTU", NOT_MEASURED),  # effluent —
    ("cooling_open_recirculating_makeup", "ph", "6.5–8.5", INCONCLUSIVE),  # 6–9 not inside 6.5–8.5
    ("cooling_open_recirculating_makeup", "total_hardness", "≤ 450 mg/L", NOT_MEASURED),
    ("cooling_open_recirculating_makeup", "bod5", "≤ 10 mg/L", PASS),  # 10 ≤ 10
    ("cooling_open_recirculating_makeup", "cod_cr", "≤ 60 mg/L", PASS),  # 40 ≤ 60
    ("cooling_open_recirculating_makeup", "tds", "≤ 1000 mg/L", NOT_MEASURED),
    ("cooling_open_recirculating_makeup", "nh3_n", "≤ 10 mg/L", PASS),  # 2.0 ≤ 10
    ("cooling_open_recirculating_makeup", "tp", "≤ 1 mg/L", PASS),  # 0.4 ≤ 1.0
    ("cooling_open_recirculating_makeup", "fe", "≤ 0.3 mg/L", NOT_MEASURED),
    ("cooling_open_recirculating_makeup", "mn", "≤ 0.1 mg/L", FAIL),  # 2.0 > 0.1
    (
        "cooling_open_recirculating_makeup",
        "fecal_coliform",
        "≤ 2000 count/L",
        UNVERIFIED,
    ),  # 1000 ≤ 2000
    ("washing", "colour", "≤ 30 degree", PASS),
    ("washing", "ph", "6.5–9", INCONCLUSIVE),  # 6–9 not inside 6.5–9
    ("washing", "ss", "≤ 30 mg/L", PASS),  # 10 ≤ 30
    ("washing", "bod5", "≤ 30 mg/L", PASS),  # 10 ≤ 30
    ("washing", "tds", "≤ 1000 mg/L", NOT_MEASURED),
    ("washing", "fe", "≤ 0.3 mg/L", NOT_MEASURED),
    ("washing", "mn", "≤ 0.1 mg/L", FAIL),  # 2.0 > 0.1
    ("washing", "fecal_coliform", "≤ 2000 count/L", UNVERIFIED),
    ("boiler_makeup", "colour", "≤ 30 degree", PASS),
    ("boiler_makeup", "turbidity", "≤ 5 NTU", NOT_MEASURED),
    ("boiler_makeup", "ph", "6.5–8.5", INCONCLUSIVE),
    ("boiler_makeup", "bod5", "≤ 10 mg/L", PASS),
    ("boiler_makeup", "cod_cr", "≤ 60 mg/L", PASS),
    ("boiler_makeup", "nh3_n", "≤ 10 mg/L", PASS),
    ("boiler_makeup", "tp", "≤ 1 mg/L", PASS),
    ("boiler_makeup", "mn", "≤ 0.1 mg/L", FAIL),
    ("boiler_makeup", "fecal_coliform", "≤ 2000 count/L", UNVERIFIED),
]
# Rows of the seed table that GB/T 19923-2005 Table 1 does not set for that use: the seed's table
# merges GB 50335-2016 and GB/T 1576-2018 figures (its §4.1.2 (3) names all three documents).
INDUSTRIAL_BEYOND_GB_T_19923 = [
    ("cooling_open_recirculating_makeup", "ss"),  # seed ≤30
    ("washing", "turbidity"),  # seed ≤5
    ("washing", "cod_cr"),  # seed ≤60
    ("washing", "nh3_n"),  # seed ≤10
    ("washing", "tp"),  # seed ≤1.0
    ("boiler_makeup", "ss"),  # seed ≤5
]


@pytest.mark.parametrize(("use", "parameter", "stated", "expected"), INDUSTRIAL_ROWS)
def test_industrial_table(
    catalogue: Catalogue,
    standards: dict[str, Standard],
    use: str,
    parameter: str,
    stated: str,
    expected: Status,
) -> None:
    verdict = evaluate(
        make_sample(catalogue, INDUSTRIAL_EFFLUENT), standards["gb_t_19923_2005"], use
    )
    [row] = [v for v in verdict.verdicts if v.parameter == parameter]
    assert row.limit is not None and row.limit.stated == stated
    if expected is UNVERIFIED:
        # fecal coliform rests only on a low-trust page (verification-2026-12 §4.5): 1000 ≤ 2000
        # passes tentatively
        assert (row.status, row.tentative) == (UNVERIFIED, PASS)
    else:
        assert row.status is expected  # these GB/T 19923-2005 rows are verified


@pytest.mark.parametrize(("use", "parameter"), INDUSTRIAL_BEYOND_GB_T_19923)
def test_industrial_table_rows_not_in_gb_t_19923(
    standards: dict[str, Standard], use: str, parameter: str
) -> None:
    assert parameter not in {rule.parameter for rule in standards["gb_t_19923_2005"].use(use).rules}


@pytest.mark.parametrize("use", ["cooling_open_recirculating_makeup", "washing", "boiler_makeup"])
def test_industrial_table_manganese_makes_every_industrial_use_unfit(
    catalogue: Catalogue, standards: dict[str, Standard], use: str
) -> None:
    # Mn 2.0 mg/L against 0.1 mg/L: 20 times the limit; the seed notes the power plants treat the
    # water further themselves (§4.1.3 table: 水质需企业自行处理达标)
    verdict = evaluate(
        make_sample(catalogue, INDUSTRIAL_EFFLUENT), standards["gb_t_19923_2005"], use
    )
    assert verdict.fitness is Fitness.UNFIT
    [mn] = [v for v in verdict.verdicts if v.parameter == "mn"]
    assert mn.ratio == pytest.approx(2.0 / 0.1)


# ---- 污水处理厂出水标准与景观用水水质对比表 (seed 001 §4.1.2 (4)), GB/T 18921-2019
LANDSCAPE_EFFLUENT = {
    "ph": {"range": [6.0, 9.0], "unit": "pH"},
    "bod5": (10, "mg/L"),
    "tp": (0.4, "mg/L"),
    "tn": (15, "mg/L"),
    "nh3_n": (2, "mg/L"),
    "fecal_coliform": (1000, "个/L"),
    "colour": (30, "度"),
}
# Table columns (river | lake | water feature): BOD5 10|6|6, TP 0.5|0.3|0.3, TN 15|10|10,
# NH3-N 5|3|3, fecal coliforms 1000 (recreational water features 3), colour 20 everywhere.
LANDSCAPE_ROWS = [
    ("ornamental_river", {"bod5": PASS, "tp": PASS, "tn": PASS, "nh3_n": PASS, "colour": FAIL}),
    ("ornamental_lake", {"bod5": FAIL, "tp": FAIL, "tn": FAIL, "nh3_n": PASS, "colour": FAIL}),
    ("recreational_river", {"bod5": PASS, "fecal_coliform": PASS, "colour": FAIL}),  # 1000 ≤ 1000
    ("recreational_waterscape", {"fecal_coliform": FAIL, "tp": FAIL}),  # 1000 > 3; 0.4 > 0.3
    ("landscape_wetland", {"bod5": PASS, "tp": PASS, "tn": PASS, "nh3_n": PASS, "colour": FAIL}),
]


@pytest.mark.parametrize(("use", "expected"), LANDSCAPE_ROWS)
def test_landscape_table_outcomes_rest_on_unverified_limits(
    catalogue: Catalogue, standards: dict[str, Standard], use: str, expected: dict[str, Status]
) -> None:
    verdict = evaluate(
        make_sample(catalogue, LANDSCAPE_EFFLUENT), standards["gb_t_18921_2019"], use
    )
    for parameter, outcome in expected.items():
        assert outcomes(verdict.verdicts, parameter) == {outcome}, parameter
    # GB/T 18921-2019 limits are not confirmed against the text: never fit, never unfit silently
    assert all(v.status is Status.UNVERIFIED_LIMIT for v in verdict.verdicts if v.measurement)
    assert verdict.fitness is Fitness.UNDETERMINED


# ---- 污水处理厂出水标准与地下水回灌水质对比表 (seed 001 §4.1.2 (5)), GB/T 19772-2005 井灌
GROUNDWATER_EFFLUENT = {
    "colour": (30, "度"),
    "ph": {"range": [6.0, 9.0], "unit": "pH"},
    "bod5": (10, "mg/L"),
    "cod_cr": (40, "mg/L"),
    "nh3_n": (2, "mg/L"),
    "hg": (0.001, "mg/L"),
    "cd": (0.01, "mg/L"),
    "as": (0.1, "mg/L"),
    "cr": (0.1, "mg/L"),
    "pb": (0.1, "mg/L"),
    "mn": (2.0, "mg/L"),
    "cyanide": (0.5, "mg/L"),
    "fecal_coliform": (1000, "个/L"),
}
GROUNDWATER_ROWS = {
    "colour": FAIL,  # 30 > 15
    "turbidity": NOT_MEASURED,  # —
    "ph": INCONCLUSIVE,  # 6–9 not inside 6.5–8.5
    "total_hardness": NOT_MEASURED,
    "bod5": FAIL,  # 10 > 4
    "cod_cr": FAIL,  # 40 > 15
    "nh3_n": FAIL,  # 2 > 0.2
    "nitrite_n": NOT_MEASURED,
    "tds": NOT_MEASURED,
    "fluoride": NOT_MEASURED,
    "cyanide": FAIL,  # 0.5 > 0.05
    "fecal_coliform": FAIL,  # 1000 > 3
}


def test_groundwater_recharge_table(catalogue: Catalogue, standards: dict[str, Standard]) -> None:
    verdict = evaluate(
        make_sample(catalogue, GROUNDWATER_EFFLUENT), standards["gb_t_19772_2005"], "well_injection"
    )
    for parameter, outcome in GROUNDWATER_ROWS.items():
        assert outcomes(verdict.verdicts, parameter) == {outcome}, parameter
    # six tentative failures, but every GB/T 19772 limit is unverified: undetermined, with the
    # failures reported (the seed rules groundwater recharge out)
    assert {v.parameter for v in verdict.failing()} == {
        p for p, o in GROUNDWATER_ROWS.items() if o is FAIL
    }
    assert verdict.fitness is Fitness.UNDETERMINED
