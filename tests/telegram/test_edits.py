"""Per-update cost: an answer given again edits nothing (issue 15)."""

from __future__ import annotations

from emulator import BotApiEmulator, user
from tg_support import MATH, Clock, Settle, local

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.scheduler.announcer import Announcer

LIUYANG = user(10009, "洋", "刘")
CHENJING = user(10006, "静", "陈")


async def test_the_same_answer_again_sends_no_edit_and_a_new_one_does(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    clock.now = local("2026-03-02T08:00")
    await plan_meetings(app, clock.now)
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    clock.now = local("2026-03-02T09:30")
    await announcer.tick(clock.now)
    (notice,) = [m for m in emulator.bot_messages(MATH) if m.get("reply_markup")]

    emulator.press(MATH, LIUYANG, notice["message_id"], 1)
    await settled()
    assert emulator.calls.count("editMessageText") == 1
    assert "参加 1" in emulator.message(MATH, notice["message_id"])["text"]

    emulator.press(MATH, LIUYANG, notice["message_id"], 1)  # 参加 again: the tally is the same
    await settled()
    assert emulator.calls.count("editMessageText") == 1

    emulator.press(MATH, CHENJING, notice["message_id"], 1)
    await settled()
    assert emulator.calls.count("editMessageText") == 2
    assert "参加 2" in emulator.message(MATH, notice["message_id"])["text"]
