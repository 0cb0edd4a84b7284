"""The roster's history: joining, leaving (转出), 转正 and group changes as dated facts.

《中国共产党支部工作条例（试行）》第十一条 counts 应到 and voting rights among the members of the
branch *at the time of the meeting*: someone approved in April was not expected at a March meeting,
and someone who left in April still was. So the roster of a past day is rebuilt from these facts,
never read from today's roster, and a report of a past period gives the same answer whenever it is
produced. Names, roles and platform ids are not historical: they come from the member as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sanhui_bot.domain.model import Member, MemberStatus


class RosterChangeKind(StrEnum):
    JOINED = "joined"  # on the roster from this day (approved, transferred in, or first on the roster)
    LEFT = "left"  # off the roster from this day (转出, or removed from the config)
    STATUS = "status"  # 转正: probationary → full from this day (or a status corrected)
    GROUP = "group"  # in another 党小组 from this day


@dataclass(frozen=True, slots=True)
class RosterChange:
    """One dated fact about a member's place on the roster; never edited, only added to."""

    member: str
    kind: RosterChangeKind
    effective_on: date | None  # None: since before the bot kept records (the roster it first saw)
    recorded_at: datetime
    status: MemberStatus | None = None  # JOINED and STATUS: the status from that day
    group: str | None = None  # JOINED and GROUP: the group from that day (None: no group)
    recorded_by: str | None = None  # the member key of whoever recorded it; None: the config file
    id: int | None = None


@dataclass(frozen=True, slots=True)
class RosterState:
    """Where a member stands on the roster on a day."""

    status: MemberStatus
    group: str | None


def _order(change: RosterChange) -> tuple[date, int]:
    return (change.effective_on or date.min, change.id or 0)


def state_on(changes: Iterable[RosterChange], day: date | None) -> RosterState | None:
    """The member's state on `day` from their changes (None: every change, however far ahead), or
    None when they were not on the roster that day."""
    state: RosterState | None = None
    for change in sorted(changes, key=_order):
        if day is not None and change.effective_on is not None and change.effective_on > day:
            break
        if change.kind is RosterChangeKind.JOINED:
            state = RosterState(change.status or MemberStatus.FULL, change.group)
        elif change.kind is RosterChangeKind.LEFT:
            state = None
        elif state is not None and change.kind is RosterChangeKind.STATUS and change.status is not None:
            state = replace(state, status=change.status)
        elif state is not None and change.kind is RosterChangeKind.GROUP:
            state = replace(state, group=change.group)
    return state


class RosterHistory:
    """Every member's changes, to rebuild the roster of any day."""

    def __init__(self, changes: Iterable[RosterChange]) -> None:
        self._by_member: dict[str, list[RosterChange]] = {}
        for change in changes:
            self._by_member.setdefault(change.member, []).append(change)

    def of(self, member: str) -> Sequence[RosterChange]:
        return self._by_member.get(member, ())

    def knows(self, member: str) -> bool:
        return member in self._by_member

    def member_on(self, member: Member, day: date) -> Member | None:
        """The member as they stood on `day` (status and group of that day), or None if off the roster.

        A member with no recorded change is taken as stored (a roster kept before this history).
        """
        if not self.knows(member.key):
            return member if member.active else None
        state = state_on(self.of(member.key), day)
        if state is None:
            return None
        return replace(member, active=True, status=state.status, group=state.group)

    def roster_on(self, members: Iterable[Member], day: date) -> list[Member]:
        """The roster of `day`: the members on it then, as they stood then."""
        return [found for member in members if (found := self.member_on(member, day)) is not None]


@dataclass(frozen=True, slots=True)
class DatedEntry:
    """A member as the config file states them now, with the dates the secretary gave for changes.

    Each date is optional; a change without one is dated the day the bot first sees it.
    """

    member: Member
    joined: date | None = None  # first on the roster (入党, 转入)
    full_since: date | None = None  # 转正
    group_since: date | None = None  # in the current group since
    left: date | None = None  # 转出: off the roster from this day


def changes_for_entry(
    entry: DatedEntry,
    known: Sequence[RosterChange],
    today: date,
    now: datetime,
    first_sight: bool,
) -> list[RosterChange]:
    """The changes that bring a member's history in line with the config entry (none if it agrees).

    `known` are the member's recorded changes; `first_sight` says the bot is seeing the branch's
    roster for the first time, when a member without `joined` was on it before the bot's records.
    A date in the file is read when its change is first seen; a later edit of it changes nothing.
    """
    member = entry.member
    status, group = member.status, member.group
    latest = state_on(known, None)  # after every recorded change, future-dated ones included
    if known and latest is None and entry.left is not None:
        return []  # off the roster, as the file says
    added: list[RosterChange] = []
    if latest is None:
        # New in the file, or back after leaving: joined on the date given, else today.
        if entry.joined is not None:
            joined: date | None = entry.joined
        else:
            joined = None if first_sight and not known else today
        last_left = max((c.effective_on or date.min for c in known), default=None)
        if last_left is not None and (joined is None or joined <= last_left):
            joined = today  # a return cannot be dated before the recorded leaving
        promoted = (
            status is MemberStatus.FULL
            and entry.full_since is not None
            and (joined is None or entry.full_since > joined)
        )
        joined_as = MemberStatus.PROBATIONARY if promoted else status
        added.append(
            RosterChange(member.key, RosterChangeKind.JOINED, joined, now, status=joined_as, group=group)
        )
        if promoted:
            added.append(
                RosterChange(member.key, RosterChangeKind.STATUS, entry.full_since, now, status=status)
            )
    else:
        if latest.status is not status:
            since = entry.full_since if status is MemberStatus.FULL else None
            added.append(
                RosterChange(member.key, RosterChangeKind.STATUS, since or today, now, status=status)
            )
        if latest.group != group:
            added.append(
                RosterChange(member.key, RosterChangeKind.GROUP, entry.group_since or today, now, group=group)
            )
    if entry.left is not None:
        added.append(RosterChange(member.key, RosterChangeKind.LEFT, entry.left, now))
    return added


def removal(member: str, known: Sequence[RosterChange], today: date, now: datetime) -> RosterChange | None:
    """The change a member's removal from the config file makes: leaving today (None if already off)."""
    if known and state_on(known, None) is None:
        return None
    return RosterChange(member, RosterChangeKind.LEFT, today, now)
