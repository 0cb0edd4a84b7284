"""The web view's school page: `/report school`'s month, quarter and year for 党委 members only.

Over HTTP on both databases, and in Chromium (slow). The figures are test_reports' hand-counted
quarter (as test_school checks them for `/report school`): 4 of 23 meetings held in Q1, 公示 1 late
and 1 never, 16 of 26 signed in (62%), tasks 2 done, 2 open, 2 overdue.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from support import ChatDriver, local
from test_reports import AFTER_QUARTER, build_quarter
from test_school import school_app  # noqa: F401  (TEST_CONFIG with a 党委; 刘洋 sits on it)
from web_support import PHONE, base_url, http_session, link_for, web_server

from sanhui_bot.app import App


def _row(page: str, period: str) -> str:
    """The t1 row of the school table for a period (month, quarter, year)."""
    section = page.split(f'data-period="{period}"', 1)[1].split("</section>", 1)[0]
    found = re.search(r'<tr data-branch="t1"[^>]*>(.*?)</tr>', section, re.S)
    assert found, section
    return found[1]


def _cell(row: str, name: str) -> str:
    found = re.search(rf'class="[^"]*\b{name}">([^<]*)<', row)
    assert found, row
    return found[1].strip()


async def test_school_page_shows_the_school_report_to_party_committee_members_only(
    school_app: App,  # noqa: F811
) -> None:
    chat = ChatDriver(school_app, local("2026-03-01T09:00"))
    await build_quarter(school_app, chat)
    async with web_server(school_app, lambda: AFTER_QUARTER) as server:
        url = f"{base_url(server)}/school?month=2026-03"
        async with http_session(school_app, server, "liuyang", AFTER_QUARTER) as session:
            async with session.get(url) as answer:
                assert answer.status == 200
                page = await answer.text()
            async with session.get(f"{base_url(server)}/b/t1/me") as answer:
                assert 'id="nav-school"' in await answer.text()  # the nav leads there
        quarter = _row(page, "quarter")
        assert _cell(quarter, "meetings") == "4/23"
        assert (_cell(quarter, "late"), _cell(quarter, "never")) == ("1", "1")
        assert _cell(quarter, "rate") == "62%"
        assert (_cell(quarter, "done"), _cell(quarter, "open"), _cell(quarter, "overdue")) == ("2", "2", "2")
        assert "需要关注" in page and "教工第一党支部" in page and "实验中学党委" in page
        month = _row(page, "month")
        assert _cell(month, "never") == "1"  # March: the math meeting's 决议清单 never published

        # the secretary of t1 sits on no 党委: refused, as in chat, and no link to it
        async with http_session(school_app, server, "zhangwei", AFTER_QUARTER) as session:
            async with session.get(url) as answer:
                assert answer.status == 403 and "党委委员" in await answer.text()
            async with session.get(f"{base_url(server)}/b/t1/me") as answer:
                assert 'id="nav-school"' not in await answer.text()


@pytest.mark.slow
@pytest.mark.parametrize("store_backend", ["sqlite"])  # both databases are covered over HTTP above
async def test_school_page_in_chromium(
    browser: Any,
    school_app: App,  # noqa: F811
    screenshots: Any,
) -> None:
    chat = ChatDriver(school_app, local("2026-03-01T09:00"))
    await build_quarter(school_app, chat)
    async with web_server(school_app, lambda: AFTER_QUARTER) as server:
        context = await browser.new_context(viewport=PHONE, locale="zh-CN")
        page = await context.new_page()
        await page.goto(await link_for(school_app, server, "liuyang", AFTER_QUARTER))
        await page.click("#open")
        await page.wait_for_url("**/b/t1/me")
        await page.click("#nav-school")
        await page.wait_for_url("**/school")  # April's, the month it is: pick March
        await page.fill('input[name="month"]', "2026-03")
        await page.click("form.filters button")
        await page.wait_for_url("**/school?month=2026-03")
        quarter = page.locator('section[data-period="quarter"] tr[data-branch="t1"]')
        assert (await quarter.locator("td.meetings").inner_text()).strip() == "4/23"
        assert (await quarter.locator("td.overdue").inner_text()).strip() == "2"
        assert "需要关注" in await page.locator('section[data-period="quarter"] p.attention').inner_text()
        await page.screenshot(path=str(screenshots / "web-school.png"))
        await context.close()
