"""Fixtures for the Matrix tests: one real Synapse per session, fresh rooms and a bot per test.

Synapse comes from `.venv-synapse` (or $SANHUI_SYNAPSE_PYTHON). Without it these tests skip on a
developer's machine, and FAIL under CI=true: CI must never pass without having talked to Synapse.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import support

sys.path.insert(0, str(Path(__file__).resolve().parent))

from members import MatrixMember
from synapse import SERVER_NAME, Synapse, start_synapse, synapse_python

from sanhui_bot.adapters.matrix import MatrixPlatform
from sanhui_bot.app import App, open_app
from sanhui_bot.config import Settings, parse_settings

TEST_CONFIG: dict[str, Any] = support.TEST_CONFIG
local = support.local
on_database = support.on_database

BOT = "sanhui-bot"
PASSWORD = "correct horse battery staple"
STRANGER = "stranger"  # a teacher in the rooms who is not on the roster
CHATS = ("branch", "committee", "g-math", "g-grade10", "g-service")


def matrix_id(localpart: str) -> str:
    return f"@{localpart}:{SERVER_NAME}"


def bot_says(room: str, fragment: str) -> Any:
    """A check on an event: the bot's own new message (not an edit) in `room` containing `fragment`."""
    from mautrix.types import MessageEvent  # loaded with the Matrix tests only

    return lambda e: (
        isinstance(e, MessageEvent)
        and e.room_id == room
        and e.sender == matrix_id(BOT)
        and not e.content.get_edit()
        and fragment in e.content.body
    )


@dataclass
class Accounts:
    """Everyone registered on the session's homeserver: localpart → login response."""

    synapse: Synapse
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)

    def token(self, localpart: str) -> str:
        return str(self.logins[localpart]["access_token"])


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    python = synapse_python()
    if python is None:
        message = (
            "Synapse is not installed: run .ci/run, or set SANHUI_SYNAPSE_PYTHON to a python that has it"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = start_synapse(python, tmp_path_factory.mktemp("synapse"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def accounts(synapse: Synapse) -> Accounts:
    """The bot, an admin, every roster member and one stranger, registered once."""
    registered = Accounts(synapse)
    registered.logins["admin"] = synapse.register("admin", PASSWORD, admin=True)
    for localpart in [BOT, STRANGER, *(member["key"] for member in TEST_CONFIG["members"])]:
        registered.logins[localpart] = synapse.register(localpart, PASSWORD)
    return registered


class Clock:
    """The bot's clock in these tests: set by the scenario, so meetings and deadlines are fixed."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class MatrixWorld:
    """Rooms on Synapse bound to the test branch's chats, members at their clients, and the bot."""

    synapse: Synapse
    accounts: Accounts
    database_url: str  # the bot's database: a SQLite file, or a PostgreSQL database in CI
    clock: Clock
    rooms: dict[str, str] = field(default_factory=dict)
    people: dict[str, MatrixMember] = field(default_factory=dict)
    settings: Settings | None = None
    app: App | None = None
    bot: MatrixPlatform | None = None
    login_by_password: bool = False
    bot_token: str = ""  # a device of its own per test: a device's keys live in one database only
    web_url: str | None = None  # [web] public_url: `/web` in a room adds the page as a widget

    @property
    def bot_id(self) -> str:
        return matrix_id(BOT)

    def configure(
        self,
        extra_rooms: dict[str, str] | None = None,
        adjust: Callable[[dict[str, Any]], None] | None = None,
    ) -> Settings:
        """The test config with the rooms and everyone's Matrix id; `adjust` changes it further."""
        config = copy.deepcopy(TEST_CONFIG)
        for key in CHATS:
            config["chats"][key]["matrix"] = self.rooms[key]
        for member in config["members"]:
            member["matrix"] = matrix_id(member["key"])
        config["matrix"] = {
            "homeserver": self.synapse.url,
            "user_id": self.bot_id,
            "encryption": True,
            "edit_interval_seconds": 0.2,  # short, so that tests wait little for an edit after the interval
        }
        if adjust is not None:
            adjust(config)
        self.settings = parse_settings(config, "matrix tests")
        return self.settings

    async def person(self, localpart: str) -> MatrixMember:
        if localpart not in self.people:
            member = MatrixMember(self.synapse.url, matrix_id(localpart), PASSWORD)
            await member.open()
            self.people[localpart] = member
        return self.people[localpart]

    async def create_room(self, creator: str, invite: list[str], encrypted: bool) -> str:
        """A private room as Element makes it; the invited people join, the bot is only invited."""
        owner = await self.person(creator)
        initial_state: list[dict[str, Any]] = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        room = await owner.client.create_room(
            invitees=[matrix_id(name) for name in invite],
            initial_state=initial_state,  # type: ignore[arg-type]
        )
        for name in invite:
            if name != BOT:
                await (await self.person(name)).join(room)
        return str(room)

    async def start_bot(self) -> MatrixPlatform:
        """Open the app on the test database and start the Matrix platform (a fresh bot process)."""
        assert self.settings is not None
        self.app = await open_app(on_database(self.settings, self.database_url))
        self.bot = MatrixPlatform(
            self.settings.matrix,
            self.app.conversation,
            database_url=self.app.store.engine.url,
            access_token=None if self.login_by_password else self.bot_token,
            password=PASSWORD if self.login_by_password else None,
            clock=self.clock,
            web_url=self.web_url,
        )
        await self.bot.start()
        return self.bot

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def close(self) -> None:
        await self.stop_bot()
        for member in self.people.values():
            await member.close()


GROUP_MEMBERS = {
    "g-math": ["zhangwei", "lihua", "chenjing", "liuyang", "hema"],
    "g-grade10": ["wangfang", "zhoumin", "xuqiang"],
    "g-service": ["zhaolei", "wujun", "linyu"],
    "committee": ["zhangwei", "wangfang", "lihua"],
    "branch": ["zhangwei", "wangfang"],
}


async def _world(synapse: Synapse, accounts: Accounts, database_url: str) -> AsyncIterator[MatrixWorld]:
    created = MatrixWorld(synapse, accounts, database_url, Clock(local("2026-03-01T08:00")))
    created.bot_token = synapse.login(BOT, PASSWORD)["access_token"]
    try:
        yield created
    finally:
        await created.close()


@pytest.fixture
async def world(synapse: Synapse, accounts: Accounts, db_path: Path) -> AsyncIterator[MatrixWorld]:
    """The bot on a SQLite file."""
    async for created in _world(synapse, accounts, f"sqlite:///{db_path}"):
        yield created


@pytest.fixture
async def world_on_each_backend(
    synapse: Synapse, accounts: Accounts, database_url: str
) -> AsyncIterator[MatrixWorld]:
    """The bot on SQLite, then on PostgreSQL (where its crypto store shares the bot's database)."""
    async for created in _world(synapse, accounts, database_url):
        yield created


async def make_rooms(world: MatrixWorld, encrypted_math: bool = False, stranger_in_math: bool = True) -> None:
    """The five chats of the test branch as rooms; the secretary creates them and invites the bot."""
    for chat in CHATS:
        people = [name for name in GROUP_MEMBERS[chat] if name != "zhangwei"]
        if chat == "g-math" and stranger_in_math:
            people.append(STRANGER)
        world.rooms[chat] = await world.create_room(
            "zhangwei", [*people, BOT], encrypted=encrypted_math and chat == "g-math"
        )
    world.configure()
