"""The month-end 积分公示栏: what each chat is shown about a month, computed from the stored ledger.

One summary per chat kind: the branch chat sees the whole branch, a group chat its own group, the
committee chat the state of its 《支委会议事台账》. The definitions below are the contract the
tests count by hand; change them here and in the docstrings together.

Periods. The month is [first day 00:00, first day of next month 00:00) local time; "year to date"
(YTD) is [January 1 00:00, the month's end). `cutoff` = min(month end, now): a summary asked for before
the month is over (the scheduled post goes out at 18:00 on the last day) counts nothing that has not
happened yet.

Meetings, per (kind, unit), each for the month and YTD:
- held     = meetings (planned or ad hoc) starting in the period before `cutoff`, not cancelled;
- required = planned meetings (source=plan, i.e. the slot rules' own plan, DESIGN.md §2) starting in
  the period before `cutoff`, cancelled ones included, so a cancelled required meeting stays a gap
  unless an ad-hoc meeting of the same unit and kind makes up for it. (The plan keeps a slot moved
  for a holiday in its own month, so a slot's month and its meeting's month are the same.)
- a gap is a (kind, unit) whose month `held` is below its month `required`.

Tasks, as they stood at the month's end. A task counts for the group that claimed it, else for the
group its decision named, else (or for a group no longer configured) for the "unassigned" bucket:
- done    = finished (done or rated) with done_at inside the month;
- open    = created before the month's end and not finished by then (overdue ones included);
- overdue = open and due on or before the month's last day, i.e. Task.is_overdue(last day + 1).

公示: a meeting that started in the month and was closed or holds a decision must be published within 2 working
days of its local date (deadline = calendar.add_working_days(date, 2), the whole deadline day counts).
It is missed when published on a later local date, or still unpublished after the deadline day as of
`now`. A meeting whose deadline the working-day calendar cannot compute (a year it has no data for) is
listed apart, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sanhui_bot.domain.announcements import publish_deadline
from sanhui_bot.domain.compliance import MEETING_RULES, Compliance, Period, PeriodKind, compliance
from sanhui_bot.domain.errors import DomainError, UnknownCalendarYear
from sanhui_bot.domain.model import (
    Decision,
    Meeting,
    MeetingKind,
    MeetingSource,
    MeetingStatus,
    Member,
    Task,
    committee_unit,
    ledger_in_range,
)
from sanhui_bot.domain.organisation import Group
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.points import month_bounds

KIND_ORDER = (MeetingKind.CONGRESS, MeetingKind.COMMITTEE, MeetingKind.GROUP, MeetingKind.LESSON)


@dataclass(frozen=True, slots=True)
class RankedMember:
    """One line of the ranking: ties on the month's total share a rank (1, 1, 3)."""

    rank: int
    member: str  # member key
    month_total: int
    year_total: int  # January 1 to the month's end


@dataclass(frozen=True, slots=True)
class OverdueTask:
    id: int
    title: str
    owner: str
    due_on: date
    group: str | None  # the group it counts for; None: unassigned


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """A group's (or the unassigned bucket's) tasks at the month's end."""

    group: str | None  # group key; None: tasks no group claimed or was named for
    done: int
    open: int  # includes the overdue ones
    overdue_tasks: tuple[OverdueTask, ...]

    @property
    def overdue(self) -> int:
        return len(self.overdue_tasks)

    @property
    def empty(self) -> bool:
        return self.done == 0 and self.open == 0


@dataclass(frozen=True, slots=True)
class MeetingCount:
    """Held against required meetings of one kind in one unit, for the month and the year to date."""

    kind: MeetingKind
    unit: str
    held: int
    required: int
    held_ytd: int
    required_ytd: int

    @property
    def gap(self) -> bool:
        return self.held < self.required


@dataclass(frozen=True, slots=True)
class PublicationMiss:
    """A closed meeting of the month whose 决议清单 was not published within 2 working days."""

    meeting_id: int
    kind: MeetingKind
    unit: str
    held_on: date
    deadline: date
    published_on: date | None  # None: not published yet


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    """A committee meeting's 《支委会议事台账》: how many decisions it holds (3-5 expected)."""

    meeting_id: int
    held_on: date
    decisions: int

    @property
    def out_of_range(self) -> bool:
        return not ledger_in_range(self.decisions)


@dataclass(frozen=True, slots=True)
class BranchSummary:
    """The branch chat's 积分公示栏."""

    branch: str
    year: int
    month: int
    ranking: tuple[RankedMember, ...]
    tasks: tuple[TaskCounts, ...]  # each group in config order, then the unassigned bucket
    meetings: tuple[MeetingCount, ...]  # congress, committee, each group, lesson
    gaps: tuple[tuple[MeetingKind, str], ...]  # (kind, unit) short of the plan this month
    publication_misses: tuple[PublicationMiss, ...]
    publication_unknown: tuple[int, ...]  # closed meetings whose deadline the calendar cannot compute
    # In a quarter's last month: the quarterly meetings (congress, lesson) the quarter is short of.
    quarter_gaps: tuple[Compliance, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A group chat's 积分公示栏: its members, its tasks, its group meetings."""

    branch: str
    group: str
    year: int
    month: int
    ranking: tuple[RankedMember, ...]
    tasks: TaskCounts
    meetings: MeetingCount


@dataclass(frozen=True, slots=True)
class CommitteeSummary:
    """The committee chat's month: each meeting's ledger and the committee's overdue tasks."""

    branch: str
    year: int
    month: int
    ledgers: tuple[LedgerStatus, ...]  # committee meetings held in the month, by start
    overdue_tasks: tuple[OverdueTask, ...]  # tasks of committee decisions overdue at the month's end
    meetings: MeetingCount


Summary = BranchSummary | GroupSummary | CommitteeSummary


@dataclass(frozen=True, slots=True)
class _Period:
    start: datetime  # the month's start
    end: datetime  # the month's end (exclusive)
    year_start: datetime
    cutoff: datetime  # min(end, now): nothing after it has happened yet

    @property
    def next_day(self) -> date:
        """The first day after the month: "overdue at month end" is is_overdue(next_day)."""
        return self.end.date()


async def month_summary(
    deps: Deps, chat: str, year: int, month: int, now: datetime
) -> BranchSummary | GroupSummary | CommitteeSummary:
    """The month's 积分公示栏 for a chat: branch, group or committee, by what the chat is bound to."""
    ctx = deps.org.chat_context(chat)
    if ctx is None:
        raise DomainError("chat_not_configured", chat_id=chat)
    if not 1 <= month <= 12:
        raise DomainError("bad_month", month=month)
    branch = deps.org.branch(ctx.branch)
    groups = list(branch.groups) if branch is not None else []
    start, end = month_bounds(deps, year, month)
    period = _Period(start, end, month_bounds(deps, year, 1)[0], min(end, now))
    units = [ctx.branch, committee_unit(ctx.branch), *(group.key for group in groups)]
    # One unit of work for every read: SQLite transactions are BEGIN IMMEDIATE, so a second one opened
    # inside would wait for this one forever.
    async with deps.uow() as uow:
        # The roster of the month's last day (or today, mid-month): later changes leave it as it was.
        last_day = deps.local_date(min(end - timedelta(seconds=1), now))
        members = await deps.roster.on(uow, ctx.branch, last_day)
        # Only this branch's entries: reading every school's ledger per chat made a district's
        # month-end quadratic (1,000 chats × 60,000 entries, bench/month_end.py).
        entries = await uow.points.entries(since=period.year_start, until=end, branch=ctx.branch)
        tasks = await uow.tasks.list(ctx.branch)
        meetings = await uow.meetings.between(units, period.year_start, end, include_cancelled=True)
        decisions = await uow.tasks.decisions(ctx.branch) if ctx.kind != "group" else []

    if ctx.kind == "group":
        group_members = [m for m in members if m.group == ctx.unit]
        return GroupSummary(
            branch=ctx.branch,
            group=ctx.unit,
            year=year,
            month=month,
            ranking=_ranking(group_members, entries, period),
            tasks=_task_counts(ctx.unit, _tasks_by_group(tasks, groups).get(ctx.unit, []), period),
            meetings=_count(meetings, MeetingKind.GROUP, ctx.unit, period),
        )
    if ctx.kind == "committee":
        return _committee_summary(ctx.branch, year, month, tasks, meetings, decisions, period)
    counts = tuple(_count(meetings, kind, unit, period) for kind, unit in _meeting_units(ctx.branch, groups))
    by_group = _tasks_by_group(tasks, groups)
    with_decisions = {d.meeting_id for d in decisions if d.meeting_id is not None}
    misses, unknown = publication_misses(deps, meetings, with_decisions, period.start, period.end, now)
    return BranchSummary(
        branch=ctx.branch,
        year=year,
        month=month,
        ranking=_ranking(members, entries, period),
        tasks=tuple(
            _task_counts(key, by_group.get(key, []), period) for key in [*(g.key for g in groups), None]
        ),
        meetings=counts,
        gaps=tuple((count.kind, count.unit) for count in counts if count.gap),
        publication_misses=misses,
        publication_unknown=unknown,
        quarter_gaps=_quarter_gaps(deps, ctx.branch, meetings, year, month, period),
    )


def _quarter_gaps(
    deps: Deps, branch: str, meetings: Sequence[Meeting], year: int, month: int, period: _Period
) -> tuple[Compliance, ...]:
    """At a quarter's last month: each quarterly kind held fewer times than the quarter requires.

    By domain.compliance: at least one 支部党员大会 and one 党课 a quarter, or every planned slot if more.
    """
    if month % 3:
        return ()
    quarter = Period(year, PeriodKind.QUARTER, month // 3)
    quarterly = [kind for kind in KIND_ORDER if MEETING_RULES[kind].per is PeriodKind.QUARTER]
    return tuple(
        count
        for kind in quarterly
        for count in compliance(meetings, kind, branch, quarter, deps.tz, period.cutoff)
        if count.gap
    )


def _ranking(
    members: Sequence[Member], entries: Iterable[PointEntry], period: _Period
) -> tuple[RankedMember, ...]:
    month_totals = {member.key: 0 for member in members}
    year_totals = dict(month_totals)
    for entry in entries:
        if entry.member not in year_totals:
            continue  # someone off this ranking (another group, or no longer on the roster)
        year_totals[entry.member] += entry.delta
        if entry.occurred_at >= period.start:
            month_totals[entry.member] += entry.delta
    order = sorted(month_totals, key=lambda key: (-month_totals[key], -year_totals[key], key))
    # Competition ranking on the month's total, as /points gives it: the YTD only orders the tie.
    return tuple(
        RankedMember(
            rank=1 + sum(1 for value in month_totals.values() if value > month_totals[key]),
            member=key,
            month_total=month_totals[key],
            year_total=year_totals[key],
        )
        for key in order
    )


def _counted_group(task: Task, groups: Sequence[Group]) -> str | None:
    group = task.claimed_by_group or task.group
    return group if any(g.key == group for g in groups) else None


def _tasks_by_group(tasks: Iterable[Task], groups: Sequence[Group]) -> dict[str | None, list[Task]]:
    by_group: dict[str | None, list[Task]] = {}
    for task in tasks:
        by_group.setdefault(_counted_group(task, groups), []).append(task)
    return by_group


def _finished_by(task: Task, moment: datetime) -> bool:
    return task.finished and task.done_at is not None and task.done_at < moment


def _open_at_end(task: Task, period: _Period) -> bool:
    # The state at the month's end, so a summary computed later still tells the month as it was.
    return task.created_at < period.end and not _finished_by(task, period.end)


def _overdue_at_end(task: Task, period: _Period) -> bool:
    return _open_at_end(task, period) and period.next_day > task.due_on


def _overdue(task: Task, group: str | None) -> OverdueTask:
    return OverdueTask(task.id or 0, task.title, task.owner, task.due_on, group)


def _task_counts(group: str | None, tasks: Sequence[Task], period: _Period) -> TaskCounts:
    return TaskCounts(
        group=group,
        done=sum(
            1
            for task in tasks
            if task.finished and task.done_at is not None and period.start <= task.done_at < period.end
        ),
        open=sum(1 for task in tasks if _open_at_end(task, period)),
        overdue_tasks=tuple(_overdue(task, group) for task in tasks if _overdue_at_end(task, period)),
    )


def _meeting_units(branch: str, groups: Sequence[Group]) -> list[tuple[MeetingKind, str]]:
    pairs: list[tuple[MeetingKind, str]] = []
    for kind in KIND_ORDER:
        if kind is MeetingKind.GROUP:
            pairs.extend((kind, group.key) for group in groups)
        elif kind is MeetingKind.COMMITTEE:
            pairs.append((kind, committee_unit(branch)))
        else:
            pairs.append((kind, branch))
    return pairs


def _count(meetings: Iterable[Meeting], kind: MeetingKind, unit: str, period: _Period) -> MeetingCount:
    # Only meetings that should have happened by the cut-off count, so a summary asked for mid-month
    # does not call next week's meeting a gap.
    due = [m for m in meetings if m.kind is kind and m.unit == unit and m.starts_at < period.cutoff]
    month = [m for m in due if m.starts_at >= period.start]

    def held(items: list[Meeting]) -> int:
        return sum(1 for m in items if m.status is not MeetingStatus.CANCELLED)

    def required(items: list[Meeting]) -> int:
        return sum(1 for m in items if m.source is MeetingSource.PLAN)

    return MeetingCount(kind, unit, held(month), required(month), held(due), required(due))


def publication_misses(
    deps: Deps,
    meetings: Iterable[Meeting],
    with_decisions: set[int],
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[tuple[PublicationMiss, ...], tuple[int, ...]]:
    """Meetings held in [start, end) whose 决议清单 missed the 2-working-day 公示 deadline, and those
    whose deadline the calendar cannot tell. A meeting owes a 决议清单 once closed or once it holds a
    decision (a meeting with decisions that is never closed has not published them either)."""
    misses: list[PublicationMiss] = []
    unknown: list[int] = []
    today = deps.local_date(now)
    for meeting in meetings:
        owes = meeting.closed_at is not None or meeting.id in with_decisions
        if not owes or meeting.status is MeetingStatus.CANCELLED or not start <= meeting.starts_at < end:
            continue
        held_on = deps.local_date(meeting.starts_at)
        try:
            deadline = publish_deadline(deps.calendar, held_on)
        except UnknownCalendarYear:
            unknown.append(meeting.id or 0)  # DESIGN §2: never a silent guess
            continue
        published_on = deps.local_date(meeting.published_at) if meeting.published_at else None
        late = published_on > deadline if published_on is not None else today > deadline
        if late:
            misses.append(
                PublicationMiss(meeting.id or 0, meeting.kind, meeting.unit, held_on, deadline, published_on)
            )
    return tuple(misses), tuple(unknown)


def _committee_summary(
    branch: str,
    year: int,
    month: int,
    tasks: Sequence[Task],
    meetings: Sequence[Meeting],
    decisions: Sequence[Decision],
    period: _Period,
) -> CommitteeSummary:
    unit = committee_unit(branch)
    held = [
        m
        for m in meetings
        if m.kind is MeetingKind.COMMITTEE
        and m.unit == unit
        and m.status is not MeetingStatus.CANCELLED
        and period.start <= m.starts_at < period.cutoff
    ]
    ledgers = tuple(
        LedgerStatus(
            meeting_id=m.id or 0,
            held_on=to_zone(m.starts_at, period.start.tzinfo).date(),
            decisions=sum(1 for d in decisions if d.meeting_id == m.id),
        )
        for m in held
    )
    overdue = tuple(
        _overdue(task, task.claimed_by_group or task.group)
        for task in tasks
        if task.unit == unit and task.decision_id is not None and _overdue_at_end(task, period)
    )
    return CommitteeSummary(
        branch=branch,
        year=year,
        month=month,
        ledgers=ledgers,
        overdue_tasks=overdue,
        meetings=_count(meetings, MeetingKind.COMMITTEE, unit, period),
    )
