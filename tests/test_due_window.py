"""Work proportional to what is due: a window's task reminders do not depend on how old the task is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sanhui_bot.domain.announcements import AnnouncementRules, PostKind, task_posts
from sanhui_bot.domain.model import Task

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
