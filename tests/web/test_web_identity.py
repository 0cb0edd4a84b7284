"""Who opens the page: a Mini App's initData is believed only when signed with our bot's token and fresh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from web_support import TOKEN, forge, signed_init_data

from sanhui_bot.adapters.web.identity import Refused, init_data_hash, verify_init_data

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SIGNED = int(NOW.timestamp()) - 60


def test_init_data_signed_with_our_token_names_the_telegram_user() -> None:
    user = verify_init_data(signed_init_data(10009, SIGNED), TOKEN, NOW, max_age_seconds=3600)
    assert user.id == 10009 and user.name == "测试"
    assert user.auth_date.timestamp() == SIGNED


def test_the_documented_example_hash() -> None:
    # Telegram's algorithm by hand: secret = HMAC_SHA256(key="WebAppData", msg=token); hash = HMAC(secret, check).
    import hashlib
    import hmac

    fields = {"auth_date": "1", "user": '{"id":1}', "query_id": "q"}
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = 'auth_date=1\nquery_id=q\nuser={"id":1}'
    assert init_data_hash(fields, TOKEN) == hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("init_data", "reason"),
    [
        (forge(signed_init_data(10009, SIGNED), 10001), "bad signature"),  # claims the secretary
        (signed_init_data(10009, SIGNED, token="7000002:OTHER-BOT"), "bad signature"),
        (signed_init_data(10009, SIGNED - 3600), "expired"),
        (signed_init_data(10009, SIGNED) + "&hash=00", "malformed"),  # two hashes
        ("user=%7B%22id%22%3A1%7D&auth_date=1", "malformed"),  # no hash at all
        ("", "malformed"),
    ],
    ids=["forged-user", "other-bot", "expired", "duplicate-field", "unsigned", "empty"],
)
def test_forged_other_bot_or_old_init_data_is_refused(init_data: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        verify_init_data(init_data, TOKEN, NOW, max_age_seconds=3600)
    assert refused.value.reason == reason
