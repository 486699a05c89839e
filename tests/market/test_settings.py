"""The typed settings (environment, settings file, defaults), `reclaim serve` run on them, and its
refusal to serve the published demo password on PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.cli.market import DEFAULT_DEMO_PASSWORD
from reclaim.io.market_data import load_price_schedules
from reclaim.market.rules import ExchangeRules
from reclaim.service.app import create_app
from reclaim.service.demo import seed_demo
from reclaim.service.settings import (
    ServiceSettings,
    ThrottleSettings,
    exchange_context,
    load_settings,
)
from tests.market.conftest import Backend
from tests.market.helpers import FAST_HASHER, START, Api, Clock

SRC = Path(__file__).resolve().parents[2] / "src"
STARTUP_TIMEOUT_S = 120


def test_the_environment_overrides_the_file_which_overrides_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "reclaim.env"
    file.write_text("RECLAIM_PORT=7000\nRECLAIM_LOG_LEVEL=debug\n", encoding="utf-8")
    monkeypatch.setenv("RECLAIM_PORT", "9001")
    monkeypatch.setenv("RECLAIM_CORS_ORIGINS", '["https://bureau.example"]')
    settings = load_settings(file)
    assert (settings.port, settings.log_level) == (9001, "debug")
    assert settings.cors_origins == ["https://bureau.example"]
    assert settings.host == "127.0.0.1" and settings.token_lifetime_minutes is None
    monkeypatch.setenv("RECLAIM_TOKEN_LIFETIME_MINUTES", "0")
    with pytest.raises(ValidationError, match="token_lifetime_minutes"):
        load_settings(file)


def test_a_misspelt_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "reclaim.env"
    file.write_text("RECLAIM_PROT=7000\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="reclaim_prot"):
        load_settings(file)


def test_environment_variables_set_the_effective_limits(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings `reclaim serve` runs on (`exchange_context`) reach the throttles, the body
    limit, the token and reset code lifetimes."""
    for name, value in (
        ("RECLAIM_LOGIN_PER_ACCOUNT__FREE_ATTEMPTS", "2"),
        ("RECLAIM_BODY_LIMIT_BYTES", "2048"),
        ("RECLAIM_TOKEN_LIFETIME_MINUTES", "15"),
        ("RECLAIM_RESET_CODE_LIFETIME_MINUTES", "5"),
    ):
        monkeypatch.setenv(name, value)
    clock = Clock()
    served = exchange_context(load_settings(), backend.db)
    context = dataclasses.replace(served, clock=clock, hasher=FAST_HASHER, run_scheduler=False)
    with TestClient(create_app(context)) as client:
        api = Api(client, backend.db, context.rules, clock)
        wrong = {"username": "regulator", "password": "not the password"}
        # the cited default allows 5 free attempts (data/market/access_limits.yaml); now 2
        assert [client.post("/auth/token", json=wrong).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        api.login("admin")
        assert api.expiry["admin"] - clock() == timedelta(minutes=15)
        padded = {"code": "big", "name": "x" * 2048}
        too_large = api.post("/regions", "admin", padded)
        assert too_large.status_code == 413 and "at most 2048 bytes" in too_large.json()["reason"]
        assert api.post("/regions", "admin", {"code": "small", "name": "x"}).status_code == 201
        issued = api.ok(api.post(f"/accounts/{api.ids['regulator']}/reset-code", "admin"))
        assert datetime.fromisoformat(issued["expires_at"]) - clock() == timedelta(minutes=5)


def test_a_throttle_figure_out_of_range_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECLAIM_LOGIN_PER_ADDRESS__FREE_ATTEMPTS", "0")
    with pytest.raises(ValidationError, match=r"login_per_address\.free_attempts"):
        load_settings()


def test_the_readme_names_every_setting() -> None:
    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    for name, field in ServiceSettings.model_fields.items():
        env = f"RECLAIM_{name.upper()}"
        nested = field.annotation is ThrottleSettings
        assert (f"`{env}__" if nested else f"`{env}`") in readme, env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_runs_on_its_settings_and_logs_json(backend: Backend, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "RECLAIM_DATABASE_URL": backend.url,
        "RECLAIM_PORT": str(port),
        "RECLAIM_CORS_ORIGINS": '["https://bureau.example"]',
        "RECLAIM_LOG_LEVEL": "info",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "reclaim", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                ready = httpx.get(f"{url}/readyz", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert ready.status_code == 200
        cors = httpx.get(
            f"{url}/healthz",
            headers={"Origin": "https://bureau.example", "X-Request-ID": "probe-7"},
        )
        assert cors.headers["access-control-allow-origin"] == "https://bureau.example"
        stranger = httpx.get(f"{url}/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=60)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    probe = [line for line in lines if line.get("request_id") == "probe-7"]
    assert [(p["logger"], p["route"], p["status"]) for p in probe] == [
        ("reclaim.access", "/healthz", 200)
    ]


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """`reclaim serve` sets up the process's logging; put it back for the tests that follow."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


@pytest.mark.postgres
@pytest.mark.usefixtures("logging_restored")
def test_serve_refuses_the_published_demo_password_on_postgresql(
    tmp_path: Path, rules: ExchangeRules
) -> None:
    backend = Backend("postgresql", tmp_path)
    try:
        runner = CliRunner()
        seeding = runner.invoke(app, ["serve", "--db", backend.url, "--demo"])
        assert seeding.exit_code == 2
        assert "--demo-password" in seeding.stderr and "published" in seeding.stderr
        schedules = set(load_price_schedules())
        backend.db.run(lambda s: seed_demo(s, rules, schedules, DEFAULT_DEMO_PASSWORD, START))
        serving = runner.invoke(app, ["serve", "--db", backend.url])
        assert serving.exit_code == 2
        assert "accounts" in serving.stderr and "admin" in serving.stderr
        assert DEFAULT_DEMO_PASSWORD not in serving.stderr
    finally:
        backend.close()


@pytest.mark.postgres
def test_a_database_that_cannot_be_opened_is_named_without_its_password() -> None:
    url = "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:5432/reclaim_no_such_database"
    refused = CliRunner().invoke(app, ["db", "upgrade", "--db", url])
    assert refused.exit_code == 2
    assert "reclaim_no_such_database" in refused.stderr and "***" in refused.stderr
    assert "s3cret-pw" not in refused.output
