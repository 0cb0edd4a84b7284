"""Alembic environment for sanhui-bot.

`sanhui_bot.storage.database.migrate` passes an open connection in
`config.attributes["connection"]` and owns its transaction. Run by hand (`alembic upgrade head`
from the repository root), the database url comes from `-x url=…`, else from alembic.ini's
`sqlalchemy.url`, and this script opens its own engine with the same pragmas as the bot.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from sanhui_bot.storage.schema import metadata

config = context.config
target_metadata = metadata


def _database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database url: pass -x url=sqlite:///data/sanhui.db or set sqlalchemy.url")
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _run_on(connection: Connection) -> None:
    _configure(connection)
    # Inside migrate()'s transaction this is a no-op and the caller commits.
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the SQL for `alembic upgrade --sql` without a database."""
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    # Imported here: only the command-line path needs it, and it pulls in the async drivers.
    from sanhui_bot.storage.database import create_engine

    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
    else:
        asyncio.run(_run_with_own_engine())


if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name)  # only for the command line; the bot configures its own logging

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
