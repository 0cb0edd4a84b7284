"""The bot's two Telegram HTTP clients share one TLS context (issue 15, "Memory and start").

PTB builds a client for getUpdates and one for every other request; each TLS context holds the CA
bundle (about 1 MB). The bot builds the second with PTB's defaults and the first's context.
"""

from __future__ import annotations

from typing import Any

from sanhui_bot.adapters.telegram.first_poll import FirstPoll
from sanhui_bot.first_poll_config import PollSettings


def _tls_of(request: Any) -> Any:
    return request._client._transport._pool._ssl_context


def test_both_telegram_clients_share_the_tls_context_and_keep_the_configured_timeouts() -> None:
    settings = PollSettings(token="1:x", request_timeout_seconds=7.0)
    poll = FirstPoll(settings)
    get_updates, other = poll.application.bot._request
    assert get_updates is poll.get_updates
    assert get_updates is not other
    assert _tls_of(other) is _tls_of(get_updates) is poll.get_updates.tls
    assert _tls_of(other).verify_mode.name == "CERT_REQUIRED"  # still verified
    assert other.read_timeout == get_updates.read_timeout == 7.0
    assert other._client.timeout.connect == other._client.timeout.write == 7.0
    assert other._media_write_timeout == 7.0
