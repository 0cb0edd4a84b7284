"""`python bot.py run` with Telegram (the Bot API emulator) and the web view, in headless Chromium: a
member opens the Mini App with initData signed by the bot's token, answers a notice on the page, and
the chat's tally changes; forged, expired and other-bot initData are refused; the notice carries the
台账 button. Real clock, real processes, loopback only."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from emulator import BotApiEmulator, user
from support import ROOT, start_bot_run
from web_support import PHONE, TOKEN, forge, free_port, signed_init_data

pytestmark = pytest.mark.slow

MATH_CHAT = -1001000000003  # [chats.g-math] of config.example.toml
SUNLI = user(10006, "丽", "孙")  # the example's math group leader
LIUYANG = 10009  # the example's math group member 刘洋


def run_config(emulator: BotApiEmulator, port: int) -> str:
    """config.example.toml pointed at the emulator, Matrix left out, the web view on `port`."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('api_base_url = "https://api.telegram.org"', f'api_base_url = "{emulator.base_url}"')
    text = text.replace("poll_timeout_seconds = 30 ", "poll_timeout_seconds = 1 ")
    text = re.sub(r"(?m)^(homeserver|user_id) = .*$", "", text)
    text = text.replace(
        '# public_url = "https://sanhui.school.example.org"', f'public_url = "http://127.0.0.1:{port}"'
    )
    text = text.replace('listen = "127.0.0.1:8080"', f'listen = "127.0.0.1:{port}"')
    assert f'public_url = "http://127.0.0.1:{port}"' in text
    return text


async def wait_until(condition: Any, seconds: float = 60.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), seconds)


async def web_up(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"{base}/") as answer:
                    if answer.status == 401:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the web view did not come up")


async def test_mini_app_answer_changes_the_chats_tally(
    browser: Any, tmp_path: Path, screenshots: Path
) -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.group(MATH_CHAT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "config.toml"
    config.write_text(run_config(emulator, port), encoding="utf-8")
    secrets = {"SANHUI_TELEGRAM_TOKEN": TOKEN, "SANHUI_WEB_SECRET": "s" * 40}
    process = await start_bot_run(config, tmp_path / "bot.db", secrets)
    try:
        await wait_until(lambda: "zh" in emulator.commands and process.returncode is None)
        await web_up(base)
        day = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=4)).date()
        emulator.say(MATH_CHAT, SUNLI, f"/meeting new group {day.isoformat()} 14:30 学习研讨")
        await wait_until(lambda: any("reply_markup" in m for m in emulator.bot_messages(MATH_CHAT)))
        notice = next(m for m in emulator.bot_messages(MATH_CHAT) if "reply_markup" in m)
        meeting = int(re.search(r"#(\d+)", notice["text"])[1])  # type: ignore[index]
        rows = notice["reply_markup"]["inline_keyboard"]
        assert rows[-1][0].get("url") == f"{base}/", rows  # the 台账 button: a link in a group
        before = notice["text"]

        context = await browser.new_context(viewport=PHONE, locale="zh-CN")
        page = await context.new_page()
        # Telegram opens a Mini App at its URL with the signed initData in the fragment.
        init_data = signed_init_data(LIUYANG, int(time.time()))
        await page.goto(f"{base}/tg#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0")
        await page.wait_for_url("**/b/t1/me")
        assert await page.get_attribute(".who", "data-member") == "liuyang"
        await page.click(f"#meeting-{meeting} button.rsvp-yes")
        assert await page.get_attribute("#flash", "data-outcome") == "done"
        await page.screenshot(path=str(screenshots / "web-miniapp-me.png"))

        def edited() -> bool:
            shown = emulator.message(MATH_CHAT, notice["message_id"])
            return shown.get("edits", 0) >= 1 and shown["text"] != before

        await wait_until(edited, 30)
        after = emulator.message(MATH_CHAT, notice["message_id"])["text"]
        assert "参加 1" in after and "参加 0" in before, after

        # Forged (another user claimed with the old hash), expired, or signed by another bot: refused.
        for refused in (
            forge(signed_init_data(LIUYANG, int(time.time())), 10001),
            signed_init_data(LIUYANG, int(time.time()) - 7200),
            signed_init_data(LIUYANG, int(time.time()), token="7000002:OTHER-BOT"),
        ):
            stranger = await browser.new_context(viewport=PHONE)
            tab = await stranger.new_page()
            await tab.goto(f"{base}/tg#tgWebAppData={quote(refused, safe='')}")
            await tab.locator("#refused").wait_for(state="visible")
            assert not [c for c in await stranger.cookies() if c["name"] == "sanhui_session"]
            await stranger.close()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        assert "web view on" in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await emulator.stop()
