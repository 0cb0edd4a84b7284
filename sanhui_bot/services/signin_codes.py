"""The 签到大屏 (issue 18): the rotating code a meeting's screen shows, who may open it, and the secret.

The code's secret is one per deployment, made at random the first time it is needed and kept in
`platform_state` (namespace "signin"), so every instance sharing the database shows and accepts the
same codes; it is never logged or exported.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.domain.attendance import may_record
from sanhui_bot.domain.errors import DomainError, PermissionDenied
from sanhui_bot.domain.model import Actor, ChatContext, Meeting, MeetingStatus, SignIn, SignInMethod
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.quorum import expected_members
from sanhui_bot.domain.signin_codes import ShownCode, code_accepted, shown_code, signin_method
from sanhui_bot.services.deps import Deps, meeting_in_branch, require_chat
from sanhui_bot.services.ports import UnitOfWork

SIGNIN = "signin"  # the platform_state namespace
SECRET_KEY = "code_secret"


@dataclass(frozen=True, slots=True)
class SigninScreen:
    """What the 签到大屏 shows now: the code while sign-in is open, and who has signed in so far."""

    meeting: Meeting
    code: ShownCode | None  # None before the sign-in window opens and after the meeting ends
    opens_at: datetime
    expected: list[str]
    signed: list[SignIn]


async def code_secret(uow: UnitOfWork) -> bytes:
    """The deployment's code secret, made on first use (the caller commits)."""
    stored = await uow.platform_state.get(SIGNIN, SECRET_KEY)
    if stored is None:
        stored = secrets.token_hex(32)
        await uow.platform_state.set(SIGNIN, SECRET_KEY, stored)
    return bytes.fromhex(stored)


def meeting_signin_method(deps: Deps, meeting: Meeting) -> SignInMethod:
    """How members sign in to this meeting: its own way (online), else [schedule]'s for its kind."""
    return signin_method(meeting, deps.signin_methods)


async def check_code(uow: UnitOfWork, deps: Deps, meeting: Meeting, code: str, now: datetime) -> None:
    """Refuse a code that is not the meeting's current one or the one just before it."""
    secret = await code_secret(uow)
    if not code_accepted(secret, meeting.id or 0, code, now, deps.signin_code_seconds):
        raise DomainError("signin_code_wrong", meeting=meeting.id)


def _require_screen(actor: Actor, meeting: Meeting) -> None:
    """DESIGN §1: who records a meeting's attendance opens its screen (secretary, deputy, 纪检委员; a
    group leader for the own group's meeting)."""
    member = require(actor, Action.SIGNIN_SCREEN)
    if not may_record(member, meeting):
        raise PermissionDenied("not_your_group", group=meeting.unit)


async def signin_screen(
    deps: Deps, actor: Actor, ctx: ChatContext | None, meeting_id: int, now: datetime
) -> SigninScreen:
    """The 签到大屏 of a meeting signed in with a code (`/signin screen N`, the page and its updates)."""
    chat = require_chat(ctx)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, meeting_id)
        _require_screen(actor, meeting)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if meeting.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held", meeting=meeting.id)
        if meeting_signin_method(deps, meeting) is not SignInMethod.CODE:
            raise DomainError("signin_screen_online", meeting=meeting.id)
        opens_at = meeting.signin_opens_at(deps.signin_lead)
        code = None
        if meeting.in_session(now, deps.signin_lead):
            secret = await code_secret(uow)
            code = shown_code(secret, meeting.id or 0, now, deps.signin_code_seconds)
        roster = await deps.roster_of(uow, meeting)
        expected = [member.key for member in expected_members(meeting, roster)]
        signed = await uow.attendance.signins(meeting.id or 0)
        await uow.commit()
    return SigninScreen(meeting, code, opens_at, expected, signed)


async def code_on_screen(deps: Deps, meeting_id: int, now: datetime) -> str | None:
    """The code meeting N's 签到大屏 shows at `now`, None when it shows none (an online meeting, outside
    the sign-in window): what a phone scanning it reads. The console's `:scan` simulates that scan;
    it learns nothing a person in the room could not read off the screen."""
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        if meeting is None or meeting_signin_method(deps, meeting) is not SignInMethod.CODE:
            return None
        if not meeting.in_session(now, deps.signin_lead):
            return None
        secret = await code_secret(uow)
        await uow.commit()
    return shown_code(secret, meeting_id, now, deps.signin_code_seconds).code
