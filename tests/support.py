"""Helpers the tests share (not fixtures): the test branch's config, local times, a chat driver.

Kept out of conftest.py so that test modules in any folder import them by one unambiguous name:
pytest loads every folder's conftest.py as a module called `conftest`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App
from sanhui_bot.config import Settings
from sanhui_bot.domain.model import Decision, Meeting, MeetingKind
from sanhui_bot.render.replies import Reply
from sanhui_bot.services.export import export_ledger

TZ = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    """A local (Asia/Shanghai) time from ISO text, e.g. local("2026-03-05T14:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _member(key: str, name: str, group: str, roles: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": name, "branch": "t1", "group": group, "roles": roles or [], **extra}


# The branch the tests run against; independent of config.example.toml so examples can change freely.
TEST_CONFIG: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "language": "zh-CN",
    # Online sign-in (the button, a bare /signin N) unless a test asks for the 签到大屏's code: most tests
    # sign in to test something else. tests/test_signin_codes.py runs the product's default, "code".
    "schedule": {"signin": "button"},
    "chats": {
        "branch": {"telegram": -1001},
        "committee": {"telegram": -1002},
        "g-math": {"telegram": -1003},
        "g-grade10": {"telegram": -1004},
        "g-service": {"telegram": -1005},
    },
    "branches": [
        {
            "key": "t1",
            "name": "教工第一党支部",
            "chat": "branch",
            "committee_chat": "committee",
            "groups": [
                {"key": "math", "name": "数学党小组", "kind": "subject", "chat": "g-math"},
                {"key": "grade10", "name": "高一年级党小组", "kind": "grade", "chat": "g-grade10"},
                {"key": "service", "name": "行政服务党小组", "kind": "service", "chat": "g-service"},
            ],
        }
    ],
    "members": [
        _member("zhangwei", "张伟", "math", ["secretary"], telegram=10001),
        _member("wangfang", "王芳", "grade10", ["deputy"], telegram=10002),
        _member("lihua", "李华", "math", ["committee"], telegram=10003),
        _member("zhaolei", "赵磊", "service", ["committee", "discipline"], telegram=10004),
        _member("sunli", "孙丽", "grade10", ["committee"], telegram=10005),
        _member("chenjing", "陈静", "math", ["group_leader"], telegram=10006),
        _member("zhoumin", "周敏", "grade10", ["group_leader"], telegram=10007),
        _member("wujun", "吴军", "service", ["group_leader"], telegram=10008),
        _member("liuyang", "刘洋", "math", telegram=10009),
        _member("xuqiang", "徐强", "grade10", telegram=10010),
        _member("hema", "何马", "math", status="probationary", telegram=10011),
        _member("linyu", "林雨", "service", status="probationary", telegram=10012),
    ],
}


def on_database(settings: Settings, url: str) -> Settings:
    """The settings with `[database] url` replaced."""
    return settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})


class ChatDriver:
    """Writes lines as roster members (console platform) and returns what the bot replies."""

    def __init__(self, app: App, now: datetime) -> None:
        self.app = app
        self.now = now
        self.replies: list[Reply] = []

    async def say(self, user: str, chat: str, text: str, at: datetime | None = None) -> str:
        if at is not None:
            self.now = at
        incoming = Incoming(platform="console", user=user, chat=chat, chat_platform_id=chat, text=text)
        self.replies = await self.app.conversation.handle_text(incoming, self.now)
        return "\n".join(reply.text for reply in self.replies)

    async def export(self) -> dict[str, Any]:
        return await export_ledger(self.app.deps, self.now)


async def meeting_on(app: App, unit: str, kind: MeetingKind, day: str) -> Meeting:
    """The unit's meeting of this kind starting on local date `day`."""
    start = local(f"{day}T00:00")
    async with app.deps.uow() as uow:
        found = await uow.meetings.between([unit], start, start + timedelta(days=1), include_cancelled=True)
    [meeting] = [m for m in found if m.kind is kind]
    return meeting


async def say_ok(chat: ChatDriver, user: str, where: str, text: str, at: str, expect: str) -> None:
    """Say something at local time `at` and check the answer holds `expect`."""
    reply = await chat.say(user, where, text, at=local(at))
    assert expect in reply, reply


ROOT = Path(__file__).resolve().parent.parent


async def start_bot_run(
    config: Path, db: Path, secrets: dict[str, str], *options: str
) -> asyncio.subprocess.Process:
    """`python bot.py [options] run` as a process, with only these SANHUI_* secrets in its environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANHUI_")}
    environment.update(secrets)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "bot.py",
        *options,
        "run",
        "--config",
        str(config),
        "--db",
        str(db),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def hold_decision(app: App, meeting_id: int, at: datetime, title: str = "会议决议") -> None:
    """Let a meeting hold a decision (so it owes a 决议清单), stored without a task (as a congress
    decision voted down is) so that the task numbers of a story stay as they were; a no-op when the
    meeting already holds one."""
    async with app.deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        assert meeting is not None
        if await uow.tasks.count_decisions(meeting_id):
            return
        await uow.tasks.add_decision(
            Decision(None, meeting.branch, meeting.unit, title, "zhangwei", at, meeting_id)
        )
        await uow.commit()


@contextmanager
def sql_statements(app: App) -> Iterator[list[str]]:
    """The SQL statements the app sends to its database inside the block, in order; each transaction
    begun is a "BEGIN" (SQLite's BEGIN IMMEDIATE goes to the driver directly, PostgreSQL's is implicit)."""
    sent: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    def begun(_connection: object) -> None:
        sent.append("BEGIN")

    engine = app.store.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "begin", begun)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "begin", begun)
