"""The 台账 as files: the workbook (openpyxl), CSV with a BOM, the .ics feed (icalendar), the CLI.

The quarter of tests/test_reports.py is the data; the expected figures are counted by hand from its
story (module docstring there).
"""

from __future__ import annotations

import copy
import csv
import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from support import TEST_CONFIG, ChatDriver, local
from test_reports import AFTER_QUARTER, build_quarter

from sanhui_bot.app import App, open_app, plan_meetings
from sanhui_bot.config import parse_settings
from sanhui_bot.exports.csv_files import csv_files
from sanhui_bot.exports.files import ledger_files
from sanhui_bot.exports.ics import meeting_calendar
from sanhui_bot.exports.sheets import SHEET_TITLES, ledger_sheets
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.services.export import ledger_snapshot

ROOT = Path(__file__).resolve().parent.parent


def rows_by_header(ws) -> list[dict[str, object]]:
    values = list(ws.iter_rows(values_only=True))
    headers = values[0]
    return [dict(zip(headers, row, strict=True)) for row in values[1:]]


async def quarter_workbook(app: App, chat: ChatDriver):
    ids = await build_quarter(app, chat)
    snapshot = await ledger_snapshot(app.deps, 2026, AFTER_QUARTER)
    book = load_workbook(io.BytesIO(workbook_bytes(ledger_sheets(snapshot, app.deps.org))))
    return ids, book


async def test_workbook_has_the_six_sheets_with_hand_counted_rows(app: App, chat: ChatDriver) -> None:
    ids, book = await quarter_workbook(app, chat)
    assert book.sheetnames == ["会议记录", "出勤明细", "决议与任务", "献策", "积分", "年度评优"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title  # the header row stays in view
        assert all(cell.font.bold for cell in ws[1])

    meetings = rows_by_header(book["会议记录"])
    assert len(meetings) == 92  # the 2026 plan: 72 group, 12 committee, 4 congresses, 4 lessons
    congress = next(row for row in meetings if row["编号"] == ids.congress)
    assert congress["会议类型"] == "支部党员大会" and congress["单位"] == "教工第一党支部"
    assert congress["开始时间"] == datetime(2026, 2, 26, 15, 30)  # a real, local date and time
    assert (congress["应到"], congress["实到"], congress["请假"], congress["缺席"]) == (12, 7, 2, 3)
    # names in roster order (by member key: hema, xuqiang; linyu, wujun, zhoumin)
    assert congress["请假人员及事由"] == "何马（病假：发烧）；徐强（事假：外出培训）"
    assert congress["缺席人员"] == "林雨、吴军、周敏"
    assert (congress["主持人"], congress["记录人"]) == ("张伟", "赵磊")
    assert congress["公示日期"] == datetime(2026, 3, 2)  # openpyxl reads dates back as datetimes
    committee = next(row for row in meetings if row["编号"] == ids.committee_0312)
    assert committee["议题"] == "队伍建设提升；期中教学检查安排"
    assert (committee["应到"], committee["实到"], committee["缺席人员"]) == (5, 4, "孙丽")
    cancelled = next(row for row in meetings if row["编号"] == ids.lesson_0326)
    assert (
        cancelled["状态"] == "已取消"
        and cancelled["取消原因"] == "与期中考试冲突"
        and cancelled["应到"] is None
    )
    later = next(row for row in meetings if row["开始时间"] == datetime(2026, 4, 2, 14, 30))
    assert later["应到"] is None  # not held yet on 04-01

    # 出勤明细: one row per member expected at a meeting whose attendance was recorded (issue 12: the
    # silent ones list nobody as absent): 12 congress + 5 math 03-05 + 4 grade10 03-05 + 5 committee = 26
    attendance = rows_by_header(book["出勤明细"])
    assert len(attendance) == 26
    assert sum(1 for row in attendance if row["出勤情况"] == "出席") == 16  # 7 + 3 + 2 + 4 sign-ins
    assert sum(1 for row in attendance if row["出勤情况"] == "请假") == 3
    hema = next(row for row in attendance if row["会议编号"] == ids.congress and row["党员"] == "何马")
    assert (hema["出勤情况"], hema["请假类别"], hema["请假事由"]) == ("请假", "病假", "发烧")
    liuyang = next(row for row in attendance if row["会议编号"] == ids.math_0305 and row["党员"] == "刘洋")
    assert liuyang["签到时间"] == datetime(2026, 3, 5, 14, 35) and liuyang["会议日期"] == datetime(2026, 3, 5)

    decisions = rows_by_header(book["决议与任务"])
    assert [
        (row["决议编号"], row["决议"], row["责任人"], row["党小组"], row["状态"]) for row in decisions
    ] == [
        # decision #2 is the congress's of 02-26 (tests/support.hold_decision): it opened no task
        (1, "更新党员信息", "王芳", "行政服务党小组", "已完成"),
        (3, "建设错题资源库", "何马", "数学党小组", "待认领"),
        (4, "完成劳动教育课程方案", "刘洋", "数学党小组", "已评价"),
        (5, "高一家长会方案", "徐强", "高一年级党小组", "已认领"),
    ]
    third = decisions[2]
    assert third["会议"] == f"#{ids.committee_0312} 支部委员会 2026-03-12" and third["牵头支委"] == "李华"
    assert third["截止日期"] == datetime(2026, 3, 20) and third["完成日期"] == datetime(2026, 3, 18)
    assert third["评价：满意"] == 1 and third["评价：不满意"] == 0
    assert decisions[0]["会议"] == "会间决议" and decisions[1]["完成日期"] is None

    suggestions = rows_by_header(book["献策"])
    assert [(row["献策内容"], row["党员"], row["是否采纳"]) for row in suggestions] == [
        ("建立错题资源库", "刘洋", "是"),
        ("每周一次公开课", "何马", "否"),
    ]
    assert suggestions[0]["会议"] == f"#{ids.math_0305} 党小组会 2026-03-05"

    # 积分: the 12 members × January-March; totals by hand from the story
    points = rows_by_header(book["积分"])
    assert len(points) == 36
    table = {(row["党员"], row["月份"].month): row for row in points}
    assert (table["王芳", 1]["本月积分"], table["王芳", 2]["本月积分"], table["王芳", 3]["年度累计"]) == (
        5,
        2,
        9,
    )
    # liuyang in March: 03-05 sign-in 2, 献策 1, adopted 3, #3 on time 5, rated 满意 1
    assert (table["刘洋", 3]["本月积分"], table["刘洋", 3]["年度累计"], table["刘洋", 3]["记录条数"]) == (
        12,
        14,
        5,
    )
    assert "献策被采纳 +3" in table["刘洋", 3]["明细（日期 事由 分值）"]
    assert (
        table["林雨", 3]["本月积分"] == 0 and not table["林雨", 3]["明细（日期 事由 分值）"]
    )  # an empty cell
    assert book["积分"]["B2"].number_format == "yyyy-mm"


async def test_workbook_columns_fit_their_longest_value(app: App, chat: ChatDriver) -> None:
    _, book = await quarter_workbook(app, chat)
    ws = book["会议记录"]
    # 请假人员及事由 holds "何马（病假：发烧）；徐强（事假：外出培训）": 21 full-width characters,
    # 42 columns, plus a margin of 2 (column O: 主讲人 comes after 主题)
    assert int(ws.column_dimensions["O"].width) == 44  # Excel shows 44; the file adds its cell padding
    assert int(ws.column_dimensions["A"].width) == 6  # "编号" is 4 wide; numbers are shorter
    assert 18 <= int(ws.column_dimensions["D"].width) <= 20  # a date and time


async def test_csv_files_open_in_excel_as_utf8(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    snapshot = await ledger_snapshot(app.deps, 2026, AFTER_QUARTER)
    files = dict(csv_files(ledger_sheets(snapshot, app.deps.org)))
    assert list(files) == [f"{title}.csv" for title in SHEET_TITLES]
    for data in files.values():
        assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(files["决议与任务.csv"].decode("utf-8-sig"))))
    assert rows[0][:3] == ["决议编号", "决议", "会议"] and len(rows) == 5
    assert rows[3][8] == "2026-03-20"  # 截止日期 as an ISO date


async def test_ics_lists_every_planned_meeting_of_the_year_once(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-01-01T09:00"))
    await chat.say(
        "zhangwei", "branch", "/meeting new congress 2026-03-19 15:30 专题学习", at=local("2026-03-01T09:00")
    )
    snapshot = await ledger_snapshot(app.deps, 2026, local("2026-03-01T09:00"))
    data = meeting_calendar(snapshot.meetings, app.deps.org, app.deps.tz, local("2026-03-01T09:00"))
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    async with app.deps.uow() as uow:
        stored = [m for m in await uow.meetings.list() if m.starts_at.astimezone(app.deps.tz).year == 2026]
    assert len(events) == len(stored) == 93  # 92 planned and the ad-hoc congress
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == len(uids)
    starts = sorted(event.decoded("DTSTART") for event in events)
    assert starts == sorted(m.starts_at for m in stored)
    first = min(events, key=lambda event: event.decoded("DTSTART"))
    assert str(first.decoded("DTSTART").tzinfo) == "Asia/Shanghai"
    assert first.decoded("DTSTART") == datetime(2026, 1, 8, 14, 30, tzinfo=app.deps.tz)
    assert "党小组会" in str(first["SUMMARY"])
    assert any(str(component["TZID"]) == "Asia/Shanghai" for component in calendar.walk("VTIMEZONE"))
    # exporting again gives the same UIDs: calendars update events instead of duplicating them
    again = Calendar.from_ical(
        meeting_calendar(snapshot.meetings, app.deps.org, app.deps.tz, local("2026-06-01T09:00"))
    )
    assert [str(event["UID"]) for event in again.walk("VEVENT")] == uids


async def test_export_in_chat_sends_the_workbook_to_a_secretary_only(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    text = await chat.say("zhangwei", "branch", "/导出")
    [reply] = chat.replies
    [workbook] = reply.attachments
    assert workbook.filename == "台账-2026.xlsx" and workbook.filename in text
    assert load_workbook(io.BytesIO(workbook.data)).sheetnames == list(SHEET_TITLES)
    await chat.say("zhangwei", "branch", "/export csv")
    assert [a.filename for a in chat.replies[0].attachments] == [f"2026-{t}.csv" for t in SHEET_TITLES]
    await chat.say("zhangwei", "branch", "/export ics")
    assert chat.replies[0].attachments[0].mime == "text/calendar"
    refused = await chat.say("lihua", "committee", "/export")
    assert "权限" in refused and not chat.replies[0].attachments


def test_files_by_format_reject_an_unknown_one() -> None:
    with pytest.raises(ValueError):
        ledger_files(None, "pdf", None, datetime(2026, 1, 1))  # type: ignore[arg-type]


@pytest.mark.slow
def test_cli_writes_workbook_csv_directory_ics_and_minutes(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "bot.py"), *args, "--db", str(db)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )

    console = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "console", "--db", str(db), "--now", "2026-03-01T09:00"],
        input=":quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert console.returncode == 0, console.stderr
    book = tmp_path / "ledger.xlsx"
    done = bot("export", "--format", "xlsx", "--out", str(book), "--year", "2026")
    assert done.returncode == 0, done.stderr
    workbook = load_workbook(book)
    assert workbook.sheetnames == list(SHEET_TITLES) and workbook["会议记录"].max_row > 1
    done = bot("export", "--format", "csv", "--out", str(tmp_path / "csv"), "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(f"{t}.csv" for t in SHEET_TITLES)
    done = bot("export", "--format", "ics", "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("BEGIN:VCALENDAR") and done.stdout.count("BEGIN:VEVENT") >= 90
    assert bot("export", "--format", "xlsx").returncode == 2  # --out is required
    minutes = bot("minutes", "1")
    assert minutes.returncode == 0, minutes.stderr
    assert "会议纪要" in minutes.stdout and "主持人（签字）" in minutes.stdout
    assert bot("minutes", "9999").returncode == 1


async def test_a_chat_export_holds_only_the_own_branch(tmp_path: Path) -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["chats"].update({"branch2": {"telegram": -2001}, "committee2": {"telegram": -2002}})
    config["branches"].append(
        {
            "key": "t2",
            "name": "教工第二党支部",
            "chat": "branch2",
            "committee_chat": "committee2",
            "groups": [],
        }
    )
    config["members"].append(
        {"key": "qianhong", "name": "钱红", "branch": "t2", "roles": ["secretary"], "telegram": 20001}
    )
    app = await open_app(parse_settings(config, "tests"), tmp_path / "two.db")
    try:
        await plan_meetings(app, local("2026-01-01T09:00"))
        chat = ChatDriver(app, local("2026-03-01T09:00"))
        await chat.say("zhangwei", "branch", "/export")
        book = load_workbook(io.BytesIO(chat.replies[0].attachments[0].data))
        units = {row["单位"] for row in rows_by_header(book["会议记录"])}
        assert "教工第二党支部" not in units and len(rows_by_header(book["会议记录"])) == 92
        assert "钱红" not in {row["党员"] for row in rows_by_header(book["积分"])}
        everything = await ledger_snapshot(app.deps, 2026, local("2026-03-01T09:00"))  # the CLI's: all
        assert {m.branch for m in everything.meetings} == {"t1", "t2"}
    finally:
        await app.close()
