"""A meeting's 会议纪要 as Markdown: header block, attendance, agenda, 献策, decisions, sign-off line."""

from __future__ import annotations

from datetime import datetime

from sanhui_bot.commands.characters import printable
from sanhui_bot.domain.model import LeaveState, MeetingKind, SignInMethod
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.render.catalog import EN
from sanhui_bot.render.replies import Attachment, Renderer, Reply
from sanhui_bot.services.reports import Minutes


def _moment(moment: datetime, renderer: Renderer) -> str:
    local = to_zone(moment, renderer.tz)
    if renderer.language == EN:
        return f"{local:%Y-%m-%d %H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def minutes_filename(minutes: Minutes, renderer: Renderer) -> str:
    """e.g. 会议纪要-12-2026-03-05.md (minutes-12-2026-03-05.md in English)."""
    held_on = to_zone(minutes.meeting.starts_at, renderer.tz).date()
    stem = "minutes" if renderer.language == EN else "会议纪要"
    return f"{stem}-{minutes.meeting.id}-{held_on.isoformat()}.md"


def _names(keys: list[str], renderer: Renderer) -> str:
    return renderer.w("list_sep").join(renderer.name(key) for key in keys) or renderer.t(
        "minutes_suggestions_none"
    )


def render_minutes(minutes: Minutes, renderer: Renderer) -> str:
    """The minutes in Markdown, in the renderer's language."""
    meeting = minutes.meeting
    t = renderer.t
    if meeting.kind is MeetingKind.GROUP:
        unit_name = renderer.group_name(meeting.unit)
    else:
        unit_name = renderer.org.unit_name(meeting.branch)
    blank = t("minutes_blank")
    lines = [
        f"# {t('minutes_title', unit_name=unit_name, kind_name=renderer.w(f'kind.{meeting.kind}'))}",
        "",
        f"- {t('minutes_field_meeting', id=meeting.id, title_part=f' {meeting.title}' if meeting.title else '')}",
        f"- {t('minutes_field_time', start=_moment(meeting.starts_at, renderer), end=_moment(meeting.ends_at, renderer))}",
        f"- {t('minutes_field_place', place=meeting.place or blank)}",
        f"- {t('minutes_field_host', name=renderer.name(minutes.host) if minutes.host else blank)}",
        f"- {t('minutes_field_recorder', name=renderer.name(minutes.recorder) if minutes.recorder else blank)}",
        *(
            [f"- {t('minutes_field_speaker', name=renderer.name(meeting.speaker))}"]
            if meeting.speaker
            else []
        ),
        f"- {t('minutes_field_status', status=renderer.w(f'meeting_status.{minutes.state or meeting.status}'))}",
        "",
        f"## {t('minutes_attendance_title')}",
        "",
    ]
    counted = minutes.attendance
    if counted is None:
        lines.append(
            t("minutes_attendance_unrecorded" if minutes.unrecorded else "minutes_attendance_pending")
        )
    else:
        lines.append(
            t(
                "minutes_attendance_counts",
                expected=len(counted.expected),
                present=len(counted.present),
                leave=len(counted.on_leave),
                absent=len(counted.absent),
            )
        )
        lines.append("")
        leave_entries = []
        for key in counted.on_leave:
            rsvp = minutes.leave.get(key)
            mark = counted.marks.get(key)
            approval = ""
            if mark is not None and mark.approved_by is not None and mark.approved_at is not None:
                approval = t(
                    "minutes_leave_approved_part",
                    by=renderer.name(mark.approved_by),
                    at=renderer.when(mark.approved_at),
                )
            leave_entries.append(
                t(
                    "minutes_leave_entry",
                    name=renderer.name(key),
                    leave_name=renderer.w(f"leave.{rsvp.leave_type}") if rsvp and rsvp.leave_type else "",
                    reason=rsvp.reason if rsvp else "",
                )
                + approval
            )
        lines += [
            f"- {t('minutes_attendance_present', names=_names(counted.present, renderer))}",
            f"- {t('minutes_attendance_leave', names=renderer.w('list_sep').join(leave_entries) or t('minutes_suggestions_none'))}",
            f"- {t('minutes_attendance_absent', names=_names(counted.absent, renderer))}",
        ]
        # Every attendance record says how it was made: by the member, or by whom (issue 12).
        by_recorder: dict[str, list[str]] = {}
        for member, recorder in counted.recorded_by.items():
            by_recorder.setdefault(recorder, []).append(member)
        lines += [
            f"- {t('minutes_attendance_recorded_by', recorder=renderer.name(recorder), names=_names(members, renderer))}"
            for recorder, members in sorted(by_recorder.items())
        ]
        # issue 18: how each member signed in (the 签到大屏's code or the button) …
        for method in (SignInMethod.CODE, SignInMethod.BUTTON):
            signed = [
                k for k in counted.present if (m := counted.marks.get(k)) is not None and m.method is method
            ]
            if signed:
                lines.append(f"- {t(f'minutes_signed_in_{method.value}', names=_names(signed, renderer))}")
        # … and the leave asked that was not granted: refused (by whom, when) or never decided.
        for key, rsvp in sorted(minutes.leave.items()):
            if key not in counted.absent:
                continue  # granted, or the member came after all
            ruling = rsvp.decision
            if rsvp.leave_state is LeaveState.REFUSED and ruling is not None:
                lines.append(
                    "- "
                    + t(
                        "minutes_leave_refused",
                        name=renderer.name(key),
                        by=renderer.name(ruling.decided_by),
                        at=renderer.when(ruling.decided_at),
                        reason=ruling.reason or "—",
                    )
                )
            elif rsvp.leave_state is LeaveState.PENDING:
                lines.append("- " + t("minutes_leave_pending", name=renderer.name(key)))
        if minutes.quorum is not None:
            verdict = "report_quorum_reached" if minutes.quorum.reached else "report_quorum_missed"
            lines += [
                "",
                t(
                    "minutes_quorum",
                    voting=minutes.quorum.voting,
                    present=minutes.quorum.present,
                    verdict=t(verdict),
                ),
            ]
    lines += ["", f"## {t('minutes_agenda_title')}", ""]
    items = []
    if meeting.fixed_topic:
        items.append(t("minutes_agenda_fixed", topic=meeting.fixed_topic))
    items.extend(
        t("minutes_agenda_item", topic=item.topic, name=renderer.name(item.added_by))
        for item in minutes.agenda
    )
    lines.extend(f"{n}. {item}" for n, item in enumerate(items, 1))
    if not items:
        lines.append(t("minutes_agenda_none"))
    lines += ["", f"## {t('minutes_suggestions_title')}", ""]
    lines.extend(
        f"{n}. "
        + t(
            "minutes_suggestion",
            id=suggestion.id,
            name=renderer.name(suggestion.member),
            text=suggestion.text,
            adopted_part=t("minutes_suggestion_adopted") if suggestion.adopted else "",
        )
        for n, suggestion in enumerate(minutes.suggestions, 1)
    )
    if not minutes.suggestions:
        lines.append(t("minutes_suggestions_none"))
    lines += ["", f"## {t('minutes_decisions_title')}", ""]
    for n, (decision, task) in enumerate(minutes.decisions, 1):
        vote = renderer.vote(decision.vote) if decision.vote else None
        if task is None:
            lines.append(
                f"{n}. "
                + t("minutes_decision_rejected", decision=decision.id, title=decision.title, vote=vote)
            )
            continue
        line = t(
            "minutes_decision",
            decision=decision.id,
            title=decision.title,
            task=task.id,
            owner=renderer.name(task.owner),
            lead=renderer.name(task.lead),
            group=renderer.group_name(task.claimed_by_group or task.group),
            due=task.due_on.isoformat(),
            status=renderer.task_status(task),
        )
        vote_part = t("minutes_decision_vote_part", vote=vote) if vote else ""
        lines.append(f"{n}. {line}{vote_part}")
    if not minutes.decisions:
        lines.append(t("minutes_decisions_none"))
    published = (
        t("minutes_published_on", day=_moment(meeting.published_at, renderer))
        if meeting.published_at
        else t("minutes_not_published")
    )
    lines += ["", t("minutes_publication", state=published), "", "---", "", t("minutes_signoff"), ""]
    return "\n".join(lines)


MARKDOWN_MIME = "text/markdown"


def minutes_reply(minutes: Minutes, renderer: Renderer) -> Reply:
    """/minutes N: the minutes as a Markdown file, and as text too (a platform may not show files)."""
    markdown = printable(render_minutes(minutes, renderer))  # text stored before input was cleaned
    filename = minutes_filename(minutes, renderer)
    note = renderer.t(
        "minutes_sent",
        id=minutes.meeting.id,
        kind_name=renderer.w(f"kind.{minutes.meeting.kind}"),
        filename=filename,
    )
    return Reply(
        f"{note}\n\n{markdown}",
        attachments=(Attachment(filename, markdown.encode("utf-8"), MARKDOWN_MIME),),
    )
