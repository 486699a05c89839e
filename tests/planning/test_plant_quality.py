"""Plants with an effluent profile: the plan carries which uses each may serve."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.io.quality_files import load_catalogue, load_profile, load_standards
from reclaim.quality.evaluate import fitness_matrix
from reclaim.quality.standards import latest_editions

from .conftest import EXAMPLES
from .test_bad_input import _fails, _scenario

runner = CliRunner()


def test_plan_json_carries_the_fitness_of_each_profiled_plant() -> None:
    result = runner.invoke(app, ["plan", "run", str(EXAMPLES / "shuozhou.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    fitness = json.loads(result.stdout)["plants_fitness"]
    assert set(fitness) == {"plant1", "plant2", "plant3"}
    catalogue = load_catalogue()
    expected = fitness_matrix(
        load_profile("shuozhou_design_effluent", catalogue),
        latest_editions(load_standards((), catalogue)),
    ).to_dict()
    assert fitness["plant1"]["uses"] == expected["uses"]


def test_plan_without_profiles_has_no_fitness_block() -> None:
    result = runner.invoke(app, ["plan", "run", str(EXAMPLES / "small_county.yaml"), "--json"])
    assert "plants_fitness" not in json.loads(result.stdout)


def test_unknown_profile_names_the_plant(tmp_path: Path) -> None:
    path = _scenario(tmp_path, lambda d: d["plants"][0].update(effluent_profile="nowhere"))
    _fails(path, "plants[0].effluent_profile", "'nowhere'", "shuozhou_design_effluent")
