"""The ledger's shared rules (domain/counting.py) at their boundaries, and the month-end board, /report
and points agreeing on them.

Each expectation is written from the rule, not recomputed: a task due 03-31 is on time all of 03-31
and overdue from 04-01; the 决议清单 is due 2 working days after the meeting (Qingming 2026: 04-04 to
04-06 off; Labour Day 2026: 05-01 to 05-05 off, Saturday 05-09 a make-up workday).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from support import TZ, ChatDriver, local, meeting_on, say_ok

from sanhui_bot.app import App
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.counting import LedgerRange, counted_day, publish_deadline
from sanhui_bot.domain.model import MeetingKind, overdue_on
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.render.replies import Renderer
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services.reports import branch_report
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
