"""The planning engine through the live API: runs queued outside the request, private, bounded.

Every test runs against uvicorn on loopback, over SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from reclaim.service.limits import PLAN_COUNT_LIMITS
from tests.market.helpers import Api, snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shuozhou.yaml"
SHUOZHOU_2025_DEMAND_1E4_M3 = 1661.32  # seed 001 §4.2 利用率表: 2025 年需水量 1661.32 万 m³
POLL_S = 60


def scenario() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def finished(api: Api, url: str, who: str) -> dict[str, Any]:
    """Read a run until the engine has finished it."""
    deadline = time.monotonic() + POLL_S
    while time.monotonic() < deadline:
        run: dict[str, Any] = api.ok(api.get(url, who), 200)
        if run["state"] != "queued":
            return run
        time.sleep(0.05)
    raise AssertionError(f"{url} still queued after {POLL_S} s")


def two_regions(api: Api) -> tuple[int, int]:
    """Shuozhou and Lingshi, each with its own water bureau (a regulator) and a seller."""
    ids = []
    for code, name in (("shuozhou", "朔州"), ("lingshi", "灵石")):
        region = api.ok(api.post("/regions", "admin", {"code": code, "name": name}))
        api.region_id = region["id"]
        api.add_party(f"{code}_bureau", "regulator", by="admin")
        api.assign(f"{code}_bureau", region["id"])
        api.add_party(f"{code}_seller", "seller", by="admin")
        ids.append(region["id"])
    return ids[0], ids[1]


def post_run(api: Api, who: str, body: Any, **params: Any) -> httpx.Response:
    return api.client.post("/plans/run", params=params, json=body, headers=api.headers(who))  # type: ignore[no-any-return]


def test_a_run_is_queued_then_computed_outside_the_request(live_api: Api) -> None:
    api = live_api
    shuozhou, _ = two_regions(api)
    accepted = post_run(api, "shuozhou_bureau", scenario(), region_id=shuozhou)
    assert accepted.status_code == 202, accepted.text
    queued = accepted.json()
    assert queued["state"] == "queued" and queued["result"] is None
    assert accepted.headers["Location"] == queued["status_url"] == f"/plans/{queued['id']}"
    run = finished(api, queued["status_url"], "shuozhou_bureau")
    assert run["state"] == "done", run
    demand = run["result"]["2025"]["demand"]["total_1e4_m3_per_year"]
    assert round(demand, 2) == SHUOZHOU_2025_DEMAND_1E4_M3
    assert run["region_id"] == shuozhou and run["finished_at"] is not None


def test_a_run_is_private_to_its_author_and_its_regions_regulators(live_api: Api) -> None:
    api = live_api
    shuozhou, lingshi = two_regions(api)
    seller_run = api.ok(post_run(api, "shuozhou_seller", scenario(), region_id=shuozhou), 202)
    bureau_run = api.ok(post_run(api, "shuozhou_bureau", scenario()), 202)
    url = seller_run["status_url"]
    assert api.get(url, "shuozhou_seller").status_code == 200  # the author
    assert api.get(url, "shuozhou_bureau").status_code == 200  # the region's regulator
    for outsider in ("lingshi_bureau", "lingshi_seller", "regulator"):
        refused = api.get(url, outsider)
        assert refused.status_code == 404, (outsider, refused.text)
        assert refused.json()["field"] == "run_id"
    # a run without a region is its author's alone, even to the regulators of the author's region
    assert api.get(bureau_run["status_url"], "shuozhou_seller").status_code == 404
    assert api.get(bureau_run["status_url"], "lingshi_bureau").status_code == 404
    assert api.get(bureau_run["status_url"], "shuozhou_bureau").status_code == 200
    for who in ("shuozhou_seller", "shuozhou_bureau"):
        finished(api, f"/plans/{seller_run['id']}", who)
    finished(api, bureau_run["status_url"], "shuozhou_bureau")
    assert lingshi != shuozhou


def test_no_party_attaches_a_run_to_a_region_it_does_not_act_in(live_api: Api) -> None:
    api = live_api
    shuozhou, lingshi = two_regions(api)
    before = snapshot(api.db)
    for who, region in (
        ("shuozhou_bureau", lingshi),
        ("lingshi_seller", shuozhou),
        ("regulator", shuozhou),  # a regulator of no region
    ):
        refused = post_run(api, who, scenario(), region_id=region)
        assert refused.status_code == 403, (who, refused.text)
        assert refused.json()["field"] == "region_id" and refused.json()["value"] == region
    unknown = post_run(api, "shuozhou_bureau", scenario(), region_id=77)
    assert unknown.status_code == 404 and unknown.json()["field"] == "region_id"
    assert snapshot(api.db) == before


def test_bad_or_oversized_scenarios_are_refused_and_nothing_is_kept(live_api: Api) -> None:
    api = live_api
    two_regions(api)
    before = snapshot(api.db)
    broken = scenario()
    broken["horizons"] = []
    refused = post_run(api, "shuozhou_bureau", broken)
    assert refused.status_code == 422 and refused.json()["field"] == "horizons"
    # one pipe more than a plan run takes (the audit compares pipe rows with each other)
    many = scenario()
    template = many["pipes"][0]
    many["pipes"] = [
        {**template, "id": f"p{i}", "length_m": 100 + i}
        for i in range(PLAN_COUNT_LIMITS["pipes"] + 1)
    ]
    too_many = post_run(api, "shuozhou_bureau", many)
    assert too_many.status_code == 422, too_many.text
    problem = {
        "field": "pipes",
        "value": f"{PLAN_COUNT_LIMITS['pipes'] + 1} items",
        "reason": f"at most {PLAN_COUNT_LIMITS['pipes']} items in a plan run",
        "code": "wrong_length",
    }
    assert too_many.json() == {"error": "invalid_input", **problem, "errors": [problem]}
    deep = scenario()
    deep["region"] = {"name_zh": {}}
    for _ in range(500):  # the scenario's own checks recurse: depth is refused before them
        deep["region"] = {"name_zh": deep["region"]}
    nested = post_run(api, "shuozhou_bureau", deep)
    assert nested.status_code == 422, nested.text
    assert nested.json()["field"] == "body" and len(nested.content) < 1000
    assert api.client.post("/plans/run", json=scenario()).status_code == 401
    assert api.get("/plans/1", "shuozhou_bureau").status_code == 404
    assert snapshot(api.db) == before


def test_a_run_carries_the_notes_on_its_scenario(live_api: Api) -> None:
    """A population in persons where 万人 is expected (580 000 for Shuozhou's 58 万) is kept
    but noted, naming the field, as on the command line."""
    api = live_api
    two_regions(api)
    data = scenario()
    data["sewage"]["population_1e4_persons"] = {2025: 580_000, 2030: 65}
    noted = api.ok(post_run(api, "shuozhou_bureau", data), 202)
    plain = api.ok(post_run(api, "shuozhou_bureau", scenario()), 202)
    notes = finished(api, noted["status_url"], "shuozhou_bureau")["result"]["notes"]
    assert any("population_1e4_persons[2025]" in note for note in notes)
    assert finished(api, plain["status_url"], "shuozhou_bureau")["result"]["notes"] == []


def test_a_scenario_the_engine_refuses_ends_failed_with_the_reason(live_api: Api) -> None:
    """A published figure key the engine does not compute is found by the audit, after the 202:
    the run ends `failed`, its error naming the field, the value and the nearest valid key."""
    api = live_api
    two_regions(api)
    data = scenario()
    data["published"][0]["figure"] = "2025.demand.by_use.gren.m3_per_day"
    queued = api.ok(post_run(api, "shuozhou_bureau", data), 202)
    run = finished(api, queued["status_url"], "shuozhou_bureau")
    assert run["state"] == "failed" and run["result"] is None
    assert run["error"]["field"] == "published[0].figure"
    assert run["error"]["value"] == "2025.demand.by_use.gren.m3_per_day"
    assert "2025.demand.by_use.green.m3_per_day" in run["error"]["reason"]
