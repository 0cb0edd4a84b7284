"""The 党委 reads every branch's pages on the web and acts in none (issue 17).

test_school_month's played April (three branches): 王军 sits on the 党委 in no branch; 刘一 is t1's
secretary on the 党委. Over HTTP on both databases, and in Chromium (slow): the pages of a branch
they are not on offer them no form, and a forged form is refused by the services, 403, with the
sentence the chat gives.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from support import ChatDriver, local, meeting_on
from test_school_month import play_april, school  # noqa: F401  (the fixture)
from web_support import PHONE, base_url, http_session, link_for, page_csrf, post_form, web_server

from sanhui_bot.app import App
from sanhui_bot.domain.model import MeetingKind

NOW = local("2026-04-20T09:00")
PAGES = ("me", "meetings?month=2026-04", "tasks", "points", "compliance?month=2026-04", "public")
# Any form that acts in a branch (the sign-out form posts to /logout, not under /b/)
ACTION_FORM = re.compile(r'<form method="post" action="/b/')
ACTION_BUTTONS = tuple(
    f'class="{name}'
    for name in ("rsvp-", "signin", "claim", "done", "rate-", "publish", "approve-leave", "record-attendance")
)


async def _get(session: Any, url: str) -> tuple[int, str]:
    async with session.get(url) as answer:
        return answer.status, await answer.text()


def _state(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "outbox"}


async def test_a_party_committee_member_reads_every_branch_page_with_no_form_and_a_forged_one_is_refused(
    school: App,  # noqa: F811
) -> None:
    chat = await play_april(school)
    meeting = await meeting_on(school, "t2:committee", MeetingKind.COMMITTEE, "2026-04-09")
    before = _state(await chat.export())
    async with web_server(school, lambda: NOW) as server:
        base = base_url(server)
        async with http_session(school, server, "wangjun", NOW) as session:
            status, home = await _get(session, f"{base}/")  # a 党委 member of no branch lands on /school
            assert status == 200 and 'data-period="month"' in home
            for branch in ("t1", "t2", "t3"):  # the school page leads to each branch's pages
                assert f'href="/b/{branch}/meetings"' in home
            for branch in ("t1", "t2"):
                for path in PAGES:
                    status, page = await _get(session, f"{base}/b/{branch}/{path}")
                    assert status == 200, (branch, path, page[:500])
                    assert not ACTION_FORM.search(page), (branch, path)
                    assert not [b for b in ACTION_BUTTONS if b in page], (branch, path)
                    assert 'id="reading-branch"' in page and f'data-branch="{branch}"' in page
            # what they read is the branch's: t2's task, meeting, members, its 公示 missed late
            assert "t2落实听课制度" in (await _get(session, f"{base}/b/t2/tasks"))[1]
            assert (
                f'id="meeting-{meeting.id}"'
                in (await _get(session, f"{base}/b/t2/meetings?month=2026-04"))[1]
            )
            assert 'data-key="qiansi"' in (await _get(session, f"{base}/b/t2/points?month=2026-04"))[1]
            compliance = (await _get(session, f"{base}/b/t2/compliance?month=2026-04"))[1]
            assert f'data-meeting="{meeting.id}"' in compliance and 'id="download-xlsx"' in compliance
            async with session.get(f"{base}/b/t2/export/xlsx?year=2026") as answer:
                assert answer.status == 200 and (await answer.read()).startswith(b"PK")

            # forged forms: refused by the services, 403, as the chat refuses them; nothing changes
            csrf = await page_csrf(session, f"{base}/b/t2/tasks")
            forged = [
                ("t2", "tasks/2/done", {"note": "已落实"}, "/done 2 已落实"),
                ("t2", "tasks/2/claim", {}, "/claim 2"),
                ("t1", "tasks/1/rate", {"rating": "satisfied"}, "/rate 1 满意"),
                ("t2", f"meetings/{meeting.id}/publish", {}, f"/publish {meeting.id}"),
            ]
            for branch, path, form, command in forged:
                status, outcome, shown = await post_form(
                    session, f"{base}/b/{branch}/{path}", {**form, "csrf": csrf, "back": "tasks"}
                )
                assert (status, outcome) == (403, "refused"), (path, shown[:300])
                assert "党委委员" in shown
                assert shown == await chat.say("wangjun", f"{branch}-branch", command, NOW)
        assert _state(await chat.export()) == before

        # 刘一 (t1's secretary, on the 党委): t2 read only, refused as in chat; t1's forms are his
        async with http_session(school, server, "liuyi", NOW) as session:
            status, page = await _get(session, f"{base}/b/t2/tasks")
            assert status == 200 and "t2落实听课制度" in page and not ACTION_FORM.search(page)
            status, own = await _get(session, f"{base}/b/t1/tasks")
            assert status == 200 and 'action="/b/t1/tasks/1/rate"' in own  # the control: he may rate
            csrf = await page_csrf(session, f"{base}/b/t2/tasks")
            status, outcome, shown = await post_form(
                session, f"{base}/b/t2/tasks/2/done", {"note": "已落实", "csrf": csrf, "back": "tasks"}
            )
            assert (status, outcome) == (403, "refused")
            assert shown == await chat.say("liuyi", "t2-branch", "/done 2 已落实", NOW)
        assert _state(await chat.export()) == before

        # 刘四, a member of t1 on no 党委: t2's pages are refused, saying why
        async with http_session(school, server, "liusi", NOW) as session:
            status, refused = await _get(session, f"{base}/b/t2/tasks")
            assert status == 403 and "教工第一党支部" in refused and "t2落实听课制度" not in refused
            assert (await _get(session, f"{base}/school"))[0] == 403


@pytest.mark.slow
@pytest.mark.parametrize("store_backend", ["sqlite"])  # both databases are covered over HTTP above
async def test_a_party_committee_member_sees_no_action_button_in_chromium(
    browser: Any,
    school: App,  # noqa: F811
    screenshots: Any,
) -> None:
    chat: ChatDriver = await play_april(school)
    assert chat is not None
    async with web_server(school, lambda: NOW) as server:
        context = await browser.new_context(viewport=PHONE, locale="zh-CN")
        page = await context.new_page()
        await page.goto(await link_for(school, server, "wangjun", NOW))
        await page.click("#open")
        await page.wait_for_url("**/school")
        await page.click('tr[data-branch="t2"] a.branch-link')
        await page.wait_for_url("**/b/t2/meetings")
        # t2's pages, and t1's, whose finished task 1 anyone in its chats may rate: not the 党委
        for path in (
            "t2/meetings?month=2026-04",
            "t2/tasks",
            "t2/public",
            "t2/points",
            "t1/tasks",
            "t1/public",
        ):
            await page.goto(f"{base_url(server)}/b/{path}")
            assert await page.locator("#reading-branch").count() == 1
            # no form that acts, no button but the filters' and sign-out's
            assert await page.locator('form[method="post"]:not([action="/logout"])').count() == 0, path
            assert (
                await page.locator("main button").count() == await page.locator("form.filters button").count()
            )
        await page.goto(f"{base_url(server)}/b/t2/tasks")
        assert await page.locator("#task-2").count() == 1  # t2's task is there to read
        await page.screenshot(path=str(screenshots / "web-school-reader-tasks.png"))
        # a forged form, posted from the page by script: refused, 403, the chat's sentence
        answer = await page.evaluate(
            """async () => {
                const csrf = document.querySelector('input[name="csrf"]').value;
                const body = new URLSearchParams({csrf, note: "已落实", back: "tasks"});
                const response = await fetch("/b/t2/tasks/2/done", {method: "POST", body});
                return [response.status, await response.text()];
            }"""
        )
        assert answer[0] == 403 and "党委委员" in answer[1]
        await context.close()
