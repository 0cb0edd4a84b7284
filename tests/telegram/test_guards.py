"""Must-show 4 and the other edges: forged or stale buttons, unconfigured chats, people off the
roster, edited and re-delivered updates — each gets a clear answer and changes no data.
Also: the command menu, private /start and /help, and task reminders in private."""

from __future__ import annotations

from typing import Any

from emulator import BotApiEmulator, user
from tg_support import BRANCH, COMMITTEE, MATH, Clock, Settle, local

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.adapters.telegram.callback_data import encode_button
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.render.replies import Attachment, Button, Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.export import export_ledger

ZHANGWEI = user(10001, "伟", "张")
LIUYANG = user(10009, "洋", "刘")
LIHUA = user(10003, "华", "李")
STRANGER = user(20001, "Teacher", "Wang")
UNKNOWN_GROUP = -100999


async def data_snapshot(app: App, clock: Clock) -> dict[str, Any]:
    export = await export_ledger(app.deps, clock.now)
    return {key: export[key] for key in ("rsvps", "tasks", "points", "decisions", "meetings", "suggestions")}


async def new_meeting(emulator: BotApiEmulator, settled: Settle) -> dict[str, Any]:
    """The secretary plans an ad-hoc meeting in the math chat; its reply carries the RSVP buttons."""
    emulator.say(MATH, ZHANGWEI, "/meeting new 党小组会 2026-03-12 15:00 专题学习")
    await settled()
    created = emulator.bot_messages(MATH)[-1]
    assert created.get("reply_markup"), created["text"]
    return created


async def test_forged_and_stale_button_data_change_nothing(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    created = await new_meeting(emulator, settled)
    before = await data_snapshot(app, clock)
    forged = [
        emulator.press(MATH, LIUYANG, created["message_id"], data="/rsvp 1 yes"),  # a command, not our data
        emulator.press(MATH, LIUYANG, created["message_id"], data=encode_button(9, "/rsvp 1 yes")),  # no 9th
        emulator.press(
            MATH, LIUYANG, created["message_id"], data=encode_button(1, "/rsvp 999 yes")
        ),  # not it
    ]
    await settled()
    answers = [emulator.callback_answers[u["callback_query"]["id"]] for u in forged]
    assert answers[0]["text"] == "这个按钮的数据无效，没有做任何改动。"
    assert all(a["text"] == "这个按钮已经失效了。" for a in answers[1:])
    assert all(a["show_alert"] for a in answers)
    assert await data_snapshot(app, clock) == before
    assert emulator.message(MATH, created["message_id"]).get("edits", 0) == 0


async def test_unconfigured_group_is_told_its_id_once_and_nothing_else(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    emulator.group(UNKNOWN_GROUP, "某个教研组")
    before = await data_snapshot(app, clock)
    emulator.add_bot(UNKNOWN_GROUP, ZHANGWEI)
    emulator.say(UNKNOWN_GROUP, ZHANGWEI, "/decision 方案 @liuyang 截止:2026-03-20")
    emulator.say(UNKNOWN_GROUP, LIUYANG, "/help")
    emulator.say(UNKNOWN_GROUP, LIUYANG, "/rsvp 1 yes")
    await settled()
    (told,) = emulator.bot_messages(UNKNOWN_GROUP)
    assert str(UNKNOWN_GROUP) in told["text"] and "[chats]" in told["text"]
    assert await data_snapshot(app, clock) == before


async def test_someone_off_the_roster_is_refused_clearly_and_changes_nothing(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    created = await new_meeting(emulator, settled)
    before = await data_snapshot(app, clock)
    pressed = emulator.press(MATH, STRANGER, created["message_id"], 1)
    emulator.say(MATH, STRANGER, "/decision 方案 @liuyang 截止:2026-03-20")
    await settled()
    answer = emulator.callback_answers[pressed["callback_query"]["id"]]
    assert answer["show_alert"] and "/join" in answer["text"]
    refusal = emulator.bot_messages(MATH)[-1]
    assert "/join" in refusal["text"] or "名册" in refusal["text"]
    assert await data_snapshot(app, clock) == before


async def test_an_edited_command_is_not_run_again(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    created = await new_meeting(emulator, settled)
    meeting_id = int(created["text"].split("#")[1].split()[0].rstrip("：:，,"))
    said = emulator.say(MATH, LIUYANG, f"/rsvp {meeting_id} yes")
    await settled()
    before = await data_snapshot(app, clock)
    emulator.edit(MATH, LIUYANG, said["message"]["message_id"], f"/rsvp {meeting_id} no 有课")
    await settled()
    answer = emulator.bot_messages(MATH)[-1]
    assert "编辑过的消息不会再次执行" in answer["text"]
    assert answer["reply_to_message_id"] == said["message"]["message_id"]
    assert await data_snapshot(app, clock) == before


async def test_a_re_delivered_update_or_press_changes_nothing(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    emulator.say(MATH, ZHANGWEI, "/decision 整理台账 @liuyang 截止:2026-03-20")
    await settled()
    decision = emulator.bot_messages(MATH)[-1]
    press = emulator.press(MATH, ZHANGWEI, decision["message_id"], 1)  # 认领 for the math group
    await settled()
    before = await data_snapshot(app, clock)
    sent = len(emulator.all_bot_messages())
    command = emulator.say(MATH, ZHANGWEI, "/suggest 多开展读书分享")
    await settled()
    after_first = await data_snapshot(app, clock)
    assert len(after_first["suggestions"]) == len(before["suggestions"]) + 1
    emulator.redeliver(command)
    emulator.redeliver(press)
    await settled()
    assert await data_snapshot(app, clock) == after_first
    assert len(emulator.all_bot_messages()) == sent + 1  # only the first /suggest was answered


async def test_command_menu_in_chinese_and_english(
    telegram: TelegramPlatform, emulator: BotApiEmulator
) -> None:
    await telegram.settled()  # the menu is published beside the first poll
    zh = {c["command"]: c["description"] for c in emulator.commands["zh"]}
    en = {c["command"]: c["description"] for c in emulator.commands[""]}
    assert (
        set(zh)
        == set(en)
        >= {"help", "rsvp", "decision", "close", "publish", "report", "done", "rate", "join"}
    )
    assert zh["rsvp"].startswith("回复会议通知") and en["rsvp"].startswith("answer a notice")


async def test_private_start_help_and_private_task_reminders(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    emulator.private(LIUYANG)
    emulator.private(STRANGER)
    emulator.say(LIUYANG["id"], LIUYANG, "/start")
    emulator.say(STRANGER["id"], STRANGER, "/start")
    emulator.say(LIUYANG["id"], LIUYANG, "/help")
    emulator.say(LIUYANG["id"], LIUYANG, "/tasks")
    await settled()
    welcome, help_text, elsewhere = (m["text"] for m in emulator.bot_messages(LIUYANG["id"]))
    assert "刘洋" in welcome and "私信" in welcome
    assert "/rsvp" in help_text
    assert "私聊里只能使用" in elsewhere
    assert "/join" in emulator.bot_messages(STRANGER["id"])[0]["text"]

    # A task of 刘洋's falls due: he started a private chat, so the reminder goes there, and only there.
    clock.now = local("2026-03-02T09:00")
    emulator.say(BRANCH, ZHANGWEI, "/decision 整理台账 @liuyang 截止:2026-03-06")
    await settled()
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    clock.now = local("2026-03-03T10:00")
    await announcer.advance(local("2026-03-02T09:00"), clock.now)
    private_reminders = [m for m in emulator.bot_messages(LIUYANG["id"]) if "到期" in m["text"]]
    assert len(private_reminders) == 1 and "整理台账" in private_reminders[0]["text"]
    assert "reply_markup" not in private_reminders[0]  # buttons only work in a unit's chat
    for chat in (BRANCH, COMMITTEE, MATH):
        assert not [m for m in emulator.bot_messages(chat) if "到期" in m.get("text", "")]
    assert emulator.bot_messages(STRANGER["id"])[1:] == []

    # He blocks the bot: the reminder on the due day reaches him in his 党小组's chat instead.
    emulator._queue(
        {
            "my_chat_member": {
                "chat": emulator.chats[LIUYANG["id"]],
                "from": LIUYANG,
                "date": 1_780_000_000,
                "old_chat_member": {"status": "member", "user": emulator.me},
                "new_chat_member": {"status": "kicked", "user": emulator.me, "until_date": 0},
            }
        }
    )
    await settled()
    before = clock.now
    clock.now = local("2026-03-06T10:00")
    await announcer.advance(before, clock.now)
    group_reminders = [m for m in emulator.bot_messages(MATH) if "整理台账" in m.get("text", "")]
    assert len(group_reminders) == 1 and "刘洋" in group_reminders[0]["text"]
    assert not [m for m in emulator.bot_messages(BRANCH) if "今天到期" in m.get("text", "")]


async def test_posts_with_a_picture_and_a_workbook(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, clock: Clock
) -> None:
    chart = Attachment("chart.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    workbook = Attachment("ledger.xlsx", b"PK\x03\x04" + b"1" * 200, "application/vnd.ms-excel")
    reply = Reply("三月积分公示", (Button("查看", "/points"),), attachments=(chart, workbook))
    message_id = await telegram.post("branch", reply)
    photo, document = emulator.bot_messages(BRANCH)[-2:]
    assert str(photo["message_id"]) == message_id
    assert photo["caption"] == "三月积分公示" and photo["upload"]["data"] == chart.data
    assert photo["reply_markup"]["inline_keyboard"][0][0]["text"] == "查看"
    assert document["document"]["file_name"] == "ledger.xlsx" and document["upload"]["data"] == workbook.data
    long_text = "\n".join(f"第{n}行 " + "积分" * 20 for n in range(200))
    await telegram.post("branch", Reply(long_text, attachments=(chart,)))
    *texts, last_photo = emulator.bot_messages(BRANCH)[-4:]
    assert "".join(m["text"] for m in texts[-3:]).replace("\n", "") == long_text.replace("\n", "")
    assert "caption" not in last_photo


async def test_someone_off_the_roster_may_rate_a_completed_task_with_the_buttons(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    emulator.say(MATH, ZHANGWEI, "/decision 整理台账 @liuyang 截止:2026-03-20")
    await settled()
    decision = emulator.bot_messages(MATH)[-1]
    task_id = max(t["id"] for t in (await export_ledger(app.deps, clock.now))["tasks"])
    emulator.press(MATH, ZHANGWEI, decision["message_id"], 1)  # 认领
    await settled()
    emulator.say(MATH, LIUYANG, f"/done {task_id} 已完成")
    await settled()
    done = emulator.bot_messages(MATH)[-1]
    pressed = emulator.press(MATH, STRANGER, done["message_id"], 1)  # 满意, by a teacher off the roster
    await settled()
    answer = emulator.callback_answers[pressed["callback_query"]["id"]]
    assert "满意 1" in answer["text"] or "1" in answer["text"], answer
    export = await export_ledger(app.deps, clock.now)
    (task,) = [t for t in export["tasks"] if t["id"] == task_id]
    assert task["status"] == "rated"


async def test_the_sign_in_button_while_a_meeting_is_in_session(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    clock.now = local("2026-03-05T13:00")
    await plan_meetings(app, clock.now)
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    clock.now = local("2026-03-05T14:35")
    await announcer.advance(local("2026-03-05T13:00"), clock.now)
    (opened,) = [
        m for m in emulator.bot_messages(MATH) if "签到" in m.get("text", "") and m.get("reply_markup")
    ]
    labels = [key["text"] for row in opened["reply_markup"]["inline_keyboard"] for key in row]
    pressed = emulator.press(MATH, LIUYANG, opened["message_id"], labels.index("签到") + 1)
    await settled()
    assert "刘洋" in emulator.callback_answers[pressed["callback_query"]["id"]]["text"]
    export = await export_ledger(app.deps, local("2026-03-05T16:00"))  # after the meeting ended
    signed = [a for a in export["attendance"] if a["member"] == "liuyang" and a["signed_at"]]
    assert [a["status"] for a in signed] == ["present"]
