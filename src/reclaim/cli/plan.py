"""`reclaim plan …`: compute, audit, stress and report a reclaimed-water special plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from reclaim.cli.common import (
    JsonOpt,
    RoundingOpt,
    ScenarioArg,
    SeedOpt,
    console,
    err_console,
    load_scenario_with_notes,
    reports_input_errors,
)

if TYPE_CHECKING:
    from reclaim.planning.engine import PlanResult
    from reclaim.planning.results import HorizonFigures

plan_app = typer.Typer(
    help="Plan: demand, supply, balance, facilities, investment, audit.", no_args_is_help=True
)

_ROWS: list[tuple[Callable[[HorizonFigures], Any], str, str]] = [
    (lambda h: h.demand.total_m3_per_day, "max-day demand", "m³/d"),
    (lambda h: h.demand.total_1e4_m3_per_year, "annual demand", "万 m³/yr"),
    (lambda h: h.domestic_1e4_m3_per_day, "domestic water", "万 m³/d"),
    (lambda h: h.industrial_1e4_m3_per_day, "industrial water", "万 m³/d"),
    (lambda h: h.water_supply_1e4_m3_per_day, "water supplied", "万 m³/d"),
    (lambda h: h.sewage_1e4_m3_per_day, "sewage treated", "万 m³/d"),
    (lambda h: h.cap_supply_1e4_m3_per_day, "reuse cap × sewage", "万 m³/d"),
    (lambda h: h.plants.reclaimed_capacity_1e4_m3_per_day, "plant capacity", "万 m³/d"),
    (lambda h: h.reclaimed_supply_1e4_m3_per_day, "reclaimed supply", "万 m³/d"),
    (lambda h: h.balance_1e4_m3_per_day, "max-day balance", "万 m³/d"),
    (lambda h: h.demand.busiest_day_m3_per_day, "busiest calendar day", "m³/d"),
    (lambda h: h.delivered_1e4_m3_per_year, "delivered (capped at supply)", "万 m³/yr"),
    (lambda h: h.shortfall_1e4_m3_per_year, "annual shortfall", "万 m³/yr"),
    (lambda h: h.utilisation_rate, "utilisation (as published)", "%"),
    (lambda h: h.utilisation_rate_capped, "utilisation (capped at supply)", "%"),
    (lambda h: h.target_utilisation_rate, "utilisation target", "%"),
    (
        lambda h: h.pump_stations and h.pump_stations.required_total_peak_hour_m3_per_hour,
        "pump rate needed (max-day × peak ÷ 24)",
        "m³/h",
    ),
    (lambda h: h.pipes and h.pipes.length_km, "pipe laid in phase", "km"),
    (lambda h: h.investment_1e4_yuan, "investment in phase", "万元"),
    (
        lambda h: h.economics and h.economics.revenue_1e4_yuan_per_year,
        "revenue at prices given",
        "万元/yr",
    ),
    (
        lambda h: h.economics and h.economics.freshwater_displaced_1e4_m3_per_year,
        "freshwater displaced",
        "万 m³/yr",
    ),
]


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.2f}"
    return f"{value:,.2f}"


def _print_tables(result: PlanResult) -> None:
    horizons = [result.horizon(y) for y in result.scenario.horizons]
    table = Table(
        title=f"{result.scenario.region.name_zh} / {result.scenario.region.name_en}"
        f" — rounding: {result.rounding}"
    )
    table.add_column("figure")
    table.add_column("unit")
    for h in horizons:
        table.add_column(str(h.year), justify="right")
    for use in result.scenario.uses:
        table.add_row(
            f"  {use.name_en}",
            "m³/d",
            *(_fmt(h.demand.by_use[use.id].m3_per_day, "") for h in horizons),
        )
    for figure, label, unit in _ROWS:
        values = [figure(h) for h in horizons]
        if any(v is not None for v in values):
            table.add_row(label, unit, *(_fmt(v, unit) for v in values))
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
    if result.assumed:
        assumed = Table(title=f"Assumed: {len(result.assumed)} inputs the plan does not print")
        for column in ("input", "why"):
            assumed.add_column(column, overflow="fold")
        for entry in result.assumed:
            assumed.add_row(entry.input, entry.why)
        console.print(assumed)


@plan_app.command("run", short_help="Every figure per horizon, and the audit of the plan.")
@reports_input_errors
def run(
    scenario: ScenarioArg,
    as_json: bool = JsonOpt,
    rounding: RoundingOpt = "full",
) -> None:
    """Compute every figure per horizon and audit the figures the plan publishes."""
    from reclaim.io.scenario_file import plants_fitness
    from reclaim.planning.engine import run_plan
    from reclaim.planning.rounding import rounding_mode

    loaded = load_scenario_with_notes(scenario)
    result = run_plan(loaded, rounding_mode(rounding, "--rounding"), plants_fitness(loaded))
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        _print_tables(result)


@plan_app.command("sensitivity", short_help="P10/P50/P90 and P(supply short) over sampled inputs.")
@reports_input_errors
def sensitivity(
    scenario: ScenarioArg,
    samples: Annotated[
        int, typer.Option("--samples", "-n", metavar="N", help="Number of samples drawn.")
    ] = 100_000,
    seed: int = SeedOpt,
    chunk: Annotated[
        int,
        typer.Option(
            metavar="N",
            help="Samples computed at once (bounds memory); the figures do not change with it.",
        ),
    ] = 100_000,
    as_json: bool = JsonOpt,
) -> None:
    """P10/P50/P90 of demand, balance and utilisation, and the chance that supply falls short."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from reclaim.planning.sensitivity import run_sensitivity

    loaded = load_scenario_with_notes(scenario)
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
            loaded, samples, seed, chunk, on_chunk=lambda k: progress.advance(task, k)
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

plan_app.command("report", short_help="Write the plan report (HTML and Markdown).")(report)
