"""Text and dates stored by an older version (before input was cleaned and dates were bounded).

A control character in a suggestion made the workbook export fail for ever (openpyxl refuses it);
a decision due 9999-12-31 made every scheduler tick overflow, so no branch got any post; a meeting
on 9999-12-31 23:30 broke the JSON export and its minutes. The parser refuses such input now, but
a database written before must still export, render and post: these tests write the rows through
the services directly, as the old parser let them through.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import date, time

import pytest
from openpyxl import load_workbook
from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.commands.model import MemberMention, NewMeeting, RecordDecision, ShowMinutes, Suggest
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.exports.files import ledger_files
from sanhui_bot.render.minutes import minutes_reply
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services import meetings, reports, roster, suggestions, tasks
from sanhui_bot.services.export import ledger_snapshot

NOW = local("2026-03-02T08:00")
HOSTILE = "好建议\x0b换行\x07\u202e反向\u200b零宽\x1b[31m"


async def _old_rows(app: App) -> int:
    """A suggestion with control characters, a task due 9999-12-31, a congress on 9999-12-31 23:30."""
    deps = app.deps
    secretary = await roster.identify(deps, "console", "zhangwei")
    branch = deps.org.chat_context("branch")
    await suggestions.suggest(deps, secretary, branch, Suggest(HOSTILE), NOW)
    await tasks.record_decision(
        deps,
        secretary,
        branch,
        RecordDecision("远期\x0b决议", MemberMention("liuyang"), date(9999, 12, 31)),
        NOW,
    )
    far = await meetings.new_meeting(
        deps,
        secretary,
        branch,
        NewMeeting(MeetingKind.CONGRESS, date(9999, 12, 31), time(23, 30), "远\x0c期"),
        NOW,
    )
    assert far.id is not None
    return far.id


async def test_every_export_survives_control_characters_and_far_dates_already_stored(app: App) -> None:
    await plan_meetings(app, NOW)
    far_meeting = await _old_rows(app)
    snapshot = await ledger_snapshot(app.deps, 2026, NOW)
    files = {f.filename: f for f in ledger_files(snapshot, "xlsx", app.deps.org, NOW)}
    book = load_workbook(io.BytesIO(files["台账-2026.xlsx"].data))
    [suggestion] = [row for row in book["献策"].iter_rows(min_row=2, values_only=True) if row[0] is not None]
    text = next(cell for cell in suggestion if isinstance(cell, str) and "好建议" in cell)
    assert "换行" in text and "反向" in text and "\x0b" not in text and "\u202e" not in text
    assert ledger_files(snapshot, "csv", app.deps.org, NOW)
    assert ledger_files(snapshot, "ics", app.deps.org, NOW)
    exported = await ChatDriver(app, NOW).export()
    far = next(m for m in exported["meetings"] if m["id"] == far_meeting)
    assert far["starts_at"].startswith("9999-12-31")  # the stored moment, in UTC if the zone overflows
    assert json.dumps(exported, ensure_ascii=False)
    far_task = next(t for t in exported["tasks"] if t["due_on"] == "9999-12-31")
    assert far_task["title"].startswith("远期")


async def test_minutes_of_a_meeting_stored_on_9999_12_31_render(app: App) -> None:
    far_meeting = await _old_rows(app)
    secretary = await roster.identify(app.deps, "console", "zhangwei")
    minutes = await reports.show_minutes(
        app.deps, secretary, app.deps.org.chat_context("branch"), ShowMinutes(far_meeting), NOW
    )
    reply = minutes_reply(minutes, await app.conversation.renderer())
    assert "9999" in reply.text and "\x0c" not in reply.text


async def test_chat_export_and_minutes_answer_with_files_not_an_internal_error(app: App) -> None:
    far_meeting = await _old_rows(app)
    chat = ChatDriver(app, NOW)
    answer = await chat.say("zhangwei", "branch", "/export")
    assert "出错了" not in answer and chat.replies[0].attachments
    answer = await chat.say("zhangwei", "branch", f"/minutes {far_meeting}")
    assert "出错了" not in answer and "9999" in answer
    answer = await chat.say("zhangwei", "branch", "/tasks")
    assert "出错了" not in answer and "远期" in answer
    answer = await chat.say("zhangwei", "branch", "/meetings")
    assert "出错了" not in answer


class _Posts:
    platform = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        self.sent.append((chat, reply.text))
        return str(len(self.sent))


async def test_a_far_dated_row_stops_no_other_post(app: App, caplog: pytest.LogCaptureFixture) -> None:
    await plan_meetings(app, NOW)
    await _old_rows(app)
    posts = _Posts()
    announcer = Announcer(app.deps, "zh-CN", [posts])
    await announcer.start(NOW)
    with caplog.at_level(logging.ERROR):
        await announcer.advance(NOW, local("2026-03-05T15:00"))
    texts = [text for _, text in posts.sent]
    # the math group's meeting of Thursday 03-05 14:30: its reminders and sign-in still went out
    assert any("签到" in text for text in texts), texts
    assert len(texts) >= 5
    assert any("cannot plan the posts of task" in record.getMessage() for record in caplog.records)
