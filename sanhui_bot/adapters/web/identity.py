"""Proving who opens the page, without a password of our own: Telegram initData, Matrix OpenID.

Telegram (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app): the
Mini App gets `initData`, a query string signed by Telegram with the bot's token. The data-check
string is every field but `hash`, as `key=value` sorted by key and joined by newlines; the secret key
is HMAC-SHA256 of the bot token keyed with "WebAppData"; `hash` is the hex HMAC-SHA256 of the
data-check string under that key. `auth_date` says when Telegram signed it.

Matrix (widget API `get_openid`, then the homeserver's federation API): the widget hands the page an
OpenID token; `GET /_matrix/federation/v1/openid/userinfo?access_token=…` at the member's homeserver
answers `{"sub": "@user:server"}` for a valid one, and the user id must belong to that server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

import aiohttp


@dataclass(frozen=True, slots=True)
class TelegramUser:
    id: int
    name: str  # first and last name as Telegram gives them
    auth_date: datetime


class Refused(Exception):
    """The proof of identity does not hold; `reason` says why (for the log, never for the page)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def init_data_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The hash Telegram puts in initData for these fields (all but `hash`), signed with the bot's token."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def verify_init_data(init_data: str, bot_token: str, now: datetime, max_age_seconds: int) -> TelegramUser:
    """The Telegram user a Mini App's initData proves, or Refused (forged, other bot, too old)."""
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise Refused("malformed")
    if not hmac.compare_digest(init_data_hash(fields, bot_token), fields["hash"]):
        raise Refused("bad signature")
    try:
        signed_at = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise Refused("no user or auth_date") from None
    age = now.timestamp() - signed_at
    if age > max_age_seconds or age < -60:
        raise Refused("expired")
    name = " ".join(str(user.get(part, "")) for part in ("first_name", "last_name")).strip()
    return TelegramUser(user_id, name, datetime.fromtimestamp(signed_at, now.tzinfo))


_SERVER_NAME = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


async def verify_openid(
    session: aiohttp.ClientSession, server_name: str, access_token: str, homeservers: Mapping[str, str]
) -> str:
    """The Matrix user id an OpenID token proves, asked of its homeserver, or Refused."""
    if not _SERVER_NAME.fullmatch(server_name) or not access_token:
        raise Refused("bad server name or token")
    base = homeservers.get(server_name, f"https://{server_name}").rstrip("/")
    url = f"{base}/_matrix/federation/v1/openid/userinfo"
    try:
        async with session.get(url, params={"access_token": access_token}) as response:
            if response.status != 200:
                raise Refused(f"homeserver answered {response.status}")
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise Refused(f"homeserver unreachable: {error!r}") from None
    user_id = body.get("sub") if isinstance(body, dict) else None
    # A homeserver vouches only for its own users.
    if (
        not isinstance(user_id, str)
        or not user_id.startswith("@")
        or user_id.partition(":")[2] != server_name
    ):
        raise Refused("no user id for this server")
    return user_id
