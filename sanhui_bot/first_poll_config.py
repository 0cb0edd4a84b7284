"""What Telegram's first poll needs from the config, read before the rest of the bot loads (issue 15).

`bot.py run` starts polling before pydantic, SQLAlchemy and the services are imported: it reads the
token and the `[telegram]` request settings from the TOML with `tomllib` alone. The full
validation (`config.load_settings`) runs meanwhile and still reports every problem; a value this
reader does not understand simply means the bot starts the usual way, after validation. Standard
library only: importing anything heavier here would defeat the purpose.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sanhui_bot.config import Settings, TelegramConfig

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
DEFAULT_CONFIG = Path("config.toml")

# The defaults of [telegram] that the first poll uses; config.TelegramConfig has these same values.
TOKEN_ENV = "SANHUI_TELEGRAM_TOKEN"
API_BASE_URL = "https://api.telegram.org"
POLL_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 10.0
MAX_MESSAGES_PER_SECOND = 30.0
MAX_GROUP_MESSAGES_PER_MINUTE = 20.0


@dataclass(frozen=True)
class PollSettings:
    """The token and the Bot API request settings: all that building PTB's Application takes."""

    token: str
    api_base_url: str = API_BASE_URL
    poll_timeout_seconds: int = POLL_TIMEOUT_SECONDS
    request_timeout_seconds: float = REQUEST_TIMEOUT_SECONDS
    max_messages_per_second: float = MAX_MESSAGES_PER_SECOND
    max_group_messages_per_minute: float = MAX_GROUP_MESSAGES_PER_MINUTE

    @classmethod
    def of(cls, settings: Settings) -> PollSettings | None:
        """What the validated config says the first poll needs; None when Telegram has no token."""
        telegram = settings.telegram
        token = settings.secret(telegram.token_env)
        return None if token is None else cls.of_telegram(token, telegram)

    @classmethod
    def of_telegram(cls, token: str, telegram: TelegramConfig) -> PollSettings:
        """The token with the validated `[telegram]` request settings."""
        return cls(
            token=token,
            api_base_url=telegram.api_base_url,
            poll_timeout_seconds=telegram.poll_timeout_seconds,
            request_timeout_seconds=telegram.request_timeout_seconds,
            max_messages_per_second=telegram.max_messages_per_second,
            max_group_messages_per_minute=telegram.max_group_messages_per_minute,
        )


def config_path(path: Path | None) -> Path:
    """The config file to read: the given path, else ./config.toml, else the bundled example."""
    if path is not None:
        return path
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else EXAMPLE_CONFIG


def read_poll_settings(path: Path | None) -> PollSettings | None:
    """The first poll's settings, or None when the bot should start the usual way.

    None when the file cannot be read or parsed (the full load explains why), Telegram has no token,
    the mode is not polling, or a value is not of the plain type expected (validation judges it).
    """
    try:
        data = tomllib.loads(config_path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    telegram = data.get("telegram", {})
    if not isinstance(telegram, dict) or telegram.get("mode", "polling") != "polling":
        return None
    token_env = telegram.get("token_env", TOKEN_ENV)
    if not isinstance(token_env, str):
        return None
    # The one read of the environment before config.Settings.secret exists to do it: the token.
    token = os.environ.get(token_env, "").strip()
    url = telegram.get("api_base_url", API_BASE_URL)
    if not token or not isinstance(url, str):
        return None
    numbers = {
        "poll_timeout_seconds": (int,),
        "request_timeout_seconds": (int, float),
        "max_messages_per_second": (int, float),
        "max_group_messages_per_minute": (int, float),
    }
    for key, types in numbers.items():
        value = telegram.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, types):
            return None
    return PollSettings(
        token=token,
        api_base_url=url.rstrip("/"),
        poll_timeout_seconds=telegram.get("poll_timeout_seconds", POLL_TIMEOUT_SECONDS),
        request_timeout_seconds=telegram.get("request_timeout_seconds", REQUEST_TIMEOUT_SECONDS),
        max_messages_per_second=telegram.get("max_messages_per_second", MAX_MESSAGES_PER_SECOND),
        max_group_messages_per_minute=telegram.get(
            "max_group_messages_per_minute", MAX_GROUP_MESSAGES_PER_MINUTE
        ),
    )
