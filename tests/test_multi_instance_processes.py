"""Three bot processes on one PostgreSQL database post a district's month-end: 1,000 chats, every
summary exactly once, even when one process is killed with SIGKILL halfway through its sends.

Each process is tests/pg/instance.py: the real app and Announcer with a platform that appends a line
per post to a shared file. The victim hangs inside a send once half the summaries are out (a send
stuck on the network, holding a claimed batch) and is then killed; its claimed rows must be taken
over by the others after the lease (5 s here) and still go out once.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from pg.district import CHATS_PER_BRANCH, district_config, to_toml
from storage_fixtures import create_postgres_database, drop_postgres_database, postgres_database_url

from sanhui_bot.app import open_app
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.services import announcements

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BRANCHES = 200  # × 5 chats = 1,000 chats
CHATS = BRANCHES * CHATS_PER_BRANCH
MONTH_END = "2026-03-31T18:00"
LEASE_SECONDS = 5  # long enough that a live instance on a busy CI machine keeps its claims
DEADLINE_SECONDS = 240


@pytest.fixture
def district_database() -> str:
    name = asyncio.run(create_postgres_database())
    yield postgres_database_url(name)
    asyncio.run(drop_postgres_database(name))


async def prepare(config: dict[str, object]) -> None:
    """Migrate, load the roster and set the watermark just before the month-end, as a running bot would."""
    settings = parse_settings(config)
    app = await open_app(settings)
    try:
        await announcements.start_planning(app.deps, local(settings, "2026-03-31T17:59:50"))
    finally:
        await app.close()


async def outbox_state(config: dict[str, object]) -> tuple[int, int, int]:
    """(month-end rows, of them sent, deliveries recorded)."""
    app = await open_app(parse_settings(config))
    try:
        async with app.deps.uow() as uow:
            rows = [row for row in await uow.outbox.list() if row.kind == "month_end"]
            delivered = [await uow.outbox.delivered(row.id or 0) for row in rows]
    finally:
        await app.close()
    return len(rows), sum(row.sent_at is not None for row in rows), sum(len(done) for done in delivered)


def local(settings: Settings, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=settings.tz)


def start_instance(
    name: str, config: Path, url: str, record: Path, epoch: float, *extra: str
) -> subprocess.Popen[bytes]:
    """An instance whose clock shows MONTH_END at the Unix time `epoch` (the same for all of them)."""
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "pg" / "instance.py"),
            "--config",
            str(config),
            "--database-url",
            url,
            "--name",
            name,
            "--record",
            str(record),
            "--start",
            MONTH_END,
            "--epoch",
            str(epoch),
            "--lease",
            str(LEASE_SECONDS),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: nobody reads a pipe while the test waits, and a full one blocks the bot.
        stderr=record.with_name(f"{name}.log").open("wb"),
    )


def logs(directory: Path) -> str:
    """The instances' stderr, for a failure message."""
    return "\n".join(f"{log.name}:\n{log.read_text()[-3000:]}" for log in sorted(directory.glob("*.log")))


def recorded(record: Path) -> list[tuple[str, str, str]]:
    lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    return [tuple(line.split("\t", 2)) for line in lines]  # type: ignore[misc]


def test_three_processes_post_every_month_end_summary_once_despite_a_sigkill(
    tmp_path: Path, district_database: str
) -> None:
    config = district_config(BRANCHES, 5, database_url=district_database)
    config_file = tmp_path / "district.toml"
    config_file.write_text(to_toml(config), encoding="utf-8")
    asyncio.run(prepare(config))
    record = tmp_path / "posts.log"
    record.touch()
    marker = tmp_path / "victim-hung"
    epoch = time.time()

    victim = start_instance(
        "victim",
        config_file,
        district_database,
        record,
        epoch,
        "--hang-after",
        str(CHATS // 2),
        "--hang-marker",
        str(marker),
    )
    others = [start_instance(f"bot-{n}", config_file, district_database, record, epoch) for n in (1, 2)]
    processes = [victim, *others]
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not marker.exists():
            assert time.monotonic() < deadline, (
                f"the victim never reached half way: {len(recorded(record))} posts"
            )
            for process in processes:
                assert process.poll() is None, logs(tmp_path)
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        hung_on = marker.read_text(encoding="utf-8")
        killed_at = len(recorded(record))

        while len(recorded(record)) < CHATS:
            assert time.monotonic() < deadline, f"only {len(recorded(record))} of {CHATS} summaries went out"
            for process in others:
                assert process.poll() is None, logs(tmp_path)
            time.sleep(0.1)
        time.sleep(LEASE_SECONDS + 1)  # anything posted twice would show up by now
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    posts = recorded(record)
    per_chat = Counter(chat for _, chat, _ in posts)
    assert len(per_chat) == CHATS and set(per_chat.values()) == {1}, [c for c, n in per_chat.items() if n > 1]
    assert all("2026年3月" in title for _, _, title in posts)
    senders = Counter(name for name, _, _ in posts)
    assert senders["victim"] > 0 and senders["bot-1"] > 0 and senders["bot-2"] > 0, senders
    assert killed_at < CHATS
    # The post the victim was stuck in went out once, from another instance, after its lease ran out.
    [(taken_over_by, _, _)] = [(name, chat, title) for name, chat, title in posts if chat == hung_on]
    assert taken_over_by != "victim"
    assert asyncio.run(outbox_state(config)) == (CHATS, CHATS, CHATS)
