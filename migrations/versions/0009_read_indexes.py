"""Indexes for reading one branch and one period, so answers do not slow down as the data grows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Reports, minutes, exports and the scheduler's planning read a branch's rows of a period; without
these indexes each of those reads scanned every branch's rows of every year.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_members_branch": ("members", ["branch"]),
    "ix_meetings_starts_at": ("meetings", ["starts_at"]),
    "ix_meetings_branch_starts_at": ("meetings", ["branch", "starts_at"]),
    "ix_meetings_status": ("meetings", ["status"]),
    "ix_suggestions_branch": ("suggestions", ["branch"]),
    "ix_suggestions_meeting_id": ("suggestions", ["meeting_id"]),
    "ix_decisions_branch": ("decisions", ["branch"]),
    "ix_decisions_meeting_id": ("decisions", ["meeting_id"]),
    "ix_tasks_status": ("tasks", ["status"]),
    "ix_points_occurred_at": ("points", ["occurred_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
