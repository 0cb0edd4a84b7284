"""Configuration: pydantic models loaded from TOML, validated once, every problem reported at once.

`config.example.toml` mirrors these models with a comment on every key. Secrets never come from the
file: the names of the environment variables that hold them do, and only `Settings.secret()` reads
the environment.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sanhui_bot import first_poll_config as first_poll
from sanhui_bot.domain.model import GroupKind, LeaveApproval, MeetingKind, MemberStatus, Role
from sanhui_bot.first_poll_config import DEFAULT_CONFIG, EXAMPLE_CONFIG
from sanhui_bot.roster_files import expand_rosters

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Strict):
    # sqlite:///relative/path.db, sqlite:////absolute/path.db or postgresql://user:pass@host/db
    url: str = "sqlite:///data/sanhui.db"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not url.startswith(("sqlite://", "postgresql://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return url


class ChatConfig(Strict):
    telegram: int | None = None
    matrix: str | None = None


class GroupConfig(Strict):
    key: Key
    name: str
    kind: GroupKind
    chat: Key


class GroupKindConfig(Strict):
    """What every 党小组 of one kind shares: the default topics its meeting notices show when nobody
    added a topic for the meeting (the school plan 二(三) names them per kind)."""

    topics: list[Annotated[str, Field(min_length=1, max_length=200)]] = []


class BranchConfig(Strict):
    key: Key
    name: str
    chat: Key
    committee_chat: Key
    groups: list[GroupConfig] = []
    # The members from the secretary's spreadsheet (.xlsx or .csv), relative to the config file.
    roster: str | None = None


class SchoolMemberConfig(Strict):
    """A 党委 member who belongs to no branch: reads every branch's record, acts in none."""

    key: Key
    name: str
    school_roles: list[Literal["party_committee"]] = ["party_committee"]
    telegram: int | None = None
    matrix: str | None = None
    # Dates of 党委 changes made in this file (default: the day the bot first sees the change).
    joined: date | None = None  # on the 党委 from
    left: date | None = None  # off the 党委 from (reads no other branch from this day)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SchoolMemberConfig:
        if self.joined is not None and self.left is not None and self.left <= self.joined:
            raise ValueError(f"left ({self.left}) must come after joined ({self.joined})")
        return self


class SchoolConfig(Strict):
    """The school's Party committee (党委) above the branches: its name, its chat, its own members."""

    name: str
    chat: Key
    # 党委委员 in no branch (a member of a branch sits on the 党委 by school_roles in [[members]] instead)
    members: list[SchoolMemberConfig] = []
    # or from the 党委's spreadsheet (.xlsx or .csv, relative to the config file): 姓名, 编号, Telegram, Matrix
    roster: str | None = None


class MemberConfig(Strict):
    key: Key
    name: str
    branch: Key
    roles: list[Role] = []
    # party_committee: 党委委员 (or the 组织委员 who supervises): reads every branch's record in the 党委 chat.
    school_roles: list[Literal["party_committee"]] = []
    # school_roles as written from (on the 党委 from; with school_roles emptied: off it from)
    school_since: date | None = None
    status: MemberStatus = MemberStatus.FULL
    group: Key | None = None
    telegram: int | None = None
    matrix: str | None = None
    on_long_leave: bool = False
    under_probation_watch: bool = False
    # Dates of roster changes made in this file (default: the day the bot first sees the change).
    joined: date | None = None  # on the roster from (入党/转入)
    full_since: date | None = None  # 转正: full member from
    group_since: date | None = None  # in `group` from
    roles_since: date | None = None  # in `roles` from (支委 elected, a new 党小组长 …)
    long_leave_since: date | None = None  # on_long_leave as written from
    probation_watch_since: date | None = None  # under_probation_watch as written from
    left: date | None = None  # 转出: off the roster from

    @model_validator(mode="after")
    def _dates_in_order(self) -> MemberConfig:
        if self.full_since is not None and self.status is not MemberStatus.FULL:
            raise ValueError('full_since (转正) needs status = "full"')
        if self.joined is not None and self.left is not None and self.left <= self.joined:
            raise ValueError(f"left ({self.left}) must come after joined ({self.joined})")
        if self.joined is not None and self.full_since is not None and self.full_since < self.joined:
            raise ValueError(f"full_since ({self.full_since}) cannot come before joined ({self.joined})")
        return self


class SlotRule(Strict):
    """When a kind of meeting is held: the nth weekday of the given months at a time."""

    weeks: list[Annotated[int, Field(ge=1, le=5)]]
    months: list[Annotated[int, Field(ge=1, le=12)]] = list(range(1, 13))
    weekday: Annotated[int, Field(ge=1, le=7)] = 4  # ISO weekday: 4 = Thursday
    time: time
    duration_minutes: Annotated[int, Field(gt=0, le=600)] = 90
    place: str = ""
    # issue 18: "secretary" = a 请假 waits for the 书记/副书记 (a group's meeting: its 党小组长) to approve it;
    # "auto" = granted as asked. Unset: secretary for the congress, auto for the other kinds.
    leave_approval: LeaveApproval | None = None
    # issue 18: how this kind of meeting is signed in, when not as [schedule] signin says for every kind
    signin: Literal["code", "button"] | None = None


class ScheduleConfig(Strict):
    # 党小组会: 1st and 3rd Thursday afternoon of every month, per group
    group: SlotRule = SlotRule(
        weeks=[1, 3], time=time(14, 30), duration_minutes=60, leave_approval=LeaveApproval.AUTO
    )
    # 支部委员会: 2nd Thursday 16:30 every month
    committee: SlotRule = SlotRule(
        weeks=[2], time=time(16, 30), duration_minutes=60, leave_approval=LeaveApproval.AUTO
    )
    # 支部党员大会: 4th Thursday 15:30 of the 2nd month of each quarter
    congress: SlotRule = SlotRule(
        weeks=[4], months=[2, 5, 8, 11], time=time(15, 30), leave_approval=LeaveApproval.SECRETARY
    )
    # 党课: 4th Thursday 14:30 of the last month of each quarter
    lesson: SlotRule = SlotRule(
        weeks=[4], months=[3, 6, 9, 12], time=time(14, 30), leave_approval=LeaveApproval.AUTO
    )
    # a slot on a non-working day: move to the next working same weekday in the month, else flag it
    holiday_policy: Literal["move", "flag"] = "move"
    notice_days: Annotated[int, Field(ge=0, le=30)] = 3
    signin_opens_minutes: Annotated[int, Field(ge=0, le=240)] = 30
    # issue 18: "code" = members sign in with the rotating code of the meeting's 签到大屏 (in the room);
    # "button" = the 签到 button or a bare /signin N (online). Per kind: [schedule.<kind>] signin.
    signin: Literal["code", "button"] = "code"
    # how long one code of the 签到大屏 lasts (the current and the one just before are accepted)
    signin_code_seconds: Annotated[int, Field(ge=10, le=300)] = 30
    # days after a meeting's end during which attendance may still be recorded or corrected (≥ 7)
    attendance_correction_days: Annotated[int, Field(ge=7, le=366)] = 7
    # the fixed topics a committee meeting's "1" rotates through, month by month
    committee_fixed_topics: list[str] = ["党建任务落实", "业务难点攻坚", "队伍建设提升"]
    # how many key tasks a committee meeting's 《支委会议事台账》 should hold (school plan: 3-5)
    ledger_tasks_min: Annotated[int, Field(ge=0, le=50)] = 3
    ledger_tasks_max: Annotated[int, Field(ge=1, le=50)] = 5

    def leave_approval_for(self, kind: MeetingKind) -> LeaveApproval:
        """Whether leave from this kind of meeting waits for an approver (default: the congress only)."""
        rule: SlotRule = getattr(self, kind.value)
        if rule.leave_approval is not None:
            return rule.leave_approval
        return LeaveApproval.SECRETARY if kind is MeetingKind.CONGRESS else LeaveApproval.AUTO

    def signin_for(self, kind: str) -> str:
        """How a kind of meeting (congress, committee, group, lesson) is signed in: code or button."""
        rule: SlotRule = getattr(self, kind)
        return rule.signin or self.signin

    @model_validator(mode="after")
    def _ledger_range_ordered(self) -> ScheduleConfig:
        if self.ledger_tasks_min > self.ledger_tasks_max:
            raise ValueError("ledger_tasks_min must not be larger than ledger_tasks_max")
        return self


class CalendarConfig(Strict):
    # local overrides of China's statutory calendar (e.g. a school's own make-up day)
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []


class PointsConfig(Strict):
    signin: int = 2
    leave: int = 0
    absent: int = -2
    suggestion: int = 1
    suggestion_adopted: int = 3
    task_done_on_time: int = 5
    task_done_late: int = 2
    task_overdue_per_week: int = -1
    rated_satisfied: int = 1


class TelegramConfig(Strict):
    # The bot runs on Telegram when this environment variable holds the token BotFather gave.
    token_env: str = first_poll.TOKEN_ENV
    # The Bot API server: Telegram's, or a local Bot API server / test emulator (no trailing /bot).
    api_base_url: str = first_poll.API_BASE_URL
    # polling: the bot asks Telegram for updates (works behind NAT); webhook: Telegram posts to us.
    mode: Literal["polling", "webhook"] = "polling"
    # the long-polling wait per request, and the timeout of every Bot API request
    poll_timeout_seconds: Annotated[int, Field(ge=0, le=60)] = first_poll.POLL_TIMEOUT_SECONDS
    request_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = first_poll.REQUEST_TIMEOUT_SECONDS
    # webhook mode: the public https URL Telegram posts to (a reverse proxy forwards it to listen:port/path)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443
    webhook_path: str = "telegram"
    # Telegram sends this secret with every webhook call; requests without it are refused.
    webhook_secret_env: str = "SANHUI_TELEGRAM_WEBHOOK_SECRET"
    # owners who have sent /start to the bot privately also get their task reminders there
    private_reminders: bool = True
    # Telegram's flood limits: about 30 messages a second per bot and 20 a minute per group.
    max_messages_per_second: Annotated[float, Field(gt=0)] = first_poll.MAX_MESSAGES_PER_SECOND
    max_group_messages_per_minute: Annotated[float, Field(gt=0)] = first_poll.MAX_GROUP_MESSAGES_PER_MINUTE
    # At most one edit of a message's tally (a notice, a task card) per this many seconds: answers
    # that come faster are shown together by one edit after the pause (0: every answer edits at once).
    edit_interval_seconds: Annotated[float, Field(ge=0, le=60)] = 3.0

    @field_validator("api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local server)")
        return url.rstrip("/") if url is not None else None

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError(
                'mode = "webhook" needs webhook_url (the public https address Telegram posts to)'
            )
        return self


class MatrixConfig(Strict):
    # The bot runs on Matrix when homeserver and user_id are both set.
    homeserver: str | None = None  # the client API base, e.g. https://matrix.school.example.org
    user_id: str | None = None  # the bot's account, e.g. @sanhui-bot:school.example.org
    # The login secret comes from one of these environment variables: a token, else a password.
    access_token_env: str = "SANHUI_MATRIX_ACCESS_TOKEN"
    password_env: str = "SANHUI_MATRIX_PASSWORD"
    device_name: str = "sanhui-bot"  # shown in the account's session list when logging in by password
    encryption: bool = True  # read and post in end-to-end encrypted rooms (Element's default)
    # At most one edit of a notice's tally (a notice, a task card) per this many seconds, as on
    # Telegram: answers that come faster are shown together by one edit after the pause (0: at once).
    edit_interval_seconds: Annotated[float, Field(ge=0, le=60)] = 3.0

    @field_validator("user_id")
    @classmethod
    def _looks_like_user_id(cls, user_id: str | None) -> str | None:
        if user_id is not None and not _looks_like_matrix_id(user_id, "@"):
            raise ValueError(f"matrix id {user_id!r} should look like @name:server.org")
        return user_id

    @field_validator("homeserver")
    @classmethod
    def _http_url(cls, homeserver: str | None) -> str | None:
        if homeserver is not None and not homeserver.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// on a trusted network)")
        return homeserver

    @property
    def enabled(self) -> bool:
        """Whether the config turns the Matrix adapter on."""
        return bool(self.homeserver and self.user_id)


class WebConfig(Strict):
    # The 台账 web view (Telegram Mini App, Matrix widget, browser link) is on when public_url is set.
    public_url: str | None = None  # the https address people open, e.g. https://sanhui.school.example.org
    listen: str = "127.0.0.1:8080"  # host:port the web server binds; a reverse proxy forwards public_url here
    # Signs the pages' anti-forgery (CSRF) tokens; from this environment variable, never from the file.
    secret_env: str = "SANHUI_WEB_SECRET"
    # A Telegram Mini App's initData older than this is refused (its auth_date is when Telegram signed it).
    init_data_max_age_seconds: Annotated[int, Field(ge=10, le=7 * 86400)] = 3600
    session_minutes: Annotated[int, Field(ge=1, le=30 * 1440)] = 720  # a page session lasts this long
    link_minutes: Annotated[int, Field(ge=1, le=60)] = 10  # a `/web` one-time link expires after this
    # Matrix widget: the homeserver asked to check an OpenID token, by server name; a server not listed
    # is asked at https://<server name>. E.g. {"school.example.org" = "https://matrix.school.example.org"}
    matrix_homeservers: dict[str, str] = {}

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test)")
        return url.rstrip("/") if url is not None else None

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: str) -> str:
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("should look like 127.0.0.1:8080")
        return listen

    @property
    def enabled(self) -> bool:
        """Whether the config turns the web view on."""
        return self.public_url is not None

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class Settings(Strict):
    """The whole configuration file."""

    timezone: str = "Asia/Shanghai"
    language: Literal["zh-CN", "en"] = "zh-CN"
    database: DatabaseConfig = DatabaseConfig()
    chats: dict[Key, ChatConfig] = {}
    school: SchoolConfig | None = None
    branches: list[BranchConfig] = []
    groups: dict[GroupKind, GroupKindConfig] = {}  # [groups.subject] topics = [...]
    members: list[MemberConfig] = []
    schedule: ScheduleConfig = ScheduleConfig()
    calendar: CalendarConfig = CalendarConfig()
    points: PointsConfig = PointsConfig()
    telegram: TelegramConfig = TelegramConfig()
    matrix: MatrixConfig = MatrixConfig()
    web: WebConfig = WebConfig()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r} (e.g. Asia/Shanghai)") from exc
        return name

    @model_validator(mode="after")
    def _cross_references(self) -> Settings:
        problems = roster_problems(self)
        if problems:
            raise ValueError("; ".join(f"{path}: {message}" for path, message in problems))
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secret(self, env_name: str) -> str | None:
        """The value of a secret's environment variable, or None when unset."""
        value = os.environ.get(env_name, "").strip()
        return value or None

    def secret_values(self) -> list[str]:
        """Every secret this config gives the bot: tokens, passwords, the database password.

        The CLI's log redaction hides each of them wherever it would appear (issue 13).
        """
        names = (
            self.telegram.token_env,
            self.telegram.webhook_secret_env,
            self.matrix.access_token_env,
            self.matrix.password_env,
        )
        values = [value for name in names if (value := self.secret(name))]
        password = database_password(self.database.url)
        return values + ([password] if password else [])


def database_password(url: str) -> str | None:
    """The password in a database url (`postgresql://user:secret@host/db`), if it has one."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def _looks_like_matrix_id(value: str, sigils: str) -> bool:
    # Matrix ids are sigil + localpart + ":" + server, e.g. @zhangwei:school.example.org, !abc:example.org.
    if not value or value[0] not in sigils:
        return False
    localpart, _, server = value[1:].partition(":")
    return bool(localpart and server) and not any(char.isspace() for char in value)


def _looks_like_room_id(value: str) -> bool:
    # Room version 12 (Synapse 1.136+) makes ids without a server part: !<43 base64 characters>.
    if value.startswith("!") and len(value) > 1 and ":" not in value:
        return not any(char.isspace() for char in value)
    return _looks_like_matrix_id(value, "!#")


def _unit_problems(settings: Settings) -> list[tuple[str, str]]:
    """Branches and groups: unique unit keys, names, and each unit bound to its own defined chat."""
    problems: list[tuple[str, str]] = []
    all_branch_keys = {branch.key for branch in settings.branches if branch.key is not None}
    branch_keys: set[str] = set()
    group_keys: set[str] = set()
    bound_chats: dict[str, str] = {}  # chat key -> the unit that already uses it

    def bind(path: str, chat: str | None, unit: str) -> None:
        if chat is None:
            return
        if chat not in settings.chats:
            problems.append((path, f"chat {chat!r} is not defined under [chats]"))
        elif chat in bound_chats:
            # A chat tells the bot which unit a command is for, so two units cannot share one.
            problems.append((path, f"chat {chat!r} is already the chat of {bound_chats[chat]}"))
        else:
            bound_chats[chat] = unit

    for b_index, branch in enumerate(settings.branches):
        path = f"branches[{b_index}]"
        if branch.key is not None and branch.key in branch_keys:
            problems.append((f"{path}.key", f"duplicate branch key {branch.key!r}"))
        if branch.key is not None:
            branch_keys.add(branch.key)
        if _is_blank(branch.name):
            problems.append((f"{path}.name", "the branch needs a name"))
        bind(f"{path}.chat", branch.chat, f"branch {branch.key!r}")
        bind(f"{path}.committee_chat", branch.committee_chat, f"the committee of branch {branch.key!r}")
        for g_index, group in enumerate(branch.groups):
            gpath = f"{path}.groups[{g_index}]"
            if group.key is not None:
                # Group keys and branch keys are both unit keys (meetings, tasks and reports use them).
                if group.key in group_keys or group.key in all_branch_keys:
                    problems.append((f"{gpath}.key", f"duplicate group key {group.key!r}"))
                group_keys.add(group.key)
            if _is_blank(group.name):
                problems.append((f"{gpath}.name", "the group needs a name"))
            bind(f"{gpath}.chat", group.chat, f"group {group.key!r}")
    return problems


# The roles that sit on the 支部委员会 (as domain.model.COMMITTEE_ROLES).
_COMMITTEE_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY, Role.COMMITTEE, Role.DISCIPLINE})


def _member_problems(settings: Settings) -> list[tuple[str, str]]:
    """Members: unique keys and platform ids, known branch and group, roles that fit the status."""
    problems: list[tuple[str, str]] = []
    branch_keys = {branch.key for branch in settings.branches if branch.key is not None}
    group_branch = {
        group.key: branch.key
        for branch in settings.branches
        for group in branch.groups
        if group.key is not None
    }
    member_keys: set[str] = set()
    telegram_ids: dict[int, str] = {}
    matrix_ids: dict[str, str] = {}
    for m_index, member in enumerate(settings.members):
        path = f"members[{m_index}]"
        if member.key is not None and member.key in member_keys:
            problems.append((f"{path}.key", f"duplicate member key {member.key!r}"))
        if member.key is not None:
            member_keys.add(member.key)
        if _is_blank(member.name):
            problems.append((f"{path}.name", "the member needs a name"))
        if member.branch is not None and member.branch not in branch_keys:
            problems.append((f"{path}.branch", f"unknown branch {member.branch!r}"))
        if member.group is not None:
            if member.group not in group_branch:
                problems.append((f"{path}.group", f"unknown group {member.group!r}"))
            elif member.branch is not None and group_branch[member.group] != member.branch:
                problems.append(
                    (f"{path}.group", f"group {member.group!r} is not in branch {member.branch!r}")
                )
        roles = member.roles or []
        if Role.GROUP_LEADER in roles and member.group is None:
            problems.append((f"{path}.roles", "a group_leader needs a group"))
        if member.status == MemberStatus.PROBATIONARY:
            # 党章第七条: 预备党员没有表决权、选举权和被选举权, so no seat on the 支部委员会.
            held = sorted(str(role) for role in roles if role in _COMMITTEE_ROLES)
            if held:
                problems.append(
                    (f"{path}.roles", f"a probationary member cannot hold committee roles {held}")
                )
        problems += _platform_id_problems(path, member, telegram_ids, matrix_ids)
    return problems


def _platform_id_problems(
    path: str,
    member: MemberConfig | SchoolMemberConfig,
    telegram_ids: dict[int, str],
    matrix_ids: dict[str, str],
) -> list[tuple[str, str]]:
    """A member's Telegram and Matrix ids: well-formed and nobody else's (records them as seen)."""
    problems: list[tuple[str, str]] = []
    if isinstance(member.telegram, int):
        if member.telegram <= 0:
            # Telegram user ids are positive; negative ids belong to groups and channels.
            problems.append(
                (f"{path}.telegram", f"telegram id {member.telegram} is a chat id, not a person's id")
            )
        if member.telegram in telegram_ids:
            problems.append(
                (
                    f"{path}.telegram",
                    f"telegram id {member.telegram} is also {telegram_ids[member.telegram]!r}",
                )
            )
        telegram_ids[member.telegram] = member.key
    if isinstance(member.matrix, str):
        if not _looks_like_matrix_id(member.matrix, "@"):
            problems.append(
                (f"{path}.matrix", f"matrix id {member.matrix!r} should look like @name:server.org")
            )
        if member.matrix in matrix_ids:
            problems.append(
                (f"{path}.matrix", f"matrix id {member.matrix} is also {matrix_ids[member.matrix]!r}")
            )
        matrix_ids[member.matrix] = member.key
    return problems


def _leadership_problems(settings: Settings) -> list[tuple[str, str]]:
    """Every branch has one secretary and every 党小组 a leader."""
    problems: list[tuple[str, str]] = []
    for b_index, branch in enumerate(settings.branches):
        if branch.key is None:
            continue
        members = [
            (m_index, member)
            for m_index, member in enumerate(settings.members)
            if member.branch == branch.key and member.roles
        ]
        secretaries = [(m_index, member) for m_index, member in members if Role.SECRETARY in member.roles]
        if not secretaries:
            # 条例第六章: every branch has a 书记, who calls and chairs its meetings (条例第十四条).
            problems.append(
                (f"branches[{b_index}]", f"branch {branch.key!r} has no member with role 'secretary'")
            )
        for m_index, _member in secretaries[1:]:
            problems.append(
                (
                    f"members[{m_index}].roles",
                    f"branch {branch.key!r} already has secretary {secretaries[0][1].key!r} (use 'deputy')",
                )
            )
        for g_index, group in enumerate(branch.groups):
            if group.key is None:
                continue
            has_leader = any(
                member.group == group.key and Role.GROUP_LEADER in member.roles for _, member in members
            )
            if not has_leader:
                # 条例第十三条: a 党小组 has a 组长, who calls and chairs its meetings.
                problems.append(
                    (
                        f"branches[{b_index}].groups[{g_index}]",
                        f"group {group.key!r} has no member with role 'group_leader'",
                    )
                )
    return problems


def _chat_problems(settings: Settings) -> list[tuple[str, str]]:
    """Chats: platform ids that look right and belong to one chat key only."""
    problems: list[tuple[str, str]] = []
    telegram_chats: dict[int, str] = {}
    matrix_rooms: dict[str, str] = {}
    for chat_key, chat in settings.chats.items():
        path = f"chats.{chat_key}"
        if isinstance(chat.telegram, int):
            if chat.telegram > 0:
                # Telegram group and supergroup ids are negative (-100…); a positive one is a person.
                problems.append(
                    (f"{path}.telegram", f"telegram id {chat.telegram} is a person's id, not a group's")
                )
            if chat.telegram in telegram_chats:
                problems.append(
                    (
                        f"{path}.telegram",
                        f"telegram chat {chat.telegram} is also chat {telegram_chats[chat.telegram]!r}",
                    )
                )
            telegram_chats[chat.telegram] = chat_key
        if isinstance(chat.matrix, str):
            if not _looks_like_room_id(chat.matrix):
                problems.append(
                    (f"{path}.matrix", f"matrix room {chat.matrix!r} should look like !room:server.org")
                )
            if chat.matrix in matrix_rooms:
                problems.append(
                    (
                        f"{path}.matrix",
                        f"matrix room {chat.matrix} is also chat {matrix_rooms[chat.matrix]!r}",
                    )
                )
            matrix_rooms[chat.matrix] = chat_key
    return problems


def _schedule_problems(settings: Settings) -> list[tuple[str, str]]:
    """Slot rules without repeats or gaps, fixed committee topics, calendar overrides that agree."""
    problems: list[tuple[str, str]] = []
    schedule = settings.schedule
    for kind in ("group", "committee", "congress", "lesson"):
        rule = getattr(schedule, kind, None)
        if rule is None:
            continue
        for field_name in ("weeks", "months"):
            values = list(getattr(rule, field_name) or [])
            if not values:
                # The minimum frequencies (条例第十一至十三条) need at least one slot.
                problems.append((f"schedule.{kind}.{field_name}", "must list at least one value"))
            repeated = sorted({value for value in values if values.count(value) > 1})
            if repeated:
                problems.append((f"schedule.{kind}.{field_name}", f"{repeated} listed more than once"))
    topics = list(schedule.committee_fixed_topics or [])
    if not topics:
        # "1+X" (school plan 二(二)2): every committee meeting has one fixed topic.
        problems.append(("schedule.committee_fixed_topics", "must list at least one topic"))
    for t_index, topic in enumerate(topics):
        if _is_blank(topic):
            problems.append((f"schedule.committee_fixed_topics[{t_index}]", "the topic is empty"))
    holidays = set(settings.calendar.extra_holidays or [])
    for d_index, day in enumerate(settings.calendar.extra_workdays or []):
        if day in holidays:
            problems.append(
                (f"calendar.extra_workdays[{d_index}]", f"{day} is also listed in extra_holidays")
            )
    return problems


def _school_problems(settings: Settings) -> list[tuple[str, str]]:
    """The 党委 chat is a known chat of no branch unit; school roles need a [school]."""
    problems: list[tuple[str, str]] = []
    school = getattr(settings, "school", None)
    if school is not None and school.chat is not None:
        unit_chats = {
            chat
            for branch in settings.branches
            for chat in (branch.chat, branch.committee_chat, *(group.chat for group in branch.groups))
        }
        if school.chat not in settings.chats:
            problems.append(("school.chat", f"unknown chat {school.chat!r} (add it under [chats])"))
        elif school.chat in unit_chats:
            problems.append(("school.chat", f"chat {school.chat!r} already serves a branch unit"))
    for index, member in enumerate(settings.members):
        if getattr(member, "school_roles", None) and school is None:
            problems.append((f"members[{index}].school_roles", "school roles need a [school] section"))
    if school is not None:
        problems += _school_member_problems(settings, school)
    return problems


def _school_member_problems(settings: Settings, school: SchoolConfig) -> list[tuple[str, str]]:
    """[[school.members]]: keys and platform ids that are no branch member's and no other's."""
    problems: list[tuple[str, str]] = []
    keys = {member.key for member in settings.members if member.key is not None}
    telegram_ids = {m.telegram: m.key for m in settings.members if isinstance(m.telegram, int)}
    matrix_ids = {m.matrix: m.key for m in settings.members if isinstance(m.matrix, str)}
    for index, member in enumerate(school.members or []):
        path = f"school.members[{index}]"
        if member.key in keys:
            # one key is one person: a branch member who sits on the 党委 gets school_roles instead
            problems.append((f"{path}.key", f"duplicate member key {member.key!r} (use school_roles there)"))
        keys.add(member.key)
        if _is_blank(member.name):
            problems.append((f"{path}.name", "the member needs a name"))
        if not member.school_roles:
            problems.append(
                (f"{path}.school_roles", 'a school member needs a school role ("party_committee")')
            )
        problems += _platform_id_problems(path, member, telegram_ids, matrix_ids)
    return problems


def roster_problems(settings: Settings) -> list[tuple[str, str]]:
    """Cross-reference problems as (key path, message): keys, chats, groups and members that don't fit."""
    # Messages must not contain "; ": the model validator joins the findings with it.
    return [
        *_unit_problems(settings),
        *_member_problems(settings),
        *_leadership_problems(settings),
        *_chat_problems(settings),
        *_schedule_problems(settings),
        *_school_problems(settings),
    ]


def _salvage(model: type[Strict], raw: Any, nested_lists: dict[str, type[Strict]] | None = None) -> Any:
    """A best-effort model from data that may not validate: bad fields take their default, else None."""
    if isinstance(raw, dict):
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            bad = {item["loc"][0] for item in error.errors() if item["loc"]}
    else:
        raw, bad = {}, set(model.model_fields)
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        item_model = (nested_lists or {}).get(name)
        if item_model is not None and isinstance(raw.get(name), list):
            values[name] = [_salvage(item_model, item) for item in raw[name]]
        elif name in raw and isinstance(info.annotation, type) and issubclass(info.annotation, Strict):
            values[name] = _salvage(info.annotation, raw[name])  # e.g. one slot rule of [schedule]
        elif name in raw and name not in bad:
            values[name] = raw[name]
        elif not info.is_required():
            values[name] = info.get_default(call_default_factory=True)
        else:
            values[name] = None  # the cross-reference checks skip what they cannot know
    return model.model_construct(**values)


def salvaged_settings(data: Any) -> Settings:
    """Settings built leniently from a document that failed validation, so cross-references can be checked.

    Pydantic skips the model validator when any field is invalid; without this a bad time zone would
    hide every roster problem until the secretary had fixed it and tried again.
    """
    raw = data if isinstance(data, dict) else {}
    chats = raw.get("chats")
    branches = raw.get("branches")
    members = raw.get("members")
    return Settings.model_construct(
        chats={str(key): _salvage(ChatConfig, chat) for key, chat in chats.items()}
        if isinstance(chats, dict)
        else {},
        branches=[_salvage(BranchConfig, item, {"groups": GroupConfig}) for item in branches]
        if isinstance(branches, list)
        else [],
        members=[_salvage(MemberConfig, item) for item in members] if isinstance(members, list) else [],
        schedule=_salvage(ScheduleConfig, raw.get("schedule", {})),
        calendar=_salvage(CalendarConfig, raw.get("calendar", {})),
    )


class ConfigError(Exception):
    """The configuration could not be loaded; `problems` lists every one as (key path, message)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


def _validation_problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for item in error.errors():
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"]).lstrip(
            "."
        )
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "value_error" and not path and ": " in message:
            # The cross-reference validator joins its findings; give each its own line (even a single one).
            for finding in message.split("; "):
                where, _, what = finding.partition(": ")
                problems.append((where, what) if what else ("(top level)", finding))
            continue
        problems.append((path or "(top level)", message))
    return problems


def parse_settings(data: dict[str, Any], source: str = "<config>") -> Settings:
    """Validate a parsed TOML document, raising ConfigError with every problem."""
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        problems = _validation_problems(error)
        # Field errors stop pydantic before the cross-reference validator: check those leniently too.
        salvaged = roster_problems(salvaged_settings(data))
        problems += [problem for problem in salvaged if problem not in problems]
        raise ConfigError(source, problems) from None


def load_settings(path: Path | None = None, today: date | None = None) -> Settings:
    """Load the config file: the given path, else ./config.toml, else the bundled example.

    Branches with a `roster` spreadsheet get its rows as members; `today` (default: the date in the
    config's time zone) is what a 转正日期 in the future is measured against.
    """
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else EXAMPLE_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [("(file)", f"cannot read: {exc.strerror}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [("(syntax)", str(exc))]) from None
    if today is None:
        today = datetime.now(_zone_or_default(data.get("timezone"))).date()
    data, file_problems = expand_rosters(data, path.parent, today)
    try:
        settings = parse_settings(data, str(path))
    except ConfigError as error:
        raise ConfigError(str(path), [*file_problems, *error.problems]) from None
    if file_problems:
        raise ConfigError(str(path), file_problems)
    return settings


def _zone_or_default(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) else ZoneInfo("Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")  # the bad name itself is reported by the validation
