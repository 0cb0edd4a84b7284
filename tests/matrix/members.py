"""Real Matrix clients for the people in the scenarios: they sync, send, react, and see what the bot posts.

Each member is a mautrix `Client` logged in with a password (a fresh device per test), with its own
Olm machine, so in an encrypted room the members encrypt and decrypt exactly as Element would.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Callable
from typing import Any

from mautrix.client import Client
from mautrix.client.state_store import MemoryStateStore, MemorySyncStore
from mautrix.crypto import OlmMachine
from mautrix.crypto.store import MemoryCryptoStore
from mautrix.crypto.store.abstract import StateStore as CryptoStateStore
from mautrix.types import (
    EventID,
    EventType,
    Format,
    MessageEvent,
    MessageType,
    ReactionEvent,
    RoomID,
    TextMessageEventContent,
    UserID,
)

WAIT_SECONDS = 60.0  # generous: a slow CI machine must not fail a scenario; nothing asserts on time


class MemberStateStore(MemoryStateStore, CryptoStateStore):
    """The in-memory state store with the one query the Olm machine adds."""

    async def find_shared_rooms(self, user_id: UserID) -> list[RoomID]:
        return [room for room, members in self.members.items() if user_id in members]


class MatrixMember:
    """One person at a Matrix client; `events` holds every room message and reaction seen, decrypted."""

    def __init__(self, homeserver: str, user_id: str, password: str) -> None:
        self.user_id = UserID(user_id)
        self.password = password
        self.client = Client(
            mxid=self.user_id,
            base_url=homeserver,
            state_store=MemberStateStore(),
            sync_store=MemorySyncStore(),
        )
        self.events: list[MessageEvent | ReactionEvent] = []
        self._sync: asyncio.Future[Any] | None = None

    async def open(self) -> None:
        """Log in (a new device), set up encryption, start syncing."""
        await self.client.login(identifier=self.user_id, password=self.password, store_access_token=True)
        crypto_store = MemoryCryptoStore(account_id=self.user_id, pickle_key="test")
        machine = OlmMachine(self.client, crypto_store, self.client.state_store)  # type: ignore[arg-type]
        self.client.crypto = machine
        await machine.load()
        await machine.share_keys()
        self.client.add_event_handler(EventType.ROOM_MESSAGE, self._seen)
        self.client.add_event_handler(EventType.REACTION, self._seen)
        self._sync = self.client.start(None)

    async def close(self) -> None:
        self.client.stop()
        if self._sync is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync
        try:
            await self.client.logout()  # removes the device, so devices do not pile up across tests
        finally:
            await self.client.api.session.close()

    async def _seen(self, event: MessageEvent | ReactionEvent) -> None:
        # mautrix decrypts each encrypted event in a task of its own, so in an encrypted room events
        # arrive here in whatever order decryption finishes; the server's timestamp restores the
        # timeline (the bot sends one event after another, each a round trip, so none share a moment).
        bisect.insort(self.events, event, key=lambda seen: seen.timestamp)

    def raw_types(self, room: str) -> list[str]:
        """The event types as the server holds them (before decryption) of this room's messages and reactions."""
        types = []
        for event in self.events:
            if event.room_id != room:
                continue
            was_encrypted = bool(
                (event.get("mautrix") or {}).get("was_encrypted")
            )  # set by mautrix's decryption
            types.append("m.room.encrypted" if was_encrypted else str(event.type))
        return types

    # --- acting

    async def say(self, room: str, text: str, msgtype: MessageType = MessageType.TEXT) -> EventID:
        return await self.client.send_message_event(
            RoomID(room), EventType.ROOM_MESSAGE, TextMessageEventContent(msgtype=msgtype, body=text)
        )

    async def say_html(self, room: str, text: str, html: str) -> EventID:
        content = TextMessageEventContent(
            msgtype=MessageType.TEXT, body=text, format=Format.HTML, formatted_body=html
        )
        return await self.client.send_message_event(RoomID(room), EventType.ROOM_MESSAGE, content)

    async def reply(self, room: str, to: EventID, text: str) -> EventID:
        content = TextMessageEventContent(msgtype=MessageType.TEXT, body=text)
        content.set_reply(to)
        return await self.client.send_message_event(RoomID(room), EventType.ROOM_MESSAGE, content)

    async def edit(self, room: str, original: EventID, text: str) -> EventID:
        content = TextMessageEventContent(msgtype=MessageType.TEXT, body=text)
        content.set_edit(original)
        return await self.client.send_message_event(RoomID(room), EventType.ROOM_MESSAGE, content)

    async def react(self, room: str, to: EventID, key: str) -> EventID:
        return await self.client.react(RoomID(room), to, key)

    async def join(self, room: str) -> None:
        await self.client.join_room_by_id(RoomID(room))

    # --- watching

    async def wait_for(
        self, matches: Callable[[MessageEvent | ReactionEvent], bool], what: str, count: int = 1
    ) -> list[MessageEvent | ReactionEvent]:
        """Wait until `count` seen events match; fail with `what` if they never come."""
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while True:
            found = [event for event in self.events if matches(event)]
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{self.user_id} never saw {what}; saw {[_brief(e) for e in self.events]}"
                )
            await asyncio.sleep(0.05)

    def bot_posts(self, room: str, bot: str) -> list[MessageEvent]:
        """The bot's messages in a room, edits excluded, in order."""
        return [
            event
            for event in self.events
            if isinstance(event, MessageEvent)
            and event.room_id == room
            and event.sender == bot
            and not event.content.get_edit()
        ]

    def latest_text(self, room: str, event_id: EventID) -> str:
        """The text a message shows now: its last edit's new content, else its own body."""
        text = ""
        for event in self.events:
            if not isinstance(event, MessageEvent) or event.room_id != room:
                continue
            if event.event_id == event_id or event.content.get_edit() == event_id:
                text = event.content.body
        return text


def _brief(event: MessageEvent | ReactionEvent) -> str:
    if isinstance(event, ReactionEvent):
        return f"{event.sender} reacts {event.content.relates_to.key} to {event.content.relates_to.event_id}"
    return f"{event.sender}: {event.content.body[:60]!r}"
