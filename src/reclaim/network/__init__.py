"""Pipe-network hydraulics on EPANET: a network built from a planning scenario or an .inp, the
peak-hour solve, worst-point, accident (N-1), pump-head, sizing and energy checks, 24 h
simulation, and scenario batches in one process or on Dask.

    defaults = load_design_defaults()  # reclaim.io.network_files
    built = scenario_network(scenario, defaults, 2030)
    judged = settings(defaults, built.min_free_head_m)
    with EpanetProject(inp_text(built.model)) as p:
        result = peak_hour(p, judged.limit_m, required_pressure_m=judged.required_pressure_m)
    passes = verdict(result.check, built.coverage)  # all of the horizon's demand
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
from reclaim.network.design import DesignDefaults, Settings, scenario_network, settings
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
    "Settings",
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
    "pump_points",
    "required_pump_heads",
    "run_cases",
    "run_cases_on_dask",
    "scenario_network",
    "settings",
    "velocity_ranges",
    "verdict",
]
