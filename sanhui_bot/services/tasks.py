"""Decisions and their tasks: 支委会决议 → 党小组落实 → 党员示范 → 群众评价."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sanhui_bot.commands.model import ClaimTask, CompleteTask, ListTasks, RateTask, RecordDecision
from sanhui_bot.domain.counting import holds_decisions, rating_bonus_source, rating_result
from sanhui_bot.domain.errors import DomainError, NotFound, PermissionDenied
from sanhui_bot.domain.model import (
    FINISHED,
    Actor,
    ChatContext,
    Decision,
    Meeting,
    Member,
    Rating,
    Task,
    TaskRating,
    TaskStatus,
)
from sanhui_bot.domain.permissions import (
    Action,
    require,
    require_decision_chat,
    require_own_group,
    require_rater,
)
from sanhui_bot.domain.points import PointEntry, PointReason
from sanhui_bot.domain.quorum import count_vote, vote_passes
from sanhui_bot.services.deps import Deps, require_chat, task_in_branch
from sanhui_bot.services.meetings import meeting_in_session, recent_meeting
from sanhui_bot.services.paging import page_slice
from sanhui_bot.services.points import award
from sanhui_bot.services.roster import resolve_mention, role_holders

RECENT_MEETING = timedelta(days=7)
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class DecisionResult:
    decision: Decision
    task: Task | None  # None: the congress voted it down (未通过), so no task opens
    meeting: Meeting | None  # the 议事台账's 3-5 check is made once, at /close (services/closing.py)


@dataclass(frozen=True, slots=True)
class TaskView:
    task: Task
    ratings: Counter[Rating]
    overdue: bool


@dataclass(frozen=True, slots=True)
class CompletionResult:
    task: Task
    points: PointEntry | None


@dataclass(frozen=True, slots=True)
class RatingResult:
    task: Task
    rating: TaskRating
    ratings: Counter[Rating]
    result: Rating | None = None  # the majority (ties: 基本满意)
    replaced: Rating | None = None  # this rater's earlier rating, now replaced


async def record_decision(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: RecordDecision, now: datetime
) -> DecisionResult:
    """Record a decision and open its task; it belongs to the unit's current or recent meeting, if any."""
    chat = require_chat(ctx)
    member = require(actor, Action.DECIDE)
    require_decision_chat(member, chat.kind)
    title = cmd.title.strip()
    if not title:
        raise DomainError("empty_text")
    if len(title) > MAX_TITLE:
        raise DomainError("text_too_long", limit=MAX_TITLE)
    if cmd.due_on < deps.local_date(now):
        raise DomainError("due_in_past", due=cmd.due_on)
    async with deps.uow() as uow:
        owner = await resolve_mention(uow, deps, chat.branch, cmd.owner)
        lead: Member | None = None
        if cmd.lead is not None:
            lead = await resolve_mention(uow, deps, chat.branch, cmd.lead)
            if not lead.is_committee:
                raise DomainError("lead_not_committee", name=lead.name)
        group = None
        if cmd.group is not None:
            found = deps.org.find_group(chat.branch, cmd.group)
            if found is None:
                raise NotFound("unknown_group", group=cmd.group)
            group = found.key
        meeting = await meeting_in_session(uow, deps, chat.unit, now)
        if meeting is None or not holds_decisions(meeting.kind):
            meeting = await recent_meeting(uow, chat.unit, now, RECENT_MEETING)
        if meeting is not None and not holds_decisions(meeting.kind):
            meeting = None  # a 党课 holds no decisions: one taken then stands alone
        vote = None
        if cmd.vote is not None:
            roster = await deps.roster_of(uow, meeting) if meeting is not None else ()
            vote = count_vote(meeting, roster, cmd.vote.approve, cmd.vote.against, cmd.vote.abstain)
        decision = await uow.tasks.add_decision(
            Decision(
                id=None,
                branch=chat.branch,
                unit=chat.unit,
                title=title,
                recorded_by=member.key,
                recorded_at=now,
                meeting_id=meeting.id if meeting else None,
                vote=vote,
            )
        )
        if vote is not None and not vote_passes(vote):
            await uow.commit()
            return DecisionResult(decision, None, meeting)  # 未通过: recorded, no task
        task = await uow.tasks.add(
            Task(
                id=None,
                decision_id=decision.id,
                branch=chat.branch,
                unit=chat.unit,
                title=title,
                owner=owner.key,
                lead=lead.key if lead else None,
                group=group,
                due_on=cmd.due_on,
                created_at=now,
            )
        )
        await uow.commit()
    return DecisionResult(decision, task, meeting)


TASKS_PER_PAGE = 15  # with a heading and a footer, a page stays far below one message's 4,096 characters


@dataclass(frozen=True, slots=True)
class TaskListing:
    """One page of a task list, most urgent first, with the counts of the whole list."""

    scope: str  # open | all | mine | overdue | group
    views: list[TaskView]  # this page
    total: int  # tasks in the whole list
    overdue: int  # of which overdue
    finished: int  # of which done or rated (only `all` lists them)
    page: int
    pages: int


def _urgency(view: TaskView) -> tuple[int, date, int]:
    # unfinished before finished; among them the overdue first, then by due date
    rank = 2 if view.task.finished else (0 if view.overdue else 1)
    return (rank, view.task.due_on, view.task.id or 0)


async def list_tasks(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ListTasks, now: datetime
) -> TaskListing:
    """A page of the chat's tasks: unfinished (open), with finished ones (all), the actor's (mine),
    the overdue ones, or the actor's group's; most urgent first."""
    chat = require_chat(ctx)
    member = require(actor, Action.VIEW)
    return await task_listing(deps, chat, member, cmd, now)


async def task_listing(
    deps: Deps, chat: ChatContext, member: Member | None, cmd: ListTasks, now: datetime
) -> TaskListing:
    """The page `list_tasks` shows, once permission is given; `member` None: a 党委 reader, who has
    no tasks or group of their own in the branch."""
    if member is None and cmd.scope in ("mine", "group"):
        raise DomainError("school_reader_scope", scope=cmd.scope)
    today = deps.local_date(now)
    statuses = [TaskStatus.OPEN, TaskStatus.CLAIMED]
    if cmd.scope == "all":
        statuses += sorted(FINISHED)  # the finished ones too
    async with deps.uow() as uow:
        tasks = await uow.tasks.list(chat.branch, statuses)
        ratings = (
            await uow.tasks.ratings(of=[t.id for t in tasks if t.id is not None])
            if cmd.scope == "all"
            else []
        )
    if cmd.scope == "mine" and member is not None:
        tasks = [t for t in tasks if member.key in (t.owner, t.lead)]
    elif cmd.scope == "overdue":
        tasks = [t for t in tasks if t.is_overdue(today)]
    elif cmd.scope == "group" and member is not None:
        if member.group is None:
            raise DomainError("no_group")
        tasks = [t for t in tasks if member.group in (t.group, t.claimed_by_group)]
    elif chat.kind == "group":
        tasks = [t for t in tasks if chat.unit in (t.group, t.claimed_by_group) or t.unit == chat.unit]
    by_task: dict[int, Counter[Rating]] = {}
    for rating in ratings:
        by_task.setdefault(rating.task_id, Counter())[rating.rating] += 1
    views = sorted(
        (TaskView(t, by_task.get(t.id or 0, Counter()), t.is_overdue(today)) for t in tasks), key=_urgency
    )
    pages, first = page_slice(len(views), cmd.page, TASKS_PER_PAGE)
    return TaskListing(
        scope=cmd.scope,
        views=views[first : first + TASKS_PER_PAGE],
        total=len(views),
        overdue=sum(1 for view in views if view.overdue),
        finished=sum(1 for view in views if view.task.finished),
        page=cmd.page,
        pages=pages,
    )


async def claim_task(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: ClaimTask, now: datetime
) -> Task:
    """A group leader claims a task for the group (认领); a secretary may claim on a group's behalf."""
    chat = require_chat(ctx)
    member = require(actor, Action.CLAIM)
    async with deps.uow() as uow:
        task = await task_in_branch(uow, chat.branch, cmd.task_id)
        if cmd.group is not None:
            found = deps.org.find_group(chat.branch, cmd.group)
            if found is None:
                raise NotFound("unknown_group", group=cmd.group)
            group = found.key
        elif not member.is_leader and member.group is not None:
            group = member.group
        elif task.group is not None:
            group = task.group
        elif chat.kind == "group":
            group = chat.unit
        else:
            raise DomainError("claim_needs_group", task=task.id)
        require_own_group(member, group)
        task = task.claim(group, member.key, now)
        await uow.tasks.update(task)
        await uow.commit()
    return task


async def complete_task(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: CompleteTask, now: datetime
) -> CompletionResult:
    """The owner reports the task done (a secretary may on the owner's behalf); points by timeliness."""
    chat = require_chat(ctx)
    member = require(actor, Action.COMPLETE)
    async with deps.uow() as uow:
        task = await task_in_branch(uow, chat.branch, cmd.task_id)
        if member.key != task.owner and not member.is_leader:
            raise PermissionDenied("only_owner", task=task.id, owner=task.owner)
        if task.status is TaskStatus.OPEN and task.group is not None:
            # say who must claim it first, by name: the group's leader(s), or the secretary
            leaders = await role_holders(deps, chat.branch, ["group_leader"], task.group)
            raise DomainError("task_needs_claim", task=task.id, group=task.group, people=leaders)
        task = task.complete(cmd.note.strip(), now, deps.local_date(now))
        await uow.tasks.update(task)
        reason = PointReason.TASK_DONE_ON_TIME if task.on_time else PointReason.TASK_DONE_LATE
        points = await award(uow, deps, task.owner, reason, f"task:{task.id}", now)
        await uow.commit()
    return CompletionResult(task, points)


async def rate_task(
    deps: Deps, actor: Actor, ctx: ChatContext | None, cmd: RateTask, now: datetime
) -> RatingResult:
    """群众评价: anyone in a chat of the branch rates a completed task; a new rating replaces their old one.

    The task's result is the majority (domain.counting.rating_result); the first time it is 满意 the
    owner gets the rating bonus, at most once per task however many rate (issue 12, item 6).
    """
    chat = require_chat(ctx)
    async with deps.uow() as uow:
        # who sits on the 党委 today (domain/school_roster.py): they read the branch, and do not rate
        seated = (await deps.roster.seats(uow)).committee_on(deps.local_date(now))
        require_rater(actor, chat.branch, deps.org, seated)
        task = await task_in_branch(uow, chat.branch, cmd.task_id)
        if not task.finished:
            raise DomainError("task_not_done", task=task.id, status=task.status)
        if actor.identity == task.owner:
            raise DomainError("cannot_rate_own_task", task=task.id)
        rating = TaskRating(task.id or 0, actor.identity, cmd.rating, now)
        replaced = await uow.tasks.put_rating(rating)
        if task.status is TaskStatus.DONE:
            task = task.rated()
            await uow.tasks.update(task)
        ratings = await uow.tasks.ratings(task.id)
        result = rating_result(r.rating for r in ratings)
        if result is Rating.SATISFIED:
            await award(
                uow, deps, task.owner, PointReason.RATED_SATISFIED, rating_bonus_source(task.id or 0), now
            )
        await uow.commit()
    return RatingResult(task, rating, Counter(r.rating for r in ratings), result, replaced)
