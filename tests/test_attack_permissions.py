"""The permission matrix (issue 13): every role × command × chat, against a table written from
DESIGN §1 and the README's commands table — not from the permission code.

Each cell runs one valid command through the conversation layer (the console's path) as one person
in one chat, with a fresh target where the command uses one up (a suggestion to adopt, a task to
claim, a meeting to close). Where the table says the person may, the command must go through; where
it says they may not, it must be refused and the database must not change. The run counts its cells
and escalations (`permission matrix: cells N, escalations 0` at the end of pytest's output).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import count

import attack_counts
import pytest
from sqlalchemy import func, select, text
from support import hold_decision, local

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import SignInMethod
from sanhui_bot.render.replies import Renderer
from sanhui_bot.services import signin_codes
from sanhui_bot.storage.schema import metadata

pytestmark = pytest.mark.slow  # about 20 s per database

# --- who is who (tests/support.py TEST_CONFIG) -----------------------------------------------------

PEOPLE = {
    "secretary": "zhangwei",  # 数学党小组
    "deputy": "wangfang",  # 高一年级党小组
    "committee": "lihua",  # 数学党小组
    "discipline": "zhaolei",  # 纪检委员, 行政服务党小组
    "group_leader": "chenjing",  # 数学党小组长
    "member": "liuyang",  # full member, 数学党小组; owner of the tasks below
    "probationary": "hema",  # 预备党员, 数学党小组
    "outsider": "stranger",  # not on the roster: 群众
}
CHATS = ("branch", "committee", "g-math", "g-grade10", "g-service")

# --- who may do what: DESIGN §1 and the README's commands table ------------------------------------

EVERYONE = frozenset(PEOPLE)
ROSTER = EVERYONE - {"outsider"}  # "members"; people off the roster may only /join and rate
LEADERS = frozenset({"secretary", "deputy"})  # DESIGN §1: the deputy does what the secretary does
COMMITTEE = LEADERS | {"committee", "discipline"}  # 支委: secretary, deputy and committee members
MATH_GROUP = frozenset({"secretary", "committee", "group_leader", "member", "probationary"})


def anywhere(roles: frozenset[str]) -> Callable[[str, str], bool]:
    return lambda role, chat: role in roles


def decision_rule(role: str, chat: str) -> bool:
    """README: `/decision` — secretary anywhere; committee members in the committee chat."""
    return role in LEADERS or (role in COMMITTEE and chat == "committee")


@dataclass(frozen=True)
class Case:
    """One command of the matrix: how to write it (given a fresh target), when, and who may."""

    name: str
    may: Callable[[str, str], bool]
    write: Callable[[World], Awaitable[str]]
    at: Callable[[World], datetime] = lambda world: world.now


class World:
    """The branch with a meeting plan and the helpers that make fresh targets as the secretary."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.now = local("2026-03-02T10:00")
        self.minutes = count(1)
        self.group_meeting = 0  # 数学党小组会 of 2026-03-05 14:30
        self.committee_meeting = 0  # 支委会 of 2026-03-12 16:30
        self.congress = 0  # an ad-hoc 党员大会 on 2026-03-19
        self.code_meeting = 0  # 数学党小组会 of 2026-03-19 14:30, signed in with its 签到大屏's code

    async def screen_code(self) -> str:
        """The code the code meeting's 签到大屏 shows at CODE_MEETING_OPEN."""
        code = await signin_codes.code_on_screen(self.app.deps, self.code_meeting, CODE_MEETING_OPEN)
        assert code is not None
        return code

    async def say(self, user: str, chat: str, line: str, at: datetime | None = None) -> None:
        incoming = Incoming("console", user, chat, chat, line)
        await self.app.conversation.handle_text(incoming, at or self.now)

    async def latest(self, table: str) -> int:
        async with self.app.store.engine.connect() as connection:
            found = (await connection.execute(select(func.max(metadata.tables[table].c.id)))).scalar()
        return int(found or 0)

    async def fresh_meeting(self) -> int:
        """A new ad-hoc 党小组会 of the math group, each at its own minute (later than any before)."""
        start = local("2026-03-09T08:00") + timedelta(minutes=5 * next(self.minutes))
        when = start.strftime("%Y-%m-%d %H:%M")
        await self.say("zhangwei", "branch", f"/meeting new 党小组会 {when} 专题学习 小组:数学")
        return await self.latest("meetings")

    async def fresh_task(self, status: str = "open") -> int:
        await self.say("zhangwei", "branch", "/decision 整理学习笔记 @liuyang 截止:2026-03-20")
        task = await self.latest("tasks")
        if status in ("claimed", "done"):
            await self.say("zhangwei", "branch", f"/claim {task} 数学")
        if status == "done":
            await self.say("liuyang", "branch", f"/done {task} 已完成")
        return task

    async def fresh_suggestion(self) -> int:
        await self.say("liuyang", "branch", "/suggest 建议每月开展一次读书分享")
        return await self.latest("suggestions")

    async def fresh_points_entry(self) -> int:
        await self.say("zhangwei", "branch", "/points adjust @liuyang +1 主动承担课题")
        return await self.latest("points")

    async def fresh_leave_request(self) -> int:
        """A new ad-hoc 党员大会 (its leave waits for the 书记) from which liuyang asks leave."""
        start = local("2026-03-20T08:00") + timedelta(minutes=5 * next(self.minutes))
        await self.say("zhangwei", "branch", f"/meeting new 党员大会 {start:%Y-%m-%d %H:%M} 专题学习")
        meeting = await self.latest("meetings")
        await self.say("liuyang", "branch", f"/rsvp {meeting} 请假 事假 外出培训")
        return meeting

    async def fresh_join_request(self) -> int:
        await self.say(f"guest{next(self.minutes)}", "branch", "/join 王老师")
        return await self.latest("join_requests")

    async def meeting_on(self, unit: str, day: str) -> int:
        start = local(f"{day}T00:00")
        async with self.app.deps.uow() as uow:
            [found] = await uow.meetings.between([unit], start, start + timedelta(days=1))
        return found.id or 0

    async def meeting_start(self, meeting: int) -> datetime:
        async with self.app.deps.uow() as uow:
            found = await uow.meetings.get(meeting)
        assert found is not None
        return found.starts_at


CODE_MEETING_OPEN = local("2026-03-19T14:40")


async def _signin_with_code(world: World) -> str:
    return f"/signin {world.code_meeting} {await world.screen_code()}"


def plain(line: str) -> Callable[[World], Awaitable[str]]:
    async def write(world: World) -> str:
        return line

    return write


def with_target(make: Callable[[World], Awaitable[int]], line: str) -> Callable[[World], Awaitable[str]]:
    async def write(world: World) -> str:
        return line.format(id=await make(world))

    return write


class _Timed:
    """A fresh meeting whose command runs at a moment relative to its start (close, publish)."""

    def __init__(self, line: str, after_start: timedelta, closed_first: bool = False) -> None:
        self.line, self.after_start, self.closed_first = line, after_start, closed_first
        self.moment = local("2026-03-02T10:00")

    async def write(self, world: World) -> str:
        meeting = await world.fresh_meeting()
        self.moment = await world.meeting_start(meeting) + self.after_start
        if self.closed_first:
            # It holds a decision, so it owes a 决议清单 to publish (issue 12: nothing empty is published).
            await hold_decision(world.app, meeting, self.moment)
            await world.say("zhangwei", "branch", f"/close {meeting}", at=self.moment)
        return self.line.format(id=meeting)

    def at(self, world: World) -> datetime:
        return self.moment


_close = _Timed("/close {id}", timedelta(minutes=10))
_not_held = _Timed("/meeting notheld {id} 停电", timedelta(minutes=10))
_publish = _Timed("/publish {id}", timedelta(minutes=20), closed_first=True)


def cases() -> list[Case]:
    return [
        Case("/help", anywhere(EVERYONE), plain("/help")),
        Case("/meetings", anywhere(ROSTER), plain("/meetings")),
        Case("/tasks", anywhere(ROSTER), plain("/tasks")),
        Case("/points", anywhere(ROSTER), plain("/points")),
        Case("/suggest", anywhere(ROSTER), plain("/suggest 建议加强家校沟通")),
        Case("/agenda N", anywhere(ROSTER), lambda w: plain(f"/agenda {w.committee_meeting}")(w)),
        Case(
            "/agenda N add",
            anywhere(COMMITTEE),
            lambda w: plain(f"/agenda {w.committee_meeting} add 家校沟通机制{next(w.minutes)}")(w),
        ),
        Case(
            "/agenda N add (group meeting)",
            # README: committee members for any meeting; the math group's leader for its meeting
            anywhere(COMMITTEE | {"group_leader"}),
            lambda w: plain(f"/agenda {w.group_meeting} add 大单元教学设计{next(w.minutes)}")(w),
        ),
        Case(
            "/rsvp",
            anywhere(MATH_GROUP),  # the expected members: the math group's
            lambda w: plain(f"/rsvp {w.group_meeting} yes")(w),
        ),
        Case(
            "/signin",
            # README: the members expected there (issue 18), from 30 minutes before the start to the end
            anywhere(MATH_GROUP),
            lambda w: plain(f"/signin {w.group_meeting}")(w),
            at=lambda w: local("2026-03-05T14:40"),
        ),
        Case(
            "/signin N (a code meeting, no code)",
            anywhere(frozenset()),  # issue 18: refused with a hint (before anyone signed in with the code)
            lambda w: plain(f"/signin {w.code_meeting}")(w),
            at=lambda w: CODE_MEETING_OPEN,
        ),
        Case(
            "/signin N <code>",
            anywhere(MATH_GROUP),  # issue 18: the code of the screen, from a member expected there
            lambda w: _signin_with_code(w),
            at=lambda w: CODE_MEETING_OPEN,
        ),
        Case(
            "/signin screen",
            anywhere(LEADERS | {"discipline", "group_leader"}),  # who records it; a group leader: own group
            lambda w: plain(f"/signin screen {w.code_meeting}")(w),
            at=lambda w: CODE_MEETING_OPEN,
        ),
        Case(
            "/outline",
            anywhere(ROSTER),  # a congress expects every member of the branch
            lambda w: plain(f"/outline {w.congress} 联系教学实际谈党性修养")(w),
        ),
        Case("/adopt", anywhere(LEADERS), with_target(World.fresh_suggestion, "/adopt {id}")),
        Case("/decision", decision_rule, plain("/decision 完善听课制度 @liuyang 截止:2026-03-20")),
        Case(
            "/claim",
            anywhere(LEADERS | {"group_leader"}),  # group leaders (secretary for a group)
            with_target(World.fresh_task, "/claim {id} 数学"),
        ),
        Case(
            "/done",
            anywhere(LEADERS | {"member"}),  # the owner (or secretary)
            with_target(lambda w: w.fresh_task("claimed"), "/done {id} 已完成"),
        ),
        Case(
            "/rate",
            anywhere(EVERYONE - {"member"}),  # anyone in a branch chat, not the owner
            with_target(lambda w: w.fresh_task("done"), "/rate {id} 满意"),
        ),
        Case(
            "/meeting new",
            anywhere(LEADERS | {"group_leader"}),  # a group leader for the own group
            lambda w: plain(
                f"/meeting new 党小组会 2026-03-2{next(w.minutes) % 2 + 6} 15:{next(w.minutes) % 60:02d} 小组:数学"
            )(w),
        ),
        Case(
            "/meeting cancel",
            anywhere(LEADERS | {"group_leader"}),
            with_target(World.fresh_meeting, "/meeting cancel {id} 时间冲突"),
        ),
        Case(
            "/meeting move",
            anywhere(LEADERS | {"group_leader"}),
            with_target(World.fresh_meeting, "/meeting move {id} 2026-03-27 16:00"),
        ),
        Case("/close", anywhere(LEADERS), _close.write, at=_close.at),
        Case("/publish", anywhere(LEADERS), _publish.write, at=_publish.at),
        Case("/report", anywhere(COMMITTEE), plain("/report")),
        Case(
            "/minutes",
            anywhere(COMMITTEE | {"group_leader"}),  # a group leader for the own group
            lambda w: plain(f"/minutes {w.group_meeting}")(w),
            at=lambda w: local("2026-03-05T17:00"),
        ),
        Case("/export", anywhere(LEADERS), plain("/export csv")),
        Case("/joins", anywhere(LEADERS), plain("/joins")),
        Case("/approve", anywhere(LEADERS), with_target(World.fresh_join_request, "/approve {id} 预备")),
        Case("/web", anywhere(EVERYONE), plain("/web")),
        Case(
            "/meeting lesson",
            anywhere(LEADERS),  # a 党课 is the branch's: its secretaries set topic and speaker
            with_target(
                lambda w: w.meeting_on("t1", "2026-03-26"), "/meeting lesson {id} 学习党章 主讲:@zhangwei"
            ),
        ),
        Case(
            "/meeting notheld",
            anywhere(LEADERS | {"group_leader"}),  # group leader: own group's meeting
            _not_held.write,
            at=_not_held.at,
        ),
        Case(
            "/attendance",
            anywhere(LEADERS | {"discipline", "group_leader"}),  # 纪检委员; a group leader: own group
            lambda w: plain(f"/attendance {w.group_meeting} @liuyang 出席")(w),
            at=lambda w: local("2026-03-05T15:30"),
        ),
        Case(
            "/leave approve",
            anywhere(LEADERS),  # issue 18: the 书记 or 副书记 (a group leader: own group's meeting only)
            with_target(World.fresh_leave_request, "/leave approve {id} @liuyang"),
        ),
        Case(
            "/leave refuse",
            anywhere(LEADERS),
            with_target(World.fresh_leave_request, "/请假 不批准 {id} @liuyang 本次大会要表决"),
        ),
        Case("/points adjust", anywhere(LEADERS), plain("/points adjust @liuyang +1 带头完成课题")),
        Case(
            "/points reverse",
            anywhere(LEADERS),
            with_target(World.fresh_points_entry, "/points reverse {id} 录入有误"),
        ),
    ]


async def database_rows(app: App) -> object:
    """Every row of every table, to show that a refused command changed nothing.

    On PostgreSQL one query returns a digest of each table (a round trip per table would make the
    matrix slow); on SQLite, on the loop's thread, reading the rows themselves is quick.
    """
    async with app.store.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            digests = [
                f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table.name} AS t)"
                for table in metadata.sorted_tables
            ]
            return tuple((await connection.execute(text("SELECT " + ", ".join(digests)))).one())
        rows: dict[str, list[tuple[object, ...]]] = {}
        for table in metadata.sorted_tables:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result]
        return rows


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The codes of the refusals the conversation renders (DomainError and parse errors), in order."""
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


async def test_no_role_command_or_chat_escalates(app: App, refusals: list[str]) -> None:
    world = World(app)
    await plan_meetings(app, local("2026-03-01T08:00"))
    world.group_meeting = await world.meeting_on("math", "2026-03-05")
    world.committee_meeting = await world.meeting_on("t1:committee", "2026-03-12")
    await world.say("zhangwei", "branch", "/meeting new 党员大会 2026-03-19 15:30 专题党课")
    world.congress = await world.latest("meetings")
    # The test branch signs in online; this meeting is held in the room (issue 18).
    code_meeting = await world.meeting_on("math", "2026-03-19")
    async with app.deps.uow() as uow:
        stored = await uow.meetings.get(code_meeting)
        assert stored is not None
        await uow.meetings.update(replace(stored, signin=SignInMethod.CODE))
        await uow.commit()
    world.code_meeting = code_meeting
    assert refusals == [], "setting up the branch was refused"

    cells = escalations = 0
    wrongly_refused: list[str] = []
    escalated: list[str] = []
    for case in cases():
        for role, person in PEOPLE.items():
            for chat in CHATS:
                line = await case.write(world)
                setup_refusals = len(refusals)
                may = case.may(role, chat)
                before = None if may else await database_rows(app)
                incoming = Incoming("console", person, chat, chat, line)
                replies = await app.conversation.handle_text(incoming, case.at(world))
                refused = refusals[setup_refusals:]
                cells += 1
                where = f"{case.name} by {role} in {chat}: {line!r} -> {refused or 'done'}"
                assert replies, where
                assert not [code for code in refused if code.startswith("parse:")], where
                if may:
                    if refused:
                        wrongly_refused.append(where)
                elif not refused:
                    escalations += 1
                    escalated.append(where)
                elif await database_rows(app) != before:
                    escalations += 1
                    escalated.append(f"{where} (refused, but the database changed)")
    attack_counts.count("permission matrix", cells=cells, escalations=escalations)
    assert escalated == []
    assert wrongly_refused == [], "\n".join(wrongly_refused)
