"""The year's meeting slots from the slot rules: which unit meets when, and what a holiday does to it.

Defaults (config.ScheduleConfig) follow the school's 2026 plan and 《中国共产党支部工作条例（试行）》:
党小组会 1st and 3rd Thursday afternoon (plan 二(三): "每月第一周、第三周周四下午"; 条例第十三条: 一般每月
1次), 支委会 monthly (条例第十二条: 一般每月召开1次), 党员大会 once a quarter (条例第十一条; plan 二(一):
全年不少于4次) and 党课 once a quarter (三会一课, 条例第十五条).

Holiday policy "move" (the default): a slot on a non-working day moves to the next working day of the
same weekday in the same month that is not already a slot of the same unit and kind, so the meeting
keeps its usual weekday and still counts for its month's quota; when no such day is left in the month
it stays on its date with flag "holiday" for the secretary to decide. Policy "flag" never moves.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingSource, committee_unit
from sanhui_bot.domain.workdays import WorkCalendar

if TYPE_CHECKING:  # config models are only read attribute by attribute; no runtime import into domain
    from sanhui_bot.config import BranchConfig, ScheduleConfig, SlotRule

HOLIDAY_FLAG = "holiday"
WEEK = timedelta(days=7)


def nth_weekday(year: int, month: int, iso_weekday: int, n: int) -> date | None:
    """The nth ISO weekday (1 = Monday) of the month, or None when the month has fewer than n of them."""
    if not 1 <= iso_weekday <= 7 or n < 1:
        raise ValueError(f"iso_weekday must be 1..7 and n at least 1, got {iso_weekday}, {n}")
    first = date(year, month, 1)
    day = 1 + (iso_weekday - first.isoweekday()) % 7 + 7 * (n - 1)
    if day > gregorian.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


@dataclass(frozen=True)
class Slot:
    """One planned meeting of a unit, before it is stored."""

    kind: MeetingKind
    unit: str
    branch: str
    slot_on: date  # the rule's date; with (unit, kind) it identifies the planned meeting
    held_on: date  # the date after the holiday policy
    starts_local: datetime  # naive, in the configured time zone
    duration: timedelta
    place: str
    flag: str | None  # "holiday": on a non-working day and not moved
    fixed_topic: str  # the committee's "1" of "1+X"; empty for other kinds


def _held_on(slot_on: date, taken: set[date], calendar: WorkCalendar, policy: str) -> tuple[date, str | None]:
    """Apply the holiday policy to one slot; `taken` holds the unit's dates of this kind in the month."""
    if calendar.is_workday(slot_on):
        return slot_on, None
    if policy == "move":
        candidate = slot_on + WEEK
        while candidate.month == slot_on.month:
            if candidate not in taken and calendar.is_workday(candidate):
                taken.add(candidate)
                return candidate, None
            candidate += WEEK
    return slot_on, HOLIDAY_FLAG


def _rule_slots(
    rule: SlotRule,
    kind: MeetingKind,
    unit: str,
    branch: str,
    year: int,
    calendar: WorkCalendar,
    policy: str,
    fixed_topics: list[str],
) -> list[Slot]:
    slots: list[Slot] = []
    for month in sorted(set(rule.months)):
        dates = (nth_weekday(year, month, rule.weekday, week) for week in set(rule.weeks))
        rule_dates = sorted(day for day in dates if day is not None)  # no 5th Thursday: no slot
        # The rule's own dates are taken even if later moved: a moved slot must not land on a sibling.
        taken = set(rule_dates)
        topic = ""
        if kind is MeetingKind.COMMITTEE and fixed_topics:
            # "1+X": the fixed topic rotates month by month (school plan 二(二)1-2).
            topic = fixed_topics[(month - 1) % len(fixed_topics)]
        for slot_on in rule_dates:
            held_on, flag = _held_on(slot_on, taken, calendar, policy)
            slots.append(
                Slot(
                    kind=kind,
                    unit=unit,
                    branch=branch,
                    slot_on=slot_on,
                    held_on=held_on,
                    starts_local=datetime.combine(held_on, rule.time),
                    duration=timedelta(minutes=rule.duration_minutes),
                    place=rule.place,
                    flag=flag,
                    fixed_topic=topic,
                )
            )
    return slots


def plan_year(
    branches: Iterable[BranchConfig], schedule: ScheduleConfig, calendar: WorkCalendar, year: int
) -> list[Slot]:
    """Every slot of the year for every unit, sorted by start and unit; raises UnknownCalendarYear."""
    # Ask once up front so a year without data fails even for a branch with no slot on a holiday.
    calendar.is_workday(date(year, 1, 1))
    policy = schedule.holiday_policy
    topics = list(schedule.committee_fixed_topics)
    slots: list[Slot] = []
    for branch in branches:
        units: list[tuple[SlotRule, MeetingKind, str]] = [
            (schedule.group, MeetingKind.GROUP, group.key) for group in branch.groups
        ]
        units += [
            (schedule.committee, MeetingKind.COMMITTEE, committee_unit(branch.key)),
            (schedule.congress, MeetingKind.CONGRESS, branch.key),
            (schedule.lesson, MeetingKind.LESSON, branch.key),
        ]
        for rule, kind, unit in units:
            slots += _rule_slots(rule, kind, unit, branch.key, year, calendar, policy, topics)
    slots.sort(key=lambda slot: (slot.starts_local, slot.unit, slot.kind.value))
    return slots


def to_meetings(slots: Iterable[Slot], tz: tzinfo) -> list[Meeting]:
    """Planned Meeting objects for the slots, their local start in `tz` stored as UTC."""
    meetings = [
        Meeting(
            id=None,
            branch=slot.branch,
            unit=slot.unit,
            kind=slot.kind,
            starts_at=slot.starts_local.replace(tzinfo=tz).astimezone(UTC),
            duration=slot.duration,
            title="",
            place=slot.place,
            source=MeetingSource.PLAN,
            slot_on=slot.slot_on,
            flag=slot.flag,
            fixed_topic=slot.fixed_topic,
        )
        for slot in slots
    ]
    meetings.sort(key=lambda meeting: (meeting.starts_at, meeting.unit, meeting.kind.value))
    return meetings
