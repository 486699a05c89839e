"""Hand-worked cases per standard: every expected verdict is worked out in the comment beside it."""

from __future__ import annotations

import pytest

from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import Fitness, Status, evaluate, fitness_matrix
from reclaim.quality.standards import Standard
from tests.quality.conftest import make_sample

# A sample meeting every GB/T 18920-2020 Table 1 limit of column A (toilet, vehicle washing).
GOOD_URBAN = {
    "ph": (7.2, "pH"),  # 6.0–9.0
    "colour": (10, "度"),  # ≤ 15
    "odour": {"value": "pass", "unit": "conformity"},  # 无不快感
    "turbidity": (2, "NTU"),  # ≤ 5
    "bod5": (5, "mg/L"),  # ≤ 10
    "nh3_n": (1, "mg/L"),  # ≤ 5
    "las": (0.2, "mg/L"),  # ≤ 0.5
    "fe": (0.1, "mg/L"),  # ≤ 0.3
    "mn": (0.05, "mg/L"),  # ≤ 0.1
    "tds": (600, "mg/L"),  # ≤ 1000
    "do": (3, "mg/L"),  # ≥ 2.0
    "total_chlorine_outlet": (1.2, "mg/L"),  # ≥ 1.0
    "total_chlorine_network_end": (0.4, "mg/L"),  # ≥ 0.2
    "e_coli": {"value": "<1", "unit": "MPN/100mL"},  # 不应检出: below detection
}


def urban(catalogue: Catalogue, **changes: object) -> dict:
    values = dict(GOOD_URBAN)
    values.update(changes)
    return values


def test_gb_t_18920_2020_compliant_sample_is_fit(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    verdict = evaluate(make_sample(catalogue, GOOD_URBAN), standards["gb_t_18920_2020"], "toilet")
    assert verdict.fitness is Fitness.FIT
    # Table 2 selective items (chloride, sulfate) apply only when chosen
    assert {v.status for v in verdict.verdicts} == {Status.PASS, Status.NOT_REQUIRED}
    assert {v.parameter for v in verdict.with_status(Status.NOT_REQUIRED)} == {
        "chloride",
        "sulfate",
    }


def test_gb_t_18920_2020_detected_e_coli_fails(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Table 1 item 13: E. coli must not be detected; 2 MPN/100 mL is a detection
    sample = make_sample(catalogue, urban(catalogue, e_coli=(2, "MPN/100mL")))
    verdict = evaluate(sample, standards["gb_t_18920_2020"], "toilet")
    assert verdict.fitness is Fitness.UNFIT
    assert [v.parameter for v in verdict.with_status(Status.FAIL)] == ["e_coli"]


def test_gb_t_18920_2020_tds_coastal_condition(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # TDS 1500 mg/L: > 1000 normally, ≤ 2000 in coastal / high-TDS areas (Table 1 footnote a)
    sample = make_sample(catalogue, urban(catalogue, tds=(1500, "mg/L")))
    standard = standards["gb_t_18920_2020"]
    assert evaluate(sample, standard, "toilet").fitness is Fitness.UNFIT
    coastal = evaluate(sample, standard, "toilet", ["coastal_high_tds"])
    assert coastal.fitness is Fitness.FIT
    assert coastal.conditions_applied == ("coastal_high_tds",)


def test_gb_t_18920_2020_greening_caps_chlorine(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # network-end chlorine 3.0 mg/L: ≥ 0.2 for every use, but > 2.5 for greening (footnote b)
    values = urban(
        catalogue, total_chlorine_network_end=(3.0, "mg/L"), colour=(25, "度"), turbidity=(8, "NTU")
    )
    values.pop("fe")
    values.pop("mn")
    sample = make_sample(catalogue, values)
    standard = standards["gb_t_18920_2020"]
    assert evaluate(sample, standard, "road_cleaning").fitness is Fitness.FIT
    greening = evaluate(sample, standard, "greening")
    assert greening.fitness is Fitness.UNFIT
    [failed] = greening.with_status(Status.FAIL)
    assert failed.parameter == "total_chlorine_network_end"
    assert failed.margin == pytest.approx(2.5 - 3.0)
    assert failed.ratio == pytest.approx(3.0 / 2.5)


def test_gb_18918_ammonia_depends_on_measured_temperature(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Table 1 NH3-N grade 1-A: 5 mg/L above 12 °C, 8 mg/L (bracketed) at or below 12 °C
    standard = standards["gb_18918_2002"]
    warm = make_sample(catalogue, {"nh3_n": (7, "mg/L"), "water_temperature": (15, "°C")})
    cold = make_sample(catalogue, {"nh3_n": (7, "mg/L"), "water_temperature": (10, "°C")})
    unknown = make_sample(catalogue, {"nh3_n": (7, "mg/L")})

    def nh3(sample: object) -> Status:
        verdict = evaluate(sample, standard, "grade_1A")  # type: ignore[arg-type]
        return next(v.status for v in verdict.verdicts if v.parameter == "nh3_n")

    assert nh3(warm) is Status.FAIL  # 7 > 5
    assert nh3(cold) is Status.PASS  # 7 ≤ 8
    assert nh3(unknown) is Status.FAIL  # temperature unknown: the general (stricter) limit applies


def test_gb_18918_fecal_coliform_per_100ml_converted(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # 1-A: ≤ 1000 个/L. 150 MPN/100 mL = 1500 /L fails; 50 MPN/100 mL = 500 /L passes
    standard = standards["gb_18918_2002"]
    high = evaluate(
        make_sample(catalogue, {"fecal_coliform": (150, "MPN/100mL")}), standard, "grade_1A"
    )
    low = evaluate(
        make_sample(catalogue, {"fecal_coliform": (50, "CFU/100mL")}), standard, "grade_1A"
    )
    assert next(v for v in high.verdicts if v.parameter == "fecal_coliform").status is Status.FAIL
    assert next(v for v in low.verdicts if v.parameter == "fecal_coliform").status is Status.PASS
    ratio = next(v for v in high.verdicts if v.parameter == "fecal_coliform").ratio
    assert ratio == pytest.approx(1500 / 1000)


def test_gb_3838_phosphorus_lake_condition(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Table 1 TP class IV: 0.3 mg/L (rivers), 0.1 mg/L (lakes and reservoirs); sample 0.15 mg/L
    sample = make_sample(catalogue, {"tp": (0.15, "mg/L")})
    standard = standards["gb_3838_2002"]

    def tp(conditions: list[str]) -> Status:
        verdict = evaluate(sample, standard, "IV", conditions)
        return next(v.status for v in verdict.verdicts if v.parameter == "tp")

    assert tp([]) is Status.PASS
    assert tp(["lake_reservoir"]) is Status.FAIL


def test_micrograms_convert_to_milligrams(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB 18918 Table 2 Hg 0.001 mg/L (unverified): 0.8 µg/L = 0.0008 mg/L passes tentatively
    verdict = evaluate(
        make_sample(catalogue, {"hg": (0.8, "µg/L")}), standards["gb_18918_2002"], "grade_1A"
    )
    [hg] = [v for v in verdict.verdicts if v.parameter == "hg"]
    assert hg.status is Status.PASS and hg.ratio == pytest.approx(0.8)
    assert hg.ratio == pytest.approx(0.0008 / 0.001)


def test_eu_class_a_and_derived_class_b(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Annex I Table 2 class A: E. coli ≤ 10 cfu/100 mL, BOD5 ≤ 10, TSS ≤ 10 mg/L, turbidity ≤ 5 NTU
    sample = make_sample(
        catalogue,
        {
            "e_coli": (5, "cfu/100 mL"),
            "bod5": (8, "mg/L"),
            "ss": (8, "mg/L"),
            "turbidity": (3, "NTU"),
        },
    )
    standard = standards["eu_2020_741"]
    assert evaluate(sample, standard, "A").fitness is Fitness.FIT
    # class B BOD5/TSS are "per 91/271/EEC": the derived 25/35 mg/L are unverified, so class B is
    # undetermined even though every value is far inside them
    class_b = evaluate(sample, standard, "B")
    assert class_b.fitness is Fitness.UNDETERMINED
    assert {v.parameter for v in class_b.with_status(Status.UNVERIFIED_LIMIT)} == {"bod5", "ss"}


def test_eu_legionella_only_where_aerosols(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Legionella < 1000 cfu/L applies only where there is a risk of aerosolisation
    sample = make_sample(
        catalogue,
        {
            "e_coli": (5, "cfu/100 mL"),
            "bod5": (8, "mg/L"),
            "ss": (8, "mg/L"),
            "turbidity": (3, "NTU"),
            "legionella": (5000, "CFU/L"),
        },
    )
    standard = standards["eu_2020_741"]
    assert evaluate(sample, standard, "A").fitness is Fitness.FIT
    assert evaluate(sample, standard, "A", ["aerosol_risk"]).fitness is Fitness.UNFIT


def test_title22_tertiary_never_fit_on_unverified_turbidity(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # §60301.230: CT ≥ 450 mg·min/L, modal contact ≥ 90 min, any sample ≤ 240 MPN/100 mL (verified);
    # the 2 NTU filtered-turbidity figure is unverified, so the verdict stays undetermined
    sample = make_sample(
        catalogue,
        {
            "chlorine_ct": (500, "mg·min/L"),
            "modal_contact_time": (95, "min"),
            "total_coliform": (1, "MPN/100mL"),
            "total_coliform_7d_median": (1, "MPN/100mL"),
            "filter_loading_rate": (10, "m/h"),
            "turbidity": (1, "NTU"),
        },
    )
    verdict = evaluate(sample, standards["ca_title22_recycled_water"], "disinfected_tertiary")
    assert verdict.fitness is Fitness.UNDETERMINED
    # 10 m/h = 10 / 2.4447506 = 4.09 gpm/ft² ≤ 5
    [rate] = [v for v in verdict.verdicts if v.parameter == "filter_loading_rate"]
    assert rate.status is Status.PASS
    assert rate.ratio == pytest.approx(10 / (5 * 2.4447506))


def test_below_detection_limit_above_the_limit_is_inconclusive(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB 18918 1-A LAS ≤ 0.5 mg/L; a result "<1" cannot show compliance
    verdict = evaluate(
        make_sample(catalogue, {"las": {"value": "<1", "unit": "mg/L"}}),
        standards["gb_18918_2002"],
        "grade_1A",
    )
    assert next(v for v in verdict.verdicts if v.parameter == "las").status is Status.INCONCLUSIVE


def test_fitness_matrix_api(catalogue: Catalogue, standards: dict[str, Standard]) -> None:
    matrix = fitness_matrix(make_sample(catalogue, GOOD_URBAN, "plant"), standards)
    assert ("gb_t_18920_2020", "toilet") in matrix.fit_uses()
    payload = matrix.to_dict()
    assert payload["sample"] == "plant"
    assert len(payload["uses"]) == sum(len(s.uses) for s in standards.values())


def test_landscape_residual_chlorine_waived_without_chlorination(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB/T 18921-2002 Table 1 footnote: residual chlorine ≥ 0.05 mg/L, no requirement when the water
    # is not disinfected by chlorination
    sample = make_sample(catalogue, {"bod5": (5, "mg/L")})
    standard = standards["gb_t_18921_2002"]

    def chlorine(conditions: list[str]) -> Status:
        verdict = evaluate(sample, standard, "ornamental_river", conditions)
        return next(v.status for v in verdict.verdicts if v.parameter == "residual_chlorine")

    assert chlorine([]) is Status.NOT_MEASURED
    assert chlorine(["non_chlorine_disinfection"]) is Status.NOT_REQUIRED


def test_scenario_effluent_profile_becomes_a_sample(catalogue: Catalogue) -> None:
    # the planning scenario's plants carry effluent: {parameter: {value, unit}}
    from reclaim.errors import InputError
    from reclaim.io.quality_files import profile_sample

    plant = profile_sample({"bod5": {"value": 10, "unit": "mg/L"}}, catalogue, "plants.No1")
    assert plant.id == "plants.No1" and plant.measurements["bod5"].high == 10
    with pytest.raises(InputError) as caught:
        profile_sample({"bod5": {"value": 10, "unit": "NTU"}}, catalogue, "plants.No1")
    assert caught.value.field == "plants.No1.effluent.bod5.unit"


def test_effluent_fitness_for_the_plan_report() -> None:
    from reclaim.io.quality_files import effluent_fitness

    # the seed 001 §4.1.2 industrial comparison: Mn 2.0 mg/L > 0.1 makes boiler make-up unfit
    matrix = effluent_fitness({"mn": {"value": 2.0, "unit": "mg/L"}}, "plants.No2")
    uses = {(u["standard"], u["use"]): u for u in matrix.to_dict()["uses"]}
    assert uses[("gb_t_19923_2005", "boiler_makeup")]["fitness"] == "unfit"
    assert uses[("gb_t_19923_2005", "boiler_makeup")]["failing"] == ["mn"]
    assert ("gb_t_18920_2002", "toilet") not in uses  # superseded edition left out
    assert ("gb_t_18920_2020", "toilet") in uses


def test_gb_20922_paddy_arsenic_and_saline_land(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB 20922-2007 Table 1 (recalled, unverified): As ≤ 0.05 mg/L for paddy rice, ≤ 0.1 for fibre
    # crops; TDS ≤ 1000 mg/L, ≤ 2000 on saline-alkali land. Sample: As 80 µg/L, TDS 1500 mg/L
    sample = make_sample(catalogue, {"as": (80, "µg/L"), "tds": (1500, "mg/L")})
    standard = standards["gb_20922_2007"]

    def outcome(use: str, parameter: str, conditions: list[str]) -> tuple[Status, Status | None]:
        verdict = evaluate(sample, standard, use, conditions)
        item = next(v for v in verdict.verdicts if v.parameter == parameter)
        return item.status, item.tentative

    unverified = Status.UNVERIFIED_LIMIT
    assert outcome("paddy_rice", "as", []) == (unverified, Status.FAIL)  # 0.08 > 0.05
    assert outcome("fiber_crops", "as", []) == (unverified, Status.PASS)  # 0.08 ≤ 0.1
    assert outcome("fiber_crops", "tds", []) == (unverified, Status.FAIL)  # 1500 > 1000
    assert outcome("fiber_crops", "tds", ["saline_alkali_land"]) == (unverified, Status.PASS)
    # every GB 20922 limit is unverified: never fit, never unfit
    assert evaluate(sample, standard, "paddy_rice").fitness is Fitness.UNDETERMINED
