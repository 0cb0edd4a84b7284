"""Per-platform deliveries of outbox rows, and posted messages found by what they show.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id", "platform"),
    )
    op.create_index(
        "ix_posted_messages_platform_subject", "posted_messages", ["platform", "subject"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_posted_messages_platform_subject", table_name="posted_messages")
    op.drop_table("deliveries")
