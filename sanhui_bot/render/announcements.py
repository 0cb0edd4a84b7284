"""The texts of the bot's own posts: notices, reminders, sign-in, attendance, task reminders."""

from __future__ import annotations

from typing import Any

from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.render.catalog import lang_index
from sanhui_bot.render.replies import Button, Renderer, Reply
from sanhui_bot.services.announcements import MeetingAnnouncement, TaskAnnouncement

ANNOUNCEMENTS: dict[str, tuple[str, str]] = {
    "late": ("【补发】", "[Late] "),
    "notice": (
        "📢 会议通知 #{id}：{kind_name}{unit_part}\n时间：{when}{place_part}",
        "📢 Meeting notice #{id}: {kind_name}{unit_part}\nWhen: {when}{place_part}",
    ),
    "notice_place": ("\n地点：{place}", "\nWhere: {place}"),
    "notice_title": ("\n主题：{title}", "\nSubject: {title}"),
    "notice_agenda_fixed": ("议程（1+X）：\n  固定议题：{topic}", "Agenda (1+X):\n  Fixed topic: {topic}"),
    "notice_agenda_title": ("议事清单：", "Agenda:"),
    "notice_agenda_item": ("  {n}. {topic}", "  {n}. {topic}"),
    "notice_outline": (
        "请各位党员会前撰写发言提纲，用 /outline {id} 提纲内容 提交；会上设党员献策环节（/suggest 建议）。",
        "Members, please prepare a speaking outline and hand it in with /outline {id} <text>; the meeting has a suggestions round (/suggest).",
    ),
    "notice_expected": ("应到 {count} 人：{names}", "Expected ({count}): {names}"),
    "notice_answer": (
        "请点按钮或回复 /rsvp {id} 参加 | 请假 原因 | 不参加",
        "Press a button or answer /rsvp {id} yes | leave <reason> | no",
    ),
    "reminder_day": ("⏰ 明天 {when} {kind_name} #{id}。", "⏰ Tomorrow {when}: {kind_name} #{id}."),
    "reminder_hour": ("⏰ 一小时后 {when} {kind_name} #{id}。", "⏰ In an hour ({when}): {kind_name} #{id}."),
    "reminder_unanswered": (
        "尚未回复：{names}（/rsvp {id} 参加 | 请假 原因 | 不参加）",
        "No answer yet: {names} (/rsvp {id} yes | leave <reason> | no)",
    ),
    "reminder_all_answered": ("全部应到人员均已回复。", "Everyone expected has answered."),
    "reminder_outlines": (
        "尚未提交发言提纲：{names}（/outline {id} 内容）",
        "No speaking outline yet: {names} (/outline {id} <text>)",
    ),
    "quorum_warning": (
        "⚠ 书记请注意：#{id} {kind_name}（{when}）目前确认参加的有表决权党员 {present} 人，共 {voting} 人，至少需要 {needed} 人才能表决。未回复：{unanswered}",
        "⚠ Secretary: for #{id} {kind_name} ({when}) only {present} of {voting} voting members have said they will come; {needed} are needed for a vote. No answer yet: {unanswered}",
    ),
    "signin_open": (
        "✅ #{id} {kind_name} 开始签到，请到会党员点“签到”或发送 /signin {id}；会上可用 /suggest 献策。",
        "✅ Sign-in for #{id} {kind_name} is open: press Sign in or send /signin {id}; suggestions with /suggest.",
    ),
    "signin_button": ("签到", "Sign in"),
    "signin_closed": (
        "📋 #{id} {kind_name} 签到结束。应到 {expected} 人，实到 {present} 人，请假 {leave} 人，缺席 {absent} 人。",
        "📋 Sign-in for #{id} {kind_name} is closed. Expected {expected}, present {present}, on leave {leave}, absent {absent}.",
    ),
    "signin_closed_leave": ("请假：{names}", "On leave: {names}"),
    "signin_closed_absent": ("缺席：{names}", "Absent: {names}"),
    "task_due_soon": (
        "📌 {owner}：任务 #{id}「{title}」将于 {due} 到期（还有 3 天）。完成后请发送 /done {id} 说明。",
        "📌 {owner}: task #{id} \u201c{title}\u201d is due on {due} (in 3 days). When done, send /done {id} <note>.",
    ),
    "task_due_today": (
        "📌 {owner}：任务 #{id}「{title}」今天（{due}）到期。完成后请发送 /done {id} 说明。",
        "📌 {owner}: task #{id} \u201c{title}\u201d is due today ({due}). When done, send /done {id} <note>.",
    ),
    "task_overdue": (
        "❗ {owner}：任务 #{id}「{title}」已逾期 {week} 周（截止 {due}），积分 {delta:+d}。请尽快完成并发送 /done {id}。",
        "❗ {owner}: task #{id} \u201c{title}\u201d is {week} week(s) overdue (due {due}); points {delta:+d}. Please finish it and send /done {id}.",
    ),
}


def _t(renderer: Renderer, code: str, **params: Any) -> str:
    return ANNOUNCEMENTS[code][lang_index(renderer.language)].format(**params)


def _names(renderer: Renderer, keys: list[str]) -> str:
    separator = "、" if lang_index(renderer.language) == 0 else ", "
    return separator.join(renderer.name(key) for key in keys) or "—"


def late_prefix(renderer: Renderer) -> str:
    """The mark of a post sent after its time (补发)."""
    return _t(renderer, "late")


def _late(renderer: Renderer, late: bool) -> str:
    return _t(renderer, "late") if late else ""


def meeting_post(
    kind: PostKind, announcement: MeetingAnnouncement, renderer: Renderer, late: bool
) -> Reply | None:
    """The post of `kind` about a meeting, or None when there is nothing to say (quorum reached)."""
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
        if meeting.fixed_topic:
            lines.append(_t(renderer, "notice_agenda_fixed", topic=meeting.fixed_topic))
        elif announcement.view.agenda:
            lines.append(_t(renderer, "notice_agenda_title"))
        start = 2 if meeting.fixed_topic else 1
        for n, item in enumerate(announcement.view.agenda, start):
            lines.append(_t(renderer, "notice_agenda_item", n=n, topic=item.topic))
        if meeting.kind is MeetingKind.CONGRESS:
            lines.append(_t(renderer, "notice_outline", id=meeting.id))
        lines.append(
            _t(renderer, "notice_expected", count=len(tally.expected), names=_names(renderer, tally.expected))
        )
        lines.append(_t(renderer, "notice_answer", id=meeting.id))
        buttons = renderer.rsvp_buttons(meeting.id)
    elif kind in (PostKind.REMINDER_DAY, PostKind.REMINDER_HOUR):
        lines.append(_t(renderer, kind.value, **common))
        if tally.unanswered:
            lines.append(
                _t(renderer, "reminder_unanswered", id=meeting.id, names=_names(renderer, tally.unanswered))
            )
        else:
            lines.append(_t(renderer, "reminder_all_answered"))
        if kind is PostKind.REMINDER_DAY and announcement.missing_outlines:
            lines.append(
                _t(
                    renderer,
                    "reminder_outlines",
                    id=meeting.id,
                    names=_names(renderer, announcement.missing_outlines),
                )
            )
        buttons = renderer.rsvp_buttons(meeting.id) if tally.unanswered else ()
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
        lines.append(_t(renderer, "signin_open", **common))
        buttons = (Button(_t(renderer, "signin_button"), f"/signin {meeting.id}"),)
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
        due=task.due_on.isoformat(),
        week=announcement.week,
        delta=overdue_delta,
    )
    return Reply(_late(renderer, late) + text, renderer.task_buttons(task), subject=f"task:{task.id}")
