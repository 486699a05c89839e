"""Pipe-network hydraulics on EPANET: a network built from a planning scenario or an .inp, the
peak-hour solve, worst-point, accident (N-1), pump-head, sizing and energy checks, 24 h
simulation, and scenario batches in one process or on Dask.

    with EpanetProject(inp_text(build_network(scenario, 2030, pump_efficiency=0.75).model)) as p:
        result = peak_hour(p, 15.0)
"""

from reclaim.network.batch import Case, CaseResult, n1_cases, run_cases, run_cases_on_dask
from reclaim.network.checks import (
    accident,
    head_check,
    peak_hour,
    pipe_checks,
    pump_energy,
    required_pump_heads,
)
from reclaim.network.engine import DemandModel, EngineError, EpanetProject, Solution, Topology
from reclaim.network.model import BuiltNetwork, build_network, check_model, inp_text

__all__ = [
    "BuiltNetwork",
    "Case",
    "CaseResult",
    "DemandModel",
    "EngineError",
    "EpanetProject",
    "Solution",
    "Topology",
    "accident",
    "build_network",
    "check_model",
    "head_check",
    "inp_text",
    "n1_cases",
    "peak_hour",
    "pipe_checks",
    "pump_energy",
    "required_pump_heads",
    "run_cases",
    "run_cases_on_dask",
]
