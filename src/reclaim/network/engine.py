"""The EPANET engine: one open toolkit project (owa-epanet) reused for many hydraulic solves.

Why the raw toolkit and not WNTR's `EpanetSimulator`: the simulator writes an .inp file, runs a
whole EPANET analysis and reads the binary output back for every call (≈20 ms on Net1), while an
open toolkit project re-solves after a status or demand change in microseconds to milliseconds
(see benchmarks/network_n1.py). WNTR stays our network model (reading, editing, writing .inp).

The toolkit reads its input from a file: an .inp on disk is opened where it is; .inp text (a
network built from a scenario, a Dask worker's copy) is written into a scratch directory that
the project owns and removes on `close()`, as EPANET does with its own scratch files.

Opening a file never changes its model: EPANET keeps the file's own units (in owa-epanet 2.3,
switching the flow units after opening re-reads a constant-power pump's rating wrongly), and
every value crosses into SI in one place, `FileUnits`.
"""

from __future__ import annotations

import ctypes
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Self

import epanet.toolkit as en
import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from reclaim.errors import InputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

M_PER_MM = 1.0e-3
PDA_MIN_SPAN_M = 0.1
"""EPANET refuses a required pressure less than ~0.1 above the minimum (error 208)."""
NodeKind = Literal["junction", "reservoir", "tank"]
LinkKind = Literal["pipe", "pump", "valve"]
_NODE_KINDS: dict[int, NodeKind] = {
    en.JUNCTION: "junction",
    en.RESERVOIR: "reservoir",
    en.TANK: "tank",
}
_ERROR = re.compile(r"Error\s+(\d+):\s*(.*)")
_IN_SECTION = re.compile(r"\s*in (\[[A-Z]+\]) section:?\s*$")
_BAD_SECTION = re.compile(r"invalid section keyword (\[[^\]]*\])")
_NAMED_ELEMENT = re.compile(
    r"\b(node|pump|curve|link|valve|pattern)(?: with ID:)?\s+(\S+)\s*$", re.I
)
_DEFINING_SECTIONS = {
    "node": ("[JUNCTIONS]", "[RESERVOIRS]", "[TANKS]"),
    "pump": ("[PUMPS]",),
    "curve": ("[CURVES]",),
    "link": ("[PIPES]", "[PUMPS]", "[VALVES]"),
    "valve": ("[VALVES]",),
    "pattern": ("[PATTERNS]",),
}
DUPLICATE_ID = 215
"""EPANET error 215 (duplicate ID label) flags the later of two definitions."""
INPUT_ERRORS_SUMMARY = 200
CANNOT_SOLVE = 110

# EPANET's unit constants (EPANET 2.3 source, src/types.h): the file's units → internal ft, cfs.
M_PER_FT = 0.3048
M_PER_IN = 0.0254
M3_PER_FT3 = 0.028317
PSI_PER_FT = 0.4333
KPA_PER_PSI = 6.895
BAR_PER_PSI = 0.068948
_FLOW_UNITS_PER_CFS = {
    en.CFS: 1.0,
    en.GPM: 448.831,
    en.MGD: 0.64632,
    en.IMGD: 0.5382,
    en.AFD: 1.9837,
    en.LPS: 28.317,
    en.LPM: 1699.0,
    en.MLD: 2.4466,
    en.CMH: 101.94,
    en.CMD: 2446.6,
    en.CMS: 0.028317,
}
_US_FLOW_UNITS = (en.CFS, en.GPM, en.MGD, en.IMGD, en.AFD)
_PRESSURE_UNITS_PER_FT = {
    en.PSI: PSI_PER_FT,
    en.KPA: KPA_PER_PSI * PSI_PER_FT,
    en.METERS: M_PER_FT,
    en.BAR: BAR_PER_PSI * PSI_PER_FT,
    en.FEET: 1.0,
}


@dataclass(frozen=True)
class FileUnits:
    """SI value of one unit of the opened file, for each quantity reclaim reads or sets.

    EPANET answers and is set in the file's units: US flow units mean ft, in and psi; SI flow
    units mean m, mm and kPa or m (EPANET 2.2 Users Manual, Table 3.1 and [OPTIONS] UNITS).
    """

    flow_m3_per_s: float
    length_m: float
    diameter_m: float
    pressure_per_m: float
    """File pressure units per metre of free head (EPANET scales pressure by SPECIFIC GRAVITY)."""

    @classmethod
    def of(cls, handle: Any) -> FileUnits:
        """The units of an open project."""
        flow = en.getflowunits(handle)
        us = flow in _US_FLOW_UNITS
        pressure = _PRESSURE_UNITS_PER_FT[int(en.getoption(handle, en.PRESS_UNITS))]
        return cls(
            flow_m3_per_s=M3_PER_FT3 / _FLOW_UNITS_PER_CFS[flow],
            length_m=M_PER_FT if us else 1.0,
            diameter_m=M_PER_IN if us else M_PER_MM,
            pressure_per_m=pressure * en.getoption(handle, en.SP_GRAVITY) / M_PER_FT,
        )


WHAT_TO_DO = {
    223: "; is it an EPANET .inp file, whole? it needs [JUNCTIONS] and [PIPES] sections",
    224: "; a network needs a [RESERVOIRS] or [TANKS] section (is the file cut short?)",
}
"""What to do about EPANET's errors that name no element, added to its reason."""


class EngineError(InputError):
    """EPANET refused the network or could not solve it; names the element when EPANET does."""

    def __init__(self, element: str, code: int | str, text: str) -> None:
        self.code = code
        hint = WHAT_TO_DO.get(code, "") if isinstance(code, int) else ""
        super().__init__(
            element, f"EPANET error {code}" if isinstance(code, int) else code, text + hint
        )


def _engine_call(element: str, function: Callable[..., Any], *args: Any) -> Any:
    """Call a toolkit function; its "Error NNN: text" exception becomes an `EngineError`."""
    try:
        return function(*args)
    except Exception as error:  # the toolkit raises bare Exception("Error NNN: ...")
        match = _ERROR.search(str(error))
        if match is None:
            raise
        raise EngineError(element, int(match.group(1)), match.group(2).strip()) from None


@dataclass(frozen=True)
class Topology:
    """What does not change between solves: ids, kinds, elevations, pipe sizes, end nodes."""

    node_ids: tuple[str, ...]
    node_kinds: tuple[NodeKind, ...]
    elevation_m: FloatArray
    link_ids: tuple[str, ...]
    link_kinds: tuple[LinkKind, ...]
    start_node: npt.NDArray[np.int64]
    end_node: npt.NDArray[np.int64]
    length_m: FloatArray
    diameter_m: FloatArray
    check_valve: BoolArray
    """Pipes with a check valve: EPANET will not close them by command (error 207)."""

    @property
    def junctions(self) -> BoolArray:
        """Mask of the junctions (nodes that may draw demand and must keep a free head)."""
        return np.array([kind == "junction" for kind in self.node_kinds])

    @property
    def pipes(self) -> BoolArray:
        """Mask of the pipes among the links."""
        return np.array([kind == "pipe" for kind in self.link_kinds])

    def cut_off_nodes(self) -> list[str]:
        """Nodes that no chain of links joins to a reservoir or tank (EPANET cannot solve them:
        error 110); computed only when a solve fails."""
        cut_off = self.cut_off(np.ones(len(self.link_ids), dtype=bool))
        return [self.node_ids[i] for i in np.flatnonzero(cut_off)]

    def cut_off(self, link_open: BoolArray) -> BoolArray:
        """Mask of the nodes no chain of open links joins to a reservoir or tank: in a solved
        state they receive nothing, whatever head EPANET leaves them."""
        size = len(self.node_ids)
        graph = coo_matrix(
            (
                np.ones(int(link_open.sum()), dtype=np.int8),
                (self.start_node[link_open], self.end_node[link_open]),
            ),
            shape=(size, size),
        )
        count, component = connected_components(graph, directed=False)
        fed = np.zeros(count, dtype=bool)
        fed[component[self._sources]] = True
        return ~fed[component]

    @cached_property
    def _sources(self) -> BoolArray:
        return np.array([kind != "junction" for kind in self.node_kinds])

    def node_index(self, node_id: str) -> int:
        """Position of a node; an unknown id is an input error naming it."""
        try:
            return self.node_ids.index(node_id)
        except ValueError:
            raise InputError("node", node_id, "not a node of this network") from None

    def link_index(self, link_id: str) -> int:
        """Position of a link; an unknown id is an input error naming it."""
        try:
            return self.link_ids.index(link_id)
        except ValueError:
            raise InputError("pipe", link_id, "not a link of this network") from None


@dataclass(frozen=True)
class Geometry:
    """Where the elements lie on the map (the .inp's [COORDINATES] and [VERTICES])."""

    node_xy: tuple[tuple[float, float] | None, ...]
    link_vertices: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class Solution:
    """One hydraulic state, SI: heads and free heads (m), flows (m³/s), velocities (m/s)."""

    time_s: int
    head_m: FloatArray
    demand_m3_per_s: FloatArray
    """Demand delivered; under pressure-driven analysis it may fall short of `required`."""
    required_demand_m3_per_s: FloatArray
    flow_m3_per_s: FloatArray
    velocity_m_per_s: FloatArray
    pump_power_kw: FloatArray
    """Power drawn by each pump (0 for other links), as EPANET computes it from its efficiency."""
    link_open: BoolArray


@dataclass(frozen=True)
class DemandModel:
    """Demand-driven (EPANET's default) or pressure-driven with Wagner's law between
    `minimum_m` (nothing delivered) and `required_m` (all delivered)."""

    pressure_driven: bool = False
    minimum_m: float = 0.0
    required_m: float = 0.0
    exponent: float = 0.5


class _Values:
    """A reusable C array of doubles read by EPANET's bulk getters, seen from numpy."""

    def __init__(self, size: int) -> None:
        self._array = en.doubleArray(max(size, 1))
        buffer = (ctypes.c_double * max(size, 1)).from_address(int(self._array.this))
        self.view: FloatArray = np.ctypeslib.as_array(buffer)[:size]

    @property
    def c_array(self) -> Any:
        return self._array


@dataclass(frozen=True)
class ReportedError:
    """An error EPANET wrote to its report: its code and reason and, for an input-file error,
    the section and the input line it echoes."""

    code: int
    reason: str
    section: str | None = None
    line: str | None = None


def reported_errors(report_lines: Sequence[str]) -> list[ReportedError]:
    """The errors of an EPANET report, in order (`Error 203: undefined node N9 in [PIPES]
    section:` followed by the offending line)."""
    errors: list[ReportedError] = []
    lines = [line.strip() for line in report_lines]
    for position, line in enumerate(lines):
        match = _ERROR.match(line)
        if match is None:
            continue
        reason = match.group(2).strip()
        section = _IN_SECTION.search(reason)
        keyword = _BAD_SECTION.search(reason)
        if keyword is not None:
            errors.append(ReportedError(int(match.group(1)), reason, keyword.group(1).upper()))
            continue
        if section is None:
            errors.append(ReportedError(int(match.group(1)), reason))
            continue
        echoed = next((text for text in lines[position + 1 :] if text), None)
        errors.append(
            ReportedError(
                int(match.group(1)), reason[: section.start()].strip(), section.group(1), echoed
            )
        )
    return errors


def locate_input_line(text: str, error: ReportedError) -> int | None:
    """Line number (from 1) of the input line an input-file error echoes, in its section; of two
    equal lines a duplicate ID is the later one. One pass over the text."""
    if error.section is None:
        return None
    wanted = error.line.split(";", 1)[0].split() if error.line is not None else None
    section = ""
    found: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.split(";", 1)[0].strip()
        if stripped.startswith("["):
            section = stripped.split()[0].upper()
            if wanted is None and section == error.section:  # the section keyword itself
                return number
            continue
        if section == error.section and stripped.split() == wanted:
            found = number
            if error.code != DUPLICATE_ID:
                break
    return found


def locate_definition(text: str, reason: str) -> tuple[int, str, str] | None:
    """Line, section and id of the element an EPANET reason ends by naming ("invalid head curve
    for pump PU", "unconnected node with ID: N5"): its line in the sections that define such
    elements. One pass over the text."""
    named = _NAMED_ELEMENT.search(reason)
    if named is None:
        return None
    kind, element_id = named.group(1).lower(), named.group(2)
    sections = _DEFINING_SECTIONS[kind]
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split(";", 1)[0].split()
        if fields and fields[0].startswith("["):
            section = fields[0].upper()
        elif section in sections and fields and fields[0] == element_id:
            return number, section, element_id
    return None


class EpanetProject:
    """An open EPANET project with hydraulics ready; close it (or use `with`) when done.

    `source` is an .inp file (opened where it is, errors name it) or .inp text.
    """

    def __init__(
        self, source: str | Path, *, name: str | None = None, max_trials: int | None = None
    ) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="reclaim-epanet-")
        if isinstance(source, Path):
            inp_path = source
            self.name = name or source.name
        else:
            inp_path = Path(self._scratch.name, "network.inp")
            inp_path.write_text(source, encoding="utf-8")
            self.name = name or "network"
        self._source = source
        self._handle = en.createproject()
        self._hydraulics_open = False
        self._errors_seen = 0
        self.cold_restarts = 0
        """Solves that failed from the last flows and were solved again from a cold start."""
        try:
            self._call(
                self.name,
                en.open,
                self._handle,
                str(inp_path),
                str(Path(self._scratch.name, "network.rpt")),
                "",
            )
            en.setstatusreport(self._handle, en.NO_REPORT)
            self.units = FileUnits.of(self._handle)
            self.file_demand_model = self._read_demand_model()
            self._opened_multiplier = self.demand_multiplier
            if max_trials is not None:
                en.setoption(self._handle, en.TRIALS, max_trials)
            n_nodes = en.getcount(self._handle, en.NODECOUNT)
            n_links = en.getcount(self._handle, en.LINKCOUNT)
            self._node_values = _Values(n_nodes)
            self._link_values = _Values(n_links)
            self.topology = self._read_topology(n_nodes, n_links)
            self._pumps = [i for i, k in enumerate(self.topology.link_kinds) if k == "pump"]
            self._call(self.name, en.openH, self._handle)
            self._hydraulics_open = True
        except BaseException:
            self.close()
            raise

    def _call(self, element: str, function: Callable[..., Any], *args: Any) -> Any:
        """A toolkit call whose error also carries the details EPANET wrote to its report
        (e.g. "Error 227: invalid head curve for pump PU"), which name the element; an error in
        the input file names its line, section and element."""
        try:
            return _engine_call(element, function, *args)
        except EngineError:
            details = self._reported_errors()
            if not details:
                raise
            first = details[0]
            # EPANET adds "cannot solve" (110) after the error that caused it: not another one.
            more = sum(d.code != CANNOT_SOLVE for d in details[1:])
            reason = first.reason + (f" (and {more} more error(s) in the file)" if more else "")
            if first.section is not None:
                number = locate_input_line(self._source_text(), first)
                where = f"{self.name}:{number}" if number is not None else self.name
                element_id = first.line.split()[0] if first.line else ""
                where = f"{where} {first.section} {element_id}".strip()
                raise EngineError(where, first.code, reason) from None
            defined = locate_definition(self._source_text(), first.reason)
            if defined is not None:
                number, section, element_id = defined
                where = f"{self.name}:{number} {section} {element_id}"
                raise EngineError(where, first.code, reason) from None
            raise EngineError(element, first.code, reason) from None

    def _source_text(self) -> str:
        """The .inp text, read back from the file only when an error must be located."""
        if not isinstance(self._source, Path):
            return self._source
        raw = self._source.read_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def _reported_errors(self) -> list[ReportedError]:
        """Errors EPANET wrote to its report since the last look."""
        copy = Path(self._scratch.name, "copy.rpt")
        try:
            en.copyreport(self._handle, str(copy))
            lines = copy.read_text(encoding="utf-8", errors="replace").splitlines()
        except Exception:  # no report to copy: keep the toolkit's own message
            return []
        # Error 200 "one or more errors in input file" only sums up the ones before it.
        errors = [e for e in reported_errors(lines) if e.code != INPUT_ERRORS_SUMMARY]
        new = errors[self._errors_seen :]
        self._errors_seen = len(errors)
        return new

    # ---------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Free the EPANET project and remove its scratch directory."""
        if self._handle is not None:
            if self._hydraulics_open:
                en.closeH(self._handle)
            en.close(self._handle)
            en.deleteproject(self._handle)
            self._handle = None
        self._scratch.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- reading
    def _read_topology(self, n_nodes: int, n_links: int) -> Topology:
        ph = self._handle
        units = self.units
        nodes = range(1, n_nodes + 1)
        links = range(1, n_links + 1)
        n_junctions = n_nodes - en.getcount(ph, en.TANKCOUNT)
        link_types = [en.getlinktype(ph, i) for i in links]
        link_kinds: list[LinkKind] = [
            "pump" if code == en.PUMP else "pipe" if code <= en.PIPE else "valve"
            for code in link_types
        ]
        ends = np.array([en.getlinknodes(ph, i) for i in links], dtype=np.int64).reshape(-1, 2)
        return Topology(
            node_ids=tuple(en.getnodeid(ph, i) for i in nodes),
            # EPANET numbers the junctions first; only tanks and reservoirs need asking.
            node_kinds=("junction",) * n_junctions
            + tuple(_NODE_KINDS[en.getnodetype(ph, i)] for i in nodes[n_junctions:]),
            elevation_m=self._nodes(en.ELEVATION) * units.length_m,
            link_ids=tuple(en.getlinkid(ph, i) for i in links),
            link_kinds=tuple(link_kinds),
            start_node=ends[:, 0] - 1,
            end_node=ends[:, 1] - 1,
            length_m=self._links(en.LENGTH) * units.length_m,
            diameter_m=self._links(en.DIAMETER) * units.diameter_m,
            check_valve=np.array([code == en.CVPIPE for code in link_types], dtype=np.bool_),
        )

    def _nodes(self, prop: int) -> FloatArray:
        en.getnodevalues(self._handle, prop, self._node_values.c_array)
        return self._node_values.view.copy()

    def _links(self, prop: int) -> FloatArray:
        en.getlinkvalues(self._handle, prop, self._link_values.c_array)
        return self._link_values.view.copy()

    def link_open(self) -> BoolArray:
        """Which links are open in the current solution (EPANET closes pumps, valves and check
        valves as it solves)."""
        return self._links(en.STATUS) > 0

    def head_m(self) -> FloatArray:
        """Heads of the current solution (m) — the cheap read batches use."""
        return self._nodes(en.HEAD) * self.units.length_m

    def demand_m3_per_s(self) -> FloatArray:
        """Delivered demands of the current solution (m³/s)."""
        return self._nodes(en.DEMAND) * self.units.flow_m3_per_s

    def required_demand_m3_per_s(self) -> FloatArray:
        """Demands asked for (delivered + pressure-driven deficit) of the current solution."""
        return self.demand_m3_per_s() + self.deficit_m3_per_s()

    def deficit_m3_per_s(self) -> FloatArray:
        """Demand a pressure-driven solution could not deliver (m³/s)."""
        return self._nodes(en.DEMANDDEFICIT) * self.units.flow_m3_per_s

    def _solution(self, time_s: int) -> Solution:
        units = self.units
        demand = self._nodes(en.DEMAND) * units.flow_m3_per_s
        deficit = self._nodes(en.DEMANDDEFICIT) * units.flow_m3_per_s
        power = np.zeros(len(self.topology.link_ids))
        for i in self._pumps:
            power[i] = en.getlinkvalue(self._handle, i + 1, en.ENERGY)  # kW in either unit system
        return Solution(
            time_s=time_s,
            head_m=self._nodes(en.HEAD) * units.length_m,
            demand_m3_per_s=demand,
            required_demand_m3_per_s=demand + deficit,
            flow_m3_per_s=self._links(en.FLOW) * units.flow_m3_per_s,
            velocity_m_per_s=self._links(en.VELOCITY) * units.length_m,
            pump_power_kw=power,
            link_open=self._links(en.STATUS) > 0,
        )

    def geometry(self) -> Geometry:
        """Map coordinates of the nodes (None where the file gives none) and the vertices of
        every link, in the file's map units."""
        ph = self._handle
        points: list[tuple[float, float] | None] = []
        for i in range(1, len(self.topology.node_ids) + 1):
            try:
                x, y = en.getcoord(ph, i)
            except Exception:  # EPANET error 254: the node has no coordinates
                points.append(None)
                continue
            points.append((float(x), float(y)))
        vertices = tuple(
            tuple(
                (float(x), float(y))
                for x, y in (en.getvertex(ph, i, k) for k in range(1, en.getvertexcount(ph, i) + 1))
            )
            for i in range(1, len(self.topology.link_ids) + 1)
        )
        return Geometry(tuple(points), vertices)

    def save_inp(self, path: Path) -> None:
        """Write the network as .inp: `inp_text()`, in the file's own units."""
        path.write_text(self.inp_text(), encoding="utf-8")

    def inp_text(self) -> str:
        """The network as .inp text that opens to this model (what a Dask worker opens): the
        source text as it is, with the demand multiplier in force when it was changed.

        Not EPANET's own writer (`saveinpfile`): it rounds the numbers it writes, which moves
        heads by up to 4.8 m on KY11 and 1 m on BWSN_Network_2.
        """
        text = self._source_text()
        if self.demand_multiplier == self._opened_multiplier:
            return text
        # A repeated [OPTIONS] section overrides; EPANET reads nothing after [END].
        override = f"[OPTIONS]\nDEMAND MULTIPLIER {self.demand_multiplier!r}\n"
        lines = text.splitlines(keepends=True)
        end = next(
            (i for i, line in enumerate(lines) if line.split(";", 1)[0].strip().upper() == "[END]"),
            len(lines),
        )
        if end == len(lines) and lines and not lines[-1].endswith("\n"):
            override = "\n" + override
        return "".join([*lines[:end], override, *lines[end:]])

    @property
    def demand_multiplier(self) -> float:
        """The [OPTIONS] DEMAND MULTIPLIER in force."""
        return float(en.getoption(self._handle, en.DEMANDMULT))

    def set_demand_multiplier(self, factor: float) -> None:
        """Scale every demand by `factor` (> 0) from the next solve."""
        if not factor > 0:
            raise InputError("demand multiplier", factor, "must be > 0")
        en.setoption(self._handle, en.DEMANDMULT, factor)

    def _read_demand_model(self) -> DemandModel:
        kind, minimum, required, exponent = en.getdemandmodel(self._handle)
        per_m = self.units.pressure_per_m
        return DemandModel(kind == en.PDA, minimum / per_m, required / per_m, exponent)

    # ---------------------------------------------------------------- settings
    def set_demand_model(self, model: DemandModel) -> None:
        """Switch between demand-driven and pressure-driven analysis."""
        self._call(
            "demand_model",
            en.setdemandmodel,
            self._handle,
            en.PDA if model.pressure_driven else en.DDA,
            model.minimum_m * self.units.pressure_per_m,
            max(model.required_m, model.minimum_m + PDA_MIN_SPAN_M) * self.units.pressure_per_m,
            model.exponent,
        )

    def set_base_demands(self, demand_m3_per_s: FloatArray) -> None:
        """Replace the first base demand of every junction (m³/s, in node order)."""
        for i, kind in enumerate(self.topology.node_kinds):
            if kind == "junction":
                value = demand_m3_per_s[i] / self.units.flow_m3_per_s
                en.setbasedemand(self._handle, i + 1, 1, value)

    def base_demands_m3_per_s(self) -> FloatArray:
        """First base demand of every node (m³/s; 0 for tanks and reservoirs)."""
        values = np.zeros(len(self.topology.node_ids))
        for i, kind in enumerate(self.topology.node_kinds):
            if kind == "junction" and en.getnumdemands(self._handle, i + 1) > 0:
                values[i] = en.getbasedemand(self._handle, i + 1, 1) * self.units.flow_m3_per_s
        return values

    @contextmanager
    def links_closed(self, links: Sequence[int]) -> Iterator[None]:
        """Close these links (positions) for the duration of the block, then restore them."""
        ph = self._handle
        for i in links:
            if self.topology.check_valve[i]:
                raise InputError(
                    f"pipe {self.topology.link_ids[i]}",
                    "check-valve pipe",
                    "EPANET cannot close a pipe with a check valve (error 207)",
                )
        before = [en.getlinkvalue(ph, i + 1, en.INITSTATUS) for i in links]
        try:
            for i in links:
                en.setlinkvalue(ph, i + 1, en.INITSTATUS, en.CLOSED)
            yield
        finally:
            for i, status in zip(links, before, strict=True):
                en.setlinkvalue(ph, i + 1, en.INITSTATUS, status)

    # ---------------------------------------------------------------- solving
    @contextmanager
    def steady(self) -> Iterator[None]:
        """Within the block every run is a single steady state at time 0 (duration 0), and
        EPANET's warnings (negative pressures, disconnected nodes) are left to the checks."""
        previous = en.gettimeparam(self._handle, en.DURATION)
        en.settimeparam(self._handle, en.DURATION, 0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            en.settimeparam(self._handle, en.DURATION, previous)

    def run_steady(self) -> None:
        """Solve one hydraulic state (inside `steady()`) and check EPANET balanced it.

        Warm start: `initH(0)` keeps the last solution's flows, so a state close to the last
        one (a pipe closed, demands changed) balances in a few trials. A case that fails from
        there is solved again from EPANET's own initial flows (`initH(10)`, a cold start) before
        it counts as failed; `cold_restarts` counts those. EPANET stops after its TRIALS limit
        (200 by default), so a network it cannot solve ends in an error here, never in a hang.
        """
        try:
            self._solve_from(en.NOSAVE)
        except EngineError:
            self.cold_restarts += 1
            try:
                self._solve_from(en.INITFLOW)
            except EngineError as error:
                cut_off = self.topology.cut_off_nodes()
                if not cut_off:
                    raise
                raise EngineError(
                    f"node {cut_off[0]}",
                    error.code,
                    f"{error.allowed}; {len(cut_off)} node(s) reach no reservoir or tank through"
                    f" any link: {', '.join(cut_off[:5])}",
                ) from None

    def _solve_from(self, init_flag: int) -> None:
        self._call("network", en.initH, self._handle, init_flag)
        self._call("network", en.runH, self._handle)
        self._check_balanced()

    @contextmanager
    def demand_scaled(self, factor: float) -> Iterator[None]:
        """Within the block every demand is `factor` × what it was (EPANET's demand multiplier),
        e.g. the accident flow fraction of the design flow."""
        before = self.demand_multiplier
        self.set_demand_multiplier(before * factor)
        try:
            yield
        finally:
            self.set_demand_multiplier(before)

    def _check_balanced(self) -> None:
        ph = self._handle
        trials = int(en.getoption(ph, en.TRIALS))
        iterations = int(en.getstatistic(ph, en.ITERATIONS))
        error = en.getstatistic(ph, en.RELATIVEERROR)
        if iterations > trials or error > en.getoption(ph, en.ACCURACY):
            raise EngineError(
                "network",
                "unbalanced",
                f"EPANET did not balance the network within {trials} trials (relative flow"
                f" change {error:.3g}); check for pumps against closed valves, missing sources"
                " or demands no pipe can carry",
            )

    def solve(self) -> Solution:
        """Steady-state solution at time 0 with the current settings."""
        with self.steady():
            self.run_steady()
            return self._solution(0)

    def simulate(self, duration_s: int | None = None) -> list[Solution]:
        """Extended-period simulation; one solution at every hydraulic time step EPANET takes
        (report steps, pattern steps, tank and control events)."""
        ph = self._handle
        previous = en.gettimeparam(ph, en.DURATION)
        if duration_s is not None:
            if duration_s < 0:
                raise InputError("duration_s", duration_s, "must be ≥ 0")
            en.settimeparam(ph, en.DURATION, duration_s)
        states: list[Solution] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._call("network", en.initH, ph, en.NOSAVE)
                while True:
                    time_s = self._call("network", en.runH, ph)
                    self._check_balanced()
                    states.append(self._solution(int(time_s)))
                    if self._call("network", en.nextH, ph) <= 0:
                        break
        finally:
            en.settimeparam(ph, en.DURATION, previous)
        return states

    @property
    def pump_indices(self) -> list[int]:
        """Positions of the pumps among the links."""
        return list(self._pumps)

    def pump_curve(self, pump: int) -> tuple[FloatArray, FloatArray]:
        """Flows (m³/s) and heads (m) of a pump's head curve."""
        ph = self._handle
        curve = en.getheadcurveindex(ph, pump + 1)
        if curve == 0:
            raise InputError(
                f"pump {self.topology.link_ids[pump]}",
                "no head curve",
                "a pump defined by a head curve is required",
            )
        points = en.getcurvelen(ph, curve)
        values = [en.getcurvevalue(ph, curve, k) for k in range(1, points + 1)]
        flows = np.array([q for q, _ in values]) * self.units.flow_m3_per_s
        return flows, np.array([h for _, h in values]) * self.units.length_m

    def set_pump_curve(self, pump: int, flows_m3_per_s: FloatArray, heads_m: FloatArray) -> None:
        """Replace a pump's head curve points (in force from the next solve)."""
        ph = self._handle
        curve = en.getheadcurveindex(ph, pump + 1)
        self._call(
            f"pump {self.topology.link_ids[pump]}",
            en.setcurve,
            ph,
            curve,
            _doubles(list(flows_m3_per_s / self.units.flow_m3_per_s)),
            _doubles(list(heads_m / self.units.length_m)),
            len(heads_m),
        )
        # EPANET fits a pump's curve coefficients when hydraulics open: reopen to apply it.
        en.closeH(ph)
        self._call("network", en.openH, ph)


def _doubles(values: Sequence[float]) -> Any:
    array = en.doubleArray(len(values))
    for i, value in enumerate(values):
        array[i] = value
    return array
