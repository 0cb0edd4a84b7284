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

from sanhui_bot.domain.errors import UnknownCalendarYear
from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingStatus, Member, Task
from sanhui_bot.domain.organisation import Branch
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.domain.zones import to_zone


class PostKind(StrEnum):
    NOTICE = "notice"  # 3 days before: agenda, materials, RSVP buttons
    REMINDER_DAY = "reminder_day"  # the day before: who has not answered (congress: and no 发言提纲)
    REMINDER_HOUR = "reminder_hour"  # an hour before: who has not answered
    QUORUM_WARNING = "quorum_warning"  # the day before a congress whose RSVPs do not reach quorum
    SIGNIN_OPEN = "signin_open"  # at the start: sign-in button
    SIGNIN_CLOSED = "signin_closed"  # at the end: 应到/实到/请假/缺席 (only when attendance was recorded)
    ATTENDANCE_UNRECORDED = "attendance_unrecorded"  # at the end, nothing recorded: to those who record it
    TASK_DUE_SOON = "task_due_soon"  # 3 days before the due date
    TASK_DUE_TODAY = "task_due_today"
    TASK_OVERDUE = "task_overdue"  # weekly while overdue
    MONTH_END = "month_end"  # the 积分公示栏
    YEAR_END = "year_end"  # 年度评优: the branch chat's year in short, with the year's workbook
    MEETING_MOVED = "meeting_moved"  # at /meeting move, once the notice is out: the notice anew
    DECISION_LIST = "decision_list"  # at /close: the drafted 决议清单, to the committee chat
    LEDGER_CHECK = "ledger_check"  # at /close of a committee meeting with fewer than 3 or more than 5 tasks
    PUBLISH_REMINDER = "publish_reminder"  # 1 working day after /close, still unpublished
    CLOSE_REMINDER = "close_reminder"  # end of the next working day: a meeting with decisions not /closed
    PUBLICATION = "publication"  # at /publish: the 决议清单 公示 in the unit's chat
    LEAVE_REQUEST = "leave_request"  # a leave request waiting for approval: to each approver, with buttons
    LEAVE_DECIDED = "leave_decided"  # the approver's decision: to the member who asked


PUBLISH_REMINDER_AFTER_WORKING_DAYS = 1  # the secretary is reminded this long after /close
# A meeting holding decisions is to be /closed by the end of the next working day, so that its
# 决议清单 can still be published within the 2 working days (issue 12).
CLOSE_WITHIN_WORKING_DAYS = 1


@dataclass(frozen=True, slots=True)
class AnnouncementRules:
    """When posts go out (DESIGN.md §2 defaults; configurable)."""

    notice_days: int = 3
    notice_at: time = time(9, 0)  # local time of day of the notice
    task_reminder_at: time = time(9, 0)
    month_end_at: time = time(18, 0)  # on the last day of the month
    close_reminder_at: time = time(18, 0)  # the end of the working day a meeting should be closed by


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


PRIVATE_CHAT_PREFIX = "private:"  # a chat key for a member's private chat with the bot


def private_chat(member_key: str) -> str:
    """The chat key of a member's private chat with the bot (a platform that has one resolves it)."""
    return f"{PRIVATE_CHAT_PREFIX}{member_key}"


def private_chat_member(chat: str) -> str | None:
    """The member key of a private chat key, None for a unit's chat."""
    return chat.removeprefix(PRIVATE_CHAT_PREFIX) if chat.startswith(PRIVATE_CHAT_PREFIX) else None


def owner_chat(owner: Member | None, branch: Branch, has_private_chat: bool) -> str:
    """Where a task's reminders reach its owner (issue 14): the private chat with the bot when the
    owner has started one, else the chat of the owner's 党小组, else the branch chat.

    Never the committee chat: an ordinary member is not in it, and a committee member reads the
    own group's chat too, so the 支委群 carries no reminder for someone who does not read it.
    """
    if owner is None:
        return branch.chat
    if has_private_chat:
        return private_chat(owner.key)
    group = next((group for group in branch.groups if group.key == owner.group), None)
    return group.chat if group is not None else branch.chat


def approver_chat(approver: Member, branch: Branch, meeting_chat: str, has_private_chat: bool) -> str:
    """Where a leave request reaches an approver (issue 18): the private chat with the bot when the
    approver has started one, else the committee chat for a committee member (书记, 副书记), else the
    meeting's own chat (a 党小组长's group meeting: the group chat the leader reads)."""
    if has_private_chat:
        return private_chat(approver.key)
    return branch.committee_chat if approver.is_committee else meeting_chat


def leave_request_key(meeting_id: int, member: str, requested_at: datetime, chat: str) -> str:
    """The outbox key of one leave request's post to one chat: a new request is a new post."""
    return (
        f"{PostKind.LEAVE_REQUEST.value}:{meeting_id}:{member}:{int(requested_at.timestamp() * 1e6)}:{chat}"
    )


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def meeting_post_key(kind: PostKind, meeting: Meeting) -> str:
    """The outbox key of a meeting's post: a planner and a service writing it agree on it."""
    return f"{kind.value}:{meeting.unit}:{meeting.id}"


def notice_due(meeting: Meeting, rules: AnnouncementRules, tz: tzinfo) -> datetime:
    """When a meeting's notice is due: `notice_days` before its day, at the notice time."""
    local_day = to_zone(meeting.starts_at, tz).date()
    return _at(local_day - timedelta(days=rules.notice_days), rules.notice_at, tz)


def meeting_posts(
    meeting: Meeting, chat: str, committee_chat: str, rules: AnnouncementRules, tz: tzinfo
) -> list[PlannedPost]:
    """The posts one meeting owes: notice, reminders, quorum warning, sign-in open and closed, and the
    reminder to record attendance (to the committee chat; a group meeting's to its group chat, where
    the group leader records it)."""
    if meeting.id is None or meeting.called_off:
        return []
    start, end = meeting.starts_at, meeting.ends_at
    subject = f"meeting:{meeting.id}"
    key = f"{meeting.unit}:{meeting.id}"
    posts = [
        PlannedPost(
            meeting_post_key(PostKind.NOTICE, meeting),
            PostKind.NOTICE,
            chat,
            notice_due(meeting, rules, tz),
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
        PlannedPost(
            f"attendance_unrecorded:{key}",
            PostKind.ATTENDANCE_UNRECORDED,
            chat if meeting.kind is MeetingKind.GROUP else committee_chat,
            end,
            subject,
        ),
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
    task: Task,
    chat: str,
    rules: AnnouncementRules,
    tz: tzinfo,
    until: datetime,
    since: datetime | None = None,
) -> list[PlannedPost]:
    """Reminders to a task's owner: 3 days before, on the day, and weekly while overdue (up to `until`).

    Given `since`, the weekly reminders due before it are left out (a few of the last may remain), so
    a window's planning costs the same for a task overdue for a week or for five years.
    """
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
    if since is not None:
        week = max(1, (since.astimezone(tz).date() - due).days // 7)
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


def publish_reminder_post(
    meeting: Meeting, committee_chat: str, calendar: WorkCalendar, rules: AnnouncementRules, tz: tzinfo
) -> PlannedPost | None:
    """The reminder to the secretary 1 working day after /close, if the 决议清单 is still unpublished
    (the caller checks that the meeting owes one)."""
    if meeting.id is None or meeting.closed_at is None or meeting.status is not MeetingStatus.CLOSED:
        return None
    closed_on = to_zone(meeting.closed_at, tz).date()
    day, known = _working_days_after(calendar, closed_on, PUBLISH_REMINDER_AFTER_WORKING_DAYS)
    return PlannedPost(
        f"publish_reminder:{meeting.unit}:{meeting.id}",
        PostKind.PUBLISH_REMINDER,
        committee_chat,
        _at(day, rules.notice_at, tz),
        f"meeting:{meeting.id}",
        params={} if known else {"calendar_unknown": day.year},
    )


def close_reminder_post(
    meeting: Meeting, committee_chat: str, calendar: WorkCalendar, rules: AnnouncementRules, tz: tzinfo
) -> PlannedPost | None:
    """The reminder to the secretary to /close a meeting that holds decisions, at the end of the next
    working day after it, if it is still not closed (the caller checks that it holds decisions)."""
    if meeting.id is None or meeting.status is not MeetingStatus.PLANNED:
        return None
    held_on = to_zone(meeting.starts_at, tz).date()
    day, known = _working_days_after(calendar, held_on, CLOSE_WITHIN_WORKING_DAYS)
    return PlannedPost(
        f"close_reminder:{meeting.unit}:{meeting.id}",
        PostKind.CLOSE_REMINDER,
        committee_chat,
        max(_at(day, rules.close_reminder_at, tz), meeting.ends_at),
        f"meeting:{meeting.id}",
        params={} if known else {"calendar_unknown": day.year},
    )


def _working_days_after(calendar: WorkCalendar, day: date, count: int) -> tuple[date, bool]:
    """The `count`th working day after `day`, and whether the calendar knew it. Past the calendar's
    years the reminder still goes out, `count` calendar days later and saying the working-day
    calendar is unknown: a reminder is never silently dropped (DESIGN §2)."""
    try:
        return calendar.add_working_days(day, count), True
    except UnknownCalendarYear:
        return day + timedelta(days=count), False


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


def year_end_posts(
    branch_chats: list[str], year: int, rules: AnnouncementRules, tz: tzinfo
) -> list[PlannedPost]:
    """One 年度评优 post per branch chat, at the December month-end moment (school plan 二(三): each
    member's results feed the annual evaluation)."""
    due = month_end_moment(year, 12, rules, tz)
    return [
        PlannedPost(
            f"year_end:{chat}:{year}", PostKind.YEAR_END, chat, due, f"year:{year}", params={"year": year}
        )
        for chat in branch_chats
    ]


def months_between(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[int, int]]:
    """The (year, month) pairs whose days lie in [start, end], in local time."""
    first, last = to_zone(start, tz).date(), to_zone(end, tz).date()
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
