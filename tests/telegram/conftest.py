"""Fixtures: a Bot API emulator on loopback and the real TelegramPlatform (PTB v22) pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from emulator import BotApiEmulator, Failures
from tg_support import (
    BRANCH,
    COMMITTEE,
    GRADE10,
    MATH,
    SERVICE,
    TOKEN,
    Clock,
    Settle,
    local,
    settings_with,
    settle,
)

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App
from sanhui_bot.config import Settings


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN, failures=Failures())
    await emulator.start()
    for chat_id in (BRANCH, COMMITTEE, MATH, GRADE10, SERVICE):
        emulator.group(chat_id)
    yield emulator
    await emulator.stop()


@pytest.fixture
def settings(emulator: BotApiEmulator) -> Settings:
    """The test branch with [telegram] pointing at the emulator (overrides tests/conftest.py)."""
    return settings_with(emulator)


@pytest.fixture
def clock() -> Clock:
    return Clock(local("2026-03-02T09:00"))


@pytest.fixture
async def telegram(app: App, settings: Settings, clock: Clock) -> AsyncIterator[TelegramPlatform]:
    platform = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await platform.start()
    yield platform
    await platform.stop()


@pytest.fixture
def settled(telegram: TelegramPlatform, emulator: BotApiEmulator) -> Settle:
    async def run() -> None:
        await settle(telegram, emulator)

    return run
