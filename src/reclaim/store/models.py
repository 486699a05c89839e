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
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
