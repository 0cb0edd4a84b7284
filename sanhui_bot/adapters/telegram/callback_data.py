"""Button data: which button of a message was pressed, checked against what the button stood for.

Telegram echoes a button's `callback_data` back when it is pressed, but a modified client can send
any data for any message, and a keyboard shown before an edit can still be pressed. So the data
names the button's position and a short digest of the command it stood for when it was sent; a
press is honoured only if the message the bot remembers still has that command at that position.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

VERSION = "b1"
_DATA = re.compile(r"b1:(?P<index>[1-9][0-9]?):(?P<digest>[0-9a-f]{10})")
MAX_BUTTONS = 99


@dataclass(frozen=True, slots=True)
class ButtonPress:
    index: int  # 1-based position of the button under the message
    digest: str  # command_digest of the command it stood for


def command_digest(command: str) -> str:
    """A short fingerprint of a button's command text."""
    return hashlib.sha256(command.encode("utf-8")).hexdigest()[:10]


def encode_button(index: int, command: str) -> str:
    """The callback_data for the button at 1-based `index` standing for `command` (≤ 64 bytes)."""
    if not 1 <= index <= MAX_BUTTONS:
        raise ValueError(f"button index {index} out of range")
    return f"{VERSION}:{index}:{command_digest(command)}"


def decode_button(data: str | None) -> ButtonPress | None:
    """The press the data stands for, or None for data this bot never made."""
    if not data:
        return None
    found = _DATA.fullmatch(data)
    if found is None:
        return None
    return ButtonPress(int(found["index"]), found["digest"])


def press_matches(press: ButtonPress, commands: list[str]) -> bool:
    """Whether the remembered buttons still have the pressed command at the pressed position."""
    return press.index <= len(commands) and command_digest(commands[press.index - 1]) == press.digest
