"""Aggregates worked by hand: means of instantaneous sensors, volumes of totalisers.

Times are UTC in the inputs; periods start in China Standard Time (UTC+8), the civil day a
contract's daily cap runs over.
"""

from __future__ import annotations

import pandas as pd
import pytest

from reclaim.operations.aggregate import (
    Period,
    aggregate,
    aggregate_instantaneous,
    aggregate_totaliser,
)
from reclaim.operations.registry import Registry


def readings(sensor: str, rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sensor": sensor,
            "time": pd.to_datetime([time for time, _ in rows], utc=True),
            "value": [value for _, value in rows],
        }
    )


def test_instantaneous_quarter_hour_and_hour_out_of_order() -> None:
    # 00:00 20, 00:05 22, 00:10 24 → 15 min mean 22, min 20, max 24; 00:15 30 in the next period.
    # The hour: (20 + 22 + 24 + 30) / 4 = 24.
    frame = readings(
        "P1",
        [
            ("2026-03-01T00:15Z", 30.0),
            ("2026-03-01T00:05Z", 22.0),
            ("2026-03-01T00:00Z", 20.0),
            ("2026-03-01T00:10Z", 24.0),
        ],
    )
    quarter = aggregate_instantaneous(frame, Period.QUARTER_HOUR)
    assert quarter[["mean", "min", "max", "n_readings"]].values.tolist() == [
        [22.0, 20.0, 24.0, 3],
        [30.0, 30.0, 30.0, 1],
    ]
    assert quarter["start"].iloc[0] == pd.Timestamp("2026-03-01T08:00", tz="Asia/Shanghai")
    hour = aggregate_instantaneous(frame, Period.HOUR)
    assert hour["mean"].tolist() == [24.0]


def test_totaliser_volumes_exact_and_interpolated() -> None:
    # Readings 00:00 1000, 00:10 1020, 00:20 1030, 00:30 1050 (UTC).
    # Register at 00:15 by linear interpolation between 1020 and 1030: 1025.
    # [00:00, 00:15): 1025 − 1000 = 25 (estimated); [00:15, 00:30): 1050 − 1025 = 25 (estimated).
    frame = readings(
        "T1",
        [
            ("2026-03-01T00:30Z", 1050.0),
            ("2026-03-01T00:00Z", 1000.0),
            ("2026-03-01T00:20Z", 1030.0),
            ("2026-03-01T00:10Z", 1020.0),
        ],
    )
    table = aggregate_totaliser(frame, Period.QUARTER_HOUR)
    assert table["volume_m3"].tolist() == pytest.approx([25.0, 25.0])
    assert table["estimated"].tolist() == [True, True]
    # Readings on every boundary give exact volumes: 00:00 1000, 00:15 1040, 00:30 1100.
    exact = readings(
        "T1",
        [
            ("2026-03-01T00:00Z", 1000.0),
            ("2026-03-01T00:15Z", 1040.0),
            ("2026-03-01T00:30Z", 1100.0),
            ("2026-03-01T00:40Z", 1130.0),
        ],
    )
    table = aggregate_totaliser(exact, Period.QUARTER_HOUR)
    # [00:30, 00:45) is not spanned (no reading at or after 00:45): no volume rather than a guess.
    assert table["volume_m3"].tolist() == pytest.approx([40.0, 60.0])
    assert table["estimated"].tolist() == [False, False]


def test_daily_volume_runs_over_the_local_day(registry: Registry) -> None:
    # 2026-03-01T16:00Z is 2026-03-02 00:00 in UTC+8; the next local midnight is 03-02T16:00Z.
    # The reading at 03-02T00:00Z (08:00 local) is inside the day and does not split it.
    frame = pd.concat(
        [
            readings(
                "T1",
                [
                    ("2026-03-01T16:00Z", 5000.0),
                    ("2026-03-02T00:00Z", 5200.0),
                    ("2026-03-02T16:00Z", 5600.0),
                ],
            ),
            readings("Q1", [("2026-03-02T00:00Z", 25.0)]),
        ]
    )
    instant, volumes = aggregate(frame, registry, Period.DAY)
    assert volumes["volume_m3"].tolist() == pytest.approx([600.0])
    assert volumes["start"].iloc[0] == pd.Timestamp("2026-03-02", tz="Asia/Shanghai")
    assert instant["sensor"].tolist() == ["Q1"]
