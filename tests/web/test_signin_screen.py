"""The 签到大屏 in a real browser (Debian's headless Chromium via Playwright), issue 18 "What it must
show" 1: the screen shows a code; a member's `/signin N <code>` with it is accepted, the code from two
rotations earlier is refused, a bare `/signin N` is refused with a hint; the screen follows the code
without a reload and then lists the member.

The branch signs in with the code (the product's default). The clock is the test's: the page's
server reads `chat.now`, so moving it moves the code the screen shows.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support import TEST_CONFIG, ChatDriver, local, meeting_on
from test_web_browser import shot
from web_support import PHONE, http_session, link_for, web_server

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import MeetingKind, SignInMethod

pytestmark = pytest.mark.slow

NOW = local("2026-03-05T14:31:00")  # math's 党小组会 (14:30) is in session; a step of 30 s starts here
STEP = timedelta(seconds=30)


@pytest.fixture
def settings() -> Settings:
    config = copy.deepcopy(TEST_CONFIG)
    config.pop("schedule")  # the product's default: every kind signs in with the 签到大屏's code
    return parse_settings(config, "tests")


@pytest.fixture
def store_backend() -> str:
    return "sqlite"  # the checks' storage runs on both databases in tests/test_signin_codes.py


@pytest.fixture
async def server(app: App, chat: ChatDriver) -> AsyncIterator[WebServer]:
    await plan_meetings(app, local("2026-03-01T08:00"))
    chat.now = NOW
    async with web_server(app, lambda: chat.now) as running:
        running.telegram_username = lambda: "SanhuiTestBot"
        yield running


async def math_meeting(app: App) -> int:
    meeting = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-05")
    assert meeting.id is not None
    return meeting.id


async def refusal_text(app: App, code: str, meeting: int) -> str:
    render = await app.conversation.renderer()
    return render.error(DomainError(code, meeting=meeting))


async def test_the_screen_shows_a_code_that_signs_in_and_then_lists_the_member(
    browser: Any, app: App, chat: ChatDriver, server: WebServer, screenshots: Path
) -> None:
    meeting = await math_meeting(app)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran on the page: {dialog.message}"))
    # The secretary's one-time link opens the screen itself, as `/signin screen N` privately gives it.
    await page.goto(f"{await link_for(app, server, 'zhangwei', NOW)}?next=/b/t1/meetings/{meeting}/screen")
    await page.click("#open")
    await page.wait_for_url(f"**/b/t1/meetings/{meeting}/screen")

    first = (await page.text_content("#code") or "").strip()
    assert len(first) == 6 and first.isdigit()
    qr = await page.get_attribute("#qr", "src")
    assert qr is not None and qr.startswith("data:image/svg+xml")
    assert await page.locator("#signed li").count() == 0
    await shot(page, screenshots, "signin-screen")

    # The member types the code the screen shows: accepted, stored as made with the code.
    await chat.say("liuyang", "g-math", f"/signin {meeting} {first}", at=NOW + timedelta(seconds=5))
    async with app.deps.uow() as uow:
        [signed] = await uow.attendance.signins(meeting)
    assert (signed.member, signed.method) == ("liuyang", SignInMethod.CODE)

    # Two rotations later the first code is refused, and so is a bare /signin N (with how to do it).
    later = NOW + 2 * STEP
    old = await chat.say("hema", "g-math", f"/signin {meeting} {first}", at=later)
    assert old == await refusal_text(app, "signin_code_wrong", meeting)
    bare = await chat.say("hema", "g-math", f"/signin {meeting}", at=later)
    assert bare == await refusal_text(app, "signin_needs_code", meeting)
    assert f"/signin {meeting} 482913" in bare and f"/signin screen {meeting}" in bare
    async with app.deps.uow() as uow:
        assert not await uow.attendance.signed_in(meeting, "hema")

    # Without a reload the screen turns to the new code and lists the member who signed in.
    await page.wait_for_function(
        "first => document.getElementById('code').textContent.trim() !== first", arg=first, timeout=10_000
    )
    await page.locator('#signed li[data-key="liuyang"]').wait_for(timeout=10_000)
    assert "刘洋" in (await page.text_content('#signed li[data-key="liuyang"]') or "")
    current = (await page.text_content("#code") or "").strip()
    assert current != first and len(current) == 6

    # The new code works, and the screen lists that member too.
    await chat.say("hema", "g-math", f"/signin {meeting} {current}", at=later + timedelta(seconds=3))
    await page.locator('#signed li[data-key="hema"]').wait_for(timeout=10_000)
    assert await page.text_content("#count") == "2"
    await context.close()


async def test_the_screen_and_its_updates_are_refused_to_whom_may_not_open_it(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    meeting = await math_meeting(app)
    base = server.config.public_url
    for who, allowed in (("liuyang", False), ("zhoumin", False), ("chenjing", True), ("zhaolei", True)):
        async with http_session(app, server, who, NOW) as session:
            async with session.get(f"{base}/b/t1/meetings/{meeting}/screen.json") as answer:
                assert (answer.status == 200) is allowed, who
                state = await answer.json()
            if allowed:
                assert state["state"] == "open" and len(state["code"]) == 6
                assert state["qr"].startswith("data:image/svg+xml")
            else:
                assert "code" not in state
            async with session.get(f"{base}/b/t1/meetings/{meeting}/screen") as answer:
                assert (answer.status == 200) is allowed, who
                assert ('id="code"' in await answer.text()) is allowed


async def test_the_signin_form_on_a_code_meeting_takes_the_code(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    meeting = await math_meeting(app)
    base = server.config.public_url
    async with (
        http_session(app, server, "zhangwei", NOW) as screen,
        screen.get(f"{base}/b/t1/meetings/{meeting}/screen.json") as answer,
    ):
        code = (await answer.json())["code"]
    async with http_session(app, server, "liuyang", NOW) as session:
        async with session.get(f"{base}/b/t1/me") as answer:
            text = await answer.text()
        assert 'name="code"' in text
        csrf = text.split('name="csrf" value="')[1].split('"')[0]
        url = f"{base}/b/t1/meetings/{meeting}/signin"
        async with session.post(url, data={"csrf": csrf, "back": "me"}) as answer:
            assert 'data-outcome="refused"' in await answer.text()
        async with session.post(url, data={"csrf": csrf, "back": "me", "code": code}) as answer:
            assert 'data-outcome="done"' in await answer.text()
    async with app.deps.uow() as uow:
        [signed] = await uow.attendance.signins(meeting)
    assert (signed.member, signed.method) == ("liuyang", SignInMethod.CODE)
