"""The 台账 as an Excel workbook (XlsxWriter): frozen, bold header rows, fitting widths, real dates.

A branch's year is about 110,000 cells. XlsxWriter writes them in well under the second an /export
may take (issue 15); openpyxl, which took 1.5–2 s for them, still reads the secretaries' roster
workbooks, and the tests read every workbook back with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

import xlsxwriter

from sanhui_bot.commands.characters import printable
from sanhui_bot.exports.sheets import DATE_FORMAT, DATETIME_FORMAT, Cell, Sheet, display_width

MAX_WIDTH = 60  # longer texts wrap instead of making one column a screen wide
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# XML 1.0 has no place for lone surrogates and U+FFFE/U+FFFF; `printable` removes the controls.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_OPTIONS = {
    "in_memory": True,
    # Every cell is written with its own type's method below; nothing is guessed from its text (a
    # member's "=…" stays text, never a formula).
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one .xlsx file."""
    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, _OPTIONS)
    formats = _Formats(book)
    for sheet in sheets:
        _write_sheet(book.add_worksheet(sheet.title), sheet, formats)
    book.close()
    return buffer.getvalue()


class _Formats:
    """The workbook's cell formats: the header's, and one per (number format, wrapped) pair in use."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self.header = book.add_format({"bold": True, "valign": "vcenter"})
        self._data: dict[tuple[str | None, bool], Any] = {}

    def data(self, number_format: str | None, wrapped: bool) -> Any:
        """The format of a data cell with this number format, wrapped at the top or not; None if plain."""
        if number_format is None and not wrapped:
            return None
        key = (number_format, wrapped)
        if key not in self._data:
            properties: dict[str, object] = {"num_format": number_format} if number_format else {}
            if wrapped:
                properties |= {"text_wrap": True, "valign": "top"}
            self._data[key] = self._book.add_format(properties)
        return self._data[key]


def _write_sheet(ws: Any, sheet: Sheet, formats: _Formats) -> None:
    """One worksheet: column widths, the frozen bold header, the rows, a filter over them."""
    # Each distinct value is measured once: a column repeats its names, units and answers.
    widths = [
        max(
            [
                display_width(header),
                *map(display_width, {row[column] for row in sheet.rows if column < len(row)}),
            ]
        )
        for column, header in enumerate(sheet.headers)
    ]
    wrapped = [width + 2 > MAX_WIDTH for width in widths]
    for column, width in enumerate(widths):
        ws.set_column(column, column, min(width + 2, MAX_WIDTH))
    for column, header in enumerate(sheet.headers):
        ws.write_string(0, column, _text(header), formats.header)
    ws.freeze_panes(1, 0)
    # The writer of each column's cells is chosen once per (column, type): a year is 110,000 cells.
    writers: dict[tuple[int, type], Callable[[int, Cell], object]] = {}
    for number, row in enumerate(sheet.rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            key = (column, type(value))
            write = writers.get(key)
            if write is None:
                write = writers[key] = _writer(ws, column, value, sheet, formats, wrapped)
            write(number, value)
    if sheet.rows and sheet.headers:
        ws.autofilter(0, 0, len(sheet.rows), len(sheet.headers) - 1)


def _writer(
    ws: Any, column: int, value: Cell, sheet: Sheet, formats: _Formats, wrapped: list[bool]
) -> Callable[[int, Cell], object]:
    """How a cell of this column and this value's type is written, with its format."""
    number_format = sheet.formats.get(column)
    if number_format is None and isinstance(value, date):
        number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    cell_format = formats.data(number_format, column < len(wrapped) and wrapped[column])
    if isinstance(value, str):
        return lambda row, text: ws.write_string(row, column, _text(text), cell_format)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return lambda row, flag: ws.write_boolean(row, column, flag, cell_format)
    if isinstance(value, date):
        return lambda row, moment: ws.write_datetime(row, column, moment, cell_format)
    return lambda row, number: ws.write_number(row, column, number, cell_format)


def _text(value: str) -> str:
    # Text stored before input was cleaned may hold controls XML refuses (issue 13).
    return _NOT_XML.sub("", printable(value))
