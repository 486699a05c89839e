"""Read the operations module's files: the alert rules of a region, the webhook retry schedule,
the loss-indicator coefficients, the enterprise balance limits and the standard each use class
is checked against."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.io.quality_files import load_standards
from reclaim.operations.coefficients import coefficient, table
from reclaim.operations.data_validity import ValidityScale, validity_scale_from_dict
from reclaim.operations.enterprise_balance import closure_limits_from_dict
from reclaim.operations.losses import (
    Cjj92Coefficients,
    UarlCoefficients,
    cjj92_coefficients_from_dict,
    uarl_coefficients_from_dict,
)
from reclaim.operations.notify import Backoff
from reclaim.operations.rules import AlertRule, rule_set_from_dict
from reclaim.operations.use_standards import UseStandard, use_standards_from_dict

ALERT_RULES = data_path("operations", "alert_rules.yaml")


def load_alert_rules(region: str, path: Path = ALERT_RULES) -> tuple[AlertRule, ...]:
    """The alert rules of ``region`` (the defaults with its overrides) from ``path``."""
    return rule_set_from_dict(read_yaml(path), region, str(path))


USE_STANDARDS = data_path("operations", "use_standards.yaml")


def load_use_standards(path: Path = USE_STANDARDS) -> dict[str, UseStandard]:
    """Use class → the quality standard and use it is checked against, from ``path``; each
    named standard and use must be in the quality catalogue."""
    mapping = use_standards_from_dict(read_yaml(path), str(path))
    standards = load_standards()
    for name, line in mapping.items():
        if line.standard_id is None:
            continue
        if line.standard_id not in standards:
            raise InputError(
                f"{path}:use_classes.{name}.standard", line.standard_id, "a catalogue standard"
            )
        standards[line.standard_id].use(line.use_id)
    return mapping


NOTIFICATIONS = data_path("operations", "notifications.yaml")


def load_backoff(path: Path = NOTIFICATIONS) -> Backoff:
    """The retry schedule of webhook notifications from ``path`` (each figure explained there)."""
    document = read_yaml(path)
    figures = table(
        document.get("backoff") if isinstance(document, dict) else None, f"{path}:backoff"
    )

    def figure(name: str) -> float:
        value = coefficient(figures, name, f"{path}:backoff")
        if not 0 < value < math.inf:
            raise InputError(f"{path}:backoff.{name}.value", value, "a number above 0")
        return value

    return Backoff(
        first_delay=timedelta(seconds=figure("first_delay_s")),
        factor=figure("factor"),
        max_delay=timedelta(seconds=figure("max_delay_s")),
        max_attempts=int(figure("max_attempts")),
        request_timeout=timedelta(seconds=figure("request_timeout_s")),
    )


LOSSES = data_path("operations", "losses.yaml")


def load_uarl_coefficients(path: Path = LOSSES) -> UarlCoefficients:
    """Lambert's UARL coefficients and calibration range from ``path``."""
    return uarl_coefficients_from_dict(_section(path, "uarl"), f"{path}:uarl")


def load_cjj92_coefficients(path: Path = LOSSES) -> Cjj92Coefficients:
    """The CJJ 92-2016 corrections and grades from ``path``."""
    return cjj92_coefficients_from_dict(_section(path, "cjj92"), f"{path}:cjj92")


def load_validity_scale(path: Path = LOSSES) -> ValidityScale:
    """The AWWA-style data-validity grade scale and levels from ``path``."""
    return validity_scale_from_dict(_section(path, "data_validity"), f"{path}:data_validity")


ENTERPRISE_BALANCE = data_path("operations", "enterprise_balance.yaml")


def load_closure_limits(path: Path = ENTERPRISE_BALANCE) -> dict[int, float]:
    """The closure-error limit of an enterprise balance test by meter level, from ``path``."""
    return closure_limits_from_dict(read_yaml(path), str(path))


def _section(path: Path, name: str) -> object:
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise InputError(str(path), type(document).__name__, "a table")
    return document.get(name)
