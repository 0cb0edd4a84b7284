"""The 台账 as a Matrix room widget: the page asks its client for an OpenID token through the widget
API, and the web view checks it at the real Synapse (/_matrix/federation/v1/openid/userinfo) before
mapping the Matrix id to the roster. The client is played by a host page that frames the widget, on
another origin, and answers `get_openid` with a real token of the member."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from support import TEST_CONFIG, ChatDriver, local
from synapse import SERVER_NAME, Synapse

sys.path.append(str(Path(__file__).resolve().parents[1] / "web"))
from web_support import PHONE, chromium, free_port, web_server

from sanhui_bot.adapters.web import WebServer
from sanhui_bot.app import App
from sanhui_bot.config import Settings, parse_settings

pytestmark = pytest.mark.slow

NOW = local("2026-03-02T09:00")

HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>client</title>
<iframe id="widget" src="{widget}" width="390" height="700"></iframe>
<script>
const credentials = {credentials};
const frame = document.getElementById("widget");
frame.addEventListener("load", () => frame.contentWindow.postMessage(
  {{api: "toWidget", widgetId: "w1", requestId: "caps", action: "capabilities", data: {{}}}}, "*"));
window.addEventListener("message", (event) => {{
  const m = event.data;
  if (m.api === "fromWidget" && m.action === "get_openid") {{
    event.source.postMessage(Object.assign({{}}, m, {{response: Object.assign({{state: "allowed"}}, credentials)}}), "*");
  }}
}});
</script>"""


@pytest.fixture
def store_backend() -> str:
    return "sqlite"


@pytest.fixture
def settings() -> Settings:
    config = copy.deepcopy(TEST_CONFIG)
    for member in config["members"]:
        member["matrix"] = f"@{member['key']}:{SERVER_NAME}"
    return parse_settings(config, "widget tests")


@pytest.fixture
async def server(app: App, chat: ChatDriver, synapse: Synapse) -> AsyncIterator[WebServer]:
    chat.now = NOW
    async with web_server(app, lambda: chat.now, matrix_homeservers={SERVER_NAME: synapse.url}) as running:
        yield running


def openid_token(synapse: Synapse, token: str, localpart: str) -> dict[str, Any]:
    """A real OpenID token of the user, as a Matrix client gets one for a widget."""
    user_id = f"@{localpart}:{SERVER_NAME}"
    return synapse.request("POST", f"/_matrix/client/v3/user/{user_id}/openid/request_token", {}, token=token)


async def client_page(server: WebServer, credentials: dict[str, Any]) -> tuple[web.AppRunner, str]:
    """The Matrix client's page framing the widget, served from another origin."""
    port = free_port()
    widget = f"{server.config.public_url}/mx?widgetId=w1"
    body = HOST_PAGE.format(widget=widget, credentials=json.dumps(credentials))
    application = web.Application()
    application.router.add_get("/", lambda _: web.Response(text=body, content_type="text/html"))
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # Same site as the widget (another port): over plain http the session cookie is SameSite=Lax; a
    # deployment over https sends SameSite=None;Secure so it also works framed by another site.
    return runner, f"http://127.0.0.1:{port}/"


async def test_widget_signs_the_member_in_with_an_openid_token_checked_at_synapse(
    server: WebServer, synapse: Synapse, accounts: Any
) -> None:
    credentials = openid_token(synapse, accounts.token("liuyang"), "liuyang")
    assert credentials["matrix_server_name"] == SERVER_NAME
    runner, host = await client_page(server, credentials)
    try:
        async with chromium() as browser:
            context = await browser.new_context(viewport=PHONE)
            page = await context.new_page()
            await page.goto(host)
            widget = page.frame_locator("#widget")
            await widget.locator('.who[data-member="liuyang"]').wait_for(timeout=20000)
            assert "/b/t1/me" in page.frames[1].url
    finally:
        await runner.cleanup()


async def test_a_token_synapse_does_not_know_or_of_another_server_is_refused(
    server: WebServer, synapse: Synapse, accounts: Any
) -> None:
    real = openid_token(synapse, accounts.token("liuyang"), "liuyang")
    base = server.config.public_url
    async with aiohttp.ClientSession() as session:
        for claim in (
            {"access_token": "not-a-token", "matrix_server_name": SERVER_NAME},
            {"access_token": real["access_token"], "matrix_server_name": "elsewhere.test:1"},
            {"access_token": real["access_token"], "matrix_server_name": "bad/name"},
        ):
            async with session.post(f"{base}/auth/matrix", json=claim) as answer:
                assert answer.status == 403, claim
                assert "sanhui_session" not in answer.cookies
        async with session.post(f"{base}/auth/matrix", json=real) as answer:
            assert answer.status == 200 and (await answer.json())["next"] == "/b/t1/me"


async def test_someone_off_the_roster_gets_the_public_page(
    server: WebServer, synapse: Synapse, accounts: Any
) -> None:
    stranger = openid_token(synapse, accounts.token("stranger"), "stranger")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.config.public_url}/auth/matrix", json=stranger) as answer,
    ):
        assert answer.status == 200 and (await answer.json())["next"] == "/b/t1/public"
