"""Who sat on the school's Party committee (党委) on a day: its membership as dated facts.

A 党委 member reads every branch's record (issue 17) — from the day they joined the 党委 to the day
they left it, like a branch member's place on the branch roster (domain/roster.py, issue 12): someone
who left the 党委 on 06-30 reads no other branch on 07-01, and a June report still counts them as
党委 members of June. The 党委 roster is kept in the config (`school_roles` of a branch member,
`[[school.members]]` or the `[school] roster` file); each change there becomes a fact here, dated by
the config's `school_since` / `joined` / `left` or, without a date, the day the bot first sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class SeatChangeKind(StrEnum):
    JOINED = "joined"  # on the 党委 from this day, with `school_roles`
    LEFT = "left"  # off the 党委 from this day
    ROLES = "roles"  # other school roles from this day


@dataclass(frozen=True, slots=True)
class SeatChange:
    """One dated fact about a seat on the 党委; never edited, only added to."""

    member: str  # a branch member's key or a [[school.members]] key
    kind: SeatChangeKind
    effective_on: date | None  # None: since before the bot kept records (the 党委 it first saw)
    recorded_at: datetime
    school_roles: frozenset[str] = frozenset()  # JOINED and ROLES: the roles from that day
    name: str | None = None  # JOINED: the name then, so a past period can name one who has left
    recorded_by: str | None = None  # None: the config file
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SeatEntry:
    """A 党委 member as the config states them now (`school_roles` empty: sits on it no longer)."""

    member: str
    name: str
    school_roles: frozenset[str]
    since: date | None = None  # the roles as written from (joining, or changing roles)
    left: date | None = None  # off the 党委 from this day


def _order(change: SeatChange) -> tuple[date, int]:
    return (change.effective_on or date.min, change.id or 0)


def roles_on(changes: Iterable[SeatChange], day: date | None) -> frozenset[str] | None:
    """The member's school roles on `day` (None: after every change, however far ahead), or None
    when they did not sit on the 党委 that day."""
    roles: frozenset[str] | None = None
    for change in sorted(changes, key=_order):
        if day is not None and change.effective_on is not None and change.effective_on > day:
            break
        if change.kind is SeatChangeKind.LEFT:
            roles = None
        else:  # JOINED, or ROLES of a member on it (a ROLES change of one off it seats nobody)
            roles = change.school_roles if change.kind is SeatChangeKind.JOINED or roles else roles
    return roles or None


class SchoolCommitteeHistory:
    """Every 党委 seat's changes, to tell who sat on the 党委 on any day."""

    def __init__(self, changes: Iterable[SeatChange]) -> None:
        self._by_member: dict[str, list[SeatChange]] = {}
        for change in changes:
            self._by_member.setdefault(change.member, []).append(change)

    def of(self, member: str) -> Sequence[SeatChange]:
        return self._by_member.get(member, ())

    def is_empty(self) -> bool:
        return not self._by_member

    def seated_on(self, member: str, day: date, role: str = "party_committee") -> bool:
        """Whether `member` held `role` on the 党委 on `day`."""
        roles = roles_on(self.of(member), day)
        return roles is not None and role in roles

    def committee_on(self, day: date, role: str = "party_committee") -> frozenset[str]:
        """The keys of everyone who held `role` on the 党委 on `day`."""
        return frozenset(member for member in self._by_member if self.seated_on(member, day, role))

    def committee_during(self, first: date, last: date, role: str = "party_committee") -> frozenset[str]:
        """The keys of everyone who held `role` on the 党委 on some day from `first` to `last`."""
        return frozenset(
            member
            for member, changes in self._by_member.items()
            if any(
                self.seated_on(member, day, role)
                for day in {first}
                | {c.effective_on for c in changes if c.effective_on and first < c.effective_on <= last}
            )
        )

    def name_of(self, member: str) -> str | None:
        """The name the member was last recorded under on joining (one who left is named by it)."""
        names = [c.name for c in sorted(self.of(member), key=_order) if c.name is not None]
        return names[-1] if names else None

    def members(self) -> Iterable[str]:
        return self._by_member.keys()


def seat_changes(
    entry: SeatEntry, known: Sequence[SeatChange], today: date, now: datetime, first_sight: bool
) -> list[SeatChange]:
    """The changes that bring a seat's history in line with the config entry (none if it agrees).

    `known` are the member's recorded changes; `first_sight` says the bot sees the 党委 for the first
    time, when a member without a date sat on it before the bot's records. A date in the file is read
    when its change is first seen; a later edit of it changes nothing (as for branch rosters).
    """
    latest = roles_on(known, None)  # after every recorded change, future-dated ones included
    added: list[SeatChange] = []
    wanted = entry.school_roles
    if latest is None and wanted and not (known and entry.left is not None):
        joined = entry.since if entry.since is not None else (None if first_sight and not known else today)
        last_left = max((c.effective_on or date.min for c in known), default=None)
        if last_left is not None and (joined is None or joined <= last_left):
            joined = today  # a return cannot be dated before the recorded leaving
        added.append(SeatChange(entry.member, SeatChangeKind.JOINED, joined, now, wanted, entry.name))
    elif latest is not None and not wanted:
        added.append(SeatChange(entry.member, SeatChangeKind.LEFT, entry.since or today, now))
    elif latest is not None and latest != wanted:
        added.append(SeatChange(entry.member, SeatChangeKind.ROLES, entry.since or today, now, wanted))
    recorded_left = {c.effective_on for c in known if c.kind is SeatChangeKind.LEFT}
    if wanted and entry.left is not None and entry.left not in recorded_left:
        added.append(SeatChange(entry.member, SeatChangeKind.LEFT, entry.left, now))
    return added


def seat_removal(member: str, known: Sequence[SeatChange], today: date, now: datetime) -> SeatChange | None:
    """The change a seat's removal from the config makes: leaving today (None if already off)."""
    if roles_on(known, None) is None:
        return None
    return SeatChange(member, SeatChangeKind.LEFT, today, now)
