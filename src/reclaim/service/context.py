"""What every route shares: the database, the rules, the clock, and one way to run a request.

`ExchangeContext.write` runs a request's work in one transaction together with its idempotency
key, so a repeated submission returns the first response and a failed one writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from argon2 import PasswordHasher
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from reclaim.market.prices import PriceSchedule
from reclaim.market.rules import ExchangeRules
from reclaim.store.db import Database
from reclaim.store.idempotency import (
    StoredResponse,
    check_key,
    claim_key,
    complete_key,
    stored_response,
)
from reclaim.store.registry import Actor

T = TypeVar("T")
REPLAY_HEADER = "Idempotent-Replay"


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class ExchangeContext:
    """The service's state: store, rules, price schedules and a clock that tests may move."""

    db: Database
    rules: ExchangeRules
    schedules: dict[str, PriceSchedule]
    clock: Callable[[], datetime] = field(default=utc_now)
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    """argon2id with argon2-cffi's default (RFC 9106) cost; tests may pass a cheaper one."""

    def read(self, work: Callable[[Session], T]) -> T:
        """Run a read in its own transaction."""
        return self.db.run(work)

    def write(
        self,
        actor: Actor,
        idempotency_key: str | None,
        fingerprint: str,
        work: Callable[[Session, datetime], BaseModel],
        status_code: int = 201,
    ) -> JSONResponse:
        """Run `work` in one transaction with the request's idempotency key (if any)."""
        now = self.clock()
        if idempotency_key is not None:
            check_key(idempotency_key)

        def unit(session: Session) -> tuple[StoredResponse, bool]:
            row = None
            if idempotency_key is not None:
                prior = stored_response(session, actor.id, idempotency_key, fingerprint)
                if prior is not None:
                    return prior, True
                row = claim_key(session, actor.id, idempotency_key, fingerprint, now)
            body = work(session, now).model_dump(mode="json")
            if row is not None:
                complete_key(row, status_code, body)
            return StoredResponse(status_code, body), False

        try:
            response, replay = self.db.run(unit)
        except IntegrityError:
            if idempotency_key is None:
                raise
            key = idempotency_key
            prior = self.db.run(lambda s: stored_response(s, actor.id, key, fingerprint))
            if prior is None:
                raise
            response, replay = prior, True
        headers = {REPLAY_HEADER: "true"} if replay else {}
        return JSONResponse(response.body, status_code=response.status_code, headers=headers)


def context_of(request: Request) -> ExchangeContext:
    """The context stored on the application."""
    context = request.app.state.exchange
    assert isinstance(context, ExchangeContext)
    return context


def fingerprint(
    request: Request, payload: BaseModel | None = None, exclude: set[str] | None = None
) -> str:
    """What a request asks for (method, path, parsed body less secrets), for idempotency keys."""
    body = b"" if payload is None else payload.model_dump_json(exclude=exclude).encode()
    text = request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    return hashlib.sha256(text).hexdigest()


def dump(model: type[BaseModel], row: Any) -> Any:
    """An ORM row as a response body."""
    return model.model_validate(row, from_attributes=True)
