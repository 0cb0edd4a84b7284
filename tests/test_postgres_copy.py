"""`bot.py copy-db` moves a school's SQLite database to PostgreSQL: the export is the same before and
after, ids go on from where they were, and a target that holds data is refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from storage_fixtures import (
    create_postgres_database,
    drop_postgres_database,
    postgres_database_url,
    sqlite_url,
)
from test_cli import EXAMPLE, bot, console

from sanhui_bot.storage.database import create_engine
from sanhui_bot.storage.transfer import CopyRefused, copy_database
from sanhui_bot.storage.unit_of_work import SqlStore

pytestmark = pytest.mark.slow


# A month of a branch's life in the console: a decision whose task is claimed, done and rated, a
# suggestion, an RSVP with leave and a sign-in, and every scheduled post of March (notices,
# reminders, the sign-in close that settles absences, month-end summaries).
def live_a_month(db: Path) -> None:
    console(
        db,
        [
            "zhangwei@branch: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
            "zhangwei@branch: /decision 整理党员档案 @chenjing 截止:2026-03-10",
            "liuyang@branch: /suggest 建议每月开展一次读书分享",
            ":quit",
        ],
    )
    meetings = export("--db", str(db), out=db.with_suffix(".meetings.json"))["meetings"]
    meeting = next(
        m["id"] for m in meetings if m["unit"] == "math" and m["starts_at"].startswith("2026-03-05")
    )
    console(
        db,
        [
            f"liuyang@g-math: /rsvp {meeting} 参加",
            f"zhangwei@g-math: /rsvp {meeting} 请假 事假 外出培训",
            ":clock 2026-03-05T14:40",
            f":scan liuyang@g-math {meeting}",  # the 签到大屏 code (the example signs in with the code)
            "sunli@branch: /claim 1 数学",
            "liuyang@branch: /done 1 方案已提交",
            "wangfang@branch: /rate 1 满意",
            ":clock 2026-04-01T09:00",
            ":quit",
        ],
        now="2026-03-02T09:00",
    )


@pytest.fixture
def postgres_target() -> str:
    name = asyncio.run(create_postgres_database())
    yield postgres_database_url(name)
    asyncio.run(drop_postgres_database(name))


def export(*where: str, out: Path) -> dict[str, object]:
    bot("export", "--config", str(EXAMPLE), *where, "--out", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def test_copy_db_moves_sqlite_to_postgresql_and_the_export_is_identical(
    tmp_path: Path, postgres_target: str
) -> None:
    db = tmp_path / "school.db"
    live_a_month(db)
    before = export("--db", str(db), out=tmp_path / "before.json")
    for part in ("meetings", "rsvps", "attendance", "suggestions", "decisions", "tasks", "points", "outbox"):
        assert before[part], f"the month left no {part} to copy"
    assert {task["status"] for task in before["tasks"]} == {"open", "rated"}

    migrated = bot("migrate", "--database-url", postgres_target)  # an empty, migrated target is fine
    assert "schema revision" in migrated.stdout
    copied = bot("copy-db", "--from", sqlite_url(db), "--to", postgres_target)
    assert "counts match" in copied.stdout
    assert f"outbox: {len(before['outbox'])} rows" in copied.stdout

    after = export("--database-url", postgres_target, out=tmp_path / "after.json")
    assert after == before

    # The bot goes on on PostgreSQL: new rows get ids after the copied ones.
    more = bot(
        "console",
        "--config",
        str(EXAMPLE),
        "--database-url",
        postgres_target,
        "--now",
        "2026-04-01T10:00",
        stdin="zhangwei@branch: /decision 新学期计划 @liuyang 截止:2026-04-20\n:quit\n",
    )
    assert more.returncode == 0, more.stderr
    tasks = export("--database-url", postgres_target, out=tmp_path / "later.json")["tasks"]
    assert [task["id"] for task in tasks] == [*(task["id"] for task in before["tasks"]), 3]

    refused = bot("copy-db", "--from", sqlite_url(db), "--to", postgres_target, check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "members" in refused.stderr


def test_a_copy_refuses_a_source_that_is_not_migrated(tmp_path: Path) -> None:
    async def attempt() -> None:
        engine = create_engine(sqlite_url(tmp_path / "empty.db"))
        async with engine.begin() as connection:  # a SQLite file with a table, never migrated
            await connection.exec_driver_sql("CREATE TABLE notes (text TEXT)")
        await SqlStore(engine).close()
        with pytest.raises(CopyRefused, match="revision None"):
            await copy_database(sqlite_url(tmp_path / "empty.db"), sqlite_url(tmp_path / "target.db"))
        with pytest.raises(CopyRefused, match="same database"):
            await copy_database(sqlite_url(tmp_path / "a.db"), sqlite_url(tmp_path / "a.db"))
        with pytest.raises(CopyRefused, match=r"no database at .*typo\.db"):
            await copy_database(sqlite_url(tmp_path / "typo.db"), sqlite_url(tmp_path / "target.db"))
        assert not (tmp_path / "typo.db").exists()  # a mistyped source is not created empty
        assert not (tmp_path / "target.db").exists()

    asyncio.run(attempt())


def test_a_copy_leaves_the_matrix_keys_behind_and_gives_up_their_device(
    tmp_path: Path, postgres_target: str
) -> None:
    db = tmp_path / "school.db"
    bot("migrate", "--db", str(db))

    async def remember_device(url: str, device: str) -> None:
        store = SqlStore(create_engine(url))
        async with store.unit_of_work() as uow:
            await uow.platform_state.set("matrix", "device_id", device)
            await uow.platform_state.set("matrix", "next_batch", "s72_1")
            await uow.commit()
        await store.close()

    async def stored(url: str) -> tuple[str | None, str | None]:
        store = SqlStore(create_engine(url))
        async with store.unit_of_work() as uow:
            found = (
                await uow.platform_state.get("matrix", "device_id"),
                await uow.platform_state.get("matrix", "next_batch"),
            )
        await store.close()
        return found

    asyncio.run(remember_device(sqlite_url(db), "OLDDEVICE"))
    (tmp_path / "school-matrix-crypto.db").write_bytes(b"the keys")  # beside the bot's file
    copied = bot("copy-db", "--from", sqlite_url(db), "--to", postgres_target)
    assert "Matrix encryption keys" in copied.stdout and "new" in copied.stdout
    # The sync token goes along (nothing is handled twice); the device without its keys does not.
    assert asyncio.run(stored(postgres_target)) == ("", "s72_1")
    assert asyncio.run(stored(sqlite_url(db))) == ("OLDDEVICE", "s72_1")  # the source is untouched
