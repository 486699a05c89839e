"""Read the operations module's files: the alert rules of a region."""

from __future__ import annotations

from pathlib import Path

from reclaim.io.data_files import data_path, read_yaml
from reclaim.operations.rules import AlertRule, rule_set_from_dict

ALERT_RULES = data_path("operations", "alert_rules.yaml")


def load_alert_rules(region: str, path: Path = ALERT_RULES) -> tuple[AlertRule, ...]:
    """The alert rules of ``region`` (the defaults with its overrides) from ``path``."""
    return rule_set_from_dict(read_yaml(path), region, str(path))
