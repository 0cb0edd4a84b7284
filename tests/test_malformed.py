"""Bad input of every kind gets a clear answer saying what was wrong and how to write it, and changes nothing."""

from __future__ import annotations

import pytest
from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings

INTERNAL_ERROR = "出错了"

# (who, chat, text, a fragment the answer must contain)
MALFORMED: list[tuple[str, str, str, str]] = [
    # commands the parser cannot read
    ("zhangwei", "branch", "/frobnicate", "/help"),
    ("zhangwei", "branch", "/decision", "用法"),
    ("zhangwei", "branch", "/decision 完成方案", "@"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang", "截止"),
    ("zhangwei", "branch", "/decision 完成方案 截止:2026-03-20", "负责人"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:2026-02-30", "2"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:明天吧", "日期"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:13/45", "日期"),
    ("zhangwei", "branch", "/decision @liuyang 截止:2026-03-20", "标题"),
    ("zhangwei", "branch", "/decision x @liuyang 截止:9999-12-31", "2028-12-31"),  # issue 13
    ("zhangwei", "branch", "/meeting new congress 9999-12-31 23:30", "2025-01-01"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang @lihua 截止:2026-03-20", "负责人"),
    ("liuyang", "g-math", "/rsvp", "会议编号"),
    ("liuyang", "g-math", "/rsvp abc yes", "编号"),
    ("liuyang", "g-math", "/rsvp 1 maybe", "参加"),
    ("liuyang", "g-math", "/rsvp 1 leave", "事由"),
    ("liuyang", "g-math", "/rsvp 0 yes", "编号"),
    ("liuyang", "g-math", "/signin", "会议编号"),
    ("liuyang", "g-math", "/signin 今天", "编号"),
    ("liuyang", "g-math", "/outline 1", "提纲"),
    ("liuyang", "g-math", "/suggest", "献策"),
    ("zhangwei", "g-math", "/adopt", "编号"),
    ("liuyang", "g-math", "/claim x", "编号"),
    ("liuyang", "g-math", "/done", "任务编号"),
    ("liuyang", "g-math", "/rate 1", "满意"),
    ("liuyang", "g-math", "/rate 1 很好", "满意"),
    ("liuyang", "g-math", "/tasks 明年", "我的"),
    ("liuyang", "g-math", "/points 13月", "月"),
    ("zhangwei", "branch", "/meeting postpone 3", "new"),
    ("zhangwei", "branch", "/meeting move 3", "日期"),
    ("zhangwei", "branch", "/meeting move 3 2026-03-20", "时间"),
    ("zhangwei", "branch", "/meeting move 3 2026-03-20 15:30 明天", "明天"),
    ("zhangwei", "branch", "/close", "会议编号"),
    ("zhangwei", "branch", "/publish 第三次", "编号"),
    ("zhangwei", "branch", "/meeting new party 2026-03-19 15:30", "类型"),
    ("zhangwei", "branch", "/meeting new congress 2026-03-19", "时间"),
    ("zhangwei", "branch", "/meeting new congress 2026-03-19 25:61", "时间"),
    ("zhangwei", "branch", "/meeting cancel", "会议编号"),
    ("zhangwei", "branch", "/agenda 5 remove 某议题", "add"),
    ("stranger", "branch", "/join", "姓名"),
    ("zhangwei", "branch", "/approve 1 Bad_Key", "编号"),
    ("zhangwei", "branch", "/report 13", "时段"),
    ("zhangwei", "branch", "/报告 季度 5", "2026Q1"),
    ("zhangwei", "branch", "/minutes", "会议编号"),
    ("zhangwei", "branch", "/export pdf", "xlsx"),
    # well-formed commands the rules refuse
    ("zhangwei", "branch", "/decision 完成方案 @王五 截止:2026-03-20", "王五"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:2026-02-20", "已经过去"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:2026-03-20 牵头:@刘洋", "支委"),
    ("zhangwei", "branch", "/decision 完成方案 @liuyang 截止:2026-03-20 小组:化学", "化学"),
    ("liuyang", "branch", "/decision 完成方案 @liuyang 截止:2026-03-20", "权限"),
    ("lihua", "g-math", "/decision 完成方案 @liuyang 截止:2026-03-20", "支委会群"),
    ("stranger", "branch", "/decision 完成方案 @liuyang 截止:2026-03-20", "/join"),
    ("zhangwei", "nowhere", "/decision 完成方案 @liuyang 截止:2026-03-20", "[chats]"),
    ("liuyang", "g-math", "/rsvp 9999 yes", "9999"),
    ("xuqiang", "g-grade10", "/rsvp {math_meeting} yes", "应到"),
    ("stranger", "g-math", "/rsvp {math_meeting} yes", "/join"),
    ("liuyang", "g-math", "/signin {math_meeting}", "签到将于"),
    ("liuyang", "g-math", "/claim 1", "任务"),
    ("liuyang", "g-math", "/done 77", "77"),
    ("liuyang", "g-math", "/rate 77 满意", "77"),
    ("liuyang", "g-math", "/adopt 1", "权限"),
    ("zhangwei", "g-math", "/adopt 42", "42"),
    ("liuyang", "branch", "/meeting new congress 2026-03-19 15:30", "权限"),
    ("zhangwei", "branch", "/meeting new congress 2026-02-19 15:30", "已经过去"),
    ("zhangwei", "branch", "/meeting cancel 9999", "9999"),
    ("liuyang", "branch", "/agenda {math_meeting} add 新议题", "权限"),
    ("liuyang", "branch", "/approve 1", "权限"),
    ("zhangwei", "branch", "/approve 5", "5"),
    ("zhangwei", "branch", "/join 张伟", "已经在支部名册上"),
    ("liuyang", "branch", "/report", "查看报告"),
    ("stranger", "branch", "/report", "/join"),
    ("lihua", "committee", "/export", "导出台账"),
    ("zhangwei", "branch", "/minutes 9999", "9999"),
    ("chenjing", "g-math", "/minutes 1", "不能代表"),
]


@pytest.fixture
async def seeded(app: App, chat: ChatDriver) -> tuple[ChatDriver, dict[str, int]]:
    await plan_meetings(app, local("2026-03-01T09:00"))
    data = await chat.export()
    math_meeting = next(
        m["id"] for m in data["meetings"] if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    return chat, {"math_meeting": math_meeting}


@pytest.mark.parametrize(
    ("who", "where", "text", "fragment"), MALFORMED, ids=[row[2][:40] for row in MALFORMED]
)
async def test_malformed_input_is_explained_and_changes_nothing(
    seeded: tuple[ChatDriver, dict[str, int]], who: str, where: str, text: str, fragment: str
) -> None:
    chat, ids = seeded
    before = await chat.export()
    reply = await chat.say(who, where, text.format(**ids))
    assert reply.strip(), "every bad command gets an answer"
    assert INTERNAL_ERROR not in reply
    assert fragment.format(**ids) in reply
    assert await chat.export() == before


def test_the_table_is_large_enough() -> None:
    assert len(MALFORMED) >= 30


async def test_answers_come_in_english_when_configured(seeded: tuple[ChatDriver, dict[str, int]]) -> None:
    chat, _ = seeded
    chat.app.conversation.language = "en"
    refused = await chat.say("liuyang", "branch", "/decision x @liuyang due:2026-03-20")
    assert "not allowed" in refused and "secretary" in refused
    assert "Usage" in await chat.say("liuyang", "branch", "/rsvp")
    assert "There is no meeting #9999" in await chat.say("liuyang", "branch", "/rsvp 9999 yes")
