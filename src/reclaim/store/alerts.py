"""The alerts of a region in the store: who sees which, the list a console pages through,
acknowledgement and resolution with who and why, and escalation (the scheduler's
`escalate_alerts` job).

A region's network operators and regulators see all its alerts; a seller or buyer only those
about its own contracts (an over-draw) or about the sensors at their delivery points. The network
operators acknowledge and resolve them (`reclaim.operations.lifecycle` checks the transition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression

from reclaim.errors import ErrorCode
from reclaim.io.operations_files import load_alert_rules
from reclaim.market.errors import ConflictError, NotFoundError
from reclaim.market.rules import PARTY_ROLES, Role
from reclaim.operations.lifecycle import Alert, AlertState, acknowledge, escalation_level, resolve
from reclaim.operations.rules import AlertRule
from reclaim.store.models import AlertRecord, Contract, Region, Sensor
from reclaim.store.registry import Actor, get_or_404, lock_or_404
from reclaim.store.sensors import own_contract_ids, require_network_operator, visible_sensors
from reclaim.store.webhooks import queue_notification

MAX_PAGE_SIZE = 200
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


class AlertOrder(StrEnum):
    """The orders an alert list may be sorted in (newest first by default)."""

    NEWEST = "-opened_at"
    OLDEST = "opened_at"
    SEVERITY = "-severity"
    """Most severe first, newest first within a severity."""
    LAST_SEEN = "-last_seen_at"
    ESCALATION = "-escalation_level"


@dataclass(frozen=True)
class AlertFilter:
    """What a console asks for: a state, a rule, a sensor (by code), a page."""

    state: AlertState | None = None
    rule: str | None = None
    sensor: str | None = None
    order: AlertOrder = AlertOrder.NEWEST
    page: int = 1
    per_page: int = 50


def visible_alerts(actor: Actor, region_id: int) -> ColumnElement[bool]:
    """The region's alerts the actor sees: all (its network operators and regulators), those
    about its own contracts or the sensors at their delivery points (parties), none (others)."""
    in_region = AlertRecord.region_id == region_id
    if actor.is_network_operator_of(region_id) or (
        actor.role is Role.REGULATOR and actor.is_staff_of(region_id)
    ):
        return in_region
    if actor.role in PARTY_ROLES:
        own_sensors = select(Sensor.id).where(visible_sensors(actor, region_id))
        own_contracts = select(Contract.id).where(
            cast(Contract.id, String).in_(own_contract_ids(actor))
        )
        return in_region & (
            AlertRecord.contract_id.in_(own_contracts) | AlertRecord.sensor_id.in_(own_sensors)
        )
    return false()


def list_alerts(
    session: Session, actor: Actor, region_id: int, wanted: AlertFilter
) -> tuple[list[AlertRecord], int]:
    """One page of the alerts the actor sees, filtered and sorted in the database, and how many
    match in all."""
    return alerts_page(session, region_id, wanted, visible_alerts(actor, region_id))


def alerts_page(
    session: Session, region_id: int, wanted: AlertFilter, visible: ColumnElement[bool]
) -> tuple[list[AlertRecord], int]:
    """One page of the region's alerts that are ``visible`` (the console on the database
    itself: all of them), filtered and sorted in the database, and how many match in all."""
    get_or_404(session, Region, region_id, "region_id")
    where = [AlertRecord.region_id == region_id, visible]
    if wanted.state is not None:
        where.append(AlertRecord.state == wanted.state.value)
    if wanted.rule is not None:
        where.append(AlertRecord.rule == wanted.rule)
    if wanted.sensor is not None:
        named = select(Sensor.id).where(Sensor.region_id == region_id, Sensor.code == wanted.sensor)
        where.append(AlertRecord.sensor_id.in_(named))
    total = session.scalar(select(func.count()).select_from(AlertRecord).where(*where)) or 0
    rank = case(SEVERITY_RANK, value=AlertRecord.severity, else_=0)
    orders: dict[AlertOrder, list[UnaryExpression[Any]]] = {
        AlertOrder.NEWEST: [AlertRecord.opened_at.desc()],
        AlertOrder.OLDEST: [AlertRecord.opened_at.asc()],
        AlertOrder.SEVERITY: [rank.desc(), AlertRecord.opened_at.desc()],
        AlertOrder.LAST_SEEN: [AlertRecord.last_seen_at.desc()],
        AlertOrder.ESCALATION: [AlertRecord.escalation_level.desc(), AlertRecord.opened_at.asc()],
    }
    order = orders[wanted.order]
    query = (
        select(AlertRecord)
        .where(*where)
        .order_by(*order, AlertRecord.id.desc())
        .offset((wanted.page - 1) * wanted.per_page)
        .limit(wanted.per_page)
    )
    return list(session.scalars(query)), int(total)


def visible_alert(session: Session, actor: Actor, region_id: int, alert_id: int) -> AlertRecord:
    """An alert of the region the actor sees; an unknown one and one it may not see are 404."""
    alert = session.scalar(
        select(AlertRecord).where(visible_alerts(actor, region_id), AlertRecord.id == alert_id)
    )
    if alert is None:
        raise NotFoundError("alert_id", alert_id)
    return alert


def lifecycle_of(record: AlertRecord) -> Alert:
    """The alert as `reclaim.operations.lifecycle` models it (who and why are checked there)."""
    return Alert(
        rule=record.rule,
        subject=record.subject,
        opened_at=record.opened_at,
        last_seen_at=record.last_seen_at,
        occurrences=record.occurrences,
        state=AlertState(record.state),
    )


def acknowledge_alert(
    session: Session, actor: Actor, region_id: int, alert_id: int, why: str, now: datetime
) -> AlertRecord:
    """A network operator of the region acknowledges an open alert, saying why (escalation
    stops there)."""
    require_network_operator(actor, region_id)
    visible_alert(session, actor, region_id, alert_id)
    record = lock_or_404(session, AlertRecord, alert_id, "alert_id")
    if record.state != AlertState.OPEN.value:
        raise ConflictError(
            "alert_id", alert_id, f"the alert is {record.state}, not open", ErrorCode.WRONG_STATE
        )
    done = acknowledge(lifecycle_of(record), actor.username, why, now)
    assert done.acknowledged is not None
    record.state = done.state.value
    record.acknowledged_by_id = actor.id
    record.acknowledged_at = now
    record.acknowledged_why = done.acknowledged.why
    session.flush()
    return record


def resolve_alert(
    session: Session, actor: Actor, region_id: int, alert_id: int, why: str, now: datetime
) -> AlertRecord:
    """A network operator of the region resolves an open or acknowledged alert, saying why; the
    condition coming back later opens a new alert."""
    require_network_operator(actor, region_id)
    visible_alert(session, actor, region_id, alert_id)
    record = lock_or_404(session, AlertRecord, alert_id, "alert_id")
    if record.state == AlertState.RESOLVED.value:
        raise ConflictError(
            "alert_id", alert_id, "the alert is resolved already", ErrorCode.WRONG_STATE
        )
    done = resolve(lifecycle_of(record), actor.username, why, now)
    assert done.resolved is not None
    record.state = done.state.value
    record.resolved_by_id = actor.id
    record.resolved_at = now
    record.resolved_why = done.resolved.why
    session.flush()
    return record


@cache
def rules_of(region_code: str) -> tuple[AlertRule, ...]:
    """The alert rules of a region (the shipped file's defaults with its overrides), read once
    per process for ingest, metering, escalation and the watch jobs alike."""
    return load_alert_rules(region_code)


@cache
def _rules_by_id(region_code: str) -> dict[str, AlertRule]:
    return {rule.id: rule for rule in rules_of(region_code)}


def escalate_alerts(session: Session, now: datetime) -> int:
    """The scheduler's job: raise the escalation level of every open alert left unacknowledged
    past its rule's `acknowledge_within_s` (one level per period), and notify the region's
    webhooks of each new level; how many alerts were escalated."""
    escalated = 0
    open_alerts = session.execute(
        select(AlertRecord, Region.code)
        .join(Region, Region.id == AlertRecord.region_id)
        .where(AlertRecord.state == AlertState.OPEN.value)
        .order_by(AlertRecord.id)
    ).all()
    for record, region_code in open_alerts:
        rule = _rules_by_id(region_code).get(record.rule)
        if rule is None:
            continue
        within = timedelta(seconds=rule.acknowledge_within_s)
        level = escalation_level(lifecycle_of(record), now, within)
        if level <= record.escalation_level:
            continue
        record = lock_or_404(session, AlertRecord, record.id, "alert_id")
        if record.state != AlertState.OPEN.value or level <= record.escalation_level:
            continue  # acknowledged or escalated by another transaction meanwhile
        record.escalation_level = level
        escalated += 1
        payload = {
            "alert": {
                "id": record.id,
                "rule": record.rule,
                "severity": record.severity,
                "subject": record.subject,
                "opened_at": record.opened_at.isoformat(),
                "escalation_level": level,
                "acknowledge_within_s": rule.acknowledge_within_s,
            },
            "region_id": record.region_id,
        }
        queue_notification(
            session,
            record.region_id,
            "alert.escalated",
            f"alert:{record.id}:escalated:{level}",
            payload,
            now,
        )
    session.flush()
    return escalated
