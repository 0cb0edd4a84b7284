"""Reusable SQL store fixtures: import them from conftest.py (`from storage_fixtures import sql_store`).

Running Alembic for every test is slow, so the schema is migrated once per test session into a
template, and each test gets a copy of it: a byte copy of a SQLite file, or on PostgreSQL a new
database `CREATE DATABASE … TEMPLATE` (about 20 ms). `STORE_BACKENDS` lists the databases the
store fixtures run over; the backend is the test id's parameter, e.g. `test_x[postgresql]`.

PostgreSQL is reached through SANHUI_TEST_POSTGRES_URL (a superuser's url on a throwaway cluster;
`tests/pg/start_cluster.sh` starts one and prints it). Without it the PostgreSQL tests skip, except
under CI=true, where a missing server fails them: CI must never pass without having run them.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sanhui_bot.storage.database import create_engine, head_revision, migrate
from sanhui_bot.storage.schema import metadata
from sanhui_bot.storage.unit_of_work import SqlStore

STORE_BACKENDS: tuple[str, ...] = ("sqlite", "postgresql")
POSTGRES_URL_VARIABLE = "SANHUI_TEST_POSTGRES_URL"

_sqlite_template: Path | None = None
_postgres_template: str | None = None
_database_numbers = itertools.count(1)


def sqlite_url(path: Path) -> str:
    """The database url of a SQLite file (absolute, so four slashes)."""
    return f"sqlite:///{path.resolve()}"


async def migrated_sqlite_template() -> Path:
    """A SQLite file migrated to head, built once per process and never written to afterwards."""
    global _sqlite_template
    if _sqlite_template is not None and _sqlite_template.exists():
        return _sqlite_template
    directory = Path(tempfile.mkdtemp(prefix="sanhui-storage-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    template = directory / "template.db"
    engine = create_engine(sqlite_url(template))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    # Fold the WAL into the main file so one shutil.copy carries the whole database; each copy's
    # engine switches WAL back on when it connects.
    with sqlite3.connect(template) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    _sqlite_template = template
    return template


async def fresh_sqlite_store(tmp_path: Path) -> SqlStore:
    """A store over a new, migrated SQLite file in `tmp_path`; close it when done."""
    database = tmp_path / "sanhui.db"
    shutil.copy(await migrated_sqlite_template(), database)
    return SqlStore(create_engine(sqlite_url(database)))


def postgres_server_url() -> str:
    """The test cluster's url; skips the test when there is none, and fails it under CI=true."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if url:
        return url
    message = (
        f"{POSTGRES_URL_VARIABLE} is not set: start a cluster with "
        f'`export {POSTGRES_URL_VARIABLE}="$(bash tests/pg/start_cluster.sh)"`'
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {message}", pytrace=False)
    pytest.skip(message)


def postgres_database_url(name: str) -> str:
    """The url of database `name` on the test cluster."""
    return make_url(postgres_server_url()).set(database=name).render_as_string(hide_password=False)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin_execute(*statements: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction, so plain asyncpg rather than SQLAlchemy.
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_server_url()))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def create_postgres_database(template: str | None = None) -> str:
    """A new, empty (or copied from `template`) database on the test cluster; returns its name."""
    name = f"sanhui_test_{os.getpid()}_{next(_database_numbers)}"
    source = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    await _admin_execute(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}{source}")
    return name


async def drop_postgres_database(name: str) -> None:
    """Drop a test database, ending any connection a test left open."""
    await _admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _drop_at_exit(name: str) -> None:
    atexit.register(asyncio.run, drop_postgres_database(name))


async def migrated_postgres_template() -> str:
    """A PostgreSQL database migrated to head, once per process; tests copy it, never write to it."""
    global _postgres_template
    if _postgres_template is not None:
        return _postgres_template
    name = await create_postgres_database()
    _drop_at_exit(name)
    engine = create_engine(postgres_database_url(name))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template to have no sessions
    _postgres_template = name
    return name


# Databases a finished test emptied again, ready for the next one. Emptying (DELETE, then sequences
# back to 1) takes a few ms, where CREATE DATABASE after a DROP DATABASE takes ~300 ms on PostgreSQL 15.
_emptied_postgres_databases: list[str] = []


async def fresh_postgres_url() -> str:
    """The url of a new, migrated PostgreSQL database; give it back with `discard_database`."""
    if _emptied_postgres_databases:
        return postgres_database_url(_emptied_postgres_databases.pop())
    name = await create_postgres_database(await migrated_postgres_template())
    _drop_at_exit(name)
    return postgres_database_url(name)


async def _empty_postgres_database(name: str) -> bool:
    """Delete every row and restart every id sequence; False if the schema is no longer the template's."""
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_database_url(name)))
    try:
        # A test that left a transaction open would otherwise make DELETE wait for ever.
        await connection.execute("SET lock_timeout = '2s'")
        tables = {
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        if tables != {*metadata.tables, "alembic_version"}:
            return False
        if await connection.fetchval("SELECT version_num FROM alembic_version") != head_revision():
            return False
        async with connection.transaction():
            for table in reversed(metadata.sorted_tables):  # children before their parents
                await connection.execute(f'DELETE FROM "{table.name}"')
                for column in table.primary_key.columns:
                    if column.autoincrement is True:
                        await connection.execute(
                            "SELECT setval(pg_get_serial_sequence($1, $2), 1, false)", table.name, column.name
                        )
        return True
    except (asyncpg.PostgresError, OSError):
        return False
    finally:
        await connection.close()


async def fresh_database_url(backend: str, tmp_path: Path) -> str:
    """The url of a new, migrated database of the given backend."""
    if backend == "sqlite":
        database = tmp_path / "sanhui.db"
        shutil.copy(await migrated_sqlite_template(), database)
        return sqlite_url(database)
    if backend == "postgresql":
        return await fresh_postgres_url()
    raise ValueError(f"unknown storage backend {backend!r}")


async def discard_database(url: str) -> None:
    """Give a PostgreSQL test database back, emptied (or dropped if a test changed its schema); a
    SQLite file goes with its tmp_path."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    if await _empty_postgres_database(parsed.database):
        _emptied_postgres_databases.append(parsed.database)
    else:
        await drop_postgres_database(parsed.database)


async def fresh_store(backend: str, tmp_path: Path) -> SqlStore:
    """A store over an empty, migrated database of the given backend."""
    if backend not in STORE_BACKENDS:
        raise ValueError(f"unknown storage backend {backend!r}")
    return SqlStore(create_engine(await fresh_database_url(backend, tmp_path)))


@asynccontextmanager
async def opened_fresh_store(backend: str, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """`fresh_store`, closed (and its PostgreSQL database dropped) on the way out."""
    store = await fresh_store(backend, tmp_path)
    try:
        yield store
    finally:
        await store.close()
        await discard_database(store.engine.url.render_as_string(hide_password=False))


@pytest.fixture(params=STORE_BACKENDS)
async def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh migrated store per test, once for every backend in STORE_BACKENDS."""
    async with opened_fresh_store(request.param, tmp_path) as store:
        yield store
