"""One region, its devices and their sensors in a migrated database, for the tests of ingest into
the store (the HTTP upload path and the MQTT worker alike)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from reclaim.store.models import Device, Region, Sensor
from tests.market.conftest import Backend


def seed_region(
    backend: Backend,
    code: str,
    sensors: Mapping[str, Sequence[tuple[str, str, float]]],
    created_at: datetime,
) -> int:
    """Region ``code`` with one device per key of ``sensors``, each sending its (sensor code,
    kind, valid maximum) sensors: valid from 0, every 300 s, attached to node ``N-<code>``.
    Returns the region's id."""

    def seed(session: Session) -> int:
        region = Region(
            code=code,
            name=code,
            publicity_days=5,
            lapse_days=30,
            exchange_fee_rate=Decimal("0.005"),
            treatment_feedback_share=Decimal("0.1"),
            time_zone="Asia/Shanghai",
            delivery_confirmation_days=3,
        )
        session.add(region)
        session.flush()
        for device_code, device_sensors in sensors.items():
            device = Device(region_id=region.id, code=device_code, created_at=created_at)
            session.add(device)
            session.flush()
            session.add_all(
                Sensor(
                    region_id=region.id,
                    code=sensor_code,
                    kind=kind,
                    valid_min=0.0,
                    valid_max=valid_max,
                    interval_s=300,
                    level="二级",
                    attachment_kind="node",
                    attachment_ref=f"N-{sensor_code}",
                    device_id=device.id,
                    created_at=created_at,
                )
                for sensor_code, kind, valid_max in device_sensors
            )
        return region.id

    return backend.db.run(seed)
