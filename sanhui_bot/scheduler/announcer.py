"""The clock-driven half of the bot: plan what is due into the outbox, then deliver the outbox.

`tick(now)` is all there is: it is called every half minute by APScheduler in `run`, and at every due
moment by the console's simulated clock. Because what is due is computed from stored state and the
stored watermark, a restart, a crash or a clock jump neither loses nor repeats a post.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
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
    """A platform that can post a message to configured chats."""

    platform: str  # "console", "telegram", "matrix": deliveries are recorded per platform

    def serves(self, chat: str) -> bool:
        """Whether the chat key has a chat on this platform."""
        ...

    async def post(self, chat: str, reply: Reply) -> str:
        """Send the reply to the chat key's chat; return the platform's message id. Raise to retry later."""
        ...


class Announcer:
    """Plans the bot's own posts and delivers them through every platform's notifier."""

    def __init__(self, deps: Deps, language: str, notifiers: Sequence[Notifier]) -> None:
        self.deps = deps
        self.language = language
        self.notifiers = tuple(notifiers)

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
        """Send every due, unsent outbox row; a failure leaves the row for a retry with backoff.

        A row goes to its chat on every platform that has the chat; each platform's delivery is
        recorded on its own, so a retry after a partial failure only sends where it is missing.
        """
        sent = 0
        while rows := await announcements.due_rows(self.deps, now):
            for row in rows:
                if await self._deliver_row(row, now):
                    sent += 1
        return sent

    async def _deliver_row(self, row: OutboxRow, now: datetime) -> bool:
        payload = row.payload
        reply = Reply(
            payload["text"],
            tuple(Button(label, command) for label, command in payload.get("buttons", [])),
            subject=payload.get("subject", ""),
        )
        targets = [notifier for notifier in self.notifiers if notifier.serves(row.chat)]
        if not targets:
            log.warning("no running platform has chat %r: %s goes nowhere", row.chat, row.key)
        done = await announcements.delivered(self.deps, row)
        for notifier in targets:
            if notifier.platform in done:
                continue
            try:
                message_id = await notifier.post(row.chat, reply)
            except Exception as error:  # any platform failure: keep the row, try again later
                retry_at = await announcements.mark_failed(self.deps, row, repr(error), now)
                log.warning(
                    "posting %s to %s on %s failed (%r); retrying at %s",
                    row.key,
                    row.chat,
                    notifier.platform,
                    error,
                    retry_at,
                )
                return False
            await announcements.record_delivery(self.deps, row, notifier.platform, message_id, now)
        await announcements.mark_sent(self.deps, row, now)
        return True

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
