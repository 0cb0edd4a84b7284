"""Who is on a page: one-time links and page sessions, kept with the data, never a password of our own.

A session stands for a platform identity (a Telegram user id, a Matrix user id, a console member key),
never for a roster member: each request looks the identity up in the roster again (`roster.identify`),
so a member who leaves the roster loses the page at once. Tokens are random; only their SHA-256 is
stored, so a copy of the database opens no session. Records live in `platform_state` under the
platform name "web" (`link:<hash>`, `session:<hash>`) with their expiry. A link is deleted when it is
used, a session when it is revoked, and either when it is met expired; the rest of the expired ones
go a bounded batch per scheduler tick (`prune_expired`), so the table does not grow with every
`/web` and every page visit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sanhui_bot.services.deps import Deps

WEB = "web"  # the platform_state namespace
PRUNE_BATCH = 500  # expired records deleted per scheduler tick: a bounded write, done in a moment


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
            WEB, f"link:{_digest(token)}", _record(identity, now + lifetime), expires_at=now + lifetime
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
        # Used up, or met expired: either way the record has no more use.
        await uow.platform_state.delete(WEB, key)
        await uow.commit()
    if record.get("used") or int(record["expires"]) <= now.timestamp():  # "used": records before 0012
        return None
    return _identity(record)


async def open_session(deps: Deps, identity: WebIdentity, now: datetime, lifetime: timedelta) -> str:
    """A new page session for an identity already proven (initData, OpenID token, one-time link)."""
    token = secrets.token_urlsafe(32)
    async with deps.uow() as uow:
        await uow.platform_state.set(
            WEB, f"session:{_digest(token)}", _record(identity, now + lifetime), expires_at=now + lifetime
        )
        await uow.commit()
    return token


async def session_identity(deps: Deps, token: str, now: datetime) -> WebIdentity | None:
    """Who a session token stands for; None when unknown, expired or revoked (an expired one is deleted)."""
    key = f"session:{_digest(token)}"
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(WEB, key)
        if stored is None:
            return None
        record = json.loads(stored)
        if record.get("revoked") or int(record["expires"]) <= now.timestamp():
            await uow.platform_state.delete(WEB, key)
            await uow.commit()
            return None
    return _identity(record)


async def revoke_session(deps: Deps, token: str) -> bool:
    """End a session (signing out): its record is deleted; True if it was open."""
    key = f"session:{_digest(token)}"
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(WEB, key)
        if stored is None:
            return False
        was_open = not json.loads(stored).get("revoked")
        await uow.platform_state.delete(WEB, key)
        await uow.commit()
    return was_open


async def prune_expired(deps: Deps, now: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete at most `limit` links and sessions expired by `now` (the scheduler's tick); how many."""
    async with deps.uow() as uow:
        deleted = await uow.platform_state.delete_expired(WEB, now, limit)
        await uow.commit()
    return deleted
