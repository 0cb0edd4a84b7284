"""党课 topic and speaker (DESIGN §2: "topic + speaker"; the secretary gives at least one a year):
`/meeting new lesson <date> <time> <topic> 主讲:@member`, shown in the notice, the minutes and the
workbook, and checked by the year report."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from support import ChatDriver, local, meeting_on, say_ok
from test_announcements import Recorder, started
from test_exports import rows_by_header

from sanhui_bot.app import App
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.render.minutes import render_minutes
from sanhui_bot.render.reports import render_report
from sanhui_bot.services.export import ledger_snapshot
from sanhui_bot.services.reports import branch_report, meeting_minutes

LESSON = MeetingKind.LESSON


async def test_a_lesson_carries_its_topic_and_speaker_into_notice_minutes_and_workbook(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-04-10T09:00")
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new lesson 2026-04-16 15:00 传承红色基因 主讲:@lihua",
        "2026-04-10T10:00",
        "党课",
    )
    lesson = await meeting_on(app, "t1", LESSON, "2026-04-16")
    assert (lesson.title, lesson.speaker) == ("传承红色基因", "lihua")
    await announcer.advance(recorder.now, local("2026-04-13T10:00"), recorder.at_moment)
    [(_, notice)] = recorder.texts("branch", "会议通知")
    assert "传承红色基因" in notice and "主讲：李华" in notice

    now = local("2026-04-17T09:00")
    minutes = render_minutes(
        await meeting_minutes(app.deps, "t1", lesson.id or 0, now), await app.conversation.renderer()
    )
    assert "传承红色基因" in minutes and "主讲人：李华" in minutes
    snapshot = await ledger_snapshot(app.deps, 2026, now, "t1")
    book = load_workbook(io.BytesIO(workbook_bytes(ledger_sheets(snapshot, app.deps.org))))
    [row] = [r for r in rows_by_header(book["会议记录"]) if r["编号"] == lesson.id]
    assert (row["主题"], row["主讲人"]) == ("传承红色基因", "李华")
    assert [m["speaker"] for m in (await chat.export())["meetings"] if m["id"] == lesson.id] == ["lihua"]


async def test_only_a_lesson_has_a_speaker_and_the_speaker_must_be_on_the_roster(chat: ChatDriver) -> None:
    refused = await chat.say(
        "zhangwei",
        "branch",
        "/meeting new group 2026-04-16 15:00 备课 小组:数学 主讲:@lihua",
        local("2026-04-10T10:00"),
    )
    assert "只有党课有主讲人" in refused
    unknown = await chat.say(
        "zhangwei",
        "branch",
        "/meeting new lesson 2026-04-16 15:00 党课 主讲:@nobody",
        local("2026-04-10T10:00"),
    )
    assert "nobody" in unknown
    assert [m for m in (await chat.export())["meetings"] if m["kind"] == "lesson" and m["speaker"]] == []


async def test_the_year_report_checks_that_the_secretary_gave_a_lesson(app: App, chat: ChatDriver) -> None:
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new lesson 2026-04-16 15:00 红色基因 主讲:@lihua",
        "2026-04-10T10:00",
        "党课",
    )
    first = await meeting_on(app, "t1", LESSON, "2026-04-16")
    await say_ok(chat, "liuyang", "branch", f"/signin {first.id}", "2026-04-16T15:05", "签到")
    year = Period(2026, PeriodKind.YEAR)
    report = await branch_report(app.deps, "t1", year, local("2026-05-01T09:00"))
    assert report.secretary_lessons == 0  # 李华 is a committee member, not the secretary
    renderer = await app.conversation.renderer()
    assert "书记本年度尚未讲党课" in render_report(report, renderer)
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new lesson 2026-05-14 15:00 学习条例 主讲:@zhangwei",
        "2026-05-01T10:00",
        "党课",
    )
    second = await meeting_on(app, "t1", LESSON, "2026-05-14")
    await say_ok(chat, "liuyang", "branch", f"/signin {second.id}", "2026-05-14T15:05", "签到")
    report = await branch_report(app.deps, "t1", year, local("2026-05-15T09:00"))
    assert report.secretary_lessons == 1
    assert "书记讲党课：1 次" in render_report(report, renderer)
    quarter = await branch_report(
        app.deps, "t1", Period(2026, PeriodKind.QUARTER, 2), local("2026-05-15T09:00")
    )
    assert quarter.secretary_lessons is None


async def test_a_planned_lesson_gets_its_topic_and_speaker_and_counts_for_the_secretary(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-10T09:00")
    planned = await meeting_on(app, "t1", LESSON, "2026-03-26")  # the plan's Q1 党课
    assert (planned.title, planned.speaker) == ("", None)
    group = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-19")
    command = f"/meeting lesson {planned.id} 学习党章 主讲:@zhangwei"

    refused = await chat.say("liuyang", "branch", command, local("2026-03-20T10:00"))
    assert "张伟" in refused  # who may: the secretary, named
    not_lesson = await chat.say(
        "zhangwei", "branch", f"/会议 党课 {group.id} 学习党章", local("2026-03-20T10:00")
    )
    assert "不是党课" in not_lesson
    missing = await chat.say("zhangwei", "branch", f"/meeting lesson {planned.id}", local("2026-03-20T10:00"))
    assert "缺少" in missing
    assert (await meeting_on(app, "t1", LESSON, "2026-03-26")).speaker is None  # nothing half-written

    await say_ok(chat, "zhangwei", "branch", command, "2026-03-20T10:00", "学习党章")
    lesson = await meeting_on(app, "t1", LESSON, "2026-03-26")
    assert (lesson.title, lesson.speaker) == ("学习党章", "zhangwei")
    await announcer.advance(recorder.now, local("2026-03-23T10:00"), recorder.at_moment)
    [(_, notice)] = recorder.texts("branch", "会议通知")
    assert "学习党章" in notice and "主讲：张伟" in notice

    await say_ok(chat, "liuyang", "branch", f"/signin {lesson.id}", "2026-03-26T14:35", "签到")
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.YEAR), local("2026-04-01T09:00"))
    assert report.secretary_lessons == 1
    over = await chat.say("zhangwei", "branch", command, local("2026-04-01T09:00"))
    assert "已经结束" in over
