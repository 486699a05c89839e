"""Bad scenario input: one line naming the field path, the value and what is allowed; exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from reclaim.cli.main import app

from .conftest import EXAMPLES

runner = CliRunner()


def _scenario(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((EXAMPLES / "small_county.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _fails(path: Path, *expected: str, args: tuple[str, ...] = ()) -> None:
    result = runner.invoke(app, ["plan", "run", str(path), *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0], lines[0]


def test_unknown_field(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(area_m2={2030: 1e6}))
    _fails(path, "uses[park].area_m2", "unknown field", "did you mean 'area_ha'?")
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(flow_m3_per_dya={2030: 1}))
    _fails(path, "uses[coking].flow_m3_per_dya", "did you mean 'flow_m3_per_day'?")


def test_negative_area(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(area_ha={2030: -5}))
    _fails(path, "uses[park].area_ha[2030]: got -5; a number ≥ 0, e.g. 0")


def test_coverage_above_one(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(coverage={2030: 1.5}))
    _fails(path, "uses[park].coverage[2030]: got 1.5; a share from 0 to 1, e.g. 0.85 or '85 %'")


def test_missing_horizon(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["horizons"] = [2030, 2035]

    result = runner.invoke(app, ["plan", "run", str(_scenario(tmp_path, edit))])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    # Every series given for 2030 only is listed: 4 of the sewage block, 14 of the uses.
    assert len(lines) == 18, lines
    assert lines[0] == (
        "error: sewage.population_1e4_persons: got [2030]; a value for every horizon; "
        "missing horizon 2035"
    )
    assert "error: uses[park].coverage: got [2030];" in result.stderr


def test_wrong_type(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(priority="first"))
    _fails(path, "uses[coking].priority: got 'first'; a whole number, e.g. 2")


def test_wrong_unit(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(flow_m3_per_day={2030: "10 L/s"}))
    _fails(path, "uses[coking].flow_m3_per_day[2030]", "'10 L/s'", "allowed: m3/d, 万m3/d")
    _fails(path, "e.g. '10 m3/d'")


def test_unknown_category(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(category="mining"))
    _fails(path, "uses[coking].category", "'mining'", "GB/T 18919")


def test_driver_without_its_rate(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][2].pop("rate_l_per_unit_day"))
    _fails(path, "uses[flushing].rate_l_per_unit_day", "None", "driver 'count' needs")


def test_malformed_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("region: {id: x\nhorizons: [2030", encoding="utf-8")
    _fails(path, "broken.yaml:", "valid YAML")


def test_missing_file(tmp_path: Path) -> None:
    _fails(tmp_path / "nowhere.yaml", "nowhere.yaml", "an existing YAML file")


def test_unknown_rounding_mode() -> None:
    _fails(EXAMPLES / "small_county.yaml", "--rounding", "'exact'", args=("--rounding", "exact"))


def test_unknown_uncertain_input(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["uncertainty"] = [
            {"path": "uses.prak.rate_l_per_m2_day", "kind": "uniform", "low": 1, "high": 2}
        ]

    path = _scenario(tmp_path, edit)
    result = runner.invoke(app, ["plan", "sensitivity", str(path), "-n", "10"])
    assert result.exit_code == 2
    assert "uncertainty.path" in result.stderr and "uses.prak.rate_l_per_m2_day" in result.stderr
    assert "nearest valid path: uses.park.rate_l_per_m2_day" in result.stderr


@pytest.mark.parametrize("samples", ["0", "-3"])
def test_sensitivity_needs_samples(samples: str) -> None:
    result = runner.invoke(
        app, ["plan", "sensitivity", str(EXAMPLES / "small_county.yaml"), "-n", samples]
    )
    assert result.exit_code == 2
    assert "--samples" in result.stderr and samples in result.stderr


def test_rate_outside_the_published_range_is_noted(tmp_path: Path) -> None:
    """GB 50013-2018 §4.0.4 gives 1.0–3.0 L/(m²·d) for green irrigation."""
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(rate_l_per_m2_day=4.5))
    result = runner.invoke(app, ["plan", "run", str(path), "--json"])
    assert result.exit_code == 0
    assert "uses[park].rate_l_per_m2_day: 4.5 is outside 1–3" in result.stderr
    inside = runner.invoke(app, ["plan", "run", str(EXAMPLES / "small_county.yaml"), "--json"])
    assert "note:" not in inside.stderr


def _three_mistakes(d: dict) -> None:
    """A misspelt required key, a rate below 0 and a driver that does not exist."""
    uses = {use["id"]: use for use in d["uses"]}
    uses["coking"]["nmae_en"] = uses["coking"].pop("name_en")
    uses["park"]["rate_l_per_m2_day"] = -1.5
    uses["lake"]["driver"] = "areaa"


THREE_MISTAKES = [
    "uses[coking].nmae_en: got 'coking plant'; unknown field; did you mean 'name_en'? "
    "(required, missing)",
    "uses[park].rate_l_per_m2_day: got -1.5; a number ≥ 0, e.g. 0",
    "uses[lake].driver: got 'areaa'; one of flow, area, count, population, volume_exchange, "
    "evaporation_seepage; did you mean 'area'?",
]


def test_every_error_of_a_file_at_once_named_by_id(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "run", str(_scenario(tmp_path, _three_mistakes))])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {line}" for line in THREE_MISTAKES]


def test_json_lists_the_same_errors(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "run", str(_scenario(tmp_path, _three_mistakes)), "--json"]
    )
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["error"] == "invalid_input"
    assert [f"{e['field']}: got {e['value']!r}; {e['allowed']}" for e in body["errors"]] == (
        THREE_MISTAKES
    )


def test_a_value_fitting_no_form_lists_the_forms(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(rate_l_per_m2_day=[1, 2]))
    _fails(
        path,
        "uses[park].rate_l_per_m2_day: got [1, 2]; a number, e.g. 1.5 or one value per horizon, "
        "e.g. {2030: 1.5}",
    )


def test_blocks_that_disagree_are_listed_together(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["uses"][0]["plant"] = "nowhere"
        d["pipes"][1]["phase"] = 2031

    result = runner.invoke(app, ["plan", "run", str(_scenario(tmp_path, edit))])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: pipes[b].phase: got 2031; one of [2030]",
        "error: uses[coking].plant: got 'nowhere'; one of ['wwtp']",
    ]


def test_the_broken_example_lists_each_marked_mistake() -> None:
    """examples/broken_scenario.yaml marks five mistakes with a comment: all five are listed."""
    path = EXAMPLES / "broken_scenario.yaml"
    marked = path.read_text(encoding="utf-8").count("  # ")
    result = runner.invoke(app, ["plan", "run", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == marked == 5
    fields = [line.removeprefix("error: ").split(": got")[0] for line in lines]
    assert fields == [
        "uses[coking].nmae_en",
        "uses[park].coverage[2030]",
        "uses[road].rate_l_per_m2_day",
        "uses[flushing].driver",
        "uses[recharge].flow_m3_per_day[2030]",
    ]


def test_a_missing_required_key_says_what_it_takes(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        del d["uses"][1]["priority"]
        del d["uses"][2]["driver"]

    result = runner.invoke(app, ["plan", "run", str(_scenario(tmp_path, edit))])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: uses[park].priority: got None; required field is missing: a whole number, e.g. 2",
        "error: uses[flushing].driver: got None; required field is missing: one of flow, area, "
        "count, population, volume_exchange, evaporation_seepage",
    ]


def test_checks_between_blocks_are_listed_with_the_field_errors(tmp_path: Path) -> None:
    """A wrong field and two blocks that disagree: all three in one run. The pump station that
    serves the park (whose own field is wrong) is not reported: that would only echo it."""

    def edit(d: dict) -> None:
        d["uses"][1]["area_ha"] = {2030: -5}  # park
        d["uses"][0]["plant"] = "nowhere"  # coking
        d["pipes"][1]["phase"] = 2031
        d["pump_stations"][0]["serves"] = ["coking", "park"]

    result = runner.invoke(app, ["plan", "run", str(_scenario(tmp_path, edit))])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: uses[park].area_ha[2030]: got -5; a number ≥ 0, e.g. 0",
        "error: pipes[b].phase: got 2031; one of [2030]",
        "error: uses[coking].plant: got 'nowhere'; one of ['wwtp']",
    ]


def test_a_category_that_is_not_text_is_one_error(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(category={"x": 1}))
    _fails(path, "uses[coking].category: got '{…}'; text, e.g. 'park irrigation'")
