"""Bad scenario input: one line naming the field path, the value and what is allowed; exit 2."""

from __future__ import annotations

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
    _fails(path, "uses[1].area_m2", "unknown field")
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(flow_m3_per_dya={2030: 1}))
    _fails(path, "uses[0].flow_m3_per_dya", "nearest valid field: flow_m3_per_day")


def test_negative_area(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(area_ha={2030: -5}))
    _fails(path, "uses[1].area_ha[2030]", "-5", "greater than or equal to 0")


def test_coverage_above_one(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][1].update(coverage={2030: 1.5}))
    _fails(path, "uses[1].coverage[2030]", "1.5", "less than or equal to 1")


def test_missing_horizon(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["horizons"] = [2030, 2035]

    _fails(_scenario(tmp_path, edit), "sewage.population_1e4_persons", "missing horizon 2035")


def test_wrong_type(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(priority="first"))
    _fails(path, "uses[0].priority", "'first'", "integer")


def test_wrong_unit(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(flow_m3_per_day={2030: "10 L/s"}))
    _fails(path, "uses[0].flow_m3_per_day[2030]", "'10 L/s'", "allowed: m3/d, 万m3/d")


def test_unknown_category(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][0].update(category="mining"))
    _fails(path, "uses[0].category", "'mining'", "GB/T 18919")


def test_driver_without_its_rate(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["uses"][2].pop("rate_l_per_unit_day"))
    _fails(path, "uses[2].rate_l_per_unit_day", "None", "driver 'count' needs")


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
    assert "uses[1].rate_l_per_m2_day: 4.5 is outside 1–3" in result.stderr
    inside = runner.invoke(app, ["plan", "run", str(EXAMPLES / "small_county.yaml"), "--json"])
    assert "note:" not in inside.stderr
