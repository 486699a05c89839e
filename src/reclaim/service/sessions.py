"""Browser sessions: the same bearer token, kept in an HttpOnly cookie instead of script memory,
and the double-submit CSRF check that every write authenticated by that cookie must pass.

The portal asks for a cookie session with the `X-Reclaim-Session: cookie` header on
`POST /auth/token`; API clients that send no such header get the bearer JSON as before. The CSRF
token is derived from the session token (a keyed hash of it), so it needs no storage, changes
with every login and is worthless without the session cookie it belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from fastapi import Request, Response

from reclaim.errors import ErrorCode
from reclaim.market.errors import ForbiddenError

SESSION_HEADER = "X-Reclaim-Session"
"""Header of a login that wants the token as a cookie (value `cookie`)."""
SESSION_COOKIE = "reclaim_session"
"""HttpOnly cookie holding the token: scripts of the page cannot read it."""
CSRF_COOKIE = "reclaim_csrf"
"""Readable cookie holding the CSRF token, which the portal echoes in `CSRF_HEADER`."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REASON = (
    f"a write authenticated by the session cookie must echo the {CSRF_COOKIE} cookie in the "
    f"{CSRF_HEADER} header"
)


def wants_cookie(request: Request) -> bool:
    """True when a login asks for a browser session (the portal) rather than bearer JSON."""
    return request.headers.get(SESSION_HEADER, "").strip().lower() == "cookie"


def csrf_token_for(token: str) -> str:
    """The CSRF token bound to a session token (HMAC-SHA-256 keyed by the token itself)."""
    return hmac.new(token.encode(), b"reclaim csrf", hashlib.sha256).hexdigest()


def _secure(request: Request) -> bool:
    """Cookies are marked Secure when the portal is reached over https."""
    return request.url.scheme == "https"


def set_session_cookies(
    request: Request, response: Response, token: str, expires_at: datetime, now: datetime
) -> None:
    """Put `token` in the HttpOnly session cookie and its CSRF token in the readable one; both
    expire with the token."""
    max_age = max(0, int((expires_at - now).total_seconds()))
    secure = _secure(request)
    for name, value, http_only in (
        (SESSION_COOKIE, token, True),
        (CSRF_COOKIE, csrf_token_for(token), False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            expires=expires_at,
            path="/",
            secure=secure,
            httponly=http_only,
            samesite="strict",
        )


def clear_session_cookies(request: Request, response: Response) -> None:
    """Tell the browser to drop both cookies (logout)."""
    secure = _secure(request)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="strict")


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of two texts (as bytes, so any header text is comparable)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def session_token(request: Request) -> str | None:
    """The token of the session cookie, or None; for a write, only with the CSRF header echoing
    the CSRF cookie and matching the session (403 otherwise)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if request.method not in SAFE_METHODS:
        header = request.headers.get(CSRF_HEADER, "")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        expected = csrf_token_for(token)
        if not header or not (_same(header, cookie) & _same(header, expected)):
            raise ForbiddenError(CSRF_HEADER, None, CSRF_REASON, ErrorCode.CSRF_MISMATCH)
    return token
