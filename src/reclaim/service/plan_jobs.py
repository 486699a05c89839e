"""Plan runs computed on a small thread pool of the service, outside the request that asks.

The request stores the run as `queued` and answers 202; a pool thread computes it with the
planning engine and stores the result (`done`) or the refusal (`failed`). The pool is bounded:
when `PLAN_QUEUE` runs are waiting or running, a further one is refused before it is stored.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError
from reclaim.io.scenario_file import plants_fitness, scenario_from_dict, scenario_notes
from reclaim.planning.engine import RoundingMode, run_plan
from reclaim.service.limits import PLAN_QUEUE, PLAN_WORKERS
from reclaim.service.refusal import excerpt
from reclaim.store.db import Database
from reclaim.store.models import PlanRun

log = logging.getLogger(__name__)
QUEUED, DONE, FAILED = "queued", "done", "failed"


def compute(scenario: dict[str, Any], rounding: str) -> tuple[str, dict[str, Any]]:
    """The state a run ends in and its result (done) or its refusal (failed)."""
    try:
        notes: list[str] = []
        validated = scenario_from_dict(scenario, notes=notes)
        result = run_plan(validated, cast(RoundingMode, rounding), plants_fitness(validated))
    except InputError as error:
        refused = {
            "error": "invalid_input",
            "code": error.error_code.value,
            "field": error.field,
            "reason": error.allowed,
        }
        return FAILED, {**refused, "value": excerpt(error.value)}
    return DONE, {**result.to_json_dict(), "notes": [*notes, *scenario_notes(validated)]}


class PlanJobs:
    """The service's plan-run pool: `PLAN_WORKERS` threads, at most `PLAN_QUEUE` runs at once."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._pool = ThreadPoolExecutor(PLAN_WORKERS, thread_name_prefix="plan-run")
        self._slots = threading.BoundedSemaphore(PLAN_QUEUE)

    def reserve(self) -> bool:
        """Take a place in the queue for a run about to be stored; False when it is full."""
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        """Give back a place taken by `reserve` for a run that was not submitted."""
        self._slots.release()

    def submit(self, run_id: int) -> None:
        """Compute a stored, queued run on the pool (its place was taken by `reserve`)."""
        self._pool.submit(self._run, run_id)

    def _run(self, run_id: int) -> None:
        try:
            scenario, rounding = self.db.run(lambda s: _scenario_of(s, run_id))
            try:
                state, outcome = compute(scenario, rounding)
            except Exception:  # an engine fault must end the run, not leave it queued forever
                log.exception("plan run %s failed in the engine", run_id)
                state = FAILED
                outcome = {
                    "error": "engine_fault",
                    "code": ErrorCode.SERVER_ERROR.value,
                    "field": "scenario",
                    "value": None,
                    "reason": "the planning engine failed on this scenario; the fault is logged",
                }
            self.db.run(lambda s: _finish(s, run_id, state, outcome, self.clock()))
        finally:
            self._slots.release()


def _scenario_of(session: Session, run_id: int) -> tuple[dict[str, Any], str]:
    run = session.get(PlanRun, run_id)
    assert run is not None
    return json.loads(run.scenario_json), run.rounding


def _finish(
    session: Session, run_id: int, state: str, outcome: dict[str, Any], now: datetime
) -> None:
    text = json.dumps(outcome, ensure_ascii=False, default=str)
    session.execute(
        update(PlanRun)
        .where(PlanRun.id == run_id, PlanRun.state == QUEUED)
        .values(
            state=state,
            result_json=text if state == DONE else None,
            error_json=text if state == FAILED else None,
            finished_at=now,
        )
    )
