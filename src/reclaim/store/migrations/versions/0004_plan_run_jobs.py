"""Plan runs are computed outside the request: a state, the rounding asked for, an error.

Revision ID: 0004_plan_run_jobs
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_plan_run_jobs"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Runs stored before this revision were computed in their request: they are done."""
    with op.batch_alter_table("plan_runs") as batch:
        batch.add_column(
            sa.Column("rounding", sa.String(length=16), nullable=False, server_default="full")
        )
        batch.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="done")
        )
        batch.add_column(sa.Column("error_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("result_json", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("plan_runs") as batch:
        batch.alter_column("rounding", server_default=None)
        batch.alter_column("state", server_default=None)


def downgrade() -> None:
    """Unfinished runs have no result to keep: they are dropped."""
    op.execute("DELETE FROM plan_runs WHERE result_json IS NULL")
    with op.batch_alter_table("plan_runs") as batch:
        batch.alter_column("result_json", existing_type=sa.Text(), nullable=False)
        batch.drop_column("finished_at")
        batch.drop_column("error_json")
        batch.drop_column("state")
        batch.drop_column("rounding")
