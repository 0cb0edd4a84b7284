"""Who chairs and who records a meeting, for the 台账 and the 会议纪要 (DESIGN.md §1).

No command records a meeting's host or recorder, so the records name the people whose role it is:
the 书记 (else the 副书记) convenes and chairs the 支部党员大会, the 支委会 and the 党课 (条例第十四条);
a 党小组长 chairs the group's meeting (条例第十三条); the 纪检委员 records attendance by default
(DESIGN §1), else another committee member who is not the chair. A group meeting's recorder is left
for the group to fill in. Once sign-ins show who came, only someone present is named: a role holder
who missed the meeting did not chair or record it, and a blank to fill in by hand is better than a
wrong name in the 台账.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sanhui_bot.domain.model import Meeting, MeetingKind, MeetingStatus, Member, Role


def _with_role(roster: Sequence[Member], branch: str, role: Role) -> list[Member]:
    return sorted(
        (m for m in roster if m.active and m.branch == branch and role in m.roles), key=lambda m: m.key
    )


def _first_present(candidates: Sequence[str], present: Collection[str]) -> str | None:
    """The first candidate, among those present once anyone is known to be."""
    if present:
        candidates = [key for key in candidates if key in present]
    return candidates[0] if candidates else None


def _host_candidates(meeting: Meeting, roster: Sequence[Member]) -> list[str]:
    if meeting.kind is MeetingKind.GROUP:
        leaders = _with_role(roster, meeting.branch, Role.GROUP_LEADER)
        return [m.key for m in leaders if m.group == meeting.unit]
    return [m.key for role in (Role.SECRETARY, Role.DEPUTY) for m in _with_role(roster, meeting.branch, role)]


def meeting_host(meeting: Meeting, roster: Sequence[Member], present: Collection[str] = ()) -> str | None:
    """The member key of the meeting's chair by role (among `present`, the signed-in, if any), or
    None when nobody suitable is."""
    return _first_present(_host_candidates(meeting, roster), present)


def meeting_recorder(meeting: Meeting, roster: Sequence[Member], present: Collection[str] = ()) -> str | None:
    """The member key of the meeting's recorder by role (among `present`, if any); None for a group
    meeting or when nobody suitable is."""
    if meeting.kind is MeetingKind.GROUP:
        return None
    host = meeting_host(meeting, roster, present)
    candidates = [
        m.key
        for role in (Role.DISCIPLINE, Role.COMMITTEE)
        for m in _with_role(roster, meeting.branch, role)
        if m.key != host
    ]
    return _first_present(candidates, present)


def attendance_known(meeting: Meeting, now: datetime, records_since: datetime | None) -> bool:
    """Whether a meeting's 应到/实到/请假/缺席 can be counted: it took place (not cancelled, over by
    `now`) while the bot kept the records, i.e. it ended after the bot's first start. Of a meeting
    held before, the bot knows nothing: it is held for the count of meetings, not all absent."""
    if meeting.status is MeetingStatus.CANCELLED or meeting.ends_at > now:
        return False
    return records_since is None or meeting.ends_at > records_since


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when nothing was expected (a rate of nothing is not 0 %)."""
    return part / whole if whole else None


def meeting_state(meeting: Meeting, now: datetime) -> str:
    """The state the 台账 shows for a meeting as of `now`: a planned meeting that has ended took place
    ("held", 已召开) even before anyone /closes it, one under way is "in_session" (进行中); otherwise
    its stored status (planned, cancelled, closed, published). Issue 12, item 8: the minutes and the
    workbook said 计划中 for meetings that had taken place."""
    if meeting.status is MeetingStatus.PLANNED:
        if meeting.ends_at <= now:
            return "held"
        if meeting.starts_at <= now:
            return "in_session"
    return meeting.status.value
