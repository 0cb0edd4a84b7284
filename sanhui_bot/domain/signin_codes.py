"""The 签到大屏's rotating code (issue 18): six digits that prove the member is in the room.

A code is an HMAC of the meeting's id and the time step under a secret of the deployment, so it
cannot be guessed from earlier codes, and a code of one meeting never works for another (the id is
in the message). The time step comes in as an argument: this module never reads a clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sanhui_bot.domain.model import Meeting, MeetingKind, SignInMethod

CODE_DIGITS = 6
ACCEPTED_STEPS_BACK = 1  # the current code or the one just before it (a member reading it as it turns)
DEEP_LINK_PREFIX = "signin_"  # Telegram `/start signin_<meeting>_<code>` (start parameters: [A-Za-z0-9_-])
_DEEP_LINK = re.compile(r"signin_(\d{1,9})_(\d{6})")


@dataclass(frozen=True, slots=True)
class ShownCode:
    """The code a screen shows now, and until when."""

    code: str
    step: int
    valid_until: datetime  # the moment the screen turns to the next code


def time_step(now: datetime, step_seconds: int) -> int:
    """The number of the `step_seconds`-long period `now` falls in (counted from the Unix epoch)."""
    if step_seconds <= 0:
        raise ValueError("step_seconds must be positive")
    return int(now.timestamp()) // step_seconds


def signin_code(secret: bytes, meeting_id: int, step: int) -> str:
    """The six digits of a meeting at one time step: HMAC-SHA256 truncated as HOTP does (RFC 4226 §5.3)."""
    digest = hmac.new(secret, f"signin:{meeting_id}:{step}".encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def shown_code(secret: bytes, meeting_id: int, now: datetime, step_seconds: int) -> ShownCode:
    """What the meeting's screen shows at `now`."""
    step = time_step(now, step_seconds)
    until = datetime.fromtimestamp((step + 1) * step_seconds, UTC)
    return ShownCode(signin_code(secret, meeting_id, step), step, until)


def code_accepted(secret: bytes, meeting_id: int, code: str, now: datetime, step_seconds: int) -> bool:
    """Whether `code` is this meeting's current code or the one just before it."""
    step = time_step(now, step_seconds)
    return any(
        hmac.compare_digest(code, signin_code(secret, meeting_id, step - back))
        for back in range(ACCEPTED_STEPS_BACK + 1)
    )


def signin_method(meeting: Meeting, by_kind: Mapping[MeetingKind, SignInMethod]) -> SignInMethod:
    """How members sign in to the meeting: its own way (an online meeting: the button), else its kind's."""
    return meeting.signin or by_kind.get(meeting.kind, SignInMethod.CODE)


def deep_link_payload(meeting_id: int, code: str) -> str:
    """The `start` parameter of the Telegram deep link the screen's QR code opens."""
    return f"{DEEP_LINK_PREFIX}{meeting_id}_{code}"


def parse_deep_link_payload(payload: str) -> tuple[int, str] | None:
    """(meeting id, code) of a `signin_<meeting>_<code>` start parameter, None for anything else."""
    found = _DEEP_LINK.fullmatch(payload.strip())
    return (int(found[1]), found[2]) if found else None
