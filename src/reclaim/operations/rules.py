"""Alert rules as data: a region's rule set, every threshold sourced or marked a local choice.

The shipped file (`data/operations/alert_rules.yaml`) has a ``default`` rule list and, per region,
overrides of single parameters; a parameter is ``{value, source}`` or ``{value, local_choice: why}``
and one with neither is refused, so no unexplained number sets off an alarm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reclaim.errors import InputError
from reclaim.operations.alerts import (
    BoolGrid,
    Direction,
    FloatGrid,
    flatline,
    missing_data,
    rate_of_change,
    threshold,
    totaliser_backwards,
)
from reclaim.operations.registry import SensorKind, parse_choice


class RuleKind(StrEnum):
    """The alert rules reclaim knows; `REQUIRED` lists each one's parameters."""

    THRESHOLD = "threshold"
    RATE_OF_CHANGE = "rate_of_change"
    FLATLINE = "flatline"
    MISSING_DATA = "missing_data"
    QUALITY_EXCEEDANCE = "quality_exceedance"
    FREE_HEAD_LOW = "free_head_low"
    NIGHT_FLOW_RISING = "night_flow_rising"
    OVER_DRAW = "over_draw"
    TOTALISER_BACKWARDS = "totaliser_backwards"


REQUIRED: Mapping[RuleKind, tuple[str, ...]] = {
    RuleKind.THRESHOLD: ("limit", "hysteresis", "min_duration_s"),
    RuleKind.RATE_OF_CHANGE: ("max_rate_per_hour", "min_duration_s"),
    RuleKind.FLATLINE: ("min_duration_s", "tolerance"),
    RuleKind.MISSING_DATA: ("max_missing_intervals",),
    RuleKind.QUALITY_EXCEEDANCE: ("hysteresis_fraction", "min_duration_s"),
    RuleKind.FREE_HEAD_LOW: ("limit_m", "hysteresis_m", "min_duration_s"),
    RuleKind.NIGHT_FLOW_RISING: (
        "night_start_hour",
        "night_end_hour",
        "baseline_days",
        "rise_fraction",
        "min_rise_m3_per_hour",
    ),
    RuleKind.OVER_DRAW: (),
    RuleKind.TOTALISER_BACKWARDS: ("tolerance_m3",),
}
"""The parameters each rule kind needs."""


class Severity(StrEnum):
    """Alarm priority (ISA-18.2 uses three or four levels)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Parameter:
    """One number of a rule with where it comes from (a citation, or why it is a local choice)."""

    value: float
    source: str
    local_choice: bool


@dataclass(frozen=True)
class AlertRule:
    """One rule: what it watches, its numbers, how urgent, how soon it must be acknowledged."""

    id: str
    kind: RuleKind
    sensor_kinds: tuple[SensorKind, ...]
    parameters: Mapping[str, Parameter]
    severity: Severity
    acknowledge_within_s: float
    direction: Direction | None = None

    def value(self, name: str) -> float:
        """The number called ``name``."""
        return self.parameters[name].value

    def steps(self, name: str, interval_s: float) -> int:
        """A duration parameter in seconds as a count of reporting intervals (at least 1)."""
        return max(1, round(self.value(name) / interval_s))


def evaluate_series_rule(rule: AlertRule, values: FloatGrid, interval_s: float) -> BoolGrid:
    """Apply a rule that needs only the sensors' own grid (every kind but quality exceedance,
    night flow and over-draw, which need the standard, the DMA inflow or the contract caps)."""
    if rule.kind is RuleKind.THRESHOLD:
        assert rule.direction is not None
        return threshold(
            values,
            rule.value("limit"),
            rule.direction,
            rule.value("hysteresis"),
            rule.steps("min_duration_s", interval_s),
        )
    if rule.kind is RuleKind.FREE_HEAD_LOW:
        return threshold(
            values,
            rule.value("limit_m"),
            Direction.BELOW,
            rule.value("hysteresis_m"),
            rule.steps("min_duration_s", interval_s),
        )
    if rule.kind is RuleKind.RATE_OF_CHANGE:
        return rate_of_change(
            values,
            interval_s,
            rule.value("max_rate_per_hour"),
            rule.steps("min_duration_s", interval_s),
        )
    if rule.kind is RuleKind.FLATLINE:
        return flatline(values, rule.steps("min_duration_s", interval_s), rule.value("tolerance"))
    if rule.kind is RuleKind.MISSING_DATA:
        return missing_data(values, int(rule.value("max_missing_intervals")))
    if rule.kind is RuleKind.TOTALISER_BACKWARDS:
        return totaliser_backwards(values, rule.value("tolerance_m3"))
    raise InputError("rule.kind", rule.kind.value, "a rule over a sensor's own series")


def rule_set_from_dict(raw: Mapping[str, Any], region: str, origin: str) -> tuple[AlertRule, ...]:
    """The rules of ``region``: the ``default`` list with the region's overrides applied."""
    if not isinstance(raw, Mapping):
        raise InputError(origin, type(raw).__name__, "a mapping with 'default' and 'regions'")
    default = raw.get("default")
    if not isinstance(default, list):
        raise InputError(f"{origin}:default", default, "a list of rules")
    regions = raw.get("regions") or {}
    if not isinstance(regions, Mapping):
        raise InputError(f"{origin}:regions", regions, "a mapping region → rule overrides")
    overrides = regions.get(region) or {}
    if not isinstance(overrides, Mapping):
        raise InputError(f"{origin}:regions.{region}", overrides, "a mapping rule id → parameters")
    rules = [
        _rule(spec, overrides, f"{origin}:default[{index}]") for index, spec in enumerate(default)
    ]
    ids = [rule.id for rule in rules]
    unknown = sorted(set(overrides) - set(ids))
    if unknown:
        raise InputError(f"{origin}:regions.{region}", unknown, f"rule ids ({', '.join(ids)})")
    if len(set(ids)) != len(ids):
        raise InputError(f"{origin}:default", ids, "each rule id once")
    return tuple(rules)


def _rule(spec: object, overrides: Mapping[str, Any], where: str) -> AlertRule:
    if not isinstance(spec, Mapping):
        raise InputError(where, spec, "a mapping describing a rule")
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise InputError(f"{where}.id", rule_id, "a non-empty text id")
    kind = parse_choice(spec.get("kind"), RuleKind, f"{where}.kind")
    sensor_kinds = spec.get("sensor_kinds", [])
    if not isinstance(sensor_kinds, list):
        raise InputError(f"{where}.sensor_kinds", sensor_kinds, "a list of sensor kinds")
    raw_parameters = dict(_mapping(spec.get("parameters", {}), f"{where}.parameters"))
    raw_parameters.update(_mapping(overrides.get(rule_id, {}), f"regions.*.{rule_id}"))
    parameters = {
        name: _parameter(value, f"{where}.parameters.{name}")
        for name, value in raw_parameters.items()
    }
    missing = [name for name in REQUIRED[kind] if name not in parameters]
    if missing:
        raise InputError(f"{where}.parameters", sorted(parameters), f"also {', '.join(missing)}")
    acknowledge = _parameter(spec.get("acknowledge_within_s"), f"{where}.acknowledge_within_s")
    direction = spec.get("direction")
    return AlertRule(
        id=rule_id,
        kind=kind,
        sensor_kinds=tuple(
            parse_choice(item, SensorKind, f"{where}.sensor_kinds[{index}]")
            for index, item in enumerate(sensor_kinds)
        ),
        parameters=parameters,
        severity=parse_choice(spec.get("severity"), Severity, f"{where}.severity"),
        acknowledge_within_s=acknowledge.value,
        direction=(
            parse_choice(direction, Direction, f"{where}.direction")
            if kind is RuleKind.THRESHOLD
            else None
        ),
    )


def _parameter(spec: object, where: str) -> Parameter:
    if not isinstance(spec, Mapping):
        raise InputError(where, spec, "a mapping {value, source} or {value, local_choice}")
    value = spec.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InputError(f"{where}.value", value, "a number")
    source = spec.get("source")
    local = spec.get("local_choice")
    if isinstance(source, str) and source.strip():
        return Parameter(float(value), source, False)
    if isinstance(local, str) and local.strip():
        return Parameter(float(value), local, True)
    raise InputError(
        where, dict(spec), "a 'source' citation or a 'local_choice' saying why this value"
    )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(where, value, "a mapping")
    return value
