"""Who chairs and who records a meeting, for the 台账 and the 会议纪要 (DESIGN.md §1).

No command records a meeting's host or recorder, so the records name the people whose role it is:
the 书记 convenes and chairs the 支部党员大会, the 支委会 and the 党课 (条例第十四条); a 党小组长 chairs
the group's meeting (条例第十三条); the 纪检委员 records attendance by default (DESIGN §1), else
another committee member who is not the chair. A group meeting's recorder is left for the group
to fill in.
"""

from __future__ import annotations

from collections.abc import Sequence

from sanhui_bot.domain.model import Meeting, MeetingKind, Member, Role


def _with_role(roster: Sequence[Member], branch: str, role: Role) -> list[Member]:
    return sorted(
        (m for m in roster if m.active and m.branch == branch and role in m.roles), key=lambda m: m.key
    )


def meeting_host(meeting: Meeting, roster: Sequence[Member]) -> str | None:
    """The member key of the meeting's chair by role, or None when nobody holds the role."""
    if meeting.kind is MeetingKind.GROUP:
        leaders = [
            m for m in _with_role(roster, meeting.branch, Role.GROUP_LEADER) if m.group == meeting.unit
        ]
        return leaders[0].key if leaders else None
    for role in (Role.SECRETARY, Role.DEPUTY):
        found = _with_role(roster, meeting.branch, role)
        if found:
            return found[0].key
    return None


def meeting_recorder(meeting: Meeting, roster: Sequence[Member]) -> str | None:
    """The member key of the meeting's recorder by role; None for a group meeting or nobody suitable."""
    if meeting.kind is MeetingKind.GROUP:
        return None
    host = meeting_host(meeting, roster)
    for role in (Role.DISCIPLINE, Role.COMMITTEE):
        found = [m for m in _with_role(roster, meeting.branch, role) if m.key != host]
        if found:
            return found[0].key
    return None


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when nothing was expected (a rate of nothing is not 0 %)."""
    return part / whole if whole else None
