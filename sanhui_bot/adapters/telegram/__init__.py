"""The Telegram adapter (python-telegram-bot v22); Telegram types stay inside this package."""

from sanhui_bot.adapters.telegram.platform import TelegramPlatform

__all__ = ["TelegramPlatform"]
