"""The clock-driven half of the bot: plan what is due into the outbox, then deliver the outbox.

`tick(now)` is all there is: it is called every half minute by APScheduler in `run`, and at every due
moment by the console's simulated clock. Because what is due is computed from stored state and the
stored watermark, a restart, a crash or a clock jump neither loses nor repeats a post.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from sanhui_bot.domain.announcements import PlannedPost, PostKind
from sanhui_bot.domain.points import PointReason
from sanhui_bot.render.announcements import late_prefix, meeting_post, task_post
from sanhui_bot.render.replies import Button, Renderer, Reply, renderer_for
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services import announcements, summaries
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.ports import OutboxRow

log = logging.getLogger(__name__)

MEETING_POSTS = {
    PostKind.NOTICE,
    PostKind.REMINDER_DAY,
    PostKind.REMINDER_HOUR,
    PostKind.QUORUM_WARNING,
    PostKind.SIGNIN_OPEN,
    PostKind.SIGNIN_CLOSED,
}
TASK_POSTS = {PostKind.TASK_DUE_SOON, PostKind.TASK_DUE_TODAY, PostKind.TASK_OVERDUE}
SETTLING_POSTS = {PostKind.SIGNIN_CLOSED, PostKind.TASK_OVERDUE}  # they also write points


MomentHook = Callable[[datetime, datetime], Awaitable[None]]


class Notifier(Protocol):
    """A platform that can post a message to a configured chat."""

    async def post(self, chat: str, reply: Reply) -> str:
        """Send the reply to the chat key's chat; return the platform's message id. Raise to retry later."""
        ...


class Announcer:
    """Plans the bot's own posts and delivers them through one notifier."""

    def __init__(self, deps: Deps, language: str, notifier: Notifier) -> None:
        self.deps = deps
        self.language = language
        self.notifier = notifier

    async def start(self, now: datetime) -> None:
        """On start-up: fix the watermark on a first run, then post what fell due while the bot was down."""
        await announcements.start_planning(self.deps, now)
        await self.tick(now)

    async def tick(self, now: datetime) -> None:
        """Plan everything due by `now`, then deliver every unsent post that is due."""
        await self.plan(now)
        await self.deliver(now)

    async def advance(self, before: datetime, after: datetime, at_moment: MomentHook | None = None) -> None:
        """Move a simulated clock from `before` to `after`, ticking at every moment a post falls due.

        `at_moment(previous, moment)` runs before each tick, e.g. to set the console's clock.
        """
        moment = before
        while (due := await announcements.next_due_after(self.deps, moment)) is not None and due <= after:
            if at_moment is not None:
                await at_moment(moment, due)
            await self.tick(due)
            moment = due
        if at_moment is not None:
            await at_moment(moment, after)
        await self.tick(after)

    async def plan(self, now: datetime) -> int:
        """Write the posts due since the watermark to the outbox; return how many were new."""
        start = await announcements.start_planning(self.deps, now)
        if now <= start:
            return 0
        posts = await announcements.posts_between(self.deps, start, now)
        renderer = await renderer_for(self.deps, self.language)
        rows: list[OutboxRow] = []
        settled: list[PlannedPost] = []
        for post in posts:
            if post.kind in SETTLING_POSTS:
                settled.append(post)
            if post.expired(now):
                log.info("dropped %s: its moment (%s) passed while the bot was down", post.key, post.due_at)
                continue
            late = announcements.is_late(post, now)
            reply = await self._render(post, renderer, late, now)
            if reply is None:
                continue
            rows.append(
                OutboxRow(
                    key=post.key,
                    kind=post.kind.value,
                    chat=post.chat,
                    payload={
                        "text": reply.text,
                        "buttons": [[button.label, button.command] for button in reply.buttons],
                        "subject": reply.subject,
                        "late": late,
                    },
                    due_at=post.due_at,
                    created_at=now,
                )
            )
        return await announcements.enqueue(self.deps, rows, settled, now)

    async def deliver(self, now: datetime) -> int:
        """Send every due, unsent outbox row; a failure leaves the row for a retry with backoff."""
        sent = 0
        while rows := await announcements.due_rows(self.deps, now):
            for row in rows:
                payload = row.payload
                reply = Reply(
                    payload["text"],
                    tuple(Button(label, command) for label, command in payload.get("buttons", [])),
                    subject=payload.get("subject", ""),
                )
                try:
                    await self.notifier.post(row.chat, reply)
                except Exception as error:  # any platform failure: keep the row, try again later
                    retry_at = await announcements.mark_failed(self.deps, row, repr(error), now)
                    log.warning(
                        "posting %s to %s failed (%r); retrying at %s", row.key, row.chat, error, retry_at
                    )
                    continue
                await announcements.mark_sent(self.deps, row, now)
                sent += 1
        return sent

    async def _render(self, post: PlannedPost, renderer: Renderer, late: bool, now: datetime) -> Reply | None:
        if post.kind in MEETING_POSTS:
            data = await announcements.meeting_announcement(
                self.deps, announcements.subject_id(post), with_attendance=post.kind is PostKind.SIGNIN_CLOSED
            )
            return meeting_post(post.kind, data, renderer, late) if data else None
        if post.kind in TASK_POSTS:
            data = await announcements.task_announcement(
                self.deps, announcements.subject_id(post), post.params.get("week", 0)
            )
            if data is None or data.task.finished:
                return None
            return task_post(post.kind, data, renderer, late, self.deps.rules.value(PointReason.TASK_OVERDUE))
        if post.kind is PostKind.MONTH_END:
            summary = await summaries.month_summary(
                self.deps, post.chat, post.params["year"], post.params["month"], now
            )
            prefix = late_prefix(renderer) if late else ""
            return Reply(prefix + render_summary(summary, renderer), subject=post.subject)
        raise ValueError(f"unknown post kind {post.kind}")
