"""Read the whole exchange back from the database and check its invariants and its ledger."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.market.invariants import (
    DealSnapshot,
    ListingSnapshot,
    PlantSnapshot,
    RightSnapshot,
    invariant_violations,
)
from reclaim.store.exchange import periods_of, span_of
from reclaim.store.models import Bid, Deal, Listing, Plant, Right
from reclaim.store.settlement import verify_ledger


def audit(session: Session) -> list[str]:
    """Every broken invariant of the stored exchange, ledger included; empty when all hold."""
    plants = [
        PlantSnapshot(p.id, p.deliverable_annual_m3, p.deliverable_daily_m3)
        for p in session.scalars(select(Plant))
    ]
    rights = [
        RightSnapshot(
            r.id,
            r.plant_id,
            r.parent_id,
            r.term_start,
            r.term_end,
            r.original_annual_m3,
            r.original_daily_m3,
            tuple(periods_of(r)),
        )
        for r in session.scalars(select(Right))
    ]
    listings = [
        ListingSnapshot(x.id, x.right_id, x.state, span_of(x), x.best_bid_yuan_per_m3)
        for x in session.scalars(select(Listing))
    ]
    deals = [
        DealSnapshot(d.id, d.listing_id, d.right_id, d.state, span_of(d))
        for d in session.scalars(select(Deal))
    ]
    bids = [(b.listing_id, b.price_yuan_per_m3) for b in session.scalars(select(Bid))]
    problems = invariant_violations(plants, rights, listings, deals, bids)
    ledger = verify_ledger(session)
    if ledger.chain_break is not None:
        problems.append(
            f"ledger entry {ledger.chain_break.seq} breaks the chain: {ledger.chain_break.reason}"
        )
    problems += [f"ledger transaction {txn} does not balance" for txn in ledger.unbalanced_txns]
    if not ledger.head_matches:
        problems.append("ledger head does not name the last entry")
    return problems
