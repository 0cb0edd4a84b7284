"""The one APScheduler 3 `AsyncIOScheduler` that drives the bot's own posts in `run`.

It only calls `Announcer.tick` with the real time; everything due is computed from stored state,
so the job may run late, twice or after a restart without losing or repeating a post.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sanhui_bot.scheduler.announcer import Announcer

TICK_SECONDS = 30
JOB_ID = "announcements"


def build_scheduler(
    announcer: Announcer, tz: ZoneInfo, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> AsyncIOScheduler:
    """A scheduler (not yet started) with the announcement job every half minute, in the bot's zone."""
    scheduler = AsyncIOScheduler(timezone=tz)

    async def tick() -> None:
        await announcer.tick(clock())

    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        id=JOB_ID,
        max_instances=1,  # a slow tick is not overlapped by the next one
        coalesce=True,  # after a pause, run once rather than once per missed interval
        next_run_time=datetime.now(tz),
    )
    return scheduler


def wake(scheduler: AsyncIOScheduler, tz: ZoneInfo) -> None:
    """Run the announcement job as soon as possible (after a command wrote a post for now)."""
    job = scheduler.get_job(JOB_ID)
    if job is not None:
        job.modify(next_run_time=datetime.now(tz))
