"""The month-end 积分公示栏 as chat text: zh-CN first, en; short lines for a phone screen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sanhui_bot.domain.counting import shared_places
from sanhui_bot.domain.model import MeetingKind, committee_unit
from sanhui_bot.render.catalog import EN
from sanhui_bot.render.periods import gap_line
from sanhui_bot.render.replies import Renderer
from sanhui_bot.services.summaries import (
    BranchSummary,
    CommitteeSummary,
    GroupSummary,
    MeetingCount,
    OverdueTask,
    PublicationMiss,
    RankedMember,
    TaskCounts,
)


def render_summary(summary: BranchSummary | GroupSummary | CommitteeSummary, renderer: Renderer) -> str:
    """The summary's text in the renderer's language."""
    if isinstance(summary, BranchSummary):
        lines = _branch(summary, renderer)
    elif isinstance(summary, GroupSummary):
        lines = _group(summary, renderer)
    else:
        lines = _committee(summary, renderer)
    return "\n".join(lines)


def _day(day: date, renderer: Renderer) -> str:
    if renderer.language == EN:
        return f"{day:%b} {day.day}"
    return f"{day.month}月{day.day}日"


def _unit_part(kind: MeetingKind, unit: str, renderer: Renderer) -> str:
    # Congress, committee and lesson have one unit each; only a group meeting needs its group named.
    return f"·{renderer.group_name(unit)}" if kind is MeetingKind.GROUP else ""


def _ranking(ranking: Sequence[RankedMember], renderer: Renderer) -> list[str]:
    """Ranked members with their place (并列 on a shared one), then, on one line, those with no entry
    this month: they have no place (issue 14: not everyone "1. … +0" in an empty month)."""
    lines = [renderer.t("summary_ranking_title")]
    ranked = [line for line in ranking if line.rank is not None]
    shared = shared_places(ranked)  # once, not once per line: a branch ranks a hundred
    lines.extend(
        renderer.t(
            "summary_rank_line",
            rank=line.rank,
            tied_part=renderer.t("summary_rank_tied") if line.rank in shared else "",
            name=renderer.name(line.member),
            month_total=line.month_total,
            year_total=line.year_total,
        )
        for line in ranked
    )
    unranked = [line.member for line in ranking if line.rank is None]
    if unranked and ranked:  # a count, not names: the board stays short in a large branch
        lines.append(renderer.t("summary_unranked", count=len(unranked)))
    elif unranked:
        lines.append(renderer.t("summary_ranking_empty", count=len(unranked)))
    if not ranking:
        lines.append(renderer.t("summary_ranking_none"))
    return lines


def _overdue_lines(tasks: Sequence[OverdueTask], renderer: Renderer) -> list[str]:
    return [
        renderer.t(
            "summary_overdue_line",
            id=task.id,
            title=task.title,
            owner=renderer.name(task.owner),
            due=_day(task.due_on, renderer),
        )
        for task in tasks
    ]


def _task_lines(counts: TaskCounts, renderer: Renderer) -> list[str]:
    name = renderer.t("summary_unassigned") if counts.group is None else renderer.group_name(counts.group)
    line = renderer.t(
        "summary_task_line", group_name=name, done=counts.done, open=counts.open, overdue=counts.overdue
    )
    return [line, *_overdue_lines(counts.overdue_tasks, renderer)]


def _meeting_line(count: MeetingCount, renderer: Renderer) -> str:
    return renderer.t(
        "summary_meeting_line",
        kind_name=renderer.w(f"kind.{count.kind}"),
        unit_part=_unit_part(count.kind, count.unit, renderer),
        held=count.held,
        required=count.required,
        held_ytd=count.held_ytd,
        required_ytd=count.required_ytd,
        unrecorded_part=renderer.t("summary_unrecorded_part", count=count.unrecorded)
        if count.unrecorded
        else "",
    )


def _gap_line(count: MeetingCount, renderer: Renderer) -> str:
    return renderer.t(
        "summary_gap_line",
        kind_name=renderer.w(f"kind.{count.kind}"),
        unit_name=renderer.org.unit_name(count.unit),
        held=count.held,
        required=count.required,
    )


def calendar_unknown_line(years: Sequence[int], renderer: Renderer) -> str:
    """The "工作日历未知" warning of a report or board over years the calendar lacks."""
    return renderer.t("calendar_unknown", years=renderer.w("list_sep").join(str(year) for year in years))


def _publication_lines(
    misses: Sequence[PublicationMiss],
    unknown: Sequence[int],
    renderer: Renderer,
    calendar_unknown: Sequence[int] = (),
) -> list[str]:
    if not misses and not unknown:
        if calendar_unknown:  # never "nothing late" when the deadlines cannot be counted
            return [renderer.t("summary_publication_calendar_unknown")]
        return [renderer.t("summary_publication_none")]
    lines = [renderer.t("summary_publication_title")]
    for miss in misses:
        common = {
            "id": miss.meeting_id,
            "kind_name": renderer.w(f"kind.{miss.kind}"),
            "unit_part": _unit_part(miss.kind, miss.unit, renderer),
            "held_on": _day(miss.held_on, renderer),
            "deadline": _day(miss.deadline, renderer),
        }
        if miss.published_on is None:
            lines.append(renderer.t("summary_publication_missing", **common))
        else:
            lines.append(
                renderer.t(
                    "summary_publication_late", published_on=_day(miss.published_on, renderer), **common
                )
            )
    lines.extend(renderer.t("summary_publication_unknown", id=meeting_id) for meeting_id in unknown)
    return lines


def render_publication(
    misses: Sequence[PublicationMiss],
    unknown: Sequence[int],
    renderer: Renderer,
    calendar_unknown: Sequence[int] = (),
) -> list[str]:
    """The 公示 lines: each late or missing publication, or that nothing is late."""
    return _publication_lines(misses, unknown, renderer, calendar_unknown)


def _branch(summary: BranchSummary, renderer: Renderer) -> list[str]:
    lines = [
        renderer.t(
            "summary_branch_title",
            unit_name=renderer.org.unit_name(summary.branch),
            year=summary.year,
            month=summary.month,
        ),
        *_ranking(summary.ranking, renderer),
        "",
        renderer.t("summary_tasks_title"),
    ]
    for counts in summary.tasks:
        # The unassigned bucket only when it has something: most months every task has a group.
        if counts.group is None and counts.empty:
            continue
        lines.extend(_task_lines(counts, renderer))
    lines += ["", renderer.t("summary_meetings_title")]
    if summary.calendar_unknown:
        lines.append(calendar_unknown_line(summary.calendar_unknown, renderer))
    lines.extend(_meeting_line(count, renderer) for count in summary.meetings)
    gaps = [count for count in summary.meetings if count.gap]
    lines.extend(_gap_line(count, renderer) for count in gaps)
    lines.extend(f"⚠ {gap_line(gap, renderer)}" for gap in summary.quarter_gaps)
    if not gaps and not summary.quarter_gaps and not summary.calendar_unknown:
        lines.append(renderer.t("summary_gaps_none"))
    publication = _publication_lines(
        summary.publication_misses, summary.publication_unknown, renderer, summary.calendar_unknown
    )
    lines += ["", *publication]
    return lines


def _group(summary: GroupSummary, renderer: Renderer) -> list[str]:
    lines = [
        renderer.t(
            "summary_branch_title",
            unit_name=renderer.group_name(summary.group),
            year=summary.year,
            month=summary.month,
        ),
        *_ranking(summary.ranking, renderer),
        "",
        renderer.t("summary_tasks_title"),
        *_task_lines(summary.tasks, renderer),
        "",
        renderer.t("summary_meetings_title"),
        _meeting_line(summary.meetings, renderer),
    ]
    if summary.meetings.gap:
        lines.append(_gap_line(summary.meetings, renderer))
    return lines


def _committee(summary: CommitteeSummary, renderer: Renderer) -> list[str]:
    lines = [
        renderer.t(
            "summary_committee_title",
            unit_name=renderer.org.unit_name(committee_unit(summary.branch)),
            year=summary.year,
            month=summary.month,
        ),
        renderer.t("summary_ledger_title"),
    ]
    lines.extend(
        renderer.t(
            "summary_ledger_line",
            id=ledger.meeting_id,
            held_on=_day(ledger.held_on, renderer),
            count=ledger.decisions,
            warning_part=(
                renderer.t(
                    "summary_ledger_warning", minimum=ledger.expected.minimum, maximum=ledger.expected.maximum
                )
                if ledger.out_of_range
                else ""
            ),
        )
        for ledger in summary.ledgers
    )
    if not summary.ledgers:
        lines.append(renderer.t("summary_ledger_none"))
    lines += ["", renderer.t("summary_committee_overdue_title")]
    lines.extend(_overdue_lines(summary.overdue_tasks, renderer))
    if not summary.overdue_tasks:
        lines.append(renderer.t("summary_overdue_none"))
    lines += ["", renderer.t("summary_meetings_title"), _meeting_line(summary.meetings, renderer)]
    if summary.meetings.gap:
        lines.append(_gap_line(summary.meetings, renderer))
    return lines
