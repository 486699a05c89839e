"""The service's settings, typed: environment variables `RECLAIM_*`, an optional settings file
(the same names, one `NAME=value` a line), then the defaults, in that order of precedence.

`reclaim serve` reads them; its command-line options override them.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_access_limits, load_exchange_rules, load_price_schedules
from reclaim.market.access import AccessLimits, ThrottlePolicy
from reclaim.operations.notify import WebhookPolicy
from reclaim.service.context import RESET_CODE_LIFETIME_MINUTES, ExchangeContext
from reclaim.service.limits import DEFAULT_BODY_BYTES, KIB, PLAN_RUN_BODY_BYTES, BodyLimits

if TYPE_CHECKING:
    from reclaim.store.db import Database

MAX_TOKEN_LIFETIME_MINUTES = 7 * 24 * 60
"""A week: a stolen token is good for no longer than that."""
MAX_RESET_CODE_LIFETIME_MINUTES = 7 * 24 * 60
"""A week, like a token: a reset code is a password for its lifetime."""
MIN_BODY_BYTES = KIB
"""Below this even a login body would not fit."""
MAX_BODY_BYTES = 64 * 1024 * KIB
"""64 MiB: the service holds a whole body in memory before parsing it."""


class ThrottleSettings(BaseModel):
    """One throttle's figures; each one left unset keeps the cited value of
    `data/market/access_limits.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    free_attempts: int | None = Field(default=None, ge=1, description="Attempts free in a window")
    window_minutes: float | None = Field(default=None, gt=0, description="The counting window")
    base_delay_seconds: float | None = Field(
        default=None, gt=0, description="First wait once throttled"
    )
    max_delay_seconds: float | None = Field(
        default=None, gt=0, description="Longest wait (it doubles)"
    )

    def over(self, cited: ThrottlePolicy) -> ThrottlePolicy:
        """The policy with these figures set over the cited ones."""
        return ThrottlePolicy(
            free_attempts=cited.free_attempts if self.free_attempts is None else self.free_attempts,
            window=cited.window
            if self.window_minutes is None
            else timedelta(minutes=self.window_minutes),
            base_delay=cited.base_delay
            if self.base_delay_seconds is None
            else timedelta(seconds=self.base_delay_seconds),
            max_delay=cited.max_delay
            if self.max_delay_seconds is None
            else timedelta(seconds=self.max_delay_seconds),
        )


class ServiceSettings(BaseSettings):
    """Where the exchange listens and stores, how long tokens live, who may call it from a
    browser, and how much it logs."""

    model_config = SettingsConfigDict(
        env_prefix="RECLAIM_", env_nested_delimiter="__", extra="forbid"
    )

    database_url: str = Field(
        "sqlite:///reclaim.db", description="SQLAlchemy URL (SQLite file or PostgreSQL)"
    )
    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on")
    token_lifetime_minutes: int | None = Field(
        None,
        ge=1,
        le=MAX_TOKEN_LIFETIME_MINUTES,
        description="Bearer token lifetime; unset: the exchange rules file's value",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description='Browser origins allowed to call the API, as JSON: ["https://x.example"]',
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level of the JSON log lines written to stderr"
    )
    webhook_schemes: list[Literal["https", "http"]] = Field(
        ["https"],
        description='URL schemes alert webhooks may use, as JSON: ["https"] (add "http" only '
        "for receivers on a trusted network)",
    )
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description='Hosts alert webhooks may call, as JSON: ["hooks.example.org", '
        '".bureau.example"] (a leading dot: any sub-domain); empty: any public host',
    )
    webhook_allow_private_networks: bool = Field(
        False,
        description="Let webhooks reach loopback, link-local and private addresses (a receiver "
        "on this machine or network); off, they are refused",
    )

    reset_code_lifetime_minutes: int = Field(
        RESET_CODE_LIFETIME_MINUTES,
        ge=1,
        le=MAX_RESET_CODE_LIFETIME_MINUTES,
        description="How long a password reset code issued by an administrator works",
    )
    body_limit_bytes: int = Field(
        DEFAULT_BODY_BYTES,
        ge=MIN_BODY_BYTES,
        le=MAX_BODY_BYTES,
        description="Largest request body of every route but a plan run (413 beyond)",
    )
    plan_body_limit_bytes: int = Field(
        PLAN_RUN_BODY_BYTES,
        ge=MIN_BODY_BYTES,
        le=MAX_BODY_BYTES,
        description="Largest request body of POST /plans/run (413 beyond)",
    )
    login_per_account: ThrottleSettings = Field(
        ThrottleSettings(),
        description="Login (and password change/reset) throttle per login name: "
        "RECLAIM_LOGIN_PER_ACCOUNT__FREE_ATTEMPTS, __WINDOW_MINUTES, __BASE_DELAY_SECONDS, "
        "__MAX_DELAY_SECONDS",
    )
    login_per_address: ThrottleSettings = Field(
        ThrottleSettings(),
        description="Login (and password reset) throttle per client address: "
        "RECLAIM_LOGIN_PER_ADDRESS__…, the same four figures",
    )
    public_objections_per_address: ThrottleSettings = Field(
        ThrottleSettings(),
        description="Throttle of the public objection form per client address: "
        "RECLAIM_PUBLIC_OBJECTIONS_PER_ADDRESS__…, the same four figures",
    )

    def access_limits(self) -> AccessLimits:
        """The throttles: the cited figures of `data/market/access_limits.yaml`, with any
        figure these settings set over them."""
        cited = load_access_limits()
        return AccessLimits(
            login_per_account=self.login_per_account.over(cited.login_per_account),
            login_per_address=self.login_per_address.over(cited.login_per_address),
            public_objections_per_address=self.public_objections_per_address.over(
                cited.public_objections_per_address
            ),
        )

    def body_limits(self) -> BodyLimits:
        """The largest bodies taken, by route."""
        return BodyLimits(
            default_bytes=self.body_limit_bytes, plan_run_bytes=self.plan_body_limit_bytes
        )


def exchange_context(
    settings: ServiceSettings, database: Database, *, testing: bool = False
) -> ExchangeContext:
    """The service's context on these settings (what `reclaim serve` runs): the exchange
    rules with the token lifetime, the throttles, body limits, reset code lifetime and
    webhook policy; its scheduler runs."""
    rules = load_exchange_rules()
    if settings.token_lifetime_minutes is not None:
        rules = dataclasses.replace(rules, token_lifetime_minutes=settings.token_lifetime_minutes)
    return ExchangeContext(
        db=database,
        rules=rules,
        schedules=load_price_schedules(),
        limits=settings.access_limits(),
        body_limits=settings.body_limits(),
        reset_code_lifetime=timedelta(minutes=settings.reset_code_lifetime_minutes),
        testing=testing,
        run_scheduler=True,
        webhooks=webhook_policy(settings),
    )


def webhook_policy(settings: ServiceSettings) -> WebhookPolicy:
    """Which webhook URLs and addresses the service calls, from its settings."""
    return WebhookPolicy(
        allowed_schemes=frozenset(settings.webhook_schemes),
        allowed_hosts=tuple(settings.webhook_allowed_hosts),
        allow_private_networks=settings.webhook_allow_private_networks,
    )


def load_settings(file: Path | None = None) -> ServiceSettings:
    """The settings from the environment, then `file` (if given), then the defaults."""
    if file is not None and not file.is_file():
        from reclaim.errors import InputError

        raise InputError("--settings", str(file), "an existing file of RECLAIM_NAME=value lines")
    return ServiceSettings(_env_file=file)  # type: ignore[call-arg]


def accounts_with_password(session: Session, usernames: list[str], password: str) -> list[str]:
    """Which of these accounts still log in with `password` (argon2 verified, so slow: call it
    with the few demo usernames only)."""
    from reclaim.service.auth import password_matches
    from reclaim.store.models import Account

    rows = session.execute(
        select(Account.username, Account.password_hash).where(Account.username.in_(usernames))
    ).all()
    return sorted(name for name, digest in rows if password_matches(digest, password))


def allow_origins(app: FastAPI, origins: list[str]) -> None:
    """Let browsers on `origins` call the API (CORS); none by default."""
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
