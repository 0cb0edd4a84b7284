"""Attendance recorded by the people responsible, meetings marked 未召开, and the points they settle.

Points follow attendance: whenever a member's mark changes (a record, a correction, a late 病假, a
sign-in) the member's entries for the meeting are re-settled by reversing entries and, if the new mark
is worth points, one fresh entry — never by changing or deleting one, so `/points` always adds up to
the ledger's entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sanhui_bot.commands import model as cmds
from sanhui_bot.domain.attendance import (
    AttendanceMark,
    AttendanceRecord,
    attendance_recorded,
    check_recording,
    settled_reason,
)
from sanhui_bot.domain.errors import DomainError, PermissionDenied
from sanhui_bot.domain.model import Actor, Attendance, ChatContext, LeaveType, Meeting, MeetingKind
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.points import PointEntry, PointReason, earn, reversal
from sanhui_bot.domain.quorum import attendance
from sanhui_bot.services.deps import Deps, meeting_in_branch, require_chat
from sanhui_bot.services.ports import UnitOfWork
from sanhui_bot.services.roster import resolve_mention

ATTENDANCE_REASONS = frozenset({PointReason.SIGNIN, PointReason.LEAVE, PointReason.ABSENT})


@dataclass(frozen=True, slots=True)
class AttendanceResult:
    """What `/attendance` recorded, the meeting's attendance after it, and the points it re-settled."""

    meeting: Meeting
    records: list[AttendanceRecord]
    attendance: Attendance
    points: list[PointEntry]


@dataclass(frozen=True, slots=True)
class NotHeldResult:
    meeting: Meeting
    points: list[PointEntry]  # the reversals of attendance points already settled


async def meeting_attendance(uow: UnitOfWork, deps: Deps, meeting: Meeting) -> tuple[Attendance, bool]:
    """The meeting's 应到/实到/请假/缺席 now, and whether anything was recorded for it at all."""
    meeting_id = meeting.id or 0
    roster = await deps.roster_of(uow, meeting)  # whom it expected on its day
    signins = await uow.attendance.signins(meeting_id)
    records = await uow.attendance.records(meeting_id)
    counted = attendance(meeting, roster, await uow.attendance.rsvps(meeting_id), signins, records)
    return counted, attendance_recorded(meeting_id, signins, records)


async def settle_attendance(
    uow: UnitOfWork,
    deps: Deps,
    meeting: Meeting,
    now: datetime,
    members: Iterable[str] | None = None,
    by: str | None = None,
    note: str = "",
) -> list[PointEntry]:
    """Bring the members' ledger entries for the meeting in line with their marks; return new entries.

    `members` None: everyone expected who has no entry for the meeting yet (the meeting's end, or its
    first record after the end), so a reversal made by hand is not undone. Nobody is fined for a
    meeting with nothing recorded, and a meeting that did not take place is worth nothing.
    """
    counted, recorded = await meeting_attendance(uow, deps, meeting)
    subject = f"meeting:{meeting.id}"
    ended = meeting.ends_at <= now
    if members is None:
        untouched = []
        for key in counted.expected:
            if not await uow.points.of_subject(key, subject):
                untouched.append(key)
        members = untouched
    present, on_leave = set(counted.present), set(counted.on_leave)
    written: list[PointEntry] = []
    for key in dict.fromkeys(members):
        wanted = None
        if recorded and not meeting.called_off and key in counted.expected:
            mark = (
                AttendanceMark.PRESENT
                if key in present
                else AttendanceMark.LEAVE
                if key in on_leave
                else AttendanceMark.ABSENT
            )
            wanted = settled_reason(mark, ended, deps.rules)
        written += await _resettle_member(uow, deps, key, subject, wanted, now, by, note)
    return written


async def _resettle_member(
    uow: UnitOfWork,
    deps: Deps,
    member: str,
    subject: str,
    wanted: PointReason | None,
    now: datetime,
    by: str | None,
    note: str,
) -> list[PointEntry]:
    entries = await uow.points.of_subject(member, subject)
    reversed_ids = {entry.reverses for entry in entries if entry.reverses is not None}
    live = [
        entry
        for entry in entries
        if entry.reason in ATTENDANCE_REASONS and entry.id not in reversed_ids and entry.reverses is None
    ]
    if wanted is not None and len(live) == 1 and live[0].reason is wanted:
        return []
    if wanted is None and not live:
        return []
    written: list[PointEntry] = []
    for entry in live:
        stored = await uow.points.append(reversal(entry, by or "", note, now))
        if stored is not None:
            written.append(stored)
    if wanted is not None:
        taken = {entry.source for entry in entries if entry.reason is wanted}
        source, number = subject, 1
        while source in taken:  # the same event settled again after a correction
            number += 1
            source = f"{subject}:{number}"
        stored = await uow.points.append(earn(deps.rules, member, wanted, source, now))
        if stored is not None:
            written.append(stored)
    return written


async def record_attendance(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.RecordAttendance, now: datetime
) -> AttendanceResult:
    """/attendance N @member 出席|请假 理由|缺席 …: recorders for any meeting, a group leader for the own
    group's, from the meeting's start to the end of the correction window."""
    chat = require_chat(ctx)
    recorder = require(actor, Action.RECORD_ATTENDANCE)
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        check_recording(recorder, meeting, now, deps.attendance_correction_days)
        counted, _ = await meeting_attendance(uow, deps, meeting)
        records: list[AttendanceRecord] = []
        seen: set[str] = set()
        for line in cmd.lines:
            member = await resolve_mention(uow, deps, chat.branch, line.member)
            if member.key not in counted.expected:
                raise DomainError("not_expected_member", name=member.name, meeting=meeting.id)
            if member.key in seen:
                raise DomainError("member_named_twice", name=member.name)
            seen.add(member.key)
            leave_type = (line.leave_type or LeaveType.OTHER) if line.mark is AttendanceMark.LEAVE else None
            record = AttendanceRecord(
                meeting.id or 0, member.key, line.mark, recorder.key, now, leave_type, line.reason.strip()
            )
            records.append(await uow.attendance.add_record(record))
        note = "; ".join(filter(None, (r.reason for r in records)))
        points = await settle_attendance(
            uow, deps, meeting, now, [r.member for r in records], recorder.key, note
        )
        if meeting.ends_at <= now:
            # The first record after the end settles everyone else expected, as the end would have.
            points += await settle_attendance(uow, deps, meeting, now, None, recorder.key)
        counted, _ = await meeting_attendance(uow, deps, meeting)
        await uow.commit()
    return AttendanceResult(meeting, records, counted, points)


async def mark_not_held(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: cmds.MeetingNotHeld, now: datetime
) -> NotHeldResult:
    """/meeting notheld N 理由: the meeting did not take place; a gap in reports, no absence penalties
    (any attendance points already settled are reversed). Who may cancel it may mark it, within the
    correction window after it."""
    chat = require_chat(ctx)
    member = require(actor, Action.PLAN_GROUP_MEETING)
    if not cmd.reason.strip():
        raise DomainError("not_held_needs_reason")
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, chat.branch, cmd.meeting_id)
        if not member.is_leader and not (meeting.kind is MeetingKind.GROUP and meeting.unit == member.group):
            raise PermissionDenied("role_required", action=Action.PLAN_MEETING, roles=["deputy", "secretary"])
        check_recording(member, meeting, now, deps.attendance_correction_days)
        meeting = meeting.mark_not_held(member.key, cmd.reason.strip(), now)
        await uow.meetings.update(meeting)
        counted, _ = await meeting_attendance(uow, deps, meeting)
        signed = {s.member for s in await uow.attendance.signins(meeting.id or 0)}
        everyone = [*counted.expected, *sorted(signed - set(counted.expected))]
        points = await settle_attendance(uow, deps, meeting, now, everyone, member.key, cmd.reason.strip())
        await uow.commit()
    return NotHeldResult(meeting, points)
