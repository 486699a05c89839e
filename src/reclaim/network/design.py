"""The design rules of the network checks, one place for the command line, the HTTP service and
the Python API: the defaults (read from data/network/design.yaml by
`reclaim.io.network_files.load_design_defaults`), what a run is judged by, and how a scenario
becomes the network of a horizon.

    defaults = load_design_defaults()
    built = scenario_network(scenario, defaults, 2025)
    judged = settings(defaults, built.min_free_head_m)
    with EpanetProject(inp_text(built.model)) as project:
        peak = peak_hour(project, judged.limit_m, required_pressure_m=judged.required_pressure_m)
    passes = verdict(peak.check, built.coverage)  # all of the horizon's demand
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reclaim.errors import InputError
from reclaim.network.checks import VelocityRange, check_fraction
from reclaim.network.model import BuiltNetwork, build_network
from reclaim.planning.scenario import Scenario


@dataclass(frozen=True)
class DesignDefaults:
    """Defaults of the checks, each with a published source or marked as an assumption."""

    min_free_head_m: float
    """Service limit at the worst point (seed 001 §4.3.2: 0.15 MPa ≙ 15 m)."""
    required_pressure_m: float
    """Pressure of full delivery in pressure-driven solves (an assumption; see design.yaml)."""
    accident_flow_fraction: float
    """Share of the design flow an accident check must carry (GB 50013-2018 §7.1.3: 0.7)."""
    pump_efficiency: float
    velocity_ranges: tuple[VelocityRange, ...]
    standard_dn_mm: tuple[float, ...]


@dataclass(frozen=True)
class Settings:
    """What the checks of one run are judged by (defaults, or the user's own values)."""

    limit_m: float
    required_pressure_m: float
    accident_flow_fraction: float


def settings(
    defaults: DesignDefaults,
    limit_m: float | None = None,
    required_pressure_m: float | None = None,
    accident_flow_fraction: float | None = None,
) -> Settings:
    """The user's values where given, else the defaults; each checked."""
    chosen = Settings(
        limit_m=defaults.min_free_head_m if limit_m is None else limit_m,
        required_pressure_m=defaults.required_pressure_m
        if required_pressure_m is None
        else required_pressure_m,
        accident_flow_fraction=defaults.accident_flow_fraction
        if accident_flow_fraction is None
        else accident_flow_fraction,
    )
    if not chosen.limit_m >= 0:
        raise InputError("min_head", chosen.limit_m, "a free head ≥ 0 m")
    if not chosen.required_pressure_m > 0:
        raise InputError("required_pressure", chosen.required_pressure_m, "a pressure > 0 m")
    check_fraction("accident_fraction", chosen.accident_flow_fraction)
    return chosen


def check_peak_factor(peak_factor: float | None) -> float | None:
    """An .inp's peak factor (its demand multiplier for the peak-hour solve): > 0, or None to
    solve the file's demands as written."""
    if peak_factor is not None and not peak_factor > 0:
        raise InputError("peak_factor", peak_factor, "must be > 0")
    return peak_factor


def scenario_network(
    scenario: Scenario,
    defaults: DesignDefaults,
    year: int | None = None,
    patterns: Mapping[str, Sequence[float]] | None = None,
) -> BuiltNetwork:
    """A scenario's network for one horizon (default the last): the peak-hour steady state, or
    with `patterns` its 24 h run (the run pump energy is counted over)."""
    return build_network(
        scenario, year, pump_efficiency=defaults.pump_efficiency, patterns=patterns
    )
