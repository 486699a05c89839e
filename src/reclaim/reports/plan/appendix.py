"""Appendix: the coefficients the figures rest on, with their sources, and the pipe list."""

from __future__ import annotations

from reclaim.reports.document import Cell, Column, Row, Section
from reclaim.reports.plan.context import PlanContext, plain, text


def render(ctx: PlanContext, section: Section) -> None:
    _basis(ctx, section)
    _pipe_list(ctx, section)


def _basis(ctx: PlanContext, section: Section) -> None:
    """The coefficients the figures rest on: value used, published value or range, source."""
    u = ctx.labels
    coefficients = ctx.reference["coefficients"]
    inputs = ctx.across
    given = u("basis_scenario")
    none = u("none")
    rows = [
        _row(
            u("r_reuse_cap"),
            inputs(lambda h: h.sewage_inputs.reuse_cap, u.rate),
            u("u_percent"),
            u.rate(coefficients["reuse_cap"]["value"]),
            u.cited(coefficients["reuse_cap"]),
        ),
        _row(
            u("kf_national"),
            u.rate(ctx.national),
            u("u_percent"),
            u.rate(ctx.national),
            ctx.national_source,
        ),
        _row(
            u("r_discharge_dom"),
            inputs(
                lambda h: h.sewage_inputs.discharge_factor_domestic,
                lambda v: u.number(v, "factor"),
            ),
            u("u_factor"),
            none,
            given,
        ),
        _row(
            u("r_discharge_ind"),
            inputs(
                lambda h: h.sewage_inputs.discharge_factor_industrial,
                lambda v: u.number(v, "factor"),
            ),
            u("u_factor"),
            none,
            given,
        ),
        _row(
            u("r_unforeseen"),
            inputs(lambda h: h.sewage_inputs.unforeseen_factor, u.rate),
            u("u_percent"),
            none,
            given,
        ),
    ]
    if ctx.scenario.peak_hour_factor is not None:
        rows.append(
            _row(
                u("r_peak_factor"),
                u.number(ctx.scenario.peak_hour_factor, "factor"),
                u("u_factor"),
                none,
                given,
            )
        )
    for rate in ctx.findings.area_rates:
        name = u("basis_rate", use=u.name(ctx.scenario.use(rate.use_id)))
        value = u.number(rate.rate_l_per_m2_day, "l_per_m2_day")
        published = rate.published
        if published is None:
            rows.append(_row(name, value, u("col_rate_unit"), none, given))
            continue
        low, high = (u.number(v, "l_per_m2_day") for v in (published.low, published.high))
        rows.append(
            _row(name, value, u("col_rate_unit"), f"{low}–{high}", published.source, rate.within)
        )
    columns = [
        Column(u("basis_parameter"), kind="text"),
        Column(u("basis_value")),
        Column(u("unit"), kind="nowrap"),
        Column(u("basis_reference"), kind="nowrap"),
        Column(u("col_source"), kind="wide"),
    ]
    section.table(u("t_basis"), columns, rows)


def _row(name: str, value: str, unit: str, reference: str, source: str, within: bool = True) -> Row:
    """A coefficient row; a value outside its published range is marked."""
    return Row(
        [
            text(name),
            Cell(value, None if within else "bad"),
            text(unit),
            text(reference),
            text(source),
        ]
    )


def _pipe_list(ctx: PlanContext, section: Section) -> None:
    """Every pipe row as the plan lists it; rows the audit flags carry its finding."""
    u = ctx.labels
    if not ctx.scenario.pipes:
        return
    flagged = {
        item.figure.removeprefix("pipes."): u.engine_text(plain(item.computed, u))
        for item in ctx.result.audit
        if item.figure.startswith("pipes.")
    }
    columns = [
        Column(u("no_col"), kind="nowrap"),
        Column(u("col_road"), kind="text"),
        Column(u("col_dn"), kind="nowrap"),
        Column(u("col_length_m")),
        Column(u("col_phase"), kind="nowrap"),
        Column(u("col_remark"), kind="text"),
    ]
    rows = [
        Row(
            [
                text(str(number)),
                text(pipe.road),
                text(f"DN{pipe.dn_mm}"),
                text(u.number(pipe.length_m, "m")),
                text(ctx.horizon(str(pipe.phase))),
                Cell(flagged[pipe.id], "bad") if pipe.id in flagged else text(""),
            ]
        )
        for number, pipe in enumerate(ctx.scenario.pipes, start=1)
    ]
    section.table(u("t_pipe_list"), columns, rows)
