"""Idempotency keys: a submission repeated with the same key takes effect once.

The key row is inserted first, in the same transaction as the work. A concurrent twin blocks on
the primary key until the first commits, then fails with a unique violation and reads back the
stored response; if the first rolls back, its key goes with it and the twin proceeds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError
from reclaim.store.models import IdempotencyKey

MAX_KEY_CHARS = 200
PENDING_STATUS = 0


@dataclass(frozen=True)
class StoredResponse:
    """The response a key's first submission gave."""

    status_code: int
    body: Any


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what was asked, so a reused key with a different request is refused."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def check_key(key: str) -> None:
    """A key is a non-empty printable string of bounded length."""
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise InputError(
            "Idempotency-Key",
            key,
            f"1–{MAX_KEY_CHARS} printable characters",
            ErrorCode.WRONG_FORMAT,
        )


def claim_key(
    session: Session, account_id: int, key: str, fingerprint: str, now: datetime
) -> IdempotencyKey:
    """Insert the key's row (pending); raises IntegrityError if the key was used already."""
    row = IdempotencyKey(
        account_id=account_id,
        key=key,
        request_sha256=fingerprint,
        status_code=PENDING_STATUS,
        response_json="null",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def stored_response(
    session: Session, account_id: int, key: str, fingerprint: str
) -> StoredResponse | None:
    """The response of an earlier submission with this key, if there was one."""
    row = session.get(IdempotencyKey, (account_id, key))
    if row is None:
        return None
    if row.request_sha256 != fingerprint:
        raise InputError(
            "Idempotency-Key",
            key,
            "reused with a different request; use a new key",
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return StoredResponse(row.status_code, json.loads(row.response_json))


def complete_key(row: IdempotencyKey, status_code: int, body: Any) -> None:
    """Store the response with the key, in the same transaction as the work it describes."""
    row.status_code = status_code
    row.response_json = json.dumps(body, default=str)
