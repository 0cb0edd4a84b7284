"""Who is expected, who votes, and when a meeting may decide (《中国共产党支部工作条例（试行）》)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sanhui_bot.domain.attendance import AttendanceMark, AttendanceRecord, latest_marks
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import (
    Attendance,
    Meeting,
    MeetingKind,
    Member,
    Rsvp,
    SignIn,
    Vote,
    committee_unit,
)


def expected_members(meeting: Meeting, roster: Iterable[Member]) -> list[Member]:
    """应到: active full and probationary members of the meeting's unit, minus those on long leave."""
    return [
        member
        for member in roster
        if member.active
        and not member.on_long_leave
        and member.branch == meeting.branch
        and member.belongs_to(meeting.unit)
    ]


def voting_members(members: Iterable[Member]) -> list[Member]:
    """Full members not under 留党察看; probationary members have no vote."""
    return [member for member in members if member.votes]


def more_than_half(count: int, of: int) -> bool:
    """Strictly more than half: 5 of 10 is not enough, 6 of 10 is."""
    return of > 0 and 2 * count > of


@dataclass(frozen=True, slots=True)
class QuorumCheck:
    present: int  # voting members present (or expected to come, for a forecast)
    required_over: int  # the number `present` must exceed, i.e. half of all voting members
    voting: int

    @property
    def reached(self) -> bool:
        return more_than_half(self.present, self.voting)

    @property
    def needed(self) -> int:
        """The smallest number present that reaches quorum."""
        return self.voting // 2 + 1


def congress_quorum(voting: Sequence[Member], present_keys: Iterable[str]) -> QuorumCheck:
    """条例: a congress may vote only when more than half of its voting members are present."""
    present = set(present_keys)
    count = sum(1 for member in voting if member.key in present)
    return QuorumCheck(present=count, required_over=len(voting) // 2, voting=len(voting))


def committee_quorum(committee: Sequence[Member], present_keys: Iterable[str]) -> QuorumCheck:
    """A committee meeting needs more than half of the committee members present."""
    present = set(present_keys)
    count = sum(1 for member in committee if member.key in present)
    return QuorumCheck(present=count, required_over=len(committee) // 2, voting=len(committee))


def resolution_passes(approvals: int, voting_total: int) -> bool:
    """条例: a resolution passes when approvals exceed half of ALL voting members, not of those present."""
    return more_than_half(approvals, voting_total)


def congress_voters(meeting: Meeting, roster: Iterable[Member]) -> list[Member]:
    """The voting members of a congress: its 应到 (the roster of the meeting's day) who may vote."""
    return voting_members(expected_members(meeting, roster))


def count_vote(
    meeting: Meeting | None, roster: Sequence[Member], approve: int, against: int, abstain: int
) -> Vote:
    """A congress decision's vote (条例第十一条), checked against the voting members as of the meeting.

    Only a 支部党员大会 votes here; more votes than voting members is a typo, refused with the number.
    """
    if meeting is None or meeting.kind is not MeetingKind.CONGRESS:
        raise DomainError("vote_needs_congress")
    voters = len(congress_voters(meeting, roster))
    cast = approve + against + abstain
    if cast > voters:
        raise DomainError("vote_exceeds_voters", cast=cast, voting=voters, meeting=meeting.id)
    return Vote(approve, against, abstain, voters)


def vote_passes(vote: Vote) -> bool:
    """条例第十一条: a congress decision passes when its approvals exceed half of all voting members
    as of the meeting; abstentions and absentees count against it."""
    return resolution_passes(vote.approve, vote.voting_members)


def quorum_for(meeting: Meeting, roster: Sequence[Member], present_keys: Iterable[str]) -> QuorumCheck | None:
    """The quorum rule that applies to a meeting, or None for meetings that take no votes."""
    return quorum_among(meeting, expected_members(meeting, roster), present_keys)


def quorum_among(
    meeting: Meeting,
    expected: Sequence[Member],
    present_keys: Iterable[str],
    voting: Sequence[Member] | None = None,
) -> QuorumCheck | None:
    """`quorum_for` with the meeting's 应到 (`expected_members`) already worked out, and perhaps
    who of them may vote (`voting_members(expected)`)."""
    if meeting.kind is MeetingKind.CONGRESS:
        return congress_quorum(voting_members(expected) if voting is None else voting, present_keys)
    if meeting.kind is MeetingKind.COMMITTEE and meeting.unit == committee_unit(meeting.branch):
        return committee_quorum(expected, present_keys)
    return None


def attendance(
    meeting: Meeting,
    roster: Sequence[Member],
    rsvps: Iterable[Rsvp],
    signins: Iterable[SignIn],
    records: Iterable[AttendanceRecord] = (),
) -> Attendance:
    """应到/实到/请假/缺席 by each member's latest mark (domain.attendance): signed in or recorded
    出席 = present; leave asked or recorded 请假 = on leave; recorded 缺席 or nothing = absent."""
    marks = latest_marks(meeting.id or 0, rsvps, signins, records)
    result = Attendance()
    for member in expected_members(meeting, roster):
        result.expected.append(member.key)
        mark = marks.get(member.key)
        if mark is not None:
            result.marks[member.key] = mark
        if mark is not None and mark.recorded_by is not None:
            result.recorded_by[member.key] = mark.recorded_by
        if mark is not None and mark.mark is AttendanceMark.PRESENT:
            result.present.append(member.key)
        elif mark is not None and mark.mark is AttendanceMark.LEAVE:
            result.on_leave.append(member.key)
        else:
            result.absent.append(member.key)
    return result
