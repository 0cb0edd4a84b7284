"""The branch's vocabulary: members, meetings, RSVPs, suggestions, decisions and tasks.

Everything here is plain data plus the rules that belong to one object (a task's transitions, a
meeting's session window). No I/O and no clock: the current time always comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sanhui_bot.domain.errors import DomainError

if TYPE_CHECKING:
    from sanhui_bot.domain.attendance import Mark


class MeetingKind(StrEnum):
    CONGRESS = "congress"  # 支部党员大会
    COMMITTEE = "committee"  # 支部委员会
    GROUP = "group"  # 党小组会
    LESSON = "lesson"  # 党课


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    PUBLISHED = "published"
    NOT_HELD = "not_held"  # 未召开: its time came and it did not take place (a gap, no penalties)


class MeetingSource(StrEnum):
    PLAN = "plan"  # generated from the slot rules
    ADHOC = "adhoc"  # added by a secretary or group leader


class SignInMethod(StrEnum):
    """How a sign-in was made (issue 18: the record says how each attendance was recorded)."""

    CODE = "code"  # with the rotating code of the meeting's 签到大屏: the member was in the room
    BUTTON = "button"  # the 签到 button or a bare `/signin N` (online meetings; every sign-in before 0011)
    HAND = "hand"  # marked present by someone responsible (`recorded_by`)


class RsvpAnswer(StrEnum):
    YES = "yes"
    LEAVE = "leave"
    NO = "no"
    UNKNOWN = "unknown"


class LeaveType(StrEnum):
    PERSONAL = "personal"  # 事假
    SICK = "sick"  # 病假
    OFFICIAL = "official"  # 公假
    OTHER = "other"  # 其他


class LeaveApproval(StrEnum):
    """Whether a kind of meeting grants 请假 as asked or waits for an approver ([schedule] leave_approval)."""

    AUTO = "auto"  # granted when asked (the request is the record)
    SECRETARY = "secretary"  # pending until the 书记/副书记 (a group's meeting: its 党小组长) decides


class LeaveState(StrEnum):
    """Where a leave request stands: only AUTO and APPROVED excuse an absence (DESIGN §2)."""

    AUTO = "auto"
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    RATED = "rated"


# A task counts as finished (done, or done and rated) from its done_at on.
FINISHED = frozenset({TaskStatus.DONE, TaskStatus.RATED})


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


class Role(StrEnum):
    SECRETARY = "secretary"  # 书记
    DEPUTY = "deputy"  # 副书记
    COMMITTEE = "committee"  # 支委 (组织/宣传委员…)
    DISCIPLINE = "discipline"  # 纪检委员, a committee member too
    GROUP_LEADER = "group_leader"  # 党小组长


class MemberStatus(StrEnum):
    FULL = "full"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员


class GroupKind(StrEnum):
    SUBJECT = "subject"  # 学科组
    GRADE = "grade"  # 年级组
    SERVICE = "service"  # 行政服务


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


LEADERSHIP_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY})
COMMITTEE_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY, Role.COMMITTEE, Role.DISCIPLINE})


def committee_unit(branch_key: str) -> str:
    """The unit key of a branch's committee (支委会)."""
    return f"{branch_key}:committee"


@dataclass(frozen=True, slots=True)
class Member:
    """A Party member on the branch roster."""

    key: str
    name: str
    branch: str
    roles: frozenset[Role] = frozenset()
    status: MemberStatus = MemberStatus.FULL
    group: str | None = None
    telegram: int | None = None
    matrix: str | None = None
    active: bool = True
    on_long_leave: bool = False  # approved long leave: not counted in 应到
    under_probation_watch: bool = False  # 留党察看: no vote
    source: str = "config"  # config | join

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    @property
    def is_leader(self) -> bool:
        """Secretary or deputy: may do everything in the branch."""
        return self.has_any(LEADERSHIP_ROLES)

    @property
    def is_committee(self) -> bool:
        return self.has_any(COMMITTEE_ROLES)

    @property
    def votes(self) -> bool:
        # 条例: probationary members have no vote; nor do members under 留党察看.
        return self.active and self.status is MemberStatus.FULL and not self.under_probation_watch

    def belongs_to(self, unit: str) -> bool:
        """Whether the member is in the branch, committee or group with this unit key."""
        if unit == self.branch or unit == self.group:
            return True
        return self.is_committee and unit == committee_unit(self.branch)

    def units(self) -> frozenset[str]:
        """The units this member belongs to: the branch, the committee if a 支委, the own group."""
        units = {self.branch}
        if self.is_committee:
            units.add(committee_unit(self.branch))
        if self.group:
            units.add(self.group)
        return frozenset(units)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting of a unit: planned from a slot or added ad hoc."""

    id: int | None
    branch: str
    unit: str
    kind: MeetingKind
    starts_at: datetime  # aware, UTC
    duration: timedelta
    title: str = ""
    place: str = ""
    status: MeetingStatus = MeetingStatus.PLANNED
    source: MeetingSource = MeetingSource.PLAN
    slot_on: date | None = None  # the rule's slot date; unique per unit and kind with source=plan
    flag: str | None = None  # why a planned slot needs attention (e.g. "holiday")
    fixed_topic: str = ""  # the "1" of a committee's "1+X"
    speaker: str | None = None  # a 党课's 主讲 (member key); its topic is the title
    signin: SignInMethod | None = None  # its own way of signing in (online: button); None: the kind's
    created_by: str | None = None
    cancelled_reason: str = ""  # why it was cancelled, or why it did not take place (未召开)
    closed_at: datetime | None = None
    published_at: datetime | None = None
    not_held_by: str | None = None  # who marked it 未召开, and when
    not_held_at: datetime | None = None

    @property
    def called_off(self) -> bool:
        """Cancelled beforehand or marked 未召开 afterwards: either way it did not take place."""
        return self.status in (MeetingStatus.CANCELLED, MeetingStatus.NOT_HELD)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    def signin_opens_at(self, lead: timedelta) -> datetime:
        return self.starts_at - lead

    def in_session(self, now: datetime, signin_lead: timedelta) -> bool:
        """Whether sign-in and 献策 are open: from shortly before the start to the end."""
        if self.called_off:
            return False
        return self.signin_opens_at(signin_lead) <= now <= self.ends_at

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def cancel(self, reason: str) -> Meeting:
        if self.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_already_cancelled", meeting=self.id)
        if self.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held", meeting=self.id)
        if self.status in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
            raise DomainError("meeting_already_closed", meeting=self.id)
        return replace(self, status=MeetingStatus.CANCELLED, cancelled_reason=reason)

    def move(self, starts_at: datetime, now: datetime) -> Meeting:
        """Hold the meeting at another time (改期): only before it starts, and only into the future."""
        if self.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=self.id)
        if self.status is not MeetingStatus.PLANNED or self.has_started(now):
            raise DomainError("meeting_started_cannot_move", meeting=self.id)
        if starts_at <= now:
            raise DomainError("meeting_in_past", when=starts_at)
        return replace(self, starts_at=starts_at)

    def mark_not_held(self, by: str, reason: str, now: datetime) -> Meeting:
        """The meeting's time came and it did not take place (未召开); only after its start."""
        if self.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=self.id)
        if self.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held_again", meeting=self.id)
        if self.status in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
            raise DomainError("meeting_already_closed", meeting=self.id)
        if not self.has_started(now):
            raise DomainError("meeting_not_started", meeting=self.id)
        return replace(
            self, status=MeetingStatus.NOT_HELD, cancelled_reason=reason, not_held_by=by, not_held_at=now
        )

    def close(self, now: datetime) -> Meeting:
        """The meeting is over and its 决议清单 is drafted; only a meeting that has started closes."""
        if self.status is MeetingStatus.CANCELLED:
            raise DomainError("meeting_cancelled", meeting=self.id)
        if self.status is MeetingStatus.NOT_HELD:
            raise DomainError("meeting_not_held", meeting=self.id)
        if self.status in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
            raise DomainError("meeting_close_again", meeting=self.id)
        if not self.has_started(now):
            raise DomainError("meeting_not_started", meeting=self.id)
        return replace(self, status=MeetingStatus.CLOSED, closed_at=now)

    def publish(self, now: datetime) -> Meeting:
        """The 决议清单 is published (公示); only a closed meeting's, and only once."""
        if self.status is MeetingStatus.PUBLISHED:
            raise DomainError("meeting_published_again", meeting=self.id)
        if self.status is not MeetingStatus.CLOSED:
            raise DomainError("meeting_not_closed", meeting=self.id)
        return replace(self, status=MeetingStatus.PUBLISHED, published_at=now)


@dataclass(frozen=True, slots=True)
class LeaveDecision:
    """An approver's decision on one leave request: a dated fact, never edited (issue 18)."""

    meeting_id: int
    member: str
    requested_at: datetime  # the request decided: a new request waits for a new decision
    approved: bool  # 批准 or 不批准
    decided_by: str
    decided_at: datetime
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Rsvp:
    meeting_id: int
    member: str
    answer: RsvpAnswer
    answered_at: datetime
    leave_type: LeaveType | None = None
    reason: str = ""
    needs_approval: bool = False  # a leave request on a meeting kind whose leave waits for an approver
    decision: LeaveDecision | None = None  # the approver's decision on this request, if any

    @property
    def leave_state(self) -> LeaveState | None:
        """Where this leave request stands; None for an answer that is not 请假."""
        if self.answer is not RsvpAnswer.LEAVE:
            return None
        if not self.needs_approval:
            return LeaveState.AUTO
        if self.decision is None:
            return LeaveState.PENDING
        return LeaveState.APPROVED if self.decision.approved else LeaveState.REFUSED

    @property
    def excused(self) -> bool:
        """DESIGN §2: only leave granted (as asked, or approved) is 请假; pending or refused is not."""
        return self.leave_state in (LeaveState.AUTO, LeaveState.APPROVED)


@dataclass(frozen=True, slots=True)
class SignIn:
    meeting_id: int
    member: str
    signed_at: datetime
    recorded_by: str | None = None  # None: the member signed in; else who marked them present
    method: SignInMethod = SignInMethod.BUTTON


@dataclass(frozen=True, slots=True)
class Outline:
    """A member's 发言提纲 for a meeting."""

    meeting_id: int
    member: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """A dynamic topic of a meeting's agenda, or (material=True) a material members read beforehand."""

    meeting_id: int
    topic: str
    added_by: str
    added_at: datetime
    id: int | None = None
    material: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A 献策 suggestion, optionally made during a meeting."""

    id: int | None
    branch: str
    member: str
    text: str
    submitted_at: datetime
    meeting_id: int | None = None
    adopted_at: datetime | None = None
    adopted_by: str | None = None

    @property
    def adopted(self) -> bool:
        return self.adopted_at is not None


@dataclass(frozen=True, slots=True)
class Vote:
    """A congress decision's 表决 (条例第十一条): the counts, and the voting members as of the meeting."""

    approve: int  # 同意
    against: int  # 反对
    abstain: int  # 弃权
    voting_members: int = 0  # all voting members of the branch on the meeting's day

    @property
    def cast(self) -> int:
        return self.approve + self.against + self.abstain


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision recorded with /decision; it opens one task, unless its vote did not pass (未通过)."""

    id: int | None
    branch: str
    unit: str
    title: str
    recorded_by: str
    recorded_at: datetime
    meeting_id: int | None = None
    vote: Vote | None = None


def finished_on_time(due_on: date, done_on: date | None) -> bool:
    """Done, and on or before its due day (the on-time points; see `overdue_on`)."""
    return done_on is not None and not overdue_on(due_on, done_on)


def overdue_on(due_on: date, day: date) -> bool:
    """DESIGN §2: a task is overdue from the first day after its due date (local dates).

    The due day itself is still on time: a task finished on it earns the on-time points, and no
    board, chart or report taken that day lists it as overdue.
    """
    return day > due_on


# The closed loop 支委会决议 → 党小组落实 → 党员示范 → 群众评价, as allowed transitions.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.CLAIMED}),
    TaskStatus.CLAIMED: frozenset({TaskStatus.DONE}),
    TaskStatus.DONE: frozenset({TaskStatus.RATED}),
    TaskStatus.RATED: frozenset({TaskStatus.RATED}),  # further ratings by other people
}


@dataclass(frozen=True, slots=True)
class Task:
    """The task a decision opens, followed through claimed → done → rated."""

    id: int | None
    decision_id: int | None
    branch: str
    unit: str
    title: str
    owner: str
    due_on: date
    created_at: datetime
    lead: str | None = None
    group: str | None = None  # the group named in the decision, if any
    status: TaskStatus = TaskStatus.OPEN
    claimed_by_group: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    done_at: datetime | None = None
    done_on: date | None = None  # the local date of done_at, for the on-time rule
    done_note: str = ""

    def _check(self, target: TaskStatus) -> None:
        if target not in TASK_TRANSITIONS[self.status]:
            raise DomainError("task_transition", task=self.id, current=self.status, target=target)

    def claim(self, group: str, by: str, now: datetime) -> Task:
        """A 党小组 takes the task on (认领)."""
        self._check(TaskStatus.CLAIMED)
        if self.group is not None and group != self.group:
            raise DomainError("task_other_group", task=self.id, group=self.group)
        return replace(self, status=TaskStatus.CLAIMED, claimed_by_group=group, claimed_by=by, claimed_at=now)

    @property
    def completable(self) -> bool:
        """Whether its owner may report it done now: once claimed, or at once when no 党小组 is named
        to claim it (issue 14: a task without a claiming group is the owner's own to finish)."""
        return self.status is TaskStatus.CLAIMED or (self.status is TaskStatus.OPEN and self.group is None)

    def complete(self, note: str, now: datetime, today: date) -> Task:
        """The owner reports the task done; `today` is now's local date."""
        if self.status is TaskStatus.OPEN and self.group is not None:
            raise DomainError("task_needs_claim", task=self.id, group=self.group)
        if not self.completable:
            self._check(TaskStatus.DONE)
        return replace(self, status=TaskStatus.DONE, done_at=now, done_on=today, done_note=note)

    def rated(self) -> Task:
        self._check(TaskStatus.RATED)
        return replace(self, status=TaskStatus.RATED)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def on_time(self) -> bool:
        return finished_on_time(self.due_on, self.done_on)

    def is_overdue(self, today: date) -> bool:
        return not self.finished and overdue_on(self.due_on, today)

    def weeks_overdue(self, today: date) -> int:
        """Whole weeks past the due date (0 while not overdue)."""
        if not self.is_overdue(today):
            return 0
        return (today - self.due_on).days // 7


@dataclass(frozen=True, slots=True)
class TaskRating:
    task_id: int
    rater: str  # a member key, or "platform:id" for someone off the roster (群众)
    rating: Rating
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Someone off the roster asking to be added to it (/join); a secretary approves."""

    id: int | None
    branch: str
    platform: str
    platform_user: str
    name: str
    chat: str
    requested_at: datetime
    status: JoinStatus = JoinStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    member_key: str | None = None


@dataclass(frozen=True, slots=True)
class SchoolMember:
    """A member of the school's Party committee (党委) who belongs to no branch ([[school.members]])."""

    key: str
    name: str
    telegram: int | None = None
    matrix: str | None = None

    def platform_id(self, platform: str) -> str | None:
        """The member's id on `platform` as adapters write it (the console writes member keys)."""
        value = {"telegram": self.telegram, "matrix": self.matrix, "console": self.key}.get(platform)
        return str(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something: a roster member, a 党委 member of no branch, or someone off the roster."""

    platform: str
    platform_user: str
    display_name: str = ""
    member: Member | None = None
    school_member: SchoolMember | None = None  # set only when `member` is None
    # A member of another branch than the chat's (`permissions.acting_in`): no member here.
    elsewhere: Member | None = None

    @property
    def on_roster(self) -> bool:
        return self.member is not None and self.member.active

    @property
    def identity(self) -> str:
        """A stable id for once-per-person rules: the member key, else platform:user."""
        if self.member is not None:
            return self.member.key
        if self.school_member is not None:
            return self.school_member.key
        if self.elsewhere is not None:
            return self.elsewhere.key
        return f"{self.platform}:{self.platform_user}"


@dataclass(frozen=True, slots=True)
class ChatContext:
    """Which chat a command came from and which unit that chat belongs to."""

    chat: str  # chat key from the config
    branch: str
    unit: str  # branch key, committee unit or group key
    kind: str  # "branch" | "committee" | "group"


@dataclass(slots=True)
class Attendance:
    """应到/实到/请假/缺席 of one meeting, computed from the roster, RSVPs and sign-ins."""

    expected: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    on_leave: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    # member key -> who recorded the member's mark (/attendance); absent: signed in or asked for leave
    recorded_by: dict[str, str] = field(default_factory=dict)
    # member key -> the fact the mark comes from (how recorded, by whom, leave approved by whom and when);
    # absent: nothing was recorded for the member (缺席 by default)
    marks: dict[str, Mark] = field(default_factory=dict)
