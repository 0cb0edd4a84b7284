"""Leave that someone approves (issue 18, "What it must show" 2 and 3).

The congress is the branch's of Thursday 2026-02-26 15:30-17:00 (every member of the test branch is
expected); its leave waits for the 书记 (zhangwei) or 副书记 (wangfang). This module also has the 党小组会
wait for approval (`[schedule.group] leave_approval = "secretary"`), so math's meeting of 2026-03-05
14:30 is decided by its 党小组长 chenjing; the 支委会 and 党课 keep the default: granted as asked.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from support import TEST_CONFIG, ChatDriver, local, meeting_on

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.domain.model import LeaveApproval, MeetingKind, committee_unit
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.export import ledger_snapshot


@pytest.fixture
def settings() -> Settings:
    config = copy.deepcopy(TEST_CONFIG)
    config["schedule"] = {
        **config["schedule"],  # TEST_CONFIG's online sign-in: these tests sign in with a bare /signin N
        "group": {"weeks": [1, 3], "time": "14:30", "duration_minutes": 60, "leave_approval": "secretary"},
    }
    return parse_settings(config, "tests")


@dataclass
class Posts:
    """A console notifier that keeps what the bot posted and remembers its buttons, as the console does."""

    app: App
    now: datetime = field(default_factory=lambda: local("2026-02-23T08:00"))
    sent: list[tuple[str, str, Reply]] = field(default_factory=list)  # (chat, message id, reply)
    platform: str = "console"

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        message_id = str(len(self.sent) + 1)
        self.sent.append((chat, message_id, reply))
        await self.app.conversation.remember(self.platform, chat, message_id, reply, self.now)
        return message_id

    async def at_moment(self, previous: datetime, moment: datetime) -> None:
        self.now = moment

    def to(self, chat: str) -> list[tuple[str, Reply]]:
        return [(message_id, reply) for to, message_id, reply in self.sent if to == chat]


async def run_clock(posts: Posts, start: str, end: str) -> None:
    announcer = Announcer(posts.app.deps, "zh-CN", [posts])
    posts.now = local(start)
    await announcer.start(posts.now)
    await announcer.advance(posts.now, local(end), posts.at_moment)


async def congress(app: App) -> int:
    await plan_meetings(app, local("2026-02-01T08:00"))
    meeting = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-02-26")
    assert meeting.id is not None
    return meeting.id


async def math_meeting(app: App) -> int:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-05")
    assert meeting.id is not None
    return meeting.id


async def export_at(chat: ChatDriver, at: str) -> dict[str, Any]:
    """The JSON export as of local time `at` (attendance is listed once a meeting has ended)."""
    chat.now = local(at)
    return await chat.export()


def rsvp_of(data: dict[str, Any], meeting: int, member: str) -> dict[str, Any]:
    [row] = [r for r in data["rsvps"] if r["meeting"] == meeting and r["member"] == member]
    return row


def attendance_of(data: dict[str, Any], meeting: int) -> dict[str, dict[str, Any]]:
    return {row["member"]: row for row in data["attendance"] if row["meeting"] == meeting}


def live_points(data: dict[str, Any], member: str, meeting: int) -> list[tuple[str, int]]:
    """(reason, delta) of the member's entries for the meeting that stand (not reversed, no reversals)."""
    everything = [e for e in data["points"] if e["member"] == member]
    reversed_ids = {e["reverses"] for e in everything if e["reverses"] is not None}
    mine = [e for e in everything if str(e["source"]).startswith(f"meeting:{meeting}")]
    return sorted(
        (e["reason"], e["delta"]) for e in mine if e["id"] not in reversed_ids and e["reverses"] is None
    )


async def ask_leave(
    chat: ChatDriver, meeting: int, member: str = "liuyang", at: str = "2026-02-24T10:00"
) -> str:
    return await chat.say(member, "branch", f"/rsvp {meeting} 请假 事假 外出培训", at=local(at))


# --- configuration ---------------------------------------------------------------------------------


def test_leave_approval_defaults_to_the_secretary_for_the_congress_only() -> None:
    schedule = parse_settings(copy.deepcopy(TEST_CONFIG), "tests").schedule
    assert schedule.leave_approval_for(MeetingKind.CONGRESS) is LeaveApproval.SECRETARY
    for kind in (MeetingKind.COMMITTEE, MeetingKind.GROUP, MeetingKind.LESSON):
        assert schedule.leave_approval_for(kind) is LeaveApproval.AUTO


def test_leave_approval_is_validated_with_its_key_path() -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["schedule"] = {"congress": {"weeks": [4], "time": "15:30", "leave_approval": "boss"}}
    with pytest.raises(Exception) as raised:
        parse_settings(config, "tests")
    assert "schedule.congress.leave_approval" in str(raised.value)
    config["schedule"] = {"congress": {"weeks": [4], "time": "15:30", "leave_approval": "auto"}}
    assert (
        parse_settings(config, "tests").schedule.leave_approval_for(MeetingKind.CONGRESS)
        is LeaveApproval.AUTO
    )


# --- "What it must show" 2 -------------------------------------------------------------------------


async def test_a_congress_leave_stays_pending_until_the_secretary_approves_it_by_command(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress(app)
    reply = await ask_leave(chat, meeting)
    assert "待" in reply and "批准" in reply, reply  # pending, not 已请假
    data = await chat.export()
    assert rsvp_of(data, meeting, "liuyang")["leave_state"] == "pending"
    assert data["leave_decisions"] == []
    # the approvers hear of it where they read: the committee chat (no private chat started)
    posts = Posts(app, now=local("2026-02-24T10:00"))
    await run_clock(posts, "2026-02-24T10:00", "2026-02-24T10:01")
    [(_, request)] = [(m, r) for m, r in posts.to("committee") if "申请不参加" in r.text]
    assert "刘洋" in request.text and "外出培训" in request.text
    assert [b.command for b in request.buttons] == [
        f"/leave approve {meeting} @liuyang",
        f"/leave refuse {meeting} @liuyang",
    ]
    assert not any("申请不参加" in r.text for _, r in posts.to("branch"))  # not where everyone reads

    reply = await chat.say(
        "zhangwei", "committee", f"/请假 批准 {meeting} @刘洋", at=local("2026-02-24T11:30")
    )
    await chat.say("zhangwei", "branch", f"/signin {meeting}", at=local("2026-02-26T15:31"))
    chat.now = local("2026-02-24T11:30")
    assert "已批准" in reply and "刘洋" in reply and "张伟" in reply, reply
    data = await chat.export()
    row = rsvp_of(data, meeting, "liuyang")
    assert (row["leave_state"], row["decided_by"], row["decided_at"]) == (
        "approved",
        "zhangwei",
        "2026-02-24T11:30:00+08:00",
    )
    [decision] = data["leave_decisions"]
    assert (decision["member"], decision["outcome"], decision["decided_by"]) == (
        "liuyang",
        "approved",
        "zhangwei",
    )
    assert decision["requested_at"] == "2026-02-24T10:00:00+08:00"
    # the member is told, in their group's chat; the pending post has nothing left to say
    await run_clock(posts, "2026-02-24T11:30", "2026-02-26T17:30")
    told = [r.text for _, r in posts.to("g-math") if "批准" in r.text and str(meeting) in r.text]
    assert told and "刘洋" in told[0] and "张伟" in told[0]
    data = await export_at(chat, "2026-02-26T17:30")
    row = attendance_of(data, meeting)["liuyang"]
    assert (row["status"], row["method"], row["approved_by"]) == ("leave", "leave_approved", "zhangwei")
    assert row["approved_at"] == "2026-02-24T11:30:00+08:00"
    assert live_points(data, "liuyang", meeting) == []  # approved leave: 0 points, no −2


async def test_the_approve_button_decides_for_an_approver_and_is_refused_to_anyone_else(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress(app)
    await ask_leave(chat, meeting)
    posts = Posts(app, now=local("2026-02-24T10:00"))
    await run_clock(posts, "2026-02-24T10:00", "2026-02-24T10:01")
    [(message_id, _)] = [(m, r) for m, r in posts.to("committee") if "申请不参加" in r.text]

    async def press(user: str, button: int, at: str) -> str:
        replies = await app.conversation.handle_press(
            "console", user, "committee", "committee", message_id, button, local(at)
        )
        return "\n".join(r.text for r in replies)

    refused = await press("lihua", 1, "2026-02-24T10:05")  # a 支委 who is no approver
    assert "权限" in refused and "审批请假" in refused, refused
    assert rsvp_of(await chat.export(), meeting, "liuyang")["leave_state"] == "pending"
    approved = await press("wangfang", 1, "2026-02-24T10:10")  # the 副书记
    assert "已批准" in approved and "王芳" in approved, approved
    row = rsvp_of(await chat.export(), meeting, "liuyang")
    assert (row["leave_state"], row["decided_by"]) == ("approved", "wangfang")
    again = await press("zhangwei", 2, "2026-02-24T10:15")  # the secretary, too late: decided
    assert "王芳" in again and "不能再改" in again, again
    assert rsvp_of(await chat.export(), meeting, "liuyang")["leave_state"] == "approved"


async def test_a_refused_leave_ends_as_absent_with_the_penalty(app: App, chat: ChatDriver) -> None:
    meeting = await congress(app)
    await ask_leave(chat, meeting, "hema")
    reply = await chat.say(
        "zhangwei",
        "committee",
        f"/leave refuse {meeting} @hema 本次大会要表决，请调课参加",
        at=local("2026-02-24T12:00"),
    )
    assert "未批准" in reply and "本次大会要表决" in reply, reply
    await chat.say("zhangwei", "branch", f"/signin {meeting}", at=local("2026-02-26T15:31"))
    posts = Posts(app, now=local("2026-02-24T12:00"))
    await run_clock(posts, "2026-02-24T12:00", "2026-02-26T17:30")
    told = [r.text for _, r in posts.to("g-math") if "未获" in r.text]
    assert told and "何马" in told[0] and "本次大会要表决" in told[0]
    data = await export_at(chat, "2026-02-26T17:30")
    row = attendance_of(data, meeting)["hema"]
    assert (row["status"], row["method"]) == ("absent", None)
    assert live_points(data, "hema", meeting) == [("absent", -2)]
    row = rsvp_of(data, meeting, "hema")
    assert (row["leave_state"], row["decided_by"], row["decision_reason"]) == (
        "refused",
        "zhangwei",
        "本次大会要表决，请调课参加",
    )


async def test_a_request_still_pending_at_the_start_is_named_in_the_signin_post_and_costs_the_penalty_until_approved(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress(app)
    await ask_leave(chat, meeting)
    await chat.say("zhangwei", "branch", f"/signin {meeting}", at=local("2026-02-26T15:31"))
    posts = Posts(app, now=local("2026-02-24T10:00"))
    await run_clock(posts, "2026-02-24T10:00", "2026-02-26T17:30")
    [signin_open] = [r.text for _, r in posts.to("branch") if "开始签到" in r.text]
    assert "请假待批" in signin_open and "刘洋" in signin_open
    data = await export_at(chat, "2026-02-26T17:30")
    assert attendance_of(data, meeting)["liuyang"]["status"] == "absent"
    assert live_points(data, "liuyang", meeting) == [("absent", -2)]
    # approved the day after: 请假 after all, the −2 reversed by an entry
    reply = await chat.say(
        "wangfang", "committee", f"/leave approve {meeting} @liuyang", at=local("2026-02-27T09:00")
    )
    assert "已批准" in reply, reply
    data = await export_at(chat, "2026-02-27T09:00")
    assert attendance_of(data, meeting)["liuyang"]["status"] == "leave"
    assert live_points(data, "liuyang", meeting) == []
    assert sum(e["delta"] for e in data["points"] if e["member"] == "liuyang") == 0


async def test_every_refusal_says_why_and_decides_nothing(app: App, chat: ChatDriver) -> None:
    meeting = await congress(app)
    group_meeting = await math_meeting(app)
    await ask_leave(chat, meeting)
    at = local("2026-02-24T11:00")

    async def refused(user: str, text: str, *expected: str) -> None:
        reply = await chat.say(user, "committee", text, at=at)
        assert all(part in reply for part in expected), reply

    await refused("lihua", f"/leave approve {meeting} @liuyang", "权限")  # a 支委, no approver
    await refused("liuyang", f"/leave approve {meeting} @liuyang", "权限")  # a member
    await refused(
        "chenjing", f"/leave approve {meeting} @liuyang", "不能审批", f"#{meeting}"
    )  # a leader, not his
    await refused("zhangwei", f"/leave approve {meeting} @nobody", "nobody")  # unknown member
    await refused("zhangwei", f"/leave approve {meeting} @hema", "没有", "请假")  # no request: wrong member
    await refused("zhangwei", f"/leave approve {group_meeting} @liuyang", "没有", "请假")  # wrong meeting
    await refused("zhangwei", "/leave approve 9999 @liuyang", "9999")  # no such meeting
    await refused("zhangwei", f"/leave approve {meeting}", "@")  # malformed: says how to write it
    assert (await chat.export())["leave_decisions"] == []
    assert rsvp_of(await chat.export(), meeting, "liuyang")["leave_state"] == "pending"
    # one's own request goes to the other approver
    await ask_leave(chat, meeting, "zhangwei")
    await refused("zhangwei", f"/leave approve {meeting} @zhangwei", "自己")
    # decided once: a second decision is refused, naming the first
    await chat.say("zhangwei", "committee", f"/leave refuse {meeting} @liuyang 请参加", at=at)
    await refused("wangfang", f"/leave approve {meeting} @liuyang", "张伟", "不能再改")
    data = await chat.export()
    assert [(d["member"], d["outcome"]) for d in data["leave_decisions"]] == [("liuyang", "refused")]
    # past the correction window nothing is decided any more
    late = await chat.say(
        "wangfang", "committee", f"/leave approve {meeting} @zhangwei", at=local("2026-03-06T09:00")
    )
    assert "更正期" in late, late
    assert rsvp_of(await chat.export(), meeting, "zhangwei")["leave_state"] == "pending"


async def test_a_group_leader_decides_leave_from_the_own_groups_meeting_only(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    reply = await chat.say(
        "liuyang", "g-math", f"/rsvp {meeting} 请假 病假 发烧", at=local("2026-03-03T09:00")
    )
    assert "待" in reply, reply
    posts = Posts(app, now=local("2026-03-03T09:00"))
    await run_clock(posts, "2026-03-03T09:00", "2026-03-03T09:01")
    # chenjing (not a 支委) reads the group chat; the secretaries the committee chat
    assert any("申请不参加" in r.text for _, r in posts.to("g-math"))
    assert any("申请不参加" in r.text for _, r in posts.to("committee"))
    other = await chat.say(
        "zhoumin", "g-grade10", f"/leave approve {meeting} @liuyang", at=local("2026-03-03T10:00")
    )
    assert "不能审批" in other, other
    not_expected = await chat.say(
        "chenjing", "g-math", f"/leave approve {meeting} @xuqiang", at=local("2026-03-03T10:00")
    )
    assert "徐强" in not_expected and "应到" in not_expected, not_expected
    reply = await chat.say(
        "chenjing", "g-math", f"/请假 批准 {meeting} @liuyang", at=local("2026-03-03T10:00")
    )
    assert "已批准" in reply and "陈静" in reply, reply
    assert rsvp_of(await chat.export(), meeting, "liuyang")["decided_by"] == "chenjing"


async def test_leave_from_a_kind_without_approval_is_granted_as_asked(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await meeting_on(app, committee_unit("t1"), MeetingKind.COMMITTEE, "2026-03-12")
    reply = await chat.say(
        "lihua", "committee", f"/rsvp {meeting.id} 请假 公假 外出培训", at=local("2026-03-10T09:00")
    )
    assert "已请假" in reply, reply
    refused = await chat.say(
        "zhangwei", "committee", f"/leave approve {meeting.id} @lihua", at=local("2026-03-10T10:00")
    )
    assert "无需审批" in refused, refused
    await chat.say("zhangwei", "committee", f"/signin {meeting.id}", at=local("2026-03-12T16:31"))
    posts = Posts(app, now=local("2026-03-10T09:00"))
    await run_clock(posts, "2026-03-10T09:00", "2026-03-12T18:00")
    assert not any("申请不参加" in reply.text for _, _, reply in posts.sent)
    data = await export_at(chat, "2026-03-12T18:00")
    assert rsvp_of(data, meeting.id or 0, "lihua")["leave_state"] == "auto"
    row = attendance_of(data, meeting.id or 0)["lihua"]
    assert (row["status"], row["method"], row["approved_by"]) == ("leave", "leave_auto", None)
    assert data["leave_decisions"] == []


# --- "What it must show" 3 -------------------------------------------------------------------------


async def test_the_export_says_how_every_attendance_and_leave_was_recorded(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress(app)
    await ask_leave(chat, meeting, "liuyang")
    await ask_leave(chat, meeting, "hema")
    await chat.say(
        "zhangwei", "committee", f"/leave approve {meeting} @liuyang", at=local("2026-02-24T11:00")
    )
    await chat.say(
        "zhangwei", "committee", f"/leave refuse {meeting} @hema 请参加", at=local("2026-02-24T11:00")
    )
    await chat.say("zhangwei", "branch", f"/signin {meeting}", at=local("2026-02-26T15:31"))
    await chat.say("zhaolei", "committee", f"/attendance {meeting} @lihua 出席", at=local("2026-02-26T16:00"))
    data = await export_at(chat, "2026-02-26T17:30")
    rows = attendance_of(data, meeting)
    assert len(rows) == 12  # everyone expected has a row
    how = {
        member: (row["status"], row["method"], row["recorded_by"], row["approved_by"])
        for member, row in rows.items()
    }
    assert how["zhangwei"] == ("present", "button", None, None)
    assert how["lihua"] == ("present", "hand", "zhaolei", None)
    assert how["liuyang"] == ("leave", "leave_approved", None, "zhangwei")
    assert how["hema"] == ("absent", None, None, None)  # refused, did not come: nothing recorded
    for member, row in rows.items():
        assert row["method"] is not None or row["status"] == "absent", member
    leave = {
        r["member"]: (r["leave_state"], r["decided_by"]) for r in data["rsvps"] if r["meeting"] == meeting
    }
    assert leave == {"liuyang": ("approved", "zhangwei"), "hema": ("refused", "zhangwei")}


async def test_the_workbook_and_the_minutes_say_how_every_attendance_and_leave_was_recorded(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress(app)
    await ask_leave(chat, meeting, "liuyang")
    await ask_leave(chat, meeting, "hema")
    await ask_leave(chat, meeting, "xuqiang")  # never decided
    await chat.say(
        "zhangwei", "committee", f"/leave approve {meeting} @liuyang", at=local("2026-02-24T11:00")
    )
    await chat.say(
        "zhangwei", "committee", f"/leave refuse {meeting} @hema 请参加", at=local("2026-02-24T11:00")
    )
    await chat.say("zhangwei", "branch", f"/signin {meeting}", at=local("2026-02-26T15:31"))
    await chat.say("zhaolei", "committee", f"/attendance {meeting} @lihua 出席", at=local("2026-02-26T16:00"))
    snapshot = await ledger_snapshot(app.deps, 2026, local("2026-02-26T17:30"))
    book = load_workbook(io.BytesIO(workbook_bytes(ledger_sheets(snapshot, app.deps.org))))
    values = list(book["出勤明细"].iter_rows(values_only=True))
    rows = [dict(zip(values[0], row, strict=True)) for row in values[1:] if row[0] == meeting]
    by_name = {row["党员"]: row for row in rows}
    assert len(by_name) == 12 and all(row["记录方式"] for row in rows)  # every row says how
    zhang, li, liu, he, xu = (by_name[n] for n in ("张伟", "李华", "刘洋", "何马", "徐强"))
    assert (zhang["出勤情况"], zhang["记录方式"], zhang["记录人"]) == ("出席", "签到按钮签到", "本人")
    assert (li["出勤情况"], li["记录方式"], li["记录人"]) == ("出席", "手工记录", "赵磊")
    assert (liu["出勤情况"], liu["记录方式"], liu["请假审批"], liu["审批人"]) == (
        "请假",
        "请假获批",
        "批准",
        "张伟",
    )
    assert liu["审批时间"] == datetime(2026, 2, 24, 11, 0)
    assert (he["出勤情况"], he["记录方式"], he["请假审批"], he["审批人"]) == (
        "缺席",
        "无记录",
        "不批准",
        "张伟",
    )
    assert (xu["出勤情况"], xu["请假审批"], xu["审批人"] or "") == ("缺席", "待批", "")
    chat.now = local("2026-02-26T17:30")
    minutes = await chat.say("zhangwei", "committee", f"/minutes {meeting}")
    assert "刘洋（事假：外出培训）〔张伟" in minutes and "批准〕" in minutes, minutes
    assert "何马 请假未获批准（张伟" in minutes and "请参加" in minutes
    assert "徐强 请假未经审批" in minutes
    assert "赵磊 记录" in minutes and "点签到按钮签到：张伟" in minutes


async def test_only_a_leave_answer_wakes_the_announcer(app: App, chat: ChatDriver) -> None:
    # A request waiting for approval is posted at once; an answer of 参加 or 不参加 posts nothing, and
    # waking the announcer for it cost every RSVP a tick (bench/latency.py: /rsvp 3.3x -> 2.0x).
    meeting = await congress(app)
    woken: list[str] = []
    app.conversation.wake_announcer = lambda: woken.append("woken")
    await chat.say("hema", "branch", f"/rsvp {meeting} 参加", at=local("2026-02-24T10:00"))
    await chat.say("xuqiang", "branch", f"/rsvp {meeting} 不参加", at=local("2026-02-24T10:00"))
    assert woken == []
    await ask_leave(chat, meeting)
    assert woken == ["woken"]
