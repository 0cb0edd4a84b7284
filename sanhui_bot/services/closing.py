"""Closing a meeting and publishing its 决议清单 (公示), with the posts both owe.

`/close N` drafts the 决议清单 from the meeting's decisions and sends it to the committee chat;
`/publish N` publishes it in the unit's chat. Each post is written to the outbox in the same
transaction as the change that causes it (services/posts.py), so a close is never without its post,
nor posted twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.announcements import PostKind, meeting_post_key
from sanhui_bot.domain.counting import DEFAULT_LEDGER_RANGE, LedgerRange, owes_decision_list, publish_deadline
from sanhui_bot.domain.errors import DomainError, UnknownCalendarYear
from sanhui_bot.domain.model import Actor, ChatContext, Decision, Meeting, MeetingKind, Task
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.services.deps import Deps, meeting_in_branch, require_chat
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.posts import enqueue_now

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecisionList:
    """A meeting's 决议清单: its decisions with their tasks, and the 公示 deadline."""

    meeting: Meeting
    items: list[tuple[Decision, Task | None]]  # None: a congress decision voted down (未通过)
    deadline: date | None  # None: the calendar has no data for the meeting's year
    ledger_range: LedgerRange = DEFAULT_LEDGER_RANGE

    decisions: int = 0  # how many decisions the meeting holds (a decision without a task included)

    @property
    def owed(self) -> bool:
        """Whether the meeting owes a 决议清单 at all: it holds a decision and is not a 党课."""
        held = self.decisions or len(self.items)
        return owes_decision_list(self.meeting, {self.meeting.id or 0} if held else set())

    @property
    def ledger_out_of_range(self) -> bool:
        return self.meeting.kind is MeetingKind.COMMITTEE and not self.ledger_range.holds(len(self.items))


def _deadline(deps: Deps, meeting: Meeting) -> date | None:
    try:
        return publish_deadline(deps.calendar, deps.local_date(meeting.starts_at))
    except UnknownCalendarYear:
        log.warning("no working-day calendar for meeting %s: its 公示 deadline is unknown", meeting.id)
        return None


async def decision_list(deps: Deps, meeting_id: int) -> DecisionList | None:
    """The 决议清单 of a meeting as stored now; None if there is no such meeting."""
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        if meeting is None:
            return None
        items = await uow.tasks.of_meeting(meeting_id)
        held = await uow.tasks.count_decisions(meeting_id)
    return DecisionList(meeting, items, _deadline(deps, meeting), deps.ledger_range, held)


def publication_chat(deps: Deps, meeting: Meeting) -> str | None:
    """Where a 决议清单 is published: a group meeting's in its group chat, the rest in the branch chat."""
    if meeting.kind is MeetingKind.GROUP:
        return deps.org.chat_for_unit(meeting.unit)
    branch = deps.org.branch(meeting.branch)
    return branch.chat if branch else None


async def _enqueue(
    uow: UnitOfWork, kind: PostKind, chat: str | None, meeting: Meeting, now: datetime
) -> None:
    if chat is None:
        log.warning("no chat for %s of meeting %s", kind, meeting.id)
        return
    await enqueue_now(uow, meeting_post_key(kind, meeting), kind, chat, f"meeting:{meeting.id}", now)


async def close_meeting(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.CloseMeeting, now: datetime
) -> DecisionList:
    """The secretary closes a meeting that has started: its 决议清单, if it owes one, goes to the committee chat."""
    chat = require_chat(ctx)
    require(actor, Action.PUBLISH)
    async with deps.uow() as uow:
        meeting = (await meeting_in_branch(uow, chat.branch, cmd.meeting_id)).close(now)
        await uow.meetings.update(meeting)
        items = await uow.tasks.of_meeting(meeting.id or 0)
        held = await uow.tasks.count_decisions(meeting.id or 0)
        closing = DecisionList(meeting, items, _deadline(deps, meeting), deps.ledger_range, held)
        branch = deps.org.branch(meeting.branch)
        committee_chat = branch.committee_chat if branch else None
        if closing.owed:  # nothing empty is drafted (DESIGN §2)
            await _enqueue(uow, PostKind.DECISION_LIST, committee_chat, meeting, now)
        if closing.ledger_out_of_range:
            await _enqueue(uow, PostKind.LEDGER_CHECK, committee_chat, meeting, now)
        await uow.commit()
    return closing


async def publish_decisions(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.PublishDecisions, now: datetime
) -> DecisionList:
    """The secretary publishes (公示) a closed meeting's 决议清单 in the unit's chat."""
    chat = require_chat(ctx)
    require(actor, Action.PUBLISH)
    async with deps.uow() as uow:
        meeting = (await meeting_in_branch(uow, chat.branch, cmd.meeting_id)).publish(now)
        items = await uow.tasks.of_meeting(meeting.id or 0)
        held = await uow.tasks.count_decisions(meeting.id or 0)
        if not DecisionList(meeting, items, None, decisions=held).owed:
            # Nothing empty is published: a 党课 or a meeting without decisions owes no 决议清单.
            raise DomainError("nothing_to_publish", meeting=meeting.id)
        await uow.meetings.update(meeting)
        await _enqueue(uow, PostKind.PUBLICATION, publication_chat(deps, meeting), meeting, now)
        await uow.commit()
    return DecisionList(meeting, items, _deadline(deps, meeting), deps.ledger_range, held)
