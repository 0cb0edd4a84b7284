"""The fuzz of issue 13: hostile chat lines through the conversation layer (the console's path).

Hypothesis writes lines of every command word (English and Chinese, `/`, `!` and `／`) as every role
and someone off the roster, in every chat and in one the config does not know, with arguments made
of control and zero-width characters, 100 KB runs, SQL, format-string and HTML payloads, far dates
and numbers past any id. Every line must be answered with a reply or a clear refusal — never an
exception or 出错了 — and a refused line must leave the database as it was. The run counts what it
fuzzed (`fuzz: lines fuzzed N, …, crashes 0` at the end of pytest's output); SANHUI_ATTACK_SCALE=10
fuzzes ten times as many lines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import attack_counts
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TEST_CONFIG, local
from test_attack_permissions import database_rows

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.commands.parser import COMMAND_WORDS
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.render.catalog import message
from sanhui_bot.render.replies import Renderer

pytestmark = pytest.mark.slow

LINES_PER_BACKEND = 300  # × SANHUI_ATTACK_SCALE

PEOPLE = [member["key"] for member in TEST_CONFIG["members"]] + ["stranger", "'; DROP TABLE members; --"]
CHATS = [*TEST_CONFIG["chats"], None]  # None: a chat the config does not know
MOMENTS = [
    local("2026-03-02T10:00"),  # before the week's meetings
    local("2026-03-05T14:40"),  # the math group's meeting in session
    local("2026-03-31T18:30"),  # month end
    local("2026-12-31T23:59"),  # the year's last minute
]
INTERNAL_ERROR = {message("internal_error", language) for language in ("zh-CN", "en")}

CONTROL = [chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85]]
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u00ad",
]
HOSTILE = [
    "'; DROP TABLE members; --",
    "1 OR 1=1",
    '" OR ""="',
    "%s%s%s%n",
    "{0}{name}{__class__}",
    "{id!r:>99999}",
    "<script>alert(1)</script>",
    "<b>粗</b>&amp;&#x27;",
    "${jndi:ldap://x}",
    "\\N\\x00\\u0000",
    "../../etc/passwd",
    "😀📅👍🏽✅️",
    "\r\n",
    "\n/decision 注入 @liuyang 截止:2026-03-20",
    "长" * 100_000,  # a 100 KB line
    "a" * 100_000,
    "🎉" * 30_000,
]
DATES = [
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "1900-01-01",
    "2100-01-01",
    "3月32日",
    "12/31",
    "2026-03-20",
    "3月20日",
    "99999-01-01",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "7",
    "12",
    "17",
    "19",
    "#1",
    "＃２",
    "99999999999999999999999",
    "1e9",
    "NaN",
]
WORDS = [
    "yes",
    "no",
    "leave",
    "病假",
    "事假",
    "withdraw",
    "撤回",
    "add",
    "material",
    "new",
    "move",
    "cancel",
    "congress",
    "党小组会",
    "committee",
    "lesson",
    "满意",
    "不满意",
    "mine",
    "overdue",
    "xlsx",
    "csv",
    "ics",
    "json",
    "month",
    "quarter",
    "2026Q1",
    "一季度",
    "2026-03",
    "15:30",
    "25:99",
    "23:59",
    "00:00",
    "@liuyang",
    "@刘洋",
    "@nobody",
    "@",
    "＠李华",
    "小组:数学",
    "小组:不存在",
    "牵头:@lihua",
    "牵头:",
    "预备",
]


def argument() -> st.SearchStrategy[str]:
    plain = st.text(
        alphabet=st.sampled_from(
            [*CONTROL, *INVISIBLE, "a", "中", "文", " ", ":", "：", "@", "#", "1", "/", "!"]
        ),
        max_size=12,
    )
    dated = st.sampled_from(["截止:", "截止：", "due:", ""]).flatmap(
        lambda key: st.sampled_from(DATES).map(lambda day: key + day)
    )
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.sampled_from(WORDS),
        st.sampled_from(HOSTILE),
        dated,
        plain,
        st.sampled_from(CONTROL + INVISIBLE),
    )


@st.composite
def chat_lines(draw: st.DrawFn) -> tuple[str, str | None, str, datetime]:
    prefix = draw(st.sampled_from(["/", "!", "／", "！", " /"]))
    word = draw(st.sampled_from(sorted(COMMAND_WORDS)))
    args = draw(st.lists(argument(), max_size=6))
    glue = draw(st.sampled_from([" ", "", "\t", "\u3000", " \u200b"]))
    line = prefix + word + glue + " ".join(args)
    return draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(CHATS)), line, draw(st.sampled_from(MOMENTS))


@dataclass
class Tally:
    lines: int = 0
    replies: int = 0
    refusals: int = 0
    crashes: list[str] = field(default_factory=list)
    changed_on_refusal: list[str] = field(default_factory=list)


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    render_error, render_parse_error = Renderer.error, Renderer.parse_error

    def error(self: Renderer, refusal: DomainError) -> str:
        seen.append(refusal.code)
        return render_error(self, refusal)

    def parse_error(self: Renderer, refusal: object) -> str:
        seen.append(f"parse:{refusal.code}")  # type: ignore[attr-defined]
        return render_parse_error(self, refusal)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "error", error)
    monkeypatch.setattr(Renderer, "parse_error", parse_error)
    yield seen


async def test_hostile_lines_get_a_reply_or_a_clear_refusal_and_refusals_change_nothing(
    app: App, refusals: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    for user, chat, line in [
        ("zhangwei", "branch", "/decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua"),
        ("liuyang", "branch", "/suggest 建议每月开展一次读书分享"),
        ("stranger", "branch", "/join 王老师"),
    ]:
        await app.conversation.handle_text(Incoming("console", user, chat, chat, line), MOMENTS[0])
    loop = asyncio.get_running_loop()
    tally = Tally()

    async def one_line(user: str, chat: str | None, line: str, now: datetime) -> None:
        caplog.clear()
        refused_before = len(refusals)
        before = await database_rows(app)
        incoming = Incoming("console", user, chat, chat or "-100777", line)
        replies = await app.conversation.handle_text(incoming, now)
        tally.lines += 1
        tally.replies += bool(replies)
        texts = [reply.text for reply in replies]
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        if errors or INTERNAL_ERROR & set(texts):
            tally.crashes.append(f"{user}@{chat} {line[:200]!r} at {now}: {[r.getMessage() for r in errors]}")
        if len(refusals) > refused_before:
            tally.refusals += 1
            if await database_rows(app) != before:
                tally.changed_on_refusal.append(f"{user}@{chat} {line[:200]!r}: {refusals[refused_before:]}")

    @settings(
        max_examples=LINES_PER_BACKEND * attack_counts.scale(),
        deadline=None,
        database=None,
        # CI fuzzes the same lines every run (a red build names its line); a bigger run explores.
        derandomize=attack_counts.scale() == 1,
        suppress_health_check=list(HealthCheck),
    )
    @given(chat_lines())
    def fuzz(example: tuple[str, str | None, str, datetime]) -> None:
        asyncio.run_coroutine_threadsafe(one_line(*example), loop).result(timeout=120)

    with caplog.at_level(logging.ERROR, logger="sanhui_bot"):
        await asyncio.to_thread(fuzz)
    attack_counts.count(
        "fuzz",
        lines_fuzzed=tally.lines,
        replies=tally.replies,
        refusals=tally.refusals,
        crashes=len(tally.crashes),
        changed_on_refusal=len(tally.changed_on_refusal),
    )
    assert tally.crashes == []
    assert tally.changed_on_refusal == []
    assert tally.lines >= LINES_PER_BACKEND * attack_counts.scale() // 2
