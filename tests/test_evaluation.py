"""年度评优: each member's year in one row, counted by hand from test_reports' quarter.

The year 2026 holds only test_reports' story (January to March), so each row is read off it:
  liuyang   congress +2, math 03-05 +2, 献策 +1, adopted +3, task #3 on time +5, rated 满意 +1 = 14;
            present 2 of 2; #3 on time; 1 献策, adopted; #3's 群众评价 满意
  wangfang  congress +2, committee +2, task #1 on time +5 = 9; present 2 of 3 (math 03-05 absent)
  hema      math 03-05 +2, 献策 +1 = 3; congress on leave (病假); task #2 (due 03-27) overdue
  xuqiang   grade10 03-05 +2 = 2; congress on leave (事假); task #4 (due 03-25) overdue
No scheduler ran, so no absence or overdue penalties are in the ledger.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook
from support import ChatDriver, local, say_ok
from test_chart import Recorder
from test_reports import build_quarter
from test_school import school_app  # noqa: F401  (a fixture: TEST_CONFIG with a 党委, 刘洋 on it)

from sanhui_bot.app import App
from sanhui_bot.domain.counting import ratings_as_of
from sanhui_bot.domain.evaluation import MemberYear, member_years
from sanhui_bot.domain.model import Attendance, Rating, Task, TaskRating, TaskStatus
from sanhui_bot.domain.points import PointEntry, PointReason
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.evaluation import year_evaluation
from sanhui_bot.services.export import ledger_snapshot

NEW_YEAR = local("2027-01-01T09:00")
SPRING = local("2027-03-01T09:00")


def _row(rows: tuple[MemberYear, ...], member: str) -> MemberYear:
    [found] = [row for row in rows if row.member == member]
    return found


async def test_year_rows_match_the_hand_count(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    rows = (await year_evaluation(app.deps, 2026, NEW_YEAR, "t1")).rows
    liuyang, wangfang, hema, xuqiang = (_row(rows, m) for m in ("liuyang", "wangfang", "hema", "xuqiang"))
    assert (liuyang.rank, liuyang.points, liuyang.present, liuyang.expected) == (1, 14, 2, 2)
    assert (liuyang.tasks_on_time, liuyang.tasks_late, liuyang.tasks_overdue) == (1, 0, 0)
    assert (liuyang.suggestions, liuyang.suggestions_adopted, liuyang.rated_satisfied) == (1, 1, 1)
    assert (wangfang.rank, wangfang.points, wangfang.present, wangfang.absent) == (2, 9, 2, 1)
    assert wangfang.tasks_on_time == 1 and wangfang.rated_satisfied == 0
    assert (hema.points, hema.on_leave, hema.tasks_overdue, hema.suggestions_adopted) == (3, 1, 1, 0)
    assert (xuqiang.points, xuqiang.on_leave, xuqiang.tasks_overdue) == (2, 1, 1)
    # every member of the branch's roster has a row, the best first; ties share a place
    assert len(rows) == 12 and rows[0].member == "liuyang"
    assert [row.rank for row in rows if row.points == 4] == [3, 3, 3, 3]


async def test_a_past_year_is_the_same_whenever_it_is_counted(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    at_new_year = await year_evaluation(app.deps, 2026, NEW_YEAR, "t1")
    # 2027: #4 is reported done (late), hema's 献策 adopted, #3 re-rated 不满意 (replacing the
    # 满意 of 2026) and by one more, and liuyang's points adjusted — none of it is 2026's.
    await say_ok(chat, "xuqiang", "branch", "/done 4 方案已定", "2027-01-10T10:00", "+2")
    await say_ok(chat, "zhangwei", "branch", "/adopt 2", "2027-01-11T10:00", "采纳")
    await say_ok(chat, "teacher1", "branch", "/rate 3 不满意", "2027-01-12T10:00", "评价")
    await say_ok(chat, "zhaolei", "branch", "/rate 3 不满意", "2027-01-12T10:05", "评价")
    await say_ok(chat, "zhangwei", "branch", "/points adjust @liuyang +3 校级表彰", "2027-02-01T10:00", "+3")
    later = await year_evaluation(app.deps, 2026, SPRING, "t1")
    assert later.rows == at_new_year.rows
    # …and the events did happen: they are 2027's
    rows_2027 = (await year_evaluation(app.deps, 2027, SPRING, "t1")).rows
    assert _row(rows_2027, "xuqiang").tasks_late == 1
    assert _row(rows_2027, "hema").suggestions_adopted == 1
    assert _row(rows_2027, "liuyang").points == 3


async def test_the_ledgers_rows_are_year_evaluations_own_whenever_asked(app: App, chat: ChatDriver) -> None:
    """The workbook's 年度评优 rows are counted from the snapshot's own reads of the year (not read a
    second time): the same rows as `year_evaluation`'s, mid-year, at its end, and after later events."""

    async def same_rows(year: int, now: datetime) -> None:
        for branch in ("t1", None):  # a branch's /export; every branch's (bot.py export)
            rows = (await ledger_snapshot(app.deps, year, now, branch)).evaluation
            assert rows == (await year_evaluation(app.deps, year, now, branch)).rows
            assert rows, (year, now, branch)

    await build_quarter(app, chat)
    await same_rows(2026, local("2026-02-20T09:00"))  # March's meetings, #3's rating not yet counted
    await same_rows(2026, NEW_YEAR)
    # 2027: a task done, a 献策 adopted, a re-rating and points: 2026's rows stay, 2027's have them
    await say_ok(chat, "xuqiang", "branch", "/done 4 方案已定", "2027-01-10T10:00", "+2")
    await say_ok(chat, "zhangwei", "branch", "/adopt 2", "2027-01-11T10:00", "采纳")
    await say_ok(chat, "teacher1", "branch", "/rate 3 不满意", "2027-01-12T10:00", "评价")
    await say_ok(chat, "zhangwei", "branch", "/points adjust @liuyang +3 校级表彰", "2027-02-01T10:00", "+3")
    await same_rows(2026, SPRING)
    await same_rows(2027, SPRING)
    assert _row((await ledger_snapshot(app.deps, 2027, SPRING, "t1")).evaluation, "xuqiang").tasks_late == 1


def _task(task_id: int, owner: str, due: str, done: str | None) -> Task:
    done_at = local(f"{done}T10:00") if done else None
    return Task(
        id=task_id,
        decision_id=task_id,
        branch="t1",
        unit="t1",
        title=f"task {task_id}",
        owner=owner,
        due_on=date.fromisoformat(due),
        created_at=local("2026-01-05T10:00"),
        status=TaskStatus.DONE if done else TaskStatus.OPEN,
        done_at=done_at,
        done_on=done_at.date() if done_at else None,
    )


def test_task_columns_follow_the_due_date_and_the_year() -> None:
    start, cutoff = local("2026-01-01T00:00"), local("2027-01-01T00:00")
    tasks = [
        _task(1, "a", "2026-03-20", "2026-03-20"),  # done on its due date: on time
        _task(2, "a", "2026-03-20", "2026-03-21"),  # a day after: late
        _task(3, "a", "2026-12-30", None),  # open past its due date: overdue at 12-31
        _task(4, "a", "2026-12-31", None),  # due on the last day: not overdue yet
        _task(5, "a", "2026-06-01", "2027-01-05"),  # done only in 2027: overdue in 2026
        _task(6, "b", "2026-03-01", "2026-02-01"),  # someone else's
    ]
    bonus = PointEntry("a", 1, PointReason.RATED_SATISFIED, "rating:1", local("2026-04-01T09:00"), id=7)
    entries = [bonus, replace(bonus, id=9, source="rating:6", occurred_at=local("2027-01-02T09:00"))]

    def given(task: int, rater: str, rating: Rating, at: str) -> TaskRating:
        return TaskRating(task, rater, rating, local(at))

    log = [
        given(1, "x", Rating.SATISFIED, "2026-04-01T09:00"),
        given(1, "x", Rating.UNSATISFIED, "2027-01-02T09:00"),  # replaced after the year: 2027's
        given(2, "x", Rating.SATISFIED, "2026-04-01T09:00"),
        given(2, "y", Rating.UNSATISFIED, "2026-04-02T09:00"),
        given(2, "z", Rating.UNSATISFIED, "2026-04-02T09:00"),  # the majority: 不满意
        given(5, "x", Rating.SATISFIED, "2027-01-06T09:00"),  # done and rated in 2027
    ]
    results = ratings_as_of(log, cutoff)
    assert results == {1: Rating.SATISFIED, 2: Rating.UNSATISFIED}
    meetings = [Attendance(expected=["a", "b"], present=["a"], on_leave=[], absent=["b"])]
    [a, b] = member_years(
        "t1", ["a", "b"], meetings, tasks, [], entries, results, start, cutoff, date(2026, 12, 31)
    )
    assert (a.tasks_on_time, a.tasks_late, a.tasks_overdue) == (1, 1, 2)
    assert (a.rated_satisfied, a.points) == (1, 1)  # #1 满意 at the year's end; #2 不满意; #6's bonus 2027's
    assert (a.present, a.expected, b.absent, b.tasks_on_time) == (1, 1, 1, 1)
    assert a.attendance_rate == 1.0 and b.attendance_rate == 0.0


async def test_report_year_and_the_workbook_show_the_same_rows(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    answer = await chat.say("zhangwei", "branch", "/report year 2026", NEW_YEAR)
    assert "年度评优" in answer
    [liuyang_line] = [line for line in answer.splitlines() if line.startswith("1. 刘洋")]
    assert "积分 14" in liuyang_line and "2/2" in liuyang_line and "按时 1" in liuyang_line
    [hema_line] = [line for line in answer.splitlines() if "何马" in line and "积分" in line]
    assert "积分 3" in hema_line and "逾期未完成 1" in hema_line
    # a month's report has no 年度评优
    assert "年度评优" not in await chat.say("zhangwei", "branch", "/report month 2026-03", NEW_YEAR)

    snapshot = await ledger_snapshot(app.deps, 2026, NEW_YEAR, "t1")
    book = load_workbook(BytesIO(workbook_bytes(ledger_sheets(snapshot, app.deps.org))))
    rows = list(book["年度评优"].iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "党员", "年度积分") and len(rows) == 13  # the header and 12 members
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["刘洋"] == (1, "刘洋", 14, 2, 2, 0, 0, 1.0, 1, 0, 0, 1, 1, 1)
    assert by_name["王芳"][:8] == (2, "王芳", 9, 3, 2, 0, 1, 2 / 3)
    assert by_name["何马"][2] == 3 and by_name["何马"][10] == 1  # 3 points, #2 overdue


async def test_report_school_year_attaches_every_members_year(school_app: App) -> None:  # noqa: F811
    chat = ChatDriver(school_app, local("2026-03-01T09:00"))
    await build_quarter(school_app, chat)
    answer = await chat.say("liuyang", "dangwei", "/report school year 2026", NEW_YEAR)
    assert "实验中学党委" in answer and "12 名党员" in answer
    [attachment] = chat.replies[0].attachments
    assert attachment.filename == "全校年度评优-2026.xlsx"
    rows = list(load_workbook(BytesIO(attachment.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("支部", "排名", "党员")
    assert rows[1][:4] == ("教工第一党支部", 1, "刘洋", 14)
    # the same permission as the school report: the secretary of t1 sits on no 党委
    refused = await chat.say("zhangwei", "dangwei", "/report school year 2026", NEW_YEAR)
    assert "党委委员" in refused and not chat.replies[0].attachments


async def test_year_end_posts_the_evaluation_once_to_each_branch_chat(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    recorder = Recorder()
    announcer = Announcer(app.deps, "zh-CN", [recorder])
    await announcer.start(local("2026-12-31T17:00"))
    await announcer.advance(local("2026-12-31T17:00"), local("2026-12-31T18:00"))
    await announcer.advance(local("2026-12-31T18:00"), local("2026-12-31T19:00"))  # again: still once
    year_end = [(where, reply) for where, reply in recorder.posts if reply.subject == "year:2026"]
    assert [where for where, _ in year_end] == ["branch"]  # the branch chat only, once
    [(_, post)] = year_end
    # one message: the leaders by hand (刘洋 14, 王芳 9, then four with 4 share third place)
    assert "刘洋 14 分" in post.text and "王芳 9 分" in post.text and "12 名党员" in post.text
    assert "逾期未完成 2" in post.text and "献策被采纳 1" in post.text  # #2 and #4; liuyang's 献策
    [workbook] = post.attachments
    assert workbook.filename == "台账-2026.xlsx"
    rows = list(load_workbook(BytesIO(workbook.data))["年度评优"].iter_rows(values_only=True))
    assert rows[1][:3] == (1, "刘洋", 14)
    outbox = [row for row in (await chat.export())["outbox"] if row["key"].startswith("year_end:")]
    assert [row["key"] for row in outbox] == ["year_end:branch:2026"]
