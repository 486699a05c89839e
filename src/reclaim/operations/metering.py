"""Daily delivered volume at a delivery point, from the meters attached to it.

A volume totaliser gives the volume directly (its register differenced at the civil day's
boundaries, `aggregate.aggregate_totaliser`). A flow meter (m³/h) is first integrated into a
register (trapezoid rule between consecutive readings), then treated the same way, so both kinds
give a civil day's volume only when readings span both of its midnights. A delivery point with
several meters (two inlets) delivers their sum, and only on the days every one of them covers:
one meter without data leaves the day unmetered rather than under-billed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reclaim.operations.aggregate import DEFAULT_TIMEZONE, Period, aggregate_totaliser
from reclaim.operations.registry import SensorKind
from reclaim.units import SECONDS_PER_HOUR

METER_KINDS = frozenset({SensorKind.VOLUME_TOTALISER, SensorKind.FLOW})
"""Sensors that measure a delivered volume: a register in m³, or a flow in m³/h."""


def flow_register(readings: pd.DataFrame) -> pd.DataFrame:
    """Flow readings (sensor, time, value in m³/h) as a volume register in m³ per sensor: 0 at its
    first reading, then the trapezoid integral of the flow up to each reading."""
    frame = readings.assign(time=pd.to_datetime(readings["time"], utc=True))
    frame = frame.sort_values(["sensor", "time"], kind="stable")
    hours = frame.groupby("sensor")["time"].diff().dt.total_seconds() / SECONDS_PER_HOUR
    mean_flow = (frame["value"] + frame.groupby("sensor")["value"].shift()) / 2.0
    step_m3 = (hours * mean_flow).fillna(0.0)
    return frame.assign(value=step_m3.groupby(frame["sensor"]).cumsum())


def daily_meter_volumes(
    readings: pd.DataFrame,
    kinds: Mapping[str, SensorKind],
    timezone: str = DEFAULT_TIMEZONE,
) -> pd.DataFrame:
    """Per meter and civil day in ``timezone``: ``volume_m3`` and ``estimated`` (a midnight fell
    between two readings, so the register there was interpolated). ``kinds`` names each meter's
    kind; readings of other sensors are left out."""
    kind = readings["sensor"].map(kinds)
    totals = readings[kind == SensorKind.VOLUME_TOTALISER]
    flows = readings[kind == SensorKind.FLOW]
    registers = pd.concat([totals, flow_register(flows)], ignore_index=True)
    daily = aggregate_totaliser(registers, Period.DAY, timezone)
    return pd.DataFrame(
        {
            "sensor": daily["sensor"].astype(object),
            "day": daily["start"].dt.date,
            "volume_m3": daily["volume_m3"].astype(float),
            "estimated": daily["estimated"].astype(bool),
        }
    )


def delivery_point_volumes(meter_days: pd.DataFrame, point_of: Mapping[str, str]) -> pd.DataFrame:
    """Per delivery point and day: the summed ``volume_m3`` of its meters (``point_of`` maps each
    meter to its point) on the days all of them cover, ``estimated`` if any of them is."""
    meters_at = pd.Series(point_of).groupby(pd.Series(point_of)).size()
    frame = meter_days[meter_days["sensor"].isin(list(point_of))]
    frame = frame.assign(point=frame["sensor"].map(point_of))
    grouped = frame.groupby(["point", "day"], sort=True).agg(
        volume_m3=("volume_m3", "sum"),
        estimated=("estimated", "any"),
        meters=("sensor", "nunique"),
    )
    grouped = grouped.reset_index()
    complete = grouped["meters"].to_numpy() == meters_at.reindex(grouped["point"]).to_numpy()
    return grouped.loc[np.asarray(complete, dtype=bool), ["point", "day", "volume_m3", "estimated"]]
