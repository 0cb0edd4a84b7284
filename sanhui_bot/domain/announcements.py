"""What the bot posts by itself, and when: derived from meetings, tasks and the calendar alone.

Every post has a key that names it uniquely (kind, unit or object, period), so planning the same
window twice, after a restart or on two instances, yields the same keys and the outbox's unique
constraint keeps each post to one. A post may also expire: a reminder an hour before a meeting is
pointless once the meeting has started, so a late planner drops it instead of posting it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingStatus, Task


class PostKind(StrEnum):
    NOTICE = "notice"  # 3 days before: agenda, materials, RSVP buttons
    REMINDER_DAY = "reminder_day"  # the day before: who has not answered (congress: and no 发言提纲)
    REMINDER_HOUR = "reminder_hour"  # an hour before: who has not answered
    QUORUM_WARNING = "quorum_warning"  # the day before a congress whose RSVPs do not reach quorum
    SIGNIN_OPEN = "signin_open"  # at the start: sign-in button
    SIGNIN_CLOSED = "signin_closed"  # at the end: 应到/实到/请假/缺席
    TASK_DUE_SOON = "task_due_soon"  # 3 days before the due date
    TASK_DUE_TODAY = "task_due_today"
    TASK_OVERDUE = "task_overdue"  # weekly while overdue
    MONTH_END = "month_end"  # the 积分公示栏


@dataclass(frozen=True, slots=True)
class AnnouncementRules:
    """When posts go out (DESIGN.md §2 defaults; configurable)."""

    notice_days: int = 3
    notice_at: time = time(9, 0)  # local time of day of the notice
    task_reminder_at: time = time(9, 0)
    month_end_at: time = time(18, 0)  # on the last day of the month


@dataclass(frozen=True, slots=True)
class PlannedPost:
    """A post the bot owes a chat at `due_at`; `expires_at` is when it becomes pointless."""

    key: str
    kind: PostKind
    chat: str
    due_at: datetime
    subject: str  # "meeting:12", "task:7", "month:2026-03"
    expires_at: datetime | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def meeting_posts(
    meeting: Meeting, chat: str, committee_chat: str, rules: AnnouncementRules, tz: tzinfo
) -> list[PlannedPost]:
    """The posts one meeting owes: notice, reminders, quorum warning, sign-in open and closed."""
    if meeting.id is None or meeting.status is MeetingStatus.CANCELLED:
        return []
    start, end = meeting.starts_at, meeting.ends_at
    local_day = start.astimezone(tz).date()
    subject = f"meeting:{meeting.id}"
    key = f"{meeting.unit}:{meeting.id}"
    posts = [
        PlannedPost(
            f"notice:{key}",
            PostKind.NOTICE,
            chat,
            _at(local_day - timedelta(days=rules.notice_days), rules.notice_at, tz),
            subject,
            expires_at=start,
        ),
        PlannedPost(
            f"reminder_day:{key}", PostKind.REMINDER_DAY, chat, start - timedelta(days=1), subject, start
        ),
        PlannedPost(
            f"reminder_hour:{key}", PostKind.REMINDER_HOUR, chat, start - timedelta(hours=1), subject, start
        ),
        PlannedPost(f"signin_open:{key}", PostKind.SIGNIN_OPEN, chat, start, subject, end),
        PlannedPost(f"signin_closed:{key}", PostKind.SIGNIN_CLOSED, chat, end, subject),
    ]
    if meeting.kind is MeetingKind.CONGRESS:
        posts.append(
            PlannedPost(
                f"quorum_warning:{key}",
                PostKind.QUORUM_WARNING,
                committee_chat,
                start - timedelta(days=1),
                subject,
                start,
            )
        )
    return posts


def task_posts(
    task: Task, chat: str, rules: AnnouncementRules, tz: tzinfo, until: datetime
) -> list[PlannedPost]:
    """Reminders to a task's owner: 3 days before, on the day, and weekly while overdue (up to `until`)."""
    if task.id is None or task.finished:
        return []
    subject = f"task:{task.id}"
    due = task.due_on
    posts = [
        PlannedPost(
            f"task_due_soon:{task.id}",
            PostKind.TASK_DUE_SOON,
            chat,
            _at(due - timedelta(days=3), rules.task_reminder_at, tz),
            subject,
            expires_at=_at(due, time(0), tz),
        ),
        PlannedPost(
            f"task_due_today:{task.id}",
            PostKind.TASK_DUE_TODAY,
            chat,
            _at(due, rules.task_reminder_at, tz),
            subject,
            expires_at=_at(due + timedelta(days=1), time(0), tz),
        ),
    ]
    week = 1
    while (moment := _at(due + timedelta(days=7 * week), rules.task_reminder_at, tz)) <= until:
        posts.append(
            PlannedPost(
                f"task_overdue:{task.id}:w{week}",
                PostKind.TASK_OVERDUE,
                chat,
                moment,
                subject,
                expires_at=moment + timedelta(days=7),  # superseded by the next week's reminder
                params={"week": week},
            )
        )
        week += 1
    return posts


def month_end_moment(year: int, month: int, rules: AnnouncementRules, tz: tzinfo) -> datetime:
    """The last day of the month at the configured time (weekends included: the summary is a record)."""
    last = calendar.monthrange(year, month)[1]
    return _at(date(year, month, last), rules.month_end_at, tz)


def month_end_posts(
    chats: list[str], year: int, month: int, rules: AnnouncementRules, tz: tzinfo
) -> list[PlannedPost]:
    """One 积分公示栏 per chat for the month."""
    due = month_end_moment(year, month, rules, tz)
    period = f"{year}-{month:02d}"
    return [
        PlannedPost(
            f"month_end:{chat}:{period}",
            PostKind.MONTH_END,
            chat,
            due,
            f"month:{period}",
            params={"year": year, "month": month},
        )
        for chat in chats
    ]


def months_between(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[int, int]]:
    """The (year, month) pairs whose days lie in [start, end], in local time."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
