"""Task states: open → claimed → done → rated, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import Task, TaskStatus
from sanhui_bot.domain.points import PointReason, PointRules, earn, reversal, total

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def new_task(**changes: object) -> Task:
    return replace(Task(7, 3, "t1", "t1", "完成方案", "liuyang", date(2026, 3, 20), NOW), **changes)  # type: ignore[arg-type]


def test_the_closed_loop_in_order() -> None:
    task = new_task()
    claimed = task.claim("math", "chenjing", NOW)
    assert claimed.status is TaskStatus.CLAIMED and claimed.claimed_by_group == "math"
    done = claimed.complete("已提交", NOW, date(2026, 3, 18))
    assert done.status is TaskStatus.DONE and done.on_time
    assert done.rated().status is TaskStatus.RATED
    assert done.rated().rated().status is TaskStatus.RATED  # more people rate


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (TaskStatus.OPEN, "rate"),
        (TaskStatus.CLAIMED, "claim"),
        (TaskStatus.CLAIMED, "rate"),
        (TaskStatus.DONE, "claim"),
        (TaskStatus.DONE, "complete"),
        (TaskStatus.RATED, "claim"),
        (TaskStatus.RATED, "complete"),
    ],
)
def test_transitions_that_are_not_allowed(status: TaskStatus, move: str) -> None:
    task = new_task(status=status)
    with pytest.raises(DomainError) as caught:
        if move == "claim":
            task.claim("math", "chenjing", NOW)
        elif move == "complete":
            task.complete("", NOW, date(2026, 3, 18))
        else:
            task.rated()
    assert caught.value.code == "task_transition"


def test_an_open_task_is_completed_at_once_only_when_no_group_is_named_to_claim_it() -> None:
    # issue 14: a task without a claiming group is its owner's to finish
    done = new_task().complete("已提交", NOW, date(2026, 3, 18))
    assert done.status is TaskStatus.DONE and done.on_time
    with pytest.raises(DomainError) as caught:
        new_task(group="math").complete("", NOW, date(2026, 3, 18))
    assert caught.value.code == "task_needs_claim" and caught.value.params["group"] == "math"


def test_a_task_named_for_a_group_is_claimed_by_that_group_only() -> None:
    task = new_task(group="math")
    with pytest.raises(DomainError) as caught:
        task.claim("grade10", "zhoumin", NOW)
    assert caught.value.code == "task_other_group"


def test_overdue_and_weeks_overdue() -> None:
    task = new_task()
    assert not task.is_overdue(date(2026, 3, 20))
    assert task.is_overdue(date(2026, 3, 21)) and task.weeks_overdue(date(2026, 3, 21)) == 0
    assert task.weeks_overdue(date(2026, 3, 27)) == 1
    done = task.claim("math", "c", NOW).complete("", NOW, date(2026, 3, 25))
    assert not done.is_overdue(date(2026, 4, 30)) and not done.on_time


def test_points_rules_and_reversal() -> None:
    rules = PointRules()
    entry = earn(rules, "liuyang", PointReason.SIGNIN, "meeting:1", NOW)
    assert entry.delta == 2
    assert earn(rules, "liuyang", PointReason.TASK_OVERDUE, "task:1:week:1", NOW).delta == -1
    stored = replace(entry, id=5)
    undo = reversal(stored, "zhangwei", "误签", NOW)
    assert (undo.delta, undo.reverses, undo.reason) == (-2, 5, PointReason.REVERSAL)
    assert total([stored, undo]) == 0
    with pytest.raises(DomainError):
        reversal(replace(undo, id=6), "zhangwei", "", NOW)
