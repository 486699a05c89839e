"""Properties: ingest is idempotent and order-independent; vectorised rules match the stepwise
reference reading by reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from reclaim.operations.alerts import (
    LOOP_MIN_SERIES,
    Direction,
    flatline,
    missing_data,
    rate_of_change,
    threshold,
    totaliser_backwards,
)
from reclaim.operations.registry import registry_from_sensors, sensor_from_dict
from reclaim.operations.stepwise import (
    flatline_stepwise,
    missing_data_stepwise,
    rate_of_change_stepwise,
    threshold_stepwise,
    totaliser_backwards_stepwise,
)
from reclaim.operations.validate import validate_readings

from .conftest import sensor

REGISTRY = registry_from_sensors(
    [
        sensor_from_dict(sensor("P1", "pressure", 0.0, 100.0)),
        sensor_from_dict(sensor("T1", "volume_totaliser", 0.0, 1e9, "delivery_point")),
    ]
)
NOW = pd.Timestamp("2026-03-01T12:00Z")
START = pd.Timestamp("2026-03-01T10:00Z")

# A reading: sensor, minute offset (a few slots, so keys repeat), value (some out of range).
readings = st.lists(
    st.tuples(
        st.sampled_from(["P1", "T1", "XX"]),
        st.integers(0, 12),
        st.sampled_from([5.0, 20.0, 50.0, 80.0, 120.0, -1.0]),
    ),
    max_size=30,
)


def frame(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sensor": [s for s, _, _ in rows],
            "time": [START + pd.Timedelta(minutes=5 * m) for _, m, _ in rows],
            "value": [v for _, _, v in rows],
            "unit": ["m" if s == "P1" else "m3" for s, _, _ in rows],
        }
    )


def keyed(table: pd.DataFrame) -> set[tuple[str, pd.Timestamp, float]]:
    return set(table.itertuples(index=False, name=None))


@settings(max_examples=60, deadline=None)
@given(readings)
def test_feeding_a_batch_twice_stores_the_same_set(rows: list[tuple[str, int, float]]) -> None:
    batch = frame(rows)
    first = validate_readings(batch, REGISTRY, NOW)
    second = validate_readings(batch, REGISTRY, NOW, stored=first.accepted)
    assert second.accepted.empty
    # Each row is accounted for exactly once in each pass.
    assert len(first.accepted) + len(first.quarantined) + first.duplicates == len(batch)
    assert len(second.quarantined) + second.duplicates == len(batch)


@settings(max_examples=60, deadline=None)
@given(readings, st.randoms(use_true_random=False))
def test_order_of_a_batch_does_not_matter(rows: list[tuple[str, int, float]], rng) -> None:
    # One value per key (a resent reading repeats its value), so no conflict depends on order.
    by_key = {(s, m): v for s, m, v in rows}
    rows = [(s, m, by_key[(s, m)]) for s, m, _ in rows]
    shuffled = rows.copy()
    rng.shuffle(shuffled)
    one = validate_readings(frame(rows), REGISTRY, NOW)
    other = validate_readings(frame(shuffled), REGISTRY, NOW)
    assert keyed(one.accepted) == keyed(other.accepted)
    assert one.duplicates == other.duplicates


series = st.lists(
    st.one_of(st.just(float("nan")), st.sampled_from([13.0, 14.5, 15.0, 15.5, 16.0, 17.0])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(series, st.sampled_from(list(Direction)), st.sampled_from([0.0, 1.0]), st.integers(1, 4))
def test_vectorised_rules_match_the_stepwise_reference(
    values: list[float], direction: Direction, hysteresis: float, min_steps: int
) -> None:
    grid = np.array(values)[:, np.newaxis]
    assert threshold(grid, 15.0, direction, hysteresis, min_steps)[:, 0].tolist() == (
        threshold_stepwise(values, 15.0, direction, hysteresis, min_steps)
    )
    assert rate_of_change(grid, 300, 12.0, min_steps)[:, 0].tolist() == (
        rate_of_change_stepwise(values, 300, 12.0, min_steps)
    )
    assert flatline(grid, min_steps, 0.0)[:, 0].tolist() == flatline_stepwise(
        values, min_steps, 0.0
    )
    assert missing_data(grid, min_steps)[:, 0].tolist() == missing_data_stepwise(values, min_steps)
    assert totaliser_backwards(grid, 0.0)[:, 0].tolist() == totaliser_backwards_stepwise(
        values, 0.0
    )


@settings(max_examples=50, deadline=None)
@given(series, st.sampled_from([0.0, 1.0]), st.integers(1, 4))
def test_many_sensors_take_the_row_by_row_path_with_the_same_result(
    values: list[float], hysteresis: float, min_steps: int
) -> None:
    # Column k is the series rolled by k steps: every column is checked against the reference.
    columns = [np.roll(values, k) for k in range(LOOP_MIN_SERIES + 1)]
    grid = np.column_stack(columns)
    latched = threshold(grid, 15.0, Direction.BELOW, hysteresis, min_steps)
    backwards = totaliser_backwards(grid, 0.0)
    for k, column in enumerate(columns):
        row = column.tolist()
        assert latched[:, k].tolist() == threshold_stepwise(
            row, 15.0, Direction.BELOW, hysteresis, min_steps
        )
        assert backwards[:, k].tolist() == totaliser_backwards_stepwise(row, 0.0)
