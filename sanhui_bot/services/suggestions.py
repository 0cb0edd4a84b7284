"""献策: members' suggestions, made during a meeting or between meetings, and their adoption."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sanhui_bot.commands.model import Adopt, Suggest
from sanhui_bot.domain.errors import DomainError, NotFound
from sanhui_bot.domain.model import Actor, ChatContext, Suggestion
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.points import PointReason
from sanhui_bot.services.deps import Deps, require_chat
from sanhui_bot.services.meetings import meeting_in_session
from sanhui_bot.services.points import award

MAX_SUGGESTION = 500


async def suggest(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: Suggest, now: datetime
) -> Suggestion:
    """Record a suggestion; during the chat's meeting it belongs to that meeting's 献策环节."""
    chat = require_chat(ctx)
    member = require(actor, Action.SUGGEST)
    text = cmd.text.strip()
    if not text:
        raise DomainError("empty_text")
    async with deps.uow() as uow:
        meeting = await meeting_in_session(uow, deps, chat.unit, now)
        suggestion = await uow.suggestions.add(
            Suggestion(
                id=None,
                branch=chat.branch,
                member=member.key,
                text=text[:MAX_SUGGESTION],
                submitted_at=now,
                meeting_id=meeting.id if meeting else None,
            )
        )
        # One suggestion point per meeting (or per day between meetings), so that points reward
        # taking part rather than the number of messages.
        period = f"meeting:{meeting.id}" if meeting else f"day:{deps.local_date(now).isoformat()}"
        await award(uow, deps, member.key, PointReason.SUGGESTION, period, now)
        await uow.commit()
    return suggestion


async def adopt(deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: Adopt, now: datetime) -> Suggestion:
    """A secretary adopts a suggestion; its author earns the adoption points once."""
    chat = require_chat(ctx)
    secretary = require(actor, Action.ADOPT)
    async with deps.uow() as uow:
        suggestion = await uow.suggestions.get(cmd.suggestion_id)
        if suggestion is None or suggestion.branch != chat.branch:
            raise NotFound("suggestion_not_found", suggestion=cmd.suggestion_id)
        if suggestion.adopted:
            raise DomainError("suggestion_already_adopted", suggestion=suggestion.id)
        suggestion = replace(suggestion, adopted_at=now, adopted_by=secretary.key)
        await uow.suggestions.update(suggestion)
        await award(
            uow, deps, suggestion.member, PointReason.SUGGESTION_ADOPTED, f"suggestion:{suggestion.id}", now
        )
        await uow.commit()
    return suggestion
