"""docs/inputs.md describes the files as the readers accept them: its tables are checked against
the readers' own columns, units and the scenario schema, so there is one source of truth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reclaim.io.quality_files import CSV_COLUMNS, WIDE_HEADER, load_catalogue, load_samples
from reclaim.planning.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")


def _block(name: str) -> str:
    """The text between `<!-- name -->` and `<!-- /name -->`."""
    found = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", DOC, re.S)
    assert found is not None, name
    return found.group(1)


def _table(name: str) -> dict[str, list[str]]:
    """First cell (without backticks) → the other cells, for each row of the table."""
    rows = [line for line in _block(name).splitlines() if line.startswith("| `")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    return {row[0].strip("`"): row[1:] for row in cells}


def test_scenario_keys_are_the_schemas_own() -> None:
    keys = _table("scenario-keys")
    assert list(keys) == list(Scenario.model_fields)
    required = {name for name, field in Scenario.model_fields.items() if field.is_required()}
    assert {name for name, row in keys.items() if row[0] == "yes"} == required


def test_long_form_columns_are_the_readers() -> None:
    columns = _table("long-columns")
    required = {name for name, row in columns.items() if row[0] == "yes"}
    assert required == set(CSV_COLUMNS)
    assert set(columns) == {*CSV_COLUMNS, "date"}


def test_wide_form_header_pattern_is_the_readers() -> None:
    columns = _table("wide-columns")
    assert set(columns) == {"sample", "date", "<parameter> [<unit>]"}
    for example in re.findall(r"`([a-z0-9_]+ \[[^\]]+\])`", columns["<parameter> [<unit>]"][1]):
        assert WIDE_HEADER.match(example), example


def test_units_are_the_catalogues() -> None:
    listed = re.findall(r"`([^`]+)`", _block("units"))
    assert listed == list(load_catalogue().units)


@pytest.mark.parametrize(
    "name", ["lab_long.csv", "lab_wide.csv", "daily_series.csv"], ids=lambda name: name
)
def test_every_example_file_named_in_the_doc_reads(name: str) -> None:
    assert f"examples/{name}" in DOC
    assert load_samples(ROOT / "examples" / name)


def test_every_example_file_is_described() -> None:
    for path in sorted((ROOT / "examples").iterdir()):
        assert f"examples/{path.name}" in DOC, path.name


def test_the_shipped_inp_is_the_export_of_the_shuozhou_scenario(tmp_path: Path) -> None:
    """examples/shuozhou_2030.inp stays what `network export` writes for the scenario today
    (its title lines aside), so the two examples never tell different stories."""
    from typer.testing import CliRunner

    from reclaim.cli.main import app

    out = tmp_path / "shuozhou_2030.inp"
    scenario = str(ROOT / "examples" / "shuozhou.yaml")
    result = CliRunner().invoke(app, ["network", "export", scenario, "--out", str(out)])
    assert result.exit_code == 0, result.output
    shipped = (ROOT / "examples" / "shuozhou_2030.inp").read_text(encoding="utf-8")

    def body(text: str) -> str:
        return text[text.index("[JUNCTIONS]") :]

    assert body(shipped) == body(out.read_text(encoding="utf-8"))
    assert "ILLUSTRATIVE" in shipped[: shipped.index("[JUNCTIONS]")]
