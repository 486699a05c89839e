"""Meters over HTTP, on SQLite and PostgreSQL: a network operator registers devices and sensors,
devices send JSON or CSV batches for their own sensors only, duplicates are counted, late
readings change the aggregates, quarantined readings are replayed once the registration is
fixed, and a DMA with an open boundary is refused naming the unmetered links.

Figures are worked by hand in the comments; the region's time zone is Asia/Shanghai (UTC+8).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.market.helpers import Api

LOCAL_8 = "2021-08-10T08:{minute:02d}:00+08:00"
"""Readings stamped in the region's 08:00–09:00 hour (00:00–01:00 UTC), before the test clock
(2021-08-10 09:00 UTC)."""


def at(minute: int) -> str:
    return LOCAL_8.format(minute=minute)


@pytest.fixture
def net(api: Api) -> dict[str, Any]:
    """Region r with its network operator `net`, devices dev-1 (P1, T1) and dev-2 (P2); region
    s with its own network operator `net_s`."""
    region = api.add_region("r", "R")["id"]
    api.add_party("net", "network_operator", by="admin", region_id=region)
    api.add_party("bystander", "buyer", by="regulator", use_class="industrial")
    other = api.add_region("s", "S")["id"]
    api.add_party("net_s", "network_operator", by="admin", region_id=other)
    tokens = {}
    for code in ("dev-1", "dev-2"):
        device = api.ok(api.post(f"/regions/{region}/devices", "net", {"code": code}))
        assert device["token"].startswith("dev_")
        tokens[code] = device["token"]
    for code, kind, device in (
        ("P1", "pressure", "dev-1"),
        ("T1", "volume_totaliser", "dev-1"),
        ("P2", "pressure", "dev-2"),
    ):
        api.ok(api.post(f"/regions/{region}/sensors", "net", sensor(code, kind, device)))
    return {"region": region, "other": other, "tokens": tokens}


def sensor(code: str, kind: str, device: str | None = None, ref: str = "J1") -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "valid_min": 0,
        "valid_max": 1e6 if kind == "volume_totaliser" else 100,
        "interval_s": 300,
        "level": "二级",
        "attachment": {"kind": "node", "ref": ref},
        "device": device,
    }


def send(api: Api, region: int, token: str, body: Any, csv: bool = False) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if csv:
        headers["Content-Type"] = "text/csv"
        return api.client.post(f"/regions/{region}/readings", content=body, headers=headers)
    return api.client.post(f"/regions/{region}/readings", json=body, headers=headers)


def readings(api: Api, region: int, code: str, who: str = "net") -> list[tuple[str, float]]:
    response = api.get(
        f"/regions/{region}/readings", who, sensor=code, start=at(0), end=at(59) + ""
    )
    return [(row["ts"], row["value"]) for row in api.ok(response, 200)]


def test_batches_are_stored_once_from_json_and_csv(api: Api, net: dict[str, Any]) -> None:
    region, token = net["region"], net["tokens"]["dev-1"]
    body = [
        {"sensor_id": "P1", "ts": at(0), "value": 20.0, "unit": "m"},
        {"sensor_id": "P1", "ts": at(5), "value": 0.21, "unit": "MPa"},  # 21 m
        {"sensor_id": "P1", "ts": at(0), "value": 20.0, "unit": "m"},  # resent within the batch
    ]
    first = api.ok(send(api, region, token, body), 200)
    assert (first["accepted"], first["duplicates"], first["quarantined"]) == (2, 1, 0)
    csv = f"sensor_id,ts,value,unit\nP1,{at(0)},20,m\nP1,{at(10)},22,m\n"
    second = api.ok(send(api, region, token, csv, csv=True), 200)
    assert (second["accepted"], second["duplicates"]) == (1, 1)
    assert [v for _, v in readings(api, region, "P1")] == pytest.approx([20.0, 21.0, 22.0])


def test_a_device_writes_only_its_own_sensors(api: Api, net: dict[str, Any]) -> None:
    region, tokens = net["region"], net["tokens"]
    body = [
        {"sensor_id": "P1", "ts": at(0), "value": 20.0, "unit": "m"},
        {"sensor_id": "P2", "ts": at(0), "value": 20.0, "unit": "m"},
    ]
    refused = send(api, region, tokens["dev-1"], body)
    assert refused.status_code == 403
    assert (refused.json()["field"], refused.json()["value"]) == ("readings[1].sensor", "P2")
    assert readings(api, region, "P1") == []  # nothing of the batch was written
    # another region's path, and a token that is no device's
    assert send(api, net["other"], tokens["dev-1"], body[:1]).status_code == 403
    assert send(api, region, "dev_not-a-token", body[:1]).status_code == 401
    # a renewed token replaces the old one
    device_id = api.ok(api.get(f"/regions/{region}/devices", "net"), 200)[0]["id"]
    renewed = api.ok(api.post(f"/regions/{region}/devices/{device_id}/token", "net"))
    assert send(api, region, tokens["dev-1"], body[:1]).status_code == 401
    assert api.ok(send(api, region, renewed["token"], body[:1]), 200)["accepted"] == 1


def test_more_than_ten_thousand_readings_are_refused_naming_the_limit(
    api: Api, net: dict[str, Any]
) -> None:
    rows = "".join(f"P1,2021-08-10T00:00:{n % 60:02d}Z,1,m\n" for n in range(10_001))
    refused = send(
        api, net["region"], net["tokens"]["dev-1"], "sensor_id,ts,value,unit\n" + rows, csv=True
    )
    assert refused.status_code == 413
    assert refused.json()["field"] == "readings" and "10000" in refused.json()["reason"]
    assert readings(api, net["region"], "P1") == []


def test_a_body_nested_too_deep_for_the_json_parser_is_refused_naming_the_body(
    api: Api, net: dict[str, Any]
) -> None:
    # 5000 open brackets: far deeper than Python's JSON parser recurses (about 1000 levels)
    headers = {"Authorization": f"Bearer {net['tokens']['dev-1']}"}
    path = f"/regions/{net['region']}/readings"
    refused = api.client.post(path, content="[" * 5000, headers=headers)
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["code"]) == ("body", "invalid_input")
    assert readings(api, net["region"], "P1") == []


def test_quarantined_readings_keep_their_payload_and_replay(api: Api, net: dict[str, Any]) -> None:
    region, token = net["region"], net["tokens"]["dev-1"]
    body = [
        {"sensor_id": "F9", "ts": at(0), "value": 36.0, "unit": "m3/h"},  # not registered yet
        {"sensor_id": "T1", "ts": at(0), "value": 5.0, "unit": "m"},  # a length on a totaliser
    ]
    outcome = api.ok(send(api, region, token, body), 200)
    assert [(r["row"], r["reason"]) for r in outcome["refused"]] == [
        (0, "unknown_sensor"),
        (1, "wrong_unit"),
    ]
    pending = api.ok(api.get(f"/regions/{region}/quarantine", "net"), 200)
    assert [(q["payload"], q["reason"]) for q in pending] == [
        ({"sensor": "F9", "ts": at(0), "value": 36.0, "unit": "m3/h"}, "unknown_sensor"),
        ({"sensor": "T1", "ts": at(0), "value": 5.0, "unit": "m"}, "wrong_unit"),
    ]
    # F9 registered (sent by dev-1); T1 was in truth a tank level: fixed before any reading
    api.ok(api.post(f"/regions/{region}/sensors", "net", sensor("F9", "flow", "dev-1")))
    api.ok(api.send("PATCH", f"/regions/{region}/sensors/T1", "net", {"kind": "tank_level"}), 200)
    replayed = api.ok(api.post(f"/regions/{region}/quarantine/replay", "net", {}), 200)
    assert (replayed["replayed"], replayed["still_quarantined"], replayed["accepted"]) == (2, 0, 2)
    assert readings(api, region, "F9") == [("2021-08-10T00:00:00Z", 36.0)]
    assert api.ok(api.get(f"/regions/{region}/quarantine", "net"), 200) == []
    kept = api.ok(api.get(f"/regions/{region}/quarantine", "net", pending="false"), 200)
    assert len(kept) == 2 and all(q["replayed_at"] is not None for q in kept)
    # a reading already stored cannot lose its sensor's kind
    changed = api.send("PATCH", f"/regions/{region}/sensors/F9", "net", {"kind": "pressure"})
    assert changed.status_code == 409 and changed.json()["field"] == "kind"


def test_a_late_reading_recomputes_the_hourly_aggregate(api: Api, net: dict[str, Any]) -> None:
    region, token = net["region"], net["tokens"]["dev-1"]
    send(
        api,
        region,
        token,
        [
            {"sensor_id": "P1", "ts": at(m), "value": v, "unit": "m"}
            for m, v in ((0, 20.0), (30, 22.0))
        ],
    )
    query = {"sensor": "P1", "period": "1h", "start": at(0), "end": "2021-08-10T09:00:00+08:00"}
    hour = api.ok(api.get(f"/regions/{region}/aggregates", "net", **query), 200)
    # (20 + 22) / 2 = 21 over the local hour 08:00–09:00
    assert [(h["start"], h["mean"], h["n_readings"]) for h in hour] == [
        ("2021-08-10T08:00:00+08:00", 21.0, 2)
    ]
    send(api, region, token, [{"sensor_id": "P1", "ts": at(15), "value": 24.0, "unit": "m"}])
    hour = api.ok(api.get(f"/regions/{region}/aggregates", "net", **query), 200)
    # (20 + 24 + 22) / 3 = 22
    assert [(h["mean"], h["min"], h["max"], h["n_readings"]) for h in hour] == [
        (22.0, 20.0, 24.0, 3)
    ]


def test_a_totaliser_gives_the_volume_of_each_local_hour(api: Api, net: dict[str, Any]) -> None:
    region, token = net["region"], net["tokens"]["dev-1"]
    rows = [(0, 100.0), (30, 130.0)] + [(60 + m, v) for m, v in ((0, 190.0),)]
    body = [
        {
            "sensor_id": "T1",
            "ts": f"2021-08-10T{8 + m // 60:02d}:{m % 60:02d}:00+08:00",
            "value": v,
            "unit": "m3",
        }
        for m, v in rows
    ]
    assert api.ok(send(api, region, token, body), 200)["accepted"] == 3
    query = {"sensor": "T1", "period": "1h", "start": at(0), "end": "2021-08-10T09:00:00+08:00"}
    hour = api.ok(api.get(f"/regions/{region}/aggregates", "net", **query), 200)
    # register 100 m³ at 08:00 and 190 m³ at 09:00, both read exactly: 90 m³, not estimated
    assert [(h["volume_m3"], h["estimated"]) for h in hour] == [(90.0, False)]


def test_a_dma_with_an_open_boundary_is_refused_naming_the_links(
    api: Api, net: dict[str, Any]
) -> None:
    region = net["region"]
    links = [
        ("L1", "R", "A"),
        ("L2", "A", "B"),
        ("L3", "B", "C"),
        ("L4", "C", "D"),
        ("L5", "B", "E"),
    ]
    body = {"links": [{"id": i, "start": s, "end": e} for i, s, e in links]}
    assert api.ok(api.send("PUT", f"/regions/{region}/network", "net", body), 200) == {"links": 5}
    for code, link in (("M2", "L2"), ("M5", "L5")):
        meter = sensor(code, "flow") | {
            "valid_max": 500,
            "attachment": {"kind": "link", "ref": link},
        }
        api.ok(api.post(f"/regions/{region}/sensors", "net", meter))
    # DMA {L3, L4}: nodes B, C, D; L2 (A–B) and L5 (B–E) cross its boundary, L1 (R–A) does not
    dma = {"code": "d1", "name": "North", "link_ids": ["L3", "L4"], "meters": ["M2"]}
    open_boundary = api.post(f"/regions/{region}/dmas", "net", dma)
    assert open_boundary.status_code == 422
    assert (open_boundary.json()["field"], open_boundary.json()["value"]) == ("meters", '["L5"]')
    closed = api.ok(api.post(f"/regions/{region}/dmas", "net", dma | {"meters": ["M2", "M5"]}))
    assert (closed["boundary_links"], closed["meters"]) == (["L2", "L5"], ["M2", "M5"])
    listed = api.ok(api.get(f"/regions/{region}/dmas", "regulator"), 200)
    assert [(d["code"], d["boundary_links"]) for d in listed] == [("d1", ["L2", "L5"])]
    # a sensor on a link the network does not have is refused
    stray = sensor("M9", "flow") | {"attachment": {"kind": "link", "ref": "L99"}}
    refused = api.post(f"/regions/{region}/sensors", "net", stray)
    assert refused.status_code == 422 and refused.json()["field"] == "attachment.ref"


def test_wrong_side_callers_are_refused(api: Api, net: dict[str, Any]) -> None:
    region = net["region"]
    new = sensor("P7", "pressure")
    # the region's regulator reads but does not manage; another region's network operator and
    # the exchange's administrator do neither
    assert api.ok(api.get(f"/regions/{region}/sensors", "regulator"), 200)
    assert api.post(f"/regions/{region}/sensors", "regulator", new).status_code == 403
    assert api.post(f"/regions/{region}/sensors", "net_s", new).status_code == 403
    assert api.get(f"/regions/{region}/sensors", "net_s").status_code == 403
    assert api.post(f"/regions/{region}/sensors", "admin", new).status_code == 403
    # a party sees only the sensors at its own contracts' delivery points: none here
    assert api.ok(api.get(f"/regions/{region}/sensors", "bystander"), 200) == []
    hidden = api.get(
        f"/regions/{region}/readings", "bystander", sensor="P1", start=at(0), end=at(5)
    )
    assert hidden.status_code == 404
    # an account token cannot pass for a device's, nor a network operator for another region
    body = [{"sensor_id": "P1", "ts": at(0), "value": 20.0, "unit": "m"}]
    assert api.post(f"/regions/{region}/readings", "bystander", body).status_code == 403
    assert api.post(f"/regions/{region}/readings", "net_s", body).status_code == 403
    assert api.post(f"/regions/{region}/readings", None, body).status_code == 401


def test_the_regulator_sets_how_far_ahead_a_reading_may_be(api: Api, net: dict[str, Any]) -> None:
    region, token = net["region"], net["tokens"]["dev-1"]
    assert api.ok(api.get(f"/regions/{region}"), 200)["reading_future_tolerance_s"] == 300
    changed = api.send(
        "PATCH", f"/regions/{region}", "regulator", {"reading_future_tolerance_s": 30}
    )
    assert api.ok(changed, 200)["reading_future_tolerance_s"] == 30
    # the test clock stands at 09:00 UTC: 09:00:31 is 31 s ahead, beyond 30 s
    ahead = [{"sensor_id": "P1", "ts": "2021-08-10T09:00:31Z", "value": 20.0, "unit": "m"}]
    outcome = api.ok(send(api, region, token, ahead), 200)
    assert [(r["field"], r["reason"]) for r in outcome["refused"]] == [("ts", "future_timestamp")]


def test_each_batch_is_logged_with_the_device_that_sent_it(api: Api, net: dict[str, Any]) -> None:
    from sqlalchemy import select

    from reclaim.store.models import ActionLog

    region, token = net["region"], net["tokens"]["dev-1"]
    body = [{"sensor_id": "P1", "ts": at(0), "value": 20.0, "unit": "m"}]
    api.ok(send(api, region, token, body), 200)
    entry = api.db.run(
        lambda s: s.scalars(select(ActionLog).order_by(ActionLog.seq.desc()).limit(1)).one()
    )
    device_id = api.ok(api.get(f"/regions/{region}/devices", "net"), 200)[0]["id"]
    assert (entry.action, entry.actor_id, entry.role) == ("readings.ingest", None, "device")
    assert (entry.target_kind, entry.target_id, entry.region_id) == (
        "devices",
        str(device_id),
        region,
    )
    assert json.loads(entry.after_json or "")["accepted"] == 1


@pytest.mark.parametrize("kind", ["plant", "delivery_point"])
@pytest.mark.parametrize("ref", ["²", "99999999999999999999"])
def test_an_id_reference_no_row_can_have_is_refused_by_name(
    api: Api, net: dict[str, Any], kind: str, ref: str
) -> None:
    # "²" counts as a digit to str.isdigit but is no integer; 10²⁰ is past a 32-bit id
    body = sensor("X1", "flow") | {"attachment": {"kind": kind, "ref": ref}}
    refused = api.post(f"/regions/{net['region']}/sensors", "net", body)
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["value"]) == ("attachment.ref", ref)
