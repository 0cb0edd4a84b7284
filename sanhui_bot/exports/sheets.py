"""The six sheets of the 台账 workbook, as plain tables shared by the xlsx and CSV writers.

Headers are Chinese (the inspector's language); enum values use the catalogue's zh-CN words; times
are naive local datetimes and dates real dates, so Excel sorts and filters them as such.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sanhui_bot.domain.attendance import Mark
from sanhui_bot.domain.evaluation import MemberYear
from sanhui_bot.domain.model import Meeting, MeetingSource, Rating, Task
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.domain.quorum import vote_passes
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.render.catalog import ZH, task_status_key, word
from sanhui_bot.services.export import LedgerSnapshot

Cell = str | int | float | date | datetime | None

MEETINGS, ATTENDANCE, DECISIONS, SUGGESTIONS, POINTS = "会议记录", "出勤明细", "决议与任务", "献策", "积分"
EVALUATION = "年度评优"
SHEET_TITLES = (MEETINGS, ATTENDANCE, DECISIONS, SUGGESTIONS, POINTS, EVALUATION)
EVALUATION_HEADERS = (
    "排名", "党员", "年度积分", "应出席", "出席", "请假", "缺席", "出勤率",
    "任务按时完成", "任务逾期完成", "任务逾期未完成", "献策", "献策被采纳", "群众评价满意",
)  # fmt: skip
DATE_FORMAT, DATETIME_FORMAT, MONTH_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "yyyy-mm"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table: a title, its header row and its rows; `formats` overrides a column's number format."""

    title: str
    headers: tuple[str, ...]
    rows: list[list[Cell]]
    formats: dict[int, str] = field(default_factory=dict)  # 0-based column → Excel number format


def display_width(value: Cell) -> int:
    """How many columns a cell needs: CJK characters are twice as wide as Latin ones."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    longest = max(text.splitlines(), key=len, default="")
    if longest.isascii():
        return len(longest)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest)


class _Names:
    def __init__(self, snapshot: LedgerSnapshot, org: Organisation) -> None:
        self.snapshot = snapshot
        self.org = org
        self.members = {m.key: m.name for m in snapshot.members}
        self._local: dict[datetime, datetime] = {}  # a year's meetings share their start times

    def member(self, key: str | None) -> str:
        return "" if key is None else self.members.get(key, key)

    def unit(self, unit: str) -> str:
        return self.org.unit_name(unit)

    def group(self, key: str | None) -> str:
        group = self.org.group(key) if key else None
        return group.name if group else (key or "")

    def local(self, moment: datetime | None) -> datetime | None:
        # Excel has no time zones: the local wall-clock time is what the secretary expects to see.
        if moment is None:
            return None
        found = self._local.get(moment)
        if found is None:
            found = self._local[moment] = to_zone(moment, self.snapshot.tz).replace(tzinfo=None)
        return found

    def day(self, moment: datetime | None) -> date | None:
        local = self.local(moment)
        return local.date() if local is not None else None

    def meeting(self, meeting: Meeting | None) -> str:
        if meeting is None:
            return ""
        held_on = self.day(meeting.starts_at)
        return f"#{meeting.id} {word(f'kind.{meeting.kind}', ZH)} {held_on}"


def _meeting_rows(snapshot: LedgerSnapshot, names: _Names) -> Sheet:
    rows: list[list[Cell]] = []
    for m in snapshot.meetings:
        counted = snapshot.attendance.get(m.id or 0)
        topics = [m.fixed_topic] if m.fixed_topic else []
        topics += [item.topic for item in snapshot.agenda.get(m.id or 0, [])]
        leave = []
        if counted is not None:
            for key in counted.on_leave:
                rsvp = snapshot.rsvps.get((m.id or 0, key))
                kind = word(f"leave.{rsvp.leave_type}", ZH) if rsvp and rsvp.leave_type else ""
                leave.append(f"{names.member(key)}（{kind}：{rsvp.reason if rsvp else ''}）")
        rows.append(
            [
                m.id,
                word(f"kind.{m.kind}", ZH),
                names.unit(m.unit),
                names.local(m.starts_at),
                names.local(m.ends_at),
                m.place,
                names.member(snapshot.hosts.get(m.id or 0)),
                names.member(snapshot.recorders.get(m.id or 0)),
                m.title,
                names.member(m.speaker) if m.speaker else "",
                "；".join(topics),
                len(counted.expected) if counted else None,
                len(counted.present) if counted else None,
                len(counted.on_leave) if counted else None,
                "；".join(leave),
                len(counted.absent) if counted else None,
                "、".join(names.member(key) for key in counted.absent) if counted else "",
                word(f"meeting_status.{snapshot.states.get(m.id or 0, m.status)}", ZH),
                "计划" if m.source is MeetingSource.PLAN else "临时",
                m.cancelled_reason,
                names.day(m.published_at),
            ]
        )
    headers = (
        "编号", "会议类型", "单位", "开始时间", "结束时间", "地点", "主持人", "记录人", "主题", "主讲人", "议题",
        "应到", "实到", "请假", "请假人员及事由", "缺席", "缺席人员", "状态", "来源", "取消原因", "公示日期",
    )  # fmt: skip
    return Sheet(MEETINGS, headers, rows, {3: DATETIME_FORMAT, 4: DATETIME_FORMAT, 19: DATE_FORMAT})


def _attendance_rows(snapshot: LedgerSnapshot, names: _Names) -> Sheet:
    rows: list[list[Cell]] = []
    for m in snapshot.meetings:
        counted = snapshot.attendance.get(m.id or 0)
        if counted is None:
            continue
        # What every row of the meeting shares, once per meeting; the lists as sets for the lookups.
        held_on, kind, unit = names.day(m.starts_at), word(f"kind.{m.kind}", ZH), names.unit(m.unit)
        present, on_leave = set(counted.present), set(counted.on_leave)
        for key in counted.expected:
            rsvp = snapshot.rsvps.get((m.id or 0, key))
            signin = snapshot.signins.get((m.id or 0, key))
            if key in present:
                state, leave_type, reason = "出席", "", ""
            elif key in on_leave:
                state = "请假"
                leave_type = word(f"leave.{rsvp.leave_type}", ZH) if rsvp and rsvp.leave_type else ""
                reason = rsvp.reason if rsvp else ""
            else:
                state, leave_type, reason = "缺席", "", ""
            # issue 18: how the mark was made and by whom; a leave request's approval, if it had one
            mark = counted.marks.get(key)
            decision = rsvp.decision if rsvp is not None else None
            leave_state = rsvp.leave_state if rsvp is not None else None
            rows.append(
                [
                    m.id,
                    held_on,
                    kind,
                    unit,
                    names.member(key),
                    state,
                    leave_type,
                    reason,
                    names.local(signin.signed_at) if signin else None,
                    word(f"how.{mark.how}", ZH) if mark is not None else "无记录",
                    _recorder(mark, names),
                    names.local(mark.at) if mark is not None else None,
                    word(f"leave_state.{leave_state}", ZH) if leave_state is not None else "",
                    names.member(decision.decided_by) if decision is not None else "",
                    names.local(decision.decided_at) if decision is not None else None,
                ]
            )
    headers = (
        "会议编号",
        "会议日期",
        "会议类型",
        "单位",
        "党员",
        "出勤情况",
        "请假类别",
        "请假事由",
        "签到时间",
        "记录方式",
        "记录人",
        "记录时间",
        "请假审批",
        "审批人",
        "审批时间",
    )
    formats = {1: DATE_FORMAT, 8: DATETIME_FORMAT, 11: DATETIME_FORMAT, 14: DATETIME_FORMAT}
    return Sheet(ATTENDANCE, headers, rows, formats)


def _recorder(mark: Mark | None, names: _Names) -> str:
    """Who made the mark: the recorder by name, 本人 for the member's own sign-in or leave request."""
    if mark is None:
        return ""
    return names.member(mark.recorded_by) if mark.recorded_by is not None else "本人"


def _ratings(task: Task, snapshot: LedgerSnapshot) -> Counter[Rating]:
    return Counter(rating.rating for rating in snapshot.ratings.get(task.id or 0, []))


def _decision_rows(snapshot: LedgerSnapshot, names: _Names) -> Sheet:
    meetings = {m.id: m for m in snapshot.meetings}
    rows: list[list[Cell]] = []
    for decision in snapshot.decisions:
        task = snapshot.tasks.get(decision.id or 0)
        vote = decision.vote
        if task is None and vote is None:
            continue  # a decision always has its task unless a vote turned it down
        meeting = meetings.get(decision.meeting_id)
        head: list[Cell] = [
            decision.id,
            decision.title,
            names.meeting(meeting)
            if meeting
            else ("会间决议" if decision.meeting_id is None else f"#{decision.meeting_id}"),
            names.day(decision.recorded_at),
        ]
        votes: list[Cell] = (
            [
                vote.approve,
                vote.against,
                vote.abstain,
                vote.voting_members,
                "通过" if vote_passes(vote) else "未通过",
            ]
            if vote is not None
            else [None, None, None, None, ""]
        )
        if task is None:
            rows.append([*head, None, "", "", "", None, "未通过", None, "", None, None, None, *votes])
            continue
        counts = _ratings(task, snapshot)
        rows.append(
            [
                *head,
                task.id,
                names.member(task.owner),
                names.member(task.lead),
                names.group(task.claimed_by_group or task.group),
                task.due_on,
                word(task_status_key(task.status.value, bool(task.group or task.claimed_by_group)), ZH),
                task.done_on,
                task.done_note,
                counts[Rating.SATISFIED],
                counts[Rating.BASICALLY_SATISFIED],
                counts[Rating.UNSATISFIED],
                *votes,
            ]
        )
    headers = (
        "决议编号", "决议", "会议", "记录日期", "任务编号", "责任人", "牵头支委", "党小组", "截止日期",
        "状态", "完成日期", "完成情况", "评价：满意", "评价：基本满意", "评价：不满意",
        "表决：同意", "表决：反对", "表决：弃权", "有表决权人数", "表决结果",
    )  # fmt: skip
    return Sheet(DECISIONS, headers, rows, {3: DATE_FORMAT, 8: DATE_FORMAT, 10: DATE_FORMAT})


def _suggestion_rows(snapshot: LedgerSnapshot, names: _Names) -> Sheet:
    meetings = {m.id: m for m in snapshot.meetings}
    rows: list[list[Cell]] = [
        [
            s.id,
            s.text,
            names.member(s.member),
            names.local(s.submitted_at),
            names.meeting(meetings.get(s.meeting_id)) if s.meeting_id else "",
            "是" if s.adopted else "否",
            names.day(s.adopted_at),
        ]
        for s in snapshot.suggestions
    ]
    headers = ("编号", "献策内容", "党员", "提交时间", "会议", "是否采纳", "采纳日期")
    return Sheet(SUGGESTIONS, headers, rows, {3: DATETIME_FORMAT, 6: DATE_FORMAT})


def _points_rows(snapshot: LedgerSnapshot, names: _Names) -> Sheet:
    by_member_month: dict[tuple[str, int], list] = {}
    for entry in snapshot.points:
        month = to_zone(entry.occurred_at, snapshot.tz).month
        by_member_month.setdefault((entry.member, month), []).append(entry)
    last_month = max((month for _, month in by_member_month), default=0)
    # A month lists the members on the roster at its end and anyone with entries in it, so a month's
    # rows stay as they were when members join or leave later.
    rows: list[list[Cell]] = []
    for member in snapshot.members:
        running = 0
        for month in range(1, last_month + 1):
            entries = by_member_month.get((member.key, month), [])
            month_total = sum(entry.delta for entry in entries)
            running += month_total
            if not entries and member.key not in snapshot.month_rosters.get(month, frozenset()):
                continue
            details = "；".join(
                f"{names.day(e.occurred_at):%m-%d} {word(f'reason.{e.reason}', ZH)} {e.delta:+d}"
                + (f"（{e.note}）" if e.note else "")
                for e in entries
            )
            rows.append(
                [member.name, date(snapshot.year, month, 1), month_total, running, len(entries), details]
            )
    headers = ("党员", "月份", "本月积分", "年度累计", "记录条数", "明细（日期 事由 分值）")
    return Sheet(POINTS, headers, rows, {1: MONTH_FORMAT})


def evaluation_sheet(
    rows: Sequence[MemberYear],
    names: Mapping[str, str],
    org: Organisation | None = None,
    title: str = EVALUATION,
) -> Sheet:
    """年度评优: one row per member (services.evaluation); with `org`, a first 支部 column (school-wide)."""
    table: list[list[Cell]] = []
    for row in rows:
        cells: list[Cell] = [
            row.rank,
            names.get(row.member, row.member),
            row.points,
            row.expected,
            row.present,
            row.on_leave,
            row.absent,
            row.attendance_rate,
            row.tasks_on_time,
            row.tasks_late,
            row.tasks_overdue,
            row.suggestions,
            row.suggestions_adopted,
            row.rated_satisfied,
        ]
        table.append([org.unit_name(row.branch), *cells] if org is not None else cells)
    rate_column = EVALUATION_HEADERS.index("出勤率") + (1 if org is not None else 0)
    headers = ("支部", *EVALUATION_HEADERS) if org is not None else EVALUATION_HEADERS
    return Sheet(title, headers, table, {rate_column: "0.0%"})


def ledger_sheets(snapshot: LedgerSnapshot, org: Organisation) -> list[Sheet]:
    """会议记录, 出勤明细, 决议与任务, 献策, 积分, 年度评优 — in that order."""
    names = _Names(snapshot, org)
    return [
        _meeting_rows(snapshot, names),
        _attendance_rows(snapshot, names),
        _decision_rows(snapshot, names),
        _suggestion_rows(snapshot, names),
        _points_rows(snapshot, names),
        evaluation_sheet(snapshot.evaluation, names.members),
    ]
