"""The whole ledger as plain data, for `bot.py export` (DESIGN.md §5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sanhui_bot.domain.model import MeetingStatus
from sanhui_bot.domain.quorum import attendance
from sanhui_bot.services.deps import Deps


async def export_ledger(deps: Deps, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every member, meeting, RSVP, attendance, suggestion, decision, task, point entry and post.

    Times are ISO-8601 in the configured time zone with offset, dates ISO, enums as English words.
    Attendance is listed for meetings that have ended and were not cancelled.
    """

    def stamp(moment: datetime | None) -> str | None:
        return moment.astimezone(deps.tz).isoformat() if moment is not None else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value is not None else None

    async with deps.uow() as uow:
        members = await uow.members.list(include_inactive=True)
        meetings = await uow.meetings.list()
        rsvps = await uow.attendance.rsvps()
        signins = await uow.attendance.signins()
        suggestions = await uow.suggestions.list()
        decisions = await uow.tasks.decisions()
        tasks = await uow.tasks.list()
        ratings = await uow.tasks.ratings()
        entries = await uow.points.entries()
        outbox = await uow.outbox.list()
        agendas = {m.id: [item.topic for item in await uow.meetings.agenda(m.id or 0)] for m in meetings}

    attendance_rows: list[dict[str, Any]] = []
    signed_at = {(s.meeting_id, s.member): s.signed_at for s in signins}
    for meeting in meetings:
        if meeting.status is MeetingStatus.CANCELLED or meeting.ends_at > now:
            continue
        counted = attendance(meeting, members, rsvps, signins)
        for status, keys in (
            ("present", counted.present),
            ("leave", counted.on_leave),
            ("absent", counted.absent),
        ):
            for key in keys:
                attendance_rows.append(
                    {
                        "meeting": meeting.id,
                        "member": key,
                        "status": status,
                        "signed_at": stamp(signed_at.get((meeting.id or 0, key))),
                    }
                )
    ratings_by_task: dict[int, list[dict[str, Any]]] = {}
    for rating in ratings:
        ratings_by_task.setdefault(rating.task_id, []).append(
            {"rater": rating.rater, "rating": rating.rating.value, "rated_at": stamp(rating.rated_at)}
        )
    return {
        "members": [
            {
                "key": m.key,
                "name": m.name,
                "branch": m.branch,
                "roles": sorted(role.value for role in m.roles),
                "status": m.status.value,
                "group": m.group,
                "active": m.active,
                "source": m.source,
            }
            for m in members
        ],
        "meetings": [
            {
                "id": m.id,
                "branch": m.branch,
                "unit": m.unit,
                "kind": m.kind.value,
                "starts_at": stamp(m.starts_at),
                "ends_at": stamp(m.ends_at),
                "title": m.title,
                "place": m.place,
                "status": m.status.value,
                "source": m.source.value,
                "slot_on": day(m.slot_on),
                "flag": m.flag,
                "fixed_topic": m.fixed_topic,
                "agenda": agendas.get(m.id, []),
                "cancelled_reason": m.cancelled_reason,
            }
            for m in meetings
        ],
        "rsvps": [
            {
                "meeting": r.meeting_id,
                "member": r.member,
                "answer": r.answer.value,
                "leave_type": r.leave_type.value if r.leave_type else None,
                "reason": r.reason,
                "answered_at": stamp(r.answered_at),
            }
            for r in rsvps
        ],
        "attendance": attendance_rows,
        "suggestions": [
            {
                "id": s.id,
                "branch": s.branch,
                "member": s.member,
                "text": s.text,
                "meeting": s.meeting_id,
                "submitted_at": stamp(s.submitted_at),
                "adopted": s.adopted,
                "adopted_at": stamp(s.adopted_at),
                "adopted_by": s.adopted_by,
            }
            for s in suggestions
        ],
        "decisions": [
            {
                "id": d.id,
                "branch": d.branch,
                "unit": d.unit,
                "title": d.title,
                "meeting": d.meeting_id,
                "recorded_by": d.recorded_by,
                "recorded_at": stamp(d.recorded_at),
            }
            for d in decisions
        ],
        "tasks": [
            {
                "id": t.id,
                "decision": t.decision_id,
                "branch": t.branch,
                "unit": t.unit,
                "title": t.title,
                "owner": t.owner,
                "lead": t.lead,
                "group": t.group,
                "due_on": day(t.due_on),
                "status": t.status.value,
                "claimed_by_group": t.claimed_by_group,
                "claimed_by": t.claimed_by,
                "claimed_at": stamp(t.claimed_at),
                "done_at": stamp(t.done_at),
                "done_note": t.done_note,
                "ratings": ratings_by_task.get(t.id or 0, []),
            }
            for t in tasks
        ],
        "points": [
            {
                "id": e.id,
                "member": e.member,
                "delta": e.delta,
                "reason": e.reason.value,
                "source": e.source,
                "occurred_at": stamp(e.occurred_at),
                "recorded_by": e.recorded_by,
                "note": e.note,
                "reverses": e.reverses,
            }
            for e in entries
        ],
        "outbox": [
            {
                "key": o.key,
                "kind": o.kind,
                "chat": o.chat,
                "due_at": stamp(o.due_at),
                "sent_at": stamp(o.sent_at),
                "payload": o.payload,
            }
            for o in outbox
        ],
    }
