"""Dated editions (GB 18918-2002 and its 2025 amendment), complete tables, non-detects at a minimum.

Figures are those of the texts as quoted in ../shared/reference/quality/verification-2026-12.md:
GB 18918-2002 Tables 1–3 from the MEE electronic text (§4.9), the 2025 amendment (MEE/SAMR,
in force 2026-03-01) with its Table 4 and footnote ③ (§3.3), GB 3838-2002 Tables 1–2 from the
scan of the published standard (§4.10).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.errors import InputError
from reclaim.io.data_files import read_yaml
from reclaim.io.quality_files import SHIPPED_STANDARDS_DIR
from reclaim.quality.batch import evaluate_batch
from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import Fitness, Status, evaluate, fitness_matrix
from reclaim.quality.samples import Sample, SampleMatrix
from reclaim.quality.series import evaluate_series
from reclaim.quality.standards import Standard, standard_from_dict
from tests.quality.conftest import make_sample


def dated(sample: Sample, day: str) -> Sample:
    return Sample(sample.id, sample.measurements, taken=day)


def rows_of(verdict: Any, parameter: str) -> dict[str, Any]:
    """Verdicts of one parameter keyed by the table of their limit."""
    return {v.limit.table: v for v in verdict.verdicts if v.parameter == parameter}


# ---- GB 18918-2002: the edition follows the sample's date -------------------------------------


def test_editions_and_their_dates(standards: dict[str, Standard]) -> None:
    gb18918 = standards["gb_18918_2002"]
    assert [(e.id, e.effective) for e in gb18918.editions] == [
        ("original", date(2003, 7, 1)),  # 2003-07-01 实施 (cover of the MEE text)
        ("amendment_2025", date(2026, 3, 1)),  # amendment in force 2026-03-01
        ("amendment_2025_from_2028", date(2028, 1, 1)),  # footnote ③: from 2028-01-01
    ]
    assert gb18918.edition_on(date(2026, 2, 28)).id == "original"  # type: ignore[union-attr]
    assert gb18918.edition_on(date(2026, 3, 1)).id == "amendment_2025"  # type: ignore[union-attr]
    with pytest.raises(InputError, match="2003-07-01"):
        gb18918.in_force_on(date(2003, 6, 30))


def test_colour_ph_and_coliform_move_from_table_1_to_table_4(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    sample = make_sample(catalogue, {"fecal_coliform": (500, "MPN/L"), "ph": (7.2, "pH")})
    before = evaluate(dated(sample, "2026-02-28"), standards["gb_18918_2002"], "grade_1A")
    after = evaluate(dated(sample, "2026-03-01"), standards["gb_18918_2002"], "grade_1A")
    assert (before.edition, after.edition) == ("original", "amendment_2025")
    for parameter in ("fecal_coliform", "ph"):
        assert set(rows_of(before, parameter)) == {"table_1"}
        assert set(rows_of(after, parameter)) == {"table_4"}
        assert "瞬时值" in rows_of(after, parameter)["table_4"].limit.clause
    # 10³ per litre for grade 1-A in both editions
    assert rows_of(after, "fecal_coliform")["table_4"].limit.upper == 1000


def test_table_4_adds_instantaneous_cod_to_the_daily_mean(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # COD 80 mg/L, grade 1-A: over the Table 1 daily mean 50 and the Table 4 instantaneous 75
    sample = dated(make_sample(catalogue, {"cod_cr": (80, "mg/L")}), "2026-12-01")
    verdict = evaluate(sample, standards["gb_18918_2002"], "grade_1A")
    cod = rows_of(verdict, "cod_cr")
    assert (cod["table_1"].limit.upper, cod["table_4"].limit.upper) == (50, 75)
    assert cod["table_1"].ratio == pytest.approx(80 / 50)
    assert cod["table_4"].ratio == pytest.approx(80 / 75)
    # grade 1-B: 80 > 60 daily, 80 ≤ 90 instantaneous
    grade_1b = rows_of(evaluate(sample, standards["gb_18918_2002"], "grade_1B"), "cod_cr")
    assert (grade_1b["table_1"].status, grade_1b["table_4"].status) == (Status.FAIL, Status.PASS)
    # before the amendment there is no instantaneous row
    original = evaluate(dated(sample, "2025-12-01"), standards["gb_18918_2002"], "grade_1A")
    assert set(rows_of(original, "cod_cr")) == {"table_1"}


@pytest.mark.parametrize(
    ("day", "table_1_limit", "table_4_limit", "status"),
    [
        # built before 2006, TP 1.2 mg/L, grade 1-A: Table 1 allows 1 (fails), Table 4 1.5
        ("2027-12-31", 1.0, 1.5, Status.FAIL),
        # footnote ③: from 2028-01-01 the limits of plants built from 2006 (0.5 daily, 1 instant)
        ("2028-01-01", 0.5, 1.0, Status.FAIL),
    ],
)
def test_plants_built_before_2006_lose_their_looser_tp_limits_in_2028(
    catalogue: Catalogue,
    standards: dict[str, Standard],
    day: str,
    table_1_limit: float,
    table_4_limit: float,
    status: Status,
) -> None:
    sample = dated(make_sample(catalogue, {"tp": (1.2, "mg/L")}), day)
    verdict = evaluate(sample, standards["gb_18918_2002"], "grade_1A", ["built_before_2006"])
    tp = rows_of(verdict, "tp")
    assert (tp["table_1"].limit.upper, tp["table_4"].limit.upper) == (
        table_1_limit,
        table_4_limit,
    )
    assert tp["table_1"].status is status
    # Table 4 for a pre-2006 plant until 2027: 1.2 ≤ 1.5 passes; from 2028: 1.2 > 1 fails
    assert tp["table_4"].status is (Status.PASS if day < "2028" else Status.FAIL)


def test_grade_1a_coliform_of_effluent_not_reused(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # Table 4, grade 1-A: 10³ MPN/L when reused, 10⁴ when not; 5000 MPN/L
    sample = dated(make_sample(catalogue, {"fecal_coliform": (5000, "MPN/L")}), "2026-06-01")
    reused = evaluate(sample, standards["gb_18918_2002"], "grade_1A")
    not_reused = evaluate(sample, standards["gb_18918_2002"], "grade_1A", ["effluent_not_reused"])
    assert rows_of(reused, "fecal_coliform")["table_4"].status is Status.FAIL
    assert rows_of(not_reused, "fecal_coliform")["table_4"].status is Status.PASS


def test_explicit_edition_and_undated_samples(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    gb18918 = standards["gb_18918_2002"]
    sample = make_sample(catalogue, {"cod_cr": (40, "mg/L")})
    assert evaluate(sample, gb18918, "grade_1A").edition == "amendment_2025_from_2028"  # latest
    assert (
        evaluate(sample, gb18918, "grade_1A", undated=date(2026, 12, 2)).edition == "amendment_2025"
    )
    later = dated(sample, "2027-01-01")
    assert evaluate(later, gb18918, "grade_1A", edition="original").edition == "original"
    with pytest.raises(InputError, match="edition"):
        evaluate(later, gb18918, "grade_1A", edition="2019")
    with pytest.raises(InputError, match="edition"):
        fitness_matrix(later, [gb18918], edition="no_such_edition")


def test_batch_judges_each_sample_in_its_edition(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    gb18918 = standards["gb_18918_2002"]
    values = {"cod_cr": (40, "mg/L"), "tp": (0.8, "mg/L")}
    days = ["2026-01-10", "2026-03-10", "2028-02-01", "2027-05-05"]
    samples = [dated(make_sample(catalogue, values, f"s{i}"), d) for i, d in enumerate(days)]
    matrix = SampleMatrix.from_samples(samples)
    result = evaluate_batch(matrix, [gb18918], ["built_before_2006"], chunk_samples=2)
    for index, sample in enumerate(samples):
        for use in gb18918.uses:
            expected = evaluate(sample, gb18918, use, ["built_before_2006"]).fitness
            assert result.fitness(index, (gb18918.id, use)) is expected
    # TP 0.8 passes the pre-2006 1-A limit (1) until 2027 and fails the later one (0.5) in 2028
    assert result.failures[(gb18918.id, "grade_1A")]["tp"] == 1


def test_a_series_across_the_amendment_date_is_refused(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    samples = [
        dated(make_sample(catalogue, {"cod_cr": (30, "mg/L")}, f"s{i}"), day)
        for i, day in enumerate(["2026-02-27", "2026-03-02"])
    ]
    with pytest.raises(InputError, match="2026-03-01"):
        evaluate_series(samples, standards["gb_18918_2002"], "grade_1A")
    verdict = evaluate_series(
        samples, standards["gb_18918_2002"], "grade_1A", edition="amendment_2025"
    )
    assert verdict.edition == "amendment_2025"


# ---- complete tables: a standard missing an item of its table never says fit ---------------------


def test_gb_3838_table_1_holds_all_24_items(standards: dict[str, Standard]) -> None:
    gb3838 = standards["gb_3838_2002"]
    [table_1, table_2, table_3] = gb3838.tables
    assert len(table_1.items) == 24  # GB 3838-2002 Table 1 lists 24 basic items
    assert len(table_2.items) == 5  # Table 2: sulfate, chloride, nitrate, Fe, Mn
    assert table_3.items == ("drinking_source_specific_items",)  # 80 items, attested as one
    assert gb3838.complete and not any(gb3838.missing_items.values())


def test_gb_18918_tables_hold_every_item(standards: dict[str, Standard]) -> None:
    gb18918 = standards["gb_18918_2002"]
    sizes = {table.id: len(table.items) for table in gb18918.tables if table.since is None}
    # original Table 1: 12 basic items; Table 2: 7 class-one pollutants; Table 3: 43 selective
    assert (sizes["table_1"], sizes["table_2"], sizes["table_3"]) == (12, 7, 43)
    amended = {t.id: len(t.items) for t in gb18918.tables if t.since == "amendment_2025"}
    assert amended == {"table_1": 9, "table_4": 7}  # 12 − colour, pH, coliform; Table 4: 7 items
    for edition in gb18918.editions:
        assert gb18918.at_edition(edition.id).complete


GB_3838_CLASS_III = {
    # every Table 1 item within class III (GB 3838-2002 Table 1)
    "water_temperature_change": {"value": "pass"},
    "ph": (7.5, "pH"),
    "do": (6.0, "mg/L"),  # ≥ 5
    "cod_mn": (5, "mg/L"),  # ≤ 6
    "cod_cr": (18, "mg/L"),  # ≤ 20
    "bod5": (3, "mg/L"),  # ≤ 4
    "nh3_n": (0.8, "mg/L"),  # ≤ 1.0
    "tp": (0.15, "mg/L"),  # ≤ 0.2 (rivers)
    "tn": (0.9, "mg/L"),  # ≤ 1.0 (lakes; rivers: no requirement)
    "cu": (0.5, "mg/L"),  # ≤ 1.0
    "zn": (0.5, "mg/L"),  # ≤ 1.0
    "fluoride": (0.8, "mg/L"),  # ≤ 1.0
    "se": (0.005, "mg/L"),  # ≤ 0.01
    "as": (0.02, "mg/L"),  # ≤ 0.05
    "hg": (0.00005, "mg/L"),  # ≤ 0.0001
    "cd": (0.002, "mg/L"),  # ≤ 0.005
    "cr6": (0.02, "mg/L"),  # ≤ 0.05
    "pb": (0.02, "mg/L"),  # ≤ 0.05
    "cyanide": (0.1, "mg/L"),  # ≤ 0.2
    "volatile_phenol": (0.003, "mg/L"),  # ≤ 0.005
    "oil": (0.03, "mg/L"),  # ≤ 0.05
    "las": (0.1, "mg/L"),  # ≤ 0.2
    "sulfide": (0.1, "mg/L"),  # ≤ 0.2
    "fecal_coliform": (5000, "count/L"),  # ≤ 10000
}


def without_row(raw: dict[str, Any], parameter: str) -> dict[str, Any]:
    trimmed = copy.deepcopy(raw)
    trimmed["limits"] = [row for row in trimmed["limits"] if row["parameter"] != parameter]
    return trimmed


def test_an_incomplete_table_never_says_fit(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    sample = make_sample(catalogue, GB_3838_CLASS_III)
    assert evaluate(sample, standards["gb_3838_2002"], "III").fitness is Fitness.FIT
    raw = read_yaml(SHIPPED_STANDARDS_DIR / "gb_3838_2002.yaml")
    incomplete = standard_from_dict(without_row(raw, "cu"), catalogue, "trimmed")
    assert incomplete.missing_items == {"table_1": ("cu",), "table_2": (), "table_3": ()}
    verdict = evaluate(sample, incomplete, "III")
    # every limit it holds passes, yet the use is only undetermined
    assert {v.status for v in verdict.verdicts} <= {Status.PASS, Status.NOT_REQUIRED}
    assert verdict.fitness is Fitness.UNDETERMINED
    assert verdict.to_dict()["missing_items"] == {"table_1": ["cu"]}
    batch = evaluate_batch(SampleMatrix.from_samples([sample]), [incomplete])
    assert batch.fitness(0, ("gb_3838_2002", "III")) is Fitness.UNDETERMINED
    series = evaluate_series([sample, sample], incomplete, "III")
    assert series.fitness is Fitness.UNDETERMINED


def test_a_table_item_without_a_catalogue_parameter_is_refused(catalogue: Catalogue) -> None:
    raw = read_yaml(SHIPPED_STANDARDS_DIR / "gb_3838_2002.yaml")
    raw = copy.deepcopy(raw)
    raw["tables"][0]["items"].append("unobtainium")
    with pytest.raises(InputError, match="tables"):
        standard_from_dict(raw, catalogue, "bad")


# ---- a non-detect below a minimum limit fails ----------------------------------------------------


@pytest.mark.parametrize(
    ("standard_id", "use", "value", "expected"),
    [
        # GB/T 18920-2020 Table 1: DO ≥ 2.0 mg/L; "<2" is below 2 → fail
        ("gb_t_18920_2020", "toilet", "<2", Status.FAIL),
        # "<1" is below 2 as well
        ("gb_t_18920_2020", "toilet", "<1", Status.FAIL),
        # GB/T 18920-2002 Table 1: DO ≥ 1.0; "<2" may be 0.5 or 1.5 → inconclusive
        ("gb_t_18920_2002", "toilet", "<2", Status.INCONCLUSIVE),
        # GB 3838-2002 class V: DO ≥ 2; "<2" fails
        ("gb_3838_2002", "V", "<2", Status.FAIL),
    ],
)
def test_nondetect_below_a_minimum_fails(
    catalogue: Catalogue,
    standards: dict[str, Standard],
    standard_id: str,
    use: str,
    value: str,
    expected: Status,
) -> None:
    standard = standards[standard_id]
    sample = make_sample(catalogue, {"do": {"value": value, "unit": "mg/L"}})
    [do] = [v for v in evaluate(sample, standard, use).verdicts if v.parameter == "do"]
    assert do.status is expected
    assert do.ratio is None  # the value may be 0: limit ÷ value is unbounded
    matrix = SampleMatrix.from_samples([sample])
    batch = evaluate_batch(matrix, [standard])
    assert batch.failures[(standard_id, use)].get("do", 0) == (expected is Status.FAIL)


def test_nondetect_ratio_agrees_between_table_and_json(tmp_path: Path) -> None:
    path = tmp_path / "do.csv"
    path.write_text("sample,parameter,value,unit\nw1,do,<2,mg/L\nw2,do,1.6,mg/L\n")
    args = ["quality", "check", str(path), "--standard", "gb_t_18920_2020", "--use"]
    runner = CliRunner()
    as_json = runner.invoke(app, [*args, "toilet", "--json"])
    assert as_json.exit_code == 1, as_json.output  # both samples fail dissolved oxygen
    payload = json.loads(as_json.output)
    ratios = {
        item["sample"]: next(v for v in item["verdicts"] if v["parameter"] == "do")
        for item in payload
    }
    assert ratios["w1"]["status"] == "fail" and ratios["w1"]["ratio"] is None
    assert ratios["w2"]["status"] == "fail" and ratios["w2"]["ratio"] == pytest.approx(2 / 1.6)
    table = runner.invoke(app, [*args, "toilet", "--lang", "en"], env={"COLUMNS": "200"})
    assert table.exit_code == 1, table.output
    lines = [row for row in table.output.splitlines() if row.startswith("dissolved oxygen")]
    assert len(lines) == 2
    assert "1.25" in lines[1] and "inf" not in table.output  # 2 ÷ 1.6 = 1.25; no ratio for w1
    cells_w1, cells_w2 = (re.split(r" {2,}", line) for line in lines)
    # columns: parameter, limit, measured, verdict, ratio (blank for w1), clause
    assert cells_w1[2:4] == ["<2 mg/L", "fail"] and len(cells_w1) == len(cells_w2) - 1


def test_batch_and_per_sample_agree_on_nondetects(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    values = ["<2", "<1", "1.5", "<3", "2.5"]
    samples = [
        make_sample(catalogue, {"do": {"value": v, "unit": "mg/L"}}, f"s{i}")
        for i, v in enumerate(values)
    ]
    chosen = [standards["gb_t_18920_2020"], standards["gb_3838_2002"]]
    result = evaluate_batch(SampleMatrix.from_samples(samples), chosen)
    expected = np.array(
        [
            [evaluate(sample, standard, use).fitness is Fitness.UNFIT for sample in samples]
            for standard in chosen
            for use in standard.uses
        ]
    ).T
    unfit = np.array(
        [
            [result.fitness(i, (s.id, u)) is Fitness.UNFIT for s in chosen for u in s.uses]
            for i in range(len(samples))
        ]
    )
    assert (unfit == expected).all()


@pytest.mark.parametrize(
    ("standard_id", "sizes"),
    [
        # verification-2026-12 §4.1: Table 1 has 13 items (total chlorine at the outlet and at the
        # network end: two parameters), Table 2 the selective chloride and sulfate
        ("gb_t_18920_2020", {"table_1": 14, "table_2": 2}),
        ("gb_t_18920_2002", {"table_1": 14}),  # §4.2: 13 items, total chlorine as two parameters
        ("gb_t_18921_2002", {"table_1": 14}),  # §4.4: 14 rows
        ("gb_t_19923_2005", {"table_1": 20}),  # §4.5: 20 rows
    ],
)
def test_reuse_standards_list_their_tables_and_hold_every_item(
    standards: dict[str, Standard], standard_id: str, sizes: dict[str, int]
) -> None:
    standard = standards[standard_id]
    assert {table.id: len(table.items) for table in standard.tables} == sizes
    assert standard.complete


def test_a_sample_failing_daily_and_instantaneous_limits_counts_once(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # COD 80 mg/L fails Table 1 (50) and Table 4 (75) of grade 1-A: one failing sample, not two
    sample = dated(make_sample(catalogue, {"cod_cr": (80, "mg/L")}), "2026-12-01")
    result = evaluate_batch(SampleMatrix.from_samples([sample]), [standards["gb_18918_2002"]])
    assert result.failures[("gb_18918_2002", "grade_1A")]["cod_cr"] == 1


def test_a_drinking_source_needs_the_table_3_items_attested(
    catalogue: Catalogue, standards: dict[str, Standard]
) -> None:
    # GB 3838-2002: drinking-water sources also meet Table 2 and the Table 3 items the authority
    # selects; the class III water above is fit for class III, not yet for a drinking source
    gb3838 = standards["gb_3838_2002"]
    table_2 = {
        "sulfate": (100, "mg/L"),  # ≤ 250
        "chloride": (100, "mg/L"),  # ≤ 250
        "nitrate_n": (5, "mg/L"),  # ≤ 10
        "fe": (0.1, "mg/L"),  # ≤ 0.3
        "mn": (0.05, "mg/L"),  # ≤ 0.1
    }
    sample = make_sample(catalogue, {**GB_3838_CLASS_III, **table_2})
    assert evaluate(sample, gb3838, "III").fitness is Fitness.FIT
    unattested = evaluate(sample, gb3838, "III", ["drinking_source"])
    assert unattested.fitness is Fitness.UNDETERMINED
    assert [v.parameter for v in unattested.with_status(Status.NOT_MEASURED)] == [
        "drinking_source_specific_items"
    ]
    attested = make_sample(
        catalogue,
        {**GB_3838_CLASS_III, **table_2, "drinking_source_specific_items": {"value": "pass"}},
    )
    assert evaluate(attested, gb3838, "III", ["drinking_source"]).fitness is Fitness.FIT
