"""年度评优: each member's year in one row, for the annual evaluation and 职称晋升 (school plan 二(三)).

Every column is an existing rule applied over the year, none is new: points are the ledger's
entries (domain.points), attendance the year report's per-meeting 应到/实到 (the very lines
`/report year` shows), tasks on time / late by `Task.on_time` and overdue by `counting.overdue_as_of`,
群众评价 by the task's result (`counting.ratings_as_of`: each person's latest rating, the majority).
Pure: the cut-off (the year's end, or now while it runs) comes in as an argument, and only facts from
before it are counted, so a past year's rows never change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sanhui_bot.domain.counting import CountedTask, competition_rank, finished_by, overdue_as_of
from sanhui_bot.domain.model import Rating, Suggestion
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.records import rate


class CountedAttendance(Protocol):
    """One held meeting's 应到/实到/请假/缺席 by member key, as `/report` counts it."""

    @property
    def expected(self) -> Collection[str]: ...
    @property
    def present(self) -> Collection[str]: ...
    @property
    def on_leave(self) -> Collection[str]: ...
    @property
    def absent(self) -> Collection[str]: ...


@dataclass(frozen=True, slots=True)
class MemberYear:
    """One member's year: the 年度评优 row."""

    member: str  # member key
    branch: str
    rank: int  # in the branch, on points; ties share a place (1, 1, 3)
    points: int  # sum of the year's ledger entries (corrections included, as entries)
    expected: int  # held meetings with attendance known that the member was expected at
    present: int
    on_leave: int
    absent: int
    tasks_on_time: int  # own tasks (责任人) done in the year by their due date
    tasks_late: int  # own tasks done in the year after their due date
    tasks_overdue: int  # own tasks open and overdue at the year's last day counted
    suggestions: int  # 献策 submitted in the year
    suggestions_adopted: int  # 献策 adopted in the year
    # Own tasks done in the year whose 群众评价 was 满意 at the year's end (README: one rating per person,
    # the latest; the majority decides). Read from every rating as given, so a later one changes nothing.
    rated_satisfied: int

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.present, self.expected)


def member_years(
    branch: str,
    members: Sequence[str],
    meetings: Iterable[CountedAttendance],
    tasks: Iterable[CountedTask],
    suggestions: Iterable[Suggestion],
    entries: Iterable[PointEntry],
    results: Mapping[int, Rating],
    start: datetime,
    cutoff: datetime,
    day: date,
) -> tuple[MemberYear, ...]:
    """The rows of `members` (member keys, the branch's roster of the year) over [start, cutoff).

    `meetings`: the counted attendance of the branch's meetings held in the year; `results`: each
    task's 群众评价 at the cut-off (counting.ratings_as_of); `day`: the last day counted
    (counting.counted_day). Facts dated at or after the cut-off count nowhere. Rows come
    by rank, then member key.
    """
    keys = list(dict.fromkeys(members))
    wanted = set(keys)
    zero = dict.fromkeys(keys, 0)
    points = dict(zero)
    for entry in entries:
        if entry.member in wanted and start <= entry.occurred_at < cutoff:
            points[entry.member] += entry.delta
    expected, present, on_leave, absent = dict(zero), dict(zero), dict(zero), dict(zero)
    for meeting in meetings:
        for tally, who in (
            (expected, meeting.expected),
            (present, meeting.present),
            (on_leave, meeting.on_leave),
            (absent, meeting.absent),
        ):
            for key in who:
                if key in wanted:
                    tally[key] += 1
    on_time, late, overdue, rated = dict(zero), dict(zero), dict(zero), dict(zero)
    for task in tasks:
        if task.owner not in wanted:
            continue
        if finished_by(task, cutoff) and task.done_at is not None and task.done_at >= start:
            (on_time if task.on_time else late)[task.owner] += 1
            if results.get(task.id or 0) is Rating.SATISFIED:
                rated[task.owner] += 1
        elif overdue_as_of(task, cutoff, day):
            overdue[task.owner] += 1
    submitted, adopted = dict(zero), dict(zero)
    for suggestion in suggestions:
        if suggestion.member not in wanted:
            continue
        if start <= suggestion.submitted_at < cutoff:
            submitted[suggestion.member] += 1
        if suggestion.adopted_at is not None and start <= suggestion.adopted_at < cutoff:
            adopted[suggestion.member] += 1
    order = sorted(keys, key=lambda key: (-points[key], key))
    return tuple(
        MemberYear(
            member=key,
            branch=branch,
            rank=competition_rank(points[key], points.values()),
            points=points[key],
            expected=expected[key],
            present=present[key],
            on_leave=on_leave[key],
            absent=absent[key],
            tasks_on_time=on_time[key],
            tasks_late=late[key],
            tasks_overdue=overdue[key],
            suggestions=submitted[key],
            suggestions_adopted=adopted[key],
            rated_satisfied=rated[key],
        )
        for key in order
    )
