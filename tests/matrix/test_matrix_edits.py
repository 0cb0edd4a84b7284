"""A notice's edits on Matrix are coalesced, against a real Synapse (issue 15): many answers at once
make at most two edits and the last shows them all; a restart inside the interval still ends with
the right tally."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import BOT, MatrixWorld, bot_says, local, matrix_id
from mautrix.types import MessageEvent
from members import MatrixMember
from support import TEST_CONFIG, ChatDriver

from sanhui_bot.adapters.conversation import PENDING_EDIT
from sanhui_bot.scheduler.announcer import Announcer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The sender_key field in Megolm events:DeprecationWarning"),
]

EVERYONE = [member["key"] for member in TEST_CONFIG["members"]]
ANSWERING = [key for key in EVERYONE if key != "zhangwei"][:10]  # ten members; the secretary watches


async def branch_room_with_everyone(world: MatrixWorld, interval: float) -> None:
    """Every chat a room; the branch room holds every member (a 党员大会's notice is for them all)."""
    for chat in ("committee", "g-math", "g-grade10", "g-service"):
        world.rooms[chat] = await world.create_room("zhangwei", [BOT], encrypted=False)
    others = [key for key in EVERYONE if key != "zhangwei"]
    world.rooms["branch"] = await world.create_room("zhangwei", [*others, BOT], encrypted=False)

    def edit_interval(config: dict[str, Any]) -> None:
        config["matrix"]["edit_interval_seconds"] = interval

    world.configure(adjust=edit_interval)


async def congress_notice(world: MatrixWorld) -> tuple[int, str]:
    """A 党员大会 two days ahead, its notice posted in the branch room: (meeting id, notice event id)."""
    assert world.app is not None and world.bot is not None
    world.clock.now = local("2026-03-02T09:00")
    chat = ChatDriver(world.app, world.clock.now)
    created = await chat.say("zhangwei", "branch", "/meeting new congress 2026-03-04 15:00 党员大会")
    meeting = int(created.split("#", 1)[1].split()[0])
    announcer = Announcer(world.app.deps, "zh-CN", [world.bot])
    await announcer.start(world.clock.now)
    await announcer.tick(world.clock.now)
    secretary = await world.person("zhangwei")
    [notice] = await secretary.wait_for(bot_says(world.rooms["branch"], f"#{meeting}"), "the congress notice")
    return meeting, str(notice.event_id)


def edits_of(member: MatrixMember, room: str, notice: str) -> list[str]:
    """The bodies of the bot's edits of the notice that the member has seen, in timeline order."""
    return [
        event.content.body
        for event in member.events
        if isinstance(event, MessageEvent)
        and event.room_id == room
        and event.sender == matrix_id(BOT)
        and event.content.get_edit() == notice
    ]


async def test_ten_reactions_within_a_second_make_at_most_two_edits_and_the_last_shows_all_ten(
    world: MatrixWorld,
) -> None:
    await branch_room_with_everyone(world, interval=3.0)  # the default interval
    await world.start_bot()
    room = world.rooms["branch"]
    meeting, notice = await congress_notice(world)
    secretary = await world.person("zhangwei")
    members = [await world.person(key) for key in ANSWERING]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(member.react(room, notice, "✅") for member in members))
    assert loop.time() - started < 1.0  # ten answers within a second
    await secretary.wait_for(lambda e: "参加 10，" in secretary.latest_text(room, notice), "all ten shown")
    await asyncio.sleep(4.0)  # longer than the interval: any edit still to come has come
    edits = edits_of(secretary, room, notice)
    assert 1 <= len(edits) <= 2, edits
    assert "参加 10，" in edits[-1], edits
    assert world.app is not None
    async with world.app.deps.uow() as uow:
        assert len(await uow.attendance.answers(meeting)) == 10
        assert await uow.platform_state.starting_with("matrix", PENDING_EDIT) == {}  # nothing waits


async def test_a_restart_within_the_interval_still_ends_with_the_right_tally(world: MatrixWorld) -> None:
    await branch_room_with_everyone(world, interval=30.0)
    await world.start_bot()
    room = world.rooms["branch"]
    meeting, notice = await congress_notice(world)
    secretary = await world.person("zhangwei")
    for key in ANSWERING[:4]:
        await (await world.person(key)).react(room, notice, "✅")
    assert world.app is not None and world.bot is not None
    bot, deps = world.bot, world.app.deps

    async def answered() -> None:
        while True:
            async with deps.uow() as uow:
                if len(await uow.attendance.answers(meeting)) == 4 and bot.edits.waiting:
                    return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(answered(), 60)
    await secretary.wait_for(lambda e: "参加 1，" in secretary.latest_text(room, notice), "the first answer")
    assert "参加 4，" not in secretary.latest_text(room, notice)  # the last edit waits 30 s
    for waiting in list(bot.edits.waiting.values()):  # the process dies within the interval
        waiting.cancel()
    await world.stop_bot()

    await world.start_bot()  # the edit the stop interrupted is made at the start
    await secretary.wait_for(lambda e: "参加 4，" in secretary.latest_text(room, notice), "all four shown")
    assert world.bot is not None and world.app is not None
    await world.bot.edits.settled()  # the shown edit's mark is cleared soon after it
    async with world.app.deps.uow() as uow:
        assert await uow.platform_state.starting_with("matrix", PENDING_EDIT) == {}
