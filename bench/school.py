"""The 党委's school summary for a district: 200 branches on SQLite and PostgreSQL, goal < 2 s.

A generated district (tests/pg/district.py): 200 branches of 30 members (5 chats each). Seeded with
the year's planned meetings and a realistic first quarter (bulk SQL, seeded random): most meetings
held with about 85% signed in, some leave asked, one in ten left unrecorded (a gap); three decisions
with tasks at each committee meeting, their 决议清单 published on time, late or never; tasks done on
time, late or still open. Then, per database, `school_summary` — what `/report school`, the school
workbook's 全校汇总 and the school month-end compute — is timed for the month (2026-03), the quarter
(2026Q1) and the year (2026) as asked on 2026-04-01 09:00, each `--runs` times (median, min-max).

    python bench/school.py [--branches 200] [--members 30] [--runs 3] [--backends sqlite,postgresql]
        [--postgres-url postgresql://postgres@127.0.0.1:55432/postgres]

PostgreSQL: a superuser url of a server to create a scratch database on (default: the tests'
SANHUI_TEST_POSTGRES_URL; start one with `bash tests/pg/start_cluster.sh`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "pg"))
sys.path.insert(0, str(ROOT / "bench"))

from district import district_config  # noqa: E402
from month_end import scratch_postgres  # noqa: E402

from sanhui_bot.app import App, open_app, roster_members  # noqa: E402
from sanhui_bot.config import parse_settings  # noqa: E402
from sanhui_bot.domain.compliance import Period, PeriodKind  # noqa: E402
from sanhui_bot.domain.model import MeetingKind, MeetingStatus  # noqa: E402
from sanhui_bot.domain.quorum import expected_members  # noqa: E402
from sanhui_bot.services import meetings, roster, school  # noqa: E402
from sanhui_bot.storage.schema import decisions, rsvps, signins, tasks  # noqa: E402
from sanhui_bot.storage.schema import meetings as meeting_rows  # noqa: E402

PERIODS = {
    "month 2026-03": Period(2026, PeriodKind.MONTH, 3),
    "quarter 2026Q1": Period(2026, PeriodKind.QUARTER, 1),
    "year 2026": Period(2026, PeriodKind.YEAR),
}
ASKED = "2026-04-01T09:00"


async def seed(app: App, rng: random.Random) -> dict[str, int]:
    """A first quarter as branches live it (see the module docstring); returns what was written."""
    await meetings.ensure_year_planned(app.deps, 2026)
    tz = app.settings.tz
    start, end = Period(2026, PeriodKind.QUARTER, 1).bounds(tz)
    async with app.deps.uow() as uow:
        quarter = await uow.meetings.between(None, start, end)
        branch_members = {b.key: await app.deps.roster.branch(uow, b.key) for b in app.settings.branches}
    signin_rows: list[dict[str, Any]] = []
    rsvp_rows: list[dict[str, Any]] = []
    published: list[tuple[int, datetime | None]] = []
    decision_rows: list[dict[str, Any]] = []
    for meeting in quarter:
        if rng.random() < 0.1:
            continue  # nobody signed in, nothing recorded: not held (a gap)
        for member in expected_members(meeting, branch_members[meeting.branch]):
            draw = rng.random()
            if draw < 0.85:
                signin_rows.append(
                    {"meeting_id": meeting.id, "member": member.key, "signed_at": meeting.starts_at}
                )
            elif draw < 0.92:
                rsvp_rows.append(
                    {
                        "meeting_id": meeting.id,
                        "member": member.key,
                        "answer": "leave",
                        "answered_at": meeting.starts_at - timedelta(days=1),
                        "leave_type": "personal",
                        "reason": "外出",
                    }
                )
        if meeting.kind is MeetingKind.COMMITTEE:
            draw = rng.random()
            days = 1 if draw < 0.8 else (6 if draw < 0.9 else None)
            published.append((meeting.id or 0, meeting.starts_at + timedelta(days=days) if days else None))
            for number in range(3):
                decision_rows.append(
                    {
                        "branch": meeting.branch,
                        "unit": meeting.unit,
                        "title": f"决议{meeting.id}-{number}",
                        "recorded_by": branch_members[meeting.branch][0].key,
                        "recorded_at": meeting.starts_at + timedelta(minutes=30),
                        "meeting_id": meeting.id,
                    }
                )
    async with app.store.engine.begin() as connection:
        await connection.execute(signins.insert(), signin_rows)
        await connection.execute(rsvps.insert(), rsvp_rows)
        for meeting_id, published_at in published:
            await connection.execute(
                meeting_rows.update()
                .where(meeting_rows.c.id == meeting_id)
                .values(
                    status=MeetingStatus.PUBLISHED.value if published_at else MeetingStatus.CLOSED.value,
                    closed_at=published_at,
                    published_at=published_at,
                )
            )
        ids = (
            await connection.execute(
                decisions.insert().returning(decisions.c.id, decisions.c.branch, decisions.c.recorded_at),
                decision_rows,
            )
        ).all()
        task_rows = []
        for decision_id, branch, recorded_at in ids:
            owner = rng.choice(branch_members[branch])
            due = (recorded_at + timedelta(days=14)).astimezone(tz).date()
            draw = rng.random()
            done_at = recorded_at + timedelta(days=10 if draw < 0.6 else 20) if draw < 0.8 else None
            task_rows.append(
                {
                    "decision_id": decision_id,
                    "branch": branch,
                    "unit": branch,
                    "title": f"任务{decision_id}",
                    "owner": owner.key,
                    "due_on": due,
                    "created_at": recorded_at,
                    "group_key": owner.group,
                    "status": "done" if done_at else "open",
                    "done_at": done_at,
                    "done_on": done_at.astimezone(tz).date() if done_at else None,
                    "done_note": "",
                }
            )
        await connection.execute(tasks.insert(), task_rows)
    return {
        "meetings in Q1": len(quarter),
        "sign-ins": len(signin_rows),
        "leave": len(rsvp_rows),
        "decisions/tasks": len(task_rows),
    }


async def run_on(url: str, config: dict[str, Any], runs: int) -> dict[str, list[float]]:
    settings = parse_settings({**config, "database": {"url": url}})
    app = await open_app(settings.model_copy(update={"members": []}))  # migrate only, roster below
    results: dict[str, list[float]] = {label: [] for label in PERIODS}
    try:
        app.settings = settings
        await roster.sync_roster(app.deps, roster_members(settings), datetime.now(UTC))
        written = await seed(app, random.Random(7))
        print("  seeded: " + ", ".join(f"{count} {what}" for what, count in written.items()), flush=True)
        now = datetime.fromisoformat(ASKED).replace(tzinfo=app.settings.tz)
        for label, period in PERIODS.items():
            for _ in range(runs):
                started = time.perf_counter()
                standings = await school.school_summary(app.deps, period, now)
                results[label].append(time.perf_counter() - started)
            assert len(standings) == len(settings.branches)
            print(f"  {label:<16} " + "  ".join(f"{value:6.2f} s" for value in results[label]), flush=True)
    finally:
        await app.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--members", type=int, default=30, help="members per branch (default 30)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("SANHUI_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    config = district_config(args.branches, args.members)
    print(f"district: {args.branches} branches, {len(config['members'])} members; asked on {ASKED}")
    table: dict[str, dict[str, list[float]]] = {}
    for backend in args.backends.split(","):
        print(f"{backend}:", flush=True)
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as directory:
                table[backend] = await run_on(f"sqlite:///{Path(directory) / 'bench.db'}", config, args.runs)
        elif backend == "postgresql":
            if not args.postgres_url:
                sys.exit("no PostgreSQL: pass --postgres-url or set SANHUI_TEST_POSTGRES_URL")
            url, drop = await scratch_postgres(args.postgres_url)
            try:
                table[backend] = await run_on(url, config, args.runs)
            finally:
                await drop()
        else:
            sys.exit(f"unknown backend {backend!r}")
    print(f"\n| school summary ({args.runs} runs: median, min-max) | " + " | ".join(table) + " |")
    print("|---|" + "---:|" * len(table))
    for label in PERIODS:
        cells = []
        for backend in table:
            values = table[backend][label]
            cells.append(f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())
