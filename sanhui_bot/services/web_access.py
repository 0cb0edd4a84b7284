"""Who is on a page: one-time links and page sessions, kept with the data, never a password of our own.

A session stands for a platform identity (a Telegram user id, a Matrix user id, a console member key),
never for a roster member: each request looks the identity up in the roster again (`roster.identify`),
so a member who leaves the roster loses the page at once. Tokens are random; only their SHA-256 is
stored, so a copy of the database opens no session. Records live in `platform_state` under the
platform name "web" (`link:<hash>`, `session:<hash>`); a revoked or used record is kept, marked.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sanhui_bot.services.deps import Deps

WEB = "web"  # the platform_state namespace


@dataclass(frozen=True, slots=True)
class WebIdentity:
    """Who a link or session stands for: a platform and that platform's user id."""

    platform: str  # telegram | matrix | console
    user: str
    display_name: str = ""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(identity: WebIdentity, expires_at: datetime, **extra: object) -> str:
    return json.dumps(
        {
            "platform": identity.platform,
            "user": identity.user,
            "name": identity.display_name,
            "expires": int(expires_at.timestamp()),
            **extra,
        }
    )


def _identity(record: dict[str, object]) -> WebIdentity:
    return WebIdentity(str(record["platform"]), str(record["user"]), str(record.get("name", "")))


async def issue_link(deps: Deps, identity: WebIdentity, now: datetime, lifetime: timedelta) -> str:
    """A one-time link token for `identity` (the `/web` command), usable once before it expires."""
    token = secrets.token_urlsafe(24)
    async with deps.uow() as uow:
        await uow.platform_state.set(
            WEB, f"link:{_digest(token)}", _record(identity, now + lifetime, used=False)
        )
        await uow.commit()
    return token


async def redeem_link(deps: Deps, token: str, now: datetime) -> WebIdentity | None:
    """The identity of an unused, unexpired link, which is used up by this; None otherwise."""
    key = f"link:{_digest(token)}"
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(WEB, key)
        if stored is None:
            return None
        record = json.loads(stored)
        if record.get("used") or int(record["expires"]) <= now.timestamp():
            return None
        record["used"] = True
        await uow.platform_state.set(WEB, key, json.dumps(record))
        await uow.commit()
    return _identity(record)


async def open_session(deps: Deps, identity: WebIdentity, now: datetime, lifetime: timedelta) -> str:
    """A new page session for an identity already proven (initData, OpenID token, one-time link)."""
    token = secrets.token_urlsafe(32)
    async with deps.uow() as uow:
        await uow.platform_state.set(
            WEB, f"session:{_digest(token)}", _record(identity, now + lifetime, revoked=False)
        )
        await uow.commit()
    return token


async def session_identity(deps: Deps, token: str, now: datetime) -> WebIdentity | None:
    """Who a session token stands for; None when unknown, expired or revoked."""
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(WEB, f"session:{_digest(token)}")
    if stored is None:
        return None
    record = json.loads(stored)
    if record.get("revoked") or int(record["expires"]) <= now.timestamp():
        return None
    return _identity(record)


async def revoke_session(deps: Deps, token: str) -> bool:
    """End a session (signing out); True if it was open."""
    key = f"session:{_digest(token)}"
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(WEB, key)
        if stored is None:
            return False
        record = json.loads(stored)
        was_open = not record.get("revoked")
        record["revoked"] = True
        await uow.platform_state.set(WEB, key, json.dumps(record))
        await uow.commit()
    return was_open
