"""Tokens, the caller's own account, and registering parties."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.rules import Role
from reclaim.service.auth import (
    AuthError,
    CurrentActor,
    account_for_login,
    claim_or_refuse,
    client_address,
    hash_password,
    issue_token,
    password_matches,
    refused_log,
    revoke_token,
)
from reclaim.service.context import app_context, context_of, dump, fingerprint
from reclaim.service.schemas import (
    THROTTLED,
    AccountIn,
    AccountOut,
    IdempotencyKey,
    LogoutOut,
    TokenOut,
    TokenRequest,
)
from reclaim.store.models import Account
from reclaim.store.registry import AccountSpec, create_account, require_role
from reclaim.store.throttle import forgive_attempt, reset_attempts

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=TokenOut, responses={429: THROTTLED})
def login(payload: TokenRequest, request: Request) -> TokenOut:
    """Exchange a username and password for a bearer token that expires.

    Attempts are limited per login name and per address: a few free ones, then a growing wait
    (429 with Retry-After) before the password is even checked.
    """
    context = app_context(request)
    now = context.now()
    limits = context.limits
    address = client_address(request)
    account_key = f"login:account:{payload.username}"
    address_key = f"login:address:{address}"
    claims = [
        (account_key, limits.login_per_account, "username", payload.username),
        (address_key, limits.login_per_address, "address", address),
    ]

    def claim(session: Session) -> tuple[int | None, str]:
        claim_or_refuse(session, claims, now)
        return account_for_login(session, payload.username)

    account_id, stored_hash = context.db.run(claim)
    if not password_matches(stored_hash, payload.password) or account_id is None:
        refused_log.warning(
            "refused login %r from %s: wrong credentials", payload.username, address
        )
        raise AuthError("unknown username or wrong password")
    lifetime = timedelta(minutes=context.rules.token_lifetime_minutes)
    known_id = account_id

    def grant(session: Session) -> tuple[str, datetime]:
        reset_attempts(session, account_key)
        forgive_attempt(session, address_key)
        return issue_token(session, known_id, now, lifetime)

    token, expires_at = context.db.run(grant)
    return TokenOut(access_token=token, expires_at=expires_at)


@router.post("/auth/logout", response_model=LogoutOut)
def logout(request: Request, actor: CurrentActor) -> LogoutOut:
    """Revoke the token of this request; it is refused from now on."""
    token = request.state.token
    context = context_of(request)
    context.run(lambda session: revoke_token(session, token, context.now()))
    return LogoutOut(account_id=actor.id, revoked_tokens=1)


@router.get("/me", response_model=AccountOut)
def me(request: Request, actor: CurrentActor) -> AccountOut:
    """The caller's own account."""
    row = context_of(request).read(lambda s: s.get(Account, actor.id))
    return AccountOut.model_validate(row, from_attributes=True)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(request: Request, actor: CurrentActor) -> list[AccountOut]:
    """The registry of parties with their use class and location (regulator, operator)."""
    require_role(actor, Role.REGULATOR, Role.OPERATOR)
    rows = context_of(request).read(lambda s: s.scalars(select(Account).order_by(Account.id)).all())
    return [dump(AccountOut, row) for row in rows]


@router.post("/accounts", response_model=AccountOut, status_code=201)
def register_account(
    payload: AccountIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a party (regulator: anyone; exchange operator: sellers and buyers)."""
    context = context_of(request)
    password_hash = hash_password(payload.password, context.hasher)
    spec = AccountSpec(
        username=payload.username,
        password_hash=password_hash,
        role=payload.role,
        display_name=payload.display_name,
        region_id=payload.region_id,
        use_class=payload.use_class,
        location=payload.location,
    )

    def work(session: Session, now: datetime) -> BaseModel:
        return dump(AccountOut, create_account(session, actor, spec, context.rules, now))

    return context.write(
        actor, idempotency_key, fingerprint(request, payload, exclude={"password"}), work
    )
