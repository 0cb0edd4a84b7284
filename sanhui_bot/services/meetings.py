"""Meetings: the year's plan, ad-hoc meetings and cancellations, agenda, RSVPs, sign-in and 发言提纲."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.announcements import PostKind, meeting_post_key, notice_due
from sanhui_bot.domain.attendance import recording_closes_at
from sanhui_bot.domain.errors import DomainError, NotFound, PermissionDenied
from sanhui_bot.domain.model import (
    COMMITTEE_ROLES,
    Actor,
    AgendaItem,
    ChatContext,
    LeaveApproval,
    LeaveState,
    LeaveType,
    Meeting,
    MeetingKind,
    MeetingSource,
    MeetingStatus,
    Member,
    Outline,
    Rsvp,
    RsvpAnswer,
    SignIn,
    SignInMethod,
)
from sanhui_bot.domain.permissions import (
    Action,
    manages_meeting,
    may_add_agenda,
    require,
    require_own_group,
)
from sanhui_bot.domain.points import PointEntry, PointReason
from sanhui_bot.domain.quorum import QuorumCheck, quorum_among
from sanhui_bot.domain.schedule import plan_year, to_meetings
from sanhui_bot.services.attendance import meeting_attendance, settle_attendance
from sanhui_bot.services.deps import Deps, meeting_in_branch, require_chat
from sanhui_bot.services.leave import post_leave_request
from sanhui_bot.services.paging import page_slice
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.posts import enqueue_now, notice_if_late, rules_of
from sanhui_bot.services.roster import resolve_mention, role_holders
from sanhui_bot.services.signin_codes import check_code, meeting_signin_method

UPCOMING_DAYS = 45
MAX_TOPIC = 200


@dataclass(frozen=True, slots=True)
class Tally:
    """Who has answered a meeting's RSVP, and how, against those expected."""

    expected: list[str]
    yes: list[str]
    leave: list[str]
    no: list[str]
    unanswered: list[str]
    quorum: QuorumCheck | None  # forecast from the yes answers, for meetings that vote
    # leave asked and waiting for an approver (issue 18); `leave` holds only leave granted, and a
    # refused request counts with `no` (缺席 unless the member comes)
    pending: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MeetingView:
    meeting: Meeting
    agenda: list[AgendaItem]
    tally: Tally
    materials: list[AgendaItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MeetingMove:
    before: Meeting
    after: Meeting
    noticed: bool  # a notice (改期 or the meeting's own) goes out now


@dataclass(frozen=True, slots=True)
class RsvpResult:
    meeting: Meeting
    rsvp: Rsvp
    tally: Tally  # as the answer left it: what the meeting's notice shows now
    changed: bool = True  # False when the same answer was given again: the tally shows nothing new


@dataclass(frozen=True, slots=True)
class SignInResult:
    meeting: Meeting
    new: bool
    points: PointEntry | None


async def ensure_year_planned(deps: Deps, year: int) -> int:
    """Store the year's planned meetings from the slot rules; planning twice adds nothing.

    Raises UnknownCalendarYear for a year the working-day calendar has no data for.
    """
    slots = plan_year(deps.branches, deps.schedule, deps.calendar, year)
    meetings = to_meetings(slots, deps.tz)
    async with deps.uow() as uow:
        added = await uow.meetings.add_planned(meetings)
        await uow.commit()
    return added


async def tally(
    uow: UnitOfWork, deps: Deps, meeting: Meeting, answers: Mapping[str, RsvpAnswer] | None = None
) -> Tally:
    """The RSVP tally of a meeting; `answers` when the caller has them (stored, and its own written)."""
    members, voting = await deps.expected_of(uow, meeting)
    expected = [member.key for member in members]
    if answers is None:
        answers = await uow.attendance.answers(meeting.id or 0)
    by_answer: dict[RsvpAnswer, list[str]] = {answer: [] for answer in RsvpAnswer}
    pending: list[str] = []
    if RsvpAnswer.LEAVE in answers.values():  # only then: the tally runs on every RSVP
        states = {r.member: r.leave_state for r in await uow.attendance.rsvps(meeting.id or 0)}
        for key in expected:
            state = states.get(key)
            if state is LeaveState.PENDING:
                pending.append(key)
            else:
                answer = answers.get(key, RsvpAnswer.UNKNOWN)
                by_answer[RsvpAnswer.NO if state is LeaveState.REFUSED else answer].append(key)
    else:  # every update's tally: one dict lookup per member
        unknown = RsvpAnswer.UNKNOWN
        for key in expected:
            by_answer[answers.get(key, unknown)].append(key)
    return Tally(
        expected=expected,
        yes=by_answer[RsvpAnswer.YES],
        leave=by_answer[RsvpAnswer.LEAVE],
        no=by_answer[RsvpAnswer.NO],
        unanswered=by_answer[RsvpAnswer.UNKNOWN],
        quorum=quorum_among(meeting, members, by_answer[RsvpAnswer.YES], voting),
        pending=pending,
    )


MEETINGS_PER_PAGE = 8  # two lines each, with a heading and a footer: far below one message


@dataclass(frozen=True, slots=True)
class MeetingListing:
    """One page of the chat's coming meetings, soonest first, with how many there are in all."""

    views: list[MeetingView]  # this page
    total: int  # meetings in the next UPCOMING_DAYS days
    page: int
    pages: int
    days: int = UPCOMING_DAYS


async def upcoming_meetings(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.ListMeetings, now: datetime
) -> MeetingListing:
    """A page of the chat's unit's coming meetings; in the branch chat, every unit of the branch.
    Tallies are read for the page only, so a long list costs no more than a short one."""
    chat = require_chat(ctx)
    require(actor, Action.VIEW)
    return await meetings_ahead(deps, chat, now, cmd.page)


async def meetings_ahead(deps: Deps, chat: ChatContext, now: datetime, page: int = 1) -> MeetingListing:
    """What `upcoming_meetings` shows, once permission is given (a 党委 reader: the branch chat's view)."""
    units = None if chat.kind == "branch" else [chat.unit]
    async with deps.uow() as uow:
        meetings = await uow.meetings.between(
            units, now - timedelta(hours=3), now + timedelta(days=UPCOMING_DAYS)
        )
        meetings = [m for m in meetings if m.branch == chat.branch and m.ends_at >= now]
        pages, first = page_slice(len(meetings), page, MEETINGS_PER_PAGE)
        views = [
            MeetingView(m, await uow.meetings.agenda(m.id or 0), await tally(uow, deps, m))
            for m in meetings[first : first + MEETINGS_PER_PAGE]
        ]
    return MeetingListing(views, len(meetings), page, pages)


async def new_meeting(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.NewMeeting, now: datetime
) -> Meeting:
    """An ad-hoc meeting: secretaries for any unit, a group leader for the own group's meeting."""
    chat = require_chat(ctx)
    member = require(
        actor, Action.PLAN_GROUP_MEETING if cmd.kind is MeetingKind.GROUP else Action.PLAN_MEETING
    )
    group = None
    if cmd.kind is MeetingKind.GROUP:
        if cmd.group is not None:
            found = deps.org.find_group(chat.branch, cmd.group)
            if found is None:
                raise NotFound("unknown_group", group=cmd.group)
            group = found.key
        elif chat.kind == "group":
            group = chat.unit
        elif member.group is not None and not member.is_leader:
            group = member.group
        else:
            raise DomainError("group_meeting_needs_group")
        require_own_group(member, group)
    starts_local = datetime.combine(cmd.on, cmd.at, tzinfo=deps.tz)
    starts_at = starts_local.astimezone(now.tzinfo)
    if starts_at <= now:
        raise DomainError("meeting_in_past", when=starts_local)
    rule = getattr(deps.schedule, cmd.kind.value)
    async with deps.uow() as uow:
        speaker = await resolve_mention(uow, deps, chat.branch, cmd.speaker) if cmd.speaker else None
    meeting = Meeting(
        id=None,
        branch=chat.branch,
        unit=deps.org.unit_for_kind(chat.branch, cmd.kind, group),
        kind=cmd.kind,
        starts_at=starts_at,
        duration=timedelta(minutes=rule.duration_minutes),
        title=cmd.title.strip(),
        place=rule.place,
        source=MeetingSource.ADHOC,
        created_by=member.key,
        speaker=speaker.key if speaker else None,
        signin=SignInMethod.BUTTON if cmd.online else None,
    )
    async with deps.uow() as uow:
        meeting = await uow.meetings.add(meeting)
        await notice_if_late(uow, deps, meeting, now)
        await uow.commit()
    return meeting


async def move_meeting(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.MoveMeeting, now: datetime
) -> MeetingMove:
    """The meeting is held at another time (改期): who may cancel it may move it.

    Reminders and sign-in follow the new time by themselves (they are planned from the stored
    meeting). A notice already out is followed by a 改期 notice; one not yet out comes at its new time.
    """
    chat = require_chat(ctx)
    member = require(actor, Action.PLAN_GROUP_MEETING)
    starts_at = datetime.combine(cmd.on, cmd.at, tzinfo=deps.tz).astimezone(now.tzinfo)
    async with deps.uow() as uow:
        before = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not manages_meeting(member, before):
            raise await _not_manager(deps, before)
        meeting = before.move(starts_at, now)
        await uow.meetings.update(meeting)
        unit_chat = deps.org.chat_for_unit(meeting.unit)
        noticed = notice_due(meeting, rules_of(deps), deps.tz) <= now
        if notice_due(before, rules_of(deps), deps.tz) > now:
            await notice_if_late(uow, deps, meeting, now)
        elif unit_chat is not None:
            noticed = True
            key = f"{meeting_post_key(PostKind.MEETING_MOVED, meeting)}:{int(starts_at.timestamp())}"
            params = {"from": before.starts_at.isoformat()}
            subject = f"meeting:{meeting.id}"
            await enqueue_now(uow, key, PostKind.MEETING_MOVED, unit_chat, subject, now, params)
        await uow.commit()
    return MeetingMove(before, meeting, noticed)


async def set_lesson(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.SetLesson, now: datetime
) -> Meeting:
    """A 党课's topic and speaker (DESIGN §2: topic + speaker), for one the plan scheduled as much as
    for one made with `/meeting new lesson`: who may cancel it may set them, until it is over."""
    chat = require_chat(ctx)
    member = require(actor, Action.PLAN_MEETING)  # a 党课 is the branch's, planned by its secretaries
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not manages_meeting(member, meeting):
            raise await _not_manager(deps, meeting)
        if meeting.kind is not MeetingKind.LESSON:
            raise DomainError("not_a_lesson", meeting=meeting.id)
        if meeting.called_off:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if meeting.ends_at < now:
            raise DomainError("meeting_over", meeting=meeting.id)
        speaker = await resolve_mention(uow, deps, chat.branch, cmd.speaker) if cmd.speaker else None
        meeting = replace(
            meeting,
            title=cmd.topic.strip() or meeting.title,
            speaker=speaker.key if speaker else meeting.speaker,
        )
        await uow.meetings.update(meeting)
        await uow.commit()
    return meeting


async def _not_manager(deps: Deps, meeting: Meeting) -> PermissionDenied:
    """The refusal to move or cancel a meeting, naming who may: the secretaries and, for a group's
    meeting, that group's leader (issue 14: not "needs 副书记、书记" alone)."""
    people = await role_holders(deps, meeting.branch, ["secretary", "deputy"])
    if meeting.kind is MeetingKind.GROUP:
        people += await role_holders(deps, meeting.branch, ["group_leader"], meeting.unit)
        return PermissionDenied(
            "not_group_meeting_manager", meeting=meeting.id, unit=meeting.unit, people=people
        )
    return PermissionDenied("not_meeting_manager", meeting=meeting.id, people=people)


async def _not_agenda_adder(deps: Deps, meeting: Meeting) -> PermissionDenied:
    """The refusal to add a topic, naming who may: the committee and, for a group's meeting, its
    group leader."""
    people = await role_holders(deps, meeting.branch, ["group_leader"], meeting.unit)
    if meeting.kind is MeetingKind.GROUP:
        return PermissionDenied(
            "not_group_agenda_adder", meeting=meeting.id, unit=meeting.unit, people=people
        )
    committee = await role_holders(deps, meeting.branch, [role.value for role in COMMITTEE_ROLES])
    return PermissionDenied("not_agenda_adder", meeting=meeting.id, people=committee)


async def cancel_meeting(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.CancelMeeting, now: datetime
) -> Meeting:
    """A secretary cancels a meeting; a cancelled required meeting stays visible as a gap in reports."""
    chat = require_chat(ctx)
    member = require(actor, Action.PLAN_GROUP_MEETING)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not manages_meeting(member, meeting):
            raise await _not_manager(deps, meeting)
        if meeting.ends_at < now:
            raise DomainError("meeting_over", meeting=meeting.id)
        meeting = meeting.cancel(cmd.reason.strip())
        await uow.meetings.update(meeting)
        await uow.commit()
    return meeting


async def add_agenda_topic(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.AddAgenda, now: datetime
) -> MeetingView:
    """A committee member adds one of the "X" dynamic topics to a meeting's agenda; a group leader
    a topic to the own group's meeting."""
    chat = require_chat(ctx)
    member = require(actor, Action.ADD_AGENDA)
    topic = cmd.topic.strip()[:MAX_TOPIC]
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not may_add_agenda(member, meeting):
            raise await _not_agenda_adder(deps, meeting)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if meeting.ends_at < now:
            raise DomainError("meeting_over", meeting=meeting.id)
        present = await (uow.meetings.materials if cmd.material else uow.meetings.agenda)(meeting.id or 0)
        if any(item.topic == topic for item in present):
            raise DomainError("topic_exists", topic=topic)
        await uow.meetings.add_agenda(
            AgendaItem(meeting.id or 0, topic, member.key, now, material=cmd.material)
        )
        view = await meeting_view(uow, deps, meeting)
        await uow.commit()
    return view


async def show_meeting(deps: Deps, actor: Actor, ctx: ChatContext | None, meeting_id: int) -> MeetingView:
    """A meeting with its agenda and RSVP tally."""
    chat = require_chat(ctx)
    require(actor, Action.VIEW)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, meeting_id)
        return await meeting_view(uow, deps, meeting)


async def meeting_view(
    uow: UnitOfWork, deps: Deps, meeting: Meeting, known_tally: Tally | None = None
) -> MeetingView:
    """A meeting with its agenda, materials and RSVP tally, read in the caller's unit of work (the
    tally only when not `known_tally`, e.g. the one an answer just computed)."""
    number = meeting.id or 0
    agenda, materials = await uow.meetings.agenda_and_materials(number)
    counted = known_tally if known_tally is not None else await tally(uow, deps, meeting)
    return MeetingView(meeting, agenda, counted, materials)


def _expected_or_refuse(meeting: Meeting, member: Member) -> None:
    if meeting.unit not in member.units():
        raise DomainError("not_expected", meeting=meeting.id, unit=meeting.unit)


async def answer_rsvp(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.Rsvp, now: datetime
) -> RsvpResult:
    """Attend, ask for leave (with reason), or decline; 病假 may still be filed after the start."""
    chat = require_chat(ctx)
    member = require(actor, Action.RSVP)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        _expected_or_refuse(meeting, member)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        late_sick_leave = cmd.answer is RsvpAnswer.LEAVE and cmd.leave_type is LeaveType.SICK
        if meeting.has_started(now) and not late_sick_leave:
            raise DomainError("meeting_started", meeting=meeting.id)
        if late_sick_leave and now > recording_closes_at(meeting, deps.attendance_correction_days):
            raise DomainError("meeting_over", meeting=meeting.id)
        if meeting.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held", meeting=meeting.id)
        if cmd.answer is RsvpAnswer.LEAVE and not cmd.reason.strip():
            raise DomainError("leave_needs_reason")
        # The answers before this one (the tally is computed with the answer, not re-read after it)
        answers, signed_in = await uow.attendance.answers_and_signed_in(meeting.id or 0, member.key)
        if signed_in:
            raise DomainError("already_signed_in", meeting=meeting.id)
        if meeting.has_started(now):
            counted, _ = await meeting_attendance(uow, deps, meeting)
            if member.key in counted.present:  # recorded 出席 by a recorder: a correction is theirs
                raise DomainError("already_signed_in", meeting=meeting.id)
        leave = cmd.answer is RsvpAnswer.LEAVE
        rsvp = Rsvp(
            meeting_id=meeting.id or 0,
            member=member.key,
            answer=cmd.answer,
            answered_at=now,
            leave_type=(cmd.leave_type or LeaveType.OTHER) if leave else None,
            reason=cmd.reason.strip() if leave else "",
            # issue 18: as the config says at the time of asking, kept with the request
            needs_approval=leave
            and deps.schedule.leave_approval_for(meeting.kind) is LeaveApproval.SECRETARY,
        )
        before = answers.get(member.key)
        # a leave asked again may change whether it waits for approval: counted as a change
        changed = before is not rsvp.answer or leave
        if changed:
            # The same answer again is no new fact: the stored one keeps the date it was first given
            # (what a report as of a date between the two knew).
            await uow.attendance.put_rsvp(rsvp)
        answers[member.key] = rsvp.answer
        if rsvp.leave_state is LeaveState.PENDING:
            await post_leave_request(uow, deps, meeting, rsvp, now)
        if meeting.has_started(now):
            # A late 病假 re-settles: the 缺席 penalty already settled is reversed (DESIGN §2).
            await settle_attendance(uow, deps, meeting, now, [member.key], member.key, rsvp.reason)
        result = RsvpResult(meeting, rsvp, await tally(uow, deps, meeting, answers), changed)
        await uow.commit()
    return result


async def withdraw_rsvp(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.WithdrawRsvp, now: datetime
) -> RsvpResult:
    """Take an answer back before the meeting starts: the member is 未回复 again.

    The withdrawal is stored as a dated answer of its own (`unknown`), like any later answer.
    """
    chat = require_chat(ctx)
    member = require(actor, Action.RSVP)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        _expected_or_refuse(meeting, member)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if meeting.has_started(now):
            raise DomainError("meeting_started", meeting=meeting.id)
        if await uow.attendance.signed_in(meeting.id or 0, member.key):
            raise DomainError("already_signed_in", meeting=meeting.id)
        current = await uow.attendance.rsvp(meeting.id or 0, member.key)
        if current is None or current.answer is RsvpAnswer.UNKNOWN:
            raise DomainError("rsvp_nothing_to_withdraw", meeting=meeting.id)
        if cmd.answer is not None and current.answer is not cmd.answer:
            raise DomainError("rsvp_answer_changed", meeting=meeting.id)
        rsvp = Rsvp(meeting.id or 0, member.key, RsvpAnswer.UNKNOWN, now)
        await uow.attendance.put_rsvp(rsvp)
        result = RsvpResult(meeting, rsvp, await tally(uow, deps, meeting))
        await uow.commit()
    return result


async def sign_in(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.SignIn, now: datetime
) -> SignInResult:
    """签到 while the meeting is in session; the first sign-in earns the sign-in points.

    A meeting in a room (`code`) takes only its 签到大屏's current code or the one before it, from a
    member expected there (issue 18); an online one (`button`) takes the button or a bare /signin N.
    """
    chat = require_chat(ctx)
    member = require(actor, Action.SIGN_IN)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if meeting.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held", meeting=meeting.id)
        _expected_or_refuse(meeting, member)
        if now < meeting.signin_opens_at(deps.signin_lead):
            raise DomainError(
                "signin_not_open", meeting=meeting.id, opens=meeting.signin_opens_at(deps.signin_lead)
            )
        if now > meeting.ends_at:
            raise DomainError("meeting_over", meeting=meeting.id)
        if await uow.attendance.signed_in(meeting.id or 0, member.key):
            return SignInResult(meeting, False, None)
        method = meeting_signin_method(deps, meeting)
        if method is SignInMethod.CODE:
            if cmd.code is None:
                raise DomainError("signin_needs_code", meeting=meeting.id)
            await check_code(uow, deps, meeting, cmd.code, now)
        new = await uow.attendance.add_signin(SignIn(meeting.id or 0, member.key, now, method=method))
        points = None
        if new:
            settled = await settle_attendance(uow, deps, meeting, now, [member.key], member.key)
            points = next((entry for entry in settled if entry.reason is PointReason.SIGNIN), None)
        await uow.commit()
    return SignInResult(meeting, new, points)


async def submit_outline(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.SubmitOutline, now: datetime
) -> Meeting:
    """A member hands in (or replaces) the 发言提纲 a meeting's notice asked for."""
    chat = require_chat(ctx)
    member = require(actor, Action.SUBMIT_OUTLINE)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        _expected_or_refuse(meeting, member)
        if meeting.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=meeting.id)
        if now > meeting.ends_at:
            raise DomainError("meeting_over", meeting=meeting.id)
        await uow.attendance.put_outline(Outline(meeting.id or 0, member.key, cmd.text.strip(), now))
        await uow.commit()
    return meeting


async def meeting_in_session(uow: UnitOfWork, deps: Deps, unit: str, now: datetime) -> Meeting | None:
    """The unit's meeting whose sign-in window contains `now`, if any."""
    window = await uow.meetings.between(
        [unit], now - timedelta(days=1), now + deps.signin_lead + timedelta(minutes=1)
    )
    current = [m for m in window if m.in_session(now, deps.signin_lead)]
    return current[-1] if current else None


async def recent_meeting(uow: UnitOfWork, unit: str, now: datetime, within: timedelta) -> Meeting | None:
    """The unit's most recent meeting that started within `within` before now and was not cancelled."""
    window = await uow.meetings.between([unit], now - within, now + timedelta(seconds=1))
    started = [m for m in window if m.status is not MeetingStatus.CANCELLED and m.starts_at <= now]
    return started[-1] if started else None
