"""The action log: who did what, append-only and hash-chained like the ledger.

Triggers refuse UPDATE and DELETE on the log and its party index on both backends, so a row can
only be changed by someone who may drop triggers; `reclaim audit verify` still detects that.

Revision ID: 0010_action_log
Revises: 0009_account_lifecycle
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

GENESIS_HASH = "0" * 64
"""The chain starts from this hash (reclaim.market.chain.GENESIS_HASH at the time of writing)."""
APPEND_ONLY = ("action_log", "action_log_parties")

revision = "0010_action_log"
down_revision = "0009_account_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "action_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_kind", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("parties_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("prev_hash"),
        sa.UniqueConstraint("hash"),
    )
    for column in ("actor_id", "region_id", "action", "created_at"):
        op.create_index(f"ix_action_log_{column}", "action_log", [column])
    op.create_index("ix_action_log_target", "action_log", ["target_kind", "target_id"])
    op.create_table(
        "action_log_parties",
        sa.Column("seq", sa.BigInteger(), sa.ForeignKey("action_log.seq"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", "account_id"),
    )
    op.create_index("ix_action_log_parties_account_id", "action_log_parties", ["account_id"])
    op.create_table(
        "action_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    head = sa.table(
        "action_log_head",
        sa.column("id", sa.Integer()),
        sa.column("last_seq", sa.BigInteger()),
        sa.column("last_hash", sa.String()),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION action_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the action log is append-only'; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION action_log_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'the action log is append-only'); END"
                )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("action_log_head")
    op.drop_table("action_log_parties")
    op.drop_table("action_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION action_log_append_only()")
