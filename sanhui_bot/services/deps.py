"""What every service needs besides the actor and the command: storage, the organisation, the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sanhui_bot.config import BranchConfig, ScheduleConfig
from sanhui_bot.domain.counting import LedgerRange
from sanhui_bot.domain.errors import DomainError, NotFound
from sanhui_bot.domain.model import ChatContext, Meeting, MeetingKind, Member, SignInMethod, Task
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.domain.points import PointRules
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.services.ports import UnitOfWork, UnitOfWorkFactory
from sanhui_bot.services.roster_cache import RosterCache


@dataclass(frozen=True, slots=True)
class Deps:
    """Built once by the app wiring and handed to every service call."""

    uow: UnitOfWorkFactory
    org: Organisation
    tz: ZoneInfo
    rules: PointRules
    calendar: WorkCalendar
    schedule: ScheduleConfig
    branches: tuple[BranchConfig, ...]  # the slot rules plan meetings for these
    roster: RosterCache = field(default_factory=RosterCache)

    @property
    def ledger_range(self) -> LedgerRange:
        """The 《支委会议事台账》 range the config sets (3-5 by default)."""
        return LedgerRange(self.schedule.ledger_tasks_min, self.schedule.ledger_tasks_max)

    @property
    def signin_lead(self) -> timedelta:
        return timedelta(minutes=self.schedule.signin_opens_minutes)

    @property
    def signin_methods(self) -> dict[MeetingKind, SignInMethod]:
        """How each kind of meeting is signed in ([schedule] signin, per kind)."""
        return {kind: SignInMethod(self.schedule.signin_for(kind.value)) for kind in MeetingKind}

    @property
    def signin_code_seconds(self) -> int:
        return self.schedule.signin_code_seconds

    @property
    def attendance_correction_days(self) -> int:
        return self.schedule.attendance_correction_days

    def local(self, moment: datetime) -> datetime:
        return to_zone(moment, self.tz)

    def local_date(self, moment: datetime) -> date:
        return to_zone(moment, self.tz).date()

    async def roster_of(self, uow: UnitOfWork, meeting: Meeting) -> Sequence[Member]:
        """The branch's roster on the meeting's (local) day: whom it expected and who could vote."""
        return await self.roster.on(uow, meeting.branch, self.local_date(meeting.starts_at))

    async def expected_of(
        self, uow: UnitOfWork, meeting: Meeting
    ) -> tuple[Sequence[Member], Sequence[Member]]:
        """The meeting's 应到 from the roster of its (local) day, and who of them may vote
        (domain.quorum.expected_members, voting_members)."""
        return await self.roster.expected(uow, meeting, self.local_date(meeting.starts_at))


def require_chat(ctx: ChatContext | None) -> ChatContext:
    """Commands that act for a unit must come from a configured chat."""
    if ctx is None:
        raise DomainError("chat_not_configured")
    return ctx


# counters key: epoch seconds of the bot's first start, from which it keeps attendance
RECORDS_SINCE = "records_since"


async def records_since(uow: UnitOfWork) -> datetime | None:
    """When the bot started keeping records (its first start); None: from the beginning."""
    value = await uow.counters.get(RECORDS_SINCE)
    return datetime.fromtimestamp(value, UTC) if value is not None else None


async def meeting_in_branch(uow: UnitOfWork, branch: str, meeting_id: int) -> Meeting:
    """The meeting with this number in the branch, or NotFound (other branches' meetings are invisible)."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None or meeting.branch != branch:
        raise NotFound("meeting_not_found", meeting=meeting_id)
    return meeting


async def task_in_branch(uow: UnitOfWork, branch: str, task_id: int) -> Task:
    """The task with this number in the branch, or NotFound."""
    task = await uow.tasks.get(task_id)
    if task is None or task.branch != branch:
        raise NotFound("task_not_found", task=task_id)
    return task
