"""Deliveries billed into the hash-chained double-entry ledger, and the ledger's verification."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.ledger import (
    GENESIS_HASH,
    ChainBreak,
    EntryFields,
    entry_hash,
    settle,
    settlement_postings,
    unbalanced_transactions,
    verify_chain,
)
from reclaim.market.periods import period_on
from reclaim.market.rules import Role, contract_year_bounds, positive_int
from reclaim.store.exchange import periods_of
from reclaim.store.models import (
    Bill,
    Contract,
    Delivery,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    Plant,
    Region,
    Right,
)
from reclaim.store.registry import Actor, get_or_404, lock_or_404, require_role

LEDGER_HEAD_ID = 1


def append_to_ledger(
    session: Session, postings: Sequence[tuple[str, Decimal]], memo: str, now: datetime
) -> str:
    """Append one balanced transaction; the head row is locked so the chain stays linear."""
    if sum((amount for _, amount in postings), Decimal(0)) != 0:
        raise ValueError("postings of one transaction must sum to zero")
    head = lock_or_404(session, LedgerHead, LEDGER_HEAD_ID, "ledger_head")
    txn_id = uuid.uuid4().hex
    seq, prev_hash = head.last_seq, head.last_hash
    for account, amount in postings:
        seq += 1
        fields = EntryFields(seq, txn_id, account, amount, memo, now, prev_hash)
        digest = entry_hash(fields)
        session.add(
            LedgerEntry(
                seq=seq,
                txn_id=txn_id,
                account=account,
                amount_yuan=amount,
                memo=memo,
                created_at=now,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    head.last_seq, head.last_hash = seq, prev_hash
    session.flush()
    return txn_id


def visible_contract(session: Session, actor: Actor, contract_id: int) -> Contract:
    """A contract its parties, the plant's operator, the regulator or the exchange may see."""
    contract = session.get(Contract, contract_id)
    if contract is not None and actor.role in (Role.REGULATOR, Role.OPERATOR):
        return contract
    if contract is not None and actor.id in (contract.buyer_id, contract.seller_id):
        return contract
    if contract is not None:
        plant = session.get(Plant, contract.plant_id)
        if plant is not None and plant.operator_id == actor.id:
            return contract
    raise NotFoundError("contract_id", contract_id)


@dataclass(frozen=True)
class DeliverySpec:
    """A metered delivery: contract, day and volume."""

    contract_id: int
    day: date
    volume_m3: int


def record_delivery(session: Session, actor: Actor, spec: DeliverySpec, now: datetime) -> Bill:
    """Record a day's delivery (plant operator or exchange) and bill it into the ledger.

    Refused outside the contract's term, twice for the same day, and above what the bought
    right still holds on that day and in that contract year, less what its holder has listed
    for sale (a resold year is delivered to its new holder).
    """
    contract = visible_contract(session, actor, spec.contract_id)
    plant = get_or_404(session, Plant, contract.plant_id, "plant_id")
    if actor.role is not Role.OPERATOR and plant.operator_id != actor.id:
        raise ForbiddenError(
            "contract_id", spec.contract_id, "deliveries are recorded by the plant's operator"
        )
    positive_int("volume_m3", spec.volume_m3)
    if not contract.term_start <= spec.day < contract.term_end:
        raise InputError(
            "day",
            spec.day.isoformat(),
            f"within the contract {contract.term_start}–{contract.term_end}",
        )
    contract = lock_or_404(session, Contract, spec.contract_id, "contract_id")
    right = lock_or_404(session, Right, contract.right_id, "right_id")
    period = period_on(periods_of(right), spec.day)
    assert period is not None  # the bought right runs over the contract's term
    daily_free = period.daily_m3 - period.reserved_daily_m3
    if spec.volume_m3 > daily_free:
        raise InputError(
            "volume_m3",
            spec.volume_m3,
            f"at most {daily_free} m³/d: the right's daily volume on {spec.day} not sold or "
            "listed for sale",
        )
    taken = session.scalar(
        select(Delivery.id).where(Delivery.contract_id == contract.id, Delivery.day == spec.day)
    )
    if taken is not None:
        raise ConflictError("day", spec.day.isoformat(), "a delivery is recorded for this day")
    year_start, year_end = contract_year_bounds(contract.term_start, spec.day)
    delivered = session.scalar(
        select(func.coalesce(func.sum(Delivery.volume_m3), 0)).where(
            Delivery.contract_id == contract.id,
            Delivery.day >= year_start,
            Delivery.day < year_end,
        )
    )
    annual_free = period.annual_m3 - period.reserved_annual_m3
    if int(delivered or 0) + spec.volume_m3 > annual_free:
        raise ConflictError(
            "volume_m3",
            spec.volume_m3,
            f"only {annual_free - int(delivered or 0)} m³ left in the contract year "
            f"{year_start}–{year_end} (the right's volume then, less any sold or listed)",
        )
    delivery = Delivery(
        contract_id=contract.id,
        day=spec.day,
        volume_m3=spec.volume_m3,
        recorded_by_id=actor.id,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    region = get_or_404(session, Region, contract.region_id, "region_id")
    split = settle(
        spec.volume_m3,
        contract.price_yuan_per_m3,
        region.exchange_fee_rate,
        region.treatment_feedback_share,
    )
    txn_id = append_to_ledger(
        session,
        settlement_postings(split, contract.buyer_id, contract.seller_id, region.id),
        f"contract {contract.id} delivery {spec.day.isoformat()} {spec.volume_m3} m3",
        now,
    )
    bill = Bill(
        delivery_id=delivery.id,
        contract_id=contract.id,
        buyer_id=contract.buyer_id,
        seller_id=contract.seller_id,
        volume_m3=spec.volume_m3,
        price_yuan_per_m3=contract.price_yuan_per_m3,
        amount_yuan=split.amount,
        exchange_fee_yuan=split.exchange_fee,
        treatment_feedback_yuan=split.treatment_feedback,
        seller_net_yuan=split.seller_net,
        ledger_txn_id=txn_id,
        created_at=now,
    )
    session.add(bill)
    session.flush()
    return bill


@dataclass(frozen=True)
class LedgerReport:
    """Result of checking the ledger: first chain break, unbalanced transactions, entries."""

    entries: int
    chain_break: ChainBreak | None
    unbalanced_txns: list[str]
    head_matches: bool

    @property
    def ok(self) -> bool:
        """True when the chain verifies, every transaction balances and the head names the end."""
        return self.chain_break is None and not self.unbalanced_txns and self.head_matches


def verify_ledger(session: Session) -> LedgerReport:
    """Recompute every hash from the stored rows, in sequence order.

    Entries and head are read by separate statements: run it in `Database.snapshot`, so that
    a trade committed between them is not mistaken for a rewrite.
    """
    rows = session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    chain = [
        (
            EntryFields(
                r.seq, r.txn_id, r.account, r.amount_yuan, r.memo, r.created_at, r.prev_hash
            ),
            r.hash,
        )
        for r in rows
    ]
    head = session.get(LedgerHead, LEDGER_HEAD_ID)
    last_seq, last_hash = (rows[-1].seq, rows[-1].hash) if rows else (0, None)
    head_matches = (
        head is not None
        and head.last_seq == last_seq
        and (last_hash is None or head.last_hash == last_hash)
    )
    return LedgerReport(
        entries=len(rows),
        chain_break=verify_chain(chain),
        unbalanced_txns=unbalanced_transactions([(r.txn_id, r.amount_yuan) for r in rows]),
        head_matches=head_matches,
    )


@dataclass(frozen=True)
class SavedHead:
    """A chain head kept by an outsider: the last entry's sequence number (if known) and hash."""

    last_seq: int | None
    last_hash: str


def check_saved_head(session: Session, saved: SavedHead) -> str | None:
    """None if the current chain contains the saved head's entry; else what does not match.

    Together with an intact chain (`verify_ledger`), this proves the chain extends the head
    saved earlier: every entry up to it is the one whose hash was published.
    """
    if saved.last_seq == 0 or (saved.last_seq is None and saved.last_hash == GENESIS_HASH):
        if saved.last_hash != GENESIS_HASH:
            return f"saved head at entry 0 has hash {saved.last_hash}, not the genesis hash"
        return None
    if saved.last_seq is None:
        seq = session.scalar(select(LedgerEntry.seq).where(LedgerEntry.hash == saved.last_hash))
        return None if seq is not None else f"no entry of the ledger has hash {saved.last_hash}"
    stored = session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == saved.last_seq))
    if stored is None:
        return f"entry {saved.last_seq} of the saved head is missing from the ledger"
    if stored != saved.last_hash:
        return f"entry {saved.last_seq} has hash {stored}, the saved head says {saved.last_hash}"
    return None


def publish_daily_head(session: Session, now: datetime) -> int:
    """Publish today's chain head (UTC day) once; how many heads were published (0 or 1)."""
    day = now.date()
    if session.get(LedgerCheckpoint, day) is not None:
        return 0
    head = get_or_404(session, LedgerHead, LEDGER_HEAD_ID, "ledger_head")
    session.add(
        LedgerCheckpoint(
            day=day, last_seq=head.last_seq, last_hash=head.last_hash, published_at=now
        )
    )
    session.flush()
    return 1


def balances(session: Session, accounts: Sequence[str] | None = None) -> dict[str, Decimal]:
    """Balance of each ledger account (all, or the ones named), summed exactly in Python."""
    query = select(LedgerEntry.account, LedgerEntry.amount_yuan)
    if accounts is not None:
        query = query.where(LedgerEntry.account.in_(accounts))
    totals: dict[str, Decimal] = {}
    for account, amount in session.execute(query):
        totals[account] = totals.get(account, Decimal(0)) + amount
    return dict(sorted(totals.items()))


def require_ledger_reader(actor: Actor) -> None:
    """The whole ledger is for the regulator and the exchange operator."""
    require_role(actor, Role.REGULATOR, Role.OPERATOR)
