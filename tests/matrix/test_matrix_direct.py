"""A Matrix direct chat with the bot is a private chat, as on Telegram (issue 17): there a 党委 member reads
any branch (`!report t1`, `!tasks t1`); once a third person is in the room it is no private chat any more.

Against the real Synapse, with members at real clients; the direct chats are encrypted, as Element makes them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import MatrixWorld, bot_says, local, make_rooms, matrix_id
from mautrix.types import Membership, RoomCreatePreset, RoomID, UserID

pytestmark = [
    pytest.mark.slow,
    # mautrix reads the deprecated sender_key of Megolm events that clients still send
    pytest.mark.filterwarnings("ignore:The sender_key field in Megolm events:DeprecationWarning"),
]

ENCRYPTED = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
REPORT = "组织生活报告"  # the title of a branch's /report
WHERE = "党委群或与机器人的私聊"  # the refusal of a 党委 read where others read it too


def with_party_committee(config: dict[str, Any]) -> None:
    """A 党委 with its chat, and 刘洋 (an ordinary member of t1) on it."""
    config["chats"]["dangwei"] = {"telegram": -1009}
    config["school"] = {"name": "实验中学党委", "chat": "dangwei"}
    [liuyang] = [member for member in config["members"] if member["key"] == "liuyang"]
    liuyang["school_roles"] = ["party_committee"]


async def _until(check: Any, what: str) -> None:
    for _ in range(1200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def direct_chat(world: MatrixWorld, who: str) -> str:
    """`who` opens a direct chat with the bot as Element does (is_direct, encrypted); the bot joins."""
    person = await world.person(who)
    room = await person.client.create_room(
        preset=RoomCreatePreset.TRUSTED_PRIVATE,
        is_direct=True,
        invitees=[UserID(world.bot_id)],
        initial_state=[ENCRYPTED],
    )
    store = person.client.state_store
    assert store is not None

    async def bot_joined() -> bool:  # as the person's client knows it, so it shares its room keys
        return await store.get_membership(room, UserID(world.bot_id)) == Membership.JOIN

    await _until(bot_joined, f"the bot joining {who}'s direct chat")
    return str(room)


async def test_a_direct_chat_is_a_private_chat_for_the_party_committee_reads(world: MatrixWorld) -> None:
    await make_rooms(world)
    world.configure(adjust=with_party_committee)
    world.clock.now = local("2026-03-02T09:00")
    await world.start_bot()
    zhangwei, liuyang = await world.person("zhangwei"), await world.person("liuyang")
    branch = world.rooms["branch"]
    await zhangwei.say(branch, "!decision 整理教研资料 @刘洋 截止:2026-03-20")
    await zhangwei.wait_for(bot_says(branch, "整理教研资料"), "the decision's task")

    # 刘洋 sits on the 党委: in his direct chat with the bot he reads t1 as the 党委 does
    mine = await direct_chat(world, "liuyang")
    await liuyang.say(mine, "!report t1")
    [report] = await liuyang.wait_for(bot_says(mine, REPORT), "t1's report in the direct chat")
    assert "教工第一党支部" in report.content.body
    await liuyang.say(mine, "!tasks t1")
    await liuyang.wait_for(bot_says(mine, "整理教研资料"), "t1's tasks in the direct chat")

    # 张伟, t1's secretary, is on no 党委: in his own direct chat the read is refused, saying who may
    his = await direct_chat(world, "zhangwei")
    await zhangwei.say(his, "!report t1")
    [refused] = await zhangwei.wait_for(bot_says(his, "党委委员"), "the refusal in his direct chat")
    assert REPORT not in refused.content.body

    # a third person in 刘洋's direct chat: others would read it now, so the read is refused there
    await liuyang.client.invite_user(RoomID(mine), UserID(matrix_id("zhangwei")))
    await zhangwei.join(mine)
    store = liuyang.client.state_store
    assert store is not None

    async def zhangwei_joined() -> bool:
        return await store.get_membership(RoomID(mine), UserID(matrix_id("zhangwei"))) == Membership.JOIN

    await _until(zhangwei_joined, "张伟 joining the room")
    await liuyang.say(mine, "!report t1")
    await liuyang.wait_for(bot_says(mine, WHERE), "the refusal once the room has three people")
    reports = [e for e in liuyang.bot_posts(mine, world.bot_id) if REPORT in e.content.body]
    assert len(reports) == 1  # the report was given once, while the room was his alone
