"""The texts of the bot's own posts: notices, reminders, sign-in, attendance, task reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.domain.model import LeaveState, MeetingKind, SignInMethod
from sanhui_bot.render.catalog import lang_index
from sanhui_bot.render.replies import Button, Renderer, Reply
from sanhui_bot.services.announcements import MeetingAnnouncement, TaskAnnouncement
from sanhui_bot.services.leave import LeaveRequestView


def _t(renderer: Renderer, code: str, **params: Any) -> str:
    return renderer.t(f"post_{code}", **params)


def _names(renderer: Renderer, keys: list[str]) -> str:
    separator = "、" if lang_index(renderer.language) == 0 else ", "
    return separator.join(renderer.name(key) for key in keys) or "—"


def late_prefix(renderer: Renderer) -> str:
    """The mark of a post sent after its time (补发)."""
    return _t(renderer, "late")


_AGENDA_TITLES = {MeetingKind.LESSON: "notice_lesson_title", MeetingKind.GROUP: "notice_group_title"}


def _late(renderer: Renderer, late: bool) -> str:
    return _t(renderer, "late") if late else ""


def meeting_post(
    kind: PostKind, announcement: MeetingAnnouncement, renderer: Renderer, late: bool
) -> Reply | None:
    """The post of `kind` about a meeting, or None when there is nothing to say: quorum reached, or
    a reminder when everyone has answered (and, the day before a congress, handed in an outline)."""
    meeting, tally = announcement.view.meeting, announcement.view.tally
    common = {
        "id": meeting.id,
        "kind_name": renderer.w(f"kind.{meeting.kind}"),
        "when": renderer.when(meeting.starts_at),
    }
    subject = f"meeting:{meeting.id}"
    lines: list[str] = []
    buttons: tuple[Button, ...] = ()
    if kind is PostKind.NOTICE:
        unit = (
            ""
            if meeting.kind in (MeetingKind.CONGRESS, MeetingKind.LESSON)
            else f"·{renderer.org.unit_name(meeting.unit)}"
        )
        place = _t(renderer, "notice_place", place=meeting.place) if meeting.place else ""
        lines.append(_t(renderer, "notice", unit_part=unit, place_part=place, **common))
        if meeting.title:
            lines.append(_t(renderer, "notice_title", title=meeting.title).lstrip("\n"))
        if meeting.speaker:
            lines.append(_t(renderer, "notice_speaker", name=renderer.name(meeting.speaker)))
        if meeting.signin is SignInMethod.BUTTON:
            lines.append(_t(renderer, "notice_online"))
        if meeting.fixed_topic:
            lines.append(_t(renderer, "notice_agenda_fixed", topic=meeting.fixed_topic))
        elif announcement.view.agenda:
            # a 党课 has a topic and a speaker, a 党小组会 the group's topics: neither a 议事清单 of
            # matters to decide
            title = _AGENDA_TITLES.get(meeting.kind, "notice_agenda_title")
            lines.append(_t(renderer, title))
        start = 2 if meeting.fixed_topic else 1
        for n, item in enumerate(announcement.view.agenda, start):
            lines.append(_t(renderer, "notice_agenda_item", n=n, topic=item.topic))
        group = renderer.org.group(meeting.unit) if meeting.kind is MeetingKind.GROUP else None
        if group is not None and group.topics and not announcement.view.agenda:
            # nobody added a topic: the standing topics of the group's kind (config [groups.<kind>])
            kind_name = renderer.w(f"group_kind.{group.kind}")
            lines.append(_t(renderer, "notice_group_defaults", kind_name=kind_name, id=meeting.id))
            lines.extend(
                _t(renderer, "notice_agenda_item", n=n, topic=topic)
                for n, topic in enumerate(group.topics, 1)
            )
        for item in announcement.view.materials:
            lines.append(_t(renderer, "notice_material", topic=item.topic))
        if meeting.kind is MeetingKind.CONGRESS:
            lines.append(_t(renderer, "notice_outline", id=meeting.id))
        lines.append(
            _t(renderer, "notice_expected", count=len(tally.expected), names=_names(renderer, tally.expected))
        )
        lines.append(_t(renderer, "notice_answer", id=meeting.id))
        lines.append(renderer.tally_line(tally))  # kept current by editing the notice in place
        buttons = renderer.rsvp_buttons(meeting.id)
    elif kind in (PostKind.REMINDER_DAY, PostKind.REMINDER_HOUR):
        outlines = announcement.missing_outlines if kind is PostKind.REMINDER_DAY else []
        if not tally.unanswered and not outlines:
            return None  # a reminder with no one to remind is only noise
        lines.append(_t(renderer, kind.value, **common))
        if tally.unanswered:
            lines.append(
                _t(renderer, "reminder_unanswered", id=meeting.id, names=_names(renderer, tally.unanswered))
            )
        if outlines:
            lines.append(
                _t(
                    renderer,
                    "reminder_outlines",
                    id=meeting.id,
                    names=_names(renderer, announcement.missing_outlines),
                )
            )
        buttons = renderer.rsvp_buttons(meeting.id) if tally.unanswered else ()
        subject = ""  # a reminder is not edited in place; the notice is
    elif kind is PostKind.QUORUM_WARNING:
        quorum = tally.quorum
        if quorum is None or quorum.reached:
            return None
        lines.append(
            _t(
                renderer,
                "quorum_warning",
                present=quorum.present,
                voting=quorum.voting,
                needed=quorum.needed,
                unanswered=_names(renderer, tally.unanswered),
                **common,
            )
        )
    elif kind is PostKind.SIGNIN_OPEN:
        if announcement.signin is SignInMethod.CODE:
            # In the room: the code on the 签到大屏 proves presence, so no button anyone could press from afar.
            lines.append(_t(renderer, "signin_open_code", **common))
        else:
            lines.append(_t(renderer, "signin_open", **common))
            buttons = (Button(_t(renderer, "signin_button"), f"/signin {meeting.id}"),)
        if announcement.pending_leave:  # issue 18: a request still pending at the start is named here
            lines.append(
                _t(
                    renderer,
                    "signin_pending_leave",
                    id=meeting.id,
                    names=_names(renderer, announcement.pending_leave),
                )
            )
        subject = ""
    elif kind is PostKind.SIGNIN_CLOSED:
        counted = announcement.attendance
        if counted is None:
            return None
        lines.append(
            _t(
                renderer,
                "signin_closed",
                expected=len(counted.expected),
                present=len(counted.present),
                leave=len(counted.on_leave),
                absent=len(counted.absent),
                **common,
            )
        )
        if counted.on_leave:
            lines.append(_t(renderer, "signin_closed_leave", names=_names(renderer, counted.on_leave)))
        if counted.absent:
            lines.append(_t(renderer, "signin_closed_absent", names=_names(renderer, counted.absent)))
    else:
        raise ValueError(f"not a meeting post: {kind}")
    return Reply(_late(renderer, late) + "\n".join(lines), buttons, subject=subject)


def unrecorded_post(
    announcement: MeetingAnnouncement, closes: datetime, renderer: Renderer, late: bool
) -> Reply:
    """The reminder to record a meeting's attendance that ended with nothing recorded."""
    meeting = announcement.view.meeting
    text = renderer.t(
        "attendance_unrecorded",
        id=meeting.id,
        kind_name=renderer.w(f"kind.{meeting.kind}"),
        when=renderer.when(meeting.starts_at),
        recorders=_names(renderer, announcement.recorders),
        until=renderer.when(closes),
    )
    return Reply(_late(renderer, late) + text, subject=f"meeting:{meeting.id}")


def moved_post(
    announcement: MeetingAnnouncement, moved_from: datetime, renderer: Renderer, late: bool
) -> Reply:
    """The 改期 notice: what changed, then the notice as it stands now (with its RSVP buttons)."""
    meeting = announcement.view.meeting
    notice = meeting_post(PostKind.NOTICE, announcement, renderer, late=False)
    assert notice is not None  # a notice always has something to say
    head = _t(
        renderer,
        "moved",
        id=meeting.id,
        kind_name=renderer.w(f"kind.{meeting.kind}"),
        before=renderer.when(moved_from),
        when=renderer.when(meeting.starts_at),
    )
    return Reply(_late(renderer, late) + head + "\n" + notice.text, notice.buttons, subject="")


def task_post(
    kind: PostKind, announcement: TaskAnnouncement, renderer: Renderer, late: bool, overdue_delta: int
) -> Reply:
    """A reminder to a task's owner."""
    task = announcement.task
    text = _t(
        renderer,
        kind.value,
        owner=renderer.name(task.owner),
        id=task.id,
        title=task.title,
        due=renderer.day(task.due_on),
        week=announcement.week,
        delta=overdue_delta,
    )
    if not task.completable:
        text += "\n" + _t(
            renderer, "task_awaits_claim", id=task.id, group_name=renderer.group_name(task.group)
        )
    # No subject: a reminder is not edited in place; the task's card is. Its buttons are the owner's
    # own actions only (issue 14: no 认领 the owner may not press).
    buttons = (Button(_t(renderer, "task_done_button"), f"/done {task.id}"),) if task.completable else ()
    return Reply(_late(renderer, late) + text, buttons)


def leave_request_post(
    view: LeaveRequestView, requested_at: datetime, renderer: Renderer, late: bool
) -> Reply | None:
    """A leave request to its approvers with 批准 / 不批准 buttons; nothing once it is decided, withdrawn
    or replaced by a newer answer (that one has a post of its own)."""
    meeting, request = view.meeting, view.request
    if request.answered_at != requested_at or request.leave_state is not LeaveState.PENDING:
        return None
    if meeting.called_off:
        return None
    text = _t(
        renderer,
        "leave_request",
        name=renderer.name(request.member),
        key=request.member,
        id=meeting.id,
        kind_name=renderer.w(f"kind.{meeting.kind}"),
        when=renderer.when(meeting.starts_at),
        leave_name=renderer.w(f"leave.{request.leave_type}"),
        reason=request.reason,
        asked=renderer.when(request.answered_at),
    )
    buttons = (
        Button(_t(renderer, "leave_approve_button"), f"/leave approve {meeting.id} @{request.member}"),
        Button(_t(renderer, "leave_refuse_button"), f"/leave refuse {meeting.id} @{request.member}"),
    )
    return Reply(_late(renderer, late) + text, buttons)


def leave_decided_post(
    view: LeaveRequestView, decision_id: int, renderer: Renderer, late: bool
) -> Reply | None:
    """The member is told how their leave request was decided, by whom and when."""
    meeting, decision = view.meeting, view.request.decision
    if decision is None or decision.id != decision_id:
        return None  # a newer request replaced the one decided: its own decision will be told
    reason_part = renderer.t("leave_reason_part", reason=decision.reason) if decision.reason else ""
    text = _t(
        renderer,
        "leave_decided_approved" if decision.approved else "leave_decided_refused",
        name=renderer.name(decision.member),
        id=meeting.id,
        kind_name=renderer.w(f"kind.{meeting.kind}"),
        when=renderer.when(meeting.starts_at),
        by=renderer.name(decision.decided_by),
        at=renderer.when(decision.decided_at),
        reason_part=reason_part,
    )
    return Reply(_late(renderer, late) + text)
