"""Publicity (公示): objections to deals, their resolution, the end of publicity and lapsing.

During a deal's publicity period any registered party, or anyone from the public with a contact,
files an objection with its grounds. An open objection blocks approval until the regulator
dismisses or upholds it with a written reason; the grounds and the reason are published, the
objector and the contact are not. A deal still undecided when it reaches `lapses_at` lapses and
its volume returns to the seller's right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.rules import UNDECIDED_DEAL_STATES, DealState, ObjectionState, Role
from reclaim.store.exchange import release_reservation, span_of, visible_deal
from reclaim.store.models import Deal, Objection
from reclaim.store.registry import Actor, lock_or_404, require_role

UNDECIDED = [state.value for state in UNDECIDED_DEAL_STATES]


@dataclass(frozen=True)
class ObjectionSpec:
    """An objection: its grounds and either the registered filer or the public's contact."""

    deal_id: int
    grounds: str
    filed_by_id: int | None = None
    contact: str | None = None


def file_objection(session: Session, spec: ObjectionSpec, now: datetime) -> Objection:
    """File an objection to a deal, only while its publicity runs (the deal row is locked)."""
    deal = session.get(Deal, spec.deal_id, with_for_update=True, populate_existing=True)
    if deal is None:
        raise NotFoundError("deal_id", spec.deal_id)
    if deal.state != DealState.PUBLICITY.value or now >= deal.publicity_ends_at:
        raise ConflictError(
            "deal_id",
            spec.deal_id,
            f"the deal is {deal.state}, its publicity ran until "
            f"{deal.publicity_ends_at.isoformat()}; objections are filed during publicity",
            ErrorCode.WRONG_STATE,
        )
    if not spec.grounds.strip():
        raise InputError("grounds", spec.grounds, "the grounds of the objection, in words")
    objection = Objection(
        deal_id=deal.id,
        filed_by_id=spec.filed_by_id,
        contact=spec.contact,
        grounds=spec.grounds,
        state=ObjectionState.OPEN.value,
        filed_at=now,
    )
    session.add(objection)
    session.flush()
    return objection


def file_party_objection(
    session: Session, actor: Actor, deal_id: int, grounds: str, now: datetime
) -> Objection:
    """A registered party objects; the regulator, who decides, rejects instead of objecting."""
    if actor.role is Role.REGULATOR:
        raise ForbiddenError(
            "role",
            actor.role.value,
            "the regulator decides the deal; it rejects, not objects",
            ErrorCode.ROLE_NOT_ALLOWED,
        )
    return file_objection(session, ObjectionSpec(deal_id, grounds, filed_by_id=actor.id), now)


def resolve_objection(
    session: Session,
    actor: Actor,
    objection_id: int,
    outcome: ObjectionState,
    reason: str,
    now: datetime,
) -> Objection:
    """The regulator dismisses or upholds an open objection with a public reason.

    Upholding it rejects the deal (if still undecided) and frees its volume.
    """
    require_role(actor, Role.REGULATOR)
    if outcome is ObjectionState.OPEN:
        raise InputError("outcome", outcome.value, "dismissed or upheld")
    if not reason.strip():
        raise InputError("reason", reason, "the written reason of the resolution")
    found = session.get(Objection, objection_id)
    if found is None:
        raise NotFoundError("objection_id", objection_id)
    visible_deal(session, actor, found.deal_id)  # the regulator of the deal's region
    deal = lock_or_404(session, Deal, found.deal_id, "deal_id")
    objection = lock_or_404(session, Objection, objection_id, "objection_id")
    if objection.state != ObjectionState.OPEN.value:
        raise ConflictError(
            "objection_id",
            objection_id,
            f"the objection is {objection.state}",
            ErrorCode.WRONG_STATE,
        )
    objection.state = outcome.value
    objection.resolution = reason
    objection.resolved_by_id = actor.id
    objection.resolved_at = now
    if outcome is ObjectionState.UPHELD and DealState(deal.state) in UNDECIDED_DEAL_STATES:
        deal.state = DealState.REJECTED.value
        deal.decided_by_id = actor.id
        deal.decided_at = now
        deal.decision_reason = f"objection {objection.id} upheld: {reason}"
        release_reservation(session, deal.right_id, span_of(deal))
    session.flush()
    return objection


def end_publicity(session: Session, now: datetime) -> int:
    """Deals whose publicity has ended await the regulator's decision; how many moved."""
    moved = session.execute(
        update(Deal)
        .where(Deal.state == DealState.PUBLICITY.value, Deal.publicity_ends_at <= now)
        .values(state=DealState.PENDING_DECISION.value)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(moved, CursorResult)
    return moved.rowcount


def lapse_deals(session: Session, now: datetime) -> int:
    """Undecided deals past `lapses_at` lapse and release their volume; how many lapsed.

    Each deal moves with a conditional UPDATE, so a deal decided meanwhile, or lapsed by
    another worker, is left alone: running this twice lapses nothing twice.
    """
    due = session.scalars(
        select(Deal.id).where(Deal.state.in_(UNDECIDED), Deal.lapses_at <= now).order_by(Deal.id)
    ).all()
    lapsed = 0
    for deal_id in due:
        moved = session.execute(
            update(Deal)
            .where(Deal.id == deal_id, Deal.state.in_(UNDECIDED))
            .values(state=DealState.LAPSED.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(moved, CursorResult)
        if moved.rowcount == 1:
            deal = session.get(Deal, deal_id, populate_existing=True)
            assert deal is not None
            release_reservation(session, deal.right_id, span_of(deal))
            lapsed += 1
    return lapsed
