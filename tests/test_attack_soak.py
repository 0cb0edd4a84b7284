"""The SIGKILL soak of issue 13: `bot.py console` lives through March 2026 while being killed again
and again; what it posts equals what one uninterrupted run posts — nothing lost, nothing doubled.

The month is a script of `:clock` steps (a day at a time, every post of the month falls due on the
way). The soak starts the console, lets it run for a random moment, and kills it with SIGKILL; the
next start picks up at the scheduler's stored watermark (the moment up to which it had planned),
as `run` does after a crash, and is killed in turn, until the month is through. Each kill falls
between two posts, never inside the milliseconds between a post being printed and its delivery
being recorded (the one window the README names, where a post may go out twice): the process is
stopped first, and killed only if every post it printed is recorded. At least 20 kills in CI; the
counts go to the end of pytest's output (`soak: kills N, posts N, lost 0, doubled 0`).
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attack_counts
import pytest
from test_cli import EXAMPLE, ROOT, console, posts
from test_crash import read_available

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Shanghai")
START = "2026-03-01T08:00"
KILLS = 20  # × SANHUI_ATTACK_SCALE
SETUP = [
    "zhangwei@branch: /decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
    "zhangwei@branch: /decision 整理党员档案 @chenjing 截止:2026-03-10",
    ":quit",
]


def month_steps() -> list[str]:
    """Local moments through March 2026: every day at 08:00, to April 1st 09:00, and 09:05.

    A process killed while sending holds its claim on the posts it took (a 2-minute lease) until the
    lease runs out, as the next minutes do in a real deployment. The last moment is that time for a
    process killed at 09:00; the last moment itself is never killed (see `soak_month`), since nothing
    after it would let its claims run out before the test ends.
    """
    first = datetime.fromisoformat(START)
    days = [first + timedelta(days=n) for n in range(1, 31)]
    return [moment.strftime("%Y-%m-%dT%H:%M") for moment in days] + ["2026-04-01T09:00", "2026-04-01T09:05"]


def start_console(db: Path, now: str) -> subprocess.Popen[bytes]:
    """The console at `now`; its log (stderr) is appended to `<db>.log`, shown when the soak fails."""
    with db.with_suffix(".log").open("ab") as log:
        log.write(f"=== start at {now}\n".encode())
        log.flush()
        return subprocess.Popen(
            [sys.executable, "bot.py", "console", "--config", str(EXAMPLE), "--db", str(db), "--now", now],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )


def log_lines(db: Path) -> str:
    """The starts and the warnings and errors the bot logged while playing on `db`."""
    lines = db.with_suffix(".log").read_text(errors="replace").splitlines()
    return "\n".join(
        line for line in lines if line.startswith("===") or " WARNING " in line or " ERROR " in line
    )


def stored(db: Path) -> tuple[int, str | None]:
    """(deliveries recorded, the scheduler's watermark as local time) read beside the bot."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as connection:
        delivered = connection.execute("SELECT count(*) FROM deliveries").fetchone()[0]
        row = connection.execute("SELECT value FROM counters WHERE key = 'scheduler_watermark'").fetchone()
    if row is None:
        return delivered, None
    moment = datetime.fromtimestamp(row[0], UTC).astimezone(TZ)
    return delivered, moment.strftime("%Y-%m-%dT%H:%M")


# An attachment's file is named after the console's message number; a kill between taking a number
# and printing the post leaves that number unused, so the same post may name a later file.
ATTACHMENT_NUMBER = re.compile(r"(\[附件 [^\]]*/)\d+-")


def printed(outputs: list[bytes]) -> list[tuple[str, str]]:
    return [
        (chat, ATTACHMENT_NUMBER.sub(r"\1N-", text))
        for output in outputs
        for chat, text in posts(output.decode()).values()
    ]


def soak_month(soak_db: Path, wanted_kills: int, chance: random.Random) -> tuple[list[bytes], int, int]:
    """Play the month on `soak_db`, killing the console up to `wanted_kills` times; (outputs, kills, starts)."""
    steps = month_steps()
    console(soak_db, SETUP, now=START)
    delivered_before, _ = stored(soak_db)  # first-start notices of the setup run
    outputs: list[bytes] = []
    kills = starts = 0
    resume = START
    progressed = True
    while True:
        starts += 1
        assert starts < (wanted_kills + len(steps)) * 3, "the soak does not get through the month"
        remaining = [step for step in steps if step > resume]
        process = start_console(soak_db, resume)
        assert process.stdin is not None
        process.stdin.write("".join(f":clock {step}\n" for step in remaining).encode() + b":quit\n")
        process.stdin.flush()
        output = b""
        killed = False
        if kills < wanted_kills:
            # Killed after a few of its posts (0: while it is still starting up or catching up). After
            # a kill that moved nothing on (a slow start on a busy machine), wait for a post, so the
            # month always gets through.
            target, began = chance.randint(0 if progressed else 1, 2), time.monotonic()
            pause = chance.uniform(0.1, 1.5)
            while process.poll() is None and time.monotonic() < began + 60:
                output += read_available(process)
                shown = output.count(b"\n--- ") + output.startswith(b"--- ")
                if shown >= target and (target > 0 or time.monotonic() > began + pause):
                    break
                time.sleep(0.005)
            while process.poll() is None:
                process.send_signal(signal.SIGSTOP)
                output += read_available(process)
                delivered, watermark = stored(soak_db)
                if watermark is not None and watermark >= steps[-1]:
                    process.send_signal(signal.SIGCONT)  # at the month's last moment: let it finish
                    break
                if len(printed([*outputs, output])) == delivered - delivered_before:
                    process.send_signal(signal.SIGKILL)
                    killed = True
                    break
                process.send_signal(signal.SIGCONT)  # inside a post's send-then-record: a moment later
                time.sleep(0.002)
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), True)
        rest, _ = process.communicate(timeout=300)
        output += rest
        outputs.append(output)
        if killed:
            assert process.returncode == -signal.SIGKILL
            kills += 1
            _, watermark = stored(soak_db)
            progressed = b"\n--- " in b"\n" + output or (watermark or START) > resume
            resume = max(resume, watermark or START)
            continue
        assert process.returncode == 0, output.decode()[-2000:]
        return outputs, kills, starts


def test_a_month_with_sigkills_posts_exactly_what_an_uninterrupted_month_posts(tmp_path: Path) -> None:
    whole_db = tmp_path / "whole.db"
    console(whole_db, SETUP, now=START)
    steps = month_steps()
    whole = printed([console(whole_db, [*(f":clock {step}" for step in steps), ":quit"], now=START).encode()])

    # A month that runs through faster than it is killed (a quiet machine) is played again on a
    # new database until the kills are in; each month is compared with the uninterrupted one.
    wanted_kills = KILLS * attack_counts.scale()
    chance = random.Random(13)
    kills = starts = lost_total = doubled_total = months = 0
    while kills < wanted_kills:
        months += 1
        assert months <= wanted_kills, "no kills at all"
        outputs, month_kills, month_starts = soak_month(
            tmp_path / f"soak-{months}.db", wanted_kills - kills, chance
        )
        kills, starts = kills + month_kills, starts + month_starts
        soak = printed(outputs)
        lost = Counter(whole) - Counter(soak)
        doubled = Counter(soak) - Counter(whole)
        lost_total += sum(lost.values())
        doubled_total += sum(doubled.values())
        assert lost == Counter() and doubled == Counter(), (
            months,
            lost,
            doubled,
            log_lines(tmp_path / f"soak-{months}.db"),
        )
    attack_counts.count(
        "soak",
        kills=kills,
        starts=starts,
        months=months,
        posts=len(whole),
        lost=lost_total,
        doubled=doubled_total,
    )
    assert kills >= wanted_kills
    assert len(whole) > 30  # a month of notices, reminders, sign-ins, tasks and month-end posts
