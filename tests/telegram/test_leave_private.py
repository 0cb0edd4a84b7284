"""Leave approval where the approver reads privately (issue 18): a pending request goes to the private
chat of an approver who started one, with 批准 / 不批准 buttons that work there, and to the committee
chat for the approver who did not; a typed `/请假 不批准 …` works in the private chat too."""

from __future__ import annotations

from emulator import BotApiEmulator, user
from tg_support import BRANCH, COMMITTEE, Clock, Settle, local

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.app import App
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.export import export_ledger

ZHANGWEI = user(10001, "伟", "张")
WANGFANG = user(10002, "芳", "王")
LIUYANG = user(10009, "洋", "刘")
HEMA = user(10011, "马", "何")


async def test_an_approver_decides_in_the_private_chat_with_the_button_and_the_command(
    app: App, telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle, clock: Clock
) -> None:
    emulator.private(ZHANGWEI)
    emulator.say(ZHANGWEI["id"], ZHANGWEI, "/start")
    emulator.say(BRANCH, ZHANGWEI, "/meeting new 党员大会 2026-03-19 15:30 专题学习")
    await settled()
    meeting = max(m["id"] for m in (await export_ledger(app.deps, clock.now))["meetings"])
    announcer = Announcer(app.deps, "zh-CN", [telegram])
    await announcer.start(clock.now)
    emulator.say(BRANCH, LIUYANG, f"/rsvp {meeting} 请假 事假 外出培训")
    await settled()
    before, clock.now = clock.now, local("2026-03-02T09:05")
    await announcer.advance(before, clock.now)

    [request] = [m for m in emulator.bot_messages(ZHANGWEI["id"]) if "申请不参加" in m.get("text", "")]
    assert "刘洋" in request["text"]
    labels = [b["text"] for b in request["reply_markup"]["inline_keyboard"][0]]
    assert labels[:2] == ["批准", "不批准"]
    # the 副书记 has no private chat: the committee chat has it for her
    assert [m for m in emulator.bot_messages(COMMITTEE) if "申请不参加" in m.get("text", "")]

    pressed = emulator.press(ZHANGWEI["id"], ZHANGWEI, request["message_id"], 1)
    await settled()
    answer = emulator.callback_answers[pressed["callback_query"]["id"]]
    assert "已批准" in answer["text"], answer
    [row] = [r for r in (await export_ledger(app.deps, clock.now))["rsvps"] if r["member"] == "liuyang"]
    assert (row["leave_state"], row["decided_by"]) == ("approved", "zhangwei")

    # typed in the private chat: the 副书记 refuses 何马's request there
    emulator.private(WANGFANG)
    emulator.say(WANGFANG["id"], WANGFANG, "/start")
    emulator.say(BRANCH, HEMA, f"/rsvp {meeting} 请假 事假 外出")
    await settled()
    emulator.say(WANGFANG["id"], WANGFANG, f"/请假 不批准 {meeting} @hema 大会要表决")
    await settled()
    assert "未批准" in emulator.bot_messages(WANGFANG["id"])[-1]["text"]
    [row] = [r for r in (await export_ledger(app.deps, clock.now))["rsvps"] if r["member"] == "hema"]
    assert (row["leave_state"], row["decided_by"], row["decision_reason"]) == (
        "refused",
        "wangfang",
        "大会要表决",
    )
