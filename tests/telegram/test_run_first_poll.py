"""`bot.py run` polls Telegram before the rest of the bot has loaded (issue 15, "Memory and start").

What the first getUpdates brings waits until the bot is ready. A start that fails after that poll
(a bad database, a bad config) exits with one clear line and sends no further getUpdates, whose
offset would confirm the update to Telegram: the Bot API emulator still holds it, and the next,
good start answers it, once.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from emulator import BotApiEmulator, user
from support import start_bot_run
from test_run_process import BRANCH_CHAT, example_config_for, wait_until
from tg_support import TOKEN

ZHANGWEI = user(10001, "伟", "张")  # the example's secretary


async def failed_start(config: Path, db: Path) -> str:
    """Run `bot.py run` to its failure; return its stderr."""
    process = await start_bot_run(config, db, {"SANHUI_TELEGRAM_TOKEN": TOKEN})
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 1, stderr.decode()
    return stderr.decode()


async def answers_once_after_the_fix(emulator: BotApiEmulator, config: Path, db: Path) -> None:
    """The good start answers the update that waited, once, and confirms it."""
    process = await start_bot_run(config, db, {"SANHUI_TELEGRAM_TOKEN": TOKEN})
    try:
        await wait_until(lambda: emulator.bot_messages(BRANCH_CHAT))
        await wait_until(emulator.delivered)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    answers = emulator.bot_messages(BRANCH_CHAT)
    assert len(answers) == 1 and "/rsvp" in answers[0]["text"]  # the /help, answered once
    assert emulator.updates == [] or emulator.confirmed_offset > emulator.updates[-1]["update_id"]


@pytest.mark.slow
async def test_a_bad_database_exits_without_confirming_the_update_it_polled(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        emulator.group(BRANCH_CHAT)
        emulator.say(BRANCH_CHAT, ZHANGWEI, "/help")  # waits for the bot from before its start
        waiting = list(emulator.updates)
        config = tmp_path / "config.toml"
        config.write_text(example_config_for(emulator), encoding="utf-8")
        a_directory = tmp_path / "not-a-file"
        a_directory.mkdir()

        stderr = await failed_start(config, a_directory)

        assert "Traceback" not in stderr and str(a_directory) in stderr, stderr
        # It polled before it found the database unusable, and never polled again.
        assert emulator.calls.count("getUpdates") == 1, emulator.calls
        assert emulator.confirmed_offset == 0
        assert emulator.updates == waiting
        assert emulator.bot_messages(BRANCH_CHAT) == []

        await answers_once_after_the_fix(emulator, config, tmp_path / "bot.db")
    finally:
        await emulator.stop()


@pytest.mark.slow
async def test_a_bad_config_lists_its_problems_and_confirms_nothing(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        emulator.group(BRANCH_CHAT)
        emulator.say(BRANCH_CHAT, ZHANGWEI, "/help")
        waiting = list(emulator.updates)
        good = example_config_for(emulator)
        config = tmp_path / "config.toml"
        # Two problems pydantic finds, none in what the first poll reads.
        bad = good.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', 1)
        bad = bad.replace("[telegram]", "[telegram]\nno_such_key = 1", 1)
        assert bad.count("Mars/Olympus") == 1 and "no_such_key" in bad
        config.write_text(bad, encoding="utf-8")

        stderr = await failed_start(config, tmp_path / "bot.db")

        assert "Traceback" not in stderr, stderr
        assert "timezone" in stderr and "no_such_key" in stderr, stderr  # every problem, as before
        assert emulator.calls.count("getUpdates") == 1, emulator.calls
        assert emulator.confirmed_offset == 0
        assert emulator.updates == waiting

        config.write_text(good, encoding="utf-8")
        await answers_once_after_the_fix(emulator, config, tmp_path / "bot.db")
    finally:
        await emulator.stop()
