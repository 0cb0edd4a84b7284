"""Pure translations between Telegram's shapes and the bot's: mentions, keyboards, long texts.

Kept free of I/O so each rule has its own small test (tests/telegram/test_translate.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, WebAppInfo

from sanhui_bot.adapters.telegram.callback_data import encode_button
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.render.replies import Button

# Telegram counts lengths in UTF-16 code units (an emoji outside the BMP counts 2), not code points.
MESSAGE_LIMIT = 4096  # the longest text message
CAPTION_LIMIT = 1024  # a photo's caption
TOAST_LIMIT = 200  # answerCallbackQuery text
BUTTONS_PER_ROW = 3

# What ends a mention for the command parser (see commands.parser._MENTION): no spaces or punctuation.
_MENTION_BREAKS = re.compile(r"[\s@,;:、。()\[\]<>!?\"'“”‘’，；：]+")


def _utf16_slice(text: str, offset: int, length: int) -> tuple[int, int]:
    """Python string positions of a Telegram entity (whose offset and length count UTF-16 units)."""
    units = 0
    start = end = len(text)
    for position, char in enumerate(text):
        if units == offset:
            start = position
        if units == offset + length:
            end = position
            break
        units += 2 if ord(char) > 0xFFFF else 1
    return start, end


def with_mentions(text: str, entities: Sequence[MessageEntity]) -> tuple[str, dict[str, str]]:
    """The text as the command parser reads it, and mention text -> Telegram user id.

    A text_mention (a name linked to a person who has no @username) carries no "@" in the text;
    it is written as "@name" here, so `/decision 方案 刘洋 截止:3月20日` with 刘洋 linked works
    like `@刘洋`, and the linked user id decides who is meant, not the name.
    """
    mentions: dict[str, str] = {}
    pieces: list[str] = []
    cursor = 0
    linked = sorted(
        (e for e in entities if e.type == MessageEntity.TEXT_MENTION and e.user is not None),
        key=lambda e: e.offset,
    )
    for entity in linked:
        start, end = _utf16_slice(text, entity.offset, entity.length)
        if start < cursor or start >= end:
            continue  # overlapping or empty: leave it as written
        name = _MENTION_BREAKS.sub("", text[start:end]) or f"tg{entity.user.id}"  # type: ignore[union-attr]
        pieces.append(text[cursor:start])
        already_at = start > 0 and text[start - 1] == "@"
        pieces.append(name if already_at else f"@{name}")
        mentions[name] = str(entity.user.id)  # type: ignore[union-attr]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), mentions


def usernames_mentioned(text: str, entities: Sequence[MessageEntity]) -> list[str]:
    """The @usernames a message mentions (Telegram's plain `mention` entities), without the "@".

    Such an entity carries no user, only the name; the platform maps the names it has seen people
    use back to their ids (see TelegramPlatform), so `@liu_yang` reaches the roster member 刘洋.
    """
    names = []
    for entity in entities:
        if entity.type != MessageEntity.MENTION:
            continue
        start, end = _utf16_slice(text, entity.offset, entity.length)
        name = text[start:end].removeprefix("@")
        if name and name not in names:
            names.append(name)
    return names


def addressed_to_other_bot(text: str, bot_username: str | None) -> bool:
    """`/help@OtherBot` in a group with several bots is for the other bot."""
    head = text.lstrip().split(maxsplit=1)[0] if text.strip() else ""
    if not head.startswith("/") or "@" not in head or bot_username is None:
        return False
    return head.partition("@")[2].casefold() != bot_username.lstrip("@").casefold()


@functools.lru_cache(maxsize=256)
def _parsed(text: str, today: date) -> cmds.Command | cmds.ParseError | cmds.NotACommand:
    """The line as the parser reads it without mentions: the handlers' filters and checks ask about
    the same line several times (an /export? a command at all? a leave without reason?)."""
    return parse_command(text, today)


def is_command(text: str, today: date) -> bool:
    """Whether the line is meant for the bot (a command or a mistyped one), not ordinary chat."""
    return not isinstance(_parsed(text, today), cmds.NotACommand)


def asks_for_export(text: str, today: date) -> bool:
    """Whether the line is an /export (well written or not), whose files take a while to write."""
    parsed = _parsed(text, today)
    return isinstance(parsed, cmds.ExportLedger) or (
        isinstance(parsed, cmds.ParseError) and parsed.command == "export"
    )


def needs_reason(command: str, today: date) -> bool:
    """A button that asks for leave without a reason: the bot must ask for the reason first."""
    parsed = _parsed(command, today)
    return isinstance(parsed, cmds.ParseError) and parsed.code == "leave_needs_reason"


def task_ids(buttons: Sequence[Button], today: date) -> set[int]:
    """The tasks a message's buttons act on (a task reminder has 认领/完成/评价 buttons)."""
    found: set[int] = set()
    for button in buttons:
        parsed = parse_command(button.command, today)
        if isinstance(parsed, cmds.ClaimTask | cmds.CompleteTask | cmds.RateTask):
            found.add(parsed.task_id)
    return found


def keyboard(
    buttons: Sequence[Button], ledger: InlineKeyboardButton | None = None
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for the buttons, each carrying its checked position (see callback_data).

    `ledger`, the 台账 page button, goes on a row of its own after them (it carries no callback data).
    """
    if not buttons and ledger is None:
        return None
    keys = [
        InlineKeyboardButton(button.label, callback_data=encode_button(index, button.command))
        for index, button in enumerate(buttons, start=1)
    ]
    rows = [keys[start : start + BUTTONS_PER_ROW] for start in range(0, len(keys), BUTTONS_PER_ROW)]
    if ledger is not None:
        rows.append([ledger])
    return InlineKeyboardMarkup(rows)


def utf16_length(text: str) -> int:
    """The length Telegram measures: UTF-16 code units (a character beyond U+FFFF counts twice)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _cut_at(text: str, limit: int) -> int:
    """The largest prefix length (in code points) of `text` whose UTF-16 length is within `limit`."""
    units = 0
    for position, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return position
    return len(text)


def ledger_button(label: str, web_url: str | None, chat_id: int, subject: str) -> InlineKeyboardButton | None:
    """The 台账 button under a notice or task card when the web view is on: in a private chat it opens
    the Mini App (Telegram signs who opened it), in a group a plain link (Mini Apps open from private
    chats only)."""
    if web_url is None or not subject.startswith(("meeting:", "task:")):
        return None
    if chat_id > 0:
        return InlineKeyboardButton(label, web_app=WebAppInfo(f"{web_url}/tg"))
    return InlineKeyboardButton(label, url=f"{web_url}/")


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A long text (a month's 积分公示栏) in messages Telegram accepts, split between lines.

    `limit` counts UTF-16 units as Telegram does; only a single line longer than a whole message is
    cut inside, and never between the two halves of a surrogate pair.
    """
    if utf16_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_length(line) > limit:  # one enormous line: cut it hard
            if current:
                parts.append(current)
                current = ""
            cut = _cut_at(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if utf16_length(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def fit_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The text cut to one message (an edit cannot become two), ending in "…" when shortened."""
    if utf16_length(text) <= limit:
        return text
    return text[: _cut_at(text, limit - 1)] + "…"


def toast(text: str) -> str:
    """A reply shortened to what a button's pop-up answer can show."""
    return fit_text(text, TOAST_LIMIT)


def display_name(first_name: str, last_name: str | None) -> str:
    """A person's name as Telegram shows it."""
    return f"{first_name} {last_name}".strip() if last_name else first_name


def chat_id_of(chats: Mapping[str, Mapping[str, str]], chat: str) -> int | None:
    """The Telegram id of a config chat key, if the chat is on Telegram."""
    value = chats.get(chat, {}).get("telegram")
    return int(value) if value is not None else None
