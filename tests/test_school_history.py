"""The 党委's membership is dated history (issue 17, like the branch roster of issue 12).

A seat on the 党委 gives reading rights over other branches from the day it is taken to the day it is
left; the config (`school_roles` of a branch member, `[[school.members]]` with `joined`/`left`) is
synced into dated facts, and a re-sync of an unchanged 党委 writes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from support import ChatDriver, local, on_database, sql_statements
from test_school_month import NAMES, three_branch_config

from sanhui_bot.app import App, open_app, school_seats
from sanhui_bot.commands.model import ExportLedger, ShowReport
from sanhui_bot.config import parse_settings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.errors import PermissionDenied
from sanhui_bot.domain.school_roster import (
    SchoolCommitteeHistory,
    SeatChangeKind,
    SeatEntry,
    seat_changes,
    seat_removal,
)
from sanhui_bot.services import ledger, roster
from sanhui_bot.services.roster import sync_school_seats
from sanhui_bot.services.school import school_committee, school_page

JUNE = Period(2026, PeriodKind.MONTH, 6)
JULY = Period(2026, PeriodKind.MONTH, 7)
PC = frozenset({"party_committee"})
NOW = local("2026-06-10T08:00")


def _config(**wangjun: Any) -> dict[str, Any]:
    config = three_branch_config()
    config["school"]["members"][0].update(wangjun)
    return config


async def _open(config: dict[str, Any], url: str, now: str) -> App:
    return await open_app(on_database(parse_settings(config, "tests"), url), now=local(now))


@pytest.fixture
async def leaving(database_url: str) -> AsyncIterator[App]:
    """王军 sits on the 党委 until he leaves it on 06-30, as the config says (he is still listed)."""
    opened = await _open(_config(left="2026-06-30"), database_url, "2026-06-01T08:00")
    yield opened
    await opened.close()


async def test_one_who_left_the_party_committee_on_06_30_reads_no_branch_on_07_01(leaving: App) -> None:
    chat = ChatDriver(leaving, local("2026-06-29T10:00"))
    assert NAMES["t2"] in await chat.say("wangjun", "dangwei", "/report t2 2026-06")
    school = await chat.say("wangjun", "dangwei", "/report school 2026-06", local("2026-06-29T10:00"))
    assert all(name in school for name in NAMES.values())
    # from 07-01 (indeed from the day he left) he is no 党委 member: no branch of others, no school report
    for text in ("/report t2 2026-06", "/tasks t2", "/report school 2026-06", "/export t3 csv 2026"):
        reply = await chat.say("wangjun", "dangwei", text, local("2026-07-01T09:00"))
        assert "党委委员" in reply and NAMES["t2"] not in reply, (text, reply)
    # 刘一 (t1's secretary) still sits on it and reads t2 on 07-01
    assert NAMES["t2"] in await chat.say("liuyi", "dangwei", "/report t2 2026-06", local("2026-07-01T09:00"))
    # June's 党委 counts him whenever it is asked; July's does not
    assert await school_committee(leaving.deps, JUNE) == ("liuyi", "wangjun")
    assert await school_committee(leaving.deps, JULY) == ("liuyi",)


async def test_the_web_pages_refuse_one_who_left_the_party_committee_as_the_chat_does(leaving: App) -> None:
    deps = leaving.deps
    wangjun = await roster.identify(deps, "console", "wangjun")
    t2 = deps.org.chat_context("t2-branch")
    assert t2 is not None
    june = ShowReport(PeriodKind.MONTH, 2026, 6)
    report = await ledger.report_page(deps, wangjun, "t2", june, local("2026-06-29T10:00"))
    assert report.branch == "t2"
    assert (await ledger.points_board(deps, wangjun, t2, 2026, 6, local("2026-06-29T10:00"))) is not None
    after = local("2026-07-01T09:00")
    for page in (
        ledger.report_page(deps, wangjun, "t2", june, after),
        ledger.ledger_download(deps, wangjun, "t2", ExportLedger(year=2026), after),
        ledger.task_board(deps, wangjun, t2, ledger.TaskFilter(), after),
        ledger.month_meetings(deps, wangjun, t2, 2026, 6, after),
        school_page(deps, wangjun, 2026, 6, after),
    ):
        with pytest.raises(PermissionDenied):
            await page


async def test_a_school_roster_change_is_a_dated_change_kept_when_the_config_changes_again(
    database_url: str,
) -> None:
    first = await _open(three_branch_config(), database_url, "2026-03-01T08:00")
    await first.close()
    # 06-15: 刘一's school role is taken away in the config (dated 06-20), 王军 is removed from it and
    # 赵六 (a new 党委 member of no branch) is added without a date: each a change the sync records
    config = three_branch_config()
    config["members"][0]["school_roles"] = []
    config["members"][0]["school_since"] = "2026-06-20"
    config["school"]["members"] = [{"key": "zhaoliu", "name": "赵六", "telegram": 29998}]
    second = await _open(config, database_url, "2026-06-15T08:00")
    try:
        async with second.deps.uow() as uow:
            changes = await uow.members.seat_changes()
        assert sorted((c.member, c.kind, c.effective_on) for c in changes) == [
            ("liuyi", SeatChangeKind.JOINED, None),  # on the 党委 the bot first saw
            ("liuyi", SeatChangeKind.LEFT, date(2026, 6, 20)),
            ("wangjun", SeatChangeKind.JOINED, None),
            ("wangjun", SeatChangeKind.LEFT, date(2026, 6, 15)),  # removed: left the day it was seen
            ("zhaoliu", SeatChangeKind.JOINED, date(2026, 6, 15)),
        ]
        assert await school_committee(second.deps, Period(2026, PeriodKind.MONTH, 5)) == ("liuyi", "wangjun")
        assert await school_committee(second.deps, JULY) == ("zhaoliu",)
        chat = ChatDriver(second, local("2026-06-19T09:00"))
        assert NAMES["t3"] in await chat.say("liuyi", "dangwei", "/report t3 2026-06")
        assert "党委委员" in await chat.say(
            "liuyi", "dangwei", "/report t3 2026-06", local("2026-06-20T09:00")
        )
        assert NAMES["t3"] in await chat.say("zhaoliu", "dangwei", "/report t3 2026-06")
        # an unchanged 党委, synced again, writes nothing
        with sql_statements(second) as sent:
            assert (
                await sync_school_seats(second.deps, school_seats(second.settings), local("2026-07-02T08:00"))
                == 0
            )
        assert not [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))], sent
    finally:
        await second.close()


async def test_a_party_committee_member_joining_later_reads_nothing_before(database_url: str) -> None:
    app = await _open(_config(joined="2026-05-01"), database_url, "2026-04-01T08:00")
    try:
        chat = ChatDriver(app, local("2026-04-30T09:00"))
        assert "党委委员" in await chat.say("wangjun", "dangwei", "/report t1 2026-04")
        assert NAMES["t1"] in await chat.say(
            "wangjun", "dangwei", "/report t1 2026-04", local("2026-05-01T09:00")
        )
    finally:
        await app.close()


# --- the rule alone (domain/school_roster.py)

T = local("2026-06-15T08:00")
TODAY = date(2026, 6, 15)


def test_the_first_seen_party_committee_sat_since_before_the_records() -> None:
    [joined] = seat_changes(SeatEntry("a", "甲", PC), (), TODAY, T, first_sight=True)
    assert (joined.kind, joined.effective_on, joined.name) == (SeatChangeKind.JOINED, None, "甲")
    [later] = seat_changes(SeatEntry("b", "乙", PC), (), TODAY, T, first_sight=False)
    assert later.effective_on == TODAY


def test_an_unchanged_seat_needs_no_change_and_a_removed_one_leaves_today() -> None:
    known = seat_changes(SeatEntry("a", "甲", PC, since=date(2026, 1, 5)), (), TODAY, T, first_sight=False)
    assert seat_changes(SeatEntry("a", "甲", PC, since=date(2026, 1, 5)), known, TODAY, T, False) == []
    removed = seat_removal("a", known, TODAY, T)
    assert removed is not None and (removed.kind, removed.effective_on) == (SeatChangeKind.LEFT, TODAY)
    assert seat_removal("a", [*known, removed], TODAY, T) is None  # already off


def test_seated_from_the_day_joined_until_the_day_left() -> None:
    entry = SeatEntry("a", "甲", PC, since=date(2026, 3, 1), left=date(2026, 6, 30))
    history = SchoolCommitteeHistory(seat_changes(entry, (), TODAY, T, first_sight=False))
    assert not history.seated_on("a", date(2026, 2, 28))
    assert history.seated_on("a", date(2026, 3, 1)) and history.seated_on("a", date(2026, 6, 29))
    assert not history.seated_on("a", date(2026, 6, 30))
    assert history.committee_during(date(2026, 6, 1), date(2026, 6, 30)) == {"a"}
    assert history.committee_during(date(2026, 7, 1), date(2026, 7, 31)) == frozenset()
    assert history.committee_during(date(2026, 2, 1), date(2026, 2, 28)) == frozenset()
    # listed again with the same `left`: nothing new, no return
    assert seat_changes(entry, list(history.of("a")), date(2026, 7, 2), T, first_sight=False) == []


def test_a_return_after_leaving_cannot_be_dated_before_the_leaving() -> None:
    known = seat_changes(
        SeatEntry("a", "甲", PC, since=date(2026, 1, 1), left=date(2026, 3, 1)), (), TODAY, T, False
    )
    [back] = seat_changes(SeatEntry("a", "甲", PC, since=date(2026, 2, 1)), known, TODAY, T, False)
    assert (back.kind, back.effective_on) == (SeatChangeKind.JOINED, TODAY)
