"""The 台账 as CSV files, one per sheet, UTF-8 with a BOM so that Excel opens the Chinese correctly."""

from __future__ import annotations

import csv
from datetime import date, datetime
from io import StringIO
from pathlib import Path

from sanhui_bot.commands.characters import printable
from sanhui_bot.exports.sheets import Cell, Sheet

CSV_MIME = "text/csv"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return printable(str(value))  # text stored before input was cleaned (issue 13)


def csv_bytes(sheet: Sheet) -> bytes:
    """One sheet as CSV bytes, with the BOM Excel needs to read UTF-8."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    writer.writerows([_text(value) for value in row] for row in sheet.rows)
    return buffer.getvalue().encode("utf-8-sig")


def csv_files(sheets: list[Sheet]) -> list[tuple[str, bytes]]:
    """(file name, contents) per sheet, e.g. ("会议记录.csv", b"...")."""
    return [(f"{sheet.title}.csv", csv_bytes(sheet)) for sheet in sheets]


def write_csv_directory(sheets: list[Sheet], directory: Path) -> list[Path]:
    """Write one CSV file per sheet into `directory` (created if missing); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in csv_files(sheets):
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths
