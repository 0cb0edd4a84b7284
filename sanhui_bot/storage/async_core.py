"""SQLAlchemy Core over an async driver, without SQLAlchemy's ORM (issue 15, "Memory and start").

`sqlalchemy.ext.asyncio` imports its ORM session, and with it the whole ORM (about 6 MB of a running
bot's memory), whenever its engine is imported; the bot uses Core only. `AsyncEngine` and
`AsyncConnection` here are the part of that package's classes the bot uses, built the same way: the
engine is SQLAlchemy's own engine for the async driver (aiosqlite, asyncpg), and each call runs the
synchronous Core method inside `greenlet_spawn`, where the driver's coroutines are awaited on the
loop. A streamed read (`copy-db`) uses `sqlalchemy.ext.asyncio` itself over the same engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar, TypeVarTuple, overload

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, Connection, CursorResult, Dialect, Engine, RootTransaction
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.util.concurrency import greenlet_spawn

_T = TypeVar("_T")
_P = ParamSpec("_P")
_Ts = TypeVarTuple("_Ts")


def create_async_engine(
    url: str | URL, *, async_creator: Callable[[], Awaitable[Any]] | None = None, **options: Any
) -> AsyncEngine:
    """An engine for an async driver URL, as `sqlalchemy.ext.asyncio.create_async_engine` makes it."""
    if async_creator is not None:

        def creator() -> Any:
            # the driver's adapted DBAPI wraps the connection that the coroutine opens
            return sync_engine.dialect.dbapi.connect(async_creator_fn=async_creator)  # type: ignore[union-attr]

        options["creator"] = creator
    # `_is_async` is what create_async_engine passes too: the async driver's pool and adapters.
    sync_engine = create_sync_engine(url, _is_async=True, **options)
    return AsyncEngine(sync_engine)


class AsyncEngine:
    """An engine whose connections are used with `await` (see the module docstring)."""

    def __init__(self, sync_engine: Engine) -> None:
        if not sync_engine.dialect.is_async:
            raise ValueError(f"{sync_engine.dialect.driver} is not an async driver")
        self.sync_engine = sync_engine

    @property
    def url(self) -> URL:
        return self.sync_engine.url

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    def connect(self) -> AsyncConnection:
        """A connection: `await engine.connect()` (close it), or `async with engine.connect() as c`."""
        return AsyncConnection(self)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends (rolled back on an error)."""
        async with self.connect() as connection, connection.begin():
            yield connection

    async def dispose(self, close: bool = True) -> None:
        """Close the pool's connections."""
        await greenlet_spawn(self.sync_engine.dispose, close=close)


class AsyncConnection:
    """One pooled connection; its statements run through `greenlet_spawn`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sync_engine = engine.sync_engine
        self.sync_connection: Connection | None = None

    async def start(self) -> AsyncConnection:
        """Check the connection out of the pool (what `await engine.connect()` does)."""
        if self.sync_connection is not None:
            raise RuntimeError("this connection has already been started")
        self.sync_connection = await greenlet_spawn(self.sync_engine.connect)
        return self

    def __await__(self) -> Generator[Any, None, AsyncConnection]:
        return self.start().__await__()

    async def __aenter__(self) -> AsyncConnection:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        # Given back to the pool even when the task is cancelled meanwhile, as SQLAlchemy does.
        await asyncio.shield(asyncio.ensure_future(self.close()))

    @property
    def _connection(self) -> Connection:
        if self.sync_connection is None:
            raise RuntimeError("the connection is not started: `await engine.connect()` first")
        return self.sync_connection

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    @property
    def info(self) -> dict[Any, Any]:
        return self._connection.info

    def begin(self) -> AsyncTransaction:
        """Begin a transaction: `await connection.begin()`, or `async with connection.begin():`."""
        return AsyncTransaction(self)

    def in_transaction(self) -> bool:
        return self._connection.in_transaction()

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
        """Run one statement; its rows are read by the driver before this returns."""
        result = await greenlet_spawn(
            self._connection.execute,
            statement,
            parameters,
            execution_options=execution_options,
            _require_await=False,
        )
        return await _buffered(result)

    async def scalar(
        self, statement: Executable, parameters: Any = None, *, execution_options: Any = None
    ) -> Any:
        """The first column of the first row, or None."""
        result = await self.execute(statement, parameters, execution_options=execution_options)
        return result.scalar()

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> CursorResult[Any]:
        """Run SQL text as the driver takes it."""
        result = await greenlet_spawn(
            self._connection.exec_driver_sql, statement, parameters, _require_await=False
        )
        return await _buffered(result)

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Call `fn(sync_connection, …)`, which uses the connection synchronously (Alembic, inspect)."""
        return await greenlet_spawn(fn, self._connection, *args, _require_await=False, **kwargs)

    async def commit(self) -> None:
        await greenlet_spawn(self._connection.commit)

    async def rollback(self) -> None:
        await greenlet_spawn(self._connection.rollback)

    async def close(self) -> None:
        """Give the connection back to the pool (rolling back what was not committed)."""
        if self.sync_connection is not None:
            await greenlet_spawn(self.sync_connection.close)


class AsyncTransaction:
    """A connection's transaction, started by `await` or by `async with` (which ends it too)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.sync_transaction: RootTransaction | None = None

    async def start(self) -> AsyncTransaction:
        self.sync_transaction = await greenlet_spawn(self.connection._connection.begin)
        return self

    def __await__(self) -> Generator[Any, None, AsyncTransaction]:
        return self.start().__await__()

    async def __aenter__(self) -> AsyncTransaction:
        return await self.start()

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        """Commit, or roll back when the block raised."""
        assert self.sync_transaction is not None
        await greenlet_spawn(self.sync_transaction.__exit__, exc_type, exc, traceback)


async def _buffered(result: CursorResult[*_Ts]) -> CursorResult[*_Ts]:
    """The result with the driver's cursor closed, as `sqlalchemy.ext.asyncio` hands it back.

    The async drivers' cursors have read every row already; closing the driver's cursor is a
    coroutine, so it is done here rather than whenever the rows have been read (outside a greenlet).
    """
    if result.context._is_server_side:
        await greenlet_spawn(result.close)
        raise RuntimeError("a streamed (server-side) result needs sqlalchemy.ext.asyncio's stream()")
    if result.cursor is not None:
        await result.cursor._async_soft_close()
    return result
