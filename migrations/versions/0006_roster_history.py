"""The roster's history (joined, left, 转正, group changes as dated facts) and congress votes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Every member already stored gets a "joined" fact with no date (on the roster since before the bot's
records, as it was taken until now); a member already inactive also gets an undated "left", so past
reports count exactly whom they counted before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("group_key", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_roster_changes"),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name="fk_roster_changes_member_members", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_roster_changes_member", "roster_changes", ["member"])
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("votes_for", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("votes_against", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("votes_abstain", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("voting_members", sa.Integer(), nullable=True))

    connection = op.get_bind()
    members = sa.table(
        "members", sa.column("key"), sa.column("status"), sa.column("group_key"), sa.column("active")
    )
    changes = sa.table(
        "roster_changes",
        sa.column("member"),
        sa.column("kind"),
        sa.column("effective_on"),
        sa.column("status"),
        sa.column("group_key"),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like the application's UTCDateTime
    rows = connection.execute(sa.select(members).order_by(members.c.key)).all()
    joined = [
        {
            "member": r.key,
            "kind": "joined",
            "effective_on": None,
            "status": r.status,
            "group_key": r.group_key,
            "recorded_at": now,
        }
        for r in rows
    ]
    left = [
        {
            "member": r.key,
            "kind": "left",
            "effective_on": None,
            "status": None,
            "group_key": None,
            "recorded_at": now,
        }
        for r in rows
        if not r.active
    ]
    for batch_rows in (joined, left):
        if batch_rows:
            connection.execute(changes.insert(), batch_rows)


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("voting_members")
        batch.drop_column("votes_abstain")
        batch.drop_column("votes_against")
        batch.drop_column("votes_for")
    op.drop_index("ix_roster_changes_member", table_name="roster_changes")
    op.drop_table("roster_changes")
