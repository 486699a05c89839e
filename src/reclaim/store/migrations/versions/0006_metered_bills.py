"""Metered bills and webhook notifications: the metered days of contracts, monthly bills and
their lines, webhooks per region and the notifications sent to them.

Revision ID: 0006_metered_bills
Revises: 0005_publicity
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

EXACT = sa.Numeric(20, 4).with_variant(sa.String(40), "sqlite")
"""Exact decimals (money, metered m³): NUMERIC on PostgreSQL, decimal text on SQLite."""

revision = "0006_metered_bills"
down_revision = "0005_publicity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "metered_days",
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metered_m3", EXACT, nullable=False),
        sa.Column("daily_cap_m3", sa.BigInteger(), nullable=False),
        sa.Column("within_right_m3", EXACT, nullable=False),
        sa.Column("over_cap_m3", EXACT, nullable=False),
        sa.Column("over_right_m3", EXACT, nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "day"),
    )
    op.create_table(
        "monthly_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("seller_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount_yuan", EXACT, nullable=False),
        sa.Column("exchange_fee_yuan", EXACT, nullable=False),
        sa.Column("treatment_feedback_yuan", EXACT, nullable=False),
        sa.Column("seller_net_yuan", EXACT, nullable=False),
        sa.Column("ledger_txn_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_id", "month", name="uq_monthly_bills_month"),
    )
    op.create_table(
        "monthly_bill_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), sa.ForeignKey("monthly_bills.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("volume_m3", EXACT, nullable=False),
        sa.Column("price_yuan_per_m3", EXACT, nullable=False),
        sa.Column("amount_yuan", EXACT, nullable=False),
        sa.Column("adjustment", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_monthly_bill_lines_bill_id", "monthly_bill_lines", ["bill_id"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhooks_region_id", "webhooks", ["region_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notifications_webhook_id", "notifications", ["webhook_id"])
    op.create_index("ix_notifications_next_attempt_at", "notifications", ["next_attempt_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_notifications_next_attempt_at", table_name="notifications")
    op.drop_index("ix_notifications_webhook_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_webhooks_region_id", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_index("ix_monthly_bill_lines_bill_id", table_name="monthly_bill_lines")
    op.drop_table("monthly_bill_lines")
    op.drop_table("monthly_bills")
    op.drop_table("metered_days")
