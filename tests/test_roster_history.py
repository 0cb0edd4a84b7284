"""The roster as of each date: a past period's record stays as it was when members join, 转正 or leave.

The March record is the Q1 story of test_reports.py (`build_quarter`), produced on 2026-04-01 and again
on 2026-04-20 after one April roster change: an approval of a /join, a 转正 dated in the config, a
member removed from the config, or a member given a `left` date. Each must leave the March report, the
Q1 report, the minutes, the month-end summary and the workbook's rows of Q1 exactly as they were.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from support import TEST_CONFIG, ChatDriver, local, say_ok
from test_reports import AFTER_QUARTER, Q1, Quarter, build_quarter

from sanhui_bot.app import App, roster_members
from sanhui_bot.config import ConfigError, parse_settings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.model import Member, MemberStatus
from sanhui_bot.domain.roster import (
    DatedEntry,
    RosterChange,
    RosterChangeKind,
    RosterHistory,
    changes_for_entry,
    state_on,
)
from sanhui_bot.exports.sheets import ledger_sheets
from sanhui_bot.render.minutes import render_minutes
from sanhui_bot.render.replies import Renderer
from sanhui_bot.services import roster
from sanhui_bot.services.export import export_ledger, ledger_snapshot
from sanhui_bot.services.reports import branch_report, meeting_minutes
from sanhui_bot.services.summaries import month_summary

MARCH = Period(2026, PeriodKind.MONTH, 3)
LATER = local("2026-04-20T09:00")
APRIL = datetime(2026, 4, 1)


async def q1_record(app: App, ids: Quarter, now: datetime) -> dict[str, Any]:
    """Everything produced about Q1: reports, minutes, the March summary, the workbook's Q1 rows."""
    renderer = Renderer("zh-CN", app.deps.tz, app.deps.org, await roster.member_names(app.deps))
    minutes = [
        await meeting_minutes(app.deps, "t1", meeting, now)
        for meeting in (ids.congress, ids.math_0305, ids.grade10_0305, ids.committee_0312)
    ]
    sheets = ledger_sheets(await ledger_snapshot(app.deps, 2026, now, "t1"), app.deps.org)
    exported = await export_ledger(app.deps, now)
    march_meetings = {m["id"] for m in exported["meetings"] if m["starts_at"] < "2026-04"}
    return {
        "march": await branch_report(app.deps, "t1", MARCH, now),
        "q1": await branch_report(app.deps, "t1", Q1, now),
        "minutes": minutes,
        "minutes_text": [render_minutes(m, renderer) for m in minutes],
        "summary": await month_summary(app.deps, "branch", 2026, 3, now),
        "group_summary": await month_summary(app.deps, "g-service", 2026, 3, now),
        # the workbook's rows of Q1 (later rows are April's own)
        "meetings_sheet": [row for row in sheets[0].rows if row[3] < APRIL],
        "attendance_sheet": [row for row in sheets[1].rows if row[1] < APRIL.date()],
        "points_sheet": [row for row in sheets[4].rows if row[1] < APRIL.date()],
        "json_attendance": [row for row in exported["attendance"] if row["meeting"] in march_meetings],
    }


async def approve_a_newcomer(app: App, chat: ChatDriver) -> None:
    await say_ok(chat, "liming", "branch", "/join 李明", "2026-04-01T10:00", "申请 #1")
    await say_ok(chat, "zhangwei", "branch", "/approve 1 liming 小组:数学 预备", "2026-04-01T10:05", "liming")


def _resync(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[App, ChatDriver], Awaitable[None]]:
    async def resync(app: App, chat: ChatDriver) -> None:
        config = copy.deepcopy(TEST_CONFIG)
        change(config["members"])
        settings = parse_settings(config, "tests")
        await roster.sync_roster(app.deps, roster_members(settings), local("2026-04-20T08:00"))

    return resync


def _promote_hema(members: list[dict[str, Any]]) -> None:
    [hema] = [m for m in members if m["key"] == "hema"]
    hema.update(status="full", full_since=date(2026, 4, 15))


def _remove_linyu(members: list[dict[str, Any]]) -> None:
    members[:] = [m for m in members if m["key"] != "linyu"]


def _linyu_leaves(members: list[dict[str, Any]]) -> None:
    [linyu] = [m for m in members if m["key"] == "linyu"]
    linyu["left"] = date(2026, 4, 10)


def _xuqiang_moves(members: list[dict[str, Any]]) -> None:
    [xuqiang] = [m for m in members if m["key"] == "xuqiang"]
    xuqiang.update(group="math", group_since=date(2026, 4, 2))


def _liuyang_elected(members: list[dict[str, Any]]) -> None:
    [liuyang] = [m for m in members if m["key"] == "liuyang"]
    liuyang.update(roles=["committee"], roles_since=date(2026, 4, 15))


def _xuqiang_on_long_leave(members: list[dict[str, Any]]) -> None:
    [xuqiang] = [m for m in members if m["key"] == "xuqiang"]
    xuqiang.update(on_long_leave=True, long_leave_since=date(2026, 4, 10))


def _lihua_under_watch(members: list[dict[str, Any]]) -> None:
    [lihua] = [m for m in members if m["key"] == "lihua"]
    lihua["under_probation_watch"] = True  # dated the day the bot sees it


@pytest.mark.parametrize(
    "april_change",
    [
        approve_a_newcomer,
        _resync(_promote_hema),
        _resync(_remove_linyu),
        _resync(_linyu_leaves),
        _resync(_xuqiang_moves),
        _resync(_liuyang_elected),
        _resync(_xuqiang_on_long_leave),
        _resync(_lihua_under_watch),
    ],
    ids=[
        "approval",
        "full_since",
        "removed_from_config",
        "left_date",
        "group_change",
        "roles_change",
        "long_leave",
        "probation_watch",
    ],
)
async def test_march_record_is_the_same_after_an_april_roster_change(
    app: App, chat: ChatDriver, april_change: Callable[[App, ChatDriver], Awaitable[None]]
) -> None:
    ids = await build_quarter(app, chat)
    before = await q1_record(app, ids, AFTER_QUARTER)
    await april_change(app, chat)
    after = await q1_record(app, ids, LATER)
    for part, value in before.items():
        assert after[part] == value, part


async def test_a_member_approved_in_april_is_expected_from_april_on(app: App, chat: ChatDriver) -> None:
    ids = await build_quarter(app, chat)
    await approve_a_newcomer(app, chat)
    report = await branch_report(app.deps, "t1", Q1, LATER)
    assert all("liming" not in line.expected for line in report.meetings)
    assert "liming" not in {line.member for line in report.members}
    async with app.deps.uow() as uow:
        april = await app.deps.roster.on(uow, "t1", date(2026, 4, 1))
        march = await app.deps.roster.on(uow, "t1", date(2026, 3, 31))
    assert "liming" in {m.key for m in april} and "liming" not in {m.key for m in march}
    [liming] = [m for m in april if m.key == "liming"]
    assert (liming.status, liming.group) == (MemberStatus.PROBATIONARY, "math")
    exported = await export_ledger(app.deps, LATER)
    [joined] = [c for c in exported["roster"] if c["member"] == "liming"]
    assert (joined["kind"], joined["effective_on"], joined["recorded_by"]) == (
        "joined",
        "2026-04-01",
        "zhangwei",
    )
    assert ids.congress  # the quarter was built


async def test_promotion_counts_the_vote_only_from_full_since(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    await _resync(_promote_hema)(app, chat)
    async with app.deps.uow() as uow:
        before = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 14))}
        after = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 15))}
        stored = await uow.members.get("hema")
    assert not before["hema"].votes and after["hema"].votes
    assert stored is not None and stored.status is MemberStatus.FULL  # today (04-20) a full member


async def test_roles_long_leave_and_probation_watch_count_from_their_dates(
    app: App, chat: ChatDriver
) -> None:
    def all_three(members: list[dict[str, Any]]) -> None:
        for change in (_liuyang_elected, _xuqiang_on_long_leave, _lihua_under_watch):
            change(members)

    await _resync(all_three)(app, chat)
    async with app.deps.uow() as uow:
        march = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 3, 31))}
        april = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 20))}
    assert not march["liuyang"].is_committee and april["liuyang"].is_committee
    assert not march["xuqiang"].on_long_leave and april["xuqiang"].on_long_leave
    assert march["lihua"].votes and not april["lihua"].votes
    await _resync(all_three)(app, chat)  # the same file again records nothing new
    async with app.deps.uow() as uow:
        kinds = sorted(c.kind.value for c in await uow.members.changes() if c.effective_on is not None)
    assert kinds == ["long_leave", "probation_watch", "roles"]


async def test_a_member_removed_from_the_config_leaves_on_the_day_the_bot_sees_it(
    app: App, chat: ChatDriver
) -> None:
    await _resync(_remove_linyu)(app, chat)
    async with app.deps.uow() as uow:
        on_19th = {m.key for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 19))}
        on_20th = {m.key for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 20))}
        stored = await uow.members.get("linyu")
    assert "linyu" in on_19th and "linyu" not in on_20th
    assert stored is not None and not stored.active
    await _resync(_remove_linyu)(app, chat)  # syncing the same file again records nothing new
    async with app.deps.uow() as uow:
        assert len([c for c in await uow.members.changes() if c.member == "linyu"]) == 2


async def test_a_new_config_entry_without_joined_joins_on_the_day_the_bot_sees_it(
    app: App, chat: ChatDriver
) -> None:
    def add_newcomers(members: list[dict[str, Any]]) -> None:
        members.append({"key": "qianduo", "name": "钱多", "branch": "t1", "group": "math"})
        members.append(
            {"key": "sunmei", "name": "孙梅", "branch": "t1", "group": "math", "joined": date(2026, 3, 1)}
        )

    await _resync(add_newcomers)(app, chat)
    async with app.deps.uow() as uow:
        on_19th = {m.key for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 19))}
        on_20th = {m.key for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 20))}
        first_of_march = {m.key for m in await app.deps.roster.on(uow, "t1", date(2026, 3, 1))}
    assert "qianduo" not in on_19th and "qianduo" in on_20th
    assert "sunmei" in first_of_march
    # the roster the bot first saw was on the roster before its records began
    assert {"zhangwei", "linyu", "hema"} <= on_19th


def test_config_dates_must_be_in_order() -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["members"][0].update(joined=date(2026, 4, 1), left=date(2026, 3, 1))
    config["members"][8].update(status="probationary", full_since=date(2026, 4, 1))
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, "tests")
    message = str(raised.value)
    assert "members[0]" in message and "left" in message
    assert "members[8]" in message and "full_since" in message


# --- the pure rules ----------------------------------------------------------------------------------

NOW = datetime(2026, 4, 20, tzinfo=UTC)


def _member(key: str = "a", status: MemberStatus = MemberStatus.FULL, group: str | None = "math") -> Member:
    return Member(key=key, name=key, branch="t1", status=status, group=group)


def test_state_on_follows_the_changes_in_date_order() -> None:
    changes = [
        RosterChange(
            "a", RosterChangeKind.JOINED, date(2026, 1, 10), NOW, MemberStatus.PROBATIONARY, "math", id=1
        ),
        RosterChange("a", RosterChangeKind.LEFT, date(2026, 6, 1), NOW, id=3),
        RosterChange("a", RosterChangeKind.STATUS, date(2026, 3, 1), NOW, MemberStatus.FULL, id=2),
    ]
    assert state_on(changes, date(2026, 1, 9)) is None
    first = state_on(changes, date(2026, 1, 10))
    assert first is not None and first.status is MemberStatus.PROBATIONARY
    promoted = state_on(changes, date(2026, 3, 1))
    assert promoted is not None and promoted.status is MemberStatus.FULL
    assert state_on(changes, date(2026, 6, 1)) is None
    assert state_on(changes, None) is None  # every change, however far ahead


def test_a_member_without_history_is_taken_as_stored() -> None:
    history = RosterHistory([])
    assert history.roster_on([_member("a"), Member("b", "b", "t1", active=False)], date(2026, 1, 1)) == [
        _member("a")
    ]


def test_first_sight_without_joined_is_undated_and_later_sight_is_today() -> None:
    today = date(2026, 4, 20)
    [baseline] = changes_for_entry(DatedEntry(_member()), [], today, NOW, first_sight=True)
    assert baseline.kind is RosterChangeKind.JOINED and baseline.effective_on is None
    [joined] = changes_for_entry(DatedEntry(_member()), [], today, NOW, first_sight=False)
    assert joined.effective_on == today


def test_a_full_member_with_full_since_after_joined_joined_as_probationary() -> None:
    entry = DatedEntry(_member(), joined=date(2025, 4, 1), full_since=date(2026, 4, 1))
    joined, promoted = changes_for_entry(entry, [], date(2026, 4, 20), NOW, first_sight=True)
    assert (joined.status, joined.effective_on) == (MemberStatus.PROBATIONARY, date(2025, 4, 1))
    assert (promoted.kind, promoted.status, promoted.effective_on) == (
        RosterChangeKind.STATUS,
        MemberStatus.FULL,
        date(2026, 4, 1),
    )


def test_an_unchanged_entry_records_nothing() -> None:
    entry = DatedEntry(_member(), left=date(2026, 5, 1))
    first = changes_for_entry(entry, [], date(2026, 4, 20), NOW, first_sight=True)
    numbered = [RosterChange(**{**_fields(c), "id": i}) for i, c in enumerate(first, 1)]
    assert changes_for_entry(entry, numbered, date(2026, 4, 21), NOW, first_sight=False) == []


def _fields(change: RosterChange) -> dict[str, Any]:
    return {name: getattr(change, name) for name in RosterChange.__dataclass_fields__}


def test_a_left_date_still_in_the_file_after_a_return_is_recorded_once() -> None:
    entry = DatedEntry(_member(), left=date(2026, 3, 1))
    known = [
        RosterChange("a", RosterChangeKind.JOINED, None, NOW, MemberStatus.FULL, "math", id=1),
        RosterChange("a", RosterChangeKind.LEFT, date(2026, 3, 1), NOW, id=2),
        RosterChange("a", RosterChangeKind.JOINED, date(2026, 4, 1), NOW, MemberStatus.FULL, "math", id=3),
    ]
    assert (
        changes_for_entry(entry, known, date(2026, 4, 20), NOW, first_sight=False, stored_as=_member()) == []
    )
