"""The month-end 积分公示栏: a month built through the chat as members would, counted by hand.

Every expected number below is written out from the story in `build_march`, not recomputed with the
code under test. The story (2026, test branch of conftest.py; the plan puts 党小组会 on 03-05 and 03-19
for each of math/grade10/service, the 支委会 on 03-12, the 党课 on 03-26, the 党员大会 on 02-26):

February
  02-20  task #1 "制定春季学期教研计划" @liuyang due 02-28, group math; 02-21 math claims it
  02-26  congress: liuyang, chenjing, xuqiang sign in (+2 each); closed, never published (February's)
March
  03-02  task #2 "更新党员信息" @wangfang due 03-10, no group, never claimed
  03-02  wujun cancels service's 03-05 group meeting
  03-03  liuyang reports #1 done, late (+2)
  03-05  math meeting: liuyang, hema, chenjing, lihua sign in (+2 each); grade10 meeting: zhoumin,
         xuqiang (+2 each); liuyang and hema 献策 (+1 each); zhangwei adopts liuyang's (+3)
         math meeting closed, published 03-10 (deadline 03-09: late)
  03-06  task #3 "建设错题资源库" @hema due 03-27, group math, never claimed
  03-10  ad-hoc math group meeting (planned by chenjing on 03-08)
  03-12  committee meeting: decisions → task #4 "完成劳动教育课程方案" @liuyang due 03-20 group math,
         task #5 "高一家长会方案" @xuqiang due 03-25; closed, published 03-16 (deadline 03-16: on time)
  03-13  math claims #4, grade10 claims #5
  03-18  liuyang reports #4 done on time (+5); 03-19 teacher1 (off the roster) rates it 满意 (+1),
         chenjing 基本满意
  03-19  math meeting: liuyang, chenjing (+2 each); grade10: zhoumin (+2), closed, never published
         (deadline 03-23: missed); service: wujun, linyu, zhaolei (+2 each)
  03-20  zhangwei cancels the 03-26 党课; reverses zhaolei's 03-19 sign-in (−2)
  03-24  ad-hoc committee meeting (planned 03-22); lihua records in it task #6 "修订党员积分细则"
         @zhaolei due 04-15, #7 "组织清明祭扫活动" @wujun due 04-03 group service, #8 "开展师德师风自查"
         @sunli due 03-30; closed, published 03-26 (deadline 03-26: on time)
The summary is asked for at the month-end post's moment, 2026-03-31 18:00.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pytest
from support import ChatDriver, hold_decision, local, meeting_on, say_ok

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import MeetingKind, committee_unit
from sanhui_bot.render.replies import Renderer
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services.points import reverse_entry
from sanhui_bot.services.roster import identify
from sanhui_bot.services.summaries import (
    BranchSummary,
    CommitteeSummary,
    GroupSummary,
    LedgerStatus,
    MeetingCount,
    OverdueTask,
    PublicationMiss,
    RankedMember,
    TaskCounts,
    month_summary,
)

COMMITTEE = committee_unit("t1")
MONTH_END = local("2026-03-31T18:00")
GROUP, CONGRESS, LESSON = MeetingKind.GROUP, MeetingKind.CONGRESS, MeetingKind.LESSON


@dataclass(frozen=True)
class March:
    """The meeting ids the story refers to."""

    math_0305: int
    grade10_0305: int
    service_0305: int
    committee_0312: int
    math_0319: int
    grade10_0319: int
    service_0319: int
    lesson_0326: int
    math_adhoc: int
    committee_adhoc: int


async def close(chat: ChatDriver, meeting_id: int, closed: datetime, published: datetime | None) -> None:
    """The secretary closes a meeting holding a decision (and maybe publishes its 决议清单) at these times."""
    await hold_decision(chat.app, meeting_id, closed)
    reply = await chat.say("zhangwei", "branch", f"/close {meeting_id}", at=closed)
    assert "已结束" in reply, reply
    if published is not None:
        reply = await chat.say("zhangwei", "branch", f"/publish {meeting_id}", at=published)
        assert "已公示" in reply, reply


async def build_march(app: App, chat: ChatDriver) -> March:
    """The story of the module docstring, through the chat commands."""
    await plan_meetings(app, local("2026-01-01T09:00"))
    congress = await meeting_on(app, "t1", CONGRESS, "2026-02-26")
    math1 = await meeting_on(app, "math", GROUP, "2026-03-05")
    grade1 = await meeting_on(app, "grade10", GROUP, "2026-03-05")
    service1 = await meeting_on(app, "service", GROUP, "2026-03-05")
    committee = await meeting_on(app, COMMITTEE, MeetingKind.COMMITTEE, "2026-03-12")
    math2 = await meeting_on(app, "math", GROUP, "2026-03-19")
    grade2 = await meeting_on(app, "grade10", GROUP, "2026-03-19")
    service2 = await meeting_on(app, "service", GROUP, "2026-03-19")
    lesson = await meeting_on(app, "t1", LESSON, "2026-03-26")

    # February
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 制定春季学期教研计划 @liuyang 截止:2026-02-28 小组:数学",
        "2026-02-20T10:00",
        "任务 #1",
    )
    await say_ok(chat, "chenjing", "g-math", "/claim 1", "2026-02-21T10:00", "认领")
    for member in ("liuyang", "chenjing", "xuqiang"):
        await say_ok(chat, member, "branch", f"/signin {congress.id}", "2026-02-26T15:35", "已签到")
    await close(chat, congress.id or 0, local("2026-02-26T17:00"), None)

    # March, first half
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 更新党员信息 @wangfang 截止:2026-03-10",
        "2026-03-02T10:00",
        "#2",
    )
    await say_ok(
        chat,
        "wujun",
        "g-service",
        f"/meeting cancel {service1.id} 与运动会冲突",
        "2026-03-02T11:00",
        "已取消",
    )
    await say_ok(chat, "liuyang", "g-math", "/done 1 计划已上传", "2026-03-03T09:00", "+2")
    for member in ("liuyang", "hema", "chenjing", "lihua"):
        await say_ok(chat, member, "g-math", f"/signin {math1.id}", "2026-03-05T14:35", "+2")
    for member in ("zhoumin", "xuqiang"):
        await say_ok(chat, member, "g-grade10", f"/signin {grade1.id}", "2026-03-05T14:35", "+2")
    await say_ok(chat, "liuyang", "g-math", "/suggest 建立错题资源库", "2026-03-05T14:45", "#1")
    await say_ok(chat, "hema", "g-math", "/suggest 每周一次公开课", "2026-03-05T14:46", "#2")
    await say_ok(chat, "zhangwei", "g-math", "/adopt 1", "2026-03-05T15:10", "采纳")
    await close(chat, math1.id or 0, local("2026-03-05T15:40"), local("2026-03-10T09:00"))
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/decision 建设错题资源库 @hema 截止:2026-03-27 小组:数学",
        "2026-03-06T09:00",
        "#3",
    )
    await say_ok(
        chat,
        "chenjing",
        "g-math",
        "/meeting new group 2026-03-10 16:00 示范课评课",
        "2026-03-08T10:00",
        "党小组会",
    )

    # the 支委会 of 03-12 and its ledger
    for text in (
        "/decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua 小组:数学",
        "/decision 高一家长会方案 @xuqiang 截止:2026-03-25 牵头:@sunli",
    ):
        await say_ok(chat, "zhangwei", "committee", text, "2026-03-12T16:40", f"#{committee.id}")
    await close(chat, committee.id or 0, local("2026-03-12T17:30"), local("2026-03-16T10:00"))
    await say_ok(chat, "chenjing", "g-math", "/claim 4", "2026-03-13T09:00", "数学党小组")
    await say_ok(chat, "zhoumin", "g-grade10", "/claim 5", "2026-03-13T09:05", "高一年级党小组")
    await say_ok(chat, "liuyang", "g-math", "/done 4 方案已提交教务处", "2026-03-18T10:00", "+5")
    await say_ok(chat, "teacher1", "branch", "/rate 4 满意", "2026-03-19T09:00", "感谢评价")
    await say_ok(chat, "chenjing", "g-math", "/rate 4 基本满意", "2026-03-19T09:05", "感谢评价")

    # March, second half
    for member, where, meeting in (
        ("liuyang", "g-math", math2),
        ("chenjing", "g-math", math2),
        ("zhoumin", "g-grade10", grade2),
        ("wujun", "g-service", service2),
        ("linyu", "g-service", service2),
        ("zhaolei", "g-service", service2),
    ):
        await say_ok(chat, member, where, f"/signin {meeting.id}", "2026-03-19T14:35", "+2")
    await close(chat, grade2.id or 0, local("2026-03-19T15:40"), None)
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        f"/meeting cancel {lesson.id} 与期中考试冲突",
        "2026-03-20T09:00",
        "已取消",
    )
    # A secretary's reversal has no chat command yet; the service is what one would call.
    secretary = await identify(app.deps, "console", "zhangwei")
    data = await chat.export()
    [wrong] = [e for e in data["points"] if e["member"] == "zhaolei" and e["reason"] == "signin"]
    await reverse_entry(
        app.deps,
        secretary,
        app.deps.org.chat_context("branch"),
        wrong["id"],
        "误签",
        local("2026-03-20T10:00"),
    )
    await say_ok(
        chat,
        "zhangwei",
        "branch",
        "/meeting new committee 2026-03-24 16:30 师德建设专题",
        "2026-03-22T10:00",
        "支部委员会",
    )
    committee2 = await meeting_on(app, COMMITTEE, MeetingKind.COMMITTEE, "2026-03-24")
    for text in (
        "/decision 修订党员积分细则 @zhaolei 截止:2026-04-15 牵头:@zhaolei",
        "/decision 组织清明祭扫活动 @wujun 截止:2026-04-03 小组:行政服务",
        "/decision 开展师德师风自查 @sunli 截止:2026-03-30 牵头:@sunli",
    ):
        await say_ok(chat, "lihua", "committee", text, "2026-03-24T16:40", f"#{committee2.id}")
    await close(chat, committee2.id or 0, local("2026-03-24T17:30"), local("2026-03-26T20:00"))

    math_adhoc = await meeting_on(app, "math", GROUP, "2026-03-10")
    return March(
        math_0305=math1.id or 0,
        grade10_0305=grade1.id or 0,
        service_0305=service1.id or 0,
        committee_0312=committee.id or 0,
        math_0319=math2.id or 0,
        grade10_0319=grade2.id or 0,
        service_0319=service2.id or 0,
        lesson_0326=lesson.id or 0,
        math_adhoc=math_adhoc.id or 0,
        committee_adhoc=committee2.id or 0,
    )


def rank(n: int | None, member: str, month: int, year: int) -> RankedMember:
    return RankedMember(rank=n, member=member, month_total=month, year_total=year)


# The hand count of every member's points (module docstring):
#   liuyang  March 2 (#1 late) + 2 + 1 + 3 (03-05 sign-in, 献策, adopted) + 5 + 1 (#4 on time, 满意)
#            + 2 (03-19) = 16; February +2 → 18
#   chenjing 2 + 2 = 4; February +2 → 6        zhoumin 2 + 2 = 4 → 4
#   hema     2 + 1 = 3 → 3                      xuqiang 2; February +2 → 4
#   lihua, linyu, wujun 2 → 2                  zhaolei 2 − 2 = 0 → 0
#   sunli, wangfang, zhangwei 0 → 0: no entry in March, so no place (issue 14)
BRANCH_RANKING = (
    rank(1, "liuyang", 16, 18),
    rank(2, "chenjing", 4, 6),
    rank(2, "zhoumin", 4, 4),
    rank(4, "hema", 3, 3),
    rank(5, "xuqiang", 2, 4),
    rank(5, "lihua", 2, 2),
    rank(5, "linyu", 2, 2),
    rank(5, "wujun", 2, 2),
    rank(9, "zhaolei", 0, 0),  # 2 − 2: entries that sum to nought still earn a place
    rank(None, "sunli", 0, 0),
    rank(None, "wangfang", 0, 0),
    rank(None, "zhangwei", 0, 0),
)


async def test_branch_summary_matches_the_hand_count(app: App, chat: ChatDriver) -> None:
    ids = await build_march(app, chat)
    summary = await month_summary(app.deps, "branch", 2026, 3, MONTH_END)
    assert isinstance(summary, BranchSummary)
    assert (summary.branch, summary.year, summary.month) == ("t1", 2026, 3)
    assert summary.ranking == BRANCH_RANKING

    assert summary.tasks == (
        # math: #1 done 03-03 (late), #4 done 03-18; #3 unclaimed but named for math, due 03-27
        TaskCounts(
            "math",
            done=2,
            open=1,
            overdue_tasks=(OverdueTask(3, "建设错题资源库", "hema", date(2026, 3, 27), "math"),),
        ),
        # grade10: #5 claimed, due 03-25, unfinished
        TaskCounts(
            "grade10",
            done=0,
            open=1,
            overdue_tasks=(OverdueTask(5, "高一家长会方案", "xuqiang", date(2026, 3, 25), "grade10"),),
        ),
        # service: #7 due in April
        TaskCounts("service", done=0, open=1, overdue_tasks=()),
        # no group: #2 due 03-10, #6 due 04-15, #8 due 03-30
        TaskCounts(
            None,
            done=0,
            open=3,
            overdue_tasks=(
                OverdueTask(2, "更新党员信息", "wangfang", date(2026, 3, 10), None),
                OverdueTask(8, "开展师德师风自查", "sunli", date(2026, 3, 30), None),
            ),
        ),
    )

    # Held (issue 12): a meeting someone signed in to, or that the secretary closed; one that ended
    # with neither (January's and February's group and committee meetings, math's ad-hoc 03-10) is
    # "attendance not recorded" and not held.
    assert summary.meetings == (
        # 02-26 congress; none planned in March
        MeetingCount(CONGRESS, "t1", held=0, required=0, held_ytd=1, required_ytd=1),
        # 03-12 planned + 03-24 ad hoc, both closed; one planned each of Jan, Feb, Mar
        MeetingCount(MeetingKind.COMMITTEE, COMMITTEE, held=2, required=1, held_ytd=2, required_ytd=3),
        # 03-05, 03-19 with sign-ins (03-10 ad hoc: nothing recorded); two planned a month
        MeetingCount(GROUP, "math", held=2, required=2, held_ytd=2, required_ytd=6, unrecorded=1),
        MeetingCount(GROUP, "grade10", held=2, required=2, held_ytd=2, required_ytd=6),
        # 03-05 cancelled
        MeetingCount(GROUP, "service", held=1, required=2, held_ytd=1, required_ytd=6),
        # 03-26 cancelled
        MeetingCount(LESSON, "t1", held=0, required=1, held_ytd=0, required_ytd=1),
    )
    assert summary.gaps == ((GROUP, "service"), (LESSON, "t1"))

    # 03-05 → deadline 03-09 (Mon), published 03-10; 03-19 → deadline 03-23, never published.
    # 03-12 (published 03-16) and 03-24 (published 03-26, the deadline day itself) are on time;
    # the congress of 02-26 belongs to February's summary.
    assert summary.publication_misses == (
        PublicationMiss(ids.math_0305, GROUP, "math", date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 10)),
        PublicationMiss(ids.grade10_0319, GROUP, "grade10", date(2026, 3, 19), date(2026, 3, 23), None),
    )
    assert summary.publication_unknown == ()


async def test_group_summary_matches_the_hand_count(app: App, chat: ChatDriver) -> None:
    await build_march(app, chat)
    summary = await month_summary(app.deps, "g-math", 2026, 3, MONTH_END)
    assert isinstance(summary, GroupSummary)
    assert (summary.branch, summary.group, summary.year, summary.month) == ("t1", "math", 2026, 3)
    # math's members: zhangwei, lihua, chenjing, liuyang, hema
    assert summary.ranking == (
        rank(1, "liuyang", 16, 18),
        rank(2, "chenjing", 4, 6),
        rank(3, "hema", 3, 3),
        rank(4, "lihua", 2, 2),
        rank(None, "zhangwei", 0, 0),
    )
    assert summary.tasks == TaskCounts(
        "math",
        done=2,
        open=1,
        overdue_tasks=(OverdueTask(3, "建设错题资源库", "hema", date(2026, 3, 27), "math"),),
    )
    assert summary.meetings == MeetingCount(
        GROUP, "math", held=2, required=2, held_ytd=2, required_ytd=6, unrecorded=1
    )


async def test_committee_summary_matches_the_hand_count(app: App, chat: ChatDriver) -> None:
    ids = await build_march(app, chat)
    summary = await month_summary(app.deps, "committee", 2026, 3, MONTH_END)
    assert isinstance(summary, CommitteeSummary)
    assert (summary.branch, summary.year, summary.month) == ("t1", 2026, 3)
    # 03-12: decisions #4 and #5 (2, outside 3-5); 03-24: #6, #7, #8 (3)
    assert summary.ledgers == (
        LedgerStatus(ids.committee_0312, date(2026, 3, 12), 2),
        LedgerStatus(ids.committee_adhoc, date(2026, 3, 24), 3),
    )
    assert [ledger.out_of_range for ledger in summary.ledgers] == [True, False]
    # committee decisions' tasks unfinished at month end and due by 03-31: #5 (03-25), #8 (03-30);
    # #2 and #3 are overdue too but were decided in the branch chat, not by the committee
    assert summary.overdue_tasks == (
        OverdueTask(5, "高一家长会方案", "xuqiang", date(2026, 3, 25), "grade10"),
        OverdueTask(8, "开展师德师风自查", "sunli", date(2026, 3, 30), None),
    )
    assert summary.meetings == MeetingCount(
        MeetingKind.COMMITTEE, COMMITTEE, held=2, required=1, held_ytd=2, required_ytd=3
    )


async def test_mid_month_summary_counts_only_what_has_happened(app: App, chat: ChatDriver) -> None:
    await build_march(app, chat)
    summary = await month_summary(app.deps, "branch", 2026, 3, local("2026-03-15T12:00"))
    assert isinstance(summary, BranchSummary)
    by_unit = {(count.kind, count.unit): count for count in summary.meetings}
    # by 03-15: math 03-05 held (03-10 ad hoc: nothing recorded), 03-05 planned; service's 03-05 was
    # cancelled; January and February left nothing recorded; the 03-19 meetings and the 03-26 党课
    # are not due yet, so they are no gap
    assert by_unit[GROUP, "math"] == MeetingCount(GROUP, "math", 1, 1, 1, 5, unrecorded=1)
    assert by_unit[GROUP, "service"] == MeetingCount(GROUP, "service", 0, 1, 0, 5)
    assert by_unit[LESSON, "t1"] == MeetingCount(LESSON, "t1", 0, 0, 0, 0)
    assert summary.gaps == ((GROUP, "service"),)


async def renderers(app: App) -> tuple[Renderer, Renderer]:
    zh = await app.conversation.renderer()
    return replace(zh, language="zh-CN"), replace(zh, language="en")


async def test_rendered_summaries_carry_the_key_figures_in_both_languages(app: App, chat: ChatDriver) -> None:
    await build_march(app, chat)
    zh, en = await renderers(app)
    branch = await month_summary(app.deps, "branch", 2026, 3, MONTH_END)
    group = await month_summary(app.deps, "g-math", 2026, 3, MONTH_END)
    committee = await month_summary(app.deps, "committee", 2026, 3, MONTH_END)

    text = render_summary(branch, zh)
    for expected in (
        "📋 教工第一党支部 2026年3月 积分公示栏",
        "1. 刘洋 +16／+18",
        "并列2. 陈静 +4／+6",  # 陈静 and 周敏 share the place
        "9. 赵磊 +0／+0",
        "本月无积分记录、不排名：3 人",  # 孙丽, 王芳, 张伟: no place, not "9. … +0"
        "数学党小组：完成 2，未完成 1，逾期 1",
        "⚠ #3 建设错题资源库（何马，截止 3月27日）",
        "未指定小组：完成 0，未完成 3，逾期 2",
        "党小组会·行政服务党小组：1/2；年度 1/6",
        "支部委员会：2/1；年度 2/3",
        "⚠ 本月未按计划召开党小组会：行政服务党小组（1/2）",
        "⚠ 本月未按计划召开党课：教工第一党支部（0/1）",
        "3月5日：期限3月9日，3月10日才公示",
        "3月19日：期限3月23日，尚未公示",
    ):
        assert expected in text, (expected, text)
    assert max(len(line) for line in text.splitlines()) <= 40  # phone-sized lines

    text = render_summary(branch, en)
    for expected in (
        "points board 2026-03",
        "1. 刘洋 +16 / +18",
        "数学党小组: done 2, open 1, overdue 1",
        "No group: done 0, open 3, overdue 2",
        "group meeting·行政服务党小组: 1/2; year 1/6",
        "Party lesson short this month: 教工第一党支部 (0 of 1)",
        "due Mar 9, published Mar 10",
        "due Mar 23, not published",
    ):
        assert expected in text, (expected, text)

    text = render_summary(group, zh)
    for expected in (
        "📋 数学党小组 2026年3月 积分公示栏",
        "3. 何马 +3／+3",
        "数学党小组：完成 2，未完成 1，逾期 1",
        "⚠ #3 建设错题资源库（何马，截止 3月27日）",
        "党小组会·数学党小组：2/2（1 场出席未记录）；年度 2/6",  # the 03-10 ad hoc
    ):
        assert expected in text, (expected, text)
    assert "due Mar 27" in render_summary(group, en)

    text = render_summary(committee, zh)
    for expected in (
        "议事台账",
        f"#{(await meeting_on(app, COMMITTEE, MeetingKind.COMMITTEE, '2026-03-12')).id} 3月12日 支委会：决议 2 项　⚠ 应为3—5项",
        "3月24日 支委会：决议 3 项",
        "⚠ #5 高一家长会方案（徐强，截止 3月25日）",
        "⚠ #8 开展师德师风自查（孙丽，截止 3月30日）",
    ):
        assert expected in text, (expected, text)
    assert "3月24日 支委会：决议 3 项　⚠" not in text
    text = render_summary(committee, en)
    assert "committee: 2 decisions ⚠ 3-5 expected" in text and "#5 高一家长会方案 (徐强, due Mar 25)" in text


async def test_a_month_with_no_data_renders_in_every_chat(app: App) -> None:
    zh, en = await renderers(app)
    for chat_key in ("branch", "g-math", "committee"):
        summary = await month_summary(app.deps, chat_key, 2026, 5, local("2026-05-31T18:00"))
        for renderer in (zh, en):
            assert render_summary(summary, renderer)
    branch = await month_summary(app.deps, "branch", 2026, 5, local("2026-05-31T18:00"))
    assert isinstance(branch, BranchSummary)
    # nobody has an entry in May: nobody is ranked (issue 14: not everyone "1. … +0")
    assert len(branch.ranking) == 12 and {line.rank for line in branch.ranking} == {None}
    assert all(counts.empty for counts in branch.tasks) and branch.gaps == ()
    text = render_summary(branch, zh)
    assert "本月会议均按计划召开" in text and "公示：无超期" in text and "未指定小组" not in text
    committee = render_summary(await month_summary(app.deps, "committee", 2026, 5, MONTH_END), en)
    assert "No committee meeting this month." in committee and "No overdue tasks." in committee


async def test_publication_deadline_past_the_calendar_is_flagged_not_guessed(
    app: App, chat: ChatDriver
) -> None:
    # chinesecalendar knows 2004-2026: two working days after 2026-12-30 reach into 2027
    for day in ("2026-12-29", "2026-12-30"):
        await say_ok(
            chat,
            "zhangwei",
            "branch",
            f"/meeting new congress {day} 15:30",
            "2026-12-20T10:00",
            "支部党员大会",
        )
    late = await meeting_on(app, "t1", CONGRESS, "2026-12-30")
    pending = await meeting_on(app, "t1", CONGRESS, "2026-12-29")
    await close(chat, late.id or 0, local("2026-12-30T17:00"), None)
    # deadline 12-31: still that day at the month-end post, so not missed yet
    await close(chat, pending.id or 0, local("2026-12-29T17:00"), None)
    summary = await month_summary(app.deps, "branch", 2026, 12, local("2026-12-31T18:00"))
    assert isinstance(summary, BranchSummary)
    assert summary.publication_unknown == (late.id,) and summary.publication_misses == ()
    zh, en = await renderers(app)
    assert f"#{late.id} 公示期限无法计算" in render_summary(summary, zh)
    assert "deadline unknown" in render_summary(summary, en)


async def test_unknown_chat_is_refused(app: App) -> None:
    with pytest.raises(DomainError) as refused:
        await month_summary(app.deps, "random-chat", 2026, 3, MONTH_END)
    assert refused.value.code == "chat_not_configured"


async def test_publication_deadline_counts_working_days_across_national_day(
    app: App, chat: ChatDriver
) -> None:
    # 2026-09-30 + 2 working days: 10-01…10-07 are off, 10-08 (Thu) and 10-09 (Fri) work → deadline 10-09.
    # 2026-10-09 + 2 working days: 10-10 is a make-up Saturday (调休) → 10-10, then 10-12.
    for day in ("2026-09-30", "2026-10-09"):
        await say_ok(
            chat,
            "zhangwei",
            "branch",
            f"/meeting new congress {day} 15:30",
            "2026-09-20T10:00",
            "支部党员大会",
        )
    before = await meeting_on(app, "t1", CONGRESS, "2026-09-30")
    after = await meeting_on(app, "t1", CONGRESS, "2026-10-09")
    await close(chat, before.id or 0, local("2026-09-30T17:00"), local("2026-10-09T20:00"))  # on time
    await close(chat, after.id or 0, local("2026-10-09T17:00"), local("2026-10-13T09:00"))  # a day late
    september = await month_summary(app.deps, "branch", 2026, 9, local("2026-10-31T18:00"))
    october = await month_summary(app.deps, "branch", 2026, 10, local("2026-10-31T18:00"))
    assert isinstance(september, BranchSummary) and isinstance(october, BranchSummary)
    assert september.publication_misses == ()
    [miss] = october.publication_misses
    assert (miss.meeting_id, miss.deadline, miss.published_on) == (
        after.id,
        date(2026, 10, 12),
        date(2026, 10, 13),
    )
