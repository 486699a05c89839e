"""`reclaim plan report` refuses bad input with one line naming the option or file, exit 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from reclaim.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shuozhou.yaml"
runner = CliRunner()


def _fails(args: list[str]) -> str:
    result = runner.invoke(app, ["plan", "report", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_unknown_language(tmp_path: Path) -> None:
    line = _fails([str(EXAMPLE), "--out", str(tmp_path / "r"), "--lang", "xx"])
    assert "--lang" in line and "'xx'" in line and "zh" in line and "en" in line
    assert not (tmp_path / "r").exists()


def test_missing_scenario(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-plan.yaml"
    line = _fails([str(missing), "--out", str(tmp_path / "r")])
    assert "no-such-plan.yaml" in line
    assert not (tmp_path / "r").exists()


def test_unknown_rounding(tmp_path: Path) -> None:
    line = _fails([str(EXAMPLE), "--out", str(tmp_path / "r"), "--rounding", "exact"])
    assert "--rounding" in line and "'exact'" in line


def test_out_below_a_file_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    line = _fails([str(EXAMPLE), "--out", str(blocker / "report")])
    assert "--out" in line and str(blocker / "report") in line
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_out_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "report.html"
    blocker.write_text("keep me", encoding="utf-8")
    line = _fails([str(EXAMPLE), "--out", str(blocker)])
    assert "--out" in line
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_a_second_run_replaces_the_files_whole(tmp_path: Path) -> None:
    out = tmp_path / "r"
    for lang, force in (("en", []), ("zh", ["--force"])):  # a second report needs --force
        result = runner.invoke(
            app, ["plan", "report", str(EXAMPLE), "--out", str(out), "--lang", lang, *force]
        )
        assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and html.rstrip().endswith("</html>")
    assert sorted(p.name for p in out.iterdir()) == [
        "fig-2-1-demand.svg",
        "fig-4-1-balance.svg",
        "fig-5-1-utilisation.svg",
        "report.html",
        "report.md",
    ]
