"""Publicity that means something: lapse days, objections, token revocation, leases for the
scheduler, login throttles and the published daily ledger heads.

Existing regions get the default lapse period; existing deals lapse that many days after their
publicity ends.

Revision ID: 0005_publicity
Revises: 0004_plan_run_jobs
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

DEFAULT_LAPSE_DAYS = 30
"""exchange_rules.yaml `lapse_days` at the time of writing (illustrative, cited there)."""

revision = "0005_publicity"
down_revision = "0004_plan_run_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("regions") as batch:
        batch.add_column(
            sa.Column(
                "lapse_days", sa.Integer(), nullable=False, server_default=str(DEFAULT_LAPSE_DAYS)
            )
        )
        batch.create_check_constraint("ck_regions_lapse_days", "lapse_days >= 1")
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_tokens_account_id", ["account_id"])
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("lapses_at", sa.DateTime(timezone=True), nullable=True))
    deals = sa.table(
        "deals",
        sa.column("id", sa.Integer()),
        sa.column("publicity_ends_at", sa.DateTime(timezone=True)),
        sa.column("lapses_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    for deal_id, ends_at in connection.execute(sa.select(deals.c.id, deals.c.publicity_ends_at)):
        connection.execute(
            deals.update()
            .where(deals.c.id == deal_id)
            .values(lapses_at=ends_at + timedelta(days=DEFAULT_LAPSE_DAYS))
        )
    with op.batch_alter_table("deals") as batch:
        batch.alter_column("lapses_at", nullable=False)
        batch.create_index("ix_deals_lapses_at", ["lapses_at"])
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(
            "(filed_by_id IS NULL) <> (contact IS NULL)", name="ck_objections_filer"
        ),
    )
    op.create_index("ix_objections_deal_id", "objections", ["deal_id"])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("throttles")
    op.drop_table("leases")
    op.drop_table("ledger_checkpoints")
    op.drop_index("ix_objections_deal_id", table_name="objections")
    op.drop_table("objections")
    with op.batch_alter_table("deals") as batch:
        batch.drop_index("ix_deals_lapses_at")
        batch.drop_column("lapses_at")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_index("ix_tokens_account_id")
        batch.drop_column("revoked_at")
    with op.batch_alter_table("regions") as batch:
        batch.drop_constraint("ck_regions_lapse_days", type_="check")
        batch.drop_column("lapse_days")
