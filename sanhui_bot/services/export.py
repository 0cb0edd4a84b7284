"""The whole ledger as plain data, for `bot.py export` (DESIGN.md §5)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sanhui_bot.commands.model import ExportLedger
from sanhui_bot.domain.attendance import AttendanceRecord, as_counted, attendance_recorded
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.evaluation import MemberYear
from sanhui_bot.domain.model import (
    Actor,
    AgendaItem,
    Attendance,
    ChatContext,
    Decision,
    Meeting,
    Member,
    Rsvp,
    SignIn,
    Suggestion,
    Task,
    TaskRating,
    Vote,
)
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.quorum import attendance, vote_passes
from sanhui_bot.domain.records import attendance_known, meeting_host, meeting_recorder, meeting_state
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.services.deps import Deps, records_since, require_chat
from sanhui_bot.services.evaluation import EvaluationFacts, evaluation_from
from sanhui_bot.services.ports import MeetingWindow
from sanhui_bot.services.reports import ReportFacts

_MeetingFact = TypeVar("_MeetingFact", Rsvp, SignIn, AttendanceRecord)


async def export_ledger(deps: Deps, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every member, meeting, RSVP, attendance, suggestion, decision, task, point entry and post.

    Times are ISO-8601 in the configured time zone with offset, dates ISO, enums as English words.
    Attendance is listed for meetings that have ended and were not cancelled.
    """

    def stamp(moment: datetime | None) -> str | None:
        return to_zone(moment, deps.tz).isoformat() if moment is not None else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value is not None else None

    async with deps.uow() as uow:
        members = await uow.members.list(include_inactive=True)
        meetings = await uow.meetings.list()
        rsvps = await uow.attendance.rsvps()
        signins = await uow.attendance.signins()
        records = await uow.attendance.records()
        leave_decisions = await uow.attendance.leave_decisions()
        suggestions = await uow.suggestions.list()
        decisions = await uow.tasks.decisions()
        tasks = await uow.tasks.list()
        ratings = await uow.tasks.ratings()
        entries = await uow.points.entries()
        outbox = await uow.outbox.list()
        since = await records_since(uow)
        agendas = {m.id: [item.topic for item in await uow.meetings.agenda(m.id or 0)] for m in meetings}
        rosters = {m.id or 0: await deps.roster_of(uow, m) for m in meetings}
        changes = await uow.members.changes()

    attendance_rows: list[dict[str, Any]] = []
    signed_at = {(s.meeting_id, s.member): s.signed_at for s in signins}
    for meeting in meetings:
        if not attendance_known(meeting, now, since) or not attendance_recorded(
            meeting.id or 0, signins, records
        ):
            continue  # attendance unknown: before the bot kept records, or nothing recorded
        counted = attendance(meeting, rosters[meeting.id or 0], rsvps, signins, records)
        for status, keys in (
            ("present", counted.present),
            ("leave", counted.on_leave),
            ("absent", counted.absent),
        ):
            for key in keys:
                mark = counted.marks.get(key)
                attendance_rows.append(
                    {
                        "meeting": meeting.id,
                        "member": key,
                        "status": status,
                        "signed_at": stamp(signed_at.get((meeting.id or 0, key))),
                        # how it was made: None = by the member (sign-in, leave request), else the
                        # member key of whoever recorded it (/attendance)
                        "recorded_by": counted.recorded_by.get(key),
                        # issue 18: button | code | hand | leave_auto | leave_approved; None = nothing
                        # recorded for the member (absent by default)
                        "method": mark.how if mark is not None else None,
                        "marked_at": stamp(mark.at) if mark is not None else None,
                        "approved_by": mark.approved_by if mark is not None else None,
                        "approved_at": stamp(mark.approved_at) if mark is not None else None,
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
                "speaker": m.speaker,
                "agenda": agendas.get(m.id, []),
                "cancelled_reason": m.cancelled_reason,
            }
            for m in meetings
        ],
        "roster": [
            {
                "id": c.id,
                "member": c.member,
                "kind": c.kind.value,
                "effective_on": day(c.effective_on),
                "status": c.status.value if c.status is not None else None,
                "group": c.group,
                "roles": sorted(role.value for role in c.roles) if c.roles is not None else None,
                "on_long_leave": c.on_long_leave,
                "under_probation_watch": c.under_probation_watch,
                "recorded_at": stamp(c.recorded_at),
                "recorded_by": c.recorded_by,
            }
            for c in changes
        ],
        "rsvps": [
            {
                "meeting": r.meeting_id,
                "member": r.member,
                "answer": r.answer.value,
                "leave_type": r.leave_type.value if r.leave_type else None,
                "reason": r.reason,
                "answered_at": stamp(r.answered_at),
                # a leave request: auto | pending | approved | refused, and the decision on it
                "leave_state": r.leave_state.value if r.leave_state is not None else None,
                "decided_by": r.decision.decided_by if r.decision is not None else None,
                "decided_at": stamp(r.decision.decided_at) if r.decision is not None else None,
                "decision_reason": r.decision.reason if r.decision is not None else None,
            }
            for r in rsvps
        ],
        "leave_decisions": [
            {
                "id": d.id,
                "meeting": d.meeting_id,
                "member": d.member,
                "requested_at": stamp(d.requested_at),
                "outcome": "approved" if d.approved else "refused",
                "decided_by": d.decided_by,
                "decided_at": stamp(d.decided_at),
                "reason": d.reason,
            }
            for d in leave_decisions
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
                "vote": _vote(d.vote),
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
                "payload": _without_file_data(o.payload),
            }
            for o in outbox
        ],
    }


def _vote(vote: Vote | None) -> dict[str, Any] | None:
    """A congress decision's vote for the export, with the result the rule gives."""
    if vote is None:
        return None
    return {
        "for": vote.approve,
        "against": vote.against,
        "abstain": vote.abstain,
        "voting_members": vote.voting_members,
        "passed": vote_passes(vote),
    }


def _without_file_data(payload: dict[str, Any]) -> dict[str, Any]:
    """A post's payload with each attachment's bytes replaced by their size (a chart is ~50 kB of base64)."""
    if "attachments" not in payload:
        return payload
    files = [
        {"filename": item["filename"], "mime": item["mime"], "size": len(base64.b64decode(item["data"]))}
        for item in payload["attachments"]
    ]
    return {**payload, "attachments": files}


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """One year of the ledger as domain objects, for the workbook, the CSV files and the calendar feed.

    Meetings, decisions, suggestions and point entries are those of the year (by local start, record,
    submission and occurrence time); tasks are those of the year's decisions. Attendance is counted
    for meetings that have ended and were not cancelled, over the roster of each meeting's day.
    """

    year: int
    tz: ZoneInfo
    members: list[Member]
    meetings: list[Meeting]
    attendance: dict[int, Attendance]  # meeting id → 应到/实到/请假/缺席
    rsvps: dict[tuple[int, str], Rsvp]  # (meeting id, member key) → the answer
    signins: dict[tuple[int, str], SignIn]
    agenda: dict[int, list[AgendaItem]]
    hosts: dict[int, str | None]  # meeting id → chair's member key (by role, domain.records)
    recorders: dict[int, str | None]
    suggestions: list[Suggestion]
    decisions: list[Decision]
    tasks: dict[int, Task]  # decision id → its task
    ratings: dict[int, list[TaskRating]]  # task id → ratings
    points: list[PointEntry]
    # month → keys of the members on the roster at its end (or at `now`, for the month running)
    month_rosters: dict[int, frozenset[str]] = field(default_factory=dict)
    states: dict[int, str] = field(default_factory=dict)  # meeting id → domain.records.meeting_state
    evaluation: tuple[MemberYear, ...] = ()  # 年度评优 rows (services.evaluation), by rank


async def ledger_snapshot(deps: Deps, year: int, now: datetime, branch: str | None = None) -> LedgerSnapshot:
    """The year's ledger of one branch (None: every branch, for the CLI), read in one unit of work."""
    period = Period(year, PeriodKind.YEAR)
    start, end = period.bounds(deps.tz)

    def in_year(moment: datetime) -> bool:
        return start <= moment < end

    # Each thing is read once, and the 年度评优 rows are counted from the same reads as the other
    # sheets (`EvaluationFacts`): reading the year a second time for them cost as much as the rest.
    async with deps.uow() as uow:
        members = [m for m in await deps.roster.members(uow) if branch is None or m.branch == branch]
        meetings = await uow.meetings.between(None, start, end, include_cancelled=True, branch=branch)
        # The answers, sign-ins and records of these very meetings (this branch's, this year's only),
        # selected by the database from the same window.
        window = MeetingWindow(start, end, branch)
        rsvps = await uow.attendance.rsvps(of=window)
        signins = await uow.attendance.signins(of=window)
        records = await uow.attendance.records(of=window)
        found_agendas = await uow.meetings.agendas([m.id for m in meetings if m.id is not None])
        branch_suggestions = await uow.suggestions.list(branch)
        branch_decisions = await uow.tasks.decisions(branch)
        branch_tasks = await uow.tasks.list(branch)
        year_points = await uow.points.entries(since=start, until=end, branch=branch)
        since = await records_since(uow)
        # One roster check for the year's meetings (`roster_of` would check it for each).
        days = await deps.roster.on_days(uow, [(m.branch, deps.local_date(m.starts_at)) for m in meetings])
        history = await deps.roster.history(uow)
        decisions = [d for d in branch_decisions if in_year(d.recorded_at)]
        tasks = {t.decision_id: t for t in branch_tasks if t.decision_id is not None}
        year_tasks = {d.id or 0: tasks[d.id] for d in decisions if d.id in tasks}
        ratings = await uow.tasks.ratings(of=[t.id for t in year_tasks.values() if t.id is not None])
        rosters = {m.id or 0: days[(m.branch, deps.local_date(m.starts_at))] for m in meetings}
        # Each meeting's own answers and marks: a year's thousands, not looked through once per meeting.
        rsvps_of, signins_of, records_of = _by_meeting(rsvps), _by_meeting(signins), _by_meeting(records)
        meeting_ids = {m.id for m in meetings}
        year_facts = ReportFacts(
            meetings=meetings,
            rosters=rosters,
            members=members,
            rsvps=rsvps_of,
            signins=signins_of,
            records=records_of,
            tasks=branch_tasks,
            decisions=[d for d in branch_decisions if d.meeting_id in meeting_ids],
            since=since,
        )
        cutoff = min(end, now)
        counted_facts = year_facts.before(cutoff, start)  # what the year report counts, as of now
        log = await uow.tasks.rating_log(of=[t.id for t in counted_facts.tasks if t.id is not None])
    evaluation = evaluation_from(
        deps,
        EvaluationFacts(
            report=counted_facts,
            suggestions=branch_suggestions,
            entries=[e for e in year_points if e.occurred_at < cutoff],
            log=log,
            history=history,
        ),
        year,
        now,
        branch,
    )
    today = deps.local_date(now)
    month_rosters = {
        month: frozenset(m.key for m in history.roster_on(members, min(_last_day(year, month), today)))
        for month in range(1, 13)
        if date(year, month, 1) <= today
    }
    counted = {
        m.id or 0: attendance(
            m,
            rosters[m.id or 0],
            rsvps_of.get(m.id or 0, []),
            signins_of.get(m.id or 0, []),
            records_of.get(m.id or 0, []),
        )
        for m in meetings
        if attendance_known(m, now, since)
        and attendance_recorded(m.id or 0, signins_of.get(m.id or 0, []), records_of.get(m.id or 0, []))
    }
    by_task: dict[int, list[TaskRating]] = {}
    for rating in ratings:
        by_task.setdefault(rating.task_id, []).append(rating)
    member_keys = {m.key for m in members}
    return LedgerSnapshot(
        year=year,
        tz=deps.tz,
        members=members,
        meetings=meetings,
        attendance=counted,
        rsvps={(r.meeting_id, r.member): r for r in rsvps},
        signins={(s.meeting_id, s.member): s for s in signins},
        agenda={m.id or 0: found_agendas.get(m.id or 0, []) for m in meetings},
        hosts={m.id or 0: meeting_host(m, rosters[m.id or 0], _present(counted, m)) for m in meetings},
        recorders={
            m.id or 0: meeting_recorder(m, rosters[m.id or 0], _present(counted, m)) for m in meetings
        },
        suggestions=[s for s in branch_suggestions if in_year(s.submitted_at)],
        decisions=decisions,
        tasks=year_tasks,
        ratings=by_task,
        points=[e for e in year_points if e.member in member_keys],
        month_rosters=month_rosters,
        # As the counts see them: one that ended with nothing recorded is not held (domain.attendance).
        states={m.id or 0: meeting_state(m, now) for m in as_counted(meetings, set(counted), now, since)},
        evaluation=evaluation.rows,
    )


def _by_meeting(facts: Iterable[_MeetingFact]) -> dict[int, list[_MeetingFact]]:
    found: dict[int, list[_MeetingFact]] = {}
    for fact in facts:
        found.setdefault(fact.meeting_id, []).append(fact)
    return found


def _last_day(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _present(counted: dict[int, Attendance], meeting: Meeting) -> list[str]:
    found = counted.get(meeting.id or 0)
    return found.present if found is not None else []


async def export_for_chat(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ExportLedger, now: datetime
) -> LedgerSnapshot:
    """/export: the year's ledger of the chat's branch for a secretary, to be sent back as files."""
    chat = require_chat(ctx)
    require(actor, Action.EXPORT)
    return await ledger_snapshot(deps, cmd.year or deps.local_date(now).year, now, chat.branch)
