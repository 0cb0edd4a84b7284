"""Posts a user's action causes (a 决议清单, a late notice, a 改期 notice), written to the outbox in the
action's own transaction so the change is never without its post. The text is rendered when the row is
delivered, a moment later, from the state written here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanhui_bot.domain.announcements import AnnouncementRules, PostKind, meeting_post_key, notice_due
from sanhui_bot.domain.model import Meeting
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.ports import OutboxRow, UnitOfWork


def rules_of(deps: Deps) -> AnnouncementRules:
    """The announcement rules the configured schedule sets."""
    return AnnouncementRules(notice_days=deps.schedule.notice_days)


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


async def notice_if_late(uow: UnitOfWork, deps: Deps, meeting: Meeting, now: datetime) -> bool:
    """A meeting whose notice time has passed gets its notice now: the planner, which only looks
    forward from its watermark, would never reach a moment already past. Same key as the planned
    notice, so it is one notice either way. True if a notice was written."""
    chat = deps.org.chat_for_unit(meeting.unit)
    if chat is None or notice_due(meeting, rules_of(deps), deps.tz) > now:
        return False
    key = meeting_post_key(PostKind.NOTICE, meeting)
    return await enqueue_now(uow, key, PostKind.NOTICE, chat, f"meeting:{meeting.id}", now)
