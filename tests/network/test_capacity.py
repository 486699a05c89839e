"""A pump station's size means one thing to planning and to the network (issue 11).

A one-user network: plant clear well → station → 2 km of DN300 → an industrial user of
5000 m³/d max day, peak-hour factor 1.3. Worked by hand: the station must pump
5000 × 1.3 / 24 = 270.83 m³/h at the peak hour (seed 001 §4.3.1: 泵站规模按最高日最大时流量计算).
"""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

import pytest

from reclaim.io.scenario_file import scenario_from_dict
from reclaim.network.checks import peak_hour
from reclaim.network.engine import EpanetProject
from reclaim.network.model import build_network, inp_text
from reclaim.planning.engine import run_plan
from reclaim.planning.scenario import RenamedFieldWarning, Scenario

USER_M3_PER_DAY = 5000.0
PEAK_FACTOR = 1.3
NEEDED_M3_PER_HOUR = USER_M3_PER_DAY * PEAK_FACTOR / 24  # 270.833…

BASE: dict[str, Any] = {
    "region": {"id": "one-user", "name_zh": "单用户", "name_en": "one user", "illustrative": True},
    "horizons": [2030],
    "sewage": {
        "population_1e4_persons": {2030: 10},
        "domestic_l_per_person_day": {2030: 120},
        "industrial_land_ha": {2030: 0},
        "industrial_index_m3_per_km2_day": {2030: 0},
        "discharge_factor_domestic": 0.9,
        "discharge_factor_industrial": 0.65,
        "unforeseen_factor": 0.1,
    },
    "uses": [
        {
            "id": "plant_user",
            "category": "industrial",
            "name_zh": "工业用户",
            "name_en": "industrial user",
            "driver": "flow",
            "priority": 1,
            "flow_m3_per_day": {2030: USER_M3_PER_DAY},
        }
    ],
    "plants": [
        {"id": "wwtp", "name_zh": "厂", "name_en": "plant", "reclaimed_capacity_m3_per_day": 20000}
    ],
    "peak_hour_factor": PEAK_FACTOR,
    "pump_stations": [
        {
            "id": "station",
            "name_zh": "泵站",
            "name_en": "station",
            "plant": "wwtp",
            "head_m": 40,
            "serves": ["plant_user"],
        }
    ],
    "pipes": [{"id": "main", "road": "路", "dn_mm": 300, "length_m": 2000, "phase": 2030}],
    "network": {
        "nodes": [
            {"id": "S", "elevation_m": 100},
            {"id": "U", "elevation_m": 100, "demands": [{"use": "plant_user", "share": 1}]},
        ],
        "links": [{"pipe": "main", "from_node": "S", "to_node": "U"}],
        "sources": [{"plant": "wwtp", "pump_station": "station", "node": "S"}],
    },
}


def _scenario(capacity: dict[str, Any]) -> Any:
    raw = copy.deepcopy(BASE)
    raw["pump_stations"][0].update(capacity)
    return scenario_from_dict(raw)


def _verdicts(scenario: Any) -> tuple[bool, float, float]:
    """Planning's adequacy verdict, and the network's pump flow and rated (design) flow, m³/h."""
    station = run_plan(scenario).figures.to_json()["2030"]["pump_stations"]["station"]
    built = build_network(scenario, 2030, pump_efficiency=0.75)
    with EpanetProject(inp_text(built.model)) as project:
        solution = peak_hour(project, 15.0, required_pressure_m=10.0).solution
        pump = project.topology.link_index("station")
        rated_m3_per_s = float(project.pump_curve(pump)[0][0])
    return (
        station["adequate"],
        float(solution.flow_m3_per_s[pump]) * 3600,
        rated_m3_per_s * 3600,
    )


@pytest.mark.parametrize(
    "capacity",
    [
        {"capacity_peak_hour_m3_per_hour": {2030: 0.99 * NEEDED_M3_PER_HOUR}},
        {"capacity_peak_hour_m3_per_hour": {2030: 1.01 * NEEDED_M3_PER_HOUR}},
        {"capacity_peak_hour_m3_per_hour": {2030: "6435 m3/d"}},  # 268.1 m³/h: 1 % short
        {"capacity_max_day_m3_per_day": {2030: 0.99 * USER_M3_PER_DAY}},
        {"capacity_max_day_m3_per_day": {2030: 1.01 * USER_M3_PER_DAY}},
    ],
)
def test_planning_adequacy_and_network_operating_point_agree(capacity: dict[str, Any]) -> None:
    adequate, pumped_m3_per_hour, rated_m3_per_hour = _verdicts(_scenario(capacity))
    # The network pumps what the user draws at the peak hour, whatever the pump's rating.
    assert pumped_m3_per_hour == pytest.approx(NEEDED_M3_PER_HOUR, rel=1e-6)
    # The rating is the station's size read as a peak-hour rate, worked here by hand.
    ((name, given),) = capacity.items()
    value = given[2030]
    if name == "capacity_max_day_m3_per_day":
        expected_rating = value * PEAK_FACTOR / 24
    elif isinstance(value, str):
        expected_rating = 6435 / 24
    else:
        expected_rating = value
    assert rated_m3_per_hour == pytest.approx(expected_rating, rel=1e-6)  # via .inp text
    # One verdict: adequate exactly when the pump runs at or inside its rated flow.
    assert adequate == (expected_rating >= NEEDED_M3_PER_HOUR)
    assert adequate == (pumped_m3_per_hour <= rated_m3_per_hour)


def test_the_old_field_name_is_read_with_a_warning_naming_the_new_one() -> None:
    raw = copy.deepcopy(BASE)
    raw["pump_stations"][0]["capacity_m3_per_day"] = {2030: 6435}
    notes: list[str] = []
    old = scenario_from_dict(raw, notes=notes)
    (note,) = notes
    assert "'capacity_m3_per_day' is renamed 'capacity_peak_hour_m3_per_hour'" in note
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = _scenario({"capacity_peak_hour_m3_per_hour": {2030: "6435 m3/d"}})
    # Read outside the file reader (no notes list), the rename is a warning.
    with pytest.warns(RenamedFieldWarning, match="capacity_peak_hour_m3_per_hour"):
        Scenario.model_validate(raw)
    # Planning read the old field as the peak-hour rate written per day: the same station.
    assert old.pump_stations[0] == new.pump_stations[0]
    assert run_plan(old).figures.to_json() == run_plan(new).figures.to_json()


def test_a_stored_plan_run_with_the_old_name_stays_readable() -> None:
    """A plan run kept by the service stores its scenario as JSON (years as strings)."""
    raw = copy.deepcopy(BASE)
    raw["pump_stations"][0]["capacity_m3_per_day"] = {2030: "6435 m3/d"}
    stored = json.loads(json.dumps(raw))
    notes: list[str] = []
    scenario = scenario_from_dict(stored, notes=notes)
    assert any("capacity_peak_hour_m3_per_hour" in note for note in notes)
    station = run_plan(scenario).figures.to_json()["2030"]["pump_stations"]["station"]
    assert station["capacity_peak_hour_m3_per_hour"] == pytest.approx(6435 / 24)
    assert station["adequate"] is False  # 268.1 < 270.8 m³/h


@pytest.mark.parametrize(
    ("capacity", "reason"),
    [
        ({}, "exactly one of"),
        (
            {
                "capacity_peak_hour_m3_per_hour": {2030: 300},
                "capacity_max_day_m3_per_day": {2030: 5000},
            },
            "exactly one of",
        ),
        (
            {"capacity_m3_per_day": {2030: 1}, "capacity_peak_hour_m3_per_hour": {2030: 300}},
            "which is also given; keep .capacity_peak_hour_m3_per_hour.",
        ),
        ({"capacity_peak_hour_m3_per_hour": {2030: "300 m2"}}, "does not fit"),
    ],
)
def test_a_capacity_given_twice_or_not_at_all_is_refused(
    capacity: dict[str, Any], reason: str
) -> None:
    from reclaim.errors import InputError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenamedFieldWarning)
        with pytest.raises(InputError, match=reason) as error:
            _scenario(capacity)
    assert "pump_stations" in error.value.field
