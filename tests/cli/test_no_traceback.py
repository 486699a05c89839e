"""No traceback reaches a user: a broken input file or database URL is one line naming the file
(and the line where known) with what to do, exit 2; an error no check expected is one line
asking for a bug report, exit 3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from tests.network.conftest import HAND_INP

EXIT_BAD_INPUT = 2
EXIT_BUG = 3
runner = CliRunner()
BROKEN_ENGINE = (
    "import reclaim.io.quality_files as q\n"
    "def broken(*args, **kwargs):\n"
    "    raise KeyError('limits')\n"
    "q.load_catalogue = broken\n"
    "from reclaim.cli.main import app\n"
    "app(['quality', 'standards'], prog_name='reclaim')\n"
)
"""`reclaim quality standards`, run as users do, with an engine call that fails in a way no
check expects."""
ENV = {**os.environ, "COLUMNS": "80"}


def _one_line(args: list[str], code: int) -> str:
    """Run the command in-process; it must exit `code` with exactly one line on stderr."""
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_text_file_given_as_inp(tmp_path: Path) -> None:
    notes = _write(tmp_path, "notes.inp", "Pipes were laid in 2024.\nSee the map (%s).\n")
    line = _one_line(["network", "check", str(notes)], EXIT_BAD_INPUT)
    assert line.startswith(f"error: {notes.name}: got 'EPANET error 223'"), line
    assert "is it an EPANET .inp file" in line and "%s" not in line


def test_an_inp_cut_short_before_its_reservoir(tmp_path: Path) -> None:
    cut = _write(tmp_path, "cut.inp", HAND_INP[: HAND_INP.index("[RESERVOIRS]")])
    line = _one_line(["network", "check", str(cut)], EXIT_BAD_INPUT)
    assert "EPANET error 224" in line and "cut short" in line, line


def test_an_inp_cut_short_in_its_pipes_names_the_line_and_node(tmp_path: Path) -> None:
    # Cut after P3: junction N4 (line 8 of the file) is left without any pipe.
    cut = _write(tmp_path, "cut.inp", HAND_INP[: HAND_INP.index("P4 N2")])
    line = _one_line(["network", "check", str(cut)], EXIT_BAD_INPUT)
    assert f"{cut.name}:8 [JUNCTIONS] N4" in line and "unconnected node" in line, line


def test_a_ragged_wide_csv_names_its_line(tmp_path: Path) -> None:
    ragged = _write(tmp_path, "lab.csv", "sample,bod5 [mg/L],ss [mg/L]\ns1,3,4\ns2,4,5,6\n")
    line = _one_line(
        ["quality", "check", str(ragged), "--standard", "gb_t_18920_2020", "--use", "toilet"],
        EXIT_BAD_INPUT,
    )
    assert line.startswith(f"error: {ragged}:3: got 'Expected 3 fields in line 3, saw 4'"), line
    assert "docs/inputs.md" in line


def test_a_long_csv_with_an_extra_field_names_its_line(tmp_path: Path) -> None:
    extra = _write(
        tmp_path, "lab.csv", "sample,parameter,value,unit\ns1,bod5,3,mg/L\ns1,ss,4,mg/L,x\n"
    )
    line = _one_line(["quality", "batch", str(extra)], EXIT_BAD_INPUT)
    assert line.startswith(f"error: {extra}:3: got '5 fields'; 4 fields"), line


def test_a_csv_with_an_unclosed_quote(tmp_path: Path) -> None:
    quote = _write(tmp_path, "lab.csv", 'sample,parameter,value,unit\n"s1,bod5,3,mg/L\n')
    line = _one_line(["quality", "batch", str(quote)], EXIT_BAD_INPUT)
    assert line.startswith(f"error: {quote}: got 'unexpected end of data'"), line


def test_a_csv_that_is_not_utf8(tmp_path: Path) -> None:
    # A lab export saved as GBK (Excel's default on a Chinese system): 样品 is not UTF-8.
    gbk = _write(tmp_path, "lab.csv", "样品,parameter,value,unit\n".encode("gbk"))
    line = _one_line(["quality", "series", str(gbk), "--standard", "eu_2020_741", "--use", "A"], 2)
    assert line.startswith(f"error: {gbk}: got 'byte 0: not UTF-8 text'"), line
    assert "CSV UTF-8" in line


@pytest.mark.parametrize("url", ["nonsense", "mysql://user:secret@host/db"])
def test_a_database_url_that_is_not_one(tmp_path: Path, url: str) -> None:
    line = _one_line(
        ["db", "backup", "--db", url, "--out", str(tmp_path / "x.backup")], EXIT_BAD_INPUT
    )
    assert line.startswith("error: --db: got") and "sqlite:///" in line, line
    assert "secret" not in line
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_error_is_one_line_asking_for_a_report() -> None:
    """No Rich or plain traceback: one line, exit 3."""
    result = subprocess.run(
        [sys.executable, "-c", BROKEN_ENGINE], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert result.returncode == EXIT_BUG, result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: internal error (KeyError: 'limits'); this is a bug, please report it with the "
        "command you ran (RECLAIM_DEBUG=1 shows the traceback)"
    ]


def test_reclaim_debug_lets_the_traceback_through() -> None:
    env = {**ENV, "RECLAIM_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", BROKEN_ENGINE], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr and "KeyError" in result.stderr


def test_a_usage_error_is_still_typers_own(tmp_path: Path) -> None:
    """Usage errors come from inside the command tree too: they keep Typer's message, exit 2."""
    result = runner.invoke(app, ["network", "energy", str(_write(tmp_path, "n.inp", HAND_INP))])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "Missing option '--grid-factor'" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize(
    "content",
    [
        "sample,date,parameter,value,unit\ns1,2026-03-12,bod5,3,mg/L\ns2,12/03/2026,bod5,4,mg/L\n",
        "sample,date,bod5 [mg/L]\ns1,2026-03-12,3\ns2,2026-02-30,4\n",
    ],
    ids=["long", "wide"],
)
def test_a_date_that_is_not_iso_names_its_line(tmp_path: Path, content: str) -> None:
    lab = _write(tmp_path, "lab.csv", content)
    line = _one_line(["quality", "batch", str(lab)], EXIT_BAD_INPUT)
    assert line.startswith(f"error: {lab}:3.date: got "), line
    assert line.endswith("an ISO date YYYY-MM-DD, e.g. 2026-03-12"), line


def test_an_output_into_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    lab = _write(tmp_path, "lab.csv", "sample,bod5 [mg/L]\ns1,3\n")
    nowhere = tmp_path / "nowhere" / "fitness.csv"
    line = _one_line(["quality", "batch", str(lab), "--out", str(nowhere)], EXIT_BAD_INPUT)
    assert line == f"error: --out: got '{nowhere}'; a file in an existing folder"
    network = _write(tmp_path, "n.inp", HAND_INP)
    for option in ("--geojson", "--inp-out"):
        written = tmp_path / "nowhere" / "n.out"
        line = _one_line(["network", "check", str(network), option, str(written)], 2)
        assert line == f"error: {option}: got '{written}'; a file in an existing folder"
    line = _one_line(["network", "export", str(network), "--out", str(written)], 2)
    assert line == f"error: --out: got '{written}'; a file in an existing folder"


def test_a_csv_header_of_neither_form_points_to_both(tmp_path: Path) -> None:
    lab = _write(tmp_path, "lab.csv", "sample,parameter,value\ns1,bod5,3\n")
    line = _one_line(["quality", "batch", str(lab)], EXIT_BAD_INPUT)
    assert line.startswith(f"error: {lab}:header: got ['sample', 'parameter', 'value']; "), line
    assert "columns sample, parameter, value, unit" in line and "'sample, bod5 [mg/L], …'" in line
    assert line.endswith("see docs/inputs.md for the long and wide lab CSV forms")
