"""Section 1: the plan's horizons and targets, the findings, and the key figures."""

from __future__ import annotations

from reclaim.planning.findings import fully_met
from reclaim.reports.document import Section
from reclaim.reports.plan.context import PlanContext, present, signed, text


def render(ctx: PlanContext, section: Section) -> None:
    u = ctx.labels
    targets = u("list_sep").join(
        u("target_in", year=year, rate=u.percent(rate))
        for year, rate in sorted(ctx.scenario.targets_utilisation.items())
    )
    horizons = u("list_sep").join(ctx.horizon(y) for y in ctx.years)
    region = u.name(ctx.scenario.region)
    intro = u("overview_text", region=region, n=len(ctx.years), horizons=horizons)
    national = u.percent(ctx.national)
    if targets:
        intro += u("overview_targets", targets=targets, national=national)
    else:
        intro += u("overview_national", national=national)
    section.paragraph(intro)
    section.items(u("findings"), findings(ctx))
    rows = [
        ctx.figure_row(
            u("kf_demand"),
            u("u_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).demand.total_m3_per_day, "m3_per_day")),
        ),
        ctx.figure_row(
            u("kf_demand_year"),
            u("u_1e4_m3_per_year"),
            lambda y: text(u.number(ctx.h(y).demand.total_1e4_m3_per_year, "1e4_m3")),
        ),
        ctx.figure_row(
            u("kf_sewage"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).sewage_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("kf_supply"),
            u("u_1e4_m3_per_day"),
            lambda y: text(u.number(ctx.h(y).reclaimed_supply_1e4_m3_per_day, "1e4_m3")),
        ),
        ctx.figure_row(
            u("kf_balance"),
            u("u_1e4_m3_per_day"),
            lambda y: signed(ctx.h(y).balance_1e4_m3_per_day, u, "1e4_m3"),
        ),
        ctx.figure_row(
            u("kf_rate_published"),
            u("u_percent"),
            lambda y: text(u.rate(ctx.h(y).utilisation_rate)),
        ),
        ctx.figure_row(u("kf_rate_capped"), u("u_percent"), ctx.capped_rate_cell),
        ctx.figure_row(
            u("kf_target"),
            u("u_percent"),
            lambda y: text(u.rate(ctx.h(y).target_utilisation_rate)),
        ),
        ctx.figure_row(u("kf_national"), u("u_percent"), lambda y: text(u.rate(ctx.national))),
    ]
    if ctx.h(ctx.years[0]).pipes is not None:
        rows.append(
            ctx.figure_row(
                u("kf_pipes"),
                u("u_km"),
                lambda y: text(u.number(present(ctx.h(y).pipes).length_km, "km")),
            )
        )
        rows.append(
            ctx.figure_row(
                u("kf_investment"),
                u("u_1e4_yuan"),
                lambda y: text(u.number(ctx.h(y).investment_1e4_yuan, "1e4_yuan")),
            )
        )
    section.table(u("key_figures"), ctx.figure_columns(), rows)


def findings(ctx: PlanContext) -> list[str]:
    """The findings as sentences: balance, utilisation against the targets, facilities too
    small, rates outside their range, unfit effluent, and how many inconsistencies the plan has."""
    u = ctx.labels
    found = []
    for y in ctx.years:
        judged = ctx.findings.horizon(int(y))
        gap = judged.balance_1e4_m3_per_day
        least = judged.least_served
        if judged.surplus or least is None:
            found.append(u("finding_surplus", horizon=ctx.horizon(y), gap=u.number(gap, "1e4_m3")))
        elif fully_met(least[1]):
            found.append(
                u(
                    "finding_short_max_day_only",
                    horizon=ctx.horizon(y),
                    gap=u.number(-gap, "1e4_m3"),
                    busiest=u.number(ctx.h(y).demand.busiest_day_m3_per_day, "m3_per_day"),
                )
            )
        else:
            use_id, share = least
            found.append(
                u(
                    "finding_short",
                    horizon=ctx.horizon(y),
                    gap=u.number(-gap, "1e4_m3"),
                    use=u.name(ctx.scenario.use(use_id)),
                    share=u.percent(share),
                )
            )
        found.append(_rate_finding(ctx, y))
        found += _facility_findings(ctx, y)
    for rate in ctx.findings.area_rates:
        if rate.within or rate.published is None:
            continue
        found.append(
            u(
                "finding_rate_outside",
                use=u.name(ctx.scenario.use(rate.use_id)),
                rate=u.number(rate.rate_l_per_m2_day, "l_per_m2_day"),
                low=u.number(rate.published.low, "l_per_m2_day"),
                high=u.number(rate.published.high, "l_per_m2_day"),
            )
        )
    found += ctx.effluent.finding()
    if ctx.findings.audit_count:
        found.append(u("kf_audit", n=ctx.findings.audit_count, section=ctx.section_of["s_audit"]))
    return [finding[:1].upper() + finding[1:] for finding in found]


def _rate_finding(ctx: PlanContext, year: str) -> str:
    u = ctx.labels
    utilisation = ctx.findings.horizon(int(year)).utilisation
    verdicts = []
    if utilisation.target is not None:
        key = "finding_target_met" if utilisation.meets_target else "finding_target_missed"
        verdicts.append(u(key, target=u.percent(utilisation.target)))
    key = "finding_national_met" if utilisation.meets_national else "finding_national_missed"
    verdicts.append(u(key, national=u.percent(ctx.national)))
    return u(
        "finding_rate",
        horizon=ctx.horizon(year),
        capped=u.percent(utilisation.capped_rate),
        published=u.percent(utilisation.published_rate),
        target_verdict=u("list_sep").join(verdicts),
    )


def _facility_findings(ctx: PlanContext, year: str) -> list[str]:
    """Plants that cannot treat the supply, pump stations smaller than needed."""
    u = ctx.labels
    figures = ctx.h(year)
    judged = ctx.findings.horizon(int(year))
    found = []
    if judged.plants_short_of_supply:
        found.append(
            u(
                "finding_plants_short",
                horizon=ctx.horizon(year),
                capacity=u.number(figures.plants.reclaimed_capacity_1e4_m3_per_day, "1e4_m3"),
                supply=u.number(figures.cap_supply_1e4_m3_per_day, "1e4_m3"),
            )
        )
    for short in judged.pumps_short:
        station = (
            u("pumps_together")
            if short.station_id is None
            else u.name(next(s for s in ctx.scenario.pump_stations if s.id == short.station_id))
        )
        found.append(
            u(
                "finding_pumps_short",
                horizon=ctx.horizon(year),
                station=station,
                design=u.number(short.design_peak_hour_m3_per_hour, "m3_per_hour"),
                required=u.number(short.required_peak_hour_m3_per_hour, "m3_per_hour"),
            )
        )
    return found
