"""Metered contracts in the store: their days from the meters, and their monthly bills posted to
the ledger (the scheduler's `bill_metered_contracts` job).

A contract year's metered days are re-split whenever one of its days changes, because a late
reading early in the year moves what is left of the year's right for every later day. A month
is billed once (UNIQUE(contract, month)); what changed after that is billed as adjustment lines
of the next month's bill, so nothing posted is ever rewritten.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_metered_billing
from reclaim.market.billing import (
    Charge,
    Charged,
    ContractDay,
    LineKind,
    MeteredBilling,
    VolumeSource,
    bill_lines,
    charges,
    metered_m3,
    split_contract_days,
)
from reclaim.market.ledger import settlement_postings, split_amount
from reclaim.market.rules import contract_year_bounds
from reclaim.operations.metering import METER_KINDS, daily_meter_volumes, delivery_point_volumes
from reclaim.operations.registry import AttachmentKind, SensorKind
from reclaim.operations.registry import Sensor as SensorSpec
from reclaim.operations.rules import AlertRule, RuleKind
from reclaim.store.alerts import rules_of
from reclaim.store.delivery_points import contract_meters
from reclaim.store.models import (
    Contract,
    Delivery,
    MeteredDay,
    MonthlyBill,
    MonthlyBillLine,
    Reading,
    Region,
    Sensor,
)
from reclaim.store.registry import Actor, get_or_404, lock_or_404, region_today
from reclaim.store.settlement import append_to_ledger, visible_contract


@dataclass(frozen=True)
class MeterVolume:
    """A day's volume at a contract's delivery point, as its meters gave it."""

    volume_m3: Decimal
    estimated: bool


def record_metered_days(
    session: Session, contract_id: int, volumes: Mapping[date, MeterVolume], now: datetime
) -> list[MeteredDay]:
    """Store the contract's metered ``volumes`` (new days, or days whose volume changed) and
    re-split every day of the contract years they fall in (what a manual entry of those years
    used of the right counts first); the days whose over-draw grew (to alert on)."""
    contract = lock_or_404(session, Contract, contract_id, "contract_id")
    years = {contract_year_bounds(contract.term_start, day) for day in volumes}
    in_years = [(MeteredDay.day >= start) & (MeteredDay.day < end) for start, end in years]
    stored = {
        row.day: row
        for row in session.scalars(
            select(MeteredDay).where(MeteredDay.contract_id == contract.id, or_(false(), *in_years))
        )
    }
    metered = {day: row.metered_m3 for day, row in stored.items()}
    metered.update({day: volume.volume_m3 for day, volume in volumes.items()})
    split = split_contract_days(
        metered,
        contract.term_start,
        contract.daily_max_m3,
        contract.annual_volume_m3,
        {start: _manual_use(session, contract.id, start, end) for start, end in years},
    )
    grown = []
    for day in split:
        row = stored.get(day.day)
        over_before = Decimal(0) if row is None else row.over_cap_m3 + row.over_right_m3
        if row is None:
            row = MeteredDay(contract_id=contract.id, day=day.day, estimated=False)
            session.add(row)
        elif _same(row, day) and (
            day.day not in volumes or volumes[day.day].estimated == row.estimated
        ):
            continue  # unchanged: a batch that changes nothing writes nothing
        row.metered_m3 = day.metered_m3
        row.daily_cap_m3 = day.daily_cap_m3
        row.within_right_m3 = day.within_right_m3
        row.over_cap_m3 = day.over_cap_m3
        row.over_right_m3 = day.over_right_m3
        if day.day in volumes:
            row.estimated = volumes[day.day].estimated
        row.updated_at = now
        if day.over_draw_m3 > over_before:
            grown.append(row)
    session.flush()
    return grown


def meter_contracts(
    session: Session,
    region: Region,
    inserted: pd.DataFrame,
    specs: Mapping[int, SensorSpec],
    now: datetime,
) -> list[dict[str, Any]]:
    """Recompute the metered days of the contracts whose delivery-point meters the batch wrote
    (``inserted``: sensor_id, time; ``specs``: the batch's sensors by row id), over the days its
    readings can change; the over-draw alerts to raise, one per day whose over-draw grew."""
    at_points = {
        ident: spec
        for ident, spec in specs.items()
        if spec.kind in METER_KINDS and spec.attachment.kind is AttachmentKind.DELIVERY_POINT
    }
    touched = inserted[inserted["sensor_id"].isin(list(at_points))]
    refs = {at_points[int(ident)].attachment.ref for ident in touched["sensor_id"].unique()}
    firings: list[dict[str, Any]] = []
    over_draw = _over_draw_rule(region.code)
    for contract_id in sorted(int(ref) for ref in refs if ref.isdigit()):
        contract = session.get(Contract, contract_id)
        if contract is None or contract.region_id != region.id:
            continue
        meters = contract_meters(session, region.id, contract_id)
        mine = touched[touched["sensor_id"].isin([meter.id for meter in meters])]["time"]
        volumes = _metered_volumes(session, region, contract, meters, mine.min(), mine.max())
        for row in record_metered_days(session, contract_id, volumes, now):
            if over_draw is None:
                continue
            start = _local_midnight(region, row.day)
            firings.append(
                {
                    "rule": over_draw,
                    "subject": f"contract:{contract_id}",
                    "contract_id": contract_id,
                    "first": start,
                    "last": _local_midnight(region, row.day + timedelta(days=1)),
                    "new": True,
                }
            )
    return firings


@cache
def _over_draw_rule(region_code: str) -> AlertRule | None:
    return next((rule for rule in rules_of(region_code) if rule.kind is RuleKind.OVER_DRAW), None)


def _local_midnight(region: Region, day: date) -> datetime:
    return datetime.combine(day, time(), zoneinfo.ZoneInfo(region.time_zone))


def _metered_volumes(
    session: Session,
    region: Region,
    contract: Contract,
    meters: list[Sensor],
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> dict[date, MeterVolume]:
    """The contract's daily volumes over every day readings from ``first`` to ``last`` can
    change: the day before the first through the day after the last, widened to each meter's
    stored neighbours outside them (an interpolated midnight rests on those)."""
    zone = zoneinfo.ZoneInfo(region.time_zone)
    start = _local_midnight(region, first.to_pydatetime().astimezone(zone).date())
    start -= timedelta(days=1)
    end = _local_midnight(region, last.to_pydatetime().astimezone(zone).date())
    end += timedelta(days=2)
    frames = []
    for meter in meters:
        before = session.scalar(
            select(func.max(Reading.ts)).where(Reading.sensor_id == meter.id, Reading.ts <= start)
        )
        after = session.scalar(
            select(func.min(Reading.ts)).where(Reading.sensor_id == meter.id, Reading.ts >= end)
        )
        rows = session.execute(
            select(Reading.ts, Reading.value).where(
                Reading.sensor_id == meter.id,
                Reading.ts >= (before or start),
                Reading.ts <= (after or end),
            )
        ).all()
        frames.append(
            pd.DataFrame(
                {
                    "sensor": meter.code,
                    "time": pd.to_datetime([row[0] for row in rows], utc=True),
                    "value": [row[1] for row in rows],
                }
            )
        )
    kinds = {meter.code: SensorKind(meter.kind) for meter in meters}
    daily = daily_meter_volumes(pd.concat(frames, ignore_index=True), kinds, region.time_zone)
    points = delivery_point_volumes(daily, {meter.code: str(contract.id) for meter in meters})
    return {
        day: MeterVolume(metered_m3(volume), bool(estimated))
        for day, volume, estimated in zip(
            points["day"], points["volume_m3"], points["estimated"], strict=True
        )
        if contract.term_start <= day < contract.term_end
    }


def _manual_use(session: Session, contract_id: int, start: date, end: date) -> Decimal:
    """Volume of the right used by manual deliveries in [start, end): what was billed, or what
    was reported while it awaits confirmation or a decision (as the manual route counts it)."""
    used = session.scalar(
        select(
            func.coalesce(func.sum(func.coalesce(Delivery.billed_volume_m3, Delivery.volume_m3)), 0)
        ).where(Delivery.contract_id == contract_id, Delivery.day >= start, Delivery.day < end)
    )
    return Decimal(int(used or 0))


def _same(row: MeteredDay, day: ContractDay) -> bool:
    return (row.metered_m3, row.within_right_m3, row.over_cap_m3, row.over_right_m3) == (
        day.metered_m3,
        day.within_right_m3,
        day.over_cap_m3,
        day.over_right_m3,
    )


@cache
def region_billing(region_code: str) -> MeteredBilling:
    """The region's over-draw rule and billing delay (read once per process)."""
    return load_metered_billing(region_code)


def month_after(month: date) -> date:
    """The first day of the next month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def bill_metered_contracts(session: Session, now: datetime) -> int:
    """The scheduler's job: post every metered contract's monthly bills that are due (a month
    is due `bill_after_days` after it ends, in the region's time zone); how many were posted.

    A month inside the contract's term is billed even when it comes to nothing (the bill says
    so); a month after the term only when it adjusts earlier days.
    """
    contract_ids = session.scalars(select(MeteredDay.contract_id).distinct()).all()
    posted = 0
    for contract_id in sorted(contract_ids):
        contract = get_or_404(session, Contract, contract_id, "contract_id")
        region = get_or_404(session, Region, contract.region_id, "region_id")
        billing = region_billing(region.code)
        due_before = region_today(region, now) - timedelta(days=billing.bill_after_days)
        last = session.scalar(
            select(func.max(MonthlyBill.month)).where(MonthlyBill.contract_id == contract.id)
        )
        if last is None:
            first_day = session.scalar(
                select(func.min(MeteredDay.day)).where(MeteredDay.contract_id == contract.id)
            )
            assert first_day is not None  # the contract was listed for its metered days
            month = first_day.replace(day=1)
        else:
            month = month_after(last)
        if month_after(month) <= due_before:  # something is due: hold off new metered days
            contract = lock_or_404(session, Contract, contract_id, "contract_id")
        while month_after(month) <= due_before:
            if post_monthly_bill(session, contract, region, billing, month, now) is not None:
                posted += 1
            month = month_after(month)
    return posted


def post_monthly_bill(
    session: Session,
    contract: Contract,
    region: Region,
    billing: MeteredBilling,
    month: date,
    now: datetime,
) -> MonthlyBill | None:
    """Bill ``month`` of a metered contract: its days, and adjustments of earlier days billed
    otherwise than their metered figures now say; the bill's total is one ledger transaction,
    split like any bill (exchange fee, treatment feedback, the seller the rest)."""
    end = month_after(month)
    days = [
        ContractDay(
            row.day,
            row.metered_m3,
            row.daily_cap_m3,
            row.within_right_m3,
            row.over_cap_m3,
            row.over_right_m3,
        )
        for row in session.scalars(
            select(MeteredDay).where(MeteredDay.contract_id == contract.id, MeteredDay.day < end)
        )
    ]
    owed = charges(days, contract.price_yuan_per_m3, billing.over_draw)
    lines = bill_lines(
        month,
        end,
        owed,
        billed_charges(session, contract.id),
        contract.price_yuan_per_m3,
        billing.over_draw,
    )
    if not lines and month >= contract.term_end:
        return None
    amount = sum((line.amount_yuan for line in lines), Decimal(0))
    split = split_amount(amount, region.exchange_fee_rate, region.treatment_feedback_share)
    txn_id = None
    if amount:
        txn_id = append_to_ledger(
            session,
            settlement_postings(split, contract.buyer_id, contract.seller_id, region.id),
            f"contract {contract.id} metered bill {month:%Y-%m}",
            now,
        )
    bill = MonthlyBill(
        contract_id=contract.id,
        month=month,
        buyer_id=contract.buyer_id,
        seller_id=contract.seller_id,
        amount_yuan=split.amount,
        exchange_fee_yuan=split.exchange_fee,
        treatment_feedback_yuan=split.treatment_feedback,
        seller_net_yuan=split.seller_net,
        ledger_txn_id=txn_id,
        created_at=now,
    )
    session.add(bill)
    session.flush()
    session.add_all(
        MonthlyBillLine(
            bill_id=bill.id,
            day=line.day,
            kind=line.kind.value,
            volume_m3=line.volume_m3,
            price_yuan_per_m3=line.price_yuan_per_m3,
            amount_yuan=line.amount_yuan,
            adjustment=line.adjustment,
        )
        for line in lines
    )
    session.flush()
    return bill


def billed_charges(session: Session, contract_id: int) -> dict[Charged, Charge]:
    """What the contract's bills have charged so far for each day and kind (lines summed)."""
    rows = session.execute(
        select(MonthlyBillLine.day, MonthlyBillLine.kind, MonthlyBillLine.volume_m3)
        .add_columns(MonthlyBillLine.amount_yuan)
        .join(MonthlyBill, MonthlyBill.id == MonthlyBillLine.bill_id)
        .where(MonthlyBill.contract_id == contract_id)
    )
    billed: dict[Charged, Charge] = {}
    for day, kind, volume, amount in rows:
        key = (day, LineKind(kind))
        before = billed.get(key, Charge(Decimal(0), Decimal(0)))
        billed[key] = Charge(before.volume_m3 + volume, before.amount_yuan + amount)
    return billed


@dataclass(frozen=True)
class DailyVolume:
    """A contract's day as delivered: metered, or entered by hand (a contract without a meter)."""

    day: date
    source: VolumeSource
    volume_m3: Decimal
    daily_cap_m3: int
    within_right_m3: Decimal
    over_cap_m3: Decimal
    over_right_m3: Decimal
    estimated: bool


@dataclass(frozen=True)
class ContractUse:
    """A contract year's days and its use against the right."""

    contract: Contract
    year_start: date
    year_end: date
    days: list[DailyVolume]

    @property
    def used_m3(self) -> Decimal:
        """Volume delivered within the right in the year."""
        return sum((day.within_right_m3 for day in self.days), Decimal(0))

    @property
    def over_draw_m3(self) -> Decimal:
        """Volume above the daily cap or beyond the right in the year."""
        return sum((day.over_cap_m3 + day.over_right_m3 for day in self.days), Decimal(0))


def contract_use(
    session: Session, actor: Actor, contract_id: int, day: date | None, now: datetime
) -> ContractUse:
    """The days of the contract year holding ``day`` (default: the region's today, clamped to
    the term): metered days and manual deliveries (a rejected one delivered nothing), and the
    year's use against the right; for whoever may see the contract."""
    contract = visible_contract(session, actor, contract_id)
    region = get_or_404(session, Region, contract.region_id, "region_id")
    asked = day or region_today(region, now)
    asked = min(max(asked, contract.term_start), contract.term_end - timedelta(days=1))
    year_start, year_end = contract_year_bounds(contract.term_start, asked)
    in_year = (MeteredDay.day >= year_start) & (MeteredDay.day < year_end)
    metered = [
        DailyVolume(
            row.day,
            VolumeSource.METER,
            row.metered_m3,
            row.daily_cap_m3,
            row.within_right_m3,
            row.over_cap_m3,
            row.over_right_m3,
            row.estimated,
        )
        for row in session.scalars(
            select(MeteredDay).where(MeteredDay.contract_id == contract.id, in_year)
        )
    ]
    manual = [
        DailyVolume(
            row.day,
            VolumeSource.MANUAL,
            Decimal(volume),
            contract.daily_max_m3,
            Decimal(volume),
            Decimal(0),
            Decimal(0),
            False,
        )
        for row in session.scalars(
            select(Delivery).where(
                Delivery.contract_id == contract.id,
                Delivery.day >= year_start,
                Delivery.day < year_end,
            )
        )
        if (volume := row.billed_volume_m3 if row.billed_volume_m3 is not None else row.volume_m3)
    ]
    days = sorted([*metered, *manual], key=lambda d: (d.day, d.source.value))
    return ContractUse(contract, year_start, year_end, days)
