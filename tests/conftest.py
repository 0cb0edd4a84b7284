"""Shared fixtures: a small realistic branch, a migrated database per test, a chat driver.

`app` (and so `chat`) runs every test that uses it twice, on SQLite and on PostgreSQL: the backend is
in the test id, e.g. `test_rsvp[postgresql]` (see storage_fixtures.py for how PostgreSQL is found).
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import attack_counts
import pytest
from storage_fixtures import POSTGRES_URL_VARIABLE, STORE_BACKENDS, discard_database, fresh_database_url
from support import TEST_CONFIG, ChatDriver, local, on_database

from sanhui_bot.app import App, open_app
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.storage.database import create_engine, migrate


@pytest.fixture
def settings() -> Settings:
    return parse_settings(copy.deepcopy(TEST_CONFIG), "tests")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session; each test gets a copy (Alembic per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite:///{path}")
        await migrate(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sanhui.db"
    shutil.copy(template_db, path)
    return path


@pytest.fixture(params=STORE_BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on: "sqlite" or "postgresql"."""
    return str(request.param)


@pytest.fixture
async def database_url(store_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The url of a new, migrated database of `store_backend` (emptied for the next test afterwards)."""
    url = await fresh_database_url(store_backend, tmp_path)
    yield url
    await discard_database(url)


@pytest.fixture
async def app(settings: Settings, database_url: str) -> AsyncIterator[App]:
    opened = await open_app(on_database(settings, database_url))
    yield opened
    await opened.close()


@pytest.fixture
def chat(app: App) -> ChatDriver:
    return ChatDriver(app, local("2026-03-01T09:00"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on PostgreSQL and on which server, so CI's log shows that half too;
    and what the attack tests measured (tests/attack_counts.py)."""
    for line in attack_counts.summary_lines():
        terminalreporter.write_sep("-", line)
    passed = terminalreporter.stats.get("passed", [])
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
    on_postgres = [report for report in passed if "postgresql" in report.nodeid]
    failed_on_postgres = [report for report in failed if "postgresql" in report.nodeid]
    if not on_postgres and not failed_on_postgres:
        return
    server = os.environ.get(POSTGRES_URL_VARIABLE, "?")
    terminalreporter.write_sep(
        "-",
        f"PostgreSQL ({server}): {len(on_postgres)} passed, {len(failed_on_postgres)} failed",
    )


# A real disk that fills (issue 13): the CLI, copy-db and `run` fault tests share it.
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs at tmp_path/disk, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], check=False)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root and must be able to mount a tmpfs for the disk tests")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
