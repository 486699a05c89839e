"""Every shipped alert rule run over a twin's readings, as a network operator's console sees them:
one row per alarm (rule, subject, start). Built from the rule functions of
`reclaim.operations.alerts` only, the way the store applies them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from reclaim.operations.aggregate import DEFAULT_TIMEZONE, Period, aggregate_totaliser
from reclaim.operations.alerts import (
    episodes,
    night_flow_rising,
    over_draw,
    quality_exceedance,
    to_grid,
    use_limit,
)
from reclaim.operations.registry import QUALITY_PARAMETER
from reclaim.operations.rules import AlertRule, RuleKind, evaluate_series_rule
from reclaim.operations.twin import INTERVAL_S, Twin
from reclaim.quality.standards import Standard

SERIES = {
    RuleKind.THRESHOLD,
    RuleKind.FREE_HEAD_LOW,
    RuleKind.RATE_OF_CHANGE,
    RuleKind.FLATLINE,
    RuleKind.MISSING_DATA,
    RuleKind.TOTALISER_BACKWARDS,
}


def console_alarms(
    twin: Twin,
    frames: Iterable[pd.DataFrame],
    rules: Iterable[AlertRule],
    standards: Mapping[str, Standard],
    start: pd.Timestamp,
    steps: int,
) -> pd.DataFrame:
    """Alarms (rule, subject, start) of every rule over the run's readings."""
    readings = pd.concat(list(frames), ignore_index=True)
    step = pd.Timedelta(seconds=INTERVAL_S)
    times = pd.date_range(start, periods=steps, freq=step)
    sensors = {item.sensor.id: item for item in twin.sensors}
    found = []
    for rule in rules:
        ids = [sid for sid, item in sensors.items() if item.sensor.kind in rule.sensor_kinds]
        if not ids:
            continue
        grid = to_grid(readings, ids, start.tz_convert("UTC"), step, steps)
        if rule.kind in SERIES:
            found.append(
                episodes(evaluate_series_rule(rule, grid, INTERVAL_S), ids, times, rule.id)
            )
        elif rule.kind is RuleKind.QUALITY_EXCEEDANCE:
            standard = standards[twin.quality_standard]
            for column, sid in enumerate(ids):
                parameter = QUALITY_PARAMETER[sensors[sid].sensor.kind]
                limit = use_limit(standard, twin.quality_use, parameter)
                if limit is None:
                    continue
                firing = quality_exceedance(
                    grid[:, [column]],
                    limit,
                    rule.value("hysteresis_fraction"),
                    rule.steps("min_duration_s", INTERVAL_S),
                )
                found.append(episodes(firing, [sid], times, rule.id))
        elif rule.kind is RuleKind.NIGHT_FLOW_RISING:
            found.append(_night_flow(twin, ids, grid, times, rule))
        elif rule.kind is RuleKind.OVER_DRAW:
            found.append(_over_draw(twin, readings, ids, rule))
    return pd.concat(found, ignore_index=True)[["rule", "subject", "start"]]


def _night_flow(
    twin: Twin, ids: list[str], grid: np.ndarray, times: pd.DatetimeIndex, rule: AlertRule
) -> pd.DataFrame:
    """Night-flow rule on each DMA's inflow: the sum of its inlet meters (m³/h; NaN where one
    of them is missing, which the rule leaves out)."""
    dmas = sorted({item.dma for item in twin.sensors if item.dma is not None})
    inflow = np.column_stack(
        [
            grid[:, [i for i, sid in enumerate(ids) if _dma_of(twin, sid) == dma]].sum(axis=1)
            for dma in dmas
        ]
    )
    check = night_flow_rising(
        inflow,
        times,
        (int(rule.value("night_start_hour")), int(rule.value("night_end_hour"))),
        int(rule.value("baseline_days")),
        rule.value("rise_fraction"),
        rule.value("min_rise_m3_per_hour"),
    )
    return episodes(check.rising, [f"dma:{dma}" for dma in dmas], check.days, rule.id)


def _dma_of(twin: Twin, sensor_id: str) -> str | None:
    return next(item.dma for item in twin.sensors if item.sensor.id == sensor_id)


def _over_draw(twin: Twin, readings: pd.DataFrame, ids: list[str], rule: AlertRule) -> pd.DataFrame:
    """Over-draw rule on each delivery point's daily metered volume against its daily cap."""
    points = {
        item.sensor.id: item.delivery_point
        for item in twin.sensors
        if item.sensor.id in ids and item.delivery_point in twin.daily_caps_m3
    }
    daily = aggregate_totaliser(
        readings[readings["sensor"].isin(list(points))], Period.DAY, DEFAULT_TIMEZONE
    )
    table = daily.pivot(index="start", columns="sensor", values="volume_m3")
    columns = list(table.columns)
    caps = np.array([twin.daily_caps_m3[points[sid]] for sid in columns])
    firing = over_draw(table.to_numpy(dtype=float), caps)
    return episodes(
        firing,
        [f"delivery_point:{points[sid]}" for sid in columns],
        pd.DatetimeIndex(table.index),
        rule.id,
    )
