"""`bot.py run` on a disk that fills while it runs (issue 13): a real 2 MB tmpfs holds the database.

The bot keeps running: a command that cannot be stored is answered with an apology and changes
nothing, every command it acknowledged is in the database afterwards (and only those), it works
again by itself once there is space, and it still stops cleanly on SIGTERM. Mounting a tmpfs needs
root (CI runs as root; elsewhere this skips, under CI=true it fails).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from emulator import BotApiEmulator, user
from support import ROOT, start_bot_run
from test_run_process import BRANCH_CHAT, example_config_for, wait_until
from tg_support import TOKEN

ACKNOWLEDGED = "已记录献策"
APOLOGY = "什么都没有改动"
LIUYANG = user(10009, "洋", "刘")  # a member of the example branch


@pytest.mark.slow
async def test_run_keeps_going_on_a_disk_that_fills_and_loses_nothing_acknowledged(
    tmp_path: Path, small_disk: Path
) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.group(BRANCH_CHAT)
    config = tmp_path / "config.toml"
    config.write_text(example_config_for(emulator), encoding="utf-8")
    db = small_disk / "bot.db"
    process = await start_bot_run(config, db, {"SANHUI_TELEGRAM_TOKEN": TOKEN})
    assert process.stderr is not None
    # Read stderr all along: a bot logging errors into a full pipe would block, not the disk.
    stderr = asyncio.create_task(process.stderr.read())
    replies = lambda: [m["text"] for m in emulator.bot_messages(BRANCH_CHAT)]  # noqa: E731

    async def say(text: str) -> str:
        """Send a line as the member; the bot's answer to it."""
        before = len(replies())
        emulator.say(BRANCH_CHAT, LIUYANG, text)
        await wait_until(lambda: len(replies()) > before or process.returncode is not None)
        assert process.returncode is None, "the bot stopped"
        return replies()[before]

    try:
        await wait_until(lambda: "zh" in emulator.commands and process.returncode is None)
        assert ACKNOWLEDGED in await say("/suggest 第一条建议")
        filler = small_disk / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False)
        answers = [await say(f"/suggest 第{n}条建议 " + "长" * 400) for n in range(2, 40)]
        assert any(APOLOGY in answer for answer in answers), answers[-1]  # the disk really filled
        assert all(ACKNOWLEDGED in answer or APOLOGY in answer for answer in answers)
        filler.unlink()
        assert ACKNOWLEDGED in await say("/suggest 空间恢复后的建议")  # recovered by itself
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        log = (await stderr).decode()
        assert process.returncode == 0, log
        assert "Traceback" not in log  # one line per refused command, not a traceback wall
        assert "the disk holding the database is full" in log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await emulator.stop()

    exported = subprocess.run(
        [sys.executable, "bot.py", "export", "--config", str(config), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    texts = [s["text"] for s in json.loads(exported.stdout)["suggestions"]]
    acknowledged = sum(ACKNOWLEDGED in text for text in replies())
    assert texts[0] == "第一条建议" and texts[-1] == "空间恢复后的建议"
    assert len(texts) == acknowledged  # every acknowledged suggestion was kept, and only those
