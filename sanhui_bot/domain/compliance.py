"""How many meetings of each kind a unit must hold, and the gaps when it holds fewer (DESIGN.md §2).

The rules (《中国共产党支部工作条例（试行）》 and the school's plan): a 支部党员大会 and a 党课 at least
once a quarter, a 支部委员会 and a 党小组会 at least once a month. On top of the minimum, every slot the
plan schedules is required: a cancelled planned meeting is a gap unless an ad-hoc meeting of the same
unit and kind makes up for it. Pure: periods and the cut-off ("now") come in as arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingSource


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month (number 1-12), quarter (1-4) or year (number 1) in local time."""

    year: int
    kind: PeriodKind
    number: int = 1

    def __post_init__(self) -> None:
        limit = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}[self.kind]
        if not 1 <= self.number <= limit:
            raise DomainError("bad_period", value=f"{self.year}-{self.kind}-{self.number}")

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The month, quarter or year that `day` falls in."""
        if kind is PeriodKind.MONTH:
            return cls(day.year, kind, day.month)
        if kind is PeriodKind.QUARTER:
            return cls(day.year, kind, (day.month - 1) // 3 + 1)
        return cls(day.year, kind)

    @property
    def months(self) -> tuple[int, ...]:
        """The month numbers the period covers."""
        if self.kind is PeriodKind.MONTH:
            return (self.number,)
        if self.kind is PeriodKind.QUARTER:
            first = 3 * (self.number - 1) + 1
            return (first, first + 1, first + 2)
        return tuple(range(1, 13))

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as aware local datetimes: the first day 00:00 to the next period's first day."""
        first, last = self.months[0], self.months[-1]
        start = datetime(self.year, first, 1, tzinfo=tz)
        end = datetime(self.year + (last == 12), last % 12 + 1, 1, tzinfo=tz)
        return start, end

    def parts(self, kind: PeriodKind) -> tuple[Period, ...]:
        """The months or quarters inside this period (a smaller unit than the period gives itself)."""
        if kind is PeriodKind.MONTH:
            return tuple(Period(self.year, kind, month) for month in self.months)
        if kind is PeriodKind.QUARTER:
            quarters = sorted({(month - 1) // 3 + 1 for month in self.months})
            if self.kind is PeriodKind.MONTH:
                return (self,)  # shorter than the rule's period: see `compliance`
            return tuple(Period(self.year, kind, quarter) for quarter in quarters)
        return (self,)


@dataclass(frozen=True, slots=True)
class MeetingRule:
    """At least `minimum` meetings of a kind per `per` (month or quarter)."""

    per: PeriodKind
    minimum: int


# 条例第十一至十三条 and the school's plan: 支部党员大会 and 党课 quarterly, 支委会 and 党小组会 monthly.
MEETING_RULES: dict[MeetingKind, MeetingRule] = {
    MeetingKind.CONGRESS: MeetingRule(PeriodKind.QUARTER, 1),
    MeetingKind.COMMITTEE: MeetingRule(PeriodKind.MONTH, 1),
    MeetingKind.GROUP: MeetingRule(PeriodKind.MONTH, 1),
    MeetingKind.LESSON: MeetingRule(PeriodKind.QUARTER, 1),
}


# DESIGN §2 (the school's plan): the branch secretary gives at least one 党课 a year.
SECRETARY_LESSONS_PER_YEAR = 1


def lessons_given_by(meetings: Iterable[Meeting], speakers: Collection[str], cutoff: datetime) -> int:
    """How many 党课 that took place before `cutoff` had one of `speakers` as their 主讲."""
    return sum(
        1
        for m in meetings
        if m.kind is MeetingKind.LESSON
        and not m.called_off
        and m.starts_at < cutoff
        and m.speaker in speakers
    )


@dataclass(frozen=True, slots=True)
class Compliance:
    """Held against required meetings of one kind in one unit over one rule period (month/quarter)."""

    kind: MeetingKind
    unit: str
    period: Period
    held: int  # not cancelled, started before the cut-off
    planned: int  # the plan's slots due before the cut-off, cancelled ones included
    required: int  # max(rule minimum, planned) once the period is over; planned while it runs

    @property
    def gap(self) -> bool:
        return self.held < self.required


def compliance(
    meetings: Iterable[Meeting], kind: MeetingKind, unit: str, period: Period, tz: tzinfo, cutoff: datetime
) -> tuple[Compliance, ...]:
    """One count per rule period (month or quarter) of `period` that has begun by `cutoff`.

    A rule period still running is held only to the slots already due, so a report asked for in
    February does not call the quarter's congress missing before the quarter is over.
    """
    rule = MEETING_RULES[kind]
    mine = [m for m in meetings if m.kind is kind and m.unit == unit]
    counts: list[Compliance] = []
    for part in period.parts(rule.per):
        start, end = part.bounds(tz)
        if start >= cutoff:
            continue
        due = [m for m in mine if start <= m.starts_at < min(end, cutoff)]
        held = sum(1 for m in due if not m.called_off)  # nor marked (or counted, see as_counted) 未召开
        planned = sum(1 for m in due if m.source is MeetingSource.PLAN)
        # A month is too short to owe a quarterly meeting: only its planned slots are required.
        minimum = rule.minimum if part.kind is rule.per else 0
        required = max(minimum, planned) if end <= cutoff else planned
        counts.append(Compliance(kind, unit, part, held, planned, required))
    return tuple(counts)
