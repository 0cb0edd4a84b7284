"""Congress votes (条例第十一条): a decision passes only when approvals exceed half of ALL voting members
as of the meeting; one voted down is recorded as 未通过 with no task, and every record shows the vote.

The test branch (tests/support.py) has 12 members, 2 of them probationary: 10 voting members. Its
支部党员大会 is planned on 2026-02-26 15:30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from support import ChatDriver, local, meeting_on

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.commands.model import ParseError, RecordDecision, VoteCount
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import Meeting, MeetingKind, Member, MemberStatus, Vote
from sanhui_bot.domain.quorum import count_vote, quorum_for, vote_passes
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.render.closing import closing_post
from sanhui_bot.render.minutes import render_minutes
from sanhui_bot.render.parse_messages import parse_error_text
from sanhui_bot.render.replies import Renderer
from sanhui_bot.services import roster
from sanhui_bot.services.closing import decision_list
from sanhui_bot.services.export import export_ledger, ledger_snapshot
from sanhui_bot.services.reports import branch_report, meeting_minutes

TODAY = date(2026, 2, 1)


# --- the parser ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/decision 通过年度计划 @liuyang 截止:2026-06-30 表决:同意6 反对3 弃权1",
        "/决议 通过年度计划 @liuyang 表决：同意 6 票，反对 3 票，弃权 1 票 截止：2026-06-30",
        "/decision 通过年度计划 @liuyang due:2026-06-30 vote:6/3/1",
        "/decision 通过年度计划 @liuyang due:2026-06-30 vote: for 6 against 3 abstain 1",
    ],
)
def test_a_vote_is_read_in_every_form_and_leaves_the_title_alone(text: str) -> None:
    parsed = parse_command(text, TODAY)
    assert isinstance(parsed, RecordDecision)
    assert parsed.vote == VoteCount(6, 3, 1)
    assert (parsed.title, parsed.owner.text, parsed.due_on) == ("通过年度计划", "liuyang", date(2026, 6, 30))


def test_a_decision_without_a_vote_has_none() -> None:
    parsed = parse_command("/decision 方案 @liuyang 截止:2026-06-30", TODAY)
    assert isinstance(parsed, RecordDecision) and parsed.vote is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("/decision 方案 @liuyang 截止:2026-06-30 表决:同意6 反对-1 弃权1", "negative_vote"),
        ("/decision 方案 @liuyang 截止:2026-06-30 vote:6/-3/1", "negative_vote"),
        ("/decision 方案 @liuyang 截止:2026-06-30 表决:全票通过", "bad_vote"),
        ("/decision 方案 @liuyang 截止:2026-06-30 表决:同意6 反对3", "bad_vote"),
        ("/decision 方案 @liuyang 截止:2026-06-30 vote:6/3", "bad_vote"),
    ],
)
def test_malformed_or_negative_votes_are_refused_with_an_example(text: str, code: str) -> None:
    parsed = parse_command(text, TODAY)
    assert isinstance(parsed, ParseError) and parsed.code == code
    assert "表决:同意12 反对0 弃权1" in parse_error_text(parsed, "zh-CN")
    assert "vote:12/0/1" in parse_error_text(parsed, "en")


# --- the rule, as of the meeting's day ---------------------------------------------------------------

CONGRESS = Meeting(
    id=1,
    branch="t1",
    unit="t1",
    kind=MeetingKind.CONGRESS,
    starts_at=datetime(2026, 2, 26, 7, 30, tzinfo=UTC),
    duration=timedelta(minutes=90),
)


def _roster(full: int, probationary: int = 0) -> list[Member]:
    return [Member(f"f{n}", f"f{n}", "t1") for n in range(full)] + [
        Member(f"p{n}", f"p{n}", "t1", status=MemberStatus.PROBATIONARY) for n in range(probationary)
    ]


@pytest.mark.parametrize(("approve", "passes"), [(5, False), (6, True)])
def test_a_resolution_needs_more_than_half_of_all_voting_members(approve: int, passes: bool) -> None:
    # 10 voting members: 5 approvals is exactly half and fails, even with nobody against
    vote = count_vote(CONGRESS, _roster(10, probationary=2), approve, 0, 0)
    assert vote == Vote(approve, 0, 0, voting_members=10)
    assert vote_passes(vote) is passes


def test_abstentions_and_absentees_count_against_a_resolution() -> None:
    assert not vote_passes(count_vote(CONGRESS, _roster(11), 5, 0, 6))  # 11 voting: 6 needed
    assert vote_passes(count_vote(CONGRESS, _roster(11), 6, 5, 0))


@pytest.mark.parametrize(("present", "reached"), [(5, False), (6, True)])
def test_congress_quorum_at_half_and_half_plus_one(present: int, reached: bool) -> None:
    roster = _roster(10, probationary=2)
    # probationary members present do not make up for absent full members
    check = quorum_for(CONGRESS, roster, [f"f{n}" for n in range(present)] + ["p0", "p1"])
    assert check is not None and (check.voting, check.present, check.reached) == (10, present, reached)


def test_more_votes_than_voting_members_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        count_vote(CONGRESS, _roster(10, probationary=2), 6, 3, 2)
    assert refused.value.code == "vote_exceeds_voters"
    assert (refused.value.params["cast"], refused.value.params["voting"]) == (11, 10)


def test_only_a_congress_votes() -> None:
    for meeting in (None, Meeting(2, "t1", "t1", MeetingKind.LESSON, CONGRESS.starts_at, CONGRESS.duration)):
        with pytest.raises(DomainError) as refused:
            count_vote(meeting, _roster(10), 6, 0, 0)
        assert refused.value.code == "vote_needs_congress"


# --- through the chat: counted against the roster of the meeting's day -----------------------------


async def _congress(app: App) -> Meeting:
    await plan_meetings(app, local("2026-01-01T09:00"))
    return await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-02-26")


async def _approve_full_member(chat: ChatDriver, at: str) -> None:
    await chat.say("liming", "branch", "/join 李明", at=local(at))
    reply = await chat.say("zhangwei", "branch", "/approve 1 liming 小组:数学", at=local(at))
    assert "liming" in reply, reply


async def test_a_vote_counts_the_voting_members_on_the_meeting_day_not_later_ones(
    app: App, chat: ChatDriver
) -> None:
    congress = await _congress(app)
    await _approve_full_member(chat, "2026-02-27T09:00")  # 11 voting members from 02-27 on
    async with app.deps.uow() as uow:
        assert len([m for m in await app.deps.roster.branch(uow, "t1") if m.votes]) == 11

    # recorded on 03-02, the decision belongs to the congress of 02-26 (the last 7 days): 10 voted
    too_many = await chat.say(
        "zhangwei",
        "branch",
        "/decision 方案甲 @liuyang 截止:2026-06-30 vote:6/0/5",
        at=local("2026-03-02T09:00"),
    )
    assert "11" in too_many and "10" in too_many and "vote:10/0/0" not in too_many
    assert "表决:同意10 反对0 弃权0" in too_many
    exported = await export_ledger(app.deps, local("2026-03-02T09:00"))
    assert exported["decisions"] == []  # refused: nothing written

    # exactly half of the 10: not passed, no task
    rejected = await chat.say("zhangwei", "branch", "/decision 方案乙 @liuyang 截止:2026-06-30 vote:5/0/5")
    assert "未通过" in rejected and "任务" not in rejected.split("\n")[0]
    # half plus one: passed, with its task
    passed = await chat.say("zhangwei", "branch", "/decision 方案丙 @liuyang 截止:2026-06-30 vote:6/4/0")
    assert "任务 #1" in passed and "通过" in passed

    exported = await export_ledger(app.deps, local("2026-03-02T09:00"))
    votes = {d["title"]: (d["meeting"], d["vote"]) for d in exported["decisions"]}
    assert votes == {
        "方案乙": (
            congress.id,
            {"for": 5, "against": 0, "abstain": 5, "voting_members": 10, "passed": False},
        ),
        "方案丙": (
            congress.id,
            {"for": 6, "against": 4, "abstain": 0, "voting_members": 10, "passed": True},
        ),
    }
    assert [t["title"] for t in exported["tasks"]] == ["方案丙"]


async def test_the_report_counts_the_quorum_of_the_meeting_day(app: App, chat: ChatDriver) -> None:
    congress = await _congress(app)
    for member in ("zhangwei", "wangfang", "lihua", "zhaolei", "sunli", "hema", "linyu"):
        await chat.say(member, "branch", f"/signin {congress.id}", at=local("2026-02-26T15:35"))
    await _approve_full_member(chat, "2026-02-27T09:00")
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.MONTH, 2), local("2026-03-02T09:00"))
    [quorum] = report.quorums
    # 5 full members of 10 signed in (hema and linyu are probationary): exactly half, not reached
    assert (quorum.check.voting, quorum.check.present, quorum.check.reached) == (10, 5, False)
    await chat.say("xuqiang", "branch", f"/signin {congress.id}", at=local("2026-02-26T15:40"))
    report = await branch_report(app.deps, "t1", Period(2026, PeriodKind.MONTH, 2), local("2026-03-02T09:00"))
    [quorum] = report.quorums
    assert (quorum.check.voting, quorum.check.present, quorum.check.reached) == (10, 6, True)


async def test_votes_show_in_the_decision_list_minutes_and_workbook(app: App, chat: ChatDriver) -> None:
    congress = await _congress(app)
    chat.now = local("2026-02-26T16:00")
    await chat.say("zhangwei", "branch", "/decision 方案乙 @liuyang 截止:2026-06-30 表决:同意4 反对4 弃权2")
    await chat.say("zhangwei", "branch", "/decision 方案丙 @liuyang 截止:2026-06-30 表决:同意7 反对2 弃权1")
    closed = await chat.say("zhangwei", "branch", f"/close {congress.id}", at=local("2026-02-26T17:00"))
    assert f"#{congress.id}" in closed

    listed = await decision_list(app.deps, congress.id or 0)
    assert listed is not None
    assert [(d.title, d.vote, task is not None) for d, task in listed.items] == [
        ("方案乙", Vote(4, 4, 2, 10), False),
        ("方案丙", Vote(7, 2, 1, 10), True),
    ]
    names = await roster.member_names(app.deps)
    renderer = Renderer("zh-CN", app.deps.tz, app.deps.org, names)
    draft = closing_post(PostKind.DECISION_LIST, listed, renderer)
    assert draft is not None
    rejected_item = draft.text.split("方案乙", 1)[1].split("方案丙", 1)[0]
    assert "同意4 反对4 弃权2" in rejected_item and "未通过" in rejected_item and "任务" not in rejected_item
    assert "同意7 反对2 弃权1" in draft.text.split("方案丙", 1)[1]

    minutes = await meeting_minutes(app.deps, "t1", congress.id or 0, local("2026-02-27T09:00"))
    text = render_minutes(minutes, renderer)
    rejected_line = next(line for line in text.splitlines() if "方案乙" in line)
    passed_line = next(line for line in text.splitlines() if "方案丙" in line)
    assert "同意4" in rejected_line and "未通过" in rejected_line and "任务 #" not in rejected_line
    assert "同意7" in passed_line and "任务 #1" in passed_line and "未通过" not in passed_line

    sheets = ledger_sheets(
        await ledger_snapshot(app.deps, 2026, local("2026-02-27T09:00"), "t1"), app.deps.org
    )
    decisions = sheets[2]
    rows = [dict(zip(decisions.headers, row, strict=True)) for row in decisions.rows]
    assert [
        (
            r["决议"],
            r["任务编号"],
            r["状态"],
            r["表决：同意"],
            r["表决：反对"],
            r["表决：弃权"],
            r["有表决权人数"],
            r["表决结果"],
        )
        for r in rows
    ] == [
        ("方案乙", None, "未通过", 4, 4, 2, 10, "未通过"),
        ("方案丙", 1, rows[1]["状态"], 7, 2, 1, 10, "通过"),
    ]
