"""The service's settings, typed: environment variables `RECLAIM_*`, an optional settings file
(the same names, one `NAME=value` a line), then the defaults, in that order of precedence.

`reclaim serve` reads them; its command-line options override them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.operations.notify import WebhookPolicy

MAX_TOKEN_LIFETIME_MINUTES = 7 * 24 * 60
"""A week: a stolen token is good for no longer than that."""


class ServiceSettings(BaseSettings):
    """Where the exchange listens and stores, how long tokens live, who may call it from a
    browser, and how much it logs."""

    model_config = SettingsConfigDict(env_prefix="RECLAIM_", extra="forbid")

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
