"""`reclaim plan …`: compute, audit, stress and report a reclaimed-water special plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reclaim.cli.common import console, err_console, reports_input_errors
from reclaim.io.scenario_file import load_scenario, plants_fitness, rate_notes
from reclaim.planning.engine import PlanResult, run_plan
from reclaim.planning.figures import lookup_figure
from reclaim.planning.rounding import rounding_mode
from reclaim.planning.sensitivity import run_sensitivity

plan_app = typer.Typer(
    help="Plan: demand, supply, balance, facilities, investment, audit.", no_args_is_help=True
)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file (see examples/).")]
RoundingOpt = Annotated[
    str, typer.Option("--rounding", help="full (default) or plan: round as the document prints.")
]

_ROWS: list[tuple[str, str, str]] = [
    ("demand.total_m3_per_day", "max-day demand", "m³/d"),
    ("demand.total_1e4_m3_per_year", "annual demand", "万 m³/yr"),
    ("domestic_1e4_m3_per_day", "domestic water", "万 m³/d"),
    ("industrial_1e4_m3_per_day", "industrial water", "万 m³/d"),
    ("sewage_1e4_m3_per_day", "sewage treated", "万 m³/d"),
    ("reclaimed_supply_1e4_m3_per_day", "reclaimed supply", "万 m³/d"),
    ("balance_1e4_m3_per_day", "max-day balance", "万 m³/d"),
    ("utilisation_rate", "utilisation (as published)", "%"),
    ("utilisation_rate_capped", "utilisation (capped at supply)", "%"),
    ("target_utilisation_rate", "utilisation target", "%"),
    ("plants.reclaimed_capacity_1e4_m3_per_day", "plant capacity", "万 m³/d"),
    (
        "pump_stations.required_total_peak_hour_m3_per_hour",
        "pump rate needed (max-day × peak ÷ 24)",
        "m³/h",
    ),
    ("pipes.length_km", "pipe laid in phase", "km"),
    ("investment_1e4_yuan", "investment in phase", "万元"),
    ("economics.revenue_1e4_yuan_per_year", "revenue at prices given", "万元/yr"),
    ("economics.freshwater_displaced_1e4_m3_per_year", "freshwater displaced", "万 m³/yr"),
]


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.2f}"
    return f"{value:,.2f}"


def _print_tables(result: PlanResult) -> None:
    data = result.to_json_dict()
    years = [str(y) for y in result.scenario.horizons]
    table = Table(
        title=f"{result.scenario.region.name_zh} / {result.scenario.region.name_en}"
        f" — rounding: {result.rounding}"
    )
    table.add_column("figure")
    table.add_column("unit")
    for year in years:
        table.add_column(year, justify="right")
    for use in result.scenario.uses:
        table.add_row(
            f"  {use.name_en}",
            "m³/d",
            *(_fmt(data[y]["demand"]["by_use"][use.id]["m3_per_day"], "") for y in years),
        )
    for key, label, unit in _ROWS:
        table.add_row(label, unit, *(_fmt(lookup_figure(data[y], key), unit) for y in years))
    console.print(table)
    if result.audit:
        audit = Table(title=f"Audit: {len(result.audit)} inconsistencies in the published plan")
        for column in ("figure", "published", "computed", "source", "note"):
            audit.add_column(column, overflow="fold")
        for item in result.audit:
            audit.add_row(
                item.figure, str(item.published), str(item.computed), item.source, item.note
            )
        console.print(audit)


@plan_app.command("run")
@reports_input_errors
def run(
    scenario: ScenarioArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print every figure as JSON.")] = False,
    rounding: RoundingOpt = "full",
) -> None:
    """Compute every figure per horizon and audit the figures the plan publishes."""
    loaded = load_scenario(scenario)
    for note in rate_notes(loaded):
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    result = run_plan(loaded, rounding_mode(rounding, "--rounding"), plants_fitness(loaded))
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        _print_tables(result)


@plan_app.command("sensitivity")
@reports_input_errors
def sensitivity(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Number of samples.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same figures).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """P10/P50/P90 of demand, balance and utilisation, and the chance that supply falls short."""
    loaded = load_scenario(scenario)
    with Progress(
        TextColumn("sampling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("samples", total=samples)
        summary = run_sensitivity(
            loaded, samples, seed, on_chunk=lambda k: progress.advance(task, k)
        )
    if as_json:
        typer.echo(json.dumps(summary.to_json_dict(), indent=2))
        return
    table = Table(title=f"Sensitivity, {samples:,} samples (seed {seed})")
    for column in ("horizon", "output", "P10", "P50", "P90"):
        table.add_column(column, justify="right" if column.startswith("P") else "left")
    for year, outputs in summary.quantiles.items():
        for name, q in outputs.items():
            shown = "{:.2%}" if name.startswith("utilisation") else "{:,.2f}"
            table.add_row(year, name, *(shown.format(q[p]) for p in ("p10", "p50", "p90")))
        table.add_row(year, "P(supply short)", "", f"{summary.probability_short[year]:.1%}", "")
    console.print(table)


from reclaim.cli.plan_report import report  # noqa: E402

plan_app.command("report")(report)
