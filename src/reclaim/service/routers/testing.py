"""Moving the service's clock, for tests: refused unless started with RECLAIM_TESTING=1.

Publicity periods, lapses and daily heads are days long; a test moves the clock forward instead
of waiting. A service started without the testing flag refuses every request here (403), so
production time cannot be moved.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from reclaim.errors import ErrorCode
from reclaim.market.errors import ForbiddenError
from reclaim.service.auth import CurrentActor
from reclaim.service.context import TESTING_ENV, app_context, context_of
from reclaim.service.schemas import ClockOffsetIn, ClockOut, JobRunOut

router = APIRouter(prefix="/testing", tags=["testing"])


def _require_testing(request: Request) -> None:
    if not app_context(request).testing:
        raise ForbiddenError(
            "testing",
            False,
            f"the service was not started for testing ({TESTING_ENV}=1); its clock stays put",
            ErrorCode.TESTING_ONLY,
        )


@router.put("/clock", response_model=ClockOut)
def move_clock(payload: ClockOffsetIn, request: Request, _actor: CurrentActor) -> ClockOut:
    """Set how far the service's clock runs ahead of its wall clock (administrator; testing)."""
    _require_testing(request)
    context = app_context(request)
    context.clock_offset = timedelta(seconds=payload.offset_seconds)
    return ClockOut(now=context.now(), offset_seconds=payload.offset_seconds)


@router.post("/jobs/run", response_model=list[JobRunOut])
def run_jobs(request: Request, _actor: CurrentActor) -> list[JobRunOut]:
    """Give every scheduled job its turn now, under its lease (administrator, testing only)."""
    _require_testing(request)
    context_of(request).read(lambda _session: None)  # end the token check's transaction first
    scheduler = request.app.state.scheduler
    return [JobRunOut(name=r.name, ran=r.ran, result=r.result) for r in scheduler.run_due()]
