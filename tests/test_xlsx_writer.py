"""The workbook writer (exports/xlsx.py, XlsxWriter): what openpyxl reads back.

The ledger's own sheets are read back in tests/test_exports.py; these are the writer's edges: text
that XML must escape or cannot hold, every cell type, the styles, and more than 26 columns.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from sanhui_bot.exports.sheets import DATE_FORMAT, DATETIME_FORMAT, Sheet
from sanhui_bot.exports.xlsx import MAX_WIDTH, workbook_bytes


def read_back(*sheets: Sheet) -> object:
    return load_workbook(io.BytesIO(workbook_bytes(list(sheets))))


def test_text_that_xml_escapes_or_refuses_comes_back_as_written_or_cleaned() -> None:
    rows: list[list[object]] = [
        ["<b>A & B</b> \"quoted\" 'single'"],
        ["  leading and trailing spaces  "],
        ["第一行\n第二行"],
        ["vertical\x0btab and nul\x00 and bom\ufeff and \ufffe"],
        ["emoji 👍 stays"],
    ]
    book = read_back(Sheet("文本", ("内容",), rows))  # type: ignore[arg-type]
    values = [row[0] for row in book["文本"].iter_rows(min_row=2, values_only=True)]  # type: ignore[index]
    assert values == [
        "<b>A & B</b> \"quoted\" 'single'",
        "  leading and trailing spaces  ",
        "第一行\n第二行",
        "vertical\ntab and nul and bom and ",
        "emoji 👍 stays",
    ]


def test_numbers_dates_and_times_keep_their_types_and_formats() -> None:
    rows = [
        [1, 2.5, date(2026, 3, 5), datetime(2026, 3, 5, 15, 30), "2026-03", None],
        [-7, 0.125, date(1999, 12, 31), datetime(2026, 12, 31, 23, 59, 59), "x", "not empty"],
    ]
    sheet = Sheet("类型", ("整数", "小数", "日期", "时间", "月份", "空"), rows, formats={4: "@", 1: "0.0%"})
    ws = read_back(sheet)["类型"]  # type: ignore[index]
    assert [list(row) for row in ws.iter_rows(min_row=2, values_only=True)] == [
        [1, 2.5, datetime(2026, 3, 5), datetime(2026, 3, 5, 15, 30), "2026-03", None],
        [-7, 0.125, datetime(1999, 12, 31), datetime(2026, 12, 31, 23, 59, 59), "x", "not empty"],
    ]
    assert ws["C2"].number_format == DATE_FORMAT
    assert ws["D2"].number_format == DATETIME_FORMAT
    assert ws["B2"].number_format == "0.0%" and ws["E2"].number_format == "@"
    assert ws["A2"].number_format == "General"


def test_the_header_is_bold_and_frozen_widths_fit_and_long_text_wraps() -> None:
    long_text = "很长的说明" * 20  # 200 columns wide: capped, and wrapped
    sheet = Sheet("样式", ("编号", "说明"), [[1, long_text], [22, "短"]])
    ws = read_back(sheet)["样式"]  # type: ignore[index]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1]) and not ws["A2"].font.bold
    # Excel shows the width asked for; the file stores it with Excel's cell padding (+0.71).
    assert int(ws.column_dimensions["A"].width) == 6  # "编号" is 4 wide, plus 2
    assert int(ws.column_dimensions["B"].width) == MAX_WIDTH
    assert ws["B2"].alignment.wrap_text and ws["B2"].alignment.vertical == "top"
    assert ws.auto_filter.ref == "A1:B3"


def test_many_columns_and_sheets_keep_their_places() -> None:
    headers = tuple(f"列{n}" for n in range(1, 31))  # past Z: AA, AB, … AD
    first = Sheet("甲", headers, [list(range(1, 31))])
    empty = Sheet("乙 (空)", ("编号",), [])
    book = read_back(first, empty)
    assert book.sheetnames == ["甲", "乙 (空)"]  # type: ignore[attr-defined]
    assert book["甲"]["AD2"].value == 30 and book["甲"]["AD1"].value == "列30"  # type: ignore[index]
    assert book["乙 (空)"].max_row == 1 and book["乙 (空)"].auto_filter.ref is None  # type: ignore[index]


def test_the_file_is_a_zip_with_the_parts_excel_needs() -> None:
    with zipfile.ZipFile(io.BytesIO(workbook_bytes([Sheet("甲", ("a",), [[1]])]))) as package:
        assert package.testzip() is None
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= set(
            package.namelist()
        )
        assert "xl/worksheets/sheet1.xml" in package.namelist()
