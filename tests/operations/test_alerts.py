"""Each alert rule against hand-made series that must and must not fire.

Expected arrays are worked step by step in the comments; limits from the quality engine are
GB/T 18920-2020 Table 1 (turbidity ≤ 5 NTU for toilet flushing, pH 6.0–9.0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reclaim.io.operations_files import load_alert_rules
from reclaim.operations.alerts import (
    Direction,
    episodes,
    flatline,
    missing_data,
    night_flow_rising,
    over_draw,
    quality_exceedance,
    rate_of_change,
    threshold,
    to_grid,
    totaliser_backwards,
    use_limit,
)
from reclaim.operations.rules import RuleKind, evaluate_series_rule
from reclaim.quality.standards import Standard

NAN = float("nan")
T, F = True, False


def grid(*values: float) -> np.ndarray:
    """One sensor's series as a time-major grid (steps × 1)."""
    return np.array(values, dtype=float)[:, np.newaxis]


def test_threshold_with_hysteresis() -> None:
    series = grid(9, 10, 10.5, 9, 8.5, 8, 11, NAN, 7)
    # Limit 10 (strictly above raises), deadband 2: clears only at ≤ 8; a gap holds the state.
    assert threshold(series, 10, Direction.ABOVE, 2, 1).T.tolist() == [[F, F, T, T, T, F, T, T, F]]
    # Without deadband it clears at once when back to ≤ 10.
    assert threshold(series, 10, Direction.ABOVE, 0, 1).T.tolist() == [[F, F, T, F, F, F, T, T, F]]


def test_threshold_minimum_duration() -> None:
    # On-delay of 3 steps: the first excursion lasts 2 steps (never alarms), the second 4.
    series = grid(11, 11, 9, 11, 11, 11, 11)
    assert threshold(series, 10, Direction.ABOVE, 0, 3).T.tolist() == [[F, F, F, F, F, T, T]]


def test_free_head_rule_from_the_shipped_file() -> None:
    (rule,) = [r for r in load_alert_rules("shuozhou") if r.kind is RuleKind.FREE_HEAD_LOW]
    # 15 m limit, 1 m deadband, 600 s at 300 s reporting = 2 steps of on-delay.
    # 14.9 < 15 latches; 15.5 is not ≥ 16, so it holds; 16.2 clears.
    fires = evaluate_series_rule(rule, grid(16, 14.9, 15.5, 14, 14, 15.5, 16.2), 300)
    assert fires.T.tolist() == [[F, F, T, T, T, T, F]]
    # Must not fire: one short dip, and a node sitting exactly at 15 m.
    assert not evaluate_series_rule(rule, grid(16, 14, 16, 16), 300).any()
    assert not evaluate_series_rule(rule, grid(15, 15, 15, 15), 300).any()


def test_rate_of_change() -> None:
    # 300 s steps, 60 m/h = 5 m per step: +4 (48 m/h) no, +6 (72 m/h) yes, gaps never fire.
    fires = rate_of_change(grid(30, 34, 40, 40, NAN, 20), 300, 60.0)
    assert fires.T.tolist() == [[F, F, T, F, F, F]]
    assert not rate_of_change(grid(30, 25, 20, 15), 300, 60.0).any()  # 5 m per step is allowed


def test_flatline() -> None:
    # Three unchanged intervals in a row → stuck at the 4th equal reading.
    assert flatline(grid(1, 2, 2, 2, 2, 3), 3, 0.0).T.tolist() == [[F, F, F, F, T, F]]
    assert not flatline(grid(2, 2, 2, 3, 3, 3), 3, 0.0).any()  # runs of two intervals only
    assert not flatline(grid(2, 2.01, 2, 2.01, 2), 3, 0.0).any()  # a live, noisy signal


def test_missing_data() -> None:
    # Three expected readings in a row missing → fires at the third.
    fires = missing_data(grid(1, NAN, NAN, 2, NAN, NAN, NAN, NAN), 3)
    assert fires.T.tolist() == [[F, F, F, F, F, F, T, T]]
    assert not missing_data(grid(1, NAN, NAN, 2, NAN, NAN, 3), 3).any()


def test_totaliser_backwards() -> None:
    # 105 < 110 and 111 < 112 (the highest before, across a gap).
    fires = totaliser_backwards(grid(100, 110, 105, 112, NAN, 111), 0.0)
    assert fires.T.tolist() == [[F, F, T, F, F, T]]
    assert not totaliser_backwards(grid(100, 100, 101, NAN, 150), 0.0).any()


def test_quality_exceedance_through_the_quality_engine(standards: dict[str, Standard]) -> None:
    standard = standards["gb_t_18920_2020"]
    turbidity = use_limit(standard, "toilet", "turbidity")
    assert turbidity is not None and turbidity.upper == 5.0
    # ≤ 5 NTU; deadband 5 % of 5 = 0.25 NTU (clears at ≤ 4.75); on-delay 2 steps.
    series = grid(4, 5, 5.5, 6, 4.9, 4.7, 5.2)
    assert quality_exceedance(series, turbidity, 0.05, 2).T.tolist() == [[F, F, F, T, T, F, F]]
    # pH 6.0–9.0 is a range: both ends alarm.
    ph = use_limit(standard, "greening", "ph")
    assert ph is not None
    assert quality_exceedance(grid(7, 5.9, 7, 9.1), ph, 0.0, 1).T.tolist() == [[F, T, F, T]]
    assert not quality_exceedance(grid(6.0, 9.0, 7.5), ph, 0.0, 1).any()


def test_night_flow_rising() -> None:
    # Hourly inflow for 8 local days: 50 m³/h by day, 10 m³/h at 02:00 and 03:00 for 7 nights.
    times = pd.date_range("2026-03-01", periods=8 * 24, freq="1h", tz="Asia/Shanghai")
    base = np.where((times.hour >= 2) & (times.hour < 4), 10.0, 50.0)
    rising_night = base.copy()
    rising_night[7 * 24 + 2 : 7 * 24 + 4] = 13.0  # +30 % and +3 m³/h on the 8th night
    small_rise = base.copy()
    small_rise[7 * 24 + 2 : 7 * 24 + 4] = 11.5  # +15 %: below the 20 % rise
    check = night_flow_rising(
        np.column_stack([rising_night, small_rise]), times, (2, 4), 7, 0.2, 0.5
    )
    assert check.mnf_m3_per_hour[:, 0].tolist() == [10.0] * 7 + [13.0]
    assert check.baseline_m3_per_hour[7, 0] == 10.0
    assert check.rising.T.tolist() == [[F] * 7 + [T], [F] * 8]


def test_over_draw_against_the_daily_cap() -> None:
    # The cap itself is allowed; 1001 m³ on a 1000 m³ cap is over.
    volumes = np.array([[999.0, 1000.0, 1001.0], [0.0, NAN, 2500.0]]).T  # days × points
    fires = over_draw(volumes, np.array([1000.0, 2000.0]))
    assert fires.T.tolist() == [[F, F, T], [F, F, T]]


def test_episodes_one_row_per_alarm() -> None:
    times = pd.date_range("2026-03-01", periods=6, freq="5min", tz="UTC")
    firing = np.array([[F, T, T, F, T, T], [F, F, F, F, F, F]])
    table = episodes(firing.T, ["P1", "P2"], times, "free_head_low")
    assert table[["subject", "steps"]].values.tolist() == [["P1", 2], ["P1", 2]]
    assert table["start"].tolist() == [times[1], times[4]]
    assert table["last"].tolist() == [times[2], times[5]]


def test_to_grid_places_readings_time_major() -> None:
    # Rows are 00:00, 00:05, 00:10; an unknown sensor and a reading after the grid are left out;
    # two readings in the 00:05 slot (00:05 and 00:07): the later one (00:07) wins.
    readings = pd.DataFrame(
        {
            "sensor": ["P2", "P1", "P1", "P1", "XX", "P1"],
            "time": pd.to_datetime(
                [
                    "2026-03-01T00:10Z",
                    "2026-03-01T00:07Z",
                    "2026-03-01T00:00Z",
                    "2026-03-01T00:05Z",
                    "2026-03-01T00:00Z",
                    "2026-03-01T00:15Z",
                ]
            ),
            "value": [7.0, 2.5, 1.0, 2.0, 9.0, 4.0],
        }
    )
    start = pd.Timestamp("2026-03-01T00:00Z")
    placed = to_grid(readings, ["P1", "P2"], start, pd.Timedelta(minutes=5), 3)
    assert np.array_equal(placed, np.array([[1.0, NAN], [2.5, NAN], [NAN, 7.0]]), equal_nan=True)
