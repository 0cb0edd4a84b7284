"""Against the real Synapse: the event size the bot measures is the one Synapse enforces, and `/web`
in a room adds the 台账 as a room widget (issues 13 and 16).

Synapse refuses an event whose PDU is over 65,536 bytes of canonical JSON. The bot measures each
notice's content exactly (`event_content_size`, the Megolm ciphertext in an encrypted room) and
keeps it within 65,536 − 2,048 bytes of envelope. These tests compare that measure with the content
Synapse stores, send a notice of exactly the limit (one event, accepted) and one byte more (two
events), and show the server refusing a content over 65,536 bytes.
"""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any
from urllib.parse import quote

import pytest
from conftest import BOT, MatrixWorld, make_rooms, matrix_id
from mautrix.types import MessageEvent

from sanhui_bot.adapters.matrix.formatting import (
    CONTENT_LIMIT,
    MAX_PDU_BYTES,
    Encryption,
    canonical_size,
    event_content_size,
    notice_size,
)
from sanhui_bot.adapters.matrix.platform import WIDGET_ID
from sanhui_bot.render.replies import Reply

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The sender_key field in Megolm events:DeprecationWarning"),
]


async def request(world: MatrixWorld, method: str, path: str, body: Any = None, who: str = "zhangwei") -> Any:
    return await asyncio.to_thread(world.synapse.request, method, path, body, world.accounts.token(who))


async def stored_content(world: MatrixWorld, room: str, event_id: str) -> dict[str, Any]:
    """The event's content as Synapse stores it (still encrypted in an encrypted room)."""
    event = await request(world, "GET", f"/_matrix/client/v3/rooms/{quote(room)}/event/{quote(event_id)}")
    return dict(event["content"])


def text_of_size(size: int, marker: str) -> str:
    """A two-line text starting with `marker` whose plain notice content is exactly `size` bytes.

    Each character is in the body and in the HTML: 公 adds 6 bytes, x adds 2, and < adds 5 (&lt;
    in the HTML), which sets the odd byte."""
    text = marker + "积分公示栏\n" + "公示" * ((size - 200) // 12)
    missing = size - notice_size_of(text)
    if missing % 2:
        text, missing = text + "<", missing - 5
    text += "x" * (missing // 2)
    assert notice_size_of(text) == size
    return text


def notice_size_of(text: str) -> int:
    from sanhui_bot.adapters.matrix.formatting import MatrixText

    lines = text.split("\n")
    return notice_size(MatrixText("\n".join(lines), "<br>".join(html.escape(line) for line in lines)))


async def the_bot_posts(world: MatrixWorld, chat: str, text: str, marker: str) -> list[MessageEvent]:
    """Post `text` as the bot and return its notices as the secretary's client saw them arrive."""
    assert world.bot is not None
    room = world.rooms[chat]
    zhangwei = await world.person("zhangwei")
    before = len(zhangwei.bot_posts(room, matrix_id(BOT)))
    await world.bot.post(chat, Reply(text))
    await zhangwei.wait_for(
        lambda e: isinstance(e, MessageEvent) and e.sender == matrix_id(BOT) and marker in e.content.body,
        f"the post in {chat}",
    )
    await asyncio.sleep(1.5)  # any further part
    posts = zhangwei.bot_posts(room, matrix_id(BOT))[before:]
    assert posts and posts[0].content.body.startswith(marker)
    return posts


async def test_notices_are_measured_exactly_and_fit_synapses_event_limit(world: MatrixWorld) -> None:
    await make_rooms(world, encrypted_math=True)
    await world.start_bot()
    assert world.bot is not None and world.bot.client is not None
    branch, math = world.rooms["branch"], world.rooms["g-math"]

    # The server's limit is real: a content over 65,536 bytes is refused, one of CONTENT_LIMIT is not.
    too_big = {"msgtype": "m.text", "body": "公" * (MAX_PDU_BYTES // 3 + 1)}
    with pytest.raises(RuntimeError, match=r"413|M_TOO_LARGE"):
        await request(
            world, "PUT", f"/_matrix/client/v3/rooms/{quote(branch)}/send/m.room.message/big", too_big
        )
    just_fits = {"msgtype": "m.text", "body": "x" * (CONTENT_LIMIT - 30)}
    assert canonical_size(just_fits) == CONTENT_LIMIT
    await request(
        world, "PUT", f"/_matrix/client/v3/rooms/{quote(branch)}/send/m.room.message/fits", just_fits
    )

    # A notice of exactly the limit is one event (the old estimate, ASCII-escaped CJK, made it three),
    # and its stored content is exactly the size the bot measured.
    exact = text_of_size(CONTENT_LIMIT, "A")
    [one] = await the_bot_posts(world, "branch", exact, "A")
    assert one.content.body == exact
    assert canonical_size(await stored_content(world, branch, one.event_id)) == CONTENT_LIMIT
    over = text_of_size(CONTENT_LIMIT + 1, "B")
    two = await the_bot_posts(world, "branch", over, "B")
    assert len(two) == 2 and "\n".join(e.content.body for e in two) == over

    # Encrypted: the ciphertext carries the content ASCII-escaped and base64'd, so the same text
    # needs more notices; each stored encrypted content is what the bot measured (but for the
    # Megolm message index, counted at its largest: at most 6 base64 characters more).
    encryption = Encryption(room_id=math, device_id=str(world.bot.client.device_id))
    lines = "\n".join(f"C第{n}行 " + "公示" * 50 for n in range(100))  # one event in clear
    assert notice_size_of(lines) <= CONTENT_LIMIT
    parts = await the_bot_posts(world, "g-math", lines, "C")
    assert len(parts) >= 3 and "\n".join(e.content.body for e in parts) == lines
    for part in parts:
        stored = await stored_content(world, math, part.event_id)
        assert stored["algorithm"] == "m.megolm.v1.aes-sha2"
        content = {
            "msgtype": "m.notice",
            "body": part.content.body,
            "format": "org.matrix.custom.html",
            "formatted_body": part.content.formatted_body,
        }
        measured = event_content_size(content, encryption)
        assert 0 <= measured - canonical_size(stored) <= 6, (measured, canonical_size(stored))
        assert measured <= CONTENT_LIMIT
    assert canonical_size(stored) > CONTENT_LIMIT // 2  # the pieces are filled, not cut small


async def test_web_in_a_room_adds_the_ledger_as_a_room_widget(world: MatrixWorld) -> None:
    world.web_url = "https://sanhui.school.example.org"
    await make_rooms(world)
    await world.start_bot()
    room = world.rooms["branch"]
    zhangwei = await world.person("zhangwei")
    widget_path = f"/_matrix/client/v3/rooms/{quote(room)}/state/im.vector.modular.widgets/{WIDGET_ID}"

    # Without the power to change room state the bot says so, and no widget appears.
    await zhangwei.say(room, "!web")
    [refused] = await zhangwei.wait_for(
        lambda e: isinstance(e, MessageEvent) and e.sender == matrix_id(BOT) and "/web" in e.content.body,
        "the bot explaining it could not add the widget",
    )
    assert "没能把台账加为本房间的小部件" in refused.content.body
    with pytest.raises(RuntimeError, match="404"):
        await request(world, "GET", widget_path)

    # The room's admin gives the bot moderator power; `!web` now adds the widget as Element reads it.
    levels_path = f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.power_levels/"
    levels = await request(world, "GET", levels_path)
    levels.setdefault("users", {})[matrix_id(BOT)] = 50
    await request(world, "PUT", levels_path, levels)
    await asyncio.sleep(1.0)  # the bot's sync sees the new power levels
    for sent in (1, 2):  # a second `!web` replaces the widget (same state key): still one
        await zhangwei.say(room, "!web")
        await zhangwei.wait_for(
            lambda e: (
                isinstance(e, MessageEvent)
                and e.sender == matrix_id(BOT)
                and "已把台账加为本房间的小部件" in e.content.body
            ),
            "the bot confirming the widget",
            count=sent,
        )
    widget = await request(world, "GET", widget_path)
    assert widget["type"] == "m.custom"
    assert widget["url"] == "https://sanhui.school.example.org/mx?widgetId=$matrix_widget_id"
    assert widget["id"] == WIDGET_ID and widget["creatorUserId"] == matrix_id(BOT)
    assert widget["name"] and widget["data"] == {}
    state = await request(world, "GET", f"/_matrix/client/v3/rooms/{quote(room)}/state")
    widgets = [e for e in state if e["type"] == "im.vector.modular.widgets"]
    assert len(widgets) == 1 and widgets[0]["sender"] == matrix_id(BOT), json.dumps(widgets)
    confirmations = [e for e in zhangwei.bot_posts(room, matrix_id(BOT)) if "已把台账" in e.content.body]
    assert len(confirmations) == 2
