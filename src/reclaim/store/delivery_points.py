"""What meters a contract's delivery point: the flow meters and volume totalisers registered
against it (a sensor's attachment `delivery_point`, its ref the contract's id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.operations.metering import METER_KINDS
from reclaim.operations.registry import AttachmentKind
from reclaim.store.models import Sensor


def contract_meters(session: Session, region_id: int, contract_id: int) -> list[Sensor]:
    """The meters at the contract's delivery point, oldest first (none: an unmetered contract,
    whose daily volumes the operator enters by hand)."""
    query = select(Sensor).where(
        Sensor.region_id == region_id,
        Sensor.attachment_kind == AttachmentKind.DELIVERY_POINT.value,
        Sensor.attachment_ref == str(contract_id),
        Sensor.kind.in_(sorted(kind.value for kind in METER_KINDS)),
    )
    return list(session.scalars(query.order_by(Sensor.id)))
