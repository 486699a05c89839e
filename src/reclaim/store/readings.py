"""Readings in: the one ingest entry point every way in uses (HTTP batches, MQTT, replays).

`ingest_readings` validates a batch through `reclaim.operations.validate`, stores the accepted
readings once per (sensor, ts) with one set-based INSERT … ON CONFLICT DO NOTHING, keeps every
failure in the quarantine with its raw payload and reason, and evaluates the alert rules of the
sensors it wrote over the window the batch touches, all in the caller's transaction. A reading
another worker stored meanwhile is found by the conflict: same value, a duplicate; another value,
quarantined as ``conflicting_duplicate``. Nothing is written row by row through the ORM.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    bindparam,
    cast,
    extract,
    func,
    insert,
    select,
    text,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode
from reclaim.io.operations_files import load_use_standards
from reclaim.io.quality_files import load_standards
from reclaim.market.errors import ForbiddenError, NotFoundError
from reclaim.operations.aggregate import Period, aggregate_instantaneous, aggregate_totaliser
from reclaim.operations.alerts import BoolGrid, FloatGrid, quality_exceedance, to_grid, use_limit
from reclaim.operations.lifecycle import AlertState
from reclaim.operations.registry import (
    QUALITY_PARAMETER,
    Attachment,
    AttachmentKind,
    MeteringLevel,
    Registry,
    SensorKind,
)
from reclaim.operations.registry import Sensor as SensorSpec
from reclaim.operations.rules import AlertRule, RuleKind, evaluate_series_rule
from reclaim.operations.use_standards import UseStandard
from reclaim.operations.validate import QuarantineReason, validate_readings
from reclaim.quality.standards import Limit, Standard
from reclaim.store.alerts import rules_of
from reclaim.store.metering import meter_contracts
from reclaim.store.models import (
    AlertRecord,
    Contract,
    Deal,
    QuarantinedReading,
    Reading,
    Region,
    Sensor,
)
from reclaim.store.registry import get_or_404
from reclaim.store.webhooks import alert_opened

MAX_READINGS_PER_BATCH = 10_000
"""The most readings one call (one HTTP request, one MQTT message) carries (issue 13: 10⁴)."""
FIELD_OF_REASON: Mapping[QuarantineReason, str] = {
    QuarantineReason.UNKNOWN_SENSOR: "sensor",
    QuarantineReason.WRONG_UNIT: "unit",
    QuarantineReason.BAD_TIMESTAMP: "ts",
    QuarantineReason.NOT_A_NUMBER: "value",
    QuarantineReason.FUTURE_TIMESTAMP: "ts",
    QuarantineReason.OUTSIDE_RANGE: "value",
    QuarantineReason.CONFLICTING_DUPLICATE: "value",
    QuarantineReason.TOTALISER_BACKWARDS: "value",
}
"""The field of the payload each refusal is about."""
PAYLOAD_FIELDS = ("sensor", "ts", "value", "unit")
SERIES_RULES = frozenset(
    {
        RuleKind.THRESHOLD,
        RuleKind.FREE_HEAD_LOW,
        RuleKind.RATE_OF_CHANGE,
        RuleKind.FLATLINE,
        RuleKind.MISSING_DATA,
        RuleKind.TOTALISER_BACKWARDS,
    }
)
"""Rules evaluated on ingest from a sensor's own readings."""
INGEST_RULES = SERIES_RULES | {RuleKind.QUALITY_EXCEEDANCE}
"""Rules evaluated on ingest: the series rules, and quality exceedance (a sensor's readings
against the limit of its contract's use)."""
DURATION_PARAMETERS = ("min_duration_s",)
SPEC_CACHE = 100_000
"""Registry sensors kept built between batches (a few hundred bytes each)."""
LOOKBACK_MARGIN_INTERVALS = 2
"""Readings loaded before a batch for its rules: the longest rule duration plus this many
reporting intervals (so a rate of change or an on-delay sees the readings it needs)."""


class Source(StrEnum):
    """How readings came in."""

    HTTP = "http"
    MQTT = "mqtt"
    REPLAY = "replay"


@dataclass(frozen=True)
class Refused:
    """A reading of the batch that was quarantined: its position, the field, value and reason."""

    row: int
    field: str
    value: Any
    reason: str
    quarantine_id: int | None
    """The quarantine row that keeps it (None when the caller keeps it itself: a replay)."""


@dataclass(frozen=True)
class IngestOutcome:
    """What one batch did: readings stored, duplicates counted (not stored), readings
    quarantined (with each refusal), and the alerts it opened or folded into an open one."""

    accepted: int
    duplicates: int
    quarantined: int
    refused: tuple[Refused, ...]
    alerts_opened: int
    alerts_folded: int


def ingest_readings(
    session: Session,
    readings: Sequence[Mapping[str, Any]],
    *,
    region_id: int,
    received_at: datetime,
    source: Source,
    device_id: int | None = None,
    keep_refused: bool = True,
) -> IngestOutcome:
    """Validate, store, quarantine and alert one batch, in the caller's transaction.

    ``readings``: mappings ``{"sensor": code, "ts": ISO 8601 text (UTC if no offset), "value":
    number, "unit": unit as written}``, at most `MAX_READINGS_PER_BATCH`; other keys are
    ignored, missing ones quarantine the reading. ``received_at``: the receiving clock
    (timezone-aware), against which the region's future tolerance is checked. ``device_id``:
    the authenticated device, which may only name its own sensors (another registered sensor is
    refused with `ForbiddenError`, nothing stored); None for a network operator's upload or a
    replay. ``keep_refused``: write refused readings to the quarantine (a replay, whose
    readings are quarantined already, passes False). Returns an `IngestOutcome`; the caller
    commits.
    """
    if len(readings) > MAX_READINGS_PER_BATCH:
        raise ValueError(f"at most {MAX_READINGS_PER_BATCH} readings per batch")
    region = get_or_404(session, Region, region_id, "region_id")
    batch = _batch_frame(readings)
    sensors = _sensors_named(session, region_id, batch["sensor"])
    if device_id is not None:
        _check_device(batch, sensors, device_id)
    registry = Registry({code: spec for code, (_, spec, _) in sensors.items()})
    ids = {code: ident for code, (ident, _, _) in sensors.items()}
    now = pd.Timestamp(received_at).tz_convert("UTC")
    result = validate_readings(
        batch,
        registry,
        now,
        stored=_stored_near(session, batch, ids, registry),
        future_tolerance=pd.Timedelta(seconds=region.reading_future_tolerance_s),
    )
    accepted = result.accepted.assign(
        sensor_id=result.accepted["sensor"].map(ids).astype("int64"),
        time=result.accepted["time"].dt.floor("us"),
    )
    inserted, raced = _insert_readings(session, accepted, received_at, source)
    duplicates = result.duplicates
    quarantined = result.quarantined
    if not raced.empty:
        same, conflicting = _classify_raced(session, raced)
        duplicates += same
        rows = quarantined.iloc[0:0] if conflicting.empty else conflicting
        quarantined = pd.concat([quarantined, _raced_rows(batch, rows)], ignore_index=True)
    refused = _refusals(batch, quarantined)
    if keep_refused:
        refused = _quarantine(session, refused, batch, region_id, device_id, source, received_at)
    opened, folded = _evaluate_alerts(session, region, inserted, sensors, received_at)
    specs = {ident: spec for ident, spec, _ in sensors.values()}
    over_draws = meter_contracts(session, region, inserted, specs, received_at)
    over_opened, over_folded = store_alerts(session, region.id, over_draws, received_at)
    opened, folded = opened + over_opened, folded + over_folded
    return IngestOutcome(len(inserted), duplicates, len(refused), refused, opened, folded)


def _batch_frame(readings: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The batch as validate takes it (sensor, time, value, unit), plus each reading as sent
    (`payload`: turned into the quarantine's JSON only for the readings refused)."""
    rows = [reading if isinstance(reading, Mapping) else {} for reading in readings]
    return pd.DataFrame(
        {
            "sensor": pd.Series([_text(r.get("sensor")) for r in rows], dtype="object"),
            "time": pd.Series([_text(r.get("ts")) for r in rows], dtype="object"),
            "value": pd.Series([_number_or_text(r.get("value")) for r in rows], dtype="object"),
            "unit": pd.Series([_text(r.get("unit")) for r in rows], dtype="object"),
            "payload": pd.Series(rows, dtype="object"),
        }
    )


def _payload(reading: Mapping[str, Any]) -> dict[str, Any]:
    """A reading as the quarantine keeps it: its four fields, as JSON can hold them."""
    return {name: _jsonable(reading.get(name)) for name in PAYLOAD_FIELDS}


def _jsonable(value: Any) -> Any:
    """A payload value as JSON can keep it (anything else as its text)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number_or_text(value: Any) -> float | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        return value
    return None


def _sensors_named(
    session: Session, region_id: int, codes: pd.Series
) -> dict[str, tuple[int, SensorSpec, int | None]]:
    """The region's sensors the batch names: code → (row id, registry sensor, device id)."""
    named = sorted({code for code in codes if isinstance(code, str)})
    if not named:
        return {}
    query = select(
        Sensor.id,
        Sensor.device_id,
        Sensor.code,
        Sensor.kind,
        Sensor.valid_min,
        Sensor.valid_max,
        Sensor.interval_s,
        Sensor.level,
        Sensor.attachment_kind,
        Sensor.attachment_ref,
    ).where(Sensor.region_id == region_id, Sensor.code.in_(named))
    cursor = session.connection().execute(query).cursor
    assert cursor is not None
    return {row[2]: (row[0], _spec(*row[2:]), row[1]) for row in cursor.fetchall()}


def sensor_spec(row: Sensor) -> SensorSpec:
    """The registry sensor of a stored row."""
    return _spec(
        row.code,
        row.kind,
        row.valid_min,
        row.valid_max,
        row.interval_s,
        row.level,
        row.attachment_kind,
        row.attachment_ref,
    )


@lru_cache(maxsize=SPEC_CACHE)
def _spec(
    code: str,
    kind: str,
    valid_min: float,
    valid_max: float,
    interval_s: int,
    level: str,
    attachment_kind: str,
    attachment_ref: str,
) -> SensorSpec:
    """A registry sensor from its stored columns; kept, as the same sensors report again and
    again (a changed registration is another key)."""
    return SensorSpec(
        code,
        SensorKind(kind),
        valid_min,
        valid_max,
        interval_s,
        MeteringLevel(level),
        Attachment(AttachmentKind(attachment_kind), attachment_ref),
    )


def _check_device(
    batch: pd.DataFrame, sensors: Mapping[str, tuple[int, SensorSpec, int | None]], device_id: int
) -> None:
    """A device names only its own sensors (an unregistered code is quarantined, not refused)."""
    for row, code in enumerate(batch["sensor"]):
        if code in sensors and sensors[code][2] != device_id:
            raise ForbiddenError(
                f"readings[{row}].sensor",
                code,
                "a sensor registered to the sending device",
                ErrorCode.NOT_YOURS,
            )


def _stored_near(
    session: Session, batch: pd.DataFrame, ids: Mapping[str, int], registry: Registry
) -> pd.DataFrame:
    """Stored readings validation needs: those of the batch's sensors within its time span and,
    for totalisers, the nearest before and after it."""
    times = pd.to_datetime(batch["time"], utc=True, errors="coerce", format="ISO8601")
    known = batch["sensor"].isin(list(ids)) & times.notna()
    empty = pd.DataFrame({"sensor": [], "time": [], "value": []})
    if not known.any():
        return empty
    start, end = times[known].min().to_pydatetime(), times[known].max().to_pydatetime()
    sensor_ids = sorted({ids[code] for code in batch.loc[known, "sensor"]})
    code_of = {ident: code for code, ident in ids.items()}
    frames = [
        fetch_readings(session, Reading.sensor_id.in_(sensor_ids), Reading.ts.between(start, end))
    ]
    totalisers = [ids[s.id] for s in registry.sensors.values() if s.is_totaliser]
    totalisers = [ident for ident in totalisers if ident in sensor_ids]
    if totalisers:
        before = (
            select(Reading.sensor_id, func.max(Reading.ts).label("ts"))
            .where(Reading.sensor_id.in_(totalisers), Reading.ts < start)
            .group_by(Reading.sensor_id)
        )
        after = (
            select(Reading.sensor_id, func.min(Reading.ts).label("ts"))
            .where(Reading.sensor_id.in_(totalisers), Reading.ts > end)
            .group_by(Reading.sensor_id)
        )
        for edge in (before, after):
            nearest = edge.subquery()
            on = and_(Reading.sensor_id == nearest.c.sensor_id, Reading.ts == nearest.c.ts)
            frames.append(fetch_readings(session, join=(nearest, on)))
    found = pd.concat(frames, ignore_index=True)
    if found.empty:
        return empty
    return pd.DataFrame(
        {"sensor": found["sensor_id"].map(code_of), "time": found["time"], "value": found["value"]}
    )


def fetch_readings(
    session: Session, *conditions: ColumnElement[bool], join: tuple[Any, Any] | None = None
) -> pd.DataFrame:
    """Stored readings (sensor_id, time, value) as a frame, times read in bulk: epoch
    microseconds on PostgreSQL, the stored text on SQLite (not one datetime object a row)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    raw_ts = (
        cast(extract("epoch", Reading.ts) * 1_000_000, BigInteger)
        if postgresql
        else type_coerce(Reading.ts, String)
    )
    query = select(Reading.sensor_id, raw_ts, Reading.value).where(*conditions)
    if join is not None:
        query = query.join(*join)
    cursor = session.connection().execute(query).cursor
    assert cursor is not None
    rows = cursor.fetchall()  # the driver's tuples: no result-row object per reading
    sensor_ids, stamps, values = zip(*rows, strict=True) if rows else ((), (), ())
    times = (
        pd.to_datetime(np.asarray(stamps, dtype="int64"), unit="us", utc=True)
        if postgresql
        else pd.to_datetime(pd.Series(stamps, dtype="object"), utc=True, format="ISO8601")
    )
    return pd.DataFrame(
        {
            "sensor_id": np.asarray(sensor_ids, dtype="int64"),
            "time": pd.DatetimeIndex(times),
            "value": np.asarray(values, dtype="float64"),
        }
    )


def _insert_readings(
    session: Session, accepted: pd.DataFrame, received_at: datetime, source: Source
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Insert the accepted readings, skipping keys already stored; (inserted, not inserted).

    Validation saw every reading stored when it read, so a skipped key was stored by another
    transaction since: `_classify_raced` tells a resend from a conflict.
    """
    if accepted.empty:
        return accepted, accepted
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        keys = _insert_postgresql(session, accepted, received_at, source)
    else:
        keys = _insert_sqlite(session, accepted, received_at, source)
    stored = pd.MultiIndex.from_frame(keys) if not keys.empty else None
    mine = pd.MultiIndex.from_frame(accepted[["sensor_id", "time"]])
    was_inserted = np.zeros(len(accepted), dtype=bool) if stored is None else mine.isin(stored)
    return accepted[was_inserted], accepted[~was_inserted]


def _insert_postgresql(
    session: Session, accepted: pd.DataFrame, received_at: datetime, source: Source
) -> pd.DataFrame:
    """One INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, after making sure the
    months it writes have their partitions."""
    days = {stamp.date() for stamp in accepted["time"].dt.floor("D").unique()}
    _ensure_partitions(session, days)
    micros = _epoch_us(accepted["time"])
    returned = session.execute(
        text(
            "INSERT INTO readings (sensor_id, ts, value, received_at, source) "
            "SELECT s, timestamptz 'epoch' + t * interval '1 microsecond', v, :received_at, "
            ":source FROM unnest(CAST(:sensor_ids AS integer[]), CAST(:micros AS bigint[]), "
            "CAST(:values AS double precision[])) AS batch(s, t, v) "
            "ON CONFLICT (sensor_id, ts) DO NOTHING "
            "RETURNING sensor_id, CAST(extract(epoch FROM ts) * 1000000 AS bigint)"
        ),
        {
            "received_at": received_at,
            "source": source.value,
            "sensor_ids": _array_text(accepted["sensor_id"].to_numpy()),
            "micros": _array_text(micros),
            "values": _array_text(accepted["value"].to_numpy(dtype=float)),
        },
    ).all()
    stamps = np.asarray([row[1] for row in returned], dtype="int64")
    return pd.DataFrame(
        {
            "sensor_id": np.asarray([row[0] for row in returned], dtype="int64"),
            "time": pd.to_datetime(stamps, unit="us", utc=True),
        }
    )


def _epoch_us(times: pd.Series) -> np.ndarray:
    """UTC times as whole microseconds since 1970 (the batch's times are floored to µs)."""
    return pd.to_datetime(times, utc=True).dt.as_unit("us").astype("int64").to_numpy()


def _array_text(values: np.ndarray) -> str:
    """A PostgreSQL array literal of numbers ({1,2,3}): one text parameter the server parses,
    instead of one bound value per element; floats in their shortest exact form."""
    return "{" + ",".join(map(repr, values.tolist())) + "}"


def _ensure_partitions(session: Session, days: Collection[date]) -> None:
    """PostgreSQL: create the monthly partitions of ``days`` that do not exist yet (migration
    0007's `reclaim_readings_partition`, which takes a lock only to create one)."""
    months = sorted({day.replace(day=1) for day in days})
    session.execute(
        text("SELECT reclaim_readings_partition(day) FROM unnest(CAST(:days AS date[])) AS day"),
        {"days": months},
    )


def create_reading_partitions(session: Session, now: datetime) -> int:
    """The scheduler's `reading_partitions` job: on PostgreSQL, the partitions of this month and
    the next exist before their first reading arrives; returns the months made sure of (SQLite,
    unpartitioned: 0)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    this_month = now.astimezone(UTC).date().replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    _ensure_partitions(session, [this_month, next_month])
    return 2


def _insert_sqlite(
    session: Session, accepted: pd.DataFrame, received_at: datetime, source: Source
) -> pd.DataFrame:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, as multi-row statements (SQLAlchemy's
    insertmanyvalues batches them)."""
    rows = [
        {"sensor_id": s, "ts": t, "value": v, "received_at": received_at, "source": source.value}
        for s, t, v in zip(
            accepted["sensor_id"].tolist(),
            accepted["time"].dt.to_pydatetime().tolist(),
            accepted["value"].astype(float).tolist(),
            strict=True,
        )
    ]
    statement = (
        sqlite_insert(Reading)
        .on_conflict_do_nothing()
        .returning(Reading.sensor_id, Reading.ts, sort_by_parameter_order=False)
    )
    returned = session.execute(statement, rows).all()
    return _keys(returned)


def _keys(rows: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sensor_id": pd.Series([row[0] for row in rows], dtype="int64"),
            "time": pd.to_datetime([row[1] for row in rows], utc=True),
        }
    )


def _classify_raced(session: Session, raced: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """Readings another transaction stored first: how many repeat its value, and the rows that
    conflict with it."""
    keys = list(
        zip(raced["sensor_id"].tolist(), raced["time"].dt.to_pydatetime().tolist(), strict=True)
    )
    stored = session.execute(
        select(Reading.sensor_id, Reading.ts, Reading.value).where(
            tuple_(Reading.sensor_id, Reading.ts).in_(keys)
        )
    ).all()
    kept = _keys(stored).assign(kept=[row[2] for row in stored])
    merged = raced.merge(kept, on=["sensor_id", "time"], how="left")
    same = np.isclose(merged["value"], merged["kept"], rtol=1e-9, atol=0.0)
    return int(same.sum()), merged[~same]


def _raced_rows(batch: pd.DataFrame, conflicting: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows (as validate gives them) for readings that conflict with a value another
    transaction stored first."""
    if conflicting.empty:
        return conflicting
    times = pd.to_datetime(batch["time"], utc=True, errors="coerce", format="ISO8601")
    frame = batch.assign(time_parsed=times.dt.floor("us"), row=range(len(batch)))
    hits = frame.merge(
        conflicting[["sensor", "time"]].rename(columns={"time": "time_parsed"}),
        on=["sensor", "time_parsed"],
    )
    return hits.assign(reason=QuarantineReason.CONFLICTING_DUPLICATE.value)


def _refusals(batch: pd.DataFrame, quarantined: pd.DataFrame) -> tuple[Refused, ...]:
    """The refused readings in batch order, each with the field its reason is about."""
    refused = []
    for position, reason in zip(
        quarantined["row"].tolist(), quarantined["reason"].tolist(), strict=True
    ):
        why = QuarantineReason(reason)
        field = FIELD_OF_REASON[why]
        payload = _payload(batch["payload"].iloc[int(position)])
        refused.append(Refused(int(position), field, payload[field], why.value, None))
    return tuple(sorted(refused, key=lambda r: r.row))


def _quarantine(
    session: Session,
    refused: Sequence[Refused],
    batch: pd.DataFrame,
    region_id: int,
    device_id: int | None,
    source: Source,
    received_at: datetime,
) -> tuple[Refused, ...]:
    """Keep every refused reading with its raw payload and reason (one multi-row INSERT)."""
    if not refused:
        return ()
    rows = [
        {
            "region_id": region_id,
            "device_id": device_id,
            "sensor_code": _text(batch["payload"].iloc[r.row].get("sensor")),
            "payload": _payload(batch["payload"].iloc[r.row]),
            "reason": r.reason,
            "field": r.field,
            "value": None if r.value is None else str(r.value),
            "source": source.value,
            "received_at": received_at,
        }
        for r in refused
    ]
    statement = insert(QuarantinedReading).returning(
        QuarantinedReading.id, sort_by_parameter_order=True
    )
    ids = session.execute(statement, rows).scalars().all()
    return tuple(replace(r, quarantine_id=ident) for r, ident in zip(refused, ids, strict=True))


def _evaluate_alerts(
    session: Session,
    region: Region,
    inserted: pd.DataFrame,
    sensors: Mapping[str, tuple[int, SensorSpec, int | None]],
    received_at: datetime,
) -> tuple[int, int]:
    """Evaluate the series rules of the sensors the batch wrote over the window it touches
    (late readings recompute what they affect); store new alerts and fold into open ones."""
    if inserted.empty:
        return 0, 0
    rules = [rule for rule in rules_of(region.code) if rule.kind in INGEST_RULES]
    specs = {ident: spec for ident, spec, _ in sensors.values()}
    touched = inserted.groupby("sensor_id")["time"].agg(["min", "max"])
    limits = _quality_limits(session, region.id, {i: specs[i] for i in touched.index.tolist()})
    firings: list[dict[str, Any]] = []
    by_interval: dict[int, list[int]] = {}
    for ident in touched.index.tolist():
        by_interval.setdefault(specs[ident].interval_s, []).append(ident)
    for interval_s, group in by_interval.items():
        kinds = {specs[ident].kind for ident in group}
        applicable = [rule for rule in rules if kinds & set(rule.sensor_kinds)]
        if not applicable:
            continue
        lookback = timedelta(seconds=_lookback_s(applicable, interval_s))
        firings += _fire(session, applicable, group, specs, limits, touched, interval_s, lookback)
    return store_alerts(session, region.id, firings, received_at)


def _lookback_s(rules: Sequence[AlertRule], interval_s: int) -> float:
    durations = [
        rule.value(name)
        for rule in rules
        for name in DURATION_PARAMETERS
        if name in rule.parameters
    ]
    missing = [
        rule.value("max_missing_intervals") * interval_s
        for rule in rules
        if "max_missing_intervals" in rule.parameters
    ]
    return max([0.0, *durations, *missing]) + LOOKBACK_MARGIN_INTERVALS * interval_s


def _fire(
    session: Session,
    rules: Sequence[AlertRule],
    group: Sequence[int],
    specs: Mapping[int, SensorSpec],
    limits: Mapping[int, QualityLimit],
    touched: pd.DataFrame,
    interval_s: int,
    lookback: timedelta,
) -> list[dict[str, Any]]:
    """(rule, sensor) pairs in alarm from the first reading the batch wrote on, with the first
    and last time in alarm there and whether an alarm began there (a new occurrence). The
    quality-exceedance rule applies to the analysers with a limit in ``limits`` only.

    Readings are loaded from ``lookback`` before the batch (the history its rules need) to
    ``lookback`` after it (the stored readings a late one changes the verdict on)."""
    start = touched.loc[list(group), "min"].min().to_pydatetime() - lookback
    end = touched.loc[list(group), "max"].max().to_pydatetime() + lookback
    frame = fetch_readings(
        session, Reading.sensor_id.in_(list(group)), Reading.ts.between(start, end)
    ).rename(columns={"sensor_id": "sensor"})
    step = pd.Timedelta(seconds=interval_s)
    origin = pd.Timestamp(start).floor(step)
    steps = int((pd.Timestamp(end) - origin) // step) + 1
    times = pd.date_range(origin, periods=steps, freq=step)
    columns = list(group)
    grid = to_grid(frame.astype({"sensor": str}), [str(c) for c in columns], origin, step, steps)
    by_sensor = frame.groupby("sensor")["time"]
    first = _ns(by_sensor.min().reindex(columns))
    last = _ns(by_sensor.max().reindex(columns))
    span_start = _ns(touched.loc[columns, "min"].dt.floor(step))
    stamps = times.as_unit("ns").asi8[:, np.newaxis]
    inside = (stamps >= first) & (stamps <= last)
    in_span = stamps >= span_start
    firings = []
    for rule in rules:
        quality = rule.kind is RuleKind.QUALITY_EXCEEDANCE
        mask = np.array(
            [
                specs[ident].kind in rule.sensor_kinds and (not quality or ident in limits)
                for ident in columns
            ]
        )
        if not mask.any():
            continue
        if quality:
            alarm = _exceedances(rule, grid, columns, mask, limits, interval_s)
        else:
            alarm = evaluate_series_rule(rule, grid[:, mask], float(interval_s))
        alarm &= inside[:, mask]
        began = alarm & ~np.vstack([np.zeros((1, alarm.shape[1]), dtype=bool), alarm[:-1]])
        fired = alarm & in_span[:, mask]
        for column in np.flatnonzero(fired.any(axis=0)):
            ident = np.array(columns)[mask][column]
            hits = np.flatnonzero(fired[:, column])
            firings.append(
                {
                    "rule": rule,
                    "sensor_id": int(ident),
                    "subject": f"sensor:{specs[int(ident)].id}",
                    "first": times[hits[0]].to_pydatetime(),
                    "last": times[hits[-1]].to_pydatetime(),
                    "new": bool((began[:, column] & in_span[:, mask][:, column]).any()),
                    "detail": limits[int(ident)].detail if quality else None,
                }
            )
    return firings


@dataclass(frozen=True)
class QualityLimit:
    """The limit an analyser's readings are held to, and the text naming it on its alerts."""

    limit: Limit
    detail: str


@cache
def _use_standards() -> tuple[Mapping[str, UseStandard], Mapping[str, Standard]]:
    return load_use_standards(), load_standards()


def _quality_limits(
    session: Session, region_id: int, specs: Mapping[int, SensorSpec]
) -> dict[int, QualityLimit]:
    """The online analysers among ``specs`` attached to a contract's delivery point, with the
    limit the standard of the contract's use class sets on what they measure. An analyser whose
    use class maps to no standard, or whose standard sets no limit on its parameter, has none."""
    analysers = {
        ident: spec
        for ident, spec in specs.items()
        if spec.kind in QUALITY_PARAMETER
        and spec.attachment.kind is AttachmentKind.DELIVERY_POINT
        and spec.attachment.ref.isdigit()
    }
    if not analysers:
        return {}
    contract_ids = {int(spec.attachment.ref) for spec in analysers.values()}
    use_class_of = dict(
        session.execute(
            select(Contract.id, Deal.use_class)
            .join(Deal, Deal.id == Contract.deal_id)
            .where(Contract.region_id == region_id, Contract.id.in_(contract_ids))
        ).all()
    )
    mapping, standards = _use_standards()
    limits = {}
    for ident, spec in analysers.items():
        line = mapping.get(use_class_of.get(int(spec.attachment.ref), ""))
        if line is None or line.standard_id is None or line.use_id is None:
            continue
        standard = standards[line.standard_id]
        parameter = QUALITY_PARAMETER[spec.kind]
        limit = use_limit(standard, line.use_id, parameter)
        if limit is not None:
            detail = f"{standard.code} ({line.use_id}, {limit.clause}): {parameter} {limit.stated}"
            limits[ident] = QualityLimit(limit, detail)
    return limits


def _exceedances(
    rule: AlertRule,
    grid: FloatGrid,
    columns: Sequence[int],
    mask: np.ndarray,
    limits: Mapping[int, QualityLimit],
    interval_s: int,
) -> BoolGrid:
    """The quality-exceedance alarm of each masked column against its own limit."""
    chosen = [ident for ident, keep in zip(columns, mask, strict=True) if keep]
    return np.column_stack(
        [
            quality_exceedance(
                grid[:, [columns.index(ident)]],
                limits[ident].limit,
                rule.value("hysteresis_fraction"),
                rule.steps("min_duration_s", interval_s),
            )[:, 0]
            for ident in chosen
        ]
    )


def _ns(times: pd.Series) -> np.ndarray:
    """UTC times as int64 nanoseconds, one row (for comparing with a column of grid times)."""
    as_ns = pd.to_datetime(times, utc=True).dt.as_unit("ns")
    return as_ns.astype("int64").to_numpy()[np.newaxis, :]


def store_alerts(
    session: Session, region_id: int, firings: Sequence[Mapping[str, Any]], now: datetime
) -> tuple[int, int]:
    """Open an alert per firing (rule, subject) without an unresolved one; fold the others.

    INSERT … ON CONFLICT DO NOTHING on the partial unique index of unresolved alerts, then an
    atomic UPDATE for the rest, so two workers raising the same alert make one.
    """
    if not firings:
        return 0, 0
    dialect = session.get_bind().dialect.name
    insert_into = pg_insert if dialect == "postgresql" else sqlite_insert
    opened = 0
    folded = 0
    unresolved = AlertRecord.state != AlertState.RESOLVED.value
    for firing in firings:
        rule: AlertRule = firing["rule"]
        statement = (
            insert_into(AlertRecord)
            .values(
                region_id=region_id,
                rule=rule.id,
                severity=rule.severity.value,
                subject=firing["subject"],
                sensor_id=firing.get("sensor_id"),
                dma_id=firing.get("dma_id"),
                detail=firing.get("detail"),
                contract_id=firing.get("contract_id"),
                state=AlertState.OPEN.value,
                opened_at=now,
                first_seen_at=firing["first"],
                last_seen_at=firing["last"],
                occurrences=1,
                escalation_level=0,
            )
            .on_conflict_do_nothing(
                index_elements=["region_id", "rule", "subject"],
                index_where=text("state != 'resolved'"),
            )
            .returning(AlertRecord.id)
        )
        inserted = session.execute(statement).first()
        if inserted is not None:
            opened += 1
            alert_opened(session, region_id, inserted[0], rule, firing, now)
            continue
        last = bindparam("last", firing["last"], type_=AlertRecord.last_seen_at.type)
        session.execute(
            update(AlertRecord)
            .where(
                AlertRecord.region_id == region_id,
                AlertRecord.rule == rule.id,
                AlertRecord.subject == firing["subject"],
                unresolved,
            )
            .values(
                occurrences=AlertRecord.occurrences + (1 if firing["new"] else 0),
                last_seen_at=func.max(AlertRecord.last_seen_at, last)
                if dialect == "sqlite"
                else func.greatest(AlertRecord.last_seen_at, last),
            )
            .execution_options(synchronize_session=False)
        )
        folded += 1 if firing["new"] else 0
    return opened, folded


def sensor_readings(
    session: Session, sensor: Sensor, start: datetime, end: datetime, limit: int
) -> list[tuple[datetime, float, datetime, str]]:
    """A sensor's stored readings in [start, end), oldest first: (ts, value, received, source)."""
    query = (
        select(Reading.ts, Reading.value, Reading.received_at, Reading.source)
        .where(Reading.sensor_id == sensor.id, Reading.ts >= start, Reading.ts < end)
        .order_by(Reading.ts)
        .limit(limit)
    )
    return [(ts, value, received, source) for ts, value, received, source in session.execute(query)]


def sensor_aggregates(
    session: Session, sensor: Sensor, time_zone: str, period: Period, start: datetime, end: datetime
) -> pd.DataFrame:
    """A sensor's aggregates over the periods (in the region's ``time_zone``) that start in
    [start, end): mean, min, max and count, or a totaliser's volume and whether it is estimated.

    Computed from the stored readings whenever asked, so a late reading is in the next answer.
    The nearest readings outside the span are read too: a totaliser's volume in a period rests
    on the register at both of its boundaries.
    """
    inside = select(Reading.ts, Reading.value).where(
        Reading.sensor_id == sensor.id, Reading.ts >= start, Reading.ts < end
    )
    before = (
        select(Reading.ts, Reading.value)
        .where(Reading.sensor_id == sensor.id, Reading.ts < start)
        .order_by(Reading.ts.desc())
        .limit(1)
    )
    after = (
        select(Reading.ts, Reading.value)
        .where(Reading.sensor_id == sensor.id, Reading.ts >= end)
        .order_by(Reading.ts)
        .limit(1)
    )
    rows = [row for query in (before, inside, after) for row in session.execute(query)]
    frame = pd.DataFrame(
        {
            "sensor": pd.Series([sensor.code] * len(rows), dtype="object"),
            "time": pd.to_datetime([row[0] for row in rows], utc=True),
            "value": pd.Series([row[1] for row in rows], dtype="float64"),
        }
    )
    spec = sensor_spec(sensor)
    if spec.is_totaliser:
        table = aggregate_totaliser(frame, period, time_zone)
    else:
        table = aggregate_instantaneous(frame, period, time_zone)
    begins = pd.Timestamp(start).tz_convert(time_zone)
    ends = pd.Timestamp(end).tz_convert(time_zone)
    return table[(table["start"] >= begins) & (table["start"] < ends)].reset_index(drop=True)


@dataclass(frozen=True)
class ReplayOutcome:
    """What a replay of the quarantine did: readings taken out of it (stored now, or found
    stored already), and those still refused, with their reasons brought up to date."""

    replayed: int
    still_quarantined: int
    ingest: IngestOutcome


def replay_quarantine(
    session: Session, region_id: int, ids: Sequence[int] | None, now: datetime
) -> ReplayOutcome:
    """Re-ingest pending quarantined readings of the region (those of ``ids``, or the oldest
    `MAX_READINGS_PER_BATCH`), after their sensors' registration was fixed.

    A reading accepted or found stored is marked replayed (kept, for the record); one still
    refused stays pending with its new reason. A device's reading naming a sensor that now
    belongs to another device stays pending too: the device may only write its own sensors.
    """
    query = (
        select(QuarantinedReading)
        .where(QuarantinedReading.region_id == region_id, QuarantinedReading.replayed_at.is_(None))
        .order_by(QuarantinedReading.id)
        .limit(MAX_READINGS_PER_BATCH)
        .with_for_update()
    )
    if ids is not None:
        query = query.where(QuarantinedReading.id.in_(list(ids)))
    pending = list(session.scalars(query))
    if ids is not None:
        missing = sorted(set(ids) - {row.id for row in pending})
        if missing:
            raise NotFoundError("ids", missing)
    codes = [row.sensor_code for row in pending]
    named = select(Sensor.code, Sensor.device_id).where(
        Sensor.region_id == region_id, Sensor.code.in_([c for c in codes if c])
    )
    owner = {code: device for code, device in session.execute(named)}
    allowed = [
        row
        for row in pending
        if row.device_id is None
        or row.sensor_code not in owner
        or owner[row.sensor_code] == row.device_id
    ]
    if not allowed:
        return ReplayOutcome(0, len(pending), IngestOutcome(0, 0, 0, (), 0, 0))
    outcome = ingest_readings(
        session,
        [row.payload for row in allowed],
        region_id=region_id,
        received_at=now,
        source=Source.REPLAY,
        keep_refused=False,
    )
    refused = {r.row: r for r in outcome.refused}
    for position, row in enumerate(allowed):
        again = refused.get(position)
        if again is None:
            row.replayed_at = now
        else:
            row.reason, row.field = again.reason, again.field
            row.value = None if again.value is None else str(again.value)
    session.flush()
    replayed = len(allowed) - len(refused)
    return ReplayOutcome(replayed, len(pending) - replayed, outcome)
