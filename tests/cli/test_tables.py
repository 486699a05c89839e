"""Every command's tables at 80 columns: no line wider than the terminal, no id cut, long notes
below their row, a vertical layout when the columns cannot fit; headings in the --lang asked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reclaim.cli.main import app
from reclaim.cli.tables import Column, cell_width, render, wrap

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 80
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": str(WIDTH)})


def assert_fits(output: str) -> None:
    wide = [line for line in output.splitlines() if cell_width(line) > WIDTH]
    assert wide == [], "\n".join(wide)


def words_of(output: str) -> set[str]:
    """Every whitespace-separated word printed (an id cut across lines is in no word)."""
    return set(output.split())


def test_render_keeps_ids_whole_wraps_text_and_puts_notes_below() -> None:
    columns = [Column("id", "id"), Column("text"), Column("n", "number"), Column("note", "note")]
    rows = [["gb_t_18920_2020", "a few words " * 6, "12", "a long remark " * 8]]
    lines = render("title", columns, rows, width=40).splitlines()
    assert all(cell_width(line) <= 40 for line in lines)
    assert lines[0] == "title"
    assert lines[3].startswith("gb_t_18920_2020  ")  # heading, rule, then the row
    assert lines[3].rstrip().endswith("12")  # numbers right-aligned, on the row's first line
    note = [line for line in lines if line.startswith("    note: ")]
    assert len(note) == 1 and lines.index(note[0]) > 3  # below the row, not in a column


def test_render_goes_vertical_when_columns_cannot_fit() -> None:
    columns = [Column("standard", "id"), Column("use", "id"), Column("count", "number")]
    rows = [["ca_title22_recycled_water", "disinfected_secondary_2_2", "1234567890"]]
    text = render(None, columns, rows, width=40)
    # 25 + 25 + 10 cells and two gaps of 2 cannot sit in 40: one "heading  value" line each
    assert text.splitlines() == [
        "standard  ca_title22_recycled_water",
        "use       disinfected_secondary_2_2",
        "count     1234567890",
    ]


def test_wrap_breaks_between_words_and_cjk_characters_never_before_closing_punctuation() -> None:
    assert wrap("one two three", 8) == ["one two", "three"]
    # 4 CJK characters take 8 cells; a comma stays with the character before it
    assert wrap("再生水利用率", 8) == ["再生水利", "用率"]
    assert wrap("再生水利，用", 8) == ["再生水", "利，用"]


def test_quality_standards_keeps_every_id_whole_at_80_columns() -> None:
    ids = [row["id"] for row in json.loads(invoke("quality", "standards", "--json").output)]
    for lang in ("zh", "en"):
        result = invoke("quality", "standards", "--lang", lang)
        assert result.exit_code == 0, result.output
        assert_fits(result.output)
        assert set(ids) <= words_of(result.output)
        assert "…" not in result.output


def test_quality_matrix_is_short_and_keeps_ids_whole() -> None:
    result = invoke("quality", "matrix", "shuozhou_design_effluent", "--json")
    [payload] = json.loads(result.output)
    verdicts = payload["uses"]
    table = invoke("quality", "matrix", "shuozhou_design_effluent")
    assert table.exit_code == 0, table.output
    assert_fits(table.output)
    printed = words_of(table.output)
    assert {v["use"] for v in verdicts} <= printed and {v["standard"] for v in verdicts} <= printed
    # one line per use, its reasons and steps below it: 816 lines for 42 uses before (issue 12)
    assert len(table.output.splitlines()) < 8 * len(verdicts)


@pytest.mark.parametrize("scenario", ["shuozhou", "river_county", "small_county"])
def test_plan_run_tables_fit_and_show_the_plans_names(scenario: str) -> None:
    path = str(ROOT / "examples" / f"{scenario}.yaml")
    payload = json.loads(invoke("plan", "run", path, "--json").output)
    for lang in ("zh", "en"):
        result = invoke("plan", "run", path, "--lang", lang)
        assert result.exit_code == 0, result.output
        assert_fits(result.output)
        assert "None" not in result.output  # `computed None` before
        # figures by the plan's names: no internal key such as 1e4_m3_per_year or a dotted path
        keys = {item["figure"] for item in payload["audit"]}
        assert not keys & words_of(result.output)
        assert not re.search(r"\b(1e4_m3|m3_per_day|_per_year)\b", result.output)
        for entry in payload["assumed_inputs"]:
            assert entry["input"] in words_of(result.output)  # the input's path, whole


def test_plan_run_audit_names_figures_in_the_language_asked() -> None:
    path = str(ROOT / "examples" / "shuozhou.yaml")
    zh = invoke("plan", "run", path).output
    en = invoke("plan", "run", path, "--lang", "en").output
    # seed 001 §4.2: the 2030 utilisation rate printed 82.54 % (uncapped demand)
    assert "2030年再生水利用率" in zh and "utilisation rate, 2030" in en
    assert "规划文本数据核查" in zh and "Audit:" in en


def test_plan_sensitivity_table_follows_lang() -> None:
    path = str(ROOT / "examples" / "shuozhou.yaml")
    zh = invoke("plan", "sensitivity", path, "--samples", "200")
    en = invoke("plan", "sensitivity", path, "--samples", "200", "--lang", "en")
    assert zh.exit_code == en.exit_code == 0, zh.output + en.output
    assert_fits(zh.output)
    assert_fits(en.output)
    assert "供水不足概率" in zh.output and "P(supply short)" in en.output
    assert "max-day balance" in en.output and "最高日供需平衡" in zh.output


def test_quality_check_shows_units_as_entered(tmp_path: Path) -> None:
    path = tmp_path / "lab.csv"
    path.write_text(
        "sample,parameter,value,unit\nw1,e_coli,5,count/100mL\nw1,bod5,8,mg/L\n", encoding="utf-8"
    )
    result = invoke(
        "quality", "check", str(path), "--standard", "gb_t_18920_2020", "--use", "toilet"
    )
    assert result.exit_code == 1, result.output  # E. coli detected: unfit
    assert_fits(result.output)
    assert "5 count/100mL" in result.output and "50 count/L" not in result.output


def test_network_tables_fit_and_follow_lang() -> None:
    path = str(ROOT / "examples" / "shuozhou.yaml")
    payload = json.loads(invoke("network", "sizing", path, "--json").output)
    pipes = {row["pipe"] for row in payload["pipes"]}
    zh = invoke("network", "sizing", path)
    en = invoke("network", "sizing", path, "--lang", "en")
    assert zh.exit_code == en.exit_code == 0, zh.output + en.output
    for result in (zh, en):
        assert_fits(result.output)
        assert pipes <= words_of(result.output)  # every pipe id, whole
    assert "管道（流速与经济流速范围、水头损失）" in zh.output and "流速过高" in zh.output
    assert "Pipes (velocity vs economic range, head loss)" in en.output
    assert "too fast" in en.output and "流速" not in en.output


def test_ops_rules_table_fits_and_keeps_rule_ids_whole() -> None:
    rules = json.loads(invoke("ops", "rules", "shuozhou", "--json").output)
    for lang in ("zh", "en"):
        result = invoke("ops", "rules", "shuozhou", "--lang", lang)
        assert result.exit_code == 0, result.output
        assert_fits(result.output)
        assert {rule["id"] for rule in rules} <= words_of(result.output)


def test_quality_check_states_not_detected_in_the_language_asked(tmp_path: Path) -> None:
    # GB/T 18920-2020 Table 1 item 13: E. coli must not be detected
    path = tmp_path / "lab.csv"
    path.write_text("sample,parameter,value,unit\nw1,e_coli,<1,count/100mL\n", encoding="utf-8")
    args = ["quality", "check", str(path), "--standard", "gb_t_18920_2020", "--use", "toilet"]
    zh = invoke(*args)
    en = runner.invoke(app, [*args, "--lang", "en"], env={"COLUMNS": "200"})  # no wrapping
    assert "不得检出" in zh.output and "not detected" not in zh.output
    assert "not detected" in en.output
