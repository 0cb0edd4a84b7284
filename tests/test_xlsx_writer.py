"""The workbook writer (exports/xlsx.py, XlsxWriter): what openpyxl reads back.

The ledger's own sheets are read back in tests/test_exports.py; these are the writer's edges: text
that XML must escape or cannot hold, every cell type, the styles, and more than 26 columns.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import xlsxwriter
from hypothesis import example, given, settings
from hypothesis import strategies as st
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


def test_text_that_looks_like_a_formula_a_number_a_date_or_a_link_stays_text() -> None:
    looks_like = ["=SUM(A1:A9)", "+86 138", "-5", "0012", "1e5", "2026-03-05", "TRUE", "http://example.com/x"]
    rows: list[list[object]] = [[text, 7] for text in looks_like]
    ws = read_back(Sheet("文本", ("内容", "数"), rows))["文本"]  # type: ignore[arg-type, index]
    cells = [(row[0].value, row[0].data_type, row[1].data_type) for row in ws.iter_rows(min_row=2)]
    assert cells == [(text, "s", "n") for text in looks_like]


def test_a_column_of_mixed_types_writes_each_cell_by_its_own_type() -> None:
    rows: list[list[object]] = [
        ["文字"],
        [3],
        [None],
        [date(2026, 1, 2)],
        [datetime(2026, 1, 2, 8, 30)],
        [True],
    ]
    ws = read_back(Sheet("混合", ("值",), rows))["混合"]  # type: ignore[arg-type, index]
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == [
        "文字", 3, None, datetime(2026, 1, 2), datetime(2026, 1, 2, 8, 30), True,
    ]  # fmt: skip
    assert [ws.cell(row, 1).number_format for row in (3, 5, 6)] == ["General", DATE_FORMAT, DATETIME_FORMAT]


@settings(max_examples=60, deadline=None)
# Excel's edges: its 1900-01-01 exception and the 29 February 1900 it counts, before and after.
@example([datetime(1900, 1, 1, 12), date(1900, 1, 1), date(1900, 2, 28), datetime(1900, 2, 28, 23, 59)])
@example([date(1900, 3, 1), datetime(1900, 3, 1, 0, 1), datetime(2026, 3, 5, 15, 30, 12, 345678)])
@given(
    st.lists(
        st.one_of(
            st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
            st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_dates_and_times_are_stored_as_xlsxwriters_own_write_datetime_stores_them(
    moments: list[date],
) -> None:
    """The writer turns each date into Excel's serial number itself (once per distinct value): the
    numbers in the file are those XlsxWriter's write_datetime writes for the same values."""
    ours = workbook_bytes([Sheet("日期", ("日期",), [[moment] for moment in moments])])
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("日期")
    for row, moment in enumerate(moments, start=1):
        ws.write_datetime(row, 0, moment)
    book.close()
    stored = _stored_numbers(ours)
    assert len(stored) == len(moments) and stored == _stored_numbers(buffer.getvalue())


def _stored_numbers(workbook: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        return re.findall(
            r"<c r=\"\w+\"(?: s=\"\d+\")?><v>([^<]*)</v>", package.read("xl/worksheets/sheet1.xml").decode()
        )
