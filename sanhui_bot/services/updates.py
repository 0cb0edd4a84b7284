"""One chat update, one transaction: its seen mark commits with what the command did, or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sanhui_bot.services.deps import Deps


@asynccontextmanager
async def once(deps: Deps, platform: str, update_id: str | None, now: datetime) -> AsyncIterator[bool]:
    """Run the block as the update's one unit of work; it gets False for a re-delivered update.

    Every unit of work the services open inside joins this one, and the update is marked seen in it:
    a crash before the end loses both the mark and the effect, so the re-delivered update runs once.
    Leaving the block by an exception commits nothing; a refusal after a write keeps only the mark.
    """
    async with deps.uow() as uow:
        if update_id is not None and await uow.messages.seen_update(platform, update_id, now):
            yield False
            return
        with uow.shared():
            yield True
        if uow.undone:
            # A unit of work inside gave up what it wrote (a refusal after a write): none of the
            # update's work stays, but the update was seen and answered.
            await uow.rollback()
            if update_id is not None:
                await uow.messages.seen_update(platform, update_id, now)
        await uow.commit()
