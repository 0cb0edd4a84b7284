"""The app wiring: the one place that builds concrete classes from the configuration."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sanhui_bot.adapters.conversation import Conversation, WebEntry
from sanhui_bot.adapters.platform import Platform
from sanhui_bot.config import Settings
from sanhui_bot.domain.errors import UnknownCalendarYear
from sanhui_bot.domain.model import Member, SchoolMember
from sanhui_bot.domain.organisation import Branch, Group, Organisation, School
from sanhui_bot.domain.points import PointRules
from sanhui_bot.domain.roster import DatedEntry
from sanhui_bot.domain.school_roster import SeatEntry
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.services import meetings, roster
from sanhui_bot.services.deps import Deps
from sanhui_bot.storage.database import create_engine, migrate, refuse_a_directory
from sanhui_bot.storage.unit_of_work import SqlStore

if TYPE_CHECKING:
    from sanhui_bot.adapters.telegram.first_poll import FirstPoll
    from sanhui_bot.adapters.web import WebServer

log = logging.getLogger(__name__)


def database_url(settings: Settings, db_path: Path | None) -> str:
    """The database to use: `--db PATH` (a SQLite file) overrides the config's url."""
    if db_path is not None:
        return f"sqlite:///{db_path.expanduser().resolve()}"
    return settings.database.url


def organisation(settings: Settings) -> Organisation:
    """Branches, groups and chat ids from the config."""
    topics = {kind: config.topics for kind, config in settings.groups.items()}
    branches = tuple(
        Branch(
            key=branch.key,
            name=branch.name,
            chat=branch.chat,
            committee_chat=branch.committee_chat,
            groups=tuple(
                Group(g.key, g.name, g.kind, branch.key, g.chat, tuple(topics.get(g.kind, ())))
                for g in branch.groups
            ),
        )
        for branch in settings.branches
    )
    chats = {
        key: {platform: str(value) for platform, value in chat.model_dump().items() if value is not None}
        for key, chat in settings.chats.items()
    }
    school = None
    if settings.school is not None:
        own = tuple(
            SchoolMember(m.key, m.name, m.telegram, m.matrix)
            for m in settings.school.members
            if "party_committee" in m.school_roles
        )
        school = School(
            settings.school.name,
            settings.school.chat,
            frozenset(m.key for m in settings.members if "party_committee" in m.school_roles)
            | {m.key for m in own},
            own,
        )
    return Organisation(branches=branches, chats=chats, school=school)


def roster_members(settings: Settings) -> list[DatedEntry]:
    """The config's [[members]] as domain members, with the dates given for their changes."""
    return [
        DatedEntry(
            Member(
                key=m.key,
                name=m.name,
                branch=m.branch,
                roles=frozenset(m.roles),
                status=m.status,
                group=m.group,
                telegram=m.telegram,
                matrix=m.matrix,
                on_long_leave=m.on_long_leave,
                under_probation_watch=m.under_probation_watch,
            ),
            joined=m.joined,
            full_since=m.full_since,
            group_since=m.group_since,
            roles_since=m.roles_since,
            long_leave_since=m.long_leave_since,
            probation_watch_since=m.probation_watch_since,
            left=m.left,
        )
        for m in settings.members
    ]


def school_seats(settings: Settings) -> list[SeatEntry]:
    """The 党委 as the config states it: branch members with school roles (and, so that losing them
    is a change, those without), and [[school.members]], with the dates given for their changes."""
    entries = [
        SeatEntry(m.key, m.name, frozenset(m.school_roles), since=m.school_since) for m in settings.members
    ]
    if settings.school is not None:
        entries += [
            SeatEntry(m.key, m.name, frozenset(m.school_roles), since=m.joined, left=m.left)
            for m in settings.school.members
        ]
    return entries


def roster_fingerprint(settings: Settings) -> str:
    """A digest of everything `roster_members` and `school_seats` read (and the zone that dates the
    changes)."""
    text = settings.model_dump_json(include={"members", "school", "timezone"})
    return hashlib.sha256(text.encode()).hexdigest()


async def sync_config_roster(deps: Deps, settings: Settings, now: datetime) -> int:
    """Sync the roster from the config (what every start does); return how many members left it.

    An unchanged config over an unchanged roster is recognised by its fingerprint and skipped
    without building its entries or replaying the history (services.roster.roster_in_sync).
    """
    fingerprint = roster_fingerprint(settings)
    if await roster.roster_in_sync(deps, fingerprint, now):
        return 0
    await roster.sync_school_seats(deps, school_seats(settings), now)
    return await roster.sync_roster(deps, roster_members(settings), now, fingerprint)


@dataclass
class App:
    settings: Settings
    store: SqlStore
    deps: Deps
    conversation: Conversation

    async def close(self) -> None:
        await self.store.close()


async def open_app(settings: Settings, db_path: Path | None = None, now: datetime | None = None) -> App:
    """Open the database (migrating it to the newest schema) and sync the roster from the config.

    `now` (default: the clock) dates the roster changes the config makes without a date of their own.
    """
    refuse_a_directory(database_url(settings, db_path))
    engine = create_engine(database_url(settings, db_path))
    try:
        await migrate(engine)
    except BaseException:
        # An engine left open keeps its connections (PostgreSQL's pool; SQLite's WAL unchecked): close it.
        await engine.dispose()
        raise
    store = SqlStore(engine)
    deps = Deps(
        uow=store.unit_of_work,
        org=organisation(settings),
        tz=settings.tz,
        rules=PointRules(**settings.points.model_dump()),
        calendar=WorkCalendar(settings.calendar.extra_holidays, settings.calendar.extra_workdays),
        schedule=settings.schedule,
        branches=tuple(settings.branches),
    )
    try:
        await sync_config_roster(deps, settings, now or datetime.now(UTC))
    except BaseException:
        await store.close()
        raise
    conversation = Conversation(deps, settings.language)
    if settings.web.public_url is not None:
        conversation.web = WebEntry(settings.web.public_url, timedelta(minutes=settings.web.link_minutes))
    return App(settings, store, deps, conversation)


def build_platforms(settings: Settings, app: App, first_poll: FirstPoll | None = None) -> list[Platform]:
    """The chat platforms the config turns on, each ready to start (none yet: console only).

    `first_poll`: Telegram's Application, already polling (`bot.py run`), that the platform takes over.
    """
    platforms: list[Platform] = []
    telegram_token = settings.secret(settings.telegram.token_env)
    if telegram_token is not None:
        from sanhui_bot.adapters.telegram import TelegramPlatform  # imported only when Telegram is on

        platforms.append(
            TelegramPlatform(
                settings.telegram,
                telegram_token,
                app.conversation,
                webhook_secret=settings.secret(settings.telegram.webhook_secret_env),
                web_url=settings.web.public_url,
                first_poll=first_poll,
            )
        )
    if settings.matrix.enabled:
        from sanhui_bot.adapters.matrix import MatrixPlatform  # imported only when Matrix is on

        platforms.append(
            MatrixPlatform(
                settings.matrix,
                app.conversation,
                database_url=app.store.engine.url,
                access_token=settings.secret(settings.matrix.access_token_env),
                password=settings.secret(settings.matrix.password_env),
                web_url=settings.web.public_url,
            )
        )
    return platforms


def build_web(settings: Settings, app: App) -> WebServer | None:
    """The 台账 web view when `[web] public_url` is set, else None."""
    if not settings.web.enabled:
        return None
    from sanhui_bot.adapters.web import WebServer  # imported only when the web view is on

    return WebServer(
        settings.web,
        app.conversation,
        secret=settings.secret(settings.web.secret_env),
        telegram_token=settings.secret(settings.telegram.token_env),
    )


async def plan_meetings(app: App, now: datetime) -> list[str]:
    """Make sure this year's and next year's meetings are planned; return warnings for unknown years.

    Next year's working-day calendar is published late in the year (the State Council's holiday
    arrangement, then a chinese-calendar release), so its absence is only warned of from December,
    when its January notices draw near.
    """
    warnings = []
    today = app.deps.local_date(now)
    for wanted in (today.year, today.year + 1):
        try:
            await meetings.ensure_year_planned(app.deps, wanted)
        except UnknownCalendarYear:
            log.info("no working-day calendar for %s: its meetings are not planned yet", wanted)
            if wanted == today.year or today.month == 12:
                warnings.append(
                    f"no working-day calendar for {wanted}: its meetings are not planned yet "
                    "(upgrade chinesecalendar)"
                )
    return warnings
