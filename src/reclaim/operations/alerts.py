"""Alert rules as pure vectorised functions over a regular grid of readings.

A grid is a float array in time-major layout (steps × series, as WNTR tables node results: one
row per expected reporting instant, one column per sensor) with NaN where no reading arrived
(`to_grid`). Each rule returns a boolean array of the same shape: True
at the steps where its alarm condition holds; `episodes` turns that into one row per alarm (start,
end). Alarm conventions follow ISA-18.2 / EEMUA 191 practice: a *deadband* (hysteresis) keeps an
alarm from chattering around its limit, an *on-delay* (minimum duration) keeps a short spike from
raising it. A missing reading neither raises nor clears a latched alarm (the missing-data rule
reports the gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from reclaim.errors import InputError
from reclaim.quality.standards import Limit, LimitKind, Standard

FloatGrid = npt.NDArray[np.float64]
BoolGrid = npt.NDArray[np.bool_]


class Direction(StrEnum):
    """Which side of a threshold is the alarm side."""

    ABOVE = "above"
    BELOW = "below"


def to_grid(
    readings: pd.DataFrame,
    series_ids: list[str],
    start: pd.Timestamp,
    step: pd.Timedelta,
    steps: int,
) -> FloatGrid:
    """Readings (sensor, time, value) placed on the grid (row k is ``start + k·step``, one column
    per id); a reading off the grid goes to the step it falls in, the latest wins; NaN where none
    arrived."""
    grid = np.full((steps, len(series_ids)), np.nan)
    times = pd.to_datetime(readings["time"], utc=True)
    placed = pd.DataFrame(
        {
            "step": ((times - start) // step).to_numpy(dtype=np.int64),
            "column": pd.Index(series_ids).get_indexer(pd.Index(readings["sensor"])),
            "time": times.to_numpy(),
            "value": readings["value"].to_numpy(dtype=float),
        }
    )
    placed = placed[(placed["column"] >= 0) & (placed["step"] >= 0) & (placed["step"] < steps)]
    latest = placed.sort_values("time", kind="stable").drop_duplicates(
        ["step", "column"], keep="last"
    )
    grid[latest["step"].to_numpy(), latest["column"].to_numpy()] = latest["value"].to_numpy()
    return grid


LOOP_MIN_SERIES = 64
"""From this many series up, `latch` and the running maximum step through time one row at a time,
each step one operation over every sensor (fast for many sensors); below it they use NumPy
accumulations along time (fast for a long single series). A tuning choice: both give the same
result."""


def latch(enter: BoolGrid, leave: BoolGrid) -> BoolGrid:
    """Alarm state that turns on at ``enter`` and off at ``leave`` and holds in between (``enter``
    wins when both hold)."""
    if enter.shape[1] >= LOOP_MIN_SERIES:
        state = np.empty(enter.shape, dtype=bool)
        held = np.zeros(enter.shape[1], dtype=bool)
        stay = ~leave
        for step in range(enter.shape[0]):
            held &= stay[step]
            held |= enter[step]
            state[step] = held
        return state
    steps = np.arange(enter.shape[0])[:, np.newaxis]
    event = np.where(enter, 1, np.where(leave, 0, -1)).astype(np.int8)
    last_event = np.maximum.accumulate(np.where(event >= 0, steps, -1), axis=0)
    state = np.take_along_axis(event, np.maximum(last_event, 0), axis=0) == 1
    return state & (last_event >= 0)


def on_delay(active: BoolGrid, min_steps: int) -> BoolGrid:
    """True where ``active`` has held for at least ``min_steps`` consecutive steps.

    Built from windows of 1, 2, 4, … steps (each the AND of two halves), combined by the binary
    digits of ``min_steps``: about 2·log2(min_steps) whole-grid operations.
    """
    result = active.copy()
    covered = 1
    window, size = active, 1
    remaining = min_steps - 1
    while remaining > 0:
        if remaining & 1:
            result = _and_shifted(result, window, covered)
            covered += size
        remaining >>= 1
        if remaining:
            window = _and_shifted(window, window, size)
            size *= 2
    return result


def _and_shifted(current: BoolGrid, window: BoolGrid, shift: int) -> BoolGrid:
    """``current[t] & window[t - shift]`` (False where t - shift is before the first step)."""
    out = np.zeros(current.shape, dtype=bool)
    if shift < current.shape[0]:
        np.logical_and(current[shift:], window[:-shift], out=out[shift:])
    return out


def _running_max(values: FloatGrid) -> FloatGrid:
    """Largest value so far along time (NaN left out; -inf before the first value)."""
    running = np.where(np.isnan(values), -np.inf, values)
    if values.shape[1] < LOOP_MIN_SERIES:
        return np.maximum.accumulate(running, axis=0)
    for step in range(1, running.shape[0]):
        np.maximum(running[step - 1], running[step], out=running[step])
    return running


def threshold(
    values: FloatGrid, limit: float, direction: Direction, hysteresis: float, min_steps: int
) -> BoolGrid:
    """Beyond ``limit`` (strictly) raises; back within by ``hysteresis`` (deadband) clears."""
    if direction is Direction.ABOVE:
        state = latch(values > limit, values <= limit - hysteresis)
    else:
        state = latch(values < limit, values >= limit + hysteresis)
    return on_delay(state, min_steps)


def band(
    values: FloatGrid, lower: float | None, upper: float | None, hysteresis: float, min_steps: int
) -> BoolGrid:
    """Outside ``[lower, upper]`` (either end may be open), with deadband and on-delay."""
    state = np.zeros(values.shape, dtype=bool)
    if upper is not None:
        state |= latch(values > upper, values <= upper - hysteresis)
    if lower is not None:
        state |= latch(values < lower, values >= lower + hysteresis)
    return on_delay(state, min_steps)


def rate_of_change(
    values: FloatGrid, step_s: float, max_rate_per_hour: float, min_steps: int = 1
) -> BoolGrid:
    """Change between two consecutive readings faster than ``max_rate_per_hour`` (either way)."""
    rate = np.abs(np.diff(values, axis=0)) * (3600.0 / step_s)
    fast = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        fast[1:] = rate > max_rate_per_hour
    return on_delay(fast, min_steps)


def flatline(values: FloatGrid, min_steps: int, tolerance: float) -> BoolGrid:
    """Stuck sensor: the value has moved by no more than ``tolerance`` over ``min_steps``
    consecutive intervals."""
    same = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        same[1:] = np.abs(np.diff(values, axis=0)) <= tolerance
    return on_delay(same, min_steps)


def missing_data(values: FloatGrid, max_missing: int) -> BoolGrid:
    """``max_missing`` expected readings in a row have not arrived (the gap since the last reading
    will be longer than that many intervals)."""
    return on_delay(np.isnan(values), max_missing)


def totaliser_backwards(values: FloatGrid, tolerance: float) -> BoolGrid:
    """A register reading below an earlier one by more than ``tolerance``."""
    running = _running_max(values)
    fired = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        np.less(values[1:], running[:-1] - tolerance, out=fired[1:])
    return fired


def use_limit(standard: Standard, use_id: str, parameter: str) -> Limit | None:
    """The quality engine's limit on ``parameter`` for the use (its unconditional value), or None
    when the use sets none."""
    for rule in standard.use(use_id).rules:
        if rule.parameter == parameter:
            return rule.resolve(False)
    return None


def quality_exceedance(
    values: FloatGrid, limit: Limit, hysteresis_fraction: float, min_steps: int
) -> BoolGrid:
    """Readings outside a `reclaim.quality` limit (max, min or range, canonical unit), with a
    deadband of ``hysteresis_fraction`` × the bound and an on-delay."""
    if limit.kind not in (LimitKind.MAX, LimitKind.MIN, LimitKind.RANGE):
        raise InputError(
            "limit.kind", limit.kind.value, "a max, min or range limit for a numeric analyser"
        )
    lower = limit.lower if limit.kind in (LimitKind.MIN, LimitKind.RANGE) else None
    upper = limit.upper if limit.kind in (LimitKind.MAX, LimitKind.RANGE) else None
    span = max(abs(bound) for bound in (lower, upper) if bound is not None)
    return band(values, lower, upper, hysteresis_fraction * span, min_steps)


@dataclass(frozen=True)
class NightFlowCheck:
    """Minimum night flow (MNF), its baseline and where it has risen (days × DMAs)."""

    days: pd.DatetimeIndex
    mnf_m3_per_hour: FloatGrid
    baseline_m3_per_hour: FloatGrid
    rising: BoolGrid


def night_flow_rising(
    inflow_m3_per_hour: FloatGrid,
    times: pd.DatetimeIndex,
    night_hours: tuple[int, int],
    baseline_days: int,
    rise_fraction: float,
    min_rise_m3_per_hour: float,
) -> NightFlowCheck:
    """Each day's MNF (lowest inflow in the local ``night_hours`` [start, end)) against the median
    MNF of the ``baseline_days`` days before; rising when above it by both ``rise_fraction`` and
    ``min_rise_m3_per_hour``. A day without a full baseline is never rising."""
    start_hour, end_hour = night_hours
    hours = times.hour
    night = (hours >= start_hour) & (hours < end_hour)
    day_of = times.normalize()
    days = pd.DatetimeIndex(day_of.unique())
    position = days.get_indexer(day_of)
    mnf = np.full((len(days), inflow_m3_per_hour.shape[1]), np.inf)
    masked = np.where(night[:, np.newaxis], inflow_m3_per_hour, np.inf)
    masked = np.where(np.isnan(masked), np.inf, masked)
    np.minimum.at(mnf, position, masked)
    mnf[np.isinf(mnf)] = np.nan
    baseline = np.full(mnf.shape, np.nan)
    if len(days) > baseline_days:
        windows = np.lib.stride_tricks.sliding_window_view(mnf, baseline_days, axis=0)
        full = ~np.isnan(windows).any(axis=-1)
        with np.errstate(all="ignore"):
            medians = np.where(full, np.median(windows, axis=-1), np.nan)
        baseline[baseline_days:] = medians[:-1]
    with np.errstate(invalid="ignore"):
        rising = (mnf > baseline * (1.0 + rise_fraction)) & (mnf - baseline > min_rise_m3_per_hour)
    return NightFlowCheck(days, mnf, baseline, rising)


def over_draw(daily_volume_m3: FloatGrid, daily_cap_m3: npt.NDArray[np.float64]) -> BoolGrid:
    """Days × delivery points whose metered volume exceeds the contract's daily cap (the cap
    itself is allowed, as on the manual delivery route)."""
    with np.errstate(invalid="ignore"):
        return daily_volume_m3 > daily_cap_m3


def episodes(
    firing: BoolGrid, series_ids: list[str], times: pd.DatetimeIndex, rule_id: str
) -> pd.DataFrame:
    """One row per alarm: rule, subject, first and last firing instant, number of steps."""
    padded = np.zeros((firing.shape[1], firing.shape[0] + 2), dtype=np.int8)
    padded[:, 1:-1] = firing.T
    change = np.diff(padded, axis=1)
    starts = np.nonzero(change == 1)
    ends = np.nonzero(change == -1)
    return pd.DataFrame(
        {
            "rule": rule_id,
            "subject": np.asarray(series_ids, dtype=object)[starts[0]],
            "start": times[starts[1]],
            "last": times[ends[1] - 1],
            "steps": ends[1] - starts[1],
        }
    )
