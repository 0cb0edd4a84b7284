"""Opening the database and bringing its schema up to date.

One SQL interface over SQLite (the default) and PostgreSQL (asyncpg). SQLite runs on SQLAlchemy's
synchronous engine over the standard sqlite3 module (`SqliteEngine`): its statements run right on
the event loop's thread, with WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE` transactions on
every connection. PostgreSQL runs on SQLAlchemy's asyncio engine; only that path imports SQLAlchemy's
asyncio extension, which loads its ORM (about 6 MB the bot never uses). Both hand out connections with
the same coroutine interface (`AnyConnection`), so the repositories have one. Migrations are Alembic
scripts in `migrations/` at the repository root, so the bot runs from a checkout; a database whose
schema is newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar, TypeVarTuple, overload

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, CursorResult, Dialect, Engine, Row, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import ExecutableReturnsRows, TypedReturnsRows

import sanhui_bot

if TYPE_CHECKING:
    # Alembic (and Mako under it) is imported only when a migration has to run: at a start on a
    # current schema it would cost a fifth of a second and several MB for nothing.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    # Imported at run time only for PostgreSQL (create_engine): it loads SQLAlchemy's ORM.
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# migrations/ sits beside the package in the checkout (DESIGN.md §3), not inside it.
MIGRATIONS_DIR = Path(sanhui_bot.__file__).resolve().parent.parent / "migrations"

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+asyncpg"}

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


def make_driver_url(url: str) -> str:
    """The url with the driver the bot uses: sqlite:// → sqlite+pysqlite://, postgresql:// → postgresql+asyncpg://."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgres":  # the short scheme some hosting providers hand out
        backend = "postgresql"
    try:
        drivername = _DRIVERS[backend]
    except KeyError:
        raise ValueError(f"unsupported database url {url!r}: use sqlite:///… or postgresql://…") from None
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def refuse_a_directory(url: str) -> None:
    """Raise IsADirectoryError when a SQLite url names a directory.

    Checked before connecting, so that the CLI can say so in its own words instead of SQLite's
    "unable to open database file".
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and Path(parsed.database).expanduser().is_dir()
    ):
        raise IsADirectoryError(21, "a directory, not a database file", parsed.database)


def create_engine(url: str) -> AnyEngine:
    """The engine for `url`: a `SqliteEngine` (creating the file's directory) or PostgreSQL's async engine."""
    driver_url = make_url(make_driver_url(url))
    if driver_url.get_backend_name() != "sqlite":
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(driver_url, pool_pre_ping=True)

    database = driver_url.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory and not database.startswith("file:"):
        database = str(Path(database).expanduser())
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect = partial(
        sqlite3.connect,
        database or ":memory:",
        uri=database.startswith("file:"),
        # Connections are opened and used on the loop's thread, but the pool may close one elsewhere
        # (at garbage collection); the store lets one unit of work at a time at them anyway.
        check_same_thread=False,
        # SQLAlchemy issues BEGIN itself (see _configure_sqlite); the module must not.
        isolation_level=None,
    )
    # An in-memory database lives as long as its one connection: every checkout shares it
    # (StaticPool, as SQLAlchemy's SQLite docs advise); a file gets the usual pool.
    pool: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
    engine = create_sync_engine(driver_url.set(database=database or None), creator=connect, **pool)
    _configure_sqlite(engine)
    return SqliteEngine(engine)


class SqliteEngine:
    """A SQLite database behind the part of `AsyncEngine`'s interface the bot uses, over SQLAlchemy's
    synchronous engine (see `InlineConnection`): `connect()`, `begin()`, `dispose()`, `dialect`, `url`.

    Its statements run right on the loop's thread. On a local file a statement takes microseconds;
    handing it to a worker thread (aiosqlite) cost four round trips per statement, and SQLAlchemy's
    asyncio bridge five greenlet hops more, together more than the statement and its SQLAlchemy core
    (issue 15). The price is that a statement blocks the loop while it runs. Inside one process that
    is no deadlock, because SqlStore lets one unit of work at a time at the database (units of work
    on SQLite all take the write lock anyway). A write lock held by another process (a `bot.py
    export` beside the running bot) makes the loop wait for up to busy_timeout.
    """

    def __init__(self, sync_engine: Engine) -> None:
        self.sync_engine = sync_engine
        # The connection the last one to close left open for the next (see `connect`)
        self._idle: Connection | None = None

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    @property
    def url(self) -> URL:
        return self.sync_engine.url

    def connect(self) -> InlineConnection:
        """A connection: use it with `async with`, or `await …start()` and close it.

        Closing one keeps it open for the next `connect()` (one at a time; others come from the pool
        as usual): units of work follow one another on SQLite, and checking a connection out of the
        pool and back in for each cost more than the update's transaction itself (issue 15).
        """
        idle, self._idle = self._idle, None
        if idle is None or idle.closed or idle.invalidated:
            idle = self.sync_engine.connect()
        return InlineConnection(idle, self._keep)

    def _keep(self, connection: Connection) -> None:
        """A closed InlineConnection's connection: kept open for the next, with nothing begun."""
        if connection.in_transaction():
            connection.rollback()
        driver = connection.connection.driver_connection if not connection.invalidated else None
        if isinstance(driver, sqlite3.Connection) and driver.in_transaction:  # begun outside SQLAlchemy
            driver.rollback()
        if self._idle is None and not connection.invalidated:
            self._idle = connection
        else:
            connection.close()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[InlineConnection]:
        """A connection in a transaction, committed when the block ends (rolled back on an exception)."""
        with self.sync_engine.begin() as connection:
            yield InlineConnection(connection)

    async def dispose(self) -> None:
        """Close every pooled connection (the last one to close checkpoints the WAL)."""
        idle, self._idle = self._idle, None
        if idle is not None:
            idle.close()
        self.sync_engine.dispose()


class InlineConnection:
    """What the unit of work, the repositories and copy-db use of `AsyncConnection`, over a synchronous
    connection whose statements run right here, on the loop's thread (see `SqliteEngine`).

    A statement never waits for I/O but the file's (SQLite's own busy_timeout aside), so nothing here
    suspends; the methods are coroutines only to keep the one interface of both databases.
    """

    def __init__(self, connection: Connection, close: Callable[[Connection], None] | None = None) -> None:
        self.sync_connection = connection
        self._close = close  # what closing does instead of closing (SqliteEngine keeps it open)
        self._closed = False

    async def start(self) -> Self:
        """The connection itself, already open (`AsyncConnection.start`'s counterpart)."""
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

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

    async def stream(
        self, statement: Executable, parameters: Any = None, *, execution_options: Any = None
    ) -> InlineStream:
        """Run one statement whose rows are read in partitions (give it `yield_per`, as copy-db does)."""
        return InlineStream(
            self.sync_connection.execute(statement, parameters, execution_options=execution_options)
        )

    def run_prepared(self, prepared: Prepared, parameters: Mapping[str, Any]) -> list[Any]:
        """Run a prepared statement on the driver's cursor, in this connection's transaction."""
        connection = self.sync_connection
        if not connection.in_transaction():
            connection.begin()  # as SQLAlchemy begins one at a statement (BEGIN IMMEDIATE)
        on_driver = prepared.on_driver(connection.dialect)
        driver = connection.connection.driver_connection
        arguments = on_driver.arguments(parameters)
        # The engine's statement listeners see it as any other (the unit of work counts writes so)
        connection.dispatch.before_cursor_execute(connection, None, on_driver.sql, arguments, None, False)
        return on_driver.run(driver, arguments)  # type: ignore[arg-type]

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
        if self._closed:  # once: a kept connection may be another's by now
            return
        self._closed = True
        if self._close is None:
            self.sync_connection.close()
        else:
            self._close(self.sync_connection)


class Prepared:
    """A statement that every update runs, compiled once: on SQLite run right on the driver's cursor
    (`fetch`), on PostgreSQL through SQLAlchemy as any other.

    Kept hot, SQLAlchemy's execution of a compiled statement (its cache key, execution context,
    events, result metadata, rows) costs about what SQLite's statement does. In the running bot the
    handling of each update's HTTP pushes that code out of the CPU's caches, and it cost 4–5× the
    statement: 230 µs against 45 µs for the roster version (issue 15, `/rsvp` within 1.5× of a bare
    bot). The statement is still SQLAlchemy Core, compiled by the SQLite dialect; its parameters and
    columns go through their types' own processors (`bind_processor`, `result_processor`), so the
    rows are what SQLAlchemy would have handed back: tuples whose fields are named as its rows'.
    """

    def __init__(self, statement: ExecutableReturnsRows) -> None:
        self.statement = statement
        self._on_driver: _DriverStatement | None = None

    def on_driver(self, dialect: Dialect) -> _DriverStatement:
        """The statement as the SQLite driver runs it (compiled at the first use)."""
        if self._on_driver is None:
            self._on_driver = _DriverStatement(self.statement, dialect)
        return self._on_driver


class _DriverStatement:
    """A statement compiled by a dialect with the processors of its parameters and its columns."""

    def __init__(self, statement: ExecutableReturnsRows, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not compiled.positional or "POSTCOMPILE" in compiled.string:
            raise ValueError(f"not a statement to prepare for the driver: {compiled.string}")
        self.sql = compiled.string
        binds = compiled.binds
        # (name, value when not given, processor): a literal's value is its default
        self._binds = [
            (
                name,
                binds[name].effective_value,
                binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in compiled.positiontup or ()
        ]
        columns = list(statement.exported_columns)
        self._processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        names = [getattr(column, "key", None) or f"_{number}" for number, column in enumerate(columns)]
        row: Any = namedtuple("PreparedRow", names, rename=True)  # type: ignore[misc]  # names known here only
        self._make: Callable[[Iterable[Any]], Any] = row._make

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for these parameters (a literal's value where not given)."""
        arguments = []
        for name, default, process in self._binds:
            value = parameters.get(name, default)
            arguments.append(process(value) if process is not None else value)
        return arguments

    def run(self, driver: sqlite3.Connection, arguments: Sequence[Any]) -> list[Any]:
        """Run the statement with `arguments`; its rows, each column through its processor."""
        try:
            fetched = driver.execute(self.sql, arguments).fetchall()
        except sqlite3.Error as error:  # raised as SQLAlchemy raises the driver's errors
            raise DBAPIError.instance(self.sql, arguments, error, sqlite3.Error) from error
        processors = self._processors
        make = self._make
        if not any(processors):
            return [make(row) for row in fetched]
        return [
            make(
                value if process is None else process(value)
                for value, process in zip(row, processors, strict=True)
            )
            for row in fetched
        ]


async def fetch(
    connection: AnyConnection, prepared: Prepared, parameters: Mapping[str, Any]
) -> Sequence[Any]:
    """The rows of a prepared statement (fields by name and by position, as SQLAlchemy's rows)."""
    if isinstance(connection, InlineConnection):
        return connection.run_prepared(prepared, parameters)
    return (await connection.execute(prepared.statement, parameters)).all()


class InlineStream:
    """The rows of `InlineConnection.stream`, as `AsyncResult.partitions` hands them out."""

    def __init__(self, result: CursorResult[Any]) -> None:
        self._result = result

    async def partitions(self, size: int) -> AsyncIterator[Sequence[Row[Any]]]:
        """Lists of at most `size` rows, fetched from SQLite's cursor one list at a time."""
        for partition in self._result.partitions(size):
            yield partition


# What a unit of work runs its statements on, and what hands those out: the same interface on both
# databases. (Strings: the asyncio classes are imported only for PostgreSQL.)
AnyConnection: TypeAlias = "AsyncConnection | InlineConnection"
AnyEngine: TypeAlias = "AsyncEngine | SqliteEngine"


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on connect, and SQLAlchemy (not the sqlite3 module) in charge of BEGIN.

    The sqlite3 module's legacy transaction control starts transactions late and DEFERRED: a unit of
    work that reads and then writes can then fail to upgrade its lock while another writer commits
    ("database is locked" despite busy_timeout). So the driver's own BEGIN is switched off
    (isolation_level=None, in create_engine) and every transaction starts with BEGIN IMMEDIATE,
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
        # On the driver's connection: through exec_driver_sql, SQLAlchemy's execution machinery
        # around this one fixed statement cost more than the statement, on every update (issue 15).
        try:
            connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        except sqlite3.Error as error:  # e.g. "database is locked": raised as SQLAlchemy raises it
            raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error


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


async def check_not_too_new(engine: AnyEngine) -> None:
    """Raise DatabaseTooNew if the stored schema revision is unknown to this code."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    async with engine.connect() as connection:
        await connection.run_sync(_refuse_newer, script)


async def current_revision(engine: AnyEngine) -> str | None:
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


async def _stored_revision_quickly(engine: AnyEngine) -> str | None:
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


async def migrate(engine: AnyEngine) -> str:
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
