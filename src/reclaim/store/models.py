"""Tables of the exchange. Volumes are whole m³ (annual m³/yr, daily m³/d); money is exact.

CHECK and UNIQUE constraints restate the invariants the repositories enforce, so that even a
request that slipped past a rule could not write an over-committed plant or a right sold twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from reclaim.operations.registry import DEFAULT_FUTURE_TOLERANCE_S
from reclaim.store.types import Money, UtcDateTime

NAME_CHARS = 200
CODE_CHARS = 64
HASH_CHARS = 64


class Base(DeclarativeBase):
    """Declarative base of every table of the exchange."""


class Region(Base):
    """A city or county, the exchange's tenant: its settings (publicity period, fee, feedback
    share, time zone, days a buyer has to confirm a seller-reported delivery) live on its row."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_CHARS), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_CHARS))
    publicity_days: Mapped[int] = mapped_column(Integer)
    lapse_days: Mapped[int] = mapped_column(Integer)
    """Days after publicity ends within which the regulator decides; undecided deals then lapse."""
    exchange_fee_rate: Mapped[Decimal] = mapped_column(Money)
    treatment_feedback_share: Mapped[Decimal] = mapped_column(Money)
    price_schedule: Mapped[str | None] = mapped_column(String(CODE_CHARS))
    use_class_conversions: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    """Listed use → buyer sectors it may be bought for, e.g. {"industrial": ["municipal"]}."""
    time_zone: Mapped[str] = mapped_column(String(CODE_CHARS))
    """IANA name (e.g. Asia/Shanghai): the region's calendar day for deliveries."""
    delivery_confirmation_days: Mapped[int] = mapped_column(Integer)
    """Days a buyer has to confirm or dispute a delivery its seller reported; then it is billed."""
    reading_future_tolerance_s: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_FUTURE_TOLERANCE_S
    )
    """A meter reading stamped further ahead of the receiving clock than this is quarantined."""
    __table_args__ = (
        CheckConstraint("publicity_days >= 0", name="ck_regions_publicity_days"),
        CheckConstraint("lapse_days >= 1", name="ck_regions_lapse_days"),
        CheckConstraint(
            "delivery_confirmation_days >= 0", name="ck_regions_delivery_confirmation_days"
        ),
    )


class Account(Base):
    """An account: administrator, regulator, exchange operator, seller or buyer.

    Sellers and buyers belong to one home region (`region_id`); regulators and operators act in
    the regions of their `RegionStaff` rows; buyers carry a use class.
    """

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(CODE_CHARS), unique=True)
    password_hash: Mapped[str] = mapped_column(String(NAME_CHARS))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(NAME_CHARS))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    use_class: Mapped[str | None] = mapped_column(String(CODE_CHARS))
    location: Mapped[str | None] = mapped_column(String(NAME_CHARS))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """Set by an administrator: the account cannot log in and its tokens are refused."""


class RegionStaff(Base):
    """A regulator or exchange operator assigned to a region by an administrator."""

    __tablename__ = "region_staff"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Token(Base):
    """A bearer token, stored only as its SHA-256, valid until `expires_at`."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ResetCode(Base):
    """A one-time password reset code issued by an administrator, stored only as its SHA-256.

    It sets a new password once (`used_at`), before `expires_at`, unless a newer code for the
    same account replaced it (`replaced_at`).
    """

    __tablename__ = "reset_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    """The administrator (None: an operator at the server's shell, `reclaim db reset-code`)."""
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Plant(Base):
    """A wastewater plant with reclamation: the source every right is issued against."""

    __tablename__ = "plants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    name: Mapped[str] = mapped_column(String(NAME_CHARS))
    sewage_treated_m3_per_day: Mapped[int] = mapped_column(BigInteger)
    reclaimed_capacity_m3_per_day: Mapped[int] = mapped_column(BigInteger)
    deliverable_daily_m3: Mapped[int] = mapped_column(BigInteger)
    deliverable_annual_m3: Mapped[int] = mapped_column(BigInteger)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    source: Mapped[str] = mapped_column(Text, default="")


class Right(Base):
    """A reclaimed-water right: holder, source plant, term, use class, state and its periods.

    `original_*` is what the right was issued (or bought) with, in every year of its term; what it
    holds and has reserved in each year are its `periods` (see `reclaim.market.periods`).
    """

    __tablename__ = "rights"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("rights.id"))
    use_class: Mapped[str] = mapped_column(String(CODE_CHARS))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    original_annual_m3: Mapped[int] = mapped_column(BigInteger)
    original_daily_m3: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    periods: Mapped[list[RightPeriod]] = relationship(
        order_by="RightPeriod.starts_on", lazy="selectin", cascade="all, delete-orphan"
    )
    __table_args__ = (CheckConstraint("term_end > term_start", name="ck_rights_term"),)


class RightPeriod(Base):
    """A run of a right's contract years with the same volume held and reserved.

    `plant_id` repeats the right's plant so that a plant's commitment over a span is one indexed
    query.
    """

    __tablename__ = "right_periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"))
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    annual_m3: Mapped[int] = mapped_column(BigInteger)
    daily_m3: Mapped[int] = mapped_column(BigInteger)
    reserved_annual_m3: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_daily_m3: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        UniqueConstraint("right_id", "starts_on", name="uq_right_periods_start"),
        CheckConstraint("ends_on > starts_on", name="ck_right_periods_span"),
        CheckConstraint(
            "reserved_annual_m3 >= 0 AND reserved_annual_m3 <= annual_m3",
            name="ck_right_periods_annual_reservation",
        ),
        CheckConstraint(
            "reserved_daily_m3 >= 0 AND reserved_daily_m3 <= daily_m3",
            name="ck_right_periods_daily_reservation",
        ),
    )


class Listing(Base):
    """An offer of (part of) a right: fixed price, negotiated with one party, or an auction."""

    __tablename__ = "listings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    mode: Mapped[str] = mapped_column(String(16))
    annual_volume_m3: Mapped[int] = mapped_column(BigInteger)
    daily_max_m3: Mapped[int] = mapped_column(BigInteger)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    reserve_yuan_per_m3: Mapped[Decimal | None] = mapped_column(Money)
    best_bid_yuan_per_m3: Mapped[Decimal | None] = mapped_column(Money)
    """Highest bid so far, kept under the listing's row lock (shown only in open auctions)."""
    price_schedule: Mapped[str | None] = mapped_column(String(CODE_CHARS))
    use_class: Mapped[str] = mapped_column(String(CODE_CHARS))
    """The use of the water sold; a buyer of another sector needs the region's conversion."""
    delivery_point: Mapped[str] = mapped_column(String(NAME_CHARS))
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Bid(Base):
    """A bid on an auction listing."""

    __tablename__ = "bids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    price_yuan_per_m3: Mapped[Decimal] = mapped_column(Money)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Deal(Base):
    """A struck trade in publicity (公示) until the regulator decides and the period ends.

    UNIQUE(listing_id): a listing, hence a reserved volume of a right, is sold at most once.
    """

    __tablename__ = "deals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), unique=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    mode: Mapped[str] = mapped_column(String(16))
    annual_volume_m3: Mapped[int] = mapped_column(BigInteger)
    daily_max_m3: Mapped[int] = mapped_column(BigInteger)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    price_yuan_per_m3: Mapped[Decimal] = mapped_column(Money)
    use_class: Mapped[str] = mapped_column(String(CODE_CHARS))
    """The use the buyer bought for: the listing's, or the sector the region converts it to."""
    delivery_point: Mapped[str] = mapped_column(String(NAME_CHARS))
    state: Mapped[str] = mapped_column(String(16))
    publicity_ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lapses_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    """Still undecided at this time, the deal lapses and its volume returns to the right."""
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Contract(Base):
    """A concluded multi-year supply contract; the buyer's new right is `right_id`."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), unique=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"), unique=True)
    source_right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    annual_volume_m3: Mapped[int] = mapped_column(BigInteger)
    daily_max_m3: Mapped[int] = mapped_column(BigInteger)
    price_yuan_per_m3: Mapped[Decimal] = mapped_column(Money)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    term_years: Mapped[Decimal] = mapped_column(Money)
    delivery_point: Mapped[str] = mapped_column(String(NAME_CHARS))
    concluded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Delivery(Base):
    """A daily delivery under a contract; one per contract and day.

    Reported by the contract's own seller it waits (`awaiting_confirmation`) until the buyer
    confirms it or `confirm_by` passes; a disputed one waits for the region's regulator.
    """

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    day: Mapped[date] = mapped_column(Date)
    volume_m3: Mapped[int] = mapped_column(BigInteger)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(24), index=True)
    confirm_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    billed_volume_m3: Mapped[int | None] = mapped_column(BigInteger)
    """What was billed: the reported volume, or the one the regulator decided on a dispute."""
    __table_args__ = (
        UniqueConstraint("contract_id", "day", name="uq_deliveries_contract_day"),
        CheckConstraint("volume_m3 > 0", name="ck_deliveries_volume"),
        CheckConstraint(
            "billed_volume_m3 IS NULL OR (billed_volume_m3 >= 0 AND billed_volume_m3 <= volume_m3)",
            name="ck_deliveries_billed_volume",
        ),
    )


class Bill(Base):
    """The bill of one delivery and how it was split in the ledger."""

    __tablename__ = "bills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    volume_m3: Mapped[int] = mapped_column(BigInteger)
    price_yuan_per_m3: Mapped[Decimal] = mapped_column(Money)
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    exchange_fee_yuan: Mapped[Decimal] = mapped_column(Money)
    treatment_feedback_yuan: Mapped[Decimal] = mapped_column(Money)
    seller_net_yuan: Mapped[Decimal] = mapped_column(Money)
    ledger_txn_id: Mapped[str] = mapped_column(String(CODE_CHARS))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerEntry(Base):
    """One posting of the double-entry ledger, chained to the one before by its hash."""

    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    txn_id: Mapped[str] = mapped_column(String(CODE_CHARS), index=True)
    account: Mapped[str] = mapped_column(String(CODE_CHARS), index=True)
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    memo: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    prev_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)


class LedgerHead(Base):
    """The single row naming the chain's last entry; appending locks it, so the chain is linear."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(HASH_CHARS))


class IdempotencyKey(Base):
    """A request already carried out for (account, key), with the response it gave."""

    __tablename__ = "idempotency_keys"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(NAME_CHARS), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(HASH_CHARS))
    status_code: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlanRun(Base):
    """A run of the planning engine kept against a region: its scenario, state and result.

    A run is queued by the request and computed outside it: `state` goes queued → done or
    failed; `result_json` holds the figures when done, `error_json` the refusal when failed.
    """

    __tablename__ = "plan_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    scenario_json: Mapped[str] = mapped_column(Text)
    rounding: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    result_json: Mapped[str | None] = mapped_column(Text)
    error_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Objection(Base):
    """An objection to a deal in publicity, by a registered party or by the public.

    The grounds and the regulator's resolution are published; who filed it and the public
    objector's contact are not.
    """

    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    contact: Mapped[str | None] = mapped_column(String(NAME_CHARS))
    grounds: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        CheckConstraint("(filed_by_id IS NULL) <> (contact IS NULL)", name="ck_objections_filer"),
    )


class LedgerCheckpoint(Base):
    """The chain head as published for one day (UTC), for outsiders to keep and check against."""

    __tablename__ = "ledger_checkpoints"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(HASH_CHARS))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Lease(Base):
    """A named lease held by one service worker until `expires_at` (scheduled jobs run once)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(CODE_CHARS), primary_key=True)
    holder: Mapped[str] = mapped_column(String(CODE_CHARS))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Throttle(Base):
    """Attempts counted against one key (a login name, an address) and when it may try again."""

    __tablename__ = "throttles"
    key: Mapped[str] = mapped_column(String(NAME_CHARS), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


# -- operations: meters and sensors, readings, quarantine, DMAs, alerts --------------------------


class Device(Base):
    """A field device (logger, RTU, smart meter) that sends the readings of its own sensors.

    Its credential is a random token shown once when issued and stored only as its SHA-256.
    """

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    code: Mapped[str] = mapped_column(String(CODE_CHARS))
    token_sha256: Mapped[str | None] = mapped_column(String(HASH_CHARS), unique=True)
    token_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("region_id", "code", name="uq_devices_region_code"),)


class Sensor(Base):
    """A meter or sensor of a region (see `reclaim.operations.registry.Sensor`): kind, valid
    range in its kind's canonical unit, reporting interval, metering level, where it is attached
    and the device that may send its readings."""

    __tablename__ = "sensors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    code: Mapped[str] = mapped_column(String(CODE_CHARS))
    """The id devices name the sensor by (unique in its region)."""
    kind: Mapped[str] = mapped_column(String(32))
    valid_min: Mapped[float] = mapped_column(Float)
    valid_max: Mapped[float] = mapped_column(Float)
    interval_s: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))
    attachment_kind: Mapped[str] = mapped_column(String(16))
    attachment_ref: Mapped[str] = mapped_column(String(NAME_CHARS))
    """A plant id, an EPANET node or link id, a contract id (its delivery point) or a DMA code."""
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("region_id", "code", name="uq_sensors_region_code"),
        CheckConstraint("valid_max > valid_min", name="ck_sensors_range"),
        CheckConstraint("interval_s > 0", name="ck_sensors_interval"),
    )


class NetworkLink(Base):
    """A link (pipe, pump, valve) of a region's network model, by its EPANET id and end nodes:
    the topology a DMA's boundary is checked against."""

    __tablename__ = "network_links"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(CODE_CHARS), primary_key=True)
    start_node: Mapped[str] = mapped_column(String(CODE_CHARS))
    end_node: Mapped[str] = mapped_column(String(CODE_CHARS))


class Dma(Base):
    """A district metered area: a set of the region's network links whose boundary is closed by
    flow meters (`DmaMeter`)."""

    __tablename__ = "dmas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    code: Mapped[str] = mapped_column(String(CODE_CHARS))
    name: Mapped[str] = mapped_column(String(NAME_CHARS))
    link_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("region_id", "code", name="uq_dmas_region_code"),)


class DmaMeter(Base):
    """A flow meter on a link crossing a DMA's boundary."""

    __tablename__ = "dma_meters"
    dma_id: Mapped[int] = mapped_column(ForeignKey("dmas.id"), primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), primary_key=True)


class Reading(Base):
    """One accepted reading, in its sensor kind's canonical unit; one per (sensor, ts).

    On PostgreSQL the table is partitioned by month of `ts` (declarative range partitioning,
    migration 0007) with a BRIN index on `ts`; on SQLite it is a plain table.
    """

    __tablename__ = "readings"
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(16))
    """How it came in: http, mqtt or replay (from the quarantine)."""


class QuarantinedReading(Base):
    """A reading that failed validation, kept as received with the reason, until replayed."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    sensor_code: Mapped[str | None] = mapped_column(String(NAME_CHARS))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    """The reading as the device sent it: sensor, ts, value, unit."""
    reason: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When a replay accepted it (or found it already stored); still quarantined while None."""
    __table_args__ = (Index("ix_quarantine_region_pending", "region_id", "replayed_at", "id"),)


class AlertRecord(Base):
    """An alert of a region's rule on a sensor, DMA or contract: open → acknowledged → resolved
    with who and why (see `reclaim.operations.lifecycle`); a condition that comes back while it
    is not resolved is folded into it (`occurrences`). At most one unresolved alert per
    (region, rule, subject)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    rule: Mapped[str] = mapped_column(String(CODE_CHARS))
    severity: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(NAME_CHARS))
    """What it is about, as text: sensor:<code>, dma:<code> or contract:<id>."""
    sensor_id: Mapped[int | None] = mapped_column(ForeignKey("sensors.id"))
    dma_id: Mapped[int | None] = mapped_column(ForeignKey("dmas.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    state: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """Time of the first reading in alarm (data time; `opened_at` is when it was raised)."""
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_why: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_why: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)
    """What the condition was judged against, where the rule and subject do not say it (a
    quality exceedance: the standard, the use and the limit)."""
    __table_args__ = (
        Index(
            "uq_alerts_unresolved",
            "region_id",
            "rule",
            "subject",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
        Index("ix_alerts_region_state", "region_id", "state"),
        CheckConstraint("occurrences >= 1", name="ck_alerts_occurrences"),
    )


class MeteredDay(Base):
    """A metered contract's day: the volume its delivery point's meters gave it and how that
    splits (within the right, above the daily cap, beyond the year's right), in exact m³.

    Recomputed whenever readings of the day arrive, late ones included; what was billed of it
    is in `monthly_bill_lines`, never here.
    """

    __tablename__ = "metered_days"
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metered_m3: Mapped[Decimal] = mapped_column(Money)
    daily_cap_m3: Mapped[int] = mapped_column(BigInteger)
    within_right_m3: Mapped[Decimal] = mapped_column(Money)
    over_cap_m3: Mapped[Decimal] = mapped_column(Money)
    over_right_m3: Mapped[Decimal] = mapped_column(Money)
    estimated: Mapped[bool] = mapped_column(Boolean)
    """A midnight fell between two readings: the register was interpolated there."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MonthlyBill(Base):
    """The bill of a metered contract for one calendar month, posted as one ledger transaction.

    UNIQUE(contract_id, month): a month is billed once; a later change to its days is billed
    as adjustment lines of a later month's bill.
    """

    __tablename__ = "monthly_bills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    month: Mapped[date] = mapped_column(Date)
    """The first day of the month billed."""
    buyer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    exchange_fee_yuan: Mapped[Decimal] = mapped_column(Money)
    treatment_feedback_yuan: Mapped[Decimal] = mapped_column(Money)
    seller_net_yuan: Mapped[Decimal] = mapped_column(Money)
    ledger_txn_id: Mapped[str | None] = mapped_column(String(CODE_CHARS))
    """None when the bill comes to nothing (no transaction is posted)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lines: Mapped[list[MonthlyBillLine]] = relationship(
        order_by="MonthlyBillLine.id", lazy="selectin"
    )
    __table_args__ = (UniqueConstraint("contract_id", "month", name="uq_monthly_bills_month"),)


class MonthlyBillLine(Base):
    """One line of a monthly bill: a day's delivered volume or over-draw, or an adjustment of
    an earlier day's (signed: a late reading may lower it)."""

    __tablename__ = "monthly_bill_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("monthly_bills.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    volume_m3: Mapped[Decimal] = mapped_column(Money)
    price_yuan_per_m3: Mapped[Decimal] = mapped_column(Money)
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    adjustment: Mapped[bool] = mapped_column(Boolean)


class Webhook(Base):
    """A URL a region's alerts are sent to, registered by its network operator; bodies are
    signed with `secret` (HMAC-SHA256), shown once when the webhook is made."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(HASH_CHARS))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notification(Base):
    """One body to send to one webhook, and how its delivery went: pending (tried again at
    `next_attempt_at`), delivered, or failed after the last attempt."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event: Mapped[str] = mapped_column(String(CODE_CHARS))
    event_key: Mapped[str] = mapped_column(String(NAME_CHARS))
    """What it announces, e.g. ``alert:12:opened``: queued once per webhook (UNIQUE)."""
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_key", name="uq_notifications_webhook_event"),
    )


class ActionLog(Base):
    """One action on the exchange: who (actor, role), where (region), what (action, target),
    the target before and after (JSON, secrets left out), why, the request and the time.

    Append-only (database triggers refuse UPDATE and DELETE) and chained by hash like the ledger
    (`reclaim.market.chain`); written in the transaction of the action itself.
    """

    __tablename__ = "action_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The account acting; none for the public or the service itself (`role` says which)."""
    actor_username: Mapped[str | None] = mapped_column(String(CODE_CHARS))
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(CODE_CHARS), index=True)
    target_kind: Mapped[str] = mapped_column(String(CODE_CHARS))
    target_id: Mapped[str] = mapped_column(String(CODE_CHARS))
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(128))
    parties_json: Mapped[str] = mapped_column(Text)
    """The accounts whose own records the action touched (sorted ids), as hashed."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    prev_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    __table_args__ = (Index("ix_action_log_target", "target_kind", "target_id"),)


class ActionLogParty(Base):
    """An account whose own record an action touched: it may read that log entry."""

    __tablename__ = "action_log_parties"
    seq: Mapped[int] = mapped_column(ForeignKey("action_log.seq"), primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ActionLogHead(Base):
    """The single row naming the action log's last entry; appending locks it (linear chain)."""

    __tablename__ = "action_log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(HASH_CHARS))
