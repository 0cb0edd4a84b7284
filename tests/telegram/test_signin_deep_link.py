"""The 签到大屏's QR code over the Telegram Bot API emulator (issue 18): it opens the bot privately with
`/start signin_<meeting>_<code>`, which signs in as `/signin N <code>` does; an old code, another
meeting's code and someone off the roster are refused, and nothing is written for them.

The branch signs in with the code (the product's default); math's 党小组会 of 2026-03-05 14:30.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from emulator import BotApiEmulator, user
from tg_support import TEST_CONFIG, Clock, Settle, local, settings_with

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import MeetingKind, SignInMethod
from sanhui_bot.domain.signin_codes import deep_link_payload, shown_code
from sanhui_bot.services import signin_codes

LIUYANG = user(10009, "洋", "刘")
HEMA = user(10011, "马", "何")
STRANGER = user(20001, "Teacher", "Wang")
NOW = local("2026-03-05T14:31:00")
STEP = 30


@pytest.fixture
def settings(emulator: BotApiEmulator) -> Settings:
    config = copy.deepcopy(TEST_CONFIG)
    config.pop("schedule")  # every kind signs in with the 签到大屏's code
    return settings_with(emulator, config)


async def codes(app: App, clock: Clock) -> tuple[int, int, bytes]:
    """Math's meetings of 03-05 and 03-19, and the deployment's code secret."""
    await plan_meetings(app, clock.now)
    async with app.deps.uow() as uow:
        found = await uow.meetings.between(["math"], local("2026-03-05T00:00"), local("2026-03-20T00:00"))
        secret = await signin_codes.code_secret(uow)
        await uow.commit()
    first, second = [m.id or 0 for m in found if m.kind is MeetingKind.GROUP]
    return first, second, secret


async def test_the_qr_codes_deep_link_signs_in_and_old_or_foreign_codes_do_not(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    clock.now = NOW
    meeting, other, secret = await codes(app, clock)
    render = await app.conversation.renderer()
    for person in (LIUYANG, HEMA, STRANGER):
        emulator.private(person)

    # 刘洋 scans the screen: Telegram opens the bot with the start parameter, and he is signed in.
    code = shown_code(secret, meeting, NOW, STEP).code
    emulator.say(LIUYANG["id"], LIUYANG, f"/start {deep_link_payload(meeting, code)}")
    await settled()
    (answer,) = emulator.bot_messages(LIUYANG["id"])
    assert f"#{meeting}" in answer["text"] and "刘洋" in answer["text"] and "+2" in answer["text"]
    async with app.deps.uow() as uow:
        [signed] = await uow.attendance.signins(meeting)
    assert (signed.member, signed.method) == ("liuyang", SignInMethod.CODE)

    # 何马 scans a photo of the screen taken two rotations ago, then the code of another meeting.
    clock.now = NOW + timedelta(seconds=2 * STEP)
    emulator.say(HEMA["id"], HEMA, f"/start {deep_link_payload(meeting, code)}")
    await settled()
    foreign = shown_code(secret, other, clock.now, STEP).code
    emulator.say(HEMA["id"], HEMA, f"/start {deep_link_payload(meeting, foreign)}")
    await settled()
    old, cross = (m["text"] for m in emulator.bot_messages(HEMA["id"]))
    wrong = render.error(DomainError("signin_code_wrong", meeting=meeting))
    assert old == wrong and cross == wrong
    # Typed privately, the current code works as the link does.
    current = shown_code(secret, meeting, clock.now, STEP).code
    emulator.say(HEMA["id"], HEMA, f"/signin {meeting} {current}")
    await settled()
    assert "何马" in emulator.bot_messages(HEMA["id"])[-1]["text"]

    # Someone off the roster gets the refusal, not a sign-in.
    emulator.say(STRANGER["id"], STRANGER, f"/start {deep_link_payload(meeting, current)}")
    await settled()
    assert "/join" in emulator.bot_messages(STRANGER["id"])[-1]["text"]
    async with app.deps.uow() as uow:
        assert [s.member for s in await uow.attendance.signins(meeting)] == ["liuyang", "hema"]
        assert await uow.attendance.signins(other) == []
