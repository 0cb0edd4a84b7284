"""The web view over HTTP on loopback: signing in by one-time link, the pages, escaping, other branches.

Runs on SQLite and PostgreSQL (the `app` fixture), with a fixed clock; the browser tests are apart.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from support import TEST_CONFIG, ChatDriver, local
from web_support import base_url, http_session, link_for, web_server

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.config import Settings, parse_settings

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NOW = local("2026-03-02T09:00")


def two_branches() -> dict[str, Any]:
    """The test branch and a second one, t2, whose pages and ids t1's members must not reach."""
    config = copy.deepcopy(TEST_CONFIG)
    config["chats"]["t2-branch"] = {"telegram": -2001}
    config["chats"]["t2-committee"] = {"telegram": -2002}
    config["branches"].append(
        {
            "key": "t2",
            "name": "教工第二党支部",
            "chat": "t2-branch",
            "committee_chat": "t2-committee",
            "groups": [],
        }
    )
    config["members"].append(
        {"key": "qianwu", "name": "钱五", "branch": "t2", "roles": ["secretary"], "telegram": 20001}
    )
    return config


@pytest.fixture
def settings() -> Settings:
    return parse_settings(two_branches(), "tests")


@pytest.fixture
async def server(app: App, chat: ChatDriver) -> AsyncIterator[WebServer]:
    await plan_meetings(app, NOW)
    chat.now = NOW
    async with web_server(app, lambda: chat.now) as running:
        yield running


async def text_of(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as answer:
        return answer.status, await answer.text()


async def test_pages_need_a_session_and_a_link_opens_one_once(app: App, server: WebServer) -> None:
    base = base_url(server)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as anonymous:
        status, _ = await text_of(anonymous, f"{base}/b/t1/meetings")
        assert status == 401
        link = await link_for(app, server, "liuyang", NOW)
        # Opening the link (a GET, as a chat client's preview does) does not use it up.
        assert (await text_of(anonymous, link))[0] == 200
        async with anonymous.post(link, allow_redirects=False) as answer:
            assert answer.status == 303 and answer.headers["Location"] == "/b/t1/me"
            cookie = answer.cookies["sanhui_session"]
            assert cookie["httponly"] and cookie["samesite"] == "Lax"
        status, page = await text_of(anonymous, f"{base}/b/t1/me")
        assert status == 200 and 'data-member="liuyang"' in page
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other,
        other.post(link, allow_redirects=False) as answer,
    ):
        assert answer.status == 401 and "sanhui_session" not in answer.cookies


async def test_a_link_expires_and_a_session_ends_when_revoked(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    base = base_url(server)
    link = await link_for(app, server, "liuyang", NOW)
    chat.now = local("2026-03-02T09:11")  # links last 10 minutes
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as late,
        late.post(link, allow_redirects=False) as answer,
    ):
        assert answer.status == 401
    chat.now = NOW
    async with http_session(app, server, "liuyang", NOW) as session:
        status, page = await text_of(session, f"{base}/b/t1/me")
        assert status == 200
        token = next(cookie.value for cookie in session.cookie_jar if cookie.key == "sanhui_session")
        cookie = {"Cookie": f"sanhui_session={token}"}
        async with aiohttp.ClientSession(headers=cookie) as same:
            assert (await text_of(same, f"{base}/b/t1/me"))[0] == 200
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        async with session.post(f"{base}/logout", data={"csrf": csrf}, allow_redirects=False) as answer:
            assert answer.status == 303
    # The cookie a browser may still hold opens nothing now.
    async with aiohttp.ClientSession(headers=cookie) as stale:
        assert (await text_of(stale, f"{base}/b/t1/me"))[0] == 401


async def test_session_lapses_after_its_lifetime(app: App, chat: ChatDriver, server: WebServer) -> None:
    async with http_session(app, server, "liuyang", NOW) as session:
        chat.now = local("2026-03-02T21:01")  # sessions last 720 minutes
        assert (await text_of(session, f"{base_url(server)}/b/t1/me"))[0] == 401


async def test_member_reads_every_page_and_a_hostile_title_shows_as_text(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    await chat.say("zhangwei", "branch", f"/decision {HOSTILE} @liuyang 截止:2026-03-20", at=NOW)
    base = base_url(server)
    async with http_session(app, server, "liuyang", NOW) as session:
        for path in ("me", "meetings?month=2026-03", "tasks", "points", "public"):
            status, page = await text_of(session, f"{base}/b/t1/{path}")
            assert status == 200, (path, page[:500])
        status, board = await text_of(session, f"{base}/b/t1/tasks")
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in board
        assert HOSTILE not in board and "<script>alert" not in board
        status, meetings = await text_of(session, f"{base}/b/t1/meetings?month=2026-03")
        assert 'id="meeting-' in meetings and "数学党小组" in meetings
        # /report is for the committee: a member is refused as in chat.
        status, refused = await text_of(session, f"{base}/b/t1/compliance")
        assert status == 403 and "查看报告" in refused


async def test_another_branch_is_refused_and_its_ids_answer_404(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    base = base_url(server)
    async with app.deps.uow() as uow:
        theirs = (await uow.meetings.list("t2"))[0]
    async with http_session(app, server, "liuyang", NOW) as session:
        # a member of t1 (on no 党委) asking for t2's pages: refused, saying whose pages are theirs
        for path in ("meetings", "tasks", "points", "compliance", "public", "me"):
            status, refused = await text_of(session, f"{base}/b/t2/{path}")
            assert status == 403, (path, refused[:300])
            assert "教工第一党支部" in refused and "党委委员" in refused
            assert 'action="/b/t2/' not in refused  # no form of t2's
        assert (await text_of(session, f"{base}/b/t9/meetings"))[0] == 404
        page = (await text_of(session, f"{base}/b/t1/me"))[1]
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": csrf, "answer": "yes", "back": "me"}
        async with session.post(f"{base}/b/t1/meetings/{theirs.id}/rsvp", data=form) as answer:
            assert answer.status == 404
        async with session.post(f"{base}/b/t1/tasks/999/done", data={"csrf": csrf}) as answer:
            assert answer.status == 404


async def test_a_form_without_its_token_changes_nothing(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    base = base_url(server)
    meeting = await _math_meeting(app)
    async with http_session(app, server, "liuyang", NOW) as session:
        for forged in ({}, {"csrf": "0" * 64}):
            async with session.post(
                f"{base}/b/t1/meetings/{meeting}/rsvp", data={**forged, "answer": "yes"}
            ) as answer:
                assert answer.status == 403
    async with app.deps.uow() as uow:
        assert await uow.attendance.answers(meeting) == {}


async def _math_meeting(app: App) -> int:
    async with app.deps.uow() as uow:
        found = await uow.meetings.between(["math"], NOW, local("2026-03-31T00:00"))
    return found[0].id or 0


async def test_web_command_gives_a_link_only_where_nobody_else_reads_it(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    from datetime import timedelta

    from sanhui_bot.adapters.conversation import Incoming, WebEntry

    app.conversation.web = WebEntry(base_url(server), timedelta(minutes=10))
    reply = await chat.say("liuyang", "branch", "/web", at=NOW)  # the console: one person at a terminal
    link = reply[reply.index("http") :].split()[0]
    assert link.startswith(f"{base_url(server)}/link/")
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser,
        browser.post(link, allow_redirects=False) as answer,
    ):
        assert answer.headers["Location"] == "/b/t1/me"
    in_group = Incoming("telegram", "10009", "branch", "-1001", "/web")
    [refused] = await app.conversation.handle_text(in_group, NOW)
    assert "/link/" not in refused.text and "/web" in refused.text
    private = Incoming("telegram", "10009", None, "10009", "/网页")
    [given] = await app.conversation.handle_text(private, NOW)
    assert f"{base_url(server)}/link/" in given.text


async def test_compliance_page_says_calendar_unknown_never_all_on_time(
    app: App, chat: ChatDriver, server: WebServer
) -> None:
    """A year chinesecalendar lacks (2027) is "工作日历未知" on the page, as in /report (issue 12, item 7)."""
    assert 2027 not in app.deps.calendar.years()
    base = base_url(server)
    chat.now = local("2027-01-20T09:00")
    async with http_session(app, server, "zhangwei", chat.now) as session:
        status, page = await text_of(session, f"{base}/b/t1/compliance?month=2027-01")
        assert status == 200, page[:500]
        assert "工作日历未知（2027年）" in page and "全部按时公示" not in page
        status, page = await text_of(session, f"{base}/b/t1/compliance?month=2026-03")
        assert "工作日历未知" not in page and "全部按时公示" in page
