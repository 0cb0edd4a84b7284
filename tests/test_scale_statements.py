"""The scheduled work of a district costs a number of SQL statements that does not grow with it.

`bench/month_end.py` and `bench/ages.py` time the month-end, the roster re-sync and the scheduler's
tick; these tests hold the property that makes them fast, without timing anything: the statements
each one sends are the same in number for a district of 2 branches and of 6 (each branch 5 chats),
on SQLite and on PostgreSQL. A per-branch or per-chat query coming back fails them.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg.district import CHATS_PER_BRANCH, district_config
from sqlalchemy import text
from storage_fixtures import discard_database, fresh_database_url
from support import local, sql_statements

from sanhui_bot.app import App, open_app, roster_fingerprint, roster_members, sync_config_roster
from sanhui_bot.config import parse_settings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.counting import ranking
from sanhui_bot.domain.points import PointReason
from sanhui_bot.render.chart import ChartUnavailable
from sanhui_bot.scheduler import announcer as announcer_module
from sanhui_bot.services import announcements, meetings, roster, school, summaries
from sanhui_bot.services.evaluation import year_evaluation
from sanhui_bot.services.ports import OutboxRow
from sanhui_bot.storage.repositories import OUTBOX_BATCH
from sanhui_bot.storage.schema import points, tasks

SMALL, LARGE = 2, 6
MEMBERS = 10  # per branch
MONTH_END = local("2026-03-31T18:00")

Opener = Callable[[int], Awaitable[App]]


@pytest.fixture
async def district(store_backend: str, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens an app on a new database of `store_backend` for a generated district of N branches."""
    opened: list[tuple[App, str]] = []

    async def open_district(branches: int) -> App:
        directory = tmp_path / f"district-{branches}"
        directory.mkdir()
        url = await fresh_database_url(store_backend, directory)
        app = await open_app(parse_settings(district_config(branches, MEMBERS, url), "scale"))
        opened.append((app, url))
        await seed(app, random.Random(branches))
        return app

    yield open_district
    for app, url in opened:
        await app.close()
        await discard_database(url)


async def seed(app: App, rng: random.Random) -> None:
    """The year's planned meetings, March's points for every member, three tasks per branch."""
    await meetings.ensure_year_planned(app.deps, 2026)
    tz = app.settings.tz
    entries: list[dict[str, Any]] = []
    for entry in roster_members(app.settings):
        for number, reason in enumerate([PointReason.SIGNIN, PointReason.ABSENT]):
            entries.append(
                {
                    "member": entry.member.key,
                    "delta": app.deps.rules.value(reason),
                    "reason": reason.value,
                    "source": f"scale:{number}",
                    "occurred_at": datetime(2026, rng.choice([2, 3]), rng.randint(1, 28), 10, tzinfo=tz),
                    "note": "",
                }
            )
    task_rows: list[dict[str, Any]] = []
    for branch in app.settings.branches:
        for number in range(3):
            task_rows.append(
                {
                    "branch": branch.key,
                    "unit": branch.key,
                    "title": f"任务{number}",
                    "owner": f"{branch.key}m{number + 3:03d}",
                    "due_on": date(2026, 3, 10 + number * 5),
                    "created_at": datetime(2026, 3, 2, 9, tzinfo=tz),
                    "group_key": None,
                    "status": "done" if number == 0 else "open",
                    "done_at": datetime(2026, 3, 12, 9, tzinfo=tz) if number == 0 else None,
                    "done_on": date(2026, 3, 12) if number == 0 else None,
                    "done_note": "",
                }
            )
    async with app.store.engine.begin() as connection:
        await connection.execute(points.insert(), entries)
        await connection.execute(tasks.insert(), task_rows)


def writes(sent: list[str]) -> list[str]:
    return [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Month-end posts as text: a chart per branch is matplotlib's time, not the database's."""

    def text_only(*_args: object) -> None:
        raise ChartUnavailable("charts off: these tests count statements")

    monkeypatch.setattr(announcer_module, "month_chart", text_only)


async def month_end_statements(app: App) -> list[str]:
    """Plan the month-end window into the outbox; every chat gets its summary."""
    await announcements.start_planning(app.deps, MONTH_END - timedelta(minutes=1))
    planner = announcer_module.Announcer(app.deps, app.settings.language, [], instance="scale")
    with sql_statements(app) as sent:
        planned = await planner.plan(MONTH_END + timedelta(seconds=1))
    assert planned == len(app.settings.chats)
    return sent


async def test_month_end_statements_do_not_grow_with_the_branches(district: Opener, no_charts: None) -> None:
    small, large = await district(SMALL), await district(LARGE)
    assert len(large.settings.chats) == LARGE * CHATS_PER_BRANCH
    small_sent = await month_end_statements(small)
    large_sent = await month_end_statements(large)
    assert len(large_sent) == len(small_sent), (len(small_sent), len(large_sent))
    async with large.store.engine.connect() as connection:
        query = text("SELECT count(*) FROM outbox WHERE kind = 'month_end'")
        written = (await connection.execute(query)).scalar()
    assert written == LARGE * CHATS_PER_BRANCH


async def test_summaries_of_a_district_read_each_branch_once(district: Opener) -> None:
    small, large = await district(SMALL), await district(LARGE)
    counts = []
    for app in (small, large):
        chats = list(app.settings.chats)
        await summaries.month_summaries(app.deps, chats, 2026, 3, MONTH_END)  # the roster cache filled
        with sql_statements(app) as sent:
            found = await summaries.month_summaries(app.deps, chats, 2026, 3, MONTH_END)
        assert sorted(found) == sorted(chats)
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


async def test_the_school_summary_and_year_evaluation_statements_do_not_grow_with_the_branches(
    district: Opener,
) -> None:
    """The 党委's summary (bench/school.py) and the school's 年度评优 read every branch's facts in a
    fixed number of set-based statements: no per-branch query, no list of meeting ids sent."""
    small, large = await district(SMALL), await district(LARGE)
    counts = []
    for app in (small, large):
        for period in (Period(2026, PeriodKind.MONTH, 3), Period(2026, PeriodKind.YEAR)):
            await school.school_summary(app.deps, period, MONTH_END)  # the roster cache filled
        with sql_statements(app) as sent:
            standings = await school.school_summary(app.deps, Period(2026, PeriodKind.YEAR), MONTH_END)
            rows = await year_evaluation(app.deps, 2026, MONTH_END)
        assert len(standings) == len(app.settings.branches)
        assert {row.branch for row in rows.rows} == {b.key for b in app.settings.branches}
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


async def test_the_districts_summaries_count_as_each_branchs_ledger(district: Opener) -> None:
    """The totals summed in the database rank as `domain.counting.ranking` ranks the entries."""
    app = await district(3)
    chats = list(app.settings.chats)
    together = await summaries.month_summaries(app.deps, chats, 2026, 3, MONTH_END)
    assert sorted(together) == sorted(chats)
    year_start, month_start, end = (
        local("2026-01-01T00:00"),
        local("2026-03-01T00:00"),
        local("2026-04-01T00:00"),
    )
    for branch in app.settings.branches:
        summary = together[branch.chat]
        assert isinstance(summary, summaries.BranchSummary) and summary.branch == branch.key
        async with app.deps.uow() as uow:
            members = await app.deps.roster.on(uow, branch.key, date(2026, 3, 31))
            entries = await uow.points.entries(since=year_start, until=end, branch=branch.key)
        assert summary.ranking == ranking(members, entries, month_start)
        assert {line.member for line in summary.ranking} == {f"{branch.key}m{n:03d}" for n in range(MEMBERS)}
        assert [count.done for count in summary.tasks if count.group is None] == [1]
        for group in branch.groups:
            group_summary = together[group.chat]
            assert isinstance(group_summary, summaries.GroupSummary) and group_summary.group == group.key
            mine = [m for m in members if m.group == group.key]
            assert group_summary.ranking == ranking(mine, entries, month_start)
        committee = together[branch.committee_chat]
        assert isinstance(committee, summaries.CommitteeSummary) and committee.branch == branch.key


async def test_outbox_rows_are_written_together_and_once(district: Opener) -> None:
    app = await district(SMALL)
    rows = [
        OutboxRow(
            key=f"month_end:c{n}:2026-03",
            kind="month_end",
            chat=f"c{n}",
            payload={"text": str(n)},
            due_at=MONTH_END,
            created_at=MONTH_END,
        )
        for n in range(OUTBOX_BATCH + 3)
    ]
    async with app.deps.uow() as uow:
        assert await uow.outbox.add_all_if_absent(rows[:2]) == 2
        with sql_statements(app) as sent:
            assert await uow.outbox.add_all_if_absent(rows) == len(rows) - 2
        assert len(writes(sent)) == 2  # batches of OUTBOX_BATCH
        assert await uow.outbox.add_all_if_absent(rows) == 0
        await uow.commit()
    async with app.deps.uow() as uow:
        stored = {row.key: row.payload["text"] for row in await uow.outbox.list()}
    assert stored == {row.key: row.payload["text"] for row in rows}


async def test_an_unchanged_roster_resync_writes_nothing_and_reads_the_same(district: Opener) -> None:
    counts = []
    for app in (await district(SMALL), await district(LARGE)):
        with sql_statements(app) as sent:
            left = await sync_config_roster(app.deps, app.settings, datetime.now(UTC))
        assert left == 0
        assert writes(sent) == []
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


async def test_a_resync_is_skipped_only_while_nothing_it_depends_on_changed(district: Opener) -> None:
    app = await district(SMALL)  # opened (and synced) at the clock's time
    now = datetime.now(UTC)
    fingerprint = roster_fingerprint(app.settings)
    assert await roster.roster_in_sync(app.deps, fingerprint, now)
    # Another config: synced in full; it dates a member's leaving ten days ahead.
    leaves = app.deps.local_date(now) + timedelta(days=10)
    config = district_config(SMALL, MEMBERS, str(app.settings.database.url))
    config["members"][0] = {**config["members"][0], "left": leaves.isoformat()}
    changed = parse_settings(config, "scale")
    assert not await roster.roster_in_sync(app.deps, roster_fingerprint(changed), now)
    await sync_config_roster(app.deps, changed, now)
    first = config["members"][0]["key"]
    assert await roster.roster_in_sync(app.deps, roster_fingerprint(changed), now)
    # The day a recorded change takes effect (the `left` date), the sync runs and applies it.
    that_day = now + timedelta(days=10)
    assert await roster.roster_in_sync(app.deps, roster_fingerprint(changed), now + timedelta(days=9))
    assert not await roster.roster_in_sync(app.deps, roster_fingerprint(changed), that_day)
    await sync_config_roster(app.deps, changed, that_day)
    async with app.deps.uow() as uow:
        member = await uow.members.get(first)
    assert member is not None and not member.active
    # A clock set back before the last sync's day syncs in full.
    assert not await roster.roster_in_sync(app.deps, roster_fingerprint(changed), now)
    # The stored roster changed by anything else (its version moved): synced in full.
    assert await roster.roster_in_sync(app.deps, roster_fingerprint(changed), that_day)
    async with app.deps.uow() as uow:
        other = await uow.members.get(config["members"][1]["key"])
        assert other is not None
        await uow.members.upsert(replace(other, name="改名"))
        await uow.commit()
    assert not await roster.roster_in_sync(app.deps, roster_fingerprint(changed), that_day)


async def test_the_ticks_statements_do_not_grow_with_the_branches(district: Opener) -> None:
    counts = []
    for app in (await district(SMALL), await district(LARGE)):
        moment = local("2026-03-10T10:00")  # a quiet half minute: nothing falls due in it
        await announcements.start_planning(app.deps, moment)
        planner = announcer_module.Announcer(app.deps, app.settings.language, [], instance="scale")
        with sql_statements(app) as sent:
            assert await planner.plan(moment + timedelta(seconds=30)) == 0
        counts.append(len(sent))
    assert counts[0] == counts[1], counts
