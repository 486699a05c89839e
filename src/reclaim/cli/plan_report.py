"""`reclaim plan report`: write a plan's report as self-contained HTML and as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reclaim.cli.common import (
    LangOpt,
    RoundingOpt,
    ScenarioArg,
    console,
    load_scenario_with_notes,
    reports_input_errors,
)


@reports_input_errors
def report(
    scenario: ScenarioArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Directory to write report.html, report.md "
            "and the chart files into (created if missing).",
        ),
    ],
    lang: str = LangOpt,
    rounding: RoundingOpt = "full",
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Overwrite the report a folder holds already (refused by default)."
        ),
    ] = False,
) -> None:
    """Write the plan report: demand, supply, balance, utilisation, facilities, audit."""
    from reclaim.io.scenario_file import plants_fitness
    from reclaim.planning.engine import run_plan
    from reclaim.planning.rounding import rounding_mode
    from reclaim.reports.labels import Labels
    from reclaim.reports.plan_report import refuse_overwrite, write_plan_report

    Labels.load(lang)  # an unknown language fails before any work is done
    if not force:
        refuse_overwrite(out)  # before the work, not after it
    mode = rounding_mode(rounding, "--rounding")
    loaded = load_scenario_with_notes(scenario)
    with console.status(f"Computing the plan of {scenario} …"):
        result = run_plan(loaded, mode, plants_fitness(loaded))
    with console.status(f"Rendering the {lang} report into {out} …"):
        files = write_plan_report(result, out, lang, scenario.as_posix(), force)
    console.print(f"wrote {files.html}")
    console.print(f"wrote {files.markdown} (+ {len(files.charts)} charts)")
