"""The 积分 ledger's use cases: awarding points for events, a member's statement, reversals."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from sanhui_bot.commands.model import AdjustPoints, ShowPoints
from sanhui_bot.domain.counting import ranking, shares_place
from sanhui_bot.domain.errors import DomainError, NotFound
from sanhui_bot.domain.model import Actor, ChatContext, MeetingKind, Member
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.points import PointEntry, PointReason, adjustment, earn, reversal, total
from sanhui_bot.services.deps import Deps, require_chat
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.roster import resolve_mention


async def award(
    uow: UnitOfWork, deps: Deps, member: str, reason: PointReason, source: str, now: datetime
) -> PointEntry | None:
    """Append the entry an event earns, unless it is worth nothing or was already recorded."""
    entry = earn(deps.rules, member, reason, source, now)
    if entry.delta == 0:
        return None
    return await uow.points.append(entry)


@dataclass(frozen=True, slots=True)
class PointsStatement:
    """A member's entries for one month, with the month's and the year's totals and the month's rank."""

    member: Member
    year: int
    month: int
    entries: list[PointEntry]
    month_total: int
    year_total: int
    rank: int | None  # 1-based place among members with entries this month; None: no entries, no rank
    ranked: int  # how many members were ranked (those with entries this month)
    tied: bool = False  # another ranked member has the same total (并列)
    subjects: dict[str, EntrySubject] = field(default_factory=dict)  # entry source -> what it was for


@dataclass(frozen=True, slots=True)
class EntrySubject:
    """What a points entry was for, as people know it: a meeting, a task, a suggestion, a day."""

    kind: str  # meeting | task | suggestion | entry | day
    number: int | None = None
    title: str = ""
    meeting_kind: MeetingKind | None = None
    starts_at: datetime | None = None
    day: date | None = None
    week: int | None = None  # a task's week overdue


async def _subjects(uow: UnitOfWork, entries: list[PointEntry]) -> dict[str, EntrySubject]:
    """Each entry's source ("meeting:12", "task:7:week:2", "rating:7:who", "suggestion:3",
    "entry:9", "day:2026-03-05") read as the meeting, task or suggestion it names."""
    subjects: dict[str, EntrySubject] = {}
    for source in {entry.source for entry in entries}:
        kind, _, rest = source.partition(":")
        head, _, tail = rest.partition(":")
        number = int(head) if head.isdigit() else None
        if kind == "meeting" and number is not None:
            meeting = await uow.meetings.get(number)
            if meeting is not None:
                subjects[source] = EntrySubject(
                    "meeting", number, meeting.title, meeting.kind, meeting.starts_at
                )
        elif kind in ("task", "rating") and number is not None:
            task = await uow.tasks.get(number)
            week = tail.removeprefix("week:")
            subjects[source] = EntrySubject(
                "task",
                number,
                task.title if task else "",
                week=int(week) if kind == "task" and week.isdigit() else None,
            )
        elif kind == "suggestion" and number is not None:
            suggestion = await uow.suggestions.get(number)
            subjects[source] = EntrySubject("suggestion", number, suggestion.text if suggestion else "")
        elif kind == "entry" and number is not None:
            subjects[source] = EntrySubject("entry", number)
        elif kind == "day" and len(rest) == 10 and rest[4] == rest[7] == "-":
            subjects[source] = EntrySubject("day", day=date.fromisoformat(rest))
    return subjects


def month_bounds(deps: Deps, year: int, month: int) -> tuple[datetime, datetime]:
    """The month's start and end as aware local datetimes (comparable with UTC ones)."""
    start = datetime(year, month, 1, tzinfo=deps.tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=deps.tz)
    return start, end


async def member_points(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ShowPoints, now: datetime
) -> PointsStatement:
    """The actor's 积分 for a month (default: the current one)."""
    chat = require_chat(ctx)
    member = require(actor, Action.VIEW)
    today = deps.local_date(now)
    year, month = cmd.year or today.year, cmd.month or today.month
    if not 1 <= month <= 12 or calendar.monthrange(year, month)[1] == 0:
        raise DomainError("bad_month", month=month)
    start, end = month_bounds(deps, year, month)
    year_start, year_end = month_bounds(deps, year, 1)[0], month_bounds(deps, year, 12)[1]
    async with deps.uow() as uow:
        entries = await uow.points.entries(since=start, until=end)
        year_entries = await uow.points.entries(member.key, since=year_start, until=year_end)
        members = [m for m in await uow.members.list(chat.branch) if m.active]
        own = [entry for entry in entries if entry.member == member.key]
        subjects = await _subjects(uow, own)
    # Ranked by the one rule of domain.counting.ranking, as the 积分公示栏 ranks: members with entries
    # this month; one without any has no place (issue 14: not "第 2/16 名" for nothing), and equal
    # totals share a place, shown as 并列.
    lines = ranking(members, entries, start)
    mine = next((line for line in lines if line.member == member.key), None)
    ranked = [line for line in lines if line.rank is not None]
    return PointsStatement(
        member=member,
        year=year,
        month=month,
        entries=own,
        month_total=total(own),
        year_total=total(year_entries),
        rank=mine.rank if mine is not None else None,
        ranked=len(ranked),
        tied=mine is not None and shares_place(mine, ranked),
        subjects=subjects,
    )


async def reverse_entry(
    deps: Deps, actor: Actor, ctx: ChatContext | None, entry_id: int, note: str, now: datetime
) -> PointEntry:
    """/points reverse E: a secretary cancels a ledger entry by appending its reversal; nothing is deleted."""
    chat = require_chat(ctx)
    secretary = require(actor, Action.REVERSE_POINTS)
    async with deps.uow() as uow:
        entry = await uow.points.get(entry_id)
        owner = await uow.members.get(entry.member) if entry is not None else None
        if entry is None or owner is None or owner.branch != chat.branch:
            raise NotFound("entry_not_found", entry=entry_id)
        if await uow.points.reversal_of(entry_id) is not None:
            raise DomainError("entry_already_reversed", entry=entry_id)
        stored = await uow.points.append(reversal(entry, secretary.key, note, now))
        if stored is None:
            raise DomainError("entry_already_reversed", entry=entry_id)
        await uow.commit()
    return stored


ADJUSTMENT_COUNTER = "points_adjustment"  # counters key: the last adjustment's number


async def adjust_points(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: AdjustPoints, now: datetime
) -> PointEntry:
    """/points adjust @member ±N: a secretary adds an adjusting entry with the reason; nothing is edited."""
    chat = require_chat(ctx)
    secretary = require(actor, Action.REVERSE_POINTS)
    async with deps.uow() as uow:
        member = await resolve_mention(uow, deps, chat.branch, cmd.member)
        number = (await uow.counters.get(ADJUSTMENT_COUNTER) or 0) + 1
        await uow.counters.set(ADJUSTMENT_COUNTER, number)
        stored = await uow.points.append(
            adjustment(member.key, cmd.delta, number, secretary.key, cmd.reason, now)
        )
        if stored is None:  # a concurrent adjustment took the number: nothing was written
            raise DomainError("try_again")
        await uow.commit()
    return stored
