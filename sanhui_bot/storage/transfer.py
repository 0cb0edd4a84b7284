"""Moving a whole database to another one, e.g. a school's SQLite file to the district's PostgreSQL.

`copy_database(source, target)` migrates the target to the newest schema, refuses it unless every
table is empty, copies every table in foreign-key order (parents first, each table by primary key, so
a points entry that reverses another comes after it), moves PostgreSQL's id sequences past the copied
ids, and then counts the rows of every table on both sides.

The migration and the copy are one transaction (SQLite and PostgreSQL both have transactional DDL):
a copy that fails half-way (a full disk, a corrupt source page, the server gone, Ctrl-C) leaves the
target as it was, and a new SQLite file it created is removed, so a second run starts clean. A
failure is raised as CopyFailed naming the side (source or target) whose database failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url

from sanhui_bot.storage.database import (
    AnyConnection,
    AnyEngine,
    DatabaseTooNew,
    alembic_config,
    create_engine,
    current_revision,
    head_revision,
    refuse_a_directory,
    upgrade_to_head,
)
from sanhui_bot.storage.faults import missing_sqlite_file
from sanhui_bot.storage.schema import metadata

CHUNK_ROWS = 2_000  # rows read and written at a time: bounded memory for a large ledger


class CopyRefused(RuntimeError):
    """The copy did not start: the source or the target is not fit for it."""


class CopyInterrupted(RuntimeError):
    """The copy was asked to stop (Ctrl-C, a service stop) and rolled back."""


def _never() -> bool:
    return False


class CopyFailed(RuntimeError):
    """The copy stopped on an error of one side's database; the target holds nothing of it."""

    def __init__(self, side: Literal["source", "target"], error: BaseException) -> None:
        super().__init__(f"the {side} database failed: {type(error).__name__}: {error}")
        self.side = side


@contextmanager
def _blame(side: Literal["source", "target"]) -> Iterator[None]:
    """Errors of the database in this block are the `side`'s (the CLI then names that database)."""
    try:
        yield
    except (CopyRefused, CopyMismatch, CopyFailed, CopyInterrupted, DatabaseTooNew):
        raise
    except Exception as error:
        raise CopyFailed(side, error) from error


class CopyMismatch(RuntimeError):
    """After copying, a table holds a different number of rows on the two sides."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows per table, counted on both sides after the copy (they are equal, or CopyMismatch is raised)."""

    revision: str
    rows: Mapping[str, int]


async def _counts(connection: AnyConnection) -> dict[str, int]:
    counts = {}
    for table in metadata.sorted_tables:
        query = select(func.count()).select_from(table)
        counts[table.name] = int((await connection.execute(query)).scalar_one())
    return counts


def _serial_column(table: Table) -> str | None:
    """The integer id column a database fills by itself (a PostgreSQL sequence), if the table has one."""
    [*columns] = table.primary_key.columns
    if (
        len(columns) == 1
        and columns[0].autoincrement in (True, "auto")
        and columns[0].type.python_type is int
    ):
        return columns[0].name
    return None


async def _copy_table(
    source: AnyConnection, target: AnyConnection, table: Table, stop_requested: Callable[[], bool]
) -> None:
    ordered = select(table).order_by(*table.primary_key.columns)
    with _blame("source"):
        result = await source.stream(ordered.execution_options(yield_per=CHUNK_ROWS))
        partitions = result.partitions(CHUNK_ROWS)
    while True:
        with _blame("source"):
            partition = await anext(partitions, None)
        if partition is None:
            return
        with _blame("target"):
            await target.execute(table.insert(), [dict(row._mapping) for row in partition])
        # A SQLite side never suspends (database.InlineConnection): give the loop its turn between
        # chunks. A stop is asked between chunks, never by cancelling an await, which could cancel a
        # connection's close half-way.
        await asyncio.sleep(0)
        if stop_requested():
            raise CopyInterrupted("the copy was interrupted")


async def _move_sequences_past_copied_ids(target: AnyConnection) -> None:
    """Rows inserted with explicit ids leave a PostgreSQL sequence at 1; the next insert would collide."""
    if target.dialect.name != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    for table in metadata.sorted_tables:
        column = _serial_column(table)
        if column is None:
            continue
        # setval(seq, max, true) makes nextval return max + 1; an empty table restarts at 1.
        await target.execute(
            text(
                f'SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max("{column}"), 0) + 1, false) '
                f'FROM "{table.name}"'
            ),
            {"table": table.name, "column": column},
        )


async def copy_between(
    source: AnyEngine, target: AnyEngine, stop_requested: Callable[[], bool] = _never
) -> CopyReport:
    """Copy every row of `source` into the empty `target` (migrated here first); see the module doc.

    `stop_requested` is asked after every chunk; when it answers True the copy rolls back and raises
    CopyInterrupted."""
    head = head_revision()
    with _blame("source"):
        revision = await current_revision(source)
    if revision != head:
        raise CopyRefused(
            f"the source database is at schema revision {revision}, not {head}: "
            "run `bot.py migrate --database-url SOURCE` first"
        )
    with _blame("target"):
        writing = await target.connect().start()
    try:
        with _blame("target"):
            await writing.run_sync(upgrade_to_head, alembic_config())
            occupied = {name: count for name, count in (await _counts(writing)).items() if count}
        if occupied:
            listed = ", ".join(f"{name} ({count} rows)" for name, count in sorted(occupied.items()))
            raise CopyRefused(f"the target database is not empty: {listed}; copy-db only fills an empty one")
        with _blame("source"):
            reading = await source.connect().start()
        try:
            for table in metadata.sorted_tables:
                await _copy_table(reading, writing, table, stop_requested)
            with _blame("source"):
                before = await _counts(reading)
        finally:
            await reading.close()
        with _blame("target"):
            await _move_sequences_past_copied_ids(writing)
            after = await _counts(writing)
        differing = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        if differing:
            raise CopyMismatch(
                "row counts differ after the copy (source, target): "
                + ", ".join(f"{name} {counts}" for name, counts in sorted(differing.items()))
            )
        if stop_requested():
            raise CopyInterrupted("the copy was interrupted")
        with _blame("target"):
            await writing.commit()
    finally:
        await writing.close()  # without a commit, this rolls the migration and every row back
    return CopyReport(revision=head, rows=before)


def _new_sqlite_files(url: str) -> list[Path]:
    """The files a SQLite target would create, if its database file does not exist yet."""
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("sqlite") or not parsed.database:
        return []
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return []
    path = Path(parsed.database).expanduser()
    if path.exists():
        return []
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


async def copy_database(
    source_url: str, target_url: str, stop_requested: Callable[[], bool] = _never
) -> CopyReport:
    """`copy_between` for two database urls (sqlite:///… or postgresql://…); a SQLite target file
    created by a copy that did not finish is removed again."""
    if source_url == target_url:
        raise CopyRefused("--from and --to name the same database")
    if (missing := missing_sqlite_file(source_url)) is not None:
        raise CopyRefused(f"there is no database at {missing}: check --from")
    with _blame("source"):
        refuse_a_directory(source_url)
    with _blame("target"):
        refuse_a_directory(target_url)
    created = _new_sqlite_files(target_url)
    source = create_engine(source_url)
    target = create_engine(target_url)
    try:
        return await copy_between(source, target, stop_requested)
    except BaseException:
        await target.dispose()
        for path in created:
            path.unlink(missing_ok=True)
        raise
    finally:
        await source.dispose()
        await target.dispose()
