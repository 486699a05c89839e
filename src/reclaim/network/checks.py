"""The planning checks of a reclaimed-water network (seed 001 §4.3.2), each one function:
peak-hour solve and worst point, the verdict over all of a horizon's demand, accident check of
one pipe at the accident flow, pump operating points, pump head needed for a target worst-point
head, pipe velocity / head-loss with a sizing suggestion, and pump energy over a 24 h run.

All work on an open `EpanetProject`; results are plain dataclasses in SI units.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reclaim.errors import InputError
from reclaim.network.engine import (
    BoolArray,
    DemandModel,
    EngineError,
    EpanetProject,
    FloatArray,
    Solution,
    Topology,
)

SERVED_TOLERANCE = 1.0e-9
"""Demand (m³/s) below which a node counts as asking nothing."""
UNSERVED_FRACTION = 1.0e-3
"""A user receiving less than this share of its demand is unserved: a pipe EPANET closes keeps
a tiny conductance, so a cut-off node still shows a trickle (≈1e-8 m³/s), never exactly 0."""
HEAD_TOLERANCE_M = 1.0e-3
SECONDS_PER_HOUR = 3_600.0
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365
KG_PER_T = 1_000.0
MAX_BISECTIONS = 60
MAX_HEAD_DOUBLINGS = 3
"""The pump-head search stops at 2³ = 8× the current heads: past that no pump answers the
shortfall, the pipes do (a search bound, not a design coefficient)."""
HW_DIAMETER_EXPONENT = 4.871
"""Hazen–Williams: head loss ∝ d^-4.871 at a given flow (EPANET 2.2 Users Manual, Table 3.1)."""


@dataclass(frozen=True)
class NodeState:
    """A user node in a solved state."""

    node: str
    free_head_m: float
    required_m3_per_s: float
    delivered_m3_per_s: float

    @property
    def served_fraction(self) -> float:
        """Delivered ÷ required demand (1 for a node that asks nothing)."""
        if self.required_m3_per_s <= SERVED_TOLERANCE:
            return 1.0
        return self.delivered_m3_per_s / self.required_m3_per_s


@dataclass(frozen=True)
class HeadCheck:
    """Free heads of the user nodes against a limit: the worst point, and who falls short."""

    limit_m: float
    worst: NodeState
    below_limit: tuple[NodeState, ...]
    unserved: tuple[NodeState, ...]
    delivered_fraction: float

    @property
    def passes(self) -> bool:
        """True when every user keeps the limit and receives its demand."""
        return not self.below_limit and not self.unserved


def user_mask(topology: Topology, solution: Solution) -> BoolArray:
    """Junctions that draw demand; all junctions when none does (an .inp without demands)."""
    junctions = topology.junctions
    users = junctions & (solution.required_demand_m3_per_s > SERVED_TOLERANCE)
    return users if users.any() else junctions


def head_check(
    topology: Topology, solution: Solution, limit_m: float, pressure_driven: bool = False
) -> HeadCheck:
    """Worst point (user with the lowest free head) and the users below `limit_m` or unserved.

    In a pressure-driven solution a user that no open link joins to a source, or that has no
    free head (at or below the 0 m where delivery stops), is unserved whatever head or trickle
    EPANET leaves it; a cut-off user's head means nothing, so it is neither the worst point nor
    "below the limit". Which of two solutions within EPANET's accuracy is found must not
    change the verdict."""
    users = np.flatnonzero(user_mask(topology, solution))
    if users.size == 0:
        raise InputError("network", "no junction", "a network with at least one junction")
    free_head = solution.head_m[users] - topology.elevation_m[users]
    required = solution.required_demand_m3_per_s[users]
    delivered = solution.demand_m3_per_s[users]

    def state(k: int) -> NodeState:
        return NodeState(
            topology.node_ids[users[k]],
            float(free_head[k]),
            float(required[k]),
            float(delivered[k]),
        )

    below = free_head < limit_m - HEAD_TOLERANCE_M
    starved = delivered < UNSERVED_FRACTION * required
    joined = np.ones(len(users), dtype=bool)
    if pressure_driven:
        starved |= free_head <= HEAD_TOLERANCE_M
        if below.any():
            cut_off = topology.cut_off(solution.link_open)[users]
            starved |= cut_off
            if not cut_off.all():
                joined = ~cut_off
    unserved = (required > SERVED_TOLERANCE) & starved
    total_required = float(required.sum())
    judged = np.flatnonzero(joined)
    return HeadCheck(
        limit_m=limit_m,
        worst=state(int(judged[np.argmin(free_head[judged])])),
        below_limit=tuple(state(k) for k in np.flatnonzero(below & joined).tolist()),
        unserved=tuple(state(k) for k in np.flatnonzero(unserved).tolist()),
        delivered_fraction=float(delivered.sum()) / total_required
        if total_required > SERVED_TOLERANCE
        else 1.0,
    )


def pressure_driven(required_pressure_m: float) -> DemandModel:
    """Pressure-driven demand: nothing below 0 m, all of it from `required_pressure_m` up
    (Wagner's law between). The full-delivery pressure is not the service limit: a user may
    draw its whole demand at 10 m and still be short of the 15 m the plan guarantees."""
    if not required_pressure_m > 0:
        raise InputError("required_pressure_m", required_pressure_m, "must be > 0")
    return DemandModel(pressure_driven=True, minimum_m=0.0, required_m=required_pressure_m)


@dataclass(frozen=True)
class PeakHourResult:
    """The peak-hour solve: demand-driven heads (the design figures) and, where pressure is
    short, what a pressure-driven solve says each user actually receives."""

    solution: Solution
    check: HeadCheck
    pressure_driven: HeadCheck | None


def peak_hour(
    project: EpanetProject, limit_m: float, *, required_pressure_m: float
) -> PeakHourResult:
    """Solve at the model's demand multiplier (the peak-hour factor of a built scenario) under the
    network's own demand model (demand-driven unless an .inp sets PDA) and check the worst point
    against `limit_m` (seed 001 §4.3.2: 0.15 MPa ≙ 15 m); where users fall short, solve again
    pressure-driven (full delivery from `required_pressure_m`)."""
    project.set_demand_model(project.file_demand_model)
    solution = project.solve()
    check = head_check(project.topology, solution, limit_m)
    short: HeadCheck | None = None
    if check.below_limit:
        project.set_demand_model(pressure_driven(required_pressure_m))
        try:
            short = head_check(project.topology, project.solve(), limit_m, pressure_driven=True)
        finally:
            project.set_demand_model(project.file_demand_model)
    return PeakHourResult(solution=solution, check=check, pressure_driven=short)


@dataclass(frozen=True)
class DemandCoverage:
    """How much of a horizon's max-day demand the network carries: demand of nodes that no pipe
    of the horizon reaches yet is demand the network does not serve."""

    total_m3_per_day: float
    not_networked_m3_per_day: dict[str, float]
    """Per node that draws demand but is not joined to the network yet."""

    @property
    def unserved_m3_per_day(self) -> float:
        """Max-day demand left out of the network."""
        return sum(self.not_networked_m3_per_day.values())

    @property
    def unserved_fraction(self) -> float:
        """Share of the horizon's max-day demand left out (0 when there is no demand)."""
        return self.unserved_m3_per_day / self.total_m3_per_day if self.total_m3_per_day else 0.0


def verdict(check: HeadCheck, coverage: DemandCoverage | None) -> bool:
    """PASS only when all of the horizon's demand is networked and served at or above the
    limit; an .inp (no horizon: `coverage` None) is judged on the users it has."""
    return check.passes and (coverage is None or not coverage.not_networked_m3_per_day)


@dataclass(frozen=True)
class AccidentResult:
    """The network with one pipe out of service (事故校核), solved pressure-driven at the
    accident flow."""

    pipe: str
    check: HeadCheck | None
    flow_fraction: float
    solution: Solution | None = None
    error: str | None = None


def accident(
    project: EpanetProject,
    pipe_id: str,
    limit_m: float,
    *,
    required_pressure_m: float,
    flow_fraction: float,
) -> AccidentResult:
    """Close one pipe and re-solve pressure-driven at `flow_fraction` of the design demand
    (GB 50013-2018 §7.1.3: 70 % for towns): which users fall below `limit_m`, which get
    nothing (seed 001 §4.3.2: the failed main next to the pump outlet is left out)."""
    index = project.topology.link_index(pipe_id)
    if project.topology.link_kinds[index] != "pipe":
        kind = project.topology.link_kinds[index]
        raise InputError("pipe", pipe_id, f"a pipe; this link is a {kind}")
    check_fraction("accident_flow_fraction", flow_fraction)
    project.set_demand_model(pressure_driven(required_pressure_m))
    try:
        with project.links_closed([index]), project.demand_scaled(flow_fraction):
            try:
                solution = project.solve()
            except EngineError as error:
                return AccidentResult(pipe_id, None, flow_fraction, error=str(error))
        check = head_check(project.topology, solution, limit_m, pressure_driven=True)
        return AccidentResult(pipe_id, check, flow_fraction, solution)
    finally:
        project.set_demand_model(project.file_demand_model)


def check_fraction(name: str, value: float) -> None:
    """A share of the design flow: more than 0, at most 1."""
    if not 0 < value <= 1:
        raise InputError(name, value, "a fraction of the design flow, 0 < f ≤ 1")


def pump_outlet_mains(topology: Topology, solution: Solution) -> list[str]:
    """For each running pump, the pipe leaving its outlet node with the largest flow — the main
    the plan takes out in its accident check (seed 001 §4.3.2: 通常选取水泵出口附近的主干管)."""
    mains: list[str] = []
    for pump in (i for i, kind in enumerate(topology.link_kinds) if kind == "pump"):
        outlet = topology.end_node[pump]
        touching = [
            i
            for i in np.flatnonzero(topology.pipes)
            if outlet in (topology.start_node[i], topology.end_node[i])
            and not topology.check_valve[i]
        ]
        if touching and solution.flow_m3_per_s[pump] > SERVED_TOLERANCE:
            main = max(touching, key=lambda i: abs(float(solution.flow_m3_per_s[i])))
            if topology.link_ids[main] not in mains:
                mains.append(topology.link_ids[main])
    return mains


@dataclass(frozen=True)
class PumpHead:
    """Head a pump needs at its design flow so that the worst point keeps the target."""

    pump: str
    design_flow_m3_per_s: float
    current_head_m: float
    required_head_m: float


def required_pump_heads(
    project: EpanetProject, target_m: float, pumps: Sequence[str] | None = None
) -> tuple[list[PumpHead], HeadCheck]:
    """Scale the head curves of `pumps` (default all) by one factor, found by bisection, so that
    the worst user keeps exactly `target_m` (demand-driven). Returns each pump's head at its
    design point (the curve's middle point) before and after, and the check at that head."""
    topology = project.topology
    chosen = project.pump_indices if pumps is None else [topology.link_index(p) for p in pumps]
    for index in chosen:
        if topology.link_kinds[index] != "pump":
            raise InputError("pump", topology.link_ids[index], "a pump of this network")
    if not chosen:
        raise InputError("pump", None, "the network has no pump to size")
    curves = {i: project.pump_curve(i) for i in chosen}
    project.set_demand_model(project.file_demand_model)

    def worst_at(factor: float) -> HeadCheck:
        for i, (flows, heads) in curves.items():
            project.set_pump_curve(i, flows, heads * factor)
        return head_check(topology, project.solve(), target_m)

    try:
        low, high = 0.0, 1.0
        doublings = 0
        while worst_at(high).worst.free_head_m < target_m:
            if doublings == MAX_HEAD_DOUBLINGS:
                raise EngineError(
                    "pump",
                    "unreachable",
                    f"no pump head up to {high:g}× the current one reaches "
                    f"{target_m:g} m at the worst point",
                )
            low, high = high, high * 2
            doublings += 1
        for _ in range(MAX_BISECTIONS):
            middle = (low + high) / 2
            if worst_at(middle).worst.free_head_m < target_m:
                low = middle
            else:
                high = middle
            if (high - low) * max(h.max() for _, h in curves.values()) < HEAD_TOLERANCE_M / 10:
                break
        check = worst_at(high)
    finally:
        for i, (flows, heads) in curves.items():
            project.set_pump_curve(i, flows, heads)
        project.set_demand_model(project.file_demand_model)
    result = []
    for i, (flows, heads) in curves.items():
        middle_point = len(heads) // 2
        result.append(
            PumpHead(
                topology.link_ids[i],
                float(flows[middle_point]),
                float(heads[middle_point]),
                float(heads[middle_point] * high),
            )
        )
    return result, check


PROBLEMS = ("too slow", "too fast", "head loss high")
NO_FLOW_M3_PER_S = 1e-9
"""Below this a pipe is taken as carrying no flow (EPANET leaves ~1e-12 in closed links)."""


@dataclass
class PipeCheck:
    """A pipe's velocity and head loss at the solved state, and a DN suggestion.

    Not frozen: a frozen dataclass is several times slower to build, and a large network has
    tens of thousands of pipes (benchmarks/network_bridge.py)."""

    pipe: str
    dn_mm: float
    flow_m3_per_s: float
    velocity_m_per_s: float
    headloss_m_per_km: float
    v_min: float
    v_max: float
    verdict: str
    """"ok", "no flow" (shut: not judged), or what is wrong: "too slow" / "too fast" (outside
    the economic range), "head loss high" (above the limit given)."""
    suggested_dn_mm: float


@dataclass(frozen=True)
class VelocityRange:
    """Economic velocity band for pipes with dn_min_mm ≤ DN < dn_max_mm."""

    dn_min_mm: float
    dn_max_mm: float
    v_min: float
    v_max: float


def pipe_checks(
    topology: Topology,
    solution: Solution,
    ranges: Sequence[VelocityRange],
    standard_dn_mm: Sequence[float],
    max_headloss_m_per_km: float | None = None,
) -> list[PipeCheck]:
    """Velocity against the economic range of each pipe's DN, head loss per km against an
    optional limit, and the standard DN nearest to the current one that meets both."""
    if not ranges:
        raise InputError("velocity ranges", [], "at least one economic velocity range")
    for band in ranges:
        if not 0 <= band.v_min < band.v_max:
            raise InputError("velocity range", (band.v_min, band.v_max), "0 ≤ v_min < v_max")
    if max_headloss_m_per_km is not None and not max_headloss_m_per_km > 0:
        raise InputError("max_headloss_m_per_km", max_headloss_m_per_km, "must be > 0")
    pipes = np.flatnonzero(topology.pipes)
    dn = topology.diameter_m[pipes] * 1000
    flow = np.abs(solution.flow_m3_per_s[pipes])
    velocity = np.abs(solution.velocity_m_per_s[pipes])
    drop = solution.head_m[topology.start_node[pipes]] - solution.head_m[topology.end_node[pipes]]
    loss = np.abs(drop) / topology.length_m[pipes] * 1000
    v_min, v_max = _band_limits(ranges, dn)
    # A shut pipe (closed check valve, dead end) carries the head difference across its ends
    # without friction: no head loss to judge, nothing to resize.
    flowing = flow > NO_FLOW_M3_PER_S
    slow = flowing & (velocity < v_min)
    fast = flowing & ~slow & (velocity > v_max)
    if max_headloss_m_per_km is None:
        high = np.zeros_like(flowing)
    else:
        high = flowing & (loss > max_headloss_m_per_km)
    suggested = dn.copy()
    wrong = np.flatnonzero(slow | fast | high)
    if wrong.size:
        suggested[wrong] = _suggest_dn(
            flow[wrong], dn[wrong], loss[wrong], ranges, standard_dn_mm, max_headloss_m_per_km
        )
    # Verdict of each combination of (too slow, too fast, head loss high), as a bit code.
    verdict_of = [
        ", ".join(p for bit, p in enumerate(PROBLEMS) if code >> bit & 1) or "ok"
        for code in range(2 ** len(PROBLEMS))
    ]
    codes = slow.astype(np.int64) + 2 * fast + 4 * high
    verdicts = [
        verdict_of[code] if on else "no flow"
        for code, on in zip(codes.tolist(), flowing.tolist(), strict=True)
    ]
    shut = ~flowing  # reported with no flow, velocity or head loss
    flow[shut] = velocity[shut] = loss[shut] = 0.0
    ids = [topology.link_ids[i] for i in pipes.tolist()]
    numbers = [column.tolist() for column in (dn, flow, velocity, loss, v_min, v_max)]
    # Rows in PipeCheck's field order, built column-wise: a large network has 10⁴+ pipes.
    rows = zip(ids, *numbers, verdicts, suggested.tolist(), strict=True)
    return list(itertools.starmap(PipeCheck, rows))


def _suggest_dn(
    flow_m3_per_s: FloatArray,
    dn_mm: FloatArray,
    headloss_m_per_km: FloatArray,
    ranges: Sequence[VelocityRange],
    standard_dn_mm: Sequence[float],
    max_headloss_m_per_km: float | None,
) -> FloatArray:
    """For each pipe, the standard DN that misses the economic band and the head-loss limit
    least at its flow (nearest to the current DN among equals).

    Head loss at another DN follows Hazen–Williams at the same flow and C: J ∝ d^-4.871.
    """
    candidates = np.asarray(standard_dn_mm, dtype=float)
    miss = np.empty((flow_m3_per_s.size, candidates.size))
    for j, candidate in enumerate(candidates.tolist()):
        band = _band(ranges, candidate)
        velocity = flow_m3_per_s / (np.pi * (candidate / 1000) ** 2 / 4)
        over = np.maximum(np.maximum(band.v_min - velocity, velocity - band.v_max), 0.0)
        miss[:, j] = over / band.v_max
        if max_headloss_m_per_km is not None:
            loss = headloss_m_per_km * (dn_mm / candidate) ** HW_DIAMETER_EXPONENT
            excess = np.maximum(loss - max_headloss_m_per_km, 0.0)
            miss[:, j] += excess / max_headloss_m_per_km
    best = miss == miss.min(axis=1, keepdims=True)
    distance = np.where(best, np.abs(candidates[None, :] - dn_mm[:, None]), np.inf)
    return candidates[np.argmin(distance, axis=1)]


def _band_limits(
    ranges: Sequence[VelocityRange], dn_mm: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """`_band` of every DN at once: the economic velocity low and high of each."""
    below_all = dn_mm < ranges[-1].dn_min_mm
    v_min = np.where(below_all, float(ranges[0].v_min), float(ranges[-1].v_min))
    v_max = np.where(below_all, float(ranges[0].v_max), float(ranges[-1].v_max))
    found = np.zeros(dn_mm.shape, dtype=np.bool_)
    for band in ranges:
        inside = ~found & (band.dn_min_mm <= dn_mm) & (dn_mm < band.dn_max_mm)
        v_min[inside] = band.v_min
        v_max[inside] = band.v_max
        found |= inside
    return v_min, v_max


def velocity_ranges(
    by_dn: Sequence[VelocityRange], v_min: float | None = None, v_max: float | None = None
) -> list[VelocityRange]:
    """The economic velocity bands to judge pipes by: the published bands by DN, or one band
    for every DN when the plan gives its own range (both ends)."""
    if v_min is None and v_max is None:
        return list(by_dn)
    if v_min is None or v_max is None:
        raise InputError("v_min/v_max", (v_min, v_max), "give both or neither")
    return [VelocityRange(0.0, float("inf"), v_min, v_max)]


def _band(ranges: Sequence[VelocityRange], dn_mm: float) -> VelocityRange:
    for band in ranges:
        if band.dn_min_mm <= dn_mm < band.dn_max_mm:
            return band
    return ranges[-1] if dn_mm >= ranges[-1].dn_min_mm else ranges[0]


@dataclass(frozen=True)
class PumpPoint:
    """A pump's operating point in a solved state against its rating (the design point of its
    curve: the single point, or the middle of three)."""

    pump: str
    flow_m3_per_s: float
    head_m: float
    rated_flow_m3_per_s: float | None
    """None for a pump without a head curve (a constant-power pump)."""

    @property
    def load_fraction(self) -> float | None:
        """Flow ÷ rated flow: above 1 the pump runs past its design point."""
        if not self.rated_flow_m3_per_s:
            return None
        return self.flow_m3_per_s / self.rated_flow_m3_per_s


def pump_points(project: EpanetProject, solution: Solution) -> list[PumpPoint]:
    """Every pump's flow and head in `solution`, against its rated flow."""
    topology = project.topology
    points = []
    for i in project.pump_indices:
        try:
            flows, _ = project.pump_curve(i)
            rated: float | None = float(flows[len(flows) // 2])
        except InputError:  # no head curve
            rated = None
        points.append(
            PumpPoint(
                pump=topology.link_ids[i],
                flow_m3_per_s=float(solution.flow_m3_per_s[i]),
                head_m=float(
                    solution.head_m[topology.end_node[i]] - solution.head_m[topology.start_node[i]]
                ),
                rated_flow_m3_per_s=rated,
            )
        )
    return points


@dataclass(frozen=True)
class PumpEnergy:
    """A pump's energy over an extended-period run, per m³ lifted, and over a year."""

    pump: str
    period_h: float
    pumped_m3: float
    kwh: float
    """Σ power × step over the run (EPANET holds each step's power until the next step)."""
    kwh_per_m3: float
    annual_volume_m3: float
    kwh_per_year: float
    co2_t_per_year: float | None


STEADY_STATE_DAY_H = 24.0
"""A run with one state (an .inp of duration 0) is that state held for a day."""


def pump_energy(
    topology: Topology,
    states: Sequence[Solution],
    annual_volume_m3: float | None = None,
    grid_kg_co2_per_kwh: float | None = None,
) -> list[PumpEnergy]:
    """Energy of each pump over an extended-period run (e.g. the 24 h run of a horizon), as
    WNTR's `metrics.pump_energy` counts it: EPANET's power (ρgQH/η) × the length of each step.

    The year: each pump's kWh per m³ over the run × its share of `annual_volume_m3` (for a
    scenario, every networked use's max-day demand × its days of use); without it, the run's
    volume repeated over 365 days. CO₂ = kWh × the grid factor the user gives (none assumed).
    """
    if not states:
        raise InputError("states", 0, "at least one hydraulic state")
    if annual_volume_m3 is not None and annual_volume_m3 < 0:
        raise InputError("annual_volume_m3", annual_volume_m3, "must be ≥ 0")
    if grid_kg_co2_per_kwh is not None and grid_kg_co2_per_kwh < 0:
        raise InputError("grid_factor_kg_per_kwh", grid_kg_co2_per_kwh, "must be ≥ 0")
    pumps = [i for i, kind in enumerate(topology.link_kinds) if kind == "pump"]
    if len(states) == 1:
        steps = [(states[0], STEADY_STATE_DAY_H * SECONDS_PER_HOUR)]
    else:
        steps = [(a, float(b.time_s - a.time_s)) for a, b in itertools.pairwise(states)]
    period_s = sum(seconds for _, seconds in steps)
    kwh = {
        i: sum(float(s.pump_power_kw[i]) * t for s, t in steps) / SECONDS_PER_HOUR for i in pumps
    }
    pumped = {i: sum(max(float(s.flow_m3_per_s[i]), 0.0) * t for s, t in steps) for i in pumps}
    total_pumped = sum(pumped.values())
    if annual_volume_m3 is None:
        annual_volume_m3 = total_pumped * DAYS_PER_YEAR * SECONDS_PER_DAY / period_s
    result = []
    for i in pumps:
        per_m3 = kwh[i] / pumped[i] if pumped[i] > SERVED_TOLERANCE else 0.0
        volume = annual_volume_m3 * pumped[i] / total_pumped if total_pumped > 0 else 0.0
        per_year = per_m3 * volume
        result.append(
            PumpEnergy(
                pump=topology.link_ids[i],
                period_h=period_s / SECONDS_PER_HOUR,
                pumped_m3=pumped[i],
                kwh=kwh[i],
                kwh_per_m3=per_m3,
                annual_volume_m3=volume,
                kwh_per_year=per_year,
                co2_t_per_year=None
                if grid_kg_co2_per_kwh is None
                else per_year * grid_kg_co2_per_kwh / KG_PER_T,
            )
        )
    return result
