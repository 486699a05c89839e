"""Deliveries billed into the hash-chained double-entry ledger, and the ledger's verification."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CompoundSelect, func, select, union_all
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError
from reclaim.market.chain import GENESIS_HASH, ChainBreak, head_names_end
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.ledger import (
    EntryFields,
    entry_hash,
    settle,
    settlement_postings,
    unbalanced_transactions,
    verify_chain,
)
from reclaim.market.periods import period_on
from reclaim.market.rules import DeliveryState, Role, contract_year_bounds, positive_int
from reclaim.store.delivery_points import contract_meters
from reclaim.store.exchange import periods_of
from reclaim.store.models import (
    Bill,
    Contract,
    Delivery,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    MonthlyBill,
    Plant,
    Region,
    Right,
)
from reclaim.store.registry import (
    Actor,
    get_or_404,
    lock_or_404,
    region_today,
    require_role,
    require_staff_of,
)

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
    """A contract its parties, the plant's operator or the staff of its region may see."""
    contract = session.get(Contract, contract_id)
    if contract is not None and (
        actor.id in (contract.buyer_id, contract.seller_id)
        or actor.is_staff_of(contract.region_id)
        or _runs_plant(session, actor, contract.plant_id)
    ):
        return contract
    raise NotFoundError("contract_id", contract_id)


def _runs_plant(session: Session, actor: Actor, plant_id: int) -> bool:
    """The seller named to run the plant (an exchange operator acts only while assigned)."""
    if actor.role is not Role.SELLER:
        return False
    return session.scalar(select(Plant.operator_id).where(Plant.id == plant_id)) == actor.id


@dataclass(frozen=True)
class DeliverySpec:
    """A reported delivery: contract, day and volume."""

    contract_id: int
    day: date
    volume_m3: int


def record_delivery(session: Session, actor: Actor, spec: DeliverySpec, now: datetime) -> Delivery:
    """Record a day's delivery, reported by the plant's operator or the region's exchange operator,
    for a contract without a meter at its delivery point (a metered one is refused: its days
    come from the meter, `store.metering`).

    Refused outside the contract's term, after today in the region's time zone, twice for the
    same day, and above what the bought right still holds on that day and in that contract
    year, less what its holder has listed for sale (a resold year is delivered to its new
    holder). Billed at once, unless the reporter is the contract's own seller: then the buyer
    confirms or disputes it within the region's `delivery_confirmation_days`, after which it is
    billed.
    """
    contract = visible_contract(session, actor, spec.contract_id)
    exchange_operator = actor.role is Role.OPERATOR and actor.is_staff_of(contract.region_id)
    if not (exchange_operator or _runs_plant(session, actor, contract.plant_id)):
        raise ForbiddenError(
            "contract_id",
            spec.contract_id,
            "deliveries are reported by the plant's operator or the region's exchange operator",
            ErrorCode.NOT_YOURS,
        )
    positive_int("volume_m3", spec.volume_m3)
    meters = contract_meters(session, contract.region_id, contract.id)
    if meters:
        raise ConflictError(
            "contract_id",
            spec.contract_id,
            f"the contract is metered ({', '.join(m.code for m in meters)} at its delivery "
            "point): its daily volumes come from the meter; a volume is entered by hand only "
            "for a contract without one",
            ErrorCode.WRONG_STATE,
        )
    if not contract.term_start <= spec.day < contract.term_end:
        raise InputError(
            "day",
            spec.day.isoformat(),
            f"within the contract {contract.term_start}–{contract.term_end}",
        )
    region = get_or_404(session, Region, contract.region_id, "region_id")
    today = region_today(region, now)
    if spec.day > today:
        raise InputError(
            "day", spec.day.isoformat(), f"on or before today, {today} in {region.time_zone}"
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
        raise ConflictError(
            "day",
            spec.day.isoformat(),
            "a delivery is recorded for this day",
            ErrorCode.ALREADY_EXISTS,
        )
    year_start, year_end = contract_year_bounds(contract.term_start, spec.day)
    delivered = session.scalar(
        select(
            func.coalesce(func.sum(func.coalesce(Delivery.billed_volume_m3, Delivery.volume_m3)), 0)
        ).where(
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
            ErrorCode.VOLUME_ABOVE_CONTRACT,
        )
    self_reported = actor.id == contract.seller_id
    delivery = Delivery(
        contract_id=contract.id,
        day=spec.day,
        volume_m3=spec.volume_m3,
        recorded_by_id=actor.id,
        created_at=now,
        state=(
            DeliveryState.AWAITING_CONFIRMATION if self_reported else DeliveryState.BILLED
        ).value,
        confirm_by=(
            now + timedelta(days=region.delivery_confirmation_days) if self_reported else None
        ),
    )
    session.add(delivery)
    session.flush()
    if not self_reported:
        _bill(session, delivery, contract, region, spec.volume_m3, now)
    return delivery


def _bill(
    session: Session,
    delivery: Delivery,
    contract: Contract,
    region: Region,
    volume_m3: int,
    now: datetime,
) -> Bill | None:
    """Bill `volume_m3` of a delivery into the ledger (nothing when the volume is zero)."""
    delivery.state = (DeliveryState.BILLED if volume_m3 else DeliveryState.REJECTED).value
    delivery.billed_volume_m3 = volume_m3
    if volume_m3 == 0:
        session.flush()
        return None
    split = settle(
        volume_m3,
        contract.price_yuan_per_m3,
        region.exchange_fee_rate,
        region.treatment_feedback_share,
    )
    txn_id = append_to_ledger(
        session,
        settlement_postings(split, contract.buyer_id, contract.seller_id, region.id),
        f"contract {contract.id} delivery {delivery.day.isoformat()} {volume_m3} m3",
        now,
    )
    bill = Bill(
        delivery_id=delivery.id,
        contract_id=contract.id,
        buyer_id=contract.buyer_id,
        seller_id=contract.seller_id,
        volume_m3=volume_m3,
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


def visible_delivery(session: Session, actor: Actor, delivery_id: int) -> Delivery:
    """A delivery whoever may see its contract may see; others get 404."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFoundError("delivery_id", delivery_id)
    try:
        visible_contract(session, actor, delivery.contract_id)
    except NotFoundError:
        raise NotFoundError("delivery_id", delivery_id) from None
    return delivery


def _locked(session: Session, actor: Actor, delivery_id: int) -> tuple[Delivery, Contract, Region]:
    """A delivery the actor may see, locked, with its contract and region."""
    visible_delivery(session, actor, delivery_id)
    delivery = lock_or_404(session, Delivery, delivery_id, "delivery_id")
    contract = get_or_404(session, Contract, delivery.contract_id, "contract_id")
    region = get_or_404(session, Region, contract.region_id, "region_id")
    return delivery, contract, region


def _require_state(delivery: Delivery, state: DeliveryState) -> None:
    if delivery.state != state.value:
        raise ConflictError(
            "delivery_id", delivery.id, f"the delivery is {delivery.state}", ErrorCode.WRONG_STATE
        )


def _require_buyer(actor: Actor, contract: Contract, delivery_id: int) -> None:
    if actor.id != contract.buyer_id:
        raise ForbiddenError(
            "delivery_id", delivery_id, "only the contract's buyer answers it", ErrorCode.NOT_YOURS
        )


def confirm_delivery(session: Session, actor: Actor, delivery_id: int, now: datetime) -> Delivery:
    """The buyer confirms a delivery its seller reported: it is billed now."""
    delivery, contract, region = _locked(session, actor, delivery_id)
    _require_buyer(actor, contract, delivery_id)
    _require_state(delivery, DeliveryState.AWAITING_CONFIRMATION)
    _bill(session, delivery, contract, region, delivery.volume_m3, now)
    return delivery


def dispute_delivery(
    session: Session, actor: Actor, delivery_id: int, reason: str, now: datetime
) -> Delivery:
    """The buyer disputes a delivery its seller reported, with grounds; the regulator decides."""
    delivery, contract, _region = _locked(session, actor, delivery_id)
    _require_buyer(actor, contract, delivery_id)
    _require_state(delivery, DeliveryState.AWAITING_CONFIRMATION)
    assert delivery.confirm_by is not None  # set on every delivery awaiting confirmation
    if now >= delivery.confirm_by:
        raise ConflictError(
            "delivery_id",
            delivery_id,
            f"disputes closed at {delivery.confirm_by.isoformat()}",
            ErrorCode.DISPUTE_CLOSED,
        )
    if not reason.strip():
        raise InputError("reason", reason, "the grounds of the dispute")
    delivery.state = DeliveryState.DISPUTED.value
    delivery.dispute_reason = reason
    delivery.disputed_at = now
    session.flush()
    return delivery


def decide_delivery(
    session: Session,
    actor: Actor,
    delivery_id: int,
    volume_m3: int,
    reason: str,
    now: datetime,
) -> Delivery:
    """The region's regulator decides a disputed delivery: the volume delivered (0 to the
    reported volume; 0 bills nothing), with a reason."""
    require_role(actor, Role.REGULATOR)
    delivery, contract, region = _locked(session, actor, delivery_id)
    require_staff_of(actor, contract.region_id, "delivery_id", delivery_id)
    _require_state(delivery, DeliveryState.DISPUTED)
    if isinstance(volume_m3, bool) or not 0 <= volume_m3 <= delivery.volume_m3:
        raise InputError("volume_m3", volume_m3, f"0 to the reported {delivery.volume_m3} m³")
    if not reason.strip():
        raise InputError("reason", reason, "a decision states its reason")
    delivery.decided_by_id = actor.id
    delivery.decided_at = now
    delivery.decision_reason = reason
    _bill(session, delivery, contract, region, volume_m3, now)
    return delivery


def bill_unanswered_deliveries(
    session: Session, now: datetime, region_ids: Collection[int] | None = None
) -> list[Delivery]:
    """Bill every seller-reported delivery whose confirmation period ended without a dispute.

    Idempotent: each is moved out of `awaiting_confirmation` under its row lock, so a second run
    (or a second worker) bills nothing twice. `region_ids` limits it to those regions.
    """
    query = (
        select(Delivery.id)
        .join(Contract, Contract.id == Delivery.contract_id)
        .where(
            Delivery.state == DeliveryState.AWAITING_CONFIRMATION.value,
            Delivery.confirm_by <= now,
        )
        .order_by(Delivery.id)
    )
    if region_ids is not None:
        query = query.where(Contract.region_id.in_(region_ids))
    billed: list[Delivery] = []
    for delivery_id in session.scalars(query).all():
        delivery = lock_or_404(session, Delivery, delivery_id, "delivery_id")
        if delivery.state != DeliveryState.AWAITING_CONFIRMATION.value:
            continue
        contract = get_or_404(session, Contract, delivery.contract_id, "contract_id")
        region = get_or_404(session, Region, contract.region_id, "region_id")
        _bill(session, delivery, contract, region, delivery.volume_m3, now)
        billed.append(delivery)
    return billed


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


def bill_due_deliveries(session: Session, now: datetime) -> int:
    """The scheduler's job: bill every region's unanswered deliveries; how many were billed."""
    return len(bill_unanswered_deliveries(session, now))


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
    head_matches = head_names_end(
        None if head is None else (head.last_seq, head.last_hash),
        (rows[-1].seq, rows[-1].hash) if rows else None,
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


def regions_txns(region_ids: Collection[int]) -> CompoundSelect:
    """The ledger transactions of the bills of contracts in `region_ids`: delivery bills and
    metered monthly bills."""
    deliveries = (
        select(Bill.ledger_txn_id)
        .join(Contract, Contract.id == Bill.contract_id)
        .where(Contract.region_id.in_(region_ids))
    )
    monthly = (
        select(MonthlyBill.ledger_txn_id)
        .join(Contract, Contract.id == MonthlyBill.contract_id)
        .where(Contract.region_id.in_(region_ids), MonthlyBill.ledger_txn_id.is_not(None))
    )
    return union_all(deliveries, monthly)


def region_entries(session: Session, region_ids: Collection[int]) -> list[LedgerEntry]:
    """The ledger entries of the regions' bills, in sequence order."""
    query = select(LedgerEntry).where(LedgerEntry.txn_id.in_(regions_txns(region_ids)))
    return list(session.scalars(query.order_by(LedgerEntry.seq)))


def region_balances(session: Session, region_ids: Collection[int]) -> dict[str, Decimal]:
    """Balance of each ledger account over the regions' bills only (they sum to zero)."""
    totals: dict[str, Decimal] = {}
    for entry in region_entries(session, region_ids):
        totals[entry.account] = totals.get(entry.account, Decimal(0)) + entry.amount_yuan
    return dict(sorted(totals.items()))
