"""`python bot.py run` with a token set starts Telegram in the one process, answers, and stops cleanly."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import pytest
from emulator import BotApiEmulator, user
from support import ROOT, start_bot_run
from tg_support import TOKEN

BRANCH_CHAT = -1001000000001  # [chats.branch] of config.example.toml
ZHANGWEI = user(10001, "伟", "张")  # the example's secretary


def example_config_for(emulator: BotApiEmulator) -> str:
    """config.example.toml pointed at the emulator, with Matrix left out."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('api_base_url = "https://api.telegram.org"', f'api_base_url = "{emulator.base_url}"')
    text = text.replace("poll_timeout_seconds = 30 ", "poll_timeout_seconds = 1 ")
    text = re.sub(r"(?m)^(homeserver|user_id) = .*$", "", text)
    assert emulator.base_url in text
    return text


async def wait_until(condition: object, seconds: float = 60.0) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), seconds)


@pytest.mark.slow
async def test_bot_py_run_starts_telegram_when_the_token_is_set(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.group(BRANCH_CHAT)
    config = tmp_path / "config.toml"
    config.write_text(example_config_for(emulator), encoding="utf-8")
    process = await start_bot_run(config, tmp_path / "bot.db", {"SANHUI_TELEGRAM_TOKEN": TOKEN})
    try:
        await wait_until(lambda: "zh" in emulator.commands and process.returncode is None)
        emulator.say(BRANCH_CHAT, ZHANGWEI, "/help")
        await wait_until(lambda: emulator.bot_messages(BRANCH_CHAT))
        assert "/rsvp" in emulator.bot_messages(BRANCH_CHAT)[0]["text"]
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        assert "telegram is running" in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await emulator.stop()


@pytest.mark.slow
async def test_the_bot_token_never_appears_in_the_debug_log(tmp_path: Path) -> None:
    # Issue 13: `bot.py -v run` logged the token in every Bot API URL (httpx and PTB at DEBUG).
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.group(BRANCH_CHAT)
    config = tmp_path / "config.toml"
    config.write_text(example_config_for(emulator), encoding="utf-8")
    process = await start_bot_run(config, tmp_path / "bot.db", {"SANHUI_TELEGRAM_TOKEN": TOKEN}, "-v")
    try:
        await wait_until(lambda: "zh" in emulator.commands and process.returncode is None)
        emulator.say(BRANCH_CHAT, ZHANGWEI, "/help")
        await wait_until(lambda: emulator.bot_messages(BRANCH_CHAT))
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await emulator.stop()
    log = stderr.decode()
    assert "/bot***/getUpdates" in log  # the requests were logged at DEBUG, with the token masked
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
