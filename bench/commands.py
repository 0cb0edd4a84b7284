"""Services-level throughput and latency of /rsvp and /decision on SQLite, against raw aiosqlite upserts.

A branch of 200 members in 5 groups with a year of data (the 2026 plan, RSVPs and sign-ins for every
past meeting, 300 decisions with tasks, their points). Then, in one run on this machine:
- the raw rate of single-row upserts through aiosqlite, one transaction each (same PRAGMAs);
- `/rsvp` and `/decision` through the services, one transaction each, with p50/p99 latency;
- the RSS of `bot.py console` on that database answering a few commands.

    python bench/commands.py [--rsvps 3000] [--decisions 1000] [--upserts 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from seeding import answer_and_attend, percentile  # noqa: E402

from sanhui_bot.app import open_app, plan_meetings  # noqa: E402
from sanhui_bot.commands.model import MemberMention, RecordDecision, Rsvp  # noqa: E402
from sanhui_bot.config import parse_settings  # noqa: E402
from sanhui_bot.domain.model import RsvpAnswer  # noqa: E402
from sanhui_bot.services import meetings, roster, tasks  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
GROUPS = ["g1", "g2", "g3", "g4", "g5"]


def branch_config(members: int, db: Path) -> dict[str, Any]:
    """A branch with `members` members in five groups; member 0 is the secretary, 1-4 committee."""
    chats = {"branch": {"telegram": -1001}, "committee": {"telegram": -1002}}
    chats |= {f"chat-{g}": {"telegram": -1010 - i} for i, g in enumerate(GROUPS)}
    people = []
    for i in range(members):
        roles = ["secretary"] if i == 0 else ["committee"] if i < 5 else []
        if 5 <= i < 10:
            roles = ["group_leader"]
        group = GROUPS[(i - 5) % 5] if 5 <= i < 10 else GROUPS[i % 5]
        people.append(
            {
                "key": f"m{i:03d}",
                "name": f"党员{i:03d}",
                "branch": "t1",
                "roles": roles,
                "group": group,
                "telegram": 20000 + i,
            }
        )
    return {
        "database": {"url": f"sqlite:///{db}"},
        "chats": chats,
        "branches": [
            {
                "key": "t1",
                "name": "基准支部",
                "chat": "branch",
                "committee_chat": "committee",
                "groups": [
                    {"key": g, "name": f"第{i + 1}党小组", "kind": "subject", "chat": f"chat-{g}"}
                    for i, g in enumerate(GROUPS)
                ],
            }
        ],
        "members": people,
    }


def toml_of(config: dict[str, Any]) -> str:
    """Just enough TOML for the benchmark's own config (no TOML writer in the standard library)."""

    def value(v: Any) -> str:
        if isinstance(v, str):
            return '"' + v.replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    lines = [f"[database]\nurl = {value(config['database']['url'])}"]
    for key, ids in config["chats"].items():
        lines.append(f"[chats.{key}]\ntelegram = {ids['telegram']}")
    for branch in config["branches"]:
        lines.append(
            "[[branches]]\n" + "\n".join(f"{k} = {value(v)}" for k, v in branch.items() if k != "groups")
        )
        for group in branch["groups"]:
            lines.append("[[branches.groups]]\n" + "\n".join(f"{k} = {value(v)}" for k, v in group.items()))
    for member in config["members"]:
        lines.append("[[members]]\n" + "\n".join(f"{k} = {value(v)}" for k, v in member.items()))
    return "\n\n".join(lines) + "\n"


async def seed_year(app: Any, members: int, decisions: int) -> None:
    """A year of data: RSVPs and sign-ins for every meeting before December, decisions with tasks, points."""
    rng = random.Random(2026)
    await plan_meetings(app, datetime(2026, 1, 1, tzinfo=TZ))
    roster_members = await roster_list(app)
    async with app.deps.uow() as uow:
        year = await uow.meetings.between(
            None, datetime(2026, 1, 1, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ)
        )
        await answer_and_attend(uow, app.deps.rules, year, roster_members, rng)
        await uow.commit()
    secretary = await roster.identify(app.deps, "console", "m000")
    ctx = app.deps.org.chat_context("branch")
    for i in range(decisions):
        now = datetime(2026, 1, 5, 9, tzinfo=TZ) + timedelta(hours=7 * i)
        cmd = RecordDecision(
            f"年度任务{i}", MemberMention(f"m{rng.randrange(members):03d}"), now.date() + timedelta(days=30)
        )
        await tasks.record_decision(app.deps, secretary, ctx, cmd, now)


async def roster_list(app: Any) -> list[Any]:
    async with app.deps.uow() as uow:
        return await uow.members.list("t1")


async def bench_rsvp(app: Any, count: int, members: int) -> list[float]:
    """/rsvp through the service for the branch's December congress, members answering in turn."""
    ctx = app.deps.org.chat_context("branch")
    async with app.deps.uow() as uow:
        upcoming = await uow.meetings.between(
            ["t1"], datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ)
        )
    meeting = upcoming[0]
    now = meeting.starts_at - timedelta(days=3)
    actors = [await roster.identify(app.deps, "console", f"m{i:03d}") for i in range(members)]
    answers = [RsvpAnswer.YES, RsvpAnswer.NO, RsvpAnswer.LEAVE]
    latencies = []
    for i in range(count):
        answer = answers[i % 3]
        cmd = Rsvp(meeting.id, answer, reason="病了" if answer is RsvpAnswer.LEAVE else "")
        started = time.perf_counter()
        await meetings.answer_rsvp(app.deps, actors[i % members], ctx, cmd, now)
        latencies.append(time.perf_counter() - started)
    return latencies


async def bench_decision(app: Any, count: int, members: int) -> list[float]:
    secretary = await roster.identify(app.deps, "console", "m000")
    ctx = app.deps.org.chat_context("committee")
    now = datetime(2026, 12, 3, 10, tzinfo=TZ)
    latencies = []
    for i in range(count):
        cmd = RecordDecision(
            f"基准决议{i}", MemberMention(f"m{i % members:03d}"), date(2026, 12, 31), MemberMention("m001")
        )
        started = time.perf_counter()
        await tasks.record_decision(app.deps, secretary, ctx, cmd, now)
        latencies.append(time.perf_counter() - started)
    return latencies


async def bench_raw_upserts(path: Path, count: int) -> float:
    """Single-row upserts through aiosqlite, each its own transaction, with the bot's PRAGMAs."""
    async with aiosqlite.connect(path, isolation_level=None) as db:
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS raw (meeting INTEGER, member TEXT, answer TEXT, at TEXT, PRIMARY KEY (meeting, member))"
        )
        started = time.perf_counter()
        for i in range(count):
            await db.execute("BEGIN IMMEDIATE")
            await db.execute(
                "INSERT INTO raw VALUES (?, ?, ?, ?) ON CONFLICT (meeting, member) DO UPDATE SET answer = excluded.answer, at = excluded.at",
                (i % 50, f"m{i % 200:03d}", "yes", "2026-12-01 00:00:00"),
            )
            await db.execute("COMMIT")
        return count / (time.perf_counter() - started)


def console_rss(config_path: Path, db: Path) -> int:
    """Peak RSS (kB) of `bot.py console` on the benchmark database answering a few commands."""
    script = "\n".join(
        [
            "m010@branch: /meetings",
            "m010@branch: /tasks",
            "m010@branch: /points 2026-06",
            "m000@branch: /decision 内存测量 @m011 截止:2026-12-31",
            ":quit",
        ]
    )
    process = subprocess.run(
        [
            sys.executable,
            "bot.py",
            "console",
            "--config",
            str(config_path),
            "--db",
            str(db),
            "--now",
            "2026-12-02T09:00",
        ],
        cwd=ROOT,
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    del process
    # ru_maxrss of waited-for children is in kB on Linux; the console is the only child.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rsvps", type=int, default=3000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--upserts", type=int, default=5000)
    parser.add_argument("--seed-decisions", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        config = branch_config(args.members, db)
        config_path = Path(tmp) / "bench.toml"
        config_path.write_text(toml_of(config), encoding="utf-8")
        app = await open_app(parse_settings(config, "bench"), db)
        started = time.perf_counter()
        await seed_year(app, args.members, args.seed_decisions)
        async with app.deps.uow() as uow:
            counts = (
                len(await uow.meetings.list()),
                len(await uow.attendance.rsvps()),
                len(await uow.points.entries()),
                len(await uow.tasks.list()),
            )
        print(
            f"seeded a year in {time.perf_counter() - started:.1f}s: {counts[0]} meetings, {counts[1]} RSVPs, "
            f"{counts[2]} point entries, {counts[3]} tasks, {args.members} members"
        )

        raw_rate = await bench_raw_upserts(Path(tmp) / "raw.db", args.upserts)
        rsvp = await bench_rsvp(app, args.rsvps, args.members)
        decision = await bench_decision(app, args.decisions, args.members)
        await app.close()

        def line(name: str, samples: list[float]) -> float:
            rate = len(samples) / sum(samples)
            print(
                f"{name:<10} {rate:8.0f} ops/s   p50 {percentile(samples, 0.5) * 1000:6.2f} ms   "
                f"p99 {percentile(samples, 0.99) * 1000:6.2f} ms   ({len(samples)} ops)"
            )
            return rate

        print(
            f"{'raw upsert':<10} {raw_rate:8.0f} ops/s   (aiosqlite, one row per transaction, {args.upserts} ops)"
        )
        rsvp_rate = line("/rsvp", rsvp)
        line("/decision", decision)
        print(f"/rsvp rate / raw upsert rate = {rsvp_rate / raw_rate:.0%} (target ≥ 30%)")
        rss = console_rss(config_path, db)
        print(f"console peak RSS on this database: {rss / 1024:.0f} MB (target < 100 MB)")


if __name__ == "__main__":
    asyncio.run(main())
