"""Deliveries (reported, confirmed or disputed), bills, balances and the hash-chained ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.ledger import party_account
from reclaim.market.rules import DeliveryState, Role
from reclaim.service.access import contracts_listed_for, listed_for
from reclaim.service.actions import Target, record_action, state_of
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import (
    BilledOut,
    BillOut,
    DeliveryDecisionIn,
    DeliveryIn,
    DeliveryOut,
    DisputeIn,
    IdempotencyKey,
    LedgerEntryOut,
    LedgerVerifyOut,
    RowId,
)
from reclaim.store.models import Bill, Contract, Delivery
from reclaim.store.settlement import (
    DeliverySpec,
    balances,
    bill_unanswered_deliveries,
    confirm_delivery,
    decide_delivery,
    dispute_delivery,
    record_delivery,
    region_balances,
    region_entries,
    verify_ledger,
    visible_contract,
)

router = APIRouter(tags=["settlement"])


def delivery_out(session: Session, delivery: Delivery) -> DeliveryOut:
    """A delivery with its bill, once billed."""
    out = dump(DeliveryOut, delivery)
    bill = session.scalar(select(Bill).where(Bill.delivery_id == delivery.id))
    out.bill = None if bill is None else dump(BillOut, bill)
    return out


@router.post("/contracts/{contract_id}/deliveries", response_model=DeliveryOut, status_code=201)
def deliver(
    contract_id: RowId,
    payload: DeliveryIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Report a day's delivery (the plant's operator or the region's exchange operator).

    Billed at once, unless the reporter is the contract's own seller: then it waits for the
    buyer's confirmation, or for the region's `delivery_confirmation_days` without dispute.
    """
    context = context_of(request)
    spec = DeliverySpec(contract_id=contract_id, day=payload.day, volume_m3=payload.volume_m3)

    def work(session: Session, now: datetime) -> BaseModel:
        delivery = record_delivery(session, actor, spec, now)
        out = delivery_out(session, delivery)
        record_action(session, actor, "delivery.report", delivery, now=now, after=out.model_dump())
        return out

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/contracts/{contract_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(contract_id: RowId, request: Request, actor: CurrentActor) -> list[DeliveryOut]:
    """A contract's deliveries (its parties, the plant's operator, staff of its region)."""

    def work(session: Session) -> list[DeliveryOut]:
        visible_contract(session, actor, contract_id)
        rows = session.scalars(
            select(Delivery).where(Delivery.contract_id == contract_id).order_by(Delivery.day)
        )
        return [delivery_out(session, d) for d in rows]

    return context_of(request).read(work)


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_my_deliveries(
    request: Request, actor: CurrentActor, state: DeliveryState | None = None
) -> list[DeliveryOut]:
    """The deliveries of the caller's contracts (staff: of their regions); `state=disputed` is
    the regulator's queue, `state=awaiting_confirmation` the buyer's."""

    def work(session: Session) -> list[DeliveryOut]:
        query = select(Delivery).join(Contract, Contract.id == Delivery.contract_id)
        query = query.where(contracts_listed_for(actor))
        if state is not None:
            query = query.where(Delivery.state == state.value)
        return [delivery_out(session, d) for d in session.scalars(query.order_by(Delivery.id))]

    return context_of(request).read(work)


@router.post("/deliveries/{delivery_id}/confirm", response_model=DeliveryOut)
def confirm(
    delivery_id: RowId,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The buyer confirms a delivery its seller reported; it is billed now."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Delivery, delivery_id))
        delivery = confirm_delivery(session, actor, delivery_id, now)
        out = delivery_out(session, delivery)
        after = out.model_dump()
        record_action(
            session, actor, "delivery.confirm", delivery, now=now, before=before, after=after
        )
        return out

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.post("/deliveries/{delivery_id}/dispute", response_model=DeliveryOut)
def dispute(
    delivery_id: RowId,
    payload: DisputeIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The buyer disputes a delivery its seller reported, with its grounds; the regulator of
    the region decides it."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Delivery, delivery_id))
        delivery = dispute_delivery(session, actor, delivery_id, payload.reason, now)
        record_action(
            session,
            actor,
            "delivery.dispute",
            delivery,
            now=now,
            before=before,
            reason=payload.reason,
        )
        return delivery_out(session, delivery)

    return context.write(
        actor, idempotency_key, fingerprint(request, payload), work, status_code=200
    )


@router.post("/deliveries/{delivery_id}/decide", response_model=DeliveryOut)
def decide(
    delivery_id: RowId,
    payload: DeliveryDecisionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The region's regulator decides a disputed delivery: the volume found delivered (billed;
    0 bills nothing) and the reason."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Delivery, delivery_id))
        delivery = decide_delivery(
            session, actor, delivery_id, payload.volume_m3, payload.reason, now
        )
        out = delivery_out(session, delivery)
        record_action(
            session,
            actor,
            "delivery.decide",
            delivery,
            now=now,
            before=before,
            after=out.model_dump(),
            reason=payload.reason,
        )
        return out

    return context.write(
        actor, idempotency_key, fingerprint(request, payload), work, status_code=200
    )


@router.post("/deliveries/bill-due", response_model=BilledOut)
def bill_due(
    request: Request, actor: CurrentActor, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Bill the seller-reported deliveries whose confirmation period ended without a dispute
    (an operator: its regions; the administrator: all). Repeating it bills nothing twice."""
    context = context_of(request)
    regions = None if actor.role is Role.ADMIN else actor.region_ids

    def work(session: Session, now: datetime) -> BaseModel:
        billed = bill_unanswered_deliveries(session, now, regions)
        out = BilledOut(deliveries=[delivery_out(session, d) for d in billed])
        parties = {p for d in out.deliveries if d.bill for p in (d.bill.buyer_id, d.bill.seller_id)}
        record_action(
            session,
            actor,
            "deliveries.bill_due",
            Target("deliveries", "due"),
            now=now,
            after={"billed_delivery_ids": [d.id for d in out.deliveries]},
            region_id=None,
            parties=parties,
        )
        return out

    return context.write(actor, idempotency_key, fingerprint(request), work, status_code=200)


@router.get("/bills", response_model=list[BillOut])
def list_bills(request: Request, actor: CurrentActor) -> list[BillOut]:
    """The caller's bills, as buyer or seller (staff: every bill of their regions)."""

    def work(session: Session) -> list[BillOut]:
        region = select(Contract.region_id).where(Contract.id == Bill.contract_id)
        query = select(Bill).where(
            listed_for(actor, region.scalar_subquery(), Bill.buyer_id, Bill.seller_id)
        )
        return [dump(BillOut, b) for b in session.scalars(query.order_by(Bill.id))]

    return context_of(request).read(work)


@router.get("/me/balance", response_model=dict[str, Decimal])
def my_balance(request: Request, actor: CurrentActor) -> dict[str, Decimal]:
    """The caller's ledger balance (negative: owed by the caller)."""
    account = party_account(actor.id)
    totals = context_of(request).read(lambda s: balances(s, [account]))
    return {account: totals.get(account, Decimal(0))}


@router.get("/ledger/balances", response_model=dict[str, Decimal])
def ledger_balances(request: Request, actor: CurrentActor) -> dict[str, Decimal]:
    """Each ledger account's balance over the bills of the caller's regions; they sum to zero."""
    return context_of(request).read(lambda s: region_balances(s, actor.region_ids))


@router.get("/ledger/entries", response_model=list[LedgerEntryOut])
def ledger_entries(request: Request, actor: CurrentActor) -> list[LedgerEntryOut]:
    """The ledger entries of the bills of the caller's regions, in sequence order."""
    return context_of(request).read(
        lambda s: [dump(LedgerEntryOut, e) for e in region_entries(s, actor.region_ids)]
    )


@router.get("/ledger/verify", response_model=LedgerVerifyOut)
def ledger_verify(request: Request) -> LedgerVerifyOut:
    """Recompute the whole hash chain and the balance of every transaction (staff)."""
    report = context_of(request).read(verify_ledger)
    return LedgerVerifyOut(
        ok=report.ok,
        entries=report.entries,
        first_broken_seq=None if report.chain_break is None else report.chain_break.seq,
        reason=None if report.chain_break is None else report.chain_break.reason,
        unbalanced_txns=report.unbalanced_txns,
    )
