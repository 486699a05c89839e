"""Settlement as double-entry postings in exact decimals, chained by SHA-256 so rewrites show.

Sign convention: a posting's amount is what it adds to the account's balance, so the postings of
one transaction sum to zero (the buyer's −A equals the seller's, the exchange's and the treatment
fund's shares together).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from reclaim.market.chain import ChainBreak, Link, link_hash, verify_links
from reclaim.market.prices import FEN

EXCHANGE_FEES_ACCOUNT = "exchange:fees"


def party_account(party_id: int) -> str:
    """Ledger account of a party (buyer or seller)."""
    return f"party:{party_id}"


def treatment_account(region_id: int) -> str:
    """Ledger account of a region's wastewater-treatment fund, fed back from each payment."""
    return f"treatment:region:{region_id}"


@dataclass(frozen=True)
class Settlement:
    """How one billed amount splits: exchange fee, share fed back to treatment, the rest."""

    amount: Decimal
    exchange_fee: Decimal
    treatment_feedback: Decimal
    seller_net: Decimal


def settle(
    volume_m3: int, price_yuan_per_m3: Decimal, fee_rate: Decimal, feedback_share: Decimal
) -> Settlement:
    """Bill a delivered volume: amount = volume × price, fee and feedback rounded to the fen.

    The seller receives the remainder, so the split always adds up exactly to the amount.
    """
    amount = (Decimal(volume_m3) * price_yuan_per_m3).quantize(FEN, ROUND_HALF_UP)
    return split_amount(amount, fee_rate, feedback_share)


def split_amount(amount: Decimal, fee_rate: Decimal, feedback_share: Decimal) -> Settlement:
    """Split a billed amount (a negative one refunds): fee and feedback rounded to the fen, the
    seller the remainder, so the parts add up exactly to the amount."""
    fee = (amount * fee_rate).quantize(FEN, ROUND_HALF_UP)
    feedback = (amount * feedback_share).quantize(FEN, ROUND_HALF_UP)
    return Settlement(amount, fee, feedback, amount - fee - feedback)


def settlement_postings(
    settlement: Settlement, buyer_id: int, seller_id: int, region_id: int
) -> list[tuple[str, Decimal]]:
    """The balanced postings of a settlement: buyer pays, seller, exchange and treatment receive."""
    postings = [
        (party_account(buyer_id), -settlement.amount),
        (party_account(seller_id), settlement.seller_net),
        (EXCHANGE_FEES_ACCOUNT, settlement.exchange_fee),
        (treatment_account(region_id), settlement.treatment_feedback),
    ]
    return [(account, amount) for account, amount in postings if amount != 0]


@dataclass(frozen=True)
class EntryFields:
    """The fields of a ledger entry that its hash covers."""

    seq: int
    txn_id: str
    account: str
    amount: Decimal
    memo: str
    created_at: datetime
    prev_hash: str


def canonical_amount(amount: Decimal) -> str:
    """One spelling per amount, whatever the database returns (12.3, 12.30, 12.3000 → 12.30)."""
    return f"{amount.quantize(FEN, ROUND_HALF_UP):f}"


def entry_parts(fields: EntryFields) -> list[str]:
    """The entry's canonical text, field by field (the previous hash is linked by the chain)."""
    return [
        str(fields.seq),
        fields.txn_id,
        fields.account,
        canonical_amount(fields.amount),
        fields.memo,
        fields.created_at.isoformat(timespec="microseconds"),
    ]


def entry_hash(fields: EntryFields) -> str:
    """SHA-256 of the entry's canonical text, which includes the previous entry's hash."""
    return link_hash(entry_parts(fields), fields.prev_hash)


def verify_chain(entries: Iterable[tuple[EntryFields, str]]) -> ChainBreak | None:
    """Recompute the chain over (fields, stored hash) in sequence order; None if it is intact."""
    return verify_links(
        Link(fields.seq, entry_parts(fields), fields.prev_hash, stored)
        for fields, stored in entries
    )


def unbalanced_transactions(postings: Sequence[tuple[str, Decimal]]) -> list[str]:
    """Transactions (by id) whose postings do not sum to zero; empty when the books balance."""
    totals: dict[str, Decimal] = {}
    for txn_id, amount in postings:
        totals[txn_id] = totals.get(txn_id, Decimal(0)) + amount
    return sorted(txn for txn, total in totals.items() if total != 0)
