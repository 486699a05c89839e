"""A small registry and the database backends used across the operations tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reclaim.operations.registry import Registry, registry_from_sensors, sensor_from_dict
from tests.market.conftest import BACKENDS, Backend, open_backend


def sensor(sensor_id: str, kind: str, low: float, high: float, attach: str = "node") -> dict:
    return {
        "id": sensor_id,
        "kind": kind,
        "valid_min": low,
        "valid_max": high,
        "interval_s": 300,
        "level": "二级",
        "attachment": {"kind": attach, "ref": f"{sensor_id}-at"},
    }


@pytest.fixture
def registry() -> Registry:
    return registry_from_sensors(
        [
            sensor_from_dict(sensor("P1", "pressure", 0.0, 100.0)),
            sensor_from_dict(sensor("Q1", "flow", 0.0, 500.0, "link")),
            sensor_from_dict(sensor("T1", "volume_totaliser", 0.0, 1e9, "delivery_point")),
            sensor_from_dict(sensor("CL", "residual_chlorine", 0.0, 10.0, "delivery_point")),
        ]
    )


@pytest.fixture(scope="session")
def standards() -> dict:
    from reclaim.io.quality_files import load_standards

    return load_standards()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A migrated, empty database on SQLite and on PostgreSQL."""
    yield from open_backend(request.param, tmp_path)
