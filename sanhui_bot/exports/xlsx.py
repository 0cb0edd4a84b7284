"""The 台账 as an Excel workbook (XlsxWriter): frozen, bold header rows, fitting widths, real dates.

A branch's year is about 110,000 cells. XlsxWriter writes them in well under the second an /export
may take (issue 15); openpyxl, which took 1.5–2 s for them, still reads the secretaries' roster
workbooks, and the tests read every workbook back with it. The cells are written column by column
(a column's format and writers chosen once), each distinct text cleaned and each distinct date turned
into Excel's number once. XlsxWriter's `constant_memory` mode was tried and is slower here (in-line
strings escaped at every occurrence, and a temporary file): 680 against 560 ms of CPU for a year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO
from itertools import zip_longest
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
    texts, serials = _CleanTexts(), _ExcelSerials()  # shared: sheets repeat names, days and times
    for sheet in sheets:
        _write_sheet(book.add_worksheet(sheet.title), sheet, formats, texts, serials)
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


class _CleanTexts(dict[str, str]):
    """Each distinct text cleaned once (`_text`): a year's 70,000 text cells hold a few thousand texts."""

    def __missing__(self, value: str) -> str:
        cleaned = self[value] = _text(value)
        return cleaned


class _ExcelSerials(dict[date, float]):
    """Each distinct date or time as Excel's serial number, computed once (see `excel_serial`)."""

    def __missing__(self, moment: date) -> float:
        serial = self[moment] = excel_serial(moment)
        return serial


def excel_serial(moment: date) -> float:
    """The number Excel stores for a (naive) date or time: days since its epoch, the time a fraction.

    What XlsxWriter's `write_datetime` stores, the same arithmetic: Excel counts days from 1899-12-31
    as day 1 and takes 1900 for a leap year, so every day after 1900-02-28 is one more. A cell with
    this number and a date format is a date cell (write_datetime writes exactly that).
    """
    if isinstance(moment, datetime):
        delta = moment.replace(tzinfo=None) - _EXCEL_EPOCH
        serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
        if moment.isocalendar() == (1900, 1, 1):  # XlsxWriter's (Excel's) own exception, kept
            serial -= 1
    else:
        serial = float(moment.toordinal() - _EXCEL_EPOCH_ORDINAL)
    return serial + 1 if serial > 59 else serial  # the 29 February 1900 that never was


_EXCEL_EPOCH = datetime(1899, 12, 31)
_EXCEL_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_TEXT, _DATE, _FLAG, _NUMBER = range(4)


def _write_sheet(
    ws: Any, sheet: Sheet, formats: _Formats, texts: _CleanTexts, serials: _ExcelSerials
) -> None:
    """One worksheet: column widths, the frozen bold header, the rows, a filter over them."""
    # Column by column: the format, the width and how each type is written are worked out once per
    # column, not per cell (a year is 110,000 cells).
    columns = list(zip_longest(*sheet.rows)) if sheet.rows else []
    for column, header in enumerate(sheet.headers):
        cells = columns[column] if column < len(columns) else ()
        # Each distinct value is measured once: a column repeats its names, units and answers.
        width = max([display_width(header), *map(display_width, set(cells))])
        ws.set_column(column, column, min(width + 2, MAX_WIDTH))
        ws.write_string(0, column, _text(header), formats.header)
        _write_column(
            ws, column, cells, sheet.formats.get(column), width + 2 > MAX_WIDTH, formats, texts, serials
        )
    for column in range(len(sheet.headers), len(columns)):  # cells past the headers: as written
        _write_column(ws, column, columns[column], sheet.formats.get(column), False, formats, texts, serials)
    ws.freeze_panes(1, 0)
    if sheet.rows and sheet.headers:
        ws.autofilter(0, 0, len(sheet.rows), len(sheet.headers) - 1)


def _write_column(
    ws: Any,
    column: int,
    cells: Sequence[Cell],
    number_format: str | None,
    wrapped: bool,
    formats: _Formats,
    texts: _CleanTexts,
    serials: _ExcelSerials,
) -> None:
    """A column's cells from the second row, each by its type's method: text is never read as a
    formula, a number or a link; dates are numbers with a date format, as Excel stores them."""
    kinds: dict[type, tuple[int, Any]] = {}  # a value's class → how it is written, and its format
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    for number, value in enumerate(cells, start=1):
        if value is None:
            continue
        found = kinds.get(value.__class__)
        if found is None:
            found = kinds[value.__class__] = _kind(value, number_format, wrapped, formats)
        kind, cell_format = found
        if kind == _TEXT:
            write_string(number, column, texts[value], cell_format)  # type: ignore[index]
        elif kind == _DATE:
            write_number(number, column, serials[value], cell_format)  # type: ignore[index]
        elif kind == _FLAG:
            write_boolean(number, column, value, cell_format)
        else:
            write_number(number, column, value, cell_format)


def _kind(value: Cell, number_format: str | None, wrapped: bool, formats: _Formats) -> tuple[int, Any]:
    """How a value of this class is written in a column, and with which format."""
    if number_format is None and isinstance(value, date):
        number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    cell_format = formats.data(number_format, wrapped)
    if isinstance(value, str):
        return _TEXT, cell_format
    if isinstance(value, bool):
        return _FLAG, cell_format
    if isinstance(value, date):
        return _DATE, cell_format
    return _NUMBER, cell_format


def _text(value: str) -> str:
    # Text stored before input was cleaned may hold controls XML refuses (issue 13).
    return _NOT_XML.sub("", printable(value))
