"""What the services need from storage, as Protocols.

`storage/` implements these over SQLAlchemy Core (SQLite and PostgreSQL). A unit of work is one
transaction: everything a service does inside `async with uow:` is committed together on `commit()`,
or rolled back if the block raises — nothing is half-written.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, Self

from sanhui_bot.domain.attendance import AttendanceRecord
from sanhui_bot.domain.counting import TaskState
from sanhui_bot.domain.model import (
    AgendaItem,
    Decision,
    JoinRequest,
    LeaveDecision,
    Meeting,
    MeetingStatus,
    Member,
    Outline,
    Rating,
    Rsvp,
    RsvpAnswer,
    SignIn,
    Suggestion,
    Task,
    TaskRating,
    TaskStatus,
)
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.roster import RosterChange
from sanhui_bot.domain.school_roster import SeatChange


@dataclass(frozen=True, slots=True)
class MeetingWindow:
    """The meetings starting in [start, end) (of `branch`; None: every branch), cancelled ones too:
    for `of=` of the attendance and decision reads, which the database then selects itself instead
    of receiving thousands of meeting ids (a district's year: 18,000)."""

    start: datetime
    end: datetime
    branch: str | None = None


MeetingIds = Sequence[int] | MeetingWindow


class MemberRepository(Protocol):
    async def version(self) -> int:
        """A number that changes whenever a member is added or changed, so the roster can be cached."""
        ...

    async def get(self, key: str) -> Member | None: ...
    async def by_platform(self, platform: str, platform_user: str) -> Member | None:
        """The active member with this Telegram id ("telegram") or Matrix id ("matrix"); console: key."""
        ...

    async def list(
        self, branch: str | None = None, include_inactive: bool = False
    ) -> builtins.list[Member]: ...
    async def upsert(self, member: Member) -> None: ...
    async def deactivate_except(self, source: str, keep: set[str]) -> int:
        """Mark active members of `source` whose key is not in `keep` inactive; return how many."""
        ...

    async def add_changes(self, changes: Sequence[RosterChange]) -> None:
        """Append dated facts to the roster's history (domain/roster.py); the version moves."""
        ...

    async def changes(self) -> builtins.list[RosterChange]:
        """The roster's whole history, in the order recorded."""
        ...

    async def add_seat_changes(self, changes: Sequence[SeatChange]) -> None:
        """Append dated facts to the 党委's seat history (domain/school_roster.py); the version moves."""
        ...

    async def seat_changes(self) -> builtins.list[SeatChange]:
        """The 党委's whole seat history, in the order recorded."""
        ...


class MeetingRepository(Protocol):
    async def add(self, meeting: Meeting) -> Meeting:
        """Insert and return the meeting with its id."""
        ...

    async def add_planned(self, meetings: Sequence[Meeting]) -> int:
        """Insert planned meetings whose (unit, kind, slot_on) is not stored yet; return how many."""
        ...

    async def get(self, meeting_id: int) -> Meeting | None: ...
    async def update(self, meeting: Meeting) -> None: ...
    async def between(
        self,
        units: Sequence[str] | None,
        start: datetime,
        end: datetime,
        include_cancelled: bool = False,
        *,
        branch: str | None = None,
    ) -> list[Meeting]:
        """Meetings starting in [start, end) of the given units (None: all) and `branch` (None: any),
        ordered by start then id."""
        ...

    async def list(self, branch: str | None = None) -> builtins.list[Meeting]: ...
    async def with_status(self, status: MeetingStatus) -> builtins.list[Meeting]:
        """Every meeting in one state (e.g. closed but not yet published)."""
        ...

    async def add_agenda(self, item: AgendaItem) -> AgendaItem: ...
    async def agenda(self, meeting_id: int) -> builtins.list[AgendaItem]: ...
    async def agendas(self, meeting_ids: Sequence[int]) -> dict[int, builtins.list[AgendaItem]]:
        """The agenda topics of these meetings by meeting id, each in the order added."""
        ...

    async def materials(self, meeting_id: int) -> builtins.list[AgendaItem]: ...
    async def agenda_and_materials(
        self, meeting_id: int
    ) -> tuple[builtins.list[AgendaItem], builtins.list[AgendaItem]]:
        """`agenda` and `materials` of one meeting together (what its notice shows)."""
        ...

    async def times_between(
        self, spans: Sequence[tuple[datetime, datetime]]
    ) -> builtins.list[tuple[int, datetime, timedelta]]:
        """(id, start, length) of the meetings not cancelled starting in any (after, until] span."""
        ...

    async def with_ids(self, meeting_ids: Sequence[int]) -> builtins.list[Meeting]:
        """These meetings, ordered by start then id."""
        ...


class AttendanceRepository(Protocol):
    async def put_rsvp(self, rsvp: Rsvp) -> None:
        """Insert or replace the member's RSVP for the meeting."""
        ...

    async def rsvp(self, meeting_id: int, member: str) -> Rsvp | None: ...
    async def answers(self, meeting_id: int) -> dict[str, RsvpAnswer]:
        """Member key → answer for one meeting."""
        ...

    async def signed_in(self, meeting_id: int, member: str) -> bool: ...
    async def answers_and_signed_in(self, meeting_id: int, member: str) -> tuple[dict[str, RsvpAnswer], bool]:
        """`answers(meeting_id)` and `signed_in(meeting_id, member)` together (what an answer checks)."""
        ...

    async def rsvps(self, meeting_id: int | None = None, *, of: MeetingIds | None = None) -> list[Rsvp]:
        """RSVPs of one meeting, of the meetings `of` names, or (neither given) of every meeting."""
        ...

    async def add_signin(self, signin: SignIn) -> bool:
        """Record a sign-in; False if the member had already signed in (nothing changes)."""
        ...

    async def signins(self, meeting_id: int | None = None, *, of: MeetingIds | None = None) -> list[SignIn]:
        """Sign-ins of one meeting, of the meetings `of` names, or (neither given) of every meeting."""
        ...

    async def add_leave_decision(self, decision: LeaveDecision) -> LeaveDecision:
        """Append an approver's decision on a leave request (decisions are never changed)."""
        ...

    async def leave_decisions(
        self, meeting_id: int | None = None, *, of: MeetingIds | None = None
    ) -> list[LeaveDecision]:
        """Leave decisions of one meeting, of the meetings `of` names, or of every meeting."""
        ...

    async def add_record(self, record: AttendanceRecord) -> AttendanceRecord:
        """Append a record of a member's attendance (records are never changed)."""
        ...

    async def records(
        self, meeting_id: int | None = None, *, of: MeetingIds | None = None
    ) -> list[AttendanceRecord]:
        """Attendance records of one meeting, of the meetings `of` names, or of every meeting."""
        ...

    async def recorded_among(self, meeting_ids: Sequence[int]) -> set[int]:
        """Which of these meetings have a sign-in or an attendance record."""
        ...

    async def recorded_between(self, units: Sequence[str], start: datetime, end: datetime) -> set[int]:
        """Which meetings of these units starting in [start, end) have a sign-in or an attendance record."""
        ...

    async def put_outline(self, outline: Outline) -> None: ...
    async def outlines(self, meeting_id: int | None = None) -> list[Outline]: ...


class SuggestionRepository(Protocol):
    async def add(self, suggestion: Suggestion) -> Suggestion: ...
    async def get(self, suggestion_id: int) -> Suggestion | None: ...
    async def update(self, suggestion: Suggestion) -> None: ...
    async def list(self, branch: str | None = None) -> builtins.list[Suggestion]: ...


class TaskRepository(Protocol):
    async def add_decision(self, decision: Decision) -> Decision: ...
    async def decisions(self, branch: str | None = None, *, of: MeetingIds | None = None) -> list[Decision]:
        """Decisions by id; `of`: only those recorded for these meetings."""
        ...

    async def decisions_between(self, units: Sequence[str], start: datetime, end: datetime) -> list[Decision]:
        """Decisions of the meetings of these units starting in [start, end), by id."""
        ...

    async def of_meeting(self, meeting_id: int) -> list[tuple[Decision, Task | None]]:
        """A meeting's decisions with the task each opened, in the order recorded: its 决议清单."""
        ...

    async def of_decisions(self, decision_ids: Sequence[int]) -> dict[int, Task]:
        """The tasks these decisions opened, by decision id (a decision voted down has none)."""
        ...

    async def count_decisions(self, meeting_id: int) -> int:
        """How many decisions a meeting's ledger holds."""
        ...

    async def meetings_with_decisions(self, meeting_ids: Sequence[int]) -> set[int]:
        """Which of these meetings hold at least one decision (they owe a 决议清单)."""
        ...

    async def add(self, task: Task) -> Task: ...
    async def get(self, task_id: int) -> Task | None: ...
    async def update(self, task: Task) -> None: ...
    async def list(
        self,
        branch: str | None = None,
        statuses: Sequence[TaskStatus] | None = None,
        *,
        unfinished_at: datetime | None = None,
        branches: Sequence[str] | None = None,
    ) -> builtins.list[Task]:
        """Tasks ordered by due date then id; `unfinished_at`: leave out those done before it;
        `branches`: only those of these branches."""
        ...

    async def unfinished(self, since: datetime, branch: str | None = None) -> builtins.list[TaskState]:
        """The tasks not done before `since` (what a report of a period from `since` counts), of
        `branch` or of every branch, ordered by due date then id."""
        ...

    async def put_rating(self, rating: TaskRating) -> Rating | None:
        """Record a rater's rating of a task, replacing their earlier one; returns the one replaced."""
        ...

    async def ratings(
        self, task_id: int | None = None, *, of: Sequence[int] | None = None
    ) -> builtins.list[TaskRating]:
        """Ratings of one task, of the tasks `of` names, or (neither given) of every task."""
        ...

    async def rating_log(self, *, of: Sequence[int]) -> builtins.list[TaskRating]:
        """Every rating ever given to the tasks `of` names, a replaced one too, in the order given:
        the ratings as they stood on a past day (counting.ratings_as_of)."""
        ...


class PointsLedger(Protocol):
    """The append-only 积分 ledger: entries are added, never changed or deleted."""

    async def append(self, entry: PointEntry) -> PointEntry | None:
        """Append; None if an entry with the same (member, reason, source) exists (idempotent)."""
        ...

    async def get(self, entry_id: int) -> PointEntry | None: ...
    async def entries(
        self,
        member: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        branch: str | None = None,
    ) -> list[PointEntry]:
        """Entries in [since, until) by occurred_at, ordered by occurred_at then id; `branch`: of its members."""
        ...

    async def of_subject(self, member: str, subject: str) -> list[PointEntry]:
        """The member's entries with source `subject` or below it, and their reversals, by id."""
        ...

    async def totals(self, since: datetime, until: datetime, branch: str) -> dict[str, int]:
        """Member key → the sum of the branch's members' entries in [since, until)."""
        ...

    async def member_totals(
        self, since: datetime, split: datetime, until: datetime, branches: Sequence[str]
    ) -> dict[str, tuple[int, int | None]]:
        """Member key → (sum in [since, until), sum in [split, until) or None without an entry there)
        of the branches' members."""
        ...

    async def reversal_of(self, entry_id: int) -> PointEntry | None: ...


class JoinRepository(Protocol):
    async def add(self, request: JoinRequest) -> JoinRequest: ...
    async def get(self, request_id: int) -> JoinRequest | None: ...
    async def pending_for(self, platform: str, platform_user: str) -> JoinRequest | None: ...
    async def list(
        self, branch: str | None = None, pending_only: bool = False
    ) -> builtins.list[JoinRequest]: ...
    async def update(self, request: JoinRequest) -> None: ...


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An announcement: written before sending, marked sent after; `key` makes it exactly once."""

    key: str  # unique, e.g. "notice:math:2026-03-05"
    kind: str  # notice | reminder | decisions | summary | …
    chat: str
    payload: dict[str, Any]
    due_at: datetime
    created_at: datetime
    id: int | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    claimed_by: str | None = None  # the bot instance sending it (several may share a database)
    claimed_until: datetime | None = None  # its lease: after this another instance may take over


class OutboxRepository(Protocol):
    async def add_if_absent(self, row: OutboxRow) -> bool:
        """Insert unless the key exists; True if inserted."""
        ...

    async def add_all_if_absent(self, rows: Sequence[OutboxRow]) -> int:
        """Insert each row unless its key exists; return how many were inserted."""
        ...

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxRow]: ...
    async def claim_due(
        self, now: datetime, claimant: str, lease_until: datetime, limit: int = 10
    ) -> list[OutboxRow]:
        """Claim unsent due rows nobody else holds (or whose lease ran out) for `claimant`."""
        ...

    async def hold(self, row_id: int, claimant: str, lease_until: datetime) -> bool:
        """Extend the claimant's lease on an unsent row; False if it was sent or taken over."""
        ...

    async def release(self, claimant: str) -> int:
        """Give up the claimant's claims on its unsent rows; how many."""
        ...

    async def mark_sent(self, row_id: int, sent_at: datetime) -> None: ...
    async def mark_failed(self, row_id: int, error: str, retry_at: datetime) -> None:
        """Count a failed attempt; the row is due again at `retry_at`."""
        ...

    async def list(self) -> builtins.list[OutboxRow]: ...
    async def existing(self, keys: Sequence[str]) -> set[str]:
        """Which of these keys the outbox holds."""
        ...

    async def delivered(self, row_id: int) -> set[str]:
        """The platforms a row has already been delivered to."""
        ...

    async def record_delivery(self, row_id: int, platform: str, message_id: str, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message the bot posted with buttons, so a later button press can be understood."""

    platform: str
    chat: str
    message_id: str
    buttons: list[tuple[str, str]]  # (label, command text pressed)
    posted_at: datetime
    subject: str = ""  # e.g. "meeting:12" for tally edits


class MessageLog(Protocol):
    async def next_console_number(self) -> int:
        """The next message number for the console platform (persisted across runs)."""
        ...

    async def record(self, message: PostedMessage) -> None: ...
    async def find(self, platform: str, chat: str, message_id: str) -> PostedMessage | None: ...
    async def showing(self, platform: str, subject: str) -> list[PostedMessage]:
        """The bot's messages on a platform that show `subject` (e.g. "meeting:12"), oldest first."""
        ...

    async def seen_update(self, platform: str, update_id: str, at: datetime) -> bool:
        """Remember an incoming update; True if it had been seen before (so it is a re-delivery)."""
        ...


class CounterRepository(Protocol):
    """Named integers kept with the data (e.g. the scheduler's watermark, in epoch seconds)."""

    async def get(self, key: str) -> int | None: ...
    async def set(self, key: str, value: int) -> None: ...


class PlatformStateRepository(Protocol):
    """Small named texts a chat platform keeps with the data (e.g. Matrix's sync token, device id)."""

    async def get(self, platform: str, key: str) -> str | None: ...
    async def set(self, platform: str, key: str, value: str, expires_at: datetime | None = None) -> None:
        """Store `value`; a row with `expires_at` is deleted by `delete_expired` after that moment."""
        ...

    async def delete(self, platform: str, key: str) -> None: ...
    async def delete_if(self, platform: str, key: str, value: str) -> bool:
        """Delete the row only if it still holds `value` (nobody wrote it since it was read)."""
        ...

    async def starting_with(self, platform: str, prefix: str) -> dict[str, str]:
        """The platform's rows whose key starts with `prefix`: key -> value."""
        ...

    async def delete_expired(self, platform: str, now: datetime, limit: int) -> int:
        """Delete at most `limit` of the platform's rows expired by `now`; return how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository."""

    members: MemberRepository
    meetings: MeetingRepository
    attendance: AttendanceRepository
    suggestions: SuggestionRepository
    tasks: TaskRepository
    points: PointsLedger
    joins: JoinRepository
    outbox: OutboxRepository
    messages: MessageLog
    counters: CounterRepository
    platform_state: PlatformStateRepository
    # A unit of work joined to this shared one left what it wrote unkept: undo the transaction's work.
    undone: bool

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc_info: object) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None:
        """Discard what was done since the last commit, and carry on in a new transaction."""
        ...

    def shared(self) -> AbstractContextManager[None]:
        """Inside the block, units of work this task opens join this one (nested, all-or-nothing
        with it): one transaction for a whole chat update."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
