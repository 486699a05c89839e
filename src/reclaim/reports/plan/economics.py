"""Section 9: prices, revenue and the freshwater the reclaimed water displaces."""

from __future__ import annotations

from reclaim.planning.results import EconomicsFigures
from reclaim.reports.document import Cell, Column, Row, Section
from reclaim.reports.plan.context import PlanContext, present, text


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    if ctx.h(ctx.years[0]).economics is None:
        return
    priced = [use for use in ctx.scenario.uses if use.price_yuan_per_m3 is not None]
    if priced:
        prices = [
            Row(
                [
                    text(u.name(use)),
                    text(ctx.category(use.category)),
                    text(
                        ctx.across_use(
                            use.id,
                            lambda f: f.price_yuan_per_m3,
                            lambda v: u.number(v, "yuan_per_m3"),
                        )
                    ),
                ]
            )
            for use in priced
        ]
        section.table(
            u("t_prices"),
            [
                Column(u("col_use"), kind="text"),
                Column(u("col_category"), kind="nowrap"),
                Column(u("col_price")),
            ],
            prices,
        )

    def unpriced(y: str) -> Cell:
        ids = _economics(ctx, y).unpriced_uses
        return text(u("list_sep").join(u.name(ctx.scenario.use(i)) for i in ids) or u("none"))

    rows = [
        ctx.figure_row(
            u("r_use_delivered"),
            u("u_1e4_m3_per_year"),
            lambda y: text(u.number(ctx.h(y).delivered_1e4_m3_per_year, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_revenue"),
            u("u_1e4_yuan_per_year"),
            lambda y: text(u.number(_economics(ctx, y).revenue_1e4_yuan_per_year, "1e4_yuan")),
        ),
        ctx.figure_row(u("r_unpriced"), u("none"), unpriced),
        ctx.figure_row(
            u("r_displaced"),
            u("u_1e4_m3_per_year"),
            lambda y: text(
                u.number(_economics(ctx, y).freshwater_displaced_1e4_m3_per_year, "1e4_m3")
            ),
        ),
    ]
    if present(ctx.h(ctx.years[0]).economics).freshwater_cost_saved_1e4_yuan_per_year is not None:
        rows.append(
            ctx.figure_row(
                u("r_saved"),
                u("u_1e4_yuan_per_year"),
                lambda y: text(
                    u.number(
                        _economics(ctx, y).freshwater_cost_saved_1e4_yuan_per_year,
                        "1e4_yuan",
                    )
                ),
            )
        )
    section.table(u("t_economics"), ctx.figure_columns(), rows)


def _economics(ctx: PlanContext, year: str) -> EconomicsFigures:
    return present(ctx.h(year).economics)
