"""Initial exchange schema: registry, rights, listings, bids, deals, contracts, ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

MONEY = sa.Numeric(20, 4).with_variant(sa.String(40), "sqlite")
"""Exact money: NUMERIC on PostgreSQL, its decimal text on SQLite."""
GENESIS_HASH = "0" * 64
"""The chain starts from this hash (reclaim.market.ledger.GENESIS_HASH at the time of writing)."""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("txn_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("amount_yuan", MONEY, nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_index(op.f("ix_ledger_entries_account"), "ledger_entries", ["account"], unique=False)
    op.create_index(op.f("ix_ledger_entries_txn_id"), "ledger_entries", ["txn_id"], unique=False)
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("publicity_days", sa.Integer(), nullable=False),
        sa.Column("exchange_fee_rate", MONEY, nullable=False),
        sa.Column("treatment_feedback_share", MONEY, nullable=False),
        sa.Column("price_schedule", sa.String(length=64), nullable=True),
        sa.CheckConstraint("publicity_days >= 0", name="ck_regions_publicity_days"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("use_class", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "key"),
    )
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("scenario_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "plants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sewage_treated_m3_per_day", sa.BigInteger(), nullable=False),
        sa.Column("reclaimed_capacity_m3_per_day", sa.BigInteger(), nullable=False),
        sa.Column("deliverable_daily_m3", sa.BigInteger(), nullable=False),
        sa.Column("deliverable_annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("committed_daily_m3", sa.BigInteger(), nullable=False),
        sa.Column("committed_annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "committed_annual_m3 >= 0 AND committed_annual_m3 <= deliverable_annual_m3",
            name="ck_plants_annual_commitment",
        ),
        sa.CheckConstraint(
            "committed_daily_m3 >= 0 AND committed_daily_m3 <= deliverable_daily_m3",
            name="ck_plants_daily_commitment",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("use_class", sa.String(length=64), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("original_annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("original_daily_m3", sa.BigInteger(), nullable=False),
        sa.Column("annual_volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("daily_max_m3", sa.BigInteger(), nullable=False),
        sa.Column("reserved_annual_m3", sa.BigInteger(), nullable=False),
        sa.Column("reserved_daily_m3", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "annual_volume_m3 >= 0 AND annual_volume_m3 <= original_annual_m3",
            name="ck_rights_annual_volume",
        ),
        sa.CheckConstraint(
            "reserved_annual_m3 >= 0 AND reserved_annual_m3 <= annual_volume_m3",
            name="ck_rights_annual_reservation",
        ),
        sa.CheckConstraint(
            "reserved_daily_m3 >= 0 AND reserved_daily_m3 <= daily_max_m3",
            name="ck_rights_daily_reservation",
        ),
        sa.CheckConstraint("term_end > term_start", name="ck_rights_term"),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["rights.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"],
            ["plants.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("counterparty_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("annual_volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("daily_max_m3", sa.BigInteger(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("reserve_yuan_per_m3", MONEY, nullable=True),
        sa.Column("best_bid_yuan_per_m3", MONEY, nullable=True),
        sa.Column("price_schedule", sa.String(length=64), nullable=True),
        sa.Column("delivery_point", sa.String(length=200), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counterparty_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["rights.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_listings_right_id"), "listings", ["right_id"], unique=False)
    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("bidder_id", sa.Integer(), nullable=False),
        sa.Column("price_yuan_per_m3", MONEY, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_bids_listing_id"), "bids", ["listing_id"], unique=False)
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("annual_volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("daily_max_m3", sa.BigInteger(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("price_yuan_per_m3", MONEY, nullable=False),
        sa.Column("delivery_point", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("publicity_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["rights.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("listing_id"),
    )
    op.create_index(op.f("ix_deals_right_id"), "deals", ["right_id"], unique=False)
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("source_right_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("annual_volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("daily_max_m3", sa.BigInteger(), nullable=False),
        sa.Column("price_yuan_per_m3", MONEY, nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("term_years", MONEY, nullable=False),
        sa.Column("delivery_point", sa.String(length=200), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"],
            ["plants.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["rights.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_right_id"],
            ["rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id"),
        sa.UniqueConstraint("right_id"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("volume_m3 > 0", name="ck_deliveries_volume"),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_id", "day", name="uq_deliveries_contract_day"),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("price_yuan_per_m3", MONEY, nullable=False),
        sa.Column("amount_yuan", MONEY, nullable=False),
        sa.Column("exchange_fee_yuan", MONEY, nullable=False),
        sa.Column("treatment_feedback_yuan", MONEY, nullable=False),
        sa.Column("seller_net_yuan", MONEY, nullable=False),
        sa.Column("ledger_txn_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id"),
    )
    op.create_index(op.f("ix_bills_contract_id"), "bills", ["contract_id"], unique=False)
    ledger_head = sa.table(
        "ledger_head",
        sa.column("id", sa.Integer()),
        sa.column("last_seq", sa.BigInteger()),
        sa.column("last_hash", sa.String()),
    )
    op.bulk_insert(ledger_head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_bills_contract_id"), table_name="bills")
    op.drop_table("bills")
    op.drop_table("deliveries")
    op.drop_table("contracts")
    op.drop_index(op.f("ix_deals_right_id"), table_name="deals")
    op.drop_table("deals")
    op.drop_index(op.f("ix_bids_listing_id"), table_name="bids")
    op.drop_table("bids")
    op.drop_index(op.f("ix_listings_right_id"), table_name="listings")
    op.drop_table("listings")
    op.drop_table("rights")
    op.drop_table("tokens")
    op.drop_table("plants")
    op.drop_table("plan_runs")
    op.drop_table("idempotency_keys")
    op.drop_table("accounts")
    op.drop_table("regions")
    op.drop_table("ledger_head")
    op.drop_index(op.f("ix_ledger_entries_txn_id"), table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_account"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
