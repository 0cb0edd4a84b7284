"""The school's Party committee (党委) view: every branch's standing for a period, at a glance.

Each branch's figures are folded from `branch_report` — the very report `/report` shows the branch —
so the school view counts meetings, 公示, attendance and tasks by the same rules (domain/counting,
domain/compliance) and can never disagree with a branch's own report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.commands.model import ShowReport
from sanhui_bot.domain.compliance import Period
from sanhui_bot.domain.errors import PermissionDenied
from sanhui_bot.domain.model import Actor, MeetingKind
from sanhui_bot.domain.permissions import may_read_school
from sanhui_bot.domain.records import rate
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.reports import Report, branch_report, period_of


@dataclass(frozen=True, slots=True)
class BranchStanding:
    """One branch's line in the school summary."""

    branch: str
    held: dict[MeetingKind, int]  # held, by kind, over the period
    required: dict[MeetingKind, int]
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
    return attention_first(
        [standing_of(await branch_report(deps, branch.key, period, now)) for branch in deps.org.branches]
    )


async def show_school_report(
    deps: Deps, actor: Actor, chat: str, cmd: ShowReport, now: datetime
) -> tuple[Period, tuple[BranchStanding, ...]]:
    """`/report school …` in the 党委 chat, for 党委 members only."""
    school = deps.org.school
    if school is None or chat != school.chat:
        raise PermissionDenied("school_report_chat_only")
    if not may_read_school(actor.member if actor.on_roster else None, deps.org):
        raise PermissionDenied("school_role_required")
    period = period_of(deps, cmd, now)
    return period, await school_summary(deps, period, now)
