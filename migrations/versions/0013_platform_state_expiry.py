"""Platform state rows may expire (issue 16): used or expired web links and sessions are deleted.

`platform_state.expires_at` is when a row is of no more use (NULL: kept for good). Web links and
sessions already stored get theirs from the expiry in their JSON value, so the scheduler's pruning
reaches them too.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_platform_state_platform_expires_at"


def upgrade() -> None:
    with op.batch_alter_table("platform_state") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(INDEX, "platform_state", ["platform", "expires_at"])
    state = sa.table(
        "platform_state",
        sa.column("platform", sa.Text()),
        sa.column("key", sa.Text()),
        sa.column("value", sa.Text()),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(state.c.key, state.c.value).where(state.c.platform == "web")).all()
    for key, value in rows:
        try:
            expires = datetime.fromtimestamp(int(json.loads(value)["expires"]), UTC)
        except (ValueError, KeyError, TypeError):
            continue  # not a link or session record: kept without an expiry
        if connection.dialect.name == "sqlite":
            expires = expires.replace(tzinfo=None)  # stored as naive UTC, as UTCDateTime does
        connection.execute(
            sa.update(state).where(state.c.platform == "web", state.c.key == key).values(expires_at=expires)
        )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="platform_state")
    with op.batch_alter_table("platform_state") as batch:
        batch.drop_column("expires_at")
