"""Results as plain JSON-ready dicts (SI, units in the keys), shared by the command line and
the HTTP service."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from reclaim.network.batch import CaseResult
from reclaim.network.checks import (
    AccidentResult,
    DemandCoverage,
    HeadCheck,
    NodeState,
    PipeCheck,
    PumpEnergy,
    PumpHead,
    PumpPoint,
)
from reclaim.network.engine import Solution, Topology

EXACT_ROUNDING_LIMIT = 1e9
"""Below this magnitude a value × 10⁶ is still an exact integer-range float (< 2⁵³)."""


def _number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(float(value), 6)


def _numbers(values: npt.NDArray[np.float64]) -> list[float | None]:
    """`_number` of every value of an array, in one pass."""
    # np.round scales by 10⁶ first, which is exact only well inside float precision.
    exact = np.abs(values) < EXACT_ROUNDING_LIMIT
    rounded: list[float | None] = np.where(exact, np.round(values, 6), values).tolist()
    if not np.isfinite(values).all():
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            rounded[i] = None
    return rounded


def node_state(state: NodeState) -> dict[str, Any]:
    """One user node: free head, demand asked and delivered, served fraction."""
    return {
        "node": state.node,
        "free_head_m": _number(state.free_head_m),
        "required_m3_per_s": _number(state.required_m3_per_s),
        "delivered_m3_per_s": _number(state.delivered_m3_per_s),
        "served_fraction": _number(state.served_fraction),
    }


def head_check(check: HeadCheck) -> dict[str, Any]:
    """Worst point, pass/fail and the users short of the limit."""
    return {
        "limit_m": check.limit_m,
        "passes": check.passes,
        "worst_point": node_state(check.worst),
        "users_below_limit": [node_state(s) for s in check.below_limit],
        "users_unserved": [s.node for s in check.unserved],
        "delivered_fraction": _number(check.delivered_fraction),
    }


def coverage(demand: DemandCoverage) -> dict[str, Any]:
    """A horizon's max-day demand and the part of it no pipe reaches yet."""
    return {
        "demand_m3_per_day": _number(demand.total_m3_per_day),
        "not_yet_networked_m3_per_day": {
            node: _number(flow) for node, flow in demand.not_networked_m3_per_day.items()
        },
        "not_yet_networked_total_m3_per_day": _number(demand.unserved_m3_per_day),
        "not_yet_networked_fraction": _number(demand.unserved_fraction),
    }


def accident(result: AccidentResult) -> dict[str, Any]:
    """One pipe out of service, at a share of the design flow."""
    return {
        "pipe": result.pipe,
        "flow_fraction": result.flow_fraction,
        "error": result.error,
        "check": None if result.check is None else head_check(result.check),
    }


def case(result: CaseResult) -> dict[str, Any]:
    """One batch case (an N-1 outage or a demand sample)."""
    return {
        "case": result.label,
        "passes": result.passes,
        "worst_node": result.worst_node,
        "worst_free_head_m": _number(result.worst_free_head_m),
        "users_below_limit": list(result.users_below_limit),
        "users_unserved": list(result.users_unserved),
        "delivered_fraction": _number(result.delivered_fraction),
        "error": result.error,
    }


def pump_points(points: Sequence[PumpPoint]) -> list[dict[str, Any]]:
    """Each pump's operating point and its share of the rated flow."""
    return [
        {
            "pump": p.pump,
            "flow_m3_per_s": _number(p.flow_m3_per_s),
            "head_m": _number(p.head_m),
            "rated_flow_m3_per_s": None
            if p.rated_flow_m3_per_s is None
            else _number(p.rated_flow_m3_per_s),
            "load_fraction": None if p.load_fraction is None else _number(p.load_fraction),
        }
        for p in points
    ]


def rows(items: Sequence[PipeCheck | PumpEnergy | PumpHead]) -> list[dict[str, Any]]:
    """Dataclass rows with floats rounded for reading (column by column: a large network has
    tens of thousands of pipes)."""
    if not items:
        return []
    names = list(vars(items[0]))
    columns: list[list[Any]] = []
    for name in names:
        values = [getattr(item, name) for item in items]
        if all(isinstance(v, float) for v in values):
            columns.append(_numbers(np.array(values, dtype=float)))
        else:
            columns.append([_number(v) if isinstance(v, float) else v for v in values])
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def node_table(topology: Topology, solution: Solution) -> list[dict[str, Any]]:
    """Every node's head, free head and demand at one state."""
    free = _numbers(solution.head_m - topology.elevation_m)
    columns = zip(
        topology.node_ids,
        topology.node_kinds,
        _numbers(topology.elevation_m),
        _numbers(solution.head_m),
        free,
        _numbers(solution.demand_m3_per_s),
        strict=True,
    )
    return [
        {
            "node": node,
            "kind": kind,
            "elevation_m": elevation,
            "head_m": head,
            "free_head_m": free_head if kind == "junction" else None,
            "demand_m3_per_s": demand,
        }
        for node, kind, elevation, head, free_head, demand in columns
    ]


def link_table(topology: Topology, solution: Solution) -> list[dict[str, Any]]:
    """Every link's flow, velocity and status at one state."""
    columns = zip(
        topology.link_ids,
        topology.link_kinds,
        _numbers(solution.flow_m3_per_s),
        _numbers(solution.velocity_m_per_s),
        solution.link_open.tolist(),
        strict=True,
    )
    return [
        {"link": link, "kind": kind, "flow_m3_per_s": flow, "velocity_m_per_s": v, "open": is_open}
        for link, kind, flow, v, is_open in columns
    ]


def period_summary(topology: Topology, states: Sequence[Solution]) -> dict[str, Any]:
    """An extended-period run: per step the worst junction, total demand, tank levels and pump
    flows; per junction the lowest free head over the period; per pump its energy (power held
    over each step, as EPANET accounts it)."""
    junctions = np.flatnonzero(topology.junctions)
    tanks = [i for i, kind in enumerate(topology.node_kinds) if kind == "tank"]
    steps = []
    lowest = np.full(len(topology.node_ids), np.inf)
    for state in states:
        free = state.head_m - topology.elevation_m
        worst = int(junctions[np.argmin(free[junctions])]) if junctions.size else 0
        lowest = np.minimum(lowest, free)
        steps.append(
            {
                "time_h": round(state.time_s / 3600, 4),
                "worst_node": topology.node_ids[worst],
                "worst_free_head_m": _number(free[worst]),
                "demand_m3_per_s": _number(state.demand_m3_per_s[junctions].sum()),
                "tank_level_m": {topology.node_ids[i]: _number(free[i]) for i in tanks},
                "pump_flow_m3_per_s": {
                    topology.link_ids[i]: _number(state.flow_m3_per_s[i])
                    for i, k in enumerate(topology.link_kinds)
                    if k == "pump"
                },
            }
        )
    pumps = [i for i, kind in enumerate(topology.link_kinds) if kind == "pump"]
    energy = dict.fromkeys((topology.link_ids[i] for i in pumps), 0.0)
    for state, following in itertools.pairwise(states):
        hours = (following.time_s - state.time_s) / 3600
        for i in pumps:
            energy[topology.link_ids[i]] += float(state.pump_power_kw[i]) * hours
    return {
        "steps": steps,
        "lowest_free_head_m": {topology.node_ids[int(i)]: _number(lowest[i]) for i in junctions},
        "pump_energy_kwh": {pump: _number(kwh) for pump, kwh in energy.items()},
    }
