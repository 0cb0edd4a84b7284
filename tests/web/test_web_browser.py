"""The pages in a real browser (Debian's headless Chromium via Playwright) at 390×844: signing in by a
one-time link, every page screenshotted, an RSVP and a sign-in by tapping, a hostile title as text.

SANHUI_WEB_DOCS=1 also writes the screenshots the README shows (docs/web-*.png).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, ChatDriver, local
from web_support import PHONE, link_for, web_server

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.app import App, plan_meetings

pytestmark = pytest.mark.slow

NOW = local("2026-03-05T14:10")  # the math group meets at 14:30; sign-in is open from 14:00
HOSTILE = '<img src=x onerror=alert(1)><script>alert("x")</script>'


@pytest.fixture
def store_backend() -> str:
    return "sqlite"  # the pages' storage is tested on both databases elsewhere; one is enough here


@pytest.fixture
async def server(app: App, chat: ChatDriver) -> AsyncIterator[WebServer]:
    await plan_meetings(app, NOW)
    chat.now = local("2026-02-26T15:00")
    await chat.say("zhangwei", "branch", "/signin " + str(await _meeting(app, "t1", "2026-02-26")))
    chat.now = local("2026-03-02T10:00")
    await chat.say("zhangwei", "branch", f"/decision {HOSTILE} @liuyang 截止:2026-03-20")
    await chat.say("zhangwei", "branch", "/decision 更新党建园地 @xuqiang 截止:2026-03-04 小组:grade10")
    chat.now = NOW
    async with web_server(app, lambda: chat.now) as running:
        yield running


async def _meeting(app: App, unit: str, day: str) -> int:
    async with app.deps.uow() as uow:
        found = await uow.meetings.between([unit], local(f"{day}T00:00"), local(f"{day}T23:59"))
    return found[0].id or 0


async def open_as(browser: Any, app: App, server: WebServer, who: str) -> Any:
    """A phone-sized page signed in as `who` through a one-time link, as `/web` gives it."""
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()

    async def no_dialogs(dialog: Any) -> None:
        raise AssertionError(f"a script ran on the page: {dialog.message}")

    page.on("dialog", no_dialogs)
    await page.goto(await link_for(app, server, who, NOW))
    await page.click("#open")
    await page.wait_for_url("**/b/t1/me")
    return page


async def shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"web-{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 5000
    if os.environ.get("SANHUI_WEB_DOCS") == "1":
        shutil.copy(path, ROOT / "docs" / path.name)


async def test_member_signs_in_answers_and_reads_every_page(
    browser: Any, app: App, chat: ChatDriver, server: WebServer, screenshots: Path
) -> None:
    page = await open_as(browser, app, server, "liuyang")
    today = await _meeting(app, "math", "2026-03-05")
    later = await _meeting(app, "math", "2026-03-19")
    await shot(page, screenshots, "me")

    # Sign in to today's group meeting by tapping, then answer the next one.
    await page.click(f"#meeting-{today} button.signin")
    assert await page.get_attribute("#flash", "data-outcome") == "done"
    await page.goto(f"{server.config.public_url}/b/t1/meetings?month=2026-03")
    await page.click(f"#meeting-{later} button.rsvp-yes")
    assert await page.get_attribute("#flash", "data-outcome") == "done"
    assert await page.get_attribute(f"#meeting-{later} .my-answer", "data-answer") == "yes"
    assert await page.get_attribute(f"#meeting-{later} .tally", "data-yes") == "1"
    await shot(page, screenshots, "meetings")
    async with app.deps.uow() as uow:
        assert await uow.attendance.signed_in(today, "liuyang")

    # The hostile title is shown as the text it is, and no script of it ran (dialogs fail the test).
    await page.goto(f"{server.config.public_url}/b/t1/tasks")
    assert await page.text_content("#task-1 .title") == HOSTILE
    assert await page.locator("#task-1 img").count() == 0
    await shot(page, screenshots, "tasks")

    await page.goto(f"{server.config.public_url}/b/t1/points?month=2026-03")
    assert await page.locator("table.entries tr").count() == 2  # the header and the sign-in's +2
    await shot(page, screenshots, "points")
    await page.goto(f"{server.config.public_url}/b/t1/public")
    await shot(page, screenshots, "public")


async def test_secretary_sees_compliance_and_downloads_the_workbook(
    browser: Any, app: App, server: WebServer, screenshots: Path
) -> None:
    page = await open_as(browser, app, server, "zhangwei")
    await page.goto(f"{server.config.public_url}/b/t1/compliance?month=2026-03")
    congress = page.locator('section[data-period="quarter"] tr[data-kind="congress"]')
    assert await congress.locator(".held").text_content() == "1"
    # The congress of 2 月 26 日 holds a decision: its 决议清单 was due by 3 月 2 日 and is not out.
    congress_id = await _meeting(app, "t1", "2026-02-26")
    assert (
        await page.locator(f'section[data-period="quarter"] .misses li[data-meeting="{congress_id}"]').count()
        == 1
    )
    await shot(page, screenshots, "compliance")
    async with page.expect_download() as download_info:
        await page.click("#download-xlsx")
    download = await download_info.value
    assert download.suggested_filename == "台账-2026.xlsx"
    await page.goto(f"{server.config.public_url}/b/t1/meetings?month=2026-02")
    present = page.locator(f"#meeting-{congress_id} dd.present .name")
    assert await present.evaluate_all("nodes => nodes.map(n => n.dataset.key)") == ["zhangwei"]

    # The secretary records attendance on the page: 李华 was there, 刘洋 was on sick leave.
    section = page.locator(f"#meeting-{congress_id}")
    await section.locator("details.record summary").click()
    await section.locator('select[name="mark:lihua"]').select_option("present")
    await section.locator('select[name="mark:liuyang"]').select_option("leave")
    await section.locator('select[name="type:liuyang"]').select_option("sick")
    await section.locator('input[name="reason:liuyang"]').fill("发烧")
    await section.locator("button.record-attendance").click()
    assert await page.get_attribute("#flash", "data-outcome") == "done", await page.text_content("#flash")
    present = page.locator(f"#meeting-{congress_id} dd.present .name")
    assert sorted(await present.evaluate_all("nodes => nodes.map(n => n.dataset.key)")) == [
        "lihua",
        "zhangwei",
    ]
    leave = page.locator(f"#meeting-{congress_id} dd.on-leave .name")
    assert await leave.evaluate_all("nodes => nodes.map(n => n.dataset.key)") == ["liuyang"]
    await shot(page, screenshots, "minutes")
