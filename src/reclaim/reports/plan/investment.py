"""Section 8: the investment estimate by phase and item, with its sources."""

from __future__ import annotations

from reclaim.reports.document import Column, Row, Section
from reclaim.reports.plan.context import PlanContext, present, text


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    if not any(ctx.h(y).investment_by_item_1e4_yuan for y in ctx.years):
        return
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_phase"), kind="nowrap"),
        Column(u("item"), kind="text"),
        Column(u("col_quantity"), kind="text"),
        Column(u("col_amount")),
        Column(u("col_source"), kind="text"),
    ]
    rows = []
    number = 0
    for y in ctx.years:
        for item, amount in (ctx.h(y).investment_by_item_1e4_yuan or {}).items():
            number += 1
            given = [c for c in ctx.scenario.costs.items if c.phase == int(y) and c.item == item]
            quantity = "; ".join(u.local(c.quantity) for c in given if c.quantity) or u("none")
            source = "; ".join(u.local(c.source) for c in given if c.source) or u("none")
            name = u(f"cost_item_{item}") if u.has(f"cost_item_{item}") else item
            rows.append(
                Row(
                    [
                        text(str(number)),
                        text(ctx.horizon(y)),
                        text(name),
                        text(quantity),
                        text(u.number(amount, "1e4_yuan")),
                        text(source),
                    ]
                )
            )
        subtotal = u.number(ctx.h(y).investment_1e4_yuan, "1e4_yuan")
        rows.append(_total(ctx.horizon(y), u("subtotal"), subtotal))
    grand_total = u.number(present(ctx.result.figures.total).investment_1e4_yuan, "1e4_yuan")
    rows.append(_total("", u("r_grand_total"), grand_total))
    section.table(u("t_investment"), columns, rows)


def _total(phase: str, label: str, amount: str) -> Row:
    return Row(
        [text(""), text(phase), text(label), text(""), text(amount), text("")],
        total=True,
    )
