"""Telegram's length limits (and the hint for a lone `/`), counted as Telegram counts them (UTF-16 units, not code points).

An emoji such as 📅 is one Python character but two UTF-16 units: 3,000 of them fit in 4,096 code
points and not in 4,096 units. The emulator refuses what Telegram refuses, so these fail if the
bot measures the wrong way.
"""

from __future__ import annotations

import aiohttp
from emulator import BotApiEmulator, telegram_length, user
from tg_support import BRANCH, MATH, TOKEN, Settle

from sanhui_bot.adapters.telegram import TelegramPlatform
from sanhui_bot.adapters.telegram.translate import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    fit_text,
    split_text,
    utf16_length,
)
from sanhui_bot.render.replies import Attachment, Reply

LIUYANG = user(10009, "洋", "刘")
ZHANGWEI = user(10001, "伟", "张")
EMOJI = "📅"  # U+1F4C5: one code point, two UTF-16 units


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_length("积分") == 2
    assert utf16_length(EMOJI) == 2 == len(EMOJI.encode("utf-16-le")) // 2
    assert utf16_length("a😀b") == 4


def test_texts_of_emoji_are_split_by_utf16_units_and_nothing_is_lost() -> None:
    lines = [f"{n:03d} " + EMOJI * 40 for n in range(100)]  # 84 units a line, 8,500 in all
    text = "\n".join(lines)
    assert len(text) < 3 * MESSAGE_LIMIT
    parts = split_text(text)
    assert all(utf16_length(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts) == text
    assert all(part.split("\n")[0] in lines for part in parts)  # cut between lines only
    one_line = EMOJI * 3000  # 3,000 code points, 6,000 units: must be cut, never inside a pair
    cut = split_text(one_line)
    assert len(cut) == 2 and "".join(cut) == one_line
    assert all(utf16_length(part) <= MESSAGE_LIMIT for part in cut)


def test_an_edit_is_shortened_to_one_message() -> None:
    assert fit_text("短") == "短"
    long_edit = fit_text(EMOJI * 3000)
    assert utf16_length(long_edit) <= MESSAGE_LIMIT and long_edit.endswith("…")
    assert utf16_length(fit_text("字" * 500, 200)) == 200


async def call(emulator: BotApiEmulator, method: str, **params: object) -> tuple[int, dict[str, object]]:
    url = f"{emulator.base_url}/bot{TOKEN}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, json=params) as response:
        return response.status, await response.json()


async def test_the_emulator_refuses_what_telegram_refuses(emulator: BotApiEmulator) -> None:
    assert telegram_length("<b>粗</b>&amp;", "HTML") == 2
    status, body = await call(emulator, "sendMessage", chat_id=BRANCH, text=EMOJI * 2049)  # 4,098 units
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await call(emulator, "sendMessage", chat_id=BRANCH, text=" ")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, _ = await call(emulator, "sendMessage", chat_id=BRANCH, text=EMOJI * 2048)  # exactly 4,096
    assert status == 200
    status, body = await call(emulator, "sendPhoto", chat_id=BRANCH, photo="x", caption=EMOJI * 513)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")
    assert emulator.bot_messages(BRANCH)[-1]["text"] == EMOJI * 2048


async def test_a_post_of_emoji_longer_than_a_message_arrives_whole(
    telegram: TelegramPlatform, emulator: BotApiEmulator
) -> None:
    text = "\n".join(f"第{n}行 " + EMOJI * 30 for n in range(110))  # ~7,200 units, ~4,000 code points
    assert len(text) <= MESSAGE_LIMIT < utf16_length(text)
    await telegram.post("branch", Reply(text))
    sent = emulator.bot_messages(BRANCH)
    assert len(sent) == 2 and 400 not in emulator.refused
    assert "\n".join(message["text"] for message in sent) == text


async def test_a_caption_too_long_in_utf16_goes_as_text_before_the_picture(
    telegram: TelegramPlatform, emulator: BotApiEmulator
) -> None:
    chart = Attachment("chart.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    text = "三月积分公示 " + EMOJI * 600  # 607 code points (fits 1,024), 1,207 units (does not)
    assert len(text) <= CAPTION_LIMIT < utf16_length(text)
    await telegram.post("branch", Reply(text, attachments=(chart,)))
    message, photo = emulator.bot_messages(BRANCH)
    assert message["text"] == text and "caption" not in photo and 400 not in emulator.refused


async def test_a_lone_slash_gets_the_help_hint(
    telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle
) -> None:
    for text in ("/", "／"):
        emulator.say(MATH, LIUYANG, text)
        await settled()
        assert "/help" in emulator.bot_messages(MATH)[-1]["text"]
    assert len(emulator.bot_messages(MATH)) == 2


async def test_a_button_answer_of_emoji_fits_the_200_units_of_a_pop_up(
    telegram: TelegramPlatform, emulator: BotApiEmulator, settled: Settle
) -> None:
    title = EMOJI * 150  # fits a title (200 characters); the claim's answer holds it: over 200 units
    emulator.say(MATH, ZHANGWEI, f"/decision {title} @liuyang 截止:2026-03-20")
    await settled()
    card = emulator.bot_messages(MATH)[-1]
    assert title in card["text"]
    pressed = emulator.press(MATH, ZHANGWEI, card["message_id"], 1)  # 认领
    await settled()
    answer = emulator.callback_answers[pressed["callback_query"]["id"]]
    assert EMOJI in answer["text"] and telegram_length(answer["text"]) <= 200
    assert 400 not in emulator.refused
