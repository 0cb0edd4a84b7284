"""`/export xlsx` never holds up other chats (issue 15, "District month-end").

A year's workbook takes its time to write. It is written on a worker thread, and the Telegram
adapter handles an /export beside the updates after it (PTB otherwise handles one update at a
time), so a member's /rsvp in another chat is answered while the workbook is still being written.
Shown by order, not by time: the workbook's writer is held until the /rsvp has been answered.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from emulator import BotApiEmulator, user
from tg_support import BRANCH, MATH, Clock, Settle

import sanhui_bot.exports.files as export_files
from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import MeetingKind

ZHANGWEI = user(10001, "伟", "张")  # secretary
LIUYANG = user(10009, "洋", "刘")  # member, math group
HELD_AT_MOST = 15.0  # seconds the writer waits to be let go (a frozen loop would never let it go)


async def until(check: Callable[[], bool], what: str, limit: float = 10.0) -> None:
    async def polled() -> None:
        while not check():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(polled(), limit)
    except TimeoutError:
        pytest.fail(f"waited {limit:.0f} s for {what}")


def replies_to(emulator: BotApiEmulator, chat_id: int, message_id: int) -> list[dict[str, Any]]:
    return [m for m in emulator.bot_messages(chat_id) if m.get("reply_to_message_id") == message_id]


def documents(emulator: BotApiEmulator, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in emulator.bot_messages(chat_id) if "document" in m]


async def test_an_rsvp_in_another_chat_is_answered_while_the_workbook_is_written(
    app: App,
    telegram: TelegramPlatform,
    emulator: BotApiEmulator,
    settled: Settle,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await plan_meetings(app, clock.now)
    async with app.deps.uow() as uow:
        meetings = await uow.meetings.list("t1")
    math_meeting = next(
        m for m in meetings if m.unit == "math" and m.kind is MeetingKind.GROUP and m.starts_at > clock.now
    )

    release = threading.Event()
    writing: list[int] = []  # the thread that writes the workbook
    written: list[bool] = []  # once the writer is done: whether it was let go (not timed out)
    write = export_files.ledger_files

    def held_writer(*args: Any) -> Any:
        writing.append(threading.get_ident())
        written.append(release.wait(HELD_AT_MOST))
        return write(*args)

    monkeypatch.setattr(export_files, "ledger_files", held_writer)
    loop_thread = threading.get_ident()

    export = emulator.say(BRANCH, ZHANGWEI, "/export xlsx")["message"]
    await until(lambda: bool(writing), "the workbook to be started")
    rsvp = emulator.say(MATH, LIUYANG, f"/rsvp {math_meeting.id} yes")["message"]
    await until(lambda: bool(replies_to(emulator, MATH, rsvp["message_id"])), "the /rsvp's answer")

    assert written == []  # the answer came while the workbook was still being written
    assert replies_to(emulator, BRANCH, export["message_id"]) == []
    assert documents(emulator, BRANCH) == []
    release.set()
    await until(lambda: bool(documents(emulator, BRANCH)), "the export's files")
    await settled()

    assert written == [True]
    assert writing[0] != loop_thread  # written on a worker thread, not the event loop's
    assert len(replies_to(emulator, BRANCH, export["message_id"])) == 1  # the line that comes with it
    [workbook] = documents(emulator, BRANCH)
    assert workbook["document"]["file_name"].endswith(".xlsx")
    assert workbook["upload"]["data"][:2] == b"PK"  # a zip container, as every .xlsx is
    async with app.deps.uow() as uow:
        rsvps = await uow.attendance.rsvps()
    assert any(r.meeting_id == math_meeting.id and r.member == "liuyang" for r in rsvps)
