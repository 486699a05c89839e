"""Passwords (argon2) and expiring bearer tokens; the caller of each request as an `Actor`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.service.context import context_of
from reclaim.store.models import Account, Token
from reclaim.store.registry import Actor

TOKEN_BYTES = 32
_UNKNOWN_USER_HASH = PasswordHasher().hash("no such user")
"""Checked against when the username is unknown, so both refusals take the same time."""
bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/token")


class AuthError(Exception):
    """A request without a valid identity: answered 401 with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


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


def issue_token(
    session: Session, username: str, password: str, now: datetime, lifetime: timedelta
) -> tuple[str, datetime]:
    """A new bearer token for valid credentials; one refusal for unknown user or bad password."""
    account = session.scalar(select(Account).where(Account.username == username))
    stored = _UNKNOWN_USER_HASH if account is None else account.password_hash
    if not password_matches(stored, password) or account is None:
        raise AuthError("unknown username or wrong password")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + lifetime
    session.add(
        Token(token_sha256=token_digest(token), account_id=account.id, expires_at=expires_at)
    )
    session.flush()
    return token, expires_at


def actor_for_token(session: Session, token: str, now: datetime) -> Actor:
    """The actor a token stands for, or `AuthError` naming why not."""
    row = session.scalar(select(Token).where(Token.token_sha256 == token_digest(token)))
    if row is None:
        raise AuthError("invalid token")
    if now >= row.expires_at:
        raise AuthError(f"token expired at {row.expires_at.isoformat()}")
    account = session.get(Account, row.account_id)
    assert account is not None
    return Actor.load(session, account)


def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    """FastAPI dependency: the authenticated caller (401 if none), read once per request."""
    known = getattr(request.state, "actor", None)
    if isinstance(known, Actor):
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("missing bearer token (Authorization: Bearer <token>)")
    context = context_of(request)
    now = context.clock()
    token = credentials.credentials
    actor = context.read(lambda session: actor_for_token(session, token, now))
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
"""Route parameter type: the authenticated caller."""
