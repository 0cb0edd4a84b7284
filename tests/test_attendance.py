"""Attendance recorded by the people responsible, meetings that did not take place, and corrections
to the 积分 ledger as entries (issue 12, "What it must show" 2).

The meeting is math's 党小组会 of Thursday 2026-03-05 14:30-15:30 (test branch of conftest.py);
expected there: zhangwei (secretary), lihua (committee), chenjing (math's group leader), liuyang and
hema (probationary). zhaolei is the 纪检委员, wangfang the deputy, zhoumin grade10's group leader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from support import ChatDriver, local, meeting_on

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.model import MeetingKind, committee_unit
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.reports import branch_report

EXPECTED = {"zhangwei", "lihua", "chenjing", "liuyang", "hema"}


@dataclass
class Posts:
    """A notifier keeping what the bot posted, with the simulated time."""

    now: datetime = field(default_factory=lambda: local("2026-03-04T08:00"))
    sent: list[tuple[datetime, str, Reply]] = field(default_factory=list)
    platform: str = "console"

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        self.sent.append((self.now, chat, reply))
        return str(len(self.sent))

    async def at_moment(self, previous: datetime, moment: datetime) -> None:
        self.now = moment

    def to(self, chat: str) -> list[str]:
        return [reply.text for _, to, reply in self.sent if to == chat]


async def math_meeting(app: App) -> int:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-05")
    assert meeting.id is not None
    return meeting.id


async def run_clock(app: App, posts: Posts, start: str, end: str) -> None:
    posts.now = local(start)
    announcer = Announcer(app.deps, "zh-CN", [posts])
    await announcer.start(posts.now)
    await announcer.advance(posts.now, local(end), posts.at_moment)


def entries(data: dict[str, Any], member: str | None = None) -> list[dict[str, Any]]:
    return [e for e in data["points"] if member is None or e["member"] == member]


def live(data: dict[str, Any], member: str) -> list[tuple[str, int]]:
    """(reason, delta) of the member's entries not reversed, reversals left out."""
    mine = entries(data, member)
    reversed_ids = {e["reverses"] for e in mine if e["reverses"] is not None}
    return sorted(
        (e["reason"], e["delta"]) for e in mine if e["id"] not in reversed_ids and e["reverses"] is None
    )


def balance(data: dict[str, Any], member: str) -> int:
    return sum(e["delta"] for e in entries(data, member))


def attendance_of(data: dict[str, Any], meeting: int) -> dict[str, tuple[str, str | None]]:
    return {
        row["member"]: (row["status"], row["recorded_by"])
        for row in data["attendance"]
        if row["meeting"] == meeting
    }


async def nothing_recorded(chat: ChatDriver, meeting: int) -> bool:
    """No attendance record and no points entry for the meeting."""
    data = await chat.export()
    async with chat.app.deps.uow() as uow:
        records = await uow.attendance.records(meeting)
    marks = attendance_of(data, meeting).values()
    return records == [] and entries(data) == [] and all(status == "absent" for status, _ in marks)


# --- "What was seen" 3: a meeting nobody signed in to ----------------------------------------------


async def test_a_meeting_nobody_signed_in_to_fines_nobody_and_reminds_those_who_record_it(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    posts = Posts()
    await run_clock(app, posts, "2026-03-04T08:00", "2026-03-05T16:00")
    data = await chat.export()
    assert entries(data) == []  # before issue 12 everyone expected got −2 at 15:30
    assert attendance_of(data, meeting) == {}
    assert not any("签到结束" in text for text in posts.to("g-math"))  # no list of five "absent"
    [reminder] = [text for text in posts.to("g-math") if f"/考勤 {meeting}" in text]
    assert "陈静" in reminder and "赵磊" in reminder and "张伟" in reminder  # those who may record it
    assert "3月12日" in reminder  # the correction window: 7 days after the end
    async with app.deps.uow() as uow:
        keys = [row.key for row in await uow.outbox.list()]
    assert f"attendance_unrecorded:math:{meeting}" in keys


async def test_a_committee_meeting_left_unrecorded_is_reminded_in_the_committee_chat(app: App) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    committee = await meeting_on(app, committee_unit("t1"), MeetingKind.COMMITTEE, "2026-03-12")
    posts = Posts()
    await run_clock(app, posts, "2026-03-11T08:00", "2026-03-12T18:00")
    assert any(f"/考勤 {committee.id}" in text for text in posts.to("committee"))


async def test_a_meeting_with_sign_ins_still_settles_absence_at_its_end(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    posts = Posts()
    await run_clock(app, posts, "2026-03-04T08:00", "2026-03-05T14:35")
    await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:35"))
    await run_clock(app, posts, "2026-03-05T14:35", "2026-03-05T16:00")
    data = await chat.export()
    assert live(data, "liuyang") == [("signin", 2)]
    assert {m for m in EXPECTED - {"liuyang"} if live(data, m) == [("absent", -2)]} == EXPECTED - {"liuyang"}
    assert any("签到结束" in text for text in posts.to("g-math"))
    assert not any(f"/考勤 {meeting}" in text for text in posts.to("g-math"))


# --- "What it must show" 2: the 纪检委员 records, a late 病假 and a reversal restore the points -----


async def test_the_discipline_member_records_a_meeting_nobody_signed_in_to(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    await run_clock(app, Posts(), "2026-03-04T08:00", "2026-03-05T16:00")
    reply = await chat.say(
        "zhaolei",
        "committee",
        f"/考勤 {meeting} @刘洋 出席 @陈静 出席 @李华 请假 公假 区教研培训",
        at=local("2026-03-05T17:00"),
    )
    assert f"#{meeting}" in reply and "赵磊" in reply and "刘洋" in reply, reply
    data = await chat.export()
    assert attendance_of(data, meeting) == {
        "liuyang": ("present", "zhaolei"),
        "chenjing": ("present", "zhaolei"),
        "lihua": ("leave", "zhaolei"),
        "zhangwei": ("absent", None),  # not named: absent, once attendance is recorded
        "hema": ("absent", None),
    }
    assert live(data, "liuyang") == [("signin", 2)] and live(data, "chenjing") == [("signin", 2)]
    assert live(data, "lihua") == []
    assert live(data, "zhangwei") == [("absent", -2)] and live(data, "hema") == [("absent", -2)]
    [entry] = entries(data, "liuyang")
    assert entry["occurred_at"].startswith("2026-03-05T17:00")  # dated when it was recorded
    minutes = await chat.say("zhaolei", "committee", f"/纪要 {meeting}", at=local("2026-03-05T17:05"))
    assert "赵磊 记录" in minutes and "刘洋" in minutes, minutes


async def test_a_meeting_with_nothing_recorded_is_not_held_until_it_is_recorded(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    await run_clock(app, Posts(), "2026-03-04T08:00", "2026-03-05T16:00")
    march = Period(2026, PeriodKind.MONTH, 3)
    before = await branch_report(app.deps, "t1", march, local("2026-03-05T17:00"))
    [math] = [t for t in before.totals if t.unit == "math"]
    assert (math.held, math.required) == (0, 1)  # "What was seen" 3: it counted as held
    assert before.meetings == () and any(gap.unit == "math" for gap in before.gaps)
    await chat.say("zhaolei", "committee", f"/考勤 {meeting} @刘洋 出席", at=local("2026-03-05T17:00"))
    after = await branch_report(app.deps, "t1", march, local("2026-03-05T17:01"))
    [math] = [t for t in after.totals if t.unit == "math"]
    assert (math.held, math.required) == (1, 1)
    [line] = after.meetings
    assert (line.meeting.id, line.present, len(line.absent)) == (meeting, ("liuyang",), 4)


async def test_a_late_sick_leave_and_a_reversal_restore_the_points_and_points_add_up(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    await run_clock(app, Posts(), "2026-03-04T08:00", "2026-03-05T14:35")
    await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:35"))
    await run_clock(app, Posts(), "2026-03-05T14:35", "2026-03-05T16:00")
    assert live(await chat.export(), "hema") == [("absent", -2)]

    # "What was seen" 2: a 病假 filed after the meeting used to leave the −2 in place
    reply = await chat.say("hema", "g-math", f"/rsvp {meeting} 请假 病假 发烧", at=local("2026-03-06T08:00"))
    assert "病假" in reply, reply
    data = await chat.export()
    assert live(data, "hema") == [] and balance(data, "hema") == 0
    [reversal] = [e for e in entries(data, "hema") if e["reverses"] is not None]
    assert (reversal["delta"], reversal["reason"]) == (2, "reversal")
    assert attendance_of(data, meeting)["hema"] == ("leave", None)

    # the secretary's −2 is reversed by the deputy, with a reason, as a new entry
    [fine] = [e for e in entries(data, "zhangwei") if e["reason"] == "absent"]
    reply = await chat.say(
        "wangfang", "branch", f"/积分 冲正 {fine['id']} 区里临时公务", at=local("2026-03-06T09:00")
    )
    assert f"#{fine['id']}" in reply and "张伟" in reply, reply
    data = await chat.export()
    [reversal] = [e for e in entries(data, "zhangwei") if e["reverses"] == fine["id"]]
    assert (reversal["delta"], reversal["recorded_by"], reversal["note"]) == (2, "wangfang", "区里临时公务")
    assert balance(data, "zhangwei") == 0
    again = await chat.say(
        "wangfang", "branch", f"/积分 冲正 {fine['id']} 再来", at=local("2026-03-06T09:05")
    )
    assert f"#{fine['id']}" in again and len(entries(await chat.export(), "zhangwei")) == 2

    # /points shows each entry's number (its id in the export), and adds up to the ledger's entries
    for member in ("zhangwei", "hema", "liuyang"):
        statement = await chat.say(member, "branch", "/积分 3月", at=local("2026-03-06T10:00"))
        mine = entries(data, member)
        shown = {int(number) for number in re.findall(r"#(\d+) \d+月\d+日", statement)}
        assert shown == {e["id"] for e in mine}, statement
        total = sum(e["delta"] for e in mine)
        assert f"积分：{total:+d}" in statement, statement


async def test_a_correction_from_absent_to_present_gives_the_sign_in_points(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    await run_clock(app, Posts(), "2026-03-04T08:00", "2026-03-05T14:35")
    await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:35"))
    await run_clock(app, Posts(), "2026-03-05T14:35", "2026-03-05T16:00")
    reply = await chat.say(
        "chenjing", "g-math", f"/考勤 {meeting} @何马 出席 手机没电未能签到", at=local("2026-03-07T10:00")
    )
    assert "何马" in reply and "陈静" in reply, reply
    data = await chat.export()
    assert live(data, "hema") == [("signin", 2)] and balance(data, "hema") == 2  # −2 +2 +2
    assert attendance_of(data, meeting)["hema"] == ("present", "chenjing")
    # ... and back again: a later correction re-settles by reversing entries, never by editing
    await chat.say(
        "zhaolei", "committee", f"/考勤 {meeting} @何马 缺席 核实未到会", at=local("2026-03-08T10:00")
    )
    data = await chat.export()
    assert live(data, "hema") == [("absent", -2)] and balance(data, "hema") == -2
    assert len(entries(data, "hema")) == 5  # −2, +2 (reversal), +2, −2 (reversal), −2
    assert all(e["recorded_by"] in (None, "chenjing", "zhaolei") for e in entries(data, "hema"))


async def test_recording_during_the_meeting_gives_the_sign_in_points_and_no_fine_before_the_end(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    reply = await chat.say(
        "zhangwei", "g-math", f"/attendance {meeting} @liuyang present", at=local("2026-03-05T14:40")
    )
    assert "刘洋" in reply, reply
    data = await chat.export()
    assert live(data, "liuyang") == [("signin", 2)] and live(data, "hema") == []
    signin = await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:45"))
    assert "刘洋" in signin
    assert live(await chat.export(), "liuyang") == [("signin", 2)]  # not twice
    await run_clock(app, Posts(), "2026-03-05T14:50", "2026-03-05T16:00")
    assert live(await chat.export(), "hema") == [("absent", -2)]


async def test_the_secretary_adjusts_points_with_a_reason(app: App, chat: ChatDriver) -> None:
    reply = await chat.say(
        "zhangwei", "branch", "/points adjust @刘洋 +3 协助组织运动会", at=local("2026-03-06T09:00")
    )
    assert "刘洋" in reply and "+3" in reply, reply
    [entry] = entries(await chat.export(), "liuyang")
    assert (entry["delta"], entry["reason"], entry["recorded_by"], entry["note"]) == (
        3,
        "adjustment",
        "zhangwei",
        "协助组织运动会",
    )
    await chat.say("zhangwei", "branch", "/积分 调整 @刘洋 -1 重复计分", at=local("2026-03-06T09:01"))
    assert balance(await chat.export(), "liuyang") == 2
    statement = await chat.say("liuyang", "branch", "/积分", at=local("2026-03-06T10:00"))
    assert "协助组织运动会" in statement and "张伟" in statement and f"#{entry['id']}" in statement


# --- /meeting notheld ---------------------------------------------------------------------------


async def test_a_meeting_marked_not_held_reverses_its_attendance_points(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    await run_clock(app, Posts(), "2026-03-04T08:00", "2026-03-05T14:35")
    await chat.say("liuyang", "g-math", f"/signin {meeting}", at=local("2026-03-05T14:35"))
    await run_clock(app, Posts(), "2026-03-05T14:35", "2026-03-05T16:00")
    refused = await chat.say(
        "liuyang", "g-math", f"/会议 未召开 {meeting} 停电", at=local("2026-03-05T17:00")
    )
    assert "权限" in refused
    reply = await chat.say(
        "zhangwei", "g-math", f"/会议 未召开 {meeting} 停电改期", at=local("2026-03-05T17:00")
    )
    assert f"#{meeting}" in reply and "未召开" in reply, reply
    data = await chat.export()
    assert all(balance(data, member) == 0 for member in EXPECTED)
    assert all(live(data, member) == [] for member in EXPECTED)
    [stored] = [m for m in data["meetings"] if m["id"] == meeting]
    assert stored["status"] == "not_held"
    again = await chat.say("zhangwei", "g-math", f"/会议 未召开 {meeting} 停电", at=local("2026-03-05T17:05"))
    assert "未召开" in again and len(entries(await chat.export())) == len(entries(data))
    record = await chat.say(
        "zhaolei", "committee", f"/考勤 {meeting} @刘洋 出席", at=local("2026-03-05T17:10")
    )
    assert "未召开" in record and entries(await chat.export()) == entries(data)


async def test_a_meeting_cannot_be_marked_not_held_before_it_starts(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    reply = await chat.say(
        "zhangwei", "g-math", f"/meeting notheld {meeting} 临时取消", at=local("2026-03-05T10:00")
    )
    assert f"#{meeting}" in reply and "开始" in reply, reply
    [stored] = [m for m in (await chat.export())["meetings"] if m["id"] == meeting]
    assert stored["status"] == "planned"


# --- refusals: each leaves the record and the ledger as they were ---------------------------------


async def test_attendance_is_refused_to_those_who_may_not_record_it(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    at = local("2026-03-05T16:00")
    for user, where, expect in (
        ("liuyang", "g-math", "权限"),  # an ordinary member
        ("lihua", "committee", "权限"),  # a committee member who is not the 纪检委员
        ("zhoumin", "g-grade10", "数学党小组"),  # grade10's group leader, math's meeting
        ("stranger", "branch", "名册"),  # someone off the roster
    ):
        reply = await chat.say(user, where, f"/考勤 {meeting} @刘洋 出席", at=at)
        assert expect in reply, (user, reply)
    assert await nothing_recorded(chat, meeting)


async def test_attendance_is_refused_outside_its_window(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    early = await chat.say(
        "zhaolei", "committee", f"/考勤 {meeting} @刘洋 出席", at=local("2026-03-05T14:00")
    )
    assert f"#{meeting}" in early and "3月5日" in early, early
    late = await chat.say("zhaolei", "committee", f"/考勤 {meeting} @刘洋 出席", at=local("2026-03-12T15:31"))
    assert f"#{meeting}" in late and "更正期" in late, late
    last = await chat.say("zhaolei", "committee", f"/考勤 {meeting} @刘洋 出席", at=local("2026-03-12T15:29"))
    assert "刘洋" in last and "更正期" not in last, last  # 7 days after the end, to the minute
    sick = await chat.say("hema", "g-math", f"/rsvp {meeting} 请假 病假 发烧", at=local("2026-03-12T15:31"))
    assert f"#{meeting}" in sick and "结束" in sick
    assert set(attendance_of(await chat.export(), meeting)["hema"]) == {"absent", None}


async def test_attendance_naming_an_unknown_member_or_meeting_or_written_wrongly_is_refused(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    at = local("2026-03-05T16:00")
    for text, expect in (
        (f"/考勤 {meeting} @刘洋 出席 @不存在 出席", "不存在"),  # nothing of the line is recorded
        (f"/考勤 {meeting} @徐强 出席", "应到"),  # grade10's member at math's meeting
        (f"/考勤 {meeting} @刘洋 出席 @liuyang 缺席", "两次"),
        ("/考勤 999 @刘洋 出席", "#999"),
        (f"/考勤 {meeting} @刘洋 迟到", "迟到"),
        (f"/考勤 {meeting} @刘洋 请假", "事由"),
        (f"/考勤 {meeting}", "用法"),
    ):
        reply = await chat.say("zhaolei", "committee", text, at=at)
        assert expect in reply, (text, reply)
    assert await nothing_recorded(chat, meeting)


async def test_points_corrections_are_refused_to_others_and_for_unknown_entries(
    app: App, chat: ChatDriver
) -> None:
    await chat.say("zhangwei", "branch", "/points adjust @liuyang +3 协助", at=local("2026-03-06T09:00"))
    [entry] = entries(await chat.export())
    at = local("2026-03-06T10:00")
    for user, text, expect in (
        ("lihua", f"/points reverse {entry['id']} 不对", "权限"),
        ("zhaolei", "/points adjust @liuyang -3 不对", "权限"),
        ("zhangwei", "/points reverse 999 不对", "#999"),
        ("zhangwei", "/points adjust @不存在 +1 不对", "不存在"),
        ("zhangwei", f"/points reverse {entry['id']}", "用法"),
        ("zhangwei", "/points adjust @liuyang 0 不对", "用法"),
    ):
        reply = await chat.say(user, "branch", text, at=at)
        assert expect in reply, (text, reply)
    assert entries(await chat.export()) == [entry]
