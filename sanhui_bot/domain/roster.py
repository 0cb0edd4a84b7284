"""The roster's history: joining, leaving (转出), 转正 and group changes as dated facts.

《中国共产党支部工作条例（试行）》第十一条 counts 应到 and voting rights among the members of the
branch *at the time of the meeting*: someone approved in April was not expected at a March meeting,
and someone who left in April still was. So the roster of a past day is rebuilt from these facts,
never read from today's roster, and a report of a past period gives the same answer whenever it is
produced. Roles (a 支委 elected in April did not sit on March's committee), long leave (not 应到) and
留党察看 (no vote) are dated the same way. Names and platform ids are not historical: they come from
the member as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sanhui_bot.domain.model import Member, MemberStatus, Role


class RosterChangeKind(StrEnum):
    JOINED = "joined"  # on the roster from this day (approved, transferred in, or first on the roster)
    LEFT = "left"  # off the roster from this day (转出, or removed from the config)
    STATUS = "status"  # 转正: probationary → full from this day (or a status corrected)
    GROUP = "group"  # in another 党小组 from this day
    ROLES = "roles"  # other roles (书记, 支委, 党小组长 …) from this day
    LONG_LEAVE = "long_leave"  # on (or back from) approved long leave from this day: not 应到
    PROBATION_WATCH = "probation_watch"  # under (or out of) 留党察看 from this day: no vote


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
    # JOINED and the kind of the same name; None on a JOINED: as the member is stored
    roles: frozenset[Role] | None = None
    on_long_leave: bool | None = None
    under_probation_watch: bool | None = None


@dataclass(frozen=True, slots=True)
class RosterState:
    """Where a member stands on the roster on a day (None: as the member is stored)."""

    status: MemberStatus
    group: str | None
    roles: frozenset[Role] | None = None
    on_long_leave: bool | None = None
    under_probation_watch: bool | None = None


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
            state = RosterState(
                change.status or MemberStatus.FULL,
                change.group,
                change.roles,
                change.on_long_leave,
                change.under_probation_watch,
            )
        elif change.kind is RosterChangeKind.LEFT:
            state = None
        elif state is not None:
            state = _apply(state, change)
    return state


def _apply(state: RosterState, change: RosterChange) -> RosterState:
    if change.kind is RosterChangeKind.STATUS and change.status is not None:
        return replace(state, status=change.status)
    if change.kind is RosterChangeKind.GROUP:
        return replace(state, group=change.group)
    if change.kind is RosterChangeKind.ROLES and change.roles is not None:
        return replace(state, roles=change.roles)
    if change.kind is RosterChangeKind.LONG_LEAVE and change.on_long_leave is not None:
        return replace(state, on_long_leave=change.on_long_leave)
    if change.kind is RosterChangeKind.PROBATION_WATCH and change.under_probation_watch is not None:
        return replace(state, under_probation_watch=change.under_probation_watch)
    return state


def as_of(member: Member, state: RosterState) -> Member:
    """The member as they stood in `state`: on the roster, with that day's status, group, roles, leave."""
    if (
        member.active
        and member.status is state.status
        and member.group == state.group
        and state.roles in (None, member.roles)
        and state.on_long_leave in (None, member.on_long_leave)
        and state.under_probation_watch in (None, member.under_probation_watch)
    ):
        return member  # as stored: most of a roster on most days (a copy costs a district seconds)
    return replace(
        member,
        active=True,
        status=state.status,
        group=state.group,
        roles=member.roles if state.roles is None else state.roles,
        on_long_leave=member.on_long_leave if state.on_long_leave is None else state.on_long_leave,
        under_probation_watch=(
            member.under_probation_watch
            if state.under_probation_watch is None
            else state.under_probation_watch
        ),
    )


class RosterHistory:
    """Every member's changes, to rebuild the roster of any day."""

    def __init__(self, changes: Iterable[RosterChange]) -> None:
        self._by_member: dict[str, list[RosterChange]] = {}
        for change in changes:
            self._by_member.setdefault(change.member, []).append(change)
        # The state of members whose every change is undated (on the roster the bot first saw, and
        # unchanged since): the same on every day, so the roster of a thousand days computes it once.
        self._undated: dict[str, RosterState | None] = {}

    def of(self, member: str) -> Sequence[RosterChange]:
        return self._by_member.get(member, ())

    def all(self) -> Iterator[RosterChange]:
        """Every recorded change."""
        for changes in self._by_member.values():
            yield from changes

    def knows(self, member: str) -> bool:
        return member in self._by_member

    def member_on(self, member: Member, day: date) -> Member | None:
        """The member as they stood on `day` (status and group of that day), or None if off the roster.

        A member with no recorded change is taken as stored (a roster kept before this history).
        """
        if not self.knows(member.key):
            return member if member.active else None
        if member.key in self._undated:
            state = self._undated[member.key]
        elif all(change.effective_on is None for change in self.of(member.key)):
            state = self._undated[member.key] = state_on(self.of(member.key), None)
        else:
            state = state_on(self.of(member.key), day)
        return as_of(member, state) if state is not None else None

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
    roles_since: date | None = None  # in the current roles since
    long_leave_since: date | None = None  # on_long_leave as now since
    probation_watch_since: date | None = None  # under_probation_watch as now since
    left: date | None = None  # 转出: off the roster from this day


def changes_for_entry(
    entry: DatedEntry,
    known: Sequence[RosterChange],
    today: date,
    now: datetime,
    first_sight: bool,
    stored_as: Member | None = None,
) -> list[RosterChange]:
    """The changes that bring a member's history in line with the config entry (none if it agrees).

    `known` are the member's recorded changes; `first_sight` says the bot is seeing the branch's
    roster for the first time, when a member without `joined` was on it before the bot's records;
    `stored_as` is the member as stored before this sync.
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
            RosterChange(
                member.key,
                RosterChangeKind.JOINED,
                joined,
                now,
                status=joined_as,
                group=group,
                roles=member.roles,
                on_long_leave=member.on_long_leave,
                under_probation_watch=member.under_probation_watch,
            )
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
        added.extend(_standing_changes(entry, latest, stored_as or member, today, now))
    recorded_left = {c.effective_on for c in known if c.kind is RosterChangeKind.LEFT}
    if entry.left is not None and entry.left not in recorded_left:
        added.append(RosterChange(member.key, RosterChangeKind.LEFT, entry.left, now))
    return added


def _standing_changes(
    entry: DatedEntry, latest: RosterState, stored: Member, today: date, now: datetime
) -> list[RosterChange]:
    """Changed roles, long leave or 留党察看 of a member on the roster; a state of None (a history
    older than these facts) means "as stored before this sync"."""
    member = entry.member
    added = []
    roles = latest.roles if latest.roles is not None else stored.roles
    if roles != member.roles:
        added.append(
            RosterChange(
                member.key, RosterChangeKind.ROLES, entry.roles_since or today, now, roles=member.roles
            )
        )
    leave = latest.on_long_leave if latest.on_long_leave is not None else stored.on_long_leave
    if leave != member.on_long_leave:
        on = entry.long_leave_since or today
        added.append(
            RosterChange(member.key, RosterChangeKind.LONG_LEAVE, on, now, on_long_leave=member.on_long_leave)
        )
    watch = (
        latest.under_probation_watch
        if latest.under_probation_watch is not None
        else stored.under_probation_watch
    )
    if watch != member.under_probation_watch:
        on = entry.probation_watch_since or today
        added.append(
            RosterChange(
                member.key,
                RosterChangeKind.PROBATION_WATCH,
                on,
                now,
                under_probation_watch=member.under_probation_watch,
            )
        )
    return added


def removal(member: str, known: Sequence[RosterChange], today: date, now: datetime) -> RosterChange | None:
    """The change a member's removal from the config file makes: leaving today (None if already off)."""
    if known and state_on(known, None) is None:
        return None
    return RosterChange(member, RosterChangeKind.LEFT, today, now)
