"""Poll first, load the rest meanwhile (issue 15, "Memory and start").

PTB's `Application` is built and starts polling from `PollSettings` alone, before the config is
validated and the database opened. What the first getUpdates brings waits in PTB's update queue,
unanswered, until the platform starts processing it. Telegram confirms updates only by the offset
of the next getUpdates, so every getUpdates after the first is held until the bot is ready
(`release`); if the start fails instead (`abort`) none is sent, and a restart after the fix
receives the same updates again. Imports only python-telegram-bot (and httpx, its HTTP client) and
the standard library.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httpx
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from sanhui_bot.first_poll_config import PollSettings

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput  # PTB's own annotation of the timeouts

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
# What an aborted start "receives" instead of sending a getUpdates: nothing, and nothing confirmed.
_NO_UPDATES = b'{"ok": true, "result": []}'


class HeldGetUpdates(HTTPXRequest):
    """The getUpdates requests: the first goes at once, the next waits for `release`; none after `abort`."""

    def __init__(self, timeout: float) -> None:
        # The TLS context (it holds the CA bundle, about 1 MB) that the bot's other requests share.
        self.tls = httpx.create_ssl_context()
        super().__init__(
            connection_pool_size=1,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
            httpx_kwargs={"verify": self.tls},
        )
        self._asked = 0
        self._opened = asyncio.Event()
        self._aborted = False

    @property
    def released(self) -> bool:
        """Whether the polling goes on (or was aborted): nothing is held any more."""
        return self._opened.is_set()

    def release(self) -> None:
        """The bot is ready: the next getUpdates (which confirms what came before) may go."""
        self._opened.set()

    def abort(self) -> None:
        """The start failed: send no more getUpdates, so nothing received is confirmed."""
        self._aborted = True
        self._opened.set()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request once the bot is ready (the first at once); answer it locally after an abort."""
        if self._asked:
            await self._opened.wait()
        if self._aborted:
            return HTTPStatus.OK, _NO_UPDATES
        self._asked += 1
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


def build_application(
    settings: PollSettings, get_updates: HeldGetUpdates
) -> Application[Any, Any, Any, Any, Any, Any]:
    """PTB's Application for the bot: the Bot API url, the timeouts and Telegram's flood limits."""
    timeout = settings.request_timeout_seconds
    # PTB's default for the requests other than getUpdates, but with getUpdates' TLS context: each
    # context holds the CA bundle, about 1 MB, and one is enough (issue 15, "Memory and start").
    requests = HTTPXRequest(
        connection_pool_size=256,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
        media_write_timeout=timeout,
        httpx_kwargs={"verify": get_updates.tls},
    )
    return (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_base_url}/bot")
        .base_file_url(f"{settings.api_base_url}/file/bot")
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.max_messages_per_second,
                overall_time_period=1,
                group_max_rate=settings.max_group_messages_per_minute,
                group_time_period=60,
                max_retries=0,
            )
        )
        .request(requests)
        .get_updates_request(get_updates)
        .build()
    )


def _polling_error(error: Exception) -> None:
    log.warning("polling Telegram failed (%r); retrying", error)


class FirstPoll:
    """A Telegram Application that polls before the bot behind it is ready."""

    def __init__(self, settings: PollSettings) -> None:
        self.settings = settings
        self.get_updates = HeldGetUpdates(settings.request_timeout_seconds)
        self.application = build_application(settings, self.get_updates)

    async def start(self) -> None:
        """Connect (getMe) and send the first getUpdates; its updates wait in the queue."""
        await self.application.initialize()
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(
            timeout=self.settings.poll_timeout_seconds,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=_polling_error,
        )

    async def abort(self) -> None:
        """Stop without confirming anything received and without answering it; close the connections."""
        self.get_updates.abort()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()  # its last getUpdates, which would confirm, is answered locally
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
