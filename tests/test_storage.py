"""The SQL storage layer: every repository round-trips domain objects, idempotent inserts stay
idempotent, a unit of work is all or nothing, and migrations refuse a database newer than the code."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy import inspect as inspect_database
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from storage_fixtures import (
    STORE_BACKENDS,
    fresh_sqlite_store,
    migrated_sqlite_template,
    opened_fresh_store,
    sqlite_url,
)

from sanhui_bot.domain.model import (
    AgendaItem,
    Decision,
    JoinRequest,
    JoinStatus,
    LeaveType,
    Meeting,
    MeetingKind,
    MeetingSource,
    MeetingStatus,
    Member,
    MemberStatus,
    Outline,
    Rating,
    Role,
    Rsvp,
    RsvpAnswer,
    SignIn,
    SignInMethod,
    Suggestion,
    Task,
    TaskRating,
    TaskStatus,
)
from sanhui_bot.domain.points import PointEntry, PointReason, reversal
from sanhui_bot.domain.roster import RosterChangeKind, RosterHistory
from sanhui_bot.services import ports
from sanhui_bot.services.ports import OutboxRow, PostedMessage
from sanhui_bot.storage import repositories
from sanhui_bot.storage.database import (
    AnyEngine,
    DatabaseTooNew,
    InlineConnection,
    SqliteEngine,
    alembic_config,
    create_engine,
    current_revision,
    fetch,
    head_revision,
    make_driver_url,
    migrate,
)
from sanhui_bot.storage.repositories import SqlPointsLedger
from sanhui_bot.storage.schema import metadata
from sanhui_bot.storage.transfer import CHUNK_ROWS, CopyInterrupted, copy_between
from sanhui_bot.storage.unit_of_work import DatabaseBusy, SqlStore, SqlUnitOfWork


@pytest.fixture(params=STORE_BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh migrated store per test, once for every backend."""
    async with opened_fresh_store(request.param, tmp_path) as opened:
        yield opened


BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 5, 15, 30, tzinfo=BEIJING)  # a Thursday afternoon, local time


def at(hours: float) -> datetime:
    """A moment `hours` after T0, in Beijing time (storage must hand it back as UTC)."""
    return T0 + timedelta(hours=hours)


def member(key: str, **changes: object) -> Member:
    base = Member(
        key=key,
        name=f"name-{key}",
        branch="t1",
        roles=frozenset({Role.SECRETARY, Role.GROUP_LEADER}),
        status=MemberStatus.PROBATIONARY,
        group="math",
        telegram=9_000_000_000 + len(key),  # beyond 32 bits
        matrix=f"@{key}:example.org",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def meeting(**changes: object) -> Meeting:
    base = Meeting(
        id=None,
        branch="t1",
        unit="math",
        kind=MeetingKind.GROUP,
        starts_at=T0,
        duration=timedelta(minutes=90),
        title="党小组会",
        place="三楼会议室",
        slot_on=T0.date(),
        flag="holiday",
        fixed_topic="党建任务落实",
        created_by="zhang",
        closed_at=at(2),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def seed_members(store: SqlStore, *keys: str) -> None:
    async with store.unit_of_work() as uow:
        for key in keys:
            await uow.members.upsert(member(key))
        await uow.commit()


async def seed_meeting(store: SqlStore, **changes: object) -> Meeting:
    async with store.unit_of_work() as uow:
        stored = await uow.meetings.add(meeting(**changes))
        await uow.commit()
    return stored


def assert_utc(moment: datetime | None) -> None:
    assert moment is not None and moment.tzinfo is UTC


# --- database and migrations ---------------------------------------------------------------------


def test_make_driver_url_picks_the_driver() -> None:
    assert make_driver_url("sqlite:///data/sanhui.db") == "sqlite+pysqlite:///data/sanhui.db"
    assert make_driver_url("sqlite:////abs/x.db") == "sqlite+pysqlite:////abs/x.db"
    assert (
        make_driver_url("postgresql://u:p%40ss@db:5432/sanhui")
        == "postgresql+asyncpg://u:p%40ss@db:5432/sanhui"
    )
    assert make_driver_url("postgresql+asyncpg://db/sanhui") == "postgresql+asyncpg://db/sanhui"
    with pytest.raises(ValueError, match="unsupported"):
        make_driver_url("mysql://db/sanhui")


async def test_migrate_from_empty_database_creates_the_directory_and_reaches_head(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "new" / "dir" / "sanhui.db"))
    try:
        assert await current_revision(engine) is None
        assert await migrate(engine) == head_revision()
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    store = await fresh_sqlite_store(tmp_path)
    try:
        async with store.engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        await store.close()


async def test_foreign_keys_are_enforced(store: SqlStore) -> None:
    stored = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.attendance.put_rsvp(Rsvp(stored.id or 0, "nobody", RsvpAnswer.YES, at(-24)))


def _schema_differences(connection: Connection) -> list[object]:
    return compare_metadata(MigrationContext.configure(connection), metadata)


async def test_migrations_create_exactly_the_schema_of_schema_py(store: SqlStore) -> None:
    async with store.engine.connect() as connection:
        assert await connection.run_sync(_schema_differences) == []
        unique = await connection.run_sync(
            lambda sync: inspect_database(sync).get_unique_constraints("meetings")
        )
    assert [constraint["column_names"] for constraint in unique] == [["unit", "kind", "slot_on"]]


async def test_migrate_is_idempotent_on_a_database_with_data(store: SqlStore) -> None:
    await seed_members(store, "zhang")
    stored = await seed_meeting(store)
    assert await migrate(store.engine) == head_revision()
    async with store.unit_of_work() as uow:
        assert await uow.members.get("zhang") == member("zhang")
        assert await uow.meetings.get(stored.id or 0) == stored


async def test_a_database_newer_than_the_code_is_refused(store: SqlStore) -> None:
    async with store.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    assert await current_revision(store.engine) == "0099"
    with pytest.raises(
        DatabaseTooNew, match=rf"revision 0099, newer .* \(head {head_revision()}\); upgrade sanhui-bot"
    ):
        await migrate(store.engine)
    assert await current_revision(store.engine) == "0099"  # untouched


def _downgrade_then_upgrade(connection: Connection) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    left = inspect_database(connection).get_table_names()
    command.upgrade(config, "head")
    return left


async def test_the_initial_migration_downgrades_to_nothing_and_back(store: SqlStore) -> None:
    async with store.engine.connect() as connection:
        left = await connection.run_sync(_downgrade_then_upgrade)
        await connection.commit()
    assert left == ["alembic_version"]
    assert await current_revision(store.engine) == head_revision()
    async with store.engine.connect() as connection:
        assert await connection.run_sync(_schema_differences) == []


def _back_to_0010(connection: Connection) -> None:
    """The schema as 0010 left it, rows kept (0011's downgrade would rebuild tables others point at)."""
    connection.execute(text("DROP INDEX ix_rsvps_meeting_id_answer_member"))  # 0017
    connection.execute(text("DROP INDEX ix_tasks_branch_done_at"))  # 0016
    connection.execute(text("DROP TABLE task_rating_log"))  # 0015
    connection.execute(text("DROP TABLE school_seat_changes"))  # 0014
    connection.execute(text("DROP INDEX ix_platform_state_platform_expires_at"))  # 0013
    connection.execute(text("ALTER TABLE platform_state DROP COLUMN expires_at"))
    connection.execute(text("DROP TABLE leave_decisions"))  # 0012
    connection.execute(text("ALTER TABLE rsvps DROP COLUMN needs_approval"))
    connection.execute(text("ALTER TABLE signins DROP COLUMN method"))
    connection.execute(text("ALTER TABLE meetings DROP COLUMN signin"))
    connection.execute(text("UPDATE alembic_version SET version_num = '0010'"))


async def test_signins_from_before_0011_read_as_made_with_the_button(store: SqlStore) -> None:
    await seed_members(store, "li")
    stored = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        await uow.attendance.add_signin(SignIn(stored.id or 0, "li", at(0), method=SignInMethod.CODE))
        await uow.commit()
    async with store.engine.connect() as connection:
        await connection.run_sync(_back_to_0010)
        await connection.commit()
    assert await migrate(store.engine) == head_revision()
    async with store.unit_of_work() as uow:
        [old] = await uow.attendance.signins(stored.id or 0)
    assert old.method is SignInMethod.BUTTON  # the column came back with its default for old rows


# --- the Protocols ---------------------------------------------------------------------------------

PROTOCOL_IMPLEMENTATIONS = [
    (ports.MemberRepository, repositories.SqlMemberRepository),
    (ports.MeetingRepository, repositories.SqlMeetingRepository),
    (ports.AttendanceRepository, repositories.SqlAttendanceRepository),
    (ports.SuggestionRepository, repositories.SqlSuggestionRepository),
    (ports.TaskRepository, repositories.SqlTaskRepository),
    (ports.PointsLedger, repositories.SqlPointsLedger),
    (ports.JoinRepository, repositories.SqlJoinRepository),
    (ports.OutboxRepository, repositories.SqlOutboxRepository),
    (ports.MessageLog, repositories.SqlMessageLog),
    (ports.CounterRepository, repositories.SqlCounterRepository),
    (ports.UnitOfWork, SqlUnitOfWork),
]


def _parameters(function: object) -> list[tuple[str, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(("protocol", "implementation"), PROTOCOL_IMPLEMENTATIONS)
def test_sql_classes_have_the_protocols_methods_with_the_same_parameters(
    protocol: type, implementation: type
) -> None:
    methods = [
        name
        for name, value in vars(protocol).items()
        if callable(value) and (not name.startswith("_") or name in ("__aenter__", "__aexit__"))
    ]
    assert methods
    for name in methods:
        assert _parameters(getattr(implementation, name)) == _parameters(getattr(protocol, name)), name


# --- unit of work --------------------------------------------------------------------------------


async def test_a_unit_of_work_that_raises_writes_nothing(store: SqlStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with store.unit_of_work() as uow:
            await uow.members.upsert(member("zhang"))
            await uow.meetings.add(meeting())
            raise RuntimeError("boom")
    async with store.unit_of_work() as uow:
        assert await uow.members.list(include_inactive=True) == []
        assert await uow.meetings.list() == []


async def test_a_unit_of_work_left_without_commit_writes_nothing(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.upsert(member("zhang"))
    async with store.unit_of_work() as uow:
        assert await uow.members.get("zhang") is None


async def test_work_after_a_commit_needs_its_own_commit(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.upsert(member("zhang"))
        await uow.commit()
        await uow.members.upsert(member("li"))
    async with store.unit_of_work() as uow:
        assert [m.key for m in await uow.members.list()] == ["zhang"]


async def test_concurrent_units_of_work_that_read_then_write_all_succeed(store: SqlStore) -> None:
    # BEGIN IMMEDIATE makes them queue for the write lock instead of failing to upgrade a read lock.
    async def take_number() -> int:
        async with store.unit_of_work() as uow:
            await uow.outbox.list()  # read first…
            number = await uow.messages.next_console_number()  # …then write
            await asyncio.sleep(0.01)
            await uow.commit()
            return number

    numbers = await asyncio.gather(*(take_number() for _ in range(6)))
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


async def test_sqlite_statements_run_on_the_loop_thread(tmp_path: Path) -> None:
    # SqliteEngine's whole point: no hop to a worker thread (nor through SQLAlchemy's greenlets) per
    # statement, on every connection it hands out, not only the units of work's.
    store = await fresh_sqlite_store(tmp_path)
    try:
        async with store.engine.connect() as connection:
            await connection.run_sync(
                lambda sync: sync.connection.dbapi_connection.create_function(
                    "thread_id", 0, threading.get_ident
                )
            )
            ran_on = (await connection.exec_driver_sql("SELECT thread_id()")).scalar()
        assert ran_on == threading.get_ident()
    finally:
        await store.close()


async def test_units_of_work_on_a_sqlite_file_run_inline_with_the_same_pragmas_and_begin_immediate(
    tmp_path: Path,
) -> None:
    # One synchronous engine per SQLite database (database.SqliteEngine), and every connection of it
    # set up alike: WAL, foreign keys, the busy timeout, BEGIN IMMEDIATE.
    store = await fresh_sqlite_store(tmp_path)
    try:
        assert isinstance(store.engine, SqliteEngine)
        assert store.sync_engine is store.engine.sync_engine
        async with store.unit_of_work() as uow:
            connection = uow._connection
            assert isinstance(connection, InlineConnection)
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
            assert pragmas == {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 5000,
                "synchronous": 1,
            }
            # The write lock is taken at BEGIN: another connection cannot start writing meanwhile.
            other = sqlite3.connect(store.engine.url.database or "", timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        await store.close()


async def test_a_begin_refused_by_a_lock_another_holds_is_sqlalchemys_operational_error(
    tmp_path: Path,
) -> None:
    """BEGIN IMMEDIATE goes to the driver directly (issue 15); its refusal is raised as SQLAlchemy's,
    as every other statement's, for the fault messages (storage/faults.py)."""
    store = await fresh_sqlite_store(tmp_path)
    other = sqlite3.connect(store.engine.url.database or "", timeout=0, isolation_level=None)
    try:
        async with store.engine.connect() as connection:  # the connection kept for the next one
            await connection.exec_driver_sql("PRAGMA busy_timeout=0")
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="locked"):
            async with store.unit_of_work() as uow:
                await uow.counters.get("k")
        other.rollback()
        async with store.unit_of_work() as uow:  # and the same connection begins once the lock is gone
            assert await uow.counters.get("k") is None
    finally:
        other.close()
        await store.close()


@pytest.mark.parametrize("where", ["memory", "file uri"])
async def test_an_in_memory_database_and_a_file_uri_work_like_a_file(where: str, tmp_path: Path) -> None:
    # In memory: every connection the engine hands out is the one database (StaticPool), so what
    # the migration created, a unit of work wrote and another connection reads are the same.
    url = "sqlite://" if where == "memory" else f"sqlite:///file:{tmp_path / 'uri.db'}"
    store = SqlStore(create_engine(url))
    try:
        assert isinstance(store.engine, SqliteEngine)
        assert await migrate(store.engine) == head_revision()
        async with store.unit_of_work() as uow:
            await uow.members.upsert(member("zhang"))
            await uow.commit()
        async with store.unit_of_work() as uow:
            assert await uow.members.get("zhang") is not None
        async with store.engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM members"))).scalar_one() == 1
    finally:
        await store.close()
    assert (tmp_path / "uri.db").exists() is (where == "file uri")


async def test_an_engines_begin_commits_at_the_end_and_rolls_back_on_an_error(store: SqlStore) -> None:
    insert = text("INSERT INTO counters (key, value) VALUES (:key, 1)")
    async with store.engine.begin() as connection:
        await connection.execute(insert, {"key": "kept"})
    with pytest.raises(ZeroDivisionError):
        async with store.engine.begin() as connection:
            await connection.execute(insert, {"key": "undone"})
            1 / 0  # noqa: B018
    async with store.engine.connect() as connection:
        keys = (await connection.execute(text("SELECT key FROM counters ORDER BY key"))).scalars().all()
    assert keys == ["kept"]


async def test_copy_db_reads_sqlite_in_chunks_and_lets_the_loop_run_between_them(tmp_path: Path) -> None:
    source_path = tmp_path / "source.db"
    shutil.copy(await migrated_sqlite_template(), source_path)
    with sqlite3.connect(source_path) as filling:
        rows = [(f"k{n:05}", n) for n in range(3 * CHUNK_ROWS + 1)]
        filling.executemany("INSERT INTO counters (key, value) VALUES (?, ?)", rows)
    filling.close()
    source = create_engine(sqlite_url(source_path))
    copied = create_engine(sqlite_url(tmp_path / "copy.db"))
    stopped = create_engine(sqlite_url(tmp_path / "stop.db"))
    inserts: list[int] = []

    def count_insert(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.startswith("INSERT INTO counters"):
            inserts.append(len(parameters) if isinstance(parameters, list) else 1)

    event.listen(copied.sync_engine, "before_cursor_execute", count_insert)
    try:
        report = await copy_between(source, copied)
        assert report.rows["counters"] == len(rows)
        assert inserts == [CHUNK_ROWS, CHUNK_ROWS, CHUNK_ROWS, 1]  # read and written a chunk at a time
        # A stop asked from the loop (where copy-db's signal handling lands) is seen at the first
        # chunk's end, although neither SQLite side ever suspends on its own.
        asked: list[bool] = []
        stop = asyncio.Event()

        def stop_requested() -> bool:
            asked.append(stop.is_set())
            return stop.is_set()

        asyncio.get_running_loop().call_soon(stop.set)
        with pytest.raises(CopyInterrupted):
            await copy_between(source, stopped, stop_requested)
        assert asked == [True]
        assert await current_revision(stopped) is None  # rolled back, the migration too
    finally:
        for engine in (source, copied, stopped):
            await engine.dispose()


async def test_a_unit_of_work_inside_another_in_the_same_task_is_refused_on_sqlite(tmp_path: Path) -> None:
    store = await fresh_sqlite_store(tmp_path)
    try:
        async with store.unit_of_work() as outer:
            await outer.members.upsert(member("zhang"))
            with pytest.raises(RuntimeError, match="inside another"):
                async with store.unit_of_work():
                    pass
            await outer.commit()
        async with store.unit_of_work() as uow:  # the outer one gave its turn back
            assert await uow.members.get("zhang") is not None
    finally:
        await store.close()


async def test_a_unit_of_work_waiting_for_a_turn_it_can_never_get_fails_instead_of_hanging(
    tmp_path: Path,
) -> None:
    database = tmp_path / "sanhui.db"
    shutil.copy(await migrated_sqlite_template(), database)
    store = SqlStore(create_engine(sqlite_url(database)), patience=0.2)

    async def inner() -> None:
        async with store.unit_of_work():
            pass

    try:
        async with store.unit_of_work():
            # another task's unit of work, awaited while this one holds the turn
            with pytest.raises(DatabaseBusy):
                await asyncio.create_task(inner())
        await inner()  # and the turn is free again afterwards
    finally:
        await store.close()


async def test_a_unit_of_work_that_cannot_connect_gives_its_turn_back(tmp_path: Path) -> None:
    store = SqlStore(create_engine(sqlite_url(tmp_path)))  # a directory: SQLite cannot open it
    try:
        for _ in range(2):  # the second would wait forever for a turn the first kept
            with pytest.raises(OperationalError):
                await asyncio.wait_for(store.unit_of_work().__aenter__(), timeout=10)
    finally:
        await store.close()


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.meetings.add(meeting(starts_at=datetime(2026, 3, 5, 15, 30)))


# --- members -------------------------------------------------------------------------------------


async def test_members_round_trip_and_upsert_replaces(store: SqlStore) -> None:
    zhang = member("zhang")
    async with store.unit_of_work() as uow:
        await uow.members.upsert(zhang)
        assert await uow.members.get("zhang") == zhang
        changed = replace(
            zhang,
            roles=frozenset(),
            status=MemberStatus.FULL,
            group=None,
            telegram=None,
            on_long_leave=True,
            under_probation_watch=True,
            source="join",
        )
        await uow.members.upsert(changed)
        stored = await uow.members.get("zhang")
        assert stored == changed and stored.roles == frozenset()
        assert await uow.members.get("nobody") is None


async def test_members_are_found_by_platform_id_only_while_active(store: SqlStore) -> None:
    zhang = member("zhang", telegram=10001, matrix="@zhang:example.org")
    async with store.unit_of_work() as uow:
        await uow.members.upsert(zhang)
        await uow.members.upsert(member("gone", telegram=10002, active=False))
        assert await uow.members.by_platform("telegram", "10001") == zhang
        assert await uow.members.by_platform("matrix", "@zhang:example.org") == zhang
        assert await uow.members.by_platform("console", "zhang") == zhang
        assert await uow.members.by_platform("telegram", "10002") is None
        assert await uow.members.by_platform("console", "gone") is None
        assert await uow.members.by_platform("telegram", "not-a-number") is None
        assert await uow.members.by_platform("irc", "zhang") is None


async def test_member_list_filters_by_branch_and_activity(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.upsert(member("wang", branch="t2"))
        await uow.members.upsert(member("zhang"))
        await uow.members.upsert(member("li", active=False))
        assert [m.key for m in await uow.members.list()] == ["wang", "zhang"]
        assert [m.key for m in await uow.members.list(branch="t1")] == ["zhang"]
        assert [m.key for m in await uow.members.list(include_inactive=True)] == ["li", "wang", "zhang"]


async def test_deactivate_except_touches_only_active_members_of_the_source(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        for key in ("a", "b", "c"):
            await uow.members.upsert(member(key))
        await uow.members.upsert(member("joined", source="join"))
        await uow.members.upsert(member("old", active=False))
        assert await uow.members.deactivate_except("config", {"a"}) == 2
        assert await uow.members.deactivate_except("config", {"a"}) == 0
        assert [m.key for m in await uow.members.list()] == ["a", "joined"]
        assert await uow.members.deactivate_except("join", set()) == 1


# --- meetings ------------------------------------------------------------------------------------


async def test_meetings_round_trip_with_aware_utc_times(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        stored = await uow.meetings.add(meeting())
        assert stored.id is not None
        loaded = await uow.meetings.get(stored.id)
    assert loaded == stored  # aware datetimes compare by instant
    assert loaded is not None
    assert_utc(loaded.starts_at)
    assert_utc(loaded.closed_at)
    assert loaded.starts_at == datetime(2026, 3, 5, 7, 30, tzinfo=UTC)
    assert loaded.kind is MeetingKind.GROUP and loaded.status is MeetingStatus.PLANNED
    assert loaded.duration == timedelta(minutes=90) and loaded.slot_on == date(2026, 3, 5)
    assert loaded.published_at is None


async def test_meeting_update_changes_the_stored_row(store: SqlStore) -> None:
    stored = await seed_meeting(store)
    published = replace(stored.cancel("台风"), title="改期", published_at=at(48), source=MeetingSource.ADHOC)
    async with store.unit_of_work() as uow:
        await uow.meetings.update(published)
        assert await uow.meetings.get(stored.id or 0) == published
        with pytest.raises(LookupError):
            await uow.meetings.update(replace(stored, id=9999))
        assert await uow.meetings.get(9999) is None


async def test_one_planned_meeting_per_unit_kind_and_slot(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        planned = [meeting(), meeting(unit="chinese"), meeting(kind=MeetingKind.LESSON)]
        assert await uow.meetings.add_planned(planned) == 3
        assert await uow.meetings.add_planned([*planned, meeting(slot_on=date(2026, 3, 19))]) == 1
        # Ad-hoc meetings have no slot, so they never collide.
        await uow.meetings.add(meeting(slot_on=None, source=MeetingSource.ADHOC))
        await uow.meetings.add(meeting(slot_on=None, source=MeetingSource.ADHOC))
        assert len(await uow.meetings.list()) == 6
        await uow.commit()
    async with store.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.meetings.add(meeting())


async def test_between_is_half_open_ordered_and_skips_cancelled_unless_asked(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        late = await uow.meetings.add(meeting(starts_at=at(3), slot_on=None))
        early = await uow.meetings.add(meeting(starts_at=at(1), slot_on=None))
        other = await uow.meetings.add(meeting(starts_at=at(2), slot_on=None, unit="chinese", branch="t2"))
        cancelled = await uow.meetings.add(
            meeting(starts_at=at(2), slot_on=None, status=MeetingStatus.CANCELLED)
        )
        outside = await uow.meetings.add(meeting(starts_at=at(4), slot_on=None))

        start, end = at(1).astimezone(UTC), at(4)
        assert await uow.meetings.between(None, start, end) == [early, other, late]
        assert await uow.meetings.between(["math"], start, end) == [early, late]
        assert await uow.meetings.between(["math"], start, end, include_cancelled=True) == [
            early,
            cancelled,
            late,
        ]
        assert await uow.meetings.between([], start, end) == []
        assert await uow.meetings.list(branch="t2") == [other]
        assert await uow.meetings.list() == [early, other, cancelled, late, outside]


async def test_agenda_items_keep_their_order(store: SqlStore) -> None:
    stored = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        first = await uow.meetings.add_agenda(AgendaItem(stored.id or 0, "教师减负", "li", at(-48)))
        second = await uow.meetings.add_agenda(AgendaItem(stored.id or 0, "课后服务", "zhang", at(-72)))
        assert first.id is not None and second.id is not None
        assert await uow.meetings.agenda(stored.id or 0) == [first, second]
        assert await uow.meetings.agenda(9999) == []


# --- attendance ----------------------------------------------------------------------------------


async def test_rsvps_are_replaced_not_duplicated(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    first = await seed_meeting(store)
    second = await seed_meeting(store, slot_on=None)
    async with store.unit_of_work() as uow:
        await uow.attendance.put_rsvp(Rsvp(first.id or 0, "li", RsvpAnswer.YES, at(-50)))
        leave = Rsvp(first.id or 0, "li", RsvpAnswer.LEAVE, at(-30), LeaveType.SICK, "发烧")
        await uow.attendance.put_rsvp(leave)
        other = Rsvp(second.id or 0, "zhang", RsvpAnswer.UNKNOWN, at(-40))
        await uow.attendance.put_rsvp(other)
        stored = await uow.attendance.rsvp(first.id or 0, "li")
        assert stored == leave and stored is not None and stored.leave_type is LeaveType.SICK
        assert_utc(stored.answered_at)
        assert await uow.attendance.rsvp(first.id or 0, "zhang") is None
        assert await uow.attendance.rsvps(first.id) == [leave]
        assert await uow.attendance.rsvps() == [leave, other]


async def test_a_second_signin_changes_nothing(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    stored = await seed_meeting(store)
    meeting_id = stored.id or 0
    async with store.unit_of_work() as uow:
        first = SignIn(meeting_id, "li", at(-0.1))
        assert await uow.attendance.add_signin(first) is True
        assert (
            await uow.attendance.add_signin(SignIn(meeting_id, "li", at(0.5), recorded_by="zhang")) is False
        )
        marked = SignIn(meeting_id, "zhang", at(-0.2), recorded_by="wang")
        assert await uow.attendance.add_signin(marked) is True
        assert await uow.attendance.signins(meeting_id) == [marked, first]
        assert await uow.attendance.signins(9999) == []
        await uow.commit()  # the refused duplicate did not spoil the transaction
    async with store.unit_of_work() as uow:
        assert len(await uow.attendance.signins()) == 2


async def test_a_signin_keeps_how_it_was_made_and_a_meeting_its_own_way_of_signing_in(
    store: SqlStore,
) -> None:
    await seed_members(store, "li", "zhang", "wang")
    online = await seed_meeting(store, signin=SignInMethod.BUTTON)
    in_room = await seed_meeting(store, slot_on=None)
    assert online.signin is SignInMethod.BUTTON and in_room.signin is None
    async with store.unit_of_work() as uow:
        assert (await uow.meetings.get(online.id or 0)).signin is SignInMethod.BUTTON  # type: ignore[union-attr]
        assert (await uow.meetings.get(in_room.id or 0)).signin is None  # type: ignore[union-attr]
        by_code = SignIn(in_room.id or 0, "li", at(0.1), method=SignInMethod.CODE)
        by_hand = SignIn(in_room.id or 0, "zhang", at(0.2), recorded_by="wang", method=SignInMethod.HAND)
        await uow.attendance.add_signin(by_code)
        await uow.attendance.add_signin(by_hand)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.attendance.signins(in_room.id or 0)
    assert [(s.member, s.method, s.recorded_by) for s in stored] == [
        ("li", SignInMethod.CODE, None),
        ("zhang", SignInMethod.HAND, "wang"),
    ]


async def test_outlines_are_replaced(store: SqlStore) -> None:
    await seed_members(store, "li")
    stored = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        await uow.attendance.put_outline(Outline(stored.id or 0, "li", "初稿", at(-60)))
        final = Outline(stored.id or 0, "li", "一、学习体会\n二、整改措施", at(-30))
        await uow.attendance.put_outline(final)
        assert await uow.attendance.outlines(stored.id) == [final]
        assert await uow.attendance.outlines() == [final]


# --- suggestions ---------------------------------------------------------------------------------


async def test_suggestions_round_trip_and_update(store: SqlStore) -> None:
    await seed_members(store, "li")
    stored_meeting = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        loose = await uow.suggestions.add(Suggestion(None, "t1", "li", "增加课后辅导", at(-100)))
        during = await uow.suggestions.add(
            Suggestion(None, "t1", "li", "食堂延时", at(0.5), meeting_id=stored_meeting.id)
        )
        other = await uow.suggestions.add(Suggestion(None, "t2", "li", "x", at(1)))
        assert loose.id is not None and await uow.suggestions.get(loose.id) == loose
        adopted = replace(during, adopted_at=at(1), adopted_by="zhang")
        await uow.suggestions.update(adopted)
        reloaded = await uow.suggestions.get(during.id or 0)
        assert reloaded == adopted and reloaded is not None and reloaded.adopted
        assert_utc(reloaded.adopted_at)
        assert await uow.suggestions.list("t1") == [loose, adopted]
        assert await uow.suggestions.list() == [loose, adopted, other]
        assert await uow.suggestions.get(9999) is None


# --- decisions and tasks -------------------------------------------------------------------------


def task(decision_id: int | None, **changes: object) -> Task:
    base = Task(
        id=None,
        decision_id=decision_id,
        branch="t1",
        unit="t1:committee",
        title="组织课后服务",
        owner="li",
        due_on=date(2026, 3, 20),
        created_at=at(1),
        lead="zhang",
        group="math",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_decisions_and_tasks_round_trip_through_the_loop(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    stored_meeting = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        decision = await uow.tasks.add_decision(
            Decision(None, "t1", "t1:committee", "组织课后服务", "zhang", at(1), stored_meeting.id)
        )
        standalone = await uow.tasks.add_decision(Decision(None, "t2", "t2", "x", "zhang", at(2)))
        assert decision.id is not None
        assert await uow.tasks.decisions("t1") == [decision]
        assert await uow.tasks.decisions() == [decision, standalone]

        opened = await uow.tasks.add(task(decision.id))
        assert opened.id is not None and await uow.tasks.get(opened.id) == opened
        claimed = opened.claim("math", "li", at(5))
        await uow.tasks.update(claimed)
        done = claimed.complete("已完成", at(24 * 10), date(2026, 3, 15))
        await uow.tasks.update(done)
        reloaded = await uow.tasks.get(opened.id)
        assert reloaded == done and reloaded is not None
        assert reloaded.status is TaskStatus.DONE and reloaded.on_time
        assert_utc(reloaded.claimed_at)
        assert_utc(reloaded.done_at)
        assert await uow.tasks.get(9999) is None


async def test_task_list_filters_and_orders_by_due_date(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        late = await uow.tasks.add(task(None, due_on=date(2026, 4, 1), lead=None, group=None))
        soon = await uow.tasks.add(task(None, due_on=date(2026, 3, 10), status=TaskStatus.CLAIMED))
        same_day = await uow.tasks.add(task(None, due_on=date(2026, 3, 10)))
        elsewhere = await uow.tasks.add(task(None, branch="t2"))
        assert await uow.tasks.list() == [soon, same_day, elsewhere, late]
        assert await uow.tasks.list("t1") == [soon, same_day, late]
        assert await uow.tasks.list("t1", [TaskStatus.OPEN]) == [same_day, late]
        assert await uow.tasks.list(statuses=[TaskStatus.CLAIMED, TaskStatus.DONE]) == [soon]
        assert await uow.tasks.list(statuses=[]) == []


async def test_the_tasks_unfinished_at_a_moment_are_read_as_the_reports_count_them(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        never = await uow.tasks.add(task(None, due_on=date(2026, 4, 1), group="math"))
        done_before = await uow.tasks.add(
            task(None, status=TaskStatus.RATED, done_at=at(1), done_on=date(2026, 3, 2))
        )
        done_after = await uow.tasks.add(
            task(
                None,
                due_on=date(2026, 3, 10),
                status=TaskStatus.DONE,
                done_at=at(48),
                done_on=date(2026, 3, 4),
            )
        )
        claimed = await uow.tasks.add(
            task(None, due_on=date(2026, 3, 10), status=TaskStatus.CLAIMED, claimed_by_group="math")
        )
        elsewhere = await uow.tasks.add(task(None, branch="t2"))
        states = await uow.tasks.unfinished(at(24), "t1")
        everywhere = await uow.tasks.unfinished(at(24))
    # Done before the moment: counts nowhere. By due date, then id; each as much as a count reads.
    assert [s.id for s in states] == [done_after.id, claimed.id, never.id]
    assert [s.id for s in everywhere] == [done_after.id, claimed.id, elsewhere.id, never.id]
    assert done_before.id not in {s.id for s in everywhere}
    for state in states:
        [full] = [t for t in (never, done_after, claimed) if t.id == state.id]
        assert (state.finished, state.on_time) == (full.finished, full.on_time)
        assert (state.group, state.claimed_by_group, state.owner, state.title) == (
            full.group,
            full.claimed_by_group,
            full.owner,
            full.title,
        )
        assert (state.due_on, state.created_at, state.done_at, state.done_on) == (
            full.due_on,
            full.created_at,
            full.done_at,
            full.done_on,
        )
        assert state.finished is full.finished  # a bool on both databases, not SQLite's 0 or 1


async def query_plan(
    tmp_path: Path, table: str, read: Callable[[SqlUnitOfWork], Awaitable[object]]
) -> list[str]:
    """SQLite's plan (EXPLAIN QUERY PLAN) for the one statement on `table` that `read` runs."""
    store = SqlStore(create_engine(f"sqlite:///{tmp_path / 'plan.db'}"))
    await migrate(store.engine)
    sent: list[tuple[str, Any]] = []

    def record(_c: object, _cursor: object, statement: str, parameters: object, *_rest: object) -> None:
        if f"FROM {table}" in statement:
            sent.append((statement, parameters))

    event.listen(store.sync_engine, "before_cursor_execute", record)
    async with store.unit_of_work() as uow:
        await read(uow)
    [(statement, parameters)] = sent
    async with store.engine.connect() as connection:
        explain = f"EXPLAIN QUERY PLAN {statement}"
        plan = (await connection.exec_driver_sql(explain, tuple(parameters))).all()
    await store.close()
    return [row[-1] for row in plan]


async def test_a_report_finds_the_unfinished_tasks_by_index_not_by_every_task_the_branch_had(
    tmp_path: Path,
) -> None:
    """Issue 15: found by (branch, status), every task the branch ever had was visited, so /report
    month grew with the age of the database."""
    plan = await query_plan(tmp_path, "tasks", lambda uow: uow.tasks.unfinished(at(0), "t1"))
    searches = [step for step in plan if " tasks " in f"{step} "]
    assert len(searches) == 2, plan
    assert all("USING INDEX ix_tasks_branch_done_at (branch=? AND done_at" in s for s in searches), plan


async def test_a_meetings_answers_are_read_by_answer_and_a_key_with_a_comma_still_reads_right(
    store: SqlStore,
) -> None:
    """The tally's read joins each answer's members with commas (issue 15); a key with a comma, which
    config.Key forbids but a database may hold, falls back to a row per answer, not a wrong split."""
    await seed_members(store, "li", "zhang", "wang", "a,b")
    stored = await seed_meeting(store)
    number = stored.id or 0
    answers = {"li": RsvpAnswer.YES, "zhang": RsvpAnswer.NO, "wang": RsvpAnswer.YES}
    async with store.unit_of_work() as uow:
        for key, answer in answers.items():
            await uow.attendance.put_rsvp(Rsvp(number, key, answer, at(-5)))
        await uow.attendance.add_signin(SignIn(number, "wang", at(0)))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.attendance.answers(number) == answers
        assert await uow.attendance.answers_and_signed_in(number, "wang") == (answers, True)
        assert await uow.attendance.answers_and_signed_in(number, "li") == (answers, False)
        assert await uow.attendance.answers(number + 1) == {}
        await uow.attendance.put_rsvp(Rsvp(number, "a,b", RsvpAnswer.YES, at(-4)))
        with_comma = answers | {"a,b": RsvpAnswer.YES}
        assert await uow.attendance.answers(number) == with_comma
        assert await uow.attendance.answers_and_signed_in(number, "wang") == (with_comma, True)
        assert await uow.attendance.answers_and_signed_in(number, "a,b") == (with_comma, False)


async def test_the_tallys_answers_are_read_from_an_index_alone(tmp_path: Path) -> None:
    """Issue 15: through the primary key, each answer was a visit to its RSVP's row."""
    plan = await query_plan(tmp_path, "rsvps", lambda uow: uow.attendance.answers_and_signed_in(1, "li"))
    [search] = [step for step in plan if " rsvps " in f"{step} "]
    assert "USING COVERING INDEX ix_rsvps_meeting_id_answer_member (meeting_id=?)" in search, plan
    assert not any("TEMP B-TREE" in step for step in plan), plan  # grouped in the index's order


async def test_each_rater_has_one_rating_per_task_a_new_one_replaces_the_old(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        rated = await uow.tasks.add(task(None))
        task_id = rated.id or 0
        first = TaskRating(task_id, "telegram:555", Rating.SATISFIED, at(30))
        assert await uow.tasks.put_rating(first) is None
        again = TaskRating(task_id, "telegram:555", Rating.UNSATISFIED, at(31))
        assert await uow.tasks.put_rating(again) is Rating.SATISFIED
        second = TaskRating(task_id, "li", Rating.BASICALLY_SATISFIED, at(29))
        assert await uow.tasks.put_rating(second) is None
        assert await uow.tasks.ratings(task_id) == [second, again]
        assert await uow.tasks.ratings() == [second, again]
        assert await uow.tasks.ratings(9999) == []


# --- points --------------------------------------------------------------------------------------


async def test_the_ledger_appends_each_event_once(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    signin = PointEntry("li", 2, PointReason.SIGNIN, "meeting:1", at(0))
    async with store.unit_of_work() as uow:
        stored = await uow.points.append(signin)
        assert stored is not None and stored.id is not None and stored == replace(signin, id=stored.id)
        assert await uow.points.append(replace(signin, delta=5, occurred_at=at(1))) is None
        # The refused duplicate did not spoil the transaction: later writes still commit.
        other = await uow.points.append(PointEntry("zhang", 2, PointReason.SIGNIN, "meeting:1", at(0)))
        assert other is not None
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.points.get(stored.id)
        assert loaded == stored and loaded is not None and loaded.reason is PointReason.SIGNIN
        assert_utc(loaded.occurred_at)
        assert await uow.points.get(9999) is None
        assert len(await uow.points.entries()) == 2


async def test_ledger_entries_filter_by_member_and_half_open_period(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        march = await uow.points.append(PointEntry("li", 1, PointReason.SUGGESTION, "suggestion:1", at(0)))
        april = await uow.points.append(
            PointEntry("li", 5, PointReason.TASK_DONE_ON_TIME, "task:1", at(24 * 30))
        )
        earlier = await uow.points.append(PointEntry("zhang", -2, PointReason.ABSENT, "meeting:1", at(-1)))
        assert await uow.points.entries() == [earlier, march, april]
        assert await uow.points.entries(member="li") == [march, april]
        assert await uow.points.entries(since=at(0), until=at(24 * 30)) == [march]
        assert await uow.points.entries(member="zhang", since=at(0)) == []


async def test_ledger_totals_sum_a_branchs_members_in_a_half_open_period(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        await uow.members.upsert(replace(member("wang"), branch="t2"))
        await uow.points.append(PointEntry("li", 1, PointReason.SUGGESTION, "suggestion:1", at(0)))
        await uow.points.append(PointEntry("li", 5, PointReason.TASK_DONE_ON_TIME, "task:1", at(2)))
        await uow.points.append(PointEntry("li", 2, PointReason.SIGNIN, "meeting:9", at(24 * 30)))
        await uow.points.append(PointEntry("zhang", -2, PointReason.ABSENT, "meeting:1", at(-1)))
        await uow.points.append(PointEntry("wang", 2, PointReason.SIGNIN, "meeting:1", at(1)))
        assert await uow.points.totals(at(-1), at(24 * 30), "t1") == {"li": 6, "zhang": -2}
        assert await uow.points.totals(at(0), at(24 * 30), "t1") == {"li": 6}
        assert await uow.points.totals(at(0), at(24 * 30), "t2") == {"wang": 2}


async def test_a_reversal_points_at_the_entry_it_cancels(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    async with store.unit_of_work() as uow:
        wrong = await uow.points.append(PointEntry("li", -2, PointReason.ABSENT, "meeting:1", at(0)))
        assert wrong is not None and wrong.id is not None
        assert await uow.points.reversal_of(wrong.id) is None
        undo = await uow.points.append(reversal(wrong, "zhang", "病假补批", at(5)))
        assert undo is not None and undo.reverses == wrong.id and undo.delta == 2
        assert await uow.points.reversal_of(wrong.id) == undo
        assert await uow.points.append(reversal(wrong, "zhang", "again", at(6))) is None


def test_the_ledger_has_no_way_to_change_or_delete_entries() -> None:
    public = {name for name in dir(SqlPointsLedger) if not name.startswith("_")}
    assert public == {"append", "get", "entries", "reversal_of", "of_subject", "totals", "member_totals"}


# --- join requests -------------------------------------------------------------------------------


async def test_join_requests_round_trip_and_pending_lookup(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        request = await uow.joins.add(JoinRequest(None, "t1", "telegram", "777", "王老师", "branch", at(0)))
        other = await uow.joins.add(JoinRequest(None, "t2", "matrix", "@w:example.org", "W", "g", at(1)))
        assert request.id is not None and await uow.joins.get(request.id) == request
        assert await uow.joins.pending_for("telegram", "777") == request
        assert await uow.joins.pending_for("matrix", "777") is None

        approved = replace(
            request, status=JoinStatus.APPROVED, decided_by="zhang", decided_at=at(2), member_key="wang"
        )
        await uow.joins.update(approved)
        assert await uow.joins.get(request.id) == approved
        assert await uow.joins.pending_for("telegram", "777") is None
        assert await uow.joins.list() == [approved, other]
        assert await uow.joins.list(branch="t1") == [approved]
        assert await uow.joins.list(pending_only=True) == [other]
        assert await uow.joins.get(9999) is None


# --- outbox --------------------------------------------------------------------------------------


def outbox_row(key: str, due_at: datetime, **changes: object) -> OutboxRow:
    base = OutboxRow(
        key=key,
        kind="notice",
        chat="branch",
        payload={"meeting": 12, "text": "通知：周四开会", "buttons": [["参加", "/rsvp 12 yes"]]},
        due_at=due_at,
        created_at=at(-100),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_an_outbox_key_is_written_once(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.outbox.add_if_absent(outbox_row("notice:math:2026-03-05", at(-72))) is True
        assert await uow.outbox.add_if_absent(outbox_row("notice:math:2026-03-05", at(-1), chat="x")) is False
        await uow.commit()
    async with store.unit_of_work() as uow:
        [stored] = await uow.outbox.list()
    assert stored.id is not None
    assert stored == replace(outbox_row("notice:math:2026-03-05", at(-72)), id=stored.id)
    assert stored.payload["text"] == "通知：周四开会"
    assert_utc(stored.due_at)


async def test_due_rows_are_unsent_and_oldest_first(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        for key, due_at in (("c", at(-1)), ("a", at(-3)), ("future", at(1)), ("b", at(-2)), ("now", at(0))):
            await uow.outbox.add_if_absent(outbox_row(key, due_at))
        due = await uow.outbox.due(at(0))
        assert [row.key for row in due] == ["a", "b", "c", "now"]
        assert [row.key for row in await uow.outbox.due(at(0), limit=2)] == ["a", "b"]

        await uow.outbox.mark_sent(due[0].id or 0, at(0.1))
        await uow.outbox.mark_failed(due[1].id or 0, "429 Too Many Requests", at(0.5))
        assert [row.key for row in await uow.outbox.due(at(0))] == ["c", "now"]  # b waits for its retry
        assert [row.key for row in await uow.outbox.due(at(0.5))] == ["b", "c", "now"]
        rows = {row.key: row for row in await uow.outbox.list()}
        assert rows["a"].sent_at == at(0.1) and rows["a"].attempts == 1
        assert_utc(rows["a"].sent_at)
        assert rows["b"].sent_at is None and rows["b"].attempts == 1
        assert rows["b"].last_error == "429 Too Many Requests"
        with pytest.raises(LookupError):
            await uow.outbox.mark_sent(9999, at(0))


# --- message log ---------------------------------------------------------------------------------


async def test_console_numbers_count_up_across_units_of_work(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        assert [await uow.messages.next_console_number() for _ in range(3)] == [1, 2, 3]
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.messages.next_console_number() == 4


async def test_posted_messages_are_found_with_their_buttons(store: SqlStore) -> None:
    posted = PostedMessage(
        "console", "branch", "7", [("参加", "/rsvp 12 yes"), ("请假", "/leave 12")], at(0), "meeting:12"
    )
    async with store.unit_of_work() as uow:
        await uow.messages.record(posted)
        found = await uow.messages.find("console", "branch", "7")
        assert found == posted and found is not None
        assert_utc(found.posted_at)
        edited = replace(posted, buttons=[("参加 (3)", "/rsvp 12 yes")], posted_at=at(1))
        await uow.messages.record(edited)
        assert await uow.messages.find("console", "branch", "7") == edited
        assert await uow.messages.find("console", "other", "7") is None


async def test_a_closed_sqlite_connection_is_kept_for_the_next_with_nothing_begun(tmp_path: Path) -> None:
    """Issue 15: units of work follow one another on SQLite; each took its connection out of the pool
    and put it back, which cost more than the update's transaction. One is kept open between them."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    await migrate(engine)
    store = SqlStore(engine)
    checkouts: list[object] = []
    event.listen(store.sync_engine, "checkout", lambda *_: checkouts.append(1))
    for number in range(5):
        async with store.unit_of_work() as uow:
            await uow.counters.set(f"k{number}", number)
            await uow.commit()
    assert len(checkouts) <= 1, checkouts
    with pytest.raises(RuntimeError):  # a unit of work that fails leaves nothing begun for the next
        async with store.unit_of_work() as uow:
            await uow.counters.set("lost", 1)
            raise RuntimeError("refused")
    async with store.unit_of_work() as uow:
        assert (await uow.counters.get("lost"), await uow.counters.get("k4")) == (None, 4)
    assert isinstance(engine, SqliteEngine)
    first, second = await engine.connect().start(), await engine.connect().start()
    drivers = [c.sync_connection.connection.driver_connection for c in (first, second)]
    assert drivers[0] is not drivers[1]  # open at once: each its own
    drivers[0].execute("BEGIN IMMEDIATE")  # begun on the driver, outside SQLAlchemy
    await first.close()
    await first.close()  # a second close does nothing to the connection now kept for another
    await second.close()
    checked_out = len(checkouts)
    again = await engine.connect().start()
    assert again.sync_connection.connection.driver_connection is drivers[0]
    assert len(checkouts) == checked_out  # the kept one, not one from the pool
    assert not drivers[0].in_transaction
    async with store.unit_of_work() as uow:  # a second connection, the kept one being in use
        await uow.counters.set("k9", 9)
        await uow.commit()
    await again.close()
    await store.close()
    with pytest.raises(sqlite3.ProgrammingError):  # the kept one closed with the engine
        drivers[0].execute("SELECT 1")


async def test_prepared_statements_hand_back_the_rows_and_the_errors_sqlalchemy_would(
    store: SqlStore,
) -> None:
    """Issue 15: every update's statements run on SQLite's cursor (database.Prepared); their rows are
    SQLAlchemy's own, each column through its type (aware datetimes, dates, JSON, None)."""
    await seed_members(store, "li")
    stored = await seed_meeting(store, published_at=at(1), speaker=None)
    number = stored.id or 0
    posted = PostedMessage("console", "branch", "7", [("参加", f"/rsvp {number} yes")], at(0), "meeting:1")
    async with store.unit_of_work() as uow:
        await uow.messages.record(posted)
        await uow.attendance.put_rsvp(Rsvp(number, "li", RsvpAnswer.YES, at(-5)))
        await uow.attendance.add_signin(SignIn(number, "li", at(0)))
        await uow.commit()
    asked = [
        (repositories._MEETING_BY_ID, {"id": number}),
        (repositories._MEETING_BY_ID, {"id": number + 1}),
        (repositories._POSTED, {"platform": "console", "chat": "branch", "message_id": "7"}),
        (repositories._ANSWERS_AND_SIGNED_IN, {"meeting_id": number, "member": "li"}),
    ]
    async with store.engine.connect() as connection:
        for prepared, parameters in asked:
            fetched = await fetch(connection, prepared, parameters)
            expected = (await connection.execute(prepared.statement, parameters)).all()
            assert [tuple(row) for row in fetched] == [tuple(row) for row in expected], prepared.statement
            kinds = [[type(value) for value in row] for row in fetched]
            assert kinds == [[type(value) for value in row] for row in expected], prepared.statement
        [row] = await fetch(connection, repositories._MEETING_BY_ID, {"id": number})
        assert (row.starts_at, row.slot_on, row.speaker) == (stored.starts_at, stored.slot_on, None)
        assert row.starts_at.tzinfo is UTC
        await connection.rollback()
        await connection.execute(text("DROP TABLE posted_messages"))
        with pytest.raises(StatementError, match="posted_messages"):
            await fetch(connection, repositories._POSTED, asked[2][1])
        await connection.rollback()


async def test_a_redelivered_update_is_recognised(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.messages.seen_update("telegram", "1001", at(0)) is False
        assert await uow.messages.seen_update("telegram", "1001", at(1)) is True
        assert await uow.messages.seen_update("matrix", "1001", at(1)) is False
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.messages.seen_update("telegram", "1001", at(2)) is True


async def test_answers_and_signed_in_read_one_meeting_leanly(store: SqlStore) -> None:
    await seed_members(store, "li", "zhang")
    first = await seed_meeting(store)
    second = await seed_meeting(store, slot_on=None)
    async with store.unit_of_work() as uow:
        await uow.attendance.put_rsvp(Rsvp(first.id or 0, "li", RsvpAnswer.YES, at(-5)))
        await uow.attendance.put_rsvp(Rsvp(second.id or 0, "zhang", RsvpAnswer.NO, at(-5)))
        await uow.attendance.add_signin(SignIn(first.id or 0, "zhang", at(0)))
        assert await uow.attendance.answers(first.id or 0) == {"li": RsvpAnswer.YES}
        assert await uow.attendance.signed_in(first.id or 0, "zhang")
        assert not await uow.attendance.signed_in(first.id or 0, "li")
        assert not await uow.attendance.signed_in(second.id or 0, "zhang")


async def test_the_roster_version_changes_with_every_roster_change(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        start = await uow.members.version()
        await uow.members.upsert(member("li"))
        after_upsert = await uow.members.version()
        assert await uow.members.deactivate_except("config", {"li"}) == 0
        unchanged = await uow.members.version()
        await uow.members.deactivate_except("config", set())
        assert start < after_upsert == unchanged < await uow.members.version()


async def test_decisions_are_counted_per_meeting(store: SqlStore) -> None:
    await seed_members(store, "li")
    stored = await seed_meeting(store)
    async with store.unit_of_work() as uow:
        for title in ("甲", "乙"):
            await uow.tasks.add_decision(Decision(None, "t1", "t1", title, "li", at(0), meeting_id=stored.id))
        await uow.tasks.add_decision(Decision(None, "t1", "t1", "丙", "li", at(0)))
        assert await uow.tasks.count_decisions(stored.id or 0) == 2


async def test_counters_are_named_integers(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.counters.get("scheduler_watermark") is None
        await uow.counters.set("scheduler_watermark", 1_772_000_000)
        await uow.counters.set("scheduler_watermark", 1_772_000_060)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.counters.get("scheduler_watermark") == 1_772_000_060


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def _outbox_row_under(engine: AnyEngine, revision: str) -> None:
    """A database migrated only to `revision`, holding one unsent outbox row as that schema had it."""
    async with engine.connect() as connection:
        await connection.run_sync(_upgrade_to, revision)
        await connection.execute(
            text(
                "INSERT INTO outbox (key, kind, chat, payload, due_at, created_at, attempts, last_error) "
                "VALUES ('notice:math:1', 'notice', 'g-math', '{}', '2026-03-02 01:00:00', "
                "'2026-03-01 00:00:00', 0, '')"
            )
        )
        await connection.commit()


async def test_0002_keeps_the_outbox_rows_written_under_0001(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    try:
        await _outbox_row_under(engine, "0001")
        assert await migrate(engine) == head_revision()
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT key, retry_at FROM outbox"))).all()
        assert [tuple(row) for row in rows] == [("notice:math:1", None)]
    finally:
        await engine.dispose()


async def test_0003_adds_deliveries_for_outbox_rows_written_under_0002(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    try:
        await _outbox_row_under(engine, "0002")
        assert await migrate(engine) == head_revision()
        store = SqlStore(engine)
        async with store.unit_of_work() as uow:
            (row,) = await uow.outbox.list()
            assert await uow.outbox.delivered(row.id or 0) == set()
            await uow.outbox.record_delivery(row.id or 0, "telegram", "77", row.due_at)
            await uow.outbox.record_delivery(row.id or 0, "telegram", "78", row.due_at)  # ignored
            await uow.commit()
        async with store.unit_of_work() as uow:
            assert await uow.outbox.delivered(row.id or 0) == {"telegram"}
    finally:
        await engine.dispose()


async def test_0005_keeps_agenda_topics_as_topics(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade_to, "0004")
            await connection.execute(
                text(
                    "INSERT INTO meetings (branch, unit, kind, starts_at, duration_minutes, status, source) "
                    "VALUES ('t1', 't1:committee', 'committee', '2026-03-12 08:30:00', 90, 'planned', 'adhoc')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO agenda_items (meeting_id, topic, added_by, added_at) "
                    "VALUES (1, '家校沟通机制', 'lihua', '2026-03-01 00:00:00')"
                )
            )
            await connection.commit()
        assert await migrate(engine) == head_revision()
        store = SqlStore(engine)
        async with store.unit_of_work() as uow:
            assert [item.topic for item in await uow.meetings.agenda(1)] == ["家校沟通机制"]
            assert await uow.meetings.materials(1) == []
    finally:
        await engine.dispose()


async def test_0006_gives_every_stored_member_an_undated_history(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade_to, "0005")
            for key, active in (("li", True), ("wang", False)):
                await connection.execute(
                    text(
                        "INSERT INTO members (key, name, branch, roles, status, group_key, active, "
                        "on_long_leave, under_probation_watch, source) "
                        f"VALUES ('{key}', '{key}', 't1', '', 'probationary', 'math', {int(active)}, 0, 0, 'config')"
                    )
                )
            await connection.commit()
        assert await migrate(engine) == head_revision()
        store = SqlStore(engine)
        async with store.unit_of_work() as uow:
            history = RosterHistory(await uow.members.changes())
            members = await uow.members.list(include_inactive=True)
        # the roster of any past day is the one the bot counted before the history existed
        [li] = history.roster_on(members, date(2020, 1, 1))
        assert (li.key, li.status, li.group) == ("li", MemberStatus.PROBATIONARY, "math")
        # 0007: the undated "joined" takes the roles and flags as stored
        [joined] = [c for c in history.of("li") if c.kind is RosterChangeKind.JOINED]
        assert (joined.roles, joined.on_long_leave, joined.under_probation_watch) == (
            frozenset(),
            False,
            False,
        )
        assert [c.kind for c in history.of("wang")] == [RosterChangeKind.JOINED, RosterChangeKind.LEFT]
    finally:
        await engine.dispose()
