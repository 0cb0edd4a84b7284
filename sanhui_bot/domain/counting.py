"""How the ledger is counted: the rules the month-end 积分公示栏, `/report`, `/tasks` and points share.

Each rule is written once here, cited to its source, and the README's "How things are counted" says
the same in words. Pure: the moment a count is taken ("cutoff") and the time zone come in as
arguments; nothing reads the clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple, Protocol, TypeVar

from sanhui_bot.domain.errors import UnknownCalendarYear
from sanhui_bot.domain.model import (
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    Rating,
    TaskRating,
    finished_on_time,
    overdue_on,
)
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.domain.zones import to_zone

# --- the 《支委会议事台账》 range -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerRange:
    """How many key tasks a committee meeting's 《支委会议事台账》 holds (school plan: 3-5; configurable)."""

    minimum: int = 3
    maximum: int = 5

    def holds(self, count: int) -> bool:
        """Whether a ledger of `count` key tasks is within the range."""
        return self.minimum <= count <= self.maximum


DEFAULT_LEDGER_RANGE = LedgerRange()


# --- time boundaries ----------------------------------------------------------------------------


def counted_day(end: datetime, cutoff: datetime, tz: tzinfo) -> date:
    """The last local day a count of the period ending at `end` covers, taken at `cutoff`.

    A period that is over is counted as of its last day (its overdue tasks are those overdue on
    that day, whenever the count is made); a period still running is counted as of today.
    """
    if cutoff >= end:
        return end.astimezone(tz).date() - timedelta(days=1)
    return cutoff.astimezone(tz).date()


def unknown_calendar_years(calendar: WorkCalendar, first: date, last: date) -> tuple[int, ...]:
    """The years from `first` to `last` the working-day calendar has no data for. A count that needs
    the calendar (the plan's required meetings, 公示 deadlines) over such a year says "calendar
    unknown" (工作日历未知) instead of passing silently (DESIGN §2)."""
    known = calendar.years()
    return tuple(year for year in range(first.year, last.year + 1) if year not in known)


# --- tasks ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverdueTask:
    id: int
    title: str
    owner: str
    due_on: date
    group: str | None  # the group it counts for; None: unassigned


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """A group's (or the unassigned bucket's) tasks as they stood at a cut-off."""

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


class CountedTask(Protocol):
    """What the counts below read of a task: a `Task`, or the `TaskState` a report reads instead."""

    @property
    def id(self) -> int | None: ...
    @property
    def branch(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def due_on(self) -> date: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def group(self) -> str | None: ...
    @property
    def claimed_by_group(self) -> str | None: ...
    @property
    def done_at(self) -> datetime | None: ...
    @property
    def done_on(self) -> date | None: ...
    @property
    def finished(self) -> bool: ...
    @property
    def on_time(self) -> bool: ...


_T = TypeVar("_T", bound=CountedTask)


class TaskState(NamedTuple):
    """The part of a task the reports count (`CountedTask`), without its notes and claim: a report
    reads every task still open however old, so it reads no more of each than it counts (issue 15)."""

    id: int | None
    branch: str
    title: str
    owner: str
    due_on: date
    created_at: datetime
    group: str | None
    claimed_by_group: str | None
    done_at: datetime | None
    done_on: date | None
    finished: bool  # Task.finished: its status is one of model.FINISHED

    @property
    def on_time(self) -> bool:
        return finished_on_time(self.due_on, self.done_on)


def counted_group(task: CountedTask, group_keys: Collection[str]) -> str | None:
    """The group a task counts for: the claiming group, else the one its decision named; None when
    neither is a configured group (the "unassigned" bucket)."""
    group = task.claimed_by_group or task.group
    return group if group in group_keys else None


def finished_by(task: CountedTask, moment: datetime) -> bool:
    """Whether the task was done (or rated) before `moment`."""
    return task.finished and task.done_at is not None and task.done_at < moment


def open_at(task: CountedTask, moment: datetime) -> bool:
    """Whether the task existed and was unfinished at `moment`: a past count tells the past state."""
    return task.created_at < moment and not finished_by(task, moment)


def overdue_as_of(task: CountedTask, cutoff: datetime, day: date) -> bool:
    """Open at the cut-off and overdue on `day` (see `counted_day`; the boundary is model.overdue_on)."""
    return open_at(task, cutoff) and overdue_on(task.due_on, day)


def overdue_entry(task: CountedTask, group: str | None) -> OverdueTask:
    return OverdueTask(task.id or 0, task.title, task.owner, task.due_on, group)


def task_counts(
    group: str | None, tasks: Iterable[CountedTask], start: datetime, cutoff: datetime, day: date
) -> TaskCounts:
    """done = finished in [start, cutoff); open = created before and unfinished at the cut-off;
    overdue = open and overdue on `day`."""
    done = opened = 0
    overdue: list[OverdueTask] = []
    # One pass, each task's state at the cut-off decided once: a report reads every task still open,
    # however old (issue 15), so this runs over all of them.
    for task in tasks:
        if finished_by(task, cutoff):
            done += task.done_at is not None and task.done_at >= start
        elif task.created_at < cutoff:  # open_at, its finished_by known to be False
            opened += 1
            if overdue_on(task.due_on, day):  # overdue_as_of
                overdue.append(overdue_entry(task, group))
    return TaskCounts(group=group, done=done, open=opened, overdue_tasks=tuple(overdue))


def tasks_by_group(tasks: Iterable[_T], group_keys: Collection[str]) -> dict[str | None, list[_T]]:
    """Tasks under the group each counts for (None: unassigned)."""
    by_group: dict[str | None, list[_T]] = {}
    for task in tasks:
        by_group.setdefault(counted_group(task, group_keys), []).append(task)
    return by_group


# --- 群众评价 ---------------------------------------------------------------------------------------


def rating_result(ratings: Iterable[Rating]) -> Rating | None:
    """A task's 群众评价 (issue 12): one rating per person (a new one replaces the old), the result is
    the rating most people gave; a tie between the most given is 基本满意. None before any rating."""
    counts = Counter(ratings)
    if not counts:
        return None
    most = max(counts.values())
    leaders = [rating for rating, count in counts.items() if count == most]
    return leaders[0] if len(leaders) == 1 else Rating.BASICALLY_SATISFIED


def ratings_as_of(log: Iterable[TaskRating], cutoff: datetime) -> dict[int, Rating]:
    """Each task's 群众评价 result as it stood at `cutoff`: every person's latest rating given before
    it (a later one, replacing it, is later's), the majority of those (`rating_result`). Tasks with
    no rating by then are left out."""
    latest: dict[tuple[int, str], tuple[datetime, Rating]] = {}
    for rating in log:
        key = (rating.task_id, rating.rater)
        if rating.rated_at < cutoff and (key not in latest or latest[key][0] <= rating.rated_at):
            latest[key] = (rating.rated_at, rating.rating)
    by_task: dict[int, list[Rating]] = {}
    for (task_id, _), (_, given) in latest.items():
        by_task.setdefault(task_id, []).append(given)
    return {task_id: result for task_id, given in by_task.items() if (result := rating_result(given))}


def rating_bonus_source(task_id: int) -> str:
    """The ledger source of a task's 满意 bonus: one per task, so the owner gets it at most once,
    however many people rate (the ledger's unique (member, reason, source) holds it to one)."""
    return f"rating:{task_id}"


# --- ranking -------------------------------------------------------------------------------------


def competition_rank(value: int, values: Iterable[int]) -> int:
    """1 + how many are higher: ties share a place (1, 1, 3), as /points and the 积分公示栏 show it."""
    return 1 + sum(1 for other in values if other > value)


@dataclass(frozen=True, slots=True)
class RankedMember:
    """One line of the ranking: ties on the period's total share a rank (1, 1, 3); a member with no
    entry in the period has no place (rank None), not "1. … +0" among everyone else at nought."""

    rank: int | None
    member: str  # member key
    month_total: int
    year_total: int  # January 1 to the period's end


def ranking(
    members: Sequence[Member], entries: Iterable[PointEntry], start: datetime
) -> tuple[RankedMember, ...]:
    """Members ranked on their total since `start` (entries before it count for the year only).

    The one ranking rule for /points and the 积分公示栏 (issue 14): only members with an entry since
    `start` are ranked; equal totals share a place (并列); the unranked follow, by key.
    """
    month_totals: dict[str, int] = {}
    year_totals = {member.key: 0 for member in members}
    for entry in entries:
        if entry.member not in year_totals:
            continue  # someone off this ranking (another group, or no longer on the roster)
        year_totals[entry.member] += entry.delta
        if entry.occurred_at >= start:
            month_totals[entry.member] = month_totals.get(entry.member, 0) + entry.delta
    return ranking_of_totals(members, {key: (year_totals[key], month_totals.get(key)) for key in year_totals})


def ranking_of_totals(
    members: Sequence[Member], totals: Mapping[str, tuple[int, int | None]]
) -> tuple[RankedMember, ...]:
    """The ranking of `ranking`, from totals summed elsewhere (a district's, in the database).

    `totals`: member key → (year to date, the period's total or None when the member has no entry
    in the period); a member absent from it has neither. Others than `members` are ignored.
    """
    year_totals = {member.key: totals.get(member.key, (0, None))[0] for member in members}
    month_totals = {
        member.key: month for member in members if (month := totals.get(member.key, (0, None))[1]) is not None
    }
    order = sorted(month_totals, key=lambda key: (-month_totals[key], -year_totals[key], key))
    # The year to date only orders a tie; it does not break it. Competition ranks (1, 1, 3): in this
    # order a member's rank is 1 + the position of the first with the same total (competition_rank,
    # without counting the whole list again for every member of a district).
    ranked: list[RankedMember] = []
    rank = 1
    for position, key in enumerate(order):
        if position and month_totals[key] != month_totals[order[position - 1]]:
            rank = position + 1
        ranked.append(RankedMember(rank, key, month_totals[key], year_totals[key]))
    unranked = tuple(
        RankedMember(rank=None, member=key, month_total=0, year_total=year_totals[key])
        for key in sorted(year_totals)
        if key not in month_totals
    )
    return tuple(ranked) + unranked


def shares_place(line: RankedMember, lines: Iterable[RankedMember]) -> bool:
    """Whether another ranked member has the same place (并列)."""
    return line.rank is not None and line.rank in shared_places(lines)


def shared_places(lines: Iterable[RankedMember]) -> set[int]:
    """The places more than one ranked member has (并列): to mark a whole ranking in one pass."""
    counts = Counter(line.rank for line in lines if line.rank is not None)
    return {rank for rank, count in counts.items() if count > 1}


# --- 公示 of the 决议清单 -------------------------------------------------------------------------

PUBLISH_WITHIN_WORKING_DAYS = 2  # school plan 二(一)3: 决议清单 "2个工作日内" 公示


def publish_deadline(calendar: WorkCalendar, held_on: date) -> date:
    """The last day to publish a meeting's 决议清单 (raises UnknownCalendarYear past the calendar)."""
    return calendar.add_working_days(held_on, PUBLISH_WITHIN_WORKING_DAYS)


def holds_decisions(kind: MeetingKind) -> bool:
    """Whether decisions may belong to a meeting of this kind: a 党课 is a lesson, it decides nothing
    and never owes a 决议清单 (DESIGN §2); a decision taken then stands alone."""
    return kind is not MeetingKind.LESSON


def owes_decision_list(meeting: Meeting, with_decisions: Collection[int]) -> bool:
    """Whether a meeting owes a 决议清单 (DESIGN §2): only one holding at least one decision, never a
    党课 or a cancelled meeting. Nothing empty is drafted, reminded or published."""
    # Decisions are the secretary's word that it met: even one left with no attendance recorded
    # (counted as not held until someone records it) owes its 决议清单; a cancelled one does not.
    if meeting.status is MeetingStatus.CANCELLED or not holds_decisions(meeting.kind):
        return False
    return meeting.id in with_decisions


@dataclass(frozen=True, slots=True)
class PublicationMiss:
    """A meeting whose 决议清单 was not published within 2 working days."""

    meeting_id: int
    kind: MeetingKind
    unit: str
    held_on: date
    deadline: date
    published_on: date | None  # None: not published yet


def publication_misses(
    meetings: Iterable[Meeting],
    with_decisions: Collection[int],
    start: datetime,
    end: datetime,
    now: datetime,
    calendar: WorkCalendar,
    tz: tzinfo,
) -> tuple[tuple[PublicationMiss, ...], tuple[int, ...]]:
    """Meetings started in [start, end) that owe a 决议清单 (`owes_decision_list`; `with_decisions`: the
    ids of meetings holding a decision) and missed its deadline, and those whose
    deadline the calendar cannot tell (listed apart, never guessed: DESIGN §2).

    Missed: published on a later local date than the deadline, or still unpublished once the
    deadline day is over as of `now`.
    """
    record = publication_record(meetings, with_decisions, start, end, now, calendar, tz)
    return record.misses, record.unknown


@dataclass(frozen=True, slots=True)
class PublicationRecord:
    """The 公示 of the meetings in a period that owe a 决议清单, each in one place (pending: in none)."""

    on_time: tuple[int, ...]  # meeting ids published by the deadline
    misses: tuple[PublicationMiss, ...]  # published late, or unpublished past the deadline
    unknown: tuple[int, ...]  # the calendar cannot tell the deadline


def publication_record(
    meetings: Iterable[Meeting],
    with_decisions: Collection[int],
    start: datetime,
    end: datetime,
    now: datetime,
    calendar: WorkCalendar,
    tz: tzinfo,
) -> PublicationRecord:
    """`publication_misses`, with the meetings published on time beside them (the 党委's 按时 count)."""
    on_time: list[int] = []
    misses: list[PublicationMiss] = []
    unknown: list[int] = []
    today = to_zone(now, tz).date()
    for meeting in meetings:
        if not start <= meeting.starts_at < end or not owes_decision_list(meeting, with_decisions):
            continue
        held_on = to_zone(meeting.starts_at, tz).date()
        try:
            deadline = publish_deadline(calendar, held_on)
        except UnknownCalendarYear:
            unknown.append(meeting.id or 0)
            continue
        published_on = to_zone(meeting.published_at, tz).date() if meeting.published_at else None
        late = published_on > deadline if published_on is not None else today > deadline
        if late:
            misses.append(
                PublicationMiss(meeting.id or 0, meeting.kind, meeting.unit, held_on, deadline, published_on)
            )
        elif published_on is not None:
            on_time.append(meeting.id or 0)
    return PublicationRecord(tuple(on_time), tuple(misses), tuple(unknown))
