"""The console adapter: the bot in a terminal, one stdin line at a time, on a simulated clock.

Lines (DESIGN.md §5): `USER@CHAT: TEXT`, `:clock 2026-03-26T15:00`, `:press USER@CHAT MSG N`, `:quit`;
and `:scan USER@CHAT N`, USER scanning the QR code on meeting N's 签到大屏 (issue 18).
Each post prints as `--- CHAT #MSG`, its text, and a line of buttons `[1] 参加 [2] 请假 …`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sanhui_bot.adapters.conversation import Conversation, Incoming
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.render.catalog import message
from sanhui_bot.render.replies import Reply
from sanhui_bot.services import signin_codes

log = logging.getLogger(__name__)

PLATFORM = "console"
SAY = re.compile(r"^(?P<user>[^@\s:]+)@(?P<chat>[^:\s]+)\s*[:：]\s?(?P<text>.*)$", re.DOTALL)
PRESS = re.compile(r"^:press\s+(?P<user>[^@\s]+)@(?P<chat>\S+)\s+#?(?P<message>\d+)\s+(?P<button>\d+)\s*$")
CLOCK = re.compile(r"^:clock\s+(?P<when>\S+)\s*$")
SCAN = re.compile(r"^:scan\s+(?P<user>[^@\s]+)@(?P<chat>\S+)\s+#?(?P<meeting>\d+)\s*$")

# Called with (from, to) when the clock is moved; it steps the clock through every due moment.
ClockListener = Callable[[datetime, datetime], Awaitable[None]]


class SimulatedClock:
    """The console's clock: it only moves when told to, and never backwards."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance_to(self, moment: datetime) -> None:
        if moment < self.now:
            raise ValueError("the clock only moves forward")
        self.now = moment


class ConsoleChat:
    """Reads script lines, feeds them to the conversation, prints every post."""

    platform = PLATFORM

    def __init__(
        self,
        conversation: Conversation,
        clock: SimulatedClock,
        tz: ZoneInfo,
        out: TextIO,
        on_clock: ClockListener | None = None,
        after_line: Callable[[datetime], Awaitable[object]] | None = None,
        files: Path | None = None,
    ) -> None:
        self.conversation = conversation
        self.clock = clock
        self.tz = tz
        self.out = out
        self.on_clock = on_clock
        # Posts a command causes (a 决议清单 after /close) go out right after its reply.
        self.after_line = after_line
        # Attachments (/export, /minutes, the month-end chart) are written here and their path printed.
        self.files = files
        # (user, chat) -> the `/rsvp N leave` a 请假 press asked a reason for: the person's next
        # line in that chat is the reason, as a reply to the question is on Telegram and Matrix.
        self.leave_questions: dict[tuple[str, str], str] = {}

    async def run(self, lines: Iterable[str]) -> None:
        """Handle lines until `:quit` or the end of input."""
        for raw in lines:
            line = raw.rstrip("\n")
            if line.strip() == ":quit":
                break
            try:
                await self.handle_line(line)
            except Exception as error:  # e.g. the disk is full: say so, keep reading (issue 13)
                log.error("failed to handle the console line %r", line, exc_info=error)
                first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
                self._note(f"抱歉，这一行没能处理完（{first_line}）；请稍后再试，已确认的内容都已保存。")

    async def handle_line(self, line: str) -> None:
        """Handle one script line; a line that fits no form gets a note saying which forms there are."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return
        if stripped.startswith(":clock"):
            await self._clock(stripped)
        elif stripped.startswith(":press"):
            await self._press(stripped)
        elif stripped.startswith(":scan"):
            await self._scan(stripped)
        elif match := SAY.match(stripped):
            await self._say(match["user"], match["chat"], match["text"])
        else:
            self._note(
                "无法理解这一行。格式：USER@CHAT: 文本 | :clock 2026-03-26T15:00 | :press USER@CHAT 消息号 按钮号"
                " | :scan USER@CHAT 会议号 | :quit"
            )

    async def _say(self, user: str, chat: str, text: str) -> None:
        """USER writes TEXT in CHAT."""
        asked = self.leave_questions.pop((user, chat), None)
        if asked is not None and not text.lstrip().startswith(("/", "!")):
            text = f"{asked} {text.strip()}"  # the answer to the leave question is the reason
        incoming = Incoming(platform=PLATFORM, user=user, chat=chat, chat_platform_id=chat, text=text)
        for reply in await self.conversation.handle_text(incoming, self.clock.now):
            await self.post(reply.chat or chat, reply)
        if self.after_line is not None:
            await self.after_line(self.clock.now)

    async def _scan(self, line: str) -> None:
        """USER scans meeting N's 签到大屏 with the phone: `/signin N <the code it shows now>`, as the
        QR code's link sends it; with no code on the screen (an online meeting, sign-in not open) a bare
        `/signin N`, which gets the same answer as typing it."""
        match = SCAN.match(line)
        if match is None:
            self._note("扫码格式：:scan USER@CHAT 会议号，例如 :scan liuyang@g-math 17")
            return
        meeting = int(match["meeting"])
        code = await signin_codes.code_on_screen(self.conversation.deps, meeting, self.clock.now)
        await self._say(
            match["user"], match["chat"], f"/signin {meeting} {code}" if code else f"/signin {meeting}"
        )

    def serves(self, chat: str) -> bool:
        """The console shows every chat."""
        return True

    async def post(self, chat: str, reply: Reply) -> str:
        """Print a post under the next message number and remember its buttons; return the number."""
        try:
            async with self.conversation.deps.uow() as uow:
                number = await uow.messages.next_console_number()
                await uow.commit()
        except Exception as error:
            # No number can be stored (a full disk): the reply, often the apology, is shown anyway.
            log.error("cannot number the console post to %s: %r", chat, error)
            print(f"--- {chat} #?", file=self.out)
            print(reply.text, file=self.out)
            self.out.flush()
            raise
        print(f"--- {chat} #{number}", file=self.out)
        print(reply.text, file=self.out)
        if reply.buttons:
            print(
                " ".join(f"[{n}] {button.label}" for n, button in enumerate(reply.buttons, 1)), file=self.out
            )
        for attachment in reply.attachments:
            if self.files is None:
                print(f"[附件 {attachment.filename}, {len(attachment.data)} bytes]", file=self.out)
                continue
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / f"{number}-{attachment.filename}"
            path.write_bytes(attachment.data)
            print(f"[附件 {path}, {len(attachment.data)} bytes]", file=self.out)
        await self.conversation.remember(PLATFORM, chat, str(number), reply, self.clock.now)
        self.out.flush()
        return str(number)

    async def _clock(self, line: str) -> None:
        match = CLOCK.match(line)
        moment = parse_local_time(match["when"], self.tz) if match else None
        if moment is None:
            self._note("时间格式：:clock 2026-03-26T15:00（本地时间）")
            return
        before = self.clock.now
        if moment < before:
            self._note(f"时钟只能向前拨：现在是 {before.astimezone(self.tz):%Y-%m-%dT%H:%M}")
            return
        if self.on_clock is not None:
            await self.on_clock(before, moment)
        self.clock.advance_to(moment)

    async def _press(self, line: str) -> None:
        match = PRESS.match(line)
        if match is None:
            self._note("按钮格式：:press USER@CHAT 消息号 按钮号，例如 :press liuyang@g-math 3 1")
            return
        command = await self._button_command(match["chat"], match["message"], int(match["button"]))
        if command is not None and _needs_reason(command, self.clock.now.astimezone(self.tz).date()):
            # 请假 needs a reason: ask for it, as Telegram and Matrix do, instead of refusing the press
            key = (match["user"], match["chat"])
            self.leave_questions[key] = command
            language = self.conversation.language
            names = (await self.conversation.renderer()).names
            question = message(
                "console_leave_prompt",
                language,
                name=names.get(match["user"], match["user"]),
                user=match["user"],
                chat=match["chat"],
            )
            await self.post(match["chat"], Reply(question))
            return
        replies = await self.conversation.handle_press(
            PLATFORM,
            match["user"],
            match["chat"],
            match["chat"],
            match["message"],
            int(match["button"]),
            self.clock.now,
        )
        for reply in replies:
            await self.post(reply.chat or match["chat"], reply)
        if self.after_line is not None:
            await self.after_line(self.clock.now)

    async def _button_command(self, chat: str, message_id: str, button: int) -> str | None:
        async with self.conversation.deps.uow() as uow:
            posted = await uow.messages.find(PLATFORM, chat, message_id)
        if posted is None or not 1 <= button <= len(posted.buttons):
            return None
        return posted.buttons[button - 1][1]

    def _note(self, text: str) -> None:
        print(f"# {text}", file=self.out)
        self.out.flush()


def _needs_reason(command: str, today: object) -> bool:
    """A button that asks for leave without a reason (`/rsvp 12 leave`): the reason is asked first."""
    parsed = parse_command(command, today)  # type: ignore[arg-type]
    return isinstance(parsed, cmds.ParseError) and parsed.code == "leave_needs_reason"


def parse_local_time(text: str, tz: ZoneInfo) -> datetime | None:
    """An ISO time; without an offset it is local time in `tz`. None if it is not a time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment
