"""The roster's history also dates roles, long leave and 留党察看.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

A 支委 elected in April did not sit on March's committee; a member on long leave was not 应到, one
under 留党察看 had no vote, only while that was so. Each "joined" fact already stored takes the
member's roles and flags as stored now: the best the database knows of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roster_changes") as batch:
        batch.add_column(sa.Column("roles", sa.Text(), nullable=True))
        batch.add_column(sa.Column("on_long_leave", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("under_probation_watch", sa.Boolean(), nullable=True))
    changes = sa.table(
        "roster_changes",
        sa.column("member"),
        sa.column("kind"),
        sa.column("roles"),
        sa.column("on_long_leave"),
        sa.column("under_probation_watch"),
    )
    members = sa.table(
        "members",
        sa.column("key"),
        sa.column("roles"),
        sa.column("on_long_leave"),
        sa.column("under_probation_watch"),
    )
    op.get_bind().execute(
        changes.update()
        .where(changes.c.kind == "joined")
        .values(
            {
                name: sa.select(members.c[name]).where(members.c.key == changes.c.member).scalar_subquery()
                for name in ("roles", "on_long_leave", "under_probation_watch")
            }
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("roster_changes") as batch:
        batch.drop_column("under_probation_watch")
        batch.drop_column("on_long_leave")
        batch.drop_column("roles")
