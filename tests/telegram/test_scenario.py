"""Must-show 1: a meeting and a decision's task over the Bot API emulator, as members would use them.

The real python-telegram-bot Application long-polls the emulator; members press the notice's
buttons, one asks for leave and replies with the reason, the tally is edited in place, the
secretary's /decision makes a task, its owner reports it done, a member rates it 满意, and the
points ledger shows all of it.
"""

from __future__ import annotations

from typing import Any

from emulator import BotApiEmulator, user
from tg_support import BRANCH, MATH, Clock, Settle, local

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.export import export_ledger

ZHANGWEI = user(10001, "伟", "张")  # secretary, math group
LIHUA = user(10003, "华", "李")  # committee, math group
CHENJING = user(10006, "静", "陈")  # math group leader
LIUYANG = user(10009, "洋", "刘")  # member, math group
HEMA = user(10011, "马", "何")  # probationary, math group
STRANGER = user(20001, "Teacher", "Wang")  # 群众: not on the roster


def last_bot_message(emulator: BotApiEmulator, chat_id: int) -> dict[str, Any]:
    return emulator.bot_messages(chat_id)[-1]


async def test_notice_rsvps_leave_decision_done_rating_and_points(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    # The announcer posts the group meeting's notice (3 days before 2026-03-05 14:30) through Telegram.
    clock.now = local("2026-03-02T08:00")
    await plan_meetings(app, clock.now)
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    clock.now = local("2026-03-02T09:30")
    await announcer.tick(clock.now)
    (notice,) = [m for m in emulator.bot_messages(MATH) if m.get("reply_markup")]
    assert "会议通知" in notice["text"]
    labels = [key["text"] for row in notice["reply_markup"]["inline_keyboard"] for key in row]
    assert labels == ["参加", "请假", "不参加"]

    # Four members press 参加; each gets a pop-up answer, and nothing new is posted to the group.
    posted_before = len(emulator.bot_messages(MATH))
    presses = [
        emulator.press(MATH, member, notice["message_id"], 1)
        for member in (ZHANGWEI, LIHUA, CHENJING, LIUYANG)
    ]
    await settled()
    for update in presses:
        answer = emulator.callback_answers[update["callback_query"]["id"]]
        assert "参加" in answer["text"]
    assert len(emulator.bot_messages(MATH)) == posted_before
    edited = emulator.message(MATH, notice["message_id"])
    assert edited.get("edits", 0) >= 1
    assert "参加 4" in edited["text"] and "未回复 1" in edited["text"]
    assert edited["reply_markup"] == notice["reply_markup"]  # still open for answers

    # 何马 presses 请假: the bot asks for the reason; her reply to that question is the leave request.
    press = emulator.press(MATH, HEMA, notice["message_id"], 2)
    await settled()
    assert "原因" in emulator.callback_answers[press["callback_query"]["id"]]["text"]
    prompt = last_bot_message(emulator, MATH)
    assert prompt["requested_markup"]["force_reply"] is True
    assert "tg://user?id=10011" in prompt["text"]
    emulator.say(MATH, HEMA, "病假 发烧", reply_to=prompt["message_id"])
    await settled()
    confirmation = last_bot_message(emulator, MATH)
    assert "请假" in confirmation["text"] and "发烧" in confirmation["text"]
    tally = emulator.message(MATH, notice["message_id"])["text"]
    assert "请假 1" in tally and "未回复 0" in tally
    assert "发烧" not in tally  # the notice shows counts, not people's reasons
    export = await export_ledger(app.deps, clock.now)
    answers = {(r["member"], r["answer"]) for r in export["rsvps"]}
    assert answers >= {
        ("zhangwei", "yes"),
        ("lihua", "yes"),
        ("chenjing", "yes"),
        ("liuyang", "yes"),
        ("hema", "leave"),
    }

    # The secretary records a decision in the branch chat, naming the owner by a linked mention.
    clock.now = local("2026-03-05T16:30")
    text = "/decision 整理学习台账 刘洋 截止:2026-03-14"
    offset = text.index("刘洋")
    emulator.say(
        BRANCH,
        ZHANGWEI,
        text,
        entities=[{"type": "text_mention", "offset": offset, "length": 2, "user": LIUYANG}],
    )
    await settled()
    decision = last_bot_message(emulator, BRANCH)
    export = await export_ledger(app.deps, clock.now)
    (task,) = export["tasks"]
    task_id = task["id"]
    assert f"#{task_id}" in decision["text"]
    assert task["owner"] == "liuyang"

    # The math group leader claims it with the button under the decision; the card is edited in place.
    emulator.press(BRANCH, CHENJING, decision["message_id"], 1)
    await settled()
    card = emulator.message(BRANCH, decision["message_id"])
    card_labels = [key["text"] for row in card["reply_markup"]["inline_keyboard"] for key in row]
    assert card_labels == ["完成"]

    # The owner reports it done; the reply offers the ratings; a member rates it 满意.
    clock.now = local("2026-03-10T10:00")
    emulator.say(BRANCH, LIUYANG, f"/done {task_id} 台账已整理")
    await settled()
    done = last_bot_message(emulator, BRANCH)
    rating_labels = [key["text"] for row in done["reply_markup"]["inline_keyboard"] for key in row]
    assert rating_labels[0] == "满意"
    rated = emulator.press(BRANCH, LIHUA, done["message_id"], 1)
    await settled()
    assert "1" in emulator.callback_answers[rated["callback_query"]["id"]]["text"]

    export = await export_ledger(app.deps, clock.now)
    (task,) = [t for t in export["tasks"] if t["id"] == task_id]
    assert task["status"] == "rated"
    points = [(p["member"], p["reason"], p["delta"]) for p in export["points"]]
    assert ("liuyang", "task_done_on_time", 5) in points
    assert ("liuyang", "rated_satisfied", 1) in points
