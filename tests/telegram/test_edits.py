"""Per-update cost: an answer given again edits nothing; edits of one notice are coalesced, the last
tally always shown, after a restart too (issue 15)."""

from __future__ import annotations

import asyncio
import time

from emulator import BotApiEmulator, user
from support import ChatDriver
from tg_support import BRANCH, MATH, TOKEN, Clock, Settle, local, settle

from sanhui_bot.adapters.conversation import PENDING_EDIT
from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings
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


async def test_a_press_sends_its_edit_beside_its_answer_not_after_it(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    # The pop-up answer and the notice's edit are two requests; the edit does not wait for the
    # answer's round trip (issue 15: a press cost its own work and two round trips, one after the other).
    notice = await branch_notice(app, telegram, emulator, clock)
    edits_before = emulator.calls.count("editMessageText")
    answers = emulator.held["answerCallbackQuery"] = asyncio.Event()
    emulator.press(BRANCH, MEMBERS[0], notice, 1)
    async with asyncio.timeout(10):
        while emulator.calls.count("editMessageText") == edits_before:
            await asyncio.sleep(0.01)
    assert emulator.callback_answers == {}  # the answer is still on its way
    answers.set()
    await settled()
    assert len(emulator.callback_answers) == 1
    assert "参加 1" in emulator.message(BRANCH, notice)["text"]


async def branch_notice(app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, clock: Clock) -> int:
    """A congress two days ahead, its notice posted in the branch chat: the notice's message id."""
    clock.now = local("2026-03-02T09:00")
    chat = ChatDriver(app, clock.now)
    assert "#" in await chat.say("zhangwei", "branch", "/meeting new congress 2026-03-04 15:00 党员大会")
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    await announcer.tick(clock.now)
    (notice,) = [m for m in emulator.bot_messages(BRANCH) if m.get("reply_markup")]
    return int(notice["message_id"])


MEMBERS = [user(10001 + number, f"成员{number}") for number in range(10)]  # 张伟 … 徐强


async def test_ten_answers_within_a_second_make_at_most_two_edits_and_the_last_shows_all_ten(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    telegram.config = telegram.config.model_copy(update={"edit_interval_seconds": 1.5})
    notice = await branch_notice(app, telegram, emulator, clock)
    edits_before = emulator.calls.count("editMessageText")
    started = time.monotonic()
    for member in MEMBERS:
        emulator.press(BRANCH, member, notice, 1)
    await settled()
    assert emulator.calls.count("answerCallbackQuery") >= 10  # each press answered at once
    edits = emulator.calls.count("editMessageText") - edits_before
    assert 1 <= edits <= 2, edits
    assert "参加 10" in emulator.message(BRANCH, notice)["text"]
    assert time.monotonic() - started >= 1.0  # the last edit waited for the interval
    async with app.deps.uow() as uow:  # shown: nothing waits for an edit any more
        assert await uow.platform_state.starting_with("telegram", PENDING_EDIT) == {}


async def test_a_restart_within_the_interval_still_ends_with_the_right_tally(
    app: App, settings: Settings, telegram: TelegramPlatform, emulator: BotApiEmulator, clock: Clock
) -> None:
    telegram.config = telegram.config.model_copy(update={"edit_interval_seconds": 30.0})
    notice = await branch_notice(app, telegram, emulator, clock)
    for member in MEMBERS[:4]:
        emulator.press(BRANCH, member, notice, 1)

    async def answered() -> None:
        while emulator.calls.count("answerCallbackQuery") < 4 or not telegram.edits.waiting:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(answered(), 15)
    await asyncio.wait_for(telegram.application.update_queue.join(), 15)
    assert "参加 4" not in emulator.message(BRANCH, notice)["text"]  # the last edit waits 30 s
    for waiting in list(telegram.edits.waiting.values()):  # the process dies within the interval
        waiting.cancel()
    await telegram.stop()

    restarted = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await restarted.start()
    try:
        await settle(restarted, emulator)
        assert "参加 4" in emulator.message(BRANCH, notice)["text"]
    finally:
        await restarted.stop()
