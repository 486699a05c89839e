"""Section 3: the sewage forecast and the reclaimed-water supply it allows."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reclaim.reports.document import Cell, Row, Section
from reclaim.reports.plan.context import PlanContext, text
from reclaim.units import M3_PER_1E4_M3


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    sewage = ctx.scenario.sewage
    reuse_cap = sewage.reuse_cap if sewage.reuse_cap is not None else 0.0
    section.paragraph(
        u(
            "supply_text",
            f_dom=u.number(sewage.discharge_factor_domestic, "factor"),
            f_ind=u.number(sewage.discharge_factor_industrial, "factor"),
            unforeseen=u.percent(sewage.unforeseen_factor),
            cap=u.percent(reuse_cap),
        )
    )

    def given(series: Mapping[int, float], kind: str, scale: float = 1.0) -> Callable[[str], Cell]:
        return lambda y: text(u.number(series[int(y)] * scale, kind))

    def figure(key: str, kind: str = "1e4_m3") -> Callable[[str], Cell]:
        return lambda y: text(u.number(ctx.h(y)[key], kind))

    def constant(shown: str) -> Callable[[str], Cell]:
        return lambda y: text(shown)

    rows = [
        ctx.figure_row(
            u("r_population"),
            u("u_1e4_persons"),
            given(sewage.population_1e4_persons, "persons_1e4"),
        ),
        ctx.figure_row(
            u("r_per_capita"),
            u("u_l_per_person_day"),
            given(sewage.domestic_l_per_person_day, "l_per_person_day"),
        ),
        ctx.figure_row(u("r_domestic"), u("u_1e4_m3_per_day"), figure("domestic_1e4_m3_per_day")),
        ctx.figure_row(u("r_industrial_land"), u("u_ha"), given(sewage.industrial_land_ha, "ha")),
        ctx.figure_row(
            u("r_industrial_index"),
            u("u_1e4_m3_per_km2_day"),
            given(sewage.industrial_index_m3_per_km2_day, "factor", 1.0 / M3_PER_1E4_M3),
        ),
        ctx.figure_row(
            u("r_industrial"), u("u_1e4_m3_per_day"), figure("industrial_1e4_m3_per_day")
        ),
        ctx.figure_row(
            u("r_discharge_dom"),
            u("u_factor"),
            constant(u.number(sewage.discharge_factor_domestic, "factor")),
        ),
        ctx.figure_row(
            u("r_discharge_ind"),
            u("u_factor"),
            constant(u.number(sewage.discharge_factor_industrial, "factor")),
        ),
        ctx.figure_row(
            u("r_unforeseen"), u("u_percent"), constant(u.rate(sewage.unforeseen_factor))
        ),
        ctx.figure_row(u("r_sewage_day"), u("u_1e4_m3_per_day"), figure("sewage_1e4_m3_per_day")),
        ctx.figure_row(
            u("r_sewage_year"), u("u_1e4_m3_per_year"), figure("sewage_1e4_m3_per_year")
        ),
        ctx.figure_row(u("r_reuse_cap"), u("u_percent"), constant(u.rate(reuse_cap))),
    ]
    supply_row = ctx.figure_row(
        u("r_supply"), u("u_1e4_m3_per_day"), figure("reclaimed_supply_1e4_m3_per_day")
    )
    rows.append(Row(supply_row.cells, total=True))
    section.table(u("t_supply"), ctx.figure_columns(), rows)
