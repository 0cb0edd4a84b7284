"""The 台账 read as pages: a month's meetings, the task board, the points table, my page, the 公示.

Read-only use cases for the web view. Each checks the same permission as the chat command that
shows the same thing (`/meetings`, `/tasks`, `/points` need a roster member; 会议纪要 names need
`/minutes`'s right), and counts by the same rules (`domain/`, `services/reports.py`).

A 党委 member reads every branch's pages as `/tasks t2`, `/report t2` … read it privately
(`domain.permissions.require_branch_reader`): with no member of their own there, the pages hold
nothing of theirs and offer no act; a member of another branch is refused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sanhui_bot.commands.model import ExportLedger, ShowReport
from sanhui_bot.domain.attendance import recording_closes_at
from sanhui_bot.domain.counting import competition_rank
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import (
    Actor,
    AgendaItem,
    ChatContext,
    Decision,
    LeaveState,
    Meeting,
    MeetingStatus,
    Member,
    Rating,
    Rsvp,
    RsvpAnswer,
    Task,
)
from sanhui_bot.domain.permissions import (
    Action,
    acting_in,
    may_approve_leave,
    may_read_minutes,
    require,
    require_branch_reader,
    require_branch_visitor,
)
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.services import reports
from sanhui_bot.services.deps import Deps, require_chat
from sanhui_bot.services.export import LedgerSnapshot, ledger_snapshot
from sanhui_bot.services.leave import pending_requests
from sanhui_bot.services.meetings import Tally, tally
from sanhui_bot.services.points import month_bounds
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.roster import school_seated

PUBLIC_MONTHS = 12  # how far back the public 公示 page reaches


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """One meeting as the meetings page shows it."""

    meeting: Meeting
    agenda: tuple[AgendaItem, ...]
    decisions: tuple[tuple[Decision, Task], ...]
    tally: Tally | None  # RSVP answers, for a meeting not yet over
    my_answer: RsvpAnswer  # the viewer's answer; UNKNOWN when none or not expected
    expected_me: bool  # the viewer is expected at it
    signed_in: bool  # the viewer signed in
    minutes: reports.Minutes | None  # 应到/实到/请假/缺席 by name: only for who may read the minutes
    # leave requests waiting for the viewer's approval (issue 18): only an approver of the meeting sees them
    pending_leave: tuple[Rsvp, ...] = ()
    # Where the viewer's own leave request stands: 待批 or 不批准 is not 请假 (DESIGN §2)
    my_leave: LeaveState | None = None


@dataclass(frozen=True, slots=True)
class MonthOfMeetings:
    year: int
    month: int
    meetings: tuple[MeetingRecord, ...]


async def month_meetings(
    deps: Deps, actor: Actor, ctx: ChatContext | None, year: int, month: int, now: datetime
) -> MonthOfMeetings:
    """The branch's meetings starting in one local month, cancelled ones included."""
    chat = require_chat(ctx)
    member = require_branch_reader(
        actor, chat.branch, Action.VIEW, deps.org, await school_seated(deps, actor, now)
    )  # None: a 党委 reader
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise DomainError("bad_month", month=month)
    start, end = month_bounds(deps, year, month)
    pages = []
    async with deps.uow() as uow:
        found = await uow.meetings.between(None, start, end, include_cancelled=True)
        meetings = [m for m in found if m.branch == chat.branch]
        known = await reports.branch_records(uow, chat.branch, [m.id or 0 for m in meetings])
        days = {deps.local_date(m.starts_at) for m in meetings}
        rosters = await deps.roster.on_days(uow, [(chat.branch, day) for day in days])
        known = replace(known, rosters={day: roster for (_, day), roster in rosters.items()})
        for meeting in meetings:
            number = meeting.id or 0
            me = member.key if member is not None else None
            mine = next((r for r in known.rsvps.get(number, []) if r.member == me), None)
            signed_in = any(s.member == me for s in known.signins.get(number, []))
            over = not meeting.called_off and meeting.ends_at <= now
            minutes = None
            if over and member is not None and may_read_minutes(member, meeting):
                minutes = await reports.minutes_of(uow, deps, meeting, now, known)
            pages.append(
                MeetingRecord(
                    meeting,
                    minutes.agenda if minutes is not None else tuple(known.agendas.get(number, [])),
                    tuple(
                        (d, known.tasks[d.id])
                        for d in known.decisions
                        if d.meeting_id == number and d.id in known.tasks
                    ),
                    None if over else await tally(uow, deps, meeting),
                    mine.answer if mine is not None else RsvpAnswer.UNKNOWN,
                    expected_me=member is not None and meeting.unit in member.units(),
                    signed_in=signed_in,
                    minutes=minutes,
                    pending_leave=await _awaiting(uow, deps, member, meeting, now) if member else (),
                    my_leave=mine.leave_state if mine is not None else None,
                )
            )
    return MonthOfMeetings(year, month, tuple(pages))


async def _awaiting(
    uow: UnitOfWork, deps: Deps, member: Member, meeting: Meeting, now: datetime
) -> tuple[Rsvp, ...]:
    """The leave requests of the meeting the member may decide now (not the member's own)."""
    if meeting.called_off or not may_approve_leave(member, meeting):
        return ()
    if now > recording_closes_at(meeting, deps.attendance_correction_days):
        return ()
    return tuple(r for r in await pending_requests(uow, deps, meeting) if r.member != member.key)


@dataclass(frozen=True, slots=True)
class TaskStep:
    """One dated line of a task's history."""

    at: datetime
    step: str  # decided | claimed | done | rated
    by: str  # member key, or platform:user for a rating from off the roster
    detail: str = ""  # the group claimed for, the done note, the rating


@dataclass(frozen=True, slots=True)
class TaskCard:
    task: Task
    overdue: bool
    ratings: Counter[Rating]
    history: tuple[TaskStep, ...]


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """The board's filters: a group (claimed or named), an owner, only overdue ones."""

    group: str | None = None
    owner: str | None = None
    overdue: bool = False


async def task_board(
    deps: Deps, actor: Actor, ctx: ChatContext | None, filters: TaskFilter, now: datetime
) -> list[TaskCard]:
    """Every task of the branch, each with its history, as `/tasks` sees them (a roster member, or a
    党委 member reading the branch)."""
    chat = require_chat(ctx)
    require_branch_reader(actor, chat.branch, Action.VIEW, deps.org, await school_seated(deps, actor, now))
    today = deps.local_date(now)
    async with deps.uow() as uow:
        tasks = await uow.tasks.list(chat.branch)
        decisions = {d.id: d for d in await uow.tasks.decisions(chat.branch)}
        # Only this branch's tasks' ratings: the board never reads another branch's rows.
        ratings = await uow.tasks.ratings(of=[t.id for t in tasks if t.id is not None])
    if filters.group:
        tasks = [t for t in tasks if filters.group in (t.group, t.claimed_by_group)]
    if filters.owner:
        tasks = [t for t in tasks if filters.owner in (t.owner, t.lead)]
    if filters.overdue:
        tasks = [t for t in tasks if t.is_overdue(today)]
    by_task: dict[int, list[TaskStep]] = {}
    counts: dict[int, Counter[Rating]] = {}
    for rating in ratings:
        by_task.setdefault(rating.task_id, []).append(
            TaskStep(rating.rated_at, "rated", rating.rater, rating.rating.value)
        )
        counts.setdefault(rating.task_id, Counter())[rating.rating] += 1
    cards = []
    for task in tasks:
        steps = []
        decision = decisions.get(task.decision_id)
        if decision is not None:
            steps.append(TaskStep(decision.recorded_at, "decided", decision.recorded_by))
        if task.claimed_at is not None:
            steps.append(
                TaskStep(task.claimed_at, "claimed", task.claimed_by or "", task.claimed_by_group or "")
            )
        if task.done_at is not None:
            steps.append(TaskStep(task.done_at, "done", task.owner, task.done_note))
        steps.extend(sorted(by_task.get(task.id or 0, []), key=lambda step: step.at))
        cards.append(
            TaskCard(task, task.is_overdue(today), counts.get(task.id or 0, Counter()), tuple(steps))
        )
    return cards


@dataclass(frozen=True, slots=True)
class PointsBoard:
    year: int
    month: int
    # (member key, total, place), best first; place None: no entry in the period, so no place
    month_ranking: tuple[tuple[str, int, int | None], ...]
    year_ranking: tuple[tuple[str, int, int | None], ...]
    my_entries: tuple[PointEntry, ...]  # the viewer's entries of the month, with reason and source
    my_month: int
    my_year: int


def _ranking(members: list[Member], totals: dict[str, int]) -> tuple[tuple[str, int, int | None], ...]:
    """Every active member with the total, best first: placed by the one rule of the 积分公示栏 and
    /points (domain.counting): only members with entries, equal totals sharing a place; the members
    without entries follow at 0 with no place."""
    keys = [m.key for m in members]
    with_entries = {key: totals[key] for key in keys if key in totals}
    ranked = sorted(with_entries.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        (key, total, competition_rank(total, with_entries.values())) for key, total in ranked
    ) + tuple((key, 0, None) for key in sorted(keys) if key not in with_entries)


async def points_board(
    deps: Deps, actor: Actor, ctx: ChatContext | None, year: int, month: int, now: datetime
) -> PointsBoard:
    """The month's and the year's ranking of the branch (as the 积分公示栏), and the viewer's entries
    (none for a 党委 member reading another branch)."""
    chat = require_chat(ctx)
    member = require_branch_reader(
        actor, chat.branch, Action.VIEW, deps.org, await school_seated(deps, actor, now)
    )
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise DomainError("bad_month", month=month)
    start, end = month_bounds(deps, year, month)
    year_start, year_end = month_bounds(deps, year, 1)[0], month_bounds(deps, year, 12)[1]
    async with deps.uow() as uow:
        month_totals = await uow.points.totals(start, end, chat.branch)
        year_totals = await uow.points.totals(year_start, year_end, chat.branch)
        mine = tuple(await uow.points.entries(member.key, since=start, until=end)) if member else ()
        members = list(await deps.roster.branch(uow, chat.branch))
    me = member.key if member is not None else ""
    return PointsBoard(
        year,
        month,
        _ranking(members, month_totals),
        _ranking(members, year_totals),
        mine,
        my_month=month_totals.get(me, 0),
        my_year=year_totals.get(me, 0),
    )


@dataclass(frozen=True, slots=True)
class MyPage:
    member: Member
    # my coming meetings: my answer, signed in, where my leave request stands (None: not 请假)
    meetings: tuple[tuple[Meeting, RsvpAnswer, bool, LeaveState | None], ...]
    tasks: tuple[TaskCard, ...]  # tasks I own or lead, unfinished first
    points: PointsBoard


async def my_page(deps: Deps, actor: Actor, ctx: ChatContext | None, now: datetime) -> MyPage:
    """A member's own meetings (from three hours ago to 45 days ahead), answers, tasks and points."""
    chat = require_chat(ctx)
    member = require(acting_in(actor, chat), Action.VIEW)  # the own branch's page only
    async with deps.uow() as uow:
        coming = await uow.meetings.between(
            sorted(member.units()), now - timedelta(hours=3), now + timedelta(days=45)
        )
        meetings = []
        for meeting in coming:
            if meeting.branch != chat.branch:
                continue
            mine = await uow.attendance.rsvp(meeting.id or 0, member.key)
            signed = await uow.attendance.signed_in(meeting.id or 0, member.key)
            answer = mine.answer if mine else RsvpAnswer.UNKNOWN
            meetings.append((meeting, answer, signed, mine.leave_state if mine else None))
    cards = await task_board(deps, actor, ctx, TaskFilter(owner=member.key), now)
    cards.sort(key=lambda card: (card.task.finished, card.task.due_on))
    today = deps.local_date(now)
    points = await points_board(deps, actor, ctx, today.year, today.month, now)
    return MyPage(member, tuple(meetings), tuple(cards), points)


@dataclass(frozen=True, slots=True)
class PublicBoard:
    """What anyone in the chat sees (群众): published 决议清单 and finished tasks to rate."""

    published: tuple[tuple[Meeting, tuple[tuple[Decision, Task], ...]], ...]
    finished: tuple[Task, ...]


async def public_board(deps: Deps, actor: Actor, branch: str, now: datetime) -> PublicBoard:
    """The branch's 公示 of the last twelve months and its finished tasks: for anyone in its chats (no
    role needed) and the 党委; a member of another branch is refused."""
    require_branch_visitor(actor, branch, deps.org, await school_seated(deps, actor, now))
    since = now - timedelta(days=31 * PUBLIC_MONTHS)
    async with deps.uow() as uow:
        found = await uow.meetings.between(None, since, now)
        published = [m for m in found if m.branch == branch and m.status is MeetingStatus.PUBLISHED]
        decisions = await uow.tasks.decisions(branch)
        tasks = await uow.tasks.list(branch)
    by_decision = {t.decision_id: t for t in tasks}
    return PublicBoard(
        tuple(
            (
                m,
                tuple(
                    (d, by_decision[d.id]) for d in decisions if d.meeting_id == m.id and d.id in by_decision
                ),
            )
            for m in reversed(published)
        ),
        tuple(t for t in tasks if t.finished),
    )


async def report_page(
    deps: Deps, actor: Actor, branch: str, cmd: ShowReport, now: datetime
) -> reports.Report:
    """The branch's report on its page: for its committee (as `/report`) and for the 党委 (as `/report t2`)."""
    require_branch_reader(actor, branch, Action.VIEW_REPORT, deps.org, await school_seated(deps, actor, now))
    return await reports.report_for(deps, branch, cmd, now)


async def ledger_download(
    deps: Deps, actor: Actor, branch: str, cmd: ExportLedger, now: datetime
) -> LedgerSnapshot:
    """The branch's 台账 files on its page: for its secretaries (as `/export`) and the 党委 (`/export t2`)."""
    require_branch_reader(actor, branch, Action.EXPORT, deps.org, await school_seated(deps, actor, now))
    return await ledger_snapshot(deps, cmd.year or deps.local_date(now).year, now, branch)
