"""The data migration to volumes by year, from a database written by the previous revision.

The database holds the defect of issue 8: a right of 1000 m³/yr for 2025–2030, 500 m³/yr of
2025 alone sold, stored as 500 m³/yr in every year. The migration rebuilds the periods from the
right's history (issued volume, contracted sales, open listings), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect
from sqlalchemy.orm import Session

from reclaim.store.audit import audit
from reclaim.store.db import upgrade_schema
from reclaim.store.models import Deal, Listing, Region, Right
from tests.market.conftest import BACKENDS, Backend

PREVIOUS = "0001"
T = datetime(2024, 6, 1, tzinfo=UTC)
Y2025, Y2026, Y2027, Y2028, Y2031 = (date(y, 1, 1) for y in (2025, 2026, 2027, 2028, 2031))


def write_previous_revision(backend: Backend) -> None:
    """Rows as revision 0001 stored them after the lossy partial-term sale."""
    meta = MetaData()
    meta.reflect(backend.db.engine)
    t = meta.tables
    with backend.db.engine.begin() as c:
        c.execute(
            t["regions"].insert(),
            [
                {
                    "id": 1,
                    "code": "r",
                    "name": "r",
                    "publicity_days": 5,
                    "exchange_fee_rate": "0.005",
                    "treatment_feedback_share": "0.10",
                }
            ],
        )
        c.execute(
            t["accounts"].insert(),
            [
                {"id": i, "username": n, "password_hash": "x", "role": r, "display_name": n}
                | {"created_at": T, "use_class": u}
                for i, n, r, u in (
                    (1, "regulator", "regulator", None),
                    (2, "seller", "seller", None),
                    (3, "buyer", "buyer", "industrial"),
                )
            ],
        )
        c.execute(
            t["plants"].insert(),
            {
                "id": 1,
                "region_id": 1,
                "name": "p",
                "sewage_treated_m3_per_day": 1_000,
                "reclaimed_capacity_m3_per_day": 800,
                "deliverable_daily_m3": 800,
                "deliverable_annual_m3": 292_000,
                "committed_daily_m3": 10,
                "committed_annual_m3": 1_000,
                "source": "",
            },
        )
        right = {"region_id": 1, "plant_id": 1, "use_class": "industrial", "created_at": T}
        c.execute(
            t["rights"].insert(),
            [
                right
                | {
                    "id": 1,
                    "holder_id": 2,
                    "parent_id": None,
                    "term_start": Y2025,
                    "term_end": Y2031,
                    "original_annual_m3": 1_000,
                    "original_daily_m3": 10,
                    "annual_volume_m3": 500,  # the lossy figure: 500 in every year
                    "daily_max_m3": 5,
                    "reserved_annual_m3": 100,
                    "reserved_daily_m3": 1,
                    "state": "active",
                },
                right
                | {
                    "id": 2,
                    "holder_id": 3,
                    "parent_id": 1,
                    "term_start": Y2025,
                    "term_end": Y2026,
                    "original_annual_m3": 500,
                    "original_daily_m3": 5,
                    "annual_volume_m3": 500,
                    "daily_max_m3": 5,
                    "reserved_annual_m3": 0,
                    "reserved_daily_m3": 0,
                    "state": "active",
                },
            ],
        )
        listing = {"right_id": 1, "seller_id": 2, "mode": "fixed", "created_at": T}
        listing |= {"reserve_yuan_per_m3": "2.60", "delivery_point": "gate"}
        c.execute(
            t["listings"].insert(),
            [
                listing
                | {"id": 1, "annual_volume_m3": 500, "daily_max_m3": 5, "state": "sold"}
                | {"term_start": Y2025, "term_end": Y2026},
                listing
                | {"id": 2, "annual_volume_m3": 100, "daily_max_m3": 1, "state": "open"}
                | {"term_start": Y2027, "term_end": Y2028},
            ],
        )
        sale = {"annual_volume_m3": 500, "daily_max_m3": 5, "term_start": Y2025}
        sale |= {"term_end": Y2026, "price_yuan_per_m3": "2.60", "delivery_point": "gate"}
        sale |= {"region_id": 1, "seller_id": 2, "buyer_id": 3}
        c.execute(
            t["deals"].insert(),
            sale
            | {"id": 1, "listing_id": 1, "right_id": 1, "mode": "fixed", "state": "contracted"}
            | {"publicity_ends_at": T, "created_at": T},
        )
        c.execute(
            t["contracts"].insert(),
            sale
            | {"id": 1, "deal_id": 1, "right_id": 2, "source_right_id": 1, "plant_id": 1}
            | {"term_years": "1.00", "concluded_at": T},
        )


@pytest.mark.parametrize("kind", BACKENDS)
def test_rights_become_periods_rebuilt_from_their_history(kind: str, tmp_path: Path) -> None:
    backend = Backend(kind, tmp_path, revision=PREVIOUS)
    try:
        write_previous_revision(backend)
        upgrade_schema(backend.db.engine)

        def check(session: Session) -> None:
            seller, buyer = session.get(Right, 1), session.get(Right, 2)
            assert seller is not None and buyer is not None
            # 2025: 1 000 − 500 sold = 500; 2026–2030: the 1 000 issued, the lost 500 restored;
            # 2027: 100 m³/yr, 1 m³/d reserved by the open listing
            assert [
                (p.starts_on, p.ends_on, p.annual_m3, p.daily_m3, p.reserved_annual_m3)
                for p in seller.periods
            ] == [
                (Y2025, Y2026, 500, 5, 0),
                (Y2026, Y2027, 1_000, 10, 0),
                (Y2027, Y2028, 1_000, 10, 100),
                (Y2028, Y2031, 1_000, 10, 0),
            ]
            assert [(p.starts_on, p.ends_on, p.annual_m3) for p in buyer.periods] == [
                (Y2025, Y2026, 500)
            ]
            assert {x.use_class for x in session.query(Listing)} == {"industrial"}
            assert {d.use_class for d in session.query(Deal)} == {"industrial"}
            region = session.get(Region, 1)
            assert region is not None and region.use_class_conversions == {}
            assert audit(session) == []

        backend.db.run(check)
        columns = {c["name"] for c in inspect(backend.db.engine).get_columns("plants")}
        assert "committed_annual_m3" not in columns
    finally:
        backend.close()
