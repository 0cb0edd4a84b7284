"""Helpers for the Telegram tests: the root test config, a settable clock, waiting for the bot."""

from __future__ import annotations

import asyncio
import copy
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator import BotApiEmulator

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.config import Settings, parse_settings

# tests/ holds the shared helpers (support.py); bench/ uses these helpers too, from outside pytest.
_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.append(_TESTS_DIR)

import support  # noqa: E402  (after the path is set)

TEST_CONFIG: dict[str, Any] = support.TEST_CONFIG
local: Callable[[str], datetime] = support.local
Settle = Callable[[], Awaitable[None]]  # the `settled` fixture: wait until the bot is idle

TOKEN = "7000001:TEST-TOKEN"
# Chat ids of tests/conftest.py TEST_CONFIG
BRANCH, COMMITTEE, MATH, GRADE10, SERVICE = -1001, -1002, -1003, -1004, -1005


@dataclass
class Clock:
    """The time the bot believes it is (tests use fixed times, never sleeps, for the rules)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def telegram_config(emulator: BotApiEmulator, **extra: Any) -> dict[str, Any]:
    return {
        "api_base_url": emulator.base_url,
        "poll_timeout_seconds": 2,
        "request_timeout_seconds": 1.0,
        "max_messages_per_second": emulator.bot_bucket.capacity,
        "max_group_messages_per_minute": emulator.per_group_minute * 60 / emulator.group_period,
        "edit_interval_seconds": 0.2,  # short, so that tests wait little for an edit after the interval
        **extra,
    }


def settings_with(
    emulator: BotApiEmulator, config: dict[str, Any] | None = None, **telegram: Any
) -> Settings:
    raw = copy.deepcopy(config or TEST_CONFIG)
    raw["telegram"] = telegram_config(emulator, **telegram)
    return parse_settings(raw, "tests")


async def settle(platform: TelegramPlatform, emulator: BotApiEmulator, limit: float = 15.0) -> None:
    """Wait until the bot has handled every injected update and finished the edits they caused."""

    async def drained() -> None:
        while not emulator.delivered():
            await asyncio.sleep(0.005)
        await platform.application.update_queue.join()
        await platform.settled()

    await asyncio.wait_for(drained(), limit)
