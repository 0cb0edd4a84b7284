"""Secrets never reach a log line: every handler's output is scrubbed of the configured secrets.

At DEBUG, httpx and python-telegram-bot log each request's URL, and the Bot API puts the bot token in
the path (`/bot123456:ABC…/getUpdates`); a database error may echo its url with the password. The CLI
installs this on the root logger's handlers once the config is loaded, so whatever a library logs,
at any level, with or without a traceback, the secret is shown as `***`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
_SHORTEST = 4  # a secret shorter than this would mask ordinary words; config checks refuse none of them


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret (and its URL-quoted form) replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as the wrapped formatter does, then masks the secrets in the whole line and traceback."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        forms = {
            form
            for secret in secrets
            if len(secret) >= _SHORTEST
            for form in (secret, quote(secret, safe=""))
        }
        self.secrets = sorted(forms, key=len, reverse=True)  # longest first: no half-masked secret

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def install_redaction(secrets: Iterable[str], logger: logging.Logger | None = None) -> None:
    """Wrap the formatter of every handler of `logger` (the root logger) so it masks the secrets."""
    wanted = [secret for secret in secrets if secret]
    if not wanted:
        return
    for handler in (logger or logging.getLogger()).handlers:
        inner = handler.formatter or logging.Formatter()
        known: list[str] = []
        if isinstance(inner, RedactingFormatter):  # installed before: one layer, every secret
            known = inner.secrets
            inner = inner.inner
        handler.setFormatter(RedactingFormatter(inner, [*known, *wanted]))
