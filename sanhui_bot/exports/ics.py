"""The year's meeting plan as an iCalendar feed: one VEVENT per meeting, stable UIDs, local times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from sanhui_bot.domain.model import Meeting, MeetingSource, MeetingStatus
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.render.catalog import ZH, word

ICS_MIME = "text/calendar"
PRODID = "-//sanhui-bot//三会一课//ZH"


def meeting_uid(meeting: Meeting) -> str:
    """A UID that survives re-exports (and a rebuilt database, for planned slots).

    A planned meeting is named by its slot (unit, kind, slot date), which the plan keeps unique; an
    ad-hoc meeting by its number.
    """
    if meeting.source is MeetingSource.PLAN and meeting.slot_on is not None:
        unit = re.sub(r"[^A-Za-z0-9_-]", "-", meeting.unit)
        return f"{meeting.kind.value}-{unit}-{meeting.slot_on.isoformat()}@{meeting.branch}.sanhui-bot"
    return f"meeting-{meeting.id}@{meeting.branch}.sanhui-bot"


def meeting_calendar(meetings: Iterable[Meeting], org: Organisation, tz: ZoneInfo, stamp: datetime) -> bytes:
    """The meetings as an .ics file; cancelled ones stay in with STATUS:CANCELLED so calendars drop them."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "三会一课")
    calendar.add("x-wr-timezone", str(tz))
    for meeting in meetings:
        event = Event()
        kind_name = word(f"kind.{meeting.kind}", ZH)
        summary = f"{kind_name}·{org.unit_name(meeting.unit)}"
        if meeting.title:
            summary += f"：{meeting.title}"
        event.add("uid", meeting_uid(meeting))
        event.add("summary", summary)
        event.add("dtstart", to_zone(meeting.starts_at, tz))
        event.add("dtend", to_zone(meeting.ends_at, tz))
        event.add("dtstamp", stamp.astimezone(UTC))
        if meeting.place:
            event.add("location", meeting.place)
        description = [f"会议编号 #{meeting.id}"]
        if meeting.fixed_topic:
            description.append(f"固定议题：{meeting.fixed_topic}")
        event.add("description", "\n".join(description))
        event.add("categories", [kind_name])
        if meeting.status is MeetingStatus.CANCELLED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
