"""The Matrix adapter: the bot in Matrix rooms through mautrix, encrypted rooms included.

One sync loop reads the homeserver's /sync, hands room events to the conversation in the order they
happened, and only then stores the sync token in the bot's database (`platform_state`), so a restart
neither replays what was handled nor misses what was sent while the bot was down. Re-delivered
events are recognised by their event id (Conversation's `update_id`).

A direct chat with the bot (a room that holds only the bot and the person writing, joined or invited)
is that person's private chat, as on Telegram: there a 党委 member reads any branch (`/report t2`), and
`/web` gives a one-time link. The bot joins a room it is invited to as a direct chat (`is_direct`, as
Element invites); who is in a room is cached per room and forgotten on every membership change.

Encryption is mautrix's OlmMachine; its keys (PgCryptoStore) and the room state it needs
(PgCryptoStateStore) are kept with the bot's data under their own version tables (`crypto_version`,
`mx_version`), so keys survive restarts: in the bot's PostgreSQL database, or with SQLite in a file
beside the bot's (see `crypto_database_url` for why).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from mautrix.api import Method, Path
from mautrix.client import Client, InternalEventType
from mautrix.client.encryption_manager import DecryptionDispatcher
from mautrix.client.state_store import MemoryStateStore, StateStore
from mautrix.errors import DecryptionError, MatrixError, MLimitExceeded, MUnknownToken, SessionNotFound
from mautrix.types import (
    JSON,
    EncryptedEvent,
    Event,
    EventID,
    EventType,
    FileInfo,
    Format,
    MediaMessageEventContent,
    Membership,
    MemberStateEventContent,
    MessageEvent,
    MessageType,
    ReactionEvent,
    RelatesTo,
    RoomID,
    SyncToken,
    TextMessageEventContent,
    UserID,
)
from sqlalchemy.engine import URL

from sanhui_bot.adapters.conversation import Conversation, Handled, Incoming
from sanhui_bot.adapters.matrix.formatting import (
    LEAVE_REACTION,
    REACTIONS,
    Encryption,
    MatrixText,
    bang,
    button_for_reaction,
    event_content_size,
    fit_matrix_text,
    looks_like_command,
    matrix_text,
    matrix_texts,
    mentions_in,
    reaction_key,
    text_with_pills,
)
from sanhui_bot.adapters.notice_edits import NoticeEdits
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.config import MatrixConfig
from sanhui_bot.render.catalog import message
from sanhui_bot.render.replies import Attachment, Button, Renderer, Reply
from sanhui_bot.services.ports import PostedMessage

if TYPE_CHECKING:
    # mautrix's database layer loads asyncpg (and the crypto store, olm): only with encryption on.
    from mautrix.util.async_db import Database

log = logging.getLogger(__name__)

PLATFORM = "matrix"
SYNC_TOKEN = "sync_token"  # platform_state keys
DEVICE_ID = "device_id"
REACTION_KEY = "reaction:{event_id}"  # the press a member's reaction made, so removing it undoes it
# Encrypts the pickled Olm account and sessions at rest. The database holds the bot's other data in
# the clear anyway, so this is a fixed key, like mautrix's bridges use; protect the database instead.
PICKLE_KEY = "sanhui-bot matrix crypto store"
SYNC_TIMEOUT_MS = 30_000
TIMELINE_LIMIT = 50
SESSION_WAIT_SECONDS = 10.0  # a room key travels to-device and may arrive a moment after its message
ACK_REACTION = "✅"
# The 台账 room widget: Element's widget state event, one per room under this state key.
WIDGET_EVENT = EventType.find("im.vector.modular.widgets", t_class=EventType.Class.STATE)
WIDGET_ID = "sanhui-ledger"
RATE_LIMIT_TRIES = 3  # for sends no outbox retries: answers to members, edits, files


class MatrixLoginError(RuntimeError):
    """The bot could not log in: no secret configured, or the homeserver refused it."""


def crypto_database_url(url: URL) -> str:
    """Where mautrix's crypto and room-state tables go: `sqlite:PATH` or `postgresql://…`.

    PostgreSQL: the bot's own database (mautrix keeps its own version tables beside Alembic's).
    SQLite: a sibling file, `<name>-matrix-crypto.db` next to the bot's. SQLite has one writer at a
    time, and mautrix's transactions start DEFERRED on their own connection: one that reads and then
    writes fails at once ("database is locked", busy_timeout does not apply) when the bot has written
    in between. In their own file the keys only ever wait for each other. Back up both files.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            raise ValueError("Matrix encryption needs a database file (its keys must survive restarts)")
        return f"sqlite:{crypto_sqlite_path(path)}"
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r} for the Matrix crypto store")


def crypto_sqlite_path(bot_database: str) -> str:
    """The crypto store's SQLite file beside the bot's: data/sanhui.db → data/sanhui-matrix-crypto.db."""
    path = PurePath(bot_database)
    return str(path.with_name(f"{path.stem}-matrix-crypto{path.suffix or '.db'}"))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MatrixPlatform:
    """Implements adapters.platform.Platform (and the announcer's Notifier) for Matrix."""

    platform = PLATFORM

    def __init__(
        self,
        config: MatrixConfig,
        conversation: Conversation,
        database_url: URL,
        access_token: str | None = None,
        password: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        web_url: str | None = None,
    ) -> None:
        if not config.homeserver or not config.user_id:
            raise ValueError("[matrix] needs homeserver and user_id")
        self.config = config
        self.conversation = conversation
        self.deps = conversation.deps
        self.database_url = database_url
        self.access_token = access_token
        self.password = password
        self.clock = clock
        self.user_id = UserID(config.user_id)
        self.client: Client | None = None
        self._crypto_db: Database | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._handling = asyncio.Lock()  # held while a sync batch is handled and its token stored
        self._stopping = False
        self._token: str | None = None  # the sync token stored last
        self.web_url = web_url  # the 台账 page ([web] public_url): `/web` adds it as a room widget
        # In-place edits of notices and task cards, at most one per message every
        # `edit_interval_seconds`, coalesced as on Telegram (one implementation: NoticeEdits).
        self.edits = NoticeEdits(
            conversation, PLATFORM, lambda: self.config.edit_interval_seconds, self._edit_message, clock
        )
        # Who is in each unconfigured room (joined or invited), to tell a direct chat; forgotten on
        # any membership change in the room (`_sync_once`).
        self._room_people: dict[RoomID, frozenset[str]] = {}

    # --- Platform

    async def start(self) -> None:
        """Log in, open the crypto store, catch up from the stored sync token, then keep syncing."""
        self._stopping = False
        try:
            state_store: StateStore = MemoryStateStore()
            if self.config.encryption:
                from mautrix.util.async_db import Database  # not loaded when encryption is off

                self._crypto_db = Database.create(
                    crypto_database_url(self.database_url),
                    upgrade_table=_crypto_upgrade_table(),
                    log=logging.getLogger("mau.db"),
                )
                await self._crypto_db.start()
                state_store = await _open_state_store(self._crypto_db)
            client = Client(mxid=self.user_id, base_url=self.config.homeserver, state_store=state_store)
            self.client = client
            await self._login(client)
            if self._crypto_db is not None:
                await self._open_crypto(client, state_store)
            self._token = await self._state(SYNC_TOKEN)
            if self._token is None:
                # First start: whatever was said before the bot existed is history, not commands.
                await self._sync_once(handle_timeline=False)
        except BaseException:
            await self._close()
            raise
        self._sync_task = asyncio.create_task(self._sync_forever(), name="matrix-sync")
        self.edits.resume()  # edits a stop interrupted, or that waited for their interval

    async def stop(self) -> None:
        """Finish the batch being handled (its token is then stored), stop syncing, close everything."""
        self._stopping = True
        task, self._sync_task = self._sync_task, None
        if task is not None:
            async with self._handling:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.edits.settled()
        await self._close()

    def serves(self, chat: str) -> bool:
        """Whether the chat key has a Matrix room in the config."""
        return self._room_of(chat) is not None

    async def post(self, chat: str, reply: Reply) -> str:
        """Send a reply as a notice to the chat's room and remember it; raise (to retry later) on failure.

        A rate limit (M_LIMIT_EXCEEDED) or a network error propagates, so the outbox keeps the row.
        """
        room = self._room_of(chat)
        if room is None:
            raise LookupError(f"chat {chat!r} has no Matrix room in the config")
        return await self._send_reply(room, chat, reply)

    def refresh(self, subject: str) -> None:
        """Something `subject` shows changed elsewhere (the web view): edit the messages showing it."""
        self.edits.refresh(subject)

    # --- login and encryption

    async def _login(self, client: Client) -> None:
        # Empty when the device was given up (copy-db leaves the keys behind): log in as a new one.
        stored_device = await self._state(DEVICE_ID) or None
        if self.access_token:
            client.api.token = self.access_token
            whoami = await client.whoami()
            if whoami.user_id != self.user_id:
                raise MatrixLoginError(
                    f"the access token belongs to {whoami.user_id}, not to [matrix] user_id {self.user_id}"
                )
            client.device_id = whoami.device_id or client.device_id  # a user's token names its device
        elif self.password:
            # Logging in again with the stored device id keeps the device, so its keys stay valid.
            await client.login(
                identifier=self.user_id,
                password=self.password,
                device_name=self.config.device_name,
                device_id=stored_device,
                store_access_token=True,
            )
        else:
            raise MatrixLoginError(
                f"no Matrix secret: set {self.config.access_token_env} or {self.config.password_env}"
            )
        if client.device_id and client.device_id != stored_device:
            await self._set_state(DEVICE_ID, client.device_id)

    async def _open_crypto(self, client: Client, state_store: StateStore) -> None:
        # Imported here: python-olm is only needed when encryption is on.
        from mautrix.crypto import OlmMachine, PgCryptoStore

        assert self._crypto_db is not None
        if not client.device_id:
            raise MatrixLoginError("encryption needs a device: the access token has no device id")
        crypto_store = PgCryptoStore(account_id=self.user_id, pickle_key=PICKLE_KEY, db=self._crypto_db)
        await crypto_store.open()
        known_device = await crypto_store.get_device_id()
        if known_device and known_device != client.device_id:
            # Keys of another device cannot be used by this one: start over for the new device.
            log.warning(
                "Matrix device changed from %s to %s: new encryption keys", known_device, client.device_id
            )
            await crypto_store.delete()
        await crypto_store.put_device_id(client.device_id)
        machine = OlmMachine(client, crypto_store, state_store)  # type: ignore[arg-type]
        client.crypto = machine
        # This adapter decrypts in its own loop (in order, waiting for late room keys).
        client.remove_dispatcher(DecryptionDispatcher)
        await machine.load()
        assert machine.account is not None  # load() reads the stored account or creates one
        if not machine.account.shared:
            await self._refuse_foreign_device_keys(client)
            await machine.share_keys()

    async def _refuse_foreign_device_keys(self, client: Client) -> None:
        """A device whose keys were made elsewhere (another database, a wiped one) cannot be reused."""
        assert client.device_id is not None
        found = await client.query_keys({self.user_id: [client.device_id]})
        if found.device_keys.get(self.user_id, {}).get(client.device_id):
            raise MatrixLoginError(
                f"device {client.device_id} already has encryption keys that are not in this database"
                " (was the database replaced?): log in with the password to get a new device, or make a"
                " new access token"
            )

    # --- syncing

    async def _sync_forever(self) -> None:
        # stop() cancels this task only where it waits on the network (or sleeps), never inside a
        # database transaction: everything else runs under `_handling`, which stop() takes first.
        backoff = 1.0
        while not self._stopping:
            try:
                await self._sync_once(handle_timeline=True)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except MUnknownToken:
                log.critical("the homeserver no longer accepts the bot's Matrix login; Matrix stops")
                return
            except Exception:
                log.warning("Matrix sync failed; retrying in %.0f s", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)

    async def _sync_once(self, handle_timeline: bool) -> None:
        """One /sync from the stored token: hand over its events, then store the next token."""
        client = self._client()
        token = self._token
        data = await client.sync(
            since=SyncToken(token) if token else None,
            timeout=SYNC_TIMEOUT_MS if token else 0,
            filter_id=json.dumps({"room": {"timeline": {"limit": TIMELINE_LIMIT}}}),  # type: ignore[arg-type]
        )
        async with self._handling:
            # mautrix keeps its state store and the Olm machine (to-device keys, device lists) current.
            await client.run_internal_event(InternalEventType.SYNC_SUCCESSFUL, data=data)
            await asyncio.gather(*client.handle_sync(data))
            rooms = data.get("rooms", {})
            self._forget_changed_rooms(rooms)
            for room_id, invited in rooms.get("invite", {}).items():
                try:
                    await self._invited(RoomID(room_id), invited)
                except MatrixError:
                    # e.g. the invitation was withdrawn meanwhile; one room must not stop the others
                    log.warning("could not answer the invitation to %s", room_id, exc_info=True)
            if handle_timeline:
                for room_id, room in rooms.get("join", {}).items():
                    for raw in await self._timeline(RoomID(room_id), room, token):
                        await self._handle_raw(RoomID(room_id), raw)
            await self._set_state(SYNC_TOKEN, data["next_batch"])
            self._token = data["next_batch"]

    def _forget_changed_rooms(self, rooms: dict[str, Any]) -> None:
        """Forget who is in a room whose membership changed in this sync (a direct chat may be one no more)."""
        for room_id in rooms.get("leave", {}):
            self._room_people.pop(RoomID(room_id), None)
        for room_id, room in rooms.get("join", {}).items():
            events = [*room.get("state", {}).get("events", []), *room.get("timeline", {}).get("events", [])]
            if any(event.get("type") == "m.room.member" for event in events):
                self._room_people.pop(RoomID(room_id), None)

    async def _is_direct_chat(self, room_id: RoomID, sender: UserID) -> bool:
        """Whether only the bot and `sender` are in the room (joined or invited): what the bot answers
        there is read by the sender alone, as in a Telegram private chat."""
        people = self._room_people.get(room_id)
        if people is None:
            try:
                events = await self._client().get_members(room_id)
            except MatrixError:
                log.warning("could not read the members of %s", room_id, exc_info=True)
                return False
            joined = (Membership.JOIN, Membership.INVITE)
            people = frozenset(
                str(e.state_key)
                for e in events
                if isinstance(e.content, MemberStateEventContent) and e.content.membership in joined
            )
            self._room_people[room_id] = people
        return people == {str(self.user_id), str(sender)}

    async def _timeline(
        self, room_id: RoomID, room: dict[str, Any], since: str | None
    ) -> list[dict[str, Any]]:
        """The room's new events; when /sync cut them short (a long downtime), the gap is fetched too."""
        timeline = room.get("timeline", {})
        events: list[dict[str, Any]] = list(timeline.get("events", []))
        if not timeline.get("limited") or not since or not timeline.get("prev_batch"):
            return events
        missing: list[dict[str, Any]] = []
        start = timeline["prev_batch"]
        while start:
            page = await self._client().api.request(
                Method.GET,
                Path.v3.rooms[room_id].messages,
                query_params={"dir": "b", "from": start, "to": since, "limit": "100"},
            )
            chunk = page.get("chunk", [])
            missing.extend(chunk)
            start = page.get("end") if chunk else None
        for raw in missing:
            raw["room_id"] = room_id
        return [*reversed(missing), *events]

    # --- incoming events

    async def _handle_raw(self, room_id: RoomID, raw: dict[str, Any]) -> None:
        if raw.get("sender") == self.user_id or "state_key" in raw:
            return
        try:
            if raw.get("type") == "m.room.redaction":
                # Redactions are never encrypted; `redacts` moved into the content in room version 11.
                redacted = raw.get("redacts") or (raw.get("content") or {}).get("redacts")
                if redacted:
                    await self._reaction_removed(room_id, raw, EventID(redacted))
                return
            event = Event.deserialize({**raw, "room_id": room_id})
            if isinstance(event, EncryptedEvent):
                decrypted = await self._decrypt(event)
                if decrypted is None:
                    return
                event = decrypted
            if isinstance(event, ReactionEvent):
                await self._reaction(event)
            elif isinstance(event, MessageEvent):
                await self._message(event)
        except Exception:
            # One bad event must not stop the loop (or be retried forever).
            log.exception("failed to handle Matrix event %s in %s", raw.get("event_id"), room_id)

    async def _decrypt(self, event: EncryptedEvent) -> Event | None:
        crypto = self._client().crypto
        if crypto is None:
            log.warning(
                "encrypted event %s in %s, but encryption is off in [matrix]", event.event_id, event.room_id
            )
            return None
        try:
            return await crypto.decrypt_megolm_event(event)
        except SessionNotFound:
            if await crypto.wait_for_session(event.room_id, event.content.session_id, SESSION_WAIT_SECONDS):
                with contextlib.suppress(DecryptionError):
                    return await crypto.decrypt_megolm_event(event)
        except DecryptionError as error:
            log.warning("cannot decrypt %s in %s: %s", event.event_id, event.room_id, error)
            return None
        log.warning("no room key arrived for %s in %s; it is skipped", event.event_id, event.room_id)
        return None

    async def _message(self, event: MessageEvent) -> None:
        content = event.content
        if not isinstance(content, TextMessageEventContent):
            return
        # By Matrix convention bots never act on notices: that is how two bots avoid a loop.
        if content.msgtype not in (MessageType.TEXT, MessageType.EMOTE):
            return
        room_id = event.room_id
        chat = self.deps.org.chat_by_platform_id(PLATFORM, room_id)
        content.trim_reply_fallback()
        text = text_with_pills(content.body or "", content.formatted_body)
        if content.get_edit():
            # An edit could rewrite a command after others saw it: never run one, say so once.
            if looks_like_command(text):
                await self._send_text(room_id, chat, "mx_edited_command", reply_to=event.event_id)
            return
        if chat is not None and self.web_url is not None and looks_like_command(text):
            parsed = parse_command(text, self.deps.local_date(self.clock()))
            if isinstance(parsed, cmds.OpenWebView):
                await self._add_widget(room_id, chat, event.event_id)
                return
        reply_to = content.get_reply_to()
        if reply_to and not looks_like_command(text):
            text = await self._answer_to_prompt(chat or room_id, reply_to, text) or text
        private = chat is None and await self._is_direct_chat(room_id, event.sender)
        incoming = await self._incoming(event, chat, text, content.formatted_body, private)
        # One transaction: the seen mark, who wrote, the use case and what the notices show now.
        handled = await self.conversation.handle(incoming, self.clock(), self.edits.claim)
        await self._deliver(room_id, chat, event.event_id, handled, from_reaction=False)

    async def _answer_to_prompt(self, chat: str, reply_to: EventID, text: str) -> str | None:
        """A reply to the bot's "why the leave?" prompt completes the prompt's command with the reason."""
        async with self.deps.uow() as uow:
            prompt = await uow.messages.find(PLATFORM, chat, reply_to)
        # Only the prompt itself (one button: `/rsvp N leave`): a reply to a task card saying "收到"
        # must not claim the task.
        if (
            prompt is None
            or len(prompt.buttons) != 1
            or button_for_reaction(LEAVE_REACTION, prompt.buttons) != 1
        ):
            return None
        command = prompt.buttons[0][1]
        return f"{command} {text.strip()}"

    async def _reaction(self, event: ReactionEvent) -> None:
        relation = event.content.relates_to
        if not relation or not relation.event_id or not relation.key:
            return
        if reaction_key(relation.key) not in REACTIONS:
            return  # an emoji with no meaning to the bot, e.g. 🎉: nothing read, nothing written
        room_id = event.room_id
        chat = self.deps.org.chat_by_platform_id(PLATFORM, room_id)
        if reaction_key(relation.key) == LEAVE_REACTION:
            await self._ask_leave_reason(room_id, chat, event, relation)
            return
        incoming = Incoming(
            PLATFORM,
            event.sender,
            chat,
            room_id,
            "",
            await self._display_name(room_id, event.sender),
            event.event_id,
        )
        # One transaction: the seen mark, the reacted-to message (which button the emoji presses),
        # the press remembered (removing the reaction undoes it), the use case, what the notice shows.
        handled = await self.conversation.handle(
            incoming,
            self.clock(),
            self.edits.claim,
            (relation.event_id, partial(_reacted_button, relation.key)),
            press_key=REACTION_KEY.format(event_id=event.event_id),
        )
        if handled.pressed is None:
            return  # a reaction to someone else's message (or an old one), or to no button of it
        await self._deliver(room_id, chat, relation.event_id, handled, from_reaction=True)

    async def _reaction_removed(self, room_id: RoomID, raw: dict[str, Any], redacted: EventID) -> None:
        """A member took back a reaction: the RSVP it gave is withdrawn (未回复 again), the tally edited.

        Only the member's own answer, and only while it is still the one the reaction gave; a removed
        reaction is not a command, so a refusal (the meeting began, the answer changed) is not posted.
        """
        sender = UserID(str(raw.get("sender", "")))
        chat = self.deps.org.chat_by_platform_id(PLATFORM, room_id)
        incoming = Incoming(
            PLATFORM,
            sender,
            chat,
            room_id,
            "",
            await self._display_name(room_id, sender),
            str(raw.get("event_id", "")) or None,
        )
        handled = await self.conversation.withdraw_press(
            incoming, REACTION_KEY.format(event_id=redacted), self.clock(), self.edits.claim
        )
        self.edits.show(handled)  # the edited tally is the only answer

    async def _ask_leave_reason(
        self, room_id: RoomID, chat: str | None, event: ReactionEvent, relation: RelatesTo
    ) -> None:
        """📝 under a notice: ask the member for the leave's reason; their reply completes the answer."""
        assert relation.event_id and relation.key  # checked by `_reaction`
        display_name = await self._display_name(room_id, event.sender)
        incoming = Incoming(PLATFORM, event.sender, chat, room_id, "", display_name, event.event_id)
        asked = await self.conversation.press_to_ask(
            incoming,
            self.clock(),
            relation.event_id,
            partial(_reacted_button, relation.key),
            REACTION_KEY.format(event_id=event.event_id),
        )
        if asked is None:
            return  # delivered again (it was asked already), or not under a message with 请假
        posted, button, name = asked
        label, command = posted.buttons[button - 1]
        text = self._plain().t(
            "mx_leave_prompt", name=name or display_name or event.sender, command=bang(command)
        )
        prompt = Reply(text, (Button(label, command),))
        await self._send_reply(room_id, chat, prompt, reply_to=relation.event_id, hints=False, patient=True)

    async def _incoming(
        self, event: MessageEvent, chat: str | None, text: str, formatted: str | None, private: bool = False
    ) -> Incoming:
        return Incoming(
            platform=PLATFORM,
            user=event.sender,
            chat=chat,
            chat_platform_id=event.room_id,
            text=text,
            display_name=await self._display_name(event.room_id, event.sender),
            update_id=event.event_id,
            # Pills name people by display name; their ids let the parser find them on the roster.
            mentions=mentions_in(formatted),
            private=private,  # a direct chat: the sender's own, like a Telegram private chat
        )

    async def _add_widget(self, room_id: RoomID, chat: str, source: EventID) -> None:
        """`/web` in a room: the 台账 page becomes a room widget (Element's im.vector.modular.widgets)."""
        assert self.web_url is not None
        content: dict[str, object] = {
            "type": "m.custom",
            # The client fills in $matrix_widget_id; the page needs it to talk the widget API.
            "url": f"{self.web_url}/mx?widgetId=$matrix_widget_id",
            "name": message("web_button", self.conversation.language),
            "id": WIDGET_ID,
            "creatorUserId": str(self.user_id),
            "data": {},
        }
        try:
            await self._client().send_state_event(
                room_id, WIDGET_EVENT, cast("dict[str, JSON]", content), state_key=WIDGET_ID
            )
        except MatrixError:
            log.warning("could not add the ledger widget to %s", room_id, exc_info=True)
            await self._send_text(room_id, chat, "web_widget_failed", reply_to=source)
            return
        await self._send_text(room_id, chat, "web_widget_added", reply_to=source)

    async def _invited(self, room_id: RoomID, invited: dict[str, Any]) -> None:
        """Join a configured room, or a direct chat a person opens with the bot; in any other, say which
        id to configure, then leave."""
        client = self._client()
        await client.join_room_by_id(room_id)
        if self.deps.org.chat_by_platform_id(PLATFORM, room_id) is not None:
            log.info("joined configured Matrix room %s", room_id)
            return
        if _invited_directly(invited, self.user_id):
            log.info("joined a direct chat %s", room_id)
            return
        log.info("invited to unconfigured Matrix room %s: telling its id and leaving", room_id)
        try:
            await self._send_text(room_id, None, "mx_unconfigured_room", room_id=room_id)
        finally:
            await client.leave_room(room_id)

    # --- sending

    async def _deliver(
        self, room_id: RoomID, chat: str | None, source: EventID, handled: Handled, from_reaction: bool
    ) -> None:
        """Send the replies to a command; an answer that only changes a shown tally is shown by the
        notice's edit instead (coalesced: now, or after the interval)."""
        self.edits.show(handled)  # the edits go out beside the answer (NoticeEdits.show)
        for reply in handled.replies:
            target_chat = reply.chat or chat
            target_room = self._room_of(reply.chat) if reply.chat else room_id
            if target_room is None:
                continue
            shown_here = (target_chat or target_room) in handled.showing.get(reply.subject, ())
            again = reply.subject in handled.unchanged  # the same answer again: as it was, noted
            if reply.subject and not reply.buttons and (shown_here or again or from_reaction):
                # The edited notice shows the answer; a reaction acknowledges a typed command.
                if not from_reaction:
                    await self._react(room_id, source, ACK_REACTION)
                continue
            await self._send_reply(
                target_room, target_chat, reply, reply_to=source if from_reaction else None, patient=True
            )

    async def _edit_message(self, posted: PostedMessage, view: Reply) -> bool:
        """Edit one of the bot's notices to show `view` (NoticeEdits decides when); False if refused."""
        room = self._room_of(posted.chat) or (RoomID(posted.chat) if posted.chat.startswith("!") else None)
        if room is None:
            return True  # a room no longer configured: nothing to edit
        edited = EventID(posted.message_id)
        encryption = await self._encryption(room)
        # The hints under the text need only the catalogue: an edit reads nothing from the database.
        text = fit_matrix_text(
            matrix_text(view, self._plain()), _measure(partial(_edit, of=edited), encryption)
        )
        try:
            await self._send_event(room, _edit(text, edited), patient=True)
        except (MatrixError, aiohttp.ClientError, OSError):
            log.warning("could not edit %s in %s", posted.message_id, room, exc_info=True)
            return False
        return True

    async def _send_reply(
        self,
        room_id: RoomID,
        chat: str | None,
        reply: Reply,
        reply_to: EventID | None = None,
        hints: bool = True,
        patient: bool = False,
    ) -> str:
        """Send a reply as a notice and remember it (its buttons); `patient`: see `_send_event`."""
        render = await self.conversation.renderer()
        encryption = await self._encryption(room_id)
        # Each notice is measured as the first one (with its reply relation, a few bytes the others
        # do not carry), exactly as it will be sent.
        texts = matrix_texts(
            reply if hints else Reply(reply.text, subject=reply.subject),
            render,
            _measure(partial(_notice, reply_to=reply_to), encryption),
        )
        # A long text (a year's report) goes as several notices; the last carries the reactions.
        for number, text in enumerate(texts):
            event_id = await self._send_event(
                room_id, _notice(text, reply_to if number == 0 else None), patient
            )
        await self.conversation.remember(PLATFORM, chat or room_id, str(event_id), reply, self.clock())
        for attachment in reply.attachments:
            await self._send_attachment(room_id, attachment)
        return str(event_id)

    async def _send_event(self, room_id: RoomID, content: TextMessageEventContent, patient: bool) -> EventID:
        """Send one message. An answer to a member (`patient`) waits out a rate limit a few times, as
        it has no outbox to retry it; the outbox's own posts raise at once and are retried later."""
        for attempt in range(RATE_LIMIT_TRIES):
            try:
                return await self._client().send_message_event(room_id, EventType.ROOM_MESSAGE, content)
            except MLimitExceeded:
                if not patient or attempt == RATE_LIMIT_TRIES - 1:
                    raise
                await asyncio.sleep(_retry_after_seconds(attempt))
        raise AssertionError("unreachable")

    async def _send_attachment(self, room_id: RoomID, attachment: Attachment) -> None:
        """Upload and post a file after its text; best effort, so a post's text is never sent twice.

        The text is complete on its own (render/replies.py); a file that cannot be sent after a few
        rate-limited tries is logged and left out rather than making the outbox send the text again.
        """
        client = self._client()
        kind = MessageType.IMAGE if attachment.mime.startswith("image/") else MessageType.FILE
        content = MediaMessageEventContent(
            msgtype=kind,
            body=attachment.filename,
            info=FileInfo(mimetype=attachment.mime, size=len(attachment.data)),
        )
        for attempt in range(RATE_LIMIT_TRIES):
            try:
                in_encrypted_room = client.state_store is not None and await client.state_store.is_encrypted(
                    room_id
                )
                if client.crypto is not None and in_encrypted_room:
                    from mautrix.crypto.attachments import encrypt_attachment

                    ciphertext, encrypted = encrypt_attachment(attachment.data)
                    encrypted.url = await client.upload_media(
                        ciphertext, "application/octet-stream", attachment.filename
                    )
                    content.file = encrypted
                else:
                    content.url = await client.upload_media(
                        attachment.data, attachment.mime, attachment.filename
                    )
                await client.send_message_event(room_id, EventType.ROOM_MESSAGE, content)
                return
            except MLimitExceeded:
                await asyncio.sleep(_retry_after_seconds(attempt))
            except (MatrixError, aiohttp.ClientError, OSError):
                break
        log.warning("could not send %s to %s; the text went without it", attachment.filename, room_id)

    async def _send_text(
        self, room: RoomID, chat: str | None, code: str, reply_to: EventID | None = None, **params: object
    ) -> None:
        render = await self.conversation.renderer()
        await self._send_reply(room, chat, Reply(render.t(code, **params)), reply_to=reply_to, patient=True)

    async def _react(self, room_id: RoomID, event_id: EventID, key: str) -> None:
        try:
            await self._client().react(room_id, event_id, key)
        except MatrixError:
            log.warning("could not acknowledge %s in %s", event_id, room_id, exc_info=True)

    # --- helpers

    def _plain(self) -> Renderer:
        """A renderer of the catalogue's texts alone (no member names): hints, prompts."""
        return Renderer(self.conversation.language, self.deps.tz, self.deps.org)

    def _client(self) -> Client:
        if self.client is None:
            raise RuntimeError("the Matrix platform is not started")
        return self.client

    async def _encryption(self, room_id: RoomID) -> Encryption | None:
        """How the room's messages are encrypted, for measuring them; None when they go in clear."""
        client = self._client()
        if client.crypto is None or client.state_store is None:
            return None
        if not await client.state_store.is_encrypted(room_id):
            return None
        return Encryption(room_id=room_id, device_id=client.device_id)

    def _room_of(self, chat: str) -> RoomID | None:
        room = self.deps.org.chats.get(chat, {}).get(PLATFORM)
        return RoomID(room) if room else None

    async def _display_name(self, room_id: RoomID, user_id: UserID) -> str:
        client = self._client()
        if client.state_store is None:
            return ""
        with contextlib.suppress(Exception):
            member = await client.state_store.get_member(room_id, user_id)
            if member and member.displayname:
                return member.displayname
        return ""

    async def _state(self, key: str) -> str | None:
        async with self.deps.uow() as uow:
            return await uow.platform_state.get(PLATFORM, key)

    async def _set_state(self, key: str, value: str) -> None:
        async with self.deps.uow() as uow:
            await uow.platform_state.set(PLATFORM, key, value)
            await uow.commit()

    async def _close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.api.session.close()
        crypto_db, self._crypto_db = self._crypto_db, None
        if crypto_db is not None:
            await crypto_db.stop()


def _invited_directly(invited: dict[str, Any], bot: UserID) -> bool:
    """Whether an invitation (its /sync `invite_state`) marks the room a direct chat with the bot."""
    for event in invited.get("invite_state", {}).get("events", []):
        if event.get("type") == "m.room.member" and event.get("state_key") == bot:
            return (event.get("content") or {}).get("is_direct") is True
    return False


def _reacted_button(key: str, posted: PostedMessage) -> int | None:
    """The button of the bot's message that a reaction with `key` presses (1-based), None for none."""
    return button_for_reaction(key, posted.buttons)


def _notice(text: MatrixText, reply_to: EventID | None) -> TextMessageEventContent:
    content = TextMessageEventContent(
        msgtype=MessageType.NOTICE, body=text.body, format=Format.HTML, formatted_body=text.html
    )
    if reply_to:
        content.set_reply(reply_to)
    return content


def _measure(
    build: Callable[[MatrixText], TextMessageEventContent], encryption: Encryption | None
) -> Callable[[MatrixText], int]:
    """The exact content size of the event `build` makes of a text, sent in a room with `encryption`."""
    return lambda text: event_content_size(build(text).serialize(), encryption)


def _edit(text: MatrixText, of: EventID) -> TextMessageEventContent:
    content = TextMessageEventContent(
        msgtype=MessageType.NOTICE, body=text.body, format=Format.HTML, formatted_body=text.html
    )
    content.set_edit(of)
    return content


def _retry_after_seconds(attempt: int) -> float:
    """How long to wait before trying a rate-limited send again: 1 s, then 2 s.

    mautrix raises M_LIMIT_EXCEEDED with the message only (its `retry_after_ms` is not passed on), so
    the pause grows instead; Synapse's default allows a message every 5 s per user after a burst.
    """
    return float(2**attempt)


def _crypto_upgrade_table() -> Any:
    from mautrix.crypto.store.asyncpg import PgCryptoStore

    return PgCryptoStore.upgrade_table


async def _open_state_store(db: Database) -> StateStore:
    """mautrix's room state (members, encryption settings) in the bot's database: the Olm machine needs it."""
    from mautrix.crypto.store.asyncpg import PgCryptoStateStore

    store = PgCryptoStateStore(db)
    await store.upgrade_table.upgrade(db)
    return store
