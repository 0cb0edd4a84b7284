"""Helpers for the web view's tests: a WebServer on loopback over a test app, signing in, Chromium.

Chromium comes from Debian's package (/usr/bin/chromium), never downloaded at test time. Without it
the browser tests skip, except under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.adapters.web.identity import init_data_hash
from sanhui_bot.app import App
from sanhui_bot.config import WebConfig
from sanhui_bot.services import web_access
from sanhui_bot.services.web_access import WebIdentity

CHROMIUM = os.environ.get("SANHUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
LINK_LIFETIME = timedelta(minutes=10)
TOKEN = "7000001:TEST-TOKEN"  # the Telegram tests' bot token
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
FLASH = re.compile(r'id="flash" data-outcome="(\w+)">(.*?)</p>', re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_config(port: int, **extra: Any) -> WebConfig:
    return WebConfig(public_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}", **extra)


@asynccontextmanager
async def web_server(
    app: App, clock: Callable[[], datetime], telegram_token: str | None = TOKEN, **config: Any
) -> AsyncIterator[WebServer]:
    """The app's web view on a free loopback port, with the test's clock."""
    port = free_port()
    server = WebServer(
        web_config(port, **config),
        app.conversation,
        secret="test-secret-" + "x" * 32,
        telegram_token=telegram_token,
        clock=clock,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def base_url(server: WebServer) -> str:
    assert server.config.public_url is not None
    return server.config.public_url


async def link_for(app: App, server: WebServer, user: str, now: datetime, platform: str = "console") -> str:
    """A one-time link for a console member key (or another platform's user id), as `/web` gives."""
    token = await web_access.issue_link(app.deps, WebIdentity(platform, user), now, LINK_LIFETIME)
    return f"{base_url(server)}/link/{token}"


@asynccontextmanager
async def http_session(
    app: App, server: WebServer, user: str, now: datetime
) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client signed in as `user` through a one-time link (its cookie jar holds the session)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(await link_for(app, server, user, now), allow_redirects=False) as answer:
            assert answer.status == 303, await answer.text()
        yield session


async def page_csrf(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as answer:
        text = await answer.text()
    found = CSRF.search(text)
    assert found, text[:2000]
    return found[1]


async def post_form(session: aiohttp.ClientSession, url: str, form: dict[str, str]) -> tuple[int, str, str]:
    """POST a page's form; (status, outcome "done"/"refused", the flash text) as the page shows them."""
    async with session.post(url, data=form) as answer:
        text = await answer.text()
        status = answer.status
    found = FLASH.search(text)
    if found is None:
        return status, "", text
    return status, found[1], html.unescape(found[2])


def signed_init_data(user_id: int, auth_date: int, token: str = TOKEN, **extra: str) -> str:
    """initData as Telegram builds it for a Mini App opened by `user_id`, signed with the bot's token."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": "测试", "language_code": "zh-hans"}, ensure_ascii=False
        ),
        "auth_date": str(auth_date),
        **extra,
    }
    fields["hash"] = init_data_hash(fields, token)
    return urlencode(fields)


def forge(init_data: str, user_id: int) -> str:
    """The same initData claiming another user, its hash kept: what a forger would send."""
    fields = dict(parse_qsl(init_data))
    user = json.loads(fields["user"])
    user["id"] = user_id
    fields["user"] = json.dumps(user, ensure_ascii=False)
    return urlencode(fields)


def chromium_or_fail() -> str:
    """The Chromium executable; skip without it, but fail under CI=true."""
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium is missing at {CHROMIUM}: CI must install it (apt-get install chromium)")
        pytest.skip(f"chromium is not installed at {CHROMIUM}")
    return found


def chromium_version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Headless Chromium from Debian's package, driven by Playwright (never a downloaded browser)."""
    path = chromium_or_fail()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()
