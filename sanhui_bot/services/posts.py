"""Posts a user's action causes (a 决议清单, a late notice, a 改期 notice), written to the outbox in the
action's own transaction so the change is never without its post. The text is rendered when the row is
delivered, a moment later, from the state written here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.services.ports import OutboxRow, UnitOfWork


async def enqueue_now(
    uow: UnitOfWork,
    key: str,
    kind: PostKind,
    chat: str,
    subject: str,
    now: datetime,
    params: dict[str, Any] | None = None,
) -> bool:
    """Write a post due now unless its key is already in the outbox; True if written."""
    return await uow.outbox.add_if_absent(
        OutboxRow(
            key=key,
            kind=kind.value,
            chat=chat,
            payload={"subject": subject, "render_at_delivery": True, "params": params or {}},
            due_at=now,
            created_at=now,
        )
    )
