"""Scenario inputs as numbers or arrays of samples, so one model serves a plan and its sensitivity.

An override path names a scenario input: `uses.<id>.<field>`, `sewage.<field>`, optionally
followed by `.<horizon>` to touch one horizon only (`sewage.population_1e4_persons.2030`).
"""

from __future__ import annotations

from collections.abc import Mapping

from reclaim.errors import InputError
from reclaim.planning.scenario import Scenario, Sewage, Use
from reclaim.units import Number as Values

_USE_FIELDS = (
    "flow_m3_per_day",
    "area_ha",
    "units",
    "coverage",
    "rate_l_per_m2_day",
    "rate_l_per_unit_day",
)
_SEWAGE_FIELDS = tuple(name for name in Sewage.model_fields if name != "population_projection")


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
    raise InputError(
        "uncertainty.path",
        path,
        "expected sewage.<field>[.<year>] or uses.<use id>.<field>[.<year>]",
    )
