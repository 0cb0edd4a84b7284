"""请假 by button: the bot's question for the reason survives a restart, and only the asked answers it."""

from __future__ import annotations

from emulator import BotApiEmulator, user
from tg_support import MATH, TOKEN, Clock, local, settle

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App
from sanhui_bot.config import Settings
from sanhui_bot.services.export import export_ledger

ZHANGWEI = user(10001, "伟", "张")
LIUYANG = user(10009, "洋", "刘")
HEMA = user(10011, "马", "何")


async def test_a_leave_reason_given_after_a_restart_still_counts(
    app: App, settings: Settings, emulator: BotApiEmulator, clock: Clock
) -> None:
    clock.now = local("2026-03-02T10:00")
    first = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await first.start()
    try:
        emulator.say(MATH, ZHANGWEI, "/meeting new 党小组会 2026-03-12 15:00 专题学习")
        await settle(first, emulator)
        created = emulator.bot_messages(MATH)[-1]
        emulator.press(MATH, HEMA, created["message_id"], 2)  # 请假
        await settle(first, emulator)
        prompt = emulator.bot_messages(MATH)[-1]
        assert prompt["requested_markup"]["force_reply"] is True
    finally:
        await first.stop()

    second = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await second.start()
    try:
        # Someone else's reply to the question is chat, not their leave request…
        emulator.say(MATH, LIUYANG, "收到", reply_to=prompt["message_id"])
        # …the asked member's reply is hers, though the bot was restarted in between.
        emulator.say(MATH, HEMA, "病假 发烧", reply_to=prompt["message_id"])
        await settle(second, emulator)
    finally:
        await second.stop()
    confirmation = emulator.bot_messages(MATH)[-1]
    assert "请假" in confirmation["text"] and "发烧" in confirmation["text"]
    rsvps = {
        r["member"]: (r["answer"], r["reason"]) for r in (await export_ledger(app.deps, clock.now))["rsvps"]
    }
    assert rsvps == {"hema": ("leave", "发烧")}
