"""The texts of a meeting's close: the 决议清单 draft, its 公示, the reminder and the ledger check."""

from __future__ import annotations

from datetime import date

from sanhui_bot.domain.announcements import PostKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.render.catalog import EN
from sanhui_bot.render.replies import Button, Renderer, Reply
from sanhui_bot.services.closing import DecisionList


def _day(day: date | None, renderer: Renderer) -> str:
    if day is None:
        return renderer.t("deadline_unknown")
    if renderer.language == EN:
        return f"{day:%a %b} {day.day}"
    return f"{day.month}月{day.day}日（周{'一二三四五六日'[day.weekday()]}）"


def _common(closing: DecisionList, renderer: Renderer) -> dict[str, object]:
    meeting = closing.meeting
    return {
        "id": meeting.id,
        "kind_name": renderer.w(f"kind.{meeting.kind}"),
        "when": renderer.when(meeting.starts_at),
        "deadline": _day(closing.deadline, renderer),
    }


def _items(closing: DecisionList, renderer: Renderer) -> list[str]:
    if not closing.items:
        return [renderer.t("post_decision_none")]
    lines = []
    for n, (decision, task) in enumerate(closing.items, 1):
        vote = renderer.vote(decision.vote) if decision.vote else None
        if task is None:
            lines.append(renderer.t("post_decision_rejected", n=n, title=decision.title, vote=vote or ""))
            continue
        item = renderer.t(
            "post_decision_item",
            n=n,
            title=task.title,
            owner=renderer.name(task.owner),
            lead=renderer.name(task.lead),
            group=renderer.group_name(task.group),
            due=renderer.day(task.due_on),
            task=task.id,
        )
        lines.append(f"{item}\n   {vote}" if vote else item)
    return lines


def closed(closing: DecisionList, renderer: Renderer) -> Reply:
    """The answer to /close: the 决议清单 drafted, or why none is owed (no decision, or a 党课)."""
    if not closing.owed:
        return Reply(renderer.t("close_done_no_list", **_common(closing, renderer)))
    return Reply(renderer.t("close_done", count=len(closing.items), **_common(closing, renderer)))


def published(closing: DecisionList, renderer: Renderer, today: date) -> Reply:
    """The answer to /publish, saying so when the deadline has passed."""
    late = closing.deadline is not None and today > closing.deadline
    common = _common(closing, renderer)
    late_part = renderer.t("publish_late_part", deadline=common["deadline"]) if late else ""
    return Reply(renderer.t("publish_done", late_part=late_part, **common))


def closing_post(kind: PostKind, closing: DecisionList, renderer: Renderer) -> Reply | None:
    """A post about a closed meeting, or None when it has nothing left to say (already published)."""
    meeting = closing.meeting
    common = _common(closing, renderer)
    unit = (
        ""
        if meeting.kind in (MeetingKind.CONGRESS, MeetingKind.LESSON)
        else f"·{renderer.org.unit_name(meeting.unit)}"
    )
    if (
        kind in (PostKind.DECISION_LIST, PostKind.PUBLISH_REMINDER, PostKind.CLOSE_REMINDER)
        and not closing.owed
    ):
        return None  # nothing empty is drafted or reminded (DESIGN §2)
    if kind is PostKind.DECISION_LIST:
        lines = [renderer.t("post_decision_list", unit_part=unit, **common), *_items(closing, renderer)]
        lines.append(renderer.t("post_decision_list_deadline", **common))
        button = Button(renderer.t("post_publish_button"), f"/publish {meeting.id}")
        return Reply("\n".join(lines), (button,))
    if kind is PostKind.PUBLICATION:
        lines = [renderer.t("post_publication", unit_part=unit, **common), *_items(closing, renderer)]
        if closing.items:
            lines.append(renderer.t("post_publication_footer"))
        return Reply("\n".join(lines))
    if kind is PostKind.PUBLISH_REMINDER:
        if meeting.published_at is not None:
            return None
        button = Button(renderer.t("post_publish_button"), f"/publish {meeting.id}")
        return Reply(renderer.t("post_publish_reminder", **common), (button,))
    if kind is PostKind.CLOSE_REMINDER:
        if meeting.closed_at is not None:
            return None
        button = Button(renderer.t("post_close_button"), f"/close {meeting.id}")
        return Reply(renderer.t("post_close_reminder", count=len(closing.items), **common), (button,))
    if kind is PostKind.LEDGER_CHECK:
        if not closing.ledger_out_of_range:
            return None
        expected = closing.ledger_range
        return Reply(
            renderer.t(
                "post_ledger_check",
                count=len(closing.items),
                minimum=expected.minimum,
                maximum=expected.maximum,
                **common,
            )
        )
    raise ValueError(f"not a closing post: {kind}")
