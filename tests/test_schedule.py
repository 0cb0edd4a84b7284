"""The 2026 meeting calendar from the default slot rules, and what holidays do to it.

Holidays are chinesecalendar 1.11's data for 2026; the Thursdays among them are 01-01 (元旦), 02-19
(春节) and 10-01 (国庆). Every other slot below falls on a working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sanhui_bot.config import BranchConfig, GroupConfig, ScheduleConfig, SlotRule
from sanhui_bot.domain.errors import UnknownCalendarYear
from sanhui_bot.domain.model import GroupKind, MeetingKind, MeetingSource, committee_unit
from sanhui_bot.domain.schedule import Slot, nth_weekday, plan_year, to_meetings
from sanhui_bot.domain.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()
DEFAULTS = ScheduleConfig()
BRANCH = BranchConfig(
    key="t1",
    name="教工第一党支部",
    chat="branch",
    committee_chat="committee",
    groups=[
        GroupConfig(key="math", name="数学党小组", kind=GroupKind.SUBJECT, chat="g-math"),
        GroupConfig(key="grade10", name="高一年级党小组", kind=GroupKind.GRADE, chat="g-grade10"),
        GroupConfig(key="service", name="行政后勤党小组", kind=GroupKind.SERVICE, chat="g-service"),
    ],
)
GROUPS = ("math", "grade10", "service")

# month: (1st Thursday, 3rd Thursday, held on for the 1st, held on for the 3rd) — written out by hand.
GROUP_MEETINGS_2026 = {
    # 01-01 is a Thursday and 元旦: moved a week to 01-08 (working; not a group slot of the month).
    1: (date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 8), date(2026, 1, 15)),
    # 02-19 is in the Spring Festival break: moved to 02-26, the month's last Thursday.
    2: (date(2026, 2, 5), date(2026, 2, 19), date(2026, 2, 5), date(2026, 2, 26)),
    3: (date(2026, 3, 5), date(2026, 3, 19), date(2026, 3, 5), date(2026, 3, 19)),
    4: (date(2026, 4, 2), date(2026, 4, 16), date(2026, 4, 2), date(2026, 4, 16)),
    5: (date(2026, 5, 7), date(2026, 5, 21), date(2026, 5, 7), date(2026, 5, 21)),
    6: (date(2026, 6, 4), date(2026, 6, 18), date(2026, 6, 4), date(2026, 6, 18)),
    7: (date(2026, 7, 2), date(2026, 7, 16), date(2026, 7, 2), date(2026, 7, 16)),
    8: (date(2026, 8, 6), date(2026, 8, 20), date(2026, 8, 6), date(2026, 8, 20)),
    9: (date(2026, 9, 3), date(2026, 9, 17), date(2026, 9, 3), date(2026, 9, 17)),
    # 10-01 is National Day: moved to 10-08, the first working Thursday after the break.
    10: (date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 8), date(2026, 10, 15)),
    11: (date(2026, 11, 5), date(2026, 11, 19), date(2026, 11, 5), date(2026, 11, 19)),
    12: (date(2026, 12, 3), date(2026, 12, 17), date(2026, 12, 3), date(2026, 12, 17)),
}

COMMITTEE_2026 = [
    (date(2026, 1, 8), "党建任务落实"),
    (date(2026, 2, 12), "业务难点攻坚"),
    (date(2026, 3, 12), "队伍建设提升"),
    (date(2026, 4, 9), "党建任务落实"),
    (date(2026, 5, 14), "业务难点攻坚"),
    (date(2026, 6, 11), "队伍建设提升"),
    (date(2026, 7, 9), "党建任务落实"),
    (date(2026, 8, 13), "业务难点攻坚"),
    (date(2026, 9, 10), "队伍建设提升"),
    (date(2026, 10, 8), "党建任务落实"),
    (date(2026, 11, 12), "业务难点攻坚"),
    (date(2026, 12, 10), "队伍建设提升"),
]

FIVE_THURSDAYS_2026 = [
    date(2026, 1, 29),
    date(2026, 4, 30),
    date(2026, 7, 30),
    date(2026, 10, 29),
    date(2026, 12, 31),
]


def plan(schedule: ScheduleConfig = DEFAULTS, calendar: WorkCalendar = CALENDAR) -> list[Slot]:
    return plan_year([BRANCH], schedule, calendar, 2026)


def of(slots: list[Slot], kind: MeetingKind, unit: str) -> list[Slot]:
    return [slot for slot in slots if slot.kind is kind and slot.unit == unit]


def math_in_month(slots: list[Slot], month: int) -> list[Slot]:
    return [slot for slot in of(slots, MeetingKind.GROUP, "math") if slot.slot_on.month == month]


def with_group_rule(rule: SlotRule, **schedule: object) -> ScheduleConfig:
    return DEFAULTS.model_copy(update={"group": rule, **schedule})


# --- nth_weekday ---


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 1, 4, 1) == date(2026, 1, 1)
    assert nth_weekday(2026, 2, 4, 4) == date(2026, 2, 26)
    assert nth_weekday(2026, 3, 1, 1) == date(2026, 3, 2)  # March starts on a Sunday
    assert nth_weekday(2026, 3, 7, 1) == date(2026, 3, 1)


def test_nth_weekday_is_none_without_a_fifth() -> None:
    fifth = [nth_weekday(2026, month, 4, 5) for month in range(1, 13)]
    assert [day for day in fifth if day is not None] == FIVE_THURSDAYS_2026


@pytest.mark.parametrize(("weekday", "n"), [(0, 1), (8, 1), (4, 0)])
def test_nth_weekday_rejects_nonsense(weekday: int, n: int) -> None:
    with pytest.raises(ValueError):
        nth_weekday(2026, 1, weekday, n)


# --- group meetings ---


@pytest.mark.parametrize("unit", GROUPS)
def test_the_whole_2026_group_meeting_calendar(unit: str) -> None:
    slots = of(plan(), MeetingKind.GROUP, unit)
    expected = [
        (first, first_held, third, third_held)
        for first, third, first_held, third_held in GROUP_MEETINGS_2026.values()
    ]
    pairs = zip(slots[::2], slots[1::2], strict=True)
    actual = [(first.slot_on, first.held_on, third.slot_on, third.held_on) for first, third in pairs]
    assert actual == expected
    assert all(slot.starts_local == datetime.combine(slot.held_on, time(14, 30)) for slot in slots)
    assert all(slot.duration == timedelta(minutes=60) for slot in slots)
    assert all(slot.flag is None for slot in slots)
    assert all(slot.branch == "t1" and slot.fixed_topic == "" for slot in slots)


def test_new_years_day_group_meeting_moves_to_the_next_thursday() -> None:
    january = math_in_month(plan(), 1)
    assert [(slot.slot_on, slot.held_on, slot.flag) for slot in january] == [
        (date(2026, 1, 1), date(2026, 1, 8), None),
        (date(2026, 1, 15), date(2026, 1, 15), None),
    ]


def test_a_move_skips_a_thursday_off_and_the_units_own_slot() -> None:
    # With 01-08 a school holiday, 01-01 cannot go there; 01-15 is already its own 3rd-week slot.
    calendar = WorkCalendar(extra_holidays=[date(2026, 1, 8)])
    january = math_in_month(plan(calendar=calendar), 1)
    # Sorted by start, so the moved 1st-week meeting now comes after the 3rd-week one.
    assert [(slot.slot_on, slot.held_on, slot.flag) for slot in january] == [
        (date(2026, 1, 15), date(2026, 1, 15), None),
        (date(2026, 1, 1), date(2026, 1, 22), None),
    ]


def test_a_slot_that_cannot_move_within_its_month_stays_and_is_flagged() -> None:
    # 3rd and 4th Thursdays of February: 02-19 is a holiday and 02-26 is the unit's own slot.
    schedule = with_group_rule(SlotRule(weeks=[3, 4], time=time(14, 30)))
    february = math_in_month(plan(schedule), 2)
    assert [(slot.slot_on, slot.held_on, slot.flag) for slot in february] == [
        (date(2026, 2, 19), date(2026, 2, 19), "holiday"),
        (date(2026, 2, 26), date(2026, 2, 26), None),
    ]


def test_no_working_thursday_left_in_the_month_flags_the_slot() -> None:
    calendar = WorkCalendar(extra_holidays=[date(2026, 12, 17), date(2026, 12, 24), date(2026, 12, 31)])
    december = math_in_month(plan(calendar=calendar), 12)
    assert [(slot.slot_on, slot.held_on, slot.flag) for slot in december] == [
        (date(2026, 12, 3), date(2026, 12, 3), None),
        (date(2026, 12, 17), date(2026, 12, 17), "holiday"),
    ]


def test_flag_policy_keeps_holiday_slots_and_flags_them() -> None:
    slots = of(plan(DEFAULTS.model_copy(update={"holiday_policy": "flag"})), MeetingKind.GROUP, "math")
    flagged = [(slot.slot_on, slot.held_on) for slot in slots if slot.flag == "holiday"]
    assert flagged == [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 2, 19), date(2026, 2, 19)),
        (date(2026, 10, 1), date(2026, 10, 1)),
    ]
    assert all(slot.held_on == slot.slot_on for slot in slots)


def test_months_with_five_thursdays_get_a_fifth_week_slot_and_others_none() -> None:
    schedule = with_group_rule(SlotRule(weeks=[5], time=time(14, 30)))
    slots = of(plan(schedule), MeetingKind.GROUP, "math")
    assert [slot.held_on for slot in slots] == FIVE_THURSDAYS_2026


def test_a_make_up_saturday_is_a_working_day_for_slots() -> None:
    # 2nd Saturday of October is 10-10, a 调休 workday in chinesecalendar 1.11's 2026 data.
    schedule = with_group_rule(SlotRule(weeks=[2], months=[10], weekday=6, time=time(9, 0)))
    (slot,) = of(plan(schedule), MeetingKind.GROUP, "math")
    assert (slot.slot_on, slot.held_on, slot.flag) == (date(2026, 10, 10), date(2026, 10, 10), None)


# --- committee, congress, lesson ---


def test_committee_meets_on_second_thursdays_with_a_rotating_fixed_topic() -> None:
    slots = of(plan(), MeetingKind.COMMITTEE, committee_unit("t1"))
    assert [(slot.held_on, slot.fixed_topic) for slot in slots] == COMMITTEE_2026
    assert all(slot.slot_on == slot.held_on and slot.flag is None for slot in slots)
    assert all(slot.starts_local.time() == time(16, 30) for slot in slots)


def test_congress_is_the_fourth_thursday_of_each_quarters_second_month() -> None:
    slots = of(plan(), MeetingKind.CONGRESS, "t1")
    assert [slot.starts_local for slot in slots] == [
        datetime(2026, 2, 26, 15, 30),
        datetime(2026, 5, 28, 15, 30),
        datetime(2026, 8, 27, 15, 30),
        datetime(2026, 11, 26, 15, 30),
    ]
    assert all(slot.duration == timedelta(minutes=90) and slot.fixed_topic == "" for slot in slots)


def test_lesson_is_the_fourth_thursday_of_each_quarters_last_month() -> None:
    slots = of(plan(), MeetingKind.LESSON, "t1")
    assert [slot.starts_local for slot in slots] == [
        datetime(2026, 3, 26, 14, 30),
        datetime(2026, 6, 25, 14, 30),
        datetime(2026, 9, 24, 14, 30),
        datetime(2026, 12, 24, 14, 30),
    ]


def test_year_totals_meet_the_minimum_frequencies() -> None:
    slots = plan()
    assert len(slots) == 3 * 24 + 12 + 4 + 4
    assert {slot.unit for slot in slots} == {*GROUPS, "t1", "t1:committee"}


def test_slots_are_sorted_by_start_then_unit() -> None:
    slots = plan()
    assert slots == sorted(slots, key=lambda slot: (slot.starts_local, slot.unit))
    first_day = [slot.unit for slot in slots if slot.held_on == date(2026, 1, 8)]
    assert first_day == ["grade10", "math", "service", "t1:committee"]


def test_place_and_duration_come_from_the_rule() -> None:
    rule = SlotRule(weeks=[1], months=[3], time=time(14, 30), duration_minutes=45, place="行政楼 301")
    (slot,) = of(plan(with_group_rule(rule)), MeetingKind.GROUP, "math")
    assert (slot.place, slot.duration) == ("行政楼 301", timedelta(minutes=45))


def test_an_empty_topic_list_gives_committees_no_fixed_topic() -> None:
    schedule = DEFAULTS.model_copy(update={"committee_fixed_topics": []})
    assert {slot.fixed_topic for slot in of(plan(schedule), MeetingKind.COMMITTEE, "t1:committee")} == {""}


def test_planning_a_year_without_calendar_data_raises() -> None:
    with pytest.raises(UnknownCalendarYear):
        plan_year([BRANCH], DEFAULTS, CALENDAR, 2027)
    with pytest.raises(UnknownCalendarYear):
        plan_year([], DEFAULTS, CALENDAR, 2027)


# --- conversion to meetings ---


def test_to_meetings_converts_local_time_to_utc() -> None:
    meetings = to_meetings(plan(), SHANGHAI)
    first = meetings[0]
    # 2026-01-01 14:30 moved to 01-08; Asia/Shanghai is UTC+8 all year, so 14:30 local is 06:30 UTC.
    assert first.starts_at == datetime(2026, 1, 8, 6, 30, tzinfo=UTC)
    assert first.starts_at.utcoffset() == timedelta(0)
    assert (first.unit, first.kind, first.slot_on) == ("grade10", MeetingKind.GROUP, date(2026, 1, 1))
    assert (first.source, first.title, first.flag, first.id) == (MeetingSource.PLAN, "", None, None)


def test_to_meetings_keeps_slot_details() -> None:
    schedule = DEFAULTS.model_copy(update={"holiday_policy": "flag"})
    meetings = to_meetings(plan(schedule), SHANGHAI)
    assert len(meetings) == 92
    assert meetings == sorted(meetings, key=lambda meeting: (meeting.starts_at, meeting.unit))
    committee = next(m for m in meetings if m.kind is MeetingKind.COMMITTEE)
    assert committee.starts_at == datetime(2026, 1, 8, 8, 30, tzinfo=UTC)  # 16:30 local
    assert committee.fixed_topic == "党建任务落实"
    assert committee.duration == timedelta(minutes=60)
    new_year = [m for m in meetings if m.slot_on == date(2026, 1, 1)]
    assert {m.flag for m in new_year} == {"holiday"}
    assert {m.starts_at for m in new_year} == {datetime(2026, 1, 1, 6, 30, tzinfo=UTC)}
    congress = next(m for m in meetings if m.kind is MeetingKind.CONGRESS)
    assert congress.starts_at == datetime(2026, 2, 26, 7, 30, tzinfo=UTC)
    assert (congress.branch, congress.unit) == ("t1", "t1")
