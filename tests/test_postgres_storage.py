"""Storage behaviour that matters once many schools share one database (run on SQLite and PostgreSQL):
a branch reads only its own members' points, and ids go on after rows copied in with explicit ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storage_fixtures import STORE_BACKENDS, opened_fresh_store

from sanhui_bot.domain.model import Member, MemberStatus
from sanhui_bot.domain.points import PointEntry, PointReason
from sanhui_bot.storage.transfer import copy_between
from sanhui_bot.storage.unit_of_work import SqlStore

T0 = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)


@pytest.fixture(params=STORE_BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with opened_fresh_store(request.param, tmp_path) as opened:
        yield opened


def member(key: str, branch: str) -> Member:
    return Member(key=key, name=key, branch=branch, roles=frozenset(), status=MemberStatus.FULL, group=None)


def entry(member_key: str, hours: int, source: str) -> PointEntry:
    return PointEntry(
        id=None,
        member=member_key,
        delta=2,
        reason=PointReason.SIGNIN,
        source=source,
        occurred_at=T0 + timedelta(hours=hours),
    )


async def seed(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        for key, branch in (("a1", "school-a"), ("a2", "school-a"), ("b1", "school-b")):
            await uow.members.upsert(member(key, branch))
        for number, key in enumerate(("a1", "b1", "a2", "b1", "a1")):
            await uow.points.append(entry(key, number, f"meeting:{number}"))
        await uow.commit()


async def test_a_branch_reads_only_its_members_points(store: SqlStore) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        school_a = await uow.points.entries(branch="school-a")
        school_b = await uow.points.entries(branch="school-b", since=T0 + timedelta(hours=2))
        everyone = await uow.points.entries()
    assert [(e.member, e.source) for e in school_a] == [
        ("a1", "meeting:0"),
        ("a2", "meeting:2"),
        ("a1", "meeting:4"),
    ]
    assert [(e.member, e.source) for e in school_b] == [("b1", "meeting:3")]
    assert len(everyone) == 5


async def test_ids_go_on_after_a_copy(store: SqlStore, tmp_path: Path) -> None:
    """copy-db inserts explicit ids; PostgreSQL's sequences must move past them (SQLite does by itself)."""
    (tmp_path / "source").mkdir()
    async with opened_fresh_store("sqlite", tmp_path / "source") as source:
        await seed(source)
        async with source.unit_of_work() as uow:
            [first, *_] = await uow.points.entries()
            reversal = replace(entry("a1", 9, f"reversal:{first.id}"), delta=-2, reverses=first.id)
            await uow.points.append(reversal)
            await uow.commit()
        # The store fixture's database is migrated and empty: exactly what copy-db fills.
        report = await copy_between(source.engine, store.engine)
    assert report.rows["points"] == 6 and report.rows["members"] == 3
    async with store.unit_of_work() as uow:
        added = await uow.points.append(entry("b1", 10, "meeting:10"))
        await uow.commit()
    assert added is not None and added.id == 7


async def test_re_syncing_an_unchanged_roster_writes_nothing_and_keeps_its_version(store: SqlStore) -> None:
    """Every bot instance re-syncs the roster at start: unchanged members must not bump the version."""
    async with store.unit_of_work() as uow:
        await uow.members.upsert(member("a1", "school-a"))
        first = await uow.members.version()
        await uow.members.upsert(member("a1", "school-a"))
        assert await uow.members.version() == first
        await uow.members.upsert(replace(member("a1", "school-a"), telegram=42))
        assert await uow.members.version() > first
        assert (await uow.members.get("a1")).telegram == 42  # type: ignore[union-attr]
        moved = await uow.members.version()
        await uow.members.upsert(replace(member("a1", "school-a"), telegram=None))  # NULL differs too
        assert await uow.members.version() > moved
        assert (await uow.members.get("a1")).telegram is None  # type: ignore[union-attr]
