"""The action log: who did what to which record, in the same transaction as the action.

Every state-changing request writes exactly one entry: actor, role, region, action, target
(kind and id), the target before and after (JSON without secrets), reason, request id, time.
Entries are chained by hash with the ledger's rule (`reclaim.market.chain`); appending locks the
single head row, so concurrent writers on PostgreSQL queue there and the chain never forks.
Because the entry is written in the action's own transaction, an action that rolls back leaves
no entry, and an entry that cannot be written rolls the action back.

Routes call `reclaim.service.actions.record_action` (which adds the request id) as the LAST
step of their store work, after every other row lock, so the head is held only until commit.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from reclaim.market.chain import ChainBreak, Link, head_names_end, link_hash, verify_links
from reclaim.store.models import (
    ActionLog,
    ActionLogHead,
    ActionLogParty,
    Base,
    Bid,
    Bill,
    Contract,
    Deal,
    Delivery,
    Listing,
    Objection,
    Region,
    Right,
    RightPeriod,
)
from reclaim.store.registry import Actor, lock_or_404

ACTION_LOG_HEAD_ID = 1
PUBLIC_ROLE = "public"
"""The role written for an action of someone without an account (a public objection)."""
SYSTEM_ROLE = "system"
"""The role written for the service's own timed work (a scheduler job that changed something)."""
DEVICE_ROLE = "device"
"""The role written for readings sent by a field device with its own token."""
SECRET_WORDS = ("password", "secret", "token", "reset_code")
SECRET_SUFFIXES = ("_hash", "_sha256")
"""Keys left out of before/after: password hashes, tokens and their digests, reset codes."""
PARTY_COLUMNS = (
    "account_id",
    "holder_id",
    "seller_id",
    "buyer_id",
    "counterparty_id",
    "bidder_id",
    "filed_by_id",
    "operator_id",
)
"""Columns naming the accounts whose own record a row is."""
PARENT: dict[type[Base], tuple[type[Base], str]] = {
    Delivery: (Contract, "contract_id"),
    Bill: (Contract, "contract_id"),
    Listing: (Right, "right_id"),
    Bid: (Listing, "listing_id"),
    Objection: (Deal, "deal_id"),
    RightPeriod: (Right, "right_id"),
}
"""Where a row without a `region_id` of its own takes its region from."""
PARTIES_FROM_PARENT = frozenset({Delivery})
"""Rows whose parties are their parent's (a delivery is its contract's parties' record)."""


@dataclass(frozen=True)
class Target:
    """A target that is not one ORM row (several rows, a batch job): its kind and id."""

    kind: str
    id: str


def is_secret(key: str) -> bool:
    """A key whose value never enters the log."""
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS) or lowered.endswith(SECRET_SUFFIXES)


def jsonable(value: Any) -> Any:
    """A value as JSON: exact decimals as text, dates ISO, secrets left out of mappings."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def state_of(row: Base | None) -> dict[str, Any] | None:
    """A row's columns as JSON values (secrets left out): the `before` or `after` of a target."""
    if row is None:
        return None
    columns = inspect(type(row)).column_attrs
    state = jsonable({attr.key: getattr(row, attr.key) for attr in columns})
    assert isinstance(state, dict)
    return state


def _target_of(row: Base | Target) -> tuple[str, str]:
    if isinstance(row, Target):
        return row.kind, row.id
    identity = inspect(type(row)).primary_key_from_instance(row)
    return row.__tablename__, "/".join(str(part) for part in identity)


def _region_of(session: Session, row: Base | Target) -> int | None:
    """The region a row belongs to: its own `region_id`, a region itself, or its parent's."""
    if isinstance(row, Target):
        return None
    if isinstance(row, Region):
        return row.id
    if hasattr(row, "region_id"):
        region_id = row.region_id
        return region_id if isinstance(region_id, int) else None
    parent = PARENT.get(type(row))
    if parent is None:
        return None
    model, column = parent
    found = session.get(model, getattr(row, column))
    return None if found is None else _region_of(session, found)


def _parties_of(session: Session, row: Base | Target) -> set[int]:
    """The accounts whose own record the row is (an account is its own)."""
    if isinstance(row, Target):
        return set()
    if type(row).__tablename__ == "accounts":
        return {int(row.id)}  # type: ignore[attr-defined]
    parties = {getattr(row, c) for c in PARTY_COLUMNS if hasattr(row, c)}
    if type(row) in PARTIES_FROM_PARENT:
        model, column = PARENT[type(row)]
        parent = session.get(model, getattr(row, column))
        if parent is not None:
            parties |= _parties_of(session, parent)
    return {party for party in parties if isinstance(party, int)}


def _text(state: Mapping[str, Any] | None) -> str | None:
    if state is None:
        return None
    return json.dumps(jsonable(state), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_parts(entry: ActionLog) -> list[str]:
    """The entry's canonical text: its sequence number and one JSON document of every field."""
    fields = {
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "role": entry.role,
        "region_id": entry.region_id,
        "action": entry.action,
        "target_kind": entry.target_kind,
        "target_id": entry.target_id,
        "before": entry.before_json,
        "after": entry.after_json,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "parties": entry.parties_json,
        "created_at": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return [str(entry.seq), text]


INFERRED: Any = object()
"""Default of `after` and `region_id`: taken from the target row."""


def append_action(
    session: Session,
    actor: Actor | None,
    action: str,
    target: Base | Target,
    *,
    now: datetime,
    request_id: str | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = INFERRED,
    reason: str | None = None,
    region_id: int | None = INFERRED,
    parties: Collection[int] = (),
    role: str = PUBLIC_ROLE,
) -> ActionLog:
    """Append one entry for `action` on `target` (an ORM row, or a `Target`).

    `after` defaults to the target row's state now, `region_id` to the row's region (its own
    column, or its parent's); the parties who may read the entry are the target's own parties
    (sellers, buyers, holders, bidders, filers, the account itself), those given, and the actor.
    Without an actor (`None`), `role` names who acted: the public, or a field device (whose
    row is then the target). Locks the log's head row until the transaction ends: call it last.
    """
    session.flush()  # the target's id and columns as written
    kind, ident = _target_of(target)
    if after is INFERRED:
        after = None if isinstance(target, Target) else state_of(target)
    if region_id is INFERRED:
        region_id = _region_of(session, target)
    readers = set(parties) | _parties_of(session, target)
    if actor is not None:
        readers.add(actor.id)
    head = lock_or_404(session, ActionLogHead, ACTION_LOG_HEAD_ID, "action_log_head")
    entry = ActionLog(
        seq=head.last_seq + 1,
        actor_id=None if actor is None else actor.id,
        actor_username=None if actor is None else actor.username,
        role=role if actor is None else actor.role.value,
        region_id=region_id,
        action=action,
        target_kind=kind,
        target_id=ident,
        before_json=_text(before),
        after_json=_text(after),
        reason=reason,
        request_id=request_id,
        parties_json=json.dumps(sorted(readers)),
        created_at=now.astimezone(UTC),
        prev_hash=head.last_hash,
    )
    entry.hash = link_hash(entry_parts(entry), entry.prev_hash)
    session.add(entry)
    session.flush()
    session.add_all(ActionLogParty(seq=entry.seq, account_id=party) for party in sorted(readers))
    head.last_seq, head.last_hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ActionLogReport:
    """Result of checking the action log: entries, first chain break, head and party index."""

    entries: int
    chain_break: ChainBreak | None
    head_matches: bool
    parties_mismatch: int | None
    """The first entry whose party index disagrees with its hashed parties (None: all agree)."""

    @property
    def ok(self) -> bool:
        """True when the chain verifies, the head names its end and the party index agrees."""
        return self.chain_break is None and self.head_matches and self.parties_mismatch is None

    def problems(self) -> list[str]:
        """What is wrong, one line each (empty when `ok`)."""
        found = []
        if self.chain_break is not None:
            found.append(
                f"the action log is broken at entry {self.chain_break.seq}: "
                f"{self.chain_break.reason}"
            )
        if not self.head_matches:
            found.append("the action log's stored head is not its last entry")
        if self.parties_mismatch is not None:
            found.append(
                f"the action log's party index disagrees with entry {self.parties_mismatch}"
            )
        return found


def _first_party_mismatch(session: Session, entries: Iterable[ActionLog]) -> int | None:
    indexed: dict[int, list[int]] = {}
    query = select(ActionLogParty.seq, ActionLogParty.account_id).order_by(
        ActionLogParty.seq, ActionLogParty.account_id
    )
    for seq, account_id in session.execute(query):
        indexed.setdefault(seq, []).append(account_id)
    seen = set()
    for entry in entries:
        seen.add(entry.seq)
        if sorted(json.loads(entry.parties_json)) != indexed.get(entry.seq, []):
            return entry.seq
    stray = sorted(set(indexed) - seen)
    return stray[0] if stray else None


def verify_actions(session: Session) -> ActionLogReport:
    """Recompute every hash of the action log from the stored rows, in sequence order.

    Entries, head and party index are read by separate statements: run it in
    `Database.snapshot`, so that an action committed between them is not taken for a rewrite.
    """
    rows = session.scalars(select(ActionLog).order_by(ActionLog.seq)).all()
    chain_break = verify_links(Link(r.seq, entry_parts(r), r.prev_hash, r.hash) for r in rows)
    head = session.get(ActionLogHead, ACTION_LOG_HEAD_ID)
    return ActionLogReport(
        entries=len(rows),
        chain_break=chain_break,
        head_matches=head_names_end(
            None if head is None else (head.last_seq, head.last_hash),
            (rows[-1].seq, rows[-1].hash) if rows else None,
        ),
        parties_mismatch=_first_party_mismatch(session, rows),
    )
