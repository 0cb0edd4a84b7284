"""Turning service results and errors into messages: text plus buttons, platform-neutral."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sanhui_bot.commands.characters import printable
from sanhui_bot.commands.model import ParseError
from sanhui_bot.domain.errors import DomainError, UnknownCalendarYear
from sanhui_bot.domain.model import (
    JoinRequest,
    LeaveState,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    Rating,
    RsvpAnswer,
    SignInMethod,
    Suggestion,
    Task,
    Vote,
)
from sanhui_bot.domain.organisation import Organisation
from sanhui_bot.domain.points import PointEntry
from sanhui_bot.domain.quorum import vote_passes
from sanhui_bot.domain.workdays import WorkCalendar
from sanhui_bot.domain.zones import to_zone
from sanhui_bot.render.catalog import EN, join_words, message, task_status_key, word
from sanhui_bot.render.parse_messages import parse_error_text, usage
from sanhui_bot.services.attendance import AttendanceResult, NotHeldResult
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.leave import LeaveDecisionResult
from sanhui_bot.services.meetings import MeetingListing, MeetingView, RsvpResult, SignInResult, Tally
from sanhui_bot.services.points import EntrySubject, PointsStatement
from sanhui_bot.services.roster import JoinListing, member_names
from sanhui_bot.services.tasks import CompletionResult, DecisionResult, RatingResult, TaskListing

WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    command: str  # the command text a press stands for, e.g. "/rsvp 12 yes"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message: a workbook, minutes, a chart picture (`image/png` shows as a photo)."""

    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the bot sends: to the chat the command came from unless `chat` says otherwise.

    The text is always complete on its own; attachments add to it where the platform can send files.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    subject: str = ""  # what the message shows, e.g. "meeting:12", so a press can update it in place
    chat: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        # Text stored before input was cleaned (issue 13) may hold controls no chat should show.
        object.__setattr__(self, "text", printable(self.text))


@dataclass(frozen=True, slots=True)
class Renderer:
    """Renders in one language and time zone, naming members and units as the roster does."""

    language: str
    tz: ZoneInfo
    org: Organisation
    names: Mapping[str, str] = field(default_factory=dict)  # member key -> name
    calendar: WorkCalendar | None = None  # marks make-up workdays (调休上班) in dates

    def day(self, day: date) -> str:
        """A date as chat shows it everywhere: `3月19日（周四）`, `（调休上班）` on a make-up workday."""
        makeup = ""
        if self.calendar is not None and day.weekday() >= 5:
            try:
                if self.calendar.is_workday(day):
                    makeup = self.t("makeup_workday_mark")
            except UnknownCalendarYear:
                pass  # a year past the calendar: the date alone
        if self.language == EN:
            return f"{day:%a} {day.isoformat()}{makeup}"
        return f"{day.month}月{day.day}日（周{WEEKDAYS_ZH[day.weekday()]}）{makeup}"

    def t(self, code: str, **params: object) -> str:
        return message(code, self.language, **params)

    def w(self, key: str) -> str:
        return word(key, self.language)

    def name(self, key: str | None) -> str:
        if key is None:
            return self.t("none")
        return self.names.get(key, key)

    def when(self, moment: datetime) -> str:
        local = to_zone(moment, self.tz)
        if self.language == EN:
            return local.strftime("%a %Y-%m-%d %H:%M")
        return f"{local.month}月{local.day}日（周{WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"

    def vote(self, vote: Vote) -> str:
        """A congress decision's vote and its result (条例第十一条)."""
        return self.t(
            "vote_text",
            approve=vote.approve,
            against=vote.against,
            abstain=vote.abstain,
            voting=vote.voting_members,
            needed=vote.voting_members // 2 + 1,
            result=self.t("vote_passed" if vote_passes(vote) else "vote_failed"),
        )

    def task_status(self, task: Task) -> str:
        """A task's state in words: an open task no group is to claim is 待完成, not 待认领 (issue 14)."""
        claimable = task.group is not None or task.claimed_by_group is not None
        return self.w(task_status_key(task.status.value, claimable))

    def _group_part(self, task: Task) -> str:
        group = task.claimed_by_group or task.group
        return f"{self.w('task_group_sep')}{self.group_name(group)}" if group else ""

    def group_name(self, key: str | None) -> str:
        if key is None:
            return self.w("group_unclaimed")
        group = self.org.group(key)
        return group.name if group else key

    # --- errors

    def error(self, error: DomainError) -> str:
        """A refusal that says what was wrong, with the names the user knows."""
        params = dict(error.params)
        if "action" in params:
            params["action_name"] = self.w(f"action.{params['action']}")
        if "roles" in params:
            params["roles_text"] = join_words(
                [self.w(f"role.{role}") for role in params["roles"]], self.language
            )
        if "unit" in params:
            params["unit_name"] = self.org.unit_name(str(params["unit"]))
        if "group" in params:
            params["group_name"] = self.group_name(str(params["group"]))
        if "owner" in params:
            params["owner_name"] = self.name(str(params["owner"]))
        if "by" in params:
            params["by_name"] = self.name(str(params["by"]))
        if "outcome" in params:
            params["outcome_name"] = self.w(f"leave_state.{params['outcome']}")
        code = error.code
        if "people" in params:
            # who can do it, by name (issue 14: a refusal names who can, and how)
            names = [self.name(str(key)) for key in dict.fromkeys(params["people"])]
            params["people_text"] = join_words(names, self.language) if names else self.w("people_none")
            if code == "role_required" and names:
                params["roles_text"] = f"{params.get('roles_text', '')}（{params['people_text']}）"
        if code == "role_required" and params.get("action") == "decide":
            code = "role_required_decide"
        for key in ("when", "opens"):
            if isinstance(params.get(key), datetime):
                params[f"{key}_text"] = self.when(params[key])
        for key in ("current", "target", "status"):
            if key in params:
                params[f"{key}_name"] = self.w(f"status.{params[key]}")
        if "keys" in params:
            params["keys_text"] = ", ".join(params["keys"])
            params["first_key"] = params["keys"][0]
        if "branch" in params:
            params["branch_name"] = self.org.unit_name(str(params["branch"]))
        if "branches" in params:
            # each branch as `t2 教工第二党支部`, so the reader sees the key to type
            keys = [str(key) for key in params["branches"]]
            params["branches_text"] = join_words(
                [f"{key} {self.org.unit_name(key)}" for key in keys], self.language
            )
            params["first_branch"] = keys[0] if keys else ""
        if error.code == "unknown_group":
            branch_groups = [g.name for b in self.org.branches for g in b.groups]
            params["groups_text"] = join_words(branch_groups, self.language)
        return self.t(code, **params)

    def parse_error(self, error: ParseError) -> str:
        return parse_error_text(error, self.language)

    def usage(self, command: str) -> str:
        return usage(command, self.language)

    # --- meetings

    def meeting_line(self, meeting: Meeting, title_chars: int | None = None) -> str:
        flag = ""
        if meeting.status is MeetingStatus.CANCELLED:
            flag = self.t("meeting_cancelled_mark")
        elif meeting.flag == "holiday":
            flag = self.t("meeting_flag_holiday")
        unit = "" if meeting.kind.value in ("congress", "lesson") else f"·{self.org.unit_name(meeting.unit)}"
        return self.t(
            "meeting_line",
            id=meeting.id,
            when=self.when(meeting.starts_at),
            kind_name=self.w(f"kind.{meeting.kind}") + unit,
            title_part=f" {_shortened(meeting.title, title_chars or len(meeting.title))}"
            if meeting.title
            else "",
            flag_part=flag,
        )

    def tally_line(self, tally: Tally) -> str:
        return self.t(
            "meeting_tally",
            expected=len(tally.expected),
            yes=len(tally.yes),
            leave=len(tally.leave),
            no=len(tally.no),
            unanswered=len(tally.unanswered),
            pending_part=self.t("meeting_tally_pending", pending=len(tally.pending)) if tally.pending else "",
        )

    def meetings(self, listing: MeetingListing, unit: str) -> Reply:
        """One page of coming meetings with how many there are and how to page on: one message."""
        if not listing.total:
            return Reply(self.t("meetings_none", days=listing.days))
        lines = [
            self.t(
                "meetings_title",
                unit_name=self.org.unit_name(unit),
                days=listing.days,
                total=listing.total,
                page=listing.page,
                pages=listing.pages,
            )
        ]
        for view in listing.views:
            lines.append(self.meeting_line(view.meeting, LIST_TITLE_CHARS))
            lines.append(self.tally_line(view.tally))
        if listing.page < listing.pages:
            lines.append(self.t("meetings_next_page", next=listing.page + 1))
        return Reply("\n".join(lines))

    def rsvp_buttons(self, meeting_id: int | None) -> tuple[Button, ...]:
        zh = self.language != EN
        return (
            Button("参加" if zh else "Attend", f"/rsvp {meeting_id} yes"),
            Button("请假" if zh else "Leave", f"/rsvp {meeting_id} leave"),
            Button("不参加" if zh else "Decline", f"/rsvp {meeting_id} no"),
        )

    def meeting_created(self, meeting: Meeting) -> Reply:
        text = self.t(
            "meeting_created",
            id=meeting.id,
            kind_name=self.w(f"kind.{meeting.kind}"),
            when=self.when(meeting.starts_at),
            title_part=f" {meeting.title}" if meeting.title else "",
        )
        if meeting.signin is SignInMethod.BUTTON:
            text += self.t("meeting_created_online")
        return Reply(text, self.rsvp_buttons(meeting.id), subject=f"meeting:{meeting.id}")

    def meeting_moved(self, before: Meeting, after: Meeting, notice_now: bool) -> Reply:
        text = self.t(
            "meeting_moved",
            id=after.id,
            kind_name=self.w(f"kind.{after.kind}"),
            before=self.when(before.starts_at),
            when=self.when(after.starts_at),
            notice_part=self.t("meeting_moved_notice" if notice_now else "meeting_moved_planned"),
        )
        return Reply(text, subject=f"meeting:{after.id}")

    def meeting_cancelled(self, meeting: Meeting) -> Reply:
        return Reply(
            self.t(
                "meeting_cancel_done",
                id=meeting.id,
                kind_name=self.w(f"kind.{meeting.kind}"),
                when=self.when(meeting.starts_at),
                reason_part=meeting.cancelled_reason,
            )
        )

    def agenda(self, view: MeetingView) -> Reply:
        meeting = view.meeting
        lines = [
            self.t(
                "agenda_title",
                id=meeting.id,
                kind_name=self.w(f"kind.{meeting.kind}"),
                when=self.when(meeting.starts_at),
            )
        ]
        if meeting.fixed_topic:
            lines.append(self.t("agenda_fixed", topic=meeting.fixed_topic))
        # Bounded like every list (issue 14): items past the budget are counted, not shown
        items = [
            self.t("agenda_item", n=n, topic=item.topic, by=self.name(item.added_by))
            for n, item in enumerate(view.agenda, 1)
        ]
        items += [self.t("agenda_material", topic=item.topic) for item in view.materials]
        used = sum(_utf16_units(line) + 1 for line in lines)
        shown = 0
        while shown < len(items) and used + _utf16_units(items[shown]) + 1 <= AGENDA_BUDGET:
            used += _utf16_units(items[shown]) + 1
            shown += 1
        agenda_shown = min(shown, len(view.agenda))
        lines.extend(items[:agenda_shown])
        group = self.org.group(meeting.unit) if meeting.kind is MeetingKind.GROUP else None
        if not view.agenda and group is not None:
            lines.append(self.t("agenda_empty_group", id=meeting.id))
            if group.topics:  # the notice shows these while nobody has added one
                lines.append(self.t("agenda_group_defaults", kind_name=self.w(f"group_kind.{group.kind}")))
                lines.extend(self.t("agenda_default_item", topic=topic) for topic in group.topics)
        elif not view.agenda:
            lines.append(self.t("agenda_empty", id=meeting.id))
        lines.extend(items[agenda_shown:shown])
        if shown < len(items):
            lines.append(self.t("agenda_more", count=len(items) - shown, id=meeting.id))
        return Reply("\n".join(lines))

    def rsvp(self, result: RsvpResult) -> Reply:
        meeting, rsvp = result.meeting, result.rsvp
        common = {
            "name": self.name(rsvp.member),
            "id": meeting.id,
            "kind_name": self.w(f"kind.{meeting.kind}"),
            "when": self.when(meeting.starts_at),
        }
        if rsvp.leave_state is LeaveState.PENDING:
            approvers = self.w(
                "leave_approvers.group" if meeting.kind is MeetingKind.GROUP else "leave_approvers.branch"
            )
            text = self.t(
                "rsvp_leave_pending",
                leave_name=self.w(f"leave.{rsvp.leave_type}"),
                reason=rsvp.reason,
                approvers=approvers,
                **common,
            )
        elif rsvp.answer is RsvpAnswer.LEAVE:
            text = self.t(
                "rsvp_leave", leave_name=self.w(f"leave.{rsvp.leave_type}"), reason=rsvp.reason, **common
            )
        else:
            text = self.t(f"rsvp_{rsvp.answer.value}", **common)
        lines = [text, self.tally_line(result.tally)]
        quorum = result.tally.quorum
        if quorum is not None and not quorum.reached and not result.tally.unanswered:
            lines.append(
                self.t("quorum_warning", present=quorum.present, voting=quorum.voting, needed=quorum.needed)
            )
        return Reply("\n".join(lines), subject=f"meeting:{meeting.id}")

    def signin(self, result: SignInResult, member_key: str) -> Reply:
        meeting = result.meeting
        if not result.new:
            return Reply(self.t("signin_again", name=self.name(member_key), id=meeting.id))
        points = self.t("points_part", delta=result.points.delta) if result.points else ""
        return Reply(
            self.t(
                "signin_done",
                name=self.name(member_key),
                id=meeting.id,
                kind_name=self.w(f"kind.{meeting.kind}"),
                points_part=points,
            )
        )

    def outline(self, meeting: Meeting, member_key: str) -> Reply:
        return Reply(
            self.t(
                "outline_done",
                name=self.name(member_key),
                id=meeting.id,
                kind_name=self.w(f"kind.{meeting.kind}"),
            )
        )

    # --- suggestions, decisions, tasks

    def suggestion(self, suggestion: Suggestion) -> Reply:
        meeting_part = (
            self.t("suggestion_meeting_part", meeting=suggestion.meeting_id) if suggestion.meeting_id else ""
        )
        return Reply(
            self.t(
                "suggestion_done",
                id=suggestion.id,
                name=self.name(suggestion.member),
                meeting_part=meeting_part,
                text=suggestion.text,
            )
        )

    def adopted(self, suggestion: Suggestion) -> Reply:
        return Reply(
            self.t(
                "suggestion_adopted",
                id=suggestion.id,
                name=self.name(suggestion.member),
                text=suggestion.text,
            )
        )

    def task_buttons(self, task: Task) -> tuple[Button, ...]:
        zh = self.language != EN
        claim = Button("认领" if zh else "Claim", f"/claim {task.id}")
        done = Button("完成" if zh else "Done", f"/done {task.id}")
        if task.status.value == "open":
            # no group named: a group may claim it, or its owner finish it at once
            return (claim, done) if task.completable else (claim,)
        if task.status.value == "claimed":
            return (done,)
        return tuple(
            Button(self.w(f"rating.{rating}"), f"/rate {task.id} {rating.value}") for rating in Rating
        )

    def decision(self, result: DecisionResult) -> Reply:
        task, meeting, vote = result.task, result.meeting, result.decision.vote
        meeting_part = (
            self.t("decision_meeting_part", meeting=meeting.id, kind_name=self.w(f"kind.{meeting.kind}"))
            if meeting
            else ""
        )
        if task is None:
            text = self.t(
                "decision_rejected",
                decision=result.decision.id,
                meeting_part=meeting_part,
                title=result.decision.title,
                vote=self.vote(vote) if vote else "",
            )
            return Reply(text)
        lines = [
            self.t(
                "decision_done",
                decision=result.decision.id,
                meeting_part=meeting_part,
                task=task.id,
                title=task.title,
                owner=self.name(task.owner),
                lead=self.name(task.lead),
                group=self.group_name(task.group),
                due=self.day(task.due_on),
            )
        ]
        if vote is not None:
            lines.append(f"  {self.vote(vote)}")
        return Reply("\n".join(lines), self.task_buttons(task), subject=f"task:{task.id}")

    def tasks(self, listing: TaskListing) -> Reply:
        """One page of tasks with what the list holds, how to page on and how to filter: one message."""
        if not listing.total:
            return Reply(self.t("tasks_none") + "\n" + self.t("tasks_filters"))
        lines = [
            self.t(
                "tasks_title",
                scope_name=self.w(f"scope.{listing.scope}"),
                total=listing.total,
                overdue_part=self.t("tasks_overdue_part", count=listing.overdue) if listing.overdue else "",
                finished_part=self.t("tasks_finished_part", count=listing.finished)
                if listing.finished
                else "",
                page=listing.page,
                pages=listing.pages,
            )
        ]
        for view in listing.views:
            task = view.task
            lines.append(
                self.t(
                    "task_line",
                    id=task.id,
                    title=_shortened(task.title, LIST_TITLE_CHARS),
                    owner=self.name(task.owner),
                    lead=self.name(task.lead),
                    group_part=self._group_part(task),
                    due=self.day(task.due_on),
                    status_name=self.task_status(task),
                    overdue_part=self.t("task_overdue_mark") if view.overdue else "",
                )
            )
        if listing.page < listing.pages:
            scope = "" if listing.scope == "open" else f"{self.w(f'scope_word.{listing.scope}')} "
            lines.append(self.t("tasks_next_page", next=f"{scope}{listing.page + 1}"))
        lines.append(self.t("tasks_filters"))
        return Reply("\n".join(lines))

    def task_card(self, task: Task) -> Reply:
        """A task as its message shows it now: one line and the buttons its status allows."""
        line = self.t(
            "task_line",
            id=task.id,
            title=task.title,
            owner=self.name(task.owner),
            lead=self.name(task.lead),
            group_part=self._group_part(task),
            due=self.day(task.due_on),
            status_name=self.task_status(task),
            overdue_part="",
        )
        return Reply(line, self.task_buttons(task), subject=f"task:{task.id}")

    def claimed(self, task: Task) -> Reply:
        return Reply(
            self.t(
                "task_claimed",
                id=task.id,
                group_name=self.group_name(task.claimed_by_group),
                by=self.name(task.claimed_by),
                title=task.title,
            ),
            self.task_buttons(task),
            subject=f"task:{task.id}",
        )

    def completed(self, result: CompletionResult) -> Reply:
        task = result.task
        return Reply(
            self.t(
                "task_done",
                id=task.id,
                title=task.title,
                owner=self.name(task.owner),
                note_part=self.t("task_done_note", note=task.done_note) if task.done_note else "",
                points_part=self.t("points_part", delta=result.points.delta) if result.points else "",
            ),
            self.task_buttons(task),
            subject=f"task:{task.id}",
        )

    def rated(self, result: RatingResult) -> Reply:
        counts: Counter[Rating] = result.ratings
        return Reply(
            self.t(
                "task_rated",
                id=result.task.id,
                satisfied=counts[Rating.SATISFIED],
                basic=counts[Rating.BASICALLY_SATISFIED],
                unsatisfied=counts[Rating.UNSATISFIED],
            )
            + (
                self.t("task_rating_replaced", previous=self.w(f"rating.{result.replaced}"))
                if result.replaced
                else ""
            )
            + (
                self.t("task_rating_result", result=self.w(f"rating.{result.result}"))
                if result.result
                else ""
            )
        )

    # --- points and roster

    def points(self, statement: PointsStatement) -> Reply:
        lines = [
            self.t(
                "points_title",
                name=statement.member.name,
                year=statement.year,
                month=statement.month,
                month_total=statement.month_total,
                rank_text=self._rank_text(statement),
                year_total=statement.year_total,
            )
        ]
        for entry in statement.entries:
            note_part = (
                self.t("points_entry_note", by=self.name(entry.recorded_by), note=entry.note)
                if entry.note and entry.recorded_by
                else ""
            )
            lines.append(
                self.t(
                    "points_entry",
                    id=entry.id,
                    date=self.day(to_zone(entry.occurred_at, self.tz).date()),
                    delta=entry.delta,
                    reason_name=self.w(f"reason.{entry.reason}"),
                    what=self._entry_subject(statement.subjects.get(entry.source)),
                    note_part=note_part,
                )
            )
        if not statement.entries:
            lines.append(self.t("points_none"))
        return Reply("\n".join(lines))

    def _rank_text(self, statement: PointsStatement) -> str:
        if statement.rank is None:
            return self.t("points_unranked")
        code = "points_rank_tied" if statement.tied else "points_rank"
        return self.t(code, rank=statement.rank, ranked=statement.ranked)

    def _entry_subject(self, subject: EntrySubject | None) -> str:
        """What an entry was for, in words: the meeting and its day, the task and its title."""
        if subject is None:
            return ""
        if subject.kind == "meeting" and subject.starts_at is not None:
            kind = self.w(f"kind.{subject.meeting_kind}") if subject.meeting_kind else ""
            return self.t(
                "points_for_meeting",
                id=subject.number,
                kind_name=kind,
                day=self.day(to_zone(subject.starts_at, self.tz).date()),
            )
        if subject.kind == "task":
            week = self.t("points_for_week", week=subject.week) if subject.week else ""
            return self.t("points_for_task", id=subject.number, title=subject.title, week_part=week)
        if subject.kind == "suggestion":
            return self.t("points_for_suggestion", id=subject.number, text=subject.title[:30])
        if subject.kind == "entry":
            return self.t("points_for_entry", id=subject.number)
        if subject.kind == "day" and subject.day is not None:
            return self.t("points_for_day", day=self.day(subject.day))
        return ""

    def points_reversed(self, entry: PointEntry) -> Reply:
        return Reply(
            self.t(
                "points_reversed",
                reverses=entry.reverses,
                id=entry.id,
                name=self.name(entry.member),
                original=-entry.delta,
                delta=entry.delta,
                note=entry.note,
                by=self.name(entry.recorded_by),
            )
        )

    def points_adjusted(self, entry: PointEntry) -> Reply:
        return Reply(
            self.t(
                "points_adjusted",
                name=self.name(entry.member),
                delta=entry.delta,
                id=entry.id,
                note=entry.note,
                by=self.name(entry.recorded_by),
            )
        )

    def _points_changes(self, entries: list[PointEntry]) -> str:
        if not entries:
            return ""
        changes = [
            self.t("attendance_points_change", name=self.name(e.member), delta=e.delta, id=e.id)
            for e in entries
        ]
        return self.t("attendance_points", changes=join_words(changes, self.language))

    def attendance_recorded(self, result: AttendanceResult) -> Reply:
        meeting, counted = result.meeting, result.attendance
        lines = []
        for record in result.records:
            reason = record.reason
            if record.leave_type is not None:
                kind = self.w(f"leave.{record.leave_type}")
                reason = f"{kind}：{reason}" if self.language != EN else f"{kind}: {reason}"
            reason_part = self.t("attendance_reason_part", reason=reason) if reason else ""
            lines.append(
                self.t(
                    "attendance_line",
                    name=self.name(record.member),
                    mark_name=self.w(f"mark.{record.mark}"),
                    reason_part=reason_part,
                )
            )
        text = self.t(
            "attendance_recorded",
            id=meeting.id,
            kind_name=self.w(f"kind.{meeting.kind}"),
            when=self.when(meeting.starts_at),
            by=self.name(result.records[0].recorded_by if result.records else None),
            lines="\n".join(lines),
            expected=len(counted.expected),
            present=len(counted.present),
            leave=len(counted.on_leave),
            absent=len(counted.absent),
        )
        changes = self._points_changes(result.points)
        return Reply(f"{text}\n{changes}" if changes else text, subject=f"meeting:{meeting.id}")

    def leave_decided(self, result: LeaveDecisionResult) -> Reply:
        """The approver's answer: which request was decided, how, by whom; points it re-settled."""
        meeting, decision = result.meeting, result.decision
        reason_part = self.t("leave_reason_part", reason=decision.reason) if decision.reason else ""
        text = self.t(
            "leave_decided_approved" if decision.approved else "leave_decided_refused",
            name=self.name(decision.member),
            id=meeting.id,
            kind_name=self.w(f"kind.{meeting.kind}"),
            when=self.when(meeting.starts_at),
            by=self.name(decision.decided_by),
            reason_part=reason_part,
        )
        changes = self._points_changes(result.points)
        return Reply(f"{text}\n{changes}" if changes else text, subject=f"meeting:{meeting.id}")

    def lesson_set(self, meeting: Meeting) -> Reply:
        """The 党课's topic and speaker as now recorded."""
        return Reply(
            self.t(
                "lesson_set",
                id=meeting.id,
                when=self.when(meeting.starts_at),
                topic=meeting.title or self.t("lesson_no_topic"),
                speaker=self.name(meeting.speaker) if meeting.speaker else self.t("lesson_no_speaker"),
            ),
            subject=f"meeting:{meeting.id}",
        )

    def meeting_not_held(self, result: NotHeldResult) -> Reply:
        meeting = result.meeting
        points_part = self.t("not_held_reversed", count=len(result.points)) if result.points else ""
        return Reply(
            self.t(
                "meeting_not_held_marked",
                id=meeting.id,
                kind_name=self.w(f"kind.{meeting.kind}"),
                when=self.when(meeting.starts_at),
                reason=meeting.cancelled_reason,
                by=self.name(meeting.not_held_by),
                points_part=points_part,
            )
        )

    def join_requested(self, request: JoinRequest) -> Reply:
        return Reply(self.t("join_requested", id=request.id, name=request.name))

    def joins(self, listing: JoinListing) -> Reply:
        """One page of pending join requests, how to approve one, and how to page on: one message."""
        if not listing.total:
            return Reply(self.t("joins_none"))
        lines = [self.t("joins_title", total=listing.total, page=listing.page, pages=listing.pages)]
        for request in listing.requests:
            lines.append(
                self.t(
                    "join_line",
                    id=request.id,
                    name=_shortened(request.name, LIST_TITLE_CHARS),
                    platform=self.w(f"platform.{request.platform}"),
                    user=_shortened(request.platform_user, LIST_TITLE_CHARS),
                    when=self.when(request.requested_at),
                )
            )
        if listing.page < listing.pages:
            lines.append(self.t("joins_next_page", next=listing.page + 1))
        lines.append(self.t("joins_approve_hint", id=listing.requests[0].id))
        return Reply("\n".join(lines))

    def approved(self, member: Member) -> Reply:
        group_part = (
            self.t("join_group_part", group_name=self.group_name(member.group)) if member.group else ""
        )
        status_name = self.t(f"join_status_{member.status.value}")
        return Reply(
            self.t(
                "join_approved",
                name=member.name,
                key=member.key,
                status_name=status_name,
                group_part=group_part,
            )
        )

    def help(self, topic: str | None) -> Reply:
        if topic:
            return Reply(self.usage(topic))
        return Reply(self.t("help"))


MESSAGE_LIMIT = 4096  # UTF-16 units: Telegram's longest text; a Matrix event holds far more


AGENDA_BUDGET = 3600  # UTF-16 units for /agenda's lines; the rest of one message is for the defaults


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits_one_message(text: str) -> bool:
    """Whether a text goes as one message on every platform (Telegram counts UTF-16 units)."""
    return _utf16_units(text) <= MESSAGE_LIMIT


def _shortened(text: str, limit: int) -> str:
    """A title cut to `limit` characters for a list line (the task's own card shows it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


LIST_TITLE_CHARS = 40  # a list line's title; 15 lines of a page then stay well inside one message


async def renderer_for(deps: Deps, language: str) -> Renderer:
    """A renderer that names members as the roster does now and marks make-up workdays."""
    return Renderer(language, deps.tz, deps.org, await member_names(deps), deps.calendar)
