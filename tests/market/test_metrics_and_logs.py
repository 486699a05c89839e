"""/metrics (for the administrator, or a scraper on the loopback address) and the JSON request
log with its request ids, over HTTP on a live server, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from reclaim.service.observability import configure_logging
from reclaim.service.scheduler import Job
from tests.market.helpers import PASSWORD, Api

OUTSIDE_PROBE = ("192.0.2.123", 9)
"""A TEST-NET-1 address (RFC 5737): connecting a UDP socket towards it sends nothing, and tells
which non-loopback address of this machine would be used."""


def non_loopback_address() -> str:
    """An address of this machine that is not loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(OUTSIDE_PROBE)
        address = str(probe.getsockname()[0])
    assert not address.startswith("127."), address
    return address


@contextmanager
def served_on_all_addresses(app: FastAPI) -> Iterator[httpx.Client]:
    """`app` served on 0.0.0.0; a client that reaches it through a non-loopback address."""
    server = uvicorn.Server(uvicorn.Config(app, host="0.0.0.0", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        url = f"http://{non_loopback_address()}:{port}"
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page, keyed by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(page: dict[Any, float], name: str, **labels: str) -> float | None:
    return page.get((name, frozenset(labels.items())))


def test_metrics_count_requests_refusals_and_the_pool_from_loopback(live_api: Api) -> None:
    client = live_api.client
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/me").status_code == 401
    assert client.get("/rights/not-a-number", headers=live_api.headers("regulator")).status_code
    page = client.get("/metrics")  # anonymous, from 127.0.0.1
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    got = samples(page.text)
    requests = "reclaim_http_requests_total"
    assert value(got, requests, method="GET", route="/healthz", status="200") == 3
    assert value(got, requests, method="GET", route="/me", status="401") == 1
    refusals = "reclaim_http_refusals_total"
    assert value(got, refusals, route="/me", status="401", error="unauthorized") == 1
    assert value(got, refusals, route="/rights/{right_id}", status="422", error="invalid_input")
    latency = "reclaim_http_request_duration_seconds_count"
    assert value(got, latency, method="GET", route="/healthz") == 3
    assert value(got, "reclaim_db_pool_connections", state="checkedout") is not None
    assert not any(name.endswith("not-a-number") for (name, _), _v in got.items())


def test_metrics_from_another_address_are_for_the_administrator_only(
    app: FastAPI, live_api: Api
) -> None:
    live_api.add_region("shuozhou", "朔州")
    live_api.add_party("seller", "seller")
    with served_on_all_addresses(app) as outside:
        assert outside.get("/healthz").status_code == 200
        anonymous = outside.get("/metrics")
        assert anonymous.status_code == 401
        for who in ("regulator", "seller"):
            refused = outside.get("/metrics", headers=live_api.headers(who))
            assert refused.status_code == 403
            assert refused.json()["field"] == "role"
            assert "reclaim_http_requests_total" not in refused.text
        admitted = outside.get("/metrics", headers=live_api.headers("admin"))
        assert admitted.status_code == 200
        assert "reclaim_http_requests_total" in admitted.text


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, as the service writes it (JSON lines)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("debug", stream)
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_the_log_carries_request_ids_and_no_secret(live_api: Api, log: io.StringIO) -> None:
    client = live_api.client
    login = client.post("/auth/token", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["access_token"]
    wrong = "not-the-password-4f1c"
    refused = client.post("/auth/token", json={"username": "admin", "password": wrong})
    assert refused.status_code == 401
    mine = client.get(
        "/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-0042"}
    )
    assert mine.status_code == 200
    assert mine.headers["X-Request-ID"] == "trace-0042"
    body = {
        "username": "newbie",
        "password": "another secret 77",
        "role": "buyer",
        "display_name": "x",
        "region_id": 999_999,
    }
    client.post("/accounts", json=body, headers={"Authorization": f"Bearer {token}"})
    forged = client.get("/healthz", headers={"X-Request-ID": 'x"} {"level": "forged'})
    generated = forged.headers["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0

    text = log.getvalue()
    for secret in (PASSWORD, wrong, token, "another secret 77", "forged"):
        assert secret not in text, secret
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line["logger"] == "reclaim.access"]
    assert len(requests) == 5
    me = next(line for line in requests if line["request_id"] == "trace-0042")
    assert (me["method"], me["route"], me["status"]) == ("GET", "/me", 200)
    assert [line["status"] for line in requests[:2]] == [200, 401]
    assert requests[-1]["request_id"] == generated
    assert len({line["request_id"] for line in requests}) == 5


def test_reset_codes_and_new_passwords_never_reach_the_log(live_api: Api, log: io.StringIO) -> None:
    api = live_api
    regulator = api.ids["regulator"]
    code = api.ok(api.post(f"/accounts/{regulator}/reset-code", "admin"))["code"]
    fresh, later = "fresh secret 5150", "later secret 8086"
    body = {"username": "regulator", "code": code, "new_password": fresh}
    api.ok(api.client.post("/auth/reset", json=body), 200)
    login = {"username": "regulator", "password": fresh}
    token = api.ok(api.client.post("/auth/token", json=login), 200)["access_token"]
    change = {"current_password": fresh, "new_password": later}
    headers = {"Authorization": f"Bearer {token}"}
    api.ok(api.client.post("/me/password", json=change, headers=headers), 200)

    text = log.getvalue()
    for secret in (code, code.replace("-", ""), fresh, later, token, PASSWORD):
        assert secret not in text, secret
    messages = [json.loads(line)["message"] for line in text.splitlines()]
    assert any(m.startswith(f"reset code issued for account {regulator}") for m in messages)
    assert "password of 'regulator' set with a reset code" in messages


def test_metrics_count_scheduler_runs_and_failures(app: FastAPI, live_api: Api) -> None:
    """Two rounds, the second after every lease has expired: each job's runs (as the scheduler
    reports them) and each failure (as the failing job itself counts its calls) are counted."""
    failures: list[int] = []

    def broken(_session: Any, _now: Any) -> int:
        failures.append(1)
        raise RuntimeError("job failed")

    scheduler = app.state.scheduler
    scheduler.jobs = (*scheduler.jobs, Job("broken", timedelta(minutes=1), broken))
    runs = scheduler.run_due()
    live_api.clock.advance(minutes=11)
    runs += scheduler.run_due()
    got = samples(live_api.client.get("/metrics").text)
    counted = "reclaim_scheduler_job_runs_total"
    for job in {run.name for run in runs} - {"broken"}:
        made = sum(1 for run in runs if run.name == job and run.ran)
        assert made >= 1, job  # the second round found its lease expired
        assert value(got, counted, job=job, outcome="ok") == made
    assert failures and value(got, counted, job="broken", outcome="failed") == len(failures)
    assert value(got, counted, job="broken", outcome="ok") is None
