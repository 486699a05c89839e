"""Timed work of the exchange, in one place: a registry of jobs run by the service itself.

Each job runs at most once per period across every worker of the service: before running, a
worker takes the job's lease (`store.leases`) for one period, in the same transaction as the
job, so a job that fails gives its lease back and is tried again on the next tick. Each job is
idempotent (conditional UPDATEs, one row per day), so running it again changes nothing.

Later timed work (alerts, bills) registers here: `Job(name, every, run)`. A run that changed
something (a count above zero) writes one action-log entry, `job.<name>` by the role `system`,
in the job's own transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from fastapi import FastAPI
from sqlalchemy.orm import Session

from reclaim.store.actions import SYSTEM_ROLE, Target, append_action
from reclaim.store.alerts import escalate_alerts
from reclaim.store.db import Database
from reclaim.store.leases import acquire_lease
from reclaim.store.metering import bill_metered_contracts
from reclaim.store.publicity import end_publicity, lapse_deals
from reclaim.store.readings import create_reading_partitions
from reclaim.store.settlement import bill_due_deliveries, publish_daily_head
from reclaim.store.watch import check_night_flow, raise_missing_data

log = logging.getLogger("reclaim.service.scheduler")


@dataclass(frozen=True)
class Job:
    """A timed job: its name (also its lease's), how often, and the work (returns a count)."""

    name: str
    every: timedelta
    run: Callable[[Session, datetime], int]


JOBS: tuple[Job, ...] = (
    Job("end_publicity", timedelta(minutes=1), end_publicity),
    Job("lapse_deals", timedelta(minutes=1), lapse_deals),
    Job("ledger_daily_head", timedelta(minutes=10), publish_daily_head),
    Job("bill_unanswered_deliveries", timedelta(minutes=10), bill_due_deliveries),
    Job("bill_metered_contracts", timedelta(hours=1), bill_metered_contracts),
    Job("reading_partitions", timedelta(days=1), create_reading_partitions),
    Job("escalate_alerts", timedelta(minutes=1), escalate_alerts),
    Job("missing_data", timedelta(minutes=5), raise_missing_data),
    Job("night_flow_rising", timedelta(hours=1), check_night_flow),
)
"""The exchange's timed work; a deal's state never depends on when these run (the rules check
the time themselves), they make it visible and release what lapsed."""


@dataclass(frozen=True)
class JobRun:
    """One job's turn: whether this worker ran it, and what it counted."""

    name: str
    ran: bool
    result: int | None


class Scheduler:
    """Runs the due jobs of a registry under database leases, on the service's clock."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        jobs: Sequence[Job] = JOBS,
        holder: str | None = None,
        on_run: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.db = db
        self.on_run = on_run
        """Told of each run this worker made: the job's name and whether it succeeded."""
        self.clock = clock
        self.jobs = tuple(jobs)
        self.holder = holder or f"worker-{uuid.uuid4().hex[:12]}"

    def run_due(self) -> list[JobRun]:
        """Give every job its turn: run it if this worker takes its lease."""
        runs = []
        for job in self.jobs:
            now = self.clock()

            def unit(session: Session, job: Job = job, now: datetime = now) -> JobRun:
                if not acquire_lease(session, f"job:{job.name}", self.holder, now, job.every):
                    return JobRun(job.name, False, None)
                count = job.run(session, now)
                if count:
                    append_action(
                        session,
                        None,
                        f"job.{job.name}",
                        Target("jobs", job.name),
                        now=now,
                        request_id=None,
                        after={"count": count},
                        region_id=None,
                        role=SYSTEM_ROLE,
                    )
                return JobRun(job.name, True, count)

            try:
                runs.append(self.db.run(unit))
            except Exception:
                log.exception("scheduled job %s failed; it runs again on the next tick", job.name)
                runs.append(JobRun(job.name, False, None))
                if self.on_run is not None:
                    self.on_run(job.name, False)
                continue
            if self.on_run is not None and runs[-1].ran:
                self.on_run(job.name, True)
        return runs

    async def loop(self, tick_s: float) -> None:
        """Run the due jobs every `tick_s` seconds until cancelled."""
        while True:
            await anyio.to_thread.run_sync(self.run_due)
            await asyncio.sleep(tick_s)


def lifespan_with(
    scheduler: Scheduler | None, tick_s: float
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """An app lifespan that runs `scheduler` in the background (nothing if None)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if scheduler is None:
            yield
            return
        task = asyncio.create_task(scheduler.loop(tick_s))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
