"""A report as data (sections of paragraphs, numbered tables and charts) and its rendering.

The builders of a report (e.g. `plan_report`) only fill this model; the Jinja2 templates under
templates/ turn the same model into HTML and Markdown, so both always show the same figures.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reclaim.reports.labels import Labels

TEMPLATES = Path(__file__).resolve().parent / "templates"

Tone = Literal["good", "bad"] | None
ColumnKind = Literal["num", "text", "nowrap", "code", "wide"]
"""How a column is set: numbers right-aligned; text wrapped; short text kept on one line;
identifiers in a small monospace that may break anywhere; long prose given room."""


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and, for a check, whether it reads good or bad."""

    text: str
    tone: Tone = None


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    total: bool = False
    """A total or subtotal row, set in bold."""


@dataclass(frozen=True)
class Column:
    label: str
    """Header text with its unit, e.g. "最高日 (m³/d)"."""
    group: str | None = None
    """Upper header spanning neighbouring columns of the same group (e.g. a horizon)."""
    kind: ColumnKind = "num"

    @property
    def numeric(self) -> bool:
        return self.kind == "num"


@dataclass(frozen=True)
class Table:
    number: str
    title: str
    columns: list[Column]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        """Whether the header needs a second row for column groups."""
        return any(column.group for column in self.columns)

    def header_top(self) -> list[tuple[str, int, str, bool]]:
        """Cells of the upper header row: (text, columns spanned, column kind, a group?).

        An ungrouped column spans both header rows; a group spans its neighbouring columns.
        """
        runs: list[tuple[str | None, int, Column]] = []
        for column in self.columns:
            if runs and column.group is not None and runs[-1][0] == column.group:
                runs[-1] = (column.group, runs[-1][1] + 1, runs[-1][2])
            else:
                runs.append((column.group, 1, column))
        return [
            (first.label if group is None else group, span, first.kind, group is not None)
            for group, span, first in runs
        ]

    def header_grouped_cells(self) -> list[Column]:
        """Columns of the lower header row (those under a group)."""
        return [column for column in self.columns if column.group is not None]


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False


@dataclass(frozen=True)
class Items:
    """A bulleted list under a small heading."""

    title: str
    items: list[str]


@dataclass(frozen=True)
class Chart:
    number: str
    title: str
    svg: str
    filename: str

    @property
    def data_uri(self) -> str:
        """The SVG as a data: URI, so the HTML needs no other file."""
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


Block = Paragraph | Items | Table | Chart


@dataclass
class Section:
    """A numbered section; tables and charts in it are numbered `<section>-<n>`."""

    number: int
    title: str
    labels: Labels
    blocks: list[Block] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"s{self.number}"

    def paragraph(self, text: str, note: bool = False) -> None:
        self.blocks.append(Paragraph(text, note))

    def items(self, title: str, items: list[str]) -> None:
        self.blocks.append(Items(title, items))

    def table(
        self,
        title: str,
        columns: list[Column],
        rows: list[Row],
        notes: list[str] | None = None,
    ) -> Table:
        """Add a table numbered after the tables already in the section."""
        count = sum(isinstance(b, Table) for b in self.blocks) + 1
        number = f"{self.labels('table')} {self.number}-{count}"
        table = Table(number, title, columns, rows, notes or [])
        self.blocks.append(table)
        return table

    def chart(self, title: str, svg: str, name: str) -> Chart:
        """Add a chart numbered after the charts already in the section."""
        count = sum(isinstance(b, Chart) for b in self.blocks) + 1
        number = f"{self.labels('figure')} {self.number}-{count}"
        chart = Chart(number, title, svg, f"fig-{self.number}-{count}-{name}.svg")
        self.blocks.append(chart)
        return chart


@dataclass
class Document:
    lang: str
    html_lang: str
    title: str
    subtitle: str
    notes: list[str]
    labels: Labels
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        """Start the next numbered section."""
        section = Section(len(self.sections) + 1, title, self.labels)
        self.sections.append(section)
        return section

    def charts(self) -> list[Chart]:
        """Every chart, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = _markdown_cell
    env.tests["table"] = lambda block: isinstance(block, Table)
    env.tests["chart"] = lambda block: isinstance(block, Chart)
    env.tests["paragraph"] = lambda block: isinstance(block, Paragraph)
    env.tests["items"] = lambda block: isinstance(block, Items)
    return env


def render_html(document: Document) -> str:
    """One self-contained HTML page: CSS inline, charts as data: URIs."""
    return _environment().get_template("report.html.j2").render(doc=document)


def render_markdown(document: Document) -> str:
    """Markdown with pipe tables; charts link the SVG files written beside it."""
    return _environment().get_template("report.md.j2").render(doc=document)
