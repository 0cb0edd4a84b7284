"""The command language as data: what `parse_command` returns.

Every adapter (console, Telegram, Matrix) turns a chat line into one of these through the same
parser, so a command means the same thing everywhere. Parsing never consults the roster or the
database; names such as `@刘洋` stay as written (`MemberMention`) until a service resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sanhui_bot.domain.attendance import AttendanceMark
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.model import LeaveType, MeetingKind, Rating, RsvpAnswer


@dataclass(frozen=True, slots=True)
class MemberMention:
    """A person named in a command: `@liuyang` (roster key), `@刘洋` (name) or a platform mention."""

    text: str  # without the leading @, e.g. "liuyang" or "刘洋"
    platform_user: str | None = None  # set by an adapter for a platform mention (e.g. Telegram text_mention)


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None  # a command name to explain, e.g. "decision"


@dataclass(frozen=True, slots=True)
class ListMeetings:
    branch: str | None = None  # `/meetings t2`: another branch's (the 党委 reads every branch)
    page: int = 1  # paged (`/meetings 2`) so that a reply is always one message


@dataclass(frozen=True, slots=True)
class NewMeeting:
    kind: MeetingKind
    on: date
    at: time
    title: str = ""
    group: str | None = None  # 小组:<group> when a group meeting is added outside its group's chat
    speaker: MemberMention | None = None  # 主讲:@member of a 党课
    online: bool = False  # `线上` / `online`: members sign in with the button, not a code (issue 18)


@dataclass(frozen=True, slots=True)
class MoveMeeting:
    """`/meeting move N <date> <time>`: the meeting is held at another time (改期)."""

    meeting_id: int
    on: date
    at: time


@dataclass(frozen=True, slots=True)
class CancelMeeting:
    meeting_id: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SetLesson:
    """`/meeting lesson N <topic> [主讲:@member]` (`/会议 党课`): a planned 党课's topic and speaker."""

    meeting_id: int
    topic: str
    speaker: MemberMention | None = None


@dataclass(frozen=True, slots=True)
class MeetingNotHeld:
    """`/meeting notheld N <reason>` (`/会议 未召开`): the meeting did not take place."""

    meeting_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class AttendanceLine:
    """One member's mark in an `/attendance` line: `@刘洋 出席`, `@李华 请假 病假 发烧`, `@王芳 缺席`."""

    member: MemberMention
    mark: AttendanceMark
    leave_type: LeaveType | None = None  # with leave only
    reason: str = ""  # required with leave; a note otherwise


@dataclass(frozen=True, slots=True)
class RecordAttendance:
    """`/attendance N @member 出席|请假 <理由>|缺席 …`: attendance recorded by someone responsible."""

    meeting_id: int
    lines: tuple[AttendanceLine, ...]


@dataclass(frozen=True, slots=True)
class AddAgenda:
    meeting_id: int
    topic: str
    material: bool = False  # `/agenda N material …`: a material the notice lists, not a topic


@dataclass(frozen=True, slots=True)
class ShowAgenda:
    meeting_id: int


@dataclass(frozen=True, slots=True)
class Rsvp:
    meeting_id: int
    answer: RsvpAnswer  # yes | leave | no
    leave_type: LeaveType | None = None  # only with leave; OTHER when not named
    reason: str = ""  # required with leave


@dataclass(frozen=True, slots=True)
class WithdrawRsvp:
    """`/rsvp N withdraw`: take one's answer back (未回复 again); also a removed Matrix reaction."""

    meeting_id: int
    # Withdraw only while the answer is still this one: a reaction taken away takes back what it
    # gave, not an answer typed since. None: whatever it is.
    answer: RsvpAnswer | None = None


@dataclass(frozen=True, slots=True)
class DecideLeave:
    """`/leave approve N @member` / `/leave refuse N @member <理由>` (`/请假 批准|不批准 …`): an approver
    decides on a member's pending leave request."""

    meeting_id: int
    member: MemberMention
    approved: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SignIn:
    """`/signin N [code]`: a meeting in a room needs the six digits of its 签到大屏 (issue 18)."""

    meeting_id: int
    code: str | None = None


@dataclass(frozen=True, slots=True)
class SignInScreen:
    """`/signin screen N` (`/签到 大屏 N`): the link to the meeting's 签到大屏."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class CloseMeeting:
    """The secretary closes a meeting: its 决议清单 is drafted from the meeting's decisions."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class PublishDecisions:
    """The secretary publishes (公示) a closed meeting's 决议清单 in the chat."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class SubmitOutline:
    meeting_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Suggest:
    text: str


@dataclass(frozen=True, slots=True)
class Adopt:
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class VoteCount:
    """A congress decision's 表决 as written: 同意 / 反对 / 弃权."""

    approve: int
    against: int
    abstain: int


@dataclass(frozen=True, slots=True)
class RecordDecision:
    title: str
    owner: MemberMention
    due_on: date
    lead: MemberMention | None = None
    group: str | None = None  # group key or name, as written
    vote: VoteCount | None = None  # `表决:同意12 反对0 弃权1` / `vote:12/0/1`


@dataclass(frozen=True, slots=True)
class ListTasks:
    # open: unfinished tasks of the chat; all: finished ones too; mine | overdue | group: unfinished
    scope: str = "open"
    page: int = 1  # the list is paged (`/tasks 2`) so that a reply is always one message
    branch: str | None = None  # `/tasks t2 …`: another branch's (the 党委 reads every branch)


@dataclass(frozen=True, slots=True)
class ClaimTask:
    task_id: int
    group: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteTask:
    task_id: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class RateTask:
    task_id: int
    rating: Rating


@dataclass(frozen=True, slots=True)
class ShowPoints:
    year: int | None = None  # with month: that month; None: the current month
    month: int | None = None
    branch: str | None = None  # `/points t2 …`: the branch's 积分公示栏 (the 党委 reads every branch)


@dataclass(frozen=True, slots=True)
class ReversePoints:
    """`/points reverse E <reason>`: a reversing entry for ledger entry E."""

    entry_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class AdjustPoints:
    """`/points adjust @member ±N <reason>`: an adjusting entry of N points."""

    member: MemberMention
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class Join:
    name: str


@dataclass(frozen=True, slots=True)
class ApproveJoin:
    request_id: int
    member_key: str | None = None
    group: str | None = None
    probationary: bool = False


@dataclass(frozen=True, slots=True)
class ListJoins:
    page: int = 1  # paged (`/joins 2`) so that a reply is always one message


@dataclass(frozen=True, slots=True)
class ShowReport:
    """/report [month|quarter|year] [period]: the branch's record; the current period when none is named."""

    period: PeriodKind = PeriodKind.MONTH
    year: int | None = None
    number: int | None = None  # month 1-12 or quarter 1-4; None for a year
    school: bool = False  # /report school …: every branch, in the 党委 chat
    branch: str | None = None  # `/report t2 …`: another branch's (the 党委 reads every branch)


@dataclass(frozen=True, slots=True)
class ShowMinutes:
    """/minutes N: a meeting's 会议纪要 as a Markdown file."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class ExportLedger:
    """/export [xlsx|csv|ics] [year]: the 台账 as files (the current year when none is named)."""

    format: str = "xlsx"  # xlsx | csv | ics
    year: int | None = None
    branch: str | None = None  # `/export t2 …`: another branch's (the 党委 reads every branch)


@dataclass(frozen=True, slots=True)
class OpenWebView:
    """/web: the 台账 page; a one-time link in a private chat, a room widget in a Matrix room."""


Command = (
    Help
    | ListMeetings
    | NewMeeting
    | CancelMeeting
    | SetLesson
    | MeetingNotHeld
    | RecordAttendance
    | ReversePoints
    | AdjustPoints
    | AddAgenda
    | ShowAgenda
    | Rsvp
    | WithdrawRsvp
    | DecideLeave
    | SignIn
    | SignInScreen
    | CloseMeeting
    | MoveMeeting
    | PublishDecisions
    | SubmitOutline
    | Suggest
    | Adopt
    | RecordDecision
    | ListTasks
    | ClaimTask
    | CompleteTask
    | RateTask
    | ShowPoints
    | Join
    | ApproveJoin
    | ListJoins
    | ShowReport
    | ShowMinutes
    | ExportLedger
    | OpenWebView
)


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a line is not a valid command, as a message code for `render/`.

    `command` names the command the user was trying (for its usage example), or None when the
    command word itself is unknown.
    """

    code: str
    command: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NotACommand:
    """Ordinary chat text: the bot stays quiet."""
