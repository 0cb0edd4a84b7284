"""Working days: China's statutory calendar (holidays and make-up workdays 调休) plus local overrides.

The branch must publish a congress's 决议清单 "2个工作日内" (school plan, 二(一)3), so deadlines are
counted in working days. The statutory calendar comes from `chinese_calendar`, which only knows the
years the State Council has published; a date outside them is an explicit UnknownCalendarYear, never a
guess from the weekday (a guess would be wrong around every 调休 weekend).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

import chinese_calendar

from sanhui_bot.domain.errors import UnknownCalendarYear

ONE_DAY = timedelta(days=1)


class CalendarOverrides(Protocol):
    """The shape of the config's [calendar] section (kept structural so the domain needs no config)."""

    @property
    def extra_holidays(self) -> Iterable[date]: ...

    @property
    def extra_workdays(self) -> Iterable[date]: ...


def _statutory_years() -> range:
    # The library's own bounds: it validates dates against the years its holiday table covers.
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


class WorkCalendar:
    """Which days are working days: statutory calendar first, then the school's overrides on top."""

    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        self._years = _statutory_years()

    @classmethod
    def from_config(cls, calendar: CalendarOverrides) -> WorkCalendar:
        """The calendar described by a [calendar] config section."""
        return cls(calendar.extra_holidays, calendar.extra_workdays)

    def years(self) -> range:
        """The years this calendar has statutory data for."""
        return self._years

    def _require_known(self, day: date) -> None:
        if day.year not in self.years():
            raise UnknownCalendarYear("calendar_year_unknown", year=day.year)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day (raises UnknownCalendarYear outside the known years)."""
        # Checked first even for overridden dates: an override for an unpublished year would make the
        # days around it look known when they are not.
        self._require_known(day)
        # Local overrides win: a school may close for its own reasons or make up a day of its own.
        if day in self._extra_holidays:
            return False
        if day in self._extra_workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # the library's own year check; kept in case its bounds differ
            raise UnknownCalendarYear("calendar_year_unknown", year=day.year) from None

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`th working day after `day` (`day` itself not counted; negative counts go back)."""
        step = ONE_DAY if count >= 0 else -ONE_DAY
        remaining = abs(count)
        current = day
        while remaining:
            current += step
            if self.is_workday(current):
                remaining -= 1
        return current

    def next_workday_on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        current = day
        while not self.is_workday(current):
            current += ONE_DAY
        return current
