"""`/report` as chat text: zh-CN first, en; the figures of services.reports, one short line each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sanhui_bot.domain.compliance import SECRETARY_LESSONS_PER_YEAR, Period
from sanhui_bot.domain.evaluation import MemberYear
from sanhui_bot.domain.model import Meeting, MeetingKind
from sanhui_bot.domain.records import rate
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.render.catalog import EN, word
from sanhui_bot.render.periods import gap_line, period_name, unit_part
from sanhui_bot.render.replies import Attachment, Renderer, Reply, fits_one_message
from sanhui_bot.render.summaries import calendar_unknown_line, render_publication
from sanhui_bot.services.reports import GroupTasks, KindTotal, MeetingAttendance, MemberAttendance, Report
from sanhui_bot.services.school import BranchStanding


def percent(value: float | None, renderer: Renderer) -> str:
    return renderer.t("report_rate_none") if value is None else f"{round(100 * value)}%"


def day(value: date, renderer: Renderer) -> str:
    if renderer.language == EN:
        return f"{value:%b} {value.day}"
    return f"{value.month}月{value.day}日"


def _cutoff(moment: datetime, renderer: Renderer) -> str:
    local = to_zone(moment, renderer.tz)
    if local.hour == 0 and local.minute == 0:
        # A period that is over is counted to its end: name its last day, not the next day's midnight.
        return day(local.date() - timedelta(days=1), renderer)
    return renderer.when(moment)


def _total_line(total: KindTotal, renderer: Renderer) -> str:
    return renderer.t(
        "report_meeting_line",
        kind_name=renderer.w(f"kind.{total.kind}"),
        unit_part=unit_part(total.kind, total.unit, renderer),
        held=total.held,
        required=total.required,
    )


def _meeting_label(meeting: Meeting, renderer: Renderer) -> dict[str, object]:
    return {
        "id": meeting.id,
        "day": day(to_zone(meeting.starts_at, renderer.tz).date(), renderer),
        "kind_name": renderer.w(f"kind.{meeting.kind}"),
        "unit_part": unit_part(meeting.kind, meeting.unit, renderer),
    }


def _attendance_line(line: MeetingAttendance, renderer: Renderer) -> str:
    return renderer.t(
        "report_attendance_line",
        present=len(line.present),
        expected=len(line.expected),
        rate=percent(line.rate, renderer),
        leave=len(line.on_leave),
        absent=len(line.absent),
        **_meeting_label(line.meeting, renderer),
    )


def _member_line(line: MemberAttendance, renderer: Renderer) -> str:
    return renderer.t(
        "report_member_line",
        name=renderer.name(line.member),
        present=line.present,
        expected=line.expected,
        rate=percent(line.rate, renderer),
        leave=line.on_leave,
        absent=line.absent,
    )


def _task_line(line: GroupTasks, renderer: Renderer) -> str:
    name = renderer.t("summary_unassigned") if line.group is None else renderer.group_name(line.group)
    ids = renderer.w("list_sep").join(f"#{task_id}" for task_id in line.overdue)
    return renderer.t(
        "report_task_line",
        group_name=name,
        done=line.done,
        open=line.open,
        overdue=len(line.overdue),
        overdue_part=renderer.t("report_overdue_ids", ids=ids) if line.overdue else "",
    )


def render_report(report: Report, renderer: Renderer) -> str:
    """The report's text in the renderer's language."""
    lines = [
        renderer.t(
            "report_title",
            branch_name=renderer.org.unit_name(report.branch),
            period_name=period_name(report.period, renderer),
            cutoff=_cutoff(report.cutoff, renderer),
        ),
        "",
        renderer.t("report_meetings_title"),
    ]
    if report.calendar_unknown:
        lines.append(calendar_unknown_line(report.calendar_unknown, renderer))
    lines.extend(_total_line(total, renderer) for total in report.totals)
    if report.secretary_lessons is not None:
        code = "report_secretary_lessons" if report.secretary_lessons else "report_secretary_lessons_none"
        lines.append(renderer.t(code, count=report.secretary_lessons, minimum=SECRETARY_LESSONS_PER_YEAR))
    if report.gaps:
        lines.append(renderer.t("report_gaps_title"))
        lines.extend(f"  {gap_line(gap, renderer)}" for gap in report.gaps)
    elif not report.calendar_unknown:  # never "all held" when the plan could not be counted
        lines.append(renderer.t("report_gaps_none"))
    lines += ["", renderer.t("report_attendance_title")]
    lines.extend(_attendance_line(line, renderer) for line in report.meetings)
    if not report.meetings and not report.unrecorded:
        lines.append(renderer.t("report_attendance_none"))
    if report.unrecorded:
        lines.append(renderer.t("report_attendance_unrecorded", count=report.unrecorded))
    if report.members:
        lines += ["", renderer.t("report_members_title")]
        lines.extend(_member_line(line, renderer) for line in report.members)
    lines += ["", renderer.t("report_tasks_title")]
    lines.extend(_task_line(line, renderer) for line in report.tasks)
    publication = render_publication(
        report.publication_misses, report.publication_unknown, renderer, report.calendar_unknown
    )
    lines += ["", *publication]
    lines += ["", renderer.t("report_quorum_title")]
    for quorum in report.quorums:
        check = quorum.check
        lines.append(
            renderer.t(
                "report_quorum_line",
                id=quorum.meeting_id,
                day=day(quorum.held_on, renderer),
                voting=check.voting,
                present=check.present,
                needed=check.needed,
                verdict=renderer.t("report_quorum_reached" if check.reached else "report_quorum_missed"),
            )
        )
    lines.extend(
        renderer.t("report_quorum_unknown", id=meeting_id, day=day(held_on, renderer))
        for meeting_id, held_on in report.quorum_unknown
    )
    if not report.quorums and not report.quorum_unknown:
        lines.append(renderer.t("report_quorum_none"))
    if report.evaluation:
        lines += ["", renderer.t("report_evaluation_title")]
        lines.extend(evaluation_line(row, renderer) for row in report.evaluation)
    return "\n".join(lines)


def evaluation_line(row: MemberYear, renderer: Renderer) -> str:
    """One member's 年度评优 row as a line."""
    return renderer.t(
        "report_evaluation_line",
        rank=row.rank,
        name=renderer.name(row.member),
        points=row.points,
        present=row.present,
        expected=row.expected,
        rate=percent(row.attendance_rate, renderer),
        on_time=row.tasks_on_time,
        late=row.tasks_late,
        overdue=row.tasks_overdue,
        suggestions=row.suggestions,
        adopted=row.suggestions_adopted,
        rated=row.rated_satisfied,
    )


def export_reply(files: tuple[Attachment, ...], year: int, renderer: Renderer) -> Reply:
    """/export: the files, and a line naming them (the files are the point; the text says what came)."""
    names = renderer.w("list_sep").join(attachment.filename for attachment in files)
    return Reply(renderer.t("export_sent", year=year, files=names), attachments=files)


# One chat message: Telegram takes 4,096 characters; room is left for a late post's prefix.
SCHOOL_TEXT_BUDGET = 3500
ATTENTION_NAMED = 10  # branches named in the "needing attention" line; the rest are counted


def render_school_report(
    school: str,
    period: Period,
    standings: tuple[BranchStanding, ...],
    renderer: Renderer,
    quarter: Period | None = None,
    quarter_missing: tuple[tuple[str, tuple[MeetingKind, ...]], ...] = (),
    budget: int = SCHOOL_TEXT_BUDGET,
) -> str:
    """The 党委's summary: one line per branch, those needing attention first and named at the end; at a
    quarter's end, the quarter's 党员大会/党课 missed. Always one message: lines that do not fit in
    `budget` characters are counted instead (the workbook `export --school` has every branch)."""
    head = [renderer.t("school_report_title", school=school, period_name=period_name(period, renderer)), ""]
    tail = [""]
    if quarter is not None:
        tail.extend(_quarter_lines(quarter, quarter_missing, renderer))
    concerned = [s for s in standings if any(s.concern[:3])]
    if concerned:
        names = "、".join(renderer.org.unit_name(s.branch) for s in concerned[:ATTENTION_NAMED])
        more = len(concerned) - ATTENTION_NAMED
        if more > 0:
            names += renderer.t("school_report_and_more", count=more)
        tail.append(renderer.t("school_report_attention", branches=names))
    else:
        tail.append(renderer.t("school_report_all_well"))
    room = budget - sum(len(line) + 1 for line in [*head, *tail]) - 120  # 120: the "not listed" line
    lines: list[str] = []
    for index, standing in enumerate(standings):
        line = _school_line(standing, renderer)
        if len(line) + 1 > room:
            rest = standings[index:]
            lines.append(
                renderer.t(
                    "school_report_not_listed",
                    count=len(rest),
                    attention=sum(1 for s in rest if any(s.concern[:3])),
                )
            )
            break
        lines.append(line)
        room -= len(line) + 1
    return "\n".join([*head, *lines, *tail])


def _school_line(standing: BranchStanding, renderer: Renderer) -> str:
    missing = standing.missing
    kinds = "、".join(f"{word(f'kind.{kind}', renderer.language)}{count}" for kind, count in missing.items())
    return renderer.t(
        "school_report_line",
        branch=renderer.org.unit_name(standing.branch),
        held=sum(standing.held.values()),
        required=sum(standing.required.values()),
        missing=renderer.t("school_report_missing", kinds=kinds) if missing else "",
        on_time=standing.publication_on_time,
        late=standing.publication_late,
        never=standing.publication_missing,
        rate="—" if standing.attendance_rate is None else f"{standing.attendance_rate:.0%}",
        done=standing.tasks_done,
        open=standing.tasks_open,
        overdue=standing.tasks_overdue,
    )


def _quarter_lines(
    quarter: Period, missing: tuple[tuple[str, tuple[MeetingKind, ...]], ...], renderer: Renderer
) -> list[str]:
    """At a quarter's end: which branches held no 党员大会 or 党课 in the quarter, by kind."""
    name = period_name(quarter, renderer)
    lines = []
    for kind in (MeetingKind.CONGRESS, MeetingKind.LESSON):
        branches = [branch for branch, kinds in missing if kind in kinds]
        if branches:
            shown = "、".join(renderer.org.unit_name(b) for b in branches[:ATTENTION_NAMED])
            if len(branches) > ATTENTION_NAMED:
                shown += renderer.t("school_report_and_more", count=len(branches) - ATTENTION_NAMED)
            lines.append(
                renderer.t(
                    "school_report_quarter_missing",
                    quarter=name,
                    kind_name=word(f"kind.{kind}", renderer.language),
                    branches=shown,
                )
            )
    if not lines:
        lines.append(renderer.t("school_report_quarter_complete", quarter=name))
    return lines


def year_end_post(
    branch: str, year: int, rows: Sequence[MemberYear], workbook: Attachment, renderer: Renderer
) -> Reply:
    """The branch chat's 年度评优 at year end: one short message, the year's workbook attached."""
    leaders = [row for row in rows if row.rank <= 3 and row.points > 0]
    present, expected = sum(r.present for r in rows), sum(r.expected for r in rows)
    text = renderer.t(
        "year_end_post",
        branch_name=renderer.org.unit_name(branch),
        year=year,
        leaders=renderer.w("list_sep").join(
            renderer.t("year_end_leader", name=renderer.name(r.member), points=r.points) for r in leaders
        )
        or renderer.t("year_end_no_points"),
        rate=percent(rate(present, expected), renderer),
        members=len(rows),
        on_time=sum(r.tasks_on_time for r in rows),
        late=sum(r.tasks_late for r in rows),
        overdue=sum(r.tasks_overdue for r in rows),
        adopted=sum(r.suggestions_adopted for r in rows),
        filename=workbook.filename,
    )
    return Reply(text, subject=f"year:{year}", attachments=(workbook,))


REPORT_MIME = "text/plain"
SUMMARY_LOWEST = 3  # the meetings and the members with the lowest attendance a summary names
SUMMARY_GAPS = 5  # the gaps a summary names; the rest are counted


def report_filename(branch: str, period: Period) -> str:
    """report-t1-2026-03.txt, report-t1-2026-Q1.txt, report-t1-2026.txt"""
    if period.kind.value == "month":
        return f"report-{branch}-{period.year}-{period.number:02d}.txt"
    if period.kind.value == "quarter":
        return f"report-{branch}-{period.year}-Q{period.number}.txt"
    return f"report-{branch}-{period.year}.txt"


def report_reply(report: Report, renderer: Renderer) -> Reply:
    """/report: the report as one message when it fits; else a summary that fits, with the whole
    report as a text file (issue 14: every reply is one message)."""
    text = render_report(report, renderer)
    if fits_one_message(text):
        return Reply(text)
    filename = report_filename(report.branch, report.period)
    attachment = Attachment(filename, text.encode("utf-8"), REPORT_MIME)
    return Reply(render_report_summary(report, renderer, filename), attachments=(attachment,))


def _lowest(lines: list[tuple[str, float | None]], renderer: Renderer) -> str:
    """The few with the lowest rate, "name 40%", lowest first; those without a rate are left out."""
    rated = sorted((rate, label) for label, rate in lines if rate is not None)[:SUMMARY_LOWEST]
    return renderer.w("list_sep").join(f"{label} {percent(rate, renderer)}" for rate, label in rated) or "—"


def render_report_summary(report: Report, renderer: Renderer, filename: str) -> str:
    """A long report's summary: its totals, gaps, tasks and the lowest attendance, bounded by the
    number of groups, not by the number of meetings or members."""
    lines = [
        renderer.t(
            "report_title",
            branch_name=renderer.org.unit_name(report.branch),
            period_name=period_name(report.period, renderer),
            cutoff=_cutoff(report.cutoff, renderer),
        ),
        renderer.t("report_file_note", filename=filename),
        "",
        renderer.t("report_meetings_title"),
    ]
    if report.calendar_unknown:
        lines.append(calendar_unknown_line(report.calendar_unknown, renderer))
    lines.extend(_total_line(total, renderer) for total in report.totals)
    if report.gaps:
        lines.append(renderer.t("report_gaps_title"))
        lines.extend(f"  {gap_line(gap, renderer)}" for gap in report.gaps[:SUMMARY_GAPS])
        if len(report.gaps) > SUMMARY_GAPS:
            lines.append(renderer.t("report_summary_more", count=len(report.gaps) - SUMMARY_GAPS))
    lines += ["", renderer.t("report_attendance_title")]
    if report.meetings:
        present = sum(len(line.present) for line in report.meetings)
        expected = sum(len(line.expected) for line in report.meetings)
        labels = [
            (renderer.t("report_summary_meeting", **_meeting_label(line.meeting, renderer)), line.rate)
            for line in report.meetings
        ]
        lines.append(
            renderer.t(
                "report_summary_attendance",
                meetings=len(report.meetings),
                present=present,
                expected=expected,
                rate=percent(present / expected if expected else None, renderer),
                lowest=_lowest(labels, renderer),
            )
        )
    else:
        lines.append(renderer.t("report_attendance_none"))
    if report.members:
        members = [(renderer.name(line.member), line.rate) for line in report.members]
        lines.append(
            renderer.t(
                "report_summary_members", members=len(report.members), lowest=_lowest(members, renderer)
            )
        )
    lines += ["", renderer.t("report_tasks_title")]
    lines.extend(_task_summary_line(line, renderer) for line in report.tasks)
    misses = len(report.publication_misses) + len(report.publication_unknown)
    if misses:
        lines += ["", renderer.t("report_summary_publication", count=misses)]
    if report.quorums:
        missed = ", ".join(f"#{q.meeting_id}" for q in report.quorums if not q.check.reached) or "—"
        lines += ["", renderer.t("report_summary_quorum", count=len(report.quorums), missed=missed)]
    return "\n".join(lines)


def _task_summary_line(line: GroupTasks, renderer: Renderer) -> str:
    """A group's task counts without the ids of its overdue tasks (those are in the file)."""
    name = renderer.t("summary_unassigned") if line.group is None else renderer.group_name(line.group)
    return renderer.t(
        "report_task_line",
        group_name=name,
        done=line.done,
        open=line.open,
        overdue=len(line.overdue),
        overdue_part="",
    )
