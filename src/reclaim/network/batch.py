"""Scenario batches: N-1 over every pipe, demand samples from the planning sensitivity.

A batch runs on one open EPANET project: each case changes the project in place (close a pipe,
load new demands), solves pressure-driven from the last case's flows, is read and is undone.
On Dask the cases are cut into chunks spread over local processes or a cluster's workers, each
worker opening the .inp text once. Every case ends in a result or in an error naming the case;
none can hang (EPANET's trial limit bounds each solve).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reclaim.errors import InputError
from reclaim.network.checks import (
    HEAD_TOLERANCE_M,
    SERVED_TOLERANCE,
    UNSERVED_FRACTION,
    check_fraction,
    pressure_driven,
)
from reclaim.network.engine import BoolArray, EngineError, EpanetProject, FloatArray

if TYPE_CHECKING:
    from distributed import Client

Progress = Callable[[int, int], None]
"""Called with (cases done, cases in all) as a batch advances."""


@dataclass(frozen=True)
class Case:
    """One scenario of a batch: pipes closed and, optionally, new base demands (m³/s per node,
    in the project's node order)."""

    label: str
    closed_links: tuple[int, ...] = ()
    base_demand_m3_per_s: tuple[float, ...] | None = None


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one case against the free-head limit, solved pressure-driven."""

    label: str
    worst_node: str | None
    worst_free_head_m: float
    users_below_limit: tuple[str, ...]
    users_unserved: tuple[str, ...]
    delivered_fraction: float
    required_m3_per_s: float
    error: str | None = None

    @property
    def passes(self) -> bool:
        """Every user keeps the limit and is served in full."""
        return self.error is None and not self.users_below_limit and not self.users_unserved


def n1_cases(project: EpanetProject, pipes: Sequence[str] | None = None) -> list[Case]:
    """One case per pipe, that pipe closed: the named pipes, or every pipe of the network but
    those with a check valve (EPANET cannot close them; see `check_valve_pipes`)."""
    topology = project.topology
    if pipes is None:
        indices = [
            i
            for i, kind in enumerate(topology.link_kinds)
            if kind == "pipe" and not topology.check_valve[i]
        ]
    else:
        indices = [topology.link_index(p) for p in pipes]
    return [Case(label=topology.link_ids[i], closed_links=(i,)) for i in indices]


def check_valve_pipes(project: EpanetProject) -> list[str]:
    """Pipes left out of a default N-1: they carry a check valve EPANET will not close."""
    topology = project.topology
    return [topology.link_ids[i] for i in np.flatnonzero(topology.check_valve)]


def demand_cases(project: EpanetProject, samples: Sequence[Mapping[str, float]]) -> list[Case]:
    """One case per demand sample: {node id: base demand m³/s}; nodes left out keep 0."""
    topology = project.topology
    cases = []
    for number, sample in enumerate(samples):
        demand = np.zeros(len(topology.node_ids))
        for node, value in sample.items():
            demand[topology.node_index(node)] = value
        cases.append(Case(label=f"sample {number}", base_demand_m3_per_s=tuple(demand)))
    return cases


def run_cases(
    project: EpanetProject,
    cases: Sequence[Case],
    limit_m: float,
    *,
    required_pressure_m: float,
    demand_fraction: float = 1.0,
    on_progress: Progress | None = None,
) -> list[CaseResult]:
    """Run every case on this open project, pressure-driven (full delivery from
    `required_pressure_m`) at `demand_fraction` of the model's demand (the accident flow for
    N-1), judged against `limit_m`; the project is restored afterwards.

    Each case starts from the last one's flows (warm start); one that fails from there is
    solved again from a cold start before it counts as failed (`EpanetProject.run_steady`).
    """
    check_fraction("demand_fraction", demand_fraction)
    topology = project.topology
    junctions = topology.junctions
    elevation = topology.elevation_m
    base = project.base_demands_m3_per_s()
    project.set_demand_model(pressure_driven(required_pressure_m))
    results: list[CaseResult] = []
    try:
        with project.steady(), project.demand_scaled(demand_fraction):
            for done, case in enumerate(cases, start=1):
                if case.base_demand_m3_per_s is not None:
                    project.set_base_demands(np.asarray(case.base_demand_m3_per_s))
                try:
                    with project.links_closed(case.closed_links):
                        project.run_steady()
                        head = project.head_m()
                        delivered = project.demand_m3_per_s()
                        required = delivered + project.deficit_m3_per_s()
                        free_head = head - elevation
                        cut_off = (
                            topology.cut_off(project.link_open())
                            if (junctions & (free_head < limit_m - HEAD_TOLERANCE_M)).any()
                            else None
                        )
                    results.append(
                        _evaluate(
                            case.label,
                            topology.node_ids,
                            junctions,
                            free_head,
                            delivered,
                            required,
                            limit_m,
                            cut_off,
                        )
                    )
                except EngineError as error:
                    results.append(
                        CaseResult(
                            case.label, None, float("nan"), (), (), 0.0, 0.0, error=str(error)
                        )
                    )
                finally:
                    if case.base_demand_m3_per_s is not None:
                        project.set_base_demands(base)
                if on_progress is not None:
                    on_progress(done, len(cases))
    finally:
        project.set_demand_model(project.file_demand_model)
    return results


def _evaluate(
    label: str,
    node_ids: Sequence[str],
    junctions: np.ndarray,
    free_head: FloatArray,
    delivered: FloatArray,
    required: FloatArray,
    limit_m: float,
    cut_off: BoolArray | None,
) -> CaseResult:
    """Judge one pressure-driven case as `checks.head_check` does: users cut off from every
    source or without free head are unserved, and a cut-off user's head is not judged."""
    users = junctions & (required > SERVED_TOLERANCE)
    if not users.any():
        users = junctions
    joined = users if cut_off is None or not (users & ~cut_off).any() else users & ~cut_off
    user_heads = np.where(joined, free_head, np.inf)
    worst = int(np.argmin(user_heads))
    below = joined & (free_head < limit_m - HEAD_TOLERANCE_M)
    starved = (delivered < UNSERVED_FRACTION * required) | (free_head <= HEAD_TOLERANCE_M)
    if cut_off is not None:
        starved |= cut_off
    unserved = users & (required > SERVED_TOLERANCE) & starved
    total_required = float(required[users].sum())
    total_delivered = float(delivered[users].sum())
    fraction = total_delivered / total_required if total_required > SERVED_TOLERANCE else 1.0
    return CaseResult(
        label=label,
        worst_node=node_ids[worst],
        worst_free_head_m=float(free_head[worst]),
        users_below_limit=tuple(node_ids[int(i)] for i in np.flatnonzero(below)),
        users_unserved=tuple(node_ids[int(i)] for i in np.flatnonzero(unserved)),
        delivered_fraction=min(fraction, 1.0),
        required_m3_per_s=total_required,
    )


@dataclass(frozen=True)
class BatchSettings:
    """What every case of a batch is judged by: the free-head limit, the pressure of full
    delivery, and the share of the model's demand (the accident flow for N-1)."""

    limit_m: float
    required_pressure_m: float
    demand_fraction: float = 1.0


_worker = threading.local()
"""On a Dask worker thread: the network its last chunk ran on, kept open for the next chunk
(one per thread, since an EPANET project is not shared between threads)."""


def _opened(inp_text: str) -> EpanetProject:
    """The open project of this .inp text on this worker thread, opened once per network."""
    key = hashlib.sha256(inp_text.encode()).hexdigest()
    if getattr(_worker, "key", None) != key:
        if getattr(_worker, "project", None) is not None:
            _worker.project.close()
        _worker.project, _worker.key = EpanetProject(inp_text), key
    project: EpanetProject = _worker.project
    return project


def _run_chunk(inp_text: str, cases: Sequence[Case], settings: BatchSettings) -> list[CaseResult]:
    """A Dask task: a chunk of cases on the worker's open project of this network."""
    return run_cases(
        _opened(inp_text),
        cases,
        settings.limit_m,
        required_pressure_m=settings.required_pressure_m,
        demand_fraction=settings.demand_fraction,
    )


CHUNKS_PER_WORKER = 4
"""Chunks a batch is cut into per worker: enough to even out slow and fast chunks, few enough
that task overhead stays small (the network is opened once per worker, not per chunk)."""


def run_cases_on_dask(
    inp_text: str,
    cases: Sequence[Case],
    settings: BatchSettings,
    scheduler: str | Client | None = None,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    on_progress: Progress | None = None,
    connect_timeout_s: float = 10.0,
) -> list[CaseResult]:
    """Run the cases on Dask, results in the order of `cases`: on a cluster (a scheduler
    address or a `distributed.Client`), or without one on `workers` local processes (default:
    every core). Cases go in chunks (default: about `CHUNKS_PER_WORKER` per worker)."""
    from distributed import Client, LocalCluster  # a Dask batch only: a slow import

    if chunk_size is not None and chunk_size < 1:
        raise InputError("chunk_size", chunk_size, "must be ≥ 1")
    if workers is not None and workers < 1:
        raise InputError("workers", workers, "must be ≥ 1")
    if isinstance(scheduler, Client):
        return _on_client(scheduler, inp_text, cases, settings, chunk_size, on_progress)
    if scheduler is not None:
        with _connect(str(scheduler), connect_timeout_s) as client:
            return _on_client(client, inp_text, cases, settings, chunk_size, on_progress)
    with warnings.catch_warnings():  # Dask's notes on ports in use are not the user's business
        warnings.simplefilter("ignore")
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    with cluster, Client(cluster) as client:
        return _on_client(client, inp_text, cases, settings, chunk_size, on_progress)


def _on_client(
    client: Client,
    inp_text: str,
    cases: Sequence[Case],
    settings: BatchSettings,
    chunk_size: int | None,
    on_progress: Progress | None,
) -> list[CaseResult]:
    from distributed import as_completed

    if not cases:
        return []
    if chunk_size is None:
        workers = max(len(client.scheduler_info()["workers"]), 1)
        chunk_size = math.ceil(len(cases) / (workers * CHUNKS_PER_WORKER))
    chunks = [list(cases[i : i + chunk_size]) for i in range(0, len(cases), chunk_size)]
    text = client.scatter(inp_text, broadcast=True)
    futures = [client.submit(_run_chunk, text, chunk, settings, pure=False) for chunk in chunks]
    order = {future.key: number for number, future in enumerate(futures)}
    by_chunk: dict[int, list[CaseResult]] = {}
    done = 0
    for future in as_completed(futures):
        by_chunk[order[future.key]] = future.result()
        done += len(by_chunk[order[future.key]])
        if on_progress is not None:
            on_progress(done, len(cases))
    return [result for number in range(len(chunks)) for result in by_chunk[number]]


def _connect(address: str, timeout_s: float) -> Client:
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout_s}s")
    except OSError as error:
        raise InputError("scheduler", address, f"a reachable Dask scheduler ({error})") from None
