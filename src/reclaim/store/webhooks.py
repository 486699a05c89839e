"""Webhooks of a region and the notifications queued for them (the sending is the service's).

A notification is queued in the transaction that raised what it announces, once per webhook
and event key, and sent later by the scheduler (`service.webhooks`), so a slow or dead receiver
never holds up ingest. Each attempt is recorded: delivered, or tried again after the backoff,
or given up after the last attempt.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.market.errors import NotFoundError
from reclaim.operations.notify import Backoff, WebhookPolicy, check_webhook_url
from reclaim.operations.rules import AlertRule
from reclaim.store.models import Notification, Webhook
from reclaim.store.registry import lock_or_404

SECRET_BYTES = 32
MAX_ERROR_CHARS = 300


class NotificationState(StrEnum):
    """Where a notification is in its delivery."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def register_webhook(
    session: Session,
    region_id: int,
    url: str,
    created_by_id: int,
    policy: WebhookPolicy,
    now: datetime,
) -> Webhook:
    """A new webhook of the region, if ``policy`` allows its URL; its signing secret is random
    (shown to the caller once, by the route)."""
    check_webhook_url(url, policy)
    webhook = Webhook(
        region_id=region_id,
        url=url,
        secret=secrets.token_hex(SECRET_BYTES),
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(webhook)
    session.flush()
    return webhook


def region_webhooks(session: Session, region_id: int) -> list[Webhook]:
    """The region's webhooks in use, oldest first."""
    query = select(Webhook).where(Webhook.region_id == region_id, Webhook.removed_at.is_(None))
    return list(session.scalars(query.order_by(Webhook.id)))


def remove_webhook(session: Session, region_id: int, webhook_id: int, now: datetime) -> Webhook:
    """Stop sending to a webhook of the region (its history is kept); 404 if it is not one."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.region_id != region_id or webhook.removed_at is not None:
        raise NotFoundError("webhook_id", webhook_id)
    webhook.removed_at = now
    session.flush()
    return webhook


def queue_notification(
    session: Session,
    region_id: int,
    event: str,
    event_key: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> int:
    """Queue ``payload`` for every webhook of the region that has not had ``event_key`` yet;
    how many were queued."""
    body = json.dumps(
        {"event": event, "sent_for": event_key, **payload}, ensure_ascii=False, sort_keys=True
    )
    queued = 0
    for webhook in region_webhooks(session, region_id):
        known = session.scalar(
            select(Notification.id).where(
                Notification.webhook_id == webhook.id, Notification.event_key == event_key
            )
        )
        if known is not None:
            continue
        session.add(
            Notification(
                webhook_id=webhook.id,
                event=event,
                event_key=event_key,
                body=body,
                state=NotificationState.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    session.flush()
    return queued


@dataclass(frozen=True)
class Outgoing:
    """A notification due now, with where it goes and the secret it is signed with."""

    notification_id: int
    url: str
    secret: str
    event: str
    body: str


def due_notifications(session: Session, now: datetime, limit: int) -> list[Outgoing]:
    """Up to ``limit`` pending notifications whose next attempt is due, oldest due first."""
    rows = session.execute(
        select(Notification, Webhook)
        .join(Webhook, Webhook.id == Notification.webhook_id)
        .where(
            Notification.state == NotificationState.PENDING.value,
            Notification.next_attempt_at <= now,
            Webhook.removed_at.is_(None),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).all()
    return [Outgoing(note.id, hook.url, hook.secret, note.event, note.body) for note, hook in rows]


def record_attempt(
    session: Session, notification_id: int, error: str | None, backoff: Backoff, now: datetime
) -> Notification:
    """Record one attempt: delivered (``error`` None), or failed and tried again after the
    backoff, or given up after the last attempt."""
    note = lock_or_404(session, Notification, notification_id, "notification_id")
    note.attempts += 1
    if error is None:
        note.state = NotificationState.DELIVERED.value
        note.delivered_at = now
        note.next_attempt_at = None
        note.last_error = None
    elif backoff.gives_up(note.attempts):
        note.state = NotificationState.FAILED.value
        note.next_attempt_at = None
        note.last_error = error[:MAX_ERROR_CHARS]
    else:
        note.next_attempt_at = now + backoff.delay_after(note.attempts)
        note.last_error = error[:MAX_ERROR_CHARS]
    session.flush()
    return note


def alert_opened(
    session: Session,
    region_id: int,
    alert_id: int,
    rule: AlertRule,
    firing: Mapping[str, Any],
    now: datetime,
) -> int:
    """Queue the notification of a newly opened alert to the region's webhooks (with the
    alert's ``detail`` where it has one: a quality exceedance's standard and limit)."""
    alert = {
        "id": alert_id,
        "rule": rule.id,
        "severity": rule.severity.value,
        "subject": firing["subject"],
        "first_seen_at": firing["first"].isoformat(),
        "opened_at": now.isoformat(),
    }
    if firing.get("detail") is not None:
        alert["detail"] = firing["detail"]
    payload = {"alert": alert, "region_id": region_id}
    return queue_notification(
        session, region_id, "alert.opened", f"alert:{alert_id}:opened", payload, now
    )
