"""The month-end 积分公示栏: what each chat is shown about a month, computed from the stored ledger.

One summary per chat kind: the branch chat sees the whole branch, a group chat its own group, the
committee chat the state of its 《支委会议事台账》. The definitions below are the contract the
tests count by hand; change them here and in the docstrings together.

Periods. The month is [first day 00:00, first day of next month 00:00) local time; "year to date"
(YTD) is [January 1 00:00, the month's end). `cutoff` = min(month end, now): a summary asked for before
the month is over (the scheduled post goes out at 18:00 on the last day) counts nothing that has not
happened yet.

Every rule is taken from the domain, shared with `/report` (services/reports.py):
- meetings held/required per (kind, unit), for the month and the year to date: domain.compliance;
- tasks (done / open / overdue, per counted group), the ranking and 公示 missed: domain.counting.
  Tasks are counted as they stood at the cut-off; a task is overdue from the day after its due date,
  so on the last day's board a task due that day is still on time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sanhui_bot.domain.attendance import as_counted, unrecorded_meetings
from sanhui_bot.domain.compliance import MEETING_RULES, Compliance, Period, PeriodKind, compliance
from sanhui_bot.domain.counting import (
    DEFAULT_LEDGER_RANGE,
    LedgerRange,
    OverdueTask,
    PublicationMiss,
    RankedMember,
    TaskCounts,
    counted_day,
    overdue_as_of,
    overdue_entry,
    publication_misses,
    ranking_of_totals,
    task_counts,
    tasks_by_group,
    unknown_calendar_years,
)
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import (
    Decision,
    Meeting,
    MeetingKind,
    Member,
    Task,
    committee_unit,
)
from sanhui_bot.domain.organisation import Group
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.services.deps import Deps, records_since
from sanhui_bot.services.points import month_bounds

KIND_ORDER = (MeetingKind.CONGRESS, MeetingKind.COMMITTEE, MeetingKind.GROUP, MeetingKind.LESSON)

__all__ = [
    "BranchSummary",
    "CommitteeSummary",
    "GroupSummary",
    "LedgerStatus",
    "MeetingCount",
    "OverdueTask",
    "PublicationMiss",
    "RankedMember",
    "Summary",
    "TaskCounts",
    "month_summaries",
    "month_summary",
]


@dataclass(frozen=True, slots=True)
class MeetingCount:
    """Held against required meetings of one kind in one unit, for the month and the year to date."""

    kind: MeetingKind
    unit: str
    held: int
    required: int
    held_ytd: int
    required_ytd: int
    # The month's meetings that ended with no sign-in and no attendance record: not counted as held,
    # and the board says so beside them (出席未记录) rather than showing a bare shortfall.
    unrecorded: int = 0

    @property
    def gap(self) -> bool:
        return self.held < self.required


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    """A committee meeting's 《支委会议事台账》: how many decisions it holds (3-5 expected)."""

    meeting_id: int
    held_on: date
    decisions: int
    expected: LedgerRange = DEFAULT_LEDGER_RANGE

    @property
    def out_of_range(self) -> bool:
        return not self.expected.holds(self.decisions)


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
    calendar_unknown: tuple[int, ...] = ()  # the month's year, when the working-day calendar lacks it


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
    day: date  # the local day the month is counted as of (domain.counting.counted_day)
    month: Period
    tz: tzinfo


async def month_summary(
    deps: Deps, chat: str, year: int, month: int, now: datetime
) -> BranchSummary | GroupSummary | CommitteeSummary:
    """The month's 积分公示栏 for a chat: branch, group or committee, by what the chat is bound to."""
    return (await month_summaries(deps, [chat], year, month, now))[chat]


@dataclass(frozen=True, slots=True)
class _BranchMonth:
    """What every summary of one branch's month is computed from, read once for all its chats."""

    members: Sequence[Member]  # the roster of the day counted
    totals: dict[str, tuple[int, int | None]]  # member key → (year to date, month; None: no entry)
    tasks: list[Task]
    meetings: list[Meeting]  # the year to date's, as counted (unrecorded ones 未召开)
    decisions: list[Decision]  # those of the year to date's meetings
    counts: dict[tuple[MeetingKind, str], MeetingCount] = field(default_factory=dict)

    def count(
        self, kind: MeetingKind, unit: str, period: _Period, unrecorded: Collection[int]
    ) -> MeetingCount:
        """`_count` of the unit's meetings, once per unit (the branch's and a group's board share it)."""
        found = self.counts.get((kind, unit))
        if found is None:
            mine = [m for m in self.meetings if m.kind is kind and m.unit == unit]
            found = self.counts[(kind, unit)] = _count(mine, kind, unit, period, unrecorded)
        return found


async def month_summaries(
    deps: Deps, chats: Sequence[str], year: int, month: int, now: datetime
) -> dict[str, BranchSummary | GroupSummary | CommitteeSummary]:
    """The month's 积分公示栏 of each chat (as `month_summary` gives it), from one read for them all.

    The month-end of a district asks for a thousand chats: each branch's month is read and counted
    once for its branch, committee and group chats, and the reads are set-based over the month's
    window for every branch at once, so the number of statements does not grow with the branches.
    """
    contexts = {}
    for chat in chats:
        ctx = deps.org.chat_context(chat)
        if ctx is None:
            raise DomainError("chat_not_configured", chat_id=chat)
        contexts[chat] = ctx
    if not 1 <= month <= 12:
        raise DomainError("bad_month", month=month)
    start, end = month_bounds(deps, year, month)
    cutoff = min(end, now)
    period = _Period(
        start,
        end,
        month_bounds(deps, year, 1)[0],
        cutoff,
        counted_day(end, cutoff, deps.tz),
        Period(year, PeriodKind.MONTH, month),
        deps.tz,
    )
    branches = sorted({ctx.branch for ctx in contexts.values()})
    groups = {key: _groups(deps, key) for key in branches}
    units = {key: [key, committee_unit(key), *(group.key for group in groups[key])] for key in branches}
    every_unit = [unit for key in branches for unit in units[key]]
    # One unit of work for every read: SQLite transactions are BEGIN IMMEDIATE, so a second one opened
    # inside would wait for this one forever.
    async with deps.uow() as uow:
        # The roster of the month's last day (or today, mid-month): later changes leave it as it was.
        rosters = await deps.roster.on_many(uow, branches, period.day)
        # Only these branches' entries, summed in the database: a district's month holds 60,000.
        totals = await uow.points.member_totals(period.year_start, period.start, end, branches)
        # Tasks done before the month count nowhere (domain.counting.task_counts).
        tasks = await uow.tasks.list(branches=branches, unfinished_at=period.start)
        meetings = await uow.meetings.between(every_unit, period.year_start, end, include_cancelled=True)
        decisions = await uow.tasks.decisions_between(every_unit, period.year_start, end)
        recorded = await uow.attendance.recorded_between(every_unit, period.year_start, end)
        since = await records_since(uow)
    # A meeting that ended with nothing recorded is not held until someone records it (issue 12).
    unrecorded = unrecorded_meetings(meetings, recorded, cutoff, since)
    meetings = as_counted(meetings, recorded, cutoff, since)
    branch_of_unit = {unit: key for key in branches for unit in units[key]}
    months = {key: _BranchMonth(rosters[key], totals, [], [], []) for key in branches}
    for task in tasks:
        months[task.branch].tasks.append(task)
    for meeting in meetings:
        if meeting.unit in branch_of_unit:
            months[branch_of_unit[meeting.unit]].meetings.append(meeting)
    for decision in decisions:
        if decision.branch in months:
            months[decision.branch].decisions.append(decision)
    found: dict[str, BranchSummary | GroupSummary | CommitteeSummary] = {}
    branch_summaries: dict[str, BranchSummary] = {}  # several chats may show the same branch
    for chat, ctx in contexts.items():
        data = months[ctx.branch]
        group_keys = [group.key for group in groups[ctx.branch]]
        if ctx.kind == "group":
            found[chat] = GroupSummary(
                branch=ctx.branch,
                group=ctx.unit,
                year=year,
                month=month,
                ranking=ranking_of_totals([m for m in data.members if m.group == ctx.unit], data.totals),
                tasks=_task_counts(
                    ctx.unit, tasks_by_group(data.tasks, group_keys).get(ctx.unit, []), period
                ),
                meetings=data.count(MeetingKind.GROUP, ctx.unit, period, unrecorded),
            )
        elif ctx.kind == "committee":
            found[chat] = _committee_summary(
                ctx.branch,
                year,
                month,
                data.tasks,
                data.meetings,
                data.decisions,
                period,
                deps.ledger_range,
                data.count(MeetingKind.COMMITTEE, committee_unit(ctx.branch), period, unrecorded),
            )
        else:
            if ctx.branch not in branch_summaries:
                branch_summaries[ctx.branch] = _branch_summary(
                    deps, ctx.branch, groups[ctx.branch], data, period, now, unrecorded
                )
            found[chat] = branch_summaries[ctx.branch]
    return found


def _groups(deps: Deps, branch_key: str) -> list[Group]:
    branch = deps.org.branch(branch_key)
    return list(branch.groups) if branch is not None else []


def _branch_summary(
    deps: Deps,
    branch: str,
    groups: Sequence[Group],
    data: _BranchMonth,
    period: _Period,
    now: datetime,
    unrecorded: Collection[int],
) -> BranchSummary:
    group_keys = [group.key for group in groups]
    counts = tuple(
        data.count(kind, unit, period, unrecorded) for kind, unit in _meeting_units(branch, groups)
    )
    by_group = tasks_by_group(data.tasks, group_keys)
    with_decisions = {d.meeting_id for d in data.decisions if d.meeting_id is not None}
    misses, unknown = publication_misses(
        data.meetings, with_decisions, period.start, period.end, now, deps.calendar, deps.tz
    )
    year, month = period.month.year, period.month.number
    return BranchSummary(
        branch=branch,
        year=year,
        month=month,
        ranking=ranking_of_totals(data.members, data.totals),
        tasks=tuple(_task_counts(key, by_group.get(key, []), period) for key in [*group_keys, None]),
        meetings=counts,
        gaps=tuple((count.kind, count.unit) for count in counts if count.gap),
        publication_misses=misses,
        publication_unknown=unknown,
        quarter_gaps=_quarter_gaps(deps, branch, data.meetings, year, month, period),
        calendar_unknown=unknown_calendar_years(deps.calendar, period.start.date(), period.day),
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


def _task_counts(group: str | None, tasks: Sequence[Task], period: _Period) -> TaskCounts:
    return task_counts(group, tasks, period.start, period.cutoff, period.day)


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


def _count(
    meetings: Iterable[Meeting],
    kind: MeetingKind,
    unit: str,
    period: _Period,
    unrecorded: Collection[int] = frozenset(),
) -> MeetingCount:
    """The month's and the year-to-date's held/required, by the one rule of domain.compliance, and
    how many of the month's meetings are only short for want of an attendance record."""
    meetings = list(meetings)
    left_unrecorded = sum(
        1
        for m in meetings
        if m.id in unrecorded
        and m.kind is kind
        and m.unit == unit
        and period.start <= m.starts_at < period.end
    )
    month = compliance(meetings, kind, unit, period.month, period.tz, period.cutoff)
    year = compliance(
        meetings, kind, unit, Period(period.month.year, PeriodKind.YEAR), period.tz, period.cutoff
    )
    return MeetingCount(
        kind,
        unit,
        sum(c.held for c in month),
        sum(c.required for c in month),
        sum(c.held for c in year),
        sum(c.required for c in year),
        left_unrecorded,
    )


def _committee_summary(
    branch: str,
    year: int,
    month: int,
    tasks: Sequence[Task],
    meetings: Sequence[Meeting],
    decisions: Sequence[Decision],
    period: _Period,
    ledger_range: LedgerRange,
    meeting_count: MeetingCount,
) -> CommitteeSummary:
    unit = committee_unit(branch)
    held = [
        m
        for m in meetings
        if m.kind is MeetingKind.COMMITTEE
        and m.unit == unit
        and not m.called_off
        and period.start <= m.starts_at < period.cutoff
    ]
    ledgers = tuple(
        LedgerStatus(
            meeting_id=m.id or 0,
            held_on=to_zone(m.starts_at, period.start.tzinfo).date(),
            decisions=sum(1 for d in decisions if d.meeting_id == m.id),
            expected=ledger_range,
        )
        for m in held
    )
    overdue = tuple(
        overdue_entry(task, task.claimed_by_group or task.group)
        for task in tasks
        if task.unit == unit
        and task.decision_id is not None
        and overdue_as_of(task, period.cutoff, period.day)
    )
    return CommitteeSummary(
        branch=branch,
        year=year,
        month=month,
        ledgers=ledgers,
        overdue_tasks=overdue,
        meetings=meeting_count,
    )
