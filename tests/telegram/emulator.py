"""A local Telegram Bot API emulator: the real HTTP+JSON protocol python-telegram-bot speaks.

It serves `/bot<token>/<method>` (form or multipart bodies, `{"ok": …, "result": …}` answers),
keeps every chat's message history, enforces the flood limits (per bot per second, per group per
minute) by answering 429 with `parameters.retry_after`, and can fail a share of sends (429, 502, a
request that hangs past the client's timeout and is dropped) from a seeded random generator.
Texts and captions longer than Telegram allows (counted in UTF-16 units after HTML parsing, as
Telegram counts) are refused with Telegram's own 400 answers, so a bot that sends them fails a test.
Tests inject what users do: messages with entities, edits, button presses, the bot being added.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument"}
LIMITED_METHODS = SEND_METHODS | {"editMessageText", "editMessageReplyMarkup"}
JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "commands",
    "allowed_updates",
    "scope",
    "reply_parameters",
    "link_preview_options",
}
BOT_ID = 7000001
TEXT_LIMIT = 4096  # https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entities parsing
CAPTION_LIMIT = 1024  # https://core.telegram.org/bots/api#sendphoto: 0-1024 characters
ALERT_LIMIT = 200  # https://core.telegram.org/bots/api#answercallbackquery: 0-200 characters
_HTML_TAG = re.compile(r"<[^>]*>")


def telegram_length(text: str, parse_mode: str | None = None) -> int:
    """A text's length as Telegram measures it: UTF-16 code units of what shows, ends trimmed."""
    if parse_mode and parse_mode.upper() == "HTML":
        text = html.unescape(_HTML_TAG.sub("", text))
    return len(text.strip().encode("utf-16-le")) // 2


def _check_text(params: dict[str, Any], too_long: str) -> str:
    text = str(params.get("text", ""))
    length = telegram_length(text, params.get("parse_mode"))
    if length == 0:
        raise _Refusal(400, "Bad Request: message text is empty")
    if length > TEXT_LIMIT:
        raise _Refusal(400, too_long)
    return text


class _Refusal(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class TokenBucket:
    """`capacity` sends at once, refilled at capacity/period per second (what a rate limit allows)."""

    capacity: float
    period: float
    clock: Callable[[], float]
    tokens: float = -1.0
    updated: float = 0.0

    def take(self) -> float:
        """Take a token; return 0, or the seconds until one is free (and take nothing)."""
        now = self.clock()
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        rate = self.capacity / self.period
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / rate


@dataclass
class Failures:
    """Injected failures of send requests: 429, 502 or a hang past the client's timeout."""

    rate: float = 0.0
    seed: int = 0
    hang_seconds: float = 2.0
    kinds: tuple[str, ...] = ("429", "502", "timeout")
    rng: random.Random = field(init=False)
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind


class BotApiEmulator:
    """One bot on a fake Bot API server; start() gives the base url for TelegramConfig.api_base_url."""

    def __init__(
        self,
        token: str = "7000001:TEST-TOKEN",
        *,
        per_second: float = 30,
        per_group_minute: float = 20,
        group_period: float = 60.0,
        failures: Failures | None = None,
        username: str = "sanhui_test_bot",
    ) -> None:
        self.token = token
        self.me = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "三会一课助手",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.failures = failures or Failures()
        self._clock = lambda: asyncio.get_running_loop().time()
        self.per_group_minute = per_group_minute
        self.group_period = group_period
        self.bot_bucket = TokenBucket(per_second, 1.0, self._clock)
        self.group_buckets: dict[int, TokenBucket] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.history: dict[int, list[dict[str, Any]]] = {}  # chat id -> messages, oldest first
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self.updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self.redeliveries: list[dict[str, Any]] = []  # handed out once more whatever the offset
        self.confirmed_offset = 0
        self._polls = 0  # getUpdates calls so far
        self._last_batch_poll = 0  # the call that last handed updates out
        self._new_update = asyncio.Event()
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # language code ("" default) -> commands
        self.calls: list[str] = []  # every method called, in order
        # method -> an event its calls wait for before they are answered (a slow Bot API, on purpose)
        self.held: dict[str, asyncio.Event] = {}
        self.refused: dict[int, int] = {}  # status -> how many answers
        self.webhook: dict[str, Any] | None = None
        self.webhook_answers: list[int] = []  # HTTP statuses the bot's webhook answered
        self._pushes: set[asyncio.Task[int]] = set()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- server

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        for push in self._pushes:
            push.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._answer_error(_Refusal(401, "Unauthorized"))
        params = await self._params(request)
        self.calls.append(method)
        if method in self.held:
            await self.held[method].wait()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._answer_error(_Refusal(404, f"Not Found: method {method} not emulated"))
        try:
            if method in SEND_METHODS:
                failure = self.failures.pick()
                if failure == "429":
                    raise _Refusal(429, "Too Many Requests: retry after 1", {"retry_after": 1})
                if failure == "502":
                    raise _Refusal(502, "Bad Gateway")
                if failure == "timeout":
                    # The request is lost on the way: nothing is stored, the client times out.
                    await asyncio.sleep(self.failures.hang_seconds)
                    raise _Refusal(504, "Gateway Timeout")
            if method in LIMITED_METHODS:
                self._check_flood(int(params["chat_id"]))
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except _Refusal as refusal:
            return self._answer_error(refusal)
        return web.json_response({"ok": True, "result": result})

    def _answer_error(self, refusal: _Refusal) -> web.Response:
        self.refused[refusal.status] = self.refused.get(refusal.status, 0) + 1
        body: dict[str, Any] = {"ok": False, "error_code": refusal.status, "description": refusal.description}
        if refusal.parameters:
            body["parameters"] = refusal.parameters
        return web.json_response(body, status=refusal.status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for name, value in form.items():
            if isinstance(value, web.FileField):
                params[name] = {"filename": value.filename, "data": value.file.read()}
            elif name in JSON_FIELDS:
                params[name] = json.loads(value)
            else:
                params[name] = value
        return params

    def _check_flood(self, chat_id: int) -> None:
        waits = [self.bot_bucket.take()]
        if chat_id < 0:
            bucket = self.group_buckets.setdefault(
                chat_id, TokenBucket(self.per_group_minute, self.group_period, self._clock)
            )
            waits.append(bucket.take())
            if waits[0] > 0 and waits[1] == 0:
                bucket.tokens += 1  # refused: the group's token is not used up
        if max(waits) > 0:
            if waits[0] == 0:
                self.bot_bucket.tokens += 1
            raise _Refusal(
                429,
                f"Too Many Requests: retry after {math.ceil(max(waits))}",
                {"retry_after": max(1, math.ceil(max(waits)))},
            )

    # --- Bot API methods

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.me

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands[params.get("language_code", "")] = params["commands"]
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(params.get("language_code", ""), None)
        return True

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id not in self.chats:
            raise _Refusal(400, "Bad Request: chat not found")
        return self.chats[chat_id]

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _Refusal(409, "Conflict: can't use getUpdates method while webhook is active")
        self._polls += 1
        poll = self._polls
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and not self.redeliveries and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        batch = self.redeliveries + self.updates
        self.redeliveries = []
        if batch:
            self._last_batch_poll = poll
        return batch[:limit]

    def _store_bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id not in self.chats:
            raise _Refusal(400, "Bad Request: chat not found")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.me,
            "chat": self.chats[chat_id],
            "date": 1_780_000_000,
            **content,
        }
        markup = params.get("reply_markup")
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup is not None:
            message["requested_markup"] = markup  # ForceReply: Telegram does not echo it in the message
        if "reply_parameters" in params:
            message["reply_to_message_id"] = params["reply_parameters"].get("message_id")
        self.history.setdefault(chat_id, []).append(message)
        return {key: value for key, value in message.items() if key != "upload"}  # bytes stay here

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = _check_text(params, "Bad Request: message is too long")
        return self._store_bot_message(params, text=text, parse_mode=params.get("parse_mode"))

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        if telegram_length(str(params.get("caption", "")), params.get("parse_mode")) > CAPTION_LIMIT:
            raise _Refusal(400, "Bad Request: message caption is too long")
        photo = params["photo"]
        size = len(photo["data"]) if isinstance(photo, dict) else 0
        content: dict[str, Any] = {
            "photo": [{"file_id": f"photo{size}", "file_unique_id": f"p{size}", "width": 1, "height": 1}],
            "upload": photo,
        }
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._store_bot_message(params, **content)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        if telegram_length(str(params.get("caption", "")), params.get("parse_mode")) > CAPTION_LIMIT:
            raise _Refusal(400, "Bad Request: message caption is too long")
        document = params["document"]
        name = document["filename"] if isinstance(document, dict) else "file"
        content = {"document": {"file_id": f"doc-{name}", "file_unique_id": name, "file_name": name}}
        return self._store_bot_message(params, upload=document, **content)

    def _find(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.history.get(chat_id, []):
            if message["message_id"] == message_id:
                if message["from"]["id"] != BOT_ID:
                    raise _Refusal(400, "Bad Request: message can't be edited")
                return message
        raise _Refusal(400, "Bad Request: message to edit not found")

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_text(params, "Bad Request: MESSAGE_TOO_LONG")  # what Telegram answers an edit
        message = self._find(params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise _Refusal(
                400, "Bad Request: message is not modified: specified new message content is the same"
            )
        message["text"] = params["text"]
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edits"] = message.get("edits", 0) + 1
        message["edit_date"] = 1_780_000_001
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        if params.get("reply_markup") is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = params["reply_markup"]
        message["edits"] = message.get("edits", 0) + 1
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = params["callback_query_id"]
        if telegram_length(str(params.get("text") or "")) > ALERT_LIMIT:
            raise _Refusal(400, "Bad Request: MESSAGE_TOO_LONG")
        if query_id in self.callback_answers:
            raise _Refusal(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": str(params.get("show_alert", "false")).lower() == "true",
        }
        return True

    # --- what tests do as users

    def group(self, chat_id: int, title: str = "") -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup", "title": title or f"group {chat_id}"}
        self.chats[chat_id] = chat
        return chat

    def private(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats[user["id"]] = chat
        return chat

    def _queue(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        if self.webhook is not None:
            self._pushes.add(asyncio.get_running_loop().create_task(self._push(update)))
            return update
        self.updates.append(update)
        self._new_update.set()
        return update

    async def _push(self, update: dict[str, Any], secret: str | None = None) -> int:
        """Deliver an update to the bot's webhook as Telegram does; return the HTTP status it answered."""
        assert self.webhook is not None
        token = self.webhook["secret_token"] if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], json=update, headers=headers) as response,
        ):
            self.webhook_answers.append(response.status)
            return response.status

    async def push_forged(self, update_body: dict[str, Any], secret: str) -> int:
        """Someone who found the webhook URL posts an update with a wrong secret."""
        return await self._push({"update_id": next(self._update_ids), **update_body}, secret)

    def say(
        self,
        chat_id: int,
        user: dict[str, Any],
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user writes in a chat; a leading /word gets its bot_command entity as Telegram adds it."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": user,
            "chat": self.chats[chat_id],
            "date": 1_780_000_000,
            "text": text,
        }
        found = [] if entities is None else list(entities)
        head = text.split(maxsplit=1)[0] if text.strip() else ""
        if head.startswith("/") and head[1:].replace("_", "").replace("@", "").isascii() and len(head) > 1:
            found.insert(0, {"type": "bot_command", "offset": 0, "length": len(head)})
        if found:
            message["entities"] = found
        if reply_to is not None:
            message["reply_to_message"] = self.message(chat_id, reply_to)
        self.history.setdefault(chat_id, []).append(message)
        return self._queue({"message": message})

    def edit(self, chat_id: int, user: dict[str, Any], message_id: int, text: str) -> dict[str, Any]:
        """A user edits one of their messages."""
        message = self.message(chat_id, message_id)
        message["text"] = text
        message["edit_date"] = 1_780_000_100
        return self._queue({"edited_message": dict(message)})

    def press(
        self, chat_id: int, user: dict[str, Any], message_id: int, button: int = 1, data: str | None = None
    ) -> dict[str, Any]:
        """A user presses the 1-based `button` under a bot message (or sends `data` of their own making)."""
        message = self.message(chat_id, message_id)
        if data is None:
            keys = [key for row in message["reply_markup"]["inline_keyboard"] for key in row]
            data = keys[button - 1]["callback_data"]
        query = {
            "id": f"cb{next(self._callback_ids)}",
            "from": user,
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self._queue({"callback_query": query})

    def add_bot(self, chat_id: int, by: dict[str, Any]) -> dict[str, Any]:
        """Someone adds the bot to a group."""
        change = {
            "chat": self.chats[chat_id],
            "from": by,
            "date": 1_780_000_000,
            "old_chat_member": {"status": "left", "user": self.me},
            "new_chat_member": {"status": "member", "user": self.me},
        }
        return self._queue({"my_chat_member": change})

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand an update out once more, as Telegram does when a bot crashed before confirming it."""
        self.redeliveries.append(update)
        self._new_update.set()

    # --- what tests look at

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        for message in self.history.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        raise KeyError((chat_id, message_id))

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.history.get(chat_id, []) if m["from"]["id"] == BOT_ID]

    def all_bot_messages(self) -> list[dict[str, Any]]:
        return [m for chat in self.history for m in self.bot_messages(chat)]

    def delivered(self) -> bool:
        """Whether the bot has taken in every injected update.

        PTB asks for the next batch only after queueing the last one, so a later getUpdates call
        (which also confirms the offset) means the batch is in the application's update queue.
        """
        if self.webhook is not None:  # PTB's webhook queues an update before it answers 200
            return all(push.done() for push in self._pushes)
        last = max((u["update_id"] for u in self.updates), default=0)
        confirmed = last == 0 or self.confirmed_offset > last
        return not self.redeliveries and confirmed and self._polls > self._last_batch_poll


def user(user_id: int, first_name: str, last_name: str | None = None) -> dict[str, Any]:
    """A Telegram user as updates carry it."""
    found: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "zh-hans",
    }
    if last_name:
        found["last_name"] = last_name
    return found
