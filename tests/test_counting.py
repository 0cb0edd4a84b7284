"""The ledger's shared rules (domain/counting.py) at their boundaries, and the month-end board, /report
and points agreeing on them.

Each expectation is written from the rule, not recomputed: a task due 03-31 is on time all of 03-31
and overdue from 04-01; the 决议清单 is due 2 working days after the meeting (Qingming 2026: 04-04 to
04-06 off; Labour Day 2026: 05-01 to 05-05 off, Saturday 05-09 a make-up workday).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from openpyxl import load_workbook
from support import TZ, ChatDriver, local, meeting_on, say_ok
from test_announcements import Recorder, started
from test_exports import rows_by_header

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.counting import LedgerRange, counted_day, publish_deadline, rating_result
from sanhui_bot.domain.model import MeetingKind, Rating, committee_unit, overdue_on
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.render.minutes import render_minutes
from sanhui_bot.render.replies import Renderer
from sanhui_bot.render.reports import render_report
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services.announcements import start_planning
from sanhui_bot.services.export import ledger_snapshot
from sanhui_bot.services.reports import branch_report, meeting_minutes
from sanhui_bot.services.summaries import BranchSummary, month_summary

STATUTORY = WorkCalendar()


def test_a_task_is_overdue_from_the_day_after_its_due_date() -> None:
    assert not overdue_on(date(2026, 3, 31), date(2026, 3, 31))
    assert overdue_on(date(2026, 3, 31), date(2026, 4, 1))


def test_a_period_is_counted_as_of_its_last_day_once_over_and_as_of_today_while_running() -> None:
    end = Period(2026, PeriodKind.MONTH, 3).bounds(TZ)[1]
    assert counted_day(end, local("2026-03-31T18:00"), TZ) == date(2026, 3, 31)
    assert counted_day(end, end, TZ) == date(2026, 3, 31)  # asked for on 04-05: cut off at the end
    assert counted_day(end, local("2026-03-15T09:00"), TZ) == date(2026, 3, 15)


def test_publication_deadline_crosses_qingming_2026() -> None:
    # Thu 04-02: Fri 04-03 is the first working day, 04-04..04-06 are off, Tue 04-07 the second.
    assert publish_deadline(STATUTORY, date(2026, 4, 2)) == date(2026, 4, 7)
    assert publish_deadline(STATUTORY, date(2026, 4, 3)) == date(2026, 4, 8)


def test_publication_deadline_counts_the_may_9_make_up_saturday() -> None:
    # Fri 05-08: Saturday 05-09 is a working day (调休), Sunday 05-10 is not, Mon 05-11 the second.
    assert publish_deadline(STATUTORY, date(2026, 5, 8)) == date(2026, 5, 11)
    # Thu 04-30: 05-01..05-05 are off, so Wed 05-06 is the first working day and Thu 05-07 the second.
    assert publish_deadline(STATUTORY, date(2026, 4, 30)) == date(2026, 5, 7)


def test_ledger_range_bounds_are_inclusive() -> None:
    default = LedgerRange()
    assert [default.holds(n) for n in (2, 3, 5, 6)] == [False, True, True, False]
    assert LedgerRange(2, 4).holds(2) and not LedgerRange(2, 4).holds(5)


def test_rating_result_is_the_majority_and_a_tie_is_basically_satisfied() -> None:
    s, b, u = Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED
    assert rating_result([]) is None
    assert rating_result([s, s, u]) is s
    assert rating_result([u, u, s, b]) is u
    assert rating_result([s, u]) is b and rating_result([s, s, u, u, b]) is b


async def test_thirty_people_off_the_roster_give_one_owner_one_bonus_for_one_task(
    app: App, chat: ChatDriver
) -> None:
    """Seen (issue 12, item 6): each 满意 from anyone added +1, thirty gave +30."""
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 食堂改进 @liuyang 截止:2026-03-31 小组:数学",
        "2026-03-20T10:00",
        "#1",
    )
    await say_ok(chat, "chenjing", "g-math", "/claim 1", "2026-03-20T11:00", "认领")
    await say_ok(chat, "liuyang", "g-math", "/done 1 已完成", "2026-03-21T10:00", "+5")
    for n in range(30):
        await say_ok(chat, f"teacher{n}", "branch", "/rate 1 满意", "2026-03-22T10:00", "满意")
    await say_ok(chat, "teacher0", "branch", "/rate 1 满意", "2026-03-22T11:00", "已替换")
    data = await chat.export()
    bonus = [p for p in data["points"] if p["member"] == "liuyang" and p["reason"] == "rated_satisfied"]
    assert [p["delta"] for p in bonus] == [1]
    [task] = data["tasks"]
    assert len(task["ratings"]) == 30


async def _renderer(app: App) -> Renderer:
    return replace(await app.conversation.renderer(), language="zh-CN")


async def test_a_task_due_on_the_last_day_is_not_overdue_on_that_days_board_and_finishes_on_time(
    app: App, chat: ChatDriver
) -> None:
    """Seen (issue 12, item 4): listed 逾期 on the 03-31 board, yet +5 as on time that evening."""
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 月底任务 @liuyang 截止:2026-03-31 小组:数学",
        "2026-03-20T10:00",
        "任务 #1",
    )
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 前一天的任务 @xuqiang 截止:2026-03-30 小组:数学",
        "2026-03-20T10:05",
        "#2",
    )
    board = await month_summary(app.deps, "branch", 2026, 3, local("2026-03-31T18:00"))
    assert isinstance(board, BranchSummary)
    [unassigned] = [line for line in board.tasks if line.group == "math"]
    assert [t.id for t in unassigned.overdue_tasks] == [2]
    assert (unassigned.open, unassigned.overdue) == (2, 1)
    text = render_summary(board, await _renderer(app))
    assert "前一天的任务" in text and "月底任务" not in text

    # /report for March asked for on 04-05 counts the same day: #1 not overdue in March.
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.MONTH, 3), local("2026-04-05T09:00"))
    [no_group] = [line for line in report.tasks if line.group == "math"]
    assert no_group.overdue == (2,)

    # Claimed, and finished that evening: on time, +5.
    await say_ok(chat, "chenjing", "g-math", "/claim 1", "2026-03-31T19:00", "认领")
    await say_ok(chat, "liuyang", "branch", "/done 1 完成", "2026-03-31T20:00", "+5")
    # April's board: #2 (still open) is overdue, #1 is done.
    april = await month_summary(app.deps, "branch", 2026, 4, local("2026-04-30T18:00"))
    assert isinstance(april, BranchSummary)
    [unassigned] = [line for line in april.tasks if line.group == "math"]
    assert [t.id for t in unassigned.overdue_tasks] == [2]


async def test_a_task_still_open_on_the_first_day_after_its_due_date_is_overdue(
    app: App, chat: ChatDriver
) -> None:
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 月底任务 @liuyang 截止:2026-03-31 小组:数学",
        "2026-03-20T10:00",
        "任务 #1",
    )
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.MONTH, 4), local("2026-04-01T09:00"))
    [no_group] = [line for line in report.tasks if line.group == "math"]
    assert no_group.overdue == (1,)
    await say_ok(chat, "chenjing", "g-math", "/claim 1", "2026-04-01T09:30", "认领")
    await say_ok(chat, "liuyang", "branch", "/done 1 完成", "2026-04-01T10:00", "+2")


async def test_publication_across_qingming_is_on_time_on_the_second_working_day(
    app: App, chat: ChatDriver
) -> None:
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new congress 2026-04-02 15:30",
        "2026-03-25T10:00",
        "支部党员大会",
    )
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new congress 2026-04-03 15:30",
        "2026-03-25T10:00",
        "支部党员大会",
    )
    on_time = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-04-02")
    late = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-04-03")
    for meeting, published in ((on_time, "2026-04-07T20:00"), (late, "2026-04-09T09:00")):
        await say_ok(
            chat,
            "zhangwei",
            "branch",
            f"/decision 决议{meeting.id} @liuyang 截止:2026-05-30",
            f"{meeting.starts_at.astimezone(TZ):%Y-%m-%dT16:00}",
            "任务",
        )
        await say_ok(
            chat,
            "zhangwei",
            "branch",
            f"/close {meeting.id}",
            f"{meeting.starts_at.astimezone(TZ):%Y-%m-%dT17:00}",
            "已结束",
        )
        await say_ok(chat, "zhangwei", "branch", f"/publish {meeting.id}", published, "已公示")
    board = await month_summary(app.deps, "branch", 2026, 4, local("2026-04-30T18:00"))
    assert isinstance(board, BranchSummary)
    assert [(m.meeting_id, m.deadline) for m in board.publication_misses] == [(late.id, date(2026, 4, 8))]


async def test_a_congress_held_before_the_first_start_is_held_and_its_quorum_unknown_not_missing(
    app: App, chat: ChatDriver
) -> None:
    """Seen (issue 12, item 8): Q1 said 支部党员大会 1/1 and then 本期未召开支部党员大会; the minutes and
    the workbook said 计划中 for meetings that took place."""
    await plan_meetings(app, local("2026-01-01T08:00"))
    await start_planning(app.deps, local("2026-03-01T08:00"))  # the bot's first start
    congress = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-02-26")
    committee = await meeting_on(app, committee_unit("t1"), MeetingKind.COMMITTEE, "2026-03-12")
    # Signed in to, so it took place (one with nothing recorded is not held until recorded).
    await say_ok(chat, "lihua", "committee", f"/signin {committee.id}", "2026-03-12T16:35", "签到")
    now = local("2026-04-01T09:00")
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.QUARTER, 1), now)
    [total] = [t for t in report.totals if t.kind is MeetingKind.CONGRESS]
    assert (total.held, total.required) == (1, 1)
    assert report.quorums == () and report.quorum_unknown == ((congress.id, date(2026, 2, 26)),)
    text = render_report(report, await _renderer(app))
    assert "本期未召开支部党员大会" not in text and f"#{congress.id} 2月26日：出席情况未记录" in text

    # Took place, never closed: 已召开 in the minutes and the workbook, not 计划中.
    for meeting in (congress, committee):
        minutes = await meeting_minutes(app.deps, "t1", meeting.id or 0, now)
        assert minutes.state == "held"
        assert "状态：已召开" in render_minutes(minutes, await _renderer(app))
    snapshot = await ledger_snapshot(app.deps, 2026, now, "t1")
    assert snapshot.states[congress.id or 0] == "held"
    later = await meeting_on(app, committee_unit("t1"), MeetingKind.COMMITTEE, "2026-04-09")
    assert snapshot.states[later.id or 0] == "planned"
    book = load_workbook(io.BytesIO(workbook_bytes(ledger_sheets(snapshot, app.deps.org))))
    [row] = [r for r in rows_by_header(book["会议记录"]) if r["编号"] == congress.id]
    assert row["状态"] == "已召开"


async def test_a_year_the_calendar_does_not_know_is_said_in_report_board_and_reminders(
    app: App, chat: ChatDriver
) -> None:
    """Seen (issue 12, item 7): in January 2027 /report said 0/0, 会议均按要求召开 and 公示：无超期."""
    assert 2027 not in app.deps.calendar.years()
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-12-28T09:00")
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new congress 2027-01-07 15:30",
        "2026-12-28T10:00",
        "支部党员大会",
    )
    congress = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2027-01-07")
    await say_ok(
        chat, "zhangwei", "branch", "/decision 审议事项 @liuyang 截止:2027-01-30", "2027-01-07T15:40", "决议"
    )
    # Not closed: the reminder still goes out (a calendar day later), its deadline said to be unknown.
    await announcer.advance(recorder.now, local("2027-01-09T12:00"), recorder.at_moment)
    [(day, reminder)] = recorder.texts("committee", "还没有结束")
    assert day == "2027-01-08" and f"/close {congress.id}" in reminder and "未知" in reminder
    await say_ok(chat, "zhangwei", "branch", f"/close {congress.id}", "2027-01-09T12:00", "未知")
    await say_ok(chat, "zhangwei", "branch", f"/publish {congress.id}", "2027-01-28T09:00", "已公示")

    report = await branch_report(app.deps, "t1", Period(2027, PeriodKind.MONTH, 1), local("2027-01-29T09:00"))
    assert report.calendar_unknown == (2027,) and report.publication_unknown == (congress.id,)
    text = render_report(report, await _renderer(app))
    assert "工作日历未知（2027年）" in text
    assert "会议均按要求召开" not in text and "无超期" not in text
    board = await month_summary(app.deps, "branch", 2027, 1, local("2027-01-31T18:00"))
    assert isinstance(board, BranchSummary) and board.calendar_unknown == (2027,)
    text = render_summary(board, await _renderer(app))
    assert "工作日历未知（2027年）" in text and "均按计划召开" not in text and "无超期" not in text
    # A known year says nothing of the kind.
    december = await branch_report(
        app.deps, "t1", Period(2026, PeriodKind.MONTH, 12), local("2027-01-29T09:00")
    )
    assert december.calendar_unknown == ()
