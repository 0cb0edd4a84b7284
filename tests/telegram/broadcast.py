"""A month-end 积分公示栏 to many chats through the real outbox, Announcer and TelegramPlatform.

Shared by tests/telegram/test_broadcast.py (scaled-down limits, quick) and
bench/telegram_broadcast.py (Telegram's real limits, timed).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from emulator import BotApiEmulator
from tg_support import TEST_CONFIG, TOKEN, Clock, local

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import open_app
from sanhui_bot.config import parse_settings
from sanhui_bot.scheduler.announcer import Announcer

MONTH_END = "2026-03-31T18:00"
FIRST_CHAT_ID = -1_002_000_000


def many_chats_config(chats: int, telegram: dict[str, Any]) -> dict[str, Any]:
    """One branch whose units have `chats` chats in all: the branch, its committee, and groups."""
    if chats < 3:
        raise ValueError("a branch has at least its own chat, its committee's and one group's")
    keys = ["branch", "committee", *(f"g{number:03d}" for number in range(1, chats - 1))]
    members = [dict(member) for member in TEST_CONFIG["members"]]
    for member in members:
        member["group"] = "grp001"
    members += [
        {
            "key": f"leader{n:03d}",
            "name": f"组长{n}",
            "branch": "t1",
            "group": f"grp{n:03d}",
            "roles": ["group_leader"],
            "telegram": 30_000 + n,
        }
        for n in range(2, chats - 1)
    ]  # every 党小组 has its leader
    return {
        "timezone": "Asia/Shanghai",
        "language": "zh-CN",
        "chats": {key: {"telegram": FIRST_CHAT_ID - index} for index, key in enumerate(keys)},
        "branches": [
            {
                "key": "t1",
                "name": "教工第一党支部",
                "chat": "branch",
                "committee_chat": "committee",
                "groups": [
                    {"key": f"grp{key[1:]}", "name": f"第{key[1:]}党小组", "kind": "subject", "chat": key}
                    for key in keys[2:]
                ],
            }
        ],
        "members": members,
        "telegram": telegram,
    }


@dataclass
class BroadcastResult:
    chats: int
    seconds: float  # from the first send to the last delivery
    rounds: int  # deliver() passes needed (more than 1 when sends failed and were retried)
    per_chat: dict[int, int]  # chat id -> summaries the emulator holds
    unsent_rows: int


async def month_end_broadcast(
    emulator: BotApiEmulator, chats: int, db_path: Path, telegram: dict[str, Any]
) -> BroadcastResult:
    """Plan the month-end posts for `chats` chats and deliver them until none is left unsent."""
    for index in range(chats):
        emulator.group(FIRST_CHAT_ID - index)
    settings = parse_settings(many_chats_config(chats, telegram), "broadcast")
    app = await open_app(settings, db_path)
    clock = Clock(local("2026-03-31T17:00"))
    platform = TelegramPlatform(settings.telegram, TOKEN, app.conversation, clock=clock)
    await platform.start()
    try:
        announcer = Announcer(app.deps, settings.language, [platform])
        await announcer.start(clock.now)
        clock.now = local(MONTH_END)
        planned = await announcer.plan(clock.now)
        assert planned == chats, f"planned {planned} month-end posts for {chats} chats"
        loop = asyncio.get_running_loop()
        started = loop.time()
        rounds = 0
        while True:
            rounds += 1
            await announcer.deliver(clock.now)
            async with app.deps.uow() as uow:
                unsent = [row for row in await uow.outbox.list() if row.sent_at is None]
            if not unsent or rounds >= 50:
                break
            clock.now += timedelta(minutes=15)  # past the outbox's longest retry pause
        seconds = loop.time() - started
    finally:
        await platform.stop()
        await app.close()
    per_chat = {
        FIRST_CHAT_ID - index: sum(
            "2026年3月" in (m.get("text") or m.get("caption") or "")
            for m in emulator.bot_messages(FIRST_CHAT_ID - index)
        )
        for index in range(chats)
    }
    return BroadcastResult(chats, seconds, rounds, per_chat, len(unsent))
