"""The planning engine over HTTP: run a scenario, keep the run against a region, read it back."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.io.scenario_file import plants_fitness, scenario_from_dict, scenario_notes
from reclaim.market.errors import NotFoundError
from reclaim.planning.engine import run_plan
from reclaim.service.auth import CurrentActor
from reclaim.service.context import context_of
from reclaim.service.schemas import MAX_ID, IdempotencyKey, PlanRunOut
from reclaim.store.models import PlanRun, Region
from reclaim.store.registry import get_or_404

router = APIRouter(tags=["planning"])
ScenarioBody = Annotated[
    dict[str, Any],
    Body(
        description="A planning scenario, the JSON form of a scenario file (see examples/, "
        "reclaim.planning.scenario.Scenario)."
    ),
]


def _run_out(run: PlanRun) -> PlanRunOut:
    return PlanRunOut(id=run.id, region_id=run.region_id, result=json.loads(run.result_json))


@router.post("/plans/run", response_model=PlanRunOut, status_code=201)
def run_scenario(
    scenario: ScenarioBody,
    request: Request,
    actor: CurrentActor,
    rounding: Literal["full", "plan"] = "full",
    region_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Run the planning engine on a scenario and keep the run (against a region, if given)."""
    context = context_of(request)
    notes: list[str] = []
    validated = scenario_from_dict(scenario, notes=notes)
    result = run_plan(validated, rounding, plants_fitness(validated)).to_json_dict()
    result["notes"] = [*notes, *scenario_notes(validated)]
    fingerprint_text = json.dumps([scenario, rounding, region_id], sort_keys=True, default=str)

    def work(session: Session, now: datetime) -> BaseModel:
        if region_id is not None:
            get_or_404(session, Region, region_id, "region_id")
        run = PlanRun(
            region_id=region_id,
            created_by_id=actor.id,
            scenario_json=json.dumps(scenario, ensure_ascii=False, default=str),
            result_json=json.dumps(result, ensure_ascii=False, default=str),
            created_at=now,
        )
        session.add(run)
        session.flush()
        return _run_out(run)

    fingerprint = hashlib.sha256(fingerprint_text.encode()).hexdigest()
    return context.write(actor, idempotency_key, fingerprint, work)


@router.get("/plans/{run_id}", response_model=PlanRunOut)
def get_run(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, actor: CurrentActor
) -> PlanRunOut:
    """A stored planning run (plans are public documents for every registered party)."""

    def work(session: Session) -> PlanRunOut:
        run = session.get(PlanRun, run_id)
        if run is None:
            raise NotFoundError("run_id", run_id)
        return _run_out(run)

    return context_of(request).read(work)
