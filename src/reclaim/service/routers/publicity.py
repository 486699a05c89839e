"""Objections to deals in publicity (公示), and their resolution by the regulator."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.market.rules import ObjectionState, Role
from reclaim.service.actions import record_action, state_of
from reclaim.service.auth import CurrentActor, claim_or_refuse, client_address
from reclaim.service.context import app_context, context_of, dump, fingerprint
from reclaim.service.schemas import (
    THROTTLED,
    FiledObjectionOut,
    IdempotencyKey,
    ObjectionIn,
    ObjectionOut,
    PublicObjectionIn,
    ResolutionIn,
    RowId,
)
from reclaim.store.exchange import visible_deal
from reclaim.store.models import Objection
from reclaim.store.publicity import (
    ObjectionSpec,
    file_objection,
    file_party_objection,
    resolve_objection,
)
from reclaim.store.registry import require_role

router = APIRouter(tags=["publicity"])


@router.post("/deals/{deal_id}/objections", response_model=FiledObjectionOut, status_code=201)
def object_as_party(
    deal_id: RowId,
    payload: ObjectionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Object to a deal during its publicity, with grounds (any registered party)."""
    context = context_of(request)

    def work(session: Session, now: datetime) -> BaseModel:
        objection = file_party_objection(session, actor, deal_id, payload.grounds, now)
        record_action(session, actor, "objection.file", objection, now=now)
        return dump(FiledObjectionOut, objection)

    return context.write(actor, idempotency_key, fingerprint(request, payload), work)


@router.post(
    "/public/deals/{deal_id}/objections",
    response_model=FiledObjectionOut,
    status_code=201,
    responses={429: THROTTLED},
)
def object_as_public(
    deal_id: RowId, payload: PublicObjectionIn, request: Request
) -> FiledObjectionOut:
    """Object to a deal during its publicity, from the public: grounds and a contact.

    Limited per address. The grounds are published with the notice; the contact only reaches
    the regulator.
    """
    context = app_context(request)
    now = context.now()
    address = client_address(request)
    spec = ObjectionSpec(deal_id, payload.grounds, contact=payload.contact)
    policy = context.limits.public_objections_per_address

    def claim(session: Session) -> None:
        claim_or_refuse(
            session, [(f"objection:address:{address}", policy, "address", address)], now
        )

    def work(session: Session) -> FiledObjectionOut:
        objection = file_objection(session, spec, now)
        record_action(session, None, "objection.file", objection, now=now)
        return dump(FiledObjectionOut, objection)

    context.db.run(claim)
    return context.db.run(work)


@router.get("/deals/{deal_id}/objections", response_model=list[ObjectionOut])
def objections_of_deal(deal_id: RowId, request: Request, actor: CurrentActor) -> list[ObjectionOut]:
    """Every objection to a deal with the objectors' contacts (regulator)."""
    require_role(actor, Role.REGULATOR)

    def work(session: Session) -> list[ObjectionOut]:
        visible_deal(session, actor, deal_id)
        rows = session.scalars(
            select(Objection).where(Objection.deal_id == deal_id).order_by(Objection.id)
        )
        return [dump(ObjectionOut, row) for row in rows]

    return context_of(request).read(work)


@router.post("/objections/{objection_id}/resolve", response_model=ObjectionOut)
def resolve(
    objection_id: RowId,
    payload: ResolutionIn,
    request: Request,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Dismiss or uphold an open objection with a written reason, which is published
    (regulator). Upholding it rejects the deal and frees its volume."""
    context = context_of(request)
    outcome = ObjectionState(payload.outcome)

    def work(session: Session, now: datetime) -> BaseModel:
        before = state_of(session.get(Objection, objection_id))
        objection = resolve_objection(session, actor, objection_id, outcome, payload.reason, now)
        record_action(
            session,
            actor,
            f"objection.{outcome.value}",
            objection,
            now=now,
            before=before,
            reason=payload.reason,
        )
        return dump(ObjectionOut, objection)

    return context.write(
        actor, idempotency_key, fingerprint(request, payload), work, status_code=200
    )
