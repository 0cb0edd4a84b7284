"""A played April with three branches and the 党委 above them (issue 17, "What it must show" 1 and 3).

By hand (April 2026; each branch has one 支委会 required, on Thursday 04-09 16:30; no groups):
- t1 教工第一党支部: holds it (3 of 3 committee members sign in), records one decision, publishes its
  决议清单 on 04-10 — on time (deadline: two working days after 04-09 is Monday 04-13).
- t2 教工第二党支部: holds it (2 of 3 sign in), one decision, publishes on 04-14 — late.
- t3 教工第三党支部: nobody records its 支委会 — not held: the branch that missed its 支委会.
The 党委: 王军 (wangjun) sits on it and belongs to no branch; 刘一 (t1's secretary) sits on it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from support import ChatDriver, local, meeting_on, on_database, say_ok
from test_chart import Recorder

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, open_app, plan_meetings
from sanhui_bot.config import parse_settings
from sanhui_bot.domain.compliance import Period, PeriodKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.exports.school import school_sheets, summary_sheet
from sanhui_bot.exports.xlsx import workbook_bytes
from sanhui_bot.scheduler.announcer import Announcer
from sanhui_bot.services.announcements import start_planning
from sanhui_bot.services.school import school_summary

COMMITTEE = MeetingKind.COMMITTEE
APRIL = Period(2026, PeriodKind.MONTH, 4)
MONTH_END = local("2026-04-30T19:00")
NAMES = {"t1": "教工第一党支部", "t2": "教工第二党支部", "t3": "教工第三党支部"}
# Each branch's people: (key, name, roles); keys and names say the branch (t2's are 钱*).
PEOPLE = {
    branch: [
        (f"{family}yi", f"{name}一", ["secretary"]),
        (f"{family}er", f"{name}二", ["committee"]),
        (f"{family}san", f"{name}三", ["committee"]),
        (f"{family}si", f"{name}四", []),
        (f"{family}wu", f"{name}五", []),
    ]
    for branch, family, name in (("t1", "liu", "刘"), ("t2", "qian", "钱"), ("t3", "sun", "孙"))
}


def three_branch_config() -> dict[str, Any]:
    """Three branches without groups, a 党委 chat, a 党委 member of no branch and one who is t1's secretary."""
    chats: dict[str, Any] = {"dangwei": {"telegram": -1900}}
    branches, members = [], []
    for number, (branch, name) in enumerate(NAMES.items(), start=1):
        chats[f"{branch}-branch"] = {"telegram": -1000 - 10 * number}
        chats[f"{branch}-committee"] = {"telegram": -1001 - 10 * number}
        branches.append(
            {"key": branch, "name": name, "chat": f"{branch}-branch", "committee_chat": f"{branch}-committee"}
        )
        for index, (key, person, roles) in enumerate(PEOPLE[branch]):
            members.append(
                {
                    "key": key,
                    "name": person,
                    "branch": branch,
                    "roles": roles,
                    "telegram": 20000 + 10 * number + index,
                }
            )
    members[0]["school_roles"] = ["party_committee"]  # 刘一, t1's secretary, sits on the 党委
    return {
        "timezone": "Asia/Shanghai",
        "schedule": {"signin": "button"},  # members sign in with a bare /signin N here (issue 18: online)
        "chats": chats,
        "school": {
            "name": "实验中学党委",
            "chat": "dangwei",
            "members": [{"key": "wangjun", "name": "王军", "telegram": 29999}],
        },
        "branches": branches,
        "members": members,
    }


@pytest.fixture
async def school(database_url: str) -> AsyncIterator[App]:
    opened = await open_app(on_database(parse_settings(three_branch_config(), "tests"), database_url))
    yield opened
    await opened.close()


async def play_april(app: App) -> ChatDriver:
    """The story of the module docstring, through the chat commands."""
    chat = ChatDriver(app, local("2026-04-01T09:00"))
    await plan_meetings(app, local("2026-04-01T08:00"))
    await start_planning(app.deps, local("2026-04-01T08:00"))  # the bot has run since April began
    for branch, signed, published in (("t1", 3, "2026-04-10T09:00"), ("t2", 2, "2026-04-14T10:00")):
        meeting = await meeting_on(app, f"{branch}:committee", COMMITTEE, "2026-04-09")
        people = [key for key, _, _ in PEOPLE[branch]]
        room = f"{branch}-committee"
        for key in people[:signed]:
            await say_ok(chat, key, room, f"/signin {meeting.id}", "2026-04-09T16:35", "+2")
        await say_ok(
            chat,
            people[0],
            room,
            f"/decision {branch}落实听课制度 @{people[3]} 截止:2026-04-20",
            "2026-04-09T16:40",
            "任务",
        )
        await say_ok(chat, people[0], room, f"/close {meeting.id}", "2026-04-09T17:30", f"#{meeting.id}")
        await say_ok(
            chat, people[0], f"{branch}-branch", f"/publish {meeting.id}", published, f"#{meeting.id}"
        )
    # t1's task is done on time; t2's stays open and is overdue from 04-21
    await say_ok(chat, "liusi", "t1-branch", "/done 1 已落实", "2026-04-18T10:00", "+5")
    return chat


async def month_end_posts(app: App) -> list[tuple[str, Any]]:
    recorder = Recorder()
    announcer = Announcer(app.deps, "zh-CN", [recorder])
    await announcer.start(local("2026-04-30T17:00"))
    await announcer.advance(local("2026-04-30T17:00"), local("2026-04-30T18:00"))
    await announcer.advance(local("2026-04-30T18:00"), MONTH_END)  # again: still once
    return recorder.posts


async def test_played_month_gives_the_party_committee_one_summary_and_each_branch_only_its_own(
    school: App,
) -> None:
    chat = await play_april(school)
    posts = await month_end_posts(school)

    # The 党委 chat: exactly one post, the school summary of April
    [(_, summary)] = [(c, reply) for c, reply in posts if c == "dangwei"]
    assert summary.subject == "month:2026-04"
    [picture] = summary.attachments  # the chart, where the platform shows pictures
    assert picture.mime == "image/png" and picture.data.startswith(b"\x89PNG")
    text = summary.text
    assert all(name in text for name in NAMES.values())
    t3_line = next(line for line in text.splitlines() if line.startswith(NAMES["t3"]))
    assert "支部委员会1" in t3_line  # t3 short one 支委会
    t2_line = next(line for line in text.splitlines() if line.startswith(NAMES["t2"]))
    assert "按时 0、逾期 1" in t2_line and "缺" not in t2_line  # t2 held it, published late
    t1_line = next(line for line in text.splitlines() if line.startswith(NAMES["t1"]))
    assert "按时 1、逾期 0" in t1_line and "缺" not in t1_line
    attention = next(line for line in text.splitlines() if "需要关注" in line)
    # the stated order: most meetings short first (t3), then most 公示 late (t2); t1 needs none
    assert attention.index(NAMES["t3"]) < attention.index(NAMES["t2"]) and NAMES["t1"] not in attention

    # Each branch's chats: its own posts only, nothing of the other branches or the school summary
    for branch in NAMES:
        own = {f"{branch}-branch", f"{branch}-committee"}
        others = [NAMES[b] for b in NAMES if b != branch] + [
            name for b in NAMES if b != branch for _, name, _ in PEOPLE[b]
        ]
        texts = [reply.text for c, reply in posts if c in own]
        assert any(reply.subject == "month:2026-04" for c, reply in posts if c == f"{branch}-branch")
        assert not any(other in text for text in texts for other in [*others, "实验中学党委"])

    # A 党委 member acts in no branch: 王军 (in no branch) and the refusal names who can
    refused = await chat.say(
        "wangjun", "t2-branch", "/decision 全校统一安排 @qiansi 截止:2026-05-20", MONTH_END
    )
    assert "党委委员" in refused and "钱一" in refused
    refused = await chat.say("wangjun", "t2-committee", "/decision 全校统一安排 @qiansi 截止:2026-05-20")
    assert "钱一" in refused
    # 刘一 is t1's secretary: in t2's chats he is no member, and is told so
    refused = await chat.say("liuyi", "t2-committee", "/decision 全校统一安排 @qiansi 截止:2026-05-20")
    assert NAMES["t1"] in refused and "钱一" in refused
    assert "全校统一安排" not in str(await chat.export())


async def test_report_school_and_the_workbook_agree_with_the_hand_count_of_three_branches(
    school: App,
) -> None:
    chat = await play_april(school)
    standings = {s.branch: s for s in await school_summary(school.deps, APRIL, MONTH_END)}
    # by hand, per the module docstring
    assert {b: (s.held.get(COMMITTEE, 0), s.required[COMMITTEE]) for b, s in standings.items()} == {
        "t1": (1, 1),
        "t2": (1, 1),
        "t3": (0, 1),
    }
    assert {
        b: (s.publication_on_time, s.publication_late, s.publication_missing) for b, s in standings.items()
    } == {
        "t1": (1, 0, 0),
        "t2": (0, 1, 0),
        "t3": (0, 0, 0),
    }
    # attendance: t1 3 of 3 committee members, t2 2 of 3, t3 none held
    assert {b: (s.present, s.expected) for b, s in standings.items()} == {
        "t1": (3, 3),
        "t2": (2, 3),
        "t3": (0, 0),
    }
    # tasks: t1's done, t2's open and overdue since 04-21
    assert {b: (s.tasks_done, s.tasks_open, s.tasks_overdue) for b, s in standings.items()} == {
        "t1": (1, 0, 0),
        "t2": (0, 1, 1),
        "t3": (0, 0, 0),
    }

    answer = await chat.say("wangjun", "dangwei", "/report school 2026-04", MONTH_END)
    lines = {b: next(line for line in answer.splitlines() if line.startswith(NAMES[b])) for b in NAMES}
    assert "会议 1/1" in lines["t1"] and "出勤率 100%" in lines["t1"] and "完成 1" in lines["t1"]
    assert "会议 1/1" in lines["t2"] and "出勤率 67%" in lines["t2"] and "逾期 1" in lines["t2"]
    assert "会议 0/1" in lines["t3"] and "出勤率 —" in lines["t3"]

    summary = summary_sheet(
        tuple(await school_summary(school.deps, APRIL, MONTH_END)), school.deps.org, "2026-04"
    )
    book = load_workbook(BytesIO(workbook_bytes(school_sheets(summary, {}))))
    rows = {row[0]: row for row in list(book["2026-04"].iter_rows(values_only=True))[1:]}
    headers = next(book["2026-04"].iter_rows(values_only=True))
    column = {name: index for index, name in enumerate(headers)}
    for branch, standing in standings.items():
        row = rows[NAMES[branch]]
        assert row[column["支委会（召开/应开）"]] == f"{standing.held.get(COMMITTEE, 0)}/1"
        assert row[column["公示逾期"]] == standing.publication_late
        assert row[column["任务逾期"]] == standing.tasks_overdue
    assert [row[0] for row in list(book["2026-04"].iter_rows(values_only=True))[1:]] == [
        NAMES["t3"],
        NAMES["t2"],
        NAMES["t1"],
    ]


async def test_the_party_committee_reads_any_branch_and_acts_in_none(school: App) -> None:
    chat = await play_april(school)
    at = MONTH_END
    # 王军 (no branch) reads t2 from the 党委 chat: its report, tasks, meetings, points, 台账
    report = await chat.say("wangjun", "dangwei", "/report t2 2026-04", at)
    assert NAMES["t2"] in report and NAMES["t1"] not in report
    tasks = await chat.say("wangjun", "dangwei", "/tasks t2 逾期", at)
    assert "t2落实听课制度" in tasks and "t1落实听课制度" not in tasks
    assert "t1落实听课制度" in await chat.say("wangjun", "dangwei", "/tasks 教工第一党支部 全部", at)
    assert "钱" in await chat.say("wangjun", "dangwei", "/points t2 2026-04", at)
    await chat.say("wangjun", "dangwei", "/export t3 csv 2026", at)
    assert chat.replies[0].attachments
    assert "t1" in await chat.say("wangjun", "dangwei", "/meetings", at)  # which branch? the keys are listed
    # 刘一 (t1's secretary, on the 党委) reads t3 in the 党委 chat, not in his branch's chat
    assert NAMES["t3"] in await chat.say("liuyi", "dangwei", "/report t3 2026-04", at)
    assert "党委群" in await chat.say("liuyi", "t1-branch", "/report t3 2026-04", at)
    # his own branch in its chat is his own report, as before
    assert NAMES["t1"] in await chat.say("liuyi", "t1-branch", "/report t1 2026-04", at)
    # t2's secretary is no 党委 member: another branch's record is not hers to read
    assert "党委委员" in await chat.say("qianyi", "dangwei", "/report t1 2026-04", at)
    assert "党委委员" in await chat.say("qianyi", "t2-branch", "/tasks t1", at)
    # reading is not acting: /points t2 reverse is no read of another branch
    assert "党委委员" in await chat.say("wangjun", "t2-branch", "/points reverse 1 错记", at)


async def test_a_party_committee_member_reads_a_branch_in_a_private_chat(school: App) -> None:
    await play_april(school)

    async def private(user: str, text: str) -> str:
        incoming = Incoming("telegram", user, None, user, text, private=True)
        return "\n".join(r.text for r in await school.conversation.handle_text(incoming, MONTH_END))

    assert NAMES["t2"] in await private("29999", "/report t2 2026-04")  # 王军, by Telegram id
    school_report = await private("29999", "/report school 2026-04")  # the whole school, privately too
    assert all(name in school_report for name in NAMES.values())
    assert "t2落实听课制度" in await private("29999", "/tasks t2")
    assert "请在命令后写上要查看的支部" in await private("29999", "/tasks")  # several branches: which one?
    assert "t9" in await private("29999", "/tasks t9")  # no such branch: the word is named as wrong
    # t2's secretary (no 党委 member): her own branch's business is done in its chats
    assert "私聊" in await private("20020", "/tasks")
    assert "党委委员" in await private("20020", "/report t1 2026-04")
