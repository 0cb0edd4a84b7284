"""Used links and old sessions do not pile up in platform_state (issue 16).

A link is deleted when it is used or met expired, a session when it is revoked or met expired, and
the scheduler's tick deletes the other expired ones a bounded batch at a time, leaving live records
and every other platform's state alone. Runs on SQLite and PostgreSQL (the `app` fixture).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from support import local

from sanhui_bot.app import App
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services import web_access
from sanhui_bot.services.web_access import WebIdentity
from sanhui_bot.storage.database import alembic_config, create_engine, migrate
from sanhui_bot.storage.schema import platform_state

NOW = local("2026-03-02T09:00")
LINK = timedelta(minutes=10)
SESSION = timedelta(hours=12)
LIUYANG = WebIdentity("console", "liuyang")


async def web_rows(app: App) -> dict[str, datetime | None]:
    """The web records as stored: key kind (link/session) and hash → expires_at."""
    query = select(platform_state.c.key, platform_state.c.expires_at).where(
        platform_state.c.platform == "web"
    )
    async with app.store.engine.connect() as connection:
        return {key: expires for key, expires in (await connection.execute(query)).all()}


async def test_a_link_is_deleted_when_used_or_met_expired(app: App) -> None:
    token = await web_access.issue_link(app.deps, LIUYANG, NOW, LINK)
    [(key, expires)] = (await web_rows(app)).items()
    assert key.startswith("link:") and expires == NOW + LINK
    assert await web_access.redeem_link(app.deps, token, NOW + timedelta(minutes=1)) == LIUYANG
    assert await web_rows(app) == {}  # used: gone
    assert await web_access.redeem_link(app.deps, token, NOW + timedelta(minutes=2)) is None

    late = await web_access.issue_link(app.deps, LIUYANG, NOW, LINK)
    assert await web_access.redeem_link(app.deps, late, NOW + LINK) is None  # expired on the minute
    assert await web_rows(app) == {}


async def test_a_session_is_deleted_when_revoked_or_met_expired(app: App) -> None:
    kept = await web_access.open_session(app.deps, LIUYANG, NOW, SESSION)
    signed_out = await web_access.open_session(app.deps, LIUYANG, NOW, SESSION)
    assert len(await web_rows(app)) == 2
    assert await web_access.revoke_session(app.deps, signed_out) is True
    assert await web_access.revoke_session(app.deps, signed_out) is False
    assert await web_access.session_identity(app.deps, signed_out, NOW) is None
    assert await web_access.session_identity(app.deps, kept, NOW + SESSION - timedelta(seconds=1)) == LIUYANG
    assert len(await web_rows(app)) == 1
    assert await web_access.session_identity(app.deps, kept, NOW + SESSION) is None
    assert await web_rows(app) == {}


async def test_the_tick_deletes_expired_records_in_bounded_batches(app: App) -> None:
    for minute in range(5):  # five links never used, expiring 09:10 … 09:14
        await web_access.issue_link(app.deps, LIUYANG, NOW + timedelta(minutes=minute), LINK)
    live_link = await web_access.issue_link(app.deps, LIUYANG, NOW + timedelta(hours=1), LINK)
    live_session = await web_access.open_session(app.deps, LIUYANG, NOW, SESSION)
    async with app.deps.uow() as uow:
        await uow.platform_state.set("matrix", "device_id", "SANHUIBOT")  # kept for good
        await uow.commit()
    later = NOW + timedelta(minutes=30)

    assert await web_access.prune_expired(app.deps, later, limit=2) == 2
    left = await web_rows(app)
    assert len(left) == 5
    # the oldest went first
    assert sorted(e for e in left.values() if e is not None)[0] == NOW + timedelta(minutes=2) + LINK

    await Announcer(app.deps, "zh-CN", []).tick(later)  # the scheduler's tick deletes the rest
    left = await web_rows(app)
    assert sorted(left.values()) == sorted([NOW + timedelta(hours=1) + LINK, NOW + SESSION])
    assert await web_access.redeem_link(app.deps, live_link, later + timedelta(minutes=31)) == LIUYANG
    assert await web_access.session_identity(app.deps, live_session, later) == LIUYANG
    async with app.deps.uow() as uow:
        assert await uow.platform_state.get("matrix", "device_id") == "SANHUIBOT"


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_records_stored_before_the_expiry_column_get_it_from_their_value(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    expires = datetime(2026, 3, 2, 1, 10, tzinfo=UTC)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade_to, "0012")
            for key, value in [
                (
                    "link:aa",
                    json.dumps(
                        {
                            "platform": "console",
                            "user": "liuyang",
                            "expires": int(expires.timestamp()),
                            "used": True,
                        }
                    ),
                ),
                (
                    "session:bb",
                    json.dumps(
                        {"platform": "console", "user": "liuyang", "expires": int(expires.timestamp())}
                    ),
                ),
                ("odd", "not json"),
            ]:
                await connection.execute(
                    text("INSERT INTO platform_state (platform, key, value) VALUES ('web', :key, :value)"),
                    {"key": key, "value": value},
                )
            await connection.commit()
        await migrate(engine)
        query = select(platform_state.c.key, platform_state.c.expires_at).order_by(platform_state.c.key)
        async with engine.connect() as connection:
            rows = dict((await connection.execute(query)).all())
        assert rows == {"link:aa": expires, "odd": None, "session:bb": expires}
    finally:
        await engine.dispose()
