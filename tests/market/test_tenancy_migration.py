"""The tenancy migration, from a database written before it, on SQLite and PostgreSQL.

Before it a regulator or operator had one `accounts.region_id`, never checked; regions had no
time zone and deliveries were billed when recorded. After it the staff's region is an assignment,
regions carry the defaults of their time (Asia/Shanghai, 7 days) and old deliveries are billed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, update
from sqlalchemy.orm import Session

from reclaim.store.db import upgrade_schema
from reclaim.store.models import Account, Delivery, Region, RegionStaff
from tests.market.conftest import BACKENDS, Backend
from tests.market.test_migrations import write_previous_revision

BEFORE_TENANCY = "0002_right_periods"
T = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("kind", BACKENDS)
def test_staff_regions_become_assignments(kind: str, tmp_path: Path) -> None:
    backend = Backend(kind, tmp_path, revision="0001")
    try:
        write_previous_revision(backend)
        upgrade_schema(backend.db.engine, BEFORE_TENANCY)
        meta = MetaData()
        meta.reflect(backend.db.engine)
        t = meta.tables
        with backend.db.engine.begin() as c:
            c.execute(update(t["accounts"]).values(region_id=1))  # staff and parties alike
            c.execute(
                t["accounts"].insert(),
                {"id": 9, "username": "exchange", "password_hash": "x", "role": "operator"}
                | {"display_name": "exchange", "created_at": T, "region_id": 1},
            )
            c.execute(
                t["deliveries"].insert(),
                {"id": 1, "contract_id": 1, "day": date(2025, 2, 1), "volume_m3": 40}
                | {"recorded_by_id": 9, "created_at": T},
            )
        upgrade_schema(backend.db.engine)

        def check(session: Session) -> None:
            staff = set(
                session.execute(select(RegionStaff.account_id, RegionStaff.region_id)).all()
            )
            assert staff == {(1, 1), (9, 1)}  # the regulator and the operator, in region 1
            homes = dict(session.execute(select(Account.username, Account.region_id)).all())
            assert homes == {"regulator": None, "exchange": None, "seller": 1, "buyer": 1}
            region = session.get(Region, 1)
            assert region is not None
            assert (region.time_zone, region.delivery_confirmation_days) == ("Asia/Shanghai", 7)
            delivery = session.get(Delivery, 1)
            assert delivery is not None
            assert (delivery.state, delivery.billed_volume_m3) == ("billed", 40)

        backend.db.run(check)
    finally:
        backend.close()
