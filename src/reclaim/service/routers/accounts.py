"""Tokens, the caller's own account, registering accounts and assigning staff to regions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.rules import Role
from reclaim.service.actions import record_action
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
    revoke_account_tokens,
    revoke_token,
)
from reclaim.service.context import app_context, context_of, fingerprint
from reclaim.service.schemas import (
    THROTTLED,
    AccountIn,
    AccountOut,
    IdempotencyKey,
    LogoutOut,
    RowId,
    TokenOut,
    TokenRequest,
)
from reclaim.store.models import Account, RegionStaff
from reclaim.store.registry import (
    AccountSpec,
    Actor,
    assign_staff,
    assigned_regions,
    create_account,
    get_or_404,
    unassign_staff,
)
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

    def work(session: Session) -> LogoutOut:
        now = context.now()
        revoke_token(session, token, now)
        account = get_or_404(session, Account, actor.id, "account_id")
        record_action(session, actor, "auth.logout", account, now=now, after={"revoked_tokens": 1})
        return LogoutOut(account_id=actor.id, revoked_tokens=1)

    return context.run(work)


@router.post("/accounts/{account_id}/tokens/revoke", response_model=LogoutOut)
def revoke_all_tokens(account_id: RowId, request: Request, actor: CurrentActor) -> LogoutOut:
    """Revoke every live token of an account (administrator), e.g. when a login leaked."""
    context = context_of(request)

    def work(session: Session) -> LogoutOut:
        now = context.now()
        account = get_or_404(session, Account, account_id, "account_id")
        revoked = revoke_account_tokens(session, account_id, now)
        record_action(
            session,
            actor,
            "account.tokens.revoke",
            account,
            now=now,
            after={"revoked_tokens": revoked},
        )
        return LogoutOut(account_id=account_id, revoked_tokens=revoked)

    return context.run(work)


def account_out(session: Session, account: Account) -> AccountOut:
    """An account with the regions it is assigned to (regulators and operators)."""
    out = AccountOut.model_validate(account, from_attributes=True)
    out.region_ids = sorted(assigned_regions(session, account.id))
    return out


def _change_staff(
    session: Session,
    actor: Actor,
    account_id: int,
    region_id: int,
    now: datetime,
    action: str,
    change: Callable[[], Account],
) -> AccountOut:
    """Assign or unassign staff, logged with the account's regions before and after."""
    before = {"region_ids": sorted(assigned_regions(session, account_id))}
    out = account_out(session, change())
    after = {"region_ids": out.region_ids}
    account = get_or_404(session, Account, account_id, "account_id")
    record_action(
        session, actor, action, account, now=now, before=before, after=after, region_id=region_id
    )
    return out


@router.get("/me", response_model=AccountOut)
def me(request: Request, actor: CurrentActor) -> AccountOut:
    """The caller's own account, with the regions it acts in."""

    def work(session: Session) -> AccountOut:
        account = session.get(Account, actor.id)
        assert account is not None
        return account_out(session, account)

    return context_of(request).read(work)


def _accounts_visible_to(actor: Actor) -> list[ColumnElement[bool]]:
    """The administrator sees every account; staff the parties and staff of their regions."""
    if actor.role is Role.ADMIN:
        return []
    staff_here = select(RegionStaff.account_id).where(RegionStaff.region_id.in_(actor.region_ids))
    return [or_(Account.region_id.in_(actor.region_ids), Account.id.in_(staff_here))]


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(request: Request, actor: CurrentActor) -> list[AccountOut]:
    """The registry with use classes and locations (administrator; staff: their regions)."""

    def work(session: Session) -> list[AccountOut]:
        query = select(Account).where(*_accounts_visible_to(actor)).order_by(Account.id)
        return [account_out(session, row) for row in session.scalars(query)]

    return context_of(request).read(work)


@router.post("/accounts", response_model=AccountOut, status_code=201)
def register_account(
    payload: AccountIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register an account (administrator: anyone; a regulator or operator: sellers and buyers
    of its regions). A regulator or operator given a `region_id` is assigned to it."""
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
        account = create_account(session, actor, spec, context.rules, now)
        record_action(session, actor, "account.create", account, now=now)
        return account_out(session, account)

    return context.write(
        actor, idempotency_key, fingerprint(request, payload, exclude={"password"}), work
    )


@router.put("/accounts/{account_id}/regions/{region_id}", response_model=AccountOut)
def assign(
    account_id: RowId,
    region_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Assign a regulator or exchange operator to a region (administrator); repeatable."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        return _change_staff(
            session,
            actor,
            account_id,
            region_id,
            now,
            "account.region.assign",
            lambda: assign_staff(session, actor, account_id, region_id, now),
        )

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.delete("/accounts/{account_id}/regions/{region_id}", response_model=AccountOut)
def unassign(
    account_id: RowId,
    region_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """End a regulator's or operator's assignment to a region (administrator)."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        return _change_staff(
            session,
            actor,
            account_id,
            region_id,
            now,
            "account.region.unassign",
            lambda: unassign_staff(session, actor, account_id, region_id),
        )

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)
