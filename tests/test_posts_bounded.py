"""Issue 14, what remained: bounded /meetings, /joins and /report; group topics; the README posts
table; a task line without a group; the board's ranking and unrecorded meetings; English words."""

from __future__ import annotations

import re

from support import ChatDriver


async def test_a_task_line_without_a_claiming_group_says_its_state_once(chat: ChatDriver) -> None:
    # noticed in #14: a /tasks line without a claiming group said 待认领 twice (group column and state)
    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-20")
    await chat.say("zhangwei", "branch", "/decision 乙任务 @liuyang 截止:2026-03-20 小组:数学")
    listing = await chat.say("zhangwei", "branch", "/tasks")
    ungrouped = next(line for line in listing.splitlines() if line.startswith("#1 "))
    grouped = next(line for line in listing.splitlines() if line.startswith("#2 "))
    assert "待认领" not in ungrouped and "待完成" in ungrouped  # its owner completes it: nothing to claim
    assert grouped.count("待认领") == 1 and "数学党小组" in grouped
    decided = await chat.say("zhangwei", "branch", "/decision 丙任务 @liuyang 截止:2026-03-20")
    assert "认领小组：待认领" not in decided and "认领小组：未指定" in decided


def test_every_word_a_reply_may_show_exists_in_both_languages() -> None:
    # issue 14 seen 7: a word missing from the catalog shows as its code (`basically_satisfied`)
    from sanhui_bot.domain.model import MeetingKind, MeetingStatus, Rating, Role, TaskStatus
    from sanhui_bot.domain.permissions import Action
    from sanhui_bot.render.catalog import WORDS

    for prefix, values in (
        ("action", Action),
        ("role", Role),
        ("status", TaskStatus),
        ("kind", MeetingKind),
        ("meeting_status", MeetingStatus),
        ("rating", Rating),
    ):
        for value in values:
            zh, en = WORDS[f"{prefix}.{value.value}"]
            assert zh and en and not re.search(r"[a-z]_[a-z]", en), (prefix, value, en)
