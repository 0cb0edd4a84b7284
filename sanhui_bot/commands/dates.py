"""Dates and times as people type them in a branch chat: `2026-03-20`, `3月20日`, `3/20`, `下午2:30`.

Pure functions: `today` comes in as an argument, so a date without a year resolves the same way in
tests as on the day. Errors carry a message code (for `render/`), never wording.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import MAXYEAR, MINYEAR, date, time
from typing import Any

# ASCII digits only: after NFKC full-width digits are ASCII, and other scripts' digits are not dates.
_YEAR_MONTH_DAY = (
    re.compile(r"(?P<year>[0-9]{4})[-/.](?P<month>[0-9]{1,2})[-/.](?P<day>[0-9]{1,2})"),
    re.compile(r"(?P<year>[0-9]{4})年(?P<month>[0-9]{1,2})月(?P<day>[0-9]{1,2})[日号]?"),
)
_MONTH_DAY = (
    re.compile(r"(?P<month>[0-9]{1,2})月(?P<day>[0-9]{1,2})[日号]?"),
    re.compile(r"(?P<month>[0-9]{1,2})[-/.](?P<day>[0-9]{1,2})"),
)

_TIME = re.compile(
    r"(?P<period>上午|早上|中午|下午|晚上)?"
    r"(?P<hour>[0-9]{1,2})"
    r"(?:"
    r":(?P<minute>[0-9]{2})"
    r"|[点时](?:(?P<cn_minute>[0-9]{1,2})分?|(?P<half>半))?"
    r")?"
    r"(?P<suffix>am|pm)?",
    re.IGNORECASE,
)
_AFTERNOON = frozenset({"下午", "晚上", "pm"})
_MORNING = frozenset({"上午", "早上", "am"})


class DateError(ValueError):
    """A date or time that cannot be read; `code` is bad_date, impossible_date, date_out_of_range or bad_time."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params: dict[str, Any] = params or {}


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str, today: date) -> date:
    """Read a date; one without a year is its next occurrence on or after `today`."""
    written = text.strip()
    normal = _normal(text)
    for pattern in _YEAR_MONTH_DAY:
        if found := pattern.fullmatch(normal):
            return _checked(int(found["year"]), int(found["month"]), int(found["day"]), written)
    for pattern in _MONTH_DAY:
        if found := pattern.fullmatch(normal):
            month, day = int(found["month"]), int(found["day"])
            # A secretary writing 1月5日 in December means next January, never a date gone by.
            year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
            return _checked(year, month, day, written)
    raise DateError("bad_date", {"value": written})


def date_horizon(today: date) -> tuple[date, date]:
    """The dates a user may give, from 1 January of last year to 31 December two years ahead.

    Meetings are planned a term or two ahead and records reach back into last year; anything beyond
    is a typo (9999-12-31), and far dates overflow the time arithmetic of reminders and exports.
    """
    return date(max(today.year - 1, MINYEAR), 1, 1), date(min(today.year + 2, MAXYEAR), 12, 31)


def parse_date_within_horizon(text: str, today: date) -> date:
    """`parse_date`, refusing a date outside `date_horizon(today)` with code date_out_of_range."""
    found = parse_date(text, today)
    first, last = date_horizon(today)
    if not first <= found <= last:
        raise DateError(
            "date_out_of_range", {"value": text.strip(), "first": first.isoformat(), "last": last.isoformat()}
        )
    return found


def _checked(year: int, month: int, day: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError("impossible_date", {"value": written}) from None


def parse_time(text: str) -> time:
    """Read a time of day: `14:30`, `14点30`, `14点半`, `14点`, `下午2:30`, `2:30pm`."""
    written = text.strip()
    found = _TIME.fullmatch(_normal(text))
    if found is None or (found["period"] and found["suffix"]):
        raise DateError("bad_time", {"value": written})
    has_clock_mark = found["minute"] is not None or "点" in found[0] or "时" in found[0]
    if not has_clock_mark and not found["suffix"]:
        # A bare number such as "14" is too easily a meeting id or a day; ask for 14:00 or 14点.
        raise DateError("bad_time", {"value": written})
    hour = int(found["hour"])
    minute = 30 if found["half"] else int(found["minute"] or found["cn_minute"] or 0)
    period = (found["period"] or found["suffix"] or "").lower()
    if period in _AFTERNOON and hour < 12:
        hour += 12
    elif period == "中午" and hour < 11:
        hour += 12  # 中午1点 is 13:00, 中午12点 is noon
    elif period in _MORNING:
        if hour > 12:
            raise DateError("bad_time", {"value": written})
        hour %= 12  # 12am is midnight
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateError("bad_time", {"value": written})
    return time(hour, minute)
