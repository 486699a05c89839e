"""The pure exchange rules, checked against figures computed by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError
from reclaim.market.invariants import (
    DealSnapshot,
    ListingSnapshot,
    PlantSnapshot,
    RightSnapshot,
    invariant_violations,
)
from reclaim.market.ledger import (
    GENESIS_HASH,
    EntryFields,
    entry_hash,
    settle,
    settlement_postings,
    verify_chain,
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


def test_the_audit_catches_each_broken_invariant() -> None:
    plant = PlantSnapshot(1, 1_000, 10, 1_000, 10)
    right = RightSnapshot(1, 1, None, 1_000, 10, 600, 6, 0, 0)
    sold = DealSnapshot(1, 1, 1, "contracted", 400, 4)
    listing = ListingSnapshot(1, 1, "sold", 400, 4, Decimal("2.70"))
    sound = invariant_violations(
        [plant], [right, child(400, 4)], [listing], [sold], [(1, Decimal("2.70"))]
    )
    assert sound == []
    over = PlantSnapshot(1, 900, 10, 1_000, 10)
    assert any(
        "over-committed" in p
        for p in invariant_violations(
            [over], [right, child(400, 4)], [listing], [sold], [(1, Decimal("2.70"))]
        )
    )
    twice = DealSnapshot(2, 1, 1, "contracted", 400, 4)
    problems = invariant_violations(
        [plant], [right, child(400, 4)], [listing], [sold, twice], [(1, Decimal("2.70"))]
    )
    assert any("2 deals" in p for p in problems) and any("sold twice" in p for p in problems)
    stale = invariant_violations(
        [plant], [right, child(400, 4)], [listing], [sold], [(1, Decimal("2.90"))]
    )
    assert any("best bid" in p for p in stale)


def child(annual: int, daily: int) -> RightSnapshot:
    """The buyer's right created by a contract on right 1."""
    return RightSnapshot(2, 1, 1, annual, daily, annual, daily, 0, 0)
