"""Exports of a region's rights, deals, contracts, deliveries, bills and ledger, as CSV or XLSX.

`GET /regions/{region_id}/exports/{table}.{csv|xlsx}?from=YYYY-MM-DD&to=YYYY-MM-DD`. The rows
are those the list routes give the caller (a party its own, staff their regions'), of the
region of the path and of the period (days in UTC, inclusive) on each table's own date: a
right's issue, a deal's striking, a contract's conclusion, a delivery's day, a bill's and a
ledger entry's time. The ledger is the regulators' and operators' (as GET /ledger/entries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased
from starlette.responses import Response

from reclaim.errors import ErrorCode, InputError
from reclaim.io.exports import FORMATS, MEDIA_TYPES, Column, Kind, render
from reclaim.market.errors import ForbiddenError
from reclaim.market.rules import PARTY_ROLES
from reclaim.service.access import contracts_listed_for, listed_for
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of
from reclaim.service.routers.actions import utc_period
from reclaim.service.schemas import Day, RowId
from reclaim.store.models import Account, Bill, Contract, Deal, Delivery, LedgerEntry, Right
from reclaim.store.registry import Actor, require_staff_of
from reclaim.store.settlement import regions_txns

router = APIRouter(tags=["exports"])
Rows = Select[*tuple[Any, ...]]
"""A query of export rows (each table's own columns)."""
Seller = aliased(Account)
Buyer = aliased(Account)
Holder = aliased(Account)
M3 = "m³"
YUAN = "元"
YUAN_PER_M3 = "元/m³"


@dataclass(frozen=True)
class Table:
    """An exportable table: its columns, and the query of the rows a caller may list."""

    columns: tuple[Column, ...]
    query: Callable[[Actor, int], Rows]
    dated: Any
    """The column the period filters (a date or a UTC time)."""
    staff_only: bool = False


def _rights(actor: Actor, region_id: int) -> Rows:
    return (
        select(
            Right.id,
            Right.plant_id,
            Right.holder_id,
            Holder.display_name,
            Right.use_class,
            Right.term_start,
            Right.term_end,
            Right.original_annual_m3,
            Right.original_daily_m3,
            Right.state,
            Right.created_at,
        )
        .join(Holder, Holder.id == Right.holder_id)
        .where(Right.region_id == region_id, listed_for(actor, Right.region_id, Right.holder_id))
        .order_by(Right.id)
    )


def _deals(actor: Actor, region_id: int) -> Rows:
    mine = listed_for(actor, Deal.region_id, Deal.buyer_id, Deal.seller_id)
    return (
        select(
            Deal.id,
            Deal.seller_id,
            Seller.display_name,
            Deal.buyer_id,
            Buyer.display_name,
            Deal.mode,
            Deal.annual_volume_m3,
            Deal.daily_max_m3,
            Deal.term_start,
            Deal.term_end,
            Deal.price_yuan_per_m3,
            Deal.use_class,
            Deal.delivery_point,
            Deal.state,
            Deal.created_at,
            Deal.decided_at,
        )
        .join(Seller, Seller.id == Deal.seller_id)
        .join(Buyer, Buyer.id == Deal.buyer_id)
        .where(Deal.region_id == region_id, mine)
        .order_by(Deal.id)
    )


def _contracts(actor: Actor, region_id: int) -> Rows:
    return (
        select(
            Contract.id,
            Contract.deal_id,
            Contract.plant_id,
            Contract.seller_id,
            Seller.display_name,
            Contract.buyer_id,
            Buyer.display_name,
            Contract.annual_volume_m3,
            Contract.daily_max_m3,
            Contract.price_yuan_per_m3,
            Contract.term_start,
            Contract.term_end,
            Contract.term_years,
            Contract.delivery_point,
            Contract.concluded_at,
        )
        .join(Seller, Seller.id == Contract.seller_id)
        .join(Buyer, Buyer.id == Contract.buyer_id)
        .where(Contract.region_id == region_id, contracts_listed_for(actor))
        .order_by(Contract.id)
    )


def _deliveries(actor: Actor, region_id: int) -> Rows:
    return (
        select(
            Delivery.id,
            Delivery.contract_id,
            Delivery.day,
            Delivery.volume_m3,
            Delivery.billed_volume_m3,
            Delivery.state,
            Delivery.created_at,
        )
        .join(Contract, Contract.id == Delivery.contract_id)
        .where(Contract.region_id == region_id, contracts_listed_for(actor))
        .order_by(Delivery.id)
    )


def _bills(actor: Actor, region_id: int) -> Rows:
    return (
        select(
            Bill.id,
            Bill.delivery_id,
            Bill.contract_id,
            Bill.buyer_id,
            Buyer.display_name,
            Bill.seller_id,
            Seller.display_name,
            Bill.volume_m3,
            Bill.price_yuan_per_m3,
            Bill.amount_yuan,
            Bill.exchange_fee_yuan,
            Bill.treatment_feedback_yuan,
            Bill.seller_net_yuan,
            Bill.ledger_txn_id,
            Bill.created_at,
        )
        .join(Contract, Contract.id == Bill.contract_id)
        .join(Seller, Seller.id == Bill.seller_id)
        .join(Buyer, Buyer.id == Bill.buyer_id)
        .where(
            Contract.region_id == region_id,
            listed_for(actor, Contract.region_id, Bill.buyer_id, Bill.seller_id),
        )
        .order_by(Bill.id)
    )


def _ledger(_actor: Actor, region_id: int) -> Rows:
    return (
        select(
            LedgerEntry.seq,
            LedgerEntry.txn_id,
            LedgerEntry.account,
            LedgerEntry.amount_yuan,
            LedgerEntry.memo,
            LedgerEntry.created_at,
            LedgerEntry.hash,
        )
        .where(LedgerEntry.txn_id.in_(regions_txns([region_id])))
        .order_by(LedgerEntry.seq)
    )


ID, TEXT, DAY, TIME = Kind.ID, Kind.TEXT, Kind.DATE, Kind.TIME
TABLES: dict[str, Table] = {
    "rights": Table(
        (
            Column("id", ID),
            Column("plant_id", ID),
            Column("holder_id", ID),
            Column("holder", TEXT),
            Column("use_class", TEXT),
            Column("term_start", DAY),
            Column("term_end", DAY),
            Column("original_annual_volume", Kind.WHOLE, "m³/yr"),
            Column("original_daily_max", Kind.WHOLE, "m³/d"),
            Column("state", TEXT),
            Column("issued_at", TIME),
        ),
        _rights,
        Right.created_at,
    ),
    "deals": Table(
        (
            Column("id", ID),
            Column("seller_id", ID),
            Column("seller", TEXT),
            Column("buyer_id", ID),
            Column("buyer", TEXT),
            Column("mode", TEXT),
            Column("annual_volume", Kind.WHOLE, "m³/yr"),
            Column("daily_max", Kind.WHOLE, "m³/d"),
            Column("term_start", DAY),
            Column("term_end", DAY),
            Column("price", Kind.MONEY, YUAN_PER_M3),
            Column("use_class", TEXT),
            Column("delivery_point", TEXT),
            Column("state", TEXT),
            Column("struck_at", TIME),
            Column("decided_at", TIME),
        ),
        _deals,
        Deal.created_at,
    ),
    "contracts": Table(
        (
            Column("id", ID),
            Column("deal_id", ID),
            Column("plant_id", ID),
            Column("seller_id", ID),
            Column("seller", TEXT),
            Column("buyer_id", ID),
            Column("buyer", TEXT),
            Column("annual_volume", Kind.WHOLE, "m³/yr"),
            Column("daily_max", Kind.WHOLE, "m³/d"),
            Column("price", Kind.MONEY, YUAN_PER_M3),
            Column("term_start", DAY),
            Column("term_end", DAY),
            Column("term", Kind.DECIMAL, "yr"),
            Column("delivery_point", TEXT),
            Column("concluded_at", TIME),
        ),
        _contracts,
        Contract.concluded_at,
    ),
    "deliveries": Table(
        (
            Column("id", ID),
            Column("contract_id", ID),
            Column("day", DAY),
            Column("volume", Kind.WHOLE, M3),
            Column("billed_volume", Kind.WHOLE, M3),
            Column("state", TEXT),
            Column("reported_at", TIME),
        ),
        _deliveries,
        Delivery.day,
    ),
    "bills": Table(
        (
            Column("id", ID),
            Column("delivery_id", ID),
            Column("contract_id", ID),
            Column("buyer_id", ID),
            Column("buyer", TEXT),
            Column("seller_id", ID),
            Column("seller", TEXT),
            Column("volume", Kind.WHOLE, M3),
            Column("price", Kind.MONEY, YUAN_PER_M3),
            Column("amount", Kind.MONEY, YUAN),
            Column("exchange_fee", Kind.MONEY, YUAN),
            Column("treatment_feedback", Kind.MONEY, YUAN),
            Column("seller_net", Kind.MONEY, YUAN),
            Column("ledger_txn_id", TEXT),
            Column("billed_at", TIME),
        ),
        _bills,
        Bill.created_at,
    ),
    "ledger": Table(
        (
            Column("seq", ID),
            Column("txn_id", TEXT),
            Column("account", TEXT),
            Column("amount", Kind.MONEY, YUAN),
            Column("memo", TEXT),
            Column("posted_at", TIME),
            Column("hash", TEXT),
        ),
        _ledger,
        LedgerEntry.created_at,
        staff_only=True,
    ),
}
"""The tables that may be exported (the allow-list of `{table}`)."""


def parse_file_name(file_name: str) -> tuple[str, Table, str]:
    """`deals.csv` → ("deals", its table, "csv"); anything else is refused naming the part."""
    table_name, dot, fmt = file_name.rpartition(".")
    if not dot:
        table_name, fmt = file_name, ""
    table = TABLES.get(table_name)
    if table is None:
        raise InputError("table", table_name[:64], f"one of {', '.join(sorted(TABLES))}")
    if fmt not in FORMATS:
        raise InputError("format", fmt[:16], f"one of {', '.join(FORMATS)}")
    return table_name, table, fmt


def _within(table: Table, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """The period filter on the table's own date column (days, or UTC instants)."""
    if table.dated.type.python_type is date:
        start: Any = since
        end: Any = None if until is None else until + timedelta(days=1)
    else:
        start, end = utc_period(since, until)
    clauses = []
    if start is not None:
        clauses.append(table.dated >= start)
    if end is not None:
        clauses.append(table.dated < end)
    return clauses


def check_export_access(actor: Actor, region_id: int, table_name: str, table: Table) -> None:
    """Staff export only their regions; the ledger is not a party's (403 naming why)."""
    if actor.role not in PARTY_ROLES:
        require_staff_of(actor, region_id, "region_id", region_id)
    elif table.staff_only:
        raise ForbiddenError(
            "table",
            table_name,
            "the ledger is exported by the region's regulators and operators",
            ErrorCode.ROLE_NOT_ALLOWED,
        )


@router.get(
    "/regions/{region_id}/exports/{file_name}",
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
    response_class=Response,
)
def export(
    region_id: RowId,
    file_name: str,
    request: Request,
    actor: CurrentActor,
    since: Annotated[Day | None, Query(alias="from", description="first day, ISO")] = None,
    until: Annotated[Day | None, Query(alias="to", description="last day, ISO")] = None,
) -> Response:
    """A table of the region as `{table}.csv` or `{table}.xlsx`: rights, deals, contracts,
    deliveries, bills or ledger; every header carries its unit (m³, 元, 元/m³, ISO dates)."""
    table_name, table, fmt = parse_file_name(file_name)
    check_export_access(actor, region_id, table_name, table)
    utc_period(since, until)  # refuses a period that ends before it starts

    def work(session: Session) -> Sequence[Sequence[Any]]:
        query = table.query(actor, region_id).where(*_within(table, since, until))
        return [tuple(row) for row in session.execute(query)]

    rows = context_of(request).read(work)
    body = render(fmt, table_name, table.columns, rows)
    name = f"{table_name}-region-{region_id}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
