"""Use cases end to end through the shared conversation layer: what members do, what changes, who is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import Meeting, MeetingKind, committee_unit
from sanhui_bot.services.points import reverse_entry
from sanhui_bot.services.roster import identify


async def planned(app: App, unit: str, day: str) -> Meeting:
    """The meeting of `unit` starting on local date `day`."""
    await plan_meetings(app, local(f"{day}T00:00"))
    start = local(f"{day}T00:00")
    async with app.deps.uow() as uow:
        found = await uow.meetings.between([unit], start, start + timedelta(days=1))
    assert found, f"no meeting of {unit} on {day}"
    return found[0]


def points_of(data: dict[str, Any], member: str) -> list[tuple[str, int]]:
    return [(entry["reason"], entry["delta"]) for entry in data["points"] if entry["member"] == member]


DECISION = "/decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua"


# --- decisions


async def test_secretary_decision_opens_task_listed_and_exported(chat: ChatDriver) -> None:
    reply = await chat.say("zhangwei", "branch", DECISION)
    assert "#1" in reply and "刘洋" in reply and "李华" in reply and "3月20日（周五）" in reply

    listing = await chat.say("zhangwei", "branch", "/tasks")
    assert (
        "完成劳动教育课程方案" in listing
        and "刘洋" in listing
        and "李华" in listing
        and "3月20日（周五）" in listing
    )

    data = await chat.export()
    [task] = data["tasks"]
    assert (task["owner"], task["lead"], task["due_on"], task["status"]) == (
        "liuyang",
        "lihua",
        "2026-03-20",
        "open",
    )
    [decision] = data["decisions"]
    assert decision["recorded_by"] == "zhangwei" and decision["meeting"] is None


async def test_ordinary_member_cannot_record_a_decision(chat: ChatDriver) -> None:
    reply = await chat.say("liuyang", "branch", DECISION)
    assert "权限" in reply
    data = await chat.export()
    assert data["decisions"] == [] and data["tasks"] == []


async def test_committee_member_decides_only_in_the_committee_chat(chat: ChatDriver) -> None:
    refused = await chat.say("lihua", "branch", DECISION)
    assert "支委会群" in refused
    assert (await chat.export())["tasks"] == []
    accepted = await chat.say("lihua", "committee", DECISION)
    assert "#1" in accepted
    [task] = (await chat.export())["tasks"]
    assert task["unit"] == committee_unit("t1")


async def test_off_roster_person_cannot_decide(chat: ChatDriver) -> None:
    reply = await chat.say("stranger", "branch", DECISION)
    assert "/join" in reply
    assert (await chat.export())["tasks"] == []


async def test_decision_belongs_to_the_meeting_in_session_else_a_recent_one(
    app: App, chat: ChatDriver
) -> None:
    committee = await planned(app, committee_unit("t1"), "2026-03-12")
    during = committee.starts_at + timedelta(minutes=20)
    await chat.say("zhangwei", "committee", DECISION, at=during)
    after_two_days = committee.starts_at + timedelta(days=2)
    await chat.say("zhangwei", "committee", "/decision 整理台账 @lihua 截止:2026-03-31", at=after_two_days)
    much_later = committee.starts_at + timedelta(days=8)
    await chat.say("zhangwei", "committee", "/decision 走访家长 @sunli 截止:2026-04-30", at=much_later)
    meetings = [decision["meeting"] for decision in (await chat.export())["decisions"]]
    assert meetings == [committee.id, committee.id, None]


async def test_a_decision_does_not_repeat_the_ledger_hint_while_the_meeting_records(
    app: App, chat: ChatDriver
) -> None:
    # issue 14 seen 2: the 3-5 hint came after every decision; it is made once, at /close
    committee = await planned(app, committee_unit("t1"), "2026-03-12")
    chat.now = committee.starts_at + timedelta(minutes=10)
    first = await chat.say("zhangwei", "committee", DECISION)
    second = await chat.say("zhangwei", "committee", "/decision 任务二 @liuyang 截止:2026-03-30")
    assert "#1" in first and "#2" in second
    assert "3—5" not in first and "3—5" not in second and "台账" not in first + second


async def test_decision_refusals_name_what_was_wrong(chat: ChatDriver) -> None:
    assert "名册上没有「王五」" in await chat.say("zhangwei", "branch", "/decision 甲 @王五 截止:2026-03-20")
    assert "牵头人须是支委" in await chat.say(
        "zhangwei", "branch", "/decision 甲 @刘洋 截止:2026-03-20 牵头:@刘洋"
    )
    assert "没有名为「化学」的党小组" in await chat.say(
        "zhangwei", "branch", "/decision 甲 @刘洋 截止:2026-03-20 小组:化学"
    )
    assert "已经过去" in await chat.say("zhangwei", "branch", "/decision 甲 @刘洋 截止:2026-02-20")
    assert (await chat.export())["tasks"] == []


async def test_decision_names_members_by_key_name_or_group_name(chat: ChatDriver) -> None:
    await chat.say("zhangwei", "branch", "/decision 甲 ＠刘洋 截止：3月20日 牵头：@lihua 小组：数学")
    [task] = (await chat.export())["tasks"]
    assert (task["owner"], task["lead"], task["group"], task["due_on"]) == (
        "liuyang",
        "lihua",
        "math",
        "2026-03-20",
    )


# --- RSVPs, sign-in, outlines


async def test_rsvp_answers_change_the_tally_and_export(app: App, chat: ChatDriver) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = local("2026-03-02T10:00")
    assert "将参加" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} 参加")
    leave = await chat.say("hema", "g-math", f"/rsvp {meeting.id} 请假 病假 发烧")
    assert "病假" in leave and "发烧" in leave
    await chat.say("chenjing", "g-math", f"/rsvp {meeting.id} no")
    rsvps = {(r["member"], r["answer"], r["leave_type"], r["reason"]) for r in (await chat.export())["rsvps"]}
    assert rsvps == {
        ("liuyang", "yes", None, ""),
        ("hema", "leave", "sick", "发烧"),
        ("chenjing", "no", None, ""),
    }
    # a changed answer replaces the old one
    await chat.say("chenjing", "g-math", f"/rsvp {meeting.id} yes")
    answers = {r["member"]: r["answer"] for r in (await chat.export())["rsvps"]}
    assert answers["chenjing"] == "yes"


async def test_rsvp_refusals(app: App, chat: ChatDriver) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = local("2026-03-02T10:00")
    assert "不在应到人员之列" in await chat.say("xuqiang", "g-math", f"/rsvp {meeting.id} yes")
    assert "事由" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} leave")
    assert "/join" in await chat.say("stranger", "g-math", f"/rsvp {meeting.id} yes")
    assert "没有找到 #999" in await chat.say("liuyang", "g-math", "/rsvp 999 yes")
    chat.now = meeting.starts_at + timedelta(minutes=5)
    assert "已经开始" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} no")
    assert (await chat.export())["rsvps"] == []
    # 病假 may still be filed after the start
    assert "病假" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} leave 病假 急诊")
    assert len((await chat.export())["rsvps"]) == 1


async def test_signin_opens_with_the_meeting_and_earns_points_once(app: App, chat: ChatDriver) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = meeting.starts_at - timedelta(hours=2)
    assert "签到将于" in await chat.say("liuyang", "g-math", f"/signin {meeting.id}")
    chat.now = meeting.starts_at - timedelta(minutes=10)
    assert "已签到" in await chat.say("liuyang", "g-math", f"/signin {meeting.id}")
    assert "已经签到过" in await chat.say("liuyang", "g-math", f"/signin {meeting.id}")
    chat.now = meeting.ends_at + timedelta(minutes=1)
    assert "已经结束" in await chat.say("hema", "g-math", f"/signin {meeting.id}")
    data = await chat.export()
    assert points_of(data, "liuyang") == [("signin", 2)]
    assert points_of(data, "hema") == []
    attendance = {
        (row["member"], row["status"]) for row in data["attendance"] if row["meeting"] == meeting.id
    }
    assert ("liuyang", "present") in attendance and ("hema", "absent") in attendance
    assert {row["member"] for row in data["attendance"] if row["meeting"] == meeting.id} == {
        "zhangwei",
        "lihua",
        "chenjing",
        "liuyang",
        "hema",
    }


async def test_outline_is_handed_in_for_an_expected_meeting(app: App, chat: ChatDriver) -> None:
    congress = await planned(app, "t1", "2026-02-26")
    chat.now = local("2026-02-23T09:00")
    assert "发言提纲" in await chat.say("liuyang", "branch", f"/outline {congress.id} 结合数学教学谈立德树人")
    async with app.deps.uow() as uow:
        [outline] = await uow.attendance.outlines(congress.id)
    assert (outline.member, outline.text) == ("liuyang", "结合数学教学谈立德树人")


# --- 献策


async def test_suggestion_points_once_per_meeting_and_adoption(app: App, chat: ChatDriver) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = meeting.starts_at + timedelta(minutes=15)
    first = await chat.say("liuyang", "g-math", "/suggest 建立错题资源库")
    assert f"#{meeting.id}" in first
    await chat.say("liuyang", "g-math", "/xiance 每周一次公开课")
    assert "权限" in await chat.say("liuyang", "g-math", "/adopt 1")
    assert "已被采纳" in await chat.say("zhangwei", "g-math", "/adopt 1")
    assert "已经采纳过" in await chat.say("zhangwei", "g-math", "/adopt 1")
    data = await chat.export()
    assert [s["meeting"] for s in data["suggestions"]] == [meeting.id, meeting.id]
    assert points_of(data, "liuyang") == [("suggestion", 1), ("suggestion_adopted", 3)]


# --- tasks: claim, done, rate


async def open_task(chat: ChatDriver, extra: str = "") -> None:
    await chat.say("zhangwei", "branch", DECISION + extra)


async def test_task_closed_loop_with_points(chat: ChatDriver) -> None:
    await open_task(chat, " 小组:数学")
    assert "须先由「数学党小组」认领" in await chat.say(
        "liuyang", "g-math", "/done 1"
    )  # claimed first, then done
    assert "权限" in await chat.say("liuyang", "g-math", "/claim 1")
    assert "指定由「数学党小组」认领" in await chat.say(
        "zhoumin", "g-grade10", "/claim 1"
    )  # another group's leader
    assert "数学党小组认领" in await chat.say("chenjing", "g-math", "/claim 1")
    assert "只有任务 #1 的责任人" in await chat.say("chenjing", "g-math", "/done 1")
    chat.now = local("2026-03-18T10:00")
    done = await chat.say("liuyang", "g-math", "/done 1 方案已提交教务处")
    assert "已完成" in done and "+5" in done
    assert "不能评价自己" in await chat.say("liuyang", "g-math", "/rate 1 满意")
    assert "感谢评价" in await chat.say("teacher1", "branch", "/rate 1 满意")  # 群众评价 from off the roster
    # A new rating replaces the rater's old one (one rating per person per task).
    assert "已替换你之前的评价：满意" in await chat.say("teacher1", "branch", "/rate 1 不满意")
    # 不满意 1, 基本满意 1: a tie is 基本满意.
    assert "评价结果：基本满意" in await chat.say("chenjing", "g-math", "/rate 1 基本满意")
    data = await chat.export()
    [task] = data["tasks"]
    assert (
        task["status"] == "rated"
        and task["claimed_by_group"] == "math"
        and task["done_note"] == "方案已提交教务处"
    )
    assert sorted((r["rater"], r["rating"]) for r in task["ratings"]) == [
        ("chenjing", "basically_satisfied"),
        ("console:teacher1", "unsatisfied"),
    ]
    # The bonus came when the result was 满意, once; it is not taken back or given again.
    assert points_of(data, "liuyang") == [("task_done_on_time", 5), ("rated_satisfied", 1)]


async def test_late_completion_earns_fewer_points(chat: ChatDriver) -> None:
    await open_task(chat)
    await chat.say("chenjing", "g-math", "/claim 1")
    chat.now = local("2026-03-25T10:00")
    await chat.say("liuyang", "g-math", "/done 1")
    assert points_of(await chat.export(), "liuyang") == [("task_done_late", 2)]


async def test_rating_needs_a_completed_task(chat: ChatDriver) -> None:
    await open_task(chat)
    assert "还未完成" in await chat.say("teacher1", "branch", "/rate 1 满意")
    assert (await chat.export())["tasks"][0]["ratings"] == []


async def test_task_lists_by_scope(chat: ChatDriver) -> None:
    await open_task(chat)
    await chat.say("zhangwei", "branch", "/decision 家访计划 @xuqiang 截止:2026-03-10")
    chat.now = local("2026-03-15T09:00")
    mine = await chat.say("liuyang", "branch", "/tasks mine")
    assert "劳动教育" in mine and "家访" not in mine
    overdue = await chat.say("liuyang", "branch", "/tasks 逾期")
    assert "家访" in overdue and "劳动教育" not in overdue and "已逾期" in overdue


# --- roster and points


async def test_join_then_approval_puts_a_newcomer_on_the_roster(chat: ChatDriver) -> None:
    assert "申请 #1" in await chat.say("newbie", "branch", "/join 钱多多")
    assert "申请 #1" in await chat.say("newbie", "branch", "/join 钱多多")  # asked again: the same request
    assert "权限" in await chat.say("liuyang", "branch", "/approve 1")
    assert "钱多多" in await chat.say("zhangwei", "branch", "/joins")
    approved = await chat.say("zhangwei", "branch", "/approve 1 小组:数学 预备")
    assert "newbie" in approved
    assert "已经在支部名册上" in await chat.say("newbie", "branch", "/join 钱多多")
    member = next(m for m in (await chat.export())["members"] if m["key"] == "newbie")
    assert (member["name"], member["group"], member["status"], member["source"]) == (
        "钱多多",
        "math",
        "probationary",
        "join",
    )


async def test_points_statement_and_reversal(app: App, chat: ChatDriver) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = meeting.starts_at
    await chat.say("liuyang", "g-math", f"/signin {meeting.id}")
    await chat.say("liuyang", "g-math", "/suggest 建议一")
    statement = await chat.say("liuyang", "g-math", "/points")
    assert "+3" in statement and "第 1/" in statement
    secretary = await identify(app.deps, "console", "zhangwei")
    ctx = app.deps.org.chat_context("branch")
    entry_id = (await chat.export())["points"][0]["id"]
    reversal = await reverse_entry(app.deps, secretary, ctx, entry_id, "误签", chat.now)
    assert reversal.delta == -2 and reversal.reverses == entry_id
    data = await chat.export()
    assert sum(e["delta"] for e in data["points"] if e["member"] == "liuyang") == 1
    assert len(data["points"]) == 3  # nothing deleted


async def test_unconfigured_chat_gets_a_polite_answer_and_nothing_changes(chat: ChatDriver) -> None:
    reply = await chat.say("zhangwei", "random-chat", DECISION)
    assert "random-chat" in reply and "[chats]" in reply
    assert (await chat.export())["tasks"] == []


async def test_meeting_new_and_cancel(chat: ChatDriver) -> None:
    created = await chat.say(
        "zhangwei", "branch", "/meeting new congress 2026-03-19 15:30 审议劳动教育课程实施方案"
    )
    assert "支部党员大会" in created
    assert chat.replies[0].buttons  # RSVP buttons under the announcement
    assert "权限" in await chat.say("liuyang", "branch", "/meeting new congress 2026-03-19 15:30")
    data = await chat.export()
    [meeting] = [m for m in data["meetings"] if m["source"] == "adhoc"]
    assert meeting["starts_at"] == "2026-03-19T15:30:00+08:00" and meeting["kind"] == "congress"
    group = await chat.say("chenjing", "g-math", "/meeting new group 3月10日 16:00 示范课评课")
    assert "党小组会" in group
    assert "不能代表" in await chat.say("chenjing", "g-math", "/meeting new group 3月11日 16:00 小组:高一")
    assert "已取消" in await chat.say("zhangwei", "branch", f"/meeting cancel {meeting['id']} 与期中考试冲突")
    cancelled = next(m for m in (await chat.export())["meetings"] if m["id"] == meeting["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_reason"] == "与期中考试冲突"


async def test_agenda_x_topics_by_committee_members(app: App, chat: ChatDriver) -> None:
    committee = await planned(app, committee_unit("t1"), "2026-03-12")
    assert committee.kind is MeetingKind.COMMITTEE and committee.fixed_topic
    added = await chat.say("lihua", "committee", f"/agenda {committee.id} add 期中考试质量分析")
    assert committee.fixed_topic in added and "期中考试质量分析" in added
    assert "权限" in await chat.say("liuyang", "committee", f"/agenda {committee.id} add 随便")
    data = await chat.export()
    assert next(m for m in data["meetings"] if m["id"] == committee.id)["agenda"] == ["期中考试质量分析"]
