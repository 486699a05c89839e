"""What every route shares: the database, the rules, the clock, and one way to run a request.

A request is one transaction: the bearer token is checked in the transaction that then does the
request's work (`RequestTransaction`, opened by the authentication dependency), and
`ExchangeContext.write` runs the work together with its idempotency key, so a repeated
submission returns the first response and a failed one writes nothing. A transaction that dies
of a deadlock, a serialization failure or a busy SQLite is retried from the token check on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from reclaim.io.market_data import load_access_limits, load_password_policy
from reclaim.market.access import AccessLimits
from reclaim.market.passwords import PasswordPolicy
from reclaim.market.prices import PriceSchedule
from reclaim.market.rules import ExchangeRules
from reclaim.operations.notify import WebhookPolicy
from reclaim.service.limits import BodyLimits
from reclaim.store.db import MAX_ATTEMPTS, RETRY_BASE_DELAY_S, Database, is_retryable
from reclaim.store.idempotency import (
    StoredResponse,
    check_key,
    claim_key,
    complete_key,
    stored_response,
)
from reclaim.store.registry import Actor

T = TypeVar("T")
RESET_CODE_LIFETIME_MINUTES = 30
"""How long a password reset code works: the service's choice, long enough to hand the code to
its user by telephone or in person, short enough that a code lost in a mailbox soon dies."""
REPLAY_HEADER = "Idempotent-Replay"
TESTING_ENV = "RECLAIM_TESTING"
"""Set to 1 to start the service for tests: only then may its clock be moved over HTTP."""


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class RequestTransaction:
    """The one transaction of an authenticated request: its token is checked inside it.

    `check` resolves the caller; a retry rolls back, begins again and checks the token again,
    so a token revoked meanwhile is refused rather than used.
    """

    def __init__(self, db: Database, check: Callable[[Session], Actor], *, read_only: bool) -> None:
        self._db = db
        self._check = check
        self._read_only = read_only
        self._session: Session | None = None
        self._actor: Actor | None = None

    def begin(self) -> Session:
        """Begin (once) and check the token: `AuthError` if it is not valid."""
        if self._session is None:
            session = (self._db.read_sessions if self._read_only else self._db.sessions)()
            session.begin()
            try:
                actor = self._check(session)
            except BaseException:
                session.close()
                raise
            self._session, self._actor = session, actor
        return self._session

    @property
    def actor(self) -> Actor:
        """The authenticated caller (checked now if it was not yet)."""
        self.begin()
        assert self._actor is not None
        return self._actor

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in this transaction and commit; retried from the token check if it must."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            session = self.begin()
            try:
                result = work(session)
                session.commit()
                return result
            except DBAPIError as error:
                self.close()
                if attempt == MAX_ATTEMPTS or not is_retryable(error):
                    raise
                time.sleep(RETRY_BASE_DELAY_S * attempt * (1 + random.random()))
            except BaseException:
                session.rollback()
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        """End the request: roll back whatever was not committed and return the connection."""
        if self._session is not None:
            self._session.close()
            self._session = None


@dataclass
class ExchangeContext:
    """The service's state: store, rules, price schedules and a clock that tests may move.

    `testing` is set only when the service is started with RECLAIM_TESTING=1: only then may
    the clock be moved over HTTP (`clock_offset`). `run_scheduler` starts the timed jobs.
    """

    db: Database
    rules: ExchangeRules
    schedules: dict[str, PriceSchedule]
    clock: Callable[[], datetime] = field(default=utc_now)
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    """argon2id with argon2-cffi's default (RFC 9106) cost; tests may pass a cheaper one."""
    limits: AccessLimits = field(default_factory=load_access_limits)
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    password_policy: PasswordPolicy = field(default_factory=load_password_policy)
    reset_code_lifetime: timedelta = timedelta(minutes=RESET_CODE_LIFETIME_MINUTES)
    testing: bool = False
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    """Which alert webhook URLs and addresses may be called (service settings)."""
    clock_offset: timedelta = timedelta(0)
    run_scheduler: bool = False
    scheduler_tick_s: float = 30.0
    transaction: RequestTransaction | None = None
    """The request's own transaction, on the copy of the context bound to one request."""

    def now(self) -> datetime:
        """The service's time: the clock, moved by the testing offset (zero unless testing)."""
        return self.clock() + self.clock_offset

    def bound_to(self, transaction: RequestTransaction | None) -> ExchangeContext:
        """This context for one request, whose reads and writes join `transaction`."""
        return self if transaction is None else dataclasses.replace(self, transaction=transaction)

    def read(self, work: Callable[[Session], T]) -> T:
        """Run a read in the request's transaction (or its own, for the public)."""
        if self.transaction is not None:
            return self.transaction.run(work)
        return self.db.run_read(work)

    def run(self, work: Callable[[Session], T]) -> T:
        """Run work that writes without an idempotency key, in the request's transaction."""
        if self.transaction is not None:
            return self.transaction.run(work)
        return self.db.run(work)

    def write(
        self,
        actor: Actor,
        idempotency_key: str | None,
        fingerprint: str,
        work: Callable[[Session, datetime], BaseModel],
        status_code: int = 201,
    ) -> JSONResponse:
        """Run `work` in the request's transaction with its idempotency key (if any)."""
        now = self.now()
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
            if self.transaction is not None:
                response, replay = self.transaction.run(unit)
            else:
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


def app_context(request: Request) -> ExchangeContext:
    """The context stored on the application (not bound to any request)."""
    context = request.app.state.exchange
    assert isinstance(context, ExchangeContext)
    return context


def context_of(request: Request) -> ExchangeContext:
    """The context of this request: bound to its transaction once the caller is authenticated."""
    return app_context(request).bound_to(getattr(request.state, "transaction", None))


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
