"""The service's edge, attacked over HTTP on a live server (SQLite and PostgreSQL).

Nothing a request sends becomes a path; volumes and dates are strict; every refusal, even of a
body that is not JSON at all, has the `field`/`value`/`reason` shape with a short value; bodies
are bounded per route; the largest bill the API can produce fits the money column.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reclaim.io.data_files import DATA_DIR, files_in
from reclaim.io.quality_files import PROFILES_DIR
from reclaim.service.limits import DEFAULT_BODY_BYTES, PLAN_RUN_BODY_BYTES
from reclaim.service.refusal import EXCERPT_CHARS
from reclaim.service.schemas import MAX_DAILY_M3, MAX_PRICE_YUAN_PER_M3
from tests.market.helpers import AFTER_AUTUMN_2021, Api, snapshot
from tests.market.test_plans_api import post_run, scenario, two_regions
from tests.market.test_refusals import World

SECRET_TEXT = "id: stolen\nvalues:\n  bod5: {value: 1, unit: mg/L}\nmarker: EXFILTRATED-7f3a\n"
"""A YAML file outside the profile folder; its marker must never appear in an answer."""
_opened: list[str] | None = None
_opened_lock = threading.Lock()


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _opened is not None and isinstance(args[0], str | bytes):
        with _opened_lock:
            _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_on_audit)  # process-wide and permanent; it records only inside `files_opened`


@contextmanager
def files_opened() -> Iterator[list[str]]:
    """Every file the process (the live server's threads included) opens inside the block."""
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


def test_a_profile_is_an_id_from_the_catalogue_never_a_path(live_api: Api, tmp_path: Path) -> None:
    api = live_api
    two_regions(api)
    secret = tmp_path / "outside" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    warm = api.ok(post_run(api, "shuozhou_bureau", scenario()), 202)  # imports done, engine idle
    deadline = 600
    while api.get(warm["status_url"], "shuozhou_bureau").json()["state"] == "queued" and deadline:
        threading.Event().wait(0.05)
        deadline -= 1
    before = snapshot(api.db)
    stem = str(secret.with_suffix(""))
    for name in (
        os.path.relpath(stem, PROFILES_DIR),
        stem,
        f"shuozhou_design_effluent/{'../' * 12}{stem}",
    ):
        body = scenario()
        body["plants"][0]["effluent_profile"] = name
        with files_opened() as opened:
            answer = post_run(api, "shuozhou_bureau", body)
        assert answer.status_code == 422, answer.text
        refusal = answer.json()
        assert refusal["field"] == "plants[0].effluent_profile"
        assert (
            refusal["value"] == name[: EXCERPT_CHARS - 1] + "…"
            if len(name) > EXCERPT_CHARS
            else name
        )
        assert "shuozhou_design_effluent" in refusal["reason"]  # what is allowed: the catalogue
        assert "EXFILTRATED" not in answer.text and "stolen" not in answer.text
        assert not any(Path(path).name == "secret.yaml" for path in opened), opened
        outside = [
            path
            for path in opened
            if Path(path).suffix in (".yaml", ".yml", ".csv", ".json")
            and not Path(path).resolve().is_relative_to(PROFILES_DIR.resolve())
        ]
        assert outside == [], outside
    assert snapshot(api.db) == before


def test_a_link_leading_out_of_a_data_folder_is_not_in_its_catalogue(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "kept.yaml").write_text("id: kept\n", encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(SECRET_TEXT, encoding="utf-8")
    (folder / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    assert files_in(folder, ".yaml") == {"kept": (folder / "kept.yaml").resolve()}
    assert set(files_in(PROFILES_DIR, ".yaml")) == {"shuozhou_design_effluent"}
    assert PROFILES_DIR.resolve().is_relative_to(DATA_DIR.resolve())


def refusal_of(response: Any, status: int, field: str) -> dict[str, Any]:
    """Assert the documented refusal shape, status and field; the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert {"error", "field", "value", "reason"} <= set(body), body
    assert body["field"] == field, body
    assert isinstance(body["reason"], str) and body["reason"]
    assert len(response.content) < 4096, len(response.content)
    return body


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("annual_volume_m3", True),  # JSON true is not a volume of 1 m³
        ("daily_max_m3", 2.0),  # nor is a float a whole number of m³
        ("annual_volume_m3", "1000"),
        ("term_start", 1630454400),  # a number is not a date (not epoch seconds)
        ("term_end", "1788220800"),
    ],
)
def test_volumes_are_integers_and_dates_are_iso_text(live_api: Api, where: str, value: Any) -> None:
    world = World(live_api)
    before = snapshot(live_api.db)
    answer = live_api.post("/rights", "regulator", world.right_body(1000, 10, **{where: value}))
    body = refusal_of(answer, 422, where)
    assert body["value"] == value
    plant = {"name": "No. 9", "sewage_treated_m3_per_day": True, "reclaimed_capacity_m3_per_day": 1}
    path = f"/regions/{world.region['id']}/plants"
    refusal_of(live_api.post(path, "regulator", plant), 422, "sewage_treated_m3_per_day")
    closes = world.listing_body(closes_at=1893456000)
    refusal_of(live_api.post("/listings", "seller", closes), 422, "closes_at")
    assert snapshot(live_api.db) == before


def test_refusals_of_unreadable_bodies_have_the_documented_shape(live_api: Api) -> None:
    api = live_api
    world = World(api)
    before = snapshot(api.db)
    bids = f"/listings/{world.listing['id']}/bids"
    headers = {**api.headers("buyer"), "Content-Type": "application/json"}

    def send(raw: str) -> Any:
        return api.client.post(bids, content=raw.encode(), headers=headers)

    broken = refusal_of(send('{"price_yuan_per_m3": '), 422, "body")
    assert "JSON" in broken["reason"]
    deep = "[" * 5_000 + "]" * 5_000  # nested deeper than any parser follows
    assert refusal_of(send(deep), 422, "body")["value"] is None
    huge = refusal_of(send('{"price_yuan_per_m3": ' + "9" * 5000 + "}"), 422, "body")
    assert huge["value"] is None and "4300 digits" in huge["reason"]
    long = refusal_of(send('{"price_yuan_per_m3": ' + "9" * 4000 + "}"), 422, "price_yuan_per_m3")
    assert len(str(long["value"])) <= EXCERPT_CHARS
    nested = refusal_of(
        send('{"price_yuan_per_m3": ' + "[" * 500 + "]" * 500 + "}"), 422, "price_yuan_per_m3"
    )
    assert len(str(nested["value"])) <= EXCERPT_CHARS
    # a long value is cut to an excerpt; a list of many bad items lists a few
    name = "名" * 5000
    party = {"username": "x", "password": "long enough pw", "role": "buyer", "display_name": name}
    cut = refusal_of(api.post("/accounts", "regulator", party), 422, "display_name")
    assert cut["value"] == name[: EXCERPT_CHARS - 1] + "…"
    many = refusal_of(api.post(bids, "buyer", [1] * 3000), 422, "body")
    assert len(many["errors"]) <= 10 and len(str(many["value"])) <= EXCERPT_CHARS
    assert refusal_of(api.get("/no/such/route", "buyer"), 404, "path")["error"] == "refused"
    assert refusal_of(api.client.put(bids, headers=headers), 405, "method")
    assert snapshot(api.db) == before


def test_bodies_are_limited_per_route_with_a_clear_413(live_api: Api) -> None:
    api = live_api
    world = World(api)
    before = snapshot(api.db)
    padding = {"delivery_point": "x" * (DEFAULT_BODY_BYTES + 1)}
    too_long = refusal_of(
        api.post("/listings", "seller", world.listing_body(**padding)), 413, "body"
    )
    assert too_long["error"] == "too_large" and str(DEFAULT_BODY_BYTES) in too_long["reason"]
    assert "POST /listings" in too_long["reason"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds as the body streams
        yield b'{"price_yuan_per_m3": "'
        for _ in range(DEFAULT_BODY_BYTES // 1024 + 1):
            yield b"1" * 1024
        yield b'"}'

    bids = f"/listings/{world.listing['id']}/bids"
    streamed = api.client.post(bids, content=chunks(), headers=api.headers("buyer"))
    refusal_of(streamed, 413, "body")
    plan_limit = PLAN_RUN_BODY_BYTES
    padded = scenario()
    padded["region"]["name_en"] = "x" * (2 * DEFAULT_BODY_BYTES)  # beyond trading, within plans
    assert post_run(api, "regulator", padded).status_code == 202
    padded["region"]["name_en"] = "x" * plan_limit
    refusal_of(post_run(api, "regulator", padded), 413, "body")
    megabyte = api.post("/listings", "seller", {"delivery_point": "x" * 2**20})
    refusal_of(megabyte, 413, "body")
    after = snapshot(api.db)
    accepted = ("plan_runs", "action_log", "action_log_parties", "action_log_head")
    assert {t: r for t, r in after.items() if t not in accepted} == {
        t: r for t, r in before.items() if t not in accepted
    }
    assert len(after["plan_runs"]) == len(before["plan_runs"]) + 1
    # the one accepted run is the one new entry of the action log
    logged = [row for row in after["action_log"] if row not in before["action_log"]]
    assert [row[5] for row in logged] == ["plan.run"]


LARGEST_BILL_YUAN = Decimal(MAX_DAILY_M3) * MAX_PRICE_YUAN_PER_M3
"""10⁹ m³ × 99 999.99 元/m³ = 99 999 990 000 000 元 (about 10¹⁴), by hand: under the 10¹⁶ that a
NUMERIC(20, 4) column holds."""


def test_the_largest_bill_the_api_can_produce_fits_its_column(live_api: Api) -> None:
    api = live_api
    assert Decimal("99999990000000.00") == LARGEST_BILL_YUAN
    region = api.add_region("big", "big", publicity_days=0)
    api.add_party("operator", "seller")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial")
    capacity = {
        "name": "largest",
        "sewage_treated_m3_per_day": MAX_DAILY_M3,
        "reclaimed_capacity_m3_per_day": MAX_DAILY_M3,
        "operator_id": api.ids["operator"],
    }
    refusal_of(
        api.post(
            f"/regions/{region['id']}/plants",
            "regulator",
            {**capacity, "sewage_treated_m3_per_day": MAX_DAILY_M3 + 1},
        ),
        422,
        "sewage_treated_m3_per_day",
    )
    plant = api.ok(api.post(f"/regions/{region['id']}/plants", "regulator", capacity))
    daily = plant["deliverable_daily_m3"]  # min(0.8 × 10⁹, 10⁹) = 8 × 10⁸ m³/d
    assert daily == 800_000_000
    term = {"term_start": "2021-09-01", "term_end": "2022-09-01"}
    right = api.ok(
        api.post(
            "/rights",
            "regulator",
            {
                "holder_id": api.ids["seller"],
                "plant_id": plant["id"],
                "annual_volume_m3": daily * 365,
                "daily_max_m3": daily,
                "use_class": "industrial",
                **term,
            },
        )
    )
    listing = {
        "right_id": right["id"],
        "mode": "fixed",
        "annual_volume_m3": daily * 365,
        "daily_max_m3": daily,
        "delivery_point": "gate",
        "reserve_yuan_per_m3": str(MAX_PRICE_YUAN_PER_M3),
        **term,
    }
    too_dear = {**listing, "reserve_yuan_per_m3": str(MAX_PRICE_YUAN_PER_M3 + Decimal("0.01"))}
    refusal_of(api.post("/listings", "seller", too_dear), 422, "reserve_yuan_per_m3")
    listed = api.ok(api.post("/listings", "seller", listing))
    deal = api.ok(api.post(f"/listings/{listed['id']}/accept", "buyer"))
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract = api.ok(api.post(f"/deals/{deal['id']}/conclude", "buyer"))
    deliveries = f"/contracts/{contract['id']}/deliveries"
    refusal_of(
        api.post(deliveries, "operator", {"day": "2021-10-01", "volume_m3": MAX_DAILY_M3 + 1}),
        422,
        "volume_m3",
    )
    api.clock.now = AFTER_AUTUMN_2021  # a delivery is never dated after the region's today
    delivered = api.ok(api.post(deliveries, "operator", {"day": "2021-10-01", "volume_m3": daily}))
    bill = delivered["bill"]  # reported by the plant's operator, not the seller: billed at once
    expected = Decimal(daily) * MAX_PRICE_YUAN_PER_M3  # 8 × 10⁸ × 99 999.99 by hand
    assert Decimal(bill["amount_yuan"]) == expected == Decimal("79999992000000.00")
    parts = Decimal(bill["exchange_fee_yuan"]) + Decimal(bill["treatment_feedback_yuan"])
    assert parts + Decimal(bill["seller_net_yuan"]) == expected
    assert api.ok(api.get("/ledger/verify", "regulator"), 200)["ok"] is True
