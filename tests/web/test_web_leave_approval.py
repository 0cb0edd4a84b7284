"""Leave approval on the meetings page (issue 18): the approvers see the pending requests with 批准 /
不批准, which go through the same service as `/leave approve|refuse` (Conversation.perform, CSRF as
every form); nobody else sees them, and anyone else posting the form is refused as in the chat.
"""

from __future__ import annotations

import pytest
from support import ChatDriver, local, meeting_on
from web_support import base_url, http_session, page_csrf, post_form, web_server

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import MeetingKind

NOW = local("2026-02-24T11:00")


async def congress_with_requests(app: App, chat: ChatDriver) -> int:
    """The congress of 2026-02-26 (its leave waits for the 书记), liuyang and hema asking leave."""
    await plan_meetings(app, local("2026-02-01T08:00"))
    meeting = (await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-02-26")).id or 0
    for member in ("liuyang", "hema"):
        await chat.say(member, "branch", f"/rsvp {meeting} 请假 事假 外出培训", at=local("2026-02-24T10:00"))
    chat.now = NOW
    return meeting


async def meetings_page(app: App, chat: ChatDriver, viewer: str) -> str:
    """The meetings page of February 2026 as `viewer` sees it."""
    async with (
        web_server(app, lambda: chat.now) as server,
        http_session(app, server, viewer, NOW) as session,
        session.get(f"{base_url(server)}/b/t1/meetings?month=2026-02") as answer,
    ):
        return await answer.text()


def leave_of(data: dict, meeting: int, member: str) -> tuple[str, str | None, str | None]:
    [row] = [r for r in data["rsvps"] if r["meeting"] == meeting and r["member"] == member]
    return row["leave_state"], row["decided_by"], row["decision_reason"]


@pytest.mark.parametrize("viewer", ["zhangwei", "wangfang"])
async def test_the_approvers_see_the_pending_requests_on_the_meetings_page(
    app: App, chat: ChatDriver, viewer: str
) -> None:
    meeting = await congress_with_requests(app, chat)
    page = await meetings_page(app, chat, viewer)
    section = page[page.index(f'id="meeting-{meeting}"') :]
    assert 'class="pending-leave"' in section
    assert 'data-key="liuyang"' in section and 'data-key="hema"' in section
    assert f"/b/t1/meetings/{meeting}/leave" in section


@pytest.mark.parametrize("viewer", ["lihua", "chenjing", "liuyang"])
async def test_nobody_else_sees_them(app: App, chat: ChatDriver, viewer: str) -> None:
    await congress_with_requests(app, chat)
    page = await meetings_page(app, chat, viewer)
    assert "pending-leave" not in page and "/leave" not in page


async def test_the_page_decides_as_the_chat_does_and_refuses_as_the_chat_does(
    app: App, chat: ChatDriver
) -> None:
    meeting = await congress_with_requests(app, chat)
    base_path = f"/b/t1/meetings/{meeting}/leave"
    async with web_server(app, lambda: chat.now) as server:
        base = base_url(server)
        # a 支委 who is no approver: refused with the chat's sentence, nothing decided
        async with http_session(app, server, "lihua", NOW) as session:
            csrf = await page_csrf(session, f"{base}/b/t1/public")
            form = {"member": "liuyang", "decision": "approve", "csrf": csrf, "back": "public"}
            status, outcome, shown = await post_form(session, base + base_path, form)
        assert (status, outcome) == (403, "refused"), shown[:300]  # no right to it: 403
        assert shown == await chat.say("lihua", "branch", f"/leave approve {meeting} @liuyang")
        assert leave_of(await chat.export(), meeting, "liuyang") == ("pending", None, None)
        # without the form's CSRF token nothing happens at all
        async with (
            http_session(app, server, "wangfang", NOW) as session,
            session.post(base + base_path, data={"member": "liuyang", "decision": "approve"}) as answer,
        ):
            assert answer.status == 403
        assert leave_of(await chat.export(), meeting, "liuyang") == ("pending", None, None)
        # the 副书记 approves one, the 书记 refuses the other with a reason
        async with http_session(app, server, "wangfang", NOW) as session:
            csrf = await page_csrf(session, f"{base}/b/t1/meetings?month=2026-02")
            form = {"member": "liuyang", "decision": "approve", "csrf": csrf, "back": "meetings:2026-02"}
            status, outcome, shown = await post_form(session, base + base_path, form)
        assert (status, outcome) == (200, "done"), shown[:300]
        assert "已批准" in shown and "刘洋" in shown
        async with http_session(app, server, "zhangwei", NOW) as session:
            csrf = await page_csrf(session, f"{base}/b/t1/meetings?month=2026-02")
            form = {
                "member": "hema",
                "decision": "refuse",
                "reason": "大会要表决",
                "csrf": csrf,
                "back": "public",
            }
            status, outcome, shown = await post_form(session, base + base_path, form)
        assert (status, outcome) == (200, "done"), shown[:300]
    data = await chat.export()
    assert leave_of(data, meeting, "liuyang") == ("approved", "wangfang", "")
    assert leave_of(data, meeting, "hema") == ("refused", "zhangwei", "大会要表决")


async def test_a_member_sees_the_own_request_as_pending_then_as_decided(app: App, chat: ChatDriver) -> None:
    """A request not (yet) granted is not 请假 (DESIGN §2): the member's own line says 待批, then 不批准."""
    meeting = await congress_with_requests(app, chat)

    def standing(page: str) -> str | None:
        section = page[page.index(f'id="meeting-{meeting}"') :]
        section = section[: section.index("</section>")]
        marker = 'class="leave-state" data-leave="'
        return section[section.index(marker) + len(marker) :].split('"', 1)[0] if marker in section else None

    assert standing(await meetings_page(app, chat, "liuyang")) == "pending"
    await chat.say("zhangwei", "branch", f"/leave refuse {meeting} @liuyang 培训可调")
    await chat.say("zhangwei", "branch", f"/leave approve {meeting} @hema")
    assert standing(await meetings_page(app, chat, "liuyang")) == "refused"
    assert standing(await meetings_page(app, chat, "hema")) is None  # approved: 请假, nothing to add
