"""Start-up stays lean (issue 15, "Memory and start"): what `bot.py run` loads before it polls.

Counted, not timed: each heavy library the bot needs only for an export, a chart, a migration or a
platform that is off must not be imported by the app wiring, and a start on a current schema reads
one revision without loading Alembic. Each check runs in a fresh interpreter, since this test
session itself has loaded everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from sanhui_bot.storage.database import (
    SqliteEngine,
    _stored_revision_quickly,
    create_engine,
    head_revision,
    migrate,
    numbered_head,
)

ROOT = Path(__file__).resolve().parent.parent

# What each library is for; none of them belongs to answering a chat on SQLite.
LOADED_ONLY_WHEN_USED = {
    "matplotlib": "the month-end chart",
    "numpy": "the chart and openpyxl",
    "PIL": "the chart and openpyxl",
    "openpyxl": "roster workbooks (the ledger's workbook is written with XlsxWriter: exports/xlsx.py)",
    "xlsxwriter": "the ledger's workbook, an export",
    "icalendar": "the .ics export",
    "alembic": "a migration that has to run",
    "mako": "Alembic's templates",
    "mautrix": "Matrix, when it is on",
    "mautrix.util.async_db": "Matrix's key store, when encryption is on (it loads asyncpg)",
    "mautrix.crypto": "Matrix encryption, when it is on",
    "olm": "Matrix encryption, when it is on",
    "asyncpg": "a PostgreSQL database",
    "sqlalchemy.dialects.postgresql": "a PostgreSQL database",
    "sqlalchemy.ext.asyncio": "a PostgreSQL database (SQLite runs on SQLAlchemy's synchronous engine)",
    "sqlalchemy.orm": "nothing of the bot's: SQLAlchemy's asyncio extension loads it, for PostgreSQL",
    "aiosqlite": "Matrix's key store on SQLite, when encryption is on",
    "jinja2": "the web view, when it is on",
    "aiohttp": "the web view and Matrix",
    "sanhui_bot.exports.files": "an export's files",
}


def loaded_after(code: str) -> set[str]:
    """The modules of LOADED_ONLY_WHEN_USED that a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    modules = set(json.loads(result.stdout.splitlines()[-1]))
    return {name for name in LOADED_ONLY_WHEN_USED if name in modules}


def test_importing_the_app_and_the_cli_loads_no_heavy_library_it_does_not_use() -> None:
    assert loaded_after("import sanhui_bot.cli, sanhui_bot.app, sanhui_bot.config") == set()


def test_the_telegram_adapter_and_the_scheduler_load_no_heavy_library_either() -> None:
    code = "import sanhui_bot.adapters.telegram, sanhui_bot.scheduler.runner, sanhui_bot.scheduler.announcer"
    assert loaded_after(code) == set()


def test_matrix_without_encryption_loads_no_key_store_and_no_olm() -> None:
    assert loaded_after("import sanhui_bot.adapters.matrix") == {"mautrix", "aiohttp"}


def test_the_probe_can_fail_a_roster_workbook_loads_openpyxl() -> None:
    assert "openpyxl" in loaded_after(
        "from sanhui_bot.roster_files import xlsx_bytes\nxlsx_bytes([['姓名']])"
    )


def test_the_ledger_workbook_is_written_with_xlsxwriter_without_openpyxl() -> None:
    written = (
        "from sanhui_bot.exports.sheets import Sheet\nfrom sanhui_bot.exports.xlsx import workbook_bytes\n"
    )
    written += "workbook_bytes([Sheet('会议记录', ('编号',), [[1]])])"
    assert loaded_after(written) == {"xlsxwriter"}


def test_the_head_read_from_file_names_is_alembics_head() -> None:
    assert numbered_head() == head_revision()


def test_opening_a_current_sqlite_database_does_not_load_alembic(tmp_path: Path) -> None:
    db = tmp_path / "current.db"
    opened = (
        "import asyncio\n"
        "from sanhui_bot.storage.database import create_engine, migrate\n"
        "async def open_it():\n"
        f"    engine = create_engine('sqlite:///{db}')\n"
        "    print(await migrate(engine))\n"
        "    await engine.dispose()\n"
        "asyncio.run(open_it())"
    )
    assert "alembic" in loaded_after(opened)  # the first start migrates the empty file
    assert loaded_after(opened) == set()  # every later start only reads the revision


async def test_the_stored_revision_is_read_without_alembic_on_both_databases(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await _stored_revision_quickly(engine) == head_revision()
        assert await migrate(engine) == head_revision()
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert await _stored_revision_quickly(engine) == "0001"
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE alembic_version"))
        assert await _stored_revision_quickly(engine) is None
    finally:
        await engine.dispose()


ASYNCIO_ENGINE = ("sqlalchemy.ext.asyncio", "sqlalchemy.orm", "greenlet")


def test_a_bot_on_sqlite_never_loads_sqlalchemys_asyncio_extension_nor_its_orm(tmp_path: Path) -> None:
    # The app opened on config.example.toml's SQLite file (migrated at the first start, only read at
    # the second), the year planned, a unit of work run, with Telegram's adapter and the scheduler.
    db = tmp_path / "bot.db"
    started = (
        "import asyncio\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "import sanhui_bot.adapters.telegram, sanhui_bot.scheduler.runner, sanhui_bot.scheduler.announcer\n"
        "from sanhui_bot.app import open_app, plan_meetings\n"
        "from sanhui_bot.config import load_settings\n"
        "async def start():\n"
        f"    app = await open_app(load_settings(Path('config.example.toml')), Path('{db}'))\n"
        "    await plan_meetings(app, datetime.now(UTC))\n"
        "    async with app.deps.uow() as uow:\n"
        "        await uow.outbox.list()\n"
        "    await app.store.close()\n"
        "asyncio.run(start())"
    )
    assert loaded_of(started, ASYNCIO_ENGINE) == set()  # the first start: migrated
    assert loaded_of(started, ASYNCIO_ENGINE) == set()  # a restart
    assert db.exists()
    # the probe can fail: an engine for PostgreSQL loads them (creating one connects to nothing)
    postgresql = (
        "from sanhui_bot.storage.database import create_engine\n"
        "create_engine('postgresql://bot@127.0.0.1:1/sanhui')"
    )
    assert loaded_of(postgresql, ASYNCIO_ENGINE) == set(ASYNCIO_ENGINE)


async def test_sqlite_gets_its_own_engine_and_postgresql_sqlalchemys_async_one(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        if make_url(database_url).get_backend_name() == "postgresql":
            from sqlalchemy.ext.asyncio import AsyncEngine

            assert isinstance(engine, AsyncEngine)
            assert engine.url.drivername == "postgresql+asyncpg"
        else:
            assert isinstance(engine, SqliteEngine)
            assert engine.url.drivername == "sqlite+pysqlite"
        assert await migrate(engine) == head_revision()
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM members"))).scalar_one() == 0
    finally:
        await engine.dispose()


# What `bot.py run` needs loaded before Telegram's first poll can go out (see `run_polling_first`):
# the rest loads on a worker thread while that poll is on the wire. (APScheduler is not listed: PTB's
# job queue imports it whenever it is installed, the bare bot's too.)
LOADED_AFTER_THE_FIRST_POLL = (
    "pydantic",
    "sqlalchemy",
    "sanhui_bot.config",
    "sanhui_bot.services",
)


def loaded_of(code: str, names: tuple[str, ...]) -> set[str]:
    """Which of `names` a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return set(names) & set(json.loads(result.stdout.splitlines()[-1]))


def test_the_first_poll_needs_neither_the_config_model_nor_the_database_nor_the_services() -> None:
    first_poll = (
        "import sanhui_bot.cli\n"
        "from sanhui_bot.adapters.telegram.first_poll import FirstPoll\n"
        "from sanhui_bot.first_poll_config import PollSettings, read_poll_settings\n"
        "FirstPoll(PollSettings(token='1:x'))\n"
        "read_poll_settings(None)"
    )
    assert loaded_of(first_poll, LOADED_AFTER_THE_FIRST_POLL) == set()
    # the probe can fail: what the worker thread imports loads them all
    behind = "import sanhui_bot.app, sanhui_bot.scheduler.runner"
    assert loaded_of(behind, LOADED_AFTER_THE_FIRST_POLL) == set(LOADED_AFTER_THE_FIRST_POLL)
