"""Daily delivered volumes from meters, worked by hand. Times are UTC; civil days run in China
Standard Time (UTC+8), so 16:00Z is local midnight."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from reclaim.operations.metering import (
    daily_meter_volumes,
    delivery_point_volumes,
    flow_register,
)
from reclaim.operations.registry import SensorKind

KINDS = {
    "T": SensorKind.VOLUME_TOTALISER,
    "F": SensorKind.FLOW,
    "P": SensorKind.PRESSURE,
}
MARCH_2 = date(2026, 3, 2)


def readings(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sensor": [sensor for sensor, _, _ in rows],
            "time": pd.to_datetime([time for _, time, _ in rows], utc=True),
            "value": [value for _, _, value in rows],
        }
    )


def test_totaliser_day_is_the_register_difference_between_local_midnights() -> None:
    # Local 2 Mar 00:00 reads 1000, 12:00 reads 1300, 3 Mar 00:00 reads 1500 → 500 m³, exact.
    frame = readings(
        [
            ("T", "2026-03-02T16:00Z", 1500.0),
            ("T", "2026-03-01T16:00Z", 1000.0),
            ("T", "2026-03-02T04:00Z", 1300.0),
            ("P", "2026-03-02T04:00Z", 30.0),
        ]
    )
    days = daily_meter_volumes(frame, KINDS)
    assert days.to_dict("records") == [
        {"sensor": "T", "day": MARCH_2, "volume_m3": 500.0, "estimated": False}
    ]


def test_totaliser_midnight_between_readings_is_interpolated_and_flagged() -> None:
    # 1 Mar 23:00 900, 2 Mar 01:00 1100 → midnight 1000; 2 Mar 23:00 1500, 3 Mar 01:00 1600 →
    # midnight 1550. The day: 1550 − 1000 = 550 m³, estimated.
    frame = readings(
        [
            ("T", "2026-03-01T15:00Z", 900.0),
            ("T", "2026-03-01T17:00Z", 1100.0),
            ("T", "2026-03-02T15:00Z", 1500.0),
            ("T", "2026-03-02T17:00Z", 1600.0),
        ]
    )
    day = daily_meter_volumes(frame, KINDS).set_index("day").loc[MARCH_2]
    assert day["volume_m3"] == pytest.approx(550.0)
    assert bool(day["estimated"])


def test_flow_meter_integrated_by_trapezoids() -> None:
    # 10 m³/h at local midnight, 30 at noon, 10 at the next midnight:
    # 12 h × (10 + 30)/2 + 12 h × (30 + 10)/2 = 240 + 240 = 480 m³.
    frame = readings(
        [
            ("F", "2026-03-01T16:00Z", 10.0),
            ("F", "2026-03-02T04:00Z", 30.0),
            ("F", "2026-03-02T16:00Z", 10.0),
        ]
    )
    assert flow_register(frame)["value"].tolist() == [0.0, 240.0, 480.0]
    days = daily_meter_volumes(frame, KINDS)
    assert days["volume_m3"].tolist() == [pytest.approx(480.0)]
    assert days["day"].tolist() == [MARCH_2]


def test_a_point_delivers_its_meters_sum_only_on_days_all_of_them_cover() -> None:
    # T gives 500 m³ on 2 Mar and F 480 m³ → 980 m³; on 3 Mar only T reads (200 m³): unmetered.
    frame = readings(
        [
            ("T", "2026-03-01T16:00Z", 1000.0),
            ("T", "2026-03-02T16:00Z", 1500.0),
            ("T", "2026-03-03T16:00Z", 1700.0),
            ("F", "2026-03-01T16:00Z", 10.0),
            ("F", "2026-03-02T04:00Z", 30.0),
            ("F", "2026-03-02T16:00Z", 10.0),
        ]
    )
    meter_days = daily_meter_volumes(frame, KINDS)
    points = delivery_point_volumes(meter_days, {"T": "inlet A", "F": "inlet A"})
    assert points.to_dict("records") == [
        {"point": "inlet A", "day": MARCH_2, "volume_m3": pytest.approx(980.0), "estimated": False}
    ]
    alone = delivery_point_volumes(meter_days, {"T": "inlet A"})
    assert alone["volume_m3"].tolist() == [500.0, 200.0]


def test_no_meter_readings_give_no_days() -> None:
    frame = readings([("P", "2026-03-02T04:00Z", 30.0)])
    assert daily_meter_volumes(frame, KINDS).empty
