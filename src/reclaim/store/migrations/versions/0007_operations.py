"""Operations: devices, sensors, the network's links, DMAs, readings, the quarantine and alerts.

On PostgreSQL `readings` is partitioned by month of `ts` (declarative RANGE partitioning) with a
BRIN index on `ts` (rows arrive roughly in time order, so a block-range index stays small and
selective); `reclaim_readings_partition(day)` creates the partition of the month holding `day`
if it is missing, and is called before readings of a new month are written (and by the
scheduler, a month ahead). On SQLite `readings` is a plain table.

Revision ID: 0007_operations
Revises: 0006_metered_bills
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_operations"
down_revision = "0006_metered_bills"
branch_labels = None
depends_on = None

DEFAULT_FUTURE_TOLERANCE_S = 300
"""reclaim.operations.registry.DEFAULT_FUTURE_TOLERANCE_S at the time of writing (issue 13)."""
TIME = sa.DateTime(timezone=True)

PARTITION_FUNCTION = """
CREATE FUNCTION reclaim_readings_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', day)::date;
    name text := 'readings_' || to_char(first, 'YYYY_MM');
BEGIN
    IF to_regclass(quote_ident(name)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.' || name));
        IF to_regclass(quote_ident(name)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF readings FOR VALUES FROM (%L) TO (%L)',
                name,
                first::timestamp AT TIME ZONE 'UTC',
                (first + interval '1 month')::timestamp AT TIME ZONE 'UTC'
            );
        END IF;
    END IF;
    RETURN name;
END;
$$
"""


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("regions") as batch:
        batch.add_column(
            sa.Column(
                "reading_future_tolerance_s",
                sa.Integer(),
                nullable=False,
                server_default=str(DEFAULT_FUTURE_TOLERANCE_S),
            )
        )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("token_issued_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "code", name="uq_devices_region_code"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "sensors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("valid_min", sa.Float(), nullable=False),
        sa.Column("valid_max", sa.Float(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("attachment_kind", sa.String(length=16), nullable=False),
        sa.Column("attachment_ref", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "code", name="uq_sensors_region_code"),
        sa.CheckConstraint("valid_max > valid_min", name="ck_sensors_range"),
        sa.CheckConstraint("interval_s > 0", name="ck_sensors_interval"),
    )
    op.create_index("ix_sensors_device_id", "sensors", ["device_id"])
    op.create_table(
        "network_links",
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("link_id", sa.String(length=64), nullable=False),
        sa.Column("start_node", sa.String(length=64), nullable=False),
        sa.Column("end_node", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("region_id", "link_id"),
    )
    op.create_table(
        "dmas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("link_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "code", name="uq_dmas_region_code"),
    )
    op.create_table(
        "dma_meters",
        sa.Column("dma_id", sa.Integer(), sa.ForeignKey("dmas.id"), nullable=False),
        sa.Column("sensor_id", sa.Integer(), sa.ForeignKey("sensors.id"), nullable=False),
        sa.PrimaryKeyConstraint("dma_id", "sensor_id"),
    )
    _create_readings()
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=True),
        sa.Column("sensor_code", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("replayed_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_quarantine_region_pending", "quarantine", ["region_id", "replayed_at", "id"]
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("sensor_id", sa.Integer(), sa.ForeignKey("sensors.id"), nullable=True),
        sa.Column("dma_id", sa.Integer(), sa.ForeignKey("dmas.id"), nullable=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contracts.id"), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("acknowledged_why", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolved_why", sa.Text(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("occurrences >= 1", name="ck_alerts_occurrences"),
    )
    op.create_index(
        "uq_alerts_unresolved",
        "alerts",
        ["region_id", "rule", "subject"],
        unique=True,
        sqlite_where=sa.text("state != 'resolved'"),
        postgresql_where=sa.text("state != 'resolved'"),
    )
    op.create_index("ix_alerts_region_state", "alerts", ["region_id", "state"])


def _create_readings() -> None:
    """Readings: partitioned by month with a BRIN index on PostgreSQL, plain on SQLite."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_table(
            "readings",
            sa.Column("sensor_id", sa.Integer(), sa.ForeignKey("sensors.id"), nullable=False),
            sa.Column("ts", TIME, nullable=False),
            sa.Column("value", sa.Float(), nullable=False),
            sa.Column("received_at", TIME, nullable=False),
            sa.Column("source", sa.String(length=16), nullable=False),
            sa.PrimaryKeyConstraint("sensor_id", "ts"),
        )
        return
    op.execute(
        """
        CREATE TABLE readings (
            sensor_id integer NOT NULL REFERENCES sensors (id),
            ts timestamptz NOT NULL,
            value double precision NOT NULL,
            received_at timestamptz NOT NULL,
            source varchar(16) NOT NULL,
            CONSTRAINT readings_pkey PRIMARY KEY (sensor_id, ts)
        ) PARTITION BY RANGE (ts)
        """
    )
    op.execute("CREATE INDEX ix_readings_ts_brin ON readings USING brin (ts)")
    op.execute(PARTITION_FUNCTION)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_alerts_region_state", table_name="alerts")
    op.drop_index("uq_alerts_unresolved", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_quarantine_region_pending", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("readings")  # on PostgreSQL its partitions go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION reclaim_readings_partition(date)")
    op.drop_table("dma_meters")
    op.drop_table("dmas")
    op.drop_table("network_links")
    op.drop_index("ix_sensors_device_id", table_name="sensors")
    op.drop_table("sensors")
    op.drop_table("devices")
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("reading_future_tolerance_s")
