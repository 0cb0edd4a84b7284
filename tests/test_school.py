"""The 党委's school summary and workbook agree with the hand count of test_reports' quarter."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from support import TEST_CONFIG, ChatDriver, local, on_database
from test_chart import Recorder
from test_reports import AFTER_QUARTER, Q1, build_quarter

from sanhui_bot.app import App, open_app
from sanhui_bot.config import parse_settings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.exports.school import SUMMARY_HEADERS, school_sheets, summary_sheet
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.render.replies import Renderer
from sanhui_bot.render.reports import render_school_report
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.school import BranchStanding, attention_first, school_summary

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
CONGRESS, COMMITTEE, GROUP, LESSON = (
    MeetingKind.CONGRESS,
    MeetingKind.COMMITTEE,
    MeetingKind.GROUP,
    MeetingKind.LESSON,
)


async def test_school_summary_and_workbook_agree_with_the_hand_count(app: App, chat: ChatDriver) -> None:
    await build_quarter(app, chat)
    [t1] = await school_summary(app.deps, Q1, AFTER_QUARTER)
    # By hand (test_reports' story): congress 1 of 1; committee 1 of 3 (01-08, 02-12 unrecorded);
    # groups 1+1+0 of 6+6+6; 党课 0 of 1 (03-26 cancelled).
    assert t1.held == {CONGRESS: 1, COMMITTEE: 1, GROUP: 2, LESSON: 0}
    assert t1.required == {CONGRESS: 1, COMMITTEE: 3, GROUP: 18, LESSON: 1}
    assert t1.missing == {COMMITTEE: 2, GROUP: 16, LESSON: 1}
    # 公示: the congress's published 03-02 after its 02-28 deadline; the math meeting's never.
    assert (t1.publication_late, t1.publication_missing) == (1, 1)
    # signed in / expected: congress 7/12, math 3/5, grade10 2/4, committee 4/5
    assert (t1.present, t1.expected) == (16, 26)
    assert t1.attendance_rate == pytest.approx(16 / 26)
    # tasks: #1 and #3 done; #2 and #4 open and overdue
    assert (t1.tasks_done, t1.tasks_open, t1.tasks_overdue) == (2, 2, 2)

    summary = summary_sheet((t1,), app.deps.org, "2026全校汇总")
    book = load_workbook(BytesIO(workbook_bytes(school_sheets(summary, {"t1": []}))))
    sheet = book["2026全校汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == SUMMARY_HEADERS
    assert rows[1] == ("教工第一党支部", "1/1", "1/3", "2/18", "0/1", 1, 1, pytest.approx(16 / 26), 2, 2, 2)


def _standing(
    branch: str, *, missing: int = 0, late: int = 0, overdue: int = 0, present: int = 9
) -> BranchStanding:
    return BranchStanding(
        branch=branch,
        held={COMMITTEE: 3 - missing},
        required={COMMITTEE: 3},
        publication_on_time=1 - late,
        publication_late=late,
        publication_missing=0,
        present=present,
        expected=10,
        tasks_done=1,
        tasks_open=overdue,
        tasks_overdue=overdue,
    )


def test_branches_needing_attention_come_first() -> None:
    fine, late, missed, absent, overdue = (
        _standing("fine"),
        _standing("late", late=1),
        _standing("missed", missing=1),
        _standing("absent", present=5),
        _standing("overdue", overdue=3),
    )
    ordered = attention_first([fine, absent, overdue, late, missed])
    assert [s.branch for s in ordered] == ["missed", "late", "overdue", "absent", "fine"]
    assert attention_first([fine, _standing("fine2")])[0].branch == "fine"  # ties keep config order


@pytest.mark.slow
def test_school_workbook_from_the_command_line(tmp_path: Path) -> None:
    db, out = tmp_path / "c.db", tmp_path / "school.xlsx"
    run = [sys.executable, "bot.py"]
    script = "zhangwei@branch: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20\n:clock 2026-04-01T09:00\n:quit\n"
    subprocess.run(
        [*run, "console", "--config", str(EXAMPLE), "--db", str(db), "--now", "2026-03-02T08:00"],
        cwd=ROOT,
        input=script,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    done = subprocess.run(
        [
            *run,
            "export",
            "--config",
            str(EXAMPLE),
            "--db",
            str(db),
            "--format",
            "xlsx",
            "--school",
            "--year",
            "2026",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["2026全校汇总", "2026全校年度评优"] and "t1 会议记录" in book.sheetnames
    # 年度评优, school-wide: 刘洋 owns the one task, open and overdue since 03-20 (column 任务逾期未完成)
    evaluation = {row[2]: row for row in book["2026全校年度评优"].iter_rows(min_row=2, values_only=True)}
    assert evaluation["刘洋"][0] == "教工第一党支部" and evaluation["刘洋"][11] == 1
    [_, row] = list(book["2026全校汇总"].iter_rows(values_only=True))
    assert row[0] == "教工第一党支部" and row[-3:] == (0, 1, 1)  # the one task: open, overdue since 03-20


@pytest.fixture
async def school_app(database_url: str) -> AsyncIterator[App]:
    """TEST_CONFIG with a 党委 chat; 刘洋 (an ordinary member of t1) sits on the 党委."""
    config = copy.deepcopy(TEST_CONFIG)
    config["chats"]["dangwei"] = {"telegram": -1009}
    config["school"] = {"name": "实验中学党委", "chat": "dangwei"}
    [liuyang] = [m for m in config["members"] if m["key"] == "liuyang"]
    liuyang["school_roles"] = ["party_committee"]
    opened = await open_app(on_database(parse_settings(config, "tests"), database_url))
    yield opened
    await opened.close()


async def test_report_school_in_the_party_committee_chat_for_its_members_only(school_app: App) -> None:
    chat = ChatDriver(school_app, local("2026-03-01T09:00"))
    await build_quarter(school_app, chat)
    at = AFTER_QUARTER
    answer = await chat.say("liuyang", "dangwei", "/report school quarter 2026Q1", at)
    assert "实验中学党委" in answer and "教工第一党支部" in answer
    # by hand: held 1+1+2+0 of 1+3+18+1 (congress, committee, groups, 党课); short 2 committee, 16 group, 1 党课
    assert "会议 4/23" in answer and "支部委员会2" in answer and "党小组会16" in answer and "党课1" in answer
    assert "逾期 2" in answer and "需要关注" in answer and "62%" in answer  # 16/26 attended
    # the secretary of t1 is no 党委 member; the school report is not given in a branch chat
    assert "党委委员" in await chat.say("zhangwei", "dangwei", "/report school", at)
    assert "党委群" in await chat.say("liuyang", "branch", "/report school", at)
    # a 党委 member acts in a branch only as what they are there: 刘洋 is an ordinary member of t1
    refused = await chat.say("liuyang", "branch", "/decision 全校统一安排 @liuyang 截止:2026-04-20", at)
    assert "没有权限" in refused or "书记" in refused
    assert "全校统一安排" not in str(await chat.export())


async def test_month_end_gives_the_party_committee_chat_one_school_summary(school_app: App) -> None:
    chat = ChatDriver(school_app, local("2026-03-01T09:00"))
    await build_quarter(school_app, chat)
    recorder = Recorder()
    announcer = Announcer(school_app.deps, "zh-CN", [recorder])
    await announcer.start(local("2026-03-31T17:00"))
    await announcer.advance(local("2026-03-31T17:00"), local("2026-03-31T18:00"))
    await announcer.advance(local("2026-03-31T18:00"), local("2026-03-31T19:00"))  # again: still once
    month_end = [(c, r) for c, r in recorder.posts if r.subject == "month:2026-03"]
    school_posts = [reply.text for c, reply in month_end if c == "dangwei"]
    assert len(school_posts) == 1 and "教工第一党支部" in school_posts[0] and "需要关注" in school_posts[0]
    # March by hand: the math meeting's 决议清单 never published; the 03-26 党课 is a quarter rule
    assert "未发布 1" in school_posts[0]
    # March ends the quarter: its 党课 was cancelled and not held again, its congress was held (02-26)
    [quarter_line] = [line for line in school_posts[0].splitlines() if "第一季度" in line]
    assert "党课" in quarter_line and "教工第一党支部" in quarter_line and "党员大会" not in quarter_line
    # branch chats get their own 积分公示栏, not the school summary
    assert all("实验中学党委" not in reply.text for c, reply in month_end if c != "dangwei")


def test_the_school_summary_of_two_hundred_branches_fits_one_message() -> None:
    """A district's 200 branches: the lines that fit, those not listed counted, the attention line kept."""
    standings = attention_first(
        [
            _standing(f"b{index:03d}", missing=index % 3, late=index % 2, overdue=index % 5)
            for index in range(200)
        ]
    )
    renderer = Renderer("zh-CN", ZoneInfo("Asia/Shanghai"), Organisation(branches=()))
    text = render_school_report("区教育局党委", Period(2026, PeriodKind.MONTH, 3), standings, renderer)
    assert len(text) <= 4096
    listed = [line for line in text.splitlines() if line.startswith("b")]
    assert listed and listed[0].startswith(standings[0].branch)  # the one needing attention most, first
    not_listed = 200 - len(listed)
    attention = sum(1 for s in standings[len(listed) :] if any(s.concern[:3]))
    assert f"另有 {not_listed} 个支部" in text and f"需要关注 {attention} 个" in text
    assert "需要关注：" in text and "等 " in text  # the first ten named, the rest counted
    # a few branches are all listed, nothing said of others
    few = render_school_report("党委", Period(2026, PeriodKind.MONTH, 3), standings[:3], renderer)
    assert "另有" not in few and len([line for line in few.splitlines() if line.startswith("b")]) == 3
