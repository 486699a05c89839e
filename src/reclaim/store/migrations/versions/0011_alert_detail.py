"""Alerts say what they were judged against (a quality exceedance: the standard, use and limit).

Revision ID: 0011_alert_detail
Revises: 0010_action_log
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_alert_detail"
down_revision = "0010_action_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("detail", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("detail")
