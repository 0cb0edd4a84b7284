"""Several bot instances on one database: each outbox row is claimed by one instance at a time, a dead
instance's rows are taken over after its lease, and two schedulers planning the same window agree.

Every test here runs on SQLite and PostgreSQL. On PostgreSQL the instances really run at once (one
connection each, FOR UPDATE SKIP LOCKED); on SQLite BEGIN IMMEDIATE lets one writer in at a time.
The three-process month-end with a SIGKILL is in test_multi_instance_processes.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storage_fixtures import STORE_BACKENDS, opened_fresh_store
from support import local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import SignIn, committee_unit
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services import announcements
from sanhui_bot.services.ports import OutboxRow
from sanhui_bot.storage.unit_of_work import SqlStore

T0 = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture(params=STORE_BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with opened_fresh_store(request.param, tmp_path) as opened:
        yield opened


def row(key: str, due_at: datetime) -> OutboxRow:
    return OutboxRow(
        key=key, kind="month_end", chat="branch", payload={"text": key}, due_at=due_at, created_at=T0
    )


async def add_rows(store: SqlStore, count: int, due_at: datetime = T0) -> None:
    async with store.unit_of_work() as uow:
        for number in range(count):
            await uow.outbox.add_if_absent(row(f"month_end:chat{number:04d}:2026-03", due_at))
        await uow.commit()


async def claim(store: SqlStore, claimant: str, now: datetime, limit: int = 10) -> list[str]:
    async with store.unit_of_work() as uow:
        rows = await uow.outbox.claim_due(now, claimant, now + LEASE, limit)
        await uow.commit()
    return [claimed.key for claimed in rows]


async def test_a_claimed_row_is_not_claimed_by_another_instance_until_its_lease_runs_out(
    store: SqlStore,
) -> None:
    await add_rows(store, 3)
    first = await claim(store, "a", T0, limit=2)
    assert first == ["month_end:chat0000:2026-03", "month_end:chat0001:2026-03"]
    assert await claim(store, "b", T0) == ["month_end:chat0002:2026-03"]
    assert await claim(store, "c", T0 + LEASE - timedelta(seconds=1)) == []
    # a died: once its lease has run out, its rows go to whoever asks (b's lease ran out too)
    assert sorted(await claim(store, "c", T0 + LEASE)) == sorted([*first, "month_end:chat0002:2026-03"])
    async with store.unit_of_work() as uow:
        rows = await uow.outbox.list()
    assert {stored.claimed_by for stored in rows} == {"c"}
    assert {stored.claimed_until for stored in rows} == {T0 + 2 * LEASE}


async def test_a_held_row_stays_with_its_instance_and_is_lost_once_taken_over(store: SqlStore) -> None:
    await add_rows(store, 1)
    assert await claim(store, "a", T0) == ["month_end:chat0000:2026-03"]
    assert await claim(store, "a", T0 + timedelta(seconds=5)) == []  # held, even by its own claimant
    async with store.unit_of_work() as uow:
        [claimed] = await uow.outbox.list()
        assert await uow.outbox.hold(claimed.id or 0, "a", T0 + 2 * LEASE) is True
        await uow.commit()
    assert await claim(store, "b", T0 + LEASE + timedelta(seconds=10)) == []  # the hold moved the lease
    assert await claim(store, "b", T0 + 2 * LEASE) == ["month_end:chat0000:2026-03"]
    async with store.unit_of_work() as uow:
        assert await uow.outbox.hold(claimed.id or 0, "a", T0 + 3 * LEASE) is False  # b has it now
        await uow.outbox.mark_sent(claimed.id or 0, T0 + 2 * LEASE)
        assert await uow.outbox.hold(claimed.id or 0, "b", T0 + 3 * LEASE) is False  # sent: nothing to hold
        await uow.commit()
    assert await claim(store, "c", T0 + 10 * LEASE) == []


async def test_a_failed_send_gives_the_row_up_until_its_retry(store: SqlStore) -> None:
    await add_rows(store, 1)
    assert await claim(store, "a", T0) == ["month_end:chat0000:2026-03"]
    async with store.unit_of_work() as uow:
        [claimed] = await uow.outbox.list()
        await uow.outbox.mark_failed(claimed.id or 0, "429", T0 + timedelta(seconds=30))
        await uow.commit()
    assert await claim(store, "b", T0 + timedelta(seconds=29)) == []
    assert await claim(store, "b", T0 + timedelta(seconds=30)) == ["month_end:chat0000:2026-03"]


async def test_unsent_rows_not_yet_due_are_not_claimed(store: SqlStore) -> None:
    await add_rows(store, 2, due_at=T0 + timedelta(hours=1))
    assert await claim(store, "a", T0) == []
    assert len(await claim(store, "a", T0 + timedelta(hours=1))) == 2


async def test_instances_claiming_at_once_share_the_rows_out_without_overlap(store: SqlStore) -> None:
    await add_rows(store, 200)

    async def drain(claimant: str) -> list[str]:
        taken: list[str] = []
        while batch := await claim(store, claimant, T0, limit=7):
            taken += batch
            await asyncio.sleep(0)
        return taken

    shares = await asyncio.gather(*(drain(name) for name in ("a", "b", "c", "d")))
    everything = [key for share in shares for key in share]
    assert len(everything) == len(set(everything)) == 200


# PostgreSQL only: SQLite has one writer at a time (BEGIN IMMEDIATE), so there is no second open claim.
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
async def test_skip_locked_passes_over_rows_another_open_transaction_is_claiming(store: SqlStore) -> None:
    """On PostgreSQL a second claimer does not wait for the first one's transaction: it takes other rows."""
    await add_rows(store, 4)
    async with store.unit_of_work() as first:
        held = await first.outbox.claim_due(T0, "a", T0 + LEASE, 2)
        # `first` has not committed: its rows are locked, not yet marked claimed for others to see.
        second = await asyncio.wait_for(claim(store, "b", T0), timeout=10)
        await first.commit()
    assert [claimed.key for claimed in held] == ["month_end:chat0000:2026-03", "month_end:chat0001:2026-03"]
    assert second == ["month_end:chat0002:2026-03", "month_end:chat0003:2026-03"]


# --- announcers sharing a database ----------------------------------------------------------------


@dataclass
class Recorder:
    """A notifier that remembers (chat, text) of every post; `delay` lets other instances interleave."""

    platform: str = "console"
    posts: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0

    def serves(self, chat: str) -> bool:
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        await asyncio.sleep(self.delay)
        self.posts.append((chat, reply.text))
        return str(len(self.posts))


async def test_three_announcers_deliver_every_month_end_summary_once(app: App) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    recorders = [Recorder(delay=0.001) for _ in range(3)]
    announcers = [
        Announcer(app.deps, "zh-CN", [recorder], instance=f"bot-{number}")
        for number, recorder in enumerate(recorders)
    ]
    await announcements.start_planning(app.deps, local("2026-03-31T17:00"))
    moment = local("2026-03-31T18:00")
    await asyncio.gather(*(announcer.plan(moment) for announcer in announcers))
    await asyncio.gather(*(announcer.deliver(moment) for announcer in announcers))

    posts = [post for recorder in recorders for post in recorder.posts]
    summaries = Counter(chat for chat, text in posts if "2026年3月" in text)
    assert summaries == {chat: 1 for chat in ("branch", "committee", "g-math", "g-grade10", "g-service")}
    assert len(posts) == len(set(posts))
    async with app.deps.uow() as uow:
        rows = await uow.outbox.list()
    assert all(stored.sent_at is not None for stored in rows if stored.due_at <= moment)


async def test_a_killed_instances_claimed_rows_go_out_once_after_its_lease(app: App) -> None:
    await announcements.start_planning(app.deps, local("2026-03-31T17:00"))
    moment = local("2026-03-31T18:00")
    dead = Announcer(app.deps, "zh-CN", [], instance="dead")
    await dead.plan(moment)
    # "dead" claims a batch and dies before sending any of it.
    abandoned = await announcements.claim_rows(app.deps, "dead", moment, LEASE, limit=3)
    assert len(abandoned) == 3

    recorder = Recorder()
    survivor = Announcer(app.deps, "zh-CN", [recorder], instance="survivor", lease=LEASE)
    await survivor.deliver(moment)
    assert len(recorder.posts) == 2  # five month-end posts, three of them held by the dead instance
    await survivor.deliver(moment + LEASE - timedelta(seconds=1))
    assert len(recorder.posts) == 2
    await survivor.deliver(moment + LEASE)
    chats = Counter(chat for chat, _ in recorder.posts)
    assert chats == {chat: 1 for chat in ("branch", "committee", "g-math", "g-grade10", "g-service")}
    async with app.deps.uow() as uow:
        rows = await uow.outbox.list()
    assert {stored.claimed_by for stored in rows} == {"survivor"}


async def test_two_schedulers_planning_the_same_window_write_each_post_and_point_once(app: App) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    start = local("2026-03-01T08:00")
    await announcements.start_planning(app.deps, start)
    one = Announcer(app.deps, "zh-CN", [], instance="one")
    other = Announcer(app.deps, "zh-CN", [], instance="other")
    end = local("2026-04-01T09:00")
    # Only the secretary signs in (nobody is fined for a meeting with nothing recorded): the close of
    # each of the secretary's meetings settles −2 for each other member expected.
    async with app.deps.uow() as uow:
        for meeting in await uow.meetings.between(["t1", committee_unit("t1"), "math"], start, end):
            await uow.attendance.add_signin(SignIn(meeting.id or 0, "zhangwei", meeting.starts_at))
        await uow.commit()
    added = await asyncio.gather(one.plan(end), other.plan(end))
    async with app.deps.uow() as uow:
        keys = [stored.key for stored in await uow.outbox.list()]
        entries = await uow.points.entries()
    assert len(keys) == len(set(keys)) == sum(added)
    assert entries, "the meetings of March should have settled absences"
    sources = Counter((entry.member, entry.reason, entry.source) for entry in entries)
    assert max(sources.values()) == 1

    # Planning the window again (a third instance starting late) adds nothing.
    async with app.deps.uow() as uow:
        await uow.counters.set(announcements.WATERMARK, int(start.timestamp()))
        await uow.commit()
    assert await Announcer(app.deps, "zh-CN", [], instance="late").plan(end) == 0
    async with app.deps.uow() as uow:
        assert len(await uow.points.entries()) == len(entries)


def test_every_instance_gets_its_own_name(app: App) -> None:
    names = {Announcer(app.deps, "zh-CN", []).instance for _ in range(3)}
    assert len(names) == 3
