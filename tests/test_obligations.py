"""Which meetings owe a 决议清单 (issue 12, item 5): only one holding a decision; never a 党课; nothing
empty is drafted, reminded or published; a meeting holding decisions that is not /closed by the end
of the next working day reminds the secretary (Qingming 2026: 04-04..04-06 off; 05-09 a make-up
Saturday).
"""

from __future__ import annotations

from support import ChatDriver, local, meeting_on, say_ok
from test_announcements import Recorder, started

from sanhui_bot.app import App
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.services.summaries import BranchSummary, month_summary

GROUP, LESSON = MeetingKind.GROUP, MeetingKind.LESSON


async def outbox_keys(app: App) -> set[str]:
    async with app.deps.uow() as uow:
        return {row.key for row in await uow.outbox.list()}


async def test_a_meeting_without_decisions_and_a_lesson_owe_no_decision_list(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T09:00")
    lesson = await meeting_on(app, "t1", LESSON, "2026-03-26")
    group = await meeting_on(app, "math", GROUP, "2026-03-05")

    # A decision taken during the 党课 stands alone: a lesson holds no decisions.
    reply = await chat.say(
        "zhangwei", "branch", "/decision 整理党课学习笔记 @liuyang 截止:2026-04-30", local("2026-03-26T14:40")
    )
    assert "已记录决议" in reply and f"#{lesson.id}" not in reply

    for meeting, at in ((group, "2026-03-05T15:40"), (lesson, "2026-03-26T15:40")):
        reply = await chat.say("zhangwei", "branch", f"/close {meeting.id}", local(at))
        assert f"#{meeting.id}" in reply and "不需要决议清单" in reply and "公示期限" not in reply
        refused = await chat.say("zhangwei", "branch", f"/publish {meeting.id}", local(at))
        assert "没有决议清单可公示" in refused
    # Nothing drafted, nothing reminded, nothing published; nothing counted as 公示超期.
    await announcer.advance(recorder.now, local("2026-03-31T19:00"), recorder.at_moment)
    assert not {
        key for key in await outbox_keys(app) if key.split(":")[0] in ("decision_list", "publication")
    }
    assert recorder.texts("committee", "尚未公示") == [] and recorder.texts("committee", "还没有结束") == []
    board = await month_summary(app.deps, "branch", 2026, 3, local("2026-03-31T18:00"))
    assert isinstance(board, BranchSummary) and board.publication_misses == ()


async def test_a_meeting_holding_decisions_is_reminded_to_close_at_the_end_of_the_next_working_day(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-04-01T09:00")
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new group 2026-04-03 15:00 小组:数学",
        "2026-04-01T10:00",
        "党小组会",
    )
    thursday = await meeting_on(app, "math", GROUP, "2026-04-02")
    friday = await meeting_on(app, "math", GROUP, "2026-04-03")
    closed = await meeting_on(app, "grade10", GROUP, "2026-04-02")
    quiet = await meeting_on(app, "service", GROUP, "2026-04-02")  # no decision: no reminder
    await say_ok(
        chat,
        "zhangwei",
        "g-math",
        "/decision 整理教研资料 @liuyang 截止:2026-04-30",
        "2026-04-02T14:40",
        "决议",
    )
    await say_ok(
        chat, "zhangwei", "g-math", "/decision 更新题库 @hema 截止:2026-04-30", "2026-04-03T15:10", "决议"
    )
    await say_ok(
        chat,
        "zhangwei",
        "g-grade10",
        "/decision 家访安排 @xuqiang 截止:2026-04-30",
        "2026-04-02T14:40",
        "决议",
    )
    await say_ok(chat, "zhangwei", "g-grade10", f"/close {closed.id}", "2026-04-02T16:00", "决议清单共 1 项")

    await announcer.advance(recorder.now, local("2026-04-08T12:00"), recorder.at_moment)
    reminders = recorder.texts("committee", "还没有结束")
    # Thu 04-02 → Fri 04-03; Fri 04-03 → Tue 04-07 across Qingming. Each once; none for the closed or
    # the decision-less meeting.
    assert [(day, text.split("#")[1].split()[0]) for day, text in reminders] == [
        ("2026-04-03", str(thursday.id)),
        ("2026-04-07", str(friday.id)),
    ]
    assert all(f"/close {m.id}" not in text for _, text in reminders for m in (closed, quiet))
    assert "公示期限 4月7日" in reminders[0][1]  # 2 working days after 04-02 (Qingming)
    # Never closed (or closed, never published) and past the deadline: 公示 missed on the April board.
    board = await month_summary(app.deps, "branch", 2026, 4, local("2026-04-30T18:00"))
    assert isinstance(board, BranchSummary)
    assert {miss.meeting_id for miss in board.publication_misses} == {thursday.id, friday.id, closed.id}


async def test_the_may_9_make_up_saturday_is_the_next_working_day(app: App, chat: ChatDriver) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-05-06T09:00")
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new group 2026-05-08 15:00 小组:数学",
        "2026-05-06T10:00",
        "党小组会",
    )
    meeting = await meeting_on(app, "math", GROUP, "2026-05-08")
    await say_ok(
        chat, "zhangwei", "g-math", "/decision 期中分析 @liuyang 截止:2026-05-30", "2026-05-08T15:10", "决议"
    )
    await announcer.advance(recorder.now, local("2026-05-12T12:00"), recorder.at_moment)
    reminders = recorder.texts("committee", "还没有结束")
    assert [(day, f"/close {meeting.id}" in text) for day, text in reminders] == [("2026-05-09", True)]
