"""Volumes by year: rights get periods, plants lose their single commitment counters.

Each right's periods are rebuilt from its history, not from its stored volume: what it was issued
(or bought) with, minus every contracted sale over that sale's term, with open listings and deals
reserved over theirs. The stored volume had lost the years a partial-term sale did not cover.
Listings and deals get the use of the water they sell (the right's, as it was before), and
regions an empty table of use-class conversions.

Revision ID: 0002_right_periods
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from reclaim.market.periods import Slice, exhausted, periods_from_history

revision = "0002_right_periods"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN_LISTING = "open"
OPEN_DEALS = ("publicity", "approved")
CONTRACTED = "contracted"
RIGHT_VOLUME_CHECKS = {
    "ck_rights_annual_volume": "annual_volume_m3 >= 0 AND annual_volume_m3 <= original_annual_m3",
    "ck_rights_annual_reservation": (
        "reserved_annual_m3 >= 0 AND reserved_annual_m3 <= annual_volume_m3"
    ),
    "ck_rights_daily_reservation": "reserved_daily_m3 >= 0 AND reserved_daily_m3 <= daily_max_m3",
}
PLANT_CHECKS = {
    "ck_plants_annual_commitment": (
        "committed_annual_m3 >= 0 AND committed_annual_m3 <= deliverable_annual_m3"
    ),
    "ck_plants_daily_commitment": (
        "committed_daily_m3 >= 0 AND committed_daily_m3 <= deliverable_daily_m3"
    ),
}
RIGHT_VOLUME_COLUMNS = (
    "annual_volume_m3",
    "daily_max_m3",
    "reserved_annual_m3",
    "reserved_daily_m3",
)
PLANT_COLUMNS = ("committed_annual_m3", "committed_daily_m3")

rights = sa.table(
    "rights",
    sa.column("id", sa.Integer),
    sa.column("plant_id", sa.Integer),
    sa.column("use_class", sa.String),
    sa.column("term_start", sa.Date),
    sa.column("term_end", sa.Date),
    sa.column("original_annual_m3", sa.BigInteger),
    sa.column("original_daily_m3", sa.BigInteger),
    sa.column("state", sa.String),
)
listings = sa.table(
    "listings",
    sa.column("id", sa.Integer),
    sa.column("right_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("use_class", sa.String),
    sa.column("annual_volume_m3", sa.BigInteger),
    sa.column("daily_max_m3", sa.BigInteger),
    sa.column("term_start", sa.Date),
    sa.column("term_end", sa.Date),
)
deals = sa.table(
    "deals",
    sa.column("id", sa.Integer),
    sa.column("listing_id", sa.Integer),
    sa.column("right_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("use_class", sa.String),
    sa.column("annual_volume_m3", sa.BigInteger),
    sa.column("daily_max_m3", sa.BigInteger),
    sa.column("term_start", sa.Date),
    sa.column("term_end", sa.Date),
)
right_periods = sa.table(
    "right_periods",
    sa.column("right_id", sa.Integer),
    sa.column("plant_id", sa.Integer),
    sa.column("starts_on", sa.Date),
    sa.column("ends_on", sa.Date),
    sa.column("annual_m3", sa.BigInteger),
    sa.column("daily_m3", sa.BigInteger),
    sa.column("reserved_annual_m3", sa.BigInteger),
    sa.column("reserved_daily_m3", sa.BigInteger),
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "right_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("daily_m3", sa.BigInteger(), nullable=False),
        sa.Column("reserved_annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("reserved_daily_m3", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name="ck_right_periods_span"),
        sa.CheckConstraint(
            "reserved_annual_m3 >= 0 AND reserved_annual_m3 <= annual_m3",
            name="ck_right_periods_annual_reservation",
        ),
        sa.CheckConstraint(
            "reserved_daily_m3 >= 0 AND reserved_daily_m3 <= daily_m3",
            name="ck_right_periods_daily_reservation",
        ),
        sa.ForeignKeyConstraint(["plant_id"], ["plants.id"]),
        sa.ForeignKeyConstraint(["right_id"], ["rights.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("right_id", "starts_on", name="uq_right_periods_start"),
    )
    op.create_index(op.f("ix_right_periods_plant_id"), "right_periods", ["plant_id"], unique=False)
    with op.batch_alter_table("regions") as batch:
        batch.add_column(
            sa.Column(
                "use_class_conversions", sa.JSON(), nullable=False, server_default=sa.text("'{}'")
            )
        )
    for table in ("listings", "deals"):
        op.add_column(table, sa.Column("use_class", sa.String(length=64), nullable=True))
    _fill_use_classes()
    for table in ("listings", "deals"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("use_class", existing_type=sa.String(length=64), nullable=False)
    _fill_periods()
    with op.batch_alter_table("rights") as batch:
        for name in RIGHT_VOLUME_CHECKS:
            batch.drop_constraint(name, type_="check")
        for column in RIGHT_VOLUME_COLUMNS:
            batch.drop_column(column)
    with op.batch_alter_table("plants") as batch:
        for name in PLANT_CHECKS:
            batch.drop_constraint(name, type_="check")
        for column in PLANT_COLUMNS:
            batch.drop_column(column)


def _fill_use_classes() -> None:
    """Listings and deals sold the right's use class; that is what they state from now on."""
    for table in (listings, deals):
        use = sa.select(rights.c.use_class).where(rights.c.id == table.c.right_id).scalar_subquery()
        op.execute(table.update().values(use_class=use))


def _fill_periods() -> None:
    bind = op.get_bind()
    sold: dict[int, list[Slice]] = defaultdict(list)
    reserved: dict[int, list[Slice]] = defaultdict(list)

    def span(row: sa.Row[tuple[object, ...]]) -> Slice:
        return Slice(row.term_start, row.term_end, row.annual_volume_m3, row.daily_max_m3)

    for row in bind.execute(sa.select(deals)):
        if row.state == CONTRACTED:
            sold[row.right_id].append(span(row))
        elif row.state in OPEN_DEALS:
            reserved[row.right_id].append(span(row))
    for row in bind.execute(sa.select(listings).where(listings.c.state == OPEN_LISTING)):
        reserved[row.right_id].append(span(row))
    for right in bind.execute(sa.select(rights)).all():
        periods = periods_from_history(
            right.term_start,
            right.term_end,
            right.original_annual_m3,
            right.original_daily_m3,
            sold[right.id],
            reserved[right.id],
        )
        bind.execute(
            right_periods.insert(),
            [
                {
                    "right_id": right.id,
                    "plant_id": right.plant_id,
                    "starts_on": p.starts_on,
                    "ends_on": p.ends_on,
                    "annual_m3": p.annual_m3,
                    "daily_m3": p.daily_m3,
                    "reserved_annual_m3": p.reserved_annual_m3,
                    "reserved_daily_m3": p.reserved_daily_m3,
                }
                for p in periods
            ],
        )
        state = "exhausted" if exhausted(periods) else "active"
        bind.execute(rights.update().where(rights.c.id == right.id).values(state=state))


def downgrade() -> None:
    """Revert this revision: each right keeps the volumes of its first period."""
    with op.batch_alter_table("plants") as batch:
        for column in PLANT_COLUMNS:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE plants SET "
        "committed_annual_m3 = (SELECT COALESCE(SUM(original_annual_m3), 0) FROM rights "
        "WHERE rights.plant_id = plants.id AND rights.parent_id IS NULL), "
        "committed_daily_m3 = (SELECT COALESCE(SUM(original_daily_m3), 0) FROM rights "
        "WHERE rights.plant_id = plants.id AND rights.parent_id IS NULL)"
    )
    with op.batch_alter_table("rights") as batch:
        for column in RIGHT_VOLUME_COLUMNS:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"))
    first = {
        "annual_volume_m3": "annual_m3",
        "daily_max_m3": "daily_m3",
        "reserved_annual_m3": "reserved_annual_m3",
        "reserved_daily_m3": "reserved_daily_m3",
    }
    for column, source in first.items():
        op.execute(
            f"UPDATE rights SET {column} = (SELECT {source} FROM right_periods "
            "WHERE right_periods.right_id = rights.id "
            "ORDER BY starts_on LIMIT 1)"
        )
    with op.batch_alter_table("rights") as batch:
        for name, condition in RIGHT_VOLUME_CHECKS.items():
            batch.create_check_constraint(name, condition)
    with op.batch_alter_table("plants") as batch:
        for name, condition in PLANT_CHECKS.items():
            batch.create_check_constraint(name, condition)
    for table in ("listings", "deals"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("use_class")
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("use_class_conversions")
    op.drop_index(op.f("ix_right_periods_plant_id"), table_name="right_periods")
    op.drop_table("right_periods")
