"""The planning engine's results through the API, kept against a region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.market.helpers import Api, snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shuozhou.yaml"
SHUOZHOU_2025_DEMAND_1E4_M3 = 1661.32  # seed 001 §4.2 利用率表: 2025 年需水量 1661.32 万 m³


def scenario() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def test_run_a_plan_and_read_it_back(api: Api) -> None:
    region = api.add_region("shuozhou", "朔州")
    run = api.ok(
        api.client.post(
            "/plans/run",
            params={"region_id": region["id"]},
            json=scenario(),
            headers=api.headers("regulator"),
        )
    )
    demand = run["result"]["2025"]["demand"]["total_1e4_m3_per_year"]
    assert round(demand, 2) == SHUOZHOU_2025_DEMAND_1E4_M3
    assert run["region_id"] == region["id"]
    assert api.ok(api.get(f"/plans/{run['id']}", "regulator"), 200) == run


def test_bad_scenarios_are_refused_and_nothing_is_kept(api: Api) -> None:
    before = snapshot(api.db)
    broken = scenario()
    broken["horizons"] = []
    refused = api.post("/plans/run", "regulator", broken)
    assert refused.status_code == 422 and refused.json()["field"] == "horizons"
    unknown = api.client.post(
        "/plans/run", params={"region_id": 77}, json=scenario(), headers=api.headers("regulator")
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "region_id"
    assert api.client.post("/plans/run", json=scenario()).status_code == 401
    assert api.get("/plans/1", "regulator").status_code == 404
    assert snapshot(api.db) == before


def test_a_run_carries_the_notes_on_its_scenario(api: Api) -> None:
    """A population in persons where 万人 is expected (580 000 for Shuozhou's 58 万) is kept
    but noted, naming the field, as on the command line."""
    data = scenario()
    data["sewage"]["population_1e4_persons"] = {2025: 580_000, 2030: 65}
    run = api.ok(api.post("/plans/run", "regulator", data))
    assert any("population_1e4_persons[2025]" in note for note in run["result"]["notes"])
    assert api.ok(api.post("/plans/run", "regulator", scenario()))["result"]["notes"] == []


def test_a_misspelt_published_key_is_refused_and_nothing_kept(api: Api) -> None:
    before = snapshot(api.db)
    data = scenario()
    data["published"][0]["figure"] = "2025.demand.by_use.gren.m3_per_day"
    refused = api.post("/plans/run", "regulator", data)
    assert refused.status_code == 422
    body = refused.json()
    assert body["field"] == "published[0].figure"
    assert "2025.demand.by_use.green.m3_per_day" in body["reason"]
    assert snapshot(api.db) == before
