"""Bad input gives one clear error naming the element, never a hang or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reclaim.errors import InputError
from reclaim.io.network_files import open_inp
from reclaim.io.scenario_file import load_scenario
from reclaim.network.engine import EngineError, EpanetProject
from reclaim.network.model import build_network
from tests.network.conftest import HAND_INP
from tests.network.test_shuozhou import SHUOZHOU


def _inp(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.inp"
    path.write_text(text, encoding="utf-8")
    return path


def test_nodes_cut_off_from_every_source_are_named(tmp_path: Path) -> None:
    # EPANET opens the file, then cannot solve it (error 110): the error names the island.
    island = HAND_INP.replace("[RESERVOIRS]", "N5 130 1\nN6 130 1\n[RESERVOIRS]").replace(
        "[PUMPS]", "P6 N5 N6 100 100 100\n[PUMPS]"
    )
    with open_inp(_inp(tmp_path, island)) as project, pytest.raises(EngineError) as error:
        project.solve()
    assert error.value.code == 110
    assert "2 node(s) reach no reservoir or tank through any link: N5, N6" in str(error.value)
    # A junction without any link: EPANET refuses it itself (error 234 names it).
    lonely = HAND_INP.replace("[RESERVOIRS]", "N7 130 1\n[RESERVOIRS]")
    with pytest.raises(EngineError, match=r"network has an unconnected node with ID:\s+N7"):
        open_inp(_inp(tmp_path, lonely))


def test_network_epanet_cannot_solve_gives_its_code_and_the_element() -> None:
    # A head curve rising with flow is invalid (EPANET error 227, then 110 "cannot solve"): the
    # error names the pump EPANET names, at the line that defines it.
    rising = HAND_INP.replace("C1 0 80\nC1 100 60\nC1 200 0", "C1 0 10\nC1 100 60\nC1 200 80")
    with pytest.raises(EngineError) as error, EpanetProject(rising) as project:
        project.solve()
    line = next(n for n, row in enumerate(rising.splitlines(), 1) if row.startswith("PU "))
    assert error.value.code == 227
    assert str(error.value) == (
        f"network:{line} [PUMPS] PU: got 'EPANET error 227'; invalid head curve for pump PU"
    )


def test_trial_limit_ends_an_unbalanced_solve_with_an_error() -> None:
    one_trial = HAND_INP.replace("Trials 200", "Trials 1")
    with EpanetProject(one_trial) as project, pytest.raises(EngineError, match="within 1 trials"):
        project.solve()


@pytest.fixture
def shuozhou_raw() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(SHUOZHOU.read_text(encoding="utf-8"))


def _scenario(tmp_path: Path, raw: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_scenario_negative_dn_names_the_pipe(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    shuozhou_raw["pipes"][11]["dn_mm"] = -100
    with pytest.raises(InputError) as error:
        load_scenario(_scenario(tmp_path, shuozhou_raw))
    assert str(error.value).startswith("pipes[p12].dn_mm: got -100;")  # named by id


def test_scenario_unknown_node_in_a_link(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    links = shuozhou_raw["network"]["links"]
    index = next(i for i, link in enumerate(links) if link["pipe"] == "p02")
    links[index]["to_node"] = "NOWHERE"
    scenario = load_scenario(_scenario(tmp_path, shuozhou_raw))
    with pytest.raises(InputError, match=rf"network.links\[{index}\] \(pipe p02\): got 'NOWHERE'"):
        build_network(scenario, 2030, pump_efficiency=0.75)


def test_scenario_shares_must_sum_to_one(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    shuozhou_raw["network"]["nodes"][8]["demands"][0]["share"] = 0.2  # node A, green
    scenario = load_scenario(_scenario(tmp_path, shuozhou_raw))
    with pytest.raises(InputError, match=r"use green\): got 'shares sum to 1.1'"):
        build_network(scenario, 2030, pump_efficiency=0.75)


def test_scenario_island_is_named(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    # Cut X off: its only pipe p23 now joins it to a new node with no other pipe.
    shuozhou_raw["network"]["nodes"].append({"id": "Z", "elevation_m": 1090})
    for link in shuozhou_raw["network"]["links"]:
        if link["pipe"] == "p23":
            link["from_node"] = "Z"
    scenario = load_scenario(_scenario(tmp_path, shuozhou_raw))
    with pytest.raises(InputError, match=r"node X: got 'disconnected'"):
        build_network(scenario, 2030, pump_efficiency=0.75)


def test_scenario_without_network_block(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    del shuozhou_raw["network"]
    scenario = load_scenario(_scenario(tmp_path, shuozhou_raw))
    with pytest.raises(InputError, match="needs a network block"):
        build_network(scenario, pump_efficiency=0.75)


def test_unknown_pipe_in_an_accident_check(hand_inp: Path) -> None:
    from reclaim.network.checks import accident

    with (
        open_inp(hand_inp) as project,
        pytest.raises(InputError, match=r"pipe: got 'P99'; not a link"),
    ):
        accident(project, "P99", 15.0, required_pressure_m=10.0, flow_fraction=0.7)


def test_tank_level_out_of_order_names_the_field(tmp_path: Path, shuozhou_raw: dict) -> None:  # type: ignore[type-arg]
    shuozhou_raw["network"]["tanks"] = [
        {"id": "TK", "elevation_m": 1120, "init_level_m": 9, "max_level_m": 6, "diameter_m": 20}
    ]
    with pytest.raises(InputError, match=r"network.tanks\[TK\].init_level_m: got 9"):
        load_scenario(_scenario(tmp_path, shuozhou_raw))


def test_engine_reports_epanets_own_detail_naming_the_element() -> None:
    # .inp text straight to the engine: EPANET's report names the code, section and element,
    # and the engine finds the line it echoes.
    text = HAND_INP.replace("P5 N3 N4 700 150 100", "P5 N3 N9 700 150 100")
    with pytest.raises(EngineError) as error:
        EpanetProject(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("P5 "))
    assert error.value.code == 203
    assert str(error.value) == (
        f"network:{line} [PIPES] P5: got 'EPANET error 203'; undefined node N9"
    )
