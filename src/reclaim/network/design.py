"""The design rules of the network checks, one place for the command line, the HTTP service and
the Python API: the defaults (read from data/network/design.yaml by
`reclaim.io.network_files.load_design_defaults`), how an .inp or a planning scenario becomes a
network to check, and what each check is judged by.

    defaults = load_design_defaults()
    prepared = prepare_scenario(scenario, defaults, year=2025)
    with EpanetProject(inp_text(prepared.model)) as project:
        peak = peak_hour(
            project, prepared.limit_m, required_pressure_m=prepared.required_pressure_m
        )
        passes = verdict(peak.check, prepared.coverage)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import wntr

from reclaim.errors import InputError
from reclaim.network.checks import DemandCoverage, VelocityRange, check_fraction
from reclaim.network.model import BuiltNetwork, build_network, inp_text
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


@dataclass(frozen=True)
class PreparedNetwork:
    """A network ready to solve, what its checks are judged by, and where it came from."""

    model: wntr.network.WaterNetworkModel
    settings: Settings
    built: BuiltNetwork | None
    """The scenario's network for one horizon; None for an .inp."""
    scenario: Scenario | None
    pump_efficiency: float
    multiplier_as_written: float | None = None
    """An .inp's own demand multiplier, before a peak factor replaced it."""

    @property
    def limit_m(self) -> float:
        return self.settings.limit_m

    @property
    def required_pressure_m(self) -> float:
        return self.settings.required_pressure_m

    @property
    def coverage(self) -> DemandCoverage | None:
        """The horizon's demand and what of it is not networked; None for an .inp."""
        return None if self.built is None else self.built.coverage

    def about(self) -> dict[str, Any]:
        """Where the network came from, for reports (JSON-ready)."""
        if self.built is None:
            return {
                "source": "inp",
                "demand_multiplier": self.model.options.hydraulic.demand_multiplier,
            }
        coverage = self.built.coverage
        return {
            "source": "scenario",
            "year": self.built.year,
            "peak_hour_factor": self.built.peak_hour_factor,
            "illustrative_layout": self.built.illustrative,
            "demand_m3_per_day": coverage.total_m3_per_day,
            "not_yet_networked_m3_per_day": coverage.not_networked_m3_per_day,
            "not_yet_networked_total_m3_per_day": coverage.unserved_m3_per_day,
            "not_yet_networked_fraction": coverage.unserved_fraction,
        }


def prepare_inp(
    model: wntr.network.WaterNetworkModel,
    defaults: DesignDefaults,
    *,
    peak_factor: float | None = None,
    limit_m: float | None = None,
    required_pressure_m: float | None = None,
    accident_flow_fraction: float | None = None,
) -> PreparedNetwork:
    """An .inp's network: solved as written at time 0, its demands × `peak_factor` (default
    as written), pumps without an efficiency at the default one."""
    chosen = settings(defaults, limit_m, required_pressure_m, accident_flow_fraction)
    as_written = model.options.hydraulic.demand_multiplier
    if peak_factor is not None:
        if not peak_factor > 0:
            raise InputError("peak_factor", peak_factor, "must be > 0")
        model.options.hydraulic.demand_multiplier = peak_factor
    if model.options.energy.global_efficiency is None:
        model.options.energy.global_efficiency = defaults.pump_efficiency * 100
    return PreparedNetwork(model, chosen, None, None, defaults.pump_efficiency, as_written)


def prepare_scenario(
    scenario: Scenario,
    defaults: DesignDefaults,
    year: int | None = None,
    *,
    limit_m: float | None = None,
    required_pressure_m: float | None = None,
    accident_flow_fraction: float | None = None,
    patterns: Mapping[str, Sequence[float]] | None = None,
) -> PreparedNetwork:
    """A scenario's network for one horizon (default the last) at its peak-hour factor, judged
    against the scenario's own free-head limit unless `limit_m` is given; with `patterns`, its
    24 h run instead."""
    built = build_network(
        scenario, year, pump_efficiency=defaults.pump_efficiency, patterns=patterns
    )
    chosen = settings(
        defaults,
        built.min_free_head_m if limit_m is None else limit_m,
        required_pressure_m,
        accident_flow_fraction,
    )
    return PreparedNetwork(built.model, chosen, built, scenario, defaults.pump_efficiency)


def period_inp_text(prepared: PreparedNetwork, patterns: Mapping[str, Sequence[float]]) -> str:
    """The extended-period network energy is counted over, as .inp text: a scenario's 24 h run
    of its horizon (max-day demand shaped by the use patterns), or an .inp's own run at its
    own demand multiplier."""
    if prepared.built is None or prepared.scenario is None:
        options = prepared.model.options.hydraulic
        peak = options.demand_multiplier
        options.demand_multiplier = prepared.multiplier_as_written
        try:
            return inp_text(prepared.model)
        finally:
            options.demand_multiplier = peak
    return inp_text(
        build_network(
            prepared.scenario,
            prepared.built.year,
            patterns=patterns,
            pump_efficiency=prepared.pump_efficiency,
        ).model
    )
