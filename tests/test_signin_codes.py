"""Sign-in that proves presence (issue 18): the 签到大屏's rotating code, who may open the screen, and
every refusal, on SQLite and PostgreSQL through the store fixtures.

The branch signs in as the product does by default (`[schedule] signin = "code"`), unlike the other
tests' branch. The meeting is math's 党小组会 of Thursday 2026-03-05 14:30-15:30; sign-in is open
from 14:00. Expected there: zhangwei (secretary), lihua, chenjing (math's group leader), liuyang and
hema; zhaolei is the 纪检委员, zhoumin grade10's group leader, xuqiang a member of grade10.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TEST_CONFIG, ChatDriver, local, meeting_on

from sanhui_bot.adapters.conversation import Incoming, WebEntry
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.commands import model as cmds
from sanhui_bot.config import Settings, parse_settings
from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.domain.errors import DomainError, PermissionDenied
from sanhui_bot.domain.model import MeetingKind, SignInMethod
from sanhui_bot.domain.signin_codes import (
    code_accepted,
    deep_link_payload,
    parse_deep_link_payload,
    shown_code,
    signin_code,
    time_step,
)
from sanhui_bot.render.announcements import meeting_post
from sanhui_bot.services import announcements, meetings, roster, signin_codes

OPEN = local("2026-03-05T14:31")  # in session
STEP = 30  # signin_code_seconds, the default
SECRET = b"k" * 32


@pytest.fixture
def settings() -> Settings:
    config = copy.deepcopy(TEST_CONFIG)
    config.pop("schedule")  # the product's defaults: every kind signs in with the code
    return parse_settings(config, "tests")


async def math_meeting(app: App) -> int:
    await plan_meetings(app, local("2026-03-01T08:00"))
    meeting = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-05")
    assert meeting.id is not None
    return meeting.id


async def sign_in(
    app: App, who: str, meeting: int, code: str | None, at: datetime, chat: str = "g-math"
) -> bool:
    """Sign in through the service as `who` writes it in `chat`; True when it is a new sign-in."""
    actor = await roster.identify(app.deps, "console", who)
    ctx = app.deps.org.chat_context(chat)
    result = await meetings.sign_in(app.deps, actor, ctx, cmds.SignIn(meeting, code), at)
    return result.new


async def refusal(app: App, who: str, meeting: int, code: str | None, at: datetime) -> str:
    with pytest.raises(DomainError) as refused:
        await sign_in(app, who, meeting, code, at)
    return refused.value.code


async def screen_code(app: App, meeting: int, at: datetime, who: str = "zhangwei") -> str:
    """The code the meeting's screen shows at `at`, as the secretary's screen gets it."""
    actor = await roster.identify(app.deps, "console", who)
    screen = await signin_codes.signin_screen(
        app.deps, actor, app.deps.org.chat_context("g-math"), meeting, at
    )
    assert screen.code is not None
    return screen.code.code


# --- the code itself (domain, no clock) ------------------------------------------------------------


def test_a_code_is_six_digits_that_change_with_the_step_and_the_meeting() -> None:
    step = time_step(OPEN, STEP)
    code = signin_code(SECRET, 12, step)
    assert len(code) == 6 and code.isdigit()
    assert signin_code(SECRET, 12, step) == code  # derived, not random
    assert signin_code(SECRET, 12, step + 1) != code
    assert signin_code(SECRET, 13, step) != code
    assert signin_code(b"other" * 8, 12, step) != code


def test_the_current_code_and_the_one_before_are_accepted_not_older_ones() -> None:
    now = datetime(2026, 3, 5, 6, 31, 10, tzinfo=UTC)
    shown = shown_code(SECRET, 12, now, STEP)
    assert shown.valid_until == datetime(2026, 3, 5, 6, 31, 30, tzinfo=UTC)
    assert code_accepted(SECRET, 12, shown.code, now, STEP)
    assert code_accepted(SECRET, 12, shown.code, now + timedelta(seconds=STEP), STEP)  # the one before
    assert not code_accepted(SECRET, 12, shown.code, now + timedelta(seconds=2 * STEP), STEP)
    assert not code_accepted(SECRET, 13, shown.code, now, STEP)  # another meeting's


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=2**40))
def test_codes_are_always_six_digits_and_deep_links_read_back(meeting: int, step: int) -> None:
    code = signin_code(SECRET, meeting, step)
    assert len(code) == 6 and code.isdigit()
    payload = deep_link_payload(meeting, code)
    assert len(payload) <= 64  # Telegram's limit for a start parameter
    assert parse_deep_link_payload(payload) == (meeting, code)


def test_other_start_parameters_are_not_sign_ins() -> None:
    for payload in ("", "signin_12", "signin_12_4829", "signin_x_482913", "hello", "signin_12_482913_x"):
        assert parse_deep_link_payload(payload) is None


# --- checking a code: every refusal --------------------------------------------------------------


async def test_the_screen_code_signs_in_and_is_stored_as_made_with_the_code(app: App) -> None:
    meeting = await math_meeting(app)
    code = await screen_code(app, meeting, OPEN)
    assert await sign_in(app, "liuyang", meeting, code, OPEN) is True
    async with app.deps.uow() as uow:
        [signed] = await uow.attendance.signins(meeting)
    assert (signed.member, signed.method, signed.recorded_by) == ("liuyang", SignInMethod.CODE, None)


async def test_the_code_just_before_is_accepted_and_one_two_rotations_old_is_refused(app: App) -> None:
    meeting = await math_meeting(app)
    code = await screen_code(app, meeting, OPEN)
    assert await sign_in(app, "liuyang", meeting, code, OPEN + timedelta(seconds=STEP))
    assert (
        await refusal(app, "hema", meeting, code, OPEN + timedelta(seconds=2 * STEP)) == "signin_code_wrong"
    )


async def test_a_wrong_code_is_refused_and_nothing_is_stored(app: App) -> None:
    meeting = await math_meeting(app)
    code = await screen_code(app, meeting, OPEN)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert await refusal(app, "liuyang", meeting, wrong, OPEN) == "signin_code_wrong"
    async with app.deps.uow() as uow:
        assert await uow.attendance.signins(meeting) == []


async def test_a_bare_signin_or_the_button_on_a_code_meeting_is_refused_with_a_hint(
    app: App, chat: ChatDriver
) -> None:
    meeting = await math_meeting(app)
    assert await refusal(app, "liuyang", meeting, None, OPEN) == "signin_needs_code"
    reply = await chat.say("liuyang", "g-math", f"/signin {meeting}", at=OPEN)
    assert f"/signin {meeting} 482913" in reply and f"/signin screen {meeting}" in reply  # how to do it


async def test_a_member_not_expected_is_refused_even_with_the_right_code(app: App) -> None:
    meeting = await math_meeting(app)
    code = await screen_code(app, meeting, OPEN)
    with pytest.raises(DomainError) as refused:
        await sign_in(app, "xuqiang", meeting, code, OPEN, chat="g-grade10")  # grade10, not math
    assert refused.value.code == "not_expected"


async def test_outside_the_sign_in_window_the_code_is_refused(app: App) -> None:
    meeting = await math_meeting(app)
    early = local("2026-03-05T13:59")
    late = local("2026-03-05T15:31")
    # A code made for those moments (the screen shows none then): the window refuses it, not the code.
    async with app.deps.uow() as uow:
        secret = await signin_codes.code_secret(uow)
        await uow.commit()
    for at, expected in ((early, "signin_not_open"), (late, "meeting_over")):
        code = shown_code(secret, meeting, at, STEP).code
        assert await refusal(app, "liuyang", meeting, code, at) == expected


async def test_a_code_of_one_meeting_never_signs_in_to_another(app: App) -> None:
    meeting = await math_meeting(app)
    other = await meeting_on(app, "math", MeetingKind.GROUP, "2026-03-19")
    later = local("2026-03-19T14:31")
    async with app.deps.uow() as uow:
        secret = await signin_codes.code_secret(uow)
        await uow.commit()
    # The first meeting's code at the very moment the other is in session.
    assert await refusal(
        app, "liuyang", other.id or 0, shown_code(secret, meeting, later, STEP).code, later
    ) == ("signin_code_wrong")
    assert await sign_in(
        app, "liuyang", other.id or 0, shown_code(secret, other.id or 0, later, STEP).code, later
    )


async def test_the_secret_is_made_once_and_kept(app: App) -> None:
    meeting = await math_meeting(app)
    first = await screen_code(app, meeting, OPEN)
    assert await screen_code(app, meeting, OPEN) == first
    async with app.deps.uow() as uow:
        stored = await uow.platform_state.get(signin_codes.SIGNIN, signin_codes.SECRET_KEY)
    assert stored is not None and len(bytes.fromhex(stored)) == 32


# --- online meetings and the config ----------------------------------------------------------------


async def test_a_meeting_made_online_signs_in_with_the_button(app: App, chat: ChatDriver) -> None:
    await plan_meetings(app, local("2026-03-01T08:00"))
    await chat.say(
        "zhangwei",
        "branch",
        "/meeting new congress 2026-03-10 15:30 线上 学习全会精神",
        at=local("2026-03-02T10:00"),
    )
    online = await meeting_on(app, "t1", MeetingKind.CONGRESS, "2026-03-10")
    assert online.signin is SignInMethod.BUTTON and online.title == "学习全会精神"
    assert await sign_in(app, "liuyang", online.id or 0, None, local("2026-03-10T15:31"), chat="branch")
    async with app.deps.uow() as uow:
        [signed] = await uow.attendance.signins(online.id or 0)
    assert signed.method is SignInMethod.BUTTON
    actor = await roster.identify(app.deps, "console", "zhangwei")
    with pytest.raises(DomainError) as refused:  # an online meeting has no screen
        await signin_codes.signin_screen(
            app.deps, actor, app.deps.org.chat_context("branch"), online.id or 0, local("2026-03-10T15:31")
        )
    assert refused.value.code == "signin_screen_online"


def test_signin_is_set_for_every_kind_and_per_kind() -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["schedule"] = {
        "signin": "code",
        "signin_code_seconds": 20,
        "group": {"weeks": [1, 3], "time": "14:30:00", "signin": "button"},
    }
    schedule = parse_settings(config, "tests").schedule
    assert [schedule.signin_for(kind.value) for kind in MeetingKind] == ["code", "code", "button", "code"]
    assert schedule.signin_code_seconds == 20
    defaults = parse_settings({k: v for k, v in TEST_CONFIG.items() if k != "schedule"}, "tests").schedule
    assert {defaults.signin_for(kind.value) for kind in MeetingKind} == {"code"}
    assert defaults.signin_code_seconds == 30


@pytest.mark.parametrize(
    "schedule",
    [
        {"signin": "qr"},
        {"signin_code_seconds": 5},
        {"group": {"weeks": [1], "time": "14:30:00", "signin": "hand"}},
    ],
)
def test_a_bad_signin_setting_is_refused_with_its_key(schedule: dict[str, object]) -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["schedule"] = schedule
    with pytest.raises(Exception) as refused:
        parse_settings(config, "tests")
    assert "schedule" in str(refused.value) and "signin" in str(refused.value)


# --- the sign-in post ----------------------------------------------------------------------------


async def test_the_sign_in_post_of_a_code_meeting_has_no_button(app: App) -> None:
    meeting = await math_meeting(app)
    render = await app.conversation.renderer()
    data = await announcements.meeting_announcement(app.deps, meeting, with_attendance=False)
    assert data is not None and data.signin is SignInMethod.CODE
    post = meeting_post(PostKind.SIGNIN_OPEN, data, render, late=False)
    assert post is not None and post.buttons == ()
    assert f"/signin {meeting}" in post.text


# --- the screen: who may open it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("zhangwei", True),  # secretary
        ("wangfang", True),  # deputy
        ("zhaolei", True),  # 纪检委员
        ("chenjing", True),  # math's group leader: the own group's meeting
        ("zhoumin", False),  # grade10's group leader
        ("lihua", False),  # a committee member
        ("liuyang", False),  # a member
        ("stranger", False),  # off the roster
    ],
)
async def test_who_may_open_the_screen(app: App, who: str, may: bool) -> None:
    meeting = await math_meeting(app)
    if may:
        assert len(await screen_code(app, meeting, OPEN, who=who)) == 6
        return
    with pytest.raises(PermissionDenied):
        await screen_code(app, meeting, OPEN, who=who)


async def test_signin_screen_answers_with_the_page_link(app: App, chat: ChatDriver) -> None:
    meeting = await math_meeting(app)
    app.conversation.web = WebEntry("https://ledger.example.org", timedelta(minutes=10))
    page = f"https://ledger.example.org/b/t1/meetings/{meeting}/screen"
    # In a Telegram group: the page's address only (a one-time link there would be anyone's).
    incoming = Incoming("telegram", "10006", "g-math", "-1003", f"/signin screen {meeting}")
    [in_group] = await app.conversation.handle_text(incoming, OPEN)
    assert page in in_group.text and "/link/" not in in_group.text
    # In the console (as in a private chat): a one-time link that opens the screen.
    private = await chat.say("chenjing", "g-math", f"/signin screen {meeting}", at=OPEN)
    assert (
        "https://ledger.example.org/link/" in private and f"next=/b/t1/meetings/{meeting}/screen" in private
    )
    refused = await chat.say("liuyang", "g-math", f"/签到 大屏 {meeting}", at=OPEN)
    assert "/screen" not in refused and "/link/" not in refused
