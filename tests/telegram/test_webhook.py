"""Webhook mode: Telegram posts updates to the bot, with the secret token; and the app wiring."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from emulator import BotApiEmulator, user
from tg_support import MATH, TOKEN, Clock, settings_with, settle

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, build_platforms
from sanhui_bot.config import Settings

ZHANGWEI = user(10001, "伟", "张")
SECRET = "s3cret-webhook-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(emulator: BotApiEmulator) -> Settings:
    port = free_port()
    return settings_with(
        emulator,
        mode="webhook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_path="hook",
    )


@pytest.fixture
async def hooked(app: App, settings: Settings, clock: Clock) -> AsyncIterator[TelegramPlatform]:
    platform = TelegramPlatform(
        settings.telegram, TOKEN, app.conversation, webhook_secret=SECRET, clock=clock
    )
    await platform.start()
    yield platform
    await platform.stop()


async def test_updates_arrive_by_webhook_and_calls_without_the_secret_are_refused(
    hooked: TelegramPlatform, emulator: BotApiEmulator, settings: Settings
) -> None:
    assert emulator.webhook == {"url": settings.telegram.webhook_url, "secret_token": SECRET}
    assert "getUpdates" not in emulator.calls
    emulator.say(MATH, ZHANGWEI, "/meetings")
    await settle(hooked, emulator)
    assert emulator.webhook_answers == [200]
    answered = len(emulator.bot_messages(MATH))
    assert answered == 1
    forged = {"message": {**emulator.history[MATH][0], "message_id": 999}}
    assert await emulator.push_forged(forged, "wrong") == 403
    await settle(hooked, emulator)
    assert len(emulator.bot_messages(MATH)) == answered


async def test_run_builds_telegram_only_when_the_token_is_set(
    app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(settings.telegram.token_env, raising=False)
    assert "telegram" not in [p.platform for p in build_platforms(settings, app)]
    monkeypatch.setenv(settings.telegram.token_env, TOKEN)
    monkeypatch.setenv(settings.telegram.webhook_secret_env, SECRET)
    (telegram,) = [p for p in build_platforms(settings, app) if p.platform == "telegram"]
    assert isinstance(telegram, TelegramPlatform) and telegram.webhook_secret == SECRET
    assert telegram.serves("branch") and not telegram.serves("nowhere")
