"""`record_action`: the one call a state-changing route makes to write its action-log entry.

Call it inside the route's store work (the `work(session, now)` given to `context.write`, or
the function given to `context.run`), as the LAST step, with the row the action changed:

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Deal, deal_id))
        deal = decide_deal(session, actor, deal_id, approve, reason, now)
        record_action(session, actor, "deal.approve", deal, now=now, before=before, reason=reason)
        return dump(DealOut, deal)

The entry joins the request's transaction: a refused or failed request leaves none, and an entry
that cannot be written fails the request. `after` defaults to the row as written; `before` is
what the route read first (`state_of(row)`, None for a new row). Secrets (password hashes,
tokens, reset codes) never enter the log: keys naming them are dropped. The request id is the
one answered in X-Request-ID. `tests/market/test_action_log.py` calls every state-changing route
of the app and fails for one that writes no entry, or more than one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reclaim.service.observability import request_id_var
from reclaim.store.actions import (
    DEVICE_ROLE,
    INFERRED,
    PUBLIC_ROLE,
    Target,
    append_action,
    state_of,
)
from reclaim.store.models import ActionLog, Base
from reclaim.store.registry import Actor

__all__ = ["DEVICE_ROLE", "Target", "record_action", "state_of"]


def record_action(
    session: Session,
    actor: Actor | None,
    action: str,
    target: Base | Target,
    *,
    now: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = INFERRED,
    reason: str | None = None,
    region_id: int | None = INFERRED,
    parties: Collection[int] = (),
    role: str = PUBLIC_ROLE,
) -> ActionLog:
    """Log `action` (e.g. "deal.approve") by `actor` (None: `role`, the public or a device) on
    `target`, in the
    caller's transaction, with this request's id (see `reclaim.store.actions.append_action`)."""
    return append_action(
        session,
        actor,
        action,
        target,
        now=now,
        request_id=request_id_var.get(),
        before=before,
        after=after,
        reason=reason,
        region_id=region_id,
        parties=parties,
        role=role,
    )
