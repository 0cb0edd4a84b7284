"""The bot's own posts: which are due, the outbox they go through, and the points they settle.

Planning works on a window (watermark, now]: every post due in it is written to the outbox under its
unique key, together with the window's end, in one transaction. A restart re-plans from the stored
watermark, so nothing is lost; re-planning a window writes the same keys, so nothing is posted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import partial

from sanhui_bot.domain.announcements import (
    PlannedPost,
    PostKind,
    close_reminder_post,
    meeting_posts,
    month_end_moment,
    month_end_posts,
    months_between,
    owner_chat,
    publish_reminder_post,
    task_posts,
    year_end_posts,
)
from sanhui_bot.domain.attendance import recorders
from sanhui_bot.domain.counting import owes_decision_list
from sanhui_bot.domain.model import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SignInMethod,
    Task,
    TaskStatus,
)
from sanhui_bot.domain.points import PointReason
from sanhui_bot.services.attendance import meeting_attendance, settle_attendance
from sanhui_bot.services.deps import RECORDS_SINCE, Deps
from sanhui_bot.services.meetings import MeetingView, RsvpResult, meeting_view
from sanhui_bot.services.points import award
from sanhui_bot.services.ports import OutboxRow, UnitOfWork
from sanhui_bot.services.posts import notice_if_late, private_chat_members, rules_of
from sanhui_bot.services.signin_codes import meeting_signin_method

log = logging.getLogger(__name__)

WATERMARK = "scheduler_watermark"  # counters key: epoch seconds up to which posts are planned
LATE_AFTER = timedelta(minutes=10)  # a post planned this long after its time is marked 补发
CLOSE_LOOKBACK = timedelta(days=14)  # how far back a meeting may still owe its /close reminder
RETRY_BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


@dataclass(frozen=True, slots=True)
class MeetingAnnouncement:
    """What a meeting post shows: the meeting with agenda and tally, and who is missing what."""

    view: MeetingView
    missing_outlines: list[str]
    attendance: Attendance | None  # at sign-in close; None while nothing is recorded
    recorders: list[str] = field(default_factory=list)  # who may record it, when nothing is
    pending_leave: list[str] = field(default_factory=list)  # leave requests still waiting for approval
    signin: SignInMethod = SignInMethod.CODE  # how it is signed in (issue 18): the post shows that way only


@dataclass(frozen=True, slots=True)
class TaskAnnouncement:
    task: Task
    week: int = 0


async def watermark(deps: Deps) -> datetime | None:
    """Up to when posts have been planned; None before the first planning."""
    async with deps.uow() as uow:
        value = await uow.counters.get(WATERMARK)
    return datetime.fromtimestamp(value, UTC) if value is not None else None


async def start_planning(deps: Deps, now: datetime) -> datetime:
    """The watermark, set to `now` on the very first start so an old plan is not posted in bulk.

    Only the notices of meetings still ahead whose notice time has passed go out then: a branch
    that starts the bot on a Monday morning hears of Thursday's meetings.
    """
    async with deps.uow() as uow:
        value = await uow.counters.get(WATERMARK)
        if value is None:
            value = int(now.timestamp())
            await uow.counters.set(WATERMARK, value)
            await uow.counters.set(RECORDS_SINCE, value)
            ahead = timedelta(days=rules_of(deps).notice_days + 1)
            for meeting in await uow.meetings.between(None, now, now + ahead):  # cancelled left out
                await notice_if_late(uow, deps, meeting, now)
            await uow.commit()
    return datetime.fromtimestamp(value, UTC)


def _chats(deps: Deps) -> list[str]:
    chats = []
    for branch in deps.org.branches:
        chats += [branch.chat, branch.committee_chat, *(group.chat for group in branch.groups)]
    if deps.org.school is not None:
        chats.append(deps.org.school.chat)  # the 党委's school-wide month-end
    return chats


def _isolated(subject: str, plan: Callable[[], list[PlannedPost]]) -> list[PlannedPost]:
    """One row's posts, or none when they cannot be computed: one bad row never stops every branch's posts.

    A database written by an older version may hold e.g. a task due 9999-12-31, whose reminder time
    overflows (issue 13). The row is logged at every tick until it is corrected; the others go out.
    """
    try:
        return plan()
    except Exception as error:  # any fault of one row: logged, the others go on
        log.error("cannot plan the posts of %s (%r); skipped, every other post goes out", subject, error)
        return []


# Longer than any meeting (the config allows 600 minutes): a meeting that ends in a window began
# at most this long before it.
MEETING_LONGEST = timedelta(days=1)


# When a meeting's posts fall, relative to its start: the day-before reminder and quorum warning,
# the hour-before reminder, sign-in open. Its end (sign-in closed, attendance check) comes on top.
MEETING_MOMENTS = (timedelta(days=-1), timedelta(hours=-1), timedelta(0))


async def _meetings_due(uow: UnitOfWork, start: datetime, end: datetime) -> list[Meeting]:
    """The meetings with a start-relative moment (MEETING_MOMENTS) or their end in (start, end].

    Only the start time and length are read for the day's candidates of every branch; the whole
    meeting only for those with a moment in the window (usually none in a half minute).
    """
    spans = [(start - shift, end - shift) for shift in MEETING_MOMENTS]
    spans.append((start - MEETING_LONGEST, end))  # a meeting ending in the window began this late
    candidates = await uow.meetings.times_between(spans)
    due = [
        meeting_id
        for meeting_id, starts_at, length in candidates
        if any(start < starts_at + shift <= end for shift in MEETING_MOMENTS)
        or start < starts_at + length <= end
    ]
    return await uow.meetings.with_ids(due) if due else []


def _moments_in(start: datetime, end: datetime, at: time, tz: tzinfo) -> list[date]:
    """The local days whose time `at` falls in (start, end]."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if start < datetime.combine(day, at, tz) <= end]


async def posts_between(deps: Deps, start: datetime, end: datetime) -> list[PlannedPost]:
    """Every post due in (start, end], ordered by due time then key.

    Only what can fall due in the window is read: the meetings starting near it (and those whose
    notice day it holds), the open tasks only when it holds the reminder time, the month-end only
    when it holds that moment. So a half-minute tick costs the same with one year of history or
    five, one branch or fifty.
    """
    rules = rules_of(deps)
    notice_days = _moments_in(start, end, rules.notice_at, deps.tz)
    reminder_days = _moments_in(start, end, rules.task_reminder_at, deps.tz)
    close_days = _moments_in(start, end, rules.close_reminder_at, deps.tz)
    async with deps.uow() as uow:
        # Sign-in opens at the start, closes (and the attendance check falls) at the end; reminders
        # an hour and a day before, the quorum warning a day before: only the meetings with one of
        # these moments in the window, not every branch's meetings of the next day.
        found = {m.id: m for m in await _meetings_due(uow, start, end)}
        for day in notice_days:  # notices `notice_days` before the meeting's day
            first = datetime.combine(day + timedelta(days=rules.notice_days), time(0), deps.tz)
            found |= {m.id: m for m in await uow.meetings.between(None, first, first + timedelta(days=1))}
        meetings = sorted(found.values(), key=lambda m: (m.starts_at, m.id or 0))
        tasks = await uow.tasks.list(statuses=[TaskStatus.OPEN, TaskStatus.CLAIMED]) if reminder_days else []
        # A publish reminder falls at the notice time of a working day.
        unpublished = await uow.meetings.with_status(MeetingStatus.CLOSED) if notice_days else []
        members = {member.key: member for member in await deps.roster.members(uow)} if tasks else {}
        private = await private_chat_members(uow, {task.owner for task in tasks}) if tasks else set()
        # A /close reminder falls a working day after its meeting at the close time, or at the
        # meeting's end if that is later (then the meeting is among those ending in the window). At
        # the close time: meetings from as far back as the longest holiday that are still not closed.
        recent = await uow.meetings.between(None, start - CLOSE_LOOKBACK, end) if close_days else meetings
        unclosed = [m for m in recent if m.status is MeetingStatus.PLANNED]
        with_decisions = await uow.tasks.meetings_with_decisions(
            [m.id or 0 for m in [*unpublished, *unclosed]]
        )
    posts: list[PlannedPost] = []
    for meeting in unpublished:
        branch = deps.org.branch(meeting.branch)
        # Only a meeting that owes a 决议清单 is reminded to publish one (DESIGN §2).
        if branch is not None and owes_decision_list(meeting, with_decisions):
            reminder = publish_reminder_post(meeting, branch.committee_chat, deps.calendar, rules, deps.tz)
            posts += [reminder] if reminder is not None else []
    for meeting in unclosed:
        branch = deps.org.branch(meeting.branch)
        if branch is not None and owes_decision_list(meeting, with_decisions):
            reminder = close_reminder_post(meeting, branch.committee_chat, deps.calendar, rules, deps.tz)
            posts += [reminder] if reminder is not None else []
    for meeting in meetings:
        chat = deps.org.chat_for_unit(meeting.unit)
        branch = deps.org.branch(meeting.branch)
        if chat is None or branch is None:
            continue
        posts += _isolated(
            f"meeting {meeting.id}",
            partial(meeting_posts, meeting, chat, branch.committee_chat, rules, deps.tz),
        )
    for task in tasks:
        branch = deps.org.branch(task.branch)
        if branch is not None:
            chat = owner_chat(members.get(task.owner), branch, task.owner in private)
            posts += _isolated(
                f"task {task.id}", partial(task_posts, task, chat, rules, deps.tz, end, since=start)
            )
    for year, month in months_between(start, end, deps.tz):
        if start < month_end_moment(year, month, rules, deps.tz) <= end:
            posts += month_end_posts(_chats(deps), year, month, rules, deps.tz)
            if month == 12:
                posts += year_end_posts([b.chat for b in deps.org.branches], year, rules, deps.tz)
    due = [post for post in posts if start < post.due_at <= end]
    return sorted(due, key=lambda post: (post.due_at, post.key))


async def unit_chat_of(deps: Deps, member_key: str) -> str | None:
    """Where a member's reminders go when their private chat with the bot is closed on a platform."""
    async with deps.uow() as uow:
        member = next((m for m in await deps.roster.members(uow) if m.key == member_key), None)
    branch = deps.org.branch(member.branch) if member is not None else None
    return owner_chat(member, branch, has_private_chat=False) if branch is not None else None


async def next_due_after(
    deps: Deps, moment: datetime, horizon: timedelta = timedelta(days=40)
) -> datetime | None:
    """When the next post falls due after `moment` (within the horizon), for stepping a simulated clock."""
    posts = await posts_between(deps, moment, moment + horizon)
    return posts[0].due_at if posts else None


async def meeting_announcement(
    deps: Deps, meeting_id: int, with_attendance: bool, answered: RsvpResult | None = None
) -> MeetingAnnouncement | None:
    """The data a meeting post shows, read now; the meeting and tally from `answered` when an
    answer to it has just computed them (in the same transaction)."""
    async with deps.uow() as uow:
        meeting = answered.meeting if answered is not None else await uow.meetings.get(meeting_id)
        if meeting is None:
            return None
        view = await meeting_view(uow, deps, meeting, answered.tally if answered is not None else None)
        # 提纲 are asked of a congress's members only (the notice names who has not sent one)
        outlines = (
            {outline.member for outline in await uow.attendance.outlines(meeting_id)}
            if meeting.kind is MeetingKind.CONGRESS
            else set()
        )
        pending = list(view.tally.pending)  # the tally read them with the answers: no second read
        counted = None
        able: list[str] = []
        if with_attendance:
            counted, recorded = await meeting_attendance(uow, deps, meeting)
            if not recorded or meeting.called_off:
                counted = None  # attendance not recorded: nobody is listed absent (issue 12)
                able = recorders(meeting, await deps.roster.branch(uow, meeting.branch))
    missing = (
        [key for key in view.tally.expected if key not in outlines]
        if meeting.kind is MeetingKind.CONGRESS
        else []
    )
    return MeetingAnnouncement(view, missing, counted, able, pending, meeting_signin_method(deps, meeting))


async def task_announcement(deps: Deps, task_id: int, week: int = 0) -> TaskAnnouncement | None:
    async with deps.uow() as uow:
        task = await uow.tasks.get(task_id)
    return TaskAnnouncement(task, week) if task is not None else None


def is_late(post: PlannedPost, now: datetime) -> bool:
    return now - post.due_at > LATE_AFTER


async def written_keys(deps: Deps, keys: Sequence[str]) -> set[str]:
    """Which of these post keys are in the outbox already."""
    if not keys:
        return set()
    async with deps.uow() as uow:
        return await uow.outbox.existing(keys)


async def enqueue(
    deps: Deps, rows: Sequence[OutboxRow], settled: Sequence[PlannedPost], until: datetime
) -> int:
    """Write the window's posts, settle their points, and move the watermark, all in one transaction."""
    async with deps.uow() as uow:
        added = await uow.outbox.add_all_if_absent(rows)
        for post in settled:
            await _settle_points(uow, deps, post)
        await uow.counters.set(WATERMARK, int(until.timestamp()))
        await uow.commit()
    return added


async def _settle_points(uow: UnitOfWork, deps: Deps, post: PlannedPost) -> None:
    """Points a post's moment settles: −2 for unexcused absence at a meeting's end, −1 a week overdue."""
    if post.kind is PostKind.SIGNIN_CLOSED:
        meeting = await uow.meetings.get(subject_id(post))
        if meeting is None:
            return
        # Those not signed in and not excused lose points, unless nothing at all was recorded: then
        # nobody is fined until a recorder records the meeting (services.attendance).
        await settle_attendance(uow, deps, meeting, post.due_at)
    elif post.kind is PostKind.TASK_OVERDUE:
        task = await uow.tasks.get(subject_id(post))
        if task is not None and not task.finished:
            week = post.params["week"]
            await award(
                uow, deps, task.owner, PointReason.TASK_OVERDUE, f"task:{task.id}:week:{week}", post.due_at
            )


async def claim_rows(
    deps: Deps, claimant: str, now: datetime, lease: timedelta, limit: int = 10
) -> list[OutboxRow]:
    """Claim due, unsent rows for this instance for `lease`; rows another live instance holds are left."""
    async with deps.uow() as uow:
        rows = await uow.outbox.claim_due(now, claimant, now + lease, limit)
        await uow.commit()
    return rows


async def release(deps: Deps, claimant: str) -> int:
    """A stopping instance gives up its claims on the rows it did not send; how many."""
    async with deps.uow() as uow:
        released = await uow.outbox.release(claimant)
        await uow.commit()
    return released


async def hold(deps: Deps, row: OutboxRow, claimant: str, now: datetime, lease: timedelta) -> bool:
    """Renew this instance's lease on a row just before sending it; False if another instance took it."""
    async with deps.uow() as uow:
        held = await uow.outbox.hold(row.id or 0, claimant, now + lease)
        await uow.commit()
    return held


async def mark_sent(deps: Deps, row: OutboxRow, now: datetime) -> None:
    async with deps.uow() as uow:
        await uow.outbox.mark_sent(row.id or 0, now)
        await uow.commit()


async def delivered(deps: Deps, row: OutboxRow) -> set[str]:
    """The platforms the row has reached already."""
    async with deps.uow() as uow:
        return await uow.outbox.delivered(row.id or 0)


async def record_delivery(deps: Deps, row: OutboxRow, platform: str, message_id: str, now: datetime) -> None:
    async with deps.uow() as uow:
        await uow.outbox.record_delivery(row.id or 0, platform, message_id, now)
        await uow.commit()


async def mark_failed(deps: Deps, row: OutboxRow, error: str, now: datetime) -> datetime:
    """Leave the row for a retry after a growing pause; return when it is tried again."""
    retry_at = now + RETRY_BACKOFF[min(row.attempts, len(RETRY_BACKOFF) - 1)]
    async with deps.uow() as uow:
        await uow.outbox.mark_failed(row.id or 0, error, retry_at)
        await uow.commit()
    return retry_at


def subject_id(post: PlannedPost) -> int:
    """The meeting or task number in a post's subject, e.g. 12 in "meeting:12"."""
    return int(post.subject.split(":")[1])
