"""The database schema as SQLAlchemy Core tables, shared by SQLite and PostgreSQL.

`migrations/versions/` must create exactly these tables (a test compares them). Rules kept here:
- every datetime is stored as UTC through `UTCDateTime` and comes back aware;
- enums are stored as their English words in plain text columns (no native ENUM types, so adding a
  value never needs a migration);
- nothing is ever deleted, so foreign keys are ON DELETE RESTRICT;
- constraint names follow `NAMING_CONVENTION`, so later migrations can refer to them by name
  (SQLite's batch mode needs named constraints to alter a table).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive datetimes are refused so no local time slips in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to storage; pass an aware one")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite has no time zone type: store naive UTC so text comparison orders correctly.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # stored as naive UTC (SQLite)
        return value.astimezone(UTC)


def _member_fk() -> ForeignKey:
    return ForeignKey("members.key", ondelete="RESTRICT")


def _meeting_fk() -> ForeignKey:
    return ForeignKey("meetings.id", ondelete="RESTRICT")


members = Table(
    "members",
    metadata,
    Column("key", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("branch", Text, nullable=False),
    Column("roles", Text, nullable=False, server_default=""),  # comma-separated Role words, sorted
    Column("status", Text, nullable=False),
    Column("group_key", Text, nullable=True),
    Column("telegram", BigInteger, nullable=True),
    Column("matrix", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("on_long_leave", Boolean, nullable=False),
    Column("under_probation_watch", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    # Not unique: a roster reload may move an id between two members one upsert at a time.
    Index(None, "telegram"),
    Index(None, "matrix"),
    Index(None, "branch"),
)

# The roster's history (domain/roster.py): dated facts, only ever added to.
roster_changes = Table(
    "roster_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member", Text, _member_fk(), nullable=False),
    Column("kind", Text, nullable=False),  # joined | left | status | group
    Column("effective_on", Date, nullable=True),  # NULL: since before the bot kept records
    Column("status", Text, nullable=True),
    Column("group_key", Text, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", Text, nullable=True),  # NULL: the config file
    # roles/long leave/留党察看 from that day (joined, roles, long_leave, probation_watch); NULL: as stored
    Column("roles", Text, nullable=True),  # comma-separated Role words, sorted
    Column("on_long_leave", Boolean, nullable=True),
    Column("under_probation_watch", Boolean, nullable=True),
    Index(None, "member"),
)

# Seats on the school's Party committee (党委) as dated facts (domain/school_roster.py), only ever added
# to. `member` is a branch member's key or a [[school.members]] key (no branch, so no foreign key).
school_seat_changes = Table(
    "school_seat_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member", Text, nullable=False),
    Column("kind", Text, nullable=False),  # joined | left | roles
    Column("effective_on", Date, nullable=True),  # NULL: since before the bot kept records
    Column("school_roles", Text, nullable=False),  # comma-separated, sorted ("" for left)
    Column("name", Text, nullable=True),  # joined: the name then
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", Text, nullable=True),  # NULL: the config file
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("branch", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("place", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("slot_on", Date, nullable=True),
    Column("flag", Text, nullable=True),
    Column("fixed_topic", Text, nullable=False, server_default=""),
    Column("speaker", Text, nullable=True),  # a 党课's 主讲 (member key)
    # how it is signed in when not as its kind's [schedule] says: "button" for an online meeting
    Column("signin", Text, nullable=True),
    Column("created_by", Text, nullable=True),
    Column("cancelled_reason", Text, nullable=False, server_default=""),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("not_held_by", Text, nullable=True),  # who marked it 未召开 (reason in cancelled_reason)
    Column("not_held_at", UTCDateTime, nullable=True),
    # One planned meeting per slot; ad-hoc meetings have slot_on NULL, and NULLs never collide.
    UniqueConstraint("unit", "kind", "slot_on"),
    Index(None, "unit", "starts_at"),
    Index(None, "starts_at"),
    Index(None, "branch", "starts_at"),
    Index(None, "status"),
)

agenda_items = Table(
    "agenda_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("topic", Text, nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    # A material (学习材料, 会议材料) listed in the notice rather than a topic of the agenda.
    Column("material", Boolean, nullable=False, server_default=false()),
    Index(None, "meeting_id"),
)

rsvps = Table(
    "rsvps",
    metadata,
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("answer", Text, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
    Column("leave_type", Text, nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    # a leave request that waits for an approver ([schedule] leave_approval as of the request)
    Column("needs_approval", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("meeting_id", "member"),
    # A meeting's answers grouped by answer, read from the index alone (every RSVP's tally)
    Index(None, "meeting_id", "answer", "member"),
)

leave_decisions = Table(
    "leave_decisions",
    metadata,
    # An approver's decision on one leave request (issue 18); append-only, never changed.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),  # the request's answered_at
    Column("approved", Boolean, nullable=False),
    Column("decided_by", Text, _member_fk(), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Index(None, "meeting_id"),
)

signins = Table(
    "signins",
    metadata,
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("recorded_by", Text, nullable=True),
    # code (the 签到大屏's rotating code) | button | hand (marked by recorded_by); before 0011: button
    Column("method", Text, nullable=False, server_default="button"),
    PrimaryKeyConstraint("meeting_id", "member"),
)

attendance_records = Table(
    "attendance_records",
    metadata,
    # Attendance recorded by the people responsible; append-only: a correction is a newer row.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("mark", Text, nullable=False),  # present | leave | absent
    Column("leave_type", Text, nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("recorded_by", Text, _member_fk(), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index(None, "meeting_id"),
)

outlines = Table(
    "outlines",
    metadata,
    Column("meeting_id", Integer, _meeting_fk(), nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("meeting_id", "member"),
)

suggestions = Table(
    "suggestions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("branch", Text, nullable=False),
    Column("member", Text, _member_fk(), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("meeting_id", Integer, _meeting_fk(), nullable=True),
    Column("adopted_at", UTCDateTime, nullable=True),
    Column("adopted_by", Text, nullable=True),
    Index(None, "branch"),
    Index(None, "meeting_id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("branch", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("meeting_id", Integer, _meeting_fk(), nullable=True),
    # A congress decision's vote (条例第十一条); NULL when none was given.
    Column("votes_for", Integer, nullable=True),
    Column("votes_against", Integer, nullable=True),
    Column("votes_abstain", Integer, nullable=True),
    Column("voting_members", Integer, nullable=True),  # voting members as of the meeting
    Index(None, "branch"),
    Index(None, "meeting_id"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Integer, ForeignKey("decisions.id", ondelete="RESTRICT"), nullable=True),
    Column("branch", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("owner", Text, _member_fk(), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("lead", Text, _member_fk(), nullable=True),
    Column("group_key", Text, nullable=True),
    Column("status", Text, nullable=False),
    Column("claimed_by_group", Text, nullable=True),
    Column("claimed_by", Text, nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_on", Date, nullable=True),
    Column("done_note", Text, nullable=False, server_default=""),
    Index(None, "branch", "status"),
    Index(None, "branch", "done_at"),  # the tasks unfinished at a period's start (reports)
    Index(None, "status"),
)

task_ratings = Table(
    "task_ratings",
    metadata,
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="RESTRICT"), nullable=False),
    # A member key, or "platform:id" for someone off the roster (群众), so no foreign key.
    Column("rater", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("rated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("task_id", "rater"),
)

# Every 群众评价 as it was given, never changed (task_ratings keeps each person's latest): a past
# year's ratings are read as they stood at its end (issue 17, 年度评优).
task_rating_log = Table(
    "task_rating_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="RESTRICT"), nullable=False),
    Column("rater", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("rated_at", UTCDateTime, nullable=False),
    Index(None, "task_id"),
)

points = Table(
    "points",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member", Text, _member_fk(), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_by", Text, nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("reverses", Integer, ForeignKey("points.id", ondelete="RESTRICT"), nullable=True),
    # The same event recorded twice adds nothing (domain/points.py).
    UniqueConstraint("member", "reason", "source"),
    Index(None, "member", "occurred_at"),
    Index(None, "reverses"),
    Index(None, "occurred_at"),
)

join_requests = Table(
    "join_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("branch", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("platform_user", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("chat", Text, nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("status", Text, nullable=False),
    Column("decided_by", Text, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    # No foreign key: approval may record the request before the new member row is written.
    Column("member_key", Text, nullable=True),
    Index(None, "platform", "platform_user"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Exactly once is this constraint, not a hope (DESIGN.md §3).
    Column("key", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("chat", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=False, server_default=""),
    # For several instances sharing one PostgreSQL database (not used yet).
    Column("claimed_by", Text, nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("retry_at", UTCDateTime, nullable=True),  # after a failed send: not before this
    Index(None, "sent_at", "due_at"),
)

posted_messages = Table(
    "posted_messages",
    metadata,
    Column("platform", Text, nullable=False),
    Column("chat", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("buttons", JSON, nullable=False),  # [[label, command text], …]
    Column("subject", Text, nullable=False, server_default=""),
    Column("posted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "chat", "message_id"),
    Index(None, "platform", "subject"),
)

deliveries = Table(
    "deliveries",
    metadata,
    # One outbox row may go to a chat on several platforms; each platform is sent to once.
    Column("outbox_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
    Column("platform", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("outbox_id", "platform"),
)

seen_updates = Table(
    "seen_updates",
    metadata,
    Column("platform", Text, nullable=False),
    Column("update_id", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "update_id"),
)

counters = Table(
    "counters",
    metadata,
    Column("key", Text, primary_key=True),  # e.g. "console_message"
    Column("value", BigInteger, nullable=False),
)

platform_state = Table(
    "platform_state",
    metadata,
    # What a chat platform must remember across restarts, e.g. Matrix's sync token and device id.
    Column("platform", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    # When the row is of no more use (a web link or session); NULL for what is kept for good. The
    # scheduler deletes expired rows a bounded batch at a time, found through the index.
    Column("expires_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("platform", "key"),
    Index(None, "platform", "expires_at"),
)
