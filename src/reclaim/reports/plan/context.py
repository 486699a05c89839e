"""What every section of the plan report shares: the result, its findings, labels, horizons, and
the formatting of figure rows and cells."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from reclaim.io.scenario_file import planning_reference
from reclaim.planning.engine import PlanResult
from reclaim.planning.findings import PlanFindings, RateRange, plan_findings
from reclaim.planning.results import HorizonFigures, UseFigures
from reclaim.reports import charts
from reclaim.reports.document import Cell, Column, Row, Tone
from reclaim.reports.labels import Labels
from reclaim.reports.plan.fitness import EffluentFitness
from reclaim.units import Number

CHART_LANGUAGE_FALLBACK = "en"
T = TypeVar("T")


def present(value: T | None) -> T:
    """A figure the section has checked the plan to carry (pipes, economics, totals)."""
    if value is None:
        raise ValueError("a figure the plan result does not carry")
    return value


def text(value: str) -> Cell:
    return Cell(value)


def check(ok: bool, labels: Labels, yes: str = "ok", no: str = "not_ok") -> Cell:
    """A verdict cell: green "ok", red "not ok" (or the given label keys)."""
    return Cell(labels(yes if ok else no), "good" if ok else "bad")


def signed(value: Number, labels: Labels, kind: str) -> Cell:
    """A balance: "+" and green when positive, red when negative."""
    value = float(value)
    shown = labels.number(value, kind)
    tone: Tone = "good" if value >= 0 else "bad"
    return Cell(f"+{shown}" if value > 0 else shown, tone)


def plain(value: Any, labels: Labels) -> str:
    """An audit value as printed: numbers without binary noise, none as "—"."""
    if value is None:
        return labels("none")
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


class PlanContext:
    """One plan result prepared for rendering: figures by horizon, findings judged once by
    `reclaim.planning.findings`, the labels of the report language and of its charts."""

    def __init__(self, result: PlanResult, labels: Labels) -> None:
        self.result = result
        self.scenario = result.scenario
        self.labels = labels
        self.years = [str(y) for y in self.scenario.horizons]
        self.reference = planning_reference()
        coefficients = self.reference["coefficients"]
        national = coefficients["national_utilisation_target"]
        self.national = float(national["value"])
        self.national_source = labels.cited(national)
        self.categories: Mapping[str, Mapping[str, str]] = self.reference["categories"]
        self.effluent = EffluentFitness(
            result.plants_fitness or None, labels, result.scenario, self.category
        )
        self.findings: PlanFindings = plan_findings(
            result,
            self.national,
            {
                category: RateRange(
                    float(entry["range"][0]),
                    float(entry["range"][1]),
                    labels.cited(entry),
                )
                for category, entry in coefficients["rates"].items()
            },
        )
        font = charts.cjk_font(labels.cjk_fonts)
        chart_lang = labels.lang if labels.lang == "en" or font else CHART_LANGUAGE_FALLBACK
        self.chart_labels = labels if chart_lang == labels.lang else Labels.load(chart_lang)
        self.chart_font = font if chart_lang != "en" else None
        self.section_of: dict[str, int] = {}

    def h(self, year: str) -> HorizonFigures:
        """The figures of one horizon."""
        return self.result.horizon(int(year))

    def across(self, read: Callable[[HorizonFigures], Any], show: Callable[[Any], str]) -> str:
        """An input over the horizons: shown once when the same in all, else "a / b"."""
        return " / ".join(dict.fromkeys(show(read(self.h(y))) for y in self.years))

    def across_use(
        self, use_id: str, read: Callable[[UseFigures], Any], show: Callable[[Any], str]
    ) -> str:
        """A use's input over the horizons (rate, days, price), as `across` shows it."""
        return self.across(lambda h: read(h.demand.by_use[use_id]), show)

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
        """A row of one figure: its name, unit and value in every horizon."""
        return Row([text(label), text(unit), *self.per_year(fn)])

    def figure_columns(self) -> list[Column]:
        return self.year_columns(
            [Column(self.labels("item"), kind="text"), Column(self.labels("unit"), kind="nowrap")]
        )

    def category(self, category: str) -> str:
        """A use category's name in the report language."""
        entry = self.categories.get(category)
        return entry[self.labels.lang] if entry else category

    def capped_rate_cell(self, year: str) -> Cell:
        """The capped rate, green when it meets the plan target (or the national one)."""
        utilisation = self.findings.horizon(int(year)).utilisation
        return Cell(
            self.labels.rate(utilisation.capped_rate),
            "good" if utilisation.meets_reference else "bad",
        )
