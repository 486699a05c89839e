"""The planning checks of a reclaimed-water network (seed 001 §4.3.2), each one function:
peak-hour solve and worst point, accident check of one pipe, pump head needed for a target
worst-point head, pipe velocity / head-loss with a sizing suggestion, and pump energy and CO₂.

All work on an open `EpanetProject`; results are plain dataclasses in SI units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reclaim.errors import InputError
from reclaim.network.engine import (
    BoolArray,
    DemandModel,
    EngineError,
    EpanetProject,
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


def head_check(topology: Topology, solution: Solution, limit_m: float) -> HeadCheck:
    """Worst point (user with the lowest free head) and the users below `limit_m` or unserved."""
    free_head = solution.head_m - topology.elevation_m
    users = np.flatnonzero(user_mask(topology, solution))
    if users.size == 0:
        raise InputError("network", "no junction", "a network with at least one junction")
    states = [
        NodeState(
            topology.node_ids[i],
            float(free_head[i]),
            float(solution.required_demand_m3_per_s[i]),
            float(solution.demand_m3_per_s[i]),
        )
        for i in users
    ]
    required = sum(s.required_m3_per_s for s in states)
    delivered = sum(s.delivered_m3_per_s for s in states)
    return HeadCheck(
        limit_m=limit_m,
        worst=min(states, key=lambda s: s.free_head_m),
        below_limit=tuple(s for s in states if s.free_head_m < limit_m - HEAD_TOLERANCE_M),
        unserved=tuple(
            s
            for s in states
            if s.required_m3_per_s > SERVED_TOLERANCE
            and s.delivered_m3_per_s < UNSERVED_FRACTION * s.required_m3_per_s
        ),
        delivered_fraction=delivered / required if required > SERVED_TOLERANCE else 1.0,
    )


@dataclass(frozen=True)
class PeakHourResult:
    """The peak-hour solve: demand-driven heads (the design figures) and, where pressure is
    short, what a pressure-driven solve says each user actually receives."""

    solution: Solution
    check: HeadCheck
    pressure_driven: HeadCheck | None


def peak_hour(project: EpanetProject, limit_m: float) -> PeakHourResult:
    """Solve at the model's demand multiplier (the peak-hour factor of a built scenario) under the
    network's own demand model (demand-driven unless an .inp sets PDA) and check the worst point
    against `limit_m` (seed 001 §4.3.2: 0.15 MPa ≙ 15 m)."""
    project.set_demand_model(project.file_demand_model)
    solution = project.solve()
    check = head_check(project.topology, solution, limit_m)
    short: HeadCheck | None = None
    if check.below_limit:
        project.set_demand_model(DemandModel(pressure_driven=True, required_m=limit_m))
        try:
            short = head_check(project.topology, project.solve(), limit_m)
        finally:
            project.set_demand_model(project.file_demand_model)
    return PeakHourResult(solution=solution, check=check, pressure_driven=short)


@dataclass(frozen=True)
class AccidentResult:
    """The network with one pipe out of service (事故校核), solved pressure-driven."""

    pipe: str
    check: HeadCheck | None
    error: str | None = None


def accident(project: EpanetProject, pipe_id: str, limit_m: float) -> AccidentResult:
    """Close one pipe and re-solve pressure-driven: which users fall below `limit_m`, which get
    nothing (seed 001 §4.3.2: the failed main next to the pump outlet is left out)."""
    index = project.topology.link_index(pipe_id)
    if project.topology.link_kinds[index] != "pipe":
        kind = project.topology.link_kinds[index]
        raise InputError("pipe", pipe_id, f"a pipe; this link is a {kind}")
    project.set_demand_model(DemandModel(pressure_driven=True, required_m=limit_m))
    try:
        with project.links_closed([index]):
            try:
                solution = project.solve()
            except EngineError as error:
                return AccidentResult(pipe=pipe_id, check=None, error=str(error))
        return AccidentResult(pipe=pipe_id, check=head_check(project.topology, solution, limit_m))
    finally:
        project.set_demand_model(project.file_demand_model)


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
    project.set_demand_model(DemandModel())

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


NO_FLOW_M3_PER_S = 1e-9
"""Below this a pipe is taken as carrying no flow (EPANET leaves ~1e-12 in closed links)."""


@dataclass(frozen=True)
class PipeCheck:
    """A pipe's velocity and head loss at the solved state, and a DN suggestion."""

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
    checks = []
    headloss = solution.head_m[topology.start_node] - solution.head_m[topology.end_node]
    for i in np.flatnonzero(topology.pipes):
        dn = topology.diameter_m[i] * 1000
        band = _band(ranges, dn)
        flow = abs(float(solution.flow_m3_per_s[i]))
        velocity = abs(float(solution.velocity_m_per_s[i]))
        if flow <= NO_FLOW_M3_PER_S:
            # A shut pipe (closed check valve, dead end) carries the head difference across its
            # ends without friction: no head loss to judge, nothing to resize.
            checks.append(
                PipeCheck(
                    topology.link_ids[i], dn, 0.0, 0.0, 0.0, band.v_min, band.v_max, "no flow", dn
                )
            )
            continue
        loss = abs(float(headloss[i])) / topology.length_m[i] * 1000
        problems = []
        if velocity < band.v_min:
            problems.append("too slow")
        elif velocity > band.v_max:
            problems.append("too fast")
        if max_headloss_m_per_km is not None and loss > max_headloss_m_per_km:
            problems.append("head loss high")
        sizing = _Sizing(flow, dn, loss, ranges, max_headloss_m_per_km)
        checks.append(
            PipeCheck(
                pipe=topology.link_ids[i],
                dn_mm=dn,
                flow_m3_per_s=flow,
                velocity_m_per_s=velocity,
                headloss_m_per_km=loss,
                v_min=band.v_min,
                v_max=band.v_max,
                verdict=", ".join(problems) or "ok",
                suggested_dn_mm=dn
                if not problems
                else float(min(standard_dn_mm, key=lambda c: (sizing.miss(c), abs(c - dn)))),
            )
        )
    return checks


def _band(ranges: Sequence[VelocityRange], dn_mm: float) -> VelocityRange:
    for band in ranges:
        if band.dn_min_mm <= dn_mm < band.dn_max_mm:
            return band
    return ranges[-1] if dn_mm >= ranges[-1].dn_min_mm else ranges[0]


@dataclass(frozen=True)
class _Sizing:
    """How far a candidate DN misses the economic band and the head-loss limit at this flow.

    Head loss at another DN follows Hazen–Williams at the same flow and C: J ∝ d^-4.871.
    """

    flow_m3_per_s: float
    dn_mm: float
    headloss_m_per_km: float
    ranges: Sequence[VelocityRange]
    max_headloss_m_per_km: float | None

    def miss(self, candidate_mm: float) -> float:
        band = _band(self.ranges, candidate_mm)
        velocity = self.flow_m3_per_s / (np.pi * (candidate_mm / 1000) ** 2 / 4)
        miss = max(band.v_min - velocity, velocity - band.v_max, 0.0) / band.v_max
        if self.max_headloss_m_per_km is not None:
            loss = self.headloss_m_per_km * (self.dn_mm / candidate_mm) ** HW_DIAMETER_EXPONENT
            miss += max(loss - self.max_headloss_m_per_km, 0.0) / self.max_headloss_m_per_km
        return float(miss)


@dataclass(frozen=True)
class PumpEnergy:
    """A pump's power at the solved state, its energy per m³, per year, and CO₂."""

    pump: str
    flow_m3_per_s: float
    head_m: float
    power_kw: float
    kwh_per_m3: float
    annual_volume_m3: float
    kwh_per_year: float
    co2_t_per_year: float | None


def pump_energy(
    topology: Topology,
    solution: Solution,
    annual_volume_m3: float,
    grid_kg_co2_per_kwh: float | None = None,
) -> list[PumpEnergy]:
    """Energy of each running pump from EPANET's power (ρgQH/η), per m³ lifted and per year.

    The year's volume is split between pumps in proportion to their flow at this state;
    CO₂ = kWh × the grid factor the user gives (none is assumed).
    """
    if annual_volume_m3 < 0:
        raise InputError("annual_volume_m3", annual_volume_m3, "must be ≥ 0")
    if grid_kg_co2_per_kwh is not None and grid_kg_co2_per_kwh < 0:
        raise InputError("grid_factor_kg_per_kwh", grid_kg_co2_per_kwh, "must be ≥ 0")
    pumps = [i for i, kind in enumerate(topology.link_kinds) if kind == "pump"]
    total_flow = sum(max(float(solution.flow_m3_per_s[i]), 0.0) for i in pumps)
    result = []
    for i in pumps:
        flow = max(float(solution.flow_m3_per_s[i]), 0.0)
        power = float(solution.pump_power_kw[i])
        head = float(
            solution.head_m[topology.end_node[i]] - solution.head_m[topology.start_node[i]]
        )
        per_m3 = power / (flow * SECONDS_PER_HOUR) if flow > SERVED_TOLERANCE else 0.0
        volume = annual_volume_m3 * flow / total_flow if total_flow > 0 else 0.0
        kwh = per_m3 * volume
        result.append(
            PumpEnergy(
                pump=topology.link_ids[i],
                flow_m3_per_s=flow,
                head_m=head,
                power_kw=power,
                kwh_per_m3=per_m3,
                annual_volume_m3=volume,
                kwh_per_year=kwh,
                co2_t_per_year=None
                if grid_kg_co2_per_kwh is None
                else kwh * grid_kg_co2_per_kwh / KG_PER_T,
            )
        )
    return result
