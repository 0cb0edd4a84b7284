"""The Matrix adapter's pure parts and its storage, without a homeserver: reactions, formatting, state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect as inspect_database
from sqlalchemy.engine import Connection, make_url
from storage_fixtures import sql_store, sqlite_url

from sanhui_bot.adapters.matrix.formatting import (
    CONTENT_LIMIT,
    Encryption,
    MatrixText,
    bang,
    button_for_reaction,
    canonical_size,
    event_content_size,
    fit_matrix_text,
    looks_like_command,
    matrix_text,
    matrix_texts,
    mentions_in,
    notice_content,
    notice_size,
    reaction_key,
    text_with_pills,
)
from sanhui_bot.adapters.matrix.platform import MatrixPlatform, crypto_database_url
from sanhui_bot.app import App, build_platforms, open_app
from sanhui_bot.config import ConfigError, MatrixConfig, Settings, parse_settings
from sanhui_bot.render.replies import Button, Reply, renderer_for
from sanhui_bot.storage.database import alembic_config, create_engine, head_revision, migrate
from sanhui_bot.storage.unit_of_work import SqlStore

__all__ = ["sql_store"]  # the fixture, once per storage backend

NOTICE_BUTTONS = [("参加", "/rsvp 12 yes"), ("请假", "/rsvp 12 leave"), ("不参加", "/rsvp 12 no")]
RATING_BUTTONS = [
    ("满意", "/rate 7 satisfied"),
    ("基本满意", "/rate 7 basically_satisfied"),
    ("不满意", "/rate 7 unsatisfied"),
]


def test_reactions_press_the_button_whose_command_they_stand_for() -> None:
    assert button_for_reaction("✅", NOTICE_BUTTONS) == 1
    assert button_for_reaction("📝", NOTICE_BUTTONS) == 2
    assert button_for_reaction("❌", NOTICE_BUTTONS) == 3
    assert button_for_reaction("👍", RATING_BUTTONS) == 1
    assert button_for_reaction("👌", RATING_BUTTONS) == 2
    assert button_for_reaction("👎", RATING_BUTTONS) == 3


def test_a_reaction_that_fits_no_button_presses_nothing() -> None:
    assert button_for_reaction("👍", NOTICE_BUTTONS) is None  # a thumbs-up under a notice is not an RSVP
    assert button_for_reaction("✅", RATING_BUTTONS) is None
    assert button_for_reaction("🎉", NOTICE_BUTTONS) is None
    assert button_for_reaction("✅", [("认领", "/claim 7")]) is None
    assert button_for_reaction("✅", []) is None


def test_skin_tones_and_variation_selectors_do_not_change_a_reaction() -> None:
    assert reaction_key("👍🏽") == "👍"
    assert reaction_key("✅\ufe0f") == "✅"
    assert button_for_reaction("👎🏿", RATING_BUTTONS) == 3


async def test_a_post_shows_its_buttons_as_reactions_or_bang_commands(app: App) -> None:
    render = await renderer_for(app.deps, "zh-CN")
    notice = Reply(
        "会议通知 #12 <数学>\n时间：3月5日", tuple(Button(label, cmd) for label, cmd in NOTICE_BUTTONS)
    )
    text = matrix_text(notice, render)
    assert text.body.splitlines()[:2] == ["会议通知 #12 <数学>", "时间：3月5日"]
    assert "✅ 参加" in text.body and "📝 请假" in text.body and "❌ 不参加" in text.body
    assert "&lt;数学&gt;" in text.html and "<br>" in text.html and "<数学>" not in text.html
    card = matrix_text(Reply("任务 #7", (Button("认领", "/claim 7"),)), render)
    assert "!claim 7" in card.body and "/claim" not in card.body
    plain = matrix_text(Reply("只有文字"), render)
    assert plain.body == "只有文字" and plain.html == "只有文字"


async def test_a_long_post_is_split_between_lines_into_notices_that_fit_an_event(app: App) -> None:
    render = await renderer_for(app.deps, "zh-CN")
    lines = [f"第{n}行 <积分> " + "公示" * 300 + "📅" * 50 for n in range(40)]  # astral: 12 bytes escaped
    reply = Reply("\n".join(lines), tuple(Button(label, command) for label, command in NOTICE_BUTTONS))
    texts = matrix_texts(reply, render)
    assert len(texts) > 1 and all(notice_size(text) <= CONTENT_LIMIT for text in texts)
    bodies = [text.body for text in texts]
    assert [line for body in bodies for line in body.split("\n") if line.startswith("第")] == lines
    assert "✅" in texts[-1].body and all("✅" not in text.body for text in texts[:-1])  # reactions last
    assert "&lt;积分&gt;" in texts[0].html
    one_line = matrix_texts(Reply("字" * 20_000), render)  # one line longer than a notice: cut inside
    assert "".join(text.body for text in one_line) == "字" * 20_000
    assert all(notice_size(text) <= CONTENT_LIMIT for text in one_line)
    assert matrix_texts(Reply("短"), render) == [matrix_text(Reply("短"), render)]


async def test_an_edit_is_cut_to_one_event(app: App) -> None:
    render = await renderer_for(app.deps, "zh-CN")
    whole = matrix_text(Reply("\n".join("公示" * 500 for _ in range(20))), render)
    cut = fit_matrix_text(whole)
    assert notice_size(whole) > CONTENT_LIMIT
    assert (
        notice_size(cut) <= CONTENT_LIMIT and cut.body.endswith("…") and whole.body.startswith(cut.body[:-2])
    )
    assert notice_size(fit_matrix_text(whole, limit=notice_size(cut))) == notice_size(cut)  # no byte to spare
    assert fit_matrix_text(matrix_text(Reply("短"), render)).body == "短"


def test_the_measured_size_is_the_content_mautrix_sends_and_megolm_encrypts() -> None:
    """The size is exact: the notice content as mautrix serializes it, in canonical JSON; encrypted,
    the m.room.encrypted content libolm and mautrix make of it (but for the message index)."""
    import olm
    from mautrix.types import EncryptedMegolmEventContent, EventID, Format, MessageType, SessionID
    from mautrix.types import TextMessageEventContent as Text

    text = MatrixText('第一行 <b>\n公示📅 "引号"', "第一行 &lt;b&gt;<br>公示📅 &quot;引号&quot;")
    sent = Text(msgtype=MessageType.NOTICE, body=text.body, format=Format.HTML, formatted_body=text.html)
    assert notice_content(text) == sent.serialize()
    assert notice_size(text) == len(
        json.dumps(sent.serialize(), ensure_ascii=False, separators=(",", ":")).encode()
    )
    sent.set_reply(EventID("$reply-to"))
    room = "!room:sanhui.test"
    session = olm.OutboundGroupSession()
    for repeat in (1, 50, 2_000):
        content = {**sent.serialize(), "body": text.body * repeat}
        plaintext = json.dumps({"room_id": room, "type": "m.room.message", "content": content})
        encrypted = EncryptedMegolmEventContent(
            sender_key="B" * 43,
            device_id="SANHUIDEV",
            ciphertext=session.encrypt(plaintext),
            session_id=SessionID(session.id),
            relates_to=sent.relates_to,
        ).serialize()
        measured = event_content_size(content, Encryption(room, "SANHUIDEV"))
        assert 0 <= measured - canonical_size(encrypted) <= 6  # the index varint, counted at 5 bytes
        assert measured > canonical_size(content)


def test_bang_commands_and_what_looks_like_a_command() -> None:
    assert bang("/rsvp 3 yes") == "!rsvp 3 yes"
    assert bang("!done 4") == "!done 4"
    assert looks_like_command("!rsvp 1 no") and looks_like_command(" /help") and looks_like_command("！帮助")
    assert not looks_like_command("大家好")


def test_pills_name_the_matrix_user_they_point_to() -> None:
    html = (
        '!decision 听课 <a href="https://matrix.to/#/@liuyang:school.org">刘洋</a> 截止:3月20日 '
        '牵头:<a href="https://matrix.to/#/@lihua:school.org?via=school.org">@李华</a>'
    )
    assert mentions_in(html) == {"刘洋": "@liuyang:school.org", "李华": "@lihua:school.org"}
    assert mentions_in(None) == {} and mentions_in("no pills") == {}


def test_a_pill_becomes_an_at_name_in_the_command_line() -> None:
    html = '!decision 听课 <a href="https://matrix.to/#/@liuyang:school.org">刘洋</a> 截止:3月20日 &amp; 说明'
    assert (
        text_with_pills("!decision 听课 刘洋 截止:3月20日 & 说明", html)
        == "!decision 听课 @刘洋 截止:3月20日 & 说明"
    )
    assert text_with_pills("plain", None) == "plain"
    assert text_with_pills("**bold**", "<b>bold</b>") == "**bold**"  # no pill: the body as sent


def test_the_crypto_store_is_kept_with_the_bots_data() -> None:
    # SQLite: a file of its own beside the bot's (one writer at a time); PostgreSQL: the same database.
    assert (
        crypto_database_url(make_url("sqlite+pysqlite:////srv/bot/sanhui.db"))
        == "sqlite:/srv/bot/sanhui-matrix-crypto.db"
    )
    assert (
        crypto_database_url(make_url("sqlite+pysqlite:///data/sanhui.db"))
        == "sqlite:data/sanhui-matrix-crypto.db"
    )
    assert (
        crypto_database_url(make_url("postgresql+asyncpg://bot:p%40ss@db:5432/sanhui"))
        == "postgresql://bot:p%40ss@db:5432/sanhui"
    )
    with pytest.raises(ValueError, match="database file"):
        crypto_database_url(make_url("sqlite+pysqlite:///:memory:"))


async def test_platform_state_keeps_one_text_per_platform_and_key(sql_store: SqlStore) -> None:
    async with sql_store.unit_of_work() as uow:
        assert await uow.platform_state.get("matrix", "sync_token") is None
        await uow.platform_state.set("matrix", "sync_token", "s1_2_3")
        await uow.platform_state.set("matrix", "device_id", "BOTDEVICE")
        await uow.platform_state.set("telegram", "sync_token", "other")
        await uow.commit()
    async with sql_store.unit_of_work() as uow:
        await uow.platform_state.set("matrix", "sync_token", "s9_9_9")  # replaces
        await uow.commit()
    async with sql_store.unit_of_work() as uow:
        assert await uow.platform_state.get("matrix", "sync_token") == "s9_9_9"
        assert await uow.platform_state.get("matrix", "device_id") == "BOTDEVICE"
        assert await uow.platform_state.get("telegram", "sync_token") == "other"
        await uow.platform_state.set("matrix", "sync_token", "lost")  # not committed: rolled back
    async with sql_store.unit_of_work() as uow:
        assert await uow.platform_state.get("matrix", "sync_token") == "s9_9_9"


def _to(connection: Connection, revision: str, down: bool = False) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)
    return inspect_database(connection).get_table_names()


async def test_0004_adds_platform_state_to_a_0003_database_and_downgrades(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    try:
        async with engine.connect() as connection:
            assert "platform_state" not in await connection.run_sync(_to, "0003")
            await connection.commit()
        assert await migrate(engine) == head_revision()
        store = SqlStore(engine)
        async with store.unit_of_work() as uow:
            await uow.platform_state.set("matrix", "device_id", "D1")
            await uow.commit()
        async with engine.connect() as connection:
            assert "platform_state" not in await connection.run_sync(_to, "0003", True)
            assert "deliveries" in await connection.run_sync(_to, "0003", True)
    finally:
        await engine.dispose()


def _settings_with_matrix(matrix: dict[str, object], room: str = "!abc:school.org") -> Settings:
    import copy

    from support import TEST_CONFIG

    config = copy.deepcopy(TEST_CONFIG)
    config["chats"]["g-math"]["matrix"] = room
    config["matrix"] = matrix
    return parse_settings(config, "test")


def test_matrix_config_needs_a_user_id_and_an_http_homeserver() -> None:
    assert not MatrixConfig().enabled
    assert MatrixConfig(homeserver="https://matrix.school.org", user_id="@bot:school.org").enabled
    assert MatrixConfig().access_token_env == "SANHUI_MATRIX_ACCESS_TOKEN" and MatrixConfig().encryption
    with pytest.raises(ValueError, match=r"@name:server\.org"):
        MatrixConfig(user_id="bot")
    with pytest.raises(ValueError, match="https://"):
        MatrixConfig(homeserver="matrix.school.org")


def test_room_ids_of_room_version_12_have_no_server_part() -> None:
    settings = _settings_with_matrix({}, room="!j-pJ7P-5HqHxZ64a_riqOOMNe8rPastLnxQ1234567")
    assert settings.chats["g-math"].matrix == "!j-pJ7P-5HqHxZ64a_riqOOMNe8rPastLnxQ1234567"
    with pytest.raises(ConfigError, match="should look like"):
        _settings_with_matrix({}, room="!has space")


async def test_build_platforms_adds_matrix_when_configured(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SANHUI_TELEGRAM_TOKEN", raising=False)
    settings = _settings_with_matrix(
        {"homeserver": "https://matrix.school.org", "user_id": "@bot:school.org"}
    )
    app = await open_app(settings, db_path)
    try:
        [platform] = build_platforms(settings, app)
        assert isinstance(platform, MatrixPlatform) and platform.platform == "matrix"
        assert platform.serves("g-math")
        assert not platform.serves("branch")  # a chat with only a Telegram id
        assert build_platforms(_settings_with_matrix({}), app) == []
    finally:
        await app.close()
