"""An account's life after registration: disabled and enabled again, its password changed or
reset with a one-time code, its tokens revoked.

Every function runs in the caller's transaction; `actor=None` is an operator at the server's
shell (`reclaim db …`), who acts as the administrator.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode
from reclaim.market.errors import ConflictError
from reclaim.market.rules import Role
from reclaim.store.models import Account, ResetCode, Token
from reclaim.store.registry import Actor, get_or_404, lock_or_404, require_role

SHELL_ROLE = "shell"
"""The role an action-log entry names for an operator at the server's shell (`reclaim db …`)."""


def revoke_tokens(
    session: Session, account_id: int, now: datetime, keep_sha256: str | None = None
) -> int:
    """Revoke every live token of an account (but the one whose digest is `keep_sha256`);
    how many were revoked."""
    query = (
        update(Token)
        .where(Token.account_id == account_id, Token.revoked_at.is_(None), Token.expires_at > now)
        .values(revoked_at=now)
    )
    if keep_sha256 is not None:
        query = query.where(Token.token_sha256 != keep_sha256)
    result = session.execute(query)
    assert isinstance(result, CursorResult)
    return result.rowcount


def _administered(session: Session, actor: Actor | None, account_id: int) -> Account:
    """The account an administrator (or the shell) acts on, locked for the transaction."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    return lock_or_404(session, Account, account_id, "account_id")


def disable_account(
    session: Session, actor: Actor | None, account_id: int, now: datetime
) -> tuple[Account, int]:
    """Disable an account and revoke all its tokens at once; the account and how many tokens
    were revoked. An administrator cannot disable their own account (nobody could undo it)."""
    account = _administered(session, actor, account_id)
    if actor is not None and account.id == actor.id:
        raise ConflictError(
            "account_id",
            account_id,
            "an administrator cannot disable themselves",
            ErrorCode.WRONG_STATE,
        )
    if account.disabled_at is not None:
        raise ConflictError(
            "account_id",
            account_id,
            f"disabled already, at {account.disabled_at.isoformat()}",
            ErrorCode.WRONG_STATE,
        )
    account.disabled_at = now
    session.flush()
    return account, revoke_tokens(session, account.id, now)


def enable_account(session: Session, actor: Actor | None, account_id: int) -> Account:
    """Let a disabled account log in again (its old tokens stay revoked)."""
    account = _administered(session, actor, account_id)
    if account.disabled_at is None:
        raise ConflictError(
            "account_id", account_id, "this account is not disabled", ErrorCode.WRONG_STATE
        )
    account.disabled_at = None
    session.flush()
    return account


def set_password(
    session: Session, account: Account, password_hash: str, now: datetime, keep: str | None = None
) -> int:
    """Store a new password hash and revoke the account's tokens (but `keep`, the digest of the
    token of a user changing their own password); how many were revoked."""
    account.password_hash = password_hash
    session.flush()
    return revoke_tokens(session, account.id, now, keep_sha256=keep)


def upgrade_hash(session: Session, account_id: int, old_hash: str, new_hash: str) -> None:
    """Replace a hash of weaker argon2 parameters, unless the password changed meanwhile."""
    session.execute(
        update(Account)
        .where(Account.id == account_id, Account.password_hash == old_hash)
        .values(password_hash=new_hash)
    )


def issue_reset_code(
    session: Session,
    actor: Actor | None,
    account_id: int,
    code_sha256: str,
    now: datetime,
    lifetime: timedelta,
) -> ResetCode:
    """Record a reset code (its digest only) for an enabled account; any earlier code of the
    account that is still open is replaced by it."""
    account = _administered(session, actor, account_id)
    if account.disabled_at is not None:
        raise ConflictError(
            "account_id",
            account_id,
            "this account is disabled; enable it first",
            ErrorCode.WRONG_STATE,
        )
    session.execute(
        update(ResetCode)
        .where(
            ResetCode.account_id == account_id,
            ResetCode.used_at.is_(None),
            ResetCode.replaced_at.is_(None),
        )
        .values(replaced_at=now)
    )
    code = ResetCode(
        account_id=account_id,
        code_sha256=code_sha256,
        issued_by_id=None if actor is None else actor.id,
        issued_at=now,
        expires_at=now + lifetime,
    )
    session.add(code)
    session.flush()
    return code


def reset_code_of(session: Session, username: str, code_sha256: str) -> ResetCode | None:
    """The reset code with this digest issued for the enabled account `username`, if any."""
    return session.scalar(
        select(ResetCode)
        .join(Account, Account.id == ResetCode.account_id)
        .where(
            Account.username == username,
            Account.disabled_at.is_(None),
            ResetCode.code_sha256 == code_sha256,
        )
    )


def redeem_reset_code(
    session: Session, code: ResetCode, password_hash: str, now: datetime
) -> tuple[Account, int]:
    """Set the account's password with a code that is open (unused, not replaced, not expired):
    once only, even when two requests race; every token of the account is revoked. The account
    and how many tokens were revoked."""
    if code.used_at is not None:
        raise ConflictError(
            "code",
            "***",
            f"this reset code was used at {code.used_at.isoformat()}",
            ErrorCode.RESET_CODE_SPENT,
        )
    if code.replaced_at is not None:
        raise ConflictError(
            "code",
            "***",
            f"a newer reset code replaced this one at {code.replaced_at.isoformat()}",
            ErrorCode.RESET_CODE_SPENT,
        )
    if now >= code.expires_at:
        raise ConflictError(
            "code",
            "***",
            f"this reset code expired at {code.expires_at.isoformat()}",
            ErrorCode.RESET_CODE_SPENT,
        )
    claimed = session.execute(
        update(ResetCode)
        .where(ResetCode.id == code.id, ResetCode.used_at.is_(None))
        .values(used_at=now)
    )
    assert isinstance(claimed, CursorResult)
    if claimed.rowcount != 1:
        raise ConflictError(
            "code", "***", "this reset code was used just now", ErrorCode.RESET_CODE_SPENT
        )
    account = get_or_404(session, Account, code.account_id, "account_id")
    return account, set_password(session, account, password_hash, now)
