"""Tokens, the caller's own account and password, registering, disabling and enabling accounts,
password reset codes, and assigning staff to regions."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from reclaim.errors import ErrorCode, InputError
from reclaim.market.rules import Role
from reclaim.service.actions import record_action, state_of
from reclaim.service.auth import (
    TOKEN_URL,
    AuthError,
    CurrentActor,
    account_for_login,
    claim_or_refuse,
    client_address,
    hash_password,
    issue_token,
    new_reset_code,
    password_matches,
    refused_log,
    reset_code_digest,
    revoke_token,
    token_digest,
)
from reclaim.service.context import app_context, context_of, fingerprint
from reclaim.service.schemas import (
    THROTTLED,
    AccountIn,
    AccountOut,
    DisabledOut,
    IdempotencyKey,
    LogoutOut,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordSetOut,
    ResetCodeOut,
    RowId,
    TokenForm,
    TokenOut,
    TokenRequest,
)
from reclaim.service.sessions import clear_session_cookies, set_session_cookies, wants_cookie
from reclaim.store.accounts import (
    disable_account,
    enable_account,
    issue_reset_code,
    redeem_reset_code,
    reset_code_of,
    revoke_tokens,
    set_password,
    upgrade_hash,
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
accounts_log = logging.getLogger("reclaim.service.accounts")
"""Account changes for the operator's log: who disabled whom, that a reset code was issued
(never the code)."""
INVALID_RESET = "unknown username or invalid reset code"
WRONG_CREDENTIALS = "unknown username or wrong password"
"""The one refusal of a login: an unknown name, a wrong password and a disabled account alike."""


JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
LOGIN_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        JSON_TYPE: {"schema": TokenRequest.model_json_schema()},
        FORM_TYPE: {"schema": TokenForm.model_json_schema()},
    },
}
"""The login body in OpenAPI: JSON or the OAuth2 password form, read by `login_payload`."""
FORM_FIELDS = 10
"""The most fields a login form may have (it has at most six)."""


def _invalid(model: type[BaseModel], data: object) -> TokenRequest:
    """`data` as `model` (then as a `TokenRequest`), or the 422 of every problem in it."""
    try:
        parsed = model.model_validate(data)
    except ValidationError as error:
        problems = [
            {**problem, "loc": ("body", *problem["loc"])}
            for problem in error.errors(include_url=False)
        ]
        raise RequestValidationError(problems, body=data) from None
    return TokenRequest.model_validate(parsed.model_dump(include={"username", "password"}))


async def login_payload(request: Request) -> TokenRequest:
    """The login of a request: a JSON body, or the OAuth2 password form (what Swagger UI and
    OAuth2 client libraries send); anything else is refused naming the Content-Type."""
    media_type = request.headers.get("content-type", JSON_TYPE).split(";")[0].strip().lower()
    body = await request.body()
    if media_type == FORM_TYPE:
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise InputError(
                "body",
                None,
                f"a form of at most {FORM_FIELDS} UTF-8 fields (grant_type, username, password)",
                ErrorCode.WRONG_FORMAT,
            ) from None
        return _invalid(TokenForm, dict(pairs))
    if media_type != JSON_TYPE:
        raise InputError(
            "Content-Type", media_type, f"{JSON_TYPE} or {FORM_TYPE}", ErrorCode.WRONG_FORMAT
        )
    try:
        document = json.loads(body)
    except json.JSONDecodeError as error:
        problem = {
            "type": "json_invalid",
            "loc": ("body", error.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": error.msg},
        }
        raise RequestValidationError([problem], body=body.decode(errors="replace")) from None
    except (ValueError, RecursionError) as error:  # a 5000-digit number, nesting too deep
        raise StarletteHTTPException(400) from error
    return _invalid(TokenRequest, document)


@router.post(
    TOKEN_URL,
    response_model=TokenOut,
    responses={429: THROTTLED},
    openapi_extra={"requestBody": LOGIN_BODY},
)
def login(
    payload: Annotated[TokenRequest, Depends(login_payload)], request: Request, response: Response
) -> TokenOut:
    """Exchange a username and password for a bearer token that expires.

    Send them as JSON, or as the OAuth2 password form (`grant_type=password&username=…&
    password=…`, form-encoded), what Swagger UI's Authorize button and OAuth2 clients send. A
    wrong password and an unknown username get the same 401 (field `password`, code
    `wrong_credentials`).

    With the header `X-Reclaim-Session: cookie` (the portal), the token goes into an HttpOnly,
    SameSite=Strict cookie instead (Secure over https) with a readable CSRF cookie beside it,
    and `access_token` comes back empty: the page's scripts never hold the token.

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

    def claim(session: Session) -> tuple[int | None, str, bool]:
        claim_or_refuse(session, claims, now)
        return account_for_login(session, payload.username)

    account_id, stored_hash, disabled = context.db.run(claim)
    matches = password_matches(stored_hash, payload.password)
    if not matches or account_id is None or disabled:
        why = "account disabled" if matches and disabled else "wrong credentials"
        refused_log.warning("refused login %r from %s: %s", payload.username, address, why)
        raise AuthError(WRONG_CREDENTIALS, ErrorCode.WRONG_CREDENTIALS, field="password")
    lifetime = timedelta(minutes=context.rules.token_lifetime_minutes)
    known_id = account_id
    upgraded = (
        hash_password(payload.password, context.hasher)
        if context.hasher.check_needs_rehash(stored_hash)
        else None
    )

    def grant(session: Session) -> tuple[str, datetime]:
        reset_attempts(session, account_key)
        forgive_attempt(session, address_key)
        if upgraded is not None:
            upgrade_hash(session, known_id, stored_hash, upgraded)
        return issue_token(session, known_id, now, lifetime)

    token, expires_at = context.db.run(grant)
    if wants_cookie(request):
        set_session_cookies(request, response, token, expires_at, now)
        return TokenOut(access_token="", expires_at=expires_at)
    return TokenOut(access_token=token, expires_at=expires_at)


@router.post("/auth/logout", response_model=LogoutOut)
def logout(request: Request, response: Response, actor: CurrentActor) -> LogoutOut:
    """Revoke the token of this request; it is refused from now on. A browser session's
    cookies are cleared too."""
    token = request.state.token
    context = context_of(request)
    clear_session_cookies(request, response)

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
        revoked = revoke_tokens(session, account_id, now)
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
    context.password_policy.check(payload.password, payload.username)
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
        record_action(
            session, actor, "account.create", account, now=now, region_id=payload.region_id
        )
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


@router.post("/accounts/{account_id}/disable", response_model=DisabledOut)
def disable(
    account_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Disable an account (administrator): every token of it is revoked at once, and it cannot
    log in until it is enabled again."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Account, account_id))
        account, revoked = disable_account(session, actor, account_id, now)
        after = {**(state_of(account) or {}), "revoked_tokens": revoked}
        record_action(
            session, actor, "account.disable", account, now=now, before=before, after=after
        )
        accounts_log.info(
            "account %d disabled by %r; %d tokens revoked", account_id, actor.username, revoked
        )
        return DisabledOut(**account_out(session, account).model_dump(), revoked_tokens=revoked)

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.post("/accounts/{account_id}/enable", response_model=AccountOut)
def enable(
    account_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Enable a disabled account again (administrator); its user logs in afresh."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Account, account_id))
        account = enable_account(session, actor, account_id)
        record_action(session, actor, "account.enable", account, now=now, before=before)
        accounts_log.info("account %d enabled by %r", account_id, actor.username)
        return account_out(session, account)

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.post("/me/password", response_model=PasswordSetOut)
def change_password(
    payload: PasswordChangeIn, request: Request, actor: CurrentActor
) -> PasswordSetOut:
    """Change the caller's own password, given the current one; every other token of the
    account is revoked (this one stays). A wrong current password counts against the login
    throttle of the account."""
    context = context_of(request)
    if payload.new_password == payload.current_password:
        raise InputError("new_password", "***", "a password other than the current one")
    context.password_policy.check(payload.new_password, actor.username, "new_password")
    new_hash = hash_password(payload.new_password, context.hasher)
    now = context.now()
    key = f"login:account:{actor.username}"
    claims = [(key, context.limits.login_per_account, "username", actor.username)]
    this_token = token_digest(request.state.token)

    def work(session: Session) -> int | None:
        claim_or_refuse(session, claims, now)
        account = session.get(Account, actor.id)
        assert account is not None
        if not password_matches(account.password_hash, payload.current_password):
            return None  # committed: the attempt counts
        reset_attempts(session, key)
        revoked = set_password(session, account, new_hash, now, keep=this_token)
        after = {"credential": "password changed", "revoked_tokens": revoked}
        record_action(session, actor, "account.password.change", account, now=now, after=after)
        return revoked

    revoked = context.run(work)
    if revoked is None:
        refused_log.warning("refused password change of %r: wrong current password", actor.username)
        raise InputError("current_password", "***", "the account's current password")
    accounts_log.info("password of %r changed; %d other tokens revoked", actor.username, revoked)
    return PasswordSetOut(account_id=actor.id, revoked_tokens=revoked)


@router.post("/accounts/{account_id}/reset-code", response_model=ResetCodeOut, status_code=201)
def issue_reset(
    account_id: RowId, request: Request, response: Response, actor: CurrentActor
) -> ResetCodeOut:
    """Issue a one-time password reset code for an account (administrator), shown only in this
    answer and stored only as its SHA-256; it expires after the reset code lifetime (setting
    RECLAIM_RESET_CODE_LIFETIME_MINUTES) and replaces any earlier open code of the account."""
    context = context_of(request)
    code = new_reset_code()

    def work(session: Session) -> datetime:
        now = context.now()
        issued = issue_reset_code(
            session, actor, account_id, reset_code_digest(code), now, context.reset_code_lifetime
        )
        account = get_or_404(session, Account, account_id, "account_id")
        after = {"code_expires_at": issued.expires_at}
        record_action(session, actor, "account.reset_code.issue", account, now=now, after=after)
        return issued.expires_at

    expires_at = context.run(work)
    accounts_log.info(
        "reset code issued for account %d by %r, expires %s",
        account_id,
        actor.username,
        expires_at.isoformat(),
    )
    response.headers["Cache-Control"] = "no-store"
    return ResetCodeOut(account_id=account_id, code=code, expires_at=expires_at)


@router.post("/auth/reset", response_model=PasswordSetOut, responses={429: THROTTLED})
def reset_password(payload: PasswordResetIn, request: Request) -> PasswordSetOut:
    """Set a new password with a reset code from the administrator: once, before it expires.
    Every token of the account is revoked and its login throttle cleared. Attempts are
    throttled per login name and per address, like logins."""
    context = app_context(request)
    context.password_policy.check(payload.new_password, payload.username, "new_password")
    now = context.now()
    address = client_address(request)
    login_key = f"login:account:{payload.username}"
    claims = [
        (
            f"reset:account:{payload.username}",
            context.limits.login_per_account,
            "username",
            payload.username,
        ),
        (f"reset:address:{address}", context.limits.login_per_address, "address", address),
    ]
    digest = reset_code_digest(payload.code)

    def claim(session: Session) -> bool:
        claim_or_refuse(session, claims, now)
        return reset_code_of(session, payload.username, digest) is not None

    if not context.db.run(claim):
        refused_log.warning(
            "refused password reset of %r from %s: no such code", payload.username, address
        )
        raise AuthError(INVALID_RESET, ErrorCode.WRONG_RESET_CODE, field="code")
    new_hash = hash_password(payload.new_password, context.hasher)

    def redeem(session: Session) -> PasswordSetOut:
        code = reset_code_of(session, payload.username, digest)
        if code is None:
            raise AuthError(INVALID_RESET, ErrorCode.WRONG_RESET_CODE, field="code")
        account, revoked = redeem_reset_code(session, code, new_hash, now)
        reset_attempts(session, login_key)
        after = {"credential": "password reset", "revoked_tokens": revoked}
        holder = Actor.load(session, account)
        record_action(session, holder, "account.password.reset", account, now=now, after=after)
        return PasswordSetOut(account_id=account.id, revoked_tokens=revoked)

    done = context.db.run(redeem)
    accounts_log.info("password of %r set with a reset code", payload.username)
    return done
