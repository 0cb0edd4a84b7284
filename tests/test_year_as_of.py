"""`/report year` and its 年度评优 rows count attendance by one rule, the ledger's as-of rule (issue 17).

By hand: the branch's 党课 of Thursday 2026-12-24 14:30 (its quarter's lesson; every one of the 12
members expected). 张伟, 王芳, 李华 and 刘洋 sign in. On 12-28 the 纪检委员 赵磊 records 徐强 present:
a correction of 2026, so 2026 counts it. On 2027-01-03 (inside the 14-day correction window set
here) he records 何马 present and 刘洋 absent: corrections of 2027, which change none of 2026's
figures, whenever 2026 is counted. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest
from support import TEST_CONFIG, ChatDriver, local, meeting_on, on_database, say_ok

from sanhui_bot.app import App, open_app, plan_meetings
from sanhui_bot.commands.model import ShowReport
from sanhui_bot.config import parse_settings
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.services.evaluation import year_evaluation
from sanhui_bot.services.reports import Report, report_for

YEAR_2026 = ShowReport(PeriodKind.YEAR, 2026)
NEW_YEAR = local("2027-01-01T09:00")
SPRING = local("2027-03-01T09:00")


@pytest.fixture
async def december(database_url: str) -> AsyncIterator[App]:
    config = copy.deepcopy(TEST_CONFIG)
    config["schedule"]["attendance_correction_days"] = 14
    opened = await open_app(
        on_database(parse_settings(config, "tests"), database_url), now=local("2026-12-01T08:00")
    )
    yield opened
    await opened.close()


def _attendance(report: Report) -> dict[str, tuple[int, int, int, int]]:
    """Member → (应到, 实到, 请假, 缺席) over the year, as the report's attendance lines say."""
    return {m.member: (m.expected, m.present, m.on_leave, m.absent) for m in report.members if m.expected}


def _rows(report: Report) -> dict[str, tuple[int, int, int, int]]:
    """The same, as the report's 年度评优 rows say."""
    return {r.member: (r.expected, r.present, r.on_leave, r.absent) for r in report.evaluation if r.expected}


async def test_report_year_and_its_evaluation_agree_and_a_later_correction_is_not_2026s(
    december: App,
) -> None:
    app = december
    await plan_meetings(app, local("2026-12-01T08:00"))
    chat = ChatDriver(app, local("2026-12-01T09:00"))
    lesson = await meeting_on(app, "t1", MeetingKind.LESSON, "2026-12-24")
    for key in ("zhangwei", "wangfang", "lihua", "liuyang"):
        await say_ok(chat, key, "branch", f"/signin {lesson.id}", "2026-12-24T14:35", "+2")
    await say_ok(chat, "zhaolei", "branch", f"/attendance {lesson.id} @徐强 出席", "2026-12-28T10:00", "徐强")

    at_new_year = await report_for(app.deps, "t1", YEAR_2026, NEW_YEAR)
    counted = _attendance(at_new_year)
    assert counted == _rows(at_new_year)  # one rule: the report's lines and its 年度评优 rows
    assert counted["xuqiang"] == (1, 1, 0, 0)  # corrected in 2026: 2026's
    assert counted["hema"] == (1, 0, 0, 1) and counted["liuyang"] == (1, 1, 0, 0)
    assert sum(present for _, present, _, _ in counted.values()) == 5

    # 2027-01-03: two corrections inside the window, each dated by its own day
    await say_ok(
        chat,
        "zhaolei",
        "branch",
        f"/attendance {lesson.id} @何马 出席 @刘洋 缺席",
        "2027-01-03T10:00",
        "何马",
    )
    later = await report_for(app.deps, "t1", YEAR_2026, SPRING)
    assert _attendance(later) == counted and _rows(later) == _rows(at_new_year)
    assert [line.present for line in later.meetings] == [line.present for line in at_new_year.meetings]
    assert (await year_evaluation(app.deps, 2026, SPRING, "t1")).rows == at_new_year.evaluation
    # December's report is counted by the same rule: as of its end, whenever asked
    december_then = await report_for(app.deps, "t1", ShowReport(PeriodKind.MONTH, 2026, 12), NEW_YEAR)
    december_now = await report_for(app.deps, "t1", ShowReport(PeriodKind.MONTH, 2026, 12), SPRING)
    assert december_now.meetings == december_then.meetings
    # …and the corrections did happen: the lesson's record as it stands now (the JSON export) has them
    ledger = (await chat.export())["attendance"]
    marks = {(row["member"], row["status"]) for row in ledger if row["meeting"] == lesson.id}
    assert {("hema", "present"), ("liuyang", "absent"), ("xuqiang", "present")} <= marks
