"""The clock-driven half of the bot: plan what is due into the outbox, then deliver the outbox.

`tick(now)` is all there is: it is called every half minute by APScheduler in `run`, and at every due
moment by the console's simulated clock. Because what is due is computed from stored state and the
stored watermark, a restart, a crash or a clock jump neither loses nor repeats a post.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sanhui_bot.domain.announcements import PlannedPost, PostKind
from sanhui_bot.domain.attendance import recording_closes_at
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.points import PointReason
from sanhui_bot.render.announcements import (
    late_prefix,
    leave_decided_post,
    leave_request_post,
    meeting_post,
    moved_post,
    task_post,
    unrecorded_post,
)
from sanhui_bot.render.chart import PNG_MIME, ChartUnavailable, month_chart, school_chart
from sanhui_bot.render.closing import closing_post
from sanhui_bot.render.periods import period_name
from sanhui_bot.render.replies import Attachment, Button, Renderer, Reply, renderer_for
from sanhui_bot.render.reports import render_school_report, year_end_post
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services import announcements, leave, summaries, web_access
from sanhui_bot.services import closing as closing_service
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.export import ledger_snapshot
from sanhui_bot.services.ports import OutboxRow
from sanhui_bot.services.school import SchoolMonthEnd, school_month_end

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
CLOSING_POSTS = {
    PostKind.DECISION_LIST,
    PostKind.LEDGER_CHECK,
    PostKind.PUBLISH_REMINDER,
    PostKind.CLOSE_REMINDER,
    PostKind.PUBLICATION,
}
SETTLING_POSTS = {PostKind.SIGNIN_CLOSED, PostKind.TASK_OVERDUE}  # they also write points


MomentHook = Callable[[datetime, datetime], Awaitable[None]]
DEFAULT_LEASE = timedelta(minutes=2)  # how long a claimed outbox row stays this instance's
# A post that cannot be rendered holds the planning watermark back, so the next tick tries it again;
# after a day it is given up (logged as an error), so one broken post cannot stall planning for ever.
RENDER_RETRY = timedelta(days=1)


class Notifier(Protocol):
    """A platform that can post a message to configured chats."""

    platform: str  # "console", "telegram", "matrix": deliveries are recorded per platform

    def serves(self, chat: str) -> bool:
        """Whether the chat key has a chat on this platform."""
        ...

    async def post(self, chat: str, reply: Reply) -> str:
        """Send the reply to the chat key's chat; return the platform's message id. Raise to retry later."""
        ...


def instance_name() -> str:
    """A name for this bot process that no other instance on the same database shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Announcer:
    """Plans the bot's own posts and delivers them through every platform's notifier.

    Several instances may share one database: each claims the rows it sends under its `instance`
    name for `lease` (a claimed row is invisible to the others), and renews the lease just before
    each send. Rows of an instance killed mid-send are taken over once their lease runs out. The
    lease must outlast one send (a platform call and its retries inside the adapter); `clock`,
    when given, is read for the lease instead of the tick's `now`, so a long delivery loop in
    `run` renews against real time.
    """

    def __init__(
        self,
        deps: Deps,
        language: str,
        notifiers: Sequence[Notifier],
        instance: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.deps = deps
        self.language = language
        self.notifiers = tuple(notifiers)
        self.instance = instance or instance_name()
        self.lease = lease
        self.clock = clock
        self._stopping = False
        self._ticks = 0  # ticks running now
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, now: datetime) -> None:
        """On start-up: fix the watermark on a first run, then post what fell due while the bot was down."""
        await announcements.start_planning(self.deps, now)
        await self.tick(now)

    async def tick(self, now: datetime) -> None:
        """Plan everything due by `now`, deliver every unsent post that is due, then delete a batch of
        expired web links and sessions."""
        self._ticks += 1
        self._idle.clear()
        try:
            await self.plan(now)
            await self.deliver(now)
            pruned = await web_access.prune_expired(self.deps, now)
            if pruned:
                log.info("deleted %d expired web links and sessions", pruned)
        finally:
            self._ticks -= 1
            if not self._ticks:
                self._idle.set()

    async def stop(self, patience: float) -> bool:
        """Stop delivering after the post being sent now, and give up the claims on the rest.

        A shutdown that cut a send short could not record it, and the post would go out again after
        the restart; so the send in flight is waited for (at most `patience` seconds), and the rows
        this instance claimed but did not send are released, so the next start sends them at once
        rather than after their lease. False if a tick was still running after `patience`: its rows
        stay claimed until their lease runs out.
        """
        self._stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), patience)
        except TimeoutError:
            log.warning(
                "the scheduler was still sending after %s s; its posts are taken up at the next start",
                patience,
            )
            return False
        try:
            released = await announcements.release(self.deps, self.instance)
        except Exception as error:  # e.g. the database went away: the leases run out by themselves
            log.warning("could not release the claimed posts (%r); they wait for their lease", error)
            return True
        if released:
            log.info("released %d claimed posts for the next start", released)
        return True

    async def advance(self, before: datetime, after: datetime, at_moment: MomentHook | None = None) -> None:
        """Move a simulated clock from `before` to `after`, ticking at every moment a post falls due.

        `at_moment(previous, moment)` runs before each tick, e.g. to set the console's clock.
        """
        moment = before
        await self.deliver(before)  # what an action wrote for "now" goes out before the clock moves
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
        # Another instance (or this one before a crash) may have written some already: rendering a
        # month-end for a thousand chats is the costly part, so it is skipped for those.
        written = await announcements.written_keys(self.deps, [post.key for post in posts])
        renderer = await renderer_for(self.deps, self.language)
        month_ends = await self._month_summaries(
            [post for post in posts if post.key not in written and not post.expired(now)], now
        )
        rows: list[OutboxRow] = []
        settled: list[PlannedPost] = []
        retry_from: datetime | None = None  # the first post to render again at the next tick
        for post in posts:
            if post.kind in SETTLING_POSTS:
                settled.append(post)
            if post.key in written:
                continue
            if post.expired(now):
                log.info("dropped %s: its moment (%s) passed while the bot was down", post.key, post.due_at)
                continue
            late = announcements.is_late(post, now)
            try:
                reply = await self._render(post, renderer, late, now, month_ends.get(post.key))
            except Exception as error:  # one post that cannot be rendered must not stop the others
                if now - post.due_at > RENDER_RETRY:
                    log.error("cannot render %s (%r) since %s; given up", post.key, error, post.due_at)
                    continue
                log.error("cannot render %s (%r); it is tried again at the next tick", post.key, error)
                retry_from = post.due_at if retry_from is None else min(retry_from, post.due_at)
                continue
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
                        "about": post.subject,  # what the post is about, even when it is not edited in place
                        "late": late,
                        **_attachments_payload(reply),
                    },
                    due_at=post.due_at,
                    created_at=now,
                )
            )
        # The watermark stops just before a post that failed, so the next window holds it again; the
        # posts after it that were written here are recognised as written then and not rendered twice.
        until = now if retry_from is None else max(start, retry_from - timedelta(seconds=1))
        return await announcements.enqueue(self.deps, rows, settled, until)

    async def _month_summaries(
        self, posts: Sequence[PlannedPost], now: datetime
    ) -> dict[str, summaries.Summary]:
        """Post key → the summary of each chat's month-end among `posts`, computed together.

        A district's month-end is a thousand chats of a few hundred branches: computing them in one
        go reads each branch once, not once per chat. If that fails, each post is computed on its own
        in `_render` (so one chat's failure is that chat's alone).
        """
        school = self.deps.org.school
        wanted: dict[tuple[int, int], list[PlannedPost]] = {}
        for post in posts:
            if post.kind is PostKind.MONTH_END and (school is None or post.chat != school.chat):
                wanted.setdefault((post.params["year"], post.params["month"]), []).append(post)
        found: dict[str, summaries.Summary] = {}
        for (year, month), month_posts in wanted.items():
            try:
                by_chat = await summaries.month_summaries(
                    self.deps, sorted({post.chat for post in month_posts}), year, month, now
                )
            except Exception as error:  # e.g. a chat no longer configured: computed one by one below
                log.warning("month-end %d-%02d computed chat by chat (%r)", year, month, error)
                continue
            found.update({post.key: by_chat[post.chat] for post in month_posts})
        return found

    async def deliver(self, now: datetime) -> int:
        """Send every due, unsent outbox row; a failure leaves the row for a retry with backoff.

        A row goes to its chat on every platform that has the chat; each platform's delivery is
        recorded on its own, so a retry after a partial failure only sends where it is missing.
        """
        sent = 0
        while not self._stopping and (
            rows := await announcements.claim_rows(self.deps, self.instance, self._now(now), self.lease)
        ):
            for row in rows:
                if self._stopping:
                    break  # what is claimed and unsent is released by `stop`
                if not await announcements.hold(self.deps, row, self.instance, self._now(now), self.lease):
                    log.info("%s was taken over by another instance after our lease ran out", row.key)
                    continue
                if await self._deliver_row(row, now):
                    sent += 1
        return sent

    def _now(self, tick_now: datetime) -> datetime:
        return self.clock() if self.clock is not None else tick_now

    async def _deliver_row(self, row: OutboxRow, now: datetime) -> bool:
        try:
            reply = await self._reply_of(row, now)
        except Exception as error:  # one row that cannot be rendered must not stop the others
            retry_at = await announcements.mark_failed(self.deps, row, repr(error), now)
            log.error("cannot render %s (%r); retrying at %s", row.key, error, retry_at)
            return False
        if reply is None:
            log.info("%s has nothing left to say; not posted", row.key)
            await announcements.mark_sent(self.deps, row, now)
            return False
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

    async def _reply_of(self, row: OutboxRow, now: datetime) -> Reply | None:
        """The message an outbox row stands for; rows written by a service are rendered now."""
        payload = row.payload
        if payload.get("render_at_delivery"):
            post = PlannedPost(
                row.key,
                PostKind(row.kind),
                row.chat,
                row.due_at,
                payload.get("subject", ""),
                params=payload.get("params", {}),
            )
            renderer = await renderer_for(self.deps, self.language)
            return await self._render(post, renderer, announcements.is_late(post, now), now)
        return Reply(
            payload["text"],
            tuple(Button(label, command) for label, command in payload.get("buttons", [])),
            subject=payload.get("subject", ""),
            attachments=_attachments_of(payload),
        )

    async def _render(
        self,
        post: PlannedPost,
        renderer: Renderer,
        late: bool,
        now: datetime,
        summary: summaries.Summary | None = None,
    ) -> Reply | None:
        """The post's message; `summary`: a month-end's summary, when already computed."""
        if post.kind is PostKind.MEETING_MOVED:
            data = await announcements.meeting_announcement(
                self.deps, announcements.subject_id(post), with_attendance=False
            )
            if data is None or data.view.meeting.has_started(now):
                return None
            return moved_post(data, datetime.fromisoformat(post.params["from"]), renderer, late)
        if post.kind is PostKind.ATTENDANCE_UNRECORDED:
            data = await announcements.meeting_announcement(
                self.deps, announcements.subject_id(post), with_attendance=True
            )
            if data is None or data.attendance is not None or data.view.meeting.called_off:
                return None  # recorded (or marked 未召开) by now: nothing to remind of
            closes = recording_closes_at(data.view.meeting, self.deps.attendance_correction_days)
            return unrecorded_post(data, closes, renderer, late)
        if post.kind in (PostKind.LEAVE_REQUEST, PostKind.LEAVE_DECIDED):
            view = await leave.leave_request_view(
                self.deps, announcements.subject_id(post), post.params["member"]
            )
            if view is None:
                return None
            if post.kind is PostKind.LEAVE_REQUEST:
                requested_at = datetime.fromisoformat(post.params["requested_at"])
                return leave_request_post(view, requested_at, renderer, late)
            return leave_decided_post(view, post.params["decision"], renderer, late)
        if post.kind in MEETING_POSTS:
            data = await announcements.meeting_announcement(
                self.deps, announcements.subject_id(post), with_attendance=post.kind is PostKind.SIGNIN_CLOSED
            )
            return meeting_post(post.kind, data, renderer, late) if data else None
        if post.kind in TASK_POSTS:
            task_data = await announcements.task_announcement(
                self.deps, announcements.subject_id(post), post.params.get("week", 0)
            )
            if task_data is None or task_data.task.finished:
                return None
            overdue_points = self.deps.rules.value(PointReason.TASK_OVERDUE)
            return task_post(post.kind, task_data, renderer, late, overdue_points)
        if post.kind in CLOSING_POSTS:
            closing = await closing_service.decision_list(self.deps, announcements.subject_id(post))
            reply = closing_post(post.kind, closing, renderer) if closing else None
            if reply is not None and late:
                reply = Reply(late_prefix(renderer) + reply.text, reply.buttons, reply.subject)
            return reply
        if post.kind is PostKind.YEAR_END:
            found = self.deps.org.chat_context(post.chat)
            if found is None:
                return None  # a chat no longer in the config: nothing to post there
            year = int(post.params["year"])
            snapshot = await ledger_snapshot(self.deps, year, now, found.branch)
            from sanhui_bot.exports.files import ledger_files_off_loop  # loaded for the year's first workbook

            [workbook] = await ledger_files_off_loop(snapshot, "xlsx", self.deps.org, now)
            reply = year_end_post(found.branch, year, snapshot.evaluation, workbook, renderer)
            return (
                Reply(
                    late_prefix(renderer) + reply.text, subject=reply.subject, attachments=reply.attachments
                )
                if late
                else reply
            )
        school = self.deps.org.school
        if post.kind is PostKind.MONTH_END and school is not None and post.chat == school.chat:
            period = Period(post.params["year"], PeriodKind.MONTH, post.params["month"])
            month_end = await school_month_end(self.deps, period, now)
            prefix = late_prefix(renderer) if late else ""
            text = render_school_report(
                school.name,
                period,
                month_end.standings,
                renderer,
                month_end.quarter,
                month_end.quarter_missing,
            )
            return Reply(
                prefix + text,
                subject=post.subject,
                attachments=_school_picture(school.name, month_end, renderer),
            )
        if post.kind is PostKind.MONTH_END:
            if summary is None:
                summary = await summaries.month_summary(
                    self.deps, post.chat, post.params["year"], post.params["month"], now
                )
            prefix = late_prefix(renderer) if late else ""
            return Reply(
                prefix + render_summary(summary, renderer),
                subject=post.subject,
                attachments=_summary_picture(summary, renderer),
            )
        raise ValueError(f"unknown post kind {post.kind}")


def _summary_picture(summary: summaries.Summary, renderer: Renderer) -> tuple[Attachment, ...]:
    """The month-end chart for the branch chat's summary; none when no CJK font is installed."""
    if not isinstance(summary, summaries.BranchSummary):
        # One picture per branch: the 积分公示栏 of the branch chat shows every member and group;
        # a group's or the committee's summary is short enough as text, and a district of hundreds
        # of chats would otherwise draw hundreds of pictures at every month's end.
        return ()
    try:
        chart = month_chart(summary, renderer)
    except ChartUnavailable as error:
        log.warning("month-end summary goes without its picture: %s", error)  # the text is complete
        return ()
    name = f"summary-{summary.year}-{summary.month:02d}.png"
    return (Attachment(name, chart.png, PNG_MIME),)


def _school_picture(school: str, month_end: SchoolMonthEnd, renderer: Renderer) -> tuple[Attachment, ...]:
    """The 党委's month-end chart; none when no CJK font is installed (the text is complete without)."""
    title = renderer.t(
        "school_chart_title", school=school, period_name=period_name(month_end.period, renderer)
    )
    try:
        chart = school_chart(month_end.standings, title, renderer)
    except ChartUnavailable as error:
        log.warning("school month-end summary goes without its picture: %s", error)
        return ()
    name = f"school-{month_end.period.year}-{month_end.period.number:02d}.png"
    return (Attachment(name, chart.png, PNG_MIME),)


def _attachments_payload(reply: Reply) -> dict[str, list[dict[str, str]]]:
    """Attachments for the outbox's JSON payload (base64), so the row holds exactly what is sent."""
    if not reply.attachments:
        return {}
    return {
        "attachments": [
            {"filename": a.filename, "mime": a.mime, "data": base64.b64encode(a.data).decode("ascii")}
            for a in reply.attachments
        ]
    }


def _attachments_of(payload: dict) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(item["filename"], base64.b64decode(item["data"]), item["mime"])
        for item in payload.get("attachments", [])
    )
