"""The report of a reclaimed-water special plan (再生水利用专项规划), in Chinese or English.

`build_plan_document` turns a `PlanResult` into a `Document` (numbered sections, tables and
charts, every word from data/reports/labels.yaml), one renderer module per section in
`reclaim.reports.plan`; `write_plan_report` renders it as one self-contained HTML file and as
Markdown with the charts beside it, each written whole or not at all. Figures are printed at the
precision plans print them (m³/d to 0.1, 万 m³ to 0.01, rates to 0.01 %).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from reclaim.errors import InputError
from reclaim.planning.engine import PlanResult
from reclaim.reports.document import Document, Section, render_html, render_markdown
from reclaim.reports.labels import Labels
from reclaim.reports.plan import (
    allocation,
    appendix,
    audit,
    balance,
    demand,
    economics,
    facilities,
    investment,
    overview,
    supply,
    utilisation,
)
from reclaim.reports.plan.context import PlanContext

Renderer = Callable[[PlanContext, Section], None]


def _reclaim_version() -> str:
    try:
        return version("reclaim")
    except PackageNotFoundError:
        return "dev"


def _fitness(ctx: PlanContext, section: Section) -> None:
    """Use × plant fitness of each plant's design effluent, when the result carries it."""
    ctx.effluent.build(section)


def build_plan_document(result: PlanResult, lang: str, scenario_name: str) -> Document:
    """The plan report as a document model in `lang` (an unknown language is an input error)."""
    labels = Labels.load(lang)
    ctx = PlanContext(result, labels)
    region = labels.name(ctx.scenario.region)
    rounding = labels(f"rounding_{result.rounding}")
    notes = [
        labels(
            "generated_by", version=_reclaim_version(), scenario=scenario_name, rounding=rounding
        )
    ]
    if ctx.scenario.region.illustrative:
        notes.append(labels("illustrative"))
    document = Document(
        lang=labels.lang,
        html_lang=labels("html_lang"),
        title=labels("doc_title", region=region),
        subtitle=labels("doc_subtitle"),
        notes=notes,
        labels=labels,
    )
    sections: list[tuple[str, Renderer]] = [
        ("s_overview", overview.render),
        ("s_demand", demand.render),
        ("s_supply", supply.render),
        ("s_balance", balance.render),
        ("s_utilisation", utilisation.render),
        ("s_allocation", allocation.render),
        ("s_facilities", facilities.render),
        ("s_investment", investment.render),
        ("s_economics", economics.render),
        ("s_audit", audit.render),
    ]
    if result.plants_fitness:
        sections.append(("s_fitness", _fitness))
    sections.append(("s_appendix", appendix.render))
    for number, (key, _) in enumerate(sections, start=1):
        ctx.section_of[key] = number
    for key, render in sections:
        section = document.section(labels(key))
        render(ctx, section)
        if not section.blocks:
            section.paragraph(labels("not_given"), note=True)
    return document


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


REPORT_FILES = ("report.html", "report.md")


def refuse_overwrite(out_dir: Path) -> None:
    """A folder that already holds a report is an `InputError` on `--out` (`--force` to
    overwrite it): a second report must not silently replace the first."""
    if any((out_dir / name).exists() for name in REPORT_FILES):
        raise InputError(
            "--out",
            str(out_dir),
            "a folder without a report (it holds report.html or report.md already; "
            "add --force to overwrite them)",
        )


def write_plan_report(
    result: PlanResult, out_dir: Path, lang: str, scenario_name: str, force: bool = False
) -> ReportFiles:
    """Render the report in `lang` and write report.html, report.md and the chart files.

    Everything is rendered before the first file is written; an output directory that cannot be
    created or written, or that holds a report already (unless `force`), is an `InputError` on
    `--out`.
    """
    if not force:
        refuse_overwrite(out_dir)
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
