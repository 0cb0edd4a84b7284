"""The 积分 ledger's use cases: awarding points for events, a member's statement, reversals."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.commands.model import AdjustPoints, ShowPoints
from sanhui_bot.domain.counting import competition_rank
from sanhui_bot.domain.errors import DomainError, NotFound
from sanhui_bot.domain.model import Actor, ChatContext, Member
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
    rank: int  # 1-based place in the branch for the month (ties share a place)
    ranked: int  # how many members were ranked


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
    totals = {m.key: 0 for m in members}
    for entry in entries:
        if entry.member in totals:
            totals[entry.member] += entry.delta
    mine = totals.get(member.key, 0)
    return PointsStatement(
        member=member,
        year=year,
        month=month,
        entries=[entry for entry in entries if entry.member == member.key],
        month_total=mine,
        year_total=total(year_entries),
        rank=competition_rank(mine, totals.values()),
        ranked=len(totals),
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
