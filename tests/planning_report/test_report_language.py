"""The zh report is Chinese throughout and the en report English throughout; zh charts are drawn
with a CJK font, found even when matplotlib's font cache predates it; a folder that holds a
report is not overwritten without --force."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib import font_manager
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.io.scenario_file import load_scenario
from reclaim.planning.engine import run_plan
from reclaim.reports import charts
from reclaim.reports.labels import Labels
from reclaim.reports.plan_report import write_plan_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["shuozhou", "river_county", "small_county"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,}){2,}")
"""Three English words in a row: a sentence or a phrase, not an id, a code or a unit."""
ID = re.compile(r"`[^`]*`|\b[\w.-]*[_.][\w.-]*\b")
"""Code spans and ids (words with `_` or `.`: scenario paths, pipe ids, file names)."""


def _report(tmp_path: Path, scenario: str, lang: str) -> str:
    result = run_plan(load_scenario(ROOT / "examples" / f"{scenario}.yaml"))
    files = write_plan_report(result, tmp_path / lang, lang, f"{scenario}.yaml")
    return files.markdown.read_text(encoding="utf-8")


@pytest.mark.parametrize("scenario", EXAMPLES)
def test_zh_report_has_no_english_sentence(scenario: str, tmp_path: Path) -> None:
    text = ID.sub(" ", _report(tmp_path, scenario, "zh"))
    # standard codes such as "Regulation (EU) 2020/741" or "CCR Title 22" are names, not
    # sentences: at most two words, which the pattern does not count
    assert ENGLISH_RUN.findall(text) == []
    assert "says" not in text and "text §" not in text  # `(text §5.3.1 says 5000)` before


@pytest.mark.parametrize("scenario", EXAMPLES)
def test_en_report_has_no_chinese_but_the_plans_road_names(scenario: str, tmp_path: Path) -> None:
    text = _report(tmp_path, scenario, "en")
    # the roads a plan lists have no English names in it: they are shown as the plan gives them
    for pipe in load_scenario(ROOT / "examples" / f"{scenario}.yaml").pipes:
        text = text.replace(pipe.road, "")
    leftovers = sorted({line for line in text.splitlines() if CJK.search(line)})
    assert leftovers == []
    assert "万" not in text and "座" not in text  # `51 万 in 2020`, `1 座 2000 m³/d` before


def test_zh_charts_are_drawn_with_a_cjk_font(tmp_path: Path) -> None:
    _report(tmp_path, "shuozhou", "zh")
    svgs = [path.read_text(encoding="utf-8") for path in (tmp_path / "zh").glob("*.svg")]
    assert svgs
    # glyphs are written as paths named after their font (svg.fonttype: path)
    assert all(re.search(r'id="[A-Za-z]*CJK[A-Za-z]*-', svg) for svg in svgs)
    assert "本机未安装中文字体" not in (tmp_path / "zh" / "report.md").read_text(encoding="utf-8")


def test_a_cjk_font_newer_than_the_font_cache_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates = Labels.load("zh").cjk_fonts
    stale = copy.copy(font_manager.fontManager)
    stale.ttflist = [entry for entry in stale.ttflist if entry.name not in candidates]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    monkeypatch.setattr(mpl, "get_cachedir", lambda: str(tmp_path))
    # the set-up installs fonts-noto-cjk (scripts/bootstrap.sh): the font list is read again
    found = charts.cjk_font(candidates)
    assert found in candidates
    assert found in {entry.name for entry in stale.ttflist}  # added for this run
    assert list(tmp_path.glob("fontlist-v*.json"))  # and the cache rewritten for the next


def test_a_folder_holding_a_report_needs_force(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["plan", "report", str(ROOT / "examples" / "small_county.yaml"), "--out", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    written = (tmp_path / "report.md").read_text(encoding="utf-8")
    second = runner.invoke(app, [*args, "--lang", "en"])
    assert second.exit_code == 2
    [line] = second.output.strip().splitlines()
    assert "--out" in line and "--force" in line
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == written  # untouched
    forced = runner.invoke(app, [*args, "--lang", "en", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "report.md").read_text(encoding="utf-8") != written  # now in English
