"""A stored moment on a local clock, even when the local clock cannot show it.

Input is bounded to a few years around today (commands/dates.py), but a database written by an
older version may hold a meeting on 9999-12-31 23:30 (stored as 15:30 UTC): moving that to UTC+8
overflows `datetime`. A report, export or reminder must not fail on one such row, so the moment is
then shown as it is stored, in UTC — the same instant, honestly labelled by its offset.
"""

from __future__ import annotations

from datetime import datetime, tzinfo


def to_zone(moment: datetime, tz: tzinfo | None) -> datetime:
    """`moment.astimezone(tz)`, or the moment unchanged where that would leave datetime's range."""
    try:
        return moment.astimezone(tz)
    except OverflowError:
        return moment
