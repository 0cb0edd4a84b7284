"""Work proportional to what is due: a window's task reminders do not depend on how old the task is."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.announcements import (
    AnnouncementRules,
    PlannedPost,
    PostKind,
    close_reminder_post,
    meeting_posts,
    month_end_posts,
    months_between,
    owner_chat,
    publish_reminder_post,
    task_posts,
)
from sanhui_bot.domain.counting import owes_decision_list
from sanhui_bot.domain.model import MeetingStatus, Task, TaskStatus
from sanhui_bot.services import announcements
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.posts import private_chat_members, rules_of

TZ = ZoneInfo("Asia/Shanghai")
RULES = AnnouncementRules()


def overdue_task(due_on: date) -> Task:
    return Task(
        id=7,
        decision_id=None,
        branch="t1",
        unit="t1",
        title="整理台账",
        owner="liuyang",
        due_on=due_on,
        created_at=datetime(2020, 1, 1, tzinfo=TZ),
    )


@given(
    due_on=st.dates(min_value=date(2021, 1, 1), max_value=date(2026, 6, 1)),
    start_after_due=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5 * 366)),
    window=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40)),
)
@settings(max_examples=200, deadline=None)
def test_a_window_plans_the_same_reminders_as_the_whole_history(
    due_on: date, start_after_due: timedelta, window: timedelta
) -> None:
    task = overdue_task(due_on)
    start = datetime.combine(due_on, datetime.min.time(), TZ) + start_after_due
    end = start + window
    everything = [p for p in task_posts(task, "g-math", RULES, TZ, end) if start < p.due_at <= end]
    windowed = [p for p in task_posts(task, "g-math", RULES, TZ, end, since=start) if start < p.due_at <= end]
    assert windowed == everything


def test_five_years_overdue_plans_a_handful_of_posts_not_every_week_since() -> None:
    task = overdue_task(date(2021, 11, 1))
    start = datetime(2026, 11, 30, 9, 0, 30, tzinfo=TZ)
    posts = task_posts(task, "g-math", RULES, TZ, start + timedelta(seconds=30), since=start)
    weekly = [p for p in posts if p.kind is PostKind.TASK_OVERDUE]
    assert len(weekly) <= 2  # not ~260
    all_weeks = task_posts(task, "g-math", RULES, TZ, start + timedelta(seconds=30))
    assert len([p for p in all_weeks if p.kind is PostKind.TASK_OVERDUE]) > 250


async def everything_due(deps: Deps, start: datetime, end: datetime) -> list[PlannedPost]:
    """The reference: every meeting and every open task of the database, filtered to the window."""
    rules = rules_of(deps)
    async with deps.uow() as uow:
        meetings = await uow.meetings.list()
        tasks = await uow.tasks.list(statuses=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        unpublished = await uow.meetings.with_status(MeetingStatus.CLOSED)
        members = {member.key: member for member in await deps.roster.members(uow)}
        private = await private_chat_members(uow, {task.owner for task in tasks})
        with_decisions = await uow.tasks.meetings_with_decisions([m.id or 0 for m in meetings])
    posts: list[PlannedPost] = []
    for meeting in unpublished:
        branch = deps.org.branch(meeting.branch)
        assert branch is not None
        if owes_decision_list(meeting, with_decisions):
            reminder = publish_reminder_post(meeting, branch.committee_chat, deps.calendar, rules, deps.tz)
            posts += [reminder] if reminder is not None else []
    for meeting in meetings:
        branch = deps.org.branch(meeting.branch)
        assert branch is not None
        if owes_decision_list(meeting, with_decisions):
            reminder = close_reminder_post(meeting, branch.committee_chat, deps.calendar, rules, deps.tz)
            posts += [reminder] if reminder is not None else []
    for meeting in meetings:
        chat, branch = deps.org.chat_for_unit(meeting.unit), deps.org.branch(meeting.branch)
        if chat is not None and branch is not None:
            posts += meeting_posts(meeting, chat, branch.committee_chat, rules, deps.tz)
    for task in tasks:
        branch = deps.org.branch(task.branch)
        assert branch is not None
        posts += task_posts(
            task, owner_chat(members.get(task.owner), branch, task.owner in private), rules, deps.tz, end
        )
    for year, month in months_between(start, end, deps.tz):
        posts += month_end_posts(
            [c for b in deps.org.branches for c in (b.chat, b.committee_chat, *(g.chat for g in b.groups))],
            year,
            month,
            rules,
            deps.tz,
        )
    due = [post for post in posts if start < post.due_at <= end]
    return sorted(due, key=lambda post: (post.due_at, post.key))


async def test_a_window_reads_only_what_can_fall_due_and_misses_nothing(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-01-05T08:00"))
    await chat.say(
        "zhangwei", "branch", "/decision 整理台账 @liuyang 截止:2026-01-20", at=local("2026-01-05T08:00")
    )
    await chat.say(
        "zhangwei", "branch", "/decision 走访家长 @chenjing 截止:2026-02-02", at=local("2026-01-06T10:00")
    )
    await chat.say(
        "zhangwei", "branch", "/meeting new congress 2026-02-11 15:00 临时大会", at=local("2026-01-06T10:00")
    )
    # January's 支委会 (Thursday 8th, 16:30) takes a decision and is never closed: its /close reminder
    # falls at 18:00 on the next working day.
    await chat.say(
        "zhangwei", "committee", "/decision 修订制度 @liuyang 截止:2026-01-30", at=local("2026-01-08T16:45")
    )
    rng = random.Random(15)
    lengths = [
        timedelta(seconds=30),
        timedelta(minutes=10),
        timedelta(hours=5),
        timedelta(days=2),
        timedelta(days=9),
    ]
    compared = 0
    for _ in range(60):
        start = local("2026-01-06T00:00") + timedelta(minutes=rng.randrange(0, 60 * 24 * 80))
        if rng.random() < 0.5:  # right before a moment that posts (09:00, 18:00, a meeting's start)
            start = start.replace(hour=rng.choice([8, 13, 17]), minute=59, second=45)
        end = start + rng.choice(lengths)
        assert await announcements.posts_between(app.deps, start, end) == await everything_due(
            app.deps, start, end
        )
        compared += 1
    # the month-end moment at a window's very end, and a window that just misses it; the /close
    # reminder's moment, and the 支委会's end (sign-in closes) in a half minute
    kinds: set[PostKind] = set()
    for start, end in (
        (local("2026-01-31T17:59:30"), local("2026-01-31T18:00")),
        (local("2026-02-28T18:00"), local("2026-02-28T18:00:30")),
        (local("2026-01-09T17:59:45"), local("2026-01-09T18:00:15")),
        (local("2026-01-08T17:29:50"), local("2026-01-08T17:30:20")),
    ):
        planned = await announcements.posts_between(app.deps, start, end)
        assert planned == await everything_due(app.deps, start, end)
        kinds |= {post.kind for post in planned}
        compared += 1
    assert compared == 64
    assert {PostKind.MONTH_END, PostKind.CLOSE_REMINDER, PostKind.SIGNIN_CLOSED} <= kinds
