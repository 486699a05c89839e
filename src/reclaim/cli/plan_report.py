"""`reclaim plan report`: write a plan's report as self-contained HTML and as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

import typer

from reclaim.cli.common import console, reports_input_errors
from reclaim.errors import InputError
from reclaim.io.scenario_file import load_scenario
from reclaim.planning.engine import run_plan
from reclaim.planning.rounding import RoundingMode
from reclaim.reports.labels import Labels
from reclaim.reports.plan_report import write_plan_report

ROUNDING_MODES: tuple[str, ...] = get_args(RoundingMode)


def _rounding(value: str) -> RoundingMode:
    if value not in ROUNDING_MODES:
        raise InputError("--rounding", value, f"one of: {', '.join(ROUNDING_MODES)}")
    return value  # type: ignore[return-value]


@reports_input_errors
def report(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file (see examples/).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Directory to write report.html, report.md "
            "and the chart files into (created if missing).",
        ),
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: zh or en.")] = "zh",
    rounding: Annotated[
        str,
        typer.Option("--rounding", help="full (default) or plan: round as the document prints."),
    ] = "full",
) -> None:
    """Write the plan report: demand, supply, balance, utilisation, facilities, audit."""
    Labels.load(lang)  # an unknown language fails before any work is done
    mode = _rounding(rounding)
    with console.status(f"Computing the plan of {scenario} …"):
        result = run_plan(load_scenario(scenario), mode)
    with console.status(f"Rendering the {lang} report into {out} …"):
        files = write_plan_report(result, out, lang, scenario.as_posix())
    console.print(f"wrote {files.html}")
    console.print(f"wrote {files.markdown} (+ {len(files.charts)} charts)")
