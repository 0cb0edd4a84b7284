"""The school workbook (`export --format xlsx --school`): a 全校汇总 sheet, the school-wide 年度评优, then
each branch's 台账 sheets."""

from __future__ import annotations

from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.exports.sheets import Cell, Sheet
from sanhui_bot.services.school import BranchStanding

_KINDS = (
    (MeetingKind.CONGRESS, "党员大会"),
    (MeetingKind.COMMITTEE, "支委会"),
    (MeetingKind.GROUP, "党小组会"),
    (MeetingKind.LESSON, "党课"),
)
SUMMARY_HEADERS = (
    "支部",
    *(f"{name}（召开/应开）" for _, name in _KINDS),
    "公示逾期",
    "公示未发布",
    "出勤率",
    "任务完成",
    "任务未完成",
    "任务逾期",
)


def summary_sheet(standings: tuple[BranchStanding, ...], org: Organisation, title: str) -> Sheet:
    """One row per branch, those needing attention first, as `school_summary` orders them."""
    rows: list[list[Cell]] = []
    for standing in standings:
        branch = org.branch(standing.branch)
        rows.append(
            [
                branch.name if branch is not None else standing.branch,
                *(f"{standing.held.get(kind, 0)}/{standing.required.get(kind, 0)}" for kind, _ in _KINDS),
                standing.publication_late,
                standing.publication_missing,
                standing.attendance_rate,
                standing.tasks_done,
                standing.tasks_open,
                standing.tasks_overdue,
            ]
        )
    return Sheet(title, SUMMARY_HEADERS, rows, formats={7: "0.0%"})  # 出勤率 as a percentage


def school_sheets(
    summary: Sheet, per_branch: dict[str, list[Sheet]], evaluation: Sheet | None = None
) -> list[Sheet]:
    """The summary, the school-wide 年度评优 if given, then each branch's sheets titled `t1 会议记录` …
    (Excel allows 31 characters)."""
    sheets = [summary] if evaluation is None else [summary, evaluation]
    for branch, branch_sheets in per_branch.items():
        sheets.extend(
            Sheet(f"{branch} {sheet.title}"[:31], sheet.headers, sheet.rows, sheet.formats)
            for sheet in branch_sheets
        )
    return sheets
