"""Closing a meeting and publishing its 决议清单: the commands, the posts, the reminder, the ledger check."""

from __future__ import annotations

from support import ChatDriver, local, say_ok
from test_announcements import Recorder, started

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingStatus
from sanhui_bot.services.export import export_ledger


async def planned(app: App, unit: str, day: str) -> Meeting:
    async with app.deps.uow() as uow:
        (meeting,) = await uow.meetings.between([unit], local(f"{day}T00:00"), local(f"{day}T23:59"))
    return meeting


async def stored(app: App, meeting_id: int | None) -> Meeting:
    async with app.deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id or 0)
    assert meeting is not None
    return meeting


async def outbox(app: App) -> dict[str, str]:
    async with app.deps.uow() as uow:
        return {row.key: row.chat for row in await uow.outbox.list()}


async def decide(chat: ChatDriver, title: str, at: str, due: str = "2026-03-31") -> None:
    reply = await chat.say("zhangwei", "committee", f"/decision {title} @liuyang 截止:{due}", local(at))
    assert "已记录决议" in reply, reply


async def test_close_and_publish_are_the_secretarys_and_follow_the_meetings_life(
    app: App, chat: ChatDriver
) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await planned(app, "t1:committee", "2026-03-12")
    n = meeting.id
    before = await export_ledger(app.deps, local("2026-03-13T00:00"))
    # Refusals change nothing: an ordinary member, a meeting not yet held, publishing before closing.
    assert "权限" in await chat.say("liuyang", "committee", f"/close {n}", local("2026-03-12T18:00"))
    assert "还没开始" in await chat.say("zhangwei", "committee", f"/close {n}", local("2026-03-12T10:00"))
    assert "先发送 /close" in await chat.say(
        "zhangwei", "committee", f"/publish {n}", local("2026-03-12T18:00")
    )
    assert "会议编号" in await chat.say("zhangwei", "committee", "/close 十二")
    assert "没有" in await chat.say("zhangwei", "committee", "/close 9999")
    assert await export_ledger(app.deps, local("2026-03-13T00:00")) == before
    assert await outbox(app) == {}

    for title in ("完成劳动教育课程方案", "修订青年教师结对方案", "组织期中质量分析会"):
        await decide(chat, title, "2026-03-12T16:50")
    reply = await chat.say("zhangwei", "committee", f"/结束会议 {n}", local("2026-03-12T17:40"))
    assert f"#{n} 支部委员会" in reply and "决议清单共 3 项" in reply
    assert "公示期限：3月16日（周一）" in reply  # Thursday + 2 working days, over the weekend
    closed = await stored(app, n)
    assert closed.status is MeetingStatus.CLOSED and closed.closed_at == local("2026-03-12T17:40")
    # 3 tasks: within the 3-5 of a committee ledger, so no ledger check
    assert await outbox(app) == {f"decision_list:t1:committee:{n}": "committee"}
    assert "已经结束" in await chat.say("zhangwei", "committee", f"/close {n}")

    reply = await chat.say("wangfang", "branch", f"/公示 {n}", local("2026-03-13T09:30"))
    assert "已公示" in reply and "超过" not in reply
    published = await stored(app, n)
    assert published.status is MeetingStatus.PUBLISHED and published.published_at == local("2026-03-13T09:30")
    assert (await outbox(app))[f"publication:t1:committee:{n}"] == "branch"  # 公示 to all members
    assert "已经公示过" in await chat.say("zhangwei", "branch", f"/publish {n}")
    assert [m["status"] for m in (await chat.export())["meetings"] if m["id"] == n] == ["published"]


async def test_the_decision_list_and_its_publication_are_posted_once_with_every_task(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-12T16:00")
    meeting = await planned(app, "t1:committee", "2026-03-12")
    await decide(chat, "完成劳动教育课程方案", "2026-03-12T16:50")
    await chat.say("zhangwei", "committee", f"/close {meeting.id}", local("2026-03-12T17:40"))
    recorder.now = local("2026-03-12T17:40")
    await announcer.tick(recorder.now)
    await announcer.tick(recorder.now)  # a second tick posts nothing new
    (draft,) = recorder.texts("committee", "决议清单（待公示）")
    assert (
        "完成劳动教育课程方案" in draft[1]
        and "责任人 刘洋" in draft[1]
        and "截止 3月31日（周二）" in draft[1]
    )
    (check,) = recorder.texts("committee", "议事台账")  # one task: fewer than 3
    assert "1 项重点任务" in check[1]
    await chat.say("zhangwei", "branch", f"/publish {meeting.id}", local("2026-03-13T09:00"))
    recorder.now = local("2026-03-13T09:00")
    await announcer.tick(recorder.now)
    (publication,) = recorder.texts("branch", "决议清单公示")
    assert "完成劳动教育课程方案" in publication[1]


async def test_an_unpublished_list_is_reminded_one_working_day_after_close_across_national_day(
    app: App, chat: ChatDriver
) -> None:
    # 2026: 10-01…10-07 is the National Day holiday, 10-08 a working Thursday, 10-10 a make-up
    # working Saturday (调休). A close on 09-30 is reminded on 10-08; one on Friday 10-09 on the Saturday.
    numbers = []
    for day in ("2026-09-30", "2026-10-09"):
        reply = await chat.say(
            "zhangwei", "branch", f"/meeting new congress {day} 15:30 审议工作", local("2026-09-20T09:00")
        )
        numbers.append(int(reply.split("#")[1].split()[0].rstrip("：:")))
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-09-30T15:00")
    await say_ok(
        chat, "zhangwei", "branch", "/decision 审议事项 @liuyang 截止:2026-10-30", "2026-09-30T15:40", "决议"
    )
    reply = await chat.say("zhangwei", "branch", f"/close {numbers[0]}", local("2026-09-30T17:30"))
    assert "公示期限：10月9日（周五）" in reply  # two working days: 10-08, 10-09
    await announcer.advance(recorder.now, local("2026-10-09T17:00"), recorder.at_moment)
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 审议事项二 @liuyang 截止:2026-10-30",
        "2026-10-09T15:40",
        "决议",
    )
    reply = await chat.say("zhangwei", "branch", f"/close {numbers[1]}", local("2026-10-09T17:30"))
    assert "公示期限：10月12日（周一）" in reply  # 10-10 (make-up Saturday), then Monday
    await announcer.advance(recorder.now, local("2026-10-13T12:00"), recorder.at_moment)
    reminders = recorder.texts("committee", "尚未公示")
    assert [(day, f"#{number} " in text) for (day, text), number in zip(reminders, numbers, strict=True)] == [
        ("2026-10-08", True),
        ("2026-10-10", True),
    ]
    for number in numbers:
        congress = await stored(app, number)
        assert congress.kind is MeetingKind.CONGRESS and congress.published_at is None


async def test_no_reminder_once_published_and_a_late_publication_says_so(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await planned(app, "t1:committee", "2026-03-12")
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-12T16:40")
    await decide(chat, "完成劳动教育课程方案", "2026-03-12T16:50")
    await chat.say("zhangwei", "committee", f"/close {meeting.id}", local("2026-03-12T17:30"))
    await announcer.advance(recorder.now, local("2026-03-13T10:00"), recorder.at_moment)
    assert [day for day, _ in recorder.texts("committee", "尚未公示")] == ["2026-03-13"]
    reply = await chat.say("zhangwei", "committee", f"/publish {meeting.id}", local("2026-03-17T09:00"))
    assert "已超过公示期限 3月16日（周一）" in reply

    other = await planned(app, "t1:committee", "2026-04-09")
    await decide(chat, "修订青年教师结对方案", "2026-04-09T16:50", "2026-04-30")
    await chat.say("zhangwei", "committee", f"/close {other.id}", local("2026-04-09T17:30"))
    await chat.say("zhangwei", "committee", f"/publish {other.id}", local("2026-04-09T17:35"))
    await announcer.advance(recorder.now, local("2026-04-14T10:00"), recorder.at_moment)
    assert [day for day, _ in recorder.texts("committee", "尚未公示")] == ["2026-03-13"]


async def test_a_meeting_with_decisions_never_closed_misses_its_publication_in_the_summary(
    app: App, chat: ChatDriver
) -> None:
    from sanhui_bot.services.summaries import BranchSummary, month_summary

    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await planned(app, "t1:committee", "2026-03-12")
    await decide(chat, "完成劳动教育课程方案", "2026-03-12T16:50")  # recorded, never /close-d
    summary = await month_summary(app.deps, "branch", 2026, 3, local("2026-03-31T18:00"))
    assert isinstance(summary, BranchSummary)
    assert [(miss.meeting_id, miss.published_on) for miss in summary.publication_misses] == [
        (meeting.id, None)
    ]
