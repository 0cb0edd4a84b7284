"""The one APScheduler 3 `AsyncIOScheduler` that drives the bot's own posts in `run`.

It calls `Announcer.tick` with the real time every half minute; everything due is computed from
stored state, so the job may run late, twice or after a restart without losing or repeating a post.
A daily job plans the meetings of the year ahead, so a bot that runs through New Year, or is given
next year's working-day calendar by an upgrade, needs no restart for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sanhui_bot.scheduler.announcer import Announcer

log = logging.getLogger(__name__)

TICK_SECONDS = 30
JOB_ID = "announcements"
PLAN_JOB_ID = "plan-meetings"
PLAN_AT_HOUR = 3  # local time: quiet, and long before any post of the day
# How long a stopping `run` waits for the post being sent (a platform call with its retries); a
# service manager's stop timeout (systemd: 90 s) is longer.
STOP_PATIENCE = 15.0


def build_scheduler(
    announcer: Announcer,
    tz: ZoneInfo,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    plan: Callable[[datetime], Awaitable[object]] | None = None,
) -> AsyncIOScheduler:
    """A scheduler (not yet started) with the announcement job every half minute, in the bot's zone,
    and, given `plan` (e.g. app.plan_meetings), that run once a day with the time."""
    scheduler = AsyncIOScheduler(timezone=tz)

    async def tick() -> None:
        try:
            await announcer.tick(clock())
        except Exception as error:  # e.g. a full disk: the next tick tries again, nothing is lost
            log.error("the scheduler tick failed (%r); trying again in %s s", error, TICK_SECONDS)
        except asyncio.CancelledError:
            # The process ends while a send outlasted STOP_PATIENCE: its claimed posts are sent by
            # the next start. One line, not the traceback APScheduler prints for a job's exception.
            log.warning("the scheduler tick was cut short by the shutdown")

    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        id=JOB_ID,
        max_instances=1,  # a slow tick is not overlapped by the next one
        coalesce=True,  # after a pause, run once rather than once per missed interval
        next_run_time=datetime.now(tz),
    )
    if plan is not None:

        async def plan_daily() -> None:
            await plan(clock())

        scheduler.add_job(
            plan_daily,
            "cron",
            hour=PLAN_AT_HOUR,
            id=PLAN_JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,  # a busy moment at 03:00 must not cost a day
        )
    return scheduler


def wake(scheduler: AsyncIOScheduler, tz: ZoneInfo) -> None:
    """Run the announcement job as soon as possible (after a command wrote a post for now)."""
    job = scheduler.get_job(JOB_ID)
    if job is not None:
        job.modify(next_run_time=datetime.now(tz))
