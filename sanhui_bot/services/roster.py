"""The roster: syncing it from the config, knowing who is writing, /join and its approval."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sanhui_bot.commands.model import ApproveJoin, Join, ListJoins, MemberMention
from sanhui_bot.domain.errors import DomainError, NotFound
from sanhui_bot.domain.model import Actor, ChatContext, JoinRequest, JoinStatus, Member, MemberStatus
from sanhui_bot.domain.permissions import Action, require
from sanhui_bot.domain.roster import (
    DatedEntry,
    RosterChange,
    RosterChangeKind,
    RosterHistory,
    as_of,
    changes_for_entry,
    removal,
    state_on,
)
from sanhui_bot.domain.school_roster import (
    SchoolCommitteeHistory,
    SeatChange,
    SeatEntry,
    seat_changes,
    seat_removal,
)
from sanhui_bot.services.deps import Deps, require_chat
from sanhui_bot.services.paging import page_slice
from sanhui_bot.services.ports import UnitOfWork

MEMBER_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")


# Where the last sync from the config is remembered (platform_state's small named texts).
SYNC_STATE = ("roster", "config_sync")


async def roster_in_sync(deps: Deps, fingerprint: str, now: datetime) -> bool:
    """Whether syncing the config whose members have this fingerprint would change nothing.

    True when the last sync was of the same config, the stored roster has not changed since (its
    version is the one that sync left), and no dated change it recorded has come into effect since
    (a `left` or 转正 date in the future). A district restarts with 20,000 unchanged members: this is
    two small reads instead of replaying every member's history.
    """
    async with deps.uow() as uow:
        stored = await uow.platform_state.get(*SYNC_STATE)
        version = await uow.members.version()
    if stored is None:
        return False
    try:
        last = json.loads(stored)
        synced_on = date.fromisoformat(last["on"])
        until = date.fromisoformat(last["until"]) if last["until"] is not None else None
        same = last["fingerprint"] == fingerprint and last["version"] == version
    except (ValueError, KeyError, TypeError):
        return False  # written by another version: sync in full
    today = deps.local_date(now)  # a clock set back (the console's --now) syncs in full, too
    return same and synced_on <= today and (until is None or today < until)


async def sync_roster(
    deps: Deps, entries: Sequence[DatedEntry], now: datetime, fingerprint: str | None = None
) -> int:
    """Bring the stored roster in line with the config; return how many members left it.

    What changed since the last sync becomes dated facts in the roster's history (domain/roster.py):
    a new entry joined, a changed status or group, a `left` date, an entry removed from the file (it
    left today). Members added through /join are kept: the config does not know them.
    `fingerprint` (of the config the entries come from) is remembered for `roster_in_sync`.
    """
    today = deps.local_date(now)
    listed = {entry.member.key for entry in entries}
    async with deps.uow() as uow:
        stored = {member.key: member for member in await uow.members.list(include_inactive=True)}
        history = RosterHistory(await uow.members.changes())
        known_branches = {member.branch for key, member in stored.items() if history.knows(key)}
        added: list[RosterChange] = []
        for entry in entries:
            key = entry.member.key
            first_sight = entry.member.branch not in known_branches
            changes = changes_for_entry(entry, history.of(key), today, now, first_sight, stored.get(key))
            state = state_on([*history.of(key), *changes], today)
            member = replace(entry.member, active=False) if state is None else as_of(entry.member, state)
            if stored.get(key) != member:  # an unchanged roster costs no write (every start reads it)
                await uow.members.upsert(member)
            added.extend(changes)
        left = [
            change
            for key, member in stored.items()
            if member.source == "config"
            and key not in listed
            and (change := removal(key, history.of(key), today, now)) is not None
        ]
        await uow.members.add_changes([*added, *left])
        await uow.members.deactivate_except("config", listed)
        if fingerprint is not None:
            # The sync stays valid until the first recorded change dated after today takes effect.
            ahead = [
                change.effective_on
                for change in [*history.all(), *added, *left]
                if change.effective_on is not None and change.effective_on > today
            ]
            synced = {
                "fingerprint": fingerprint,
                "version": await uow.members.version(),
                "on": today.isoformat(),
                "until": min(ahead).isoformat() if ahead else None,
            }
            await uow.platform_state.set(*SYNC_STATE, json.dumps(synced))
        await uow.commit()
    return len(left)


async def sync_school_seats(deps: Deps, entries: Sequence[SeatEntry], now: datetime) -> int:
    """Bring the 党委's seat history in line with the config; return how many changes were recorded.

    Like `sync_roster` for a branch: a new 党委 member joined, one whose school roles went or who is
    no longer listed left, each on the date the config gives or else today; a re-sync of an unchanged
    党委 writes nothing.
    """
    today = deps.local_date(now)
    async with deps.uow() as uow:
        history = SchoolCommitteeHistory(await uow.members.seat_changes())
        first_sight = history.is_empty()
        added: list[SeatChange] = []
        for entry in entries:
            added.extend(seat_changes(entry, history.of(entry.member), today, now, first_sight))
        listed = {entry.member for entry in entries}
        added.extend(
            change
            for member in history.members()
            if member not in listed and (change := seat_removal(member, history.of(member), today, now))
        )
        if added:
            await uow.members.add_seat_changes(added)
            await uow.commit()
    return len(added)


async def school_seated(deps: Deps, actor: Actor, now: datetime) -> frozenset[str] | None:
    """Who sits on the 党委 today (its dated seat history, domain/school_roster.py), for the services'
    permission checks: one who left the 党委 reads no other branch from that day.

    None without a 党委, or for someone off every roster: the permission checks then say no without
    a read. (The config's listing of today cannot answer for the history: `school_since` may date a
    member's leaving after today, or `joined` someone's arrival.)
    """
    if deps.org.school is None or (
        actor.member is None and actor.school_member is None and actor.elsewhere is None
    ):
        return None
    return await seated_on(deps, now)


async def seated_on(deps: Deps, now: datetime) -> frozenset[str]:
    """Who sits on the 党委 today (its dated seat history, domain/school_roster.py)."""
    async with deps.uow() as uow:
        seats = await deps.roster.seats(uow)
    return seats.committee_on(deps.local_date(now))


async def identify(deps: Deps, platform: str, platform_user: str, display_name: str = "") -> Actor:
    """The actor behind a platform user: a roster member, or someone off the roster."""
    async with deps.uow() as uow:  # from the roster in memory: the version check is the one statement
        member = await deps.roster.by_platform(uow, platform, platform_user)
    school_member = None
    if member is None and deps.org.school is not None:
        school_member = deps.org.school.member_by_platform(platform, platform_user)
    return Actor(platform, platform_user, display_name, member=member, school_member=school_member)


async def resolve_mention(uow: UnitOfWork, deps: Deps, branch: str, mention: MemberMention) -> Member:
    """The active branch member a mention names: platform id, roster key, or a unique name."""
    candidates: list[Member] = []
    if mention.platform_user is not None:
        for platform in ("telegram", "matrix"):
            found = await uow.members.by_platform(platform, mention.platform_user)
            if found is not None:
                candidates = [found]
                break
    if not candidates:
        members = await deps.roster.branch(uow, branch)
        text = mention.text.strip()
        by_key = [m for m in members if m.key == text.lower()]
        candidates = by_key or [m for m in members if m.name == text]
    candidates = [m for m in candidates if m.branch == branch and m.active]
    if not candidates:
        raise NotFound("unknown_member", name=mention.text)
    if len(candidates) > 1:
        raise DomainError("ambiguous_member", name=mention.text, keys=sorted(m.key for m in candidates))
    return candidates[0]


async def request_join(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: Join, now: datetime
) -> JoinRequest:
    """Someone off the roster asks to be added; the same pending request is returned if asked again."""
    chat = require_chat(ctx)
    if actor.on_roster:
        raise DomainError("already_member", key=actor.identity)
    async with deps.uow() as uow:
        pending = await uow.joins.pending_for(actor.platform, actor.platform_user)
        if pending is not None:
            return pending
        request = await uow.joins.add(
            JoinRequest(
                id=None,
                branch=chat.branch,
                platform=actor.platform,
                platform_user=actor.platform_user,
                name=cmd.name.strip(),
                chat=chat.chat,
                requested_at=now,
            )
        )
        await uow.commit()
    return request


JOINS_PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class JoinListing:
    """One page of the branch's pending /join requests, the longest waiting first."""

    requests: list[JoinRequest]  # this page
    total: int
    page: int
    pages: int


async def list_join_requests(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ListJoins
) -> JoinListing:
    """A page of the branch's pending /join requests, for a secretary."""
    chat = require_chat(ctx)
    require(actor, Action.APPROVE_MEMBER)
    async with deps.uow() as uow:
        pending = await uow.joins.list(chat.branch, pending_only=True)
    pages, first = page_slice(len(pending), cmd.page, JOINS_PER_PAGE)
    return JoinListing(pending[first : first + JOINS_PER_PAGE], len(pending), cmd.page, pages)


async def approve_join(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ApproveJoin, now: datetime
) -> Member:
    """A secretary adds the person behind a /join request to the roster."""
    chat = require_chat(ctx)
    approver = require(actor, Action.APPROVE_MEMBER)
    async with deps.uow() as uow:
        request = await uow.joins.get(cmd.request_id)
        if request is None or request.branch != chat.branch:
            raise NotFound("join_not_found", request=cmd.request_id)
        if request.status is not JoinStatus.PENDING:
            raise DomainError("join_already_decided", request=request.id, status=request.status)
        key = cmd.member_key or _default_key(request)
        if not MEMBER_KEY.match(key):
            raise DomainError("bad_member_key", key=key)
        if await uow.members.get(key) is not None:
            raise DomainError("member_key_taken", key=key)
        group = None
        if cmd.group is not None:
            found = deps.org.find_group(chat.branch, cmd.group)
            if found is None:
                raise NotFound("unknown_group", group=cmd.group)
            group = found.key
        member = Member(
            key=key,
            name=request.name,
            branch=request.branch,
            status=MemberStatus.PROBATIONARY if cmd.probationary else MemberStatus.FULL,
            group=group,
            telegram=int(request.platform_user) if request.platform == "telegram" else None,
            matrix=request.platform_user if request.platform == "matrix" else None,
            source="join",
        )
        await uow.members.upsert(member)
        await uow.members.add_changes(
            [
                RosterChange(
                    key,
                    RosterChangeKind.JOINED,
                    deps.local_date(now),
                    now,
                    status=member.status,
                    group=group,
                    recorded_by=approver.key,
                    roles=member.roles,
                    on_long_leave=member.on_long_leave,
                    under_probation_watch=member.under_probation_watch,
                )
            ]
        )
        await uow.joins.update(
            replace(
                request, status=JoinStatus.APPROVED, decided_by=approver.key, decided_at=now, member_key=key
            )
        )
        await uow.commit()
    return member


def _default_key(request: JoinRequest) -> str:
    # On the console the person already types a key-like name; elsewhere number the newcomer.
    if request.platform == "console" and MEMBER_KEY.match(request.platform_user):
        return request.platform_user
    return f"m{request.id}"


async def role_holders(deps: Deps, branch: str, roles: Sequence[str], group: str | None = None) -> list[str]:
    """The active members of the branch (of `group`, when given) who hold one of `roles`, by key."""
    async with deps.uow() as uow:
        members = await deps.roster.branch(uow, branch)
    return [
        m.key
        for m in members
        if any(role.value in roles for role in m.roles) and (group is None or m.group == group)
    ]


async def member_names(deps: Deps) -> Mapping[str, str]:
    """Member key → name for everyone ever on the roster, for rendering."""
    async with deps.uow() as uow:
        return await deps.roster.names(uow)


@dataclass(frozen=True, slots=True)
class RosterLine:
    """A member on the current roster with the dates the roster file writes (入党日期, 转正日期)."""

    member: Member
    joined: date | None  # on the roster from (None: since before the bot kept records)
    full_since: date | None  # 转正 (full members only; None: not recorded)


async def current_roster(deps: Deps, branch: str, today: date) -> list[RosterLine]:
    """The branch's roster as the database holds it on `today`: the config's members and those approved
    with /approve, as they stand then (`roster export` writes it in the roster file's format)."""
    async with deps.uow() as uow:
        members = [m for m in await deps.roster.members(uow) if m.branch == branch]
        history = await deps.roster.history(uow)
    lines = []
    for member in history.roster_on(members, today):
        changes = history.of(member.key)
        joined = [c.effective_on for c in changes if c.kind is RosterChangeKind.JOINED and c.effective_on]
        promoted = [
            c.effective_on
            for c in changes
            if c.kind is RosterChangeKind.STATUS and c.status is MemberStatus.FULL and c.effective_on
        ]
        full = member.status is MemberStatus.FULL
        lines.append(
            RosterLine(
                member,
                max(joined) if joined else None,
                max(promoted) if full and promoted else None,
            )
        )
    return lines  # by member key
