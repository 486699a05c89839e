"""`reclaim network check` on every EPANET network that ships in the `wntr` and `epyt` wheels
(L-Town, C-Town, Anytown, KY1–KY15, Balerma, EXNET, Richmond, BWSN_Network_2, …).

The reference is the EPANET toolkit's own solve of the untouched file, in the file's units,
converted to m here: each head must match to 1e-3 m. A file EPANET refuses must be refused in
one line naming the file, the section and EPANET's own error code and reason, read here from
EPANET's report of the same file.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import epanet.toolkit as en
import pytest
import wntr
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.network.engine import EpanetProject

# EPANET's unit constants (EPANET 2.3 source, src/types.h): heads are in ft in US flow units.
M_PER_FT = 0.3048
US_FLOW_UNITS = (en.CFS, en.GPM, en.MGD, en.IMGD, en.AFD)
HEAD_TOLERANCE_M = 1e-3


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locates the package without importing it
    assert spec is not None and spec.submodule_search_locations, name
    return Path(next(iter(spec.submodule_search_locations)))


SHIPPED = sorted([*_package_dir("epyt").rglob("*.inp"), *Path(wntr.__file__).parent.rglob("*.inp")])
runner = CliRunner()


@dataclass(frozen=True)
class ToolkitRun:
    """What EPANET itself makes of the file: heads at time 0 (m), or the first error."""

    heads_m: dict[str, float] | None
    error_code: int | None = None
    error_reason: str | None = None
    error_section: str | None = None


def toolkit_run(path: Path, scratch: Path) -> ToolkitRun:
    """Open the file with the bare toolkit, solve its first hydraulic step, read the heads; on
    an error, the first "Error NNN: reason [in [SECTION] section]" line of EPANET's report."""
    report = scratch / "toolkit.rpt"
    ph = en.createproject()
    heads: dict[str, float] | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            en.open(ph, str(path), str(report), "")
            en.openH(ph)
            en.initH(ph, en.NOSAVE)
            en.runH(ph)
        length = M_PER_FT if en.getflowunits(ph) in US_FLOW_UNITS else 1.0
        heads = {
            en.getnodeid(ph, i): en.getnodevalue(ph, i, en.HEAD) * length
            for i in range(1, en.getcount(ph, en.NODECOUNT) + 1)
        }
    except Exception:  # EPANET refused the file; its report says why
        heads = None
    finally:
        with contextlib.suppress(Exception):  # fails when nothing was opened
            en.close(ph)  # flushes and closes the report
        en.deleteproject(ph)
    if heads is not None:
        return ToolkitRun(heads)
    lines = report.read_text(encoding="utf-8", errors="replace").splitlines()
    first = next(m for line in lines if (m := re.search(r"Error (\d+): (.*)", line)))
    reason = first.group(2).strip()
    section = re.search(r"(\[[A-Z]+\])", reason)
    reason = re.sub(r"\s*in \[[A-Z]+\] section:?$", "", reason)
    return ToolkitRun(None, int(first.group(1)), reason, section.group(1) if section else None)


def test_the_wheels_ship_the_networks_the_issue_names() -> None:
    names = {path.name for path in SHIPPED}
    expected = {
        "L-TOWN.inp",
        "Battle of the Calibration Networks System.inp",  # C-Town
        "Anytown.inp",
        "Balerma.inp",
        "exnet-3.inp",
        "Richmond_standard.inp",
        "BWSN_Network_2.inp",
        *(f"ky{k}.inp" for k in range(1, 16)),
    }
    assert expected <= names
    assert len(SHIPPED) >= 80


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_equals_the_toolkit_or_is_refused_as_epanet_refuses(
    path: Path, tmp_path: Path
) -> None:
    reference = toolkit_run(path, tmp_path)
    gc.collect()  # finalise what earlier tests left, so its ResourceWarnings land outside
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # A database connection another test leaked may still be collected here: not ours.
        warnings.simplefilter("ignore", ResourceWarning)
        result = runner.invoke(app, ["network", "check", str(path), "--json", "--no-fail"])
    assert "Traceback" not in result.output
    assert not [str(w.message) for w in caught]  # no library warning reaches the user
    assert "Warning" not in result.stderr
    if reference.heads_m is None:
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"error: {path.name}:")
        assert f"EPANET error {reference.error_code}" in lines[0]
        assert str(reference.error_reason) in lines[0]
        if reference.error_section is not None:
            assert reference.error_section in lines[0]
        return
    if result.exit_code == 0:
        heads = {row["node"]: row["head_m"] for row in json.loads(result.stdout)["nodes"]}
    else:
        # Only a network with nothing to hold a free head (e.g. two tanks and a pipe) is not
        # checked, in one line; the engine still solves it as EPANET does.
        assert result.stderr.strip() == (
            "error: network: got 'no junction'; a network with at least one junction"
        )
        with EpanetProject(path) as project:
            assert not project.topology.junctions.any()
            heads = dict(
                zip(project.topology.node_ids, project.solve().head_m.tolist(), strict=True)
            )
    assert list(heads) == list(reference.heads_m)
    worst = max(abs(heads[node] - head) for node, head in reference.heads_m.items())
    assert worst < HEAD_TOLERANCE_M


GPM_PER_CFS = 448.831  # EPANET 2.3 src/types.h, with M3_PER_FT3 below
M3_PER_FT3 = 0.028317
KY = _package_dir("epyt") / "networks" / "asce-tf-wdst"


@pytest.mark.parametrize("name", ["ky10.inp", "ky11.inp"])
def test_us_units_constant_power_pumps_equal_the_toolkit(name: str, tmp_path: Path) -> None:
    """KY10 and KY11 are in GPM with constant-power pumps (`POWER` kW ratings): six hours of
    our run equal EPANET's own run of the untouched file, heads to 1e-3 m and pump flows to
    1e-3 L/s (switching the file to L/s on opening moved heads by up to 18 m)."""
    path = KY / name
    duration_s = 6 * 3600
    ph = en.createproject()
    en.open(ph, str(path), str(tmp_path / "ref.rpt"), "")
    assert en.getflowunits(ph) == en.GPM
    pumps = [
        i
        for i in range(1, en.getcount(ph, en.LINKCOUNT) + 1)
        if en.getlinktype(ph, i) == en.PUMP and en.getheadcurveindex(ph, i) == 0
    ]
    assert pumps  # pumps with no head curve: rated by constant power
    nodes = range(1, en.getcount(ph, en.NODECOUNT) + 1)
    en.settimeparam(ph, en.DURATION, duration_s)
    times, heads, flows = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        en.openH(ph)
        en.initH(ph, en.NOSAVE)
        while True:
            times.append(en.runH(ph))
            heads.append([en.getnodevalue(ph, i, en.HEAD) * M_PER_FT for i in nodes])
            flows.append(
                [en.getlinkvalue(ph, i, en.FLOW) / GPM_PER_CFS * M3_PER_FT3 for i in pumps]
            )
            if en.nextH(ph) <= 0:
                break
        en.closeH(ph)
    en.close(ph)
    en.deleteproject(ph)
    with EpanetProject(path) as project:
        states = project.simulate(duration_s)
    assert [s.time_s for s in states] == times
    for state, expected_heads, expected_flows in zip(states, heads, flows, strict=True):
        assert abs(state.head_m - expected_heads).max() < HEAD_TOLERANCE_M
        pump_flows = state.flow_m3_per_s[[i - 1 for i in pumps]]
        assert abs(pump_flows - expected_flows).max() * 1000 < 1e-3


@pytest.mark.parametrize("name", ["ky11.inp", "BWSN_Network_2.inp"])
def test_the_text_a_worker_opens_is_the_same_model(name: str) -> None:
    """What a Dask worker (or `--inp-out`) gets from an open .inp solves exactly like it, the
    demand multiplier set by --peak-factor included (EPANET's own writer rounds numbers and
    moved KY11's heads by 4.8 m)."""
    with EpanetProject(next(_package_dir("epyt").rglob(name))) as project:
        project.set_demand_multiplier(project.demand_multiplier * 1.3)
        heads = project.solve().head_m
        text = project.inp_text()
    with EpanetProject(text) as worker:
        assert worker.demand_multiplier == pytest.approx(1.3)
        assert (worker.solve().head_m == heads).all()
