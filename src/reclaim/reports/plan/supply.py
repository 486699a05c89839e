"""Section 3: the sewage forecast (by the plan's driver) and the reclaimed-water supply."""

from __future__ import annotations

from collections.abc import Callable

from reclaim.planning.results import HorizonFigures, SewageInputs
from reclaim.reports.document import Cell, Row, Section
from reclaim.reports.labels import PERCENT
from reclaim.reports.plan.context import PlanContext, text
from reclaim.units import M3_PER_1E4_M3, Number


def render(ctx: PlanContext, section: Section) -> None:
    if ctx.scenario.sewage.driver != "population":
        _by_driver(ctx, section)
        return
    u = ctx.labels
    section.paragraph(
        u(
            "supply_text",
            f_dom=ctx.across(
                lambda h: h.sewage_inputs.discharge_factor_domestic,
                lambda v: u.number(v, "factor"),
            ),
            f_ind=ctx.across(
                lambda h: h.sewage_inputs.discharge_factor_industrial,
                lambda v: u.number(v, "factor"),
            ),
            unforeseen=ctx.across(lambda h: h.sewage_inputs.unforeseen_factor, u.percent),
            cap=ctx.across(lambda h: h.sewage_inputs.reuse_cap, u.percent),
        )
    )
    rows = [
        ctx.figure_row(
            u("r_population"),
            u("u_1e4_persons"),
            _given(ctx, lambda i: i.population_1e4_persons, "persons_1e4"),
        ),
        ctx.figure_row(
            u("r_per_capita"),
            u("u_l_per_person_day"),
            _given(ctx, lambda i: i.domestic_l_per_person_day, "l_per_person_day"),
        ),
        ctx.figure_row(
            u("r_domestic"),
            u("u_1e4_m3_per_day"),
            _figure(ctx, lambda h: h.domestic_1e4_m3_per_day),
        ),
        ctx.figure_row(
            u("r_industrial_land"), u("u_ha"), _given(ctx, lambda i: i.industrial_land_ha, "ha")
        ),
        ctx.figure_row(
            u("r_industrial_index"),
            u("u_1e4_m3_per_km2_day"),
            _given(ctx, lambda i: i.industrial_index_m3_per_km2_day, "factor", 1.0 / M3_PER_1E4_M3),
        ),
        ctx.figure_row(
            u("r_industrial"),
            u("u_1e4_m3_per_day"),
            _figure(ctx, lambda h: h.industrial_1e4_m3_per_day),
        ),
        ctx.figure_row(
            u("r_discharge_dom"),
            u("u_factor"),
            _given(ctx, lambda i: i.discharge_factor_domestic, "factor"),
        ),
        ctx.figure_row(
            u("r_discharge_ind"),
            u("u_factor"),
            _given(ctx, lambda i: i.discharge_factor_industrial, "factor"),
        ),
        ctx.figure_row(
            u("r_unforeseen"),
            u("u_percent"),
            _given(ctx, lambda i: i.unforeseen_factor, "percent", PERCENT),
        ),
        *_sewage_and_cap(ctx),
    ]
    rows.append(_supply_row(ctx))
    section.table(u("t_supply"), ctx.figure_columns(), rows)


def _by_driver(ctx: PlanContext, section: Section) -> None:
    """Sewage from a water-supply forecast, the plants' load, or a measured volume."""
    u = ctx.labels
    driver = ctx.scenario.sewage.driver
    cap = ctx.across(lambda h: h.sewage_inputs.reuse_cap, u.percent)
    section.paragraph(u(f"supply_text_{driver}", cap=cap))
    rows = []
    if driver == "water_supply":
        rows += [
            ctx.figure_row(
                u("r_water_supply"),
                u("u_1e4_m3_per_day"),
                _figure(ctx, lambda h: h.water_supply_1e4_m3_per_day),
            ),
            ctx.figure_row(
                u("r_discharge"),
                u("u_percent"),
                _given(ctx, lambda i: i.discharge_factor, "percent", PERCENT),
            ),
            ctx.figure_row(
                u("r_collection"),
                u("u_percent"),
                _given(ctx, lambda i: i.collection_rate, "percent", PERCENT),
            ),
        ]
    elif driver == "plant_load":
        rows.append(
            ctx.figure_row(
                u("r_load_rate"),
                u("u_percent"),
                _given(ctx, lambda i: i.load_rate, "percent", PERCENT),
            )
        )
    rows += [
        *_sewage_and_cap(ctx),
        ctx.figure_row(
            u("r_cap_supply"),
            u("u_1e4_m3_per_day"),
            _figure(ctx, lambda h: h.cap_supply_1e4_m3_per_day),
        ),
        ctx.figure_row(
            u("r_plant_capacity"),
            u("u_1e4_m3_per_day"),
            _figure(ctx, lambda h: h.plants.reclaimed_capacity_1e4_m3_per_day),
        ),
    ]
    rows.append(_supply_row(ctx))
    section.table(u("t_supply"), ctx.figure_columns(), rows)


def _given(
    ctx: PlanContext,
    read: Callable[[SewageInputs], Number | None],
    kind: str,
    scale: float = 1.0,
) -> Callable[[str], Cell]:
    """A sewage input of each horizon, scaled (to %, to 万 m³) and printed as `kind`."""

    def cell(y: str) -> Cell:
        value = read(ctx.h(y).sewage_inputs)
        return text(ctx.labels.number(None if value is None else value * scale, kind))

    return cell


def _figure(
    ctx: PlanContext, read: Callable[[HorizonFigures], Number | None]
) -> Callable[[str], Cell]:
    """A computed volume of each horizon, in 万 m³."""
    return lambda y: text(ctx.labels.number(read(ctx.h(y)), "1e4_m3"))


def _sewage_and_cap(ctx: PlanContext) -> list[Row]:
    u = ctx.labels
    return [
        ctx.figure_row(
            u("r_sewage_day"),
            u("u_1e4_m3_per_day"),
            _figure(ctx, lambda h: h.sewage_1e4_m3_per_day),
        ),
        ctx.figure_row(
            u("r_sewage_year"),
            u("u_1e4_m3_per_year"),
            _figure(ctx, lambda h: h.sewage_1e4_m3_per_year),
        ),
        ctx.figure_row(
            u("r_reuse_cap"), u("u_percent"), _given(ctx, lambda i: i.reuse_cap, "percent", PERCENT)
        ),
    ]


def _supply_row(ctx: PlanContext) -> Row:
    u = ctx.labels
    row = ctx.figure_row(
        u("r_supply"),
        u("u_1e4_m3_per_day"),
        _figure(ctx, lambda h: h.reclaimed_supply_1e4_m3_per_day),
    )
    return Row(row.cells, total=True)
