"""`reclaim plan …`: compute, audit, stress and report a reclaimed-water special plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from reclaim.cli.common import (
    JsonOpt,
    LangOpt,
    RoundingOpt,
    ScenarioArg,
    SeedOpt,
    load_labels,
    load_scenario_with_notes,
    print_json,
    reports_input_errors,
    rich_console,
)
from reclaim.cli.tables import Column, echo, render

if TYPE_CHECKING:
    from reclaim.planning.engine import PlanResult
    from reclaim.planning.results import HorizonFigures
    from reclaim.reports.labels import Labels

plan_app = typer.Typer(
    help="Plan: demand, supply, balance, facilities, investment, audit.", no_args_is_help=True
)

_ROWS: list[tuple[Callable[[HorizonFigures], Any], str, str]] = [
    (lambda h: h.demand.total_m3_per_day, "r_demand_day", "m3_per_day"),
    (lambda h: h.demand.total_1e4_m3_per_year, "kf_demand_year", "1e4_m3_per_year"),
    (lambda h: h.domestic_1e4_m3_per_day, "r_domestic", "1e4_m3_per_day"),
    (lambda h: h.industrial_1e4_m3_per_day, "r_industrial", "1e4_m3_per_day"),
    (lambda h: h.water_supply_1e4_m3_per_day, "r_water_supply", "1e4_m3_per_day"),
    (lambda h: h.sewage_1e4_m3_per_day, "r_sewage_day", "1e4_m3_per_day"),
    (lambda h: h.cap_supply_1e4_m3_per_day, "r_cap_supply", "1e4_m3_per_day"),
    (lambda h: h.plants.reclaimed_capacity_1e4_m3_per_day, "r_plant_capacity", "1e4_m3_per_day"),
    (lambda h: h.reclaimed_supply_1e4_m3_per_day, "r_supply", "1e4_m3_per_day"),
    (lambda h: h.balance_1e4_m3_per_day, "r_balance", "1e4_m3_per_day"),
    (lambda h: h.demand.busiest_day_m3_per_day, "cli_busiest_day", "m3_per_day"),
    (lambda h: h.delivered_1e4_m3_per_year, "r_use_delivered", "1e4_m3_per_year"),
    (lambda h: h.shortfall_1e4_m3_per_year, "cli_shortfall", "1e4_m3_per_year"),
    (lambda h: h.utilisation_rate, "r_rate_published", "percent"),
    (lambda h: h.utilisation_rate_capped, "r_rate_capped", "percent"),
    (lambda h: h.target_utilisation_rate, "r_target", "percent"),
    (
        lambda h: h.pump_stations and h.pump_stations.required_total_peak_hour_m3_per_hour,
        "cli_pump_needed",
        "m3_per_hour",
    ),
    (lambda h: h.pipes and h.pipes.length_km, "kf_pipes", "km"),
    (lambda h: h.investment_1e4_yuan, "kf_investment", "1e4_yuan"),
    (
        lambda h: h.economics and h.economics.revenue_1e4_yuan_per_year,
        "r_revenue",
        "1e4_yuan_per_year",
    ),
    (
        lambda h: h.economics and h.economics.freshwater_displaced_1e4_m3_per_year,
        "r_displaced",
        "1e4_m3_per_year",
    ),
]
"""Each row of the `plan run` table: the figure, its label and its unit (label `u_<unit>`)."""

_OUTPUT_UNITS = ("1e4_m3_per_day", "1e4_m3_per_year", "m3_per_day")
"""Units a sensitivity output's key ends with (the rest are rates, shown in %)."""


def _unit(labels: Labels, unit: str) -> str:
    return labels(f"u_{unit}")


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value * 100:.2f}"
    return f"{value:,.2f}"


def _plain(value: Any, labels: Labels) -> str:
    """An audit value as printed: numbers without binary noise, none as "—"."""
    if value is None:
        return labels("none")
    if isinstance(value, float):
        return labels.engine_text(f"{value:.10g}")
    return labels.engine_text(str(value))


def _print_tables(result: PlanResult, labels: Labels) -> None:
    scenario = result.scenario
    horizons = [result.horizon(y) for y in scenario.horizons]
    title = labels(
        "cli_plan_title",
        region=labels.name(scenario.region),
        rounding=labels(f"rounding_{result.rounding}"),
    )
    columns = [
        Column(labels("cli_figure"), "text"),
        Column(labels("cli_unit"), "id"),
        *(Column(str(h.year), "number") for h in horizons),
    ]
    rows = [
        [
            f"  {labels.name(use)}",
            labels("u_m3_per_day"),
            *(_fmt(h.demand.by_use[use.id].m3_per_day, "") for h in horizons),
        ]
        for use in scenario.uses
    ]
    for figure, label, unit in _ROWS:
        values = [figure(h) for h in horizons]
        if any(v is not None for v in values):
            rows.append([labels(label), _unit(labels, unit), *(_fmt(v, unit) for v in values)])
    tables = [render(title, columns, rows)]
    if result.audit:
        columns = [
            Column(labels("cli_figure"), "text"),
            Column(labels("col_published"), "text"),
            Column(labels("col_computed"), "text"),
            Column(labels("col_source"), "note"),
            Column(labels("col_note"), "note"),
        ]
        rows = [
            [
                labels.figure_name(item.figure, scenario),
                _plain(item.published, labels),
                _plain(item.computed, labels),
                labels.local(item.source),
                labels.engine_text(item.note),
            ]
            for item in result.audit
        ]
        tables.append(render(labels("cli_audit_title", n=len(result.audit)), columns, rows))
    if result.assumed:
        columns = [Column(labels("col_input"), "id"), Column(labels("col_why"), "note")]
        rows = [[entry.input, labels.local(entry.why)] for entry in result.assumed]
        tables.append(render(labels("cli_assumed_title", n=len(result.assumed)), columns, rows))
    echo("\n\n".join(tables))


@plan_app.command("run", short_help="Every figure per horizon, and the audit of the plan.")
@reports_input_errors
def run(
    scenario: ScenarioArg,
    as_json: bool = JsonOpt,
    rounding: RoundingOpt = "full",
    lang: str = LangOpt,
) -> None:
    """Compute every figure per horizon and audit the figures the plan publishes."""
    from reclaim.io.scenario_file import plants_fitness
    from reclaim.planning.engine import run_plan
    from reclaim.planning.rounding import rounding_mode

    labels = load_labels(lang)
    loaded = load_scenario_with_notes(scenario)
    result = run_plan(loaded, rounding_mode(rounding, "--rounding"), plants_fitness(loaded))
    if as_json:
        print_json(result.to_json_dict())
    else:
        _print_tables(result, labels)


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
    lang: str = LangOpt,
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

    labels = load_labels(lang)
    loaded = load_scenario_with_notes(scenario)
    with Progress(
        TextColumn("sampling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=rich_console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("samples", total=samples)
        summary = run_sensitivity(
            loaded, samples, seed, chunk, on_chunk=lambda k: progress.advance(task, k)
        )
    if as_json:
        print_json(summary.to_json_dict())
        return
    columns = [
        Column(labels("cli_horizon"), "id"),
        Column(labels("cli_output"), "text"),
        Column(labels("cli_unit"), "id"),
        *(Column(p, "number") for p in ("P10", "P50", "P90")),
    ]
    rows = []
    for year, outputs in summary.quantiles.items():
        for name, q in outputs.items():
            unit = next((u for u in _OUTPUT_UNITS if name.endswith(u)), "percent")
            shown = [_fmt(q[p], unit) for p in ("p10", "p50", "p90")]
            rows.append([year, labels.figure_name(name, loaded), _unit(labels, unit), *shown])
        short = f"{summary.probability_short[year] * 100:.1f}"
        rows.append([year, labels("cli_p_short"), "%", "", short, ""])
    title = labels("cli_sensitivity_title", samples=f"{samples:,}", seed=seed)
    echo(render(title, columns, rows))


from reclaim.cli.plan_report import report  # noqa: E402

plan_app.command("report", short_help="Write the plan report (HTML and Markdown).")(report)
