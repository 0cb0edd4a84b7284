"""`bot.py copy-db` under faults (issue 13): a full target disk, an unreachable target, a corrupt
source, and a copy interrupted half-way each end in one short line and a non-zero exit, with no
traceback and no hang, and the target is left as it was, so a second run copies everything.

The copy runs as a process, as an admin runs it. The source is a real database grown to a few MB
(a month in the console, then many suggestions), so the copy takes long enough to be hit mid-way.
The full disk is a real small tmpfs (as in test_cli_faults.py; CI runs as root, under CI=true a
failed mount fails the test).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from storage_fixtures import (
    _asyncpg_dsn,
    create_postgres_database,
    drop_postgres_database,
    postgres_database_url,
    postgres_server_url,
    sqlite_url,
)
from test_cli import console
from test_cli_faults import assert_short_failure

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def copy_db(source: str, target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *extra, "copy-db", "--from", source, "--to", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # a hang fails the test
        check=False,
    )


def grown_source(db: Path, suggestions: int) -> Path:
    """A migrated database with a few real rows and `suggestions` more suggestions (≈ 1 KB each)."""
    console(db, ["liuyang@branch: /suggest 建议每月开展一次读书分享", ":quit"])
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        first = dict(connection.execute("SELECT * FROM suggestions").fetchone())
        del first["id"]
        columns = ", ".join(first)
        marks = ", ".join("?" for _ in first)
        rows = [
            tuple({**first, "text": f"第{n}条建议：" + "读书分享" * 80}.values()) for n in range(suggestions)
        ]
        connection.executemany(f"INSERT INTO suggestions ({columns}) VALUES ({marks})", rows)
    return db


def row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        ]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}


def assert_copied(result: subprocess.CompletedProcess[str], source: Path) -> None:
    assert result.returncode == 0, result.stderr
    counts = row_counts(source)
    assert "counts match" in result.stdout
    assert f"suggestions: {counts['suggestions']} rows" in result.stdout


async def postgres_tables(url: str) -> list[str]:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return sorted(row["table_name"] for row in rows)
    finally:
        await connection.close()


@pytest.fixture
def postgres_target() -> Iterator[str]:
    name = asyncio.run(create_postgres_database())
    yield postgres_database_url(name)
    asyncio.run(drop_postgres_database(name))


@pytest.fixture(scope="module")
def big_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """≈ 4 MB: more than the 2 MB disk below holds, and a copy of a second or more."""
    return grown_source(tmp_path_factory.mktemp("source") / "school.db", 4_000)


def test_copy_db_onto_a_disk_that_fills(big_source: Path, small_disk: Path) -> None:
    target = small_disk / "copy.db"
    result = copy_db(sqlite_url(big_source), sqlite_url(target))
    assert_short_failure(result, "target", "full", str(target), "as it was")
    assert not any(small_disk.iterdir()), list(small_disk.iterdir())  # no half-made file is left
    assert big_source.stat().st_size > 2 * 1024 * 1024  # the source really is bigger than the disk
    # Space returns (the tmpfs grows): the same command now copies everything.
    subprocess.run(["mount", "-o", "remount,size=32m", str(small_disk)], check=True)
    assert_copied(copy_db(sqlite_url(big_source), sqlite_url(target)), big_source)
    assert row_counts(target) == row_counts(big_source)


@pytest.mark.parametrize(
    ("url", "fragments"),
    [
        ("postgresql://sanhui:s3cret-pw@127.0.0.1:1/sanhui", ["target", "127.0.0.1:1", "unreachable"]),
        ("postgresql://nobody-here:s3cret-pw@{server}/postgres", ["target", "refused the login"]),
    ],
    ids=["unreachable", "wrong-login"],
)
def test_copy_db_to_a_postgresql_that_does_not_answer(
    big_source: Path, url: str, fragments: list[str]
) -> None:
    server = postgres_server_url().split("@")[-1].split("/")[0]
    before = row_counts(big_source)
    started = time.monotonic()
    result = copy_db(sqlite_url(big_source), url.format(server=server))
    assert_short_failure(result, *fragments)
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert time.monotonic() - started < 60
    assert row_counts(big_source) == before  # the source is only read


def corrupt_the_tail(db: Path, tail: int) -> None:
    """Overwrite the last `tail` bytes: data pages, while the schema at the file's start stays readable."""
    size = db.stat().st_size
    with db.open("r+b") as file:
        file.seek(size - tail)
        file.write(b"\xa5" * tail)


def test_copy_db_from_a_source_corrupt_half_way(tmp_path: Path, postgres_target: str) -> None:
    source = grown_source(tmp_path / "source.db", 3_000)
    corrupt_the_tail(source, 1024 * 1024)
    for target in (sqlite_url(tmp_path / "copy.db"), postgres_target):
        result = copy_db(sqlite_url(source), target)
        assert_short_failure(result, "source", str(source), "damaged", "as it was")
        assert "the source database failed" in result.stderr
    assert not (tmp_path / "copy.db").exists()
    # The migration ran in the copy's transaction: the PostgreSQL target has not even its tables.
    assert asyncio.run(postgres_tables(postgres_target)) == []
    verbose = copy_db(sqlite_url(source), postgres_target, "-v")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr  # -v shows the details


def wait_until(condition: object, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, "copy-db ended before it could be interrupted"
        assert time.monotonic() < deadline, "copy-db never got half-way"
        time.sleep(0.02)


def start_copy(source: Path, target: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "copy-db", "--from", sqlite_url(source), "--to", target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def writing_to(wal: Path) -> object:
    """True once the copy has written rows into the target's write-ahead log (uncommitted)."""
    return lambda: wal.exists() and wal.stat().st_size > 256 * 1024


async def kill_once_inserting(process: subprocess.Popen[str], database: str) -> None:
    """SIGKILL the copy as soon as PostgreSQL shows it inserting rows (its transaction open)."""
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_server_url()))
    try:
        deadline = time.monotonic() + 60
        while not await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND xact_start IS NOT NULL "
            "AND query LIKE 'INSERT INTO %'",
            database,
        ):
            assert process.poll() is None, "copy-db ended before it could be killed"
            assert time.monotonic() < deadline, "copy-db never got half-way"
            await asyncio.sleep(0.005)
        process.kill()
    finally:
        await connection.close()


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_copy_db_interrupted_half_way_into_sqlite(
    big_source: Path, tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    target = tmp_path / "copy.db"
    process = start_copy(big_source, sqlite_url(target))
    wait_until(writing_to(tmp_path / "copy.db-wal"), process)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, (out, err)
    assert "interrupted" in err and "as it was" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2, err
    assert not list(tmp_path.glob("copy.db*"))  # the target was new, and is gone again
    assert_copied(copy_db(sqlite_url(big_source), sqlite_url(target)), big_source)


def test_copy_db_killed_half_way_and_run_again(
    big_source: Path, tmp_path: Path, postgres_target: str
) -> None:
    # SIGKILL leaves no time to clean up: the uncommitted transaction is what keeps the target
    # empty, in SQLite (the WAL's uncommitted frames are ignored) and in PostgreSQL.
    target = tmp_path / "copy.db"
    process = start_copy(big_source, sqlite_url(target))
    wait_until(writing_to(tmp_path / "copy.db-wal"), process)
    process.kill()
    process.communicate(timeout=60)
    assert row_counts(target) == {}  # not even the schema was committed
    assert_copied(copy_db(sqlite_url(big_source), sqlite_url(target)), big_source)
    assert row_counts(target) == row_counts(big_source)

    process = start_copy(big_source, postgres_target)
    asyncio.run(kill_once_inserting(process, postgres_target.rsplit("/", 1)[1]))
    process.communicate(timeout=60)
    assert asyncio.run(postgres_tables(postgres_target)) == []
    assert_copied(copy_db(sqlite_url(big_source), postgres_target), big_source)


def test_environment_faults_are_told_apart_from_bugs() -> None:
    # The running bot logs these as one line (the disk, not the code); anything else keeps its traceback.
    from sqlalchemy.exc import OperationalError

    from sanhui_bot.storage.faults import environment_fault

    full = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    assert environment_fault(full) == "the disk holding the database is full"
    assert (
        environment_fault(OSError(28, "No space left on device")) == "the disk holding the database is full"
    )
    readonly = OperationalError(
        "UPDATE …", {}, sqlite3.OperationalError("attempt to write a readonly database")
    )
    assert environment_fault(readonly) == "the database is read-only"
    assert environment_fault(KeyError("members")) is None
    assert (
        environment_fault(OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x")))
        is None
    )


def test_copy_db_names_the_side_that_is_a_directory_or_not_a_database(
    big_source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    result = copy_db(sqlite_url(big_source), sqlite_url(folder))
    assert_short_failure(result, "target", str(folder), "is a directory")
    assert str(big_source) not in result.stderr  # the source is not blamed
    notes = tmp_path / "notes.db"
    notes.write_text("这不是数据库\n" * 100, encoding="utf-8")
    result = copy_db(sqlite_url(notes), sqlite_url(tmp_path / "copy.db"))
    assert_short_failure(result, "source", str(notes), "not a SQLite database")
    assert not (tmp_path / "copy.db").exists()
