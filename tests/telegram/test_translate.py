"""The pure pieces of the Telegram adapter: button data, mentions, keyboards, long texts."""

from __future__ import annotations

from datetime import date

import pytest
from telegram import MessageEntity, User

from sanhui_bot.adapters.telegram.callback_data import (
    ButtonPress,
    command_digest,
    decode_button,
    encode_button,
    press_matches,
)
from sanhui_bot.adapters.telegram.translate import (
    addressed_to_other_bot,
    asks_for_export,
    is_command,
    keyboard,
    needs_reason,
    split_text,
    task_ids,
    toast,
    usernames_mentioned,
    with_mentions,
)
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.render.replies import Button

TODAY = date(2026, 3, 2)
LIUYANG = User(10009, "洋", False, last_name="刘")


def test_button_data_round_trips_and_fits_telegrams_64_bytes() -> None:
    data = encode_button(3, "/rate 12 unsatisfied")
    assert len(data.encode()) <= 64
    assert decode_button(data) == ButtonPress(3, command_digest("/rate 12 unsatisfied"))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "/rsvp 1 yes",
        "b1:0:0123456789",
        "b1:100:0123456789",
        "b1:1:XYZ",
        "b2:1:0123456789",
        "b1:1:0123456789x",
    ],
)
def test_data_the_bot_never_made_is_refused(data: str | None) -> None:
    assert decode_button(data) is None


def test_a_press_counts_only_if_the_message_still_has_that_command_there() -> None:
    press = decode_button(encode_button(1, "/claim 7"))
    assert press is not None
    assert press_matches(press, ["/claim 7"])
    assert not press_matches(press, ["/done 7"])  # the card moved on since the keyboard was shown
    assert not press_matches(decode_button(encode_button(2, "/claim 7")), ["/claim 7"])  # type: ignore[arg-type]


def test_keyboard_carries_checked_data_three_buttons_a_row() -> None:
    buttons = [
        Button(label, f"/rate 5 {word}")
        for label, word in (("满意", "a"), ("基本满意", "b"), ("不满意", "c"), ("x", "d"))
    ]
    markup = keyboard(buttons)
    assert markup is not None
    rows = markup.inline_keyboard
    assert [len(row) for row in rows] == [3, 1]
    assert decode_button(rows[1][0].callback_data) == ButtonPress(4, command_digest("/rate 5 d"))  # type: ignore[arg-type]
    assert keyboard([]) is None


def test_a_linked_name_becomes_a_mention_with_its_user_id() -> None:
    text = "/decision 整理台账 刘 洋 截止:3月20日"
    start = text.index("刘")
    entity = MessageEntity(MessageEntity.TEXT_MENTION, start, 3, user=LIUYANG)
    rewritten, mentions = with_mentions(text, [entity])
    assert rewritten == "/decision 整理台账 @刘洋 截止:3月20日"
    assert mentions == {"刘洋": "10009"}
    parsed = parse_command(rewritten, TODAY, mentions=mentions)
    assert isinstance(parsed, cmds.RecordDecision)
    assert parsed.owner == cmds.MemberMention("刘洋", platform_user="10009")


def test_entity_offsets_count_utf16_units_as_telegram_does() -> None:
    text = "😀 /decision x 刘洋 截止:3月20日"  # the emoji is two UTF-16 units
    utf16_offset = len(text[: text.index("刘")].encode("utf-16-le")) // 2
    entity = MessageEntity(MessageEntity.TEXT_MENTION, utf16_offset, 2, user=LIUYANG)
    rewritten, mentions = with_mentions(text, [entity])
    assert "@刘洋" in rewritten and mentions == {"刘洋": "10009"}


def test_plain_mentions_and_other_entities_are_left_alone() -> None:
    text = "/decision x @liuyang 截止:3月20日"
    entity = MessageEntity(MessageEntity.MENTION, text.index("@"), 8)
    assert with_mentions(text, [entity]) == (text, {})


def test_commands_for_other_bots_and_ordinary_chat() -> None:
    assert addressed_to_other_bot("/help@OtherBot", "sanhui_bot")
    assert not addressed_to_other_bot("/help@Sanhui_Bot", "sanhui_bot")
    assert not addressed_to_other_bot("/help", "sanhui_bot")
    assert is_command("/签到 3", TODAY) and is_command("/nosuchcommand", TODAY)
    assert not is_command("今天开会吗", TODAY)


def test_leave_buttons_need_a_reason_and_task_buttons_name_their_task() -> None:
    assert needs_reason("/rsvp 12 leave", TODAY)
    assert not needs_reason("/rsvp 12 leave 病假 发烧", TODAY) and not needs_reason("/rsvp 12 yes", TODAY)
    assert task_ids([Button("完成", "/done 7")], TODAY) == {7}
    assert task_ids([Button("参加", "/rsvp 3 yes")], TODAY) == set()


def test_long_texts_split_between_lines_and_nothing_is_lost() -> None:
    text = "\n".join(f"{n}. " + "积分" * 30 for n in range(300))
    parts = split_text(text, 1000)
    assert all(len(part) <= 1000 for part in parts) and len(parts) > 1
    assert "\n".join(parts) == text
    assert split_text("短", 1000) == ["短"]
    assert "".join(split_text("长" * 2500, 1000)) == "长" * 2500
    assert len(toast("字" * 500)) == 200


def test_usernames_mentioned_are_the_plain_mention_entities_once_each() -> None:
    text = "😀 /decision x @liu_yang @liu_yang 刘洋 截止:3月20日 https://t.me/x"
    first = len(text[: text.index("@")].encode("utf-16-le")) // 2  # the emoji is two UTF-16 units
    entities = [
        MessageEntity(MessageEntity.MENTION, first, 9),
        MessageEntity(MessageEntity.MENTION, first + 10, 9),
        MessageEntity(MessageEntity.TEXT_MENTION, first + 20, 2, user=LIUYANG),
        MessageEntity(MessageEntity.URL, len(text) - 12, 12),
    ]
    assert usernames_mentioned(text, entities) == ["liu_yang"]


@pytest.mark.parametrize(
    ("text", "export"),
    [
        ("/export", True),
        ("/导出 2025 表格", True),
        ("/台账 csv", True),
        ("/export@sanhui_bot xlsx", True),
        ("/export t2 xlsx", True),  # the 党委 names a branch (read with the chat's branches)
        ("/export pdf", True),  # mistyped: still answered beside the other updates
        ("/rsvp 3 yes", False),
        ("/exports", False),
        ("export the ledger", False),
    ],
)
def test_an_export_is_told_from_other_lines(text: str, export: bool) -> None:
    assert asks_for_export(text, TODAY) is export
