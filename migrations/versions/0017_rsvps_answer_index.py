"""An index holding each meeting's answers by answer, so an RSVP's tally is read from it alone.

Every `/rsvp` and every RSVP button shows the meeting's tally, so it reads the meeting's answers,
one per member. Found through the primary key (meeting, member), each answer was a visit to the
table row; grouped by answer from this index, SQLite reads neither the table nor a sort
(issue 15: `/rsvp` p50 within 1.5× of a bare bot).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_rsvps_meeting_id_answer_member", "rsvps", ["meeting_id", "answer", "member"])


def downgrade() -> None:
    op.drop_index("ix_rsvps_meeting_id_answer_member", table_name="rsvps")
