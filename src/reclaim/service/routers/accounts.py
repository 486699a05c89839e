"""Tokens, the caller's own account, and registering parties."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.rules import Role
from reclaim.service.auth import CurrentActor, hash_password, issue_token
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import AccountIn, AccountOut, IdempotencyKey, TokenOut, TokenRequest
from reclaim.store.models import Account
from reclaim.store.registry import AccountSpec, create_account, require_role

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=TokenOut)
def login(payload: TokenRequest, request: Request) -> TokenOut:
    """Exchange a username and password for a bearer token that expires."""
    context = context_of(request)
    now = context.clock()
    lifetime = timedelta(minutes=context.rules.token_lifetime_minutes)
    token, expires_at = context.db.run(
        lambda s: issue_token(s, payload.username, payload.password, now, lifetime)
    )
    return TokenOut(access_token=token, expires_at=expires_at)


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
