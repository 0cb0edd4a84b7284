"""The SQL unit of work: one connection, one transaction, every repository.

    async with store.unit_of_work() as uow:
        meeting = await uow.meetings.get(12)
        …
        await uow.commit()

Leaving the block without `commit()` (or by an exception) rolls everything back, so a service never
half-writes. On SQLite each transaction starts with BEGIN IMMEDIATE (see database.py), so units of
work run one at a time anyway: the store queues them on an asyncio lock, because its statements run
on the event loop's thread and a second writer waiting in SQLite would stall the loop, and with it
the first. So keep a unit of work short and never hold one open across network I/O. Opening a second
one inside the first, in the same task, would wait for itself: it raises instead; one that waits for
its turn longer than 30 s (SqlStore's `patience`) raises DatabaseBusy.

One exception: inside `with uow.shared():` every unit of work the same task opens on the same store
joins that one (its `commit()` keeps its work for the outer commit). So a chat update (its seen
mark, who wrote it and the use case) is one transaction, committed or lost together, whatever the
services inside open. A joined unit of work sets no SAVEPOINT (most only read, and each SAVEPOINT and
its release is a statement of every update): one that leaves without keeping what it wrote (a refusal
raised after a write) marks the outer one `undone`, and the outer undoes the whole transaction's work
(`services/updates.py` then keeps only the update's seen mark). Writes are counted per connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Self

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from sanhui_bot.services.ports import (
    AttendanceRepository,
    CounterRepository,
    JoinRepository,
    MeetingRepository,
    MemberRepository,
    MessageLog,
    OutboxRepository,
    PlatformStateRepository,
    PointsLedger,
    SuggestionRepository,
    TaskRepository,
)
from sanhui_bot.storage.database import AnyConnection, AnyEngine
from sanhui_bot.storage.repositories import (
    SqlAttendanceRepository,
    SqlCounterRepository,
    SqlJoinRepository,
    SqlMeetingRepository,
    SqlMemberRepository,
    SqlMessageLog,
    SqlOutboxRepository,
    SqlPlatformState,
    SqlPointsLedger,
    SqlSuggestionRepository,
    SqlTaskRepository,
)

# The unit of work that others opened by the same task join (see the module docstring), with its task.
_SHARED: ContextVar[tuple[SqlUnitOfWork, asyncio.Task[object] | None] | None] = ContextVar(
    "sanhui_shared_unit_of_work", default=None
)


class SqlUnitOfWork:
    """Implements services.ports.UnitOfWork over one connection; use once, with `async with`."""

    # Declared as the Protocols' types: protocol attributes are invariant for type checkers.
    members: MemberRepository
    meetings: MeetingRepository
    attendance: AttendanceRepository
    suggestions: SuggestionRepository
    tasks: TaskRepository
    points: PointsLedger
    joins: JoinRepository
    outbox: OutboxRepository
    messages: MessageLog
    counters: CounterRepository
    platform_state: PlatformStateRepository

    def __init__(self, engine: AnyEngine, turn: _Turn | None = None) -> None:
        self._engine = engine
        self._turn = turn
        self._connection: AnyConnection | None = None
        self._outer: SqlUnitOfWork | None = None  # set while joined to a shared one
        self._kept_writes = 0  # the connection's write count when a joined one last kept its work
        self._joined = False
        # Set when a unit of work joined to this one left work it did not keep: the transaction's
        # work must be undone (see the module docstring).
        self.undone = False

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work is entered once; ask the store for a new one")
        shared = _SHARED.get()
        if shared is not None and shared[0]._engine is self._engine and shared[1] is asyncio.current_task():
            return await self._join(shared[0])
        if self._turn is not None:
            await self._turn.acquire()
        try:
            connection: AnyConnection = await self._engine.connect().start()
            try:
                await connection.begin()
            except BaseException:
                await connection.close()
                raise
        except BaseException:
            if self._turn is not None:
                self._turn.release()
            raise
        self._connection = connection
        self._repositories(connection)
        return self

    def _transaction_ended(self) -> None:
        self._members.forget_version()

    async def _join(self, outer: SqlUnitOfWork) -> Self:
        """Become a savepoint inside `outer`'s transaction (no turn taken, no connection of its own)."""
        connection = outer._connection
        if connection is None:
            raise RuntimeError("the shared unit of work is closed")
        self._joined = True
        self._outer = outer
        self._connection = connection
        self._kept_writes = _writes(connection)
        for name in _REPOSITORIES:
            setattr(self, name, getattr(outer, name))
        return self

    def _repositories(self, connection: AnyConnection) -> None:
        self.members = self._members = SqlMemberRepository(connection)
        self.meetings = SqlMeetingRepository(connection)
        self.attendance = SqlAttendanceRepository(connection)
        self.suggestions = SqlSuggestionRepository(connection)
        self.tasks = SqlTaskRepository(connection)
        self.points = SqlPointsLedger(connection)
        self.joins = SqlJoinRepository(connection)
        self.outbox = SqlOutboxRepository(connection)
        self.messages = SqlMessageLog(connection, self._members.know_version)
        self.counters = SqlCounterRepository(connection)
        self.platform_state = SqlPlatformState(connection)

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Units of work this task opens on the same store inside the block join this one."""
        if self._connection is None:
            raise RuntimeError("shared() inside `async with` of the unit of work only")
        token = _SHARED.set((self, asyncio.current_task()))
        try:
            yield
        finally:
            _SHARED.reset(token)

    async def __aexit__(self, *exc_info: object) -> None:
        """Roll back whatever was not committed, and give the connection back."""
        connection = self._connection
        if connection is None:
            return
        if self._joined:
            self._drop_unkept(connection)
            self._connection = None
            return
        try:
            self._transaction_ended()
            await connection.rollback()  # a no-op when everything was committed
        finally:
            try:
                await connection.close()
            finally:
                if self._turn is not None:
                    self._turn.release()

    async def commit(self) -> None:
        """Commit what was done so far; later statements run in a new transaction (also committed
        only by another `commit()`)."""
        if self._connection is None:
            raise RuntimeError("commit() outside `async with` of the unit of work")
        if self._joined:
            self._kept_writes = _writes(self._connection)  # kept, for the outer commit
            return
        self._transaction_ended()
        await self._connection.commit()

    async def rollback(self) -> None:
        """Discard what was done since the last commit, and carry on in a new transaction."""
        if self._connection is None:
            raise RuntimeError("rollback() outside `async with` of the unit of work")
        if self._joined:
            self._drop_unkept(self._connection)
            return
        self._transaction_ended()
        self.undone = False
        await self._connection.rollback()

    def _drop_unkept(self, connection: AnyConnection) -> None:
        """A joined unit of work gives up what it wrote since it last kept its work: without a
        SAVEPOINT only the whole transaction can be undone, so the outer one is marked to be."""
        if _writes(connection) != self._kept_writes and self._outer is not None:
            self._outer.undone = True
        self._kept_writes = _writes(connection)


_WRITES = "sanhui_writes"  # key in a connection's `info`: data-changing statements it has run
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE")


def _count_write(connection: Connection, _cursor: object, statement: str, *_args: object) -> None:
    """Count the connection's data-changing statements, so a joined unit of work knows if it wrote."""
    if statement.lstrip()[:6].upper() in _WRITE_WORDS:
        connection.info[_WRITES] = connection.info.get(_WRITES, 0) + 1


def _writes(connection: AnyConnection) -> int:
    return int(connection.sync_connection.info.get(_WRITES, 0)) if connection.sync_connection else 0


_REPOSITORIES = (
    "members",
    "meetings",
    "attendance",
    "suggestions",
    "tasks",
    "points",
    "joins",
    "outbox",
    "messages",
    "counters",
    "platform_state",
)


class DatabaseBusy(RuntimeError):
    """A unit of work waited too long for its turn at the SQLite database."""


class _Turn:
    """One unit of work at a time in this process, and a clear error for a nested one.

    A turn is waited for at most `patience` seconds, like SQLite's own busy_timeout, so that a unit
    of work stuck holding it (one waiting on a task that itself wants a turn) fails, not hangs.
    """

    def __init__(self, patience: float = 30.0) -> None:
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        self._patience = patience
        self._waiting = 0  # turns being waited for (a free lock with waiters is theirs first)

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError(
                "a unit of work was opened inside another one in the same task; "
                "on SQLite it would wait for itself"
            )
        if not self._lock.locked() and not self._waiting:
            await self._lock.acquire()  # free: taken at once, without arming a timeout per update
        else:
            self._waiting += 1
            try:
                async with asyncio.timeout(self._patience):
                    await self._lock.acquire()
            except TimeoutError:
                raise DatabaseBusy(f"the database stayed busy for {self._patience:.0f} s") from None
            finally:
                self._waiting -= 1
        self._holder = task

    def release(self) -> None:
        self._holder = None
        self._lock.release()


class SqlStore:
    """The database behind the bot: hands out units of work over one engine.

    On SQLite the units of work take turns (see the module docstring); on PostgreSQL they run side by
    side, each on its own pooled connection.
    """

    def __init__(self, engine: AnyEngine, patience: float = 30.0) -> None:
        self.engine = engine
        self._turn = _Turn(patience) if engine.dialect.name == "sqlite" else None
        if not event.contains(self.sync_engine, "before_cursor_execute", _count_write):
            event.listen(self.sync_engine, "before_cursor_execute", _count_write)

    @property
    def sync_engine(self) -> Engine:
        """The synchronous engine under `engine`, whose connections send every statement (for its events)."""
        return self.engine.sync_engine

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work (a services.ports.UnitOfWorkFactory when passed as `store.unit_of_work`)."""
        return SqlUnitOfWork(self.engine, self._turn)

    async def close(self) -> None:
        """Close every pooled connection (on SQLite this also checkpoints the WAL)."""
        await self.engine.dispose()
