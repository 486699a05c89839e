"""Validation of reading batches: each refusal reason, unit conversion, duplicates, late data.

Expected values are worked by hand in the comments (unit factors are definitions: 1 MPa ≙ 100 m
by the planning convention of seed 001 §4.3.2, 1 万 m³ = 10⁴ m³, 1 L/s = 3.6 m³/h).
"""

from __future__ import annotations

import pandas as pd
import pytest

from reclaim.errors import InputError
from reclaim.operations.registry import Registry, sensor_from_dict
from reclaim.operations.validate import validate_readings

from .conftest import sensor

NOW = pd.Timestamp("2026-03-01T12:00:00Z")


def batch(*rows: tuple[str, str, float, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sensor", "time", "value", "unit"])


def reasons(result) -> dict[int, str]:
    return dict(zip(result.quarantined["row"], result.quarantined["reason"], strict=True))


def test_each_refusal_has_its_reason(registry: Registry) -> None:
    result = validate_readings(
        batch(
            ("NOPE", "2026-03-01T11:00Z", 1.0, "m"),  # 0 unknown sensor
            ("P1", "2026-03-01T11:00Z", 1.0, "m3/h"),  # 1 flow unit on a pressure sensor
            ("P1", "not a time", 20.0, "m"),  # 2
            ("P1", "2026-03-01T11:05Z", float("nan"), "m"),  # 3
            ("P1", "2026-03-01T12:05:01Z", 20.0, "m"),  # 4 5 min 1 s ahead of now
            ("P1", "2026-03-01T11:10Z", 1.2, "MPa"),  # 5 120 m > 100 m range
            ("Q1", "2026-03-01T11:10Z", -1.0, "m3/h"),  # 6 below 0
        ),
        registry,
        NOW,
    )
    assert result.accepted.empty
    assert reasons(result) == {
        0: "unknown_sensor",
        1: "wrong_unit",
        2: "bad_timestamp",
        3: "not_a_number",
        4: "future_timestamp",
        5: "outside_range",
        6: "outside_range",
    }
    # The raw payload is kept as received, beside the reason.
    row = result.quarantined.set_index("row").loc[1]
    assert (row["sensor"], row["value"], row["unit"]) == ("P1", 1.0, "m3/h")


def test_future_tolerance_is_inclusive_and_settable(registry: Registry) -> None:
    readings = batch(("P1", "2026-03-01T12:05:00Z", 20.0, "m"))
    assert len(validate_readings(readings, registry, NOW).accepted) == 1
    strict = validate_readings(readings, registry, NOW, future_tolerance=pd.Timedelta(minutes=1))
    assert reasons(strict) == {0: "future_timestamp"}


def test_units_are_converted_to_canonical(registry: Registry) -> None:
    result = validate_readings(
        batch(
            ("P1", "2026-03-01T11:00Z", 0.25, "MPa"),  # 25 m
            ("P1", "2026-03-01T11:05Z", 180.0, "kPa"),  # 18 m
            ("Q1", "2026-03-01T11:00Z", 10.0, "L/s"),  # 36 m³/h
            ("T1", "2026-03-01T11:00Z", 1.5, "万m³"),  # 15 000 m³
            ("CL", "2026-03-01T11:00Z", 800.0, "µg/L"),  # 0.8 mg/L
        ),
        registry,
        NOW,
    )
    got = {(s, t.minute): v for s, t, v in result.accepted.itertuples(index=False)}
    assert got == pytest.approx(
        {("P1", 0): 25.0, ("P1", 5): 18.0, ("Q1", 0): 36.0, ("T1", 0): 15_000.0, ("CL", 0): 0.8}
    )
    assert result.quarantined.empty


def test_duplicates_are_counted_not_kept_and_conflicts_quarantined(registry: Registry) -> None:
    stored = pd.DataFrame(
        {"sensor": ["P1"], "time": [pd.Timestamp("2026-03-01T11:00Z")], "value": [20.0]}
    )
    result = validate_readings(
        batch(
            ("P1", "2026-03-01T11:00Z", 0.2, "MPa"),  # = the stored 20 m: duplicate
            ("P1", "2026-03-01T11:00Z", 21.0, "m"),  # another value for a stored key
            ("P1", "2026-03-01T11:05Z", 22.0, "m"),  # new
            ("P1", "2026-03-01T11:05Z", 22.0, "m"),  # resent in the same batch
            ("P1", "2026-03-01T11:05Z", 23.0, "m"),  # conflicts with row 2
        ),
        registry,
        NOW,
        stored=stored,
    )
    assert result.duplicates == 2
    assert reasons(result) == {1: "conflicting_duplicate", 4: "conflicting_duplicate"}
    assert result.accepted.to_dict("list") == {
        "sensor": ["P1"],
        "time": [pd.Timestamp("2026-03-01T11:05Z")],
        "value": [22.0],
    }


def test_out_of_order_readings_are_accepted(registry: Registry) -> None:
    result = validate_readings(
        batch(
            ("Q1", "2026-03-01T11:10Z", 3.0, "m3/h"),
            ("Q1", "2026-03-01T11:00Z", 1.0, "m3/h"),
            ("Q1", "2026-03-01T11:05Z", 2.0, "m3/h"),
        ),
        registry,
        NOW,
    )
    assert result.accepted["value"].tolist() == [1.0, 2.0, 3.0]


def test_totaliser_backwards_against_batch_and_store(registry: Registry) -> None:
    stored = pd.DataFrame(
        {
            "sensor": ["T1", "T1"],
            "time": pd.to_datetime(["2026-03-01T10:00Z", "2026-03-01T11:00Z"]),
            "value": [1000.0, 1100.0],
        }
    )
    result = validate_readings(
        batch(
            ("T1", "2026-03-01T10:30Z", 1050.0, "m3"),  # late, between 1000 and 1100: fine
            ("T1", "2026-03-01T10:40Z", 1150.0, "m3"),  # above the stored 1100 at 11:00
            ("T1", "2026-03-01T11:30Z", 1090.0, "m3"),  # below the stored 1100 at 11:00
            ("T1", "2026-03-01T11:35Z", 1120.0, "m3"),  # ahead of 1100: fine
        ),
        registry,
        NOW,
        stored=stored,
    )
    assert reasons(result) == {1: "totaliser_backwards", 2: "totaliser_backwards"}
    assert result.accepted["value"].tolist() == [1050.0, 1120.0]


def test_missing_column_names_the_columns(registry: Registry) -> None:
    with pytest.raises(InputError, match="columns sensor, time, value, unit"):
        validate_readings(pd.DataFrame({"sensor": ["P1"]}), registry, NOW)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "viscosity", "sensor.kind: got 'viscosity'; one of flow"),
        ("level", "四级", "sensor.level: got '四级'; one of 一级, 二级, 三级"),
        ("valid_max", -1.0, "a number above valid_min"),
        ("interval_s", 0, "a whole number of seconds above 0"),
    ],
)
def test_bad_sensor_description_names_field(field: str, value: object, message: str) -> None:
    raw = sensor("X", "pressure", 0.0, 100.0) | {field: value}
    with pytest.raises(InputError, match=message):
        sensor_from_dict(raw)


def test_clock_must_carry_its_time_zone(registry: Registry) -> None:
    readings = batch(("P1", "2026-03-01T11:00Z", 20.0, "m"))
    with pytest.raises(InputError, match="now: got"):
        validate_readings(readings, registry, pd.Timestamp("2026-03-01T12:00"))
    with pytest.raises(InputError, match="future_tolerance"):
        validate_readings(readings, registry, NOW, future_tolerance=pd.Timedelta(minutes=-1))


def test_a_batch_of_unknown_sensors_only_is_quarantined(registry: Registry) -> None:
    # no row names a registered sensor, so no row has a field unit to convert to
    result = validate_readings(
        batch(("F9", "2026-03-01T11:00Z", 1.0, "m3/h"), ("F8", "2026-03-01T11:00Z", 2.0, None)),
        registry,
        NOW,
    )
    assert result.accepted.empty
    assert reasons(result) == {0: "unknown_sensor", 1: "unknown_sensor"}
