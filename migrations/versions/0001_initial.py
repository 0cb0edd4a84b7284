"""The initial schema: roster, meetings, attendance, 献策, decisions and tasks, points, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-03-01

Migrations are append-only: never edit this one once released; add the next. It uses plain `sa`
types rather than the application's (`UTCDateTime` is a DateTime(timezone=True) underneath), so it
keeps meaning what it meant when it was written.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=True),
        sa.Column("telegram", sa.BigInteger(), nullable=True),
        sa.Column("matrix", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("on_long_leave", sa.Boolean(), nullable=False),
        sa.Column("under_probation_watch", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_members"),
    )
    op.create_index("ix_members_telegram", "members", ["telegram"])
    op.create_index("ix_members_matrix", "members", ["matrix"])

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("starts_at", _utc(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("place", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("slot_on", sa.Date(), nullable=True),
        sa.Column("flag", sa.Text(), nullable=True),
        sa.Column("fixed_topic", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("published_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("unit", "kind", "slot_on", name="uq_meetings_unit_kind_slot_on"),
    )
    op.create_index("ix_meetings_unit_starts_at", "meetings", ["unit", "starts_at"])

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_items"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_agenda_items_meeting_id_meetings", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_agenda_items_meeting_id", "agenda_items", ["meeting_id"])

    op.create_table(
        "rsvps",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", _utc(), nullable=False),
        sa.Column("leave_type", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "member", name="pk_rsvps"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_rsvps_meeting_id_meetings", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_rsvps_member_members", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "signins",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("signed_at", _utc(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("meeting_id", "member", name="pk_signins"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_signins_meeting_id_meetings", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_signins_member_members", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "outlines",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "member", name="pk_outlines"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_outlines_meeting_id_meetings", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_outlines_member_members", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("adopted_at", _utc(), nullable=True),
        sa.Column("adopted_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_suggestions"),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_suggestions_member_members", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_suggestions_meeting_id_meetings", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_decisions_meeting_id_meetings", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("group_key", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("claimed_by_group", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("done_at", _utc(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_note", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_tasks_decision_id_decisions", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["owner"], ["members.key"], name="fk_tasks_owner_members", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["lead"], ["members.key"], name="fk_tasks_lead_members", ondelete="RESTRICT"),
    )
    op.create_index("ix_tasks_branch_status", "tasks", ["branch", "status"])

    op.create_table(
        "task_ratings",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("rater", sa.Text(), nullable=False),
        sa.Column("rating", sa.Text(), nullable=False),
        sa.Column("rated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "rater", name="pk_task_ratings"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_ratings_task_id_tasks", ondelete="RESTRICT"
        ),
    )

    op.create_table(
        "points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_points"),
        sa.UniqueConstraint("member", "reason", "source", name="uq_points_member_reason_source"),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_points_member_members", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["reverses"], ["points.id"], name="fk_points_reverses_points", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_points_member_occurred_at", "points", ["member", "occurred_at"])
    op.create_index("ix_points_reverses", "points", ["reverses"])

    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch", sa.Text(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("platform_user", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.Column("member_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_join_requests"),
    )
    op.create_index("ix_join_requests_platform_platform_user", "join_requests", ["platform", "platform_user"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_sent_at_due_at", "outbox", ["sent_at", "due_at"])

    op.create_table(
        "posted_messages",
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("posted_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat", "message_id", name="pk_posted_messages"),
    )

    op.create_table(
        "seen_updates",
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("update_id", sa.Text(), nullable=False),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name="pk_seen_updates"),
    )

    op.create_table(
        "counters",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_counters"),
    )


def downgrade() -> None:
    # Children before parents, so no foreign key is left dangling on the way down.
    for table in (
        "counters",
        "seen_updates",
        "posted_messages",
        "outbox",
        "join_requests",
        "points",
        "task_ratings",
        "tasks",
        "decisions",
        "suggestions",
        "outlines",
        "signins",
        "rsvps",
        "agenda_items",
        "meetings",
        "members",
    ):
        op.drop_table(table)
