"""Issue 14, must-show 1: in a played month every post of the bot's own concerns someone in its chat."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from noise import REPLY, Post, concerning_no_one, play, report


@pytest.mark.slow
async def test_a_played_month_posts_nothing_that_concerns_no_one_in_its_chat() -> None:
    played = await play(date(2026, 3, 1), 31, seed=14)
    own = [post for post in played.posts if post.kind != REPLY]
    task_reminders = [post for post in own if post.kind.startswith("task_")]
    assert task_reminders, "the month has task reminders to check"
    # the 支委群 receives no reminder for an owner outside the committee (seen 1)
    committee = {"zhangwei", "wangfang", "lihua", "chenjing", "zhaolei"}
    assert [post for post in task_reminders if post.chat == "committee"] == []
    # no post names nobody: every reminder names someone
    assert all(post.concerned for post in own if post.kind.startswith("reminder"))
    assert played.unconcerned == []
    assert report(played).splitlines()[-1] == "posts concerning no one in their chat: 0"
    assert any(post.chat == "committee" and not post.concerned - committee for post in own)


def test_the_count_sees_a_post_to_a_chat_its_person_does_not_read() -> None:
    # the measure is a computation, not a constant: a reminder for 刘洋 in the 支委群 counts,
    # so does a reminder that names nobody; his reminder in his group's chat does not
    readers = {"committee": frozenset({"zhangwei", "lihua"}), "g-math": frozenset({"liuyang", "lihua"})}
    posts = [
        Post("committee", "task_due_today", frozenset({"liuyang"}), "📌 刘洋：…"),
        Post("g-math", "reminder_hour", frozenset(), "⏰ 一小时后 …"),
        Post("g-math", "task_due_today", frozenset({"liuyang"}), "📌 刘洋：…"),
        Post("committee", REPLY, frozenset(), "已记录决议 …"),
    ]
    assert concerning_no_one(posts, readers) == posts[:2]
