"""Edits of the bot's messages in place, coalesced: one implementation for every platform (issue 15).

A message showing a subject (a meeting's notice and its tally, a task card) is edited at most once
every `edit_interval_seconds` of the platform: the first change edits it at once (with what the
update computed, in its transaction), faster ones are shown by one edit after the interval, made
from what the data shows then, so the last tally is always shown. The change marks the subject as
waiting for an edit in the update's transaction (`Conversation.handle`, PENDING_EDIT), and the mark
is cleared once an edit has shown it: a stop or crash inside the interval loses no edit, the next
start makes it. A platform gives only how to edit one message (`EditMessage`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from datetime import datetime
from typing import Any

from sanhui_bot.adapters.conversation import Conversation, Handled, View
from sanhui_bot.render.replies import Reply
from sanhui_bot.services.ports import PostedMessage

log = logging.getLogger(__name__)

SHOWN_REMEMBERED = 2000  # edited messages whose last text this process keeps
# The marks of edits made are cleared together this long after the first (or when the platform
# settles): not in a transaction of their own right after each edit, which the next update would wait
# for. A mark left by a crash only makes one edit again after the start, to what the message shows.
MARKS_CLEARED_AFTER = 0.5

# Make one message show a view; False if the platform refused (its mark then stays, for a later try).
EditMessage = Callable[[PostedMessage, Reply], Awaitable[bool]]


def _looks(view: Reply) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What a message shows, to tell an edit that would change nothing (an answer given again)."""
    return view.text, tuple((button.label, button.command) for button in view.buttons)


class NoticeEdits:
    """One platform's in-place edits: claimed inside updates, made one at a time, coalesced per subject."""

    def __init__(
        self,
        conversation: Conversation,
        platform: str,
        interval: Callable[[], float],
        edit: EditMessage,
        clock: Callable[[], datetime],
    ) -> None:
        self.conversation = conversation
        self.platform = platform
        self._interval = interval  # read at each claim: the platform's config may be replaced
        self._edit_message = edit
        self._clock = clock
        self._background: set[asyncio.Task[None]] = set()
        # Edits are made one at a time, in the order the updates asked for them.
        self._edit_lock = asyncio.Lock()
        # subject -> loop time of its last edit, at most one per interval; the subjects with an edit
        # waiting for its interval (their task), and those changed again while that edit was made.
        self._last_edit: dict[str, float] = {}
        self._trailing: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._done_marks: dict[str, str] = {}  # subject -> the mark an edit has shown, to be cleared
        self._clearing = False
        self._clear_now = asyncio.Event()
        # (chat key, message id) -> what this process last made it show: an edit that would change
        # nothing is not sent. Edits come from the updates, so from the one process receiving them.
        self._shown: dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]] = {}

    @property
    def waiting(self) -> Mapping[str, asyncio.Task[None]]:
        """The subjects whose edit waits for its interval (their task)."""
        return self._trailing

    def claim(self, subject: str) -> bool:
        """Whether the messages showing `subject` may be edited now: no edit of them in the last
        interval and none waiting. If so, the interval starts now (the `ClaimEdit` of `Conversation.handle`)."""
        now = asyncio.get_running_loop().time()
        interval = self._interval()
        last = self._last_edit.get(subject)
        if subject in self._trailing or (last is not None and now - last < interval):
            return False
        if len(self._last_edit) > SHOWN_REMEMBERED:  # forget subjects whose interval has long passed
            self._last_edit = {key: at for key, at in self._last_edit.items() if at > now - interval}
        self._last_edit[subject] = now
        return True

    def show(self, handled: Handled) -> None:
        """After an update: its edits now, and an edit after the interval for the subjects that had
        one too recently; each shows the last state, however many answers came. Called just before
        the update's answer is sent, so the edits go out beside it rather than one round trip later
        (the answer's request starts first: the edits wait for the loop)."""
        if handled.views:
            self._spawn(self._edit_views(handled.views, handled.marks, handled.later))
        for subject in handled.later:
            self.refresh(subject)

    def refresh(self, subject: str) -> None:
        """Edit the messages showing `subject` once its interval since the last edit has passed (at
        once if it has): for a change made elsewhere (the web view), or one waiting from before the start."""
        if subject in self._trailing:
            self._again.add(subject)  # its waiting edit may have read the data already: one more
            return
        task = asyncio.get_running_loop().create_task(self._edit_after_interval(subject))
        self._trailing[subject] = task
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def resume(self) -> None:
        """At start: make the edits that waited for their interval, or that a stop interrupted."""
        self._spawn(self._edit_pending())

    async def settled(self) -> None:
        """Wait until the edits asked for so far are made and their marks cleared."""
        while self._background:
            self._clear_now.set()
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def _edit_after_interval(self, subject: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                last = self._last_edit.get(subject)
                if last is not None:
                    await asyncio.sleep(max(0.0, last + self._interval() - loop.time()))
                self._again.discard(subject)
                self._last_edit[subject] = loop.time()
                views, mark = await self.conversation.views_waiting(self.platform, subject)
                await self._edit_views(views, {subject: mark} if mark is not None else {})
                if subject not in self._again:
                    return
        except Exception:
            log.exception("failed to refresh the messages showing %s", subject)
        finally:
            self._trailing.pop(subject, None)

    async def _edit_pending(self) -> None:
        try:
            for subject in await self.conversation.pending_edits(self.platform):
                self.refresh(subject)
        except Exception:
            log.exception("failed to read the edits waiting from before the start")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _edit_views(
        self, views: Sequence[View], marks: Mapping[str, str], later: Collection[str] = ()
    ) -> None:
        """Edit each message to show its view; then the marks of the subjects all shown are cleared
        (not those of `later`: theirs waits for an edit after the interval)."""
        async with self._edit_lock:
            failed = {posted.subject for posted, view in views if not await self._edit(posted, view)}
            done = {subject: mark for subject, mark in marks.items() if subject not in failed | set(later)}
        self._done_marks.update(done)
        if self._done_marks and not self._clearing:
            self._clearing = True
            self._spawn(self._clear_marks())

    async def _clear_marks(self) -> None:
        """Clear the marks of the edits made (see MARKS_CLEARED_AFTER)."""
        try:
            async with asyncio.timeout(MARKS_CLEARED_AFTER):
                await self._clear_now.wait()
        except TimeoutError:
            pass
        self._clear_now.clear()
        marks, self._done_marks, self._clearing = self._done_marks, {}, False
        await self.conversation.edited(self.platform, marks)

    async def _edit(self, posted: PostedMessage, view: Reply) -> bool:
        """Make one message show `view` (not sent if this process made it show that already); a
        message whose buttons changed (a task's next step) is remembered with its new ones."""
        looks = _looks(view)
        if self._shown.get((posted.chat, posted.message_id)) == looks:
            return True
        try:
            if not await self._edit_message(posted, view):
                return False
        except Exception:
            log.exception("failed to edit %s in %s", posted.message_id, posted.chat)
            return False
        self._shown[(posted.chat, posted.message_id)] = looks
        if len(self._shown) > SHOWN_REMEMBERED:
            del self._shown[next(iter(self._shown))]  # the oldest
        if [command for _, command in posted.buttons] != [button.command for button in view.buttons]:
            await self.conversation.remember(
                self.platform, posted.chat, posted.message_id, view, self._clock()
            )
        return True
