"""An index for the tasks still unfinished at a period's start, so a report does not read its branch's every task.

A report counts the tasks not done before its period began (done in it, open, overdue). Found
through (branch, status) alone, SQLite visited each task the branch ever had, finished years ago or
not (issue 15: `/report month` grew with the age of the database).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_branch_done_at", "tasks", ["branch", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_branch_done_at", table_name="tasks")
