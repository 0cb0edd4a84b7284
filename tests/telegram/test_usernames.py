"""Plain @username mentions: Telegram sends only the name, so the bot learns who goes by it.

A secretary picking a member from Telegram's @ list writes `@liu_yang`, a username the roster does
not hold. Once 刘洋 has used the bot (any command or button), that name names him, also after a
restart; before that the decision is refused with the usual "not on the roster" answer.
"""

from __future__ import annotations

from typing import Any

from emulator import BotApiEmulator, user
from tg_support import BRANCH, MATH, TOKEN, Clock, local, settle

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App
from sanhui_bot.config import Settings
from sanhui_bot.services.export import export_ledger

ZHANGWEI = user(10001, "伟", "张")
LIUYANG = user(10009, "洋", "刘") | {"username": "Liu_Yang"}


def decision_naming(name: str, title: str) -> tuple[str, list[dict[str, Any]]]:
    """A /decision text with a plain @mention, and the `mention` entity Telegram sends with it."""
    text = f"/decision {title} @{name} 截止:2026-03-14"
    return text, [{"type": "mention", "offset": text.index("@"), "length": len(name) + 1}]


async def owners(app: App, clock: Clock) -> dict[str, str]:
    return {task["title"]: task["owner"] for task in (await export_ledger(app.deps, clock.now))["tasks"]}


async def test_a_plain_username_mention_names_the_member_seen_going_by_it(
    app: App, settings: Settings, emulator: BotApiEmulator, clock: Clock
) -> None:
    clock.now = local("2026-03-05T16:30")
    first = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await first.start()
    try:
        text, entities = decision_naming("liu_yang", "整理学习台账")
        emulator.say(BRANCH, ZHANGWEI, text, entities=entities)
        await settle(first, emulator)
        refusal = emulator.bot_messages(BRANCH)[-1]["text"]
        assert "liu_yang" in refusal and "名册" in refusal
        assert await owners(app, clock) == {}

        emulator.say(MATH, LIUYANG, "/points")  # 刘洋 uses the bot once
        emulator.say(BRANCH, ZHANGWEI, text, entities=entities)
        await settle(first, emulator)
        assert await owners(app, clock) == {"整理学习台账": "liuyang"}
    finally:
        await first.stop()

    # A restarted bot knows it from the database; Telegram usernames ignore case.
    second = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await second.start()
    try:
        text, entities = decision_naming("LIU_YANG", "汇总学习心得")
        emulator.say(BRANCH, ZHANGWEI, text, entities=entities)
        await settle(second, emulator)
        assert (await owners(app, clock))["汇总学习心得"] == "liuyang"
    finally:
        await second.stop()
