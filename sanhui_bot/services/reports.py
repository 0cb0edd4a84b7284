"""`/report` and `/minutes`: a branch's record for a month, quarter or year, and one meeting's minutes.

Definitions (the tests count by these; change them here and in the tests together). The period is a
local calendar month, quarter or year; `cutoff` = min(period end, now), so a report asked for before
the period is over counts nothing that has not happened yet.

- Meetings held vs required: per (kind, unit) and per rule period (month for 支委会/党小组会, quarter
  for 支部党员大会/党课), by `domain.compliance`: held = not cancelled, started before the cut-off;
  required = max(rule minimum, planned slots) once the rule period is over, the planned slots due so
  far while it runs. A gap is a rule period with held < required, e.g. "2026年第一季度 未召开支部党员大会".
- Attendance: for each meeting held in the period that ended by the cut-off, 应到/实到/请假/缺席 by
  `domain.quorum.attendance` over the roster of the meeting's day, from what was recorded by the
  cut-off (`domain.attendance.known_by`: a later correction counts from its own date); rate = 实到 / 应到. Per member, the same over the
  meetings the member was expected at.
- Tasks per group and 公示: by `domain.counting`, the same computation as the month-end summary
  (services/summaries.py): tasks as they stood at the cut-off, overdue as of the last day counted.
- Quorum: each 支部党员大会 held: voting members expected, voting members signed in, reached or not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sanhui_bot.commands.model import ShowMinutes, ShowReport
from sanhui_bot.domain.attendance import AttendanceRecord, as_counted, attendance_recorded, known_by
from sanhui_bot.domain.compliance import Compliance, Period, PeriodKind, compliance, lessons_given_by
from sanhui_bot.domain.counting import (
    CountedTask,
    PublicationMiss,
    counted_day,
    publication_record,
    task_counts,
    tasks_by_group,
    unknown_calendar_years,
)
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.evaluation import MemberYear
from sanhui_bot.domain.model import (
    Actor,
    AgendaItem,
    Attendance,
    ChatContext,
    Decision,
    Meeting,
    MeetingKind,
    Member,
    Role,
    Rsvp,
    RsvpAnswer,
    SignIn,
    Suggestion,
    Task,
    committee_unit,
)
from sanhui_bot.domain.organisation import Group
from sanhui_bot.domain.permissions import Action, require, require_minutes_scope
from sanhui_bot.domain.quorum import QuorumCheck, attendance, quorum_for
from sanhui_bot.domain.records import attendance_known, meeting_host, meeting_recorder, meeting_state, rate
from sanhui_bot.services.deps import Deps, meeting_in_branch, records_since, require_chat
from sanhui_bot.services.ports import MeetingWindow, UnitOfWork
from sanhui_bot.services.summaries import KIND_ORDER


@dataclass(frozen=True, slots=True)
class KindTotal:
    """Held against required meetings of one kind in one unit over the whole report period."""

    kind: MeetingKind
    unit: str
    held: int
    required: int

    @property
    def gap(self) -> bool:
        return self.held < self.required


@dataclass(frozen=True, slots=True)
class MeetingAttendance:
    """One held meeting's 应到/实到/请假/缺席 (member keys)."""

    meeting: Meeting
    expected: tuple[str, ...]
    present: tuple[str, ...]
    on_leave: tuple[str, ...]
    absent: tuple[str, ...]

    @property
    def rate(self) -> float | None:
        return rate(len(self.present), len(self.expected))


@dataclass(frozen=True, slots=True)
class MemberAttendance:
    """One member over the period's held meetings they were expected at."""

    member: str
    expected: int
    present: int
    on_leave: int
    absent: int

    @property
    def rate(self) -> float | None:
        return rate(self.present, self.expected)


@dataclass(frozen=True, slots=True)
class GroupTasks:
    """A group's (None: no group's) tasks at the cut-off."""

    group: str | None
    done: int
    open: int
    overdue: tuple[int, ...]  # task ids, by due date

    @property
    def empty(self) -> bool:
        return self.done == 0 and self.open == 0


@dataclass(frozen=True, slots=True)
class CongressQuorum:
    """Whether a 支部党员大会 could vote: more than half of its voting members present (条例)."""

    meeting_id: int
    held_on: date
    check: QuorumCheck


@dataclass(frozen=True, slots=True)
class Report:
    branch: str
    period: Period
    cutoff: datetime
    totals: tuple[KindTotal, ...]  # congress, committee, each group, lesson
    gaps: tuple[Compliance, ...]  # rule periods short of what was required, in time order
    meetings: tuple[MeetingAttendance, ...]  # by start
    members: tuple[MemberAttendance, ...]  # by roster order (key), only members expected somewhere
    tasks: tuple[GroupTasks, ...]  # groups in config order, then "no group" if it has any
    publication_misses: tuple[PublicationMiss, ...]
    publication_unknown: tuple[int, ...]
    quorums: tuple[CongressQuorum, ...]
    unrecorded: int = 0  # meetings held before the bot's first start: counted as held, not for attendance
    # Congresses held whose attendance is unknown: their quorum cannot be checked (not "none held").
    quorum_unknown: tuple[tuple[int, date], ...] = ()
    calendar_unknown: tuple[int, ...] = ()  # years of the period the working-day calendar lacks
    # A year report: the 党课 the secretary gave (at least SECRETARY_LESSONS_PER_YEAR); None otherwise.
    secretary_lessons: int | None = None
    publication_on_time: tuple[int, ...] = ()  # meetings whose 决议清单 was published by its deadline
    evaluation: tuple[MemberYear, ...] = ()  # a year report asked in chat: the 年度评优 rows, by rank


def period_of(deps: Deps, cmd: ShowReport, now: datetime) -> Period:
    """The period a /report names; the current month, quarter or year when it names none."""
    today = deps.local_date(now)
    if cmd.year is None:
        return Period.containing(cmd.period, today)
    if cmd.period is PeriodKind.YEAR:
        return Period(cmd.year, PeriodKind.YEAR)
    if cmd.number is None:
        raise DomainError("bad_period", value=str(cmd.year))
    return Period(cmd.year, cmd.period, cmd.number)


async def show_report(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ShowReport, now: datetime
) -> Report:
    """The chat's branch's report for a month, quarter or year (secretaries and committee members)."""
    chat = require_chat(ctx)
    require(actor, Action.VIEW_REPORT)
    return await report_for(deps, chat.branch, cmd, now)


async def report_for(deps: Deps, branch: str, cmd: ShowReport, now: datetime) -> Report:
    """The branch's report of the period `cmd` names; a year's carries its 年度评优 rows. No permission
    check: the callers (`show_report`, the web view's `ledger.report_page`) make theirs."""
    period = period_of(deps, cmd, now)
    report = await branch_report(deps, branch, period, now)
    if period.kind is PeriodKind.YEAR:
        # Imported here: 年度评优 counts attendance with this module's report_from.
        from sanhui_bot.services.evaluation import year_evaluation

        evaluation = await year_evaluation(deps, period.year, now, branch)
        report = replace(report, evaluation=evaluation.rows)
    return report


def _units(branch: str, groups: Sequence[Group]) -> list[tuple[MeetingKind, str]]:
    pairs: list[tuple[MeetingKind, str]] = []
    for kind in KIND_ORDER:
        if kind is MeetingKind.GROUP:
            pairs.extend((kind, group.key) for group in groups)
        elif kind is MeetingKind.COMMITTEE:
            pairs.append((kind, committee_unit(branch)))
        else:
            pairs.append((kind, branch))
    return pairs


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the reports of one period read: of one branch, or of every branch at once (the school
    summary reads them in a few set-based queries, never per branch or per member)."""

    meetings: list[Meeting]
    rosters: dict[int, Sequence[Member]]  # meeting id → the branch's roster of its day
    members: list[Member]  # everyone ever on the roster of these branches
    rsvps: dict[int, list[Rsvp]]  # by meeting id
    signins: dict[int, list[SignIn]]
    records: dict[int, list[AttendanceRecord]]
    tasks: Sequence[CountedTask]  # unfinished at the period's start
    decisions: list[Decision]  # of these meetings
    since: datetime | None  # records_since

    def by_branch(self) -> dict[str, ReportFacts]:
        """The facts split by branch in one pass (200 branches: no 200 passes over everything)."""
        split: dict[str, ReportFacts] = {}
        for items, name in (
            (self.meetings, "meetings"),
            (self.members, "members"),
            (self.tasks, "tasks"),
            (self.decisions, "decisions"),
        ):
            for item in items:
                branch = split.get(item.branch)
                if branch is None:
                    branch = split[item.branch] = replace(
                        self, meetings=[], members=[], tasks=[], decisions=[]
                    )
                getattr(branch, name).append(item)
        return split

    def before(self, cutoff: datetime, start: datetime) -> ReportFacts:
        """What `report_facts` reads for a period from `start`, asked at `cutoff`, taken from facts of
        a wider window (the ledger's snapshot reads the whole year): the meetings that started
        before `cutoff` with their answers, marks and decisions, the tasks not done before `start`."""
        meetings = [m for m in self.meetings if m.starts_at < cutoff]
        ids = {m.id for m in meetings}
        return ReportFacts(
            meetings=meetings,
            rosters={i: roster for i, roster in self.rosters.items() if i in ids},
            members=self.members,
            rsvps={i: found for i, found in self.rsvps.items() if i in ids},
            signins={i: found for i, found in self.signins.items() if i in ids},
            records={i: found for i, found in self.records.items() if i in ids},
            tasks=[t for t in self.tasks if t.done_at is None or t.done_at >= start],
            decisions=[d for d in self.decisions if d.meeting_id in ids],
            since=self.since,
        )

    def of_branch(self, branch: str) -> ReportFacts:
        """The facts of one branch (meeting-keyed facts need no filtering: they follow the meetings)."""
        return ReportFacts(
            meetings=[m for m in self.meetings if m.branch == branch],
            rosters=self.rosters,
            members=[m for m in self.members if m.branch == branch],
            rsvps=self.rsvps,
            signins=self.signins,
            records=self.records,
            tasks=[t for t in self.tasks if t.branch == branch],
            decisions=[d for d in self.decisions if d.branch == branch],
            since=self.since,
        )


def _by_meeting(rows: Iterable[Any]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.meeting_id, []).append(row)
    return found


async def report_facts(
    uow: UnitOfWork, deps: Deps, period: Period, branch: str | None, now: datetime
) -> ReportFacts:
    """Read what `report_from` counts over `period` as of `now`, for `branch` (None: every branch), in
    `uow`. Only meetings that started by the cut-off: nothing later is counted (not held, not due,
    owing no 决议清单), so a year asked in April reads its first quarter, not the whole plan."""
    start, end = period.bounds(deps.tz)
    cutoff = min(end, now)
    meetings = await uow.meetings.between(None, start, cutoff, include_cancelled=True, branch=branch)
    # The answers, sign-ins, records and decisions of these very meetings, selected by the database
    # from the same window (no list of thousands of ids sent with each statement).
    window = MeetingWindow(start, cutoff, branch)
    rsvps = await uow.attendance.rsvps(of=window)
    signins = await uow.attendance.signins(of=window)
    decisions = await uow.tasks.decisions(branch, of=window)
    records = await uow.attendance.records(of=window)
    members = await deps.roster.members(uow)
    # Each meeting counts the roster of its own day, so later joins and departures change nothing.
    days = {m.id or 0: (m.branch, deps.local_date(m.starts_at)) for m in meetings}
    rosters = await deps.roster.on_days(uow, days.values())
    return ReportFacts(
        meetings=meetings,
        rosters={meeting_id: rosters[day] for meeting_id, day in days.items()},
        members=[m for m in members if branch is None or m.branch == branch],
        rsvps=_by_meeting(rsvps),
        signins=_by_meeting(signins),
        records=_by_meeting(records),
        tasks=await uow.tasks.unfinished(start, branch),  # those done before count nowhere
        decisions=decisions,
        since=await records_since(uow),
    )


async def branch_report(deps: Deps, branch: str, period: Period, now: datetime) -> Report:
    """Everything `/report` shows for a branch and a period, counted as the module docstring says."""
    async with deps.uow() as uow:
        facts = await report_facts(uow, deps, period, branch, now)
    return report_from(deps, facts, branch, period, now)


def report_from(deps: Deps, facts: ReportFacts, branch: str, period: Period, now: datetime) -> Report:
    """The branch's report from facts read by `report_facts` (of this branch, or of every branch)."""
    start, end = period.bounds(deps.tz)
    cutoff = min(end, now)
    found = deps.org.branch(branch)
    groups = list(found.groups) if found is not None else []
    facts = facts.of_branch(branch)
    rosters = facts.rosters
    # What was recorded by the cut-off only (domain.attendance.known_by): a later correction is later's.
    known = {
        i: known_by(cutoff, facts.rsvps.get(i, ()), facts.signins.get(i, ()), facts.records.get(i, ()))
        for i in (m.id for m in facts.meetings)
        if i is not None
    }
    recorded_ids = {i for i, (_, signed, marked) in known.items() if signed or marked}
    # A meeting that ended with nothing recorded is not held until someone records it (issue 12).
    meetings = as_counted(facts.meetings, recorded_ids, cutoff, facts.since)
    since = facts.since

    counts = [
        count
        for kind, unit in _units(branch, groups)
        for count in compliance(meetings, kind, unit, period, deps.tz, cutoff)
    ]
    totals = tuple(
        KindTotal(
            kind,
            unit,
            sum(c.held for c in counts if (c.kind, c.unit) == (kind, unit)),
            sum(c.required for c in counts if (c.kind, c.unit) == (kind, unit)),
        )
        for kind, unit in _units(branch, groups)
    )
    gaps = tuple(sorted((c for c in counts if c.gap), key=lambda c: (c.period.bounds(deps.tz)[0], c.kind)))

    held = [m for m in meetings if not m.called_off and m.ends_at <= cutoff]
    # Attendance is counted where someone signed in or recorded it; a meeting held without (before
    # the bot's first start, or closed with nothing recorded) is held, its attendance unknown.
    recorded = [m for m in held if attendance_known(m, cutoff, since) and m.id in recorded_ids]
    per_meeting = tuple(_meeting_attendance(m, rosters[m.id or 0], *known[m.id or 0]) for m in recorded)
    quorums = tuple(
        CongressQuorum(m.meeting.id or 0, deps.local_date(m.meeting.starts_at), check)
        for m in per_meeting
        if m.meeting.kind is MeetingKind.CONGRESS
        and (check := quorum_for(m.meeting, rosters[m.meeting.id or 0], m.present)) is not None
    )
    with_decisions = {d.meeting_id for d in facts.decisions if d.meeting_id is not None}
    publication = publication_record(meetings, with_decisions, start, cutoff, now, deps.calendar, deps.tz)
    return Report(
        branch=branch,
        period=period,
        cutoff=cutoff,
        totals=totals,
        gaps=gaps,
        meetings=per_meeting,
        members=_member_attendance(facts.members, per_meeting),
        tasks=_group_tasks(facts.tasks, [g.key for g in groups], start, end, cutoff, deps),
        publication_misses=publication.misses,
        publication_unknown=publication.unknown,
        publication_on_time=publication.on_time,
        quorums=quorums,
        unrecorded=len(held) - len(recorded),
        calendar_unknown=unknown_calendar_years(
            deps.calendar, start.date(), counted_day(end, cutoff, deps.tz)
        ),
        secretary_lessons=(
            lessons_given_by(meetings, _secretaries(meetings, rosters), cutoff)
            if period.kind is PeriodKind.YEAR
            else None
        ),
        quorum_unknown=tuple(
            (m.id or 0, deps.local_date(m.starts_at))
            for m in held
            if m.kind is MeetingKind.CONGRESS and not m.called_off and m not in recorded
        ),
    )


def _secretaries(meetings: Sequence[Meeting], rosters: dict[int, Sequence[Member]]) -> set[str]:
    """Who was the branch's 书记 at each 党课 (the roster of the lesson's day)."""
    return {
        member.key
        for m in meetings
        if m.kind is MeetingKind.LESSON
        for member in rosters.get(m.id or 0, ())
        if Role.SECRETARY in member.roles
    }


def _meeting_attendance(
    meeting: Meeting,
    roster: Sequence[Member],
    rsvps: Iterable[Rsvp],
    signins: Iterable[SignIn],
    records: Iterable[AttendanceRecord],
) -> MeetingAttendance:
    counted = attendance(meeting, roster, rsvps, signins, records)
    return MeetingAttendance(
        meeting,
        tuple(counted.expected),
        tuple(counted.present),
        tuple(counted.on_leave),
        tuple(counted.absent),
    )


def _member_attendance(
    roster: Sequence[Member], meetings: Sequence[MeetingAttendance]
) -> tuple[MemberAttendance, ...]:
    # Tallied in one pass over the meetings (a district's quarter: 4,000 meetings, 6,000 members).
    expected: Counter[str] = Counter()
    present: Counter[str] = Counter()
    on_leave: Counter[str] = Counter()
    absent: Counter[str] = Counter()
    for line in meetings:
        expected.update(line.expected)
        present.update(line.present)
        on_leave.update(line.on_leave)
        absent.update(line.absent)
    return tuple(
        MemberAttendance(
            member.key, expected[member.key], present[member.key], on_leave[member.key], absent[member.key]
        )
        for member in sorted(roster, key=lambda m: m.key)
        if expected[member.key]
    )


def _group_tasks(
    tasks: Sequence[CountedTask],
    group_keys: Sequence[str],
    start: datetime,
    end: datetime,
    cutoff: datetime,
    deps: Deps,
) -> tuple[GroupTasks, ...]:
    day = counted_day(end, cutoff, deps.tz)
    by_group = tasks_by_group(tasks, group_keys)
    lines = []
    for key in [*group_keys, None]:
        counts = task_counts(key, by_group.get(key, []), start, cutoff, day)
        line = GroupTasks(key, counts.done, counts.open, tuple(t.id for t in counts.overdue_tasks))
        if key is not None or not line.empty:
            lines.append(line)
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class Minutes:
    """What a meeting's 会议纪要 holds, as stored."""

    meeting: Meeting
    host: str | None  # member keys (by role, see domain.records)
    recorder: str | None
    attendance: Attendance | None  # None: not ended, cancelled, or held before the bot kept records
    leave: dict[str, Rsvp]  # member key → the leave request, for 请假 with reasons
    agenda: tuple[AgendaItem, ...]
    suggestions: tuple[Suggestion, ...]
    decisions: tuple[tuple[Decision, Task | None], ...]  # None: voted down (未通过)
    quorum: QuorumCheck | None
    unrecorded: bool = (
        False  # over, but attendance unknown: before the bot's first start, or nothing recorded
    )
    state: str = ""  # domain.records.meeting_state as of the minutes' moment


@dataclass(frozen=True, slots=True)
class BranchRecords:
    """What the minutes of any meeting of a branch draw on besides the meeting's own rows."""

    suggestions: tuple[Suggestion, ...]
    decisions: tuple[Decision, ...]
    tasks: dict[int | None, Task]  # by decision id
    since: datetime | None  # records_since
    # The meetings' own rows by meeting id, read with one statement each for all of them: a month of
    # the web view's minutes costs the same few statements as one meeting's.
    rsvps: dict[int, list[Rsvp]] = field(default_factory=dict)
    signins: dict[int, list[SignIn]] = field(default_factory=dict)
    records: dict[int, list[AttendanceRecord]] = field(default_factory=dict)
    agendas: dict[int, list[AgendaItem]] = field(default_factory=dict)
    rosters: dict[date, Sequence[Member]] = field(default_factory=dict)  # by local day, when read ahead


async def branch_records(uow: UnitOfWork, branch: str, meeting_ids: Sequence[int]) -> BranchRecords:
    """Read once for the minutes of these meetings of one branch (one, or the web view's month)."""
    ids = list(meeting_ids)
    decided = tuple(await uow.tasks.decisions(branch, of=ids))
    opened = await uow.tasks.of_decisions([d.id for d in decided if d.id is not None])
    tasks: dict[int | None, Task] = {decision: task for decision, task in opened.items()}
    return BranchRecords(
        tuple(await uow.suggestions.list(branch)),
        decided,
        tasks,
        await records_since(uow),
        _by_meeting(await uow.attendance.rsvps(of=ids)),
        _by_meeting(await uow.attendance.signins(of=ids)),
        _by_meeting(await uow.attendance.records(of=ids)),
        await uow.meetings.agendas(ids),
    )


async def meeting_minutes(deps: Deps, branch: str, meeting_id: int, now: datetime) -> Minutes:
    """A meeting's 会议纪要 data (no permission check: the CLI and `show_minutes` use it)."""
    async with deps.uow() as uow:
        meeting = await meeting_in_branch(uow, branch, meeting_id)
        return await minutes_of(uow, deps, meeting, now, await branch_records(uow, branch, [meeting_id]))


async def minutes_of(
    uow: UnitOfWork, deps: Deps, meeting: Meeting, now: datetime, known: BranchRecords
) -> Minutes:
    """A meeting's 会议纪要 data, read in the caller's unit of work (no permission check)."""
    meeting_id = meeting.id or 0
    roster = known.rosters.get(deps.local_date(meeting.starts_at))
    if roster is None:
        roster = await deps.roster_of(uow, meeting)
    rsvps = known.rsvps.get(meeting_id, [])
    signins = known.signins.get(meeting_id, [])
    records = known.records.get(meeting_id, [])
    agenda = known.agendas.get(meeting_id, [])
    suggestions = [s for s in known.suggestions if s.meeting_id == meeting_id]
    decisions = [d for d in known.decisions if d.meeting_id == meeting_id]
    tasks = known.tasks
    since = known.since
    known_attendance = attendance_known(meeting, now, since) and attendance_recorded(
        meeting_id, signins, records
    )
    counted = attendance(meeting, roster, rsvps, signins, records) if known_attendance else None
    over = not meeting.called_off and meeting.ends_at <= now
    return Minutes(
        meeting=meeting,
        host=meeting_host(meeting, roster, counted.present if counted else ()),
        recorder=meeting_recorder(meeting, roster, counted.present if counted else ()),
        attendance=counted,
        leave={r.member: r for r in rsvps if r.answer is RsvpAnswer.LEAVE},
        agenda=tuple(agenda),
        suggestions=tuple(suggestions),
        decisions=tuple((d, tasks.get(d.id)) for d in decisions),
        quorum=quorum_for(meeting, roster, counted.present) if counted else None,
        unrecorded=over and not known_attendance,
        state=meeting_state(
            as_counted([meeting], {meeting_id} if known_attendance else set(), now, since)[0], now
        ),
    )


async def show_minutes(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ShowMinutes, now: datetime
) -> Minutes:
    """/minutes N: committee members for any meeting of the branch, a group leader for the own group's."""
    chat = require_chat(ctx)
    member = require(actor, Action.MINUTES)
    minutes = await meeting_minutes(deps, chat.branch, cmd.meeting_id, now)
    require_minutes_scope(member, minutes.meeting)
    return minutes
