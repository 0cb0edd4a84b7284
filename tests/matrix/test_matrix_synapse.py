"""The Matrix adapter against a real Synapse, driven by members at real Matrix clients (issue 5's must-shows)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from conftest import BOT, STRANGER, MatrixWorld, bot_says, local, make_rooms, matrix_id
from mautrix.crypto.attachments import decrypt_attachment
from mautrix.types import MessageEvent, MessageType, ReactionEvent, RoomID
from sqlalchemy import text

from sanhui_bot.adapters.matrix import platform as matrix_platform
from sanhui_bot.adapters.matrix.platform import crypto_sqlite_path
from sanhui_bot.app import plan_meetings
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.export import export_ledger
from sanhui_bot.storage.database import create_engine

pytestmark = [
    pytest.mark.slow,
    # mautrix reads the deprecated sender_key of Megolm events that clients still send
    pytest.mark.filterwarnings("ignore:The sender_key field in Megolm events:DeprecationWarning"),
]


def _ack(member_event: str) -> Any:
    """Matches the bot's ✅ reaction to a member's event (how it acknowledges a typed command)."""
    return lambda e: (
        isinstance(e, ReactionEvent)
        and e.sender == matrix_id(BOT)
        and e.content.relates_to.event_id == member_event
        and e.content.relates_to.key == "✅"
    )


async def _export(world: MatrixWorld) -> dict[str, Any]:
    assert world.app is not None
    return await export_ledger(world.app.deps, world.clock())


async def _announce_math_notice(world: MatrixWorld) -> tuple[Announcer, int, str]:
    """Run the scheduler up to the 党小组会 notice; return (announcer, meeting id, notice event id)."""
    assert world.app is not None and world.bot is not None
    start = local("2026-03-01T08:00")
    await plan_meetings(world.app, start)
    announcer = Announcer(world.app.deps, "zh-CN", [world.bot])
    await announcer.start(start)
    world.clock.now = local("2026-03-02T15:00")
    await announcer.advance(start, world.clock.now)
    data = await _export(world)
    meeting = next(
        m["id"] for m in data["meetings"] if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    room = world.rooms["g-math"]
    secretary = await world.person("zhangwei")
    [notice] = await secretary.wait_for(bot_says(room, f"会议通知 #{meeting}"), "the meeting notice")
    assert isinstance(notice, MessageEvent)
    assert notice.content.msgtype == MessageType.NOTICE
    assert notice.content.formatted_body and "<br>" in notice.content.formatted_body
    assert "✅" in notice.content.body and "📝" in notice.content.body and "❌" in notice.content.body
    return announcer, meeting, str(notice.event_id)


async def _restart(world: MatrixWorld) -> None:
    await world.stop_bot()
    await world.start_bot()


async def _meeting_and_task_scenario(world: MatrixWorld, restart_midway: bool) -> None:
    """Must-show 1 (and 5 when the room is encrypted): RSVPs by reaction and command, a task to its rating."""
    room = world.rooms["g-math"]
    _, meeting, notice = await _announce_math_notice(world)
    zhangwei, lihua, chenjing, liuyang, hema = [
        await world.person(name) for name in ("zhangwei", "lihua", "chenjing", "liuyang", "hema")
    ]
    world.clock.now = local("2026-03-02T16:00")
    for member in (zhangwei, lihua, chenjing):
        await member.react(room, notice, "✅")
    await liuyang.react(room, notice, "📝")
    [prompt] = await liuyang.wait_for(bot_says(room, "请假类别和原因"), "the bot asking for the leave reason")
    if restart_midway:
        await _restart(world)  # keys, device and sync token come back from the database
    reason_reply = await liuyang.reply(room, prompt.event_id, "病假 发烧")
    refusal = await hema.say(room, f"!rsvp {meeting} no")
    await hema.wait_for(_ack(str(refusal)), "the bot acknowledging !rsvp no")
    await liuyang.wait_for(_ack(str(reason_reply)), "the bot acknowledging the leave reason")
    tally = "应到 5 人：参加 3，请假 1，不参加 1，未回复 0"
    await zhangwei.wait_for(
        lambda e: tally in zhangwei.latest_text(room, notice), "the tally edited in place"
    )
    # Answers edit the notice; none of them is a new message showing the tally.
    assert [
        e
        for e in zhangwei.bot_posts(room, matrix_id(BOT))
        if "应到" in e.content.body and e.event_id != notice
    ] == []

    world.clock.now = local("2026-03-03T10:00")
    # Element writes a mention as a pill: the display name in the body, the user id in the HTML.
    pill = f'<a href="https://matrix.to/#/{matrix_id("liuyang")}">刘洋</a>'
    await zhangwei.say_html(
        room,
        "!decision 完善数学组听课制度 刘洋 截止:2026-03-20",
        f"!decision 完善数学组听课制度 {pill} 截止:2026-03-20",
    )
    [card] = await zhangwei.wait_for(bot_says(room, "完善数学组听课制度"), "the task card")
    task = next(t["id"] for t in (await _export(world))["tasks"] if t["title"] == "完善数学组听课制度")
    assert f"#{task}" in card.content.body
    if restart_midway:
        await _restart(world)
    world.clock.now = local("2026-03-09T10:00")
    await chenjing.reply(room, card.event_id, "收到")  # a reply to a task card is not a command
    await chenjing.say(room, f"/claim {task}")  # `/` works as well as `!`
    await chenjing.wait_for(bot_says(room, f"任务 #{task} 已由数学党小组认领"), "the task claimed")
    world.clock.now = local("2026-03-10T10:00")
    await liuyang.say(room, f"!done {task} 制度已印发")
    [done] = await chenjing.wait_for(bot_says(room, f"任务 #{task} 已完成"), "the task reported done")
    assert "👍" in done.content.body
    # Handled in order, so any refusal of the second claim would have come before this.
    assert [e for e in chenjing.bot_posts(room, matrix_id(BOT)) if "不能" in e.content.body] == []
    await chenjing.react(room, str(done.event_id), "👍")
    await chenjing.wait_for(bot_says(room, "满意 1"), "the rating counted")

    data = await _export(world)
    answers = {(r["member"], r["answer"]) for r in data["rsvps"] if r["meeting"] == meeting}
    assert answers == {
        ("zhangwei", "yes"),
        ("lihua", "yes"),
        ("chenjing", "yes"),
        ("liuyang", "leave"),
        ("hema", "no"),
    }
    leave = next(r for r in data["rsvps"] if r["member"] == "liuyang")
    assert "发烧" in leave["reason"]
    [decision] = data["decisions"]
    assert decision["recorded_by"] == "zhangwei"
    [exported_task] = [t for t in data["tasks"] if t["id"] == task]
    assert exported_task["owner"] == "liuyang" and exported_task["status"] == "rated"
    assert any(p["member"] == "liuyang" and p["source"] == f"task:{task}" for p in data["points"])


async def test_notice_reactions_commands_task_and_export_against_synapse(world: MatrixWorld) -> None:
    await make_rooms(world)
    await world.start_bot()
    await _meeting_and_task_scenario(world, restart_midway=False)


async def _stored(url: str, query: str) -> list[Any]:
    """The first column of a query's rows, read straight from a database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(query))).scalars())
    finally:
        await engine.dispose()


async def zhangwei_export(world: MatrixWorld, room: str) -> bytes:
    """The secretary asks for the ledger; return the decrypted bytes of the workbook the bot sends."""
    secretary = await world.person("zhangwei")
    await secretary.say(room, "!export 2026")
    [workbook] = await secretary.wait_for(
        lambda e: (
            isinstance(e, MessageEvent)
            and e.room_id == room
            and e.sender == matrix_id(BOT)
            and e.content.body.endswith(".xlsx")
        ),
        "the exported workbook",
    )
    assert isinstance(workbook, MessageEvent)
    encrypted = workbook.content.file
    assert encrypted is not None and workbook.content.url is None  # not readable by the server
    ciphertext = await secretary.client.download_media(encrypted.url)
    return decrypt_attachment(ciphertext, encrypted.key.key, encrypted.hashes["sha256"], encrypted.iv)


async def test_the_same_scenario_in_an_encrypted_room_survives_a_restart_midway(
    world_on_each_backend: MatrixWorld,
) -> None:
    world = world_on_each_backend
    world.login_by_password = True  # a restart logs in again and must come back as the same device
    await make_rooms(world, encrypted_math=True)
    await world.start_bot()
    assert world.bot is not None and world.bot.client is not None
    device = world.bot.client.device_id
    assert world.bot.client.crypto is not None
    identity = world.bot.client.crypto.account.identity_key
    await _meeting_and_task_scenario(world, restart_midway=True)
    # Files go into an encrypted room encrypted too: the ledger export arrives and decrypts.
    export = await zhangwei_export(world, world.rooms["g-math"])
    assert export.startswith(b"PK")  # the .xlsx workbook (a zip)
    # Two restarts later: the same device with the same keys, read back from the bot's database.
    assert world.bot.client.device_id == device
    assert world.bot.client.crypto is not None
    assert world.bot.client.crypto.account.identity_key == identity
    assert await _stored(world.database_url, "SELECT value FROM platform_state WHERE key = 'device_id'") == [
        device
    ]
    crypto_url = world.database_url
    if crypto_url.startswith("sqlite:///"):
        crypto_url = "sqlite:///" + crypto_sqlite_path(crypto_url.removeprefix("sqlite:///"))
    assert await _stored(crypto_url, "SELECT device_id FROM crypto_account") == [device]


async def test_commands_written_while_the_bot_is_down_are_handled_once_after_it_starts(
    world: MatrixWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /sync hands over one event per room at a time, so a downtime always leaves a gap for the bot to
    # fill from /messages (as a long downtime would with the usual limit).
    monkeypatch.setattr(matrix_platform, "TIMELINE_LIMIT", 1)
    await make_rooms(world)
    await world.start_bot()
    room = world.rooms["g-math"]
    _, meeting, notice = await _announce_math_notice(world)
    lihua, liuyang, hema = [await world.person(name) for name in ("lihua", "liuyang", "hema")]
    world.clock.now = local("2026-03-02T16:00")
    before = await lihua.say(room, f"!rsvp {meeting} yes")
    await lihua.wait_for(_ack(str(before)), "the answer before the stop")
    await lihua.say(room, "!points")
    await lihua.wait_for(bot_says(room, "月积分："), "the points before the stop")

    await world.stop_bot()
    first = await liuyang.say(room, f"!rsvp {meeting} no")
    second = await hema.say(room, f"!rsvp {meeting} 病假 发烧")
    await world.start_bot()

    await liuyang.wait_for(_ack(str(first)), "the first command written while the bot was down")
    await hema.wait_for(_ack(str(second)), "the second command written while the bot was down")
    tally = "应到 5 人：参加 1，请假 1，不参加 1，未回复 2"
    await lihua.wait_for(lambda e: tally in lihua.latest_text(room, notice), "the tally with both answers")
    # A sentinel after everything: once it is answered, every earlier event has been handled.
    sentinel = await lihua.say(room, "!points")
    await lihua.wait_for(bot_says(room, "月积分："), "the sentinel's answer", count=2)
    assert sentinel
    bot = matrix_id(BOT)
    acks = [e for e in lihua.events if isinstance(e, ReactionEvent) and e.sender == bot and e.room_id == room]
    assert sorted(str(e.content.relates_to.event_id) for e in acks) == sorted(
        [str(before), str(first), str(second)]
    )
    points_answers = [e for e in lihua.bot_posts(room, bot) if "月积分：" in e.content.body]
    assert len(points_answers) == 2  # the one before the stop was not answered again
    data = await _export(world)
    answers = sorted((r["member"], r["answer"]) for r in data["rsvps"] if r["meeting"] == meeting)
    assert answers == [("hema", "leave"), ("lihua", "yes"), ("liuyang", "no")]


def _ledger(data: dict[str, Any]) -> dict[str, Any]:
    """What a command could change: everything but the bot's own posts."""
    return {key: value for key, value in data.items() if key != "outbox"}


async def test_strangers_foreign_reactions_edits_and_unknown_rooms_change_nothing(world: MatrixWorld) -> None:
    await make_rooms(world)
    await world.start_bot()
    room = world.rooms["g-math"]
    _, meeting, notice = await _announce_math_notice(world)
    world.clock.now = local("2026-03-02T16:00")
    before = _ledger(await _export(world))
    bot = matrix_id(BOT)
    zhangwei, lihua, liuyang, hema = [
        await world.person(name) for name in ("zhangwei", "lihua", "liuyang", "hema")
    ]
    stranger = await world.person(STRANGER)

    # Invited to a room the config does not know: one notice with the room's id, then the bot leaves.
    elsewhere = await world.create_room("zhangwei", [BOT], encrypted=False)
    [told] = await zhangwei.wait_for(bot_says(elsewhere, elsewhere), "the notice naming the room id")
    assert "[chats]" in told.content.body

    async def bot_left() -> bool:
        return matrix_id(BOT) not in await zhangwei.client.get_joined_members(elsewhere)  # type: ignore[arg-type]

    for _ in range(600):
        if await bot_left():
            break
        await asyncio.sleep(0.05)
    assert await bot_left()

    # Someone off the roster, named like the secretary, tries to act for the branch.
    await stranger.client.set_displayname("张伟（书记）")
    await stranger.say(room, "!decision 伪造的决议 @刘洋 截止:2026-03-20")
    await stranger.wait_for(bot_says(room, "不在支部名册上"), "the refusal of the stranger's decision")
    await stranger.react(room, notice, "✅")
    await stranger.wait_for(bot_says(room, "不在支部名册上"), "the refusal of the stranger's RSVP", count=2)

    # Reactions to a member's message, and to a bot message without buttons, mean nothing to the bot.
    greeting = await liuyang.say(room, "大家好")
    await lihua.react(room, greeting, "✅")
    # An edit that turns a message into a command is not run; it is answered once.
    await liuyang.edit(room, greeting, f"!rsvp {meeting} no")
    await liuyang.wait_for(bot_says(room, "编辑过的消息不会当作命令执行"), "the answer to an edited command")
    # A notice is never a command (bots answer bots with notices; that would loop).
    await hema.say(room, f"!rsvp {meeting} no", msgtype=MessageType.NOTICE)
    points = await lihua.say(room, "!points")
    [answer] = await lihua.wait_for(bot_says(room, "月积分："), "the sentinel's answer")
    await lihua.react(room, str(answer.event_id), "👍")
    await lihua.say(room, "!points")
    await lihua.wait_for(bot_says(room, "月积分："), "the second sentinel's answer", count=2)

    reactions = [
        e for e in lihua.events if isinstance(e, ReactionEvent) and e.sender == bot and e.room_id == room
    ]
    assert reactions == []  # nothing above was acknowledged as done
    replies_to_room = [e.content.body for e in lihua.bot_posts(room, bot) if e.event_id != notice]
    assert len(replies_to_room) == 5, replies_to_room  # 2 refusals, the edit note, 2 points answers
    assert points
    assert _ledger(await _export(world)) == before
    assert "应到 5 人：参加 0" in zhangwei.latest_text(room, notice)


SUMMARY = "2026年3月 "  # the title of each room's month-end post (积分公示栏; the committee's 议事台账)


async def test_month_end_summary_reaches_every_room_once_despite_rate_limits(world: MatrixWorld) -> None:
    await make_rooms(world)
    await world.start_bot()
    assert world.app is not None and world.bot is not None
    start = local("2026-03-31T08:00")
    await plan_meetings(world.app, start)
    announcer = Announcer(world.app.deps, "zh-CN", [world.bot])
    await announcer.start(start)
    # Synapse lets the bot send two messages at once, then one a second: the rest of the burst gets
    # M_LIMIT_EXCEEDED with retry_after_ms.
    limits = f"/_synapse/admin/v1/users/{matrix_id(BOT)}/override_ratelimit"
    admin = world.accounts.token("admin")
    world.synapse.request("POST", limits, {"messages_per_second": 1, "burst_count": 2}, token=admin)
    world.clock.now = local("2026-03-31T18:00")
    await announcer.tick(world.clock.now)

    async def month_end_rows() -> list[Any]:
        assert world.app is not None
        async with world.app.deps.uow() as uow:
            return [row for row in await uow.outbox.list() if row.key.startswith("month_end:")]

    rows = await month_end_rows()
    assert len(rows) == 5
    held_back = [row for row in rows if row.sent_at is None]
    assert 1 <= len(held_back) <= 3
    assert all("M_LIMIT_EXCEEDED" in row.last_error or "LimitExceeded" in row.last_error for row in held_back)

    world.synapse.request("DELETE", limits, token=admin)
    later = world.clock.now
    for _ in range(10):  # retries come due after the outbox's backoff
        if all(row.sent_at is not None for row in await month_end_rows()):
            break
        later += timedelta(minutes=30)
        world.clock.now = later
        await announcer.deliver(later)
    assert all(row.sent_at is not None for row in await month_end_rows())

    secretary = await world.person("zhangwei")  # created every room, so sees every room
    for chat, room in world.rooms.items():
        posts = await secretary.wait_for(bot_says(room, SUMMARY), f"the month-end summary in {chat}")
        assert len(posts) == 1, chat
    # Once more, after everything has arrived: still exactly one summary per room.
    await world.stop_bot()
    await world.start_bot()
    assert world.bot is not None
    assert world.app is not None
    await Announcer(world.app.deps, "zh-CN", [world.bot]).tick(later)
    await (await world.person("lihua")).say(world.rooms["g-math"], "!points")
    await secretary.wait_for(bot_says(world.rooms["g-math"], "月积分："), "the sentinel's answer")
    for chat, room in world.rooms.items():
        assert (
            len([e for e in secretary.bot_posts(room, matrix_id(BOT)) if SUMMARY in e.content.body]) == 1
        ), chat
    rows = await month_end_rows()
    assert world.app is not None
    async with world.app.deps.uow() as uow:
        for row in rows:
            assert await uow.outbox.delivered(row.id or 0) == {"matrix"}
    # The month's chart follows its text as an image (when the machine has a CJK font to draw it).
    for row in rows:
        pictures = [
            e
            for e in secretary.bot_posts(world.rooms[row.chat], matrix_id(BOT))
            if e.content.msgtype == MessageType.IMAGE
        ]
        assert len(pictures) == len(row.payload.get("attachments", [])), row.chat


async def test_a_removed_reaction_withdraws_the_rsvp_and_long_posts_fit_the_event_size(
    world: MatrixWorld,
) -> None:
    """Issue 13: taking back ✅ makes the member 未回复 again and edits the tally; a lone `!` gets the
    help hint; a post longer than Synapse's 65,536-byte event limit arrives whole, as several
    notices (the room is encrypted, so each is the larger base64 of the encrypted JSON)."""
    await make_rooms(world, encrypted_math=True)
    await world.start_bot()
    assert world.bot is not None
    room = world.rooms["g-math"]
    _, meeting, notice = await _announce_math_notice(world)
    liuyang, zhangwei = await world.person("liuyang"), await world.person("zhangwei")
    world.clock.now = local("2026-03-02T16:00")
    reaction = await liuyang.react(room, notice, "✅")
    await zhangwei.wait_for(
        lambda e: "参加 1，请假 0，不参加 0，未回复 4" in zhangwei.latest_text(room, notice),
        "the yes counted",
    )
    await liuyang.client.redact(RoomID(room), reaction)
    await zhangwei.wait_for(
        lambda e: "参加 0，请假 0，不参加 0，未回复 5" in zhangwei.latest_text(room, notice),
        "the tally back to no answers",
    )
    answers = {r["member"]: r["answer"] for r in (await _export(world))["rsvps"] if r["meeting"] == meeting}
    assert answers == {"liuyang": "unknown"}
    # A reaction taken back after a typed answer leaves the typed answer alone.
    second = await liuyang.react(room, notice, "✅")
    await zhangwei.wait_for(lambda e: "参加 1" in zhangwei.latest_text(room, notice), "the yes again")
    typed = await liuyang.say(room, f"!rsvp {meeting} no")
    await liuyang.wait_for(_ack(str(typed)), "the typed no acknowledged")
    await liuyang.client.redact(RoomID(room), second)
    await liuyang.say(room, "!")
    [hint] = await liuyang.wait_for(bot_says(room, "/help"), "the help hint for a lone !")
    assert "命令" in hint.content.body
    answers = {r["member"]: r["answer"] for r in (await _export(world))["rsvps"] if r["meeting"] == meeting}
    assert answers == {"liuyang": "no"}
    assert "不参加 1" in zhangwei.latest_text(room, notice)

    lines = [f"第{n}行 " + "积分公示栏" * 60 + "📅" * 20 for n in range(80)]  # ~79,000 bytes of body
    long_text = "\n".join(lines)
    assert len(long_text.encode()) > 65_536
    await world.bot.post("g-math", Reply(long_text))
    parts = await zhangwei.wait_for(
        lambda e: (
            isinstance(e, MessageEvent) and e.sender == matrix_id(BOT) and "积分公示栏" in e.content.body
        ),
        "the long post",
        count=3,
    )
    await asyncio.sleep(1.0)  # any further part
    parts = [e for e in zhangwei.bot_posts(room, matrix_id(BOT)) if "积分公示栏" in e.content.body]
    assert "\n".join(e.content.body for e in parts) == long_text
    assert all(e.content.formatted_body for e in parts)
