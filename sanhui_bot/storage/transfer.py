"""Moving a whole database to another one, e.g. a school's SQLite file to the district's PostgreSQL.

`copy_database(source, target)` migrates the target to the newest schema, refuses it unless every
table is empty, copies every table in foreign-key order (parents first, each table by primary key, so
a points entry that reverses another comes after it) in one transaction, moves PostgreSQL's id
sequences past the copied ids, and then counts the rows of every table on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sanhui_bot.storage.database import create_engine, current_revision, head_revision, migrate
from sanhui_bot.storage.schema import metadata

CHUNK_ROWS = 2_000  # rows read and written at a time: bounded memory for a large ledger


class CopyRefused(RuntimeError):
    """The copy did not start: the source or the target is not fit for it."""


class CopyMismatch(RuntimeError):
    """After copying, a table holds a different number of rows on the two sides."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows per table, counted on both sides after the copy (they are equal, or CopyMismatch is raised)."""

    revision: str
    rows: Mapping[str, int]


async def _counts(connection: AsyncConnection) -> dict[str, int]:
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


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> None:
    ordered = select(table).order_by(*table.primary_key.columns)
    result = await source.stream(ordered.execution_options(yield_per=CHUNK_ROWS))
    async for partition in result.partitions(CHUNK_ROWS):
        await target.execute(table.insert(), [dict(row._mapping) for row in partition])


async def _move_sequences_past_copied_ids(target: AsyncConnection) -> None:
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


async def copy_between(source: AsyncEngine, target: AsyncEngine) -> CopyReport:
    """Copy every row of `source` into the empty `target` (migrated here first); see the module doc."""
    head = head_revision()
    revision = await current_revision(source)
    if revision != head:
        raise CopyRefused(
            f"the source database is at schema revision {revision}, not {head}: "
            "run `bot.py migrate --database-url SOURCE` first"
        )
    await migrate(target)
    async with target.connect() as connection:
        occupied = {name: count for name, count in (await _counts(connection)).items() if count}
    if occupied:
        listed = ", ".join(f"{name} ({count} rows)" for name, count in sorted(occupied.items()))
        raise CopyRefused(f"the target database is not empty: {listed}; copy-db only fills an empty one")

    async with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:
            await _copy_table(reading, writing, table)
        await _move_sequences_past_copied_ids(writing)

    async with source.connect() as reading, target.connect() as written:
        before = await _counts(reading)
        after = await _counts(written)
    differing = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if differing:
        raise CopyMismatch(
            "row counts differ after the copy (source, target): "
            + ", ".join(f"{name} {counts}" for name, counts in sorted(differing.items()))
        )
    return CopyReport(revision=head, rows=before)


async def copy_database(source_url: str, target_url: str) -> CopyReport:
    """`copy_between` for two database urls (sqlite:///… or postgresql://…)."""
    if source_url == target_url:
        raise CopyRefused("--from and --to name the same database")
    source = create_engine(source_url)
    target = create_engine(target_url)
    try:
        return await copy_between(source, target)
    finally:
        await source.dispose()
        await target.dispose()
