"""The cost of `reclaim network check` on a large .inp against the EPANET toolkit's own open and
solve of the same file, in the same process and the same run.

- toolkit: the bare owa-epanet calls — open the file, open hydraulics, solve time 0, close;
- check: what `network check` computes — the file opened by reclaim (topology read with the
  toolkit's getters), the peak-hour solve and worst point (plus the pressure-driven re-solve
  when users fall short), pump operating points, every pipe's velocity and DN suggestion (pump
  energy needs the extended-period run, off by default for an .inp);
- output: the JSON payload of every node, link and pipe, written to a file (`--format json`).

The two are run alternately, `--repeat` times each, timed in CPU seconds of this process (the
machine is shared: waiting for a core is not cost); the best runs are compared (medians too).
Target (issue 11): check within 2× of the toolkit's open and solve, plus writing the output.
Run: python benchmarks/network_bridge.py [--network BWSN_Network_2.inp] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import epanet.toolkit as en

from reclaim.io.network_files import load_design_defaults, open_inp
from reclaim.network import checks, summary
from reclaim.network.design import settings


def shipped(name: str) -> Path:
    """A network file that the `epyt` wheel ships (a dev dependency), found without importing."""
    spec = importlib.util.find_spec("epyt")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("epyt is not installed: pip install -e '.[dev]'")
    root = Path(next(iter(spec.submodule_search_locations)), "networks")
    found = sorted(root.rglob(name))
    if not found:
        raise SystemExit(f"no {name} in {root}")
    return found[0]


def toolkit_open_and_solve(path: Path, scratch: Path) -> float:
    """Seconds for EPANET alone: open, open hydraulics, solve time 0, close."""
    start = time.process_time()
    ph = en.createproject()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        en.open(ph, str(path), str(scratch / "toolkit.rpt"), "")
        en.settimeparam(ph, en.DURATION, 0)
        en.openH(ph)
        en.initH(ph, en.NOSAVE)
        en.runH(ph)
    en.closeH(ph)
    en.close(ph)
    en.deleteproject(ph)
    return time.process_time() - start


def check(path: Path, limit_m: float | None) -> tuple[float, Callable[[], dict[str, Any]]]:
    """Seconds for what `network check` computes on an .inp, and how to build its JSON payload
    (the defaults an .inp is judged by: data/network/design.yaml)."""
    defaults = load_design_defaults()
    judged = settings(defaults, limit_m)
    ranges = checks.velocity_ranges(defaults.velocity_ranges)
    start = time.process_time()
    with open_inp(path) as project:
        peak = checks.peak_hour(
            project, judged.limit_m, required_pressure_m=judged.required_pressure_m
        )
        topology = project.topology
        pumps = checks.pump_points(project, peak.solution)
        pipes = checks.pipe_checks(topology, peak.solution, ranges, defaults.standard_dn_mm)
    seconds = time.process_time() - start

    def payload() -> dict[str, Any]:
        return {
            "peak_hour": summary.head_check(peak.check),
            "pressure_driven": None
            if peak.pressure_driven is None
            else summary.head_check(peak.pressure_driven),
            "pump_points": summary.pump_points(pumps),
            "pipes": summary.rows(pipes),
            "nodes": summary.node_table(topology, peak.solution),
            "links": summary.link_table(topology, peak.solution),
        }

    return seconds, payload


def write_output(payload: Callable[[], dict[str, Any]], scratch: Path) -> tuple[float, int]:
    """Seconds to build the payload and write it as JSON, as `--format json` does; nodes."""
    start = time.process_time()
    built = payload()
    with Path(scratch, "check.json").open("w", encoding="utf-8") as out:
        out.write(json.dumps(built, ensure_ascii=False))
    return time.process_time() - start, len(built["nodes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="BWSN_Network_2.inp")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-head", type=float, default=None)
    args = parser.parse_args()
    path = shipped(args.network)
    toolkit_s: list[float] = []
    check_s: list[float] = []
    output_s: list[float] = []
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        toolkit_open_and_solve(path, scratch)  # warm the file cache for both
        for _ in range(args.repeat):
            # Each run starts as a fresh command would: the last run's objects collected.
            gc.collect()
            toolkit_s.append(toolkit_open_and_solve(path, scratch))
            gc.collect()
            seconds, payload = check(path, args.min_head)
            check_s.append(seconds)
            written, nodes = write_output(payload, scratch)
            output_s.append(written)
            del payload
        size_mb = Path(scratch, "check.json").stat().st_size / 1e6
    # Best of the runs: load from other processes only ever adds time.
    toolkit, ours, output = (min(s) for s in (toolkit_s, check_s, output_s))
    print(f"network: {path.name} ({path.stat().st_size / 1e6:.2f} MB, {nodes} nodes)")
    print(f"  toolkit open + solve : {toolkit * 1000:8.1f} ms (CPU, best of {args.repeat})")
    print(f"  reclaim check        : {ours * 1000:8.1f} ms")
    print(f"  JSON output          : {output * 1000:8.1f} ms ({size_mb:.1f} MB built and written)")
    print(f"check / toolkit      : {ours / toolkit:.2f}x  (target <= 2, plus the output)")
    print(f"(check + output) / toolkit : {(ours + output) / toolkit:.2f}x")
    medians = [statistics.median(s) * 1000 for s in (toolkit_s, check_s, output_s)]
    print("medians (ms): toolkit {:.1f}, check {:.1f}, output {:.1f}".format(*medians))


if __name__ == "__main__":
    main()
