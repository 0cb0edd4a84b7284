"""The scheduler through `bot.py console` as a user runs it: a month of posts from a script, and the
same script cut into pieces with the console stopped and started again in between."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import bot, console, posts

pytestmark = pytest.mark.slow

GROUP_CHATS = ("g-math", "g-grade10", "g-service")
CHATS = ("branch", "committee", *GROUP_CHATS)


def export(db: Path) -> dict:
    return json.loads(bot("export", "--config", "config.example.toml", "--db", str(db)).stdout)


def local_day(stamp: str) -> str:
    return stamp[:10]  # the export's times carry the +08:00 offset, so the date is local


def test_a_month_from_the_console_posts_each_notice_and_one_summary_per_chat(tmp_path: Path) -> None:
    db = tmp_path / "month.db"
    output = console(db, [":clock 2026-04-01T09:00", ":quit"], now="2026-03-01T08:00")
    outbox = export(db)["outbox"]
    assert all(row["sent_at"] for row in outbox)
    keys = [row["key"] for row in outbox]
    assert len(keys) == len(set(keys)) == len(posts(output))  # each post printed once, each row once
    for chat in GROUP_CHATS:
        notices = [row for row in outbox if row["kind"] == "notice" and row["chat"] == chat]
        days = [(local_day(row["sent_at"]), row["payload"]["text"]) for row in notices]
        assert [day for day, _ in days][:2] == ["2026-03-02", "2026-03-16"]
        assert "3月5日" in days[0][1] and "3月19日" in days[1][1]
    # committee: 2nd Thursday (03-12) → notice 03-09; 党课: 4th Thursday of March (03-26) → 03-23
    assert [
        local_day(r["sent_at"]) for r in outbox if r["kind"] == "notice" and r["chat"] == "committee"
    ] == ["2026-03-09"]
    assert [local_day(r["sent_at"]) for r in outbox if r["kind"] == "notice" and r["chat"] == "branch"] == [
        "2026-03-23"
    ]
    month_ends = {row["key"]: local_day(row["sent_at"]) for row in outbox if row["kind"] == "month_end"}
    assert month_ends == {f"month_end:{chat}:2026-03": "2026-03-31" for chat in CHATS}


def test_the_same_script_cut_into_pieces_with_restarts_posts_the_same_once(tmp_path: Path) -> None:
    start = "2026-03-01T08:00"
    whole_db = tmp_path / "whole.db"
    script = [
        ":clock 2026-03-05T14:40",
        ":scan liuyang@g-math 17",  # the QR code on the 签到大屏 (the example signs in with the code)
        ":clock 2026-03-12T16:40",
        "zhangwei@committee: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
        "zhangwei@committee: /close 19",
        ":clock 2026-04-01T09:00",
    ]
    whole = posts(console(whole_db, [*script, ":quit"], now=start))
    texts = [text for _, text in whole.values()]
    assert any(text.startswith("刘洋 已签到 #17") for text in texts)
    assert any(text.startswith("📜 决议清单（待公示）#19") for text in texts)
    # The same lines, the console stopped after each and started again on the same database.
    cut_db = tmp_path / "cut.db"
    pieces: dict[int, tuple[str, str]] = {}
    now = start
    for line in script:
        pieces.update(posts(console(cut_db, [line, ":quit"], now=now)))
        if line.startswith(":clock"):
            now = line.split()[1]
    assert sorted(pieces.values()) == sorted(whole.values())
    assert len(pieces) == len(whole)
    assert [row["key"] for row in export(cut_db)["outbox"]] == [
        row["key"] for row in export(whole_db)["outbox"]
    ]
