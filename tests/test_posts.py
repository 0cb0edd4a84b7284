"""Issue 14: replies that fit one message, say what they list, and read the same way everywhere."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import Task

TELEGRAM_MESSAGE_LIMIT = 4096


async def add_tasks(app: App, count: int, due: date, owner: str = "liuyang", title: str = "任务") -> None:
    """Open `count` tasks directly in storage (the /decision path is tested elsewhere)."""
    async with app.deps.uow() as uow:
        for n in range(count):
            await uow.tasks.add(
                Task(
                    id=None,
                    decision_id=None,
                    branch="t1",
                    unit="t1",
                    title=f"{title}{n:04d}——" + "很长的任务标题" * 8,
                    owner=owner,
                    due_on=due,
                    created_at=local("2026-03-01T09:00"),
                )
            )
        await uow.commit()


def listed_ids(reply: str) -> list[int]:
    return [int(found) for found in re.findall(r"^#(\d+) ", reply, re.MULTILINE)]


async def test_tasks_with_1500_open_answers_in_one_message_most_urgent_first(
    app: App, chat: ChatDriver
) -> None:
    # issue 14 seen 3: 1,500 tasks came as 23 messages
    await add_tasks(app, 1490, date(2026, 4, 30))
    await add_tasks(app, 10, date(2026, 3, 10), owner="sunli", title="逾期")  # ids 1491-1500
    chat.now = local("2026-03-20T09:00")
    reply = await chat.say("zhangwei", "branch", "/tasks")
    assert len(chat.replies) == 1 and len(reply) < TELEGRAM_MESSAGE_LIMIT
    assert "1500" in reply and "逾期 10" in reply  # counts of the whole list
    ids = listed_ids(reply)
    assert ids[:10] == list(range(1491, 1501))  # the overdue ones first
    assert "/tasks 2" in reply  # how to page on
    second = await chat.say("zhangwei", "branch", "/tasks 2")
    assert listed_ids(second) and not set(listed_ids(second)) & set(ids)
    overdue = await chat.say("zhangwei", "branch", "/tasks 逾期")
    assert sorted(listed_ids(overdue)) == list(range(1491, 1501)) and "/tasks 逾期 2" not in overdue
    assert "没有第 999 页" in await chat.say("zhangwei", "branch", "/tasks 999")


async def test_tasks_all_lists_finished_ones_under_a_heading_that_says_so(chat: ChatDriver) -> None:
    # issue 14 seen 3: `/tasks 全部` was headed 全部未完成 and listed finished tasks
    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-20 小组:数学")
    await chat.say("zhangwei", "branch", "/decision 乙任务 @liuyang 截止:2026-03-20 小组:数学")
    assert "认领" in await chat.say("chenjing", "branch", "/claim 1")
    assert "完成" in await chat.say("liuyang", "branch", "/done 1 好了")
    unfinished = await chat.say("zhangwei", "branch", "/tasks")
    assert listed_ids(unfinished) == [2] and "未完成" in unfinished
    everything = await chat.say("zhangwei", "branch", "/tasks 全部")
    assert sorted(listed_ids(everything)) == [1, 2]
    assert "全部未完成" not in everything and "含已完成" in everything and "已完成 1" in everything


async def test_task_dates_read_like_every_other_date_and_mark_a_make_up_workday(chat: ChatDriver) -> None:
    # issue 14 seen 5: `截止 2026-03-19`; the 5月9日 调休 Saturday was not marked as a workday
    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-19")
    await chat.say("zhangwei", "branch", "/decision 乙任务 @liuyang 截止:2026-05-09")
    listing = await chat.say("zhangwei", "branch", "/tasks")
    assert "3月19日（周四）" in listing and "2026-03-19" not in listing
    assert "5月9日（周六）（调休上班）" in listing


async def test_a_task_without_a_claiming_group_is_completed_by_its_owner_directly(chat: ChatDriver) -> None:
    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-20")
    reply = await chat.say("liuyang", "branch", "/done 1 已交")
    assert "#1" in reply and [t["status"] for t in (await chat.export())["tasks"]] == ["done"]


async def test_done_on_a_task_its_group_has_not_claimed_says_who_must_claim_it(chat: ChatDriver) -> None:
    # issue 14 seen 4: a state-machine sentence that did not say who must claim it
    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-20 小组:数学")
    refused = await chat.say("liuyang", "branch", "/done 1 已交")
    assert "数学党小组" in refused and "陈静" in refused and "/claim 1" in refused  # 陈静 leads 数学
    assert "待认领 →" not in refused
    assert [t["status"] for t in (await chat.export())["tasks"]] == ["open"]


async def test_a_reminder_shows_its_owner_only_the_buttons_the_owner_may_press(
    app: App, chat: ChatDriver
) -> None:
    from sanhui_bot.domain.announcements import PostKind
    from sanhui_bot.render.announcements import task_post
    from sanhui_bot.render.replies import renderer_for
    from sanhui_bot.services.announcements import task_announcement

    await chat.say("zhangwei", "branch", "/decision 甲任务 @liuyang 截止:2026-03-20 小组:数学")
    await chat.say("zhangwei", "branch", "/decision 乙任务 @liuyang 截止:2026-03-20")
    renderer = await renderer_for(app.deps, "zh-CN")
    grouped = task_post(PostKind.TASK_DUE_TODAY, await task_announcement(app.deps, 1), renderer, False, -1)
    assert grouped.buttons == () and "/claim 1" in grouped.text  # 刘洋 is no group leader: no 认领
    own = task_post(PostKind.TASK_DUE_TODAY, await task_announcement(app.deps, 2), renderer, False, -1)
    assert [button.command for button in own.buttons] == ["/done 2"]


async def test_refusals_name_the_people_and_the_roles_that_may(app: App, chat: ChatDriver) -> None:
    # issue 14 seen 6: a group leader cancelling another group's meeting was told "需要…副书记、书记"
    await plan_meetings(app, chat.now)
    data = await chat.export()
    grade10 = next(m["id"] for m in data["meetings"] if m["unit"] == "grade10")
    refused = await chat.say("chenjing", "g-math", f"/meeting cancel {grade10}")
    assert "高一年级党小组" in refused and "周敏" in refused and "张伟" in refused
    # a member's /decision: the secretaries anywhere, a committee member in the 支委群
    refused = await chat.say("liuyang", "g-math", "/decision 甲 @liuyang 截止:2026-03-20")
    assert "支委群" in refused and "张伟" in refused


def test_every_alias_a_notice_mentions_works_and_help_lists_meeting_move() -> None:
    # issue 14 seen 7: `/发言提纲 93` was unknown; /help left out /meeting move
    from sanhui_bot.commands.model import SubmitOutline
    from sanhui_bot.commands.parser import parse_command
    from sanhui_bot.render.catalog import message

    assert parse_command("/发言提纲 93 结合岗位谈体会", date(2026, 3, 1)) == SubmitOutline(
        93, "结合岗位谈体会"
    )
    for language in ("zh-CN", "en"):
        assert "/meeting move" in message("help", language)


def test_english_says_no_code_words() -> None:
    # issue 14 seen 7: English showed `basically_satisfied` and "0 item(s)"
    from sanhui_bot.render import parse_messages
    from sanhui_bot.render.catalog import MESSAGES

    english = [en for _, en in MESSAGES.values()]
    english += [usage["en"][0] for usage in parse_messages._USAGE.values()]
    english += [texts["en"] for texts in parse_messages._MESSAGES.values()]
    for text in english:
        assert "basically_satisfied" not in text and "(s)" not in text, text


async def test_a_party_lesson_notice_does_not_call_its_topics_a_decision_agenda(
    app: App, chat: ChatDriver
) -> None:
    from sanhui_bot.domain.announcements import PostKind
    from sanhui_bot.render.announcements import meeting_post
    from sanhui_bot.render.replies import renderer_for
    from sanhui_bot.services.announcements import meeting_announcement

    await plan_meetings(app, chat.now)
    lesson = next(m["id"] for m in (await chat.export())["meetings"] if m["kind"] == "lesson")
    assert "学习" in await chat.say("zhangwei", "branch", f"/agenda {lesson} add 学习新修订的条例")
    data = await meeting_announcement(app.deps, lesson, with_attendance=False)
    notice = meeting_post(PostKind.NOTICE, data, await renderer_for(app.deps, "zh-CN"), False)
    assert "学习新修订的条例" in notice.text and "议事清单" not in notice.text


async def test_points_say_what_each_entry_was_for_and_rank_only_members_with_entries(
    app: App, chat: ChatDriver
) -> None:
    # issue 14 seen 5: `签到（meeting:23）`, `任务逾期（task:4:week:3）`, and "第 2/16 名" for no points
    await plan_meetings(app, chat.now)
    meeting = next(
        m
        for m in (await chat.export())["meetings"]
        if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    await chat.say("zhangwei", "branch", "/decision 整理台账 @liuyang 截止:2026-03-10")
    await chat.say("liuyang", "g-math", f"/signin {meeting['id']}", at=local("2026-03-05T14:35"))
    await chat.say("chenjing", "g-math", f"/signin {meeting['id']}", at=local("2026-03-05T14:36"))
    await chat.say("liuyang", "branch", "/done 1 已整理", at=local("2026-03-09T10:00"))
    mine = await chat.say("liuyang", "branch", "/points 3", at=local("2026-03-20T10:00"))
    assert f"#{meeting['id']}" in mine and "党小组会" in mine and "3月5日（周四）" in mine
    assert "任务 #1「整理台账」" in mine
    assert "meeting:" not in mine and "task:" not in mine
    assert "第 1/2 名" in mine  # 刘洋 +7 and 陈静 +2 have entries; the other 13 have no place
    tied = await chat.say("chenjing", "branch", "/points 3")
    assert "第 2/2 名" in tied and "并列" not in tied
    nobody = await chat.say("hema", "branch", "/points 3")
    assert "不参与排名" in nobody and "名（" not in nobody and "/2 名" not in nobody


async def test_points_show_a_shared_place_as_joint(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, chat.now)
    meeting = next(
        m
        for m in (await chat.export())["meetings"]
        if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    for key in ("liuyang", "chenjing"):
        await chat.say(key, "g-math", f"/signin {meeting['id']}", at=local("2026-03-05T14:35"))
    reply = await chat.say("liuyang", "branch", "/points 3")
    assert "并列第 1/2 名" in reply


async def test_the_console_asks_the_leave_reason_and_counts_the_typed_answer(
    app: App, chat: ChatDriver, tmp_path: Path
) -> None:
    # issue 14 seen 8: in the console the 请假 button answered with an error, the typed reason was ignored
    from sanhui_bot.adapters.console.console import ConsoleChat, SimulatedClock
    from sanhui_bot.domain.announcements import PostKind
    from sanhui_bot.render.announcements import meeting_post
    from sanhui_bot.render.replies import renderer_for
    from sanhui_bot.services.announcements import meeting_announcement

    await plan_meetings(app, chat.now)
    meeting = next(
        m["id"]
        for m in (await chat.export())["meetings"]
        if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    out = io.StringIO()
    console = ConsoleChat(app.conversation, SimulatedClock(local("2026-03-02T10:00")), app.deps.tz, out)
    data = await meeting_announcement(app.deps, meeting, with_attendance=False)
    notice = meeting_post(PostKind.NOTICE, data, await renderer_for(app.deps, "zh-CN"), False)
    number = await console.post("g-math", notice)
    leave = next(n for n, b in enumerate(notice.buttons, 1) if b.label == "请假")
    await console.handle_line(f":press liuyang@g-math {number} {leave}")
    asked = out.getvalue().split(f"#{number}")[-1]
    assert "请假原因" in asked and "liuyang@g-math" in asked and "用法" not in asked
    await console.handle_line("liuyang@g-math: 病假 发烧")
    [rsvp] = [r for r in (await chat.export())["rsvps"] if r["member"] == "liuyang"]
    assert (rsvp["meeting"], rsvp["answer"], rsvp["leave_type"], rsvp["reason"]) == (
        meeting,
        "leave",
        "sick",
        "发烧",
    )


async def test_the_console_writes_attachments_to_its_files_folder_and_prints_the_path(
    app: App, chat: ChatDriver, tmp_path: Path
) -> None:
    from sanhui_bot.adapters.console.console import ConsoleChat, SimulatedClock

    out = io.StringIO()
    files = tmp_path / "files"
    console = ConsoleChat(
        app.conversation, SimulatedClock(local("2026-03-02T10:00")), app.deps.tz, out, files=files
    )
    await console.handle_line("zhangwei@branch: /export")
    [written] = list(files.iterdir())
    assert written.suffix == ".xlsx" and written.read_bytes()[:2] == b"PK"
    assert str(written) in out.getvalue()


def test_export_and_minutes_count_as_of_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 14 seen 8: after a simulated session, `export` counted later planned meetings as held
    import json
    import sys

    from sanhui_bot import cli

    config = str(Path(__file__).resolve().parent.parent / "config.example.toml")
    db = str(tmp_path / "c.db")
    monkeypatch.setattr(sys, "stdin", io.StringIO(":quit\n"))
    assert cli.main(["console", "--config", config, "--db", db, "--now", "2026-03-01T09:00"]) == 0
    out = tmp_path / "ledger.json"
    args = ["export", "--format", "json", "--config", config, "--db", db, "--out", str(out)]

    def exported(now: str) -> dict:
        assert cli.main([*args, "--now", now]) == 0
        return json.loads(out.read_text(encoding="utf-8"))

    meeting = next(
        m["id"]
        for m in exported("2026-03-01T09:00")["meetings"]
        if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(f":scan liuyang@g-math {meeting}\n:quit\n"))
    assert cli.main(["console", "--config", config, "--db", db, "--now", "2026-03-05T14:35"]) == 0
    during = {row["meeting"] for row in exported("2026-03-05T15:00")["attendance"]}
    after = {row["meeting"] for row in exported("2026-03-06T09:00")["attendance"]}
    assert meeting not in during and meeting in after  # counted once it has ended, as of --now
    assert cli.main([*args, "--now", "3月6日"]) == 2
    first = meeting
    minutes = tmp_path / "m.md"
    assert (
        cli.main(
            [
                "minutes",
                str(first),
                "--config",
                config,
                "--db",
                db,
                "--out",
                str(minutes),
                "--now",
                "2026-03-10T09:00",
            ]
        )
        == 0
    )
    assert minutes.read_text(encoding="utf-8")
