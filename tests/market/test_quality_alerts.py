"""Quality exceedance at ingest, on SQLite and PostgreSQL: an online analyser at a contract's
delivery point is held to the limit of the standard of the contract's use class
(data/operations/use_standards.yaml), from the quality catalogue.

The contract (tests.market.helpers.traded_contract) was bought for the use class
``industrial``, mapped to GB/T 19923-2005, open recirculating cooling make-up: turbidity ≤ 5 NTU
(Table 1). The shipped quality-exceedance rule (alert_rules.yaml, local choices): on-delay
900 s, i.e. three consecutive 5-minute readings beyond the limit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from reclaim.operations.notify import WebhookPolicy
from reclaim.store.models import AlertRecord, Contract, Deal, Notification, Sensor
from reclaim.store.readings import Source, ingest_readings
from reclaim.store.webhooks import register_webhook
from tests.market.conftest import Backend
from tests.market.helpers import Api, traded_contract

RECEIVED = datetime(2021, 12, 31, tzinfo=UTC)


def analyser(backend: Backend, region_id: int, contract_id: int, kind: str, code: str) -> None:
    backend.db.run(
        lambda s: s.add(
            Sensor(
                region_id=region_id,
                code=code,
                kind=kind,
                valid_min=0.0,
                valid_max=100.0,
                interval_s=300,
                level="一级",
                attachment_kind="delivery_point",
                attachment_ref=str(contract_id),
                created_at=datetime(2021, 8, 1, tzinfo=UTC),
            )
        )
    )


def send(backend: Backend, region_id: int, code: str, unit: str, values: list[float]) -> None:
    readings = [
        {"sensor": code, "ts": f"2021-12-01T08:{5 * n:02d}:00Z", "value": v, "unit": unit}
        for n, v in enumerate(values)
    ]
    outcome = backend.db.run(
        lambda s: ingest_readings(
            s, readings, region_id=region_id, received_at=RECEIVED, source=Source.HTTP
        )
    )
    assert outcome.accepted == len(values)


def quality_alerts(backend: Backend) -> list[tuple[str, str | None, datetime]]:
    query = select(AlertRecord.subject, AlertRecord.detail, AlertRecord.first_seen_at).where(
        AlertRecord.rule == "quality_exceedance"
    )
    return [tuple(row) for row in backend.db.run_read(lambda s: s.execute(query).all())]


def set_use_class(backend: Backend, contract_id: int, use_class: str) -> None:
    deal = select(Contract.deal_id).where(Contract.id == contract_id).scalar_subquery()
    backend.db.run(
        lambda s: s.execute(update(Deal).where(Deal.id == deal).values(use_class=use_class))
    )


def test_turbidity_above_the_industrial_limit_opens_an_alert_naming_standard_and_limit(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    backend.db.run(
        lambda s: register_webhook(
            s,
            contract["region_id"],
            "https://hooks.example.org/reclaim",
            api.ids["admin"],
            WebhookPolicy(),
            RECEIVED,
        )
    )
    analyser(backend, contract["region_id"], contract["id"], "turbidity", "TU1")
    # 6 NTU > 5 NTU from 08:05 on: the third such reading (08:15) completes the 900 s on-delay
    send(backend, contract["region_id"], "TU1", "NTU", [4.0, 6.0, 6.0, 6.0])
    ((subject, detail, first),) = quality_alerts(backend)
    assert subject == "sensor:TU1"
    assert first == datetime(2021, 12, 1, 8, 15, tzinfo=UTC)
    assert detail is not None
    assert "GB/T 19923-2005" in detail and "cooling_open_recirculating_makeup" in detail
    assert "turbidity ≤ 5 NTU" in detail
    (body,) = backend.db.run_read(lambda s: list(s.scalars(select(Notification.body))))
    assert json.loads(body)["alert"]["detail"] == detail  # the webhook is told the limit too


@pytest.mark.parametrize(
    ("use_class", "kind", "unit", "values"),
    [
        # within the limit: 4.9 NTU ≤ 5 NTU at every reading
        ("industrial", "turbidity", "NTU", [4.9, 4.9, 4.9, 4.9]),
        # above the limit for only two readings (10 min < the 900 s on-delay)
        ("industrial", "turbidity", "NTU", [6.0, 6.0, 4.0, 6.0]),
        # special trades map to no standard (use_standards.yaml): checked against nothing
        ("special", "turbidity", "NTU", [50.0, 50.0, 50.0, 50.0]),
        # GB/T 18920-2020 (municipal → greening) limits total chlorine, not residual chlorine
        ("municipal", "residual_chlorine", "mg/L", [9.0, 9.0, 9.0, 9.0]),
    ],
)
def test_no_alert_within_the_limit_or_without_one(
    api: Api, backend: Backend, use_class: str, kind: str, unit: str, values: list[float]
) -> None:
    contract = traded_contract(api)
    set_use_class(backend, contract["id"], use_class)
    analyser(backend, contract["region_id"], contract["id"], kind, "AN1")
    send(backend, contract["region_id"], "AN1", unit, values)
    assert quality_alerts(backend) == []


def test_municipal_turbidity_is_held_to_gb_t_18920_2020_greening(
    api: Api, backend: Backend
) -> None:
    contract = traded_contract(api)
    set_use_class(backend, contract["id"], "municipal")
    analyser(backend, contract["region_id"], contract["id"], "turbidity", "TU2")
    # GB/T 18920-2020 Table 1 column B (greening): turbidity ≤ 10 NTU; 9 NTU is within, 11 is not
    send(backend, contract["region_id"], "TU2", "NTU", [9.0, 9.0, 11.0, 11.0, 11.0])
    ((subject, detail, first),) = quality_alerts(backend)
    assert subject == "sensor:TU2" and detail is not None
    assert "GB/T 18920-2020 (greening" in detail and "turbidity ≤ 10 NTU" in detail
    assert first == datetime(2021, 12, 1, 8, 20, tzinfo=UTC)
