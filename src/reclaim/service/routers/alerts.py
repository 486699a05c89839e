"""Alerts of a region (list, acknowledge, resolve) and the webhooks they are sent to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.operations.lifecycle import AlertState
from reclaim.operations.notify import shown_url
from reclaim.service.actions import record_action, state_of
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import (
    AlertActionIn,
    AlertOut,
    AlertPageOut,
    IdempotencyKey,
    PrintableText,
    RowId,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
)
from reclaim.store.alerts import (
    MAX_PAGE_SIZE,
    AlertFilter,
    AlertOrder,
    acknowledge_alert,
    list_alerts,
    resolve_alert,
    visible_alert,
)
from reclaim.store.models import AlertRecord, Notification, Webhook
from reclaim.store.sensors import require_network_operator
from reclaim.store.webhooks import (
    NotificationState,
    region_webhooks,
    register_webhook,
    remove_webhook,
)

router = APIRouter(tags=["operations alerts"])

RuleId = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
SensorCode = Annotated[PrintableText | None, Query(min_length=1, max_length=64)]


@router.get("/regions/{region_id}/alerts", response_model=AlertPageOut)
def alerts(
    region_id: RowId,
    request: Request,
    actor: CurrentActor,
    state: AlertState | None = None,
    rule: RuleId = None,
    sensor: SensorCode = None,
    sort: AlertOrder = AlertOrder.NEWEST,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> AlertPageOut:
    """The region's alerts the caller sees (network operators and regulators: all; sellers and
    buyers: their contracts' and their delivery points' sensors'), filtered by state, rule or
    sensor code, sorted and paged by the server."""
    wanted = AlertFilter(state, rule, sensor, sort, page, per_page)

    def work(session: Session) -> AlertPageOut:
        rows, total = list_alerts(session, actor, region_id, wanted)
        items = [dump(AlertOut, row) for row in rows]
        return AlertPageOut(items=items, total=total, page=page, per_page=per_page)

    return context_of(request).read(work)


@router.get("/regions/{region_id}/alerts/{alert_id}", response_model=AlertOut)
def alert(region_id: RowId, alert_id: RowId, request: Request, actor: CurrentActor) -> AlertOut:
    """One alert the caller sees, with who acknowledged or resolved it and why."""

    def work(session: Session) -> AlertOut:
        return dump(AlertOut, visible_alert(session, actor, region_id, alert_id))

    return context_of(request).read(work)


@router.post("/regions/{region_id}/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(
    region_id: RowId,
    alert_id: RowId,
    payload: AlertActionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A network operator of the region acknowledges an open alert, saying why; its escalation
    stops."""

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(AlertRecord, alert_id))  # the store checks visibility
        record = acknowledge_alert(session, actor, region_id, alert_id, payload.why, now)
        record_action(
            session, actor, "alert.acknowledge", record, now=now, before=before, reason=payload.why
        )
        return dump(AlertOut, record)

    context = context_of(request)
    return context.write(actor, idempotency_key, fingerprint(request, payload), work, 200)


@router.post("/regions/{region_id}/alerts/{alert_id}/resolve", response_model=AlertOut)
def resolve(
    region_id: RowId,
    alert_id: RowId,
    payload: AlertActionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A network operator of the region resolves an open or acknowledged alert, saying why."""

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(AlertRecord, alert_id))  # the store checks visibility
        record = resolve_alert(session, actor, region_id, alert_id, payload.why, now)
        record_action(
            session, actor, "alert.resolve", record, now=now, before=before, reason=payload.why
        )
        return dump(AlertOut, record)

    context = context_of(request)
    return context.write(actor, idempotency_key, fingerprint(request, payload), work, 200)


def _logged(webhook: Webhook) -> dict[str, Any]:
    """A webhook as the action log keeps it: its URL shown, not whole (it may carry a token)."""
    return {**(state_of(webhook) or {}), "url": shown_url(webhook.url)}


def webhook_out(session: Session, webhook: Webhook) -> WebhookOut:
    """A webhook with the count of its notifications in each state and its last error."""
    counts = dict(
        session.execute(
            select(Notification.state, func.count())
            .where(Notification.webhook_id == webhook.id)
            .group_by(Notification.state)
        ).all()
    )
    last_error = session.scalar(
        select(Notification.last_error)
        .where(Notification.webhook_id == webhook.id, Notification.last_error.is_not(None))
        .order_by(Notification.id.desc())
        .limit(1)
    )
    return WebhookOut(
        id=webhook.id,
        region_id=webhook.region_id,
        url=shown_url(webhook.url),
        created_at=webhook.created_at,
        pending=counts.get(NotificationState.PENDING.value, 0),
        delivered=counts.get(NotificationState.DELIVERED.value, 0),
        failed=counts.get(NotificationState.FAILED.value, 0),
        last_error=last_error,
    )


@router.post("/regions/{region_id}/webhooks", response_model=WebhookCreatedOut, status_code=201)
def add_webhook(
    region_id: RowId,
    payload: WebhookIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A network operator of the region registers a URL its alerts are posted to, signed with
    the secret in this answer (shown once). The URL must be one the service's webhook policy
    allows: https, an allowed host, never a loopback, link-local or private address unless the
    service is configured for it."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        require_network_operator(actor, region_id)
        webhook = register_webhook(session, region_id, payload.url, actor.id, context.webhooks, now)
        record_action(session, actor, "webhook.create", webhook, now=now, after=_logged(webhook))
        out = webhook_out(session, webhook)
        return WebhookCreatedOut(**out.model_dump(), secret=webhook.secret)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/regions/{region_id}/webhooks", response_model=list[WebhookOut])
def webhooks(region_id: RowId, request: Request, actor: CurrentActor) -> list[WebhookOut]:
    """The region's webhooks and how their notifications went (never their secrets)."""

    def work(session: Session) -> list[WebhookOut]:
        return [webhook_out(session, hook) for hook in region_webhooks(session, region_id)]

    return context_of(request).read(work)


@router.delete("/regions/{region_id}/webhooks/{webhook_id}", response_model=WebhookOut)
def delete_webhook(
    region_id: RowId, webhook_id: RowId, request: Request, actor: CurrentActor
) -> WebhookOut:
    """A network operator of the region stops sending to a webhook (its history is kept)."""

    def work(session: Session) -> WebhookOut:
        require_network_operator(actor, region_id)
        now = context.now()
        hook = session.get(Webhook, webhook_id)
        before = None if hook is None else _logged(hook)
        removed = remove_webhook(session, region_id, webhook_id, now)
        record_action(
            session,
            actor,
            "webhook.remove",
            removed,
            now=now,
            before=before,
            after=_logged(removed),
        )
        return webhook_out(session, removed)

    context = context_of(request)
    return context.run(work)
