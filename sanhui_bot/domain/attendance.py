"""Attendance as the people responsible record it, and how it settles in the 积分 ledger (DESIGN.md §1, §2).

A member's mark at a meeting is the latest of three kinds of dated fact: the member's own sign-in
(签到), the member's leave request (请假, 病假 also after the meeting), and a record by the secretary,
the deputy, the 纪检委员 or, for the own group's meeting, the group leader (`/attendance`). A record is
never edited: a correction is a newer record by a named person. A meeting that has ended with no
sign-in and nothing recorded is "attendance not recorded": nobody is fined and it does not count as
held until someone records it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sanhui_bot.domain.errors import DomainError, PermissionDenied
from sanhui_bot.domain.model import (
    LeaveState,
    LeaveType,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    Role,
    Rsvp,
    SignIn,
    SignInMethod,
)
from sanhui_bot.domain.permissions import ROLE_ACTIONS, Action
from sanhui_bot.domain.points import PointReason, PointRules

# DESIGN §1: the secretary, the deputy and the 纪检委员 record attendance for any meeting of the branch.
RECORDER_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY, Role.DISCIPLINE})
MIN_CORRECTION_DAYS = 7  # issue 12: records may be corrected for at least a week after the meeting


class AttendanceMark(StrEnum):
    PRESENT = "present"  # 出席
    LEAVE = "leave"  # 请假
    ABSENT = "absent"  # 缺席


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One member's attendance at one meeting as recorded by someone responsible (append-only)."""

    meeting_id: int
    member: str
    mark: AttendanceMark
    recorded_by: str
    recorded_at: datetime
    leave_type: LeaveType | None = None  # with LEAVE only
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """A member's current mark at a meeting and the fact it comes from."""

    mark: AttendanceMark
    at: datetime
    recorded_by: str | None = None  # None: the member signed in or asked for leave
    # How it was recorded (issue 18): code or button for a member's own sign-in, hand for a mark by
    # someone responsible (recorded_by); None for a leave request the member made.
    method: SignInMethod | None = None
    leave: LeaveState | None = None  # a leave request's mark: granted as asked (AUTO) or APPROVED
    approved_by: str | None = None  # APPROVED: who approved it, and when
    approved_at: datetime | None = None

    @property
    def how(self) -> str:
        """How the mark was made, as the records say it: code | button | hand | leave_auto | leave_approved."""
        if self.method is not None:
            return self.method.value
        return f"leave_{(self.leave or LeaveState.AUTO).value}"


def leave_mark(rsvp: Rsvp) -> Mark | None:
    """The 请假 mark a leave request gives: granted as asked, or approved; none while pending or refused."""
    if not rsvp.excused:
        return None
    decision = rsvp.decision
    if decision is None:
        return Mark(AttendanceMark.LEAVE, rsvp.answered_at, leave=LeaveState.AUTO)
    return Mark(
        AttendanceMark.LEAVE,
        rsvp.answered_at,
        leave=LeaveState.APPROVED,
        approved_by=decision.decided_by,
        approved_at=decision.decided_at,
    )


def may_record(member: Member, meeting: Meeting) -> bool:
    """Whether the member records attendance for this meeting: recorders for any meeting of the
    branch, a group leader for the own group's meeting (DESIGN §1)."""
    if member.branch != meeting.branch or not member.active:
        return False
    if member.has_any(RECORDER_ROLES):
        return True
    return (
        Role.GROUP_LEADER in member.roles
        and meeting.kind is MeetingKind.GROUP
        and meeting.unit == member.group
    )


def recorders(meeting: Meeting, roster: Iterable[Member]) -> list[str]:
    """The keys of those who may record the meeting's attendance, secretary first."""
    order = [Role.SECRETARY, Role.DEPUTY, Role.DISCIPLINE, Role.GROUP_LEADER]
    able = [member for member in roster if may_record(member, meeting)]

    def rank(member: Member) -> tuple[int, str]:
        return (min(order.index(role) for role in member.roles if role in order), member.key)

    return [member.key for member in sorted(able, key=rank)]


def recording_closes_at(meeting: Meeting, correction_days: int) -> datetime:
    """The end of the correction window: `correction_days` after the meeting's end."""
    return meeting.ends_at + timedelta(days=max(correction_days, MIN_CORRECTION_DAYS))


def check_recording(member: Member, meeting: Meeting, now: datetime, correction_days: int) -> None:
    """Refuse a record (or a 未召开 mark) by this member at this moment, saying why."""
    if not may_record(member, meeting):
        if member.has_any(frozenset({Role.GROUP_LEADER})):
            raise PermissionDenied("not_your_group", group=meeting.unit)
        allowed_roles = ROLE_ACTIONS[Action.RECORD_ATTENDANCE]
        roles = [role.value for role in Role if role in allowed_roles]
        raise PermissionDenied("role_required", action=Action.RECORD_ATTENDANCE, roles=roles)
    if meeting.called_off:
        cancelled = meeting.status is MeetingStatus.CANCELLED
        raise DomainError("meeting_cancelled" if cancelled else "meeting_not_held", meeting=meeting.id)
    if now < meeting.starts_at:
        raise DomainError("attendance_not_open", meeting=meeting.id, opens=meeting.starts_at)
    closes = recording_closes_at(meeting, correction_days)
    if now > closes:
        raise DomainError("attendance_window_over", meeting=meeting.id, when=closes)


def latest_marks(
    meeting_id: int, rsvps: Iterable[Rsvp], signins: Iterable[SignIn], records: Iterable[AttendanceRecord]
) -> dict[str, Mark]:
    """Each member's mark: the latest fact wins; at the same moment a record before a sign-in before
    a leave request (a recorder's word is the correction). A leave request counts only once granted
    (as asked, or approved), and as of when it was asked: an approval confirms it, it is no newer fact."""
    facts: dict[str, tuple[tuple[datetime, int], Mark]] = {}

    def offer(member: str, rank: tuple[datetime, int], mark: Mark) -> None:
        if member not in facts or facts[member][0] <= rank:
            facts[member] = (rank, mark)

    for rsvp in rsvps:
        leave = leave_mark(rsvp) if rsvp.meeting_id == meeting_id else None
        if leave is not None:
            offer(rsvp.member, (rsvp.answered_at, 0), leave)
    for signin in signins:
        if signin.meeting_id == meeting_id:
            mark = Mark(AttendanceMark.PRESENT, signin.signed_at, signin.recorded_by, signin.method)
            offer(signin.member, (signin.signed_at, 1), mark)
    for record in records:
        if record.meeting_id == meeting_id:
            offer(
                record.member,
                (record.recorded_at, 2),
                Mark(record.mark, record.recorded_at, record.recorded_by, SignInMethod.HAND),
            )
    return {member: mark for member, (_, mark) in facts.items()}


def known_by(
    cutoff: datetime,
    rsvps: Iterable[Rsvp],
    signins: Iterable[SignIn],
    records: Iterable[AttendanceRecord],
) -> tuple[list[Rsvp], list[SignIn], list[AttendanceRecord]]:
    """The ledger's as-of rule for attendance: what was known at `cutoff` (a period's end, or now
    while it runs). A sign-in, record or leave request made later — a correction, a late 病假 — counts
    from its own date, as its reversing points entries do, so it changes no period that ended before
    it (a report of a past period never changes, issue 12); a leave decided later was pending then."""
    return (
        [
            rsvp
            if rsvp.decision is None or rsvp.decision.decided_at < cutoff
            else replace(rsvp, decision=None)
            for rsvp in rsvps
            if rsvp.answered_at < cutoff
        ],
        [signin for signin in signins if signin.signed_at < cutoff],
        [record for record in records if record.recorded_at < cutoff],
    )


def attendance_recorded(
    meeting_id: int, signins: Iterable[SignIn], records: Iterable[AttendanceRecord]
) -> bool:
    """Whether anyone signed in to the meeting or recorded its attendance (leave requests do not
    show that it took place)."""
    return any(s.meeting_id == meeting_id for s in signins) or any(
        r.meeting_id == meeting_id for r in records
    )


def unrecorded_meetings(
    meetings: Iterable[Meeting], recorded: Collection[int], now: datetime, records_since: datetime | None
) -> frozenset[int]:
    """The ids of meetings that ended by `now`, while the bot kept records, with nothing recorded
    (`recorded`: the ids of meetings with a sign-in or a record) and not closed: not counted as held
    until someone records them (issue 12). A meeting the secretary closed (/close) took place by the
    secretary's word; only its attendance is unknown."""
    return frozenset(
        m.id
        for m in meetings
        if m.id is not None
        and not m.called_off
        and m.closed_at is None
        and m.ends_at <= now
        and (records_since is None or m.ends_at > records_since)
        and m.id not in recorded
    )


def counts_as_held(meeting: Meeting, unrecorded: Collection[int]) -> bool:
    """Whether a meeting counts as held: not cancelled, not marked 未召开, not left unrecorded."""
    return not meeting.called_off and meeting.id not in unrecorded


def as_counted(
    meetings: Iterable[Meeting], recorded: Collection[int], now: datetime, records_since: datetime | None
) -> list[Meeting]:
    """The meetings as the counts of held meetings see them: one left unrecorded (above) counts as
    not held, so it shows here as 未召开 — in this view only, never stored."""
    unrecorded = unrecorded_meetings(meetings, recorded, now, records_since)
    return [replace(m, status=MeetingStatus.NOT_HELD) if m.id in unrecorded else m for m in meetings]


def settled_reason(mark: AttendanceMark | None, ended: bool, rules: PointRules) -> PointReason | None:
    """The ledger entry a mark is worth: sign-in points for 出席 at once, the 缺席 penalty once the
    meeting has ended, nothing for a mark worth 0 points (approved leave by default)."""
    reason = {
        AttendanceMark.PRESENT: PointReason.SIGNIN,
        AttendanceMark.LEAVE: PointReason.LEAVE,
        AttendanceMark.ABSENT: PointReason.ABSENT if ended else None,
        None: PointReason.ABSENT if ended else None,
    }[mark]
    if reason is None or rules.value(reason) == 0:
        return None
    return reason
