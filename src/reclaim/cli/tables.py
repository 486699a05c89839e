"""Tables of every command, laid out for the terminal's width (80 columns when not a terminal).

Ids and numbers are never wrapped nor cut; text columns wrap between words (or between CJK
characters); a column of long notes is printed below its row; when the columns cannot fit side
by side, each row is printed as a block of `heading  value` lines (the vertical layout). Plain
text, measured in terminal cells (a CJK character takes two), so the layout needs no library.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

GAP = "  "
NOTE_INDENT = "    "
DEFAULT_WIDTH = 80
TEXT_MIN_WIDTH = 8
"""A text column is not narrowed below this many cells (nor below its longest word)."""
TYPICAL_PERCENT = 90
"""Columns are first widened to what this share of their cells needs, then to the widest."""

Kind = Literal["id", "number", "text", "note"]

_WIDE = (
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
"""Code points of wide (CJK) characters, between any two of which a line may break."""


@functools.cache
def _token() -> re.Pattern[str]:
    """Spaces, one wide character, or a run of other characters (compiled on first use: the
    command tree imports this module for every `--help`)."""
    return re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")


@dataclass(frozen=True)
class Column:
    """One column: its heading and how its cells may be laid out.

    id: never wrapped (what a user types back); number: right-aligned, never wrapped;
    text: wrapped between words; note: printed below the row, indented, full width."""

    heading: str
    kind: Kind = "text"


def terminal_width() -> int:
    """Columns of the terminal (or $COLUMNS); 80 when stdout is not a terminal."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: two for a wide (CJK) character, none for a combining one."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


_NO_BREAK_BEFORE = frozenset("，。、；：？！）》」』】,.;:?!)")
"""Punctuation that never starts a line: it stays with the character before it."""


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for token in _token().findall(text):
        if tokens and not tokens[-1].isspace() and token[0] in _NO_BREAK_BEFORE:
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def longest_word(text: str) -> int:
    """Cells of the longest piece of `text` that wrapping may not break."""
    return max((cell_width(t) for t in _tokens(text) if not t.isspace()), default=0)


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken at spaces or between CJK characters;
    a word longer than a whole line is cut (only text is wrapped, never an id)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for token in _tokens(paragraph):
            size = cell_width(token)
            if token.isspace():
                if line:
                    line, used = line + " ", used + 1
                continue
            if used + size > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
            while size > width:
                head, token = _cut(token, width)
                lines.append(head)
                size = cell_width(token)
            line, used = line + token, used + size
        lines.append(line.rstrip())
    return lines


def _cut(word: str, width: int) -> tuple[str, str]:
    used = 0
    for index, char in enumerate(word):
        used += cell_width(char)
        if used > width:
            return word[:index], word[index:]
    return word, ""


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - cell_width(text))
    return space + text if right else text + space


def render(
    title: str | None,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
) -> str:
    """The table as text at most `width` cells wide (ids excepted if one is wider than that)."""
    width = width or terminal_width()
    out = wrap(title, width) if title else []
    laid = [(i, c) for i, c in enumerate(columns) if c.kind != "note"]
    notes = [(i, c) for i, c in enumerate(columns) if c.kind == "note"]
    widths = _fit(laid, rows, width)
    if widths is None:
        out += _vertical(columns, rows, width)
        return "\n".join(out)
    headings = [wrap(c.heading, w) for (_, c), w in zip(laid, widths, strict=True)]
    for depth in range(max(len(h) for h in headings)):
        cells = [
            _pad(h[depth] if depth < len(h) else "", w, c.kind == "number")
            for h, w, (_, c) in zip(headings, widths, laid, strict=True)
        ]
        out.append(GAP.join(cells).rstrip())
    out.append(GAP.join("─" * w for w in widths))
    for row in rows:
        stacked = [
            wrap(row[i], w) if c.kind == "text" else [row[i]]
            for (i, c), w in zip(laid, widths, strict=True)
        ]
        for depth in range(max(len(lines) for lines in stacked)):
            line = [
                _pad(lines[depth] if depth < len(lines) else "", w, col.kind == "number")
                for lines, w, (_, col) in zip(stacked, widths, laid, strict=True)
            ]
            out.append(GAP.join(line).rstrip())
        for i, column in notes:
            if row[i]:
                prefix = f"{NOTE_INDENT}{column.heading}: " if column.heading else NOTE_INDENT
                out += _hanging(prefix, row[i], width)
    return "\n".join(out)


def _hanging(prefix: str, text: str, width: int) -> list[str]:
    """`prefix` then `text` wrapped, the further lines indented under the text."""
    indent = cell_width(prefix)
    if width - indent < TEXT_MIN_WIDTH:
        prefix, indent = NOTE_INDENT, len(NOTE_INDENT)
        lines = wrap(text, width - indent)
        return [prefix + line for line in lines]
    lines = wrap(text, width - indent)
    return [prefix + lines[0], *(" " * indent + line for line in lines[1:])]


def _fit(
    laid: list[tuple[int, Column]], rows: Sequence[Sequence[str]], width: int
) -> list[int] | None:
    """Widths of the side-by-side columns within `width`, or None when they cannot fit."""
    natural, typical, minimum = [], [], []
    for index, column in laid:
        cells = sorted(cell_width(row[index]) for row in rows) or [0]
        full = max(cell_width(column.heading), cells[-1])
        if column.kind == "text":
            words = max([longest_word(column.heading), *(longest_word(r[index]) for r in rows)])
            minimum.append(min(full, max(words, TEXT_MIN_WIDTH)))
        else:
            minimum.append(full)
        natural.append(full)
        most = max(cells[(len(cells) - 1) * TYPICAL_PERCENT // 100], minimum[-1])
        typical.append(min(full, most))
    room = width - len(GAP) * (len(laid) - 1)
    if sum(natural) <= room:
        return natural
    if sum(minimum) > room:
        return None
    widths = list(minimum)
    spare = room - sum(minimum)
    # water-filling, first up to the width most cells need, then up to the widest: the spare
    # cells shared equally, a column that needs less than its share gets what it needs and
    # leaves the rest to the others
    for target in (typical, natural):
        wanting = sorted(
            (target[k] - widths[k], k) for k in range(len(laid)) if target[k] > widths[k]
        )
        for position, (want, k) in enumerate(wanting):
            given = min(want, spare // (len(wanting) - position))
            widths[k] += given
            spare -= given
    return widths


def _vertical(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """Each row as `heading  value` lines, a blank line between rows."""
    label = max(cell_width(c.heading) for c in columns)
    label = min(label, width // 3)
    out: list[str] = []
    for number, row in enumerate(rows):
        if number:
            out.append("")
        for column, value in zip(columns, row, strict=True):
            if not value:
                continue
            if cell_width(column.heading) > label:
                out += wrap(column.heading, width)
                prefix = " " * (label + len(GAP))
            else:
                prefix = _pad(column.heading, label, False) + GAP
            if column.kind in ("id", "number"):
                out.append((prefix + value).rstrip())
            else:
                out += [line.rstrip() for line in _hanging(prefix, value, width)]
    return out


def echo(text: str) -> None:
    """Print a rendered table (or any text) on stdout as it is."""
    sys.stdout.write(text + "\n")
