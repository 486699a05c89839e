"""Read back a rendered report: HTML structure, its numbered tables, its embedded charts."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
SVG_DATA_URI = "data:image/svg+xml;base64,"


class ReportParser(HTMLParser):
    """Checks that every tag closes in order and collects tables, images and resources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self._caption: list[str] | None = None
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._figure_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "figure":
            self._figure_class = dict(attrs).get("class")
        elif tag == "figcaption" and self._figure_class == "table":
            self._caption = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "figcaption" and self._caption is not None:
            caption = " ".join("".join(self._caption).split())
            if self._table is None and caption:
                self._table = caption
                self.tables[caption] = []
                self.headers[caption] = []
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._in_head:
                self.headers[self._table].extend(self._row)
            else:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        for sink in (self._caption, self._cell):
            if sink is not None:
                sink.append(data)


def parse_report(html: str) -> ReportParser:
    """Parse a report page; `errors` and `stack` are empty when it is well formed."""
    parser = ReportParser()
    parser.feed(html)
    parser.close()
    return parser


def table(parser: ReportParser, number: str) -> list[list[str]]:
    """The body rows of the table captioned with `number` (e.g. "表 1-1")."""
    matches = [rows for caption, rows in parser.tables.items() if caption.startswith(number + " ")]
    assert len(matches) == 1, f"{number}: {list(parser.tables)}"
    return matches[0]


def row(rows: list[list[str]], label: str) -> list[str]:
    """The row whose first cell (or second, after a row number) is `label`."""
    found = [r for r in rows if label in r[:3]]
    assert len(found) == 1, f"{label!r} in {rows}"
    return found[0]


def embedded_svgs(parser: ReportParser) -> list[ET.Element]:
    """Every <img> of the page decoded as SVG (each must be a data: URI)."""
    roots = []
    for tag, attrs in parser.tags:
        if tag == "img":
            source = attrs.get("src") or ""
            assert source.startswith(SVG_DATA_URI), source[:40]
            roots.append(ET.fromstring(base64.b64decode(source[len(SVG_DATA_URI) :])))
    return roots
