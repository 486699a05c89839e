"""Metered contracts billed by the month, worked by hand: volume within the right, over-draw
above the daily cap and beyond the year's right, and adjustments for late readings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reclaim.errors import InputError
from reclaim.io.market_data import load_metered_billing
from reclaim.market.billing import (
    BillLine,
    LineKind,
    OverDrawRule,
    bill_lines,
    charges,
    metered_m3,
    split_contract_days,
)
from reclaim.market.ledger import split_amount

D = Decimal
TWICE = OverDrawRule(D(2), "test: twice the price", True)
PRICE = D("3.10")
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def jan(day: int) -> date:
    return date(2026, 1, day)


def test_days_split_by_daily_cap_then_by_the_years_right() -> None:
    # Cap 100 m³/d, right 250 m³/yr. 1 Jan 80: within. 2 Jan 130: 100 within, 30 over the cap.
    # 3 Jan 100: 70 left in the right (250 − 80 − 100), so 70 within, 30 beyond the right.
    # 4 Jan 50: nothing left, 50 beyond the right. 1 Jan 2027 starts a new contract year: within.
    volumes = {
        jan(1): D(80),
        jan(2): D(130),
        jan(3): D(100),
        jan(4): D(50),
        date(2027, 1, 1): D(80),
    }
    days = split_contract_days(volumes, JAN, daily_cap_m3=100, annual_volume_m3=250)
    assert [(d.within_right_m3, d.over_cap_m3, d.over_right_m3) for d in days] == [
        (D(80), D(0), D(0)),
        (D(100), D(30), D(0)),
        (D(70), D(0), D(30)),
        (D(0), D(0), D(50)),
        (D(80), D(0), D(0)),
    ]
    assert sum(d.within_right_m3 for d in days[:4]) == D(250)
    assert [d.over_draw_m3 for d in days] == [D(0), D(30), D(30), D(50), D(0)]


def test_manual_use_of_the_year_counts_before_the_metered_days() -> None:
    # 200 m³ of the 250 m³ right used by hand this contract year: 1 Jan's 80 m³ are 50 within
    # the right and 30 beyond it; the next contract year starts afresh.
    days = split_contract_days(
        {jan(1): D(80), date(2027, 1, 1): D(80)}, JAN, 100, 250, used_before={JAN: D(200)}
    )
    assert [(d.within_right_m3, d.over_right_m3) for d in days] == [
        (D(50), D(30)),
        (D(80), D(0)),
    ]


def test_a_negative_volume_is_refused_naming_the_day() -> None:
    with pytest.raises(InputError, match=r"volume_m3\[2026-01-01\]"):
        split_contract_days({jan(1): D(-1)}, JAN, 100, 250)


def test_january_bill_charges_each_day_over_draw_at_twice_the_price() -> None:
    days = split_contract_days({jan(1): D(80), jan(2): D(130), jan(3): D(100)}, JAN, 100, 250)
    owed = charges(days, PRICE, TWICE)
    lines = bill_lines(JAN, FEB, owed, {}, PRICE, TWICE)
    # 80 × 3.10 = 248.00; 100 × 3.10 = 310.00; 30 × 6.20 = 186.00; 70 × 3.10 = 217.00;
    # 30 × 6.20 = 186.00. Total 1147.00.
    assert [(line.day, line.kind, line.volume_m3, line.amount_yuan) for line in lines] == [
        (jan(1), LineKind.DELIVERED, D(80), D("248.00")),
        (jan(2), LineKind.DELIVERED, D(100), D("310.00")),
        (jan(2), LineKind.OVER_DRAW, D(30), D("186.00")),
        (jan(3), LineKind.DELIVERED, D(70), D("217.00")),
        (jan(3), LineKind.OVER_DRAW, D(30), D("186.00")),
    ]
    assert not any(line.adjustment for line in lines)
    assert sum(line.amount_yuan for line in lines) == D("1147.00")
    assert {line.price_yuan_per_m3 for line in lines if line.kind is LineKind.OVER_DRAW} == {
        D("6.20")
    }


def test_a_late_reading_adjusts_the_earlier_days_in_the_next_bill() -> None:
    before = split_contract_days({jan(1): D(80), jan(2): D(130), jan(3): D(100)}, JAN, 100, 250)
    billed = charges(before, PRICE, TWICE)
    # A late reading makes 1 Jan 90.5 m³: 3 Jan now has 250 − 90.5 − 100 = 59.5 within the
    # right and 40.5 beyond it. 1 Feb brings 10 m³ (but the right is spent: 10 over-draw).
    after = split_contract_days(
        {jan(1): D("90.5"), jan(2): D(130), jan(3): D(100), FEB: D(10)}, JAN, 100, 250
    )
    lines = bill_lines(FEB, MAR, charges(after, PRICE, TWICE), billed, PRICE, TWICE)
    # 1 Jan: 90.5 × 3.10 = 280.55, billed 248.00 → +10.5 m³, +32.55.
    # 3 Jan delivered: 59.5 × 3.10 = 184.45, billed 217.00 → −10.5 m³, −32.55.
    # 3 Jan over-draw: 40.5 × 6.20 = 251.10, billed 186.00 → +10.5 m³, +65.10.
    # 1 Feb over-draw: 10 × 6.20 = 62.00, a new charge.
    assert lines == [
        BillLine(jan(1), LineKind.DELIVERED, D("10.5"), PRICE, D("32.55"), True),
        BillLine(jan(3), LineKind.DELIVERED, D("-10.5"), PRICE, D("-32.55"), True),
        BillLine(jan(3), LineKind.OVER_DRAW, D("10.5"), D("6.20"), D("65.10"), True),
        BillLine(FEB, LineKind.OVER_DRAW, D(10), D("6.20"), D("62.00"), False),
    ]
    assert sum(line.amount_yuan for line in lines) == D("127.10")


def test_days_after_the_month_wait_and_unchanged_days_are_not_repeated() -> None:
    days = split_contract_days({jan(1): D(80), FEB: D(20)}, JAN, 100, 250)
    owed = charges(days, PRICE, TWICE)
    january = bill_lines(JAN, FEB, owed, {}, PRICE, TWICE)
    assert [line.day for line in january] == [jan(1)]
    billed = {(jan(1), LineKind.DELIVERED): owed[(jan(1), LineKind.DELIVERED)]}
    february = bill_lines(FEB, MAR, owed, billed, PRICE, TWICE)
    assert [(line.day, line.amount_yuan) for line in february] == [(FEB, D("62.00"))]


def test_a_refund_splits_as_the_exact_negative_of_a_charge() -> None:
    # 65.10 at a 0.5 % fee and a 10 % feedback share: fee 0.3255 → 0.33, feedback 6.51,
    # seller 65.10 − 0.33 − 6.51 = 58.26.
    charge = split_amount(D("65.10"), D("0.005"), D("0.10"))
    refund = split_amount(D("-65.10"), D("0.005"), D("0.10"))
    assert (charge.exchange_fee, charge.treatment_feedback, charge.seller_net) == (
        D("0.33"),
        D("6.51"),
        D("58.26"),
    )
    assert (refund.exchange_fee, refund.treatment_feedback, refund.seller_net) == (
        D("-0.33"),
        D("-6.51"),
        D("-58.26"),
    )


def test_metered_volume_is_kept_to_the_litre() -> None:
    assert metered_m3(479.99951) == D("480.000")
    assert metered_m3(12.3444) == D("12.344")


def test_the_shipped_over_draw_rule_is_explained_and_at_least_the_price() -> None:
    billing = load_metered_billing("shuozhou")
    assert billing.over_draw.price_multiple >= 1
    assert billing.over_draw.local_choice and "seed" in billing.over_draw.origin
    assert billing.bill_after_days >= 0
    with pytest.raises(InputError, match=r"over_draw\.price_multiple"):
        OverDrawRule(D("0.5"), "a discount", True)
