"""Series compliance, rolling compliance and the gap to treatment."""

from __future__ import annotations

import dataclasses
import math

import pytest

from reclaim.errors import InputError
from reclaim.io.quality_files import load_profile
from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import Fitness, Status, evaluate, fitness_matrix
from reclaim.quality.gap import TreatmentCatalogue, cheapest_routes, treatment_gap
from reclaim.quality.series import evaluate_series, rolling_compliance, rolling_compliance_days
from reclaim.quality.standards import Standard
from tests.quality.conftest import make_sample

CLASS_A_OK = {"bod5": (8, "mg/L"), "ss": (8, "mg/L"), "turbidity": (3, "NTU")}


def eu_samples(catalogue: Catalogue, e_coli_per_100ml: list[float]) -> list:
    return [
        make_sample(catalogue, {**CLASS_A_OK, "e_coli": (value, "cfu/100 mL")}, f"d{day}")
        for day, value in enumerate(e_coli_per_100ml, start=1)
    ]


def test_eu_period_rule_allows_one_in_ten_within_one_log(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Annex I (unverified rule): ≥ 90 % of samples ≤ 10 cfu/100 mL, none beyond 1 log (100)
    standard = standards["eu_2020_741"]
    nine_good_one_high = eu_samples(catalogue, [5] * 9 + [60])  # 9/10 = 90 %; 60 < 100
    verdict = evaluate_series(nine_good_one_high, standard, "A")
    [e_coli] = [v for v in verdict.verdicts if v.parameter == "e_coli"]
    assert (e_coli.n_pass, e_coli.n_measured) == (9, 10)
    assert e_coli.status is Status.UNVERIFIED_LIMIT and e_coli.tentative is Status.PASS
    assert verdict.fitness is Fitness.UNDETERMINED  # the rule itself is unverified
    beyond = evaluate_series(
        eu_samples(catalogue, [5] * 9 + [200]), standard, "A"
    )  # 200 > 100: > 1 log
    [e_coli_beyond] = [v for v in beyond.verdicts if v.parameter == "e_coli"]
    assert e_coli_beyond.deviation_exceeded and e_coli_beyond.tentative is Status.FAIL
    two_high = evaluate_series(
        eu_samples(catalogue, [5] * 8 + [60, 60]), standard, "A"
    )  # 8/10 < 90 %
    assert next(v for v in two_high.verdicts if v.parameter == "e_coli").tentative is Status.FAIL


def test_every_sample_rule_without_a_period_rule(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB 18918 sets no share: one exceedance of COD 50 mg/L (Table 1 daily mean, grade 1-A) fails
    # the period; 55 stays under the 75 mg/L instantaneous value of Table 4 (2025 amendment)
    standard = standards["gb_18918_2002"]
    series = [
        make_sample(catalogue, {"cod_cr": (value, "mg/L")}, str(i))
        for i, value in enumerate([30, 40, 55])
    ]
    verdict = evaluate_series(series, standard, "grade_1A")
    [cod, cod_instantaneous] = [v for v in verdict.verdicts if v.parameter == "cod_cr"]
    assert (cod.limit, cod_instantaneous.limit) == ("≤ 50 mg/L", "≤ 75 mg/L")
    assert (cod_instantaneous.status, cod_instantaneous.n_fail) == (Status.PASS, 0)
    assert (cod.status, cod.n_fail, cod.worst_ratio) == (Status.FAIL, 1, pytest.approx(55 / 50))
    assert verdict.fitness is Fitness.UNFIT


def test_rolling_compliance_recovers_after_the_exceedance_leaves_the_window(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    standard = standards["gb_18918_2002"]
    values = [30, 55, 30, 30, 30]  # exceedance on day 2 (55 > 50)
    series = [
        make_sample(catalogue, {"cod_cr": (v, "mg/L")}, f"s{i}")
        for i, v in enumerate(values, start=1)
    ]
    rolling = rolling_compliance(series, standard, "grade_1A", window=2)
    # windows (1,2) (2,3) hold the exceedance, (3,4) (4,5) do not; the rest of 1-A is unmeasured
    assert [label for label, _ in rolling] == ["s2", "s3", "s4", "s5"]
    assert [fitness for _, fitness in rolling] == [
        Fitness.UNFIT,
        Fitness.UNFIT,
        Fitness.UNDETERMINED,
        Fitness.UNDETERMINED,
    ]
    with pytest.raises(InputError, match="at most the number of samples"):
        rolling_compliance(series, standard, "grade_1A", window=9)


def test_gap_gives_log_reduction_for_coliforms(
    catalogue: Catalogue, standards: dict[str, Standard], treatments: TreatmentCatalogue
) -> None:
    # GB/T 18921-2002 recreational river: fecal coliforms ≤ 500 /L; 1000 /L needs ×2 = 0.301 log
    sample = make_sample(catalogue, {"fecal_coliform": (1000, "个/L"), "bod5": (10, "mg/L")})
    gap = treatment_gap(
        evaluate(sample, standards["gb_t_18921_2002"], "recreational_river"), catalogue, treatments
    )
    [coliform] = [item for item in gap.items if item.parameter == "fecal_coliform"]
    assert coliform.step.id == "chlorination"
    assert coliform.factor == pytest.approx(2.0)
    assert coliform.log10_reduction == pytest.approx(math.log10(2))
    # BOD5 10 > 6 mg/L: reduce by 4 mg/L, factor 10/6
    [bod] = [item for item in gap.items if item.parameter == "bod5"]
    assert (bod.action, bod.change, bod.factor) == (
        "reduce",
        pytest.approx(4.0),
        pytest.approx(10 / 6),
    )
    assert bod.removal_percent == pytest.approx(40.0)  # 1 − 6/10
    assert bod.log10_reduction is None
    measure = {item.parameter for item in gap.items if item.action == "measure"}
    assert "turbidity" in measure and "do" in measure


def test_gap_raise_for_minimum_and_adjust_for_range(
    catalogue: Catalogue, standards: dict[str, Standard], treatments: TreatmentCatalogue
) -> None:
    # GB/T 18920-2020 toilet: DO ≥ 2.0 (1.5 → raise 0.5); pH 6.0–9.0 (9.5 → adjust −0.5)
    sample = make_sample(catalogue, {"do": (1.5, "mg/L"), "ph": (9.5, "pH")})
    gap = treatment_gap(
        evaluate(sample, standards["gb_t_18920_2020"], "toilet"), catalogue, treatments
    )
    items = {item.parameter: item for item in gap.items}
    assert (items["do"].action, items["do"].change, items["do"].step.id) == (
        "raise",
        pytest.approx(0.5),
        "aeration",
    )
    assert (items["ph"].action, items["ph"].change) == ("adjust", pytest.approx(-0.5))


def test_cheapest_route_puts_disinfection_before_desalting(
    catalogue: Catalogue, standards: dict[str, Standard], treatments: TreatmentCatalogue
) -> None:
    # a sample failing only fecal coliforms for one use and only TDS for another
    sample = make_sample(catalogue, {"fecal_coliform": (5000, "个/L"), "tds": (1200, "mg/L")})
    local = [standards["gb_18918_2002"], standards["gb_t_18920_2002"]]
    routes = cheapest_routes(fitness_matrix(sample, local), catalogue, treatments)
    tiers = [route.highest_tier for route in routes]
    assert tiers == sorted(tiers)
    grade_1a = next(r for r in routes if r.use_id == "grade_1A")
    greening = next(r for r in routes if r.use_id == "greening")
    assert "chlorination" in [s.id for s in grade_1a.steps]
    assert "reverse_osmosis" in [s.id for s in greening.steps]
    assert routes.index(grade_1a) < routes.index(greening)


def test_shuozhou_profile_fits_no_use_outright(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # seed 001 §4.1.2: every comparison leaves items unmet or unknown; none is fit as discharged
    profile = load_profile("shuozhou_design_effluent", catalogue)
    matrix = fitness_matrix(profile, standards)
    assert matrix.fit_uses() == ()
    # GB 3838 class V: COD 40, NH3-N 2.0, TP 0.4 sit on the class V limits (§3.2); LAS 0.5 > 0.3
    class_v = next(
        v for v in matrix.verdicts if v.standard_id == "gb_3838_2002" and v.use_id == "V"
    )
    statuses = {v.parameter: v.status for v in class_v.verdicts}
    assert statuses["cod_cr"] is statuses["nh3_n"] is statuses["tp"] is Status.PASS
    assert statuses["las"] is Status.FAIL


def test_pass_on_an_unverified_limit_asks_to_confirm_the_limit(
    catalogue: Catalogue, standards: dict[str, Standard], treatments: TreatmentCatalogue
) -> None:
    # GB/T 25499-2010 limits are all unverified: BOD5 5 mg/L passes the recalled ≤ 20 tentatively
    sample = make_sample(catalogue, {"bod5": (5, "mg/L")})
    verdict = evaluate(sample, standards["gb_t_25499_2010"], "restricted_green_space")
    gap = treatment_gap(verdict, catalogue, treatments)
    [bod] = [item for item in gap.items if item.parameter == "bod5"]
    assert (bod.action, bod.step.id, bod.limit_verified) == (
        "confirm limit",
        "check_standard_text",
        False,
    )


def test_rolling_compliance_over_days(catalogue: Catalogue, standards: dict[str, Standard]) -> None:
    standard = standards["gb_18918_2002"]
    dated = [("2026-01-01", 30), ("2026-01-02", 55), ("2026-01-05", 30), ("2026-01-10", 30)]
    series = [
        make_sample(
            catalogue,
            {"cod_cr": (cod, "mg/L")},
            f"s{day}",
        )
        for day, cod in dated
    ]
    series = [
        dataclasses.replace(sample, taken=day)
        for sample, (day, _) in zip(series, dated, strict=True)
    ]
    undetermined, unfit = Fitness.UNDETERMINED, Fitness.UNFIT  # rest of grade 1-A unmeasured
    # 3 days ending 01-05 hold 01-03..01-05: the 55 mg/L of 01-02 (> 50) has left the window
    three = rolling_compliance_days(series, standard, "grade_1A", 3)
    assert [f for _, f in three] == [undetermined, unfit, undetermined, undetermined]
    # 4 days ending 01-05 hold 01-02..01-05: still unfit
    four = rolling_compliance_days(series, standard, "grade_1A", 4)
    assert [f for _, f in four] == [undetermined, unfit, unfit, undetermined]
    assert [label for label, _ in four] == [day for day, _ in dated]


def test_rolling_days_needs_ordered_dates(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    standard = standards["gb_18918_2002"]
    undated = [make_sample(catalogue, {"cod_cr": (30, "mg/L")}, "x")]
    with pytest.raises(InputError, match="ISO date") as caught:
        rolling_compliance_days(undated, standard, "grade_1A", 7)
    assert caught.value.field == "samples.x.date"
    a, b = (
        dataclasses.replace(make_sample(catalogue, {"cod_cr": (30, "mg/L")}, n), taken=d)
        for n, d in (("a", "2026-02-01"), ("b", "2026-01-01"))
    )
    with pytest.raises(InputError, match="time order"):
        rolling_compliance_days([a, b], standard, "grade_1A", 7)
