"""Rosters from the secretary's spreadsheet: `roster = "rosters/t1.csv"` (or .xlsx) in a [[branches]] entry.

Every bad row is reported with its row number in one go; a good file is the same roster as the TOML
entries; `roster export` writes what `roster = …` reads (round trip); an edit of the file is a dated
roster change like an edit of [[members]].
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from support import TEST_CONFIG, ChatDriver, local

from sanhui_bot.app import App, roster_members
from sanhui_bot.config import ConfigError, Settings, load_settings, parse_settings
from sanhui_bot.roster_files import (
    COLUMNS,
    branch_table,
    csv_bytes,
    derived_key,
    expand_rosters,
    read_rows,
    stored_table,
    xlsx_bytes,
)
from sanhui_bot.services import roster

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
TODAY = date(2026, 3, 1)
HEADER = ",".join(COLUMNS)


def spreadsheet_config(tmp_path: Path, roster_file: Path | None = None) -> Path:
    """config.example.toml with its [[members]] replaced by `roster = "rosters/t1.csv"` (copied next to it)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start, end = text.index("\n[[members]]"), text.index("\n[schedule]")
    text = text[:start] + "\n" + text[end:]
    name = (roster_file or ROOT / "rosters" / "t1.csv").name
    text = text.replace('# roster = "rosters/t1.csv"', f'roster = "rosters/{name}"')
    (tmp_path / "rosters").mkdir(exist_ok=True)
    shutil.copy(roster_file or ROOT / "rosters" / "t1.csv", tmp_path / "rosters" / name)
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return config


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def good_rows() -> list[str]:
    """The example roster's data lines."""
    return (ROOT / "rosters" / "t1.csv").read_text(encoding="utf-8").splitlines()[1:]


def test_the_example_roster_file_is_the_example_members(tmp_path: Path) -> None:
    from_file = load_settings(spreadsheet_config(tmp_path), today=TODAY)
    from_toml = load_settings(EXAMPLE, today=TODAY)
    assert [m.model_dump() for m in from_file.members] == [m.model_dump() for m in from_toml.members]
    assert from_file.branches[0].roster == "rosters/t1.csv"


def test_every_bad_row_is_reported_with_its_row_number(tmp_path: Path) -> None:
    rows = good_rows()
    bad = write_csv(
        tmp_path / "t1.csv",
        *rows[:8],  # rows 2-9: the leaders
        "林雨,linyu,,正式,物理党小组,,,,",  # row 10: unknown 党小组
        "刘洋,liuyang2,,正式,数学党小组,,,,",  # row 11: duplicate name (刘洋 is row 17 too, reported there)
        "何马,hema,,预备,数学党小组,2025-09-01,2026-09-01,,",  # row 12: 预备 with a future 转正日期
        "钱进,qianjin,宣传部长,正式,数学党小组,,,,",  # row 13: unknown 职务
        "孔明,kongming,,正式,数学党小组,2025-13-01,,,",  # row 14: bad date
        "",  # a blank line is layout, not a member (row 15)
        *rows[8:],  # rows 16-22
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(spreadsheet_config(tmp_path, bad), today=TODAY)
    problems = caught.value.problems
    where = {path for path, _ in problems}
    assert where == {f"rosters/t1.csv row {n}" for n in (10, 12, 13, 14, 16)}, problems
    text = "\n".join(f"{path}: {message}" for path, message in problems)
    assert "物理党小组" in text and "数学党小组" in text  # the unknown group and the known ones
    assert "duplicate name 刘洋 (also row 11)" in text
    assert "2026-09-01" in text and "future" in text
    assert "宣传部长" in text and "2025-13-01" in text


def test_xlsx_rows_with_real_dates_and_numbers_read_like_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(["张伟", "zhangwei", "书记", "正式", "math", None, None, 10001.0, None])
    sheet.append(
        ["黄婷", None, None, "预备", "高一年级党小组", date(2025, 10, 1), date(2027, 1, 1), None, None]
    )
    path = tmp_path / "t1.xlsx"
    book.save(path)
    rows = read_rows(path)
    assert [row["_row"] for row in rows] == [2, 3]
    config = copy.deepcopy(TEST_CONFIG)
    config["members"] = []
    config["branches"][0]["roster"] = "t1.xlsx"
    _, problems = expand_rosters(config, tmp_path, TODAY)
    assert problems == [
        (
            "t1.xlsx row 3",
            "转正日期 2027-01-01 is in the future: 转正 is recorded when it happens; "
            "leave 转正日期 empty while the member is 预备",
        )
    ]
    sheet.delete_rows(3)
    book.save(path)
    expanded, problems = expand_rosters(config, tmp_path, TODAY)
    assert problems == []
    [zhangwei] = expanded["members"]
    assert (
        zhangwei["telegram"] == 10001 and zhangwei["group"] == "math" and zhangwei["roles"] == ["secretary"]
    )


def test_a_row_without_key_gets_one_that_does_not_depend_on_its_place(tmp_path: Path) -> None:
    config = copy.deepcopy(TEST_CONFIG)
    config["branches"][0]["roster"] = "t1.csv"
    keys = []
    for order in ([0, 1], [1, 0]):
        lines = ["郑宇,,,正式,数学党小组,,,,", "郭欣,,,正式,数学党小组,,,,"]
        write_csv(tmp_path / "t1.csv", *(lines[i] for i in order))
        expanded, problems = expand_rosters({**config, "members": []}, tmp_path, TODAY)
        assert problems == []
        keys.append({m["name"]: m["key"] for m in expanded["members"]})
    assert keys[0] == keys[1] == {"郑宇": derived_key("t1", "郑宇"), "郭欣": derived_key("t1", "郭欣")}
    assert keys[0]["郑宇"] != keys[0]["郭欣"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_roster_export_round_trips(tmp_path: Path, suffix: str) -> None:
    settings = load_settings(spreadsheet_config(tmp_path), today=TODAY)
    table = branch_table(settings, "t1", TODAY)
    assert len(table) == 16 and table[0] == list(COLUMNS)
    exported = tmp_path / f"exported.{suffix}"
    exported.write_bytes(csv_bytes(table) if suffix == "csv" else xlsx_bytes(table))
    again = load_settings(spreadsheet_config(tmp_path, exported), today=TODAY)
    assert [m.model_dump() for m in again.members] == [m.model_dump() for m in settings.members]
    assert branch_table(again, "t1", TODAY) == table


async def test_a_changed_file_is_a_dated_roster_change(app: App, tmp_path: Path) -> None:
    """hema's row says 正式 with 转正日期 2026-04-15: a vote from that day on, not before."""
    config = copy.deepcopy(TEST_CONFIG)
    settings: Settings = parse_settings(copy.deepcopy(config), "tests")
    table = branch_table(settings, "t1", TODAY)
    hema = next(row for row in table if row[1] == "hema")
    hema[3], hema[6] = "正式", date(2026, 4, 15)
    (tmp_path / "t1.csv").write_bytes(csv_bytes(table))
    config["members"] = []
    config["branches"][0]["roster"] = "t1.csv"
    expanded, problems = expand_rosters(config, tmp_path, date(2026, 4, 20))
    assert problems == []
    await roster.sync_roster(app.deps, roster_members(parse_settings(expanded)), local("2026-04-20T08:00"))
    async with app.deps.uow() as uow:
        before = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 14))}
        after = {m.key: m for m in await app.deps.roster.on(uow, "t1", date(2026, 4, 15))}
    assert not before["hema"].votes and after["hema"].votes
    assert before.keys() == after.keys() == {m["key"] for m in TEST_CONFIG["members"]}


def test_an_unreadable_roster_file_is_one_problem_naming_it(tmp_path: Path) -> None:
    config: dict[str, Any] = copy.deepcopy(TEST_CONFIG)
    config["branches"][0]["roster"] = "missing.xlsx"
    _, problems = expand_rosters(config, tmp_path, TODAY)
    assert len(problems) == 1 and problems[0][0] == "branches[0].roster" and "missing.xlsx" in problems[0][1]
    (tmp_path / "t1.csv").write_text("名字,职务\n张伟,书记\n", encoding="utf-8")
    config["branches"][0]["roster"] = "t1.csv"
    _, problems = expand_rosters(config, tmp_path, TODAY)
    assert len(problems) == 1 and "姓名" in problems[0][1]


def bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bot.py", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_check_config_lists_bad_rows_and_a_good_file_runs_the_console(tmp_path: Path) -> None:
    rows = good_rows()
    bad = write_csv(
        tmp_path / "t1.csv",
        *rows[:8],
        "林雨,linyu,,正式,物理党小组,,,,",  # row 10
        "何马,hema,,预备,数学党小组,2025-09-01,2099-09-01,,",  # row 11
        "张伟,zhangwei2,,正式,数学党小组,,,,",  # row 12: 张伟 is row 2
    )
    config = spreadsheet_config(tmp_path, bad)
    result = bot("check-config", "--config", str(config))
    assert result.returncode == 1
    for number, what in ((10, "物理党小组"), (11, "2099-09-01"), (12, "duplicate name 张伟")):
        assert f"rosters/t1.csv row {number}: " in result.stderr and what in result.stderr, result.stderr

    good = spreadsheet_config(tmp_path)
    assert bot("check-config", "--config", str(good)).stdout.startswith(
        "OK: 1 branch(es), 3 group(s), 15 member"
    )
    session = bot(
        "console",
        "--config",
        str(good),
        "--db",
        str(tmp_path / "c.db"),
        "--now",
        "2026-03-02T08:00",
        stdin="zhangwei@branch: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua\n"
        "xinyuan@branch: /join 辛原\nzhangwei@branch: /approve 1 预备\n:quit\n",
    )
    assert session.returncode == 0 and "任务 #1" in session.stdout and "刘洋" in session.stdout, (
        session.stderr
    )
    # the current roster as the database holds it: the file's fifteen, then 辛原, approved on 03-02
    db = ["--db", str(tmp_path / "c.db"), "--now", "2026-03-02T09:00"]
    exported = bot("roster", "export", "--config", str(good), *db)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.lstrip("\ufeff").splitlines() == [
        *(
            line.replace("组织委员", "支委").replace("宣传委员", "支委")
            for line in (ROOT / "rosters" / "t1.csv").read_text(encoding="utf-8").splitlines()
        ),
        "辛原,xinyuan,,预备,,2026-03-02,,,",
    ]


async def test_the_current_roster_is_read_from_the_database_with_approved_members(app: App) -> None:
    """`roster export` writes what the database holds: the config's members and those approved since."""
    chat = ChatDriver(app, local("2026-03-02T09:00"))
    await chat.say("xinyuan", "branch", "/join 辛原")
    assert "辛原" in await chat.say("zhangwei", "branch", "/approve 1 预备")
    lines = {line.member.key: line for line in await roster.current_roster(app.deps, "t1", date(2026, 3, 2))}
    assert len(lines) == len(TEST_CONFIG["members"]) + 1
    assert lines["xinyuan"].joined == date(2026, 3, 2) and lines["xinyuan"].member.status == "probationary"
    table = stored_table(lines.values(), {"math": "数学党小组"}, [m["key"] for m in TEST_CONFIG["members"]])
    assert table[1][1] == "zhangwei" and table[-1][:6] == [
        "辛原",
        "xinyuan",
        "",
        "预备",
        "",
        date(2026, 3, 2),
    ]


def _with_school_roster(tmp_path: Path, *lines: str) -> Path:
    """The example config with a 党委 chat and `[school] roster = "rosters/dangwei.csv"` holding `lines`."""
    config = tmp_path / "config.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "\n[[branches]]",
        '\n[chats.dangwei]\ntelegram = -1009999\n\n[school]\nname = "实验中学党委"\nchat = "dangwei"\n'
        'roster = "rosters/dangwei.csv"\n\n[[branches]]',
        1,
    )
    config.write_text(text, encoding="utf-8")
    (tmp_path / "rosters").mkdir(exist_ok=True)
    (tmp_path / "rosters" / "dangwei.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def test_the_party_committee_roster_file_gives_members_of_no_branch(tmp_path: Path) -> None:
    good = _with_school_roster(
        tmp_path, "姓名,编号,职务,Telegram", "王军,wangjun,党委委员,29999", "李明,,组织委员,"
    )
    school = load_settings(good, today=TODAY).school
    assert school is not None
    assert [(m.key, m.name, m.telegram) for m in school.members] == [
        ("wangjun", "王军", 29999),
        (derived_key("school", "李明"), "李明", None),
    ]
    bad = _with_school_roster(
        tmp_path,
        "姓名,编号,职务,Telegram",
        "王军,wangjun,党委委员,29999",
        "李明,,组织委员,abc",  # row 3: not a Telegram id
        "王军,wangjun2,党委副书记,",  # row 4: 王军 is row 2
        "张伟,zhangwei,党委委员,",  # row 5: the key of t1's secretary (a branch member takes school_roles)
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(bad, today=TODAY)
    problems = raised.value.problems
    assert any(where == "rosters/dangwei.csv row 3" and "Telegram" in what for where, what in problems)
    assert any(
        where == "rosters/dangwei.csv row 4" and "duplicate name 王军" in what for where, what in problems
    )
    assert any("zhangwei" in what and "school_roles" in what for _, what in problems), problems
