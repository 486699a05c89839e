"""The `reclaim quality` command line: JSON and table output, languages, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from reclaim.cli.main import app

runner = CliRunner()


def run(*args: str) -> Result:
    """Invoke ``reclaim quality ARGS``."""
    return runner.invoke(app, ["quality", *args])


def test_standards_lists_editions_and_verification() -> None:
    result = run("standards", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows["gb_t_18920_2002"]["superseded_by"] == "gb_t_18920_2020"
    assert rows["gb_t_19772_2005"]["unverified_limits"] == rows["gb_t_19772_2005"]["limits"] > 0
    assert rows["gb_t_18920_2020"]["unverified_limits"] == 0


def test_check_profile_json_reports_failure_and_gap() -> None:
    result = run(
        "check",
        "shuozhou_design_effluent",
        "--standard",
        "GB/T 19923-2005",
        "--use",
        "boiler_makeup",
        "--json",
    )
    assert result.exit_code == 1, result.output  # unfit: the check fails
    [verdict] = json.loads(result.output)
    assert verdict["fitness"] == "unfit"
    mn = next(v for v in verdict["verdicts"] if v["parameter"] == "mn")
    assert (mn["status"], mn["ratio"]) == ("fail", 20.0)  # 2.0 / 0.1 (seed 001 §4.1.2 (3))
    assert "oxidation_filtration" in verdict["gap"]["steps"]


def test_matrix_table_in_chinese() -> None:
    result = run(
        "matrix", "shuozhou_design_effluent", "--standard", "gb_t_19923_2005", "--lang", "zh"
    )
    assert result.exit_code == 0, result.output
    assert "不适用" in result.output and "锰" in result.output


def test_series_from_csv_with_rolling(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text(
        "sample,date,parameter,value,unit\n"
        "a,2026-01-01,cod_cr,30,mg/L\nb,2026-01-02,cod_cr,55,mg/L\nc,2026-01-03,cod_cr,30,mg/L\n",
        encoding="utf-8",
    )
    result = run(
        "series",
        str(path),
        "--standard",
        "gb_18918_2002",
        "--use",
        "grade_1A",
        "--window",
        "1",
        "--json",
    )
    assert result.exit_code == 1, result.output  # unfit over the period
    payload = json.loads(result.output)
    assert payload["fitness"] == "unfit"  # 55 > 50 on 2026-01-02
    assert [w["fitness"] for w in payload["rolling"]] == ["undetermined", "unfit", "undetermined"]
    assert [w["end"] for w in payload["rolling"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_unknown_use_is_one_line_with_status_2() -> None:
    result = run(
        "check", "shuozhou_design_effluent", "--standard", "gb_t_18920_2020", "--use", "pool"
    )
    assert result.exit_code == 2
    assert "use: got 'pool'" in result.output
    assert "Traceback" not in result.output


def test_missing_sample_file_is_reported(tmp_path: Path) -> None:
    result = run("matrix", str(tmp_path / "none.csv"))
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_bad_language() -> None:
    result = run("standards", "--lang", "fr")
    assert result.exit_code == 2
    assert "--lang: got 'fr'" in result.output


def test_check_table_in_chinese_states_the_gap() -> None:
    result = run(
        "check",
        "shuozhou_design_effluent",
        "--standard",
        "gb_t_19923_2005",
        "--use",
        "washing",
        "--lang",
        "zh",
    )
    assert result.exit_code == 1, result.output  # 不适用: the check fails
    # Mn 2.0 mg/L against ≤ 0.1: ×20, i.e. 95 % removal by oxidation and filtration
    assert "削减 锰 ×20 (95 %): 氧化除铁除锰过滤" in result.output


def test_series_rolling_by_days_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text(
        "sample,date,parameter,value,unit\n"
        "a,2026-01-01,cod_cr,55,mg/L\nb,2026-01-02,cod_cr,30,mg/L\nc,2026-01-09,cod_cr,30,mg/L\n",
        encoding="utf-8",
    )
    args = ("series", str(path), "--standard", "gb_18918_2002", "--use", "grade_1A", "--json")
    result = run(*args, "--window-days", "7")
    assert result.exit_code == 1, result.output  # unfit over the period
    # 7 days ending 01-02 still hold the 55 mg/L (> 50) of 01-01; 7 days ending 01-09 do not
    fitness = [w["fitness"] for w in json.loads(result.output)["rolling"]]
    assert fitness == ["unfit", "unfit", "undetermined"]
    both = run(*args, "--window", "2", "--window-days", "7")
    assert both.exit_code == 2 and "either --window or --window-days" in both.output


def test_edition_follows_the_sample_date_or_the_option(tmp_path: Path) -> None:
    # GB 18918-2002: the 2025 amendment is in force from 2026-03-01 (MEE/SAMR)
    path = tmp_path / "dated.csv"
    path.write_text(
        "sample,date,parameter,value,unit\n"
        "before,2026-02-28,cod_cr,40,mg/L\n"
        "after,2026-03-01,cod_cr,40,mg/L\n"
    )
    args = ["check", str(path), "--standard", "gb_18918_2002", "--use", "grade_1A", "--json"]
    dated = run(*args, "--no-fail")  # both samples lack most of grade 1A's items: not fit
    assert dated.exit_code == 0, dated.output
    assert [item["edition"] for item in json.loads(dated.output)] == ["original", "amendment_2025"]
    chosen = run(*args, "--edition", "original")
    assert [item["edition"] for item in json.loads(chosen.output)] == ["original", "original"]
    unknown = run(*args, "--edition", "2019")
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    assert "edition" in unknown.output and "amendment_2025" in unknown.output
    listed = {row["id"]: row for row in json.loads(run("standards", "--json").output)}
    assert [e["effective"] for e in listed["gb_18918_2002"]["editions"]] == [
        "2003-07-01",
        "2026-03-01",
        "2028-01-01",
    ]


def test_series_names_the_unverified_period_rule_not_the_verified_limit(tmp_path: Path) -> None:
    """EU 2020/741 class A BOD5 ≤ 10 mg/L is verified (Annex I Table 2), its 90 % rule is not;
    class B's 25 mg/L is derived from 91/271/EEC and unverified (eu_2020_741.yaml)."""
    path = tmp_path / "series.csv"
    path.write_text(
        "sample,date,parameter,value,unit\n"
        "a,2026-01-01,bod5,5,mg/L\nb,2026-01-02,bod5,6,mg/L\nc,2026-01-03,bod5,7,mg/L\n",
        encoding="utf-8",
    )
    args = ["series", str(path), "--standard", "eu_2020_741", "--no-fail"]
    as_json = json.loads(run(*args, "--use", "A", "--json").output)
    [bod5] = [v for v in as_json["verdicts"] if v["parameter"] == "bod5"]
    assert bod5["status"] == "unverified_limit" and bod5["limit_verified"] is True
    wide = {"COLUMNS": "120"}
    class_a = runner.invoke(app, ["quality", *args, "--use", "A", "--lang", "en"], env=wide)
    [row_a] = [line for line in class_a.output.splitlines() if line.startswith("BOD5")]
    assert "period rule unverified" in row_a and "unverified limit" not in row_a
    class_b = runner.invoke(app, ["quality", *args, "--use", "B", "--lang", "en"], env=wide)
    [row_b] = [line for line in class_b.output.splitlines() if line.startswith("BOD5")]
    assert "unverified limit" in row_b
    zh = run(*args, "--use", "A")
    assert "达标率规则未核实" in zh.output
    # the period rule in the language asked, from its figures: 90 % of samples (Annex I)
    joined = "".join(zh.output.split())  # the title wraps at 80 columns
    assert "至少90%的样品满足各项限值" in joined and "atleast" not in joined


def test_series_refuses_both_windows_before_reading_the_samples(tmp_path: Path) -> None:
    missing = tmp_path / "not_written_yet.csv"
    args = ["--standard", "eu_2020_741", "--use", "A", "--window", "3", "--window-days", "7"]
    result = run("series", str(missing), *args)
    assert result.exit_code == 2, result.output
    # the options' conflict is named, not the file: nothing was read before the refusal
    assert result.stderr.strip().splitlines() == [
        "error: --window-days: got 7; either --window or --window-days, not both"
    ]
