"""`reclaim ops`: the operations commands."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.io.operations_files import ALERT_RULES

runner = CliRunner()


def test_rules_lists_the_files_rules_each_number_with_its_origin() -> None:
    result = runner.invoke(app, ["ops", "rules", "shuozhou", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    rules_file = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    shipped, overrides = rules_file["default"], rules_file["regions"]["shuozhou"]
    assert [rule["id"] for rule in listed] == [rule["id"] for rule in shipped]
    for rule, raw in zip(listed, shipped, strict=True):
        assert set(rule["parameters"]) == set(raw["parameters"])
        for name, parameter in rule["parameters"].items():
            own = overrides.get(rule["id"], {}).get(name)  # the region's value wins
            assert parameter["value"] == (own or raw["parameters"][name])["value"]
            assert len(set(parameter) & {"source", "local_choice"}) == 1, (rule["id"], name)


def test_rules_table_in_english_and_a_bad_language_refused() -> None:
    table = runner.invoke(app, ["ops", "rules", "shuozhou", "--lang", "en"], env={"COLUMNS": "120"})
    assert table.exit_code == 0 and "over_draw" in table.output and "severity" in table.output
    refused = runner.invoke(app, ["ops", "rules", "shuozhou", "--lang", "fr"])
    assert refused.exit_code == 2
    assert "--lang" in refused.output and "'fr'" in refused.output
