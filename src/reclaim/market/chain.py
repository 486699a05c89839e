"""Hash chains: each record's hash covers its canonical text and the hash of the record before,
so a rewritten, removed or reordered record shows. The settlement ledger and the action log are
both chained by this one rule and checked by this one verifier."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS_HASH = "0" * 64
"""The `prev_hash` of a chain's first record."""


def link_hash(parts: Sequence[str], prev_hash: str) -> str:
    """SHA-256 of the record's canonical parts and the previous hash, joined by "|"."""
    return hashlib.sha256("|".join([*parts, prev_hash]).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One stored record of a chain: its sequence number, canonical parts and the two hashes."""

    seq: int
    parts: Sequence[str]
    prev_hash: str
    stored_hash: str


def head_names_end(head: tuple[int, str] | None, last: tuple[int, str] | None) -> bool:
    """The stored head (last seq, last hash) names the chain's last record (seq 0: empty)."""
    if head is None:
        return False
    return head == last if last is not None else head[0] == 0


@dataclass(frozen=True)
class ChainBreak:
    """The first record whose stored hash or link does not match the recomputed chain."""

    seq: int
    reason: str


def verify_links(links: Iterable[Link]) -> ChainBreak | None:
    """Recompute a chain over its records in sequence order (1, 2, …); None if it is intact."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            return ChainBreak(link.seq, f"sequence gap: expected entry {expected_seq}")
        if link.prev_hash != expected_prev:
            return ChainBreak(link.seq, "prev_hash does not match the previous entry's hash")
        if link_hash(link.parts, link.prev_hash) != link.stored_hash:
            return ChainBreak(link.seq, "stored hash does not match the entry's contents")
        expected_prev = link.stored_hash
        expected_seq += 1
    return None
