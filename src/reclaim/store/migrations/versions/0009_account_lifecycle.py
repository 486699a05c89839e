"""Account lifecycle: an account can be disabled, and an administrator can issue one-time
password reset codes (stored only as their SHA-256).

Revision ID: 0009_account_lifecycle
Revises: 0008_notification_keys
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_account_lifecycle"
down_revision = "0008_notification_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "reset_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_sha256"),
    )
    op.create_index("ix_reset_codes_account_id", "reset_codes", ["account_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_reset_codes_account_id", table_name="reset_codes")
    op.drop_table("reset_codes")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("disabled_at")
