"""Sign-in that proves presence (issue 18): how each sign-in was made, and which meetings are online.

`signins.method` is `code` (the rotating code of the 签到大屏), `button` (the 签到 button or a bare
`/signin N` of an online meeting) or `hand` (marked present by someone responsible, `recorded_by`);
rows from before this revision were all made with the button. `meetings.signin` is the meeting's own
way of signing in (`button` for one made with `/meeting new … 线上`); NULL follows `[schedule]`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signins") as batch:
        batch.add_column(sa.Column("method", sa.Text(), nullable=False, server_default="button"))
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("signin", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("signin")
    with op.batch_alter_table("signins") as batch:
        batch.drop_column("method")
