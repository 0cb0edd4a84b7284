"""The 台账 as an Excel workbook (openpyxl): frozen, bold header rows, fitting widths, real dates."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sanhui_bot.commands.characters import printable
from sanhui_bot.exports.sheets import DATE_FORMAT, DATETIME_FORMAT, Sheet, display_width

MAX_WIDTH = 60  # longer texts wrap instead of making one column a screen wide
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as one .xlsx file."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center")
        for row in sheet.rows:
            # Text stored before input was cleaned may hold controls openpyxl refuses (issue 13).
            ws.append([printable(value) if isinstance(value, str) else value for value in row])
        for column, header in enumerate(sheet.headers):
            values = [row[column] for row in sheet.rows]
            fmt = sheet.formats.get(column)
            for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                if fmt is not None:
                    cell.number_format = fmt
                elif isinstance(cell.value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(cell.value, date):
                    cell.number_format = DATE_FORMAT
            width = max([display_width(header), *(display_width(value) for value in values)])
            ws.column_dimensions[get_column_letter(column + 1)].width = min(width + 2, MAX_WIDTH)
            if width + 2 > MAX_WIDTH:
                for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"  # the header row stays in view while scrolling
        if sheet.rows:
            ws.auto_filter.ref = ws.dimensions
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
