"""年度评优: each member's year in one row, per branch (`/report year`, the branch workbook) and
school-wide (`/report school year`, `export --school`); the rules are domain.evaluation's.

A past year is counted as it stood at its end: only sign-ins, attendance records, RSVPs, ratings,
adoptions and point entries made before the cut-off count, so the 2026 rows produced on 2027-03-01
are those produced on 2027-01-01, whatever was recorded in between (a correction made in 2027 counts
in 2027's rows, as a new entry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.domain.attendance import AttendanceRecord, as_counted
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.counting import counted_day
from sanhui_bot.domain.evaluation import MemberYear, member_years
from sanhui_bot.domain.model import Rsvp, SignIn
from sanhui_bot.domain.quorum import attendance
from sanhui_bot.domain.records import attendance_known
from sanhui_bot.services.deps import Deps, records_since
from sanhui_bot.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class YearEvaluation:
    """The 年度评优 rows of a year: branches in config order, each branch's rows by rank."""

    year: int
    cutoff: datetime  # the year's end, or the moment asked while it runs
    rows: tuple[MemberYear, ...]

    def of_branch(self, branch: str) -> tuple[MemberYear, ...]:
        return tuple(row for row in self.rows if row.branch == branch)


async def year_evaluation(deps: Deps, year: int, now: datetime, branch: str | None = None) -> YearEvaluation:
    """The year's rows of one branch, or (None) of every branch, read in one unit of work."""
    branches = [branch] if branch is not None else [b.key for b in deps.org.branches]
    start, end = Period(year, PeriodKind.YEAR).bounds(deps.tz)
    cutoff = min(end, now)
    rows: list[MemberYear] = []
    async with deps.uow() as uow:
        since = await records_since(uow)
        for key in branches:
            rows.extend(await _branch_rows(uow, deps, key, start, end, cutoff, since))
    return YearEvaluation(year, cutoff, tuple(rows))


async def _branch_rows(
    uow: UnitOfWork,
    deps: Deps,
    branch: str,
    start: datetime,
    end: datetime,
    cutoff: datetime,
    since: datetime | None,
) -> Sequence[MemberYear]:
    meetings = await uow.meetings.between(None, start, end, include_cancelled=True, branch=branch)
    ids = [m.id for m in meetings if m.id is not None]
    # What was known at the cut-off only: a later sign-in, record or answer belongs to a later count.
    rsvps = [r for r in await uow.attendance.rsvps(of=ids) if r.answered_at < cutoff]
    signins = [s for s in await uow.attendance.signins(of=ids) if s.signed_at < cutoff]
    wanted = set(ids)
    records = [r for r in await uow.attendance.records() if r.meeting_id in wanted and r.recorded_at < cutoff]
    recorded = {s.meeting_id for s in signins} | {r.meeting_id for r in records}
    tasks = await uow.tasks.list(branch, unfinished_at=start)
    suggestions = await uow.suggestions.list(branch)
    entries = await uow.points.entries(since=start, until=cutoff, branch=branch)
    # One roster check for the year's meetings (`roster_of` would check it for each).
    days = await deps.roster.on_days(uow, [(m.branch, deps.local_date(m.starts_at)) for m in meetings])
    rosters = {m.id or 0: days[(m.branch, deps.local_date(m.starts_at))] for m in meetings}
    history = await deps.roster.history(uow)
    everyone = [m for m in await deps.roster.members(uow) if m.branch == branch]
    day = counted_day(end, cutoff, deps.tz)
    # The same held meetings `/report` counts attendance over (services.reports.branch_report).
    counted_meetings = as_counted(meetings, recorded, cutoff, since)
    by_meeting: dict[int, tuple[list[Rsvp], list[SignIn], list[AttendanceRecord]]] = {
        i: ([], [], []) for i in ids
    }
    for rsvp in rsvps:
        by_meeting[rsvp.meeting_id][0].append(rsvp)
    for signin in signins:
        by_meeting[signin.meeting_id][1].append(signin)
    for record in records:
        by_meeting[record.meeting_id][2].append(record)
    counted = [
        attendance(m, rosters[m.id or 0], *by_meeting[m.id or 0])
        for m in counted_meetings
        if not m.called_off
        and m.ends_at <= cutoff
        and attendance_known(m, cutoff, since)
        and m.id in recorded
    ]
    # The year's roster: on it at the last day counted, expected at a meeting, or with points.
    keys = {m.key for m in history.roster_on(everyone, day)}
    keys |= {key for line in counted for key in line.expected}
    keys |= {e.member for e in entries}
    members = [m.key for m in everyone if m.key in keys]
    return member_years(branch, members, counted, tasks, suggestions, entries, start, cutoff, day)
