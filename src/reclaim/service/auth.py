"""Passwords (argon2) and expiring bearer tokens; the caller of each request as an `Actor`."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode
from reclaim.market.access import ThrottlePolicy
from reclaim.service.context import RequestTransaction, app_context
from reclaim.service.sessions import SAFE_METHODS, session_token
from reclaim.store.models import Account, Token
from reclaim.store.registry import Actor
from reclaim.store.throttle import claim_attempt

TOKEN_BYTES = 32
RESET_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RESET_CODE_CHARS = 16
"""32 symbols × 16 characters: 80 bits, beyond guessing through the throttled reset route."""
refused_log = logging.getLogger("reclaim.service.auth")
"""Refused logins and throttled attempts, for the operator's log."""
_UNKNOWN_USER_HASH = PasswordHasher().hash("no such user")
"""Checked against when the username is unknown, so both refusals take the same time."""
TOKEN_URL = "/auth/token"
bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    description="A bearer token from POST /auth/token (the OAuth2 password form, or JSON); "
    "Swagger UI's Authorize button gets one with a username and password.",
)
"""The bearer token of a request (None without one), and the OAuth2 password flow in OpenAPI."""


class AuthError(Exception):
    """A request without a valid identity: answered 401 with the reason and its code."""

    def __init__(self, reason: str, code: ErrorCode, field: str = "Authorization") -> None:
        self.reason = reason
        self.error_code = code
        self.field = field
        super().__init__(reason)


class TooManyAttempts(Exception):
    """An attempt refused by a throttle: answered 429 with Retry-After, nothing else is run."""

    def __init__(self, field: str, value: str, retry_at: datetime, now: datetime) -> None:
        self.field = field
        self.value = value
        self.retry_after_s = max(1, math.ceil((retry_at - now).total_seconds()))
        self.reason = (
            f"too many attempts; try again after {retry_at.isoformat()} (in {self.retry_after_s} s)"
        )
        super().__init__(self.reason)


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's --forwarded-allow-ips sets it)."""
    return request.client.host if request.client is not None else "unknown"


def claim_or_refuse(
    session: Session, claims: list[tuple[str, ThrottlePolicy, str, str]], now: datetime
) -> None:
    """Count an attempt against every (key, policy, field, value); refuse if any must wait.

    A refusal raises, so the caller's transaction rolls back: refused attempts are not counted.
    """
    for key, policy, field, value in claims:
        retry_at = claim_attempt(session, key, policy, now)
        if retry_at is not None:
            refused_log.warning(
                "refused (throttled) %s=%r until %s", field, value, retry_at.isoformat()
            )
            raise TooManyAttempts(field, value, retry_at, now)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of the password (argon2-cffi's default cost unless `hasher` is given)."""
    return (hasher or PasswordHasher()).hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """True when `password` matches the stored hash (whose own parameters set the cost)."""
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def account_for_login(session: Session, username: str) -> tuple[int | None, str, bool]:
    """The account id, stored hash and whether it is disabled, for `username` (the decoy hash
    if there is none, so the refusal takes as long)."""
    row = session.execute(
        select(Account.id, Account.password_hash, Account.disabled_at).where(
            Account.username == username
        )
    ).first()
    if row is None:
        return None, _UNKNOWN_USER_HASH, False
    return row[0], row[1], row[2] is not None


def new_reset_code() -> str:
    """A one-time reset code a person can read out: 16 characters of an alphabet without look-
    alikes (0/O, 1/I), 80 random bits, in groups of four."""
    chars = "".join(secrets.choice(RESET_CODE_ALPHABET) for _ in range(RESET_CODE_CHARS))
    return "-".join(chars[i : i + 4] for i in range(0, RESET_CODE_CHARS, 4))


def reset_code_digest(code: str) -> str:
    """Reset codes are stored only as the SHA-256 of their characters (case, spaces and
    hyphens as typed do not matter)."""
    return token_digest("".join(code.split()).replace("-", "").upper())


def issue_token(
    session: Session, account_id: int, now: datetime, lifetime: timedelta
) -> tuple[str, datetime]:
    """A new bearer token for an account whose password was just checked."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + lifetime
    session.add(
        Token(token_sha256=token_digest(token), account_id=account_id, expires_at=expires_at)
    )
    session.flush()
    return token, expires_at


def actor_for_token(session: Session, token: str, now: datetime) -> Actor:
    """The actor a token stands for, or `AuthError` naming why not (a disabled account first:
    disabling it revoked the token too, and that is the reason the user needs)."""
    row = session.scalar(select(Token).where(Token.token_sha256 == token_digest(token)))
    if row is None:
        raise AuthError("invalid token", ErrorCode.TOKEN_INVALID)
    account = session.get(Account, row.account_id)
    assert account is not None
    if account.disabled_at is not None:
        raise AuthError(
            f"account disabled at {account.disabled_at.isoformat()} by an administrator; "
            "its tokens were revoked",
            ErrorCode.ACCOUNT_DISABLED,
        )
    if row.revoked_at is not None:
        raise AuthError(f"token revoked at {row.revoked_at.isoformat()}", ErrorCode.TOKEN_REVOKED)
    if now >= row.expires_at:
        raise AuthError(f"token expired at {row.expires_at.isoformat()}", ErrorCode.TOKEN_EXPIRED)
    return Actor.load(session, account)


def revoke_token(session: Session, token: str, now: datetime) -> None:
    """Revoke one token (logout); it is refused from now on, in every worker."""
    session.execute(
        update(Token)
        .where(Token.token_sha256 == token_digest(token), Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def current_actor(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Actor:
    """FastAPI dependency: the authenticated caller (401 if none), once per request.

    The bearer header wins; without it, the portal's session cookie (writes need its CSRF
    header, see `reclaim.service.sessions`).

    Begins the request's one transaction and checks the token in it; the route's reads and
    writes join it (`context_of(request)`), and `app.InFlightLimit` closes it when the request
    ends.
    """
    known = getattr(request.state, "actor", None)
    if isinstance(known, Actor):
        return known
    if not token:
        token = session_token(request)
    if not token:
        raise AuthError(
            "missing bearer token (Authorization: Bearer <token>)", ErrorCode.TOKEN_MISSING
        )
    context = app_context(request)
    now = context.now()
    given = token
    transaction = RequestTransaction(
        context.db,
        lambda session: actor_for_token(session, given, now),
        read_only=request.method in SAFE_METHODS,
    )
    request.state.transaction = transaction
    request.state.token = token
    actor = transaction.actor
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
"""Route parameter type: the authenticated caller."""
