"""Working days: China's statutory calendar with 调休, local overrides, and no guessing past the data.

The expected holidays and make-up days below are what chinesecalendar 1.11 says for 2026 (the tests
pin the library's data, not a reading of the State Council notice): National Day 10-01..10-07 off with
make-up workdays on Sunday 09-20 and Saturday 10-10; Spring Festival 02-15..02-23 off with make-up
Saturdays 02-14 and 02-28.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanhui_bot.config import CalendarConfig
from sanhui_bot.domain.errors import UnknownCalendarYear
from sanhui_bot.domain.workdays import WorkCalendar

STATUTORY = WorkCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def test_national_day_2026_is_seven_days_off() -> None:
    assert [STATUTORY.is_workday(day) for day in days(date(2026, 10, 1), date(2026, 10, 7))] == [False] * 7
    assert STATUTORY.is_workday(date(2026, 9, 30))
    assert STATUTORY.is_workday(date(2026, 10, 8))


def test_national_day_2026_make_up_workdays_follow_the_library() -> None:
    # chinesecalendar 1.11: Sunday 09-20 and Saturday 10-10 are worked (调休); Sunday 10-11 is not.
    assert date(2026, 9, 20).isoweekday() == 7
    assert STATUTORY.is_workday(date(2026, 9, 20))
    assert date(2026, 10, 10).isoweekday() == 6
    assert STATUTORY.is_workday(date(2026, 10, 10))
    assert not STATUTORY.is_workday(date(2026, 10, 11))


def test_two_working_days_after_the_eve_of_national_day_skip_the_holiday() -> None:
    assert STATUTORY.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert STATUTORY.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
    # The make-up Saturday counts as a working day.
    assert STATUTORY.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # A meeting held on the last day off still publishes within two real working days.
    assert STATUTORY.add_working_days(date(2026, 10, 7), 2) == date(2026, 10, 9)


def test_spring_festival_2026_make_up_saturdays() -> None:
    assert STATUTORY.is_workday(date(2026, 2, 14))
    assert STATUTORY.is_workday(date(2026, 2, 28))
    assert not any(STATUTORY.is_workday(day) for day in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert STATUTORY.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert STATUTORY.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # The February congress (02-26) must publish by the make-up Saturday 02-28, not Monday 03-02.
    assert STATUTORY.add_working_days(date(2026, 2, 26), 2) == date(2026, 2, 28)


def test_plain_weekends_are_off() -> None:
    assert not STATUTORY.is_workday(date(2026, 3, 7))
    assert not STATUTORY.is_workday(date(2026, 3, 8))
    assert STATUTORY.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_zero_and_negative_counts() -> None:
    assert STATUTORY.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert STATUTORY.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)


def test_next_workday_on_or_after() -> None:
    assert STATUTORY.next_workday_on_or_after(date(2026, 10, 1)) == date(2026, 10, 8)
    assert STATUTORY.next_workday_on_or_after(date(2026, 10, 8)) == date(2026, 10, 8)
    assert STATUTORY.next_workday_on_or_after(date(2026, 2, 15)) == date(2026, 2, 24)


def test_local_overrides_win_over_the_statutory_calendar() -> None:
    calendar = WorkCalendar(
        extra_holidays=[date(2026, 10, 9), date(2026, 3, 10)],  # a school day off, on a weekday
        extra_workdays=[date(2026, 10, 5), date(2026, 10, 11)],  # a statutory holiday and a Sunday
    )
    assert not calendar.is_workday(date(2026, 10, 9))
    assert not calendar.is_workday(date(2026, 3, 10))
    assert calendar.is_workday(date(2026, 10, 5))
    assert calendar.is_workday(date(2026, 10, 11))
    assert calendar.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 8)  # 10-05, then 10-08
    assert calendar.add_working_days(date(2026, 10, 8), 2) == date(2026, 10, 11)  # 10-10, then 10-11


def test_from_config_reads_the_calendar_section() -> None:
    calendar = WorkCalendar.from_config(CalendarConfig(extra_holidays=[date(2026, 4, 1)]))
    assert not calendar.is_workday(date(2026, 4, 1))
    assert calendar.is_workday(date(2026, 4, 2))


def test_known_years_are_the_librarys() -> None:
    assert STATUTORY.years() == range(2004, 2027)


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2003, 6, 2)])
def test_a_year_without_data_is_an_error_not_a_weekday_guess(day: date) -> None:
    with pytest.raises(UnknownCalendarYear) as raised:
        STATUTORY.is_workday(day)
    assert raised.value.code == "calendar_year_unknown"
    assert raised.value.params == {"year": day.year}


def test_counting_into_an_unknown_year_raises() -> None:
    with pytest.raises(UnknownCalendarYear):
        STATUTORY.add_working_days(date(2026, 12, 31), 1)
    with pytest.raises(UnknownCalendarYear):
        STATUTORY.next_workday_on_or_after(date(2027, 1, 1))


def test_an_override_does_not_make_an_unknown_year_known() -> None:
    calendar = WorkCalendar(extra_workdays=[date(2027, 1, 4)])
    with pytest.raises(UnknownCalendarYear):
        calendar.is_workday(date(2027, 1, 4))


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 10, 31)),
    count=st.integers(min_value=1, max_value=40),
)
def test_add_working_days_lands_on_the_nth_working_day(start: date, count: int) -> None:
    result = STATUTORY.add_working_days(start, count)
    assert STATUTORY.is_workday(result)
    assert sum(STATUTORY.is_workday(day) for day in days(start + timedelta(days=1), result)) == count
