"""年度评优: each member's year in one row, per branch (`/report year`, the branch workbook) and
school-wide (`/report school year`, `export --school`); the rules are domain.evaluation's.

The attendance columns are the year report's own per-meeting counts (`services.reports.report_from`
over `report_facts`), so `/report year` and its 年度评优 rows cannot disagree. A past year is counted
as it stood at its end — the ledger's as-of rule (domain.attendance.known_by): only sign-ins,
attendance records, RSVPs, ratings, adoptions and point entries made before the cut-off count, so the
2026 rows produced on 2027-03-01 are those produced on 2027-01-01, whatever was recorded in between (a
correction made in 2027 counts from its own date, in 2027).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.counting import counted_day, ratings_as_of
from sanhui_bot.domain.evaluation import MemberYear, member_years
from sanhui_bot.domain.model import Suggestion, TaskRating
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.roster import RosterHistory
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.reports import ReportFacts, report_facts, report_from


@dataclass(frozen=True, slots=True)
class YearEvaluation:
    """The 年度评优 rows of a year: branches in config order, each branch's rows by rank."""

    year: int
    cutoff: datetime  # the year's end, or the moment asked while it runs
    rows: tuple[MemberYear, ...]

    def of_branch(self, branch: str) -> tuple[MemberYear, ...]:
        return tuple(row for row in self.rows if row.branch == branch)


@dataclass(frozen=True, slots=True)
class EvaluationFacts:
    """What the 年度评优 rows are counted from: read by `year_evaluation`, or taken by the ledger's
    snapshot from what it read for its own sheets (services.export), so a year is read once."""

    report: ReportFacts  # `report_facts` of the year, up to the cut-off
    suggestions: list[Suggestion]  # of the branch (None: of every branch), any time
    entries: list[PointEntry]  # the branch's members' entries in [year's start, cut-off)
    log: list[TaskRating]  # every rating of `report.tasks` ever given, replaced ones too
    history: RosterHistory


async def year_evaluation(deps: Deps, year: int, now: datetime, branch: str | None = None) -> YearEvaluation:
    """The year's rows of one branch, or (None) of every branch, read in one unit of work."""
    period = Period(year, PeriodKind.YEAR)
    start, end = period.bounds(deps.tz)
    async with deps.uow() as uow:
        report = await report_facts(uow, deps, period, branch, now)
        facts = EvaluationFacts(
            report=report,
            suggestions=await uow.suggestions.list(branch),
            entries=await uow.points.entries(since=start, until=min(end, now), branch=branch),
            log=await uow.tasks.rating_log(of=[t.id for t in report.tasks if t.id is not None]),
            history=await deps.roster.history(uow),
        )
    return evaluation_from(deps, facts, year, now, branch)


def evaluation_from(
    deps: Deps, facts: EvaluationFacts, year: int, now: datetime, branch: str | None = None
) -> YearEvaluation:
    """The year's rows of one branch, or (None) of every branch, from facts already read."""
    branches = [branch] if branch is not None else [b.key for b in deps.org.branches]
    period = Period(year, PeriodKind.YEAR)
    start, end = period.bounds(deps.tz)
    cutoff = min(end, now)
    day = counted_day(end, cutoff, deps.tz)
    results = ratings_as_of(facts.log, cutoff)
    split = facts.report.by_branch()
    empty = replace(facts.report, meetings=[], members=[], tasks=[], decisions=[])
    member_branch = {m.key: m.branch for m in facts.report.members}
    rows: list[MemberYear] = []
    for key in branches:
        own = split.get(key, empty)
        report = report_from(deps, own, key, period, now)
        mine = [e for e in facts.entries if member_branch.get(e.member) == key]
        # The year's roster: on it at the last day counted, expected at a meeting, or with points.
        keys = {m.key for m in facts.history.roster_on(own.members, day)}
        keys |= {k for line in report.meetings for k in line.expected}
        keys |= {e.member for e in mine}
        members = [m.key for m in own.members if m.key in keys]
        rows.extend(
            member_years(
                key,
                members,
                report.meetings,
                own.tasks,
                [s for s in facts.suggestions if s.branch == key],
                mine,
                results,
                start,
                cutoff,
                day,
            )
        )
    return YearEvaluation(year, cutoff, tuple(rows))
