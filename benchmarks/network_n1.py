"""N-1 at the accident flow over every pipe of Net6 (wntr wheel) and L-Town (epyt wheel), four
ways, measured in the same run:

- ours: `reclaim.network.batch.run_cases` on one open EPANET project, one core (warm start from
  the last case's flows, cold restart of a case that fails; reads heads and demands, judges);
- raw warm: the bare toolkit loop on the same settings — close, initH(0), runH, read heads and
  demands in bulk, keep who is below the limit or unserved, reopen;
- raw cold: the same loop with initH(10): every case from EPANET's initial flows;
- dask: `run_cases_on_dask` on N local worker processes (the network opened once per worker).

Ours and the raw loops take the cases block by block in turn, so that load from other processes
on the machine weighs on all alike; Dask and ours on one core run the whole batch in turn, twice.
Verdicts are compared case by case across the four, where both modes balanced the case:
pass/fail, the set of users below the limit and the set of users unserved (cut off from every
source, without free head, or given < 0.1 % of their demand) must be identical; the largest
difference in the worst free head is printed (EPANET's accuracy lets two starting points end a
few cm apart on a starved node).

Targets (issue 11): ours within 1.1× of raw warm; ours ≥ 3× faster than raw cold; dask on N
workers ≥ 0.8 × N times faster than ours on one core.
Run: python benchmarks/network_n1.py [--workers 2] [--blocks 4] [--min-head 15]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import epanet.toolkit as en
import epyt
import numpy as np
import wntr
from distributed import Client, LocalCluster

from reclaim.network import batch
from reclaim.network.checks import HEAD_TOLERANCE_M, SERVED_TOLERANCE, UNSERVED_FRACTION
from reclaim.network.engine import EpanetProject, FileUnits, Topology

NETWORKS = {
    "Net6": Path(wntr.__file__).parent / "library" / "networks" / "Net6.inp",
    "L-Town": Path(epyt.__file__).parent / "networks" / "L-TOWN.inp",
}
REQUIRED_PRESSURE_M = 10.0  # data/network/design.yaml default
ACCIDENT_FRACTION = 0.7  # GB 50013-2018 §7.1.3


@dataclass(frozen=True)
class Verdict:
    """What a mode says about one case."""

    balanced: bool
    passes: bool
    below: frozenset[str]
    unserved: frozenset[str]
    worst_free_head_m: float


class RawLoop:
    """The bare toolkit loop on ours' settings: file units, duration 0, pressure-driven from the
    required pressure, demands × the accident fraction."""

    def __init__(self, path: Path, limit_m: float, init_flag: int, topology: Topology) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="n1-bench-")
        self.ph = ph = en.createproject()
        en.open(ph, str(path), str(Path(self._scratch.name, "raw.rpt")), "")
        en.setstatusreport(ph, en.NO_REPORT)
        units = FileUnits.of(ph)
        en.setdemandmodel(ph, en.PDA, 0.0, REQUIRED_PRESSURE_M * units.pressure_per_m, 0.5)
        en.setoption(ph, en.DEMANDMULT, en.getoption(ph, en.DEMANDMULT) * ACCIDENT_FRACTION)
        en.settimeparam(ph, en.DURATION, 0)
        en.openH(ph)
        self.trials = en.getoption(ph, en.TRIALS)
        self.accuracy = en.getoption(ph, en.ACCURACY)
        self.init_flag = init_flag
        n = en.getcount(ph, en.NODECOUNT)
        self.ids = [en.getnodeid(ph, i) for i in range(1, n + 1)]
        junction = np.array([en.getnodetype(ph, i) == en.JUNCTION for i in range(1, n + 1)])
        elevation = np.array([en.getnodevalue(ph, i, en.ELEVATION) for i in range(1, n + 1)])
        self.elevation = elevation
        self.junction = junction
        self.length_m = units.length_m  # heads and elevations are in the file's length unit
        self.limit = limit_m / self.length_m
        self.tolerance = HEAD_TOLERANCE_M / self.length_m
        self.asks = SERVED_TOLERANCE / units.flow_m3_per_s
        self._head = en.doubleArray(n)
        self._demand = en.doubleArray(n)
        self._deficit = en.doubleArray(n)
        self._status = en.doubleArray(en.getcount(ph, en.LINKCOUNT))
        self._views = [_view(a, n) for a in (self._head, self._demand, self._deficit)]
        self._status_view = _view(self._status, en.getcount(ph, en.LINKCOUNT))
        self.topology = topology

    def run(self, links: Sequence[int]) -> tuple[float, list[tuple[np.ndarray, ...]]]:
        """Seconds to close, solve, read and reopen each link; per case who is below the limit
        or unserved (positions) and the worst free head."""
        ph, out = self.ph, []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            for position in links:
                i = position + 1
                status = en.getlinkvalue(ph, i, en.INITSTATUS)
                en.setlinkvalue(ph, i, en.INITSTATUS, en.CLOSED)
                en.initH(ph, self.init_flag)
                en.runH(ph)
                balanced = (
                    en.getstatistic(ph, en.ITERATIONS) <= self.trials
                    and en.getstatistic(ph, en.RELATIVEERROR) <= self.accuracy
                )
                en.getnodevalues(ph, en.HEAD, self._head)
                en.getnodevalues(ph, en.DEMAND, self._demand)
                en.getnodevalues(ph, en.DEMANDDEFICIT, self._deficit)
                en.getlinkvalues(ph, en.STATUS, self._status)
                en.setlinkvalue(ph, i, en.INITSTATUS, status)
                out.append((*self._judge(), np.array([balanced])))
            return time.perf_counter() - start, out

    def _judge(self) -> tuple[np.ndarray, ...]:
        head, delivered, deficit = self._views
        required = delivered + deficit
        users = self.junction & (required > self.asks)
        free = head - self.elevation
        short = users & (free < self.limit - self.tolerance)
        starved = (delivered < UNSERVED_FRACTION * required) | (free <= self.tolerance)
        joined = users
        if short.any():  # who no open link joins to a source gets nothing; its head is moot
            cut_off = self.topology.cut_off(self._status_view > 0)
            starved |= cut_off
            joined = users & ~cut_off if (users & ~cut_off).any() else users
        below = np.flatnonzero(joined & short)
        unserved = np.flatnonzero(users & starved)
        worst = float(free[joined].min()) if joined.any() else float("inf")
        return below, unserved, np.array([worst])

    def verdict(self, judged: tuple[np.ndarray, ...]) -> Verdict:
        below, unserved, worst, balanced = judged
        return Verdict(
            bool(balanced[0]),
            not below.size and not unserved.size,
            frozenset(self.ids[i] for i in below),
            frozenset(self.ids[i] for i in unserved),
            float(worst[0]) * self.length_m,
        )

    def close(self) -> None:
        en.closeH(self.ph)
        en.close(self.ph)
        en.deleteproject(self.ph)
        self._scratch.cleanup()


def _view(array: object, n: int) -> np.ndarray:
    """A numpy view of a toolkit doubleArray (no copy)."""
    import ctypes

    buffer = (ctypes.c_double * n).from_address(int(array.this))  # type: ignore[attr-defined]
    return np.ctypeslib.as_array(buffer)


def _ours(result: batch.CaseResult) -> Verdict:
    return Verdict(
        result.error is None,
        result.passes,
        frozenset(result.users_below_limit),
        frozenset(result.users_unserved),
        result.worst_free_head_m,
    )


def bench(name: str, path: Path, limit_m: float, workers: int, blocks: int, client: Client) -> None:
    settings = batch.BatchSettings(limit_m, REQUIRED_PRESSURE_M, ACCIDENT_FRACTION)
    with EpanetProject(path) as opened:
        shape = opened.topology
    warm = RawLoop(path, limit_m, en.NOSAVE, shape)
    cold = RawLoop(path, limit_m, en.INITFLOW, shape)
    seconds = dict.fromkeys(("ours", "raw warm", "raw cold", "dask"), 0.0)
    verdicts: dict[str, list[Verdict]] = {mode: [] for mode in seconds}
    try:
        with EpanetProject(path) as project:
            text = project.inp_text()
            cases = batch.n1_cases(project)
            topology = project.topology
            print(
                f"{name}: {path.name}, {int(topology.junctions.sum())} junctions, "
                f"{len(cases)} pipes closed in turn at {ACCIDENT_FRACTION:.0%} of the design "
                f"flow, pressure-driven (full delivery from {REQUIRED_PRESSURE_M:g} m), "
                f"limit {limit_m:g} m"
            )
            size = -(-len(cases) // blocks)
            for first in range(0, len(cases), size):
                block = cases[first : first + size]
                links = [c.closed_links[0] for c in block]
                start = time.perf_counter()
                ours = batch.run_cases(
                    project,
                    block,
                    limit_m,
                    required_pressure_m=REQUIRED_PRESSURE_M,
                    demand_fraction=ACCIDENT_FRACTION,
                )
                seconds["ours"] += time.perf_counter() - start
                verdicts["ours"] += [_ours(r) for r in ours]
                for mode, loop in (("raw warm", warm), ("raw cold", cold)):
                    spent, judged = loop.run(links)
                    seconds[mode] += spent
                    verdicts[mode] += [loop.verdict(j) for j in judged]
            cold_restarts = project.cold_restarts
            # Dask against ours on one core: whole batches, alternated, so that each Dask call
            # pays its fixed cost (scatter, scheduling) once, as a command-line batch does.
            one_core = 0.0
            for _ in range(2):
                start = time.perf_counter()
                batch.run_cases(
                    project,
                    cases,
                    limit_m,
                    required_pressure_m=REQUIRED_PRESSURE_M,
                    demand_fraction=ACCIDENT_FRACTION,
                )
                one_core += time.perf_counter() - start
                start = time.perf_counter()
                spread = batch.run_cases_on_dask(text, cases, settings, client)
                seconds["dask"] += time.perf_counter() - start
            verdicts["dask"] = [_ours(r) for r in spread]
    finally:
        warm.close()
        cold.close()
    n = len(cases)
    seconds["dask"] /= 2
    for mode, spent in seconds.items():
        print(f"  {mode:9s}: {n / spent:9.1f} cases/s ({spent:.2f} s)")
    print(f"  ours / raw warm time : {seconds['ours'] / seconds['raw warm']:.2f}x (target <= 1.1)")
    print(f"  raw cold / ours time : {seconds['raw cold'] / seconds['ours']:.2f}x (target >= 3)")
    print(
        f"  ours / dask time     : {one_core / 2 / seconds['dask']:.2f}x on {workers} workers "
        f"(target >= {0.8 * workers:.1f}; whole batches, alternated with ours on one core)"
    )
    reference = verdicts["ours"]
    for mode in ("raw warm", "raw cold", "dask"):
        pairs = list(zip(reference, verdicts[mode], strict=True))
        both = [(a, b) for a, b in pairs if a.balanced and b.balanced]
        same = sum(
            (a.passes, a.below, a.unserved) == (b.passes, b.below, b.unserved) for a, b in both
        )
        drift = max((abs(a.worst_free_head_m - b.worst_free_head_m) for a, b in both), default=0)
        print(
            f"  verdicts ours vs {mode:9s}: {same}/{len(both)} identical where both balanced "
            f"(pass, users below, users unserved; worst free head within {drift:.1e} m); "
            f"balanced by ours only {sum(a.balanced and not b.balanced for a, b in pairs)}, "
            f"by {mode} only {sum(b.balanced and not a.balanced for a, b in pairs)}"
        )
    failing = sum(not v.passes for v in reference)
    print(f"  cases failing: {failing} of {n}; cold restarts in ours: {cold_restarts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--min-head", type=float, default=15.0)
    parser.add_argument("--network", choices=sorted(NETWORKS), action="append")
    args = parser.parse_args()
    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"{args.workers} local Dask workers started in {time.perf_counter() - start:.1f} s")
        for name, path in NETWORKS.items():
            if args.network and name not in args.network:
                continue
            bench(name, path, args.min_head, args.workers, args.blocks, client)


if __name__ == "__main__":
    main()
