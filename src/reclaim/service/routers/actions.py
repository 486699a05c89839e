"""Reading the action log: paged, filtered and sorted by the server, within the caller's reach.

The administrator reads every entry; a regulator the entries of its regions; everyone (a
regulator too) the entries of its own records and of its own actions (`action_log_parties`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.rules import Role
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of
from reclaim.service.field_docs import Documented
from reclaim.service.schemas import MAX_ID, Code, Day, PrintableText
from reclaim.store.models import ActionLog, ActionLogParty
from reclaim.store.registry import Actor

router = APIRouter(tags=["action log"])
MAX_PAGE_SIZE = 200
SORTABLE: dict[str, Any] = {
    "seq": ActionLog.seq,
    "created_at": ActionLog.created_at,
    "action": ActionLog.action,
    "actor_id": ActionLog.actor_id,
    "region_id": ActionLog.region_id,
}
"""Columns the log may be sorted by (ties broken by `seq`)."""
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


class ActionOut(Documented):
    """One entry of the action log: who did what to which record, before and after, and why."""

    seq: int
    created_at: datetime
    actor_id: int | None
    actor_username: str | None
    role: str
    region_id: int | None
    action: str
    target_kind: str
    target_id: str
    before: Any
    after: Any
    reason: str | None
    request_id: str | None
    hash: str


class ActionPageOut(Documented):
    """A page of entries, the number of entries that match, and the page asked for."""

    items: list[ActionOut]
    total: int
    page: int
    page_size: int


def readable_by(actor: Actor) -> ColumnElement[bool]:
    """The entries `actor` may read: all (administrator), its regions' (regulator), and those
    of its own records and actions (everyone)."""
    if actor.role is Role.ADMIN:
        return true()
    own = select(ActionLogParty.seq).where(ActionLogParty.account_id == actor.id)
    mine = [ActionLog.seq.in_(own)]
    if actor.role is Role.REGULATOR:
        mine.append(ActionLog.region_id.in_(actor.region_ids))
    return or_(*mine)


def utc_period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants [start of `since`, end of `until`) of an inclusive period of days;
    refused (naming `to`) when it ends before it starts."""
    if since is not None and until is not None and until < since:
        raise InputError("to", until.isoformat(), f"a day on or after from={since.isoformat()}")
    start = None if since is None else datetime.combine(since, time(), UTC)
    end = None if until is None else datetime.combine(until + timedelta(days=1), time(), UTC)
    return start, end


def _entry_out(entry: ActionLog) -> ActionOut:
    return ActionOut(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        role=entry.role,
        region_id=entry.region_id,
        action=entry.action,
        target_kind=entry.target_kind,
        target_id=entry.target_id,
        before=None if entry.before_json is None else json.loads(entry.before_json),
        after=None if entry.after_json is None else json.loads(entry.after_json),
        reason=entry.reason,
        request_id=entry.request_id,
        hash=entry.hash,
    )


@router.get("/actions", response_model=ActionPageOut)
def list_actions(
    request: Request,
    actor: CurrentActor,
    region_id: OptionalId = None,
    actor_id: OptionalId = None,
    action: Annotated[Code | None, Query()] = None,
    target_kind: Annotated[Code | None, Query()] = None,
    target_id: Annotated[PrintableText | None, Query(max_length=64)] = None,
    since: Annotated[Day | None, Query(alias="from", description="first day (UTC), ISO")] = None,
    until: Annotated[Day | None, Query(alias="to", description="last day (UTC), ISO")] = None,
    sort: Literal["seq", "created_at", "action", "actor_id", "region_id"] = "seq",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> ActionPageOut:
    """The action-log entries the caller may read, filtered, sorted and paged by the server."""
    start, end = utc_period(since, until)
    filters: list[ColumnElement[bool]] = [readable_by(actor)]
    for field, value in (
        (ActionLog.region_id, region_id),
        (ActionLog.actor_id, actor_id),
        (ActionLog.action, action),
        (ActionLog.target_kind, target_kind),
        (ActionLog.target_id, target_id),
    ):
        if value is not None:
            filters.append(field == value)
    if start is not None:
        filters.append(ActionLog.created_at >= start)
    if end is not None:
        filters.append(ActionLog.created_at < end)
    column = SORTABLE[sort]
    ascending = order == "asc"
    ordering = (
        column.asc() if ascending else column.desc(),
        ActionLog.seq.asc() if ascending else ActionLog.seq.desc(),
    )
    query = select(ActionLog).where(*filters).order_by(*ordering)

    def work(session: Session) -> ActionPageOut:
        total = session.scalar(select(func.count()).select_from(ActionLog).where(*filters))
        rows = session.scalars(query.limit(page_size).offset((page - 1) * page_size))
        return ActionPageOut(
            items=[_entry_out(row) for row in rows],
            total=int(total or 0),
            page=page,
            page_size=page_size,
        )

    return context_of(request).read(work)
