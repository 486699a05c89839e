"""Section 7: plants against the supply, pump stations against the peak hour, pipes laid."""

from __future__ import annotations

from reclaim.planning.findings import plant_stations
from reclaim.planning.results import PipesFigures
from reclaim.reports.document import Column, Row, Section
from reclaim.reports.plan.context import PlanContext, check, present, text
from reclaim.units import M3_PER_1E4_M3


def render(ctx: PlanContext, section: Section) -> None:
    _plants(ctx, section)
    _pumps(ctx, section)
    _pipes(ctx, section)


def _plants(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    if not ctx.scenario.plants:
        return
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_plant"), kind="text"),
        Column(u("col_sewage_capacity")),
        Column(u("col_reclaimed_capacity")),
        Column(u("col_in_service"), kind="nowrap"),
    ]
    rows = []
    for number, plant in enumerate(ctx.scenario.plants, start=1):
        sewage = plant.sewage_capacity_m3_per_day
        in_service = (
            u("from_year", year=plant.in_service_from) if plant.in_service_from else u("existing")
        )
        rows.append(
            Row(
                [
                    text(str(number)),
                    text(u.name(plant)),
                    text(
                        u.number(sewage / M3_PER_1E4_M3 if sewage is not None else None, "1e4_m3")
                    ),
                    text(u.number(plant.reclaimed_capacity_m3_per_day / M3_PER_1E4_M3, "1e4_m3")),
                    text(in_service),
                ]
            )
        )
    section.table(u("t_plants"), columns, rows)
    check_rows = [
        ctx.figure_row(
            u("r_plants_total"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).plants.reclaimed_capacity_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_cap_supply"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).cap_supply_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_supply"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).reclaimed_supply_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("r_covers_supply"),
            u("none"),
            lambda y: check(bool(ctx.h(y).plants.covers_supply), u),
        ),
    ]
    section.table(u("t_plants_check"), ctx.figure_columns(), check_rows)


def _pumps(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    if not ctx.scenario.pump_stations or ctx.h(ctx.years[0]).pump_stations is None:
        return
    section.paragraph(u("pumps_text", peak=u.number(ctx.scenario.peak_hour_factor, "factor")))
    columns = [Column(u("col_station"), kind="text"), Column(u("col_head"))]
    for y in ctx.years:
        group = ctx.horizon(y)
        columns += [
            Column(u("col_design"), group=group),
            Column(u("col_required"), group=group),
            Column(u("col_check"), group=group, kind="nowrap"),
        ]
    rows = []
    for station in ctx.scenario.pump_stations:
        cells = [
            text(u.name(station)),
            text(u.number(station.head_m, "m") if station.head_m else u("none")),
        ]
        for y in ctx.years:
            entry = present(ctx.h(y).pump_stations).stations[station.id]
            built = int(y) in station.built_in
            capacity = entry.capacity_peak_hour_m3_per_hour
            cells.append(text(u.number(capacity, "m3_per_hour") if built else u("none")))
            if entry.required_peak_hour_m3_per_hour is not None:
                cells.append(text(u.number(entry.required_peak_hour_m3_per_hour, "m3_per_hour")))
                cells.append(check(bool(entry.adequate), u, "adequate", "inadequate"))
            else:
                cells += [text(u("none")), text(u("none"))]
        rows.append(Row(cells))
    if plant_stations(ctx.result):
        total = [text(u("r_pumps_total")), text("")]
        for y in ctx.years:
            stations = present(ctx.h(y).pump_stations)
            design = stations.total_capacity_peak_hour_m3_per_hour
            required = stations.required_total_peak_hour_m3_per_hour
            together_short = any(
                short.station_id is None for short in ctx.findings.horizon(int(y)).pumps_short
            )
            total += [
                text(u.number(design, "m3_per_hour")),
                text(u.number(required, "m3_per_hour")),
                check(not together_short, u, "adequate", "inadequate"),
            ]
        rows.append(Row(total, total=True))
    section.table(u("t_pumps"), columns, rows)


def _pipes(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    if not ctx.scenario.pipes:
        return
    phases = u("list_sep").join(
        u(
            "pipes_phase",
            horizon=ctx.horizon(y),
            km=u.number(_pipes_of(ctx, y).length_km, "km"),
        )
        for y in ctx.years
    )
    total_km = present(ctx.result.figures.total).pipes.length_km
    section.paragraph(u("pipes_text", total=u.number(total_km, "km"), phases=phases))
    diameters = sorted({pipe.dn_mm for pipe in ctx.scenario.pipes})
    columns = [
        Column(u("col_dn"), kind="nowrap"),
        *(Column(f"{ctx.horizon(y)} ({u('u_km')})") for y in ctx.years),
        Column(f"{u('total')} ({u('u_km')})"),
    ]
    rows = []
    for dn in diameters:
        lengths = [_pipes_of(ctx, y).by_dn_km.get(f"DN{dn}", 0.0) for y in ctx.years]
        rows.append(
            Row(
                [
                    text(f"DN{dn}"),
                    *(text(u.number(v, "km") if v else u("none")) for v in lengths),
                    text(u.number(sum(lengths), "km")),
                ]
            )
        )
    rows.append(
        Row(
            [
                text(u("total")),
                *(text(u.number(_pipes_of(ctx, y).length_km, "km")) for y in ctx.years),
                text(u.number(total_km, "km")),
            ],
            total=True,
        )
    )
    rows.append(
        Row(
            [
                text(u("r_cumulative")),
                *(text(u.number(_pipes_of(ctx, y).cumulative_length_km, "km")) for y in ctx.years),
                text(""),
            ]
        )
    )
    section.table(u("t_pipes"), columns, rows)


def _pipes_of(ctx: PlanContext, year: str) -> PipesFigures:
    return present(ctx.h(year).pipes)
