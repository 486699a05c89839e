"""Deliveries, bills, balances and the hash-chained ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.ledger import party_account
from reclaim.market.rules import Role
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of, dump, fingerprint
from reclaim.service.schemas import (
    BillOut,
    DeliveryIn,
    IdempotencyKey,
    LedgerEntryOut,
    LedgerVerifyOut,
    RowId,
)
from reclaim.store.models import Bill, LedgerEntry
from reclaim.store.settlement import (
    DeliverySpec,
    balances,
    record_delivery,
    require_ledger_reader,
    verify_ledger,
)

router = APIRouter(tags=["settlement"])


@router.post("/contracts/{contract_id}/deliveries", response_model=BillOut, status_code=201)
def deliver(
    contract_id: RowId,
    payload: DeliveryIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a day's metered delivery and bill it (plant operator or exchange operator)."""
    context = context_of(request)
    spec = DeliverySpec(contract_id=contract_id, day=payload.day, volume_m3=payload.volume_m3)

    def work(session: Session, now: datetime) -> BaseModel:
        return dump(BillOut, record_delivery(session, actor, spec, now))

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.get("/bills", response_model=list[BillOut])
def list_bills(request: Request, actor: CurrentActor) -> list[BillOut]:
    """The caller's bills, as buyer or seller (the regulator and the operator see all)."""

    def work(session: Session) -> list[BillOut]:
        query = select(Bill).order_by(Bill.id)
        if actor.role not in (Role.REGULATOR, Role.OPERATOR):
            query = query.where(or_(Bill.buyer_id == actor.id, Bill.seller_id == actor.id))
        return [dump(BillOut, b) for b in session.scalars(query)]

    return context_of(request).read(work)


@router.get("/me/balance", response_model=dict[str, Decimal])
def my_balance(request: Request, actor: CurrentActor) -> dict[str, Decimal]:
    """The caller's ledger balance (negative: owed by the caller)."""
    account = party_account(actor.id)
    totals = context_of(request).read(lambda s: balances(s, [account]))
    return {account: totals.get(account, Decimal(0))}


@router.get("/ledger/balances", response_model=dict[str, Decimal])
def ledger_balances(request: Request, actor: CurrentActor) -> dict[str, Decimal]:
    """Every ledger account's balance (regulator, operator); they sum to zero."""
    require_ledger_reader(actor)
    return context_of(request).read(balances)


@router.get("/ledger/entries", response_model=list[LedgerEntryOut])
def ledger_entries(request: Request, actor: CurrentActor) -> list[LedgerEntryOut]:
    """The ledger in sequence order (regulator, operator)."""
    require_ledger_reader(actor)
    return context_of(request).read(
        lambda s: [
            dump(LedgerEntryOut, e)
            for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))
        ]
    )


@router.get("/ledger/verify", response_model=LedgerVerifyOut)
def ledger_verify(request: Request, actor: CurrentActor) -> LedgerVerifyOut:
    """Recompute the hash chain and the balance of every transaction (regulator, operator)."""
    require_ledger_reader(actor)
    report = context_of(request).read(verify_ledger)
    return LedgerVerifyOut(
        ok=report.ok,
        entries=report.entries,
        first_broken_seq=None if report.chain_break is None else report.chain_break.seq,
        reason=None if report.chain_break is None else report.chain_break.reason,
        unbalanced_txns=report.unbalanced_txns,
    )
