"""What was seen (issue 12, item 1), as a secretary plays it in the console from 2026-03-01: the March
report and minutes stay as they were after April's approval, 转正 and a member leaving the config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_cli import EXAMPLE, bot, posts

pytestmark = pytest.mark.slow

MARCH_REPORT = "zhangwei@committee: /report 2026-03"
MATH_0305_MINUTES = "zhangwei@committee: /minutes 17"  # the math group's meeting of 03-05


def _console(config: Path, db: Path, now: str, script: list[str]) -> list[str]:
    args = ["console", "--config", str(config), "--db", str(db), "--now", now]
    output = bot(*args, stdin="\n".join([*script, ":quit"]) + "\n").stdout
    # An attachment's file name starts with its message number, which differs between runs; the
    # record itself is the text before it.
    return [re.sub(r"(\[附件 .*?)\d+-", r"\1", text) for _, (_, text) in sorted(posts(output).items())]


def _april_config(tmp_path: Path) -> Path:
    """The example with 郭欣 removed (转出) and 黄婷 转正 from 04-15."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text, removed = re.subn(r'\[\[members\]\]\nkey = "guoxin".*?(?=\n# -{10})', "", text, flags=re.DOTALL)
    text, promoted = re.subn(
        r'(key = "huangting"(?:\n(?!\[\[).*)*?)\nstatus = "probationary"[^\n]*',
        r'\1\nstatus = "full"\nfull_since = 2026-04-15',
        text,
    )
    assert removed == 1 and promoted == 1
    config = tmp_path / "april.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_march_report_and_minutes_stay_as_they_were_after_april_roster_changes(tmp_path: Path) -> None:
    db = tmp_path / "branch.db"
    first = _console(
        EXAMPLE,
        db,
        "2026-03-01T08:00",
        [
            ":clock 2026-03-05T14:35",
            ":scan liuyang@g-math 17",  # attendance recorded: the others of the group are 缺席
            ":clock 2026-04-01T09:00",
            MARCH_REPORT,
            MATH_0305_MINUTES,
            "liming@branch: /join 李明",
            "zhangwei@branch: /approve 1 liming 小组:数学 预备",
            MARCH_REPORT,
            MATH_0305_MINUTES,
        ],
    )
    report, minutes, _, approved, report_after, minutes_after = first[-6:]
    assert "liming" in approved
    assert "2026年3月" in report and "#17" in minutes and "郭欣" in minutes
    assert (report_after, minutes_after) == (report, minutes)

    april = _april_config(tmp_path)
    later = _console(april, db, "2026-04-20T09:00", [MARCH_REPORT, MATH_0305_MINUTES])
    assert later[-2:] == [report, minutes]

    exported = json.loads(bot("export", "--format", "json", "--config", str(april), "--db", str(db)).stdout)
    changes = {(c["member"], c["kind"]): c for c in exported["roster"] if c["effective_on"] is not None}
    assert set(changes) == {("liming", "joined"), ("huangting", "status"), ("guoxin", "left")}
    assert changes["liming", "joined"]["effective_on"] == "2026-04-01"
    assert changes["huangting", "status"]["effective_on"] == "2026-04-15"
    assert changes["guoxin", "left"]["effective_on"] == "2026-04-20"  # the day the console saw it gone
