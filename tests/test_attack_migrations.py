"""Migrations from every earlier revision with data in it (issue 13), on SQLite and PostgreSQL.

A month of a branch's life is lived at head (the console over March: meetings, RSVPs, sign-ins,
decisions and tasks through to their rating, suggestions, points, every post in the outbox). For
each earlier revision a new database is migrated only that far and filled with those rows, as far
as that schema had the tables and columns; `migrate` then brings it to head. Every row must still be
there with the same values, and the export must show the same meetings, answers, attendance,
decisions, tasks, points and posts as the database that was at head all along. The counts go to the
end of pytest's output (`migrations: upgrades N, rows carried N, rows lost 0`: one upgrade per earlier revision and database).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import attack_counts
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, select, table
from sqlalchemy.engine import Connection
from storage_fixtures import (
    STORE_BACKENDS,
    create_postgres_database,
    drop_postgres_database,
    postgres_database_url,
    sqlite_url,
)
from support import local, on_database
from test_cli import EXAMPLE
from test_postgres_copy import live_a_month

from sanhui_bot.app import open_app
from sanhui_bot.config import load_settings
from sanhui_bot.services.export import export_ledger
from sanhui_bot.storage.database import AnyEngine, alembic_config, create_engine, head_revision, migrate
from sanhui_bot.storage.schema import metadata

pytestmark = pytest.mark.slow

# What the export shows of the month; `members` is left out because a database from before 0006
# has no roster history, which 0006 starts from the members table on the day it runs.
LEDGER = ("meetings", "rsvps", "attendance", "suggestions", "decisions", "tasks", "points", "outbox")

Rows = dict[str, list[dict[str, Any]]]


def earlier_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [
        revision.revision
        for revision in reversed(list(script.walk_revisions()))
        if revision.revision != head_revision()
    ]


@pytest.fixture(scope="module")
def month_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at head holding a month of console activity (built once)."""
    db = tmp_path_factory.mktemp("month") / "month.db"
    live_a_month(db)
    return db


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}


async def read_rows(engine: AnyEngine) -> Rows:
    """Every row of every table the application knows, typed as the application reads them."""
    rows: Rows = {}
    async with engine.connect() as connection:
        present = await connection.run_sync(_columns)
        for known in metadata.sorted_tables:
            if known.name not in present:
                continue
            columns = [c for c in known.columns if c.name in present[known.name]]
            query = select(*columns).order_by(
                *[c for c in known.primary_key.columns if c.name in present[known.name]]
            )
            rows[known.name] = [dict(row._mapping) for row in await connection.execute(query)]
    return rows


async def fill(engine: AnyEngine, revision: str, rows: Rows) -> tuple[Rows, int]:
    """Migrate an empty database to `revision` and insert the rows its schema can hold."""
    kept: Rows = {}
    carried = 0
    async with engine.connect() as connection:
        await connection.run_sync(_upgrade_to, revision)
        present = await connection.run_sync(_columns)
        for known in metadata.sorted_tables:  # parents before children (foreign keys)
            if known.name not in present or not rows.get(known.name):
                continue
            names = [c.name for c in known.columns if c.name in present[known.name]]
            old_table = table(known.name, *[column(name, known.c[name].type) for name in names])
            kept[known.name] = [{name: row[name] for name in names} for row in rows[known.name]]
            await connection.execute(old_table.insert(), kept[known.name])
            carried += len(kept[known.name])
        await connection.commit()
    return kept, carried


async def ledger(engine: AnyEngine) -> dict[str, Any]:
    """The export's ledger parts of the database, read by the application as `bot.py export` does."""
    url = engine.url.render_as_string(hide_password=False)
    app = await open_app(on_database(load_settings(EXAMPLE), url))
    try:
        exported = await export_ledger(app.deps, local("2026-04-02T09:00"))
    finally:
        await app.close()
    return {part: exported[part] for part in LEDGER}


def as_of_revision(expected: dict[str, Any], revision: str) -> dict[str, Any]:
    """The export a database filled at `revision` gives at head: what that revision could not store
    comes back as its migration's documented default (0011: a sign-in without its method was made
    with the button)."""
    if int(revision) >= 11:
        return expected
    attendance = [
        {**row, "method": "button"} if row.get("method") == "code" else row for row in expected["attendance"]
    ]
    return {**expected, "attendance": attendance}


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_every_earlier_revision_with_a_month_of_data_migrates_to_head_keeping_every_row(
    backend: str, month_at_head: Path, tmp_path: Path
) -> None:
    asyncio.run(_every_revision(backend, month_at_head, tmp_path))


async def _every_revision(backend: str, month_at_head: Path, tmp_path: Path) -> None:
    source = create_engine(sqlite_url(month_at_head))
    try:
        rows = await read_rows(source)
        expected = await ledger(source)
    finally:
        await source.dispose()
    for part in LEDGER:
        assert expected[part], f"the month left no {part}"
    revisions = earlier_revisions()
    assert revisions == [f"{number:04d}" for number in range(1, int(head_revision()))]
    carried_total = lost_total = 0
    for revision in revisions:
        if backend == "sqlite":
            url, name = sqlite_url(tmp_path / f"at-{revision}.db"), None
        else:
            name = await create_postgres_database()
            url = postgres_database_url(name)
        engine = create_engine(url)
        try:
            kept, carried = await fill(engine, revision, rows)
            assert await migrate(engine) == head_revision()
            after = await read_rows(engine)
            lost = 0
            for name_of_table, before in kept.items():
                now = [{key: row[key] for key in before[0]} for row in after[name_of_table]] if before else []
                lost += sum(1 for row in before if row not in now)
                assert now == before, f"{name_of_table} changed migrating from {revision}"
            wanted = as_of_revision(expected, revision)
            assert await ledger(engine) == wanted, f"the export differs after migrating from {revision}"
            carried_total += carried
            lost_total += lost
        finally:
            await engine.dispose()
            if name is not None:
                await drop_postgres_database(name)
    attack_counts.count(
        "migrations", upgrades=len(revisions), rows_carried=carried_total, rows_lost=lost_total
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
