"""Pipe-network hydraulics on EPANET: a network built from a planning scenario or an .inp, the
peak-hour solve, worst-point, accident (N-1), pump-head, sizing and energy checks, 24 h
simulation, and scenario batches in one process or on Dask.

    prepared = prepare_scenario(scenario, load_design_defaults(), 2030)
    with EpanetProject(inp_text(prepared.model)) as p:
        result = peak_hour(p, prepared.limit_m, required_pressure_m=prepared.required_pressure_m)
        passes = verdict(result.check, prepared.coverage)  # all of the horizon's demand
"""

from reclaim.network.batch import (
    BatchSettings,
    Case,
    CaseResult,
    n1_cases,
    run_cases,
    run_cases_on_dask,
)
from reclaim.network.checks import (
    DemandCoverage,
    accident,
    head_check,
    peak_hour,
    pipe_checks,
    pump_energy,
    pump_points,
    required_pump_heads,
    velocity_ranges,
    verdict,
)
from reclaim.network.design import (
    DesignDefaults,
    PreparedNetwork,
    period_inp_text,
    prepare_inp,
    prepare_scenario,
)
from reclaim.network.engine import DemandModel, EngineError, EpanetProject, Solution, Topology
from reclaim.network.model import BuiltNetwork, build_network, check_model, inp_text

__all__ = [
    "BatchSettings",
    "BuiltNetwork",
    "Case",
    "CaseResult",
    "DemandCoverage",
    "DemandModel",
    "DesignDefaults",
    "EngineError",
    "EpanetProject",
    "PreparedNetwork",
    "Solution",
    "Topology",
    "accident",
    "build_network",
    "check_model",
    "head_check",
    "inp_text",
    "n1_cases",
    "peak_hour",
    "period_inp_text",
    "pipe_checks",
    "prepare_inp",
    "prepare_scenario",
    "pump_energy",
    "pump_points",
    "required_pump_heads",
    "run_cases",
    "run_cases_on_dask",
    "velocity_ranges",
    "verdict",
]
