"""The school's Party committee (党委) view: every branch's standing for a period, at a glance.

Each branch's figures are folded from `report_from` — the very report `/report` shows the branch, read
for every branch at once (services.reports.report_facts) —
so the school view counts meetings, 公示, attendance and tasks by the same rules (domain/counting,
domain/compliance) and can never disagree with a branch's own report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sanhui_bot.commands.model import ExportLedger, ListMeetings, ListTasks, ShowPoints, ShowReport
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.errors import DomainError, NotFound, PermissionDenied
from sanhui_bot.domain.model import Actor, ChatContext, MeetingKind
from sanhui_bot.domain.organisation import Branch
from sanhui_bot.domain.permissions import Action, may_read_school, require_school_reader
from sanhui_bot.domain.records import rate
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.evaluation import YearEvaluation, year_evaluation
from sanhui_bot.services.export import LedgerSnapshot, ledger_snapshot
from sanhui_bot.services.meetings import MeetingListing, meetings_ahead
from sanhui_bot.services.reports import Report, branch_report, period_of, report_facts, report_from
from sanhui_bot.services.roster import school_seated
from sanhui_bot.services.summaries import Summary, month_summary
from sanhui_bot.services.tasks import TaskListing, task_listing


@dataclass(frozen=True, slots=True)
class BranchStanding:
    """One branch's line in the school summary."""

    branch: str
    held: dict[MeetingKind, int]  # held, by kind, over the period
    required: dict[MeetingKind, int]
    publication_on_time: int  # 公示 published by its deadline (two working days)
    publication_late: int  # 公示 published after its deadline
    publication_missing: int  # 公示 never published by the cut-off
    present: int  # sign-ins at held meetings whose attendance is known
    expected: int
    tasks_done: int
    tasks_open: int
    tasks_overdue: int

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.present, self.expected)

    @property
    def missing(self) -> dict[MeetingKind, int]:
        """Meetings short of the requirement, by kind (only kinds with a shortfall)."""
        return {
            kind: self.required[kind] - self.held.get(kind, 0)
            for kind in self.required
            if self.held.get(kind, 0) < self.required[kind]
        }

    @property
    def needs_attention(self) -> bool:
        """Named under 需要关注: a meeting short, a 公示 late or missing, or a task overdue."""
        return any(self.concern[:3])

    @property
    def concern(self) -> tuple[int, int, int, float]:
        """How much the branch needs the committee's attention: larger sorts first."""
        return (
            sum(self.missing.values()),
            self.publication_late + self.publication_missing,
            self.tasks_overdue,
            -(self.attendance_rate if self.attendance_rate is not None else 1.0),
        )


def standing_of(report: Report) -> BranchStanding:
    """A branch report folded into its school-summary line."""
    held: dict[MeetingKind, int] = {}
    required: dict[MeetingKind, int] = {}
    for total in report.totals:
        held[total.kind] = held.get(total.kind, 0) + total.held
        required[total.kind] = required.get(total.kind, 0) + total.required
    late = sum(1 for miss in report.publication_misses if miss.published_on is not None)
    return BranchStanding(
        branch=report.branch,
        held=held,
        required=required,
        publication_on_time=len(report.publication_on_time),
        publication_late=late,
        publication_missing=len(report.publication_misses) - late,
        present=sum(len(line.present) for line in report.meetings),
        expected=sum(len(line.expected) for line in report.meetings),
        tasks_done=sum(group.done for group in report.tasks),
        tasks_open=sum(group.open for group in report.tasks),
        tasks_overdue=sum(len(group.overdue) for group in report.tasks),
    )


def attention_first(standings: list[BranchStanding]) -> tuple[BranchStanding, ...]:
    """Most missed meetings first, then most 公示 late or missing, most overdue tasks, lowest attendance;
    ties keep the given (config) order."""
    order = {standing.branch: index for index, standing in enumerate(standings)}
    return tuple(sorted(standings, key=lambda s: (tuple(-x for x in s.concern), order[s.branch])))


async def school_summary(deps: Deps, period: Period, now: datetime) -> tuple[BranchStanding, ...]:
    """Every branch's standing, the branches needing attention first (then in config order)."""
    async with deps.uow() as uow:
        facts = await report_facts(uow, deps, period, None, now)  # every branch's, in a few queries
    split = facts.by_branch()
    empty = replace(facts, meetings=[], members=[], tasks=[], decisions=[])
    return attention_first(
        [
            standing_of(report_from(deps, split.get(branch.key, empty), branch.key, period, now))
            for branch in deps.org.branches
        ]
    )


# Kinds whose rule period is the quarter (条例: 党员大会 and 党课 at least once a quarter).
QUARTERLY = (MeetingKind.CONGRESS, MeetingKind.LESSON)


@dataclass(frozen=True, slots=True)
class SchoolMonthEnd:
    """The 党委's month-end: every branch's month, and at a quarter's end its quarterly meetings missed."""

    period: Period
    standings: tuple[BranchStanding, ...]  # those needing attention first
    quarter: Period | None  # the quarter the month ends, else None
    # (branch, the 党员大会/党课 kinds it held fewer of than the quarter requires), in config order
    quarter_missing: tuple[tuple[str, tuple[MeetingKind, ...]], ...] = ()


async def school_month_end(deps: Deps, period: Period, now: datetime) -> SchoolMonthEnd:
    """The month's school summary; in a quarter's last month the quarter's 党员大会 and 党课 are checked
    too (a month owes only its planned slots of them: `domain.compliance`)."""
    standings = await school_summary(deps, period, now)
    if period.kind is not PeriodKind.MONTH or period.number % 3:
        return SchoolMonthEnd(period, standings, None)
    quarter = Period(period.year, PeriodKind.QUARTER, period.number // 3)
    by_branch = {standing.branch: standing for standing in await school_summary(deps, quarter, now)}
    missing = []
    for branch in deps.org.branches:  # config order
        kinds = tuple(kind for kind in QUARTERLY if kind in by_branch[branch.key].missing)
        if kinds:
            missing.append((branch.key, kinds))
    return SchoolMonthEnd(period, standings, quarter, tuple(missing))


async def show_school_report(
    deps: Deps, actor: Actor, chat: str | None, cmd: ShowReport, now: datetime
) -> tuple[Period, tuple[BranchStanding, ...]]:
    """`/report school …` in the 党委 chat (or a private chat: `chat` None), for 党委 members only."""
    await _require_school_chat_reader(deps, actor, chat, now)
    period = period_of(deps, cmd, now)
    return period, await school_summary(deps, period, now)


async def school_committee(deps: Deps, period: Period) -> tuple[str, ...]:
    """The keys of everyone who sat on the 党委 on some day of the period, ordered by key: a June
    report counts one who left on 06-30 as a June 党委 member whenever it is produced."""
    async with deps.uow() as uow:
        seats = await deps.roster.seats(uow)
    start, end = period.bounds(deps.tz)
    return tuple(sorted(seats.committee_during(start.date(), end.date() - timedelta(days=1))))


async def _require_school_chat_reader(deps: Deps, actor: Actor, chat: str | None, now: datetime) -> None:
    """School reports are for 党委 members while they sit on it (domain.permissions.may_read_school);
    in chat, in the 党委 chat only (`chat` None: the web view, which has no chat)."""
    school = deps.org.school
    if school is None or (chat is not None and chat != school.chat):
        raise PermissionDenied("school_report_chat_only")
    if not may_read_school(actor, deps.org, await school_seated(deps, actor, now)):
        raise PermissionDenied("school_role_required")


# --- the 党委 reads one branch: `/report t2 …`, `/tasks t2`, `/meetings t2`, `/points t2`, `/export t2`


async def branch_to_read(
    deps: Deps, actor: Actor, chat: str | None, branch: str | None, action: Action, now: datetime
) -> Branch:
    """The branch a 党委 member reads, from the 党委 chat or a private chat (`chat` None), never from a
    branch's chat (its members would read another branch's record); the only branch when none is named.

    The same check for chat and web: a 党委 member reads every branch, while seated, and acts in none.
    """
    require_school_reader(actor, action, deps.org, await school_seated(deps, actor, now))
    school = deps.org.school
    if chat is not None and (school is None or chat != school.chat):
        raise PermissionDenied("school_read_where")
    if branch is None:
        if len(deps.org.branches) == 1:
            return deps.org.branches[0]
        raise DomainError("name_a_branch", branches=[b.key for b in deps.org.branches])
    found = deps.org.branch(branch)
    if found is None:
        raise NotFound("unknown_branch", branch=branch, branches=[b.key for b in deps.org.branches])
    return found


def _as_branch_chat(branch: Branch) -> ChatContext:
    # The 党委 sees what the branch chat sees: every unit of the branch.
    return ChatContext(chat=branch.chat, branch=branch.key, unit=branch.key, kind="branch")


async def read_report(deps: Deps, actor: Actor, chat: str | None, cmd: ShowReport, now: datetime) -> Report:
    """`/report t2 [period]` for the 党委: the branch's own report, the same figures."""
    branch = await branch_to_read(deps, actor, chat, cmd.branch, Action.VIEW_REPORT, now)
    return await branch_report(deps, branch.key, period_of(deps, cmd, now), now)


async def read_tasks(
    deps: Deps, actor: Actor, chat: str | None, cmd: ListTasks, now: datetime
) -> TaskListing:
    """`/tasks t2 [overdue|all] [page]` for the 党委: the branch chat's task list."""
    branch = await branch_to_read(deps, actor, chat, cmd.branch, Action.VIEW, now)
    return await task_listing(deps, _as_branch_chat(branch), None, cmd, now)


async def read_meetings(
    deps: Deps, actor: Actor, chat: str | None, cmd: ListMeetings, now: datetime
) -> MeetingListing:
    """`/meetings t2 [page]` for the 党委: a page of the branch's next meetings, every unit."""
    branch = await branch_to_read(deps, actor, chat, cmd.branch, Action.VIEW, now)
    return await meetings_ahead(deps, _as_branch_chat(branch), now, cmd.page)


async def read_points(deps: Deps, actor: Actor, chat: str | None, cmd: ShowPoints, now: datetime) -> Summary:
    """`/points t2 [month]` for the 党委: the branch's 积分公示栏 of the month (as its chat gets it)."""
    branch = await branch_to_read(deps, actor, chat, cmd.branch, Action.VIEW, now)
    today = deps.local_date(now)
    year, month = cmd.year or today.year, cmd.month or today.month
    return await month_summary(deps, branch.chat, year, month, now)


async def read_ledger(
    deps: Deps, actor: Actor, chat: str | None, cmd: ExportLedger, now: datetime
) -> LedgerSnapshot:
    """`/export t2 [xlsx|csv|ics] [year]` for the 党委: the branch's 台账 workbook."""
    branch = await branch_to_read(deps, actor, chat, cmd.branch, Action.EXPORT, now)
    return await ledger_snapshot(deps, cmd.year or deps.local_date(now).year, now, branch.key)


async def show_school_evaluation(
    deps: Deps, actor: Actor, chat: str | None, year: int, now: datetime
) -> YearEvaluation:
    """`/report school year`: every branch's 年度评优 rows, for 党委 members in the 党委 chat."""
    await _require_school_chat_reader(deps, actor, chat, now)
    return await year_evaluation(deps, year, now)


async def school_page(
    deps: Deps, actor: Actor, year: int, month: int, now: datetime
) -> list[tuple[Period, tuple[BranchStanding, ...]]]:
    """The web view's school page: the month, its quarter and its year, as `/report school` gives
    each; for 党委 members only (the check chat uses, with no chat to be in)."""
    await _require_school_chat_reader(deps, actor, None, now)
    periods = [
        Period(year, PeriodKind.MONTH, month),
        Period(year, PeriodKind.QUARTER, (month - 1) // 3 + 1),
        Period(year, PeriodKind.YEAR),
    ]
    return [(period, await school_summary(deps, period, now)) for period in periods]
