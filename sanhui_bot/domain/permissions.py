"""Who may do what (DESIGN.md §1). Services call `require`; handlers never decide permissions."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from sanhui_bot.domain.errors import PermissionDenied
from sanhui_bot.domain.model import (
    COMMITTEE_ROLES,
    LEADERSHIP_ROLES,
    Actor,
    ChatContext,
    Meeting,
    MeetingKind,
    Member,
    Role,
)
from sanhui_bot.domain.organisation import Organisation


class Action(StrEnum):
    PLAN_MEETING = "plan_meeting"  # add ad-hoc, cancel
    PLAN_GROUP_MEETING = "plan_group_meeting"  # a group leader for the own group
    ADD_AGENDA = "add_agenda"
    RSVP = "rsvp"
    SIGN_IN = "sign_in"
    SUBMIT_OUTLINE = "submit_outline"
    SUGGEST = "suggest"
    ADOPT = "adopt"
    DECIDE = "decide"
    CLAIM = "claim"
    COMPLETE = "complete"
    RATE = "rate"
    VIEW = "view"  # meetings, tasks, points
    APPROVE_MEMBER = "approve_member"
    REVERSE_POINTS = "reverse_points"
    PUBLISH = "publish"  # close a meeting, publish its 决议清单
    VIEW_REPORT = "view_report"  # /report: the branch's compliance, attendance and tasks
    MINUTES = "minutes"  # /minutes N: a meeting's 会议纪要
    EXPORT = "export"  # /export: the whole 台账 workbook
    RECORD_ATTENDANCE = "record_attendance"  # /attendance, /meeting notheld: see domain.attendance
    APPROVE_LEAVE = "approve_leave"  # /leave approve|refuse: see may_approve_leave
    SIGNIN_SCREEN = "signin_screen"  # /signin screen N: the 签到大屏 (who records the attendance)


MEMBER_ACTIONS = frozenset(
    {Action.RSVP, Action.SIGN_IN, Action.SUBMIT_OUTLINE, Action.SUGGEST, Action.COMPLETE, Action.VIEW}
)

# The roles that may do an action beyond what every roster member may do.
ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.PLAN_MEETING: LEADERSHIP_ROLES,
    Action.PLAN_GROUP_MEETING: LEADERSHIP_ROLES | {Role.GROUP_LEADER},
    # committee members for any meeting; a group leader for the own group's (may_add_agenda)
    Action.ADD_AGENDA: COMMITTEE_ROLES | {Role.GROUP_LEADER},
    Action.ADOPT: LEADERSHIP_ROLES,
    Action.DECIDE: COMMITTEE_ROLES,  # committee members only in the committee chat: see services
    Action.CLAIM: LEADERSHIP_ROLES | {Role.GROUP_LEADER},
    Action.APPROVE_MEMBER: LEADERSHIP_ROLES,
    Action.REVERSE_POINTS: LEADERSHIP_ROLES,
    Action.PUBLISH: LEADERSHIP_ROLES,
    # DESIGN §1: the committee keeps the branch's records; the whole 台账 goes to the secretaries.
    Action.VIEW_REPORT: COMMITTEE_ROLES,
    Action.MINUTES: COMMITTEE_ROLES | {Role.GROUP_LEADER},  # a group leader: own group only (services)
    Action.EXPORT: LEADERSHIP_ROLES,
    # DESIGN §1: secretary, deputy, 纪检委员; a group leader for the own group's meeting (domain.attendance)
    Action.RECORD_ATTENDANCE: LEADERSHIP_ROLES | {Role.DISCIPLINE, Role.GROUP_LEADER},
    # issue 18: the secretary or deputy approves leave; a group leader for the own group's meeting
    Action.APPROVE_LEAVE: LEADERSHIP_ROLES | {Role.GROUP_LEADER},
    # issue 18: the screen is opened by those who record the attendance (the same scope, services)
    Action.SIGNIN_SCREEN: LEADERSHIP_ROLES | {Role.DISCIPLINE, Role.GROUP_LEADER},
}


def allowed(member: Member | None, action: Action) -> bool:
    """Whether a roster member (None: someone off the roster) may do `action` at all."""
    if action is Action.RATE:
        return True  # 群众评价: anyone in the chat rates completed tasks
    if member is None or not member.active:
        return False
    if action in MEMBER_ACTIONS:
        return True
    return member.has_any(ROLE_ACTIONS.get(action, frozenset()))


def require(actor: Actor, action: Action) -> Member:
    """The actor's member record, or PermissionDenied saying who may do it."""
    member = actor.member if actor.on_roster else None
    if member is None and actor.elsewhere is not None:
        raise PermissionDenied("member_of_another_branch", action=action, branch=actor.elsewhere.branch)
    if member is None and actor.school_member is not None:
        # A 党委 member of no branch reads every branch (require_school_reader) and acts in none.
        raise PermissionDenied("school_member_acts_in_no_branch", action=action)
    if member is None:
        raise PermissionDenied("not_on_roster", action=action)
    if not allowed(member, action):
        allowed_roles = ROLE_ACTIONS.get(action, frozenset())
        roles = [role.value for role in Role if role in allowed_roles]  # in rank order, secretary first
        raise PermissionDenied("role_required", action=action, roles=roles)
    return member


def acting_in(actor: Actor, ctx: ChatContext | None) -> Actor:
    """The actor as a branch's chat sees them: a member of another branch (a 党委 member too) is on no
    roster here, so acts in no branch but the own (issue 17)."""
    if ctx is None or actor.member is None or actor.member.branch == ctx.branch:
        return actor
    return replace(actor, member=None, elsewhere=actor.member)


# --- scopes: where a permitted action may be taken ---------------------------------------------


def in_own_group(member: Member, group: str | None) -> bool:
    """Whether `group` is the member's own 党小组 (DESIGN §1: group leaders act for their own group)."""
    return group is not None and group == member.group


def require_own_group(member: Member, group: str | None) -> None:
    """Own-group scope: the secretary and deputy act for every group, anyone else for the own only."""
    if not member.is_leader and not in_own_group(member, group):
        raise PermissionDenied("not_your_group", group=group)


def manages_meeting(member: Member, meeting: Meeting) -> bool:
    """Whether the member may move or cancel the meeting: a secretary any, a group leader the own group's."""
    return member.is_leader or (meeting.kind is MeetingKind.GROUP and in_own_group(member, meeting.unit))


def may_add_agenda(member: Member, meeting: Meeting) -> bool:
    """/agenda N add: 支委 add topics to any meeting; a 党小组长 to the own group's meeting only
    (school plan 二(三): the group's meeting is the group's own; issue 14)."""
    return member.is_committee or (meeting.kind is MeetingKind.GROUP and in_own_group(member, meeting.unit))


def require_decision_chat(member: Member, chat_kind: str) -> None:
    """Committee-chat scope (DESIGN §2): the secretary records decisions anywhere, a committee member
    only in the committee chat."""
    if not member.is_leader and chat_kind != "committee":
        raise PermissionDenied("decide_in_committee_chat")


def may_read_minutes(member: Member, meeting: Meeting) -> bool:
    """/minutes (chat and web): committee members read any meeting's, a group leader the own group's."""
    return allowed(member, Action.MINUTES) and (member.is_committee or in_own_group(member, meeting.unit))


def require_minutes_scope(member: Member, meeting: Meeting) -> None:
    """/minutes: committee members read any meeting's, a group leader the own group's."""
    if not member.is_committee and not in_own_group(member, meeting.unit):
        raise PermissionDenied("not_your_group", group=meeting.unit)


def school_key(actor: Actor, org: Organisation, seated: frozenset[str] | None = None) -> str | None:
    """The actor's key on the 党委, or None for someone who does not sit on it.

    `seated`: who sat on the 党委 on the day the actor acts (domain/school_roster.py), which the
    services check; without it, who the config lists now (enough to route a command).
    """
    if org.school is None:
        return None
    key = (
        actor.member.key
        if actor.on_roster and actor.member is not None
        else actor.school_member.key
        if actor.school_member is not None
        else None
    )
    return key if key in (org.school.committee if seated is None else seated) else None


def may_read_school(actor: Actor, org: Organisation, seated: frozenset[str] | None = None) -> bool:
    """党委 members read every branch's record (in the 党委 chat or privately) while they sit on it; a
    school role gives no act in a branch: there the member acts only as what they are on its roster."""
    return school_key(actor, org, seated) is not None


# What the 党委 does in a branch it does not belong to: read, never act (issue 17).
SCHOOL_READS = frozenset({Action.VIEW, Action.VIEW_REPORT, Action.EXPORT})


def require_school_reader(
    actor: Actor, action: Action, org: Organisation, seated: frozenset[str] | None = None
) -> str:
    """The 党委 member's key when `action` is a read the 党委 may make of any branch (and the actor
    sits on the 党委 that day: `seated`, as in `school_key`), else PermissionDenied."""
    if action not in SCHOOL_READS:
        raise PermissionDenied("school_member_acts_in_no_branch", action=action)
    key = school_key(actor, org, seated)
    if key is None:
        raise PermissionDenied("school_role_required_read", action=action)
    return key


def sits_on_school(actor: Actor, org: Organisation, seated: frozenset[str] | None = None) -> bool:
    """Whether the person sits on the 党委 (`seated`: that day, as in `school_key`), also when seen from
    another branch's chat (`acting_in`)."""
    if actor.elsewhere is not None:
        actor = replace(actor, member=actor.elsewhere, elsewhere=None)
    return may_read_school(actor, org, seated)


def reads_only(actor: Actor, branch: str, org: Organisation, seated: frozenset[str] | None = None) -> bool:
    """A 党委 member who is not on `branch`'s roster: reads the branch, acts in it in no way (issue 17)."""
    member = actor.member if actor.on_roster else None
    return (member is None or member.branch != branch) and sits_on_school(actor, org, seated)


def require_branch_reader(
    actor: Actor, branch: str, action: Action, org: Organisation, seated: frozenset[str] | None = None
) -> Member | None:
    """Who reads `branch`'s record (the web pages): its own member as the roster allows (the Member), or
    a 党委 member, while seated, reading any branch (None: no member there, so nothing of their own and
    no act). A member of another branch who does not sit on the 党委 reads only the own branch's record.
    """
    member = actor.member if actor.on_roster else None
    own = member if member is not None and member.branch == branch else None
    if action in SCHOOL_READS and may_read_school(actor, org, seated):
        return own
    if action in SCHOOL_READS and own is None and actor.school_member is not None:
        raise PermissionDenied("school_role_required_read", action=action)  # not (or no more) seated
    require_branch_visitor(actor, branch, org, seated)
    return require(actor, action)


def require_branch_visitor(
    actor: Actor, branch: str, org: Organisation, seated: frozenset[str] | None = None
) -> None:
    """A member of another branch who does not sit on the 党委 sees only the own branch's pages."""
    member = actor.member if actor.on_roster else None
    if member is not None and member.branch != branch and not may_read_school(actor, org, seated):
        raise PermissionDenied("read_own_branch_only", action=Action.VIEW, branch=member.branch)


def require_rater(actor: Actor, branch: str, org: Organisation, seated: frozenset[str] | None = None) -> None:
    """群众评价 is for the people in a branch's chats; a 党委 member off the branch's roster reads the branch
    and acts in it in no way, rating included (issue 17)."""
    if reads_only(actor, branch, org, seated):
        raise PermissionDenied("school_member_acts_in_no_branch", action=Action.RATE)


def may_approve_leave(member: Member, meeting: Meeting) -> bool:
    """Who approves leave from a meeting (issue 18): the 书记 or 副书记 any meeting of their branch, a
    党小组长 the own group's meeting. Chat buttons, commands and the web view all ask this."""
    if member.branch != meeting.branch or not member.active:
        return False
    return member.is_leader or (
        Role.GROUP_LEADER in member.roles
        and meeting.kind is MeetingKind.GROUP
        and meeting.unit == member.group
    )


def leave_approvers(meeting: Meeting, roster: list[Member]) -> list[Member]:
    """The members who may approve leave from the meeting, secretary first."""
    order = [Role.SECRETARY, Role.DEPUTY, Role.GROUP_LEADER]

    def rank(member: Member) -> tuple[int, str]:
        return (
            min((order.index(role) for role in member.roles if role in order), default=len(order)),
            member.key,
        )

    return sorted((m for m in roster if may_approve_leave(m, meeting)), key=rank)
