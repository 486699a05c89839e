"""Notifications keyed by what they announce (an alert opened, an alert escalated to a level),
so each is queued once per webhook however often the job that queues it runs.

Revision ID: 0008_notification_keys
Revises: 0007_operations
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_notification_keys"
down_revision = "0007_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("event_key", sa.String(length=200), nullable=False))
        batch.create_unique_constraint(
            "uq_notifications_webhook_event", ["webhook_id", "event_key"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("uq_notifications_webhook_event", type_="unique")
        batch.drop_column("event_key")
