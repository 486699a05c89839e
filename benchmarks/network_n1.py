"""N-1 over every pipe of the largest .inp shipped inside the installed packages, three ways,
measured in the same run:

- ours: `reclaim.network.batch.run_cases` on one open EPANET project (close, solve
  pressure-driven, read heads and demands, evaluate, restore);
- raw: the EPANET toolkit loop alone on the same project settings (close, initH, runH,
  restore) — no reading, no evaluation: the limit; ours and raw alternate chunk by chunk;
- naive: per scenario, rebuild the WNTR model from the .inp, close the pipe and run WNTR's
  EpanetSimulator (files written and read back each time); timed on an evenly spaced sample of
  the pipes, since it takes seconds per scenario.

Targets (issue 4): ours within 1.5× of raw, and at least 10× faster than naive.
Run: python benchmarks/network_n1.py [--naive-sample 12] [--min-head 15] [--chunk 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import epanet
import epanet.toolkit as en
import wntr

from reclaim.network import batch
from reclaim.network.engine import DemandModel, EpanetProject, FileUnits


def largest_shipped_inp() -> Path:
    """The largest .inp file inside the installed wntr and owa-epanet packages."""
    roots = [Path(wntr.__file__).parent, Path(epanet.__file__).parent]
    found = [path for root in roots for path in root.rglob("*.inp")]
    return max(found, key=lambda path: path.stat().st_size)


class RawLoop:
    """The bare toolkit loop on the same settings as ours (file units, duration 0,
    pressure-driven)."""

    def __init__(self, text: str, limit_m: float) -> None:
        self._scratch = tempfile.TemporaryDirectory()
        inp = Path(self._scratch.name, "net.inp")
        inp.write_text(text, encoding="utf-8")
        self.ph = ph = en.createproject()
        en.open(ph, str(inp), str(Path(self._scratch.name, "net.rpt")), "")
        en.setstatusreport(ph, en.NO_REPORT)
        model = DemandModel(pressure_driven=True, required_m=limit_m)
        per_m = FileUnits.of(ph).pressure_per_m
        en.setdemandmodel(
            ph, en.PDA, model.minimum_m * per_m, model.required_m * per_m, model.exponent
        )
        en.settimeparam(ph, en.DURATION, 0)
        en.openH(ph)

    def run(self, link_indices: list[int]) -> float:
        """Seconds to close, solve and reopen each link (toolkit indices are positions + 1)."""
        ph = self.ph
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            for position in link_indices:
                i = position + 1
                status = en.getlinkvalue(ph, i, en.INITSTATUS)
                en.setlinkvalue(ph, i, en.INITSTATUS, en.CLOSED)
                en.initH(ph, en.NOSAVE)
                en.runH(ph)
                en.setlinkvalue(ph, i, en.INITSTATUS, status)
            return time.perf_counter() - start

    def close(self) -> None:
        en.closeH(self.ph)
        en.close(self.ph)
        en.deleteproject(self.ph)
        self._scratch.cleanup()


def time_ours_and_raw(text: str, limit_m: float, chunk: int
                      ) -> tuple[float, float, list[batch.CaseResult]]:
    """Both runners over every pipe, alternating chunk by chunk so that load from other
    processes on the machine weighs on both alike."""
    raw = RawLoop(text, limit_m)
    ours_s = raw_s = 0.0
    results: list[batch.CaseResult] = []
    try:
        with EpanetProject(text) as project:
            cases = batch.n1_cases(project)
            for first in range(0, len(cases), chunk):
                part = cases[first:first + chunk]
                start = time.perf_counter()
                results += batch.run_cases(project, part, limit_m)
                ours_s += time.perf_counter() - start
                raw_s += raw.run([c.closed_links[0] for c in part])
    finally:
        raw.close()
    return ours_s, raw_s, results


def time_naive(path: Path, pipes: list[str], limit_m: float) -> float:
    """Rebuild the WNTR model and run WNTR's EpanetSimulator for each sampled pipe."""
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        for pipe in pipes:
            model = wntr.network.WaterNetworkModel(str(path))
            model.options.time.duration = 0
            model.options.hydraulic.demand_model = "PDD"
            model.options.hydraulic.required_pressure = limit_m
            model.options.hydraulic.minimum_pressure = 0.0
            model.get_link(pipe).initial_status = wntr.network.LinkStatus.Closed
            results = wntr.sim.EpanetSimulator(model).run_sim(
                file_prefix=str(Path(scratch, "naive")))
            results.node["pressure"].min(axis=1)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-sample", type=int, default=12)
    parser.add_argument("--min-head", type=float, default=15.0)
    parser.add_argument("--chunk", type=int, default=100)
    args = parser.parse_args()

    path = largest_shipped_inp()
    text = path.read_text(encoding="utf-8")
    with EpanetProject(path) as opened:
        topology = opened.topology
    print(f"network: {path.name} ({path.stat().st_size / 1e6:.2f} MB, "
          f"{int(topology.junctions.sum())} junctions, {int(topology.pipes.sum())} pipes)")

    ours_s, raw_s, results = time_ours_and_raw(text, args.min_head, args.chunk)
    n_ours = n_raw = len(results)
    pipes = [
        name
        for i, name in enumerate(topology.link_ids)
        if topology.pipes[i] and not topology.check_valve[i]
    ]
    step = max(len(pipes) // args.naive_sample, 1)
    sample = pipes[::step][:args.naive_sample]
    naive_s = time_naive(path, sample, args.min_head)

    ours_rate = n_ours / ours_s
    raw_rate = n_raw / raw_s
    naive_rate = len(sample) / naive_s
    failing = sum(not r.passes for r in results)
    errors = sum(r.error is not None for r in results)
    print(f"N-1 scenarios: {n_ours} (one per pipe without a check valve), limit "
          f"{args.min_head:g} m, pressure-driven")
    print(f"  ours  : {ours_rate:10.1f} scenarios/s ({ours_s:.2f} s)")
    print(f"  raw   : {raw_rate:10.1f} scenarios/s ({raw_s:.2f} s)  toolkit solve loop alone")
    print(f"  naive : {naive_rate:10.3f} scenarios/s ({naive_s:.2f} s for {len(sample)} sampled)")
    print(f"ours time / raw time : {raw_rate / ours_rate:.2f}x  (target <= 1.5)")
    print(f"ours speed / naive   : {ours_rate / naive_rate:.0f}x  (target >= 10)")
    print(f"cases failing the limit: {failing}, engine errors: {errors}")
    for result in [r for r in results if r.error is not None][:3]:
        print(f"  e.g. pipe {result.label}: {result.error}")


if __name__ == "__main__":
    main()
