"""The 党员积分 ledger's rules: what earns or costs points, as append-only entries.

An entry is never changed or deleted; a mistake is undone by a reversing entry that points at it.
(member, reason, source) identifies an entry, so recording the same event twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sanhui_bot.domain.errors import DomainError


class PointReason(StrEnum):
    SIGNIN = "signin"
    LEAVE = "leave"
    ABSENT = "absent"
    SUGGESTION = "suggestion"
    SUGGESTION_ADOPTED = "suggestion_adopted"
    TASK_DONE_ON_TIME = "task_done_on_time"
    TASK_DONE_LATE = "task_done_late"
    TASK_OVERDUE = "task_overdue"
    RATED_SATISFIED = "rated_satisfied"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"  # by a secretary, with a reason: /points adjust


@dataclass(frozen=True, slots=True)
class PointRules:
    """How many points each event is worth (DESIGN.md §2 defaults; configurable)."""

    signin: int = 2
    leave: int = 0
    absent: int = -2
    suggestion: int = 1
    suggestion_adopted: int = 3
    task_done_on_time: int = 5
    task_done_late: int = 2
    task_overdue_per_week: int = -1
    rated_satisfied: int = 1

    def value(self, reason: PointReason) -> int:
        if reason is PointReason.TASK_OVERDUE:
            return self.task_overdue_per_week
        if reason in (PointReason.REVERSAL, PointReason.ADJUSTMENT):
            raise DomainError("reversal_has_no_rule")
        return int(getattr(self, reason.value))


@dataclass(frozen=True, slots=True)
class PointEntry:
    """One line of the ledger."""

    member: str
    delta: int
    reason: PointReason
    source: str  # what caused it, e.g. "meeting:12", "task:7", "suggestion:3", "task:7:week:2"
    occurred_at: datetime
    recorded_by: str | None = None
    note: str = ""
    reverses: int | None = None  # the id of the entry this one cancels
    id: int | None = None


def earn(rules: PointRules, member: str, reason: PointReason, source: str, at: datetime) -> PointEntry:
    """The entry an event earns under the rules."""
    return PointEntry(member=member, delta=rules.value(reason), reason=reason, source=source, occurred_at=at)


def reversal(entry: PointEntry, by: str, note: str, at: datetime) -> PointEntry:
    """The entry that cancels `entry`; reversing a reversal is refused (add a fresh entry instead)."""
    if entry.id is None:
        raise DomainError("entry_not_stored")
    if entry.reason is PointReason.REVERSAL:
        raise DomainError("cannot_reverse_reversal", entry=entry.id)
    return replace(
        entry,
        id=None,
        delta=-entry.delta,
        reason=PointReason.REVERSAL,
        source=f"entry:{entry.id}",
        occurred_at=at,
        recorded_by=by,
        note=note,
        reverses=entry.id,
    )


def adjustment(member: str, delta: int, number: int, by: str, note: str, at: datetime) -> PointEntry:
    """A secretary's adjustment of a member's points by `delta`, with the reason; `number` makes its
    source unique (adjustment:N)."""
    if delta == 0:
        raise DomainError("bad_delta", value=delta)
    if not note.strip():
        raise DomainError("adjustment_needs_reason")
    return PointEntry(
        member=member,
        delta=delta,
        reason=PointReason.ADJUSTMENT,
        source=f"adjustment:{number}",
        occurred_at=at,
        recorded_by=by,
        note=note.strip(),
    )


def total(entries: list[PointEntry]) -> int:
    return sum(entry.delta for entry in entries)
