"""A running `bot.py` killed with SIGKILL in the middle of the month-end broadcast loses no post and
repeats none once it is started again on the same database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import EXAMPLE, ROOT, posts

pytestmark = pytest.mark.slow

CHATS = {"branch", "committee", "g-math", "g-grade10", "g-service"}
SUMMARY = "2026年3月"  # every month-end title: 积分公示栏 (branch, groups), 议事台账 (committee)


def start(db: Path, now: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "bot.py", "console", "--config", str(EXAMPLE), "--db", str(db), "--now", now],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def month_end_state(db: Path) -> tuple[int, int]:
    """(rows sent, deliveries recorded) of March's month-end posts, read beside the running bot."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as connection:
        sent = connection.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'month_end' AND sent_at IS NOT NULL"
        ).fetchone()[0]
        delivered = connection.execute(
            "SELECT count(*) FROM deliveries JOIN outbox ON outbox.id = deliveries.outbox_id "
            "WHERE outbox.kind = 'month_end'"
        ).fetchone()[0]
    return sent, delivered


def read_available(process: subprocess.Popen[bytes]) -> bytes:
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    chunks = []
    while True:
        try:
            chunk = os.read(process.stdout.fileno(), 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def summaries(output: str) -> list[str]:
    return sorted(chat for chat, text in posts(output).values() if text.startswith("📋") and SUMMARY in text)


def test_sigkill_mid_month_end_broadcast_then_restart_posts_each_summary_once(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    first = start(db, "2026-03-31T17:00")
    assert first.stdin is not None
    first.stdin.write(b":clock 2026-03-31T18:30\n")
    first.stdin.flush()
    output = b""
    deadline = time.monotonic() + 60
    # Wait for the broadcast to begin, then stop the process at a moment when it has at least one
    # summary out and not all of them, and when every summary it printed is also recorded (the
    # kill then falls between two posts, not inside one's send-then-record step).
    while time.monotonic() < deadline:
        output += read_available(first)
        printed = summaries(output.decode())
        if printed:
            first.send_signal(signal.SIGSTOP)
            output += read_available(first)
            printed = summaries(output.decode())
            _, delivered = month_end_state(db)
            if len(printed) == delivered and 0 < len(printed) < len(CHATS):
                first.send_signal(signal.SIGKILL)
                break
            first.send_signal(signal.SIGCONT)
            if len(printed) == len(CHATS):
                pytest.fail("the broadcast finished before it could be interrupted; slow it down")
        time.sleep(0.001)
    else:
        first.kill()
        pytest.fail("no month-end summary within a minute")
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    before = summaries(output.decode())
    assert 0 < len(before) < len(CHATS)

    second = start(db, "2026-03-31T18:31")
    out, _ = second.communicate(b":clock 2026-04-01T09:00\n:quit\n", timeout=120)
    after = summaries(out.decode())
    assert sorted(before + after) == sorted(CHATS)  # every chat once: none missing, none twice
    assert month_end_state(db) == (len(CHATS), len(CHATS))
