"""SQL implementations of the repository Protocols in `services/ports.py`.

Each class works on one connection (`database.AnyConnection`) whose transaction the unit of work owns, so nothing here
commits. Rows become domain objects at this edge (`_member_from_row` …) and nowhere else. Inserts that
must be idempotent use INSERT … ON CONFLICT DO NOTHING rather than catching IntegrityError: on
PostgreSQL a failed statement poisons the whole transaction.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Executable,
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)

from sanhui_bot.domain.attendance import AttendanceMark, AttendanceRecord
from sanhui_bot.domain.counting import TaskState
from sanhui_bot.domain.model import (
    FINISHED,
    AgendaItem,
    Decision,
    JoinRequest,
    JoinStatus,
    LeaveDecision,
    LeaveType,
    Meeting,
    MeetingKind,
    MeetingSource,
    MeetingStatus,
    Member,
    MemberStatus,
    Outline,
    Rating,
    Role,
    Rsvp,
    RsvpAnswer,
    SignIn,
    SignInMethod,
    Suggestion,
    Task,
    TaskRating,
    TaskStatus,
    Vote,
)
from sanhui_bot.domain.points import PointEntry, PointReason
from sanhui_bot.domain.roster import RosterChange, RosterChangeKind
from sanhui_bot.domain.school_roster import SeatChange, SeatChangeKind
from sanhui_bot.services.ports import MeetingIds, MeetingWindow, OutboxRow, PostedMessage
from sanhui_bot.storage.database import AnyConnection, Prepared, fetch
from sanhui_bot.storage.schema import (
    agenda_items,
    attendance_records,
    counters,
    decisions,
    deliveries,
    join_requests,
    leave_decisions,
    members,
    outbox,
    outlines,
    platform_state,
    points,
    posted_messages,
    roster_changes,
    rsvps,
    school_seat_changes,
    seen_updates,
    signins,
    suggestions,
    task_rating_log,
    task_ratings,
    tasks,
)
from sanhui_bot.storage.schema import meetings as meetings_table

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

CONSOLE_COUNTER = "console_message"


def _dialect_insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """The dialect's INSERT with ON CONFLICT; each dialect module is imported only when used
    (PostgreSQL's costs a SQLite bot a tenth of a second at start)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    raise NotImplementedError(f"no upsert for database dialect {dialect!r}")


def _upsert_insert(connection: AnyConnection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that supports ON CONFLICT for this connection's dialect (both spell it the same)."""
    return _dialect_insert(connection.dialect.name, table)


@functools.cache
def _cached_upsert(dialect: str, table: Table, keys: tuple[str, ...], updates: tuple[str, ...]) -> Executable:
    """INSERT … ON CONFLICT (keys) DO UPDATE/NOTHING, built once per dialect and table.

    Building the statement (its `excluded` columns especially) costs more than running it on SQLite,
    so hot paths execute a cached statement with plain parameters.
    """
    insert = _dialect_insert(dialect, table)
    conflict = [table.c[key] for key in keys]
    if not updates:
        return insert.on_conflict_do_nothing(index_elements=conflict)
    return insert.on_conflict_do_update(
        index_elements=conflict, set_={name: insert.excluded[name] for name in updates}
    )


# The lookups every RSVP, sign-in and tally runs, built once: on SQLite, building the expression
# (each `==` makes several objects) costs about as much as running it. Those of every update are
# `Prepared`: on SQLite run on the driver's cursor (database.Prepared says why).
_MEETING_BY_ID = Prepared(select(meetings_table).where(meetings_table.c.id == bindparam("id")))
_ROSTER_VERSION = select(counters.c.value).where(counters.c.key == "roster_version")
_ANSWERS = select(rsvps.c.member, rsvps.c.answer).where(rsvps.c.meeting_id == bindparam("meeting_id"))
# The same answers as one row per answer: its members joined by commas (no member key has one,
# config.Key) and how many there are, so that a stored key with a comma is caught, not split. Read
# from the (meeting_id, answer, member) index alone: no visit to each RSVP's row, no Python row for
# each member (issue 15: every RSVP's tally reads them).
_ANSWER_GROUPS_QUERY = (
    select(
        rsvps.c.answer,
        func.count(),
        # The separator written into the SQL, not bound: a bound one is rendered anew at each
        # execution. (SQLAlchemy annotates the argument as a str; it takes any SQL expression.)
        func.aggregate_strings(rsvps.c.member, literal_column("','")),  # type: ignore[arg-type]
    )
    .where(rsvps.c.meeting_id == bindparam("meeting_id"))
    .group_by(rsvps.c.answer)
)
_SIGNED_IN = select(signins.c.member).where(
    signins.c.meeting_id == bindparam("meeting_id"), signins.c.member == bindparam("member")
)
# An answer's two reads in one statement: the answers, then the member's sign-in (its answer NULL:
# rsvps.answer is NOT NULL, so only the sign-in row has none).
_ANSWER_GROUPS = Prepared(_ANSWER_GROUPS_QUERY)
_ANSWERS_AND_SIGNED_IN = Prepared(
    union_all(
        _ANSWER_GROUPS_QUERY,
        select(null().label("answer"), literal_column("1"), signins.c.member).where(
            signins.c.meeting_id == bindparam("meeting_id"), signins.c.member == bindparam("member")
        ),
    )
)
# Every update and every press runs these (issue 15): built once, like the ones above.
_POSTED = Prepared(
    select(posted_messages).where(
        posted_messages.c.platform == bindparam("platform"),
        posted_messages.c.chat == bindparam("chat"),
        posted_messages.c.message_id == bindparam("message_id"),
    )
)
_SHOWING = (
    select(posted_messages)
    .where(
        posted_messages.c.platform == bindparam("platform"), posted_messages.c.subject == bindparam("subject")
    )
    .order_by(posted_messages.c.posted_at)
)
_STATE = select(platform_state.c.value).where(
    platform_state.c.platform == bindparam("platform"), platform_state.c.key == bindparam("key")
)
_STATE_DELETE_IF = delete(platform_state).where(
    platform_state.c.platform == bindparam("platform"),
    platform_state.c.key == bindparam("key"),
    platform_state.c.value == bindparam("value"),
)


_BRANCH_TASKS = (
    select(tasks)
    .where(tasks.c.branch == bindparam("branch"), tasks.c.status.in_(bindparam("statuses", expanding=True)))
    .order_by(tasks.c.due_on, tasks.c.id)
)


@functools.cache
def _seen_insert(dialect: str) -> Prepared:
    """INSERT INTO seen_updates … ON CONFLICT DO NOTHING RETURNING, built once per dialect.

    It returns the roster's version too: every update then asks who wrote (the roster cache checks
    the version), and this saves it a statement of its own (issue 15).
    """
    columns = ("platform", "update_id", "seen_at")
    insert = _dialect_insert(dialect, seen_updates).values({name: bindparam(name) for name in columns})
    conflict = [seen_updates.c.platform, seen_updates.c.update_id]
    return Prepared(
        insert.on_conflict_do_nothing(index_elements=conflict).returning(
            seen_updates.c.update_id, _ROSTER_VERSION.scalar_subquery()
        )
    )


def _require_id(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"cannot update a {what} that has no id (add it first)")
    return value


def _check_updated(rowcount: int, what: str, row_id: int) -> None:
    if rowcount == 0:
        raise LookupError(f"no {what} with id {row_id}")


# --- members -------------------------------------------------------------------------------------


def _roles_to_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


@functools.cache  # a roster has a handful of distinct role lists; a district 20,000 members
def _roles_from_text(text: str) -> frozenset[Role]:
    return frozenset(Role(word) for word in text.split(",") if word)


def _member_values(member: Member) -> dict[str, Any]:
    return {
        "key": member.key,
        "name": member.name,
        "branch": member.branch,
        "roles": _roles_to_text(member.roles),
        "status": member.status.value,
        "group_key": member.group,
        "telegram": member.telegram,
        "matrix": member.matrix,
        "active": member.active,
        "on_long_leave": member.on_long_leave,
        "under_probation_watch": member.under_probation_watch,
        "source": member.source,
    }


def _member_from_row(row: Row[Any]) -> Member:
    return Member(
        key=row.key,
        name=row.name,
        branch=row.branch,
        roles=_roles_from_text(row.roles),
        status=MemberStatus(row.status),
        group=row.group_key,
        telegram=row.telegram,
        matrix=row.matrix,
        active=bool(row.active),
        on_long_leave=bool(row.on_long_leave),
        under_probation_watch=bool(row.under_probation_watch),
        source=row.source,
    )


def _change_from_row(row: Row[Any]) -> RosterChange:
    return RosterChange(
        id=row.id,
        member=row.member,
        kind=RosterChangeKind(row.kind),
        effective_on=row.effective_on,
        status=MemberStatus(row.status) if row.status is not None else None,
        group=row.group_key,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        roles=_roles_from_text(row.roles) if row.roles is not None else None,
        on_long_leave=bool(row.on_long_leave) if row.on_long_leave is not None else None,
        under_probation_watch=bool(row.under_probation_watch)
        if row.under_probation_watch is not None
        else None,
    )


@functools.cache
def _member_upsert(dialect: str) -> Executable:
    """INSERT … ON CONFLICT (key) DO UPDATE … WHERE something differs, RETURNING the key.

    Every start re-syncs the whole roster from the config (20,000 members for a district), usually
    unchanged: writing only changed rows keeps the roster version, so caches stay valid, and keeps
    bot instances starting together from queueing behind each other's row locks.
    """
    insert = _dialect_insert(dialect, members)
    updates = [column.name for column in members.columns if column.name != "key"]
    return insert.on_conflict_do_update(
        index_elements=[members.c.key],
        set_={name: insert.excluded[name] for name in updates},
        where=or_(*(members.c[name].is_distinct_from(insert.excluded[name]) for name in updates)),
    ).returning(members.c.key)


async def _increment(connection: AnyConnection, key: str) -> int:
    """Add one to a named counter (starting at 1) and return its new value."""
    insert = _upsert_insert(connection, counters).values(key=key, value=1)
    statement = insert.on_conflict_do_update(
        index_elements=[counters.c.key], set_={"value": counters.c.value + 1}
    ).returning(counters.c.value)
    return int((await connection.execute(statement)).scalar_one())


ROSTER_VERSION = "roster_version"  # the key _ROSTER_VERSION reads


class SqlCounterRepository:
    """Named integers: the console's message numbers, the roster version, the scheduler's watermark."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def get(self, key: str) -> int | None:
        query = select(counters.c.value).where(counters.c.key == key)
        value = (await self._connection.execute(query)).scalar()
        return int(value) if value is not None else None

    async def set(self, key: str, value: int) -> None:
        statement = _cached_upsert(self._connection.dialect.name, counters, ("key",), ("value",))
        await self._connection.execute(statement, {"key": key, "value": value})


class SqlPlatformState:
    """Small named texts per chat platform: Matrix's sync token and device id, web links and sessions."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def get(self, platform: str, key: str) -> str | None:
        value = (await self._connection.execute(_STATE, {"platform": platform, "key": key})).scalar()
        return str(value) if value is not None else None

    async def set(self, platform: str, key: str, value: str, expires_at: datetime | None = None) -> None:
        statement = _cached_upsert(
            self._connection.dialect.name, platform_state, ("platform", "key"), ("value", "expires_at")
        )
        await self._connection.execute(
            statement, {"platform": platform, "key": key, "value": value, "expires_at": expires_at}
        )

    async def delete(self, platform: str, key: str) -> None:
        await self._connection.execute(
            delete(platform_state).where(platform_state.c.platform == platform, platform_state.c.key == key)
        )

    async def delete_if(self, platform: str, key: str, value: str) -> bool:
        """Delete the row only if it still holds `value`; whether it did."""
        parameters = {"platform": platform, "key": key, "value": value}
        return bool((await self._connection.execute(_STATE_DELETE_IF, parameters)).rowcount)

    async def starting_with(self, platform: str, prefix: str) -> dict[str, str]:
        """The platform's rows whose key starts with `prefix`: key -> value."""
        query = select(platform_state.c.key, platform_state.c.value).where(
            platform_state.c.platform == platform,
            func.substr(platform_state.c.key, 1, len(prefix)) == prefix,
        )
        return {str(key): str(value) for key, value in await self._connection.execute(query)}

    async def delete_expired(self, platform: str, now: datetime, limit: int) -> int:
        # The oldest `limit` expired keys first (through the index), then those: both dialects, as
        # neither PostgreSQL nor a default SQLite build has DELETE … LIMIT.
        expired = (
            select(platform_state.c.key)
            .where(platform_state.c.platform == platform, platform_state.c.expires_at <= now)
            .order_by(platform_state.c.expires_at)
            .limit(limit)
        )
        keys = list((await self._connection.execute(expired)).scalars())
        if keys:
            await self._connection.execute(
                delete(platform_state).where(
                    platform_state.c.platform == platform, platform_state.c.key.in_(keys)
                )
            )
        return len(keys)


class SqlMemberRepository:
    """The roster."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection
        # The version read in this transaction: an update asks for it several times (who wrote, the
        # renderer's names, the tally's roster), and the database is asked once. This repository's
        # own roster writes, and the end of the transaction (`forget_version`), drop it.
        self._version: int | None = None

    async def version(self) -> int:
        """A number that changes whenever the roster does, so readers can cache it."""
        if self._version is None:
            self._version = int((await self._connection.execute(_ROSTER_VERSION)).scalar() or 0)
        return self._version

    def forget_version(self) -> None:
        """The transaction ended: the next `version()` asks the database again."""
        self._version = None

    def know_version(self, version: int | None) -> None:
        """The version as another statement of this transaction read it (the seen mark's)."""
        self._version = int(version or 0)

    async def get(self, key: str) -> Member | None:
        row = (await self._connection.execute(select(members).where(members.c.key == key))).first()
        return _member_from_row(row) if row else None

    async def by_platform(self, platform: str, platform_user: str) -> Member | None:
        """The active member with this Telegram id, Matrix id or (console) key."""
        query = select(members).where(members.c.active.is_(True))
        if platform == "telegram":
            try:
                telegram_id = int(platform_user)
            except ValueError:
                return None  # not a Telegram user id, so nobody has it
            query = query.where(members.c.telegram == telegram_id)
        elif platform == "matrix":
            query = query.where(members.c.matrix == platform_user)
        elif platform == "console":
            query = query.where(members.c.key == platform_user)
        else:
            return None
        row = (await self._connection.execute(query.order_by(members.c.key).limit(1))).first()
        return _member_from_row(row) if row else None

    async def upsert(self, member: Member) -> None:
        """Insert or update; the roster version moves only if something changed."""
        statement = _member_upsert(self._connection.dialect.name)
        changed = (await self._connection.execute(statement, _member_values(member))).first()
        if changed is not None:
            self._version = await _increment(self._connection, ROSTER_VERSION)

    async def deactivate_except(self, source: str, keep: set[str]) -> int:
        """Mark active members of `source` not in `keep` inactive; return how many."""
        result = await self._connection.execute(
            update(members)
            .where(members.c.source == source, members.c.active.is_(True), members.c.key.not_in(sorted(keep)))
            .values(active=False)
        )
        if result.rowcount:
            self._version = await _increment(self._connection, ROSTER_VERSION)
        return result.rowcount

    async def add_changes(self, changes: Sequence[RosterChange]) -> None:
        """Append dated facts to the roster's history; the roster version moves."""
        if not changes:
            return
        await self._connection.execute(
            roster_changes.insert(),
            [
                {
                    "member": change.member,
                    "kind": change.kind.value,
                    "effective_on": change.effective_on,
                    "status": change.status.value if change.status is not None else None,
                    "group_key": change.group,
                    "recorded_at": change.recorded_at,
                    "recorded_by": change.recorded_by,
                    "roles": _roles_to_text(change.roles) if change.roles is not None else None,
                    "on_long_leave": change.on_long_leave,
                    "under_probation_watch": change.under_probation_watch,
                }
                for change in changes
            ],
        )
        self._version = await _increment(self._connection, ROSTER_VERSION)

    async def changes(self) -> list[RosterChange]:
        """The roster's whole history, in the order recorded."""
        query = select(roster_changes).order_by(roster_changes.c.id)
        return [_change_from_row(row) for row in await self._connection.execute(query)]

    async def add_seat_changes(self, changes: Sequence[SeatChange]) -> None:
        """Append dated facts to the 党委's seat history; the roster version moves."""
        if not changes:
            return
        await self._connection.execute(
            school_seat_changes.insert(),
            [
                {
                    "member": change.member,
                    "kind": change.kind.value,
                    "effective_on": change.effective_on,
                    "school_roles": ",".join(sorted(change.school_roles)),
                    "name": change.name,
                    "recorded_at": change.recorded_at,
                    "recorded_by": change.recorded_by,
                }
                for change in changes
            ],
        )
        await _increment(self._connection, ROSTER_VERSION)

    async def seat_changes(self) -> builtins.list[SeatChange]:
        """The 党委's whole seat history, in the order recorded."""
        query = select(school_seat_changes).order_by(school_seat_changes.c.id)
        return [
            SeatChange(
                id=row.id,
                member=row.member,
                kind=SeatChangeKind(row.kind),
                effective_on=row.effective_on,
                recorded_at=row.recorded_at,
                school_roles=frozenset(role for role in row.school_roles.split(",") if role),
                name=row.name,
                recorded_by=row.recorded_by,
            )
            for row in await self._connection.execute(query)
        ]

    async def list(self, branch: str | None = None, include_inactive: bool = False) -> builtins.list[Member]:
        """Members ordered by key."""
        query = select(members).order_by(members.c.key)
        if branch is not None:
            query = query.where(members.c.branch == branch)
        if not include_inactive:
            query = query.where(members.c.active.is_(True))
        return [_member_from_row(row) for row in await self._connection.execute(query)]


def _of_meetings(column: Any, of: MeetingIds) -> Any:
    """`column IN (…)`: the meeting ids given, or those of a window selected by the database itself."""
    if isinstance(of, MeetingWindow):
        window = select(meetings_table.c.id).where(
            meetings_table.c.starts_at >= of.start, meetings_table.c.starts_at < of.end
        )
        if of.branch is not None:
            window = window.where(meetings_table.c.branch == of.branch)
        return column.in_(window)
    return column.in_(sorted(set(of)))


# --- meetings ------------------------------------------------------------------------------------


def _minutes(duration: timedelta) -> int:
    if duration % timedelta(minutes=1):
        raise ValueError(f"meeting duration {duration} is not a whole number of minutes")
    return duration // timedelta(minutes=1)


def _meeting_values(meeting: Meeting) -> dict[str, Any]:
    return {
        "branch": meeting.branch,
        "unit": meeting.unit,
        "kind": meeting.kind.value,
        "starts_at": meeting.starts_at,
        "duration_minutes": _minutes(meeting.duration),
        "title": meeting.title,
        "place": meeting.place,
        "status": meeting.status.value,
        "source": meeting.source.value,
        "slot_on": meeting.slot_on,
        "flag": meeting.flag,
        "fixed_topic": meeting.fixed_topic,
        "speaker": meeting.speaker,
        "signin": meeting.signin.value if meeting.signin is not None else None,
        "created_by": meeting.created_by,
        "cancelled_reason": meeting.cancelled_reason,
        "closed_at": meeting.closed_at,
        "published_at": meeting.published_at,
        "not_held_by": meeting.not_held_by,
        "not_held_at": meeting.not_held_at,
    }


def _meeting_from_row(row: Row[Any]) -> Meeting:
    return Meeting(
        id=row.id,
        branch=row.branch,
        unit=row.unit,
        kind=MeetingKind(row.kind),
        starts_at=row.starts_at,
        duration=timedelta(minutes=row.duration_minutes),
        title=row.title,
        place=row.place,
        status=MeetingStatus(row.status),
        source=MeetingSource(row.source),
        slot_on=row.slot_on,
        flag=row.flag,
        fixed_topic=row.fixed_topic,
        speaker=row.speaker,
        signin=SignInMethod(row.signin) if row.signin is not None else None,
        created_by=row.created_by,
        cancelled_reason=row.cancelled_reason,
        closed_at=row.closed_at,
        published_at=row.published_at,
        not_held_by=row.not_held_by,
        not_held_at=row.not_held_at,
    )


def _agenda_from_row(row: Row[Any]) -> AgendaItem:
    return AgendaItem(
        id=row.id,
        meeting_id=row.meeting_id,
        topic=row.topic,
        added_by=row.added_by,
        added_at=row.added_at,
        material=bool(row.material),
    )


class SqlMeetingRepository:
    """Meetings and their dynamic agenda topics."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def add(self, meeting: Meeting) -> Meeting:
        """Insert and return the meeting with its id (IntegrityError if its slot is taken)."""
        result = await self._connection.execute(
            meetings_table.insert().values(_meeting_values(meeting)).returning(meetings_table.c.id)
        )
        return replace(meeting, id=result.scalar_one())

    async def add_planned(self, meetings: Sequence[Meeting]) -> int:
        """Insert planned meetings whose (unit, kind, slot_on) is not stored yet; return how many."""
        inserted = 0
        for meeting in meetings:
            statement = (
                _upsert_insert(self._connection, meetings_table)
                .values(_meeting_values(meeting))
                .on_conflict_do_nothing(
                    index_elements=[meetings_table.c.unit, meetings_table.c.kind, meetings_table.c.slot_on]
                )
                .returning(meetings_table.c.id)
            )
            if (await self._connection.execute(statement)).scalar_one_or_none() is not None:
                inserted += 1
        return inserted

    async def get(self, meeting_id: int) -> Meeting | None:
        rows = await fetch(self._connection, _MEETING_BY_ID, {"id": meeting_id})
        return _meeting_from_row(rows[0]) if rows else None

    async def update(self, meeting: Meeting) -> None:
        meeting_id = _require_id(meeting.id, "meeting")
        result = await self._connection.execute(
            update(meetings_table).where(meetings_table.c.id == meeting_id).values(_meeting_values(meeting))
        )
        _check_updated(result.rowcount, "meeting", meeting_id)

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
        query = (
            select(meetings_table)
            .where(meetings_table.c.starts_at >= start, meetings_table.c.starts_at < end)
            .order_by(meetings_table.c.starts_at, meetings_table.c.id)
        )
        if units is not None:
            query = query.where(meetings_table.c.unit.in_(list(units)))
        if branch is not None:
            query = query.where(meetings_table.c.branch == branch)
        if not include_cancelled:
            query = query.where(meetings_table.c.status != MeetingStatus.CANCELLED.value)
        return [_meeting_from_row(row) for row in await self._connection.execute(query)]

    async def times_between(
        self, spans: Sequence[tuple[datetime, datetime]]
    ) -> builtins.list[tuple[int, datetime, timedelta]]:
        """(id, start, length) of the meetings not cancelled starting in any (after, until] span."""
        table = meetings_table
        query = select(table.c.id, table.c.starts_at, table.c.duration_minutes).where(
            table.c.status != MeetingStatus.CANCELLED.value,
            or_(*(and_(table.c.starts_at > after, table.c.starts_at <= until) for after, until in spans)),
        )
        return [
            (row.id, row.starts_at, timedelta(minutes=row.duration_minutes))
            for row in await self._connection.execute(query)
        ]

    async def with_ids(self, meeting_ids: Sequence[int]) -> builtins.list[Meeting]:
        """These meetings, ordered by start then id."""
        query = (
            select(meetings_table)
            .where(meetings_table.c.id.in_(sorted(set(meeting_ids))))
            .order_by(meetings_table.c.starts_at, meetings_table.c.id)
        )
        return [_meeting_from_row(row) for row in await self._connection.execute(query)]

    async def add_agenda(self, item: AgendaItem) -> AgendaItem:
        result = await self._connection.execute(
            agenda_items.insert()
            .values(
                meeting_id=item.meeting_id,
                topic=item.topic,
                added_by=item.added_by,
                added_at=item.added_at,
                material=item.material,
            )
            .returning(agenda_items.c.id)
        )
        return replace(item, id=result.scalar_one())

    async def agenda(self, meeting_id: int) -> list[AgendaItem]:
        """The meeting's agenda topics in the order they were added."""
        return await self._items(meeting_id, material=False)

    async def agendas(self, meeting_ids: Sequence[int]) -> dict[int, list[AgendaItem]]:
        """The agenda topics of these meetings by meeting id, each in the order added."""
        if not meeting_ids:
            return {}
        query = (
            select(agenda_items)
            .where(
                agenda_items.c.meeting_id.in_(sorted(set(meeting_ids))), agenda_items.c.material.is_(False)
            )
            .order_by(agenda_items.c.meeting_id, agenda_items.c.id)
        )
        found: dict[int, list[AgendaItem]] = {}
        for row in await self._connection.execute(query):
            found.setdefault(row.meeting_id, []).append(_agenda_from_row(row))
        return found

    async def materials(self, meeting_id: int) -> list[AgendaItem]:
        """The meeting's materials in the order they were added."""
        return await self._items(meeting_id, material=True)

    async def agenda_and_materials(
        self, meeting_id: int
    ) -> tuple[builtins.list[AgendaItem], builtins.list[AgendaItem]]:
        """The meeting's agenda topics and materials, each in the order added, in one statement."""
        query = (
            select(agenda_items).where(agenda_items.c.meeting_id == meeting_id).order_by(agenda_items.c.id)
        )
        agenda: builtins.list[AgendaItem] = []
        materials: builtins.list[AgendaItem] = []
        for row in await self._connection.execute(query):
            (materials if row.material else agenda).append(_agenda_from_row(row))
        return agenda, materials

    async def _items(self, meeting_id: int, material: bool) -> list[AgendaItem]:
        query = (
            select(agenda_items)
            .where(agenda_items.c.meeting_id == meeting_id, agenda_items.c.material == material)
            .order_by(agenda_items.c.id)
        )
        return [_agenda_from_row(row) for row in await self._connection.execute(query)]

    async def list(self, branch: str | None = None) -> builtins.list[Meeting]:
        """Meetings (cancelled too) ordered by start then id."""
        query = select(meetings_table).order_by(meetings_table.c.starts_at, meetings_table.c.id)
        if branch is not None:
            query = query.where(meetings_table.c.branch == branch)
        return [_meeting_from_row(row) for row in await self._connection.execute(query)]

    async def with_status(self, status: MeetingStatus) -> builtins.list[Meeting]:
        """Every meeting in one state (e.g. closed but not yet published), by start then id."""
        query = (
            select(meetings_table)
            .where(meetings_table.c.status == status.value)
            .order_by(meetings_table.c.starts_at, meetings_table.c.id)
        )
        return [_meeting_from_row(row) for row in await self._connection.execute(query)]


# --- attendance ----------------------------------------------------------------------------------


# Dict lookups, not RsvpAnswer(value): a branch's year export turns 5,000 RSVPs into objects.
_RSVP_ANSWERS = {answer.value: answer for answer in RsvpAnswer}
_LEAVE_TYPES = {leave_type.value: leave_type for leave_type in LeaveType}


def _answers_from_groups(rows: Sequence[Any]) -> tuple[dict[str, RsvpAnswer], bool] | None:
    """Member key → answer from `_ANSWER_GROUPS` rows, and whether a sign-in row (answer NULL) came
    too; None when a group's keys do not split into as many as it counted (a key with a comma)."""
    answers: dict[str, RsvpAnswer] = {}
    signed_in = False
    for answer, count, keys in rows:
        if answer is None:
            signed_in = True
            continue
        members = keys.split(",")
        if len(members) != count:
            return None
        answers.update(dict.fromkeys(members, _RSVP_ANSWERS[answer]))
    return answers, signed_in


def _rsvp_from_row(row: Row[Any], decisions: dict[tuple[int, str], list[LeaveDecision]]) -> Rsvp:
    # The decision on this very request: one on an earlier request of the member does not carry over.
    asked = decisions.get((row.meeting_id, row.member)) if decisions else None
    decision = next((d for d in asked if d.requested_at == row.answered_at), None) if asked else None
    return Rsvp(
        meeting_id=row.meeting_id,
        member=row.member,
        answer=_RSVP_ANSWERS[row.answer],
        answered_at=row.answered_at,
        leave_type=_LEAVE_TYPES[row.leave_type] if row.leave_type is not None else None,
        reason=row.reason,
        needs_approval=bool(row.needs_approval),
        decision=decision,
    )


def _leave_decision_from_row(row: Row[Any]) -> LeaveDecision:
    return LeaveDecision(
        id=row.id,
        meeting_id=row.meeting_id,
        member=row.member,
        requested_at=row.requested_at,
        approved=bool(row.approved),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


# A dict lookup, not SignInMethod(value): a district's year report turns 40,000 sign-ins into objects.
_SIGNIN_METHODS = {method.value: method for method in SignInMethod}


def _signin_from_row(row: Row[Any]) -> SignIn:
    return SignIn(
        meeting_id=row.meeting_id,
        member=row.member,
        signed_at=row.signed_at,
        recorded_by=row.recorded_by,
        method=_SIGNIN_METHODS[row.method],
    )


def _record_from_row(row: Row[Any]) -> AttendanceRecord:
    return AttendanceRecord(
        id=row.id,
        meeting_id=row.meeting_id,
        member=row.member,
        mark=AttendanceMark(row.mark),
        leave_type=LeaveType(row.leave_type) if row.leave_type is not None else None,
        reason=row.reason,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _outline_from_row(row: Row[Any]) -> Outline:
    return Outline(meeting_id=row.meeting_id, member=row.member, text=row.text, submitted_at=row.submitted_at)


class SqlAttendanceRepository:
    """RSVPs, sign-ins and 发言提纲."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def put_rsvp(self, rsvp: Rsvp) -> None:
        """Insert or replace the member's RSVP for the meeting."""
        statement = _cached_upsert(
            self._connection.dialect.name,
            rsvps,
            ("meeting_id", "member"),
            ("answer", "answered_at", "leave_type", "reason", "needs_approval"),
        )
        await self._connection.execute(
            statement,
            {
                "meeting_id": rsvp.meeting_id,
                "member": rsvp.member,
                "answer": rsvp.answer.value,
                "answered_at": rsvp.answered_at,
                "leave_type": rsvp.leave_type.value if rsvp.leave_type is not None else None,
                "reason": rsvp.reason,
                "needs_approval": rsvp.needs_approval,
            },
        )

    async def rsvp(self, meeting_id: int, member: str) -> Rsvp | None:
        query = select(rsvps).where(rsvps.c.meeting_id == meeting_id, rsvps.c.member == member)
        row = (await self._connection.execute(query)).first()
        if row is None:
            return None
        found = select(leave_decisions).where(
            leave_decisions.c.meeting_id == meeting_id, leave_decisions.c.member == member
        )
        decisions = [_leave_decision_from_row(r) for r in await self._connection.execute(found)]
        return _rsvp_from_row(row, {(meeting_id, member): decisions})

    async def add_leave_decision(self, decision: LeaveDecision) -> LeaveDecision:
        """Append an approver's decision on a leave request (decisions are never changed)."""
        result = await self._connection.execute(
            leave_decisions.insert()
            .values(
                meeting_id=decision.meeting_id,
                member=decision.member,
                requested_at=decision.requested_at,
                approved=decision.approved,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
                reason=decision.reason,
            )
            .returning(leave_decisions.c.id)
        )
        return replace(decision, id=result.scalar_one())

    async def leave_decisions(
        self, meeting_id: int | None = None, *, of: MeetingIds | None = None
    ) -> list[LeaveDecision]:
        """Leave decisions ordered by meeting, then when decided, then id."""
        table = leave_decisions
        query = select(table).order_by(table.c.meeting_id, table.c.decided_at, table.c.id)
        if meeting_id is not None:
            query = query.where(table.c.meeting_id == meeting_id)
        if of is not None:
            query = query.where(_of_meetings(table.c.meeting_id, of))
        return [_leave_decision_from_row(row) for row in await self._connection.execute(query)]

    async def answers(self, meeting_id: int) -> dict[str, RsvpAnswer]:
        """Member key → answer for one meeting: the tally's input, without building whole RSVPs."""
        parameters = {"meeting_id": meeting_id}
        grouped = _answers_from_groups(await fetch(self._connection, _ANSWER_GROUPS, parameters))
        if grouped is None:
            return await self._answers_row_by_row(meeting_id)
        return grouped[0]

    async def signed_in(self, meeting_id: int, member: str) -> bool:
        parameters = {"meeting_id": meeting_id, "member": member}
        return (await self._connection.execute(_SIGNED_IN, parameters)).first() is not None

    async def answers_and_signed_in(self, meeting_id: int, member: str) -> tuple[dict[str, RsvpAnswer], bool]:
        parameters = {"meeting_id": meeting_id, "member": member}
        rows = await fetch(self._connection, _ANSWERS_AND_SIGNED_IN, parameters)
        grouped = _answers_from_groups(rows)
        if grouped is None:
            return await self._answers_row_by_row(meeting_id), await self.signed_in(meeting_id, member)
        return grouped

    async def _answers_row_by_row(self, meeting_id: int) -> dict[str, RsvpAnswer]:
        """The answers one row each: for a meeting with a member key that the grouped read cannot split."""
        rows = (await self._connection.execute(_ANSWERS, {"meeting_id": meeting_id})).all()
        # A dict lookup, not RsvpAnswer(value): this runs for every member on every RSVP's tally.
        return {member: _RSVP_ANSWERS[answer] for member, answer in rows}

    async def rsvps(self, meeting_id: int | None = None, *, of: MeetingIds | None = None) -> list[Rsvp]:
        """RSVPs ordered by meeting, then when answered, then member."""
        query = select(rsvps).order_by(rsvps.c.meeting_id, rsvps.c.answered_at, rsvps.c.member)
        if meeting_id is not None:
            query = query.where(rsvps.c.meeting_id == meeting_id)
        if of is not None:
            query = query.where(_of_meetings(rsvps.c.meeting_id, of))
        rows = (await self._connection.execute(query)).all()
        decisions: dict[tuple[int, str], list[LeaveDecision]] = {}
        if any(row.needs_approval for row in rows):
            for decision in await self.leave_decisions(meeting_id, of=of):
                decisions.setdefault((decision.meeting_id, decision.member), []).append(decision)
        return [_rsvp_from_row(row, decisions) for row in rows]

    async def add_signin(self, signin: SignIn) -> bool:
        """Record a sign-in; False if the member had already signed in (nothing changes)."""
        statement = (
            _upsert_insert(self._connection, signins)
            .values(
                meeting_id=signin.meeting_id,
                member=signin.member,
                signed_at=signin.signed_at,
                recorded_by=signin.recorded_by,
                method=signin.method.value,
            )
            .on_conflict_do_nothing(index_elements=[signins.c.meeting_id, signins.c.member])
            .returning(signins.c.member)
        )
        return (await self._connection.execute(statement)).first() is not None

    async def signins(self, meeting_id: int | None = None, *, of: MeetingIds | None = None) -> list[SignIn]:
        """Sign-ins ordered by meeting, then time, then member."""
        query = select(signins).order_by(signins.c.meeting_id, signins.c.signed_at, signins.c.member)
        if meeting_id is not None:
            query = query.where(signins.c.meeting_id == meeting_id)
        if of is not None:
            query = query.where(_of_meetings(signins.c.meeting_id, of))
        return [_signin_from_row(row) for row in await self._connection.execute(query)]

    async def add_record(self, record: AttendanceRecord) -> AttendanceRecord:
        """Append a record of a member's attendance (records are never changed)."""
        result = await self._connection.execute(
            attendance_records.insert()
            .values(
                meeting_id=record.meeting_id,
                member=record.member,
                mark=record.mark.value,
                leave_type=record.leave_type.value if record.leave_type is not None else None,
                reason=record.reason,
                recorded_by=record.recorded_by,
                recorded_at=record.recorded_at,
            )
            .returning(attendance_records.c.id)
        )
        return replace(record, id=result.scalar_one())

    async def records(
        self, meeting_id: int | None = None, *, of: MeetingIds | None = None
    ) -> list[AttendanceRecord]:
        """Attendance records ordered by meeting, then when recorded, then id."""
        table = attendance_records
        query = select(table).order_by(table.c.meeting_id, table.c.recorded_at, table.c.id)
        if meeting_id is not None:
            query = query.where(table.c.meeting_id == meeting_id)
        if of is not None:
            query = query.where(_of_meetings(table.c.meeting_id, of))
        return [_record_from_row(row) for row in await self._connection.execute(query)]

    async def recorded_among(self, meeting_ids: Sequence[int]) -> set[int]:
        """Which of these meetings have a sign-in or an attendance record."""
        if not meeting_ids:
            return set()
        ids = list(meeting_ids)
        signed = select(signins.c.meeting_id).where(signins.c.meeting_id.in_(ids))
        recorded = select(attendance_records.c.meeting_id).where(attendance_records.c.meeting_id.in_(ids))
        rows = await self._connection.execute(signed.union(recorded))
        return {row[0] for row in rows}

    async def recorded_between(self, units: Sequence[str], start: datetime, end: datetime) -> set[int]:
        """Which meetings of these units starting in [start, end) have a sign-in or an attendance
        record: `recorded_among` for a whole window in one statement, however many meetings it holds."""
        window = select(meetings_table.c.id).where(
            meetings_table.c.unit.in_(list(units)),
            meetings_table.c.starts_at >= start,
            meetings_table.c.starts_at < end,
        )
        signed = select(signins.c.meeting_id).where(signins.c.meeting_id.in_(window))
        recorded = select(attendance_records.c.meeting_id).where(attendance_records.c.meeting_id.in_(window))
        rows = await self._connection.execute(signed.union(recorded))
        return {row[0] for row in rows}

    async def put_outline(self, outline: Outline) -> None:
        """Insert or replace the member's outline for the meeting."""
        statement = _upsert_insert(self._connection, outlines).values(
            meeting_id=outline.meeting_id,
            member=outline.member,
            text=outline.text,
            submitted_at=outline.submitted_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[outlines.c.meeting_id, outlines.c.member],
            set_={"text": statement.excluded.text, "submitted_at": statement.excluded.submitted_at},
        )
        await self._connection.execute(statement)

    async def outlines(self, meeting_id: int | None = None) -> list[Outline]:
        """Outlines ordered by meeting, then submission time, then member."""
        query = select(outlines).order_by(outlines.c.meeting_id, outlines.c.submitted_at, outlines.c.member)
        if meeting_id is not None:
            query = query.where(outlines.c.meeting_id == meeting_id)
        return [_outline_from_row(row) for row in await self._connection.execute(query)]


# --- suggestions ---------------------------------------------------------------------------------


def _suggestion_values(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "branch": suggestion.branch,
        "member": suggestion.member,
        "text": suggestion.text,
        "submitted_at": suggestion.submitted_at,
        "meeting_id": suggestion.meeting_id,
        "adopted_at": suggestion.adopted_at,
        "adopted_by": suggestion.adopted_by,
    }


def _suggestion_from_row(row: Row[Any]) -> Suggestion:
    return Suggestion(
        id=row.id,
        branch=row.branch,
        member=row.member,
        text=row.text,
        submitted_at=row.submitted_at,
        meeting_id=row.meeting_id,
        adopted_at=row.adopted_at,
        adopted_by=row.adopted_by,
    )


class SqlSuggestionRepository:
    """献策 suggestions."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def add(self, suggestion: Suggestion) -> Suggestion:
        result = await self._connection.execute(
            suggestions.insert().values(_suggestion_values(suggestion)).returning(suggestions.c.id)
        )
        return replace(suggestion, id=result.scalar_one())

    async def get(self, suggestion_id: int) -> Suggestion | None:
        query = select(suggestions).where(suggestions.c.id == suggestion_id)
        row = (await self._connection.execute(query)).first()
        return _suggestion_from_row(row) if row else None

    async def update(self, suggestion: Suggestion) -> None:
        suggestion_id = _require_id(suggestion.id, "suggestion")
        result = await self._connection.execute(
            update(suggestions)
            .where(suggestions.c.id == suggestion_id)
            .values(_suggestion_values(suggestion))
        )
        _check_updated(result.rowcount, "suggestion", suggestion_id)

    async def list(self, branch: str | None = None) -> builtins.list[Suggestion]:
        """Suggestions in the order they were made (by id)."""
        query = select(suggestions).order_by(suggestions.c.id)
        if branch is not None:
            query = query.where(suggestions.c.branch == branch)
        return [_suggestion_from_row(row) for row in await self._connection.execute(query)]


# --- decisions and tasks -------------------------------------------------------------------------


def _decision_from_row(row: Row[Any]) -> Decision:
    return Decision(
        id=row.id,
        branch=row.branch,
        unit=row.unit,
        title=row.title,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        meeting_id=row.meeting_id,
        vote=(
            Vote(row.votes_for, row.votes_against, row.votes_abstain, row.voting_members)
            if row.votes_for is not None
            else None
        ),
    )


def _task_values(task: Task) -> dict[str, Any]:
    return {
        "decision_id": task.decision_id,
        "branch": task.branch,
        "unit": task.unit,
        "title": task.title,
        "owner": task.owner,
        "due_on": task.due_on,
        "created_at": task.created_at,
        "lead": task.lead,
        "group_key": task.group,
        "status": task.status.value,
        "claimed_by_group": task.claimed_by_group,
        "claimed_by": task.claimed_by,
        "claimed_at": task.claimed_at,
        "done_at": task.done_at,
        "done_on": task.done_on,
        "done_note": task.done_note,
    }


# `select(tasks)` rows come in the table's column order, which is the Task's field order (its `group`
# is the `group_key` column): built by position, a task takes less than half the time reading its 17
# columns by name took (a month's report reads every task still open, however old: issue 15). Checked
# at import, so a column added to the table or a field to Task fails here rather than shifting fields.
_TASK_COLUMNS = tuple(
    "group_key" if field.name == "group" else field.name for field in dataclass_fields(Task)
)
if tuple(tasks.c.keys()) != _TASK_COLUMNS:
    raise RuntimeError(
        f"Task's fields are {_TASK_COLUMNS}, the tasks table's columns {tuple(tasks.c.keys())}"
    )
_TASK_STATUS = _TASK_COLUMNS.index("status")
_TASK_STATUSES = {status.value: status for status in TaskStatus}


def _task_from_row(row: Row[*tuple[Any, ...]]) -> Task:
    values = list(row)
    values[_TASK_STATUS] = _TASK_STATUSES[values[_TASK_STATUS]]
    return Task(*values)


# TaskState's fields, in its order, from the tasks table; `finished` from the status (model.FINISHED).
_TASK_STATE_COLUMNS = [
    type_coerce(tasks.c.status.in_([status.value for status in FINISHED]), Boolean).label(name)
    if name == "finished"
    else tasks.c["group_key" if name == "group" else name]
    for name in TaskState._fields
]


def _rating_from_row(row: Row[Any]) -> TaskRating:
    return TaskRating(task_id=row.task_id, rater=row.rater, rating=Rating(row.rating), rated_at=row.rated_at)


class SqlTaskRepository:
    """Decisions, the tasks they open, and the ratings those tasks get (群众评价)."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def add_decision(self, decision: Decision) -> Decision:
        result = await self._connection.execute(
            decisions.insert()
            .values(
                branch=decision.branch,
                unit=decision.unit,
                title=decision.title,
                recorded_by=decision.recorded_by,
                recorded_at=decision.recorded_at,
                meeting_id=decision.meeting_id,
                votes_for=decision.vote.approve if decision.vote else None,
                votes_against=decision.vote.against if decision.vote else None,
                votes_abstain=decision.vote.abstain if decision.vote else None,
                voting_members=decision.vote.voting_members if decision.vote else None,
            )
            .returning(decisions.c.id)
        )
        return replace(decision, id=result.scalar_one())

    async def count_decisions(self, meeting_id: int) -> int:
        query = select(func.count()).select_from(decisions).where(decisions.c.meeting_id == meeting_id)
        return int((await self._connection.execute(query)).scalar_one())

    async def meetings_with_decisions(self, meeting_ids: Sequence[int]) -> set[int]:
        if not meeting_ids:
            return set()
        query = select(decisions.c.meeting_id).where(decisions.c.meeting_id.in_(meeting_ids)).distinct()
        return {int(row.meeting_id) for row in await self._connection.execute(query)}

    async def of_meeting(self, meeting_id: int) -> list[tuple[Decision, Task | None]]:
        """A meeting's decisions with the task each opened (None: voted down), in the order recorded:
        its 决议清单."""
        query = select(decisions).where(decisions.c.meeting_id == meeting_id).order_by(decisions.c.id)
        found = [_decision_from_row(row) for row in await self._connection.execute(query)]
        if not found:
            return []
        task_query = select(tasks).where(tasks.c.decision_id.in_([d.id for d in found]))
        by_decision = {
            row.decision_id: _task_from_row(row) for row in await self._connection.execute(task_query)
        }
        return [(decision, by_decision.get(decision.id)) for decision in found]

    async def of_decisions(self, decision_ids: Sequence[int]) -> dict[int, Task]:
        """The tasks these decisions opened, by decision id."""
        if not decision_ids:
            return {}
        query = select(tasks).where(tasks.c.decision_id.in_(sorted(set(decision_ids))))
        return {row.decision_id: _task_from_row(row) for row in await self._connection.execute(query)}

    async def decisions(self, branch: str | None = None, *, of: MeetingIds | None = None) -> list[Decision]:
        """Decisions in the order they were recorded (by id); `of`: only those of these meetings."""
        query = select(decisions).order_by(decisions.c.id)
        if branch is not None:
            query = query.where(decisions.c.branch == branch)
        if of is not None:
            query = query.where(_of_meetings(decisions.c.meeting_id, of))
        return [_decision_from_row(row) for row in await self._connection.execute(query)]

    async def decisions_between(self, units: Sequence[str], start: datetime, end: datetime) -> list[Decision]:
        """Decisions of the meetings of these units starting in [start, end), by id."""
        window = select(meetings_table.c.id).where(
            meetings_table.c.unit.in_(list(units)),
            meetings_table.c.starts_at >= start,
            meetings_table.c.starts_at < end,
        )
        query = select(decisions).where(decisions.c.meeting_id.in_(window)).order_by(decisions.c.id)
        return [_decision_from_row(row) for row in await self._connection.execute(query)]

    async def add(self, task: Task) -> Task:
        result = await self._connection.execute(
            tasks.insert().values(_task_values(task)).returning(tasks.c.id)
        )
        return replace(task, id=result.scalar_one())

    async def get(self, task_id: int) -> Task | None:
        row = (await self._connection.execute(select(tasks).where(tasks.c.id == task_id))).first()
        return _task_from_row(row) if row else None

    async def update(self, task: Task) -> None:
        task_id = _require_id(task.id, "task")
        result = await self._connection.execute(
            update(tasks).where(tasks.c.id == task_id).values(_task_values(task))
        )
        _check_updated(result.rowcount, "task", task_id)

    async def put_rating(self, rating: TaskRating) -> Rating | None:
        """Record a rater's rating of a task, replacing their earlier one; returns the one replaced."""
        key = (task_ratings.c.task_id == rating.task_id) & (task_ratings.c.rater == rating.rater)
        previous = (await self._connection.execute(select(task_ratings.c.rating).where(key))).scalar()
        values = {"rating": rating.rating.value, "rated_at": rating.rated_at}
        statement = (
            _upsert_insert(self._connection, task_ratings)
            .values(task_id=rating.task_id, rater=rating.rater, **values)
            .on_conflict_do_update(index_elements=[task_ratings.c.task_id, task_ratings.c.rater], set_=values)
        )
        await self._connection.execute(statement)
        await self._connection.execute(
            task_rating_log.insert().values(task_id=rating.task_id, rater=rating.rater, **values)
        )
        return Rating(previous) if previous is not None else None

    async def rating_log(self, *, of: Sequence[int]) -> list[TaskRating]:
        """Every rating ever given to the tasks `of` names (replaced ones too), in the order given."""
        found: list[TaskRating] = []
        wanted = sorted(set(of))
        for first in range(0, len(wanted), 5000):  # SQLite caps a statement's bound parameters
            query = (
                select(task_rating_log)
                .where(task_rating_log.c.task_id.in_(wanted[first : first + 5000]))
                .order_by(task_rating_log.c.rated_at, task_rating_log.c.id)
            )
            found += [_rating_from_row(row) for row in await self._connection.execute(query)]
        return found

    async def ratings(
        self, task_id: int | None = None, *, of: Sequence[int] | None = None
    ) -> list[TaskRating]:
        """Ratings ordered by task, then time, then rater; `of`: only those of these tasks."""
        query = select(task_ratings).order_by(
            task_ratings.c.task_id, task_ratings.c.rated_at, task_ratings.c.rater
        )
        if task_id is not None:
            query = query.where(task_ratings.c.task_id == task_id)
        if of is not None:
            query = query.where(task_ratings.c.task_id.in_(sorted(set(of))))
        return [_rating_from_row(row) for row in await self._connection.execute(query)]

    async def list(
        self,
        branch: str | None = None,
        statuses: Sequence[TaskStatus] | None = None,
        *,
        unfinished_at: datetime | None = None,
        branches: Sequence[str] | None = None,
    ) -> builtins.list[Task]:
        """Tasks ordered by due date then id; `unfinished_at`: only those not done before that moment;
        `branches`: only those of these branches."""
        if branch is not None and statuses is not None and unfinished_at is None and branches is None:
            # what /tasks asks on every call: a statement built once
            parameters = {"branch": branch, "statuses": [status.value for status in statuses]}
            return [_task_from_row(row) for row in await self._connection.execute(_BRANCH_TASKS, parameters)]
        query = select(tasks).order_by(tasks.c.due_on, tasks.c.id)
        if unfinished_at is not None:
            query = query.where(or_(tasks.c.done_at.is_(None), tasks.c.done_at >= unfinished_at))
        if branch is not None:
            query = query.where(tasks.c.branch == branch)
        if branches is not None:
            query = query.where(tasks.c.branch.in_(list(branches)))
        if statuses is not None:
            query = query.where(tasks.c.status.in_([status.value for status in statuses]))
        return [_task_from_row(row) for row in await self._connection.execute(query)]

    async def unfinished(self, since: datetime, branch: str | None = None) -> builtins.list[TaskState]:
        """The tasks not done before `since` (what a report of a period from `since` counts), of
        `branch` or of every branch, as `TaskState`s ordered by due date then id."""

        def done_at(condition: Any) -> Any:
            query = select(*_TASK_STATE_COLUMNS).where(condition)
            return query if branch is None else query.where(tasks.c.branch == branch)

        # Two ranges of ix_tasks_branch_done_at rather than an OR, which SQLite (without ANALYZE's
        # statistics) answers by visiting every task the branch ever had.
        query = union_all(done_at(tasks.c.done_at.is_(None)), done_at(tasks.c.done_at >= since))
        rows = await self._connection.execute(query.order_by("due_on", "id"))
        return [TaskState(*row) for row in rows]


# --- points --------------------------------------------------------------------------------------


# A dict lookup, not PointReason(value): a branch's year holds 4,000 entries.
_POINT_REASONS = {reason.value: reason for reason in PointReason}


def _entry_from_row(row: Row[Any]) -> PointEntry:
    return PointEntry(
        id=row.id,
        member=row.member,
        delta=row.delta,
        reason=_POINT_REASONS[row.reason],
        source=row.source,
        occurred_at=row.occurred_at,
        recorded_by=row.recorded_by,
        note=row.note,
        reverses=row.reverses,
    )


class SqlPointsLedger:
    """The append-only 积分 ledger: it has no update or delete, by design (domain/points.py)."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def append(self, entry: PointEntry) -> PointEntry | None:
        """Append; None if an entry with the same (member, reason, source) exists (idempotent)."""
        statement = (
            _upsert_insert(self._connection, points)
            .values(
                member=entry.member,
                delta=entry.delta,
                reason=entry.reason.value,
                source=entry.source,
                occurred_at=entry.occurred_at,
                recorded_by=entry.recorded_by,
                note=entry.note,
                reverses=entry.reverses,
            )
            .on_conflict_do_nothing(index_elements=[points.c.member, points.c.reason, points.c.source])
            .returning(points.c.id)
        )
        entry_id = (await self._connection.execute(statement)).scalar_one_or_none()
        return replace(entry, id=entry_id) if entry_id is not None else None

    async def get(self, entry_id: int) -> PointEntry | None:
        row = (await self._connection.execute(select(points).where(points.c.id == entry_id))).first()
        return _entry_from_row(row) if row else None

    async def entries(
        self,
        member: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        branch: str | None = None,
    ) -> list[PointEntry]:
        """Entries in [since, until) by occurred_at, ordered by occurred_at then id; `branch`: only
        those of the branch's members (a district's ledger holds every school's entries)."""
        query = select(points).order_by(points.c.occurred_at, points.c.id)
        if member is not None:
            query = query.where(points.c.member == member)
        if branch is not None:
            query = query.where(points.c.member.in_(select(members.c.key).where(members.c.branch == branch)))
        if since is not None:
            query = query.where(points.c.occurred_at >= since)
        if until is not None:
            query = query.where(points.c.occurred_at < until)
        return [_entry_from_row(row) for row in await self._connection.execute(query)]

    async def totals(self, since: datetime, until: datetime, branch: str) -> dict[str, int]:
        """Member key → sum of the branch's members' entries in [since, until) (members with none absent)."""
        query = (
            select(points.c.member, func.sum(points.c.delta))
            .where(points.c.member.in_(select(members.c.key).where(members.c.branch == branch)))
            .where(points.c.occurred_at >= since, points.c.occurred_at < until)
            .group_by(points.c.member)
        )
        return {str(row[0]): int(row[1]) for row in await self._connection.execute(query)}

    async def member_totals(
        self, since: datetime, split: datetime, until: datetime, branches: Sequence[str]
    ) -> dict[str, tuple[int, int | None]]:
        """Member key → (sum in [since, until), sum in [split, until) or None without an entry there)
        for the members of these branches with entries in [since, until): a district's year and
        month in one statement."""
        recent = case((points.c.occurred_at >= split, points.c.delta))  # NULL before: SUM skips it
        query = (
            select(points.c.member, func.sum(points.c.delta), func.sum(recent))
            .where(points.c.member.in_(select(members.c.key).where(members.c.branch.in_(list(branches)))))
            .where(points.c.occurred_at >= since, points.c.occurred_at < until)
            .group_by(points.c.member)
        )
        return {
            str(row[0]): (int(row[1]), int(row[2]) if row[2] is not None else None)
            for row in await self._connection.execute(query)
        }

    async def of_subject(self, member: str, subject: str) -> list[PointEntry]:
        """The member's entries whose source is `subject` or below it (`meeting:12`, `meeting:12:2`),
        and the entries reversing them, ordered by id."""
        below = points.c.source.like(f"{subject}:%")  # sources are "<kind>:<id>[:…]": no wildcards
        direct = select(points.c.id).where(points.c.member == member, (points.c.source == subject) | below)
        query = (
            select(points)
            .where(points.c.member == member, points.c.id.in_(direct) | points.c.reverses.in_(direct))
            .order_by(points.c.id)
        )
        return [_entry_from_row(row) for row in await self._connection.execute(query)]

    async def reversal_of(self, entry_id: int) -> PointEntry | None:
        """The entry that reverses `entry_id`, if any (at most one: see the unique source)."""
        query = select(points).where(points.c.reverses == entry_id).order_by(points.c.id).limit(1)
        row = (await self._connection.execute(query)).first()
        return _entry_from_row(row) if row else None


# --- join requests -------------------------------------------------------------------------------


def _join_values(request: JoinRequest) -> dict[str, Any]:
    return {
        "branch": request.branch,
        "platform": request.platform,
        "platform_user": request.platform_user,
        "name": request.name,
        "chat": request.chat,
        "requested_at": request.requested_at,
        "status": request.status.value,
        "decided_by": request.decided_by,
        "decided_at": request.decided_at,
        "member_key": request.member_key,
    }


def _join_from_row(row: Row[Any]) -> JoinRequest:
    return JoinRequest(
        id=row.id,
        branch=row.branch,
        platform=row.platform,
        platform_user=row.platform_user,
        name=row.name,
        chat=row.chat,
        requested_at=row.requested_at,
        status=JoinStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        member_key=row.member_key,
    )


class SqlJoinRepository:
    """/join requests from people off the roster."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def add(self, request: JoinRequest) -> JoinRequest:
        result = await self._connection.execute(
            join_requests.insert().values(_join_values(request)).returning(join_requests.c.id)
        )
        return replace(request, id=result.scalar_one())

    async def get(self, request_id: int) -> JoinRequest | None:
        query = select(join_requests).where(join_requests.c.id == request_id)
        row = (await self._connection.execute(query)).first()
        return _join_from_row(row) if row else None

    async def pending_for(self, platform: str, platform_user: str) -> JoinRequest | None:
        """The oldest pending request from this platform user, if any."""
        query = (
            select(join_requests)
            .where(
                join_requests.c.platform == platform,
                join_requests.c.platform_user == platform_user,
                join_requests.c.status == JoinStatus.PENDING.value,
            )
            .order_by(join_requests.c.id)
            .limit(1)
        )
        row = (await self._connection.execute(query)).first()
        return _join_from_row(row) if row else None

    async def update(self, request: JoinRequest) -> None:
        request_id = _require_id(request.id, "join request")
        result = await self._connection.execute(
            update(join_requests).where(join_requests.c.id == request_id).values(_join_values(request))
        )
        _check_updated(result.rowcount, "join request", request_id)

    async def list(self, branch: str | None = None, pending_only: bool = False) -> builtins.list[JoinRequest]:
        """Requests in the order they were made (by id)."""
        query = select(join_requests).order_by(join_requests.c.id)
        if branch is not None:
            query = query.where(join_requests.c.branch == branch)
        if pending_only:
            query = query.where(join_requests.c.status == JoinStatus.PENDING.value)
        return [_join_from_row(row) for row in await self._connection.execute(query)]


# --- outbox --------------------------------------------------------------------------------------


def _outbox_from_row(row: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        key=row.key,
        kind=row.kind,
        chat=row.chat,
        payload=row.payload,
        due_at=row.due_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
        attempts=row.attempts,
        last_error=row.last_error,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
    )


# Rows per INSERT of `add_all_if_absent`: 9 parameters a row stays far below SQLite's and
# PostgreSQL's 32,767 parameters per statement.
OUTBOX_BATCH = 500


class SqlOutboxRepository:
    """Announcements written before sending; the unique key makes each one exactly once."""

    def __init__(self, connection: AnyConnection) -> None:
        self._connection = connection

    async def add_if_absent(self, row: OutboxRow) -> bool:
        """Insert unless the key exists; True if inserted."""
        statement = (
            _upsert_insert(self._connection, outbox)
            .values(
                key=row.key,
                kind=row.kind,
                chat=row.chat,
                payload=row.payload,
                due_at=row.due_at,
                created_at=row.created_at,
                sent_at=row.sent_at,
                attempts=row.attempts,
                last_error=row.last_error,
            )
            .on_conflict_do_nothing(index_elements=[outbox.c.key])
            .returning(outbox.c.id)
        )
        return (await self._connection.execute(statement)).first() is not None

    async def add_all_if_absent(self, rows: Sequence[OutboxRow]) -> int:
        """Insert each row unless its key exists, in a few statements (a district's month-end writes
        a thousand); return how many were inserted."""
        added = 0
        for first in range(0, len(rows), OUTBOX_BATCH):
            values = [
                {
                    "key": row.key,
                    "kind": row.kind,
                    "chat": row.chat,
                    "payload": row.payload,
                    "due_at": row.due_at,
                    "created_at": row.created_at,
                    "sent_at": row.sent_at,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                }
                for row in rows[first : first + OUTBOX_BATCH]
            ]
            statement = (
                _upsert_insert(self._connection, outbox)
                .values(values)
                .on_conflict_do_nothing(index_elements=[outbox.c.key])
                .returning(outbox.c.id)
            )
            added += len((await self._connection.execute(statement)).all())
        return added

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxRow]:
        """Unsent rows due by `now`, oldest due first."""
        query = (
            select(outbox)
            .where(
                outbox.c.sent_at.is_(None),
                outbox.c.due_at <= now,
                or_(outbox.c.retry_at.is_(None), outbox.c.retry_at <= now),
            )
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
        )
        return [_outbox_from_row(row) for row in await self._connection.execute(query)]

    async def claim_due(
        self, now: datetime, claimant: str, lease_until: datetime, limit: int = 10
    ) -> list[OutboxRow]:
        """Claim up to `limit` unsent rows due by `now` for `claimant` until `lease_until`; oldest due first.

        A row is free when nobody holds it or its lease has run out (its claimant died mid-send), so
        several bot instances on one database each take different rows. On PostgreSQL the candidates
        are locked with FOR UPDATE SKIP LOCKED: two instances claiming at once skip each other's rows
        instead of waiting, and a row whose claim commits first is re-checked and left out. SQLite
        has no row locks (SQLAlchemy leaves the clause out there); its BEGIN IMMEDIATE lets one
        writer in at a time, which makes the select-then-update just as exclusive.
        """
        candidates = (
            select(outbox.c.id)
            .where(
                outbox.c.sent_at.is_(None),
                outbox.c.due_at <= now,
                or_(outbox.c.retry_at.is_(None), outbox.c.retry_at <= now),
                # Not even the claimant's own held rows: a delivery loop then always ends.
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
            )
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(candidates.scalar_subquery()))
            .values(claimed_by=claimant, claimed_until=lease_until)
            .returning(*outbox.c)
        )
        claimed = [_outbox_from_row(row) for row in await self._connection.execute(statement)]
        return sorted(claimed, key=lambda row: (row.due_at, row.id or 0))  # RETURNING keeps no order

    async def hold(self, row_id: int, claimant: str, lease_until: datetime) -> bool:
        """Extend `claimant`'s lease on an unsent row; False if the row was sent or taken over meanwhile."""
        statement = (
            update(outbox)
            .where(
                outbox.c.id == row_id,
                outbox.c.sent_at.is_(None),
                outbox.c.claimed_by == claimant,
            )
            .values(claimed_until=lease_until)
            .returning(outbox.c.id)
        )
        return (await self._connection.execute(statement)).first() is not None

    async def release(self, claimant: str) -> int:
        """Give up `claimant`'s claims on its unsent rows (it stops), so another start need not wait
        for their leases to run out; return how many."""
        statement = (
            update(outbox)
            .where(outbox.c.claimed_by == claimant, outbox.c.sent_at.is_(None))
            .values(claimed_by=None, claimed_until=None)
        )
        return (await self._connection.execute(statement)).rowcount

    async def mark_sent(self, row_id: int, sent_at: datetime) -> None:
        """Record the successful send (which counts as an attempt)."""
        result = await self._connection.execute(
            update(outbox)
            .where(outbox.c.id == row_id)
            .values(sent_at=sent_at, attempts=outbox.c.attempts + 1)
        )
        _check_updated(result.rowcount, "outbox row", row_id)

    async def mark_failed(self, row_id: int, error: str, retry_at: datetime) -> None:
        """Count a failed attempt and keep its error; the row is due again at `retry_at`."""
        result = await self._connection.execute(
            update(outbox)
            .where(outbox.c.id == row_id)
            # The claim ends with the attempt: whichever instance is free at retry_at tries again.
            .values(
                attempts=outbox.c.attempts + 1,
                last_error=error,
                retry_at=retry_at,
                claimed_by=None,
                claimed_until=None,
            )
        )
        _check_updated(result.rowcount, "outbox row", row_id)

    async def list(self) -> builtins.list[OutboxRow]:
        """Every row, in the order written (by id)."""
        query = select(outbox).order_by(outbox.c.id)
        return [_outbox_from_row(row) for row in await self._connection.execute(query)]

    async def existing(self, keys: Sequence[str]) -> set[str]:
        """Which of these keys the outbox holds (asked in chunks: SQLite caps bound parameters)."""
        found: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            query = select(outbox.c.key).where(outbox.c.key.in_(chunk))
            found.update((await self._connection.execute(query)).scalars())
        return found

    async def delivered(self, row_id: int) -> set[str]:
        """The platforms a row has already been delivered to."""
        query = select(deliveries.c.platform).where(deliveries.c.outbox_id == row_id)
        return set((await self._connection.execute(query)).scalars())

    async def record_delivery(self, row_id: int, platform: str, message_id: str, at: datetime) -> None:
        """Remember that the row reached one platform, so a retry of the row skips it."""
        statement = (
            _upsert_insert(self._connection, deliveries)
            .values(outbox_id=row_id, platform=platform, message_id=message_id, sent_at=at)
            .on_conflict_do_nothing(index_elements=[deliveries.c.outbox_id, deliveries.c.platform])
        )
        await self._connection.execute(statement)


# --- messages ------------------------------------------------------------------------------------


def _posted_from_row(row: Row[Any]) -> PostedMessage:
    return PostedMessage(
        platform=row.platform,
        chat=row.chat,
        message_id=row.message_id,
        buttons=[(label, command) for label, command in row.buttons],  # JSON gives lists back
        posted_at=row.posted_at,
        subject=row.subject,
    )


class SqlMessageLog:
    """What the bot posted (for button presses), updates it has seen, and the console's numbering."""

    def __init__(
        self, connection: AnyConnection, roster_version: Callable[[int | None], None] | None = None
    ) -> None:
        self._connection = connection
        self._roster_version = roster_version  # told the roster's version each seen mark reads

    async def next_console_number(self) -> int:
        """The next console message number (1, 2, …), persisted across runs."""
        return await _increment(self._connection, CONSOLE_COUNTER)

    async def record(self, message: PostedMessage) -> None:
        """Remember a posted message; recording the same message again replaces it (an edit)."""
        statement = _upsert_insert(self._connection, posted_messages).values(
            platform=message.platform,
            chat=message.chat,
            message_id=message.message_id,
            buttons=[[label, command] for label, command in message.buttons],
            subject=message.subject,
            posted_at=message.posted_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[posted_messages.c.platform, posted_messages.c.chat, posted_messages.c.message_id],
            set_={name: statement.excluded[name] for name in ("buttons", "subject", "posted_at")},
        )
        await self._connection.execute(statement)

    async def find(self, platform: str, chat: str, message_id: str) -> PostedMessage | None:
        parameters = {"platform": platform, "chat": chat, "message_id": message_id}
        rows = await fetch(self._connection, _POSTED, parameters)
        return _posted_from_row(rows[0]) if rows else None

    async def showing(self, platform: str, subject: str) -> list[PostedMessage]:
        """The bot's messages on a platform that show `subject`, oldest first."""
        parameters = {"platform": platform, "subject": subject}
        return [_posted_from_row(row) for row in await self._connection.execute(_SHOWING, parameters)]

    async def seen_update(self, platform: str, update_id: str, at: datetime) -> bool:
        """Remember an incoming update; True if it had been seen before (so it is a re-delivery)."""
        statement = _seen_insert(self._connection.dialect.name)
        parameters = {"platform": platform, "update_id": update_id, "seen_at": at}
        rows = await fetch(self._connection, statement, parameters)
        if not rows:
            return True  # the insert did nothing: seen before
        if self._roster_version is not None:
            self._roster_version(rows[0][1])
        return False
