"""The planning engine over HTTP: a run is queued, computed outside the request, read back.

A run is private: its author reads it, and so do the regulators of the region it names. A run
is attached only to a region its author acts in. The scenario is checked (shape, sizes, profile
ids) before the run is stored; the engine then computes it on the service's plan pool.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from reclaim.errors import ErrorCode, InputError
from reclaim.io.quality_files import profile_ids
from reclaim.io.scenario_file import scenario_from_dict
from reclaim.market.errors import ForbiddenError, NotFoundError
from reclaim.market.rules import Role
from reclaim.planning.scenario import Scenario
from reclaim.service.actions import record_action
from reclaim.service.auth import CurrentActor
from reclaim.service.context import REPLAY_HEADER, context_of
from reclaim.service.limits import PLAN_QUEUE, check_nesting, check_plan_size
from reclaim.service.plan_jobs import QUEUED, PlanJobs
from reclaim.service.refusal import refusal
from reclaim.service.schemas import MAX_ID, IdempotencyKey, PlanRunOut
from reclaim.store.models import PlanRun, Region
from reclaim.store.registry import Actor, get_or_404

router = APIRouter(tags=["planning"])
ScenarioBody = Annotated[
    dict[str, Any],
    Body(
        description="A planning scenario, the JSON form of a scenario file (see examples/, "
        "reclaim.planning.scenario.Scenario)."
    ),
]


def status_url(run_id: int) -> str:
    """Where a run is read back."""
    return f"/plans/{run_id}"


def _run_out(run: PlanRun) -> PlanRunOut:
    return PlanRunOut(
        id=run.id,
        region_id=run.region_id,
        state=run.state,  # type: ignore[arg-type]
        status_url=status_url(run.id),
        created_at=run.created_at,
        finished_at=run.finished_at,
        result=None if run.result_json is None else json.loads(run.result_json),
        error=None if run.error_json is None else json.loads(run.error_json),
    )


def acts_in_region(actor: Actor, region_id: int) -> bool:
    """Staff assigned to the region, or a party whose home region it is."""
    return actor.is_staff_of(region_id) or (
        actor.role in (Role.SELLER, Role.BUYER) and actor.region_id == region_id
    )


def _may_read(actor: Actor, run: PlanRun) -> bool:
    if run.created_by_id == actor.id:
        return True
    return (
        actor.role is Role.REGULATOR
        and run.region_id is not None
        and actor.is_staff_of(run.region_id)
    )


def _check_profiles(scenario: Scenario) -> None:
    """Every effluent profile a plant names is an id of the shipped profile catalogue."""
    known = profile_ids()
    for index, plant in enumerate(scenario.plants):
        if plant.effluent_profile is not None and plant.effluent_profile not in known:
            raise InputError(
                f"plants[{index}].effluent_profile",
                plant.effluent_profile,
                f"a shipped effluent profile id ({', '.join(known)})",
            )


def plan_jobs(request: Request) -> PlanJobs:
    """The application's plan-run pool."""
    jobs = request.app.state.plan_jobs
    assert isinstance(jobs, PlanJobs)
    return jobs


@router.post(
    "/plans/run",
    response_model=PlanRunOut,
    status_code=202,
    responses={429: {"description": f"{PLAN_QUEUE} plan runs are already waiting or running"}},
)
def run_scenario(
    scenario: ScenarioBody,
    request: Request,
    actor: CurrentActor,
    rounding: Literal["full", "plan"] = "full",
    region_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Queue a planning run of a scenario (against a region the caller acts in, if given).

    Answers 202 with the run's `status_url`; read it until `state` is `done` or `failed`.
    """
    context = context_of(request)
    check_nesting(scenario)
    validated = scenario_from_dict(scenario)
    check_plan_size(validated)
    _check_profiles(validated)
    fingerprint_text = json.dumps([scenario, rounding, region_id], sort_keys=True, default=str)

    def work(session: Session, now: datetime) -> BaseModel:
        if region_id is not None:
            get_or_404(session, Region, region_id, "region_id")
            if not acts_in_region(actor, region_id):
                raise ForbiddenError(
                    "region_id",
                    region_id,
                    "a run is attached only to a region you act in",
                    ErrorCode.NOT_YOUR_REGION,
                )
        run = PlanRun(
            region_id=region_id,
            created_by_id=actor.id,
            scenario_json=json.dumps(scenario, ensure_ascii=False, default=str),
            rounding=rounding,
            state=QUEUED,
            created_at=now,
        )
        session.add(run)
        session.flush()
        after = {"region_id": region_id, "rounding": rounding, "state": QUEUED}
        record_action(session, actor, "plan.run", run, now=now, after=after)
        return _run_out(run)

    jobs = plan_jobs(request)
    if not jobs.reserve():
        return refusal(
            429,
            "busy",
            "plans",
            PLAN_QUEUE,
            "as many plan runs as the service takes are waiting or running; try again later",
            code=ErrorCode.BUSY,
            headers={"Retry-After": "30"},
        )
    fingerprint = hashlib.sha256(fingerprint_text.encode()).hexdigest()
    try:
        response = context.write(actor, idempotency_key, fingerprint, work, status_code=202)
    except BaseException:
        jobs.release()
        raise
    run_id = json.loads(bytes(response.body))["id"]
    if REPLAY_HEADER in response.headers:
        jobs.release()
    else:
        jobs.submit(run_id)
    response.headers["Location"] = status_url(run_id)
    return response


@router.get("/plans/{run_id}", response_model=PlanRunOut)
def get_run(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, actor: CurrentActor
) -> PlanRunOut:
    """A planning run, to its author and to the regulators of the region it names."""

    def work(session: Session) -> PlanRunOut:
        run = session.get(PlanRun, run_id)
        if run is None or not _may_read(actor, run):
            raise NotFoundError("run_id", run_id)
        return _run_out(run)

    return context_of(request).read(work)
