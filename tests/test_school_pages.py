"""The 党委 reads every branch's pages and acts in none (issue 17), in the services the web view calls.

test_school_month's played April, three branches: task 1 is t1's (owner 刘四, done 04-18), task 2 is
t2's (owner 钱四, open, due 04-20); each branch had its 支委会 on 04-09. 王军 sits on the 党委 and belongs
to no branch; 刘一 is t1's secretary and sits on the 党委; 刘四 is an ordinary member of t1.
Every test runs on SQLite and PostgreSQL (the `school` fixture's database_url).
"""

from __future__ import annotations

from typing import Any

import pytest
from support import local
from test_school_history import _config, _open
from test_school_month import play_april, school  # noqa: F401  (the fixture)

from sanhui_bot.app import App
from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.errors import PermissionDenied
from sanhui_bot.domain.model import Actor, ChatContext, MeetingKind, Rating, RsvpAnswer
from sanhui_bot.services import ledger, roster

NOW = local("2026-04-20T09:00")
APRIL_REPORT = cmds.ShowReport(PeriodKind.MONTH, 2026, 4)
T2_MEMBERS = {"qianyi", "qianer", "qiansan", "qiansi", "qianwu"}


async def _actor(app: App, key: str) -> Actor:
    return await roster.identify(app.deps, "console", key)


def _branch_chat(app: App, branch: str) -> ChatContext:
    ctx = app.deps.org.chat_context(f"{branch}-branch")
    assert ctx is not None
    return ctx


async def _t2_committee_meeting(app: App) -> int:
    month = await ledger.month_meetings(
        app.deps, await _actor(app, "qianyi"), _branch_chat(app, "t2"), 2026, 4, NOW
    )
    [meeting] = [r.meeting for r in month.meetings if r.meeting.kind is MeetingKind.COMMITTEE]
    return meeting.id or 0


def _state(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "outbox"}


async def test_a_party_committee_member_of_no_branch_reads_every_branch(school: App) -> None:  # noqa: F811
    await play_april(school)
    deps, wangjun = school.deps, await _actor(school, "wangjun")
    assert wangjun.member is None and wangjun.school_member is not None
    t2 = _branch_chat(school, "t2")

    cards = await ledger.task_board(deps, wangjun, t2, ledger.TaskFilter(), NOW)
    assert [(card.task.id, card.task.owner, card.task.branch) for card in cards] == [(2, "qiansi", "t2")]

    month = await ledger.month_meetings(deps, wangjun, t2, 2026, 4, NOW)
    assert month.meetings and all(record.meeting.branch == "t2" for record in month.meetings)
    # nothing of their own there: not expected, no answer, no leave to decide, no minutes' right
    for record in month.meetings:
        assert not record.expected_me and record.my_answer is RsvpAnswer.UNKNOWN
        assert record.pending_leave == () and record.minutes is None and not record.signed_in

    board = await ledger.points_board(deps, wangjun, t2, 2026, 4, NOW)
    assert {key for key, _, _ in board.month_ranking} == T2_MEMBERS
    assert board.my_entries == () and (board.my_month, board.my_year) == (0, 0)

    report = await ledger.report_page(deps, wangjun, "t2", APRIL_REPORT, NOW)
    assert report.branch == "t2"
    [late] = report.publication_misses  # t2 published its 决议清单 of 04-09 late, on 04-14
    assert late.published_on is not None and late.published_on.isoformat() == "2026-04-14"

    snapshot = await ledger.ledger_download(deps, wangjun, "t2", cmds.ExportLedger("xlsx", 2026), NOW)
    assert {member.key for member in snapshot.members} == T2_MEMBERS
    assert {meeting.branch for meeting in snapshot.meetings} == {"t2"}

    public = await ledger.public_board(deps, wangjun, "t1", NOW)
    assert [task.id for task in public.finished] == [1]


async def test_a_party_committee_member_of_no_branch_acts_in_none(school: App) -> None:  # noqa: F811
    chat = await play_april(school)
    wangjun = await _actor(school, "wangjun")
    meeting = await _t2_committee_meeting(school)
    before = _state(await chat.export())
    t1, t2 = _branch_chat(school, "t1"), _branch_chat(school, "t2")
    # every form the pages could show, as a forged form would send it
    actions: list[tuple[cmds.Command, ChatContext]] = [
        (cmds.ClaimTask(2, None), t2),
        (cmds.CompleteTask(2, "已落实"), t2),
        (cmds.RateTask(1, Rating.SATISFIED), t1),  # 群众评价 too: the 党委 reads, it does not rate
        (cmds.Rsvp(meeting, RsvpAnswer.YES, None, ""), t2),
        (cmds.PublishDecisions(meeting), t2),
        (cmds.DecideLeave(meeting, cmds.MemberMention("qiansi"), True, ""), t2),
    ]
    for command, ctx in actions:
        reply, refusal = await school.conversation.perform(command, wangjun, ctx, NOW)
        assert isinstance(refusal, PermissionDenied), (command, reply.text)
        assert refusal.code == "school_member_acts_in_no_branch", (command, refusal.code)
        assert "党委委员" in reply.text
    assert _state(await chat.export()) == before
    # the chat refuses the same rating with the same sentence
    said = await chat.say("wangjun", "t1-branch", "/rate 1 满意", NOW)
    reply, _ = await school.conversation.perform(cmds.RateTask(1, Rating.SATISFIED), wangjun, t1, NOW)
    assert said == reply.text
    assert _state(await chat.export()) == before


async def test_a_party_committee_member_of_a_branch_reads_every_branch_and_acts_in_the_own_only(
    school: App,  # noqa: F811
) -> None:
    chat = await play_april(school)
    deps, liuyi = school.deps, await _actor(school, "liuyi")
    t1, t2 = _branch_chat(school, "t1"), _branch_chat(school, "t2")
    # reads t2 as the 党委 (nothing of his own there) and t1 as its secretary
    cards = await ledger.task_board(deps, liuyi, t2, ledger.TaskFilter(), NOW)
    assert [card.task.id for card in cards] == [2]
    assert (await ledger.points_board(deps, liuyi, t2, 2026, 4, NOW)).my_entries == ()
    assert (await ledger.points_board(deps, liuyi, t1, 2026, 4, NOW)).my_entries  # his sign-in's +2
    assert (await ledger.report_page(deps, liuyi, "t2", APRIL_REPORT, NOW)).branch == "t2"
    # acts in t2 in no way: he is told he is t1's member
    reply, refusal = await school.conversation.perform(cmds.CompleteTask(2, "已落实"), liuyi, t2, NOW)
    assert isinstance(refusal, PermissionDenied) and refusal.code == "member_of_another_branch"
    assert reply.text == await chat.say("liuyi", "t2-branch", "/done 2 已落实", NOW)
    reply, refusal = await school.conversation.perform(cmds.RateTask(2, Rating.SATISFIED), liuyi, t2, NOW)
    assert isinstance(refusal, PermissionDenied)
    # and acts in t1 as what he is there (its secretary rates t1's task of 刘四)
    reply, refusal = await school.conversation.perform(cmds.RateTask(1, Rating.SATISFIED), liuyi, t1, NOW)
    assert refusal is None, reply.text
    [task] = [t for t in (await chat.export())["tasks"] if t["id"] == 1]
    assert task["status"] == "rated"


async def test_a_branch_member_reads_only_the_own_branch(school: App) -> None:  # noqa: F811
    await play_april(school)
    deps, liusi = school.deps, await _actor(school, "liusi")
    t2 = _branch_chat(school, "t2")
    reads = [
        ledger.task_board(deps, liusi, t2, ledger.TaskFilter(), NOW),
        ledger.month_meetings(deps, liusi, t2, 2026, 4, NOW),
        ledger.points_board(deps, liusi, t2, 2026, 4, NOW),
        ledger.report_page(deps, liusi, "t2", APRIL_REPORT, NOW),
        ledger.ledger_download(deps, liusi, "t2", cmds.ExportLedger("xlsx", 2026), NOW),
        ledger.public_board(deps, liusi, "t2", NOW),
    ]
    for read in reads:
        with pytest.raises(PermissionDenied) as refused:
            await read
        assert refused.value.code == "read_own_branch_only" and refused.value.params["branch"] == "t1"
    # the own branch stays open to him
    own = await ledger.task_board(deps, liusi, _branch_chat(school, "t1"), ledger.TaskFilter(), NOW)
    assert [card.task.id for card in own] == [1]


async def test_one_who_left_the_party_committee_reads_no_other_branch_page(database_url: str) -> None:
    """王军 leaves the 党委 on 06-30 (test_school_history's dated seats): the pages follow the seat."""
    app = await _open(_config(left="2026-06-30"), database_url, "2026-06-01T08:00")
    try:
        wangjun, t2 = await _actor(app, "wangjun"), _branch_chat(app, "t2")
        june, july = local("2026-06-29T10:00"), local("2026-07-01T09:00")
        assert await ledger.task_board(app.deps, wangjun, t2, ledger.TaskFilter(), june) == []
        assert (await ledger.report_page(app.deps, wangjun, "t2", APRIL_REPORT, june)).branch == "t2"
        reads = [
            ledger.task_board(app.deps, wangjun, t2, ledger.TaskFilter(), july),
            ledger.month_meetings(app.deps, wangjun, t2, 2026, 7, july),
            ledger.report_page(app.deps, wangjun, "t2", APRIL_REPORT, july),
            ledger.ledger_download(app.deps, wangjun, "t2", cmds.ExportLedger("xlsx", 2026), july),
        ]
        for read in reads:
            with pytest.raises(PermissionDenied) as refused:
                await read
            assert refused.value.code == "school_role_required_read"
    finally:
        await app.close()
