"""Who chairs and who records a meeting in the 台账: by role, and only among those who came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sanhui_bot.domain.model import Meeting, MeetingKind, Member, Role, committee_unit
from sanhui_bot.domain.records import meeting_host, meeting_recorder

ROSTER = [
    Member("zhang", "张伟", "t1", frozenset({Role.SECRETARY}), group="math"),
    Member("wang", "王芳", "t1", frozenset({Role.DEPUTY}), group="math"),
    Member("zhao", "赵磊", "t1", frozenset({Role.DISCIPLINE}), group="g10"),
    Member("li", "李华", "t1", frozenset({Role.COMMITTEE}), group="math"),
    Member("chen", "陈静", "t1", frozenset({Role.GROUP_LEADER}), group="math"),
    Member("liu", "刘洋", "t1", group="math"),
]


def meeting(kind: MeetingKind, unit: str) -> Meeting:
    return Meeting(1, "t1", unit, kind, datetime(2026, 3, 12, 8, 30, tzinfo=UTC), timedelta(minutes=90))


COMMITTEE = meeting(MeetingKind.COMMITTEE, committee_unit("t1"))
GROUP = meeting(MeetingKind.GROUP, "math")


@pytest.mark.parametrize(
    ("present", "host", "recorder"),
    [
        ((), "zhang", "zhao"),  # not held yet, or nobody signed in: by role
        (("zhang", "wang", "zhao", "li"), "zhang", "zhao"),
        (("wang", "zhao", "li"), "wang", "zhao"),  # the secretary was away: the deputy chaired
        (("zhang", "li"), "zhang", "li"),  # the 纪检委员 was away: another committee member records
        (("zhang",), "zhang", None),  # nobody else of the committee came: left blank
        (("liu",), None, None),
    ],
)
def test_committee_host_and_recorder_are_role_holders_who_were_there(
    present: tuple[str, ...], host: str | None, recorder: str | None
) -> None:
    assert meeting_host(COMMITTEE, ROSTER, present) == host
    assert meeting_recorder(COMMITTEE, ROSTER, present) == recorder


def test_a_group_meeting_is_chaired_by_its_leader_if_present_and_its_recorder_left_blank() -> None:
    assert meeting_host(GROUP, ROSTER) == "chen"
    assert meeting_host(GROUP, ROSTER, ["chen", "liu"]) == "chen"
    assert meeting_host(GROUP, ROSTER, ["liu", "zhang"]) is None
    assert meeting_recorder(GROUP, ROSTER, ["chen", "liu"]) is None
