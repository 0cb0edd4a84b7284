"""The Telegram adapter (python-telegram-bot v22); Telegram types stay inside this package.

`TelegramPlatform` is loaded on first use, so that `bot.py run` can import `first_poll` (PTB alone)
and start polling before the services behind the platform are imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanhui_bot.adapters.telegram.platform import TelegramPlatform

__all__ = ["TelegramPlatform"]


def __getattr__(name: str) -> Any:
    if name == "TelegramPlatform":
        from sanhui_bot.adapters.telegram.platform import TelegramPlatform

        return TelegramPlatform
    raise AttributeError(name)
