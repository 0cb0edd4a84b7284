"""Reusable SQL store fixtures: import them from conftest.py (`from storage_fixtures import sql_store`).

Running Alembic for every test is slow, so the schema is migrated once per test session into a
template file, and each test gets a byte copy of it. `STORE_BACKENDS` lists the databases the
`sql_store` fixture runs over; PostgreSQL joins it when its issue lands.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from sanhui_bot.storage.database import create_engine, migrate
from sanhui_bot.storage.unit_of_work import SqlStore

STORE_BACKENDS: tuple[str, ...] = ("sqlite",)

_sqlite_template: Path | None = None


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


async def fresh_store(backend: str, tmp_path: Path) -> SqlStore:
    """A store over an empty, migrated database of the given backend."""
    if backend == "sqlite":
        return await fresh_sqlite_store(tmp_path)
    raise ValueError(f"unknown storage backend {backend!r}")


@asynccontextmanager
async def opened_fresh_store(backend: str, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """`fresh_store`, closed on the way out: the body of a store fixture."""
    store = await fresh_store(backend, tmp_path)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=STORE_BACKENDS)
async def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh migrated store per test, once for every backend in STORE_BACKENDS."""
    async with opened_fresh_store(request.param, tmp_path) as store:
        yield store
