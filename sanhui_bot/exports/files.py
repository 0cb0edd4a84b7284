"""The ledger's files by format, for `/export` in chat and `bot.py export`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.exports.csv_files import CSV_MIME, csv_files
from sanhui_bot.exports.sheets import evaluation_sheet, ledger_sheets
from sanhui_bot.render.replies import Attachment
from sanhui_bot.services.evaluation import YearEvaluation
from sanhui_bot.services.export import LedgerSnapshot

FORMATS = ("xlsx", "csv", "ics")


def school_evaluation_file(
    evaluation: YearEvaluation, names: Mapping[str, str], org: Organisation
) -> Attachment:
    """全校年度评优-2026.xlsx: every branch's 年度评优 rows, with a 支部 column."""
    from sanhui_bot.exports.xlsx import XLSX_MIME, workbook_bytes

    sheet = evaluation_sheet(evaluation.rows, names, org, f"{evaluation.year}全校年度评优")
    return Attachment(f"全校年度评优-{evaluation.year}.xlsx", workbook_bytes([sheet]), XLSX_MIME)


def ledger_files(
    snapshot: LedgerSnapshot, file_format: str, org: Organisation, stamp: datetime
) -> tuple[Attachment, ...]:
    """台账-2026.xlsx, one 会议记录.csv … per sheet, or 三会一课-2026.ics; `stamp` dates the calendar."""
    # The writers (icalendar's above all) are imported only when a file is asked for: loaded with
    # every process they would cost start-up time and memory for something rarely used.
    if file_format == "xlsx":
        from sanhui_bot.exports.xlsx import XLSX_MIME, workbook_bytes

        data = workbook_bytes(ledger_sheets(snapshot, org))
        return (Attachment(f"台账-{snapshot.year}.xlsx", data, XLSX_MIME),)
    if file_format == "csv":
        return tuple(
            Attachment(f"{snapshot.year}-{name}", data, CSV_MIME)
            for name, data in csv_files(ledger_sheets(snapshot, org))
        )
    if file_format == "ics":
        from sanhui_bot.exports.ics import ICS_MIME, meeting_calendar

        data = meeting_calendar(snapshot.meetings, org, snapshot.tz, stamp)
        return (Attachment(f"三会一课-{snapshot.year}.ics", data, ICS_MIME),)
    raise ValueError(f"unknown export format {file_format!r}")


async def ledger_files_off_loop(
    snapshot: LedgerSnapshot, file_format: str, org: Organisation, stamp: datetime
) -> tuple[Attachment, ...]:
    """`ledger_files` on a worker thread, for the running bot.

    A branch's year is tens of thousands of cells: written on the event loop, the workbook would hold
    up every other chat's answer while it is built. The snapshot is read (in one short unit of work)
    before, so the thread touches no database and nothing that the loop changes meanwhile.
    """
    return await asyncio.to_thread(ledger_files, snapshot, file_format, org, stamp)


async def school_evaluation_file_off_loop(
    evaluation: YearEvaluation, names: Mapping[str, str], org: Organisation
) -> Attachment:
    """`school_evaluation_file` on a worker thread (every member of the school: see above)."""
    return await asyncio.to_thread(school_evaluation_file, evaluation, names, org)
