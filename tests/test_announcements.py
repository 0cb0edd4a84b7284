"""The bot's own posts at fixed times, each exactly once, across restarts and clock jumps."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from support import ChatDriver, local

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, open_app, plan_meetings
from sanhui_bot.config import Settings
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services import announcements, posts


@dataclass
class Recorder:
    """A notifier that keeps what it was asked to post, stamped with the simulated time."""

    now: datetime = field(default_factory=lambda: local("2026-03-01T08:00"))
    posts: list[tuple[datetime, str, Reply]] = field(default_factory=list)
    fail: bool = False
    platform: str = "console"

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        if self.fail:
            raise ConnectionError("platform unreachable")
        self.posts.append((self.now, chat, reply))
        return str(len(self.posts))

    async def at_moment(self, previous: datetime, moment: datetime) -> None:
        self.now = moment

    def texts(self, chat: str, fragment: str = "") -> list[tuple[str, str]]:
        """(local date, text) of the posts to `chat` containing `fragment`."""
        return [
            (when.date().isoformat(), reply.text)
            for when, to, reply in self.posts
            if to == chat and fragment in reply.text
        ]


async def started(app: App, recorder: Recorder, at: str) -> Announcer:
    recorder.now = local(at)
    await plan_meetings(app, recorder.now)
    announcer = Announcer(app.deps, "zh-CN", [recorder])
    await announcer.start(recorder.now)
    return announcer


async def run(app: App, recorder: Recorder, start: str, end: str) -> Announcer:
    announcer = await started(app, recorder, start)
    await announcer.advance(recorder.now, local(end), recorder.at_moment)
    return announcer


async def outbox_keys(app: App) -> list[str]:
    async with app.deps.uow() as uow:
        return [row.key for row in await uow.outbox.list()]


async def test_group_notices_three_days_ahead_and_one_month_end_summary_per_chat(app: App) -> None:
    recorder = Recorder()
    await run(app, recorder, "2026-03-01T08:00", "2026-04-01T09:00")
    notices = [(day, text) for day, text in recorder.texts("g-math", "会议通知")]
    assert [day for day, _ in notices] == ["2026-03-02", "2026-03-16", "2026-03-30"]
    assert "3月5日" in notices[0][1] and "3月19日" in notices[1][1] and "4月2日" in notices[2][1]
    for chat in ("g-grade10", "g-service"):
        assert [day for day, _ in recorder.texts(chat, "会议通知")] == [
            "2026-03-02",
            "2026-03-16",
            "2026-03-30",
        ]
    # committee: 2nd Thursday 16:30 → notice on Monday 03-09; lesson: 4th Thursday of March → 03-23
    assert [day for day, _ in recorder.texts("committee", "会议通知")] == ["2026-03-09"]
    assert [day for day, _ in recorder.texts("branch", "会议通知")] == ["2026-03-23"]
    month_ends = [(when, chat) for when, chat, reply in recorder.posts if reply.subject == "month:2026-03"]
    assert sorted(chat for _, chat in month_ends) == sorted(
        ["branch", "committee", "g-math", "g-grade10", "g-service"]
    )
    assert {when for when, _ in month_ends} == {local("2026-03-31T18:00")}
    keys = await outbox_keys(app)
    assert len(keys) == len(set(keys)) == len(recorder.posts)
    assert "month_end:g-math:2026-03" in keys


async def test_the_same_script_cut_into_pieces_posts_the_same_once(
    app: App, settings: Settings, template_db: Path, tmp_path: Path
) -> None:
    whole = Recorder()
    await run(app, whole, "2026-03-01T08:00", "2026-04-01T09:00")
    expected = sorted((when, chat, reply.text) for when, chat, reply in whole.posts)

    cut_db = tmp_path / "cut.db"
    shutil.copy(template_db, cut_db)
    pieces = Recorder()
    cuts = [
        "2026-03-01T08:00",
        "2026-03-02T09:00",
        "2026-03-05T14:00",
        "2026-03-05T15:30",
        "2026-03-20T00:00",
    ]
    for start, end in zip(cuts, [*cuts[1:], "2026-04-01T09:00"], strict=True):
        restarted = await open_app(settings, cut_db)  # each piece is a new bot process on the same database
        try:
            await run(restarted, pieces, start, end)
        finally:
            await restarted.close()
    assert sorted((when, chat, reply.text) for when, chat, reply in pieces.posts) == expected


async def test_reminders_name_only_those_who_have_not_answered(app: App, chat: ChatDriver) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    data = await chat.export()
    meeting = next(
        m["id"] for m in data["meetings"] if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    await chat.say("liuyang", "g-math", f"/rsvp {meeting} yes", at=local("2026-03-02T10:00"))
    await chat.say("hema", "g-math", f"/rsvp {meeting} 请假 事假 外出", at=local("2026-03-02T10:05"))
    await announcer.advance(local("2026-03-02T10:05"), local("2026-03-05T14:00"), recorder.at_moment)
    [(day, text)] = recorder.texts("g-math", "明天")
    assert day == "2026-03-04" and "张伟" in text and "刘洋" not in text and "何马" not in text
    [(day, text)] = recorder.texts("g-math", "一小时后")
    assert day == "2026-03-05" and "陈静" in text and "刘洋" not in text


async def test_signin_opens_at_the_start_and_closes_with_attendance_and_absence_points(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-04T08:00")
    data = await chat.export()
    meeting = next(
        m["id"] for m in data["meetings"] if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    await chat.say("hema", "g-math", f"/rsvp {meeting} 请假 病假 发烧", at=local("2026-03-04T09:00"))
    await announcer.advance(local("2026-03-04T09:00"), local("2026-03-05T14:35"), recorder.at_moment)
    [(_, opened)] = recorder.texts("g-math", "开始签到")
    assert f"/signin {meeting}" in opened
    _, _, reply = next(p for p in recorder.posts if p[1] == "g-math" and "开始签到" in p[2].text)
    assert reply.buttons[0].command == f"/signin {meeting}"
    await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:35"))
    await chat.say("zhangwei", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:40"))
    await announcer.advance(local("2026-03-05T14:40"), local("2026-03-05T16:00"), recorder.at_moment)
    [(_, closed)] = recorder.texts("g-math", "签到结束")
    assert "应到 5 人，实到 2 人，请假 1 人，缺席 2 人" in closed
    assert "李华" in closed and "陈静" in closed
    points = {(e["member"], e["reason"]): e["delta"] for e in (await chat.export())["points"]}
    assert points[("lihua", "absent")] == -2 and points[("chenjing", "absent")] == -2
    assert ("hema", "absent") not in points and points[("liuyang", "signin")] == 2


async def test_quorum_warning_goes_to_the_committee_chat_only_when_quorum_is_not_reached(app: App) -> None:
    recorder = Recorder()
    await run(app, recorder, "2026-05-20T08:00", "2026-05-28T16:00")  # congress on Thursday 2026-05-28 15:30
    warnings = recorder.texts("committee", "书记请注意")
    assert [day for day, _ in warnings] == ["2026-05-27"]
    assert "至少需要 6 人" in warnings[0][1]  # 10 full members vote: more than half is 6


async def test_task_reminders_before_on_and_weekly_after_the_due_date(app: App, chat: ChatDriver) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    # due on a Saturday: the reminders still go out on the calendar days
    await chat.say(
        "zhangwei", "branch", "/decision 整理台账 @liuyang 截止:2026-03-14", at=local("2026-03-01T08:30")
    )
    await announcer.advance(local("2026-03-01T08:30"), local("2026-03-29T10:00"), recorder.at_moment)
    # 刘洋 reads the 数学党小组 chat (he has no private chat with the bot): his reminders go there
    assert not [text for _, text in recorder.texts("branch", "整理台账")]
    reminders = [(day, text) for day, text in recorder.texts("g-math") if "#1" in text and "整理台账" in text]
    assert [day for day, _ in reminders] == ["2026-03-11", "2026-03-14", "2026-03-21", "2026-03-28"]
    assert "刘洋" in reminders[0][1] and "逾期 2 周" in reminders[3][1]
    overdue = [e for e in (await chat.export())["points"] if e["reason"] == "task_overdue"]
    assert [(e["member"], e["delta"], e["source"]) for e in overdue] == [
        ("liuyang", -1, "task:1:week:1"),
        ("liuyang", -1, "task:1:week:2"),
    ]


async def test_a_committee_decision_reminds_its_owner_where_the_owner_reads_never_in_the_committee_chat(
    app: App, chat: ChatDriver
) -> None:
    # issue 14 seen 1: a 支委会 decision's reminders went to the 支委群, which its owner is not in
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    await chat.say(
        "zhangwei", "committee", "/decision 整理台账 @liuyang 截止:2026-03-14", at=local("2026-03-01T08:30")
    )
    await chat.say(
        "zhangwei", "committee", "/decision 走访家长 @chenjing 截止:2026-03-14", at=local("2026-03-01T08:31")
    )
    await posts.set_private_chat(app.deps, "chenjing", open_=True)  # she sent /start privately
    await announcer.advance(local("2026-03-01T08:31"), local("2026-03-22T10:00"), recorder.at_moment)
    task_posts = [
        (to, reply.text)
        for _, to, reply in recorder.posts
        if "整理台账" in reply.text or "走访家长" in reply.text
    ]
    assert {to for to, text in task_posts if "整理台账" in text} == {"g-math"}  # 刘洋's 党小组
    assert {to for to, text in task_posts if "走访家长" in text} == {"private:chenjing"}
    assert len([text for to, text in task_posts if "走访家长" in text]) == 3  # before, on the day, week 1
    assert not recorder.texts("committee", "整理台账") and not recorder.texts("committee", "走访家长")


async def test_no_reminder_when_everyone_has_answered(app: App, chat: ChatDriver) -> None:
    # issue 14 seen 2: "明天 … 全部应到人员均已回复" and its one-hour twin reminded no one
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    data = await chat.export()
    meeting = next(
        m["id"] for m in data["meetings"] if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    expected = [m["key"] for m in data["members"] if m.get("group") == "math" and m.get("active", True)]
    for key in expected:
        await chat.say(key, "g-math", f"/rsvp {meeting} yes", at=local("2026-03-02T10:00"))
    await announcer.advance(local("2026-03-02T10:00"), local("2026-03-05T14:30"), recorder.at_moment)
    assert recorder.texts("g-math", "明天") == [] and recorder.texts("g-math", "一小时后") == []
    assert [day for day, _ in recorder.texts("g-math", f"#{meeting}") if "开始签到" in _] == ["2026-03-05"]


async def test_posts_missed_while_down_are_sent_late_once_and_pointless_ones_are_dropped(app: App) -> None:
    recorder = Recorder()
    await started(app, recorder, "2026-03-01T08:00")
    # the bot is down from 03-01 08:00 until 03-05 15:00, during the 14:30 group meetings
    restarted = Announcer(app.deps, "zh-CN", [recorder])
    recorder.now = local("2026-03-05T15:00")
    await restarted.start(recorder.now)
    texts = [reply.text for _, chat, reply in recorder.posts if chat == "g-math"]
    assert not any(
        "会议通知" in text or "一小时后" in text or "明天" in text for text in texts
    )  # pointless now
    assert any(text.startswith("【补发】") and "开始签到" in text for text in texts)  # still open until 15:30
    await restarted.start(recorder.now)  # a second restart adds nothing
    assert [reply.text for _, chat, reply in recorder.posts if chat == "g-math"] == texts


async def test_a_failed_send_is_retried_and_sent_once(app: App) -> None:
    recorder = Recorder(fail=True)
    announcer = await started(app, recorder, "2026-03-01T08:00")
    await announcer.advance(recorder.now, local("2026-03-02T09:00"), recorder.at_moment)
    assert recorder.posts == []
    async with app.deps.uow() as uow:
        [row] = [row for row in await uow.outbox.list() if row.chat == "g-math"]
    assert row.sent_at is None and row.attempts == 1 and "unreachable" in row.last_error
    recorder.fail = False
    await announcer.tick(local("2026-03-02T09:00:01"))
    assert recorder.posts == []  # still waiting for its retry time
    await announcer.tick(local("2026-03-02T09:01"))
    assert len(recorder.texts("g-math", "会议通知")) == 1
    await announcer.tick(local("2026-03-02T09:30"))
    assert len(recorder.texts("g-math", "会议通知")) == 1


@pytest.mark.parametrize("month_end", ["2026-02-28T18:00", "2026-05-31T18:00"])  # a Saturday and a Sunday
async def test_month_end_on_a_weekend_still_posts_that_evening(app: App, month_end: str) -> None:
    recorder = Recorder()
    start = (local(month_end) - timedelta(hours=1)).isoformat(timespec="minutes")[:16]
    await run(app, recorder, start, month_end)
    assert {chat for when, chat, reply in recorder.posts if reply.subject.startswith("month:")} == {
        "branch",
        "committee",
        "g-math",
        "g-grade10",
        "g-service",
    }


async def test_next_due_after_steps_to_the_first_post(app: App) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    assert await announcements.next_due_after(app.deps, local("2026-03-01T08:00")) == local(
        "2026-03-02T09:00"
    )


async def test_the_apscheduler_job_ticks_the_announcer_with_the_clock(app: App) -> None:
    from sanhui_bot.scheduler.runner import JOB_ID, build_scheduler

    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    recorder.now = local("2026-03-02T09:00")
    scheduler = build_scheduler(announcer, app.deps.tz, clock=lambda: recorder.now)
    job = scheduler.get_job(JOB_ID)
    assert str(scheduler.timezone) == "Asia/Shanghai" and job.max_instances == 1 and job.coalesce
    await job.func()  # what the scheduler runs every half minute
    assert [day for day, _ in recorder.texts("g-math", "会议通知")] == ["2026-03-02"]
    scheduler.start()
    scheduler.shutdown(wait=False)


async def test_a_daily_job_plans_the_years_ahead_without_a_restart(app: App) -> None:
    from sanhui_bot.scheduler.runner import PLAN_JOB_ID, build_scheduler

    recorder = Recorder()
    announcer = await started(app, recorder, "2026-12-31T20:00")
    planned_at: list[datetime] = []

    async def plan(now: datetime) -> None:
        planned_at.append(now)

    clock = local("2027-01-01T03:00")
    scheduler = build_scheduler(announcer, app.deps.tz, clock=lambda: clock, plan=plan)
    job = scheduler.get_job(PLAN_JOB_ID)
    assert job.trigger.get_next_fire_time(None, local("2026-12-31T20:00")) == local("2027-01-01T03:00")
    assert job.max_instances == 1 and job.coalesce
    await job.func()
    assert planned_at == [clock]
    assert build_scheduler(announcer, app.deps.tz).get_job(PLAN_JOB_ID) is None  # only when asked


class CalendarUntil2026(WorkCalendar):
    """China's calendar as it stood before the State Council published 2027's holidays."""

    def years(self) -> range:
        return range(2026, 2027)


@pytest.mark.parametrize(("today", "warned"), [("2026-03-02T10:00", False), ("2026-12-01T10:00", True)])
async def test_a_missing_calendar_for_next_year_is_warned_of_from_december(
    app: App, today: str, warned: bool
) -> None:
    limited = replace(app, deps=replace(app.deps, calendar=CalendarUntil2026()))
    warnings = await plan_meetings(limited, local(today))
    assert warnings == (
        ["no working-day calendar for 2027: its meetings are not planned yet (upgrade chinesecalendar)"]
        if warned
        else []
    )
    async with app.deps.uow() as uow:
        planned = await uow.meetings.list()
    assert planned and {m.starts_at.year for m in planned} == {2026}  # 2026 is planned either way


async def test_a_notice_and_a_task_card_are_re_rendered_for_editing_in_place(app: App) -> None:
    recorder = Recorder()
    await run(app, recorder, "2026-03-01T08:00", "2026-03-02T10:00")
    (notice,) = [reply for _, chat, reply in recorder.posts if chat == "g-math" and reply.buttons]
    number = await recorder_message(app, notice)
    conversation = app.conversation
    (view,) = await conversation.live_views("console", notice.subject)
    assert view[0].message_id == number
    assert "参加 0" in view[1].text
    for user in ("liuyang", "chenjing"):
        incoming = Incoming("console", user, "g-math", "g-math", f"/rsvp {notice.subject[8:]} yes")
        await conversation.handle_text(incoming, local("2026-03-02T11:00"))
    (view,) = await conversation.live_views("console", notice.subject)
    assert "参加 2" in view[1].text and "请假 0" in view[1].text
    assert [button.command for button in view[1].buttons] == [b.command for b in notice.buttons]
    assert await conversation.live_views("console", "meeting:99999") == []
    assert await conversation.live_views("telegram", notice.subject) == []  # posted on the console only


async def recorder_message(app: App, reply: Reply) -> str:
    """Remember the recorded post as console message 1, as the console adapter would."""
    await app.conversation.remember("console", "g-math", "1", reply, local("2026-03-02T10:00"))
    return "1"


async def test_the_notice_lists_the_materials_added_to_the_agenda(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    async with app.deps.uow() as uow:
        (meeting,) = await uow.meetings.between(
            ["t1:committee"], local("2026-03-12T00:00"), local("2026-03-13T00:00")
        )
    n = meeting.id
    reply = await chat.say("lihua", "committee", f"/agenda {n} material 《中国共产党支部工作条例》第三章")
    assert "📎 材料：《中国共产党支部工作条例》第三章" in reply
    assert "已在" in await chat.say("lihua", "committee", f"/议题 {n} 材料 《中国共产党支部工作条例》第三章")
    assert "权限" in await chat.say("liuyang", "committee", f"/agenda {n} material 读本")
    await chat.say("lihua", "committee", f"/agenda {n} add 期中质量分析")
    recorder = Recorder()
    await run(app, recorder, "2026-03-01T08:00", "2026-03-09T10:00")
    (notice,) = recorder.texts("committee", "会议通知")
    assert "📎 会前材料：《中国共产党支部工作条例》第三章" in notice[1]
    assert "期中质量分析" in notice[1] and notice[1].count("第三章") == 1


async def unit_meeting(app: App, unit: str, day: str) -> int:
    async with app.deps.uow() as uow:
        (meeting,) = await uow.meetings.between([unit], local(f"{day}T00:00"), local(f"{day}T23:59"))
    return meeting.id or 0


async def test_a_meeting_set_up_inside_the_notice_window_is_noticed_at_once_and_once(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-02T10:00")
    reply = await chat.say(
        "zhangwei",
        "branch",
        "/meeting new group 3月4日 16:00 示范课评课 小组:数学",
        local("2026-03-02T10:00"),
    )
    assert "已安排" in reply or "#" in reply
    await announcer.advance(recorder.now, local("2026-03-04T12:00"), recorder.at_moment)
    notices = [(day, text) for day, text in recorder.texts("g-math", "会议通知") if "3月4日" in text]
    assert [day for day, _ in notices] == ["2026-03-02"]
    assert "示范课评课" in notices[0][1]


async def test_the_very_first_start_posts_the_notices_already_due_for_meetings_ahead_and_nothing_else(
    app: App,
) -> None:
    # Started on Monday 10:00, after the 09:00 notices of Thursday's group meetings fell due.
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-02T10:00")
    await announcer.advance(recorder.now, local("2026-03-05T12:00"), recorder.at_moment)
    for chat in ("g-math", "g-grade10", "g-service"):
        notices = recorder.texts(chat, "会议通知")
        assert [day for day, _ in notices] == ["2026-03-02"], chat
        assert "3月5日" in notices[0][1] and "补发" not in notices[0][1]
    first_moment = [(when, chat) for when, chat, reply in recorder.posts if when == local("2026-03-02T10:00")]
    assert sorted(chat for _, chat in first_moment) == ["g-grade10", "g-math", "g-service"]
    # A second start (the watermark is set) posts nothing again.
    again = Recorder()
    await started(app, again, "2026-03-05T12:00")
    assert again.posts == []


async def test_moving_a_noticed_meeting_posts_a_move_notice_and_reminders_follow_the_new_time(
    app: App, chat: ChatDriver
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    await announcer.advance(recorder.now, local("2026-03-03T10:00"), recorder.at_moment)
    n = await unit_meeting(app, "math", "2026-03-05")
    before = await chat.export()
    assert "权限" in await chat.say(
        "liuyang", "g-math", f"/meeting move {n} 3月6日 16:00", local("2026-03-03T10:00")
    )
    assert "已经过去" in await chat.say("zhangwei", "g-math", f"/meeting move {n} 2026-03-02 16:00")
    assert "日期" in await chat.say("zhangwei", "g-math", f"/meeting move {n} 3月40日 16:00")
    assert await chat.export() == before
    reply = await chat.say("chenjing", "g-math", f"/会议 改期 {n} 3月6日 下午 4:00")
    assert "已改期" in reply and "3月6日（周五）16:00" in reply and "改期通知已发" in reply
    await announcer.advance(recorder.now, local("2026-03-07T10:00"), recorder.at_moment)
    moved = recorder.texts("g-math", "会议改期")
    assert [day for day, _ in moved] == ["2026-03-03"]
    assert "原定 3月5日（周四）14:30，改为 3月6日（周五）16:00" in moved[0][1]
    reminders = [
        (when, reply.text) for when, to, reply in recorder.posts if to == "g-math" and f"#{n}" in reply.text
    ]
    day_before = [when for when, text in reminders if text.startswith("⏰ 明天")]
    assert day_before == [local("2026-03-05T16:00")]
    assert [when for when, text in reminders if "开始签到" in text] == [local("2026-03-06T16:00")]
    late = await chat.say("zhangwei", "g-math", f"/meeting move {n} 3月20日 16:00", local("2026-03-07T10:00"))
    assert "已经开始" in late


async def test_moving_a_meeting_before_its_notice_just_moves_the_notice(app: App, chat: ChatDriver) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    await announcer.advance(recorder.now, local("2026-03-03T10:00"), recorder.at_moment)
    n = await unit_meeting(app, "math", "2026-03-19")
    reply = await chat.say(
        "zhangwei", "branch", f"/meeting move {n} 2026-03-26 14:30", local("2026-03-03T10:00")
    )
    assert "将按新时间" in reply
    await announcer.advance(recorder.now, local("2026-03-27T10:00"), recorder.at_moment)
    assert recorder.texts("g-math", "会议改期") == []
    notices = [day for day, text in recorder.texts("g-math", "会议通知") if f"#{n}" in text]
    assert notices == ["2026-03-23"]


async def test_a_command_that_writes_a_post_wakes_the_scheduler(app: App, chat: ChatDriver) -> None:
    from datetime import UTC

    from sanhui_bot.scheduler.runner import JOB_ID, build_scheduler, wake

    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-01T08:00")
    scheduler = build_scheduler(announcer, app.deps.tz, clock=lambda: recorder.now)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(JOB_ID)
        job.modify(next_run_time=datetime.now(UTC) + timedelta(hours=1))
        woken: list[bool] = []
        app.conversation.wake_announcer = lambda: (woken.append(True), wake(scheduler, app.deps.tz))
        await chat.say("liuyang", "g-math", "/help")
        assert woken == [] and job.next_run_time > datetime.now(UTC) + timedelta(minutes=30)
        await chat.say(
            "zhangwei", "branch", "/meeting new group 3月4日 16:00 小组:数学", local("2026-03-02T10:00")
        )
        assert woken == [True] and job.next_run_time <= datetime.now(UTC) + timedelta(seconds=1)
    finally:
        scheduler.shutdown(wait=False)


async def test_planning_skips_rendering_posts_another_instance_already_wrote(app: App) -> None:
    recorder = Recorder()
    first = await started(app, recorder, "2026-03-31T17:00")
    await first.plan(local("2026-03-31T18:05"))
    async with app.deps.uow() as uow:
        written = {row.key for row in await uow.outbox.list()}
        assert await uow.outbox.existing([*written, "month_end:nowhere:2026-03"]) == written
    assert "month_end:g-math:2026-03" in written
    second = Announcer(app.deps, "zh-CN", [recorder])
    rendered: list[str] = []
    original = second._render

    async def counting(post, renderer, late, now):  # type: ignore[no-untyped-def]
        rendered.append(post.key)
        return await original(post, renderer, late, now)

    second._render = counting  # type: ignore[method-assign]
    async with app.deps.uow() as uow:  # the second instance starts from an older watermark
        await uow.counters.set(announcements.WATERMARK, int(local("2026-03-31T17:00").timestamp()))
        await uow.commit()
    assert await second.plan(local("2026-03-31T18:05")) == 0
    assert rendered == []


async def test_a_post_that_cannot_be_rendered_is_planned_again_at_the_next_tick_and_sent_once(
    app: App,
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-31T17:00")
    original = announcer._render
    failing = {"month_end:g-math:2026-03"}

    async def flaky(post, renderer, late, now, summary=None):  # type: ignore[no-untyped-def]
        if post.key in failing:
            raise OSError("disk I/O error")  # e.g. the database failed for a moment
        return await original(post, renderer, late, now, summary)

    announcer._render = flaky  # type: ignore[method-assign]
    recorder.now = local("2026-03-31T18:00")
    await announcer.tick(recorder.now)
    month_ends = {chat for _, chat, reply in recorder.posts if reply.subject == "month:2026-03"}
    assert month_ends == {"branch", "committee", "g-grade10", "g-service"}  # g-math's failed
    failing.clear()
    recorder.now = local("2026-03-31T18:00:30")
    await announcer.tick(recorder.now)
    recorder.now = local("2026-03-31T18:01")
    await announcer.tick(recorder.now)
    month_ends_by_chat = [chat for _, chat, reply in recorder.posts if reply.subject == "month:2026-03"]
    assert sorted(month_ends_by_chat) == ["branch", "committee", "g-grade10", "g-math", "g-service"]


async def test_a_post_that_cannot_be_rendered_for_a_day_is_given_up_and_planning_moves_on(
    app: App,
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-31T17:00")

    async def broken(post, renderer, late, now, summary=None):  # type: ignore[no-untyped-def]
        raise ValueError("a bug in one renderer")

    original = announcer._render
    announcer._render = broken  # type: ignore[method-assign]
    await announcer.tick(local("2026-03-31T18:00"))
    await announcer.tick(local("2026-04-01T19:00"))  # more than a day later: given up
    announcer._render = original  # type: ignore[method-assign]
    await announcer.tick(local("2026-04-01T19:01"))
    assert [reply.subject for _, _, reply in recorder.posts if reply.subject == "month:2026-03"] == []
    async with app.deps.uow() as uow:
        watermark = await uow.counters.get(announcements.WATERMARK)
    assert watermark == int(local("2026-04-01T19:01").timestamp())


async def test_stopping_finishes_the_post_being_sent_and_releases_the_rest_for_the_next_start(
    app: App,
) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-31T17:00")
    sending, go_on = asyncio.Event(), asyncio.Event()
    real_post = recorder.post

    async def slow_post(chat: str, reply: Reply) -> str:
        sending.set()
        await go_on.wait()  # a platform call in flight when the process is told to stop
        return await real_post(chat, reply)

    recorder.post = slow_post  # type: ignore[method-assign]
    tick = asyncio.create_task(announcer.tick(local("2026-03-31T18:00")))  # five month-end posts
    await sending.wait()
    stopping = asyncio.create_task(announcer.stop(patience=10))
    await asyncio.sleep(0.05)
    assert not stopping.done()  # it waits for the send in flight
    go_on.set()
    assert await stopping is True
    await tick
    month_ends = [chat for _, chat, reply in recorder.posts if reply.subject == "month:2026-03"]
    assert len(month_ends) == 1  # the one in flight was sent, and recorded
    async with app.deps.uow() as uow:
        rows = [row for row in await uow.outbox.list() if row.key.startswith("month_end:")]
    assert sum(row.sent_at is not None for row in rows) == 1
    assert all(row.claimed_by is None for row in rows if row.sent_at is None)  # released
    # the next start sends the other four at once, not after the two-minute lease
    recorder.post = real_post  # type: ignore[method-assign]
    restarted = Announcer(app.deps, "zh-CN", [recorder])
    await restarted.tick(local("2026-03-31T18:00:10"))
    assert sorted(chat for _, chat, reply in recorder.posts if reply.subject == "month:2026-03") == [
        "branch",
        "committee",
        "g-grade10",
        "g-math",
        "g-service",
    ]


async def test_stopping_gives_up_waiting_after_its_patience_and_keeps_the_claims(app: App) -> None:
    recorder = Recorder()
    announcer = await started(app, recorder, "2026-03-31T17:00")
    sending = asyncio.Event()

    async def stuck_post(chat: str, reply: Reply) -> str:
        sending.set()
        await asyncio.Event().wait()  # a platform that never answers
        return ""

    recorder.post = stuck_post  # type: ignore[method-assign]
    tick = asyncio.create_task(announcer.tick(local("2026-03-31T18:00")))
    await sending.wait()
    assert await announcer.stop(patience=0.1) is False
    tick.cancel()
    async with app.deps.uow() as uow:
        rows = [row for row in await uow.outbox.list() if row.key.startswith("month_end:")]
    assert rows and all(row.sent_at is None and row.claimed_by == announcer.instance for row in rows)
