"""Quorum and voting rules of 《中国共产党支部工作条例（试行）》."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sanhui_bot.domain.model import Meeting, MeetingKind, Member, MemberStatus, Role, Rsvp, RsvpAnswer, SignIn
from sanhui_bot.domain.quorum import (
    attendance,
    committee_quorum,
    congress_quorum,
    expected_members,
    more_than_half,
    resolution_passes,
    voting_members,
)


def members(full: int, probationary: int = 0) -> list[Member]:
    roster = [Member(f"f{i}", f"正式{i}", "t1") for i in range(full)]
    roster += [
        Member(f"p{i}", f"预备{i}", "t1", status=MemberStatus.PROBATIONARY) for i in range(probationary)
    ]
    return roster


CONGRESS = Meeting(
    1, "t1", "t1", MeetingKind.CONGRESS, datetime(2026, 2, 26, 7, 30, tzinfo=UTC), timedelta(hours=1)
)


@pytest.mark.parametrize(
    ("present", "voting", "reached"), [(5, 10, False), (6, 10, True), (3, 5, True), (2, 5, False)]
)
def test_congress_quorum_needs_strictly_more_than_half(present: int, voting: int, reached: bool) -> None:
    roster = members(voting)
    check = congress_quorum(voting_members(roster), [m.key for m in roster[:present]])
    assert check.reached is reached
    assert check.needed == voting // 2 + 1


def test_probationary_members_do_not_count_towards_quorum() -> None:
    roster = members(full=10, probationary=4)
    voting = voting_members(roster)
    assert len(voting) == 10
    present = [m.key for m in roster if m.status is MemberStatus.PROBATIONARY] + [
        "f0",
        "f1",
        "f2",
        "f3",
        "f4",
    ]
    assert not congress_quorum(voting, present).reached  # 5 of 10 voting members: exactly half is not enough
    assert congress_quorum(voting, [*present, "f5"]).reached


def test_members_under_probation_watch_have_no_vote() -> None:
    watched = Member("w", "留党察看", "t1", under_probation_watch=True)
    assert voting_members([*members(2), watched]) == members(2)


@pytest.mark.parametrize(
    ("approvals", "voting", "passes"), [(5, 10, False), (6, 10, True), (1, 1, True), (0, 0, False)]
)
def test_resolution_needs_approvals_from_more_than_half_of_all_voting_members(
    approvals: int, voting: int, passes: bool
) -> None:
    assert resolution_passes(approvals, voting) is passes


def test_resolution_counts_all_voting_members_not_those_present() -> None:
    # 7 of 10 present, 5 approve: a majority of those present but not of all voting members.
    assert congress_quorum(voting_members(members(10)), [f"f{i}" for i in range(7)]).reached
    assert not resolution_passes(5, 10)


def test_committee_quorum() -> None:
    committee = [Member(f"c{i}", f"支委{i}", "t1", roles=frozenset({Role.COMMITTEE})) for i in range(5)]
    assert not committee_quorum(committee, ["c0", "c1"]).reached
    assert committee_quorum(committee, ["c0", "c1", "c2"]).reached


def test_more_than_half_is_strict() -> None:
    assert [more_than_half(n, 4) for n in range(5)] == [False, False, False, True, True]


def test_expected_excludes_long_leave_and_other_units() -> None:
    roster = [
        Member("a", "甲", "t1", group="math"),
        Member("b", "乙", "t1", group="math", on_long_leave=True),
        Member("c", "丙", "t1", group="grade10"),
        Member("d", "丁", "t2", group="math"),
        Member("e", "戊", "t1", group="math", active=False),
    ]
    group_meeting = Meeting(2, "t1", "math", MeetingKind.GROUP, CONGRESS.starts_at, timedelta(hours=1))
    assert [m.key for m in expected_members(group_meeting, roster)] == ["a"]
    assert [m.key for m in expected_members(CONGRESS, roster)] == ["a", "c"]


def test_attendance_splits_expected_into_present_leave_and_absent() -> None:
    roster = members(4)
    rsvps = [
        Rsvp(1, "f1", RsvpAnswer.LEAVE, CONGRESS.starts_at, reason="出差"),
        Rsvp(1, "f2", RsvpAnswer.YES, CONGRESS.starts_at),
    ]
    signins = [SignIn(1, "f0", CONGRESS.starts_at)]
    result = attendance(CONGRESS, roster, rsvps, signins)
    assert result.present == ["f0"] and result.on_leave == ["f1"] and result.absent == ["f2", "f3"]
    assert len(result.expected) == 4
