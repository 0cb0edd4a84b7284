"""The command language: one chat line in, one `Command`, `ParseError` or `NotACommand` out.

A pure function shared by every adapter, so `/decision 完成方案 @liuyang 截止:3月20日` means the
same on Telegram, Matrix and the console. Keywords and punctuation are read after NFKC
normalisation (full-width `／ ： ＠ ＃ １２` count as ASCII); free text — titles, reasons, notes,
suggestions — is kept exactly as typed. Parsing never raises and never consults the roster.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any, Generic, TypeVar

from sanhui_bot.commands.characters import clean_typed_text
from sanhui_bot.commands.dates import DateError, parse_date_within_horizon, parse_time
from sanhui_bot.commands.model import (
    AddAgenda,
    AdjustPoints,
    Adopt,
    ApproveJoin,
    AttendanceLine,
    CancelMeeting,
    ClaimTask,
    CloseMeeting,
    Command,
    CompleteTask,
    DecideLeave,
    ExportLedger,
    Help,
    Join,
    ListJoins,
    ListMeetings,
    ListTasks,
    MeetingNotHeld,
    MemberMention,
    MoveMeeting,
    NewMeeting,
    NotACommand,
    OpenWebView,
    ParseError,
    PublishDecisions,
    RateTask,
    RecordAttendance,
    RecordDecision,
    ReversePoints,
    Rsvp,
    SetLesson,
    ShowAgenda,
    ShowMinutes,
    ShowPoints,
    ShowReport,
    SignIn,
    SignInScreen,
    SubmitOutline,
    Suggest,
    VoteCount,
    WithdrawRsvp,
)
from sanhui_bot.domain.attendance import AttendanceMark
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.model import LeaveType, MeetingKind, Rating, RsvpAnswer

MAX_TEXT = 500  # reasons, notes, suggestions
MAX_OUTLINE = 3000  # a 发言提纲 is a page, not a line
MAX_TITLE = 200  # meeting and decision titles, agenda topics, names

ERROR_CODES: frozenset[str] = frozenset(
    {
        "unknown_command",  # word: the command as typed
        "bad_subcommand",  # value
        "missing_argument",  # param: which argument
        "unexpected_argument",  # value
        "speaker_only_for_lesson",
        "bad_number",  # param, value
        "bad_date",  # value
        "impossible_date",  # value
        "date_out_of_range",  # value, first, last
        "bad_time",  # value
        "bad_kind",  # value
        "bad_answer",  # value
        "bad_signin_code",  # value: not six digits
        "leave_needs_reason",
        "bad_rating",  # value
        "bad_scope",  # value
        "missing_owner",
        "too_many_owners",  # mentions
        "missing_due",
        "bad_vote",  # value: the vote as written
        "negative_vote",  # value
        "bad_member_key",  # value
        "bad_month",  # value
        "empty_text",  # param
        "text_too_long",  # param, limit, length
        "bad_period",  # value
        "bad_format",  # value
        "bare_prefix",  # a lone `/` or `!`: the short help hint
        "bad_mark",  # value
        "bad_delta",  # value
    }
)

# Canonical English name -> other words for it. Chinese first-class; /start is what Telegram sends
# when someone opens a chat with the bot.
_ALIASES: dict[str, tuple[str, ...]] = {
    "help": ("帮助", "start"),
    "meetings": ("会议",),
    "meeting": (),
    "agenda": ("议题",),
    "rsvp": ("回复",),
    "signin": ("签到",),
    "close": ("结束会议", "散会"),
    "publish": ("公示",),
    "outline": ("提纲", "发言提纲"),  # the congress notice asks for a 发言提纲
    "suggest": ("xiance", "献策"),
    "adopt": ("采纳",),
    "decision": ("决议",),
    "tasks": ("任务",),
    "claim": ("认领",),
    "done": ("完成",),
    "rate": ("评价",),
    "points": ("积分",),
    "join": ("加入", "申请加入"),
    "approve": ("批准",),
    "joins": ("申请",),
    "report": ("报告", "报表"),
    "minutes": ("纪要", "会议纪要"),
    "export": ("导出", "台账"),
    "web": ("网页",),
    "attendance": ("考勤", "出勤"),
    "leave": ("请假",),
}

COMMAND_WORDS: dict[str, str] = {
    word: name for name, aliases in _ALIASES.items() for word in (name, *aliases)
}  # every accepted command word (lower case) -> its canonical name

# Chinese users often glue arguments to the command (`/签到3`); only CJK words can be split off that
# way, since `/signin3` is more likely a typo than a glued argument. Longest first: 申请加入 before 申请.
_GLUABLE_WORDS = sorted((word for word in COMMAND_WORDS if not word.isascii()), key=len, reverse=True)

_COMMAND_WORD = re.compile(r"[a-z\u4e00-\u9fff][a-z0-9_\u4e00-\u9fff]*")
_TOKEN = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_SEPARATORS = ",，;；、:："
_NUMBER = re.compile(r"(?:#|第)?([0-9]{1,18})号?")  # 18 digits: stays inside a 64-bit id
_MEMBER_KEY = re.compile(r"[a-z][a-z0-9_-]*")
_MONTH = (
    re.compile(r"(?P<year>[0-9]{4})(?:[-/.]|年)(?P<month>[0-9]{1,2})月?"),
    re.compile(r"(?P<month>[0-9]{1,2})月?"),
)
_FIRST_YEAR, _LAST_YEAR = 2000, 2100  # a points month outside these is a typo, not history

# `截止:` `牵头:` `小组:` and English twins. An ASCII keyword must not end a longer word
# ("subgroup:"); a Chinese one may follow the title directly ("…方案截止:3月20日").
_KEYWORD = re.compile(
    r"(?<![A-Za-z0-9_])(?P<name>截止日期|截止|截至|牵头|小组|主讲|due|lead|group|speaker)\s*:\s*",
    re.IGNORECASE,
)
_KEYWORD_FIELDS = {
    "截止日期": "due",
    "截止": "due",
    "截至": "due",
    "due": "due",
    "牵头": "lead",
    "lead": "lead",
    "小组": "group",
    "group": "group",
    "主讲": "speaker",
    "speaker": "speaker",
}

# A congress decision's vote: `表决:同意12 反对0 弃权1` (票 optional, separators free) or `vote:12/0/1`.
_VOTE_KEYWORD = re.compile(r"(?<![A-Za-z0-9_])(?:表决|投票|vote)\s*:\s*", re.IGNORECASE)
_COUNT = r"(-?[0-9]{1,6})\s*票?"
_GAP = r"[\s,，、;；]*"
_VOTE_FORMS = (
    re.compile(rf"同意\s*{_COUNT}{_GAP}反对\s*{_COUNT}{_GAP}弃权\s*{_COUNT}"),
    re.compile(rf"(?:for|yes)\s*{_COUNT}{_GAP}against\s*{_COUNT}{_GAP}abstain\s*{_COUNT}", re.IGNORECASE),
    re.compile(r"(-?[0-9]{1,6})\s*/\s*(-?[0-9]{1,6})\s*/\s*(-?[0-9]{1,6})(?![0-9/])"),
)

# `@liuyang`, `@刘洋`, or a Matrix id `@liuyang:example.org`. An @ after a letter is an e-mail
# address, not a mention; a mention ends at whitespace, another @ or punctuation.
_MENTION = re.compile(
    r"(?<![A-Za-z0-9_.])@(?P<name>"
    r"[A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]{1,5})?"
    r"|[^\s@,;:、。()\[\]<>!?\"'“”‘’]+)"
)

_MEETING_SUBCOMMANDS = {
    "new": "new",
    "新建": "new",
    "cancel": "cancel",
    "取消": "cancel",
    "move": "move",
    "改期": "move",
    "notheld": "notheld",
    "not_held": "notheld",
    "未召开": "notheld",
    "lesson": "lesson",
    "党课": "lesson",
}
_LEAVE_DECISIONS = {
    "approve": True,
    "批准": True,
    "同意": True,
    "refuse": False,
    "reject": False,
    "不批准": False,
    "驳回": False,
    "不同意": False,
}
_POINTS_SUBCOMMANDS = {
    "reverse": "reverse",
    "冲正": "reverse",
    "撤销": "reverse",
    "adjust": "adjust",
    "调整": "adjust",
}
_DELTA = re.compile(r"([+\-−])?([0-9]{1,4})分?")
_KINDS = {
    "congress": MeetingKind.CONGRESS,
    "党员大会": MeetingKind.CONGRESS,
    "支部党员大会": MeetingKind.CONGRESS,
    "大会": MeetingKind.CONGRESS,
    "committee": MeetingKind.COMMITTEE,
    "支委会": MeetingKind.COMMITTEE,
    "支部委员会": MeetingKind.COMMITTEE,
    "group": MeetingKind.GROUP,
    "党小组会": MeetingKind.GROUP,
    "小组会": MeetingKind.GROUP,
    "lesson": MeetingKind.LESSON,
    "党课": MeetingKind.LESSON,
}
_DAY_PERIODS = frozenset({"上午", "早上", "中午", "下午", "晚上"})
_SCOPES = {
    "all": "all",
    "全部": "all",
    "mine": "mine",
    "我的": "mine",
    "overdue": "overdue",
    "逾期": "overdue",
    "group": "group",
    "小组": "group",
}
_PROBATIONARY = {
    "预备": True,
    "预备党员": True,
    "probationary": True,
    "正式": False,
    "正式党员": False,
    "full": False,
}

T = TypeVar("T")


class _Vocabulary(Generic[T]):
    """Words with meanings, matched case-insensitively at a position in normalised text.

    With `glue`, a Chinese word may run straight into what follows (`请假孩子发烧`); otherwise a
    word must end at a non-word character, so `参加不了` is never read as `参加`.
    """

    def __init__(self, words: Mapping[str, T], *, glue: bool = False) -> None:
        self.words = {word.casefold(): meaning for word, meaning in words.items()}
        alternatives = [
            re.escape(word) + ("" if glue and not word.isascii() else r"(?!\w)")
            for word in sorted(self.words, key=len, reverse=True)
        ]
        self._leading = re.compile(r"\s*(" + "|".join(alternatives) + ")", re.IGNORECASE)

    def at(self, text: str, position: int) -> tuple[T, int] | None:
        """The meaning of the word at `position` (after spaces) and where the word ends."""
        found = self._leading.match(text, position)
        if found is None:
            return None
        return self.words[found[1].casefold()], found.end()


_RSVP_WORDS: _Vocabulary[tuple[RsvpAnswer, LeaveType | None]] = _Vocabulary(
    {
        "yes": (RsvpAnswer.YES, None),
        "参加": (RsvpAnswer.YES, None),
        "是": (RsvpAnswer.YES, None),
        "no": (RsvpAnswer.NO, None),
        "不参加": (RsvpAnswer.NO, None),
        "否": (RsvpAnswer.NO, None),
    }
)
_WITHDRAW_WORDS: _Vocabulary[bool] = _Vocabulary(
    {"withdraw": True, "撤回": True, "取消回复": True, "undo": True}, glue=True
)
_LEAVE_WORDS: _Vocabulary[tuple[RsvpAnswer, LeaveType | None]] = _Vocabulary(
    {
        "leave": (RsvpAnswer.LEAVE, None),
        "请假": (RsvpAnswer.LEAVE, None),
        # Naming the kind of leave is answer enough: `/rsvp 3 病假 发烧`.
        "事假": (RsvpAnswer.LEAVE, LeaveType.PERSONAL),
        "personal": (RsvpAnswer.LEAVE, LeaveType.PERSONAL),
        "病假": (RsvpAnswer.LEAVE, LeaveType.SICK),
        "sick": (RsvpAnswer.LEAVE, LeaveType.SICK),
        "公假": (RsvpAnswer.LEAVE, LeaveType.OFFICIAL),
        "official": (RsvpAnswer.LEAVE, LeaveType.OFFICIAL),
    },
    glue=True,
)
_LEAVE_TYPES: _Vocabulary[LeaveType] = _Vocabulary(
    {
        "事假": LeaveType.PERSONAL,
        "personal": LeaveType.PERSONAL,
        "病假": LeaveType.SICK,
        "sick": LeaveType.SICK,
        "公假": LeaveType.OFFICIAL,
        "official": LeaveType.OFFICIAL,
        "其他": LeaveType.OTHER,
        "other": LeaveType.OTHER,
    },
    glue=True,
)
_RATINGS: _Vocabulary[Rating] = _Vocabulary(
    {
        "满意": Rating.SATISFIED,
        "satisfied": Rating.SATISFIED,
        "基本满意": Rating.BASICALLY_SATISFIED,
        "basically_satisfied": Rating.BASICALLY_SATISFIED,
        "basically-satisfied": Rating.BASICALLY_SATISFIED,
        "basic": Rating.BASICALLY_SATISFIED,
        "ok": Rating.BASICALLY_SATISFIED,
        "不满意": Rating.UNSATISFIED,
        "unsatisfied": Rating.UNSATISFIED,
    }
)
_ATTENDANCE_MARKS: _Vocabulary[tuple[AttendanceMark, LeaveType | None]] = _Vocabulary(
    {
        "出席": (AttendanceMark.PRESENT, None),
        "到会": (AttendanceMark.PRESENT, None),
        "参加": (AttendanceMark.PRESENT, None),
        "签到": (AttendanceMark.PRESENT, None),
        "present": (AttendanceMark.PRESENT, None),
        "缺席": (AttendanceMark.ABSENT, None),
        "未到": (AttendanceMark.ABSENT, None),
        "absent": (AttendanceMark.ABSENT, None),
        "请假": (AttendanceMark.LEAVE, None),
        "leave": (AttendanceMark.LEAVE, None),
        "事假": (AttendanceMark.LEAVE, LeaveType.PERSONAL),
        "personal": (AttendanceMark.LEAVE, LeaveType.PERSONAL),
        "病假": (AttendanceMark.LEAVE, LeaveType.SICK),
        "sick": (AttendanceMark.LEAVE, LeaveType.SICK),
        "公假": (AttendanceMark.LEAVE, LeaveType.OFFICIAL),
        "official": (AttendanceMark.LEAVE, LeaveType.OFFICIAL),
    },
    glue=True,
)
_AGENDA_ADD: _Vocabulary[str] = _Vocabulary(
    {"add": "add", "添加": "add", "material": "material", "材料": "material"}, glue=True
)


class _Refused(Exception):
    """Internal: a helper found the command malformed; `parse_command` makes it a ParseError."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class _Text:
    """A line as typed and its NFKC form, with the way back from one to the other.

    Normalising character by character keeps a map from each normalised character to the typed
    character it came from, so free text found by matching the normalised form is cut from the
    original.
    """

    original: str
    normal: str
    origin: tuple[int, ...]  # origin[k]: index in `original` of the character normal[k] came from

    @classmethod
    def of(cls, original: str) -> _Text:
        if unicodedata.is_normalized("NFKC", original):  # most lines: each character is its own
            return cls(original, original, tuple(range(len(original))))
        pieces: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(original):
            folded = unicodedata.normalize("NFKC", char)
            pieces.append(folded)
            origin.extend([index] * len(folded))
        return cls(original, "".join(pieces), tuple(origin))

    def source(self, start: int, end: int) -> str:
        """The typed characters behind normal[start:end]."""
        if start >= end:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]

    def rest(self, start: int) -> str:
        """The typed text from normal[start] to the end of the line."""
        return self.original[self.origin[start] :] if start < len(self.normal) else ""


@dataclass(frozen=True, slots=True)
class _Token:
    start: int  # span in the normalised line
    end: int
    word: str  # normalised
    written: str  # as typed

    @property
    def key(self) -> str:
        return self.word.casefold()


class _Args:
    """What follows the command word: the rest of its line, the message's further lines, and today."""

    def __init__(
        self, line: _Text, more: str, today: date, mentions: Mapping[str, str] | None = None
    ) -> None:
        self.line = line
        self.more = more
        self.today = today
        self.tokens = _tokens(line, 0, len(line.normal))
        # mention text (normalised, without @) -> platform user id, e.g. Telegram text_mention entities
        self.mentions = {unicodedata.normalize("NFKC", name): user for name, user in (mentions or {}).items()}

    def mention(self, name: str) -> MemberMention:
        """A mention as written, with the platform user behind it when the adapter knows it."""
        return MemberMention(name, platform_user=self.mentions.get(name))

    def first(self, index: int) -> _Token | None:
        return self.tokens[index] if index < len(self.tokens) else None

    def line_text(self, start: int) -> str:
        """Typed text from `start` to the end of the first line: titles, names, topics."""
        return self.line.rest(start).strip()

    def body(self, start: int) -> str:
        """Typed text from `start` through the message's last line: reasons, notes, suggestions."""
        text = self.line.rest(start)
        if self.more:
            text = f"{text}\n{self.more}"
        return text.strip()

    def no_more_tokens(self, after: int) -> None:
        """Refuse anything left on the line after token number `after`."""
        extra = self.first(after + 1)
        if extra is not None:
            raise _Refused("unexpected_argument", value=extra.written)


@dataclass(frozen=True, slots=True)
class _Value:
    keyword: str  # as typed, e.g. "截止："
    start: int
    end: int


def _tokens(line: _Text, start: int, end: int) -> list[_Token]:
    return [
        _Token(found.start(), found.end(), found[0], line.source(found.start(), found.end()))
        for found in _TOKEN.finditer(line.normal, start, end)
    ]


def parse_command(
    text: str,
    today: date,
    *,
    bot_username: str | None = None,
    mentions: Mapping[str, str] | None = None,
    branches: Mapping[str, str] | None = None,
) -> Command | ParseError | NotACommand:
    """Read one chat message as a command; never raises.

    Only the first line holds the command; later lines continue its free text, if it takes any.
    `bot_username` (Telegram) makes `/cmd@OtherBot` someone else's command, so NotACommand.
    `mentions` maps a mention's text (without @) to the platform user it links to, so the
    `MemberMention`s of a command carry that id (Telegram text_mention entities). `branches` maps the
    ways a branch is written (key, name) to its key, so `/report t2 …` reads as branch t2's report.
    """
    # Invisible and control characters go first (see characters.py): they break exports and display.
    first_line, _, more = clean_typed_text(text).lstrip().partition("\n")
    line = _Text.of(first_line)
    if line.normal.strip() in ("/", "!") and not more.strip():
        return ParseError("bare_prefix", None, {})  # someone looking for the commands
    head = _TOKEN.search(line.normal)
    if head is None or head[0][0] not in "/!":
        return NotACommand()
    prefix, word_typed = head[0][0], head[0][1:]
    word, at_sign, addressee = word_typed.partition("@")
    word = word.casefold()
    name = COMMAND_WORDS.get(word)
    args_start = head.end()
    addressed_elsewhere = (
        bot_username is not None and addressee.casefold() != bot_username.lstrip("@").casefold()
    )
    if name is not None and at_sign and addressed_elsewhere:
        return NotACommand()  # `/help@OtherBot` in a group with several bots
    if name is None and prefix == "/":
        glued = next((alias for alias in _GLUABLE_WORDS if word_typed.casefold().startswith(alias)), None)
        if glued is not None:
            name, args_start = COMMAND_WORDS[glued], head.start() + 1 + len(glued)
    if name is None:
        # `!` starts plenty of ordinary chat ("！！！", "!好"), so only a known word is a command there;
        # `/` followed by something that is not a word ("/3", "/path/x") is not a command either.
        if prefix == "!" or not _COMMAND_WORD.fullmatch(word):
            return NotACommand()
        return ParseError("unknown_command", None, {"word": line.source(head.start(), head.end())})
    args = _Args(_Text.of(line.rest(args_start)), more.strip(), today, mentions)
    if name == "meetings" and args.tokens and args.tokens[0].key in _MEETING_SUBCOMMANDS:
        name = "meeting"  # `/会议 新建 …` reads as naturally as `/meeting new …`
    try:
        return _PARSERS[name](args)
    except _Refused as refused:
        reading = _reading_another_branch(name, args, branches or {})
        return reading if reading is not None else ParseError(refused.code, name, refused.params)


# The commands that read a branch's record; the 党委 names the branch first: `/report t2 季度`.
_BRANCH_READS = frozenset({"meetings", "meeting", "tasks", "points", "report", "export"})


def _reading_another_branch(
    name: str, args: _Args, branches: Mapping[str, str]
) -> Command | ParseError | None:
    """`/tasks t2 逾期`: a read command whose first word names a branch (key or name, `branches` maps
    each way of writing it to the key), parsed without that word; None when it is no such command."""
    first = args.first(0)
    if name not in _BRANCH_READS or first is None:
        return None
    written = first.word.removeprefix("支部:").removeprefix("branch:")
    branch = branches.get(written.casefold()) or branches.get(written)
    if branch is None:
        return None
    rest = _Args(_Text.of(args.line.rest(first.end)), args.more, args.today, args.mentions)
    try:
        parsed = _PARSERS[name](rest)
    except _Refused as refused:
        return ParseError(refused.code, name, refused.params)
    if isinstance(parsed, ListMeetings | ListTasks | ShowPoints | ShowReport | ExportLedger):
        return replace(parsed, branch=branch)
    return None  # `/points t2 reverse …`: nothing of another branch is changed from outside it


# --- argument helpers -------------------------------------------------------------------------


def _number(token: _Token | None, param: str) -> int:
    """A positive id: `12`, `#12`, `＃１２`, `第12号`."""
    if token is None:
        raise _Refused("missing_argument", param=param)
    found = _NUMBER.fullmatch(token.word)
    if found is None or int(found[1]) <= 0:
        raise _Refused("bad_number", param=param, value=token.written)
    return int(found[1])


def _date(text: str, today: date) -> date:
    try:
        return parse_date_within_horizon(text, today)
    except DateError as error:
        raise _Refused(error.code, **error.params) from None


def _capped(text: str, param: str, limit: int) -> str:
    if len(text) > limit:
        raise _Refused("text_too_long", param=param, limit=limit, length=len(text))
    return text


def _required_text(text: str, param: str, limit: int) -> str:
    if not text:
        raise _Refused("empty_text", param=param)
    return _capped(text, param, limit)


def _take_keywords(
    line: _Text, start: int, wanted: frozenset[str]
) -> tuple[dict[str, list[_Value]], list[tuple[int, int]]]:
    """Find `keyword:value` pairs from `start`; return their values and the spans left between them.

    A value runs to the next whitespace or the next keyword, so `@刘洋截止:3月20日` splits cleanly.
    """
    normal = line.normal
    matches = [
        found
        for found in _KEYWORD.finditer(normal, start)
        if _KEYWORD_FIELDS[found["name"].casefold()] in wanted
    ]
    values: dict[str, list[_Value]] = {}
    pieces: list[tuple[int, int]] = []
    cursor = start
    for index, found in enumerate(matches):
        limit = matches[index + 1].start() if index + 1 < len(matches) else len(normal)
        space = _SPACE.search(normal, found.end(), limit)
        value_end = space.start() if space else limit
        while value_end > found.end() and normal[value_end - 1] in _SEPARATORS:
            value_end -= 1  # `截止：3月20日，牵头：…`: the comma ends the value
        field = _KEYWORD_FIELDS[found["name"].casefold()]
        keyword = line.source(found.start(), found.end()).strip()
        values.setdefault(field, []).append(_Value(keyword, found.end(), value_end))
        pieces.append((cursor, found.start()))
        cursor = value_end
    pieces.append((cursor, len(normal)))
    return values, [(a, b) for a, b in pieces if a < b]


def _single(values: dict[str, list[_Value]], field: str) -> _Value | None:
    found = values.get(field, [])
    if len(found) > 1:
        raise _Refused("unexpected_argument", value=found[1].keyword)
    return found[0] if found else None


def _group_value(line: _Text, values: dict[str, list[_Value]]) -> str | None:
    value = _single(values, "group")
    if value is None:
        return None
    group = line.normal[value.start : value.end].strip()
    if not group:
        raise _Refused("missing_argument", param="group")
    return group


def _joined(line: _Text, pieces: list[tuple[int, int]]) -> str:
    """The typed text of the spans, each stripped, joined by one space.

    Separators left where a mention or keyword was cut out go too: `方案 @刘洋，截止:…` is `方案`.
    """
    fragments = (line.source(a, b).strip().strip(_SEPARATORS).strip() for a, b in pieces)
    return " ".join(fragment for fragment in fragments if fragment)


def _without(pieces: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The spans with [start, end) cut out."""
    kept: list[tuple[int, int]] = []
    for a, b in pieces:
        if b <= start or a >= end:
            kept.append((a, b))
        else:
            kept.extend(span for span in ((a, start), (end, b)) if span[0] < span[1])
    return kept


def _mention_name(text: str) -> str | None:
    found = _MENTION.match(text)
    if found is None:
        return None
    return found["name"].rstrip(".") or None  # "@liuyang." at the end of a sentence


# --- one parser per command -------------------------------------------------------------------


def _help(args: _Args) -> Help:
    token = args.first(0)
    if token is None:
        return Help()
    topic = COMMAND_WORDS.get(token.key.lstrip("/!"))
    if topic is None:
        raise _Refused("unknown_command", word=token.written)
    return Help(topic=topic)


def _page_only(args: _Args) -> int:
    """The one optional argument of a paged list (`/meetings 2`, `/joins 3`): its page number."""
    token = args.first(0)
    if token is None:
        return 1
    if not _NUMBER.fullmatch(token.word):
        raise _Refused("unexpected_argument", value=token.written)
    args.no_more_tokens(0)
    return _number(token, "page")


def _meetings(args: _Args) -> ListMeetings:
    return ListMeetings(page=_page_only(args))


def _meeting(
    args: _Args,
) -> ListMeetings | NewMeeting | CancelMeeting | MoveMeeting | MeetingNotHeld | SetLesson:
    token = args.first(0)
    if token is None or _NUMBER.fullmatch(token.word):
        return _meetings(args)  # `/meeting 2`: the second page, as `/meetings 2`
    subcommand = _MEETING_SUBCOMMANDS.get(token.key)
    if subcommand is None:
        raise _Refused("bad_subcommand", value=token.written)
    if subcommand == "cancel":
        meeting_id = _number(args.first(1), "meeting")
        reason = _capped(args.body(args.tokens[1].end), "reason", MAX_TEXT)
        return CancelMeeting(meeting_id, reason)
    if subcommand == "move":
        return _move_meeting(args)
    if subcommand == "lesson":
        return _set_lesson(args)
    if subcommand == "notheld":
        meeting_id = _number(args.first(1), "meeting")
        reason = _capped(args.body(args.tokens[1].end), "reason", MAX_TEXT)
        if not reason:
            raise _Refused("missing_argument", param="reason")
        return MeetingNotHeld(meeting_id, reason)
    return _new_meeting(args)


def _set_lesson(args: _Args) -> SetLesson:
    """`/meeting lesson N <topic> [主讲:@member]`: the topic and speaker of a 党课 the plan scheduled."""
    meeting_id = _number(args.first(1), "meeting")
    values, pieces = _take_keywords(args.line, args.tokens[1].end, frozenset({"speaker"}))
    topic = _capped(_joined(args.line, pieces), "title", MAX_TITLE)
    speaker_value = _single(values, "speaker")
    speaker = None
    if speaker_value is not None:
        written = args.line.normal[speaker_value.start : speaker_value.end].strip()
        speaker = _one_member(written, args, "speaker")
    if not topic and speaker is None:
        raise _Refused("missing_argument", param="title")
    return SetLesson(meeting_id, topic, speaker)


def _move_meeting(args: _Args) -> MoveMeeting:
    meeting_id = _number(args.first(1), "meeting")
    date_token = args.first(2)
    if date_token is None:
        raise _Refused("missing_argument", param="date")
    on = _date(date_token.written, args.today)
    at, end = _time_at(args, 3)
    args.no_more_tokens(end)
    return MoveMeeting(meeting_id, on, at)


def _time_at(args: _Args, index: int) -> tuple[time, int]:
    """The time written at token `index` ("15:30", or "下午 3:30" over two tokens) and where it ends."""
    time_token = args.first(index)
    if time_token is None:
        raise _Refused("missing_argument", param="time")
    time_text, used = time_token.written, 1
    period_follow = args.first(index + 1)
    if time_token.word in _DAY_PERIODS and period_follow is not None:
        time_text, used = time_token.written + period_follow.written, 2
    try:
        return parse_time(time_text), index + used - 1
    except DateError as error:
        raise _Refused(error.code, **error.params) from None


_ONLINE_WORDS = frozenset({"线上", "线上会议", "online"})


def _new_meeting(args: _Args) -> NewMeeting:
    kind_token, date_token = args.first(1), args.first(2)
    if kind_token is None:
        raise _Refused("missing_argument", param="kind")
    kind = _KINDS.get(kind_token.key)
    if kind is None:
        raise _Refused("bad_kind", value=kind_token.written)
    if date_token is None:
        raise _Refused("missing_argument", param="date")
    on = _date(date_token.written, args.today)
    at, last = _time_at(args, 3)
    values, pieces = _take_keywords(args.line, args.tokens[last].end, frozenset({"group", "speaker"}))
    group = _group_value(args.line, values)
    words = _joined(args.line, pieces).split(" ")
    online = any(word.casefold() in _ONLINE_WORDS for word in words)  # issue 18: signed in by button
    title = _capped(" ".join(w for w in words if w.casefold() not in _ONLINE_WORDS), "title", MAX_TITLE)
    speaker_value = _single(values, "speaker")
    speaker = None
    if speaker_value is not None:
        if kind is not MeetingKind.LESSON:
            raise _Refused("speaker_only_for_lesson")  # 主讲 belongs to a 党课 (DESIGN §2: topic + speaker)
        written = args.line.normal[speaker_value.start : speaker_value.end].strip()
        speaker = _one_member(written, args, "speaker")
    return NewMeeting(kind=kind, on=on, at=at, title=title, group=group, speaker=speaker, online=online)


def _agenda(args: _Args) -> ShowAgenda | AddAgenda:
    meeting_id = _number(args.first(0), "meeting")
    after_number = args.tokens[0].end
    if args.first(1) is None:
        return ShowAgenda(meeting_id)
    found = _AGENDA_ADD.at(args.line.normal, after_number)
    if found is None:
        raise _Refused("bad_subcommand", value=args.tokens[1].written)
    topic = args.line_text(found[1])
    if not topic:
        raise _Refused("missing_argument", param="topic")
    return AddAgenda(meeting_id, _capped(topic, "topic", MAX_TITLE), material=found[0] == "material")


def _rsvp(args: _Args) -> Rsvp | WithdrawRsvp:
    meeting_id = _number(args.first(0), "meeting")
    normal, position = args.line.normal, args.tokens[0].end
    withdraw = _WITHDRAW_WORDS.at(normal, position)
    if withdraw is not None:
        return _withdraw_rsvp(meeting_id, args, withdraw[1])
    found = _RSVP_WORDS.at(normal, position) or _LEAVE_WORDS.at(normal, position)
    if found is None:
        answer_token = args.first(1)
        if answer_token is None:
            raise _Refused("missing_argument", param="answer")
        raise _Refused("bad_answer", value=answer_token.written)
    (answer, leave_type), position = found
    if answer is RsvpAnswer.YES:
        return Rsvp(meeting_id, answer)  # anything after "yes" is pleasantry, not an argument
    if answer is RsvpAnswer.NO:
        reason = args.body(_skip_separators(normal, position))
        return Rsvp(meeting_id, answer, reason=_capped(reason, "reason", MAX_TEXT))
    if leave_type is None:
        named = _LEAVE_TYPES.at(normal, position)
        if named is not None:
            leave_type, position = named
    reason = args.body(_skip_separators(normal, position))
    if not reason:
        # 条例: leave is asked for with its reason; the secretary decides on it.
        raise _Refused("leave_needs_reason")
    return Rsvp(meeting_id, answer, leave_type or LeaveType.OTHER, _capped(reason, "reason", MAX_TEXT))


def _withdraw_rsvp(meeting_id: int, args: _Args, position: int) -> WithdrawRsvp:
    """`/rsvp 12 withdraw` (`撤回`), optionally naming the answer taken back: `/rsvp 12 撤回 参加`."""
    normal = args.line.normal
    rest = normal[position:].strip()
    if not rest:
        return WithdrawRsvp(meeting_id)
    found = _RSVP_WORDS.at(normal, position) or _LEAVE_WORDS.at(normal, position)
    if found is None or normal[found[1] :].strip():
        raise _Refused(
            "unexpected_argument", value=rest.split()[0] if found is None else normal[found[1] :].strip()
        )
    return WithdrawRsvp(meeting_id, found[0][0])


def _skip_separators(normal: str, position: int) -> int:
    """Past the `:`/`,` people put between a keyword and its text (`请假：孩子发烧`)."""
    while position < len(normal) and (normal[position].isspace() or normal[position] in ":,、;"):
        position += 1
    return position


def _signin(args: _Args) -> SignIn | SignInScreen:
    """`/signin N [six-digit code]`, or `/signin screen N` (`/签到 大屏 N`) for the 签到大屏's link."""
    first = args.first(0)
    if first is not None and first.key in _SCREEN_WORDS:
        meeting_id = _number(args.first(1), "meeting")
        args.no_more_tokens(1)
        return SignInScreen(meeting_id)
    meeting_id = _number(first, "meeting")
    code_token = args.first(1)
    if code_token is None:
        return SignIn(meeting_id)
    if _SIGNIN_CODE.fullmatch(code_token.word) is None:
        raise _Refused("bad_signin_code", value=code_token.written)
    args.no_more_tokens(1)
    return SignIn(meeting_id, code_token.word)


_SCREEN_WORDS = frozenset({"screen", "大屏", "签到大屏", "屏幕"})
_SIGNIN_CODE = re.compile(r"[0-9]{6}")


def _close(args: _Args) -> CloseMeeting:
    meeting_id = _number(args.first(0), "meeting")
    args.no_more_tokens(0)
    return CloseMeeting(meeting_id)


def _publish(args: _Args) -> PublishDecisions:
    meeting_id = _number(args.first(0), "meeting")
    args.no_more_tokens(0)
    return PublishDecisions(meeting_id)


def _outline(args: _Args) -> SubmitOutline:
    meeting_id = _number(args.first(0), "meeting")
    text = _required_text(args.body(args.tokens[0].end), "text", MAX_OUTLINE)
    return SubmitOutline(meeting_id, text)


def _suggest(args: _Args) -> Suggest:
    return Suggest(_required_text(args.body(0), "text", MAX_TEXT))


def _adopt(args: _Args) -> Adopt:
    suggestion_id = _number(args.first(0), "suggestion")
    args.no_more_tokens(0)
    return Adopt(suggestion_id)


def _vote(line: _Text) -> tuple[VoteCount | None, tuple[int, int]]:
    """The vote written after `表决:` and the span it takes, or (None, empty span) when there is none."""
    keyword = _VOTE_KEYWORD.search(line.normal)
    if keyword is None:
        return None, (0, 0)
    for form in _VOTE_FORMS:
        found = form.match(line.normal, keyword.end())
        if found is not None:
            counts = [int(number) for number in found.groups()]
            if any(count < 0 for count in counts):
                raise _Refused("negative_vote", value=line.source(keyword.start(), found.end()).strip())
            return VoteCount(*counts), (keyword.start(), found.end())
    rest = _TOKEN.match(line.normal, keyword.end())
    written = line.source(keyword.start(), rest.end() if rest else keyword.end()).strip()
    raise _Refused("bad_vote", value=written)


def _decision(args: _Args) -> RecordDecision:
    if not args.tokens:
        raise _Refused("missing_argument", param="title")
    line = args.line
    vote, (vote_start, vote_end) = _vote(line)
    values, pieces = _take_keywords(line, 0, frozenset({"due", "lead", "group"}))
    pieces = _without(pieces, vote_start, vote_end)
    due_value, lead_value = _single(values, "due"), _single(values, "lead")
    group = _group_value(line, values)
    mentions = [
        found
        for a, b in pieces
        for found in _MENTION.finditer(line.normal, a, b)
        if found["name"].rstrip(".")
    ]
    if not mentions:
        raise _Refused("missing_owner")
    if len(mentions) > 1:
        raise _Refused("too_many_owners", mentions=" ".join(found[0] for found in mentions))
    owner = mentions[0]
    if due_value is None or due_value.start == due_value.end:
        raise _Refused("missing_due")
    due_on = _date(line.source(due_value.start, due_value.end), args.today)
    lead = None
    if lead_value is not None:
        lead = _lead(line.normal[lead_value.start : lead_value.end], args)
    title = _joined(line, _without(pieces, owner.start(), owner.end()))
    if not title:
        raise _Refused("missing_argument", param="title")
    return RecordDecision(
        title=_capped(title, "title", MAX_TITLE),
        owner=args.mention(owner["name"].rstrip(".")),
        due_on=due_on,
        lead=lead,
        group=group,
        vote=vote,
    )


def _lead(value: str, args: _Args) -> MemberMention:
    """The one committee member after `牵头:`; the @ is optional there (`牵头:李华`)."""
    return _one_member(value, args, "lead")


def _one_member(value: str, args: _Args, param: str) -> MemberMention:
    """The one member after `牵头:` or `主讲:`; the @ is optional there (`主讲:张伟`)."""
    written = value if value.startswith("@") else f"@{value}"
    name = _mention_name(written)
    if name is None:
        raise _Refused("missing_argument", param=param)
    rest = written[len(name) + 1 :].lstrip(".")
    if any(char.isalnum() for char in rest):
        raise _Refused("unexpected_argument", value=rest)  # `牵头:@李华@王芳`: one lead only
    return args.mention(name)


def _tasks(args: _Args) -> ListTasks:
    """`/tasks [scope] [page]`, in either order: `/tasks 2`, `/tasks 逾期 2`."""
    scope, page = "open", 1
    for token in args.tokens[:2]:
        if token.key in _SCOPES and scope == "open":
            scope = _SCOPES[token.key]
        elif _NUMBER.fullmatch(token.word) and page == 1:
            page = _number(token, "page")
        elif token is args.tokens[0]:
            raise _Refused("bad_scope", value=token.written)
        else:
            raise _Refused("unexpected_argument", value=token.written)
    args.no_more_tokens(1)
    return ListTasks(scope, page)


def _claim(args: _Args) -> ClaimTask:
    task_id = _number(args.first(0), "task")
    values, pieces = _take_keywords(args.line, args.tokens[0].end, frozenset({"group"}))
    group = _group_value(args.line, values)
    bare = [token for a, b in pieces for token in _tokens(args.line, a, b)]
    if (bare and group is not None) or len(bare) > 1:
        raise _Refused("unexpected_argument", value=bare[-1].written)
    if bare:
        group = bare[0].word
    return ClaimTask(task_id, group)


def _done(args: _Args) -> CompleteTask:
    task_id = _number(args.first(0), "task")
    return CompleteTask(task_id, _capped(args.body(args.tokens[0].end), "note", MAX_TEXT))


def _rate(args: _Args) -> RateTask:
    task_id = _number(args.first(0), "task")
    found = _RATINGS.at(args.line.normal, args.tokens[0].end)
    if found is None:
        rating_token = args.first(1)
        if rating_token is None:
            raise _Refused("missing_argument", param="rating")
        raise _Refused("bad_rating", value=rating_token.written)
    return RateTask(task_id, found[0])  # words after the rating are a comment we do not keep


def _points(args: _Args) -> ShowPoints | ReversePoints | AdjustPoints:
    token = args.first(0)
    if token is None:
        return ShowPoints()
    subcommand = _POINTS_SUBCOMMANDS.get(token.key)
    if subcommand == "reverse":
        entry_id = _number(args.first(1), "entry")
        return ReversePoints(entry_id, _reason_after(args, 1))
    if subcommand == "adjust":
        return _adjust_points(args)
    args.no_more_tokens(0)
    for pattern in _MONTH:
        found = pattern.fullmatch(token.word)
        if found is None:
            continue
        year = int(found["year"]) if "year" in pattern.groupindex else args.today.year
        month = int(found["month"])
        if 1 <= month <= 12 and _FIRST_YEAR <= year <= _LAST_YEAR:
            return ShowPoints(year, month)
        break
    raise _Refused("bad_month", value=token.written)


def _reason_after(args: _Args, index: int) -> str:
    """The required reason after token number `index`."""
    reason = _capped(
        args.body(_skip_separators(args.line.normal, args.tokens[index].end)), "reason", MAX_TEXT
    )
    if not reason:
        raise _Refused("missing_argument", param="reason")
    return reason


def _adjust_points(args: _Args) -> AdjustPoints:
    """`/points adjust @member ±N <reason>`."""
    member_token, delta_token = args.first(1), args.first(2)
    if member_token is None:
        raise _Refused("missing_argument", param="member")
    name = _mention_name(member_token.word)
    if name is None or len(name) + 1 != len(member_token.word.rstrip(".")):
        raise _Refused("missing_argument", param="member")
    if delta_token is None:
        raise _Refused("missing_argument", param="delta")
    found = _DELTA.fullmatch(delta_token.word)
    if found is None or int(found[2]) == 0:
        raise _Refused("bad_delta", value=delta_token.written)
    delta = -int(found[2]) if found[1] in ("-", "−") else int(found[2])
    return AdjustPoints(args.mention(name), delta, _reason_after(args, 2))


def _attendance(args: _Args) -> RecordAttendance:
    """`/attendance 12 @刘洋 出席 @李华 请假 病假 发烧 @王芳 缺席`; further lines may hold more members."""
    meeting_id = _number(args.first(0), "meeting")
    text = args.line.original + (f"\n{args.more}" if args.more else "")
    line = _Text.of(text)
    start = args.tokens[0].end
    mentions = [found for found in _MENTION.finditer(line.normal, start) if found["name"].rstrip(".")]
    if not mentions:
        raise _Refused("missing_argument", param="member")
    before = line.source(start, mentions[0].start()).strip()
    if before:
        raise _Refused("unexpected_argument", value=before.split()[0])
    lines = []
    for index, found in enumerate(mentions):
        end = mentions[index + 1].start() if index + 1 < len(mentions) else len(line.normal)
        name = found["name"].rstrip(".")
        marked = _ATTENDANCE_MARKS.at(line.normal[:end], found.end())
        if marked is None:
            word = line.source(found.end(), end).split()
            if not word:
                raise _Refused("missing_argument", param="mark")
            raise _Refused("bad_mark", value=word[0])
        (mark, leave_type), position = marked
        if mark is AttendanceMark.LEAVE and leave_type is None:
            named = _LEAVE_TYPES.at(line.normal[:end], position)
            if named is not None:
                leave_type, position = named
        position = _skip_separators(line.normal[:end], position)
        reason = _capped(line.source(position, end).strip().strip(_SEPARATORS).strip(), "reason", MAX_TEXT)
        if mark is AttendanceMark.LEAVE and not reason:
            raise _Refused("leave_needs_reason")
        lines.append(AttendanceLine(args.mention(name), mark, leave_type, reason))
    return RecordAttendance(meeting_id, tuple(lines))


def _leave(args: _Args) -> DecideLeave | Rsvp | WithdrawRsvp:
    """`/leave approve 12 @刘洋`, `/请假 不批准 12 @刘洋 会议重要，请调课参加`; `/请假 12 病假 发烧` asks for
    leave as `/rsvp 12 请假 …` does."""
    token = args.first(0)
    if token is None:
        raise _Refused("missing_argument", param="decision")
    if _NUMBER.fullmatch(token.word):
        return _rsvp_leave(args)
    approved = _LEAVE_DECISIONS.get(token.key)
    if approved is None:
        raise _Refused("bad_subcommand", value=token.written)
    meeting_id = _number(args.first(1), "meeting")
    member_token = args.first(2)
    name = _mention_name(member_token.word) if member_token is not None else None
    if member_token is None or name is None or len(name) + 1 != len(member_token.word.rstrip(".")):
        raise _Refused("missing_argument", param="member")
    reason = _capped(args.body(_skip_separators(args.line.normal, args.tokens[2].end)), "reason", MAX_TEXT)
    return DecideLeave(meeting_id, args.mention(name), approved, reason)


def _rsvp_leave(args: _Args) -> Rsvp | WithdrawRsvp:
    """`/请假 12 [病假] 原因`: the same request as `/rsvp 12 请假 [病假] 原因`."""
    meeting_id = _number(args.first(0), "meeting")
    normal, position = args.line.normal, args.tokens[0].end
    leave_type = None
    named = _LEAVE_TYPES.at(normal, position)
    if named is not None:
        leave_type, position = named
    reason = args.body(_skip_separators(normal, position))
    if not reason:
        raise _Refused("leave_needs_reason")
    return Rsvp(
        meeting_id, RsvpAnswer.LEAVE, leave_type or LeaveType.OTHER, _capped(reason, "reason", MAX_TEXT)
    )


def _join(args: _Args) -> Join:
    name = args.line_text(0)
    if not name:
        raise _Refused("missing_argument", param="name")
    return Join(_capped(name, "name", MAX_TITLE))


def _approve(args: _Args) -> ApproveJoin:
    request_id = _number(args.first(0), "request")
    values, pieces = _take_keywords(args.line, args.tokens[0].end, frozenset({"group"}))
    group = _group_value(args.line, values)
    member_key: str | None = None
    probationary = False
    for token in (token for a, b in pieces for token in _tokens(args.line, a, b)):
        if token.key in _PROBATIONARY:
            probationary = _PROBATIONARY[token.key]
        elif member_key is not None:
            raise _Refused("unexpected_argument", value=token.written)
        elif _MEMBER_KEY.fullmatch(token.word.removeprefix("@")):
            member_key = token.word.removeprefix("@")
        else:
            raise _Refused("bad_member_key", value=token.written)
    return ApproveJoin(request_id, member_key, group, probationary)


def _joins(args: _Args) -> ListJoins:
    return ListJoins(_page_only(args))


_PERIOD_KINDS = {
    "month": PeriodKind.MONTH,
    "月": PeriodKind.MONTH,
    "月度": PeriodKind.MONTH,
    "本月": PeriodKind.MONTH,
    "quarter": PeriodKind.QUARTER,
    "季度": PeriodKind.QUARTER,
    "季": PeriodKind.QUARTER,
    "本季度": PeriodKind.QUARTER,
    "year": PeriodKind.YEAR,
    "年": PeriodKind.YEAR,
    "年度": PeriodKind.YEAR,
    "本年": PeriodKind.YEAR,
    "全年": PeriodKind.YEAR,
}
_YEAR = re.compile(r"(?P<year>[0-9]{4})(?:年度?)?")
# 2026Q1, 2026-Q1, Q1, 2026年第一季度, 一季度, 第1季度: a 季 or a Q marks a quarter, so "1" stays a month.
_QUARTER = re.compile(
    r"(?:(?P<year>[0-9]{4})(?:年|[-/.])?)?(?:q(?P<q>[1-4])|第?(?P<qz>[一二三四1-4])季度?)", re.IGNORECASE
)
_QUARTER_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_EXPORT_FORMATS = {
    "xlsx": "xlsx",
    "excel": "xlsx",
    "表格": "xlsx",
    "csv": "csv",
    "ics": "ics",
    "ical": "ics",
    "日历": "ics",
}


def _known_year(year: int, token: _Token) -> int:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise _Refused("bad_period", value=token.written)
    return year


def _period(token: _Token, kind: PeriodKind | None, today: date) -> ShowReport:
    """`2026`, `2026Q1`, `一季度`, `2026-03`, `3月`; a bare number is a month, or a quarter after 季度."""
    word = token.word.casefold()
    found = _YEAR.fullmatch(word)
    if found is not None and kind in (None, PeriodKind.YEAR):
        return ShowReport(PeriodKind.YEAR, _known_year(int(found["year"]), token))
    found = _QUARTER.fullmatch(word)
    if found is None and kind is PeriodKind.QUARTER:
        found = re.fullmatch(r"(?P<qz>[1-4])", word)
    if found is not None and kind in (None, PeriodKind.QUARTER):
        year = int(found["year"]) if found.groupdict().get("year") else today.year
        number = int(found["q"]) if found.groupdict().get("q") else _QUARTER_NUMBERS[found["qz"]]
        return ShowReport(PeriodKind.QUARTER, _known_year(year, token), number)
    if kind in (None, PeriodKind.MONTH):
        for pattern in _MONTH:
            found = pattern.fullmatch(word)
            if found is None:
                continue
            year = int(found["year"]) if "year" in pattern.groupindex else today.year
            if 1 <= int(found["month"]) <= 12:
                return ShowReport(PeriodKind.MONTH, _known_year(year, token), int(found["month"]))
            break
    raise _Refused("bad_period", value=token.written)


def _report(args: _Args) -> ShowReport:
    index = 0
    kind: PeriodKind | None = None
    first = args.first(0)
    school = first is not None and first.word.casefold() in ("school", "全校", "学校")
    if school:
        index, first = 1, args.first(1)
    if first is not None and first.key in _PERIOD_KINDS:
        kind, index = _PERIOD_KINDS[first.key], index + 1
    token = args.first(index)
    if token is None:
        return ShowReport(kind or PeriodKind.MONTH, school=school)
    args.no_more_tokens(index)
    return replace(_period(token, kind, args.today), school=school)


def _minutes(args: _Args) -> ShowMinutes:
    meeting_id = _number(args.first(0), "meeting")
    args.no_more_tokens(0)
    return ShowMinutes(meeting_id)


def _export(args: _Args) -> ExportLedger:
    """`/export`, `/export csv`, `/导出 2025 表格`: a format and a year, each optional, in any order."""
    file_format: str | None = None
    year: int | None = None
    for token in args.tokens:
        if token.key in _EXPORT_FORMATS and file_format is None:
            file_format = _EXPORT_FORMATS[token.key]
        elif (found := _YEAR.fullmatch(token.word)) is not None and year is None:
            year = _known_year(int(found["year"]), token)
        elif token.key in _EXPORT_FORMATS or _YEAR.fullmatch(token.word):
            raise _Refused("unexpected_argument", value=token.written)
        else:
            raise _Refused("bad_format", value=token.written)
    return ExportLedger(file_format or "xlsx", year)


def _web(args: _Args) -> OpenWebView:
    args.no_more_tokens(-1)
    return OpenWebView()


_PARSERS: dict[str, Callable[[_Args], Command]] = {
    "help": _help,
    "meetings": _meetings,
    "meeting": _meeting,
    "agenda": _agenda,
    "rsvp": _rsvp,
    "signin": _signin,
    "close": _close,
    "publish": _publish,
    "outline": _outline,
    "suggest": _suggest,
    "adopt": _adopt,
    "decision": _decision,
    "tasks": _tasks,
    "claim": _claim,
    "done": _done,
    "rate": _rate,
    "points": _points,
    "join": _join,
    "approve": _approve,
    "joins": _joins,
    "report": _report,
    "minutes": _minutes,
    "export": _export,
    "web": _web,
    "attendance": _attendance,
    "leave": _leave,
}
