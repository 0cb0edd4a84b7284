"""群众评价 keeps every rating as it was given (issue 17: 年度评优 counts ratings as of the year's end).

`task_ratings` holds each person's latest rating of a task (a new one replaces the old); a past
year's 群众评价 needs the ratings as they stood at its end, so every rating is also appended to
`task_rating_log`, never changed. The ratings already given are its first rows.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_rating_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("rater", sa.Text(), nullable=False),
        sa.Column("rating", sa.Text(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_task_rating_log"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_rating_log_task_id_tasks", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_task_rating_log_task_id", "task_rating_log", ["task_id"])
    op.execute(
        "INSERT INTO task_rating_log (task_id, rater, rating, rated_at) "
        "SELECT task_id, rater, rating, rated_at FROM task_ratings ORDER BY rated_at, task_id, rater"
    )


def downgrade() -> None:
    op.drop_index("ix_task_rating_log_task_id", table_name="task_rating_log")
    op.drop_table("task_rating_log")
