"""Must-show 2: every action on the page is refused for each role that may not take it, exactly as the
chat command is (the same sentence), and the refusal changes nothing.

Each case posts the page's form over HTTP, then sends the equivalent command in the branch chat as the
same person at the same moment, and compares the two answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from support import ChatDriver, local
from web_support import base_url, http_session, page_csrf, post_form, web_server

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.app import App, plan_meetings

NOW = local("2026-03-02T09:00")


@pytest.fixture
async def scene(app: App, chat: ChatDriver) -> AsyncIterator[tuple[WebServer, dict[str, int]]]:
    """Task 1 open (owner 刘洋), task 2 done by its owner 刘洋, and the math group's meeting of 3 月 5 日."""
    await plan_meetings(app, NOW)
    chat.now = NOW
    await chat.say("zhangwei", "branch", "/decision 整理教研资料 @liuyang 截止:2026-03-20")
    await chat.say("zhangwei", "branch", "/decision 更新党建园地 @liuyang 截止:2026-03-25")
    await chat.say("chenjing", "branch", "/claim 2 math")
    await chat.say("liuyang", "branch", "/done 2 已更新")
    assert [t["status"] for t in (await chat.export())["tasks"]] == ["open", "done"]
    async with app.deps.uow() as uow:
        [math] = [m for m in await uow.meetings.between(["math"], NOW, local("2026-03-06T00:00"))]
    async with web_server(app, lambda: chat.now) as server:
        yield server, {"math_meeting": math.id or 0}


# (who, path under /b/t1/, form, the chat command) — {m} is the math group's meeting.
REFUSALS: list[tuple[str, str, dict[str, str], str]] = [
    # RSVP and leave: anyone off the roster; a member not expected at the meeting.
    ("guest", "meetings/{m}/rsvp", {"answer": "yes"}, "/rsvp {m} yes"),
    ("xuqiang", "meetings/{m}/rsvp", {"answer": "yes"}, "/rsvp {m} yes"),
    (
        "xuqiang",
        "meetings/{m}/rsvp",
        {"answer": "leave", "leave_type": "sick", "reason": "发烧"},
        "/rsvp {m} 病假 发烧",
    ),
    (
        "guest",
        "meetings/{m}/rsvp",
        {"answer": "leave", "leave_type": "personal", "reason": "出差"},
        "/rsvp {m} 事假 出差",
    ),
    # Sign-in: off the roster (and, for everyone, not before it opens).
    ("guest", "meetings/{m}/signin", {}, "/signin {m}"),
    ("liuyang", "meetings/{m}/signin", {}, "/signin {m}"),
    # Claim: members and committee members without a group role; a group leader for another group.
    ("liuyang", "tasks/1/claim", {"group": "math"}, "/claim 1 math"),
    ("lihua", "tasks/1/claim", {"group": "math"}, "/claim 1 math"),
    ("zhoumin", "tasks/1/claim", {"group": "math"}, "/claim 1 math"),
    ("guest", "tasks/1/claim", {"group": "math"}, "/claim 1 math"),
    # Done: anyone but the owner or a secretary.
    ("xuqiang", "tasks/1/done", {"note": "完成了"}, "/done 1 完成了"),
    ("chenjing", "tasks/1/done", {"note": "完成了"}, "/done 1 完成了"),
    ("guest", "tasks/1/done", {"note": "完成了"}, "/done 1 完成了"),
    # Rate: the owner never rates the own task; an unfinished task is not rated.
    ("liuyang", "tasks/2/rate", {"rating": "satisfied"}, "/rate 2 满意"),
    ("xuqiang", "tasks/1/rate", {"rating": "satisfied"}, "/rate 1 满意"),
    # Publishing a 决议清单: the secretaries only.
    ("liuyang", "meetings/{m}/publish", {}, "/publish {m}"),
    ("chenjing", "meetings/{m}/publish", {}, "/publish {m}"),
    ("lihua", "meetings/{m}/publish", {}, "/publish {m}"),
    ("zhaolei", "meetings/{m}/publish", {}, "/publish {m}"),
    ("guest", "meetings/{m}/publish", {}, "/publish {m}"),
    # Recording attendance: the secretaries, the 纪检委员, a group leader for the own group's meeting.
    ("liuyang", "meetings/{m}/attendance", {"mark:liuyang": "present"}, "/attendance {m} @liuyang 出席"),
    ("lihua", "meetings/{m}/attendance", {"mark:liuyang": "present"}, "/attendance {m} @liuyang 出席"),
    ("zhoumin", "meetings/{m}/attendance", {"mark:liuyang": "present"}, "/attendance {m} @liuyang 出席"),
    ("guest", "meetings/{m}/attendance", {"mark:liuyang": "absent"}, "/attendance {m} @liuyang 缺席"),
]


REFUSED_BY_A_RULE = {
    ("xuqiang", "meetings/{m}/rsvp"),
    ("liuyang", "meetings/{m}/signin"),
    ("liuyang", "tasks/2/rate"),
    ("xuqiang", "tasks/1/rate"),
}


@pytest.mark.parametrize(("who", "path", "form", "command"), REFUSALS)
async def test_page_refuses_as_the_chat_does(
    app: App,
    chat: ChatDriver,
    scene: tuple[WebServer, dict[str, int]],
    who: str,
    path: str,
    form: dict[str, str],
    command: str,
) -> None:
    server, ids = scene
    base = f"{base_url(server)}/b/t1"
    before = await chat.export()
    async with http_session(app, server, who, NOW) as session:
        csrf = await page_csrf(session, f"{base}/public")
        status, outcome, shown = await post_form(
            session, f"{base}/{path.format(m=ids['math_meeting'])}", {**form, "csrf": csrf, "back": "public"}
        )
    # 403 for want of a right (the services' PermissionDenied), 200 for a rule of the meeting or task
    # (not expected at it, sign-in not open yet, the own task, an unfinished task): the page says why
    expected = 200 if (who, path) in REFUSED_BY_A_RULE else 403
    assert (status, outcome) == (expected, "refused"), shown[:500]
    assert await _changed(chat, before) == []
    said = await chat.say(who, "branch", command.format(m=ids["math_meeting"]))
    assert shown == said


async def _changed(chat: ChatDriver, before: dict[str, Any]) -> list[str]:
    after = await chat.export()
    return [key for key in before if key != "outbox" and before[key] != after[key]]


async def test_the_same_forms_are_carried_out_for_who_may(
    app: App, chat: ChatDriver, scene: tuple[WebServer, dict[str, int]]
) -> None:
    """The control: the forms above do work for the people allowed, and change what the chat shows."""
    server, ids = scene
    base = f"{base_url(server)}/b/t1"
    meeting = ids["math_meeting"]
    steps = [
        ("liuyang", f"meetings/{meeting}/rsvp", {"answer": "leave", "leave_type": "sick", "reason": "发烧"}),
        ("chenjing", "tasks/1/claim", {"group": "math"}),
        ("liuyang", "tasks/1/done", {"note": "资料已归档"}),
        ("xuqiang", "tasks/2/rate", {"rating": "satisfied"}),
    ]
    for who, path, form in steps:
        async with http_session(app, server, who, NOW) as session:
            csrf = await page_csrf(session, f"{base}/public")
            status, outcome, shown = await post_form(
                session, f"{base}/{path}", {**form, "csrf": csrf, "back": "tasks"}
            )
        assert (status, outcome) == (200, "done"), (who, path, shown[:300])
    data = await chat.export()
    [rsvp] = [r for r in data["rsvps"] if r["meeting"] == meeting and r["member"] == "liuyang"]
    assert (rsvp["answer"], rsvp["leave_type"], rsvp["reason"]) == ("leave", "sick", "发烧")
    tasks = {t["id"]: t for t in data["tasks"]}
    assert tasks[1]["status"] == "done" and tasks[1]["claimed_by_group"] == "math"
    assert tasks[2]["status"] == "rated"
