"""Does the work grow with the data? The scheduler's tick and `/report month` by age and by district size.

Databases of 1, 3 and 5 years of history for one branch, and of 1 year for 1 branch and for 50
branches (SQLite, each branch 40 members in four groups: every planned meeting with RSVPs and
sign-ins, ten decisions a month with tasks, one in five of them never finished and so overdue for
the rest of the history). On each, timed (median of `--repeat` rounds, taken round-robin over the four databases):
- `tick`: the scheduler planning a 30-second window (what `run` does every half minute; no platform
  is attached, so nothing is sent);
- `/report month`: the first branch's report of the current month, through the conversation layer.

The ratios printed are what it is judged by: each measure at 3 and 5 years over 1 year, and at 50
branches over 1 branch; the goal is at most 1.3× for each.

The history ends at `--now`, by default a fixed moment so that every run measures the same thing:
the first half hour of a month, when the month's report holds no meeting yet and the tasks still
open (which the older databases have more of) weigh the most, the hardest case for the goal.

    python bench/ages.py [--members 40] [--repeat 40] [--now 2026-12-01T00:30+08:00]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from sanhui_bot.adapters.conversation import Incoming  # noqa: E402
from sanhui_bot.app import App, open_app, plan_meetings  # noqa: E402
from sanhui_bot.config import parse_settings  # noqa: E402
from sanhui_bot.domain.model import TaskStatus  # noqa: E402
from sanhui_bot.scheduler.announcer import Announcer  # noqa: E402
from sanhui_bot.services import meetings  # noqa: E402
from sanhui_bot.storage.schema import decisions, rsvps, signins, tasks  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
GROUPS = 4


def district(branches: int, members: int, db: Path) -> dict[str, object]:
    """`branches` branches of `members` members, each with a branch, committee and group chats."""
    chats: dict[str, dict[str, int]] = {}
    config_branches = []
    people = []
    chat_id = -1000
    for b in range(branches):
        key = f"b{b:02d}"
        names = [f"{key}-branch", f"{key}-committee", *(f"{key}-g{g}" for g in range(GROUPS))]
        for name in names:
            chat_id -= 1
            chats[name] = {"telegram": chat_id}
        config_branches.append(
            {
                "key": key,
                "name": f"第{b + 1}支部",
                "chat": names[0],
                "committee_chat": names[1],
                "groups": [
                    {
                        "key": f"{key}g{g}",
                        "name": f"{key}第{g + 1}小组",
                        "kind": "subject",
                        "chat": names[2 + g],
                    }
                    for g in range(GROUPS)
                ],
            }
        )
        for i in range(members):
            roles = ["secretary"] if i == 0 else ["committee"] if i < 4 else ["group_leader"] if i < 8 else []
            people.append(
                {
                    "key": f"{key}m{i:03d}",
                    "name": f"{key}党员{i:03d}",
                    "branch": key,
                    "roles": roles,
                    "group": f"{key}g{i % GROUPS}",
                    "telegram": 100000 * (b + 1) + i,
                }
            )
    return {
        "database": {"url": f"sqlite:///{db}"},
        "chats": chats,
        "branches": config_branches,
        "members": people,
    }


async def seed(app: App, years: int, now: datetime, rng: random.Random) -> None:
    """Meetings with RSVPs and sign-ins, decisions with tasks, for `years` years up to `now`."""
    first = now.year - years + 1
    for year in range(first, now.year + 1):
        await meetings.ensure_year_planned(app.deps, year)
    await plan_meetings(app, now)
    start = datetime(first, 1, 1, tzinfo=TZ)
    async with app.deps.uow() as uow:
        people = await uow.members.list()
        past = await uow.meetings.between(None, start, now - timedelta(days=1))
        answer_rows, signin_rows = [], []
        for meeting in past:
            for member in people:
                if (
                    member.branch != meeting.branch
                    or meeting.unit not in member.units()
                    or rng.random() < 0.2
                ):
                    continue
                answer_rows.append(
                    {
                        "meeting_id": meeting.id,
                        "member": member.key,
                        "answer": "yes",
                        "answered_at": meeting.starts_at - timedelta(days=2),
                        "leave_type": None,
                        "reason": "",
                    }
                )
                signin_rows.append(
                    {"meeting_id": meeting.id, "member": member.key, "signed_at": meeting.starts_at}
                )
        connection = uow.members._connection  # type: ignore[attr-defined]  # bulk seeding only
        for table, rows in ((rsvps, answer_rows), (signins, signin_rows)):
            for chunk in range(0, len(rows), 5000):
                await connection.execute(insert(table), rows[chunk : chunk + 5000])
        decision_rows, task_rows = [], []
        for branch in app.deps.org.branches:
            moment = start + timedelta(days=3, hours=9)
            while moment < now - timedelta(days=10):
                decision_rows.append(
                    {
                        "branch": branch.key,
                        "unit": branch.key,
                        "title": "决议",
                        "recorded_by": f"{branch.key}m000",
                        "recorded_at": moment,
                    }
                )
                moment += timedelta(days=3)
        await connection.execute(insert(decisions), decision_rows)
        stored = await uow.tasks.decisions()
        for decision in stored:
            recorded = decision.recorded_at
            finished = rng.random() < 0.8
            done_at = recorded + timedelta(days=20)
            task_rows.append(
                {
                    "decision_id": decision.id,
                    "branch": decision.branch,
                    "unit": decision.unit,
                    "title": f"任务{decision.id}",
                    "owner": f"{decision.branch}m{rng.randrange(4, 40):03d}",
                    "due_on": (recorded + timedelta(days=30)).astimezone(TZ).date(),
                    "created_at": recorded,
                    "status": (TaskStatus.RATED if finished else TaskStatus.OPEN).value,
                    "done_at": done_at if finished else None,
                    "done_on": done_at.astimezone(TZ).date() if finished else None,
                    "done_note": "",
                }
            )
        await connection.execute(insert(tasks), task_rows)
        await uow.commit()


@dataclass
class Case:
    """One database under test, with its announcer and what was measured on it."""

    branches: int
    years: int
    app: App
    announcer: Announcer
    moment: datetime
    size: str
    ticks: list[float] = field(default_factory=list)
    reports: list[float] = field(default_factory=list)

    async def round(self) -> None:
        self.moment += timedelta(seconds=30)
        started = time.perf_counter()
        await self.announcer.plan(self.moment)
        self.ticks.append(time.perf_counter() - started)
        report = Incoming("console", "b00m000", "b00-branch", "b00-branch", "/report month")
        started = time.perf_counter()
        [reply] = await self.app.conversation.handle_text(report, self.moment)
        self.reports.append(time.perf_counter() - started)
        assert "出错" not in reply.text, reply.text


async def prepare(directory: Path, branches: int, years: int, members: int, now: datetime) -> Case:
    db = directory / f"ages-{branches}-{years}.db"
    app = await open_app(parse_settings(district(branches, members, db), "ages"), db)
    await seed(app, years, now, random.Random(years * 100 + branches))
    async with app.deps.uow() as uow:
        size = f"{len(await uow.attendance.rsvps())} RSVPs, {len(await uow.tasks.list())} tasks"
    announcer = Announcer(app.deps, "zh-CN", [])
    await announcer.start(now)
    return Case(branches, years, app, announcer, now, size)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=datetime(2026, 12, 1, 0, 30, tzinfo=TZ),
        help="when the history ends and the measures are taken (ISO 8601 with its offset)",
    )
    args = parser.parse_args()
    if args.now.tzinfo is None:
        parser.error("--now needs its UTC offset, e.g. 2026-12-01T00:30+08:00")
    now = args.now.astimezone(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            await prepare(Path(tmp), branches, years, args.members, now)
            for branches, years in [(1, 1), (1, 3), (1, 5), (50, 1)]
        ]
        # Round-robin over the databases, so that other load on the machine falls on all of them alike.
        for _ in range(args.repeat):
            for case in cases:
                await case.round()
        for case in cases:
            await case.app.close()
    base_tick, base_report = statistics.median(cases[0].ticks), statistics.median(cases[0].reports)
    print(
        f"medians of {args.repeat} rounds, round-robin over the four databases ({args.members} members a branch),"
        f" the history ending {args.now.isoformat()}\n"
    )
    print("| data | tick (ms) | ratio | /report month (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    worst = 1.0
    for case in cases:
        tick, report = statistics.median(case.ticks), statistics.median(case.reports)
        worst = max(worst, tick / base_tick, report / base_report)
        print(
            f"| {case.branches} branch{'es' if case.branches > 1 else ''}, {case.years} "
            f"year{'s' if case.years > 1 else ''} ({case.size}) | {tick * 1000:.1f} | {tick / base_tick:.2f}× "
            f"| {report * 1000:.1f} | {report / base_report:.2f}× |"
        )
    print(f"\nlargest growth over 1 branch, 1 year: {worst:.2f}× (goal ≤ 1.3×)")


if __name__ == "__main__":
    asyncio.run(main())
