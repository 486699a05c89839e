"""Section 6: in a horizon that is short, what each use receives by priority."""

from __future__ import annotations

from reclaim.planning.findings import fully_met
from reclaim.reports.document import Cell, Column, Row, Section
from reclaim.reports.labels import PERCENT
from reclaim.reports.plan.context import PlanContext, text
from reclaim.units import Number


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    short = ctx.findings.shortfall_years()
    if not short:
        section.paragraph(u("allocation_none"))
        return
    section.paragraph(u("allocation_text"))
    demand_group, delivered_group = u("col_demand"), u("col_delivered")
    columns = [
        Column(u("col_use"), kind="text"),
        Column(u("col_priority")),
        Column(u("col_max_day"), group=demand_group),
        Column(u("col_year_1e4"), group=demand_group),
        Column(u("col_max_day"), group=delivered_group),
        Column(u("col_year_1e4"), group=delivered_group),
        Column(u("col_met")),
    ]
    for year in short:
        y = str(year)
        judged = ctx.findings.horizon(year)
        by_use = ctx.h(y).demand.by_use
        rows = []
        for use in sorted(ctx.scenario.uses, key=lambda x: x.priority):
            entry = by_use[use.id]
            rows.append(
                _row(
                    ctx,
                    [u.name(use), str(use.priority)],
                    [entry.m3_per_day, entry.annual_1e4_m3],
                    [entry.delivered_max_day_m3_per_day, entry.delivered_1e4_m3_per_year],
                    judged.delivered_share_by_use.get(use.id),
                )
            )
        demand = ctx.h(y).demand
        rows.append(
            _row(
                ctx,
                [u("total"), ""],
                [demand.total_m3_per_day, demand.total_1e4_m3_per_year],
                [
                    sum(float(e.delivered_max_day_m3_per_day) for e in by_use.values()),
                    ctx.h(y).delivered_1e4_m3_per_year,
                ],
                judged.delivered_share_total,
                total=True,
            )
        )
        section.table(u("t_allocation", year=ctx.horizon(y)), columns, rows)


def _row(
    ctx: PlanContext,
    names: list[str],
    demand: list[Number],
    delivered: list[Number],
    share: float | None,
    total: bool = False,
) -> Row:
    """Name and priority, demand and delivery (max day, year), and the share met."""
    u = ctx.labels
    met = fully_met(share)
    return Row(
        [
            *(text(name) for name in names),
            text(u.number(demand[0], "m3_per_day")),
            text(u.number(demand[1], "1e4_m3")),
            text(u.number(delivered[0], "m3_per_day")),
            text(u.number(delivered[1], "1e4_m3")),
            Cell(
                u.number(share * PERCENT if share is not None else None, "percent"),
                None if met is None else ("good" if met else "bad"),
            ),
        ],
        total=total,
    )
