"""A request with several mistakes learns all of them in one answer: the schema's problems and,
once the schema passes, the exchange's own checks; the top of the body names the first."""

from __future__ import annotations

from typing import Any

import pytest

from reclaim.market.rules import USERNAME_FORM
from tests.market.helpers import Api, snapshot
from tests.market.test_refusals import World


@pytest.fixture
def world(api: Api) -> World:
    return World(api)


def problems(response: Any) -> dict[str, str]:
    """field → code of every problem listed; the top of the body is the first of them."""
    assert response.status_code == 422, response.text
    body = response.json()
    first = body["errors"][0]
    assert (body["field"], body["code"], body["reason"]) == (
        first["field"],
        first["code"],
        first["reason"],
    )
    return {problem["field"]: problem["code"] for problem in body["errors"]}


def test_a_listing_reports_every_check_of_the_exchange(world: World) -> None:
    api = world.api
    before = snapshot(api.db)
    body = world.listing_body(
        annual_volume_m3=100_000,
        daily_max_m3=100_001,  # above the annual volume
        term_start="2021-01-01",  # before the right's validity (2021-09-01)
        mode="negotiated",  # ... which names its buyer: counterparty_id is missing
        closes_at=None,
    )
    found = problems(api.post("/listings", "seller", body))
    assert found == {
        "daily_max_m3": "invalid_input",
        "term_start": "invalid_input",
        "counterparty_id": "invalid_input",
    }
    assert snapshot(api.db) == before


def test_a_listing_reports_every_schema_problem(world: World) -> None:
    api = world.api
    body = world.listing_body(annual_volume_m3=-1, reserve_yuan_per_m3="0", colour="blue")
    found = problems(api.post("/listings", "seller", body))
    assert found == {
        "annual_volume_m3": "out_of_range",
        "reserve_yuan_per_m3": "out_of_range",
        "colour": "field_unknown",
    }


def test_a_right_reports_every_check_of_the_exchange(world: World) -> None:
    api = world.api
    before = snapshot(api.db)
    body = world.right_body(10, 11, term_end="2020-01-01", use_class="mining")
    found = problems(api.post("/rights", "regulator", body))
    assert found == {
        "daily_max_m3": "invalid_input",
        "term_end": "invalid_input",
        "use_class": "invalid_input",
    }
    assert snapshot(api.db) == before


def test_an_account_reports_every_problem_with_the_name_rule_in_words(world: World) -> None:
    api = world.api
    body = {"username": "Water Bureau", "password": "short", "role": "king", "display_name": "W"}
    answer = api.post("/accounts", "regulator", body)
    found = problems(answer)
    assert found == {"username": "bad_username", "password": "wrong_length", "role": "wrong_format"}
    listed = {problem["field"]: problem for problem in answer.json()["errors"]}
    assert listed["username"]["reason"] == USERNAME_FORM
    assert listed["password"]["value"] == "***" and "short" not in answer.text
