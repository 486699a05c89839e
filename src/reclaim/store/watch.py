"""Alert rules the scheduler evaluates on stored data, as no arriving reading can set them off.

`raise_missing_data` (the `missing_data` job) finds sensors that went silent: a reading arriving
shows a gap at ingest, but a sensor that stopped sends nothing to evaluate. Alerts are stored by
`store.readings.store_alerts`, so a condition already alerted is folded, never raised twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reclaim.operations.lifecycle import AlertState
from reclaim.operations.rules import AlertRule, RuleKind
from reclaim.store.models import AlertRecord, Reading, Region, Sensor
from reclaim.store.readings import rules_of, store_alerts


def raise_missing_data(session: Session, now: datetime) -> int:
    """The scheduler's `missing_data` job: open (or fold into the open one) the missing-data
    alert of every sensor whose last reading is more than its rule's ``max_missing_intervals`` ×
    its reporting interval before ``now``. It resolves nothing: readings arriving again are
    evaluated at ingest, and an operator resolves the alert. A sensor that never reported is
    left out (nothing says when it should have started). Returns alerts opened plus silences
    newly folded into an open alert."""
    changed = 0
    for region in session.scalars(select(Region).order_by(Region.id)):
        for rule in rules_of(region.code):
            if rule.kind is RuleKind.MISSING_DATA:
                firings = _silent_sensors(session, region.id, rule, now)
                opened, folded = store_alerts(session, region.id, firings, now)
                changed += opened + folded
    return changed


def _silent_sensors(
    session: Session, region_id: int, rule: AlertRule, now: datetime
) -> list[dict[str, Any]]:
    """Firings of ``rule`` for the region's silent sensors: first seen when the last expected
    reading of the allowed gap was due, last seen ``now``; new unless an unresolved alert of
    the sensor has been seen since that instant (the same silence, seen by an earlier run)."""
    last_reading = (
        select(Reading.sensor_id, func.max(Reading.ts).label("last_ts"))
        .join(Sensor, Sensor.id == Reading.sensor_id)
        .where(
            Sensor.region_id == region_id,
            Sensor.kind.in_([kind.value for kind in rule.sensor_kinds]),
        )
        .group_by(Reading.sensor_id)
        .subquery()
    )
    rows = session.execute(
        select(Sensor.id, Sensor.code, Sensor.interval_s, last_reading.c.last_ts).join(
            last_reading, last_reading.c.sensor_id == Sensor.id
        )
    ).all()
    allowed = rule.value("max_missing_intervals")
    seen = _unresolved_last_seen(session, region_id, rule.id)
    firings = []
    for sensor_id, code, interval_s, last_ts in rows:
        due = last_ts + timedelta(seconds=allowed * interval_s)
        if now <= due:
            continue
        subject = f"sensor:{code}"
        earlier = seen.get(subject)
        firings.append(
            {
                "rule": rule,
                "sensor_id": sensor_id,
                "subject": subject,
                "first": due,
                "last": now,
                "new": earlier is None or earlier < due,
            }
        )
    return firings


def _unresolved_last_seen(session: Session, region_id: int, rule_id: str) -> Mapping[str, Any]:
    """Subject → last seen time of the region's unresolved alerts of a rule."""
    rows = session.execute(
        select(AlertRecord.subject, AlertRecord.last_seen_at).where(
            AlertRecord.region_id == region_id,
            AlertRecord.rule == rule_id,
            AlertRecord.state != AlertState.RESOLVED.value,
        )
    )
    return {subject: last for subject, last in rows}
