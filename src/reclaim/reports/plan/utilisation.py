"""Section 5: utilisation as published and capped at supply, against the plan's and the
national target, with the chart."""

from __future__ import annotations

from collections.abc import Callable

from reclaim.planning.findings import Utilisation
from reclaim.planning.results import HorizonFigures
from reclaim.reports import charts
from reclaim.reports.document import Cell, Row, Section
from reclaim.reports.labels import PERCENT
from reclaim.reports.plan.context import PlanContext, check, text
from reclaim.units import Number


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    section.paragraph(u("utilisation_text"))

    def volume(read: Callable[[HorizonFigures], Number]) -> Callable[[str], Cell]:
        return lambda y: text(u.number(read(ctx.h(y)), "1e4_m3"))

    def verdict(meets: bool | None) -> Cell:
        return text(u("none")) if meets is None else check(meets, u)

    def judged(year: str) -> Utilisation:
        return ctx.findings.horizon(int(year)).utilisation

    rows = [
        ctx.figure_row(
            u("r_use_demand"),
            u("u_1e4_m3_per_year"),
            volume(lambda h: h.demand.total_1e4_m3_per_year),
        ),
        ctx.figure_row(
            u("r_use_delivered"),
            u("u_1e4_m3_per_year"),
            volume(lambda h: h.delivered_1e4_m3_per_year),
        ),
        ctx.figure_row(
            u("r_sewage_year"), u("u_1e4_m3_per_year"), volume(lambda h: h.sewage_1e4_m3_per_year)
        ),
        ctx.figure_row(
            u("r_rate_published"),
            u("u_percent"),
            lambda y: text(u.rate(judged(y).published_rate)),
        ),
        Row(
            ctx.figure_row(u("r_rate_capped"), u("u_percent"), ctx.capped_rate_cell).cells,
            total=True,
        ),
        ctx.figure_row(u("r_target"), u("u_percent"), lambda y: text(u.rate(judged(y).target))),
        ctx.figure_row(u("r_national"), u("u_percent"), lambda y: text(u.rate(ctx.national))),
        ctx.figure_row(u("r_meets_target"), u("none"), lambda y: verdict(judged(y).meets_target)),
        ctx.figure_row(
            u("r_meets_national"), u("none"), lambda y: verdict(judged(y).meets_national)
        ),
    ]
    section.table(
        u("t_utilisation"),
        ctx.figure_columns(),
        rows,
        notes=[u("national_source", source=ctx.national_source)],
    )
    c = ctx.chart_labels
    targets = [judged(y).target for y in ctx.years]
    svg = charts.grouped_bars(
        ctx.chart_horizons(),
        [
            (c("chart_rate_published"), [judged(y).published_rate * PERCENT for y in ctx.years]),
            (c("chart_rate_capped"), [judged(y).capped_rate * PERCENT for y in ctx.years]),
        ],
        c("chart_rate_y"),
        lambda v: u.number(v, "percent"),
        ctx.chart_font,
        "utilisation",
        targets=(c("chart_target"), [t * PERCENT for t in targets if t is not None])
        if all(t is not None for t in targets)
        else None,
        reference=(c("chart_national", rate=c.percent(ctx.national)), ctx.national * PERCENT),
        labels_inside=True,
    )
    section.chart(u("f_utilisation"), svg, "utilisation")
