"""15-minute, hourly and daily aggregates of accepted readings.

Instantaneous sensors (flow, pressure, level, quality) give the mean, minimum, maximum and count
of the readings in each period. Totalisers give the volume that passed in each period: the
register interpolated linearly at the period's two boundaries, then differenced, so a period
boundary that falls between two readings shares their volume in proportion to time (and the row
says ``estimated``); a period not spanned by readings on both sides has no volume. Input order
does not matter: readings are sorted by time first, so a late reading recomputes its periods.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from reclaim.operations.registry import Registry

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""China Standard Time: the civil day of the regions, over which a contract's daily cap runs."""


class Period(StrEnum):
    """Aggregation periods, as pandas frequencies."""

    QUARTER_HOUR = "15min"
    HOUR = "1h"
    DAY = "1D"


def aggregate_instantaneous(
    readings: pd.DataFrame, period: Period, timezone: str = DEFAULT_TIMEZONE
) -> pd.DataFrame:
    """Per sensor and period (``start`` in ``timezone``): mean, min, max and count of the values."""
    local = pd.to_datetime(readings["time"], utc=True).dt.tz_convert(timezone)
    start = local.dt.floor(period.value)
    grouped = readings.assign(start=start).groupby(["sensor", "start"])["value"]
    table = grouped.agg(["mean", "min", "max", "count"]).reset_index()
    return table.rename(columns={"count": "n_readings"})


def aggregate_totaliser(
    readings: pd.DataFrame, period: Period, timezone: str = DEFAULT_TIMEZONE
) -> pd.DataFrame:
    """Per totaliser and period (``start`` in ``timezone``): ``volume_m3`` and ``estimated``.

    ``estimated`` is True when a boundary of the period falls between readings, so the volume
    rests on linear interpolation of the register there.
    """
    tables = []
    local_times = pd.to_datetime(readings["time"], utc=True).dt.tz_convert(timezone)
    frame = readings.assign(time=local_times).sort_values(["sensor", "time"])
    for sensor_id, group in frame.groupby("sensor", sort=True):
        times = group["time"]
        first = times.iloc[0].floor(period.value)
        last = times.iloc[-1].ceil(period.value)
        boundaries = pd.date_range(first, last, freq=period.value)
        if len(boundaries) < 2:
            continue
        read_ns = times.dt.tz_convert("UTC").astype("int64").to_numpy()
        bound_ns = boundaries.tz_convert("UTC").asi8
        covered = (bound_ns >= read_ns[0]) & (bound_ns <= read_ns[-1])
        register = np.interp(bound_ns, read_ns, group["value"].to_numpy(dtype=float))
        exact = np.isin(bound_ns, read_ns)
        both = covered[:-1] & covered[1:]
        tables.append(
            pd.DataFrame(
                {
                    "sensor": sensor_id,
                    "start": boundaries[:-1][both],
                    "volume_m3": np.diff(register)[both],
                    "estimated": ~(exact[:-1] & exact[1:])[both],
                }
            )
        )
    if not tables:
        return pd.DataFrame(
            {
                "sensor": pd.Series(dtype="object"),
                "start": pd.Series(dtype=f"datetime64[ns, {timezone}]"),
                "volume_m3": pd.Series(dtype="float64"),
                "estimated": pd.Series(dtype="bool"),
            }
        )
    return pd.concat(tables, ignore_index=True)


def aggregate(
    readings: pd.DataFrame, registry: Registry, period: Period, timezone: str = DEFAULT_TIMEZONE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(instantaneous table, totaliser volume table) for the accepted ``readings``."""
    totalisers = [sensor.id for sensor in registry.sensors.values() if sensor.is_totaliser]
    is_total = readings["sensor"].isin(totalisers)
    return (
        aggregate_instantaneous(readings[~is_total], period, timezone),
        aggregate_totaliser(readings[is_total], period, timezone),
    )
