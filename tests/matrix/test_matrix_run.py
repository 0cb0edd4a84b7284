"""`python bot.py run` with Matrix and Telegram both configured: one process answers on both, stops cleanly."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import pytest
from conftest import BOT, PASSWORD, MatrixWorld, matrix_id
from mautrix.types import MessageEvent
from support import ROOT, start_bot_run
from synapse import SERVER_NAME

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telegram"))

from emulator import BotApiEmulator, user

TOKEN = "123456:MATRIX-AND-TELEGRAM"
BRANCH_CHAT = -1001000000001  # [chats.branch] telegram id of config.example.toml
ZHANGWEI = user(10001, "伟", "张")  # the example's secretary on Telegram


async def wait_until(condition: object, seconds: float = 60.0) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), seconds)


def example_config(emulator: BotApiEmulator, homeserver: str, branch_room: str) -> str:
    """config.example.toml with its Telegram at the emulator and its Matrix at the test Synapse."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('api_base_url = "https://api.telegram.org"', f'api_base_url = "{emulator.base_url}"')
    text = text.replace("poll_timeout_seconds = 30 ", "poll_timeout_seconds = 1 ")
    text = text.replace('homeserver = "https://matrix.school.example.org"', f'homeserver = "{homeserver}"')
    text = text.replace('matrix = "!branch:school.example.org"', f'matrix = "{branch_room}"')
    text = re.sub(r'"@([a-z0-9_-]+):school\.example\.org"', rf'"@\1:{SERVER_NAME}"', text)
    assert homeserver in text and branch_room in text and emulator.base_url in text
    return text


@pytest.mark.slow
async def test_bot_py_run_serves_matrix_and_telegram_in_one_process(
    world: MatrixWorld, tmp_path: Path
) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.group(BRANCH_CHAT)
    room = await world.create_room("zhangwei", [BOT], encrypted=True)
    config = tmp_path / "config.toml"
    config.write_text(example_config(emulator, world.synapse.url, room), encoding="utf-8")
    secrets = {"SANHUI_TELEGRAM_TOKEN": TOKEN, "SANHUI_MATRIX_PASSWORD": PASSWORD}
    process = await start_bot_run(config, tmp_path / "bot.db", secrets)
    secretary = await world.person("zhangwei")
    try:
        await wait_until(lambda: "zh" in emulator.commands and process.returncode is None)
        emulator.say(BRANCH_CHAT, ZHANGWEI, "/help")
        await wait_until(lambda: emulator.bot_messages(BRANCH_CHAT))
        assert "/rsvp" in emulator.bot_messages(BRANCH_CHAT)[0]["text"]

        async def bot_joined() -> bool:
            return matrix_id(BOT) in await secretary.client.get_joined_members(room)  # type: ignore[arg-type]

        for _ in range(1200):
            if process.returncode is not None or await bot_joined():
                break
            await asyncio.sleep(0.05)
        assert await bot_joined()
        await secretary.say(room, "!help")
        await secretary.wait_for(
            lambda e: isinstance(e, MessageEvent) and e.room_id == room and e.sender == matrix_id(BOT),
            "the bot's help in the encrypted branch room",
        )
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        assert "telegram is running" in stderr.decode() and "matrix is running" in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await emulator.stop()
