"""What went wrong with a database, in one line a school's IT admin can act on.

SQLAlchemy wraps the driver's error (sqlite3, asyncpg) and sometimes an OSError beneath it; the CLI
asks `database_problem` for a short explanation instead of printing a 150-line traceback. The
answer names no secret: a PostgreSQL url is shown without its password.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from sanhui_bot.storage.database import DatabaseTooNew


def database_place(url: str) -> str:
    """The database as a person would name it: the SQLite file's path, or the url without password."""
    try:
        parsed = make_url(url)
    except Exception:  # an unparseable url is named as given, minus anything after "://…@"
        return url.split("@")[-1]
    if parsed.get_backend_name().startswith("sqlite"):
        return f"SQLite file {parsed.database or ':memory:'}"
    return f"PostgreSQL {parsed.render_as_string(hide_password=True)}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (SQLAlchemy's .orig) and what caused it, each once."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [
            cause
            for cause in (getattr(current, "orig", None), current.__cause__, current.__context__)
            if isinstance(cause, BaseException)
        ]


def database_problem(error: BaseException, url: str) -> str | None:
    """A short message saying what is wrong with the database at `url` and what to do; None if
    the error is not a database problem."""
    place = database_place(url)
    sqlite_path = _sqlite_path(url)
    for cause in _causes(error):
        text = str(cause).lower()
        name = type(cause).__name__
        if isinstance(cause, DatabaseTooNew):
            return f"{place}: {cause}"
        if isinstance(cause, sqlite3.DatabaseError) or name in {"DatabaseError", "OperationalError"}:
            if "file is not a database" in text:
                return (
                    f"{place} is not a SQLite database: check --db or [database] url, or move that file away"
                )
            if "malformed" in text or "corrupt" in text:
                return (
                    f"{place} is damaged (database disk image is malformed): restore it from a backup, "
                    "or save what is left with `sqlite3 FILE .recover`"
                )
            if "readonly" in text or "read-only" in text or _read_only(sqlite_path):
                return (
                    f"{place} is read-only: let the bot's user write the file and its directory "
                    "(SQLite writes -wal and -shm files beside it)"
                )
            if "disk is full" in text or "database or disk is full" in text:
                return f"the disk holding {place} is full: free some space and start again"
            if "unable to open database file" in text:
                if sqlite_path is not None and sqlite_path.is_dir():
                    return f"{place} is a directory, not a database file: give --db a file path"
                return (
                    f"{place} cannot be opened: check that its directory exists and the bot's user may "
                    "write there"
                )
        if isinstance(cause, IsADirectoryError):
            return f"{place} is a directory, not a database file: give --db a file path"
        if isinstance(cause, PermissionError):
            return f"{place}: permission denied ({cause.filename or cause}); let the bot's user write there"
        if name in {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
            return f"{place} refused the login ({cause}): check the user name and password in the url"
        if name == "InvalidCatalogNameError":
            return f"{place}: {cause}; create it first (createdb) or fix the database name in the url"
        unreachable = isinstance(cause, (OSError, TimeoutError)) or name in {
            "CannotConnectNowError",
            "ClientCannotConnectError",
        }
        if unreachable and sqlite_path is None and make_url(url).get_backend_name().startswith("postgres"):
            return f"{place} is unreachable ({cause}): is the server running, and are host and port right?"
    return None


# What the database says when the machine, not the code, is at fault: the bot apologises, logs one
# line and goes on (a traceback would add nothing an admin can act on).
_ENVIRONMENT_FAULTS = {
    "database or disk is full": "the disk holding the database is full",
    "disk i/o error": "the database's disk failed to read or write",
    "attempt to write a readonly database": "the database is read-only",
    "database is locked": "the database stayed locked by another process",
    "could not extend file": "the disk holding the database is full",
    "no space left on device": "the disk holding the database is full",
}


def environment_fault(error: BaseException) -> str | None:
    """A short reason when `error` is the database's surroundings failing (a full or read-only disk,
    I/O errors, a lock held too long), not a bug; None otherwise."""
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno == 28:  # ENOSPC
            return _ENVIRONMENT_FAULTS["no space left on device"]
        text = str(cause).lower()
        for fragment, reason in _ENVIRONMENT_FAULTS.items():
            if fragment in text:
                return reason
    return None


def _read_only(path: Path | None) -> bool:
    """Whether the SQLite file or its directory cannot be written (permissions, a read-only mount)."""
    if path is None or not path.exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if not parsed.get_backend_name().startswith("sqlite") or not parsed.database:
        return None
    return Path(parsed.database).expanduser()


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file of `url` when it does not exist (a reading command should not create it)."""
    path = _sqlite_path(url)
    if path is None or str(path) == ":memory:" or str(path).startswith("file:") or path.exists():
        return None
    return path
