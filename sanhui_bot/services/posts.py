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

# counters key: 1 while a member has a private chat with the bot (started, not blocked), else 0
PRIVATE_CHAT = "private_chat:{member}"


async def set_private_chat(deps: Deps, member: str, open_: bool) -> None:
    """Record that a member started (or blocked) a private chat with the bot, on any platform."""
    async with deps.uow() as uow:
        await uow.counters.set(PRIVATE_CHAT.format(member=member), 1 if open_ else 0)
        await uow.commit()


async def private_chat_members(uow: UnitOfWork, members: set[str]) -> set[str]:
    """Which of these members have an open private chat with the bot."""
    return {key for key in members if await uow.counters.get(PRIVATE_CHAT.format(member=key))}


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
