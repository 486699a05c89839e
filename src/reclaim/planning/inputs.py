"""Scenario inputs as numbers or arrays of samples, so one model serves a plan and its sensitivity.

An override path names a scenario input: `uses.<id>.<field>`, `sewage.<field>`, optionally
followed by `.<horizon>` to touch one horizon only (`sewage.population_1e4_persons.2030`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

from reclaim.errors import InputError
from reclaim.planning.scenario import Scenario, Use
from reclaim.units import Number as Values

_USE_FIELDS = (
    *sorted({name for names in Use.DRIVER_INPUTS.values() for name in names}),
    "population_1e4_persons",
)
_SEWAGE_FIELDS = (
    "population_1e4_persons",
    "domestic_l_per_person_day",
    "industrial_land_ha",
    "industrial_index_m3_per_km2_day",
    "discharge_factor_domestic",
    "discharge_factor_industrial",
    "water_supply_m3_per_day",
    "discharge_factor",
    "collection_rate",
    "load_rate",
    "measured_m3_per_day",
    "unforeseen_factor",
    "reuse_cap",
)
_FRACTIONS = frozenset(
    {
        "coverage",
        "discharge_factor_domestic",
        "discharge_factor_industrial",
        "discharge_factor",
        "collection_rate",
        "unforeseen_factor",
        "reuse_cap",
    }
)


def valid_domain(path: str) -> tuple[float, float]:
    """The values an input may take: [0, 1] for shares, [0, ∞) for every other quantity (the
    scenario schema enforces the same bounds on given values)."""
    parts = path.split(".")
    name = parts[-2] if parts[-1].isdigit() else parts[-1]
    if name == "exchange_days":
        return (math.ulp(0.0), math.inf)
    return (0.0, 1.0) if name in _FRACTIONS else (0.0, math.inf)


class Inputs:
    """Reads a scenario input for a horizon, replaced by sampled values where overridden."""

    def __init__(self, scenario: Scenario, overrides: Mapping[str, Values] | None = None) -> None:
        self.scenario = scenario
        self.overrides = dict(overrides or {})
        for path in self.overrides:
            check_path(scenario, path)

    def _pick(self, path: str, year: int, given: object) -> Values:
        for key in (f"{path}.{year}", path):
            if key in self.overrides:
                return self.overrides[key]
        if isinstance(given, dict):
            return float(given[year])
        if given is None:
            raise InputError(path, None, "a value is required")
        return float(given)  # type: ignore[arg-type]

    def use(self, use: Use, field: str, year: int) -> Values:
        """A use's input (`flow_m3_per_day`, `area_ha`, …) for the horizon."""
        return self._pick(f"uses.{use.id}.{field}", year, getattr(use, field))

    def sewage(self, field: str, year: int) -> Values:
        """A sewage-forecast input for the horizon."""
        return self._pick(f"sewage.{field}", year, getattr(self.scenario.sewage, field))

    def sewage_or(self, field: str, year: int, default: float) -> Values:
        """A sewage-forecast input that may be left out (an unforeseen share of 0)."""
        if getattr(self.scenario.sewage, field) is None and f"sewage.{field}" not in self.overrides:
            return default
        return self.sewage(field, year)


def check_path(scenario: Scenario, path: str) -> None:
    """Refuse an override path that names no scenario input."""
    parts = path.split(".")
    if parts[-1].isdigit():
        year = int(parts[-1])
        if year not in scenario.horizons:
            raise InputError(
                "uncertainty.path", path, f"horizon must be one of {scenario.horizons}"
            )
        parts = parts[:-1]
    if len(parts) == 2 and parts[0] == "sewage" and parts[1] in _SEWAGE_FIELDS:
        return
    if len(parts) >= 3 and parts[0] == "uses" and parts[-1] in _USE_FIELDS:
        use_id = ".".join(parts[1:-1])
        if any(use.id == use_id for use in scenario.uses):
            return
    known = [f"sewage.{name}" for name in _SEWAGE_FIELDS] + [
        f"uses.{use.id}.{name}" for use in scenario.uses for name in _USE_FIELDS
    ]
    nearest = difflib.get_close_matches(".".join(parts), known, n=1, cutoff=0.0)
    raise InputError(
        "uncertainty.path",
        path,
        "expected sewage.<field>[.<year>] or uses.<use id>.<field>[.<year>]"
        + (f"; nearest valid path: {nearest[0]}" if nearest else ""),
    )
