"""Leave that someone approves (issue 18).

On a meeting kind whose leave waits for an approver (`[schedule] leave_approval`, the congress by
default) a 请假 is a pending request: the approvers (domain.permissions.may_approve_leave) are told
where they read, with 批准 / 不批准 buttons, and decide with `/leave approve|refuse N @member`. The
decision is a dated fact of its own, never an edit of the request; the member is told the outcome.
Only leave granted is 请假 in the records and points; a refused one is 缺席 unless the member comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.announcements import (
    PostKind,
    approver_chat,
    leave_request_key,
    owner_chat,
)
from sanhui_bot.domain.attendance import recording_closes_at
from sanhui_bot.domain.errors import DomainError, PermissionDenied
from sanhui_bot.domain.model import (
    Actor,
    ChatContext,
    LeaveDecision,
    LeaveState,
    Meeting,
    MeetingStatus,
    Member,
    Rsvp,
    RsvpAnswer,
)
from sanhui_bot.domain.permissions import Action, leave_approvers, may_approve_leave, require
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.quorum import expected_members
from sanhui_bot.services.attendance import settle_attendance
from sanhui_bot.services.deps import Deps, meeting_in_branch, require_chat
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.posts import enqueue_now, private_chat_members
from sanhui_bot.services.roster import resolve_mention


@dataclass(frozen=True, slots=True)
class LeaveDecisionResult:
    """What `/leave approve|refuse` decided, on which request, and the points it re-settled."""

    meeting: Meeting
    request: Rsvp  # with the decision attached
    decision: LeaveDecision
    points: list[PointEntry]


@dataclass(frozen=True, slots=True)
class LeaveRequestView:
    """A leave request as its posts show it when delivered."""

    meeting: Meeting
    request: Rsvp


async def post_leave_request(
    uow: UnitOfWork, deps: Deps, meeting: Meeting, request: Rsvp, now: datetime
) -> int:
    """Tell the meeting's approvers of a pending request, once per chat they read; the member asking
    is not asked to approve their own leave. Returns how many posts were written."""
    branch = deps.org.branch(meeting.branch)
    meeting_chat = deps.org.chat_for_unit(meeting.unit)
    if branch is None or meeting_chat is None:
        return 0
    roster = await deps.roster.branch(uow, meeting.branch)
    approvers = [m for m in leave_approvers(meeting, list(roster)) if m.key != request.member]
    private = await private_chat_members(uow, {m.key for m in approvers})
    chats = dict.fromkeys(approver_chat(m, branch, meeting_chat, m.key in private) for m in approvers)
    params = {"member": request.member, "requested_at": request.answered_at.isoformat()}
    written = 0
    for chat in chats:
        key = leave_request_key(meeting.id or 0, request.member, request.answered_at, chat)
        written += await enqueue_now(
            uow, key, PostKind.LEAVE_REQUEST, chat, f"meeting:{meeting.id}", now, params
        )
    return written


async def decide_leave(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.DecideLeave, now: datetime
) -> LeaveDecisionResult:
    """`/leave approve|refuse N @member [理由]`: an approver decides on a pending leave request, from its
    asking until the end of the meeting's correction window."""
    chat = require_chat(ctx)
    approver = require(actor, Action.APPROVE_LEAVE)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not may_approve_leave(approver, meeting):
            raise PermissionDenied("leave_not_your_meeting", meeting=meeting.id, unit=meeting.unit)
        member = await resolve_mention(uow, deps, chat.branch, cmd.member)
        roster = await deps.roster_of(uow, meeting)
        if member.key not in {m.key for m in expected_members(meeting, roster)}:
            raise DomainError("not_expected_member", name=member.name, meeting=meeting.id)
        if member.key == approver.key:
            raise PermissionDenied("leave_own_request", meeting=meeting.id)
        request = await uow.attendance.rsvp(meeting.id or 0, member.key)
        _check_decidable(meeting, member, request, now, deps.attendance_correction_days)
        assert request is not None
        decision = await uow.attendance.add_leave_decision(
            LeaveDecision(
                meeting_id=meeting.id or 0,
                member=member.key,
                requested_at=request.answered_at,
                approved=cmd.approved,
                decided_by=approver.key,
                decided_at=now,
                reason=cmd.reason.strip(),
            )
        )
        decided = await uow.attendance.rsvp(meeting.id or 0, member.key)
        assert decided is not None and decided.decision is not None
        points: list[PointEntry] = []
        if meeting.has_started(now):
            # After the start the mark may change (请假 or 缺席): re-settle by reversing entries.
            points = await settle_attendance(
                uow, deps, meeting, now, [member.key], approver.key, decision.reason
            )
        await _post_decision(uow, deps, meeting, member, decision, now)
        await uow.commit()
    return LeaveDecisionResult(meeting, decided, decision, points)


def _check_decidable(
    meeting: Meeting, member: Member, request: Rsvp | None, now: datetime, correction_days: int
) -> None:
    """Refuse a decision on a request that is not there to decide, saying why."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise DomainError("meeting_cancelled", meeting=meeting.id)
    if meeting.status is MeetingStatus.NOT_HELD:
        raise DomainError("meeting_not_held", meeting=meeting.id)
    if request is None or request.answer is not RsvpAnswer.LEAVE:
        raise DomainError("leave_not_requested", name=member.name, meeting=meeting.id)
    state = request.leave_state
    if state is LeaveState.AUTO:
        raise DomainError("leave_needs_no_approval", name=member.name, meeting=meeting.id)
    if request.decision is not None:
        raise DomainError(
            "leave_already_decided",
            name=member.name,
            meeting=meeting.id,
            outcome=(LeaveState.APPROVED if request.decision.approved else LeaveState.REFUSED).value,
            by=request.decision.decided_by,
            when=request.decision.decided_at,
        )
    closes = recording_closes_at(meeting, correction_days)
    if now > closes:
        raise DomainError("attendance_window_over", meeting=meeting.id, when=closes)


async def _post_decision(
    uow: UnitOfWork, deps: Deps, meeting: Meeting, member: Member, decision: LeaveDecision, now: datetime
) -> None:
    """Tell the member the outcome where they read (private chat, else their group's, else the branch's)."""
    branch = deps.org.branch(meeting.branch)
    if branch is None:
        return
    private = await private_chat_members(uow, {member.key})
    chat = owner_chat(member, branch, member.key in private)
    key = f"{PostKind.LEAVE_DECIDED.value}:{meeting.id}:{member.key}:{decision.id}"
    params = {"member": member.key, "decision": decision.id}
    await enqueue_now(uow, key, PostKind.LEAVE_DECIDED, chat, f"meeting:{meeting.id}", now, params)


async def leave_request_view(deps: Deps, meeting_id: int, member: str) -> LeaveRequestView | None:
    """A meeting and one member's current request (with its decision), read now for a post."""
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        request = await uow.attendance.rsvp(meeting_id, member)
    if meeting is None or request is None:
        return None
    return LeaveRequestView(meeting, request)


async def pending_requests(uow: UnitOfWork, deps: Deps, meeting: Meeting) -> list[Rsvp]:
    """The meeting's leave requests still waiting for an approver, of members it expects."""
    roster = await deps.roster_of(uow, meeting)
    expected = {m.key for m in expected_members(meeting, roster)}
    return [
        r
        for r in await uow.attendance.rsvps(meeting.id or 0)
        if r.leave_state is LeaveState.PENDING and r.member in expected
    ]
