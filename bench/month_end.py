"""The month-end computation for a district: 1,000 chats and 20,000 members, on SQLite and PostgreSQL.

A generated district (tests/pg/district.py): 200 branches of 100 members, each branch with a branch
chat, a committee chat and three group chats (1,000 chats). Seeded with the year's planned meetings,
March's points (three entries per member, 60,000 entries) and five tasks per branch. Then, per
database, timed once each:
- `roster sync`: loading the 20,000-member roster from the config into an empty database (as at
  start-up: `sync_config_roster`);
- `roster re-sync`: the same again, unchanged (what every start of every instance does: the config's
  fingerprint, the roster's version and the day are compared, nothing replayed);
- `summaries + text`: `month_summaries` for every chat (the data of the 积分公示栏, each branch read
  once for its five chats, as the scheduler computes them) and each chat's text;
- `plan into outbox`: the scheduler planning the month-end window, text only (charts off), i.e.
  every summary computed, rendered and written to the outbox in one transaction;
- `one chart`: one branch's summary and its month-end chart (matplotlib, after a warm-up draw); the
  scheduler draws one for each of the 800 branch and group chats when it plans the month-end.

    python bench/month_end.py [--branches 200] [--members 100] [--backends sqlite,postgresql]
        [--postgres-url postgresql://postgres@127.0.0.1:55432/postgres]

PostgreSQL: a superuser url of a server to create a scratch database on (default: the tests'
SANHUI_TEST_POSTGRES_URL; start one with `bash tests/pg/start_cluster.sh`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "pg"))

from district import district_config  # noqa: E402

from sanhui_bot.app import App, open_app, roster_members, sync_config_roster  # noqa: E402
from sanhui_bot.config import parse_settings  # noqa: E402
from sanhui_bot.domain.points import PointReason  # noqa: E402
from sanhui_bot.render.chart import ChartUnavailable, month_chart  # noqa: E402
from sanhui_bot.render.replies import renderer_for  # noqa: E402
from sanhui_bot.render.summaries import render_summary  # noqa: E402
from sanhui_bot.scheduler import announcer as announcer_module  # noqa: E402
from sanhui_bot.services import announcements, meetings, summaries  # noqa: E402
from sanhui_bot.storage.schema import points, tasks  # noqa: E402

T = TypeVar("T")
MONTH = (2026, 3)
MONTH_END_LOCAL = "2026-03-31T18:00"


async def timed(label: str, work: Callable[[], Awaitable[T]], results: dict[str, float]) -> T:
    started = time.perf_counter()
    value = await work()
    results[label] = time.perf_counter() - started
    print(f"  {label:<22} {results[label]:8.2f} s", flush=True)
    return value


async def seed(app: App, rng: random.Random) -> None:
    """The year's meetings, March's points for every member, five tasks per branch (bulk SQL)."""
    await meetings.ensure_year_planned(app.deps, 2026)
    members = [entry.member for entry in roster_members(app.settings)]
    tz = app.settings.tz
    entries: list[dict[str, Any]] = []
    reasons = [PointReason.SIGNIN, PointReason.SUGGESTION, PointReason.ABSENT]
    for member in members:
        for number, reason in enumerate(reasons):
            day = rng.randint(1, 28)
            entries.append(
                {
                    "member": member.key,
                    "delta": app.deps.rules.value(reason),
                    "reason": reason.value,
                    "source": f"bench:{number}",
                    "occurred_at": datetime(2026, 3, day, 10, tzinfo=tz),
                    "note": "",
                }
            )
    task_rows: list[dict[str, Any]] = []
    for branch in app.settings.branches:
        owners = [m for m in members if m.branch == branch.key]
        for number in range(5):
            owner = owners[number + 5]
            done = number < 3
            task_rows.append(
                {
                    "branch": branch.key,
                    "unit": branch.key,
                    "title": f"任务{number}",
                    "owner": owner.key,
                    "due_on": date(2026, 3, 10 + number * 4),
                    "created_at": datetime(2026, 3, 2, 9, tzinfo=tz),
                    "group_key": owner.group,
                    "status": "done" if done else "open",
                    "done_at": datetime(2026, 3, 12, 9, tzinfo=tz) if done else None,
                    "done_on": date(2026, 3, 12) if done else None,
                    "done_note": "",
                }
            )
    async with app.store.engine.begin() as connection:
        await connection.execute(points.insert(), entries)
        await connection.execute(tasks.insert(), task_rows)


async def month_end(app: App) -> int:
    renderer = await renderer_for(app.deps, app.settings.language)
    now = datetime.fromisoformat(MONTH_END_LOCAL).replace(tzinfo=app.settings.tz)
    found = await summaries.month_summaries(app.deps, list(app.settings.chats), *MONTH, now)
    return sum(len(render_summary(summary, renderer)) for summary in found.values())


async def plan_window(app: App) -> int:
    tz = app.settings.tz
    await announcements.start_planning(app.deps, datetime(2026, 3, 31, 17, 59, tzinfo=tz))
    planner = announcer_module.Announcer(app.deps, app.settings.language, [], instance="bench")
    return await planner.plan(datetime(2026, 3, 31, 18, 0, 1, tzinfo=tz))


async def one_chart(app: App) -> int:
    renderer = await renderer_for(app.deps, app.settings.language)
    now = datetime.fromisoformat(MONTH_END_LOCAL).replace(tzinfo=app.settings.tz)
    chat = app.settings.branches[0].chat
    summary = await summaries.month_summary(app.deps, chat, *MONTH, now)
    try:
        return len(month_chart(summary, renderer).png)
    except ChartUnavailable:
        return 0


async def run_on(url: str, config: dict[str, Any]) -> dict[str, float]:
    results: dict[str, float] = {}
    settings = parse_settings({**config, "database": {"url": url}})
    app = await open_app(settings.model_copy(update={"members": []}))  # migrate only, roster below
    try:
        app.settings = settings
        await timed("roster sync", lambda: sync_config_roster(app.deps, settings, datetime.now(UTC)), results)
        await timed(
            "roster re-sync", lambda: sync_config_roster(app.deps, settings, datetime.now(UTC)), results
        )
        await seed(app, random.Random(7))
        await timed("summaries + text", lambda: month_end(app), results)
        original_chart = announcer_module.month_chart

        def text_only(*_args: object) -> None:
            raise ChartUnavailable("charts off for the benchmark's planning run")

        announcer_module.month_chart = text_only  # type: ignore[assignment]
        logging.getLogger(announcer_module.__name__).setLevel(logging.ERROR)  # 800 "no picture" lines
        try:
            planned = await timed("plan into outbox", lambda: plan_window(app), results)
        finally:
            announcer_module.month_chart = original_chart
        assert planned == len(settings.chats), f"planned {planned} posts for {len(settings.chats)} chats"
        await one_chart(app)  # loads matplotlib and the CJK font once
        await timed("one chart", lambda: one_chart(app), results)
    finally:
        await app.close()
    return results


async def scratch_postgres(server_url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"sanhui_bench_{os.getpid()}"
    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()

    async def drop() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await connection.close()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=200, help="5 chats each (default 200: 1,000 chats)")
    parser.add_argument("--members", type=int, default=100, help="members per branch (default 100)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("SANHUI_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    config = district_config(args.branches, args.members)
    chats, members = len(config["chats"]), len(config["members"])
    print(
        f"district: {args.branches} branches, {chats} chats, {members} members; month {MONTH[0]}-{MONTH[1]:02d}"
    )
    table: dict[str, dict[str, float]] = {}
    for backend in args.backends.split(","):
        print(f"{backend}:", flush=True)
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as directory:
                table[backend] = await run_on(f"sqlite:///{Path(directory) / 'bench.db'}", config)
        elif backend == "postgresql":
            if not args.postgres_url:
                sys.exit("no PostgreSQL: pass --postgres-url or set SANHUI_TEST_POSTGRES_URL")
            url, drop = await scratch_postgres(args.postgres_url)
            try:
                table[backend] = await run_on(url, config)
            finally:
                await drop()
        else:
            sys.exit(f"unknown backend {backend!r}")
    labels = list(next(iter(table.values())))
    print("\n| step | " + " | ".join(table) + " |")
    print("|---|" + "---:|" * len(table))
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{table[b][label]:.2f} s" for b in table) + " |")


if __name__ == "__main__":
    asyncio.run(main())
