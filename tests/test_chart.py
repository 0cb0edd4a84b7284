"""The month-end chart: drawn for a month with ten members, every Chinese label in a font that has it.

A missing CJK font is a failure, not a skip: .ci/run installs fonts-wqy-microhei, and without it
the picture would show boxes instead of names.
"""

from __future__ import annotations

import copy
import io
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image
from support import TEST_CONFIG, ChatDriver, local

from sanhui_bot.app import App, open_app, plan_meetings
from sanhui_bot.config import parse_settings
from sanhui_bot.render.chart import PNG_MIME, find_cjk_font, missing_glyphs, month_chart
from sanhui_bot.render.replies import renderer_for
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.summaries import BranchSummary, GroupSummary, month_summary

# Ten of the test branch's twelve members: hema and linyu (probationary) left out.
TEN = [m for m in TEST_CONFIG["members"] if m["key"] not in {"hema", "linyu"}]


def ten_member_config() -> dict[str, Any]:
    config = copy.deepcopy(TEST_CONFIG)
    config["members"] = copy.deepcopy(TEN)
    return config


def test_a_cjk_font_is_installed() -> None:
    font = find_cjk_font()
    assert font is not None, "no CJK font: install fonts-wqy-microhei (see .ci/run)"
    assert missing_glyphs(font, ["教工第一党支部积分公示栏任务完成情况逾期未指定小组"]) == set()


def test_missing_glyphs_finds_what_a_latin_font_lacks() -> None:
    from matplotlib import font_manager

    latin = Path(font_manager.findfont("DejaVu Sans"))
    assert missing_glyphs(latin, ["张伟 abc"]) == {"张", "伟"}  # the check can fail


async def test_chart_for_a_month_with_ten_members_draws_every_label_with_its_glyphs(tmp_path: Path) -> None:
    settings = parse_settings(ten_member_config(), "tests")
    app = await open_app(settings, tmp_path / "ten.db")
    try:
        await plan_meetings(app, local("2026-03-01T09:00"))
        chat = ChatDriver(app, local("2026-03-01T09:00"))
        for member, where in (("liuyang", "g-math"), ("chenjing", "g-math"), ("zhoumin", "g-grade10")):
            meeting = "2026-03-05T14:35"
            number = await _meeting_id(app, where, "2026-03-05")
            assert "+2" in await chat.say(member, where, f"/signin {number}", at=local(meeting))
        await chat.say(
            "zhangwei",
            "branch",
            "/decision 更新党员信息 @wangfang 截止:2026-03-10",
            at=local("2026-03-02T10:00"),
        )
        summary = await month_summary(app.deps, "branch", 2026, 3, local("2026-03-31T18:00"))
        assert isinstance(summary, BranchSummary) and len(summary.ranking) == 10
        renderer = await renderer_for(app.deps, "zh-CN")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            chart = month_chart(summary, renderer)
    finally:
        await app.close()
    assert not [w for w in caught if "missing" in str(w.message).lower()], [str(w.message) for w in caught]

    image = Image.open(io.BytesIO(chart.png))
    assert image.format == "PNG" and image.width >= 800 and image.height >= 400
    # the members with entries this month are ranked and drawn; the others are counted, as on the board
    ranked = {m["name"] for m in TEN if m["key"] in {"liuyang", "chenjing", "zhoumin"}}
    assert len(ranked) == 3 and ranked <= set(chart.texts)
    assert not ({m["name"] for m in TEN} - ranked) & set(chart.texts)
    assert "本月无积分记录、不排名：7 人" in chart.texts
    for label in ["数学党小组", "高一年级党小组", "行政服务党小组", "未指定小组", "本月积分", "逾期"]:
        assert label in chart.texts, label
    assert "教工第一党支部 2026年3月 积分公示栏" in chart.texts
    # every label is drawn with the CJK font, and that font has a glyph for each of its characters
    assert {font for _, font in chart.text_fonts} == {str(chart.font)}
    assert missing_glyphs(chart.font, chart.texts) == set()


async def _meeting_id(app: App, chat_key: str, day: str) -> int:
    ctx = app.deps.org.chat_context(chat_key)
    assert ctx is not None
    start = local(f"{day}T00:00")
    async with app.deps.uow() as uow:
        [meeting] = await uow.meetings.between([ctx.unit], start, local(f"{day}T23:59"))
    return meeting.id or 0


async def test_group_summary_has_a_chart_too(app: App) -> None:
    summary = await month_summary(app.deps, "g-math", 2026, 3, local("2026-03-31T18:00"))
    assert isinstance(summary, GroupSummary)
    chart = month_chart(summary, await renderer_for(app.deps, "en"))
    assert chart.png.startswith(b"\x89PNG") and "Tasks" in chart.texts
    # a month with no entry and no task says so, instead of drawing empty bars around zero
    assert "No entries this month yet; none of the 5 members is ranked." in chart.texts
    assert "no tasks this month" in chart.texts


class Recorder:
    platform = "console"

    def __init__(self) -> None:
        self.posts: list[tuple[str, Any]] = []

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Any) -> str:
        self.posts.append((chat, reply))
        return str(len(self.posts))


async def test_month_end_post_carries_the_picture_and_its_text_stays_complete(
    app: App, chat: ChatDriver
) -> None:
    await plan_meetings(app, local("2026-03-31T17:00"))
    recorder = Recorder()
    announcer = Announcer(app.deps, "zh-CN", [recorder])
    await announcer.start(local("2026-03-31T17:00"))
    await announcer.advance(local("2026-03-31T17:00"), local("2026-03-31T18:00"))
    month_end = {chat: reply for chat, reply in recorder.posts if reply.subject == "month:2026-03"}
    branch = month_end["branch"]
    [picture] = branch.attachments
    assert picture.mime == PNG_MIME and picture.data.startswith(b"\x89PNG")
    assert picture.filename == "summary-2026-03.png"
    # the ranking is in the text itself: here nobody has an entry, so the text says no one is ranked
    assert "积分公示栏" in branch.text and "12 名党员均不排名" in branch.text and "1. " not in branch.text
    # one picture per branch: the group and committee chats get their (complete) text alone
    assert not month_end["g-math"].attachments and not month_end["committee"].attachments
    # the outbox row holds the picture, so a retry sends exactly what was planned
    async with app.deps.uow() as uow:
        [row] = [r for r in await uow.outbox.list() if r.key == "month_end:branch:2026-03"]
    assert row.payload["attachments"][0]["filename"] == "summary-2026-03.png"
    # `export --format json` names the picture but leaves its bytes out
    [exported] = [o for o in (await chat.export())["outbox"] if o["key"] == "month_end:branch:2026-03"]
    assert exported["payload"]["attachments"] == [
        {"filename": "summary-2026-03.png", "mime": PNG_MIME, "size": len(picture.data)}
    ]
    english = replace(await renderer_for(app.deps, "en"))
    assert month_chart(await month_summary(app.deps, "branch", 2026, 3, local("2026-03-31T18:00")), english)


async def test_the_school_chart_draws_every_character_of_its_title_and_names(app: App) -> None:
    from sanhui_bot.domain.compliance import Period, PeriodKind
    from sanhui_bot.domain.model import MeetingKind
    from sanhui_bot.scheduler.announcer import _school_picture
    from sanhui_bot.services.school import BranchStanding, SchoolMonthEnd

    standing = BranchStanding(
        "branch", {MeetingKind.GROUP: 1}, {MeetingKind.GROUP: 2}, 1, 1, 0, 8, 10, 2, 1, 1
    )
    month_end = SchoolMonthEnd(Period(2026, PeriodKind.MONTH, 3), (standing,), None)
    renderer = await renderer_for(app.deps, "zh-CN")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [picture] = _school_picture("实验中学党委", month_end, renderer)
    # the 📊 of the text post's title is not in the server's CJK font: the chart's title has none
    assert not [w for w in caught if "missing" in str(w.message).lower()], [str(w.message) for w in caught]
    assert picture.mime == PNG_MIME and picture.data.startswith(b"\x89PNG")
