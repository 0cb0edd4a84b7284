"""A month of the example branch, played through the console machinery: how much the bot posts, where.

The example config's branch (15 members, a branch chat, a committee chat, three group chats) on a
fresh SQLite file and a simulated clock. Every day a scripted branch does what members do: answers
notices (most yes, some on leave, some late or never), signs in, records decisions at the 支委会 with
ordinary members as owners, claims and finishes tasks (some late, some never), asks for /tasks and
/points. The bot's own posts go through the real announcer and outbox; replies come from the shared
conversation layer, as on every platform.

It prints the posts per chat and per kind and, as its last line, how many of the bot's own posts
concern no one who reads the chat they went to:

    posts concerning no one in their chat: N

Whom a post concerns is computed when it is sent, from the stored state: a notice or sign-in the
members expected at the meeting, a reminder the people it names (no answer yet, no 发言提纲), a task
reminder its owner, a 决议清单, 议事台账 check, quorum warning or 公示 reminder the secretary and
deputy, a 公示 or month-end summary the members of the chat's unit. Who reads a chat is the roster:
the branch chat every member, the committee chat the committee, a group chat the group, a private
chat its member. A post whose people are all outside its chat, or that concerns nobody, counts.

    python bench/noise.py [--start 2026-03-01] [--days 31] [--seed 14]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanhui_bot.adapters.console.console import ConsoleChat, SimulatedClock  # noqa: E402
from sanhui_bot.app import App, open_app, plan_meetings  # noqa: E402
from sanhui_bot.config import load_settings  # noqa: E402
from sanhui_bot.domain.announcements import PostKind, private_chat_member  # noqa: E402
from sanhui_bot.domain.attendance import recorders  # noqa: E402
from sanhui_bot.domain.model import MeetingKind, MeetingStatus, Member, Role, TaskStatus  # noqa: E402
from sanhui_bot.render.replies import Reply  # noqa: E402
from sanhui_bot.scheduler.announcer import Announcer  # noqa: E402
from sanhui_bot.services import announcements, signin_codes  # noqa: E402
from sanhui_bot.services.ports import OutboxRow  # noqa: E402

EXAMPLE = ROOT / "config.example.toml"
REPLY = "reply"  # the kind under which answers to commands are counted
LEADERS_KINDS = {
    PostKind.QUORUM_WARNING,
    PostKind.DECISION_LIST,
    PostKind.LEDGER_CHECK,
    PostKind.PUBLISH_REMINDER,
}
EXPECTED_KINDS = {PostKind.NOTICE, PostKind.MEETING_MOVED, PostKind.SIGNIN_OPEN, PostKind.SIGNIN_CLOSED}
TASK_KINDS = {PostKind.TASK_DUE_SOON, PostKind.TASK_DUE_TODAY, PostKind.TASK_OVERDUE}


@dataclass
class Post:
    chat: str
    kind: str
    concerned: frozenset[str]  # member keys; empty for replies (they answer whoever wrote)
    text: str


@dataclass
class Played:
    posts: list[Post] = field(default_factory=list)
    unconcerned: list[Post] = field(default_factory=list)


class CountingConsole(ConsoleChat):
    """The console, keeping every post instead of (only) printing it."""

    def __init__(self, *args: object, played: Played, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.played = played
        self.current: tuple[str, frozenset[str]] | None = None  # (kind, concerned) of the own post

    def serves(self, chat: str) -> bool:
        return True  # a private chat too: the console shows it like any other

    async def post(self, chat: str, reply: Reply) -> str:
        kind, concerned = self.current or (REPLY, frozenset())
        self.played.posts.append(Post(chat, kind, concerned, reply.text))
        return await super().post(chat, reply)


class CountingAnnouncer(Announcer):
    """The announcer, telling the console what each of its posts is and whom it concerns."""

    def __init__(self, *args: object, console: CountingConsole, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.console = console

    async def _deliver_row(self, row: OutboxRow, now: datetime) -> bool:
        concerned = await concerned_by(self.deps, row)
        self.console.current = (row.kind, concerned)
        try:
            return await super()._deliver_row(row, now)
        finally:
            self.console.current = None


def _about(row: OutboxRow) -> int | None:
    """The meeting or task number a row is about ("meeting:12", "task:7"), None for a month."""
    about = row.payload.get("about") or row.payload.get("subject") or ""
    kind, _, number = about.partition(":")
    return int(number) if kind in ("meeting", "task") and number.isdigit() else None


async def _members(deps: object) -> list[Member]:
    async with deps.uow() as uow:  # type: ignore[attr-defined]
        return [m for m in await deps.roster.members(uow) if m.active]  # type: ignore[attr-defined]


async def concerned_by(deps: object, row: OutboxRow) -> frozenset[str]:
    """The members a post is for, from the state when it is sent."""
    kind = PostKind(row.kind)
    number = _about(row)
    members = await _members(deps)
    if kind in TASK_KINDS and number is not None:
        async with deps.uow() as uow:  # type: ignore[attr-defined]
            task = await uow.tasks.get(number)
        return frozenset({task.owner}) if task is not None else frozenset()
    if kind in LEADERS_KINDS:
        return frozenset(m.key for m in members if m.is_leader)
    if kind is PostKind.MONTH_END:
        return readers(deps, row.chat, members)
    if number is None:
        return frozenset()
    data = await announcements.meeting_announcement(deps, number, with_attendance=False)  # type: ignore[arg-type]
    if data is None:
        return frozenset()
    tally = data.view.tally
    if kind in EXPECTED_KINDS:
        return frozenset(tally.expected)
    if kind is PostKind.REMINDER_DAY:
        return frozenset(tally.unanswered) | frozenset(data.missing_outlines)
    if kind is PostKind.REMINDER_HOUR:
        return frozenset(tally.unanswered)
    if kind is PostKind.PUBLICATION:
        unit = data.view.meeting.unit
        return frozenset(m.key for m in members if m.belongs_to(unit))
    if kind is PostKind.ATTENDANCE_UNRECORDED:
        return frozenset(recorders(data.view.meeting, members))
    return frozenset()


def readers(deps: object, chat: str, members: list[Member]) -> frozenset[str]:
    """Who reads a chat, by the roster: the unit's members, or the member of a private chat."""
    member = private_chat_member(chat)
    if member is not None:
        return frozenset({member})
    ctx = deps.org.chat_context(chat)  # type: ignore[attr-defined]
    if ctx is None:
        return frozenset()
    return frozenset(m.key for m in members if m.belongs_to(ctx.unit))


def concerning_no_one(posts: list[Post], readers_of: dict[str, frozenset[str]]) -> list[Post]:
    """The bot's own posts none of whose people read the chat they went to (or that concern nobody)."""
    return [
        post
        for post in posts
        if post.kind != REPLY and not post.concerned & readers_of.get(post.chat, frozenset())
    ]


class Branch:
    """The scripted members: what they type, and when."""

    def __init__(self, app: App, console: CountingConsole, seed: int) -> None:
        self.app = app
        self.console = console
        self.random = random.Random(seed)
        self.deps = app.deps
        self.branch = app.deps.org.branches[0]
        self.decided: set[int] = set()  # committee meetings whose decisions are recorded
        self.closed: set[int] = set()
        self.published: set[int] = set()
        self.signed: set[int] = set()
        self.finishing: dict[int, date] = {}  # task -> the day its owner reports it done

    async def say(self, user: str, chat: str, text: str) -> None:
        await self.console.handle_line(f"{user}@{chat}: {text}")

    def chat_of(self, unit: str) -> str:
        return self.deps.org.chat_for_unit(unit) or self.branch.chat

    def secretary(self, members: list[Member]) -> Member:
        return next(m for m in members if m.is_leader)

    async def morning(self, now: datetime) -> None:
        """10:00: answers to the notices out, 公示 of yesterday's closes, claims, done reports, a list."""
        members = await _members(self.deps)
        today = self.deps.local_date(now)
        async with self.deps.uow() as uow:
            ahead = await uow.meetings.between(None, now, now + timedelta(days=4))
            closed = await uow.meetings.with_status(MeetingStatus.CLOSED)
            tasks = await uow.tasks.list(self.branch.key, [TaskStatus.OPEN, TaskStatus.CLAIMED])
        for meeting in ahead:
            if meeting.id is None or meeting.status is MeetingStatus.CANCELLED:
                continue
            data = await announcements.meeting_announcement(self.deps, meeting.id, with_attendance=False)
            if data is None or today < data.view.meeting.starts_at.astimezone(
                self.deps.tz
            ).date() - timedelta(3):
                continue
            chat = self.chat_of(meeting.unit)
            for key in data.view.tally.unanswered:
                roll = self.random.random()
                if roll < 0.45:
                    await self.say(key, chat, f"/rsvp {meeting.id} 参加")
                elif roll < 0.52:
                    await self.say(key, chat, f"/rsvp {meeting.id} 请假 公假 外出培训")
            if meeting.kind is MeetingKind.CONGRESS:
                for key in data.missing_outlines:
                    if self.random.random() < 0.4:
                        await self.say(key, chat, f"/outline {meeting.id} 结合岗位谈学习体会")
        secretary = self.secretary(members)
        for meeting in closed:
            if meeting.id not in self.published and meeting.branch == self.branch.key:
                self.published.add(meeting.id or 0)
                await self.say(secretary.key, self.branch.committee_chat, f"/publish {meeting.id}")
        by_key = {m.key: m for m in members}
        for task in tasks:
            owner = by_key.get(task.owner)
            if task.status is TaskStatus.OPEN and task.group is not None:
                leader = next((m for m in members if m.group == task.group and m.has_any(GROUP_LEADER)), None)
                if leader is not None and self.random.random() < 0.6:
                    await self.say(leader.key, self.chat_of(task.group), f"/claim {task.id}")
            if task.id in self.finishing and self.finishing[task.id] <= today and owner is not None:
                await self.say(
                    owner.key, self.chat_of(owner.group or self.branch.key), f"/done {task.id} 已完成"
                )
        if self.random.random() < 0.3:
            asker = self.random.choice(members)
            await self.say(asker.key, self.chat_of(asker.group or self.branch.key), "/tasks")
        if self.random.random() < 0.2:
            asker = self.random.choice(members)
            await self.say(asker.key, self.branch.chat, "/points")

    async def during(self, now: datetime) -> None:
        """Meetings in session: sign-in, a committee's decisions; meetings just ended: /close."""
        members = await _members(self.deps)
        secretary = self.secretary(members)
        ordinary = [m for m in members if not m.is_committee]
        async with self.deps.uow() as uow:
            recent = await uow.meetings.between(None, now - timedelta(hours=3), now + timedelta(minutes=1))
        for meeting in recent:
            if meeting.id is None or meeting.status is MeetingStatus.CANCELLED:
                continue
            chat = self.chat_of(meeting.unit)
            started, ended = meeting.starts_at <= now, meeting.ends_at <= now
            if started and not ended and meeting.id not in self.signed:
                self.signed.add(meeting.id)
                data = await announcements.meeting_announcement(self.deps, meeting.id, with_attendance=False)
                # In the room: the code the 签到大屏 shows now, as the console's `:scan` reads it
                code = await signin_codes.code_on_screen(self.deps, meeting.id, now)
                signin = f"/signin {meeting.id} {code}" if code else f"/signin {meeting.id}"
                for key in data.view.tally.yes if data else []:
                    if self.random.random() < 0.85:
                        await self.say(key, chat, signin)
                if meeting.kind is MeetingKind.COMMITTEE and meeting.id not in self.decided:
                    self.decided.add(meeting.id)
                    for n in range(self.random.randint(3, 5)):
                        owner = self.random.choice(ordinary)
                        due = self.deps.local_date(now) + timedelta(days=self.random.randint(5, 16))
                        group = f" 小组:{owner.group}" if owner.group and n % 2 == 0 else ""
                        await self.say(
                            secretary.key,
                            chat,
                            f"/decision 落实事项{meeting.id}-{n + 1} @{owner.key} 截止:{due.isoformat()}{group}",
                        )
                        roll = self.random.random()
                        if roll < 0.6:  # most are done on time, some late, some not this month
                            self.finishing[await self._last_task()] = due - timedelta(days=1)
                        elif roll < 0.8:
                            self.finishing[await self._last_task()] = due + timedelta(days=8)
            if ended and meeting.id not in self.closed and meeting.kind is not MeetingKind.LESSON:
                self.closed.add(meeting.id)
                await self.say(secretary.key, self.branch.committee_chat, f"/close {meeting.id}")

    async def _last_task(self) -> int:
        async with self.deps.uow() as uow:
            tasks = await uow.tasks.list(self.branch.key, list(TaskStatus))
        return max(task.id or 0 for task in tasks)


GROUP_LEADER = frozenset({Role.GROUP_LEADER})


async def play(start: date, days: int, seed: int, out: io.TextIOBase | None = None) -> Played:
    """Play `days` days of the example branch from `start`; return every post with whom it concerns."""
    settings = load_settings(EXAMPLE)
    played = Played()
    with tempfile.TemporaryDirectory() as scratch:
        begin = datetime.combine(start, time(8, 0), tzinfo=settings.tz)
        app = await open_app(settings, Path(scratch) / "noise.db", begin)
        try:
            await plan_meetings(app, begin)
            clock = SimulatedClock(begin)
            console = CountingConsole(
                app.conversation, clock, settings.tz, out or io.StringIO(), played=played
            )
            announcer = CountingAnnouncer(app.deps, settings.language, [console], console=console)

            async def at_moment(previous: datetime, moment: datetime) -> None:
                clock.advance_to(moment)

            async def step(before: datetime, after: datetime) -> None:
                await announcer.advance(before, after, at_moment)

            console.on_clock = step
            console.after_line = announcer.deliver
            await announcer.start(begin)
            branch = Branch(app, console, seed)
            for offset in range(days):
                day = start + timedelta(days=offset)
                await console.handle_line(f":clock {day.isoformat()}T10:00")
                await branch.morning(clock.now)
                for hour, minute in ((14, 40), (15, 40), (16, 40), (17, 40), (18, 30)):
                    await console.handle_line(f":clock {day.isoformat()}T{hour:02d}:{minute:02d}")
                    await branch.during(clock.now)
            await console.handle_line(f":clock {(start + timedelta(days=days)).isoformat()}T08:00")
            members = await _members(app.deps)
            chats = {post.chat for post in played.posts}
            played.unconcerned = concerning_no_one(
                played.posts, {chat: readers(app.deps, chat, members) for chat in chats}
            )
        finally:
            await app.close()
    return played


def report(played: Played) -> str:
    """The figures: posts per chat (own and replies), per kind, and the unconcerned count last."""
    lines = []
    own = [post for post in played.posts if post.kind != REPLY]
    lines.append(
        f"posts: {len(played.posts)} ({len(own)} by the bot on its own, {len(played.posts) - len(own)} replies)"
    )
    lines.append("per chat (own + replies):")
    per_chat_own = Counter(post.chat for post in own)
    per_chat_all = Counter(post.chat for post in played.posts)
    for chat, count in sorted(per_chat_all.items(), key=lambda item: (-item[1], item[0])):
        lines.append(
            f"  {chat:<16} {count:>4}  ({per_chat_own[chat]} own + {count - per_chat_own[chat]} replies)"
        )
    lines.append("per kind:")
    for kind, count in sorted(
        Counter(post.kind for post in played.posts).items(), key=lambda i: (-i[1], i[0])
    ):
        lines.append(f"  {kind:<16} {count:>4}")
    for post in played.unconcerned:
        first = post.text.splitlines()[0] if post.text else ""
        lines.append(f"  concerning no one in {post.chat}: {post.kind}: {first[:80]}")
    lines.append(f"posts concerning no one in their chat: {len(played.unconcerned)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default="2026-03-01", help="the first day played (local date)")
    parser.add_argument("--days", type=int, default=31, help="how many days to play")
    parser.add_argument("--seed", type=int, default=14, help="the scripted branch's random seed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    played = asyncio.run(play(date.fromisoformat(args.start), args.days, args.seed))
    print(report(played))


if __name__ == "__main__":
    main()
