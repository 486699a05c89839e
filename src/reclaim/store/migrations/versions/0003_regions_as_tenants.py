"""Regions as tenants: staff assignments, region time zone and confirmation days, delivery states.

Regulators and operators kept one `accounts.region_id`; they now act in the regions of their
`region_staff` rows (many-to-many), and their `region_id` moves there. Existing regions take the
exchange's defaults of the time of writing (Asia/Shanghai, 7 days; data/market/exchange_rules.yaml);
existing deliveries were billed when recorded, so they are `billed` for their whole volume.

Revision ID: 0003
Revises: 0002_right_periods
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_right_periods"
branch_labels = None
depends_on = None

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_CONFIRMATION_DAYS = 7


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "region_staff",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "region_id"),
    )
    op.create_index("ix_region_staff_region_id", "region_staff", ["region_id"])
    op.execute(
        sa.text(
            "INSERT INTO region_staff (account_id, region_id, assigned_at) "
            "SELECT id, region_id, created_at FROM accounts "
            "WHERE region_id IS NOT NULL AND role IN ('regulator', 'operator')"
        )
    )
    op.execute(
        sa.text("UPDATE accounts SET region_id = NULL WHERE role IN ('regulator', 'operator')")
    )

    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("delivery_confirmation_days", sa.Integer(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE regions SET time_zone = :zone, delivery_confirmation_days = :days"
        ).bindparams(zone=DEFAULT_TIME_ZONE, days=DEFAULT_CONFIRMATION_DAYS)
    )
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("time_zone", existing_type=sa.String(64), nullable=False)
        batch.alter_column("delivery_confirmation_days", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint(
            "ck_regions_delivery_confirmation_days", "delivery_confirmation_days >= 0"
        )

    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("state", sa.String(24), nullable=True))
        batch.add_column(sa.Column("confirm_by", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dispute_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("billed_volume_m3", sa.BigInteger(), nullable=True))
    op.execute(sa.text("UPDATE deliveries SET state = 'billed', billed_volume_m3 = volume_m3"))
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("state", existing_type=sa.String(24), nullable=False)
        batch.create_foreign_key(
            "fk_deliveries_decided_by_id_accounts", "accounts", ["decided_by_id"], ["id"]
        )
        batch.create_check_constraint(
            "ck_deliveries_billed_volume",
            "billed_volume_m3 IS NULL OR (billed_volume_m3 >= 0 AND billed_volume_m3 <= volume_m3)",
        )
        batch.create_index("ix_deliveries_state", ["state"])


def downgrade() -> None:
    """Revert this revision (staff keep their first assigned region as `region_id`)."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_state")
        batch.drop_constraint("ck_deliveries_billed_volume", type_="check")
        batch.drop_constraint("fk_deliveries_decided_by_id_accounts", type_="foreignkey")
        for column in (
            "billed_volume_m3",
            "decision_reason",
            "decided_at",
            "decided_by_id",
            "disputed_at",
            "dispute_reason",
            "confirm_by",
            "state",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("regions") as batch:
        batch.drop_constraint("ck_regions_delivery_confirmation_days", type_="check")
        batch.drop_column("delivery_confirmation_days")
        batch.drop_column("time_zone")
    op.execute(
        sa.text(
            "UPDATE accounts SET region_id = (SELECT MIN(region_id) FROM region_staff "
            "WHERE region_staff.account_id = accounts.id) "
            "WHERE role IN ('regulator', 'operator')"
        )
    )
    op.drop_index("ix_region_staff_region_id", table_name="region_staff")
    op.drop_table("region_staff")
