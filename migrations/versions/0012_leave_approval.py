"""Leave that someone approves (issue 18): a request that waits for an approver, and the decisions.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rsvps") as batch:
        batch.add_column(sa.Column("needs_approval", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "leave_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_leave_decisions_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member"], ["members.key"], name=op.f("fk_leave_decisions_member_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["members.key"],
            name=op.f("fk_leave_decisions_decided_by_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_decisions")),
    )
    op.create_index(op.f("ix_leave_decisions_meeting_id"), "leave_decisions", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_leave_decisions_meeting_id"), table_name="leave_decisions")
    op.drop_table("leave_decisions")
    with op.batch_alter_table("rsvps") as batch:
        batch.drop_column("needs_approval")
