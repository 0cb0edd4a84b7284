"""Per-update cost on Matrix (issue 15): each answer one transaction with its seen mark, the tally it
shows computed with the answer, and a notice's edits coalesced. The adapter's own event handling over
both databases, with a recording stand-in for mautrix's client (tests/matrix/test_matrix_synapse.py
and test_matrix_edits.py show the same against a real Synapse)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from support import TEST_CONFIG, ChatDriver, local, sql_statements

from sanhui_bot.adapters.conversation import PENDING_EDIT
from sanhui_bot.adapters.matrix import MatrixPlatform
from sanhui_bot.adapters.matrix.platform import REACTION_KEY
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.render.replies import Button, Reply

ROOM = "!branch:school.org"
NOTICE = "$notice"
NOW = local("2026-03-02T11:00")


@pytest.fixture
def settings() -> Settings:
    """The test branch with a Matrix room for each chat and a Matrix id for each member."""
    config = copy.deepcopy(TEST_CONFIG)
    for key, chat in config["chats"].items():
        chat["matrix"] = f"!{key}:school.org"
    for member in config["members"]:
        member["matrix"] = f"@{member['key']}:school.org"
    config["matrix"] = {
        "homeserver": "https://matrix.school.org",
        "user_id": "@sanhui-bot:school.org",
        "encryption": False,
        "edit_interval_seconds": 0.5,
    }
    return parse_settings(config, "tests")


class RecordingClient:
    """What the adapter asks of mautrix's `Client` when it answers: sends and reactions, recorded."""

    def __init__(self) -> None:
        self.crypto = None
        self.state_store = None  # no room state: display names are the roster's
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.reactions: list[tuple[str, str, str]] = []

    async def send_message_event(self, room_id: str, event_type: object, content: Any) -> str:
        self.sent.append((room_id, content.serialize()))
        return f"$sent{len(self.sent)}"

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        self.reactions.append((room_id, event_id, key))

    def edits_of(self, event_id: str) -> list[str]:
        """The bodies of the edits of `event_id`, in order."""
        return [
            content["m.new_content"]["body"]
            for _, content in self.sent
            if content.get("m.relates_to", {}).get("event_id") == event_id
            and content["m.relates_to"].get("rel_type") == "m.replace"
        ]


@pytest.fixture
async def matrix(app: App) -> AsyncIterator[tuple[MatrixPlatform, RecordingClient]]:
    platform = MatrixPlatform(app.settings.matrix, app.conversation, app.store.engine.url, clock=lambda: NOW)
    client = RecordingClient()
    platform.client = client  # type: ignore[assignment]
    yield platform, client
    await platform.edits.settled()


async def congress_notice(app: App) -> int:
    """A 党员大会 on 2026-03-20 whose notice (✅ 📝 ❌) the bot posted in the branch room; its id."""
    await plan_meetings(app, local("2026-03-01T08:00"))
    chat = ChatDriver(app, local("2026-03-02T10:00"))
    created = await chat.say("zhangwei", "branch", "/meeting new congress 2026-03-20 15:00 党员大会")
    meeting = int(created.split("#", 1)[1].split()[0])
    buttons = (
        Button("参加", f"/rsvp {meeting} yes"),
        Button("请假", f"/rsvp {meeting} leave"),
        Button("不参加", f"/rsvp {meeting} no"),
    )
    notice = Reply(f"会议通知 #{meeting}", buttons, subject=f"meeting:{meeting}")
    await app.conversation.remember("matrix", "branch", NOTICE, notice, NOW)
    return meeting


def room_event(kind: str, member: str, number: int, content: dict[str, Any]) -> dict[str, Any]:
    """A room event as /sync hands it over; its id is `$<kind>-<member>-<number>`."""
    return {
        "type": {"reaction": "m.reaction", "said": "m.room.message"}[kind],
        "event_id": f"${kind}-{member}-{number}",
        "sender": f"@{member}:school.org",
        "origin_server_ts": 1_772_420_000_000 + number,
        "content": content,
    }


def reaction(member: str, key: str, number: int) -> dict[str, Any]:
    relation = {"rel_type": "m.annotation", "event_id": NOTICE, "key": key}
    return room_event("reaction", member, number, {"m.relates_to": relation})


def said(member: str, text: str, number: int) -> dict[str, Any]:
    return room_event("said", member, number, {"msgtype": "m.text", "body": text})


def begins(statements: list[str]) -> int:
    """Transactions begun (`sql_statements` shows each as "BEGIN", on both databases)."""
    return sum(statement.startswith("BEGIN") for statement in statements)


async def test_a_reaction_is_one_transaction_with_its_seen_mark_its_press_and_the_tally_it_shows(
    app: App, matrix: tuple[MatrixPlatform, RecordingClient]
) -> None:
    platform, client = matrix
    meeting = await congress_notice(app)
    await platform._handle_raw(ROOM, reaction("liuyang", "✅", 1))  # type: ignore[arg-type]
    with sql_statements(app) as statements:
        await platform._handle_raw(ROOM, reaction("xuqiang", "✅", 2))  # type: ignore[arg-type]
    assert begins(statements) <= 1, statements
    # the tally the notice shows is the one the answer computed: the answers are read once
    assert sum("FROM rsvps" in s for s in statements) == 1, statements
    assert sum("seen_updates" in s for s in statements) == 1, statements
    assert not any("SAVEPOINT" in s for s in statements), statements
    assert len(statements) <= 9, statements
    async with app.deps.uow() as uow:
        answers = await uow.attendance.answers(meeting)
        remembered = await uow.platform_state.get(
            "matrix", REACTION_KEY.format(event_id="$reaction-xuqiang-2")
        )
    assert {member: answer.value for member, answer in answers.items()} == {
        "liuyang": "yes",
        "xuqiang": "yes",
    }
    assert remembered is not None and NOTICE in remembered  # removing the reaction can undo it
    await platform.edits.settled()
    edits = client.edits_of(NOTICE)
    assert edits and "参加 2" in edits[-1], edits
    # a reaction answers by the edit alone: no notice of its own
    assert [content for _, content in client.sent if "m.new_content" not in content] == []


async def test_a_typed_rsvp_and_a_reaction_taken_back_are_each_one_transaction(
    app: App, matrix: tuple[MatrixPlatform, RecordingClient]
) -> None:
    platform, client = matrix
    meeting = await congress_notice(app)
    await platform._handle_raw(ROOM, said("liuyang", f"!rsvp {meeting} yes", 1))  # type: ignore[arg-type]
    with sql_statements(app) as typed:
        await platform._handle_raw(ROOM, said("xuqiang", f"!rsvp {meeting} yes", 2))  # type: ignore[arg-type]
    assert begins(typed) <= 1 and sum("FROM rsvps" in s for s in typed) == 1, typed
    assert len(typed) <= 7, typed
    # the notice in this room shows the answer: the command is acknowledged with ✅, not answered
    assert client.reactions[-1] == (ROOM, "$said-xuqiang-2", "✅")
    assert [content for _, content in client.sent if "m.new_content" not in content] == []
    await platform.edits.settled()
    edits = len(client.edits_of(NOTICE))
    await platform._handle_raw(ROOM, said("xuqiang", f"!rsvp {meeting} yes", 3))  # type: ignore[arg-type]
    await platform.edits.settled()
    # the same answer again: acknowledged as well, and neither a new message nor an edit
    assert client.reactions[-1] == (ROOM, "$said-xuqiang-3", "✅")
    assert [content for _, content in client.sent if "m.new_content" not in content] == []
    assert len(client.edits_of(NOTICE)) == edits

    await platform._handle_raw(ROOM, reaction("hema", "✅", 3))  # type: ignore[arg-type]
    taken_back = {
        "type": "m.room.redaction",
        "event_id": "$redaction-hema",
        "sender": "@hema:school.org",
        "origin_server_ts": 1_772_420_000_100,
        "redacts": "$reaction-hema-3",
        "content": {},
    }
    with sql_statements(app) as withdrawn:
        await platform._handle_raw(ROOM, taken_back)  # type: ignore[arg-type]
    assert begins(withdrawn) <= 1 and sum("seen_updates" in s for s in withdrawn) == 1, withdrawn
    assert len(withdrawn) <= 12, withdrawn
    async with app.deps.uow() as uow:
        answers = await uow.attendance.answers(meeting)
    assert {member: answer.value for member, answer in answers.items()} == {
        "liuyang": "yes",
        "xuqiang": "yes",
        "hema": "unknown",  # 未回复 again
    }
    await platform.edits.settled()
    assert "参加 2" in client.edits_of(NOTICE)[-1]


async def test_ten_reactions_within_the_interval_make_two_edits_and_the_last_shows_all_ten(
    app: App, matrix: tuple[MatrixPlatform, RecordingClient]
) -> None:
    platform, client = matrix
    meeting = await congress_notice(app)
    members = [member["key"] for member in TEST_CONFIG["members"]][:10]
    started = asyncio.get_running_loop().time()
    for number, member in enumerate(members):
        await platform._handle_raw(ROOM, reaction(member, "✅", number))  # type: ignore[arg-type]
    handled_in = asyncio.get_running_loop().time() - started
    await platform.edits.settled()
    edits = client.edits_of(NOTICE)
    assert handled_in < platform.config.edit_interval_seconds, handled_in  # all within one interval
    assert len(edits) == 2, edits  # the first answer at once, the nine after it in one edit
    assert "参加 1，" in edits[0] and "参加 10，" in edits[-1], edits
    async with app.deps.uow() as uow:
        assert len(await uow.attendance.answers(meeting)) == 10
        assert await uow.platform_state.starting_with("matrix", PENDING_EDIT) == {}  # all shown
