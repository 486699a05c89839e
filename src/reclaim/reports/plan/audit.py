"""Section 10: where the plan text contradicts its own inputs or itself, and the inputs it does
not print (assumed, with why)."""

from __future__ import annotations

from reclaim.reports.document import Cell, Column, Row, Section
from reclaim.reports.plan.context import PlanContext, plain, text


def render(ctx: PlanContext, section: Section) -> None:
    _discrepancies(ctx, section)
    _assumed(ctx, section)


def _assumed(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    assumed = ctx.result.assumed
    if not assumed:
        return
    section.paragraph(u("assumed_text", n=len(assumed)))
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_input"), kind="code"),
        Column(u("col_why"), kind="wide"),
    ]
    rows = [
        Row([text(str(number)), text(item.input), text(u.local(item.why))])
        for number, item in enumerate(assumed, start=1)
    ]
    section.table(u("t_assumed"), columns, rows)


def _discrepancies(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    items = ctx.result.audit
    if not items:
        section.paragraph(u("audit_none"))
        return
    section.paragraph(u("audit_text", n=len(items)))
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_figure"), kind="text"),
        Column(u("col_published"), kind="text"),
        Column(u("col_computed"), kind="text"),
        Column(u("col_source"), kind="text"),
        Column(u("col_note"), kind="wide"),
    ]
    rows = [
        Row(
            [
                text(str(number)),
                text(u.figure_name(item.figure, ctx.scenario)),
                text(u.engine_text(plain(item.published, u))),
                Cell(u.engine_text(plain(item.computed, u)), "bad"),
                text(u.local(item.source)),
                text(u.engine_text(item.note)),
            ]
        )
        for number, item in enumerate(items, start=1)
    ]
    section.table(u("t_audit"), columns, rows)
