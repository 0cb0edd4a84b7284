"""`python bot.py …` as a user runs it: the console on stdin, export, migrate, check-config, --help."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"

pytestmark = pytest.mark.slow


def bot(*args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "bot.py", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"bot.py {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def console(db: Path, script: list[str], now: str | None = "2026-03-01T09:00") -> str:
    args = ["console", "--config", str(EXAMPLE), "--db", str(db)]
    if now:
        args += ["--now", now]
    return bot(*args, stdin="\n".join(script) + "\n").stdout


def posts(output: str) -> dict[int, tuple[str, str]]:
    """Message number → (chat, text including its buttons line) of every post printed."""
    found: dict[int, tuple[str, str]] = {}
    for block in re.split(r"^--- ", output, flags=re.MULTILINE)[1:]:
        header, _, body = block.partition("\n")
        chat, number = header.rsplit(" #", 1)
        found[int(number)] = (chat, body)
    return found


def test_console_answers_help_in_chinese(tmp_path: Path) -> None:
    output = console(tmp_path / "c.db", ["zhangwei@branch: /help", ":quit"])
    [(chat, text)] = posts(output).values()
    assert chat == "branch" and "/decision" in text and "/rsvp" in text and "可用命令" in text


def test_console_decision_task_export_and_refusal(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    output = console(
        db,
        [
            "zhangwei@branch: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
            "liuyang@branch: /decision 越权的决议 @liuyang 截止:2026-03-20",
            "liuyang@branch: /tasks",
            ":quit",
        ],
    )
    shown = posts(output)
    assert "刘洋" in shown[3][1] and "李华" in shown[3][1] and "3月20日（周五）" in shown[3][1]
    assert "权限" in shown[2][1]
    data = json.loads(bot("export", "--format", "json", "--config", str(EXAMPLE), "--db", str(db)).stdout)
    assert set(data) == {
        "members",
        "meetings",
        "rsvps",
        "leave_decisions",  # who approved or refused each leave request, and when (issue 18)
        "attendance",
        "suggestions",
        "decisions",
        "tasks",
        "points",
        "outbox",
        "roster",  # the dated roster facts (joined, left, 转正, group changes)
    }
    [task] = data["tasks"]
    assert (task["title"], task["owner"], task["lead"], task["due_on"]) == (
        "完成劳动教育课程方案",
        "liuyang",
        "lihua",
        "2026-03-20",
    )


def test_buttons_and_message_numbers_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = posts(
        console(db, ["zhangwei@branch: /decision 家访 @liuyang 截止:2026-03-20 小组:数学", ":quit"])
    )
    [(number, (_, text))] = first.items()
    assert "[1] 认领" in text
    # a second run on the same database: the leader presses the button under message 1
    second = posts(
        console(
            db,
            [f":press sunli@branch {number} 1", ":press sunli@branch 99 1", ":quit"],
            now="2026-03-01T09:05",
        )
    )
    assert sorted(second) == [number + 1, number + 2]
    assert "认领" in second[number + 1][1] and "数学党小组" in second[number + 1][1]
    assert "失效" in second[number + 2][1]


def test_console_clock_moves_forward_only_and_bad_lines_are_explained(tmp_path: Path) -> None:
    output = console(
        tmp_path / "c.db",
        [":clock 2026-03-05T14:20", ":clock 2026-03-01T09:00", "what is this", ":clock tomorrow", ":quit"],
    )
    assert "只能向前" in output and "格式" in output and "时间格式" in output


def test_check_config_accepts_the_example_and_lists_every_problem_of_a_broken_one(tmp_path: Path) -> None:
    assert "OK" in bot("check-config", "--config", str(EXAMPLE)).stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        .replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
        .replace('group = "grade10"', 'group = "physics"', 1)
        .replace('key = "liuyang"', 'key = "zhangwei"'),
        encoding="utf-8",
    )
    result = bot("check-config", "--config", str(broken), check=False)
    assert result.returncode == 1
    assert "timezone" in result.stderr and "Mars/Olympus" in result.stderr
    assert "physics" in result.stderr and "duplicate member key 'zhangwei'" in result.stderr


def test_migrate_then_every_command_has_help(tmp_path: Path) -> None:
    assert "revision" in bot("migrate", "--config", str(EXAMPLE), "--db", str(tmp_path / "m.db")).stdout
    for command in ("run", "console", "migrate", "check-config", "export"):
        assert "--config" in bot(command, "--help").stdout
    assert "console" in bot("--help").stdout
