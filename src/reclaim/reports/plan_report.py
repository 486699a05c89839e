"""The report of a reclaimed-water special plan (再生水利用专项规划), in Chinese or English.

`build_plan_document` turns a `PlanResult` into a `Document` (numbered sections, tables and
charts, every word from data/reports/labels.yaml); `write_plan_report` renders it as one
self-contained HTML file and as Markdown with the charts beside it, each written whole or not at
all. Figures are printed at the precision plans print them (m³/d to 0.1, 万 m³ to 0.01, rates to
0.01 %).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from reclaim.errors import InputError
from reclaim.io.scenario_file import planning_reference
from reclaim.planning.engine import INDUSTRIAL_CATEGORY, PlanResult
from reclaim.reports import charts
from reclaim.reports.document import (
    Cell,
    Column,
    Document,
    Row,
    Section,
    Tone,
    render_html,
    render_markdown,
)
from reclaim.reports.labels import PERCENT, Labels
from reclaim.reports.plan_fitness import EffluentFitness
from reclaim.units import M3_PER_1E4_M3

CHART_LANGUAGE_FALLBACK = "en"
FITNESS_KEY = "plants_fitness"


def _reclaim_version() -> str:
    try:
        return version("reclaim")
    except PackageNotFoundError:
        return "dev"


def _text(value: str) -> Cell:
    return Cell(value)


def _check(ok: bool, labels: Labels, yes: str = "ok", no: str = "not_ok") -> Cell:
    return Cell(labels(yes if ok else no), "good" if ok else "bad")


def _signed(value: float, labels: Labels, kind: str) -> Cell:
    text = labels.number(value, kind)
    tone: Tone = "good" if value >= 0 else "bad"
    return Cell(f"+{text}" if value > 0 else text, tone)


class _PlanReport:
    """Builds the sections of one plan report; one method per section."""

    def __init__(self, result: PlanResult, labels: Labels, scenario_name: str) -> None:
        self.result = result
        self.scenario = result.scenario
        self.data: dict[str, Any] = result.to_json_dict()
        self.labels = labels
        self.scenario_name = scenario_name
        self.years = [str(y) for y in self.scenario.horizons]
        self.reference = planning_reference()
        national = self.reference["coefficients"]["national_utilisation_target"]
        self.national, self.national_source = float(national["value"]), str(national["source"])
        self.categories: Mapping[str, Mapping[str, str]] = self.reference["categories"]
        self.effluent = EffluentFitness(
            self.data.get(FITNESS_KEY), labels, result.scenario, self.category
        )
        font = charts.cjk_font(labels.cjk_fonts)
        chart_lang = labels.lang if labels.lang == "en" or font else CHART_LANGUAGE_FALLBACK
        self.chart_labels = labels if chart_lang == labels.lang else Labels.load(chart_lang)
        self.chart_font = font if chart_lang != "en" else None
        self.section_of: dict[str, int] = {}

    # helpers -----------------------------------------------------------------------------

    def h(self, year: str) -> dict[str, Any]:
        """The figures of one horizon."""
        figures: dict[str, Any] = self.data[year]
        return figures

    def across(self, read: Callable[[dict[str, Any]], Any], show: Callable[[Any], str]) -> str:
        """An input over the horizons: shown once when the same in all, else "a / b"."""
        return " / ".join(dict.fromkeys(show(read(self.h(y))) for y in self.years))

    def sewage_input(self, name: str) -> Callable[[dict[str, Any]], Any]:
        return lambda figures: figures["sewage_inputs"].get(name)

    def use_figure(self, use_id: str, name: str) -> Callable[[dict[str, Any]], Any]:
        return lambda figures: figures["demand"]["by_use"][use_id][name]

    def horizon(self, year: str, labels: Labels | None = None) -> str:
        """ "近期（2025年）" for the first of several horizons, "远期（…）" for the last."""
        labels = labels or self.labels
        index = self.years.index(year)
        if len(self.years) > 1 and index == 0:
            return labels("horizon_near", year=year)
        if len(self.years) > 1 and index == len(self.years) - 1:
            return labels("horizon_far", year=year)
        return labels("horizon_mid", year=year)

    def chart_horizons(self) -> list[str]:
        """Horizon names under the chart bars, capitalised as axis labels are."""
        names = [self.horizon(y, self.chart_labels) for y in self.years]
        return [name[:1].upper() + name[1:] for name in names]

    def per_year(self, fn: Callable[[str], Cell]) -> list[Cell]:
        return [fn(y) for y in self.years]

    def year_columns(self, first: Sequence[Column]) -> list[Column]:
        return [*first, *(Column(self.horizon(y)) for y in self.years)]

    def figure_row(self, label: str, unit: str, fn: Callable[[str], Cell]) -> Row:
        return Row([_text(label), _text(unit), *self.per_year(fn)])

    def figure_columns(self) -> list[Column]:
        return self.year_columns(
            [Column(self.labels("item"), kind="text"), Column(self.labels("unit"), kind="nowrap")]
        )

    def category(self, category: str) -> str:
        entry = self.categories.get(category)
        return entry[self.labels.lang] if entry else category

    def shortfall_years(self) -> list[str]:
        return [y for y in self.years if self.h(y)["balance_1e4_m3_per_day"] < 0]

    # document ----------------------------------------------------------------------------

    def document(self) -> Document:
        labels = self.labels
        region = labels.name(self.scenario.region)
        rounding = labels(f"rounding_{self.result.rounding}")
        notes = [
            labels(
                "generated_by",
                version=_reclaim_version(),
                scenario=self.scenario_name,
                rounding=rounding,
            )
        ]
        if self.scenario.region.illustrative:
            notes.append(labels("illustrative"))
        document = Document(
            lang=labels.lang,
            html_lang=labels("html_lang"),
            title=labels("doc_title", region=region),
            subtitle=labels("doc_subtitle"),
            notes=notes,
            labels=labels,
        )
        builders: list[tuple[str, Callable[[Section], None]]] = [
            ("s_overview", self.overview),
            ("s_demand", self.demand),
            ("s_supply", self.supply),
            ("s_balance", self.balance),
            ("s_utilisation", self.utilisation),
            ("s_allocation", self.allocation),
            ("s_facilities", self.facilities),
            ("s_investment", self.investment),
            ("s_economics", self.economics),
            ("s_audit", self.audit),
        ]
        if FITNESS_KEY in self.data:
            builders.append(("s_fitness", self.fitness))
        builders.append(("s_appendix", self.appendix))
        for number, (key, _) in enumerate(builders, start=1):
            self.section_of[key] = number
        for key, build in builders:
            section = document.section(labels(key))
            build(section)
            if not section.blocks:
                section.paragraph(labels("not_given"), note=True)
        return document

    # 1 overview ---------------------------------------------------------------------------

    def overview(self, section: Section) -> None:
        labels = self.labels
        targets = labels("list_sep").join(
            labels("target_in", year=year, rate=labels.percent(rate))
            for year, rate in sorted(self.scenario.targets_utilisation.items())
        )
        horizons = labels("list_sep").join(self.horizon(y) for y in self.years)
        region = labels.name(self.scenario.region)
        text = labels("overview_text", region=region, n=len(self.years), horizons=horizons)
        national = labels.percent(self.national)
        if targets:
            text += labels("overview_targets", targets=targets, national=national)
        else:
            text += labels("overview_national", national=national)
        section.paragraph(text)
        section.items(labels("findings"), self.findings())
        u = labels
        rows = [
            self.figure_row(
                u("kf_demand"),
                u("u_m3_per_day"),
                lambda y: _text(u.number(self.h(y)["demand"]["total_m3_per_day"], "m3_per_day")),
            ),
            self.figure_row(
                u("kf_demand_year"),
                u("u_1e4_m3_per_year"),
                lambda y: _text(u.number(self.h(y)["demand"]["total_1e4_m3_per_year"], "1e4_m3")),
            ),
            self.figure_row(
                u("kf_sewage"),
                u("u_1e4_m3_per_day"),
                lambda y: _text(u.number(self.h(y)["sewage_1e4_m3_per_day"], "1e4_m3")),
            ),
            self.figure_row(
                u("kf_supply"),
                u("u_1e4_m3_per_day"),
                lambda y: _text(u.number(self.h(y)["reclaimed_supply_1e4_m3_per_day"], "1e4_m3")),
            ),
            self.figure_row(
                u("kf_balance"),
                u("u_1e4_m3_per_day"),
                lambda y: _signed(self.h(y)["balance_1e4_m3_per_day"], u, "1e4_m3"),
            ),
            self.figure_row(
                u("kf_rate_published"),
                u("u_percent"),
                lambda y: _text(u.rate(self.h(y)["utilisation_rate"])),
            ),
            self.figure_row(u("kf_rate_capped"), u("u_percent"), self.capped_rate_cell),
            self.figure_row(
                u("kf_target"),
                u("u_percent"),
                lambda y: _text(u.rate(self.h(y).get("target_utilisation_rate"))),
            ),
            self.figure_row(
                u("kf_national"), u("u_percent"), lambda y: _text(u.rate(self.national))
            ),
        ]
        if "pipes" in self.h(self.years[0]):
            rows.append(
                self.figure_row(
                    u("kf_pipes"),
                    u("u_km"),
                    lambda y: _text(u.number(self.h(y)["pipes"]["length_km"], "km")),
                )
            )
            rows.append(
                self.figure_row(
                    u("kf_investment"),
                    u("u_1e4_yuan"),
                    lambda y: _text(u.number(self.h(y)["investment_1e4_yuan"], "1e4_yuan")),
                )
            )
        section.table(u("key_figures"), self.figure_columns(), rows)

    def findings(self) -> list[str]:
        """What a reviewer must know first: balance, utilisation against the targets,
        facilities too small, and how many inconsistencies the plan text has."""
        u = self.labels
        found = []
        for y in self.years:
            figures = self.h(y)
            gap = figures["balance_1e4_m3_per_day"]
            if gap >= 0:
                found.append(
                    u("finding_surplus", horizon=self.horizon(y), gap=u.number(gap, "1e4_m3"))
                )
            else:
                use, share = self.least_served(y)
                found.append(
                    u(
                        "finding_short",
                        horizon=self.horizon(y),
                        gap=u.number(-gap, "1e4_m3"),
                        use=use,
                        share=u.percent(share),
                    )
                )
            found.append(self.rate_finding(y))
            found += self.facility_findings(y)
        for use, rate, published in self.area_rates():
            if published is not None and not (
                published["range"][0] <= rate <= published["range"][1]
            ):
                found.append(
                    u(
                        "finding_rate_outside",
                        use=u.name(use),
                        rate=u.number(rate, "l_per_m2_day"),
                        low=u.number(published["range"][0], "l_per_m2_day"),
                        high=u.number(published["range"][1], "l_per_m2_day"),
                    )
                )
        found += self.effluent.finding()
        if self.data["audit"]:
            found.append(
                u("kf_audit", n=len(self.data["audit"]), section=self.section_of["s_audit"])
            )
        return [finding[:1].upper() + finding[1:] for finding in found]

    def least_served(self, year: str) -> tuple[str, float]:
        """The use with the lowest share of its annual demand delivered, and that share."""
        by_use = self.h(year)["demand"]["by_use"]
        shares = {
            use.id: by_use[use.id]["delivered_1e4_m3_per_year"] / by_use[use.id]["1e4_m3_per_year"]
            for use in self.scenario.uses
            if by_use[use.id]["1e4_m3_per_year"] > 0
        }
        worst = min(shares, key=lambda i: shares[i])
        return self.labels.name(self.scenario.use(worst)), shares[worst]

    def rate_finding(self, year: str) -> str:
        u = self.labels
        figures = self.h(year)
        capped = figures["utilisation_rate_capped"]
        national = u.percent(self.national)
        verdicts = []
        target = figures.get("target_utilisation_rate")
        if target is not None:
            key = "finding_target_met" if capped >= target else "finding_target_missed"
            verdicts.append(u(key, target=u.percent(target)))
        key = "finding_national_met" if capped >= self.national else "finding_national_missed"
        verdicts.append(u(key, national=national))
        return u(
            "finding_rate",
            horizon=self.horizon(year),
            capped=u.percent(capped),
            published=u.percent(figures["utilisation_rate"]),
            target_verdict=u("list_sep").join(verdicts),
        )

    def facility_findings(self, year: str) -> list[str]:
        """Plants that cannot treat the supply, pump stations smaller than needed."""
        u = self.labels
        figures = self.h(year)
        found = []
        plants = figures.get("plants")
        if plants and self.scenario.plants and not plants["covers_supply"]:
            found.append(
                u(
                    "finding_plants_short",
                    horizon=self.horizon(year),
                    capacity=u.number(plants["reclaimed_capacity_1e4_m3_per_day"], "1e4_m3"),
                    supply=u.number(figures["reclaimed_supply_1e4_m3_per_day"], "1e4_m3"),
                )
            )
        stations = figures.get("pump_stations")
        if not stations or not self.scenario.pump_stations:
            return found
        short = [
            (
                u.name(s),
                stations[s.id]["capacity_peak_hour_m3_per_hour"],
                stations[s.id]["required_peak_hour_m3_per_hour"],
            )
            for s in self.scenario.pump_stations
            if stations[s.id].get("adequate") is False
        ]
        together = (
            stations["total_capacity_peak_hour_m3_per_hour"],
            stations["required_total_peak_hour_m3_per_hour"],
        )
        if self.plant_stations() and together[0] < together[1]:
            short.insert(0, (u("pumps_together"), *together))
        for name, design, required in short:
            found.append(
                u(
                    "finding_pumps_short",
                    horizon=self.horizon(year),
                    station=name,
                    design=u.number(design, "m3_per_hour"),
                    required=u.number(required, "m3_per_hour"),
                )
            )
        return found

    def capped_rate_cell(self, year: str) -> Cell:
        """The capped rate, green when it meets the plan target (or the national one)."""
        figures = self.h(year)
        rate = figures["utilisation_rate_capped"]
        target = figures.get("target_utilisation_rate", self.national)
        return Cell(self.labels.rate(rate), "good" if rate >= target else "bad")

    # 2 demand -----------------------------------------------------------------------------

    def demand(self, section: Section) -> None:
        u = self.labels
        totals = u("list_sep").join(
            u(
                "demand_sum",
                horizon=self.horizon(y),
                m3=u.number(self.h(y)["demand"]["total_m3_per_day"], "m3_per_day"),
                year=u.number(self.h(y)["demand"]["total_1e4_m3_per_year"], "1e4_m3"),
            )
            for y in self.years
        )
        section.paragraph(u("demand_text", totals=totals))
        columns = [
            Column(u("no_col"), kind="nowrap"),
            Column(u("col_use"), kind="text"),
            Column(u("col_category"), kind="nowrap"),
            Column(u("col_priority")),
            Column(u("col_days")),
        ]
        for y in self.years:
            columns.append(Column(u("col_m3_per_day"), group=self.horizon(y)))
            columns.append(Column(u("col_1e4_m3_per_year"), group=self.horizon(y)))
        rows: list[Row] = []
        uses = self.scenario.uses
        industrial = [use for use in uses if use.category == INDUSTRIAL_CATEGORY]
        for number, use in enumerate(uses, start=1):
            cells = [
                _text(str(number)),
                _text(u.name(use)),
                _text(self.category(use.category)),
                _text(str(use.priority)),
                _text(self.across(self.use_figure(use.id, "days_per_year"), str)),
            ]
            for y in self.years:
                entry = self.h(y)["demand"]["by_use"][use.id]
                cells.append(_text(u.number(entry["m3_per_day"], "m3_per_day")))
                cells.append(_text(u.number(entry["1e4_m3_per_year"], "1e4_m3")))
            rows.append(Row(cells))
            if len(industrial) > 1 and use is industrial[-1]:
                rows.append(
                    self.demand_total_row(
                        f"{u('subtotal')}（{self.category(INDUSTRIAL_CATEGORY)}）"
                        if u.lang == "zh"
                        else f"{u('subtotal')} ({self.category(INDUSTRIAL_CATEGORY)})",
                        "industrial_m3_per_day",
                        "industrial_1e4_m3_per_year",
                    )
                )
        rows.append(self.demand_total_row(u("total"), "total_m3_per_day", "total_1e4_m3_per_year"))
        section.table(u("t_demand"), columns, rows)
        self.demand_drivers(section)
        series = [
            (
                self.chart_labels.name(use),
                [self.h(y)["demand"]["by_use"][use.id]["m3_per_day"] for y in self.years],
            )
            for use in uses
        ]
        svg = charts.demand_by_use(
            self.chart_horizons(),
            series,
            self.chart_labels("chart_demand_y"),
            lambda v: self.labels.number(v, "m3_per_day"),
            self.chart_font,
        )
        section.chart(u("f_demand"), svg, "demand")
        if self.chart_labels is not self.labels:
            section.paragraph(u("chart_font_note"), note=True)

    def demand_total_row(self, label: str, daily_key: str, annual_key: str) -> Row:
        u = self.labels
        cells = [_text(""), _text(label), _text(""), _text(""), _text("")]
        for y in self.years:
            demand = self.h(y)["demand"]
            cells.append(_text(u.number(demand[daily_key], "m3_per_day")))
            cells.append(_text(u.number(demand[annual_key], "1e4_m3")))
        return Row(cells, total=True)

    def demand_drivers(self, section: Section) -> None:
        """Area, coverage and rate of the area-driven uses (watering), as plans tabulate them."""
        u = self.labels
        area_uses = [use for use in self.scenario.uses if use.driver == "area"]
        if not area_uses:
            return
        columns = [Column(u("col_use"), kind="text"), Column(u("col_rate_m2"))]
        for y in self.years:
            columns.append(Column(u("col_area"), group=self.horizon(y)))
            columns.append(Column(u("col_coverage"), group=self.horizon(y)))
        rows = []
        for use in area_uses:
            rate = self.across(
                self.use_figure(use.id, "rate_l_per_m2_day"),
                lambda v: u.number(v, "l_per_m2_day"),
            )
            cells = [_text(u.name(use)), _text(rate)]
            for y in self.years:
                entry = self.h(y)["demand"]["by_use"][use.id]
                cells.append(_text(u.number(entry["area_ha"], "ha")))
                cells.append(_text(u.number(entry["coverage"] * PERCENT, "percent")))
            rows.append(Row(cells))
        section.table(u("t_demand_drivers"), columns, rows)

    # 3 supply -----------------------------------------------------------------------------

    def supply(self, section: Section) -> None:
        u = self.labels
        factor = self.sewage_input
        if self.scenario.sewage.driver != "population":
            self.supply_by_driver(section)
            return
        section.paragraph(
            u(
                "supply_text",
                f_dom=self.across(
                    factor("discharge_factor_domestic"), lambda v: u.number(v, "factor")
                ),
                f_ind=self.across(
                    factor("discharge_factor_industrial"), lambda v: u.number(v, "factor")
                ),
                unforeseen=self.across(factor("unforeseen_factor"), u.percent),
                cap=self.across(factor("reuse_cap"), u.percent),
            )
        )

        def given(name: str, kind: str, scale: float = 1.0) -> Callable[[str], Cell]:
            return lambda y: _text(u.number(self.h(y)["sewage_inputs"][name] * scale, kind))

        def figure(key: str, kind: str = "1e4_m3") -> Callable[[str], Cell]:
            return lambda y: _text(u.number(self.h(y)[key], kind))

        rows = [
            self.figure_row(
                u("r_population"),
                u("u_1e4_persons"),
                given("population_1e4_persons", "persons_1e4"),
            ),
            self.figure_row(
                u("r_per_capita"),
                u("u_l_per_person_day"),
                given("domestic_l_per_person_day", "l_per_person_day"),
            ),
            self.figure_row(
                u("r_domestic"), u("u_1e4_m3_per_day"), figure("domestic_1e4_m3_per_day")
            ),
            self.figure_row(u("r_industrial_land"), u("u_ha"), given("industrial_land_ha", "ha")),
            self.figure_row(
                u("r_industrial_index"),
                u("u_1e4_m3_per_km2_day"),
                given("industrial_index_m3_per_km2_day", "factor", 1.0 / M3_PER_1E4_M3),
            ),
            self.figure_row(
                u("r_industrial"), u("u_1e4_m3_per_day"), figure("industrial_1e4_m3_per_day")
            ),
            self.figure_row(
                u("r_discharge_dom"),
                u("u_factor"),
                given("discharge_factor_domestic", "factor"),
            ),
            self.figure_row(
                u("r_discharge_ind"),
                u("u_factor"),
                given("discharge_factor_industrial", "factor"),
            ),
            self.figure_row(
                u("r_unforeseen"), u("u_percent"), given("unforeseen_factor", "percent", PERCENT)
            ),
            self.figure_row(
                u("r_sewage_day"), u("u_1e4_m3_per_day"), figure("sewage_1e4_m3_per_day")
            ),
            self.figure_row(
                u("r_sewage_year"), u("u_1e4_m3_per_year"), figure("sewage_1e4_m3_per_year")
            ),
            self.figure_row(
                u("r_reuse_cap"), u("u_percent"), given("reuse_cap", "percent", PERCENT)
            ),
        ]
        supply_row = self.figure_row(
            u("r_supply"), u("u_1e4_m3_per_day"), figure("reclaimed_supply_1e4_m3_per_day")
        )
        rows.append(Row(supply_row.cells, total=True))
        section.table(u("t_supply"), self.figure_columns(), rows)

    def supply_by_driver(self, section: Section) -> None:
        """Sewage from a water-supply forecast, the plants' load, or a measured volume."""
        u = self.labels
        driver = self.scenario.sewage.driver
        cap = self.across(self.sewage_input("reuse_cap"), u.percent)
        section.paragraph(u(f"supply_text_{driver}", cap=cap))

        def given(name: str, kind: str, scale: float = 1.0) -> Callable[[str], Cell]:
            return lambda y: _text(u.number(self.h(y)["sewage_inputs"][name] * scale, kind))

        def figure(read: Callable[[dict[str, Any]], Any]) -> Callable[[str], Cell]:
            return lambda y: _text(u.number(read(self.h(y)), "1e4_m3"))

        rows = []
        if driver == "water_supply":
            rows += [
                self.figure_row(
                    u("r_water_supply"),
                    u("u_1e4_m3_per_day"),
                    figure(lambda h: h["water_supply_1e4_m3_per_day"]),
                ),
                self.figure_row(
                    u("r_discharge"), u("u_percent"), given("discharge_factor", "percent", PERCENT)
                ),
                self.figure_row(
                    u("r_collection"), u("u_percent"), given("collection_rate", "percent", PERCENT)
                ),
            ]
        elif driver == "plant_load":
            rows.append(
                self.figure_row(
                    u("r_load_rate"), u("u_percent"), given("load_rate", "percent", PERCENT)
                )
            )
        rows += [
            self.figure_row(
                u("r_sewage_day"),
                u("u_1e4_m3_per_day"),
                figure(lambda h: h["sewage_1e4_m3_per_day"]),
            ),
            self.figure_row(
                u("r_sewage_year"),
                u("u_1e4_m3_per_year"),
                figure(lambda h: h["sewage_1e4_m3_per_year"]),
            ),
            self.figure_row(
                u("r_reuse_cap"), u("u_percent"), given("reuse_cap", "percent", PERCENT)
            ),
            self.figure_row(
                u("r_cap_supply"),
                u("u_1e4_m3_per_day"),
                figure(lambda h: h["cap_supply_1e4_m3_per_day"]),
            ),
            self.figure_row(
                u("r_plant_capacity"),
                u("u_1e4_m3_per_day"),
                figure(lambda h: h["plants"]["reclaimed_capacity_1e4_m3_per_day"]),
            ),
        ]
        supply_row = self.figure_row(
            u("r_supply"),
            u("u_1e4_m3_per_day"),
            figure(lambda h: h["reclaimed_supply_1e4_m3_per_day"]),
        )
        rows.append(Row(supply_row.cells, total=True))
        section.table(u("t_supply"), self.figure_columns(), rows)

    # 4 balance ----------------------------------------------------------------------------

    def balance(self, section: Section) -> None:
        u = self.labels

        def number(key: str) -> Callable[[str], Cell]:
            return lambda y: _text(u.number(self.h(y)[key], "1e4_m3"))

        rows = [
            self.figure_row(
                u("r_supply"), u("u_1e4_m3_per_day"), number("reclaimed_supply_1e4_m3_per_day")
            ),
            self.figure_row(
                u("r_demand_day"),
                u("u_1e4_m3_per_day"),
                lambda y: _text(u.number(self.h(y)["demand"]["total_1e4_m3_per_day"], "1e4_m3")),
            ),
            self.figure_row(
                u("r_balance"),
                u("u_1e4_m3_per_day"),
                lambda y: _signed(self.h(y)["balance_1e4_m3_per_day"], u, "1e4_m3"),
            ),
            self.figure_row(
                u("r_status"),
                u("none"),
                lambda y: _check(
                    self.h(y)["balance_1e4_m3_per_day"] >= 0, u, "surplus", "shortage"
                ),
            ),
        ]
        section.table(u("t_balance"), self.figure_columns(), rows)
        for y in self.years:
            figures = self.h(y)
            gap = figures["balance_1e4_m3_per_day"]
            key = "balance_surplus_text" if gap >= 0 else "balance_short_text"
            section.paragraph(
                u(
                    key,
                    year=self.horizon(y),
                    supply=u.number(figures["reclaimed_supply_1e4_m3_per_day"], "1e4_m3"),
                    demand=u.number(figures["demand"]["total_1e4_m3_per_day"], "1e4_m3"),
                    gap=u.number(abs(gap), "1e4_m3"),
                    section=self.section_of["s_allocation"],
                )
            )
        c = self.chart_labels
        series = [
            (c("chart_demand"), [self.h(y)["demand"]["total_1e4_m3_per_day"] for y in self.years]),
            (c("chart_supply"), [self.h(y)["reclaimed_supply_1e4_m3_per_day"] for y in self.years]),
        ]
        if "plants" in self.h(self.years[0]):
            series.append(
                (
                    c("chart_capacity"),
                    [self.h(y)["plants"]["reclaimed_capacity_1e4_m3_per_day"] for y in self.years],
                )
            )
        svg = charts.grouped_bars(
            self.chart_horizons(),
            series,
            c("chart_balance_y"),
            lambda v: u.number(v, "1e4_m3"),
            self.chart_font,
            "balance",
        )
        section.chart(u("f_balance"), svg, "balance")

    # 5 utilisation ------------------------------------------------------------------------

    def utilisation(self, section: Section) -> None:
        u = self.labels
        section.paragraph(u("utilisation_text"))

        def volume(key: str, inner: str | None = None) -> Callable[[str], Cell]:
            def cell(y: str) -> Cell:
                node = self.h(y)[key] if inner is None else self.h(y)[key][inner]
                return _text(u.number(node, "1e4_m3"))

            return cell

        def meets(target_of: Callable[[str], float | None]) -> Callable[[str], Cell]:
            def cell(y: str) -> Cell:
                target = target_of(y)
                if target is None:
                    return _text(u("none"))
                return _check(self.h(y)["utilisation_rate_capped"] >= target, u)

            return cell

        rows = [
            self.figure_row(
                u("r_use_demand"), u("u_1e4_m3_per_year"), volume("demand", "total_1e4_m3_per_year")
            ),
            self.figure_row(
                u("r_use_delivered"), u("u_1e4_m3_per_year"), volume("delivered_1e4_m3_per_year")
            ),
            self.figure_row(
                u("r_sewage_year"), u("u_1e4_m3_per_year"), volume("sewage_1e4_m3_per_year")
            ),
            self.figure_row(
                u("r_rate_published"),
                u("u_percent"),
                lambda y: _text(u.rate(self.h(y)["utilisation_rate"])),
            ),
            Row(
                self.figure_row(u("r_rate_capped"), u("u_percent"), self.capped_rate_cell).cells,
                total=True,
            ),
            self.figure_row(
                u("r_target"),
                u("u_percent"),
                lambda y: _text(u.rate(self.h(y).get("target_utilisation_rate"))),
            ),
            self.figure_row(
                u("r_national"), u("u_percent"), lambda y: _text(u.rate(self.national))
            ),
            self.figure_row(
                u("r_meets_target"),
                u("none"),
                meets(lambda y: self.h(y).get("target_utilisation_rate")),
            ),
            self.figure_row(u("r_meets_national"), u("none"), meets(lambda y: self.national)),
        ]
        section.table(
            u("t_utilisation"),
            self.figure_columns(),
            rows,
            notes=[u("national_source", source=self.national_source)],
        )
        c = self.chart_labels
        targets = [self.h(y).get("target_utilisation_rate") for y in self.years]
        svg = charts.grouped_bars(
            self.chart_horizons(),
            [
                (
                    c("chart_rate_published"),
                    [self.h(y)["utilisation_rate"] * PERCENT for y in self.years],
                ),
                (
                    c("chart_rate_capped"),
                    [self.h(y)["utilisation_rate_capped"] * PERCENT for y in self.years],
                ),
            ],
            c("chart_rate_y"),
            lambda v: u.number(v, "percent"),
            self.chart_font,
            "utilisation",
            targets=(c("chart_target"), [t * PERCENT for t in targets if t is not None])
            if all(t is not None for t in targets)
            else None,
            reference=(c("chart_national", rate=c.percent(self.national)), self.national * PERCENT),
            labels_inside=True,
        )
        section.chart(u("f_utilisation"), svg, "utilisation")

    # 6 allocation -------------------------------------------------------------------------

    def allocation(self, section: Section) -> None:
        u = self.labels
        short = self.shortfall_years()
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
        for y in short:
            by_use = self.h(y)["demand"]["by_use"]
            rows = []
            for use in sorted(self.scenario.uses, key=lambda x: x.priority):
                entry = by_use[use.id]
                rows.append(
                    self.allocation_row(
                        u.name(use),
                        str(use.priority),
                        entry["m3_per_day"],
                        entry["1e4_m3_per_year"],
                        entry["delivered_max_day_m3_per_day"],
                        entry["delivered_1e4_m3_per_year"],
                    )
                )
            demand = self.h(y)["demand"]
            rows.append(
                self.allocation_row(
                    u("total"),
                    "",
                    demand["total_m3_per_day"],
                    demand["total_1e4_m3_per_year"],
                    sum(e["delivered_max_day_m3_per_day"] for e in by_use.values()),
                    self.h(y)["delivered_1e4_m3_per_year"],
                    total=True,
                )
            )
            section.table(u("t_allocation", year=self.horizon(y)), columns, rows)

    def allocation_row(
        self,
        name: str,
        priority: str,
        demand_day: float,
        demand_year: float,
        delivered_day: float,
        delivered_year: float,
        total: bool = False,
    ) -> Row:
        u = self.labels
        share = delivered_year / demand_year if demand_year else None
        met = Cell(
            u.number(share * PERCENT if share is not None else None, "percent"),
            None if share is None else ("good" if share >= 1 - 1e-9 else "bad"),
        )
        return Row(
            [
                _text(name),
                _text(priority),
                _text(u.number(demand_day, "m3_per_day")),
                _text(u.number(demand_year, "1e4_m3")),
                _text(u.number(delivered_day, "m3_per_day")),
                _text(u.number(delivered_year, "1e4_m3")),
                met,
            ],
            total=total,
        )

    # 7 facilities -------------------------------------------------------------------------

    def facilities(self, section: Section) -> None:
        if "plants" not in self.h(self.years[0]):
            return
        self.plants(section)
        self.pumps(section)
        self.pipes(section)

    def plants(self, section: Section) -> None:
        u = self.labels
        if not self.scenario.plants:
            return
        columns = [
            Column(u("no_col"), kind="nowrap"),
            Column(u("col_plant"), kind="text"),
            Column(u("col_sewage_capacity")),
            Column(u("col_reclaimed_capacity")),
            Column(u("col_in_service"), kind="nowrap"),
        ]
        rows = []
        for number, plant in enumerate(self.scenario.plants, start=1):
            sewage = plant.sewage_capacity_m3_per_day
            rows.append(
                Row(
                    [
                        _text(str(number)),
                        _text(u.name(plant)),
                        _text(
                            u.number(
                                sewage / M3_PER_1E4_M3 if sewage is not None else None, "1e4_m3"
                            )
                        ),
                        _text(
                            u.number(plant.reclaimed_capacity_m3_per_day / M3_PER_1E4_M3, "1e4_m3")
                        ),
                        _text(
                            u("from_year", year=plant.in_service_from)
                            if plant.in_service_from
                            else u("existing")
                        ),
                    ]
                )
            )
        section.table(u("t_plants"), columns, rows)
        check_rows = [
            self.figure_row(
                u("r_plants_total"),
                u("u_1e4_m3_per_day"),
                lambda y: _text(
                    u.number(self.h(y)["plants"]["reclaimed_capacity_1e4_m3_per_day"], "1e4_m3")
                ),
            ),
            self.figure_row(
                u("r_supply"),
                u("u_1e4_m3_per_day"),
                lambda y: _text(u.number(self.h(y)["reclaimed_supply_1e4_m3_per_day"], "1e4_m3")),
            ),
            self.figure_row(
                u("r_covers_supply"),
                u("none"),
                lambda y: _check(self.h(y)["plants"]["covers_supply"], u),
            ),
        ]
        section.table(u("t_plants_check"), self.figure_columns(), check_rows)

    def pumps(self, section: Section) -> None:
        u = self.labels
        if not self.scenario.pump_stations or "pump_stations" not in self.h(self.years[0]):
            return
        section.paragraph(u("pumps_text", peak=u.number(self.scenario.peak_hour_factor, "factor")))
        columns = [Column(u("col_station"), kind="text"), Column(u("col_head"))]
        for y in self.years:
            group = self.horizon(y)
            columns += [
                Column(u("col_design"), group=group),
                Column(u("col_required"), group=group),
                Column(u("col_check"), group=group, kind="nowrap"),
            ]
        rows = []
        for station in self.scenario.pump_stations:
            cells = [
                _text(u.name(station)),
                _text(u.number(station.head_m, "m") if station.head_m else u("none")),
            ]
            for y in self.years:
                entry = self.h(y)["pump_stations"][station.id]
                built = int(y) in station.built_in
                cells.append(
                    _text(
                        u.number(entry["capacity_peak_hour_m3_per_hour"], "m3_per_hour")
                        if built
                        else u("none")
                    )
                )
                if "required_peak_hour_m3_per_hour" in entry:
                    cells.append(
                        _text(u.number(entry["required_peak_hour_m3_per_hour"], "m3_per_hour"))
                    )
                    cells.append(_check(entry["adequate"], u, "adequate", "inadequate"))
                else:
                    cells += [_text(u("none")), _text(u("none"))]
            rows.append(Row(cells))
        if self.plant_stations():
            total = [_text(u("r_pumps_total")), _text("")]
            for y in self.years:
                stations = self.h(y)["pump_stations"]
                design, required = (
                    stations["total_capacity_peak_hour_m3_per_hour"],
                    stations["required_total_peak_hour_m3_per_hour"],
                )
                total += [
                    _text(u.number(design, "m3_per_hour")),
                    _text(u.number(required, "m3_per_hour")),
                    _check(design >= required, u, "adequate", "inadequate"),
                ]
            rows.append(Row(total, total=True))
        section.table(u("t_pumps"), columns, rows)

    def plant_stations(self) -> list[str]:
        """Stations that serve the whole network (no `serves` list): they are checked together
        against every use's max day × peak-hour factor."""
        return [s.id for s in self.scenario.pump_stations if not s.serves]

    def pipes(self, section: Section) -> None:
        u = self.labels
        if not self.scenario.pipes:
            return
        phases = u("list_sep").join(
            u(
                "pipes_phase",
                horizon=self.horizon(y),
                km=u.number(self.h(y)["pipes"]["length_km"], "km"),
            )
            for y in self.years
        )
        section.paragraph(
            u(
                "pipes_text",
                total=u.number(self.data["total"]["pipes"]["length_km"], "km"),
                phases=phases,
            )
        )
        diameters = sorted({pipe.dn_mm for pipe in self.scenario.pipes})
        columns = [
            Column(u("col_dn"), kind="nowrap"),
            *(Column(f"{self.horizon(y)} ({u('u_km')})") for y in self.years),
            Column(f"{u('total')} ({u('u_km')})"),
        ]
        rows = []
        for dn in diameters:
            lengths = [self.h(y)["pipes"]["by_dn_km"].get(f"DN{dn}", 0.0) for y in self.years]
            rows.append(
                Row(
                    [
                        _text(f"DN{dn}"),
                        *(_text(u.number(v, "km") if v else u("none")) for v in lengths),
                        _text(u.number(sum(lengths), "km")),
                    ]
                )
            )
        rows.append(
            Row(
                [
                    _text(u("total")),
                    *(_text(u.number(self.h(y)["pipes"]["length_km"], "km")) for y in self.years),
                    _text(u.number(self.data["total"]["pipes"]["length_km"], "km")),
                ],
                total=True,
            )
        )
        rows.append(
            Row(
                [
                    _text(u("r_cumulative")),
                    *(
                        _text(u.number(self.h(y)["pipes"]["cumulative_length_km"], "km"))
                        for y in self.years
                    ),
                    _text(""),
                ]
            )
        )
        section.table(u("t_pipes"), columns, rows)

    # 8 investment -------------------------------------------------------------------------

    def investment(self, section: Section) -> None:
        u = self.labels
        if not any(self.h(y).get("investment_by_item_1e4_yuan") for y in self.years):
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
        for y in self.years:
            for item, amount in self.h(y)["investment_by_item_1e4_yuan"].items():
                number += 1
                given = [
                    c for c in self.scenario.costs.items if c.phase == int(y) and c.item == item
                ]
                quantity = "; ".join(c.quantity for c in given if c.quantity) or u("none")
                source = "; ".join(c.source for c in given if c.source) or u("none")
                name = u(f"cost_item_{item}") if u.has(f"cost_item_{item}") else item
                rows.append(
                    Row(
                        [
                            _text(str(number)),
                            _text(self.horizon(y)),
                            _text(name),
                            _text(quantity),
                            _text(u.number(amount, "1e4_yuan")),
                            _text(source),
                        ]
                    )
                )
            rows.append(
                Row(
                    [
                        _text(""),
                        _text(self.horizon(y)),
                        _text(u("subtotal")),
                        _text(""),
                        _text(u.number(self.h(y)["investment_1e4_yuan"], "1e4_yuan")),
                        _text(""),
                    ],
                    total=True,
                )
            )
        rows.append(
            Row(
                [
                    _text(""),
                    _text(""),
                    _text(u("r_grand_total")),
                    _text(""),
                    _text(u.number(self.data["total"]["investment_1e4_yuan"], "1e4_yuan")),
                    _text(""),
                ],
                total=True,
            )
        )
        section.table(u("t_investment"), columns, rows)

    # 9 economics --------------------------------------------------------------------------

    def economics(self, section: Section) -> None:
        u = self.labels
        if "economics" not in self.h(self.years[0]):
            return
        priced = [use for use in self.scenario.uses if use.price_yuan_per_m3 is not None]
        if priced:
            rows = [
                Row(
                    [
                        _text(u.name(use)),
                        _text(self.category(use.category)),
                        _text(
                            self.across(
                                self.use_figure(use.id, "price_yuan_per_m3"),
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
                rows,
            )

        def unpriced(y: str) -> Cell:
            ids = self.h(y)["economics"]["unpriced_uses"]
            return _text(u("list_sep").join(u.name(self.scenario.use(i)) for i in ids) or u("none"))

        rows = [
            self.figure_row(
                u("r_use_delivered"),
                u("u_1e4_m3_per_year"),
                lambda y: _text(u.number(self.h(y)["delivered_1e4_m3_per_year"], "1e4_m3")),
            ),
            self.figure_row(
                u("r_revenue"),
                u("u_1e4_yuan_per_year"),
                lambda y: _text(
                    u.number(self.h(y)["economics"]["revenue_1e4_yuan_per_year"], "1e4_yuan")
                ),
            ),
            self.figure_row(u("r_unpriced"), u("none"), unpriced),
            self.figure_row(
                u("r_displaced"),
                u("u_1e4_m3_per_year"),
                lambda y: _text(
                    u.number(
                        self.h(y)["economics"]["freshwater_displaced_1e4_m3_per_year"], "1e4_m3"
                    )
                ),
            ),
        ]
        if "freshwater_cost_saved_1e4_yuan_per_year" in self.h(self.years[0])["economics"]:
            rows.append(
                self.figure_row(
                    u("r_saved"),
                    u("u_1e4_yuan_per_year"),
                    lambda y: _text(
                        u.number(
                            self.h(y)["economics"]["freshwater_cost_saved_1e4_yuan_per_year"],
                            "1e4_yuan",
                        )
                    ),
                )
            )
        section.table(u("t_economics"), self.figure_columns(), rows)

    # 10 audit -----------------------------------------------------------------------------

    def audit(self, section: Section) -> None:
        u = self.labels
        items = self.data["audit"]
        if not items:
            section.paragraph(u("audit_none"))
            return
        section.paragraph(u("audit_text", n=len(items)))
        columns = [
            Column(u("no_col"), kind="nowrap"),
            Column(u("col_figure"), kind="code"),
            Column(u("col_published"), kind="text"),
            Column(u("col_computed"), kind="text"),
            Column(u("col_source"), kind="text"),
            Column(u("col_note"), kind="wide"),
        ]
        rows = [
            Row(
                [
                    _text(str(number)),
                    _text(item["figure"]),
                    _text(u.engine_text(_plain(item["published"], u))),
                    Cell(u.engine_text(_plain(item["computed"], u)), "bad"),
                    _text(u.engine_text(item["source"])),
                    _text(u.engine_text(item["note"])),
                ]
            )
            for number, item in enumerate(items, start=1)
        ]
        section.table(u("t_audit"), columns, rows)

    # 11 effluent fitness ------------------------------------------------------------------

    def fitness(self, section: Section) -> None:
        """Use × plant fitness of each plant's design effluent, when the result carries it."""
        self.effluent.build(section)

    # appendix -----------------------------------------------------------------------------

    def appendix(self, section: Section) -> None:
        self.basis(section)
        self.pipe_list(section)

    def basis(self, section: Section) -> None:
        """The coefficients the figures rest on: value used, published value or range, source."""
        u = self.labels
        coefficients = self.reference["coefficients"]
        factor = self.sewage_input
        given = u("basis_scenario")
        rows = [
            self.basis_row(
                u("r_reuse_cap"),
                self.across(factor("reuse_cap"), u.rate),
                u("u_percent"),
                u.rate(coefficients["reuse_cap"]["value"]),
                coefficients["reuse_cap"]["source"],
                True,
            ),
            self.basis_row(
                u("kf_national"),
                u.rate(self.national),
                u("u_percent"),
                u.rate(self.national),
                self.national_source,
                True,
            ),
            self.basis_row(
                u("r_discharge_dom"),
                self.across(factor("discharge_factor_domestic"), lambda v: u.number(v, "factor")),
                u("u_factor"),
                u("none"),
                given,
                True,
            ),
            self.basis_row(
                u("r_discharge_ind"),
                self.across(factor("discharge_factor_industrial"), lambda v: u.number(v, "factor")),
                u("u_factor"),
                u("none"),
                given,
                True,
            ),
            self.basis_row(
                u("r_unforeseen"),
                self.across(factor("unforeseen_factor"), u.rate),
                u("u_percent"),
                u("none"),
                given,
                True,
            ),
        ]
        if self.scenario.peak_hour_factor is not None:
            rows.append(
                self.basis_row(
                    u("r_peak_factor"),
                    u.number(self.scenario.peak_hour_factor, "factor"),
                    u("u_factor"),
                    u("none"),
                    given,
                    True,
                )
            )
        for use, rate, published in self.area_rates():
            name, value = u("basis_rate", use=u.name(use)), u.number(rate, "l_per_m2_day")
            if published is None:
                rows.append(self.basis_row(name, value, u("col_rate_unit"), u("none"), given, True))
                continue
            low, high = published["range"]
            rows.append(
                self.basis_row(
                    name,
                    value,
                    u("col_rate_unit"),
                    f"{u.number(low, 'l_per_m2_day')}–{u.number(high, 'l_per_m2_day')}",
                    published["source"],
                    low <= rate <= high,
                )
            )
        columns = [
            Column(u("basis_parameter"), kind="text"),
            Column(u("basis_value")),
            Column(u("unit"), kind="nowrap"),
            Column(u("basis_reference"), kind="nowrap"),
            Column(u("col_source"), kind="wide"),
        ]
        section.table(u("t_basis"), columns, rows)

    def area_rates(self) -> list[tuple[Any, float, Mapping[str, Any] | None]]:
        """Each per-area rate with the published range of its use category (None if none)."""
        ranges = self.reference["coefficients"]["rates"]
        return [
            (use, rate, ranges.get(use.category))
            for use in self.scenario.uses
            if use.driver == "area"
            for rate in dict.fromkeys(
                self.h(y)["demand"]["by_use"][use.id]["rate_l_per_m2_day"] for y in self.years
            )
        ]

    @staticmethod
    def basis_row(
        name: str, value: str, unit: str, reference: str, source: str, within: bool
    ) -> Row:
        """A coefficient row; a value outside its published range is marked."""
        return Row(
            [
                _text(name),
                Cell(value, None if within else "bad"),
                _text(unit),
                _text(reference),
                _text(source),
            ]
        )

    def pipe_list(self, section: Section) -> None:
        """Every pipe row as the plan lists it; rows the audit flags carry its finding."""
        u = self.labels
        if not self.scenario.pipes:
            return
        flagged = {
            item["figure"].removeprefix("pipes."): u.engine_text(_plain(item["computed"], u))
            for item in self.data["audit"]
            if item["figure"].startswith("pipes.")
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
                    _text(str(number)),
                    _text(pipe.road),
                    _text(f"DN{pipe.dn_mm}"),
                    _text(u.number(pipe.length_m, "m")),
                    _text(self.horizon(str(pipe.phase))),
                    Cell(flagged[pipe.id], "bad") if pipe.id in flagged else _text(""),
                ]
            )
            for number, pipe in enumerate(self.scenario.pipes, start=1)
        ]
        section.table(u("t_pipe_list"), columns, rows)


def _plain(value: Any, labels: Labels) -> str:
    """An audit value as printed: numbers without binary noise, none as "—"."""
    if value is None:
        return labels("none")
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def build_plan_document(result: PlanResult, lang: str, scenario_name: str) -> Document:
    """The plan report as a document model in `lang` (an unknown language is an input error)."""
    labels = Labels.load(lang)
    return _PlanReport(result, labels, scenario_name).document()


@dataclass(frozen=True)
class ReportFiles:
    """What `write_plan_report` wrote."""

    html: Path
    markdown: Path
    charts: list[Path]


def _write_whole(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it: never half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_plan_report(
    result: PlanResult, out_dir: Path, lang: str, scenario_name: str
) -> ReportFiles:
    """Render the report in `lang` and write report.html, report.md and the chart files.

    Everything is rendered before the first file is written; an output directory that cannot be
    created or written is an `InputError` on `--out`.
    """
    document = build_plan_document(result, lang, scenario_name)
    html = render_html(document)
    markdown = render_markdown(document)
    files = [(out_dir / chart.filename, chart.svg) for chart in document.charts()]
    files += [(out_dir / "report.md", markdown), (out_dir / "report.html", html)]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in files:
            _write_whole(path, text)
    except OSError as error:
        raise InputError(
            "--out", str(out_dir), f"a directory that can be created and written ({error.strerror})"
        ) from None
    return ReportFiles(
        out_dir / "report.html",
        out_dir / "report.md",
        [out_dir / chart.filename for chart in document.charts()],
    )
