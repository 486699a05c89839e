"""The shipped alert rules: every number sourced or a stated local choice, overrides per region."""

from __future__ import annotations

import copy

import pytest

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.io.operations_files import ALERT_RULES, load_alert_rules
from reclaim.operations.rules import REQUIRED, RuleKind, rule_set_from_dict


def test_every_rule_kind_is_shipped_with_its_parameters() -> None:
    rules = load_alert_rules("lingshi")
    assert {rule.kind for rule in rules} == set(RuleKind)
    for rule in rules:
        assert set(REQUIRED[rule.kind]) <= set(rule.parameters)
        assert all(parameter.source.strip() for parameter in rule.parameters.values())


def test_free_head_limit_is_the_network_design_limit() -> None:
    # Same 15 m as the network checks (seed 001 §4.3.2), read from both files independently.
    design = read_yaml(data_path("network", "design.yaml"))["min_free_head_m"]["value"]
    (rule,) = [r for r in load_alert_rules("any") if r.kind is RuleKind.FREE_HEAD_LOW]
    assert rule.value("limit_m") == design == 15.0
    assert not rule.parameters["limit_m"].local_choice


def test_unsourced_number_is_refused() -> None:
    raw = copy.deepcopy(read_yaml(ALERT_RULES))
    del raw["default"][0]["parameters"]["hysteresis_m"]["local_choice"]
    with pytest.raises(
        InputError, match=r"parameters.hysteresis_m.*'source' citation or a 'local_choice'"
    ):
        rule_set_from_dict(raw, "shuozhou", "rules.yaml")


def test_region_override_and_unknown_rule() -> None:
    raw = copy.deepcopy(read_yaml(ALERT_RULES))
    raw["regions"] = {
        "lingshi": {"free_head_low": {"limit_m": {"value": 20.0, "source": "contract annex"}}}
    }
    lingshi = {rule.id: rule for rule in rule_set_from_dict(raw, "lingshi", "rules.yaml")}
    shuozhou = {rule.id: rule for rule in rule_set_from_dict(raw, "shuozhou", "rules.yaml")}
    assert lingshi["free_head_low"].value("limit_m") == 20.0
    assert shuozhou["free_head_low"].value("limit_m") == 15.0
    raw["regions"] = {"lingshi": {"no_such_rule": {}}}
    with pytest.raises(InputError, match="no_such_rule"):
        rule_set_from_dict(raw, "lingshi", "rules.yaml")


def test_missing_parameter_names_it() -> None:
    raw = copy.deepcopy(read_yaml(ALERT_RULES))
    del raw["default"][0]["parameters"]["min_duration_s"]
    with pytest.raises(InputError, match="also min_duration_s"):
        rule_set_from_dict(raw, "shuozhou", "rules.yaml")
