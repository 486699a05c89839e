"""Alert rules the scheduler evaluates on stored data, as no arriving reading can set them off.

`raise_missing_data` (the `missing_data` job) finds sensors that went silent: a reading arriving
shows a gap at ingest, but a sensor that stopped sends nothing to evaluate. `check_night_flow`
(the `night_flow_rising` job) needs a whole night of every boundary meter of a DMA. Alerts are
stored by
`store.readings.store_alerts`, so a condition already alerted is folded, never raised twice.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reclaim.operations.alerts import FloatGrid, night_flow_rising, to_grid
from reclaim.operations.lifecycle import AlertState
from reclaim.operations.registry import SensorKind
from reclaim.operations.rules import AlertRule, RuleKind
from reclaim.store.alerts import rules_of
from reclaim.store.models import AlertRecord, Dma, DmaMeter, Reading, Region, Sensor
from reclaim.store.readings import fetch_readings, store_alerts
from reclaim.store.sensors import network_links


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
    last_ts = (
        select(func.max(Reading.ts)).where(Reading.sensor_id == Sensor.id).scalar_subquery()
    )  # per sensor, so each is one probe of the (sensor_id, ts) key, not a scan of readings
    sensors = (
        select(Sensor.id, Sensor.code, Sensor.interval_s, last_ts.label("last_ts"))
        .where(
            Sensor.region_id == region_id,
            Sensor.kind.in_([kind.value for kind in rule.sensor_kinds]),
        )
        .subquery()
    )
    rows = session.execute(select(sensors).where(sensors.c.last_ts.is_not(None))).all()
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


def check_night_flow(session: Session, now: datetime) -> int:
    """The scheduler's `night_flow_rising` job: for each DMA, the minimum night flow of the
    last night that has ended in its region's time zone (net inflow through its boundary
    meters) against the median of the nights before, by `night_flow_rising` with the rule's
    parameters. Each night is judged once: a night already alerted is skipped, so the hourly
    runs after it change nothing. Returns alerts opened plus new rises folded into an open one."""
    changed = 0
    for region in session.scalars(select(Region).order_by(Region.id)):
        for rule in rules_of(region.code):
            if rule.kind is not RuleKind.NIGHT_FLOW_RISING:
                continue
            night = _last_night(rule, now, zoneinfo.ZoneInfo(region.time_zone))
            seen = _unresolved_last_seen(session, region.id, rule.id)
            firings = [
                firing
                for dma in session.scalars(select(Dma).where(Dma.region_id == region.id))
                if (firing := _dma_night(session, region, rule, dma, night, seen)) is not None
            ]
            opened, folded = store_alerts(session, region.id, firings, now)
            changed += opened + folded
    return changed


def _last_night(rule: AlertRule, now: datetime, zone: zoneinfo.ZoneInfo) -> date:
    """The local day of the last night window that has ended by ``now``."""
    local = now.astimezone(zone)
    ended_today = local.hour >= rule.value("night_end_hour")
    return local.date() if ended_today else local.date() - timedelta(days=1)


def _dma_night(
    session: Session,
    region: Region,
    rule: AlertRule,
    dma: Dma,
    night: date,
    seen: Mapping[str, datetime],
) -> dict[str, Any] | None:
    """The firing of ``rule`` for the DMA's night ``night``, or None (not rising, no full
    baseline, or judged already)."""
    zone = zoneinfo.ZoneInfo(region.time_zone)
    start_hour, end_hour = int(rule.value("night_start_hour")), int(rule.value("night_end_hour"))
    night_start = datetime.combine(night, time(start_hour), zone)
    night_end = datetime.combine(night, time(end_hour), zone)
    subject = f"dma:{dma.code}"
    earlier = seen.get(subject)
    if earlier is not None and earlier >= night_end:
        return None
    meters = session.execute(
        select(Sensor.id, Sensor.kind, Sensor.interval_s, Sensor.attachment_ref)
        .join(DmaMeter, DmaMeter.sensor_id == Sensor.id)
        .where(DmaMeter.dma_id == dma.id)
        .order_by(Sensor.id)
    ).all()
    if not meters:
        return None
    baseline_days = int(rule.value("baseline_days"))
    first_night = datetime.combine(night - timedelta(days=baseline_days), time(start_hour), zone)
    step = pd.Timedelta(seconds=max(interval for _, _, interval, _ in meters))
    origin = pd.Timestamp(first_night).tz_convert("UTC").floor(step) - step
    steps = int((pd.Timestamp(night_end) - origin) // step) + 1
    readings = fetch_readings(
        session,
        Reading.sensor_id.in_([meter[0] for meter in meters]),
        Reading.ts.between(origin.to_pydatetime(), night_end),
    )
    frame = readings.rename(columns={"sensor_id": "sensor"}).astype({"sensor": str})
    grid = to_grid(frame, [str(meter[0]) for meter in meters], origin, step, steps)
    signs = _inflow_signs(session, region.id, dma, [meter[3] for meter in meters])
    kinds = [SensorKind(meter[1]) for meter in meters]
    net = _net_inflow_m3_per_hour(grid, kinds, signs, step)
    times = pd.date_range(origin, periods=steps, freq=step).tz_convert(zone)
    check = night_flow_rising(
        net[:, np.newaxis],
        times,
        (start_hour, end_hour),
        baseline_days,
        rule.value("rise_fraction"),
        rule.value("min_rise_m3_per_hour"),
    )
    position = check.days.get_indexer(pd.DatetimeIndex([pd.Timestamp(night_start).normalize()]))[0]
    if position < 0 or not check.rising[position, 0]:
        return None
    previous_end = night_end - timedelta(days=1)
    return {
        "rule": rule,
        "dma_id": dma.id,
        "subject": subject,
        "first": night_start,
        "last": night_end,
        "new": earlier is None or earlier < previous_end,
    }


def _inflow_signs(
    session: Session, region_id: int, dma: Dma, meter_links: Sequence[str]
) -> list[float]:
    """+1 for a meter whose link points into the DMA (EPANET's positive flow runs from a
    link's start node to its end node), -1 for one pointing out of it."""
    links = network_links(session, region_id)
    inside = {node for link in dma.link_ids for node in links[link]}
    return [1.0 if links[link][1] in inside else -1.0 for link in meter_links]


def _net_inflow_m3_per_hour(
    grid: FloatGrid, kinds: Sequence[SensorKind], signs: Sequence[float], step: pd.Timedelta
) -> FloatGrid:
    """The DMA's inflow minus outflow at each step (m³/h): a flow meter's reading, a
    totaliser's difference over the step before divided by its length; NaN where a meter has no
    value (that step is left out of the night's minimum)."""
    rates = grid.copy()
    hours = step.total_seconds() / 3600.0
    for column, kind in enumerate(kinds):
        if kind is SensorKind.VOLUME_TOTALISER:
            rates[0, column] = np.nan
            rates[1:, column] = np.diff(grid[:, column]) / hours
    return rates @ np.asarray(signs, dtype=float)
