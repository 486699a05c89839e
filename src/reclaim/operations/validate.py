"""Validation of a batch of readings: accepted (in canonical units) or quarantined with a reason.

A batch is a DataFrame with one row per reading: ``sensor`` (id), ``time`` (UTC timestamps),
``value`` and ``unit`` (as the device wrote it). Nothing is dropped silently: every row is either
accepted, quarantined with its reason, or counted as a duplicate of a reading already kept.

Readings are idempotent on (sensor, time): a repeat with the same value is a duplicate (counted,
kept once); a repeat with another value is quarantined as ``conflicting_duplicate``, so neither the
stored value nor the new one is lost. Out-of-order readings are accepted; a totaliser is checked
against its neighbours in time, stored or in the batch, not against arrival order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from reclaim.errors import InputError
from reclaim.operations.registry import DEFAULT_FUTURE_TOLERANCE_S, Registry
from reclaim.units import unit_factor

DEFAULT_FUTURE_TOLERANCE = pd.Timedelta(seconds=DEFAULT_FUTURE_TOLERANCE_S)
BATCH_COLUMNS = ("sensor", "time", "value", "unit")
STORED_COLUMNS = ("sensor", "time", "value")
SAME_VALUE_RTOL = 1e-9
"""Two values of one (sensor, time) closer than this (relative) are the same reading resent."""


class QuarantineReason(StrEnum):
    """Why a reading was not accepted; the first failing check in this order is given."""

    UNKNOWN_SENSOR = "unknown_sensor"
    WRONG_UNIT = "wrong_unit"
    BAD_TIMESTAMP = "bad_timestamp"
    NOT_A_NUMBER = "not_a_number"
    FUTURE_TIMESTAMP = "future_timestamp"
    OUTSIDE_RANGE = "outside_range"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    TOTALISER_BACKWARDS = "totaliser_backwards"


@dataclass(frozen=True)
class ValidationResult:
    """``accepted``: new readings (sensor, time, value in the canonical unit), sorted by sensor and
    time; ``quarantined``: the rows as received plus ``reason`` and ``row`` (position in the
    batch); ``duplicates``: rows that repeat a reading already stored or earlier in the batch."""

    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    duplicates: int


def validate_readings(
    batch: pd.DataFrame,
    registry: Registry,
    now: pd.Timestamp,
    stored: pd.DataFrame | None = None,
    future_tolerance: pd.Timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> ValidationResult:
    """Split ``batch`` into accepted, quarantined and duplicate readings, vectorised.

    ``stored`` holds readings already kept (sensor, time, canonical value): at least those of the
    batch's sensors at the batch's times and, for totalisers, the nearest stored readings before
    and after each batch reading, so duplicates and backwards totals are seen across batches.
    """
    if not isinstance(now, pd.Timestamp) or now.tzinfo is None:
        raise InputError("now", now, "a time-zone-aware timestamp (the receiving clock)")
    if future_tolerance < pd.Timedelta(0):
        raise InputError("future_tolerance", str(future_tolerance), "a duration of 0 or more")
    missing = [column for column in BATCH_COLUMNS if column not in batch.columns]
    if missing:
        raise InputError("readings", list(batch.columns), f"columns {', '.join(BATCH_COLUMNS)}")
    frame = batch.loc[:, list(BATCH_COLUMNS)].reset_index(drop=True)
    frame["sensor"] = frame["sensor"].astype("object")
    frame["time"] = pd.to_datetime(frame["time"], utc=True, errors="coerce", format="ISO8601")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    reason = pd.Series(pd.NA, index=frame.index, dtype="object")

    def refuse(mask: pd.Series | np.ndarray, why: QuarantineReason) -> None:
        reason[np.asarray(mask) & reason.isna().to_numpy()] = why.value

    sensors = registry.sensors
    known = frame["sensor"].isin(list(sensors))
    refuse(~known, QuarantineReason.UNKNOWN_SENSOR)
    field_unit = frame["sensor"].map({key: sensor.unit for key, sensor in sensors.items()})
    factor = _factors(field_unit, frame["unit"])
    refuse(known & factor.isna(), QuarantineReason.WRONG_UNIT)
    refuse(frame["time"].isna(), QuarantineReason.BAD_TIMESTAMP)
    refuse(~np.isfinite(frame["value"].to_numpy(dtype=float)), QuarantineReason.NOT_A_NUMBER)
    refuse(frame["time"] > now + future_tolerance, QuarantineReason.FUTURE_TIMESTAMP)
    canonical = frame["value"] * factor
    low = frame["sensor"].map({key: sensor.valid_min for key, sensor in sensors.items()})
    high = frame["sensor"].map({key: sensor.valid_max for key, sensor in sensors.items()})
    refuse((canonical < low) | (canonical > high), QuarantineReason.OUTSIDE_RANGE)

    candidates = pd.DataFrame(
        {"sensor": frame["sensor"], "time": frame["time"], "value": canonical, "row": frame.index}
    )[reason.isna()]
    previous = _stored_frame(stored)
    duplicates, conflicting, fresh = _split_repeats(candidates, previous)
    refuse(frame.index.isin(conflicting), QuarantineReason.CONFLICTING_DUPLICATE)
    totaliser_ids = [sensor.id for sensor in registry.sensors.values() if sensor.is_totaliser]
    backwards = _totaliser_backwards(fresh, previous, totaliser_ids)
    refuse(frame.index.isin(backwards), QuarantineReason.TOTALISER_BACKWARDS)

    accepted = fresh[~fresh["row"].isin(backwards)]
    accepted = accepted.loc[:, list(STORED_COLUMNS)].sort_values(["sensor", "time"])
    quarantined = batch.reset_index(drop=True).assign(reason=reason, row=frame.index)
    quarantined = quarantined[reason.notna()].reset_index(drop=True)
    return ValidationResult(accepted.reset_index(drop=True), quarantined, duplicates)


def _factors(field_unit: pd.Series, written: pd.Series) -> pd.Series:
    """Conversion factor per row, looked up once per distinct (field unit, written unit) pair."""
    pairs = pd.MultiIndex.from_arrays([field_unit.astype("string"), written.astype("string")])
    codes, distinct = pairs.factorize()
    per_pair = np.array(
        [
            unit_factor(unit, field) if isinstance(field, str) and isinstance(unit, str) else None
            for field, unit in distinct
        ],
        dtype="float64",
    )
    factors = per_pair[codes]
    return pd.Series(factors, index=field_unit.index, dtype="float64")


def _stored_frame(stored: pd.DataFrame | None) -> pd.DataFrame:
    if stored is None:
        return pd.DataFrame(
            {
                "sensor": pd.Series(dtype="object"),
                "time": pd.Series(dtype="datetime64[ns, UTC]"),
                "value": pd.Series(dtype="float64"),
            }
        )
    frame = stored.loc[:, list(STORED_COLUMNS)].copy()
    frame["sensor"] = frame["sensor"].astype("object")
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def _split_repeats(
    candidates: pd.DataFrame, stored: pd.DataFrame
) -> tuple[int, np.ndarray, pd.DataFrame]:
    """Duplicate count, rows conflicting with a kept value, and the first of each new key."""
    keys = ["sensor", "time"]
    kept = stored.drop_duplicates(keys).rename(columns={"value": "kept"})
    keyed = candidates.merge(kept, on=keys, how="left")
    in_store = keyed["kept"].notna()
    first_value = keyed.groupby(keys)["value"].transform("first")
    reference = keyed["kept"].where(in_store, first_value)
    is_first = ~in_store & ~keyed.duplicated(keys, keep="first")
    same = np.isclose(keyed["value"], reference, rtol=SAME_VALUE_RTOL, atol=0.0)
    duplicates = int((~is_first & same).sum())
    conflicting = keyed.loc[~is_first & ~same, "row"].to_numpy()
    fresh = keyed.loc[is_first, ["sensor", "time", "value", "row"]]
    return duplicates, conflicting, fresh


def _totaliser_backwards(
    fresh: pd.DataFrame, stored: pd.DataFrame, totaliser_ids: list[str]
) -> np.ndarray:
    """Rows of ``fresh`` totaliser readings that break the never-decreasing register.

    A reading is refused when it is above the next stored reading, or below the largest earlier
    reading (stored, or in the batch and not itself above a stored later one). Refusing the same
    batch again after its accepted rows were stored refuses the same rows (idempotent).
    """
    new = fresh[fresh["sensor"].isin(totaliser_ids)]
    if new.empty:
        return np.empty(0, dtype=np.int64)
    kept = stored[stored["sensor"].isin(new["sensor"].unique())].assign(row=-1)
    series = pd.concat([kept, new], ignore_index=True).sort_values(["sensor", "time"])
    is_new = series["row"].to_numpy() >= 0
    stored_only = series["value"].where(~is_new, np.inf)
    reversed_min = stored_only.iloc[::-1].groupby(series["sensor"].iloc[::-1]).cummin()
    next_stored = reversed_min.groupby(series["sensor"].iloc[::-1]).shift(1).iloc[::-1]
    above_next = is_new & (series["value"] > next_stored.fillna(np.inf)).to_numpy()
    counted = series["value"].where(~above_next, -np.inf)
    running_max = counted.groupby(series["sensor"]).cummax()
    earlier_max = running_max.groupby(series["sensor"]).shift(1).fillna(-np.inf)
    below_earlier = is_new & (series["value"] < earlier_max).to_numpy()
    return series.loc[above_next | below_earlier, "row"].to_numpy()
