"""Tables written as CSV or XLSX for a report or an audit: every header names its unit, money
stays exact, and no cell can run as a spreadsheet formula.

Money (元, 元/m³) is written from `Decimal`: in CSV as its exact digits, in XLSX as a number
with a two-decimal format. Dates are ISO 8601 (XLSX: date cells shown yyyy-mm-dd), times UTC.
A text cell starting with =, +, -, @, a tab or a carriage return is prefixed with an apostrophe
(the OWASP rule for CSV injection), so a party named "=HYPERLINK(…)" stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from reclaim.market.prices import FEN


class Kind(StrEnum):
    """How a column's values are written, and the unit its header names when it has none."""

    ID = "identifier"
    TEXT = "text"
    WHOLE = "whole"
    MONEY = "money"
    DECIMAL = "decimal"
    DATE = "date, ISO 8601"
    TIME = "UTC, ISO 8601"


@dataclass(frozen=True)
class Column:
    """A column: its name, its kind and the unit of its values (m³, 元, 元/m³…)."""

    name: str
    kind: Kind
    unit: str = ""

    @property
    def header(self) -> str:
        """The name with its unit, e.g. `amount (元)` or `term_start (date, ISO 8601)`."""
        return f"{self.name} ({self.unit or self.kind.value})"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMATS = {
    Kind.MONEY: "#,##0.00",
    Kind.DECIMAL: "0.00##",
    Kind.WHOLE: "0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.TIME: "yyyy-mm-dd hh:mm:ss",
}
"""Number formats of XLSX cells by kind: money with exactly two decimals."""
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def exact_money(amount: Decimal) -> Decimal:
    """An amount spelled with two decimals (2.6000 → 2.60), unless that would change it."""
    fen = amount.quantize(FEN)
    return fen if fen == amount else amount


def neutral_text(text: str) -> str:
    """Text that a spreadsheet shows as written: a leading formula character is quoted."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind is Kind.MONEY:
        return f"{exact_money(Decimal(value)):f}"
    if column.kind is Kind.DECIMAL:
        return f"{Decimal(value):f}"
    if column.kind is Kind.TIME:
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if column.kind is Kind.DATE:
        return date.isoformat(value)
    if column.kind in (Kind.ID, Kind.WHOLE):
        return str(int(value))
    return neutral_text(str(value))


def to_csv(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark, so that spreadsheets read 元 and m³)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column.header for column in columns)
    for row in rows:
        writer.writerow(
            _csv_cell(column, value) for column, value in zip(columns, row, strict=True)
        )
    return out.getvalue().encode("utf-8-sig")


def _xlsx_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind in (Kind.MONEY, Kind.DECIMAL):
        return Decimal(value)
    if column.kind is Kind.TIME:
        return value.astimezone(UTC).replace(tzinfo=None)  # the header says UTC
    if column.kind in (Kind.ID, Kind.WHOLE):
        return int(value)
    if column.kind is Kind.DATE:
        return value
    return neutral_text(str(value))


def to_xlsx(sheet_name: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> bytes:
    """The table as one XLSX sheet; text cells are stored as text, never as formulas."""
    from openpyxl import Workbook

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append(
            [_xlsx_value(column, value) for column, value in zip(columns, row, strict=True)]
        )
    for index, column in enumerate(columns, start=1):
        number_format = XLSX_FORMATS.get(column.kind)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if column.kind is Kind.TEXT and cell.value is not None:
                cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
            elif number_format is not None:
                cell.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(
    fmt: str, sheet_name: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]
) -> bytes:
    """The table in `fmt` (one of `FORMATS`)."""
    if fmt == "csv":
        return to_csv(columns, rows)
    return to_xlsx(sheet_name, columns, rows)
