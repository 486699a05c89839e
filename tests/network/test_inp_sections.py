""".inp files section by section against EPANET's input-file reference (EPANET 2.2 Users
Manual, Appendix C "Command Line EPANET", Input File Format; error codes from Appendix B
"Error Messages"): reclaim accepts exactly what EPANET accepts, and refuses the rest in one line
naming the file, line, section and element with EPANET's own code and reason.

Every variant changes one line of the hand-solved network (conftest.HAND_INP). Whether EPANET
accepts it is asked of the bare toolkit here, on the same file.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import epanet.toolkit as en
import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from tests.network.conftest import HAND_INP
from tests.network.test_validation import _hand_solution

runner = CliRunner()

# (section, line as in HAND_INP, line as changed): EPANET accepts these.
ACCEPTED = {
    # [TANKS] ID elev init min max diam [minvol [volcurve [overflow]]]: MinVol is optional.
    "tank without min volume": ("[TANKS]", "[PIPES]", "[TANKS]\nT1 150 5 0 10 20\n[PIPES]"),
    # [COORDINATES]: a line for a node the network does not have is ignored.
    "coordinates of no node": ("[COORDINATES]", "[COORDINATES]\n", "[COORDINATES]\n79 1 1\n"),
    # [VERTICES]: likewise for a link the network does not have.
    "vertices of no link": ("[VERTICES]", "[COORDINATES]\n", "[VERTICES]\nP9 1 1\n[COORDINATES]\n"),
    # [JUNCTIONS] ID elev [demand [pattern]]: demand optional.
    "junction without demand": ("[JUNCTIONS]", "N1 150 0", "N1 150"),
    # [PUMPS] ID n1 n2 POWER value: a constant-power pump (kW in SI units).
    "constant-power pump": ("[PUMPS]", "PU R N1 HEAD C1", "PU R N1 POWER 20"),
    # [STATUS] ID status: closing a pipe of the network.
    "status of a pipe": ("[STATUS]", "[OPTIONS]", "[STATUS]\nP3 CLOSED\n[OPTIONS]"),
}

# (section, old, new, EPANET error code, words of its reason): EPANET refuses these.
REFUSED = {
    "reservoir without head": ("[RESERVOIRS]", "R 100", "R", 201, "syntax error"),
    "tank with 5 fields": ("[TANKS]", "[PIPES]", "[TANKS]\nT1 150 5 0 10\n[PIPES]", 201, "syntax"),
    "text for an elevation": ("[JUNCTIONS]", "N4 135 40", "N4 high 40", 202, "illegal numeric"),
    "negative diameter": (
        "[PIPES]",
        "P5 N3 N4 700 150 100",
        "P5 N3 N4 700 -150 100",
        202,
        "illegal numeric value -150",
    ),
    "unknown end node": (
        "[PIPES]",
        "P5 N3 N4 700 150 100",
        "P5 N3 N9 700 150 100",
        203,
        "undefined node N9",
    ),
    "pipe joining a node to itself": (
        "[PIPES]",
        "P5 N3 N4 700 150 100",
        "P5 N3 N3 700 150 100",
        222,
        "same start and end nodes",
    ),
    "unknown pump curve": ("[PUMPS]", "PU R N1 HEAD C1", "PU R N1 HEAD C9", 206, "undefined curve"),
    "unknown valve type": (
        "[VALVES]",
        "[PUMPS]",
        "[VALVES]\nV1 N3 N4 150 XYZ 10\n[PUMPS]",
        213,
        "invalid option value XYZ",
    ),
    "text in a curve": ("[CURVES]", "C1 100 60", "C1 100 sixty", 202, "illegal numeric value"),
    "text in a pattern": (
        "[PATTERNS]",
        "[CURVES]",
        "[PATTERNS]\nPAT1 1 x\n[CURVES]",
        202,
        "illegal numeric value x",
    ),
    "demand at no node": ("[DEMANDS]", "[CURVES]", "[DEMANDS]\nN9 10\n[CURVES]", 203, "undefined"),
    "status of no link": ("[STATUS]", "[OPTIONS]", "[STATUS]\nP9 CLOSED\n[OPTIONS]", 204, "link"),
    "unknown flow units": ("[OPTIONS]", "Units LPS", "Units XYZ", 213, "invalid option value"),
    "duplicate junction": ("[JUNCTIONS]", "N4 135 40", "N4 135 40\nN4 130 0", 215, "duplicate ID"),
    "unknown section": ("[FOO]", "[OPTIONS]", "[FOO]\nbar\n[OPTIONS]", 299, "invalid section"),
    # Refused when hydraulics open, not while reading: the line is the element's definition.
    "tank starting above its maximum": (
        "[TANKS]",
        "[PIPES]",
        "[TANKS]\nT1 150 15 0 10 20 0\n[PIPES]\nPT N4 T1 100 100 100",
        225,
        "invalid lower/upper levels for tank node T1",
    ),
    "pump with neither curve nor power": (
        "[PUMPS]",
        "PU R N1 HEAD C1",
        "PU R N1 C1",
        226,
        "no head curve or power rating for pump PU",
    ),
}


def _toolkit_accepts(path: Path) -> bool:
    """Whether the bare EPANET toolkit opens and solves the file."""
    ph = en.createproject()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            en.open(ph, str(path), str(path.with_suffix(".rpt")), "")
            en.openH(ph)
            en.initH(ph, en.NOSAVE)
            en.runH(ph)
        return True
    except Exception:
        return False
    finally:
        en.deleteproject(ph)


def _variant(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert HAND_INP.count(old) == 1
    text = HAND_INP.replace(old, new)
    path = tmp_path / "variant.inp"
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize("case", ACCEPTED)
def test_what_epanet_accepts_is_checked(case: str, tmp_path: Path) -> None:
    _section, old, new = ACCEPTED[case]
    path, _ = _variant(tmp_path, old, new)
    assert _toolkit_accepts(path)
    result = runner.invoke(app, ["network", "check", str(path), "--json", "--no-fail"])
    assert result.exit_code == 0, result.output
    nodes = {row["node"]: row for row in json.loads(result.stdout)["nodes"]}
    if case in ("coordinates of no node", "vertices of no link", "junction without demand"):
        # The hydraulics are those of the untouched network, solved by hand (test_validation).
        _flows, heads = _hand_solution()
        for node, head in heads.items():
            assert nodes[node]["head_m"] == pytest.approx(head, abs=1e-3)
    if case == "tank without min volume":
        # At time 0 a tank stands at its initial level: head = 150 m + 5 m.
        assert nodes["T1"]["head_m"] == pytest.approx(155.0, abs=1e-9)


@pytest.mark.parametrize("case", REFUSED)
def test_what_epanet_refuses_is_one_line_with_its_code_line_and_section(
    case: str, tmp_path: Path
) -> None:
    section, old, new, code, reason = REFUSED[case]
    path, text = _variant(tmp_path, old, new)
    assert not _toolkit_accepts(path)
    changed = [line.strip() for line in new.splitlines() if not line.startswith("[")]
    bad_line = changed[-1] if case == "duplicate junction" else changed[0]
    if case == "unknown section":
        bad_line = section
    line_number = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == bad_line]
    result = runner.invoke(app, ["network", "check", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "more error" not in lines[0]  # EPANET's "cannot solve" (110) is no second error
    assert lines[0].startswith(f"error: variant.inp:{line_number[-1]} {section}")
    assert f"EPANET error {code}" in lines[0]
    assert reason in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "code", "reason"),
    [
        ("", 223, "not enough nodes in network"),  # an empty file
        ("hello world\n", 223, "not enough nodes in network"),  # a text file
    ],
)
def test_a_file_with_no_network_is_one_line(
    content: str, code: int, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "empty.inp"
    path.write_text(content, encoding="utf-8")
    assert not _toolkit_accepts(path)
    result = runner.invoke(app, ["network", "check", str(path)])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line  # one line, no traceback
    assert line.startswith(f"error: empty.inp: got 'EPANET error {code}'; {reason}; ")
    assert "[JUNCTIONS] and [PIPES]" in line  # and what to do about it
