"""Section 2: demand by use (max day and year), the area drivers, and the demand chart."""

from __future__ import annotations

from reclaim.planning.engine import INDUSTRIAL_CATEGORY
from reclaim.reports import charts
from reclaim.reports.document import Column, Row, Section
from reclaim.reports.labels import PERCENT
from reclaim.reports.plan.context import PlanContext, text


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    totals = u("list_sep").join(
        u(
            "demand_sum",
            horizon=ctx.horizon(y),
            m3=u.number(ctx.h(y).demand.total_m3_per_day, "m3_per_day"),
            year=u.number(ctx.h(y).demand.total_1e4_m3_per_year, "1e4_m3"),
        )
        for y in ctx.years
    )
    section.paragraph(u("demand_text", totals=totals))
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_use"), kind="text"),
        Column(u("col_category"), kind="nowrap"),
        Column(u("col_priority")),
        Column(u("col_days")),
    ]
    for y in ctx.years:
        columns.append(Column(u("col_m3_per_day"), group=ctx.horizon(y)))
        columns.append(Column(u("col_1e4_m3_per_year"), group=ctx.horizon(y)))
    rows: list[Row] = []
    uses = ctx.scenario.uses
    industrial = [use for use in uses if use.category == INDUSTRIAL_CATEGORY]
    for number, use in enumerate(uses, start=1):
        cells = [
            text(str(number)),
            text(u.name(use)),
            text(ctx.category(use.category)),
            text(str(use.priority)),
            text(ctx.across_use(use.id, lambda f: f.days_per_year, str)),
        ]
        for y in ctx.years:
            entry = ctx.h(y).demand.by_use[use.id]
            cells.append(text(u.number(entry.m3_per_day, "m3_per_day")))
            cells.append(text(u.number(entry.annual_1e4_m3, "1e4_m3")))
        rows.append(Row(cells))
        if len(industrial) > 1 and use is industrial[-1]:
            category = ctx.category(INDUSTRIAL_CATEGORY)
            label = (
                f"{u('subtotal')}（{category}）"
                if u.lang == "zh"
                else f"{u('subtotal')} ({category})"
            )
            rows.append(_total_row(ctx, label, industrial=True))
    rows.append(_total_row(ctx, u("total"), industrial=False))
    section.table(u("t_demand"), columns, rows)
    _drivers(ctx, section)
    series = [
        (
            ctx.chart_labels.name(use),
            [float(ctx.h(y).demand.by_use[use.id].m3_per_day) for y in ctx.years],
        )
        for use in uses
    ]
    svg = charts.demand_by_use(
        ctx.chart_horizons(),
        series,
        ctx.chart_labels("chart_demand_y"),
        lambda v: u.number(v, "m3_per_day"),
        ctx.chart_font,
    )
    section.chart(u("f_demand"), svg, "demand")
    if ctx.chart_labels is not u:
        section.paragraph(u("chart_font_note"), note=True)


def _total_row(ctx: PlanContext, label: str, industrial: bool) -> Row:
    """The industrial subtotal, or the total of every use."""
    u = ctx.labels
    cells = [text(""), text(label), text(""), text(""), text("")]
    for y in ctx.years:
        demand = ctx.h(y).demand
        daily = demand.industrial_m3_per_day if industrial else demand.total_m3_per_day
        annual = demand.industrial_1e4_m3_per_year if industrial else demand.total_1e4_m3_per_year
        cells.append(text(u.number(daily, "m3_per_day")))
        cells.append(text(u.number(annual, "1e4_m3")))
    return Row(cells, total=True)


def _drivers(ctx: PlanContext, section: Section) -> None:
    """Area, coverage and rate of the area-driven uses (watering), as plans tabulate them."""
    u = ctx.labels
    area_uses = [use for use in ctx.scenario.uses if use.driver == "area"]
    if not area_uses:
        return
    columns = [Column(u("col_use"), kind="text"), Column(u("col_rate_m2"))]
    for y in ctx.years:
        columns.append(Column(u("col_area"), group=ctx.horizon(y)))
        columns.append(Column(u("col_coverage"), group=ctx.horizon(y)))
    rows = []
    for use in area_uses:
        rate = ctx.across_use(
            use.id, lambda f: f.rate_l_per_m2_day, lambda v: u.number(v, "l_per_m2_day")
        )
        cells = [text(u.name(use)), text(rate)]
        for y in ctx.years:
            entry = ctx.h(y).demand.by_use[use.id]
            coverage = None if entry.coverage is None else entry.coverage * PERCENT
            cells.append(text(u.number(entry.area_ha, "ha")))
            cells.append(text(u.number(coverage, "percent")))
        rows.append(Row(cells))
    section.table(u("t_demand_drivers"), columns, rows)
