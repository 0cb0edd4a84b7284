"""Opening the database and bringing its schema up to date.

One async SQL path over SQLite (aiosqlite, the default) and PostgreSQL (asyncpg). SQLite gets WAL,
foreign keys, a busy timeout and `BEGIN IMMEDIATE` transactions on every connection, and runs its
statements on the event loop's thread (see `LoopThreadConnection`); the units of work of a SQLite
file use SQLAlchemy's synchronous engine for it, behind the same interface (`inline_engine`). Migrations are
Alembic scripts in `migrations/` at the repository root, so the bot runs from a checkout; a database
whose schema is newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, overload

import aiosqlite
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows

import sanhui_bot

if TYPE_CHECKING:
    # Alembic (and Mako under it) is imported only when a migration has to run: at a start on a
    # current schema it would cost a fifth of a second and several MB for nothing.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# migrations/ sits beside the package in the checkout (DESIGN.md §3), not inside it.
MIGRATIONS_DIR = Path(sanhui_bot.__file__).resolve().parent.parent / "migrations"

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}

# Applied to every new SQLite connection. WAL lets readers run beside the one writer; foreign keys
# are off by default in SQLite; busy_timeout makes a second writer wait instead of failing at once;
# synchronous=NORMAL is safe under WAL (a power cut may lose the last commit, never corrupt).
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


class DatabaseTooNew(RuntimeError):
    """The database was migrated by a newer sanhui-bot than this one."""

    def __init__(self, revision: str, head: str | None = None) -> None:
        super().__init__(
            f"database schema is at revision {revision}, newer than this version of sanhui-bot knows "
            f"(head {head}); upgrade sanhui-bot"
        )
        self.revision = revision
        self.head = head


def make_async_url(url: str) -> str:
    """The url with its async driver: sqlite:// → sqlite+aiosqlite://, postgresql:// → postgresql+asyncpg://."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgres":  # the short scheme some hosting providers hand out
        backend = "postgresql"
    try:
        drivername = _ASYNC_DRIVERS[backend]
    except KeyError:
        raise ValueError(f"unsupported database url {url!r}: use sqlite:///… or postgresql://…") from None
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def refuse_a_directory(url: str) -> None:
    """Raise IsADirectoryError when a SQLite url names a directory.

    Checked before connecting: a failed connect to a directory leaves aiosqlite's thread reporting to
    an event loop that is gone, which prints a traceback after the CLI's own short message.
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and Path(parsed.database).expanduser().is_dir()
    ):
        raise IsADirectoryError(21, "a directory, not a database file", parsed.database)


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; for SQLite, creates the file's directory and sets up each connection."""
    async_url = make_async_url(url)
    parsed = make_url(async_url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(async_url, pool_pre_ping=True)

    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        database = str(Path(database).expanduser())
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(async_url, async_creator=partial(_connect_sqlite, database or ":memory:"))
    _configure_sqlite(engine.sync_engine)
    return engine


class LoopThreadConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the event loop's own thread.

    aiosqlite hands every call (cursor, execute, fetch, close the cursor, commit) to a worker thread
    and waits for the answer. On a local file the statement itself takes microseconds, the round trip
    to the thread tens of them, four times per statement: /rsvp ran three times faster inline
    (bench/commands.py). The worker thread still opens and closes the connection.

    The price is that a statement blocks the loop while it runs. Inside one process that is no
    deadlock, because SqlStore lets one unit of work at a time at the database (units of work on
    SQLite all take the write lock anyway). A write lock held by another process (a `bot.py export`
    beside the running bot) makes the loop wait for up to busy_timeout.

    `_execute` is aiosqlite's one funnel to its thread (pinned in pyproject.toml); the test
    `test_sqlite_statements_run_on_the_loop_thread` fails if an upgrade moves it.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _connect_sqlite(database: str) -> LoopThreadConnection:
    """SQLAlchemy's `async_creator` for SQLite: the URL's database, opened for the loop's thread."""
    connector = partial(
        sqlite3.connect,
        database,
        uri=database.startswith("file:"),
        # Statements run on the loop's thread, the connection is opened on aiosqlite's.
        check_same_thread=False,
        # SQLAlchemy issues BEGIN itself (see _configure_sqlite); the module must not.
        isolation_level=None,
    )
    return LoopThreadConnection(connector, iter_chunk_size=64)


def inline_engine(engine: AsyncEngine) -> Engine | None:
    """SQLAlchemy's synchronous SQLite engine on the same file as `engine`, for the units of work;
    None for PostgreSQL and for an in-memory database (a second engine would open another one).

    The units of work run their statements on the loop's thread anyway (`LoopThreadConnection`);
    through the async engine each statement still makes five hops between a greenlet and the loop
    (SQLAlchemy's bridge to aiosqlite's coroutines), which cost more than the statement and its
    SQLAlchemy core put together (issue 15: /rsvp's 7 statements took most of its own time). The
    synchronous engine runs the same statements, with the same pragmas and BEGIN IMMEDIATE, without
    them; `InlineConnection` gives it the async connection's interface the repositories use.
    """
    url = engine.url
    database = url.database or ""
    if (
        url.get_backend_name() != "sqlite"
        or not database
        or database == ":memory:"
        or database.startswith("file:")
    ):
        return None
    connect = partial(sqlite3.connect, database, check_same_thread=False, isolation_level=None)
    inline = create_sync_engine(url.set(drivername="sqlite+pysqlite"), creator=connect)
    _configure_sqlite(inline)
    return inline


class InlineConnection:
    """What the unit of work and the repositories use of `AsyncConnection`, over a synchronous
    connection whose statements run right here, on the loop's thread (see `inline_engine`).

    A statement never waits for I/O but the file's (SQLite's own busy_timeout aside, as before), so
    nothing here suspends; the methods are coroutines only to keep the repositories' one interface.
    """

    def __init__(self, connection: Connection) -> None:
        self.sync_connection = connection

    @property
    def dialect(self) -> Dialect:
        return self.sync_connection.dialect

    @property
    def info(self) -> dict[Any, Any]:
        return self.sync_connection.info

    @overload
    async def execute(
        self,
        statement: TypedReturnsRows[*_Ts],
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> CursorResult[*_Ts]: ...

    @overload
    async def execute(
        self, statement: Executable, parameters: Any = None, *, execution_options: Any = None
    ) -> CursorResult[*tuple[Any, ...]]: ...

    async def execute(
        self, statement: Executable, parameters: Any = None, *, execution_options: Any = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run one statement; its rows are read from the cursor as they are asked for."""
        return self.sync_connection.execute(statement, parameters, execution_options=execution_options)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> CursorResult[Any]:
        return self.sync_connection.exec_driver_sql(statement, parameters)

    async def run_sync(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        return fn(self.sync_connection, *args, **kwargs)

    async def begin(self) -> None:
        self.sync_connection.begin()

    async def commit(self) -> None:
        self.sync_connection.commit()

    async def rollback(self) -> None:
        self.sync_connection.rollback()

    async def close(self) -> None:
        self.sync_connection.close()


# What a unit of work runs its statements on: the async engine's connection, or the inline one.
AnyConnection = AsyncConnection | InlineConnection


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on connect, and SQLAlchemy (not the sqlite3 module) in charge of BEGIN.

    The sqlite3 module's legacy transaction control starts transactions late and DEFERRED: a unit of
    work that reads and then writes can then fail to upgrade its lock while another writer commits
    ("database is locked" despite busy_timeout). So the driver's own BEGIN is switched off
    (isolation_level=None, in _connect_sqlite) and every transaction starts with BEGIN IMMEDIATE,
    which takes the write lock up front and waits for it under busy_timeout (the SQLAlchemy SQLite
    docs, "Transactions with SQLite and the sqlite3 driver"). Python 3.11 has no `autocommit`
    connect argument yet.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    """The Alembic configuration, built in code: the bot needs no alembic.ini."""
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise FileNotFoundError(
            f"no migrations at {MIGRATIONS_DIR}: run sanhui-bot from a checkout of its repository"
        )
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _stored_revisions(connection: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_heads()


def _refuse_newer(connection: Connection, script: ScriptDirectory) -> None:
    known = {revision.revision for revision in script.walk_revisions()}
    for revision in _stored_revisions(connection):
        if revision not in known:
            raise DatabaseTooNew(revision, script.get_current_head())


async def check_not_too_new(engine: AsyncEngine) -> None:
    """Raise DatabaseTooNew if the stored schema revision is unknown to this code."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    async with engine.connect() as connection:
        await connection.run_sync(_refuse_newer, script)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision stored in the database; None for a database never migrated."""
    async with engine.connect() as connection:
        revisions = await connection.run_sync(_stored_revisions)
    return revisions[0] if revisions else None


_NUMBERED_MIGRATION = re.compile(r"(\d{4})_\w+\.py")


def numbered_head() -> str | None:
    """The head revision read from the migration files' names, without loading Alembic.

    Migrations form one numbered chain (`0010_lesson_speaker.py` holds revision "0010", its
    down_revision "0009"; tests/test_storage.py checks this agrees with Alembic's head), so the
    highest number is the head. None when there are no such files: then Alembic decides.
    """
    numbers = [
        match.group(1)
        for path in (MIGRATIONS_DIR / "versions").glob("*.py")
        if (match := _NUMBERED_MIGRATION.fullmatch(path.name))
    ]
    return max(numbers) if numbers else None


async def _stored_revision_quickly(engine: AsyncEngine) -> str | None:
    """The one revision in `alembic_version` by plain SQL; None when the table is missing or holds several."""
    if engine.dialect.name == "sqlite":
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    else:
        exists = "SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL"
    async with engine.connect() as connection:
        if (await connection.execute(text(exists))).first() is None:
            return None
        rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade_to_head(connection: Connection, config: Config) -> None:
    """Migrate inside the caller's transaction on `connection` (refusing a newer schema); the caller commits."""
    from alembic import command
    from alembic.script import ScriptDirectory

    _refuse_newer(connection, ScriptDirectory.from_config(config))
    # env.py runs on this connection and inside its transaction; the caller commits.
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> str:
    """Bring the schema to the newest revision (idempotent) and return that revision.

    Refuses (DatabaseTooNew) a database migrated by a newer sanhui-bot. The check and every
    migration run in one transaction, so a failed migration leaves the database as it was (SQLite and
    PostgreSQL both have transactional DDL). A database already at the head is only read (one
    statement, no Alembic): that is every start but the first after an upgrade.
    """
    head = numbered_head()
    if head is not None and await _stored_revision_quickly(engine) == head:
        return head
    config = alembic_config()
    async with engine.connect() as connection:
        await connection.run_sync(upgrade_to_head, config)
        await connection.commit()
    revision = await current_revision(engine)
    if revision is None:
        raise RuntimeError("migration finished but the database records no revision")
    return revision
