"""The 台账 as an Excel workbook: frozen, bold header rows, fitting widths, real dates.

Written as SpreadsheetML directly, a zip of a few XML parts (ECMA-376 part 1): a branch's year is
about 110,000 cells, which openpyxl took 1.5–2 s to write, over the second an /export may take
(issue 15). The 台账 needs little of the format: inline strings, numbers, dates with their number
formats, a bold header row, column widths, wrapped long texts, a frozen header and a filter. openpyxl
still reads the secretaries' roster workbooks, and the tests read every workbook back with it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO

from sanhui_bot.commands.characters import printable
from sanhui_bot.exports.sheets import DATE_FORMAT, DATETIME_FORMAT, Cell, Sheet, display_width

MAX_WIDTH = 60  # longer texts wrap instead of making one column a screen wide
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (its 1900 leap-day bug included)
_SECONDS_A_DAY = 86_400
# XML 1.0 has no place for lone surrogates and U+FFFE/U+FFFF; `printable` removes the controls.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"})
_HEADER_STYLE = 1  # cellXfs index of the bold header cells (0 is the default)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one .xlsx file."""
    styles = _Styles()
    parts = [_sheet_xml(sheet, styles) for sheet in sheets]
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook_xml(sheets))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", styles.xml())
        for number, part in enumerate(parts, start=1):
            package.writestr(f"xl/worksheets/sheet{number}.xml", part)
    return buffer.getvalue()


class _Styles:
    """The cell formats the sheets use: the header's, then one per (number format, wrapped) pair."""

    def __init__(self) -> None:
        self.number_formats: dict[str, int] = {}  # format code -> numFmtId (custom ids start at 164)
        self.formats: dict[tuple[str | None, bool], int] = {}  # -> cellXfs index

    def index(self, number_format: str | None, wrapped: bool) -> int:
        """The cellXfs index of a data cell with this number format, wrapped at the top or not."""
        key = (number_format, wrapped)
        if key not in self.formats:
            if number_format is not None and number_format not in self.number_formats:
                self.number_formats[number_format] = 164 + len(self.number_formats)
            self.formats[key] = _HEADER_STYLE + 1 + len(self.formats)
        return self.formats[key]

    def xml(self) -> str:
        codes = "".join(
            f'<numFmt numFmtId="{number}" formatCode="{_escape(code)}"/>'
            for code, number in self.number_formats.items()
        )
        cells = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        cells.append(
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
            '<alignment vertical="center"/></xf>'
        )
        for number_format, wrapped in self.formats:
            number = self.number_formats[number_format] if number_format is not None else 0
            applied = ' applyNumberFormat="1"' if number_format is not None else ""
            if wrapped:
                cells.append(
                    f'<xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0"{applied}'
                    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
                )
            else:
                cells.append(
                    f'<xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0"{applied}/>'
                )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            f'<numFmts count="{len(self.number_formats)}">{codes}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(cells)}">{"".join(cells)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _sheet_xml(sheet: Sheet, styles: _Styles) -> str:
    """One worksheet: column widths, the frozen bold header, the rows, a filter over them."""
    columns = max([len(sheet.headers), *(len(row) for row in sheet.rows)])
    letters = [_column_letter(number) for number in range(1, columns + 1)]
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
    wrapped = [width + 2 > MAX_WIDTH for width in widths] + [False] * (columns - len(widths))
    cols = "".join(
        f'<col min="{column}" max="{column}" width="{min(width + 2, MAX_WIDTH)}" customWidth="1"/>'
        for column, width in enumerate(widths, start=1)
    )
    out = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
        f'xmlns:r="{_RELATIONSHIPS}">',
        f'<dimension ref="A1:{letters[-1] if letters else "A"}{len(sheet.rows) + 1}"/>',
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
        f"<cols>{cols}</cols>" if cols else "",
        "<sheetData>",
        '<row r="1">',
        *(
            f'<c r="{letters[column]}1" s="{_HEADER_STYLE}" t="inlineStr"><is>{_text(header)}</is></c>'
            for column, header in enumerate(sheet.headers)
        ),
        "</row>",
    ]
    for number, row in enumerate(sheet.rows, start=2):
        out.append(f'<row r="{number}">')
        for column, value in enumerate(row):
            if value is None:
                continue
            number_format = sheet.formats.get(column)
            if number_format is None and isinstance(value, date):
                number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
            style = (
                styles.index(number_format, wrapped[column])
                if number_format is not None or wrapped[column]
                else 0
            )
            out.append(_cell(f"{letters[column]}{number}", value, style))
        out.append("</row>")
    out.append("</sheetData>")
    if sheet.rows and letters:
        out.append(f'<autoFilter ref="A1:{letters[-1]}{len(sheet.rows) + 1}"/>')
    out.append("</worksheet>")
    return "".join(out)


def _cell(reference: str, value: Cell, style: int) -> str:
    styled = f' s="{style}"' if style else ""
    if isinstance(value, str):
        return f'<c r="{reference}"{styled} t="inlineStr"><is>{_text(value)}</is></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        since = value.replace(tzinfo=None) - _EXCEL_EPOCH
        days = since.days + (since.seconds + since.microseconds / 1_000_000) / _SECONDS_A_DAY
        return f'<c r="{reference}"{styled}><v>{days!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}"{styled}><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    return f'<c r="{reference}"{styled}><v>{value!r}</v></c>'


def _text(value: str) -> str:
    # Text stored before input was cleaned may hold controls XML refuses (issue 13).
    return f'<t xml:space="preserve">{_escape(_NOT_XML.sub("", printable(value)))}</t>'


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _column_letter(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{_escape(sheet.title)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, sheet in enumerate(sheets, start=1)
    )
    # Excel keeps each sheet's filter range under this hidden name as well.
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{_escape(_quoted(sheet.title))}!$A$1:${_column_letter(len(sheet.headers))}${len(sheet.rows) + 1}"
        "</definedName>"
        for index, sheet in enumerate(sheets)
        if sheet.rows and sheet.headers
    )
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
        f'xmlns:r="{_RELATIONSHIPS}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{entries}</sheets>{names}</workbook>"
    )


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_rels(sheet_count: int) -> str:
    worksheet = f"{_RELATIONSHIPS}/worksheet"
    sheets = "".join(
        f'<Relationship Id="rId{number}" Type="{worksheet}" Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, sheet_count + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        f'{sheets}<Relationship Id="rId{sheet_count + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _content_types(sheet_count: int) -> str:
    worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{worksheet}"/>'
        for number in range(1, sheet_count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
