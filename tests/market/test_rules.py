"""The pure exchange rules, checked against figures computed by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reclaim.errors import InputError
from reclaim.market.chain import GENESIS_HASH
from reclaim.market.errors import ConflictError, ForbiddenError
from reclaim.market.invariants import (
    DealSnapshot,
    ListingSnapshot,
    PlantSnapshot,
    RightSnapshot,
    invariant_violations,
)
from reclaim.market.ledger import (
    EntryFields,
    entry_hash,
    settle,
    settlement_postings,
    verify_chain,
)
from reclaim.market.periods import (
    Period,
    Slice,
    check_capacity,
    check_sale_years,
    peak_load,
    period_on,
    release,
    reserve,
    transfer,
    whole_term,
    year_boundaries,
)
from reclaim.market.prices import Trade, price_index
from reclaim.market.rules import (
    BidView,
    ListingMode,
    check_bid,
    contract_year_bounds,
    deliverable_capacity,
    term_years,
    winning_bid,
)

T0 = datetime(2021, 8, 10, tzinfo=UTC)


def test_reuse_cap_binds_before_reclamation_capacity() -> None:
    # seed 001 §4.3.1: planned No. 3 plant, sewage 5 万 m³/d, reclaimed 4 万 m³/d; cap 0.8 × 5 = 4
    capacity = deliverable_capacity(50_000, 40_000, Decimal("0.8"))
    assert capacity.deliverable_daily_m3 == 40_000
    # a plant whose reclamation exceeds the cap is held to 0.8 × sewage treated (GB 50335)
    capped = deliverable_capacity(10_000, 9_500, Decimal("0.8"))
    assert capped.deliverable_daily_m3 == 8_000
    assert capped.deliverable_annual_m3 == 8_000 * 365


def test_bids_highest_wins_ties_by_time() -> None:
    bids = [
        BidView(1, 10, Decimal("2.70"), T0 + timedelta(minutes=2)),
        BidView(2, 11, Decimal("2.90"), T0 + timedelta(minutes=3)),
        BidView(3, 12, Decimal("2.90"), T0 + timedelta(minutes=1)),
    ]
    winner = winning_bid(bids)
    assert winner is not None and winner.id == 3
    assert winning_bid([]) is None


def bid(**changes: object) -> None:
    arguments: dict[str, object] = {
        "mode": ListingMode.ASCENDING,
        "seller_id": 1,
        "bidder_id": 2,
        "reserve_yuan_per_m3": Decimal("2.60"),
        "price_yuan_per_m3": Decimal("2.70"),
        "best_so_far": Decimal("2.65"),
        "closes_at": T0 + timedelta(days=1),
        "now": T0,
    }
    arguments.update(changes)
    check_bid(**arguments)  # type: ignore[arg-type]


def test_bid_rules() -> None:
    bid()
    with pytest.raises(ForbiddenError):
        bid(bidder_id=1)
    with pytest.raises(InputError, match="reserve"):
        bid(price_yuan_per_m3=Decimal("2.59"), best_so_far=None)
    with pytest.raises(ConflictError, match="best bid"):
        bid(price_yuan_per_m3=Decimal("2.65"))
    bid(mode=ListingMode.SEALED, price_yuan_per_m3=Decimal("2.60"))  # sealed: no need to beat
    with pytest.raises(ConflictError, match="closed"):
        bid(now=T0 + timedelta(days=1))
    with pytest.raises(InputError, match="fen"):
        bid(price_yuan_per_m3=Decimal("2.705"))


def test_settlement_splits_exactly() -> None:
    # 2000 m³ (seed 000, Hongyuan's daily delivery) at the Shuozhou 2.6 元/m³ (seed 001 §5.4)
    split = settle(2000, Decimal("2.6"), Decimal("0.005"), Decimal("0.10"))
    assert split.amount == Decimal("5200.00")
    assert split.exchange_fee == Decimal("26.00")
    assert split.treatment_feedback == Decimal("520.00")
    assert split.seller_net == Decimal("4654.00")
    postings = settlement_postings(split, buyer_id=7, seller_id=3, region_id=1)
    assert sum(amount for _, amount in postings) == 0


@given(
    volume=st.integers(1, 10**7),
    fen=st.integers(1, 10_000),
    fee=st.integers(0, 500),
    feedback=st.integers(0, 4_000),
)
def test_settlement_always_balances(volume: int, fen: int, fee: int, feedback: int) -> None:
    split = settle(volume, Decimal(fen) / 100, Decimal(fee) / 10_000, Decimal(feedback) / 10_000)
    assert split.exchange_fee + split.treatment_feedback + split.seller_net == split.amount
    assert split.amount == Decimal(volume * fen) / 100
    assert sum(a for _, a in settlement_postings(split, 1, 2, 3)) == 0


def chain(amounts: list[str]) -> list[tuple[EntryFields, str]]:
    entries, previous = [], GENESIS_HASH
    for seq, amount in enumerate(amounts, start=1):
        fields = EntryFields(seq, "t", "a", Decimal(amount), "m", T0, previous)
        previous = entry_hash(fields)
        entries.append((fields, previous))
    return entries


def test_chain_names_first_rewritten_entry() -> None:
    entries = chain(["1.00", "-1.00", "2.50", "-2.50"])
    assert verify_chain(entries) is None
    fields, digest = entries[2]
    entries[2] = (EntryFields(3, "t", "a", Decimal("9.99"), "m", T0, fields.prev_hash), digest)
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 3


def test_price_index_is_volume_weighted() -> None:
    trades = [
        Trade(date(2021, 8, 20), 1_000, Decimal("2.00")),
        Trade(date(2021, 8, 21), 3_000, Decimal("3.00")),
        Trade(date(2021, 9, 1), 1_000, Decimal("3.30")),
    ]
    august, september = price_index(trades)
    assert august.mean_price_yuan_per_m3 == Decimal("2.75")  # (2000 + 9000) / 4000
    assert august.index == 100
    assert september.index == Decimal("120.00")  # 3.30 / 2.75


def test_contract_years_and_term() -> None:
    assert contract_year_bounds(date(2021, 8, 15), date(2022, 8, 14)) == (
        date(2021, 8, 15),
        date(2022, 8, 15),
    )
    assert contract_year_bounds(date(2020, 2, 29), date(2021, 3, 1)) == (
        date(2021, 2, 28),
        date(2022, 2, 28),
    )
    assert term_years(date(2021, 8, 15), date(2026, 8, 15)) == Decimal("5.00")  # 1826 d / 365


Y2025, Y2026, Y2027 = date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1)


def right_snapshot(
    right_id: int, parent: int | None, start: date, end: date, periods: list[Period]
) -> RightSnapshot:
    """A right issued (or bought) with 1 000 m³/yr, 10 m³/d over [start, end)."""
    return RightSnapshot(right_id, 1, parent, start, end, 1_000, 10, tuple(periods))


def test_the_audit_catches_each_broken_invariant() -> None:
    # 1 000 m³/yr, 10 m³/d for 2025–2026; 400 m³/yr, 4 m³/d of 2025 alone sold to right 2:
    # the seller holds 600 in 2025 and still 1 000 in 2026; the buyer 400 in 2025.
    plant = PlantSnapshot(1, 1_000, 10)
    seller = right_snapshot(
        1, None, Y2025, Y2027, [Period(Y2025, Y2026, 600, 6), Period(Y2026, Y2027, 1_000, 10)]
    )
    buyer = RightSnapshot(2, 1, 1, Y2025, Y2026, 400, 4, (Period(Y2025, Y2026, 400, 4),))
    sale = Slice(Y2025, Y2026, 400, 4)
    sold = DealSnapshot(1, 1, 1, "contracted", sale)
    listing = ListingSnapshot(1, 1, "sold", sale, Decimal("2.70"))
    bids = [(1, Decimal("2.70"))]
    assert invariant_violations([plant], [seller, buyer], [listing], [sold], bids) == []

    # the defect of issue 8: the seller's 2026 lost with the sale → 400 m³/yr of 2026 gone
    lossy = right_snapshot(1, None, Y2025, Y2027, [Period(Y2025, Y2027, 600, 6)])
    problems = invariant_violations([plant], [lossy, buyer], [listing], [sold], bids)
    assert any("2026-01-01–2027-01-01: holds 600 + sold 0" in p for p in problems)
    assert any("plant 1 in 2026-01-01–2027-01-01: rights hold 600" in p for p in problems)

    # 900 m³/yr deliverable < 1 000 issued in each year
    over = PlantSnapshot(1, 900, 10)
    problems = invariant_violations([over], [seller, buyer], [listing], [sold], bids)
    assert any("over-committed in 2025-01-01–2026-01-01" in p for p in problems)
    assert any("over-committed in 2026-01-01–2027-01-01" in p for p in problems)

    twice = DealSnapshot(2, 1, 1, "contracted", sale)
    problems = invariant_violations([plant], [seller, buyer], [listing], [sold, twice], bids)
    assert any("2 deals" in p for p in problems) and any("sold twice" in p for p in problems)
    stale = invariant_violations(
        [plant], [seller, buyer], [listing], [sold], [(1, Decimal("2.90"))]
    )
    assert any("best bid" in p for p in stale)

    # an open listing of 2026 must be reserved in 2026 only
    open_2026 = ListingSnapshot(2, 1, "open", Slice(Y2026, Y2027, 300, 3))
    reserved_all = right_snapshot(
        1,
        None,
        Y2025,
        Y2027,
        [Period(Y2025, Y2026, 600, 6, 300, 3), Period(Y2026, Y2027, 1_000, 10, 300, 3)],
    )
    problems = invariant_violations(
        [plant], [reserved_all, buyer], [listing, open_2026], [sold], bids
    )
    assert problems == [
        "right 1 in 2025-01-01–2026-01-01: reservations differ from open listings/deals"
    ]

    gap = right_snapshot(1, None, Y2025, Y2027, [Period(Y2025, Y2026, 600, 6)])
    problems = invariant_violations([plant], [gap, buyer], [listing], [sold], bids)
    assert "right 1: periods do not span its term" in problems


def test_a_sale_of_one_year_splits_the_right_and_conserves_every_year() -> None:
    # 1 000 m³/yr, 10 m³/d, 2025-03-01 → 2030-03-01 (contract years from 1 March); 500 m³/yr,
    # 5 m³/d of the year 2026-03-01 → 2027-03-01 listed, then sold
    start, end = date(2025, 3, 1), date(2030, 3, 1)
    whole = whole_term(start, end, 1_000, 10)
    sale = Slice(date(2026, 3, 1), date(2027, 3, 1), 500, 5)
    reserved = reserve(whole, sale)
    assert reserved == [
        Period(start, date(2026, 3, 1), 1_000, 10),
        Period(date(2026, 3, 1), date(2027, 3, 1), 1_000, 10, 500, 5),
        Period(date(2027, 3, 1), end, 1_000, 10),
    ]
    assert release(reserved, sale) == whole  # withdrawn: one period again
    sold = transfer(reserved, sale)
    assert [(p.starts_on.year, p.annual_m3, p.daily_m3) for p in sold] == [
        (2025, 1_000, 10),
        (2026, 500, 5),  # 1 000 − 500, 10 − 5
        (2027, 1_000, 10),
    ]
    assert period_on(sold, date(2026, 12, 31)) == sold[1]
    with pytest.raises(ConflictError) as refused:
        reserve(sold, Slice(date(2026, 3, 1), date(2028, 3, 1), 600, 1))
    # 2026 holds 500 free, less than the 600 asked for
    assert refused.value.field == "annual_volume_m3"
    assert "500 m³/yr free in 2026-03-01–2027-03-01" in refused.value.reason


def test_a_sale_covers_whole_contract_years_not_yet_begun() -> None:
    start, end = date(2021, 8, 15), date(2026, 8, 15)
    today = date(2022, 1, 17)
    check_sale_years(start, end, date(2022, 8, 15), date(2023, 8, 15), today)
    check_sale_years(start, end, date(2022, 8, 15), end, today)
    with pytest.raises(InputError) as refused:
        check_sale_years(start, end, date(2023, 1, 1), end, today)
    assert refused.value.field == "term_start"
    assert "2022-08-15 or 2023-08-15" in refused.value.allowed
    with pytest.raises(InputError) as refused:
        check_sale_years(start, end, date(2022, 8, 15), date(2024, 8, 1), today)
    assert refused.value.field == "term_end"
    with pytest.raises(InputError) as refused:  # the year under way began 2021-08-15
        check_sale_years(start, end, start, end, today)
    assert refused.value.field == "term_start" and "not yet begun" in refused.value.allowed
    # a term of 400 days: one whole year and a short last one ending with the right
    assert year_boundaries(date(2025, 1, 1), date(2026, 2, 5)) == [
        date(2025, 1, 1),
        date(2026, 1, 1),
        date(2026, 2, 5),
    ]


def test_capacity_is_checked_on_every_day_and_expiry_frees_it() -> None:
    # a plant of 1 000 m³/yr, 10 m³/d: right A holds 800 in 2025, right B 300 from 2026 on
    held = [Period(Y2025, Y2026, 800, 8), Period(Y2026, Y2027, 300, 3)]
    # 200 more in 2025 fits (800 + 200 = 1 000); 700 more in 2026 fits (300 + 700)
    check_capacity(1, held, Slice(Y2025, Y2026, 200, 2), 1_000, 10)
    check_capacity(1, held, Slice(Y2026, Y2027, 700, 7), 1_000, 10)
    # 201 over both years: 2025 binds (800 + 201 > 1 000)
    with pytest.raises(ConflictError) as refused:
        check_capacity(1, held, Slice(Y2025, Y2027, 201, 1), 1_000, 10)
    assert (
        refused.value.reason == "plant 1 can deliver only 200 more m³/yr in 2025-01-01–2026-01-01"
    )
    assert peak_load(held, Y2026, Y2027).annual_m3 == 300  # right A expired: not counted
    with pytest.raises(ConflictError) as refused:  # an empty plant: 1 001 > 1 000 on every day
        check_capacity(1, [], Slice(Y2025, Y2027, 1_001, 1), 1_000, 10)
    assert refused.value.reason.endswith("only 1000 more m³/yr in 2025-01-01–2027-01-01")
