"""Section 4: the max-day balance of supply and demand, its verdict, and the chart."""

from __future__ import annotations

from reclaim.reports import charts
from reclaim.reports.document import Section
from reclaim.reports.plan.context import PlanContext, check, signed, text


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels

    rows = [
        ctx.figure_row(
            u("r_supply"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).reclaimed_supply_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_demand_day"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).demand.total_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_balance"),
            u("u_1e4_m3_per_day"),
            lambda y: signed(ctx.h(y).balance_1e4_m3_per_day, u, "1e4_m3"),
        ),
        ctx.figure_row(
            u("r_status"),
            u("none"),
            lambda y: check(ctx.findings.horizon(int(y)).surplus, u, "surplus", "shortage"),
        ),
    ]
    section.table(u("t_balance"), ctx.figure_columns(), rows)
    for y in ctx.years:
        figures = ctx.h(y)
        gap = float(figures.balance_1e4_m3_per_day)
        key = (
            "balance_surplus_text" if ctx.findings.horizon(int(y)).surplus else "balance_short_text"
        )
        section.paragraph(
            u(
                key,
                year=ctx.horizon(y),
                supply=u.number(figures.reclaimed_supply_1e4_m3_per_day, "1e4_m3"),
                demand=u.number(figures.demand.total_1e4_m3_per_day, "1e4_m3"),
                gap=u.number(abs(gap), "1e4_m3"),
                section=ctx.section_of["s_allocation"],
            )
        )
    c = ctx.chart_labels
    series = [
        (c(name), [float(read(ctx.h(y))) for y in ctx.years])
        for name, read in (
            ("chart_demand", lambda h: h.demand.total_1e4_m3_per_day),
            ("chart_supply", lambda h: h.reclaimed_supply_1e4_m3_per_day),
            ("chart_capacity", lambda h: h.plants.reclaimed_capacity_1e4_m3_per_day),
        )
    ]
    svg = charts.grouped_bars(
        ctx.chart_horizons(),
        series,
        c("chart_balance_y"),
        lambda v: u.number(v, "1e4_m3"),
        ctx.chart_font,
        "balance",
    )
    section.chart(u("f_balance"), svg, "balance")
