"""The EPANET engine: one open toolkit project (owa-epanet) reused for many hydraulic solves.

Why the raw toolkit and not WNTR's `EpanetSimulator`: the simulator writes an .inp file, runs a
whole EPANET analysis and reads the binary output back for every call (≈20 ms on Net1), while an
open toolkit project re-solves after a status or demand change in microseconds to milliseconds
(see benchmarks/network_n1.py). WNTR stays our network model (reading, editing, writing .inp).

The toolkit reads its input from a file: the project writes the .inp text into a scratch
directory that it owns and removes on `close()`, as EPANET does with its own scratch files.
Every project is switched to SI (L/s, m) on opening, so results are SI whatever the .inp used.
"""

from __future__ import annotations

import ctypes
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import epanet.toolkit as en
import numpy as np
import numpy.typing as npt

from reclaim.errors import InputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

M3_PER_S_PER_L_PER_S = 1.0e-3
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


class EngineError(InputError):
    """EPANET refused the network or could not solve it; names the element when EPANET does."""

    def __init__(self, element: str, code: int | str, text: str) -> None:
        self.code = code
        super().__init__(element, f"EPANET error {code}" if isinstance(code, int) else code, text)


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


class EpanetProject:
    """An open EPANET project with hydraulics ready; close it (or use `with`) when done."""

    def __init__(self, inp_text: str, *, max_trials: int | None = None) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="reclaim-epanet-")
        inp_path = Path(self._scratch.name, "network.inp")
        inp_path.write_text(inp_text, encoding="utf-8")
        self._handle = en.createproject()
        self._hydraulics_open = False
        self._errors_seen = 0
        self.cold_restarts = 0
        """Solves that failed from the last flows and were solved again from a cold start."""
        try:
            self._call(
                "network",
                en.open,
                self._handle,
                str(inp_path),
                str(Path(self._scratch.name, "network.rpt")),
                "",
            )
            en.setstatusreport(self._handle, en.NO_REPORT)
            en.setflowunits(self._handle, en.LPS)
            if max_trials is not None:
                en.setoption(self._handle, en.TRIALS, max_trials)
            self.topology = self._read_topology()
            self._node_values = _Values(len(self.topology.node_ids))
            self._link_values = _Values(len(self.topology.link_ids))
            self._pumps = [i for i, k in enumerate(self.topology.link_kinds) if k == "pump"]
            self._call("network", en.openH, self._handle)
            self._hydraulics_open = True
        except BaseException:
            self.close()
            raise

    def _call(self, element: str, function: Callable[..., Any], *args: Any) -> Any:
        """A toolkit call whose error also carries the details EPANET wrote to its report
        (e.g. "Error 227: invalid head curve for pump PU"), which name the element."""
        try:
            return _engine_call(element, function, *args)
        except EngineError as error:
            details = self._reported_errors()
            if not details:
                raise
            raise EngineError(element, error.code, "; ".join(details)) from None

    def _reported_errors(self) -> list[str]:
        """Error lines EPANET wrote to its report since the last look."""
        copy = Path(self._scratch.name, "copy.rpt")
        try:
            en.copyreport(self._handle, str(copy))
            lines = copy.read_text(encoding="utf-8", errors="replace").splitlines()
        except Exception:  # no report to copy: keep the toolkit's own message
            return []
        errors = [line.strip() for line in lines if line.strip().startswith("Error ")]
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
    def _read_topology(self) -> Topology:
        ph = self._handle
        n_nodes = en.getcount(ph, en.NODECOUNT)
        n_links = en.getcount(ph, en.LINKCOUNT)
        nodes = range(1, n_nodes + 1)
        links = range(1, n_links + 1)
        link_kinds: list[LinkKind] = []
        for i in links:
            code = en.getlinktype(ph, i)
            link_kinds.append("pump" if code == en.PUMP else "pipe" if code <= en.PIPE else "valve")
        ends = [en.getlinknodes(ph, i) for i in links]
        return Topology(
            node_ids=tuple(en.getnodeid(ph, i) for i in nodes),
            node_kinds=tuple(_NODE_KINDS[en.getnodetype(ph, i)] for i in nodes),
            elevation_m=np.array([en.getnodevalue(ph, i, en.ELEVATION) for i in nodes]),
            link_ids=tuple(en.getlinkid(ph, i) for i in links),
            link_kinds=tuple(link_kinds),
            start_node=np.array([a - 1 for a, _ in ends], dtype=np.int64),
            end_node=np.array([b - 1 for _, b in ends], dtype=np.int64),
            length_m=np.array([en.getlinkvalue(ph, i, en.LENGTH) for i in links]),
            diameter_m=np.array([en.getlinkvalue(ph, i, en.DIAMETER) for i in links]) * M_PER_MM,
            check_valve=np.array([en.getlinktype(ph, i) == en.CVPIPE for i in links]),
        )

    def _nodes(self, prop: int) -> FloatArray:
        en.getnodevalues(self._handle, prop, self._node_values.c_array)
        return self._node_values.view.copy()

    def _links(self, prop: int) -> FloatArray:
        en.getlinkvalues(self._handle, prop, self._link_values.c_array)
        return self._link_values.view.copy()

    def head_m(self) -> FloatArray:
        """Heads of the current solution (m) — the cheap read batches use."""
        return self._nodes(en.HEAD)

    def demand_m3_per_s(self) -> FloatArray:
        """Delivered demands of the current solution (m³/s)."""
        return self._nodes(en.DEMAND) * M3_PER_S_PER_L_PER_S

    def required_demand_m3_per_s(self) -> FloatArray:
        """Demands asked for (delivered + pressure-driven deficit) of the current solution."""
        return (self._nodes(en.DEMAND) + self._nodes(en.DEMANDDEFICIT)) * M3_PER_S_PER_L_PER_S

    def _solution(self, time_s: int) -> Solution:
        demand = self._nodes(en.DEMAND) * M3_PER_S_PER_L_PER_S
        deficit = self._nodes(en.DEMANDDEFICIT) * M3_PER_S_PER_L_PER_S
        power = np.zeros(len(self.topology.link_ids))
        for i in self._pumps:
            power[i] = en.getlinkvalue(self._handle, i + 1, en.ENERGY)
        return Solution(
            time_s=time_s,
            head_m=self._nodes(en.HEAD),
            demand_m3_per_s=demand,
            required_demand_m3_per_s=demand + deficit,
            flow_m3_per_s=self._links(en.FLOW) * M3_PER_S_PER_L_PER_S,
            velocity_m_per_s=self._links(en.VELOCITY),
            pump_power_kw=power,
            link_open=self._links(en.STATUS) > 0,
        )

    # ---------------------------------------------------------------- settings
    def set_demand_model(self, model: DemandModel) -> None:
        """Switch between demand-driven and pressure-driven analysis."""
        self._call(
            "demand_model",
            en.setdemandmodel,
            self._handle,
            en.PDA if model.pressure_driven else en.DDA,
            model.minimum_m,
            max(model.required_m, model.minimum_m + PDA_MIN_SPAN_M),
            model.exponent,
        )

    def set_base_demands(self, demand_m3_per_s: FloatArray) -> None:
        """Replace the first base demand of every junction (m³/s, in node order)."""
        for i, kind in enumerate(self.topology.node_kinds):
            if kind == "junction":
                en.setbasedemand(self._handle, i + 1, 1, demand_m3_per_s[i] / M3_PER_S_PER_L_PER_S)

    def base_demands_m3_per_s(self) -> FloatArray:
        """First base demand of every node (m³/s; 0 for tanks and reservoirs)."""
        values = np.zeros(len(self.topology.node_ids))
        for i, kind in enumerate(self.topology.node_kinds):
            if kind == "junction" and en.getnumdemands(self._handle, i + 1) > 0:
                values[i] = en.getbasedemand(self._handle, i + 1, 1) * M3_PER_S_PER_L_PER_S
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
            self._solve_from(en.INITFLOW)

    def _solve_from(self, init_flag: int) -> None:
        self._call("network", en.initH, self._handle, init_flag)
        self._call("network", en.runH, self._handle)
        self._check_balanced()

    @contextmanager
    def demand_scaled(self, factor: float) -> Iterator[None]:
        """Within the block every demand is `factor` × what it was (EPANET's demand multiplier),
        e.g. the accident flow fraction of the design flow."""
        if not factor > 0:
            raise InputError("demand factor", factor, "must be > 0")
        before = en.getoption(self._handle, en.DEMANDMULT)
        en.setoption(self._handle, en.DEMANDMULT, before * factor)
        try:
            yield
        finally:
            en.setoption(self._handle, en.DEMANDMULT, before)

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
        flows = np.array([q for q, _ in values]) * M3_PER_S_PER_L_PER_S
        return flows, np.array([h for _, h in values])

    def set_pump_curve(self, pump: int, flows_m3_per_s: FloatArray, heads_m: FloatArray) -> None:
        """Replace a pump's head curve points (in force from the next solve)."""
        ph = self._handle
        curve = en.getheadcurveindex(ph, pump + 1)
        self._call(
            f"pump {self.topology.link_ids[pump]}",
            en.setcurve,
            ph,
            curve,
            _doubles(list(flows_m3_per_s / M3_PER_S_PER_L_PER_S)),
            _doubles(list(heads_m)),
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
