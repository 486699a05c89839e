"""Benchmark: start-up time of every `reclaim` command against references measured in the same run.

References: `python -c pass` (the interpreter alone) and a minimal Typer app with the same
two-level command tree as `reclaim` (the same groups and command names and help style, no
options, no imports beyond Typer), so the ratio shows what reclaim's own imports cost. Each
command is run `--repeat` times, the commands interleaved so that a busy machine slows all of
them alike; the figure is the median CPU time (user + system) of the child process, which a
shared machine disturbs far less than wall time (shown beside it). Every child runs with its
bytecode cached, as an installed package has it (pip compiles it): PYTHONDONTWRITEBYTECODE is
dropped and the bytecode goes to a temporary PYTHONPYCACHEPREFIX, filled by one unmeasured run of
each command. Targets (issue 12): every
`--help` within 1.5× of the minimal app's, and `plan run examples/shuozhou.yaml` at most 1 s
above the minimal app's `--help`. Run:

    .venv/bin/python benchmarks/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer.main

from reclaim.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
HELP_RATIO_TARGET = 1.5
PLAN_RUN_EXCESS_TARGET_S = 1.0


def command_tree() -> dict[str | None, list[str]]:
    """reclaim's groups and their commands (None: the top-level commands)."""
    root = typer.main.get_command(app)
    tree: dict[str | None, list[str]] = {None: []}
    for name, command in getattr(root, "commands", {}).items():
        if hasattr(command, "commands"):
            tree[name] = sorted(command.commands)
        else:
            tree[None].append(name)
    return tree


def minimal_app_source(tree: dict[str | None, list[str]], markup_mode: str | None) -> str:
    """A Typer app with the same tree and help style (rich panels or plain) and nothing else."""
    lines = [
        "import typer",
        f"app = typer.Typer(no_args_is_help=True, rich_markup_mode={markup_mode!r})",
    ]
    for index, (group, commands) in enumerate(tree.items()):
        owner = "app"
        if group is not None:
            owner = f"g{index}"
            lines.append(
                f"{owner} = typer.Typer(no_args_is_help=True, rich_markup_mode={markup_mode!r})"
            )
            lines.append(f"app.add_typer({owner}, name={group!r})")
        for number, command in enumerate(commands):
            lines.append(f"@{owner}.command({command!r})")
            lines.append(f"def c{index}_{number}() -> None:\n    '''A command.'''")
    lines.append("@app.callback()\ndef main() -> None:\n    '''The minimal app.'''")
    lines.append("app()")
    return "\n".join(lines) + "\n"


def child_environment(pycache: Path) -> dict[str, str]:
    """The environment of every measured run: bytecode cached under `pycache`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of `argv`."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} exited {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    tree = command_tree()
    with tempfile.TemporaryDirectory() as folder:
        minimal = Path(folder) / "minimal_app.py"
        minimal.write_text(minimal_app_source(tree, getattr(app, "rich_markup_mode", "rich")))
        reclaim = [python, "-m", "reclaim"]
        cases: dict[str, tuple[list[str], list[str] | None]] = {
            "python -c pass": ([python, "-c", "pass"], None),
            "--help": ([*reclaim, "--help"], [python, str(minimal), "--help"]),
        }
        for group, commands in tree.items():
            prefix = [] if group is None else [group]
            if group is not None:
                cases[f"{group} --help"] = (
                    [*reclaim, group, "--help"],
                    [python, str(minimal), group, "--help"],
                )
            for command in commands:
                words = [*prefix, command]
                cases[f"{' '.join(words)} --help"] = (
                    [*reclaim, *words, "--help"],
                    [python, str(minimal), *words, "--help"],
                )
        plan_run = [*reclaim, "plan", "run", "examples/shuozhou.yaml"]
        env = child_environment(Path(folder) / "pycache")
        for ours, reference in [*cases.values(), (plan_run, None)]:  # fills the bytecode cache
            measure(ours, env)
            if reference is not None:
                measure(reference, env)
        runs: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for name, (ours, reference) in cases.items():
                runs.setdefault(name, []).append(measure(ours, env))
                if reference is not None:
                    runs.setdefault(f"minimal {name}", []).append(measure(reference, env))
            runs.setdefault("plan run examples/shuozhou.yaml", []).append(measure(plan_run, env))

    def median(name: str, index: int = 0) -> float:
        return statistics.median(run[index] for run in runs[name])

    bare = median("python -c pass")
    minimal_help = median("minimal --help")
    print(f"median of {args.repeat} runs, CPU seconds (wall seconds in brackets)")
    print(f"{'python -c pass':<34} {bare:6.3f} s  ({median('python -c pass', 1):6.3f})")
    print(f"{'minimal app --help':<34} {minimal_help:6.3f} s  ({median('minimal --help', 1):6.3f})")
    print()
    print(f"{'reclaim …':<34} {'ours':>7} {'minimal':>8} {'ratio':>6} {'× pass':>7}  target")
    worst = 0.0
    for name, (_, reference) in cases.items():
        if reference is None:
            continue
        ours, theirs = median(name), median(f"minimal {name}")
        ratio = ours / theirs
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= HELP_RATIO_TARGET else f"OVER {HELP_RATIO_TARGET}×"
        print(
            f"{name:<34} {ours:6.3f}s {theirs:7.3f}s {ratio:5.2f}× {ours / bare:6.1f}×  {verdict}"
        )
    plan = median("plan run examples/shuozhou.yaml")
    excess = plan - minimal_help
    verdict = "ok" if excess <= PLAN_RUN_EXCESS_TARGET_S else f"OVER {PLAN_RUN_EXCESS_TARGET_S} s"
    print()
    print(
        f"{'plan run examples/shuozhou.yaml':<34} {plan:6.3f}s "
        f"(wall {median('plan run examples/shuozhou.yaml', 1):.3f} s): "
        f"{excess:+.3f} s against the minimal app's --help  {verdict}"
    )
    print(f"worst --help ratio {worst:.2f}× (target ≤ {HELP_RATIO_TARGET}×)")


if __name__ == "__main__":
    main()
