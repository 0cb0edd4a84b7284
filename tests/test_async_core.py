"""storage/async_core.py: SQLAlchemy Core over the async drivers without SQLAlchemy's ORM (issue 15).

The whole storage suite runs on these classes; these tests pin what the bot relies on of them, on
SQLite and PostgreSQL: a transaction block commits or rolls back, a connection goes back to the pool,
rows are read before `execute` returns, and a streamed read is refused with a clear error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sanhui_bot.storage.async_core import AsyncConnection
from sanhui_bot.storage.database import create_engine


async def _notes(connection: AsyncConnection) -> list[str]:
    result = await connection.execute(text("SELECT body FROM scratch_notes ORDER BY body"))
    return [row.body for row in result]


async def test_a_transaction_block_commits_and_an_error_rolls_it_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE scratch_notes (body TEXT)"))
            await connection.execute(text("INSERT INTO scratch_notes VALUES (:body)"), {"body": "kept"})
        with pytest.raises(RuntimeError, match="undo"):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO scratch_notes VALUES ('undone')"))
                raise RuntimeError("undo this")
        async with engine.connect() as connection:
            assert await _notes(connection) == ["kept"]
            assert await connection.scalar(text("SELECT count(*) FROM scratch_notes")) == 1
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE scratch_notes"))
    finally:
        await engine.dispose()


async def test_a_connection_commits_rolls_back_and_goes_back_to_the_pool(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        connection = await engine.connect()
        await connection.begin()
        await connection.execute(text("CREATE TABLE scratch_notes (body TEXT)"))
        await connection.commit()
        await connection.begin()
        await connection.execute(text("INSERT INTO scratch_notes VALUES ('rolled back')"))
        assert connection.in_transaction()
        await connection.rollback()
        await connection.close()
        assert engine.sync_engine.pool.checkedout() == 0
        async with engine.begin() as again:
            assert await _notes(again) == []
            await again.execute(text("DROP TABLE scratch_notes"))
        assert engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_rows_are_read_before_execute_returns_and_a_stream_is_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT 1 AS one UNION ALL SELECT 2"))
            await connection.close()  # the rows were read already: nothing waits on the driver
            assert sorted(row.one for row in result) == [1, 2]
        async with engine.connect() as connection:
            with pytest.raises(RuntimeError, match="stream"):
                await connection.execute(text("SELECT 1"), execution_options={"stream_results": True})
    finally:
        await engine.dispose()
