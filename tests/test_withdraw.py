"""`/rsvp N withdraw` takes an answer back (未回复 again), and a lone `/` or `!` gets the help hint."""

from __future__ import annotations

from datetime import timedelta

from support import ChatDriver, local
from test_services import planned

from sanhui_bot.app import App
from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.model import RsvpAnswer
from sanhui_bot.services import meetings
from sanhui_bot.services.roster import identify


async def answers(chat: ChatDriver) -> dict[str, str]:
    return {r["member"]: r["answer"] for r in (await chat.export())["rsvps"]}


async def test_a_withdrawn_answer_is_unanswered_again_in_the_tally_and_export(
    app: App, chat: ChatDriver
) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = local("2026-03-02T10:00")
    await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} 参加")
    assert (await answers(chat))["liuyang"] == "yes"
    reply = await chat.say("liuyang", "g-math", f"/回复 {meeting.id} 撤回", at=local("2026-03-02T11:00"))
    assert "撤回" in reply and chat.replies[0].subject == f"meeting:{meeting.id}"
    assert (await answers(chat))["liuyang"] == "unknown"
    [row] = [r for r in (await chat.export())["rsvps"] if r["member"] == "liuyang"]
    assert row["answered_at"].startswith("2026-03-02T11:00")  # the withdrawal is dated
    async with app.deps.uow() as uow:
        tally = await meetings.tally(uow, app.deps, meeting)
    assert "liuyang" in tally.unanswered and "liuyang" not in tally.yes


async def test_withdrawing_nothing_after_the_start_or_a_changed_answer_is_refused(
    app: App, chat: ChatDriver
) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    chat.now = local("2026-03-02T10:00")
    assert "没有可撤回" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} withdraw")
    assert await answers(chat) == {}
    await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} no")
    # A reaction that gave "yes" is taken away after a typed "no": the "no" stays.
    actor = await identify(app.deps, "console", "liuyang")
    ctx = app.deps.org.chat_context("g-math")
    refused = await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} 撤回 参加")
    assert "改过" in refused and (await answers(chat))["liuyang"] == "no"
    assert "不在应到人员之列" in await chat.say("xuqiang", "g-math", f"/rsvp {meeting.id} withdraw")
    chat.now = meeting.starts_at + timedelta(minutes=1)
    assert "已经开始" in await chat.say("liuyang", "g-math", f"/rsvp {meeting.id} withdraw")
    assert (await answers(chat))["liuyang"] == "no"
    assert actor.member is not None and ctx is not None
    result = await meetings.withdraw_rsvp(
        app.deps,
        actor,
        ctx,
        cmds.WithdrawRsvp(meeting.id or 0, RsvpAnswer.NO),
        meeting.starts_at - timedelta(hours=1),
    )
    assert result.rsvp.answer is RsvpAnswer.UNKNOWN


async def test_a_lone_slash_or_bang_gets_the_help_hint(chat: ChatDriver) -> None:
    for text in ("/", "!", "／", "！"):
        reply = await chat.say("liuyang", "g-math", text)
        assert "/help" in reply or "/帮助" in reply, (text, reply)
    assert await chat.say("liuyang", "g-math", "!!!") == ""  # ordinary chat stays unanswered
