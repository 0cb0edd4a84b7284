"""The platform-neutral half of every adapter: a chat line in, replies out.

Adapters (console, Telegram, Matrix) translate their platform's updates into `handle_text` and
`handle_press` calls and send the returned replies. Here a line is parsed, the one service it names
is called, and the result or refusal is rendered; nothing raises out of here.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.domain.announcements import PostKind, private_chat_member
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import Actor, ChatContext, RsvpAnswer
from sanhui_bot.domain.permissions import Action, acting_in, may_read_school, require
from sanhui_bot.render import closing as closing_texts
from sanhui_bot.render.announcements import meeting_post
from sanhui_bot.render.minutes import minutes_reply
from sanhui_bot.render.replies import Attachment, Renderer, Reply, renderer_for
from sanhui_bot.render.reports import export_reply, render_school_report, report_reply
from sanhui_bot.render.summaries import render_summary
from sanhui_bot.services import (
    announcements,
    attendance,
    closing,
    export,
    leave,
    meetings,
    points,
    reports,
    roster,
    school,
    signin_codes,
    suggestions,
    tasks,
    updates,
    web_access,
)
from sanhui_bot.services.deps import Deps
from sanhui_bot.services.meetings import RsvpResult
from sanhui_bot.services.ports import PostedMessage
from sanhui_bot.storage.faults import environment_fault

if TYPE_CHECKING:
    from sanhui_bot.domain.organisation import Organisation
    from sanhui_bot.services.export import LedgerSnapshot

log = logging.getLogger(__name__)

# The reads a 党委 member makes of any branch, naming it first (`/report t2 季度`).
SchoolRead = cmds.ListMeetings | cmds.ListTasks | cmds.ShowPoints | cmds.ShowReport | cmds.ExportLedger
SCHOOL_READS = (cmds.ListMeetings, cmds.ListTasks, cmds.ShowPoints, cmds.ShowReport, cmds.ExportLedger)


@dataclass(frozen=True)
class FilesToWrite:
    """An /export's answer before its files: the snapshot is read in the update's transaction, and
    the files are written after it commits, on a worker thread (`Conversation._written`), so that a
    year's workbook keeps neither the database nor the event loop from other chats' updates."""

    snapshot: LedgerSnapshot
    file_format: str
    render: Renderer


Answer = Reply | FilesToWrite

# Commands whose service may write an outbox row for "now".
WRITES_POSTS = (
    cmds.CloseMeeting,
    cmds.PublishDecisions,
    cmds.NewMeeting,
    cmds.MoveMeeting,
    cmds.Rsvp,  # a leave request waiting for approval tells the approvers
    cmds.DecideLeave,  # the member is told the outcome
)


def _may_write_posts(command: object) -> bool:
    """Whether the announcer must look at the outbox now; only a 请假 answer of all RSVPs may post
    (a request waiting for approval), and waking it for every 参加 costs each press a tick."""
    if isinstance(command, cmds.Rsvp):
        return command.answer is RsvpAnswer.LEAVE
    return isinstance(command, WRITES_POSTS)


# Commands a member may give in a private chat with the bot, for their own branch.
PRIVATE_COMMANDS = (cmds.SignIn, cmds.SignInScreen, cmds.DecideLeave)

# platform_state key prefix: the bot's messages showing this subject wait for an edit. Written in the
# transaction of the change, deleted once an edit has shown it (if nothing marked it again since),
# so an edit that a restart interrupted, or one waiting for its interval, is made after the start.
PENDING_EDIT = "pending-edit:"

# Asked, inside an update's transaction, whether the messages showing a subject may be edited now
# (the adapter's interval since the last edit has passed; it then counts from now). No: the adapter
# edits them later, after its interval, from what the data shows then.
ClaimEdit = Callable[[str], bool]

View = tuple[PostedMessage, Reply]  # one of the bot's messages, with what it should show now

# Which button of the pressed message a press stands for (1-based), None for none: a Matrix
# reaction's emoji is read against the message's buttons, known only once the message is read.
ButtonOf = Callable[[PostedMessage], int | None]


@dataclass(frozen=True, slots=True)
class Handled:
    """An update's answer: the replies, and the bot's messages to edit because of the change."""

    replies: list[Reply]
    views: list[View] = field(default_factory=list)  # edit these now, to show this (read in the update)
    marks: dict[str, str] = field(default_factory=dict)  # subject -> its PENDING_EDIT mark, cleared after
    later: frozenset[str] = frozenset()  # subjects whose messages wait for the adapter's interval
    pressed: PostedMessage | None = None  # the message whose button was pressed, as read in the update
    # subject -> the chats where a message of the bot shows it (changed subjects only): there the
    # edit shows the answer, so an adapter need not post it
    showing: Mapping[str, frozenset[str]] = field(default_factory=dict)
    unchanged: frozenset[str] = frozenset()  # subjects answered again the same: nothing new to show


@dataclass
class _Changed:
    """What a use case changed that the bot's messages show, as it computed it."""

    answered: dict[str, RsvpResult] = field(default_factory=dict)  # "meeting:N" -> the answer's tally
    unchanged: set[str] = field(default_factory=set)  # the same answer again: nothing new to show

    def note(self, result: RsvpResult) -> None:
        subject = f"meeting:{result.meeting.id}"
        if result.changed:
            self.answered[subject] = result
        else:
            self.unchanged.add(subject)


@dataclass(frozen=True, slots=True)
class Incoming:
    """Who wrote what, where: platform ids as strings, the chat as a config chat key if known."""

    platform: str
    user: str
    chat: str | None  # chat key; None for a chat the config does not know
    chat_platform_id: str
    text: str
    display_name: str = ""
    update_id: str | None = None  # the platform's id of the update, for de-duplication
    # mention text (without @) -> platform user id, for mentions the platform links to a person
    # (Telegram text_mention entities), so `/decision … @刘洋` finds 刘洋 by id, not by name
    mentions: Mapping[str, str] = field(default_factory=dict)
    private: bool = False  # a person's private chat with the bot (Telegram), where only they read


@dataclass(frozen=True, slots=True)
class WebEntry:
    """Where the 台账 page is, for `/web` links: its public address and how long a link lasts."""

    public_url: str
    link_lifetime: timedelta


class Conversation:
    """Parses, dispatches and renders; shared by every adapter."""

    def __init__(self, deps: Deps, language: str) -> None:
        self.deps = deps
        self.language = language
        # Called after a command that may have written posts (a 决议清单, a late notice), so the
        # scheduler delivers them now instead of at its next tick. Set by `run`.
        self.wake_announcer: Callable[[], None] | None = None
        # The web view, when [web] is configured; `/web` answers with a one-time link to it.
        self.web: WebEntry | None = None
        self._marks = itertools.count()  # makes each PENDING_EDIT mark of this process unique

    async def renderer(self) -> Renderer:
        return await renderer_for(self.deps, self.language)

    async def handle_text(self, incoming: Incoming, now: datetime) -> list[Reply]:
        """Handle one chat line; a re-delivered update (same update_id) is answered with nothing."""
        return (await self._handle(incoming, now, None)).replies

    async def handle(
        self,
        incoming: Incoming,
        now: datetime,
        claim_edit: ClaimEdit,
        pressed: tuple[str, int | ButtonOf] | None = None,
        accept: Callable[[PostedMessage], bool] | None = None,
        press_key: str | None = None,
    ) -> Handled:
        """Handle a chat line (or, with `pressed`, a button press: message id and button number,
        run only if `accept` takes the pressed message, e.g. its button's digest matches) and, in the
        same transaction, what the bot's messages showing what changed should show now (the pressed
        message's subject too). An adapter that edits in place calls this.

        With `press_key`, the press is remembered under it in the same transaction (a Matrix
        reaction, so that taking it back withdraws the answer: `withdraw_press`)."""
        return await self._handle(incoming, now, pressed, claim_edit, accept, press_key)

    async def web_link(self, incoming: Incoming, now: datetime) -> Reply:
        """`/web`: a one-time link to the page, only where nobody else reads it (a private chat, the console)."""
        render = await self.renderer()
        if self.web is None:
            return Reply(render.t("web_off"))
        if incoming.chat is not None and incoming.platform != "console":
            return Reply(render.t("web_link_private_only"))
        identity = web_access.WebIdentity(incoming.platform, incoming.user, incoming.display_name)
        token = await web_access.issue_link(self.deps, identity, now, self.web.link_lifetime)
        minutes = int(self.web.link_lifetime.total_seconds() // 60)
        return Reply(render.t("web_link", url=f"{self.web.public_url}/link/{token}", minutes=minutes))

    async def perform(
        self,
        command: cmds.Command,
        actor: Actor,
        ctx: ChatContext | None,
        now: datetime,
        language: str | None = None,
    ) -> tuple[Reply, DomainError | None]:
        """Run one command for an actor already identified (the web view's forms); never raises.

        The same dispatch as a chat line, so the same services, permissions and replies. Returns the
        reply (in `language`, default the chat's) and, when refused, why (so a page can answer an
        unknown id with 404); a failure is refused as "internal_error".
        """
        render = await renderer_for(self.deps, language or self.language)
        try:
            async with updates.once(self.deps, "web", None, now):  # one transaction, as for a chat update
                try:
                    answer = await self._dispatch(command, actor, ctx, now, render)
                except DomainError as error:
                    return Reply(render.error(await self._with_people(error, ctx))), error
            reply = await self._written(answer, now)
        except Exception:
            log.exception("failed to perform %r for %s", command, actor.identity)
            return Reply(render.t("internal_error")), DomainError("internal_error")
        if self.wake_announcer is not None and _may_write_posts(command):
            self.wake_announcer()
        return reply, None

    async def handle_press(
        self,
        platform: str,
        user: str,
        chat: str | None,
        chat_platform_id: str,
        message_id: str,
        button: int,
        now: datetime,
        display_name: str = "",
        update_id: str | None = None,
    ) -> list[Reply]:
        """A button under one of the bot's messages was pressed: run the command it stands for."""
        incoming = Incoming(platform, user, chat, chat_platform_id, "", display_name, update_id)
        return (await self._handle(incoming, now, (message_id, button))).replies

    async def _handle(
        self,
        incoming: Incoming,
        now: datetime,
        press: tuple[str, int | ButtonOf] | None,
        claim_edit: ClaimEdit | None = None,
        accept: Callable[[PostedMessage], bool] | None = None,
        press_key: str | None = None,
        withdrawn: str | None = None,
    ) -> Handled:
        """The update as one unit of work: seen mark, the pressed message, the member, the use case,
        and (for an adapter that edits in place) what the messages showing the change show now.
        `withdrawn`: the key of a remembered press taken back (see `withdraw_press`)."""
        try:
            async with updates.once(self.deps, incoming.platform, incoming.update_id, now) as fresh:
                if not fresh:
                    return Handled([])
                posted = None
                if press is not None:
                    message_id, which = press
                    posted = await self._pressed(incoming, message_id)
                    button: int | None = None
                    if posted is not None:
                        button = which if isinstance(which, int) else which(posted)
                    if (
                        posted is None
                        or button is None
                        or not 1 <= button <= len(posted.buttons)
                        or (accept is not None and not accept(posted))
                    ):
                        return Handled([Reply(self._plain().t("stale_button"))])
                    if press_key is not None:
                        await self._remember_press(incoming, press_key, posted, button)
                    incoming = replace(incoming, text=posted.buttons[button - 1][1])
                if withdrawn is not None:
                    text = await self._withdrawal(incoming.platform, withdrawn)
                    if text is None:
                        return Handled([])
                    incoming = replace(incoming, text=text)
                changed = _Changed()
                answers = await self._answer(incoming, now, changed)
                handled = Handled([])
                if claim_edit is not None:
                    subjects = {answer.subject for answer in answers if isinstance(answer, Reply)}
                    if posted is not None and subjects - {""}:  # a refusal changed nothing to show
                        subjects.add(posted.subject)
                    handled = await self._views_now(incoming, now, subjects, changed, claim_edit)
            replies = [await self._written(answer, now) for answer in answers]
            return replace(handled, replies=replies, pressed=posted)
        except Exception as error:
            who = f"{incoming.platform}:{incoming.user}"
            if (fault := environment_fault(error)) is not None:
                # A full or read-only disk: one line per refused update (the details at -v), not a
                # traceback wall; the bot goes on and works again once the disk does.
                log.error("could not handle %r from %s: %s", incoming.text[:80], who, fault)
                log.debug("the database error", exc_info=error)
            else:
                log.exception("failed to handle %r from %s", incoming.text, who)
            return Handled([Reply(self._plain().t("internal_error"))])

    async def _views_now(
        self,
        incoming: Incoming,
        now: datetime,
        subjects: Iterable[str],
        changed: _Changed,
        claim_edit: ClaimEdit,
    ) -> Handled:
        """Inside the update's transaction: mark each changed subject's messages as waiting for an
        edit and, where the adapter may edit them now, render what they show (a meeting's tally as
        the answer computed it, not read again)."""
        platform = incoming.platform
        views: list[View] = []
        marks: dict[str, str] = {}
        later: set[str] = set()
        shown_in: dict[str, frozenset[str]] = {}
        render: Renderer | None = None
        for subject in sorted(set(subjects) - {""}):
            if subject in changed.unchanged and subject not in changed.answered:
                continue  # the same answer again: the messages already show it
            async with self.deps.uow() as uow:
                showing = await uow.messages.showing(platform, subject)
                if not showing:
                    continue
                mark = f"{now.timestamp():.6f}/{incoming.update_id or ''}/{next(self._marks)}"
                await uow.platform_state.set(platform, PENDING_EDIT + subject, mark)
                await uow.commit()
            marks[subject] = mark
            shown_in[subject] = frozenset(message.chat for message in showing)
            if not claim_edit(subject):
                later.add(subject)
                continue
            render = render or await self.renderer()
            view = await self._current(subject, render, changed.answered.get(subject))
            if view is not None:
                views += [(message, view) for message in showing]
        unchanged = frozenset(changed.unchanged - set(changed.answered))
        return Handled([], views, marks, frozenset(later), showing=shown_in, unchanged=unchanged)

    async def _with_people(self, error: DomainError, ctx: ChatContext | None) -> DomainError:
        """A refusal for want of a role names the people who hold it in the branch (for a decision,
        the secretaries, who may record it anywhere): issue 14, a refusal says who can."""
        codes = ("role_required", "school_member_acts_in_no_branch", "member_of_another_branch")
        if error.code not in codes or ctx is None or "people" in error.params:
            return error
        decide = error.params.get("action") == "decide" or error.code != "role_required"
        roles = ["secretary", "deputy"] if decide else list(error.params.get("roles", []))
        people = await roster.role_holders(self.deps, ctx.branch, roles)
        if len(people) > 5:  # a role many hold (every group leader): the role's name says it well enough
            return error
        return type(error)(error.code, **{**error.params, "people": people})

    def _plain(self) -> Renderer:
        """A renderer that needs no roster, for answers given when the database may be the trouble."""
        return Renderer(self.language, self.deps.tz, self.deps.org)

    async def _pressed(self, incoming: Incoming, message_id: str) -> PostedMessage | None:
        """The pressed message, or None for a message not known."""
        async with self.deps.uow() as uow:
            return await uow.messages.find(
                incoming.platform, incoming.chat or incoming.chat_platform_id, message_id
            )

    async def _remember_press(self, incoming: Incoming, key: str, posted: PostedMessage, button: int) -> None:
        """Which button a reversible press pressed, under `key` (joined to the update's transaction)."""
        async with self.deps.uow() as uow:
            remembered = json.dumps([posted.chat, posted.message_id, button])
            await uow.platform_state.set(incoming.platform, key, remembered)
            await uow.commit()

    async def _withdrawal(self, platform: str, key: str) -> str | None:
        """The command that takes back the remembered press `key`: `/rsvp N withdraw yes` for an RSVP
        button that gave that answer, None for any other (a rating or a claim is not undone)."""
        async with self.deps.uow() as uow:
            stored = await uow.platform_state.get(platform, key)
            if stored is None:
                return None
            posted_chat, message_id, button = json.loads(stored)
            posted = await uow.messages.find(platform, posted_chat, message_id)
        if posted is None or not 1 <= button <= len(posted.buttons):
            return None
        # The bot's own RSVP buttons read `/rsvp N yes|leave|no` (render.replies.rsvp_buttons).
        words = posted.buttons[button - 1][1].split()
        if len(words) < 3 or words[0] != "/rsvp" or words[2] not in ("yes", "leave", "no"):
            return None
        return f"/rsvp {words[1]} withdraw {words[2]}"

    async def _written(self, answer: Answer, now: datetime) -> Reply:
        """The reply, with an /export's files written (after the update's transaction, off the loop)."""
        if isinstance(answer, Reply):
            return answer
        files = await _ledger_files(answer.snapshot, answer.file_format, self.deps.org, now)
        return export_reply(files, answer.snapshot.year, answer.render)

    async def _answer(
        self, incoming: Incoming, now: datetime, changed: _Changed | None = None
    ) -> list[Answer]:
        parsed = parse_command(
            incoming.text, self.deps.local_date(now), mentions=incoming.mentions, branches=self.branch_words
        )
        if isinstance(parsed, cmds.NotACommand):
            return []
        render = await self.renderer()
        if isinstance(parsed, cmds.ParseError):
            return [Reply(render.parse_error(parsed))]
        if isinstance(parsed, cmds.OpenWebView):
            return [await self.web_link(incoming, now)]
        ctx = self.deps.org.chat_context(incoming.chat) if incoming.chat else None
        if isinstance(parsed, cmds.ShowReport) and parsed.school:
            return [await self._school_report(incoming, parsed, now, render)]
        actor = await roster.identify(self.deps, incoming.platform, incoming.user, incoming.display_name)
        if isinstance(parsed, SCHOOL_READS) and self._reads_for_school(incoming, ctx, parsed.branch, actor):
            try:
                return [await self._school_read(parsed, actor, incoming, now, render)]
            except DomainError as error:
                return [Reply(render.error(error))]
        privately = incoming.chat is None or private_chat_member(incoming.chat) is not None
        if ctx is None and privately and isinstance(parsed, PRIVATE_COMMANDS):
            # A private chat (a Telegram deep link from the 签到大屏's QR code; an approver deciding on a
            # leave request sent there, issue 18): the member's own branch.
            ctx = self._branch_context(actor)
            if ctx is None and isinstance(parsed, cmds.SignIn | cmds.SignInScreen):
                # someone off the roster: the refusal that says what they may do instead
                try:
                    require(actor, Action.SIGN_IN)
                except DomainError as error:
                    return [Reply(render.error(error))]
        if ctx is None and incoming.private and not isinstance(parsed, cmds.Help):
            return [Reply(render.t("tg_private_use_groups"))]  # a branch's business is done in its chats
        if ctx is None and not isinstance(parsed, cmds.Help):
            return [Reply(render.t("chat_not_configured", chat_id=incoming.chat_platform_id))]
        try:
            if isinstance(parsed, cmds.SignInScreen):
                return [await self._screen_link(incoming, parsed, actor, ctx, now, render)]
            answer = await self._dispatch(parsed, actor, ctx, now, render, changed)
        except DomainError as error:
            return [Reply(render.error(await self._with_people(error, ctx)))]
        if self.wake_announcer is not None and _may_write_posts(parsed):
            self.wake_announcer()
        return [answer]

    @property
    def branch_words(self) -> dict[str, str]:
        """Each way a branch is written in a command (key, name) -> its key: `/report t2`, `/报告 教工第二党支部`."""
        words: dict[str, str] = {}
        for branch in self.deps.org.branches:
            words[branch.key] = branch.key
            words[branch.name] = branch.key
        return words

    def _reads_for_school(
        self, incoming: Incoming, ctx: ChatContext | None, branch: str | None, actor: Actor
    ) -> bool:
        """Whether a read command is the 党委's: it names another branch than the chat's, or it comes
        from the 党委 chat or a private chat from a 党委 member (the service checks the rest)."""
        if ctx is not None:
            return branch is not None and branch != ctx.branch
        school = self.deps.org.school
        in_school_chat = school is not None and incoming.chat == school.chat
        return branch is not None or in_school_chat or may_read_school(actor, self.deps.org)

    async def _school_read(
        self, command: SchoolRead, actor: Actor, incoming: Incoming, now: datetime, render: Renderer
    ) -> Answer:
        """A 党委 member reads one branch's record (services/school.py decides who may, and where)."""
        deps = self.deps
        # Where the reply is read: a private chat (None) or a chat key; an unknown group chat is
        # neither, so it is refused like a branch chat.
        chat = None if incoming.private else incoming.chat or f"unknown:{incoming.chat_platform_id}"
        match command:
            case cmds.ShowReport():
                return report_reply(await school.read_report(deps, actor, chat, command, now), render)
            case cmds.ListTasks():
                return render.tasks(await school.read_tasks(deps, actor, chat, command, now))
            case cmds.ListMeetings():
                return render.meetings(await school.read_meetings(deps, actor, chat, command, now), "")
            case cmds.ShowPoints():
                return Reply(
                    render_summary(await school.read_points(deps, actor, chat, command, now), render)
                )
            case cmds.ExportLedger(format=file_format):
                return FilesToWrite(
                    await school.read_ledger(deps, actor, chat, command, now), file_format, render
                )

    def _branch_context(self, actor: Actor) -> ChatContext | None:
        """The member's branch as its branch chat's context, for a command written privately."""
        member = actor.member if actor.on_roster else None
        branch = self.deps.org.branch(member.branch) if member is not None else None
        if branch is None:
            return None
        return ChatContext(chat=branch.chat or "", branch=branch.key, unit=branch.key, kind="branch")

    async def _screen_link(
        self,
        incoming: Incoming,
        command: cmds.SignInScreen,
        actor: Actor,
        ctx: ChatContext | None,
        now: datetime,
        render: Renderer,
    ) -> Reply:
        """`/signin screen N`: the 签到大屏's address, after the service's permission check. Privately
        (and in the console) a one-time link that opens it signed in; in a group the page's address,
        which opens in a browser already signed in (a one-time link there would be anyone's)."""
        screen = await signin_codes.signin_screen(self.deps, actor, ctx, command.meeting_id, now)
        if self.web is None:
            return Reply(render.t("web_off"))
        path = f"/b/{screen.meeting.branch}/meetings/{screen.meeting.id}/screen"
        if incoming.private or incoming.chat is None or incoming.platform == "console":
            identity = web_access.WebIdentity(incoming.platform, incoming.user, incoming.display_name)
            token = await web_access.issue_link(self.deps, identity, now, self.web.link_lifetime)
            minutes = int(self.web.link_lifetime.total_seconds() // 60)
            url = f"{self.web.public_url}/link/{token}?next={path}"
            return Reply(render.t("signin_screen_link_once", id=screen.meeting.id, url=url, minutes=minutes))
        return Reply(render.t("signin_screen_link", id=screen.meeting.id, url=f"{self.web.public_url}{path}"))

    async def _school_report(
        self, incoming: Incoming, command: cmds.ShowReport, now: datetime, render: Renderer
    ) -> Reply:
        """/report school: the 党委 chat is bound to no branch unit, so it is answered here."""
        actor = await roster.identify(self.deps, incoming.platform, incoming.user, incoming.display_name)
        # a private chat is read by its one person, as the web view is: no chat to check (None)
        chat = None if incoming.private else incoming.chat or ""
        try:
            period, standings = await school.show_school_report(self.deps, actor, chat, command, now)
            evaluation = None
            if period.kind is PeriodKind.YEAR:
                evaluation = await school.show_school_evaluation(self.deps, actor, chat, period.year, now)
        except DomainError as error:
            return Reply(render.error(error))
        name = self.deps.org.school.name if self.deps.org.school is not None else ""
        text = render_school_report(name, period, standings, render)
        if evaluation is None:
            return Reply(text)
        # The year's 年度评优 of every member is too long for a chat message: it comes as a workbook.
        from sanhui_bot.exports.files import school_evaluation_file_off_loop  # loaded on the first export

        attachment = await school_evaluation_file_off_loop(evaluation, render.names, self.deps.org)
        line = render.t("school_evaluation_line", members=len(evaluation.rows), filename=attachment.filename)
        return Reply(f"{text}\n{line}", attachments=(attachment,))

    async def press_to_ask(
        self, incoming: Incoming, now: datetime, message_id: str, which: ButtonOf, press_key: str
    ) -> tuple[PostedMessage, int, str] | None:
        """A press that asks a question before it answers (a Matrix 📝 asks for the leave's reason).

        One transaction: the seen mark, the pressed message, the press remembered under `press_key`
        (taking it back withdraws what the answer gives), who pressed. Returns the message, the
        button and the presser's roster name ("" off the roster); None for a press delivered again,
        or one of no button of a message the bot knows.
        """
        try:
            async with updates.once(self.deps, incoming.platform, incoming.update_id, now) as fresh:
                if not fresh:
                    return None
                posted = await self._pressed(incoming, message_id)
                button = which(posted) if posted is not None else None
                if posted is None or button is None:
                    return None
                await self._remember_press(incoming, press_key, posted, button)
                actor = await roster.identify(
                    self.deps, incoming.platform, incoming.user, incoming.display_name
                )
            return posted, button, actor.member.name if actor.member is not None else ""
        except Exception:
            log.exception("failed to handle the press %s", incoming.update_id)
            return None

    async def withdraw_press(
        self, incoming: Incoming, key: str, now: datetime, claim_edit: ClaimEdit | None = None
    ) -> Handled:
        """A remembered press was taken back: withdraw the RSVP it gave, if it is still that answer,
        in one transaction with the update's seen mark (and, with `claim_edit`, what the messages
        showing the meeting show now, as `handle`).

        Other buttons (a rating, a claim) are not undone by taking the press back; nothing is said.
        """
        return await self._handle(incoming, now, None, claim_edit, withdrawn=key)

    async def remember(self, platform: str, chat: str, message_id: str, reply: Reply, now: datetime) -> None:
        """Record a sent message that has buttons, so presses on it can be understood later."""
        if not reply.buttons:
            return
        async with self.deps.uow() as uow:
            await uow.messages.record(
                PostedMessage(
                    platform=platform,
                    chat=chat,
                    message_id=message_id,
                    buttons=[(button.label, button.command) for button in reply.buttons],
                    posted_at=now,
                    subject=reply.subject,
                )
            )
            await uow.commit()

    async def live_views(self, platform: str, subject: str) -> list[tuple[PostedMessage, Reply]]:
        """The bot's messages on `platform` that show `subject`, each with what it should show now.

        After an RSVP or a task's step, adapters edit these messages in place (a tally, a task's
        buttons) instead of posting new ones.
        """
        return (await self.views_waiting(platform, subject))[0]

    async def views_waiting(self, platform: str, subject: str) -> tuple[list[View], str | None]:
        """`live_views`, read in one transaction with the subject's PENDING_EDIT mark (None: none)."""
        if not subject:
            return [], None
        try:
            async with self.deps.uow() as uow:
                with uow.shared():
                    mark = await uow.platform_state.get(platform, PENDING_EDIT + subject)
                    shown = await uow.messages.showing(platform, subject)
                    if not shown:
                        return [], mark
                    view = await self._current(subject, await self.renderer())
        except Exception:
            log.exception("failed to render the current view of %s", subject)
            return [], None
        return ([(message, view) for message in shown] if view is not None else []), mark

    async def edited(self, platform: str, marks: Mapping[str, str]) -> None:
        """The messages of these subjects show what their marks waited for: clear each mark, unless
        a later change marked its subject again (its edit is still to come)."""
        if not marks:
            return
        try:
            async with self.deps.uow() as uow:
                for subject, mark in marks.items():
                    await uow.platform_state.delete_if(platform, PENDING_EDIT + subject, mark)
                await uow.commit()
        except Exception:
            log.exception("failed to clear the pending edits of %s", sorted(marks))

    async def pending_edits(self, platform: str) -> list[str]:
        """The subjects whose messages on `platform` still wait for an edit (after a restart)."""
        async with self.deps.uow() as uow:
            marked = await uow.platform_state.starting_with(platform, PENDING_EDIT)
        return sorted(key.removeprefix(PENDING_EDIT) for key in marked)

    async def _current(
        self, subject: str, render: Renderer, answered: RsvpResult | None = None
    ) -> Reply | None:
        kind, _, number = subject.partition(":")
        if not number.isdigit():
            return None
        if kind == "meeting":
            data = await announcements.meeting_announcement(
                self.deps, int(number), with_attendance=False, answered=answered
            )
            return meeting_post(PostKind.NOTICE, data, render, late=False) if data else None
        if kind == "task":
            async with self.deps.uow() as uow:
                task = await uow.tasks.get(int(number))
            return render.task_card(task) if task else None
        return None

    async def _dispatch(
        self,
        command: cmds.Command,
        actor: Actor,
        ctx: ChatContext | None,
        now: datetime,
        render: Renderer,
        changed: _Changed | None = None,
    ) -> Answer:
        deps = self.deps
        changed = changed if changed is not None else _Changed()
        actor = acting_in(actor, ctx)  # chat and web alike: a member of another branch acts not here
        match command:
            case cmds.Help(topic=topic):
                return render.help(topic)
            case cmds.ListMeetings():
                listing = await meetings.upcoming_meetings(deps, actor, ctx, command, now)
                return render.meetings(listing, ctx.unit if ctx else "")
            case cmds.NewMeeting():
                return render.meeting_created(await meetings.new_meeting(deps, actor, ctx, command, now))
            case cmds.MoveMeeting():
                moved = await meetings.move_meeting(deps, actor, ctx, command, now)
                return render.meeting_moved(moved.before, moved.after, moved.noticed)
            case cmds.SetLesson():
                return render.lesson_set(await meetings.set_lesson(deps, actor, ctx, command, now))
            case cmds.MeetingNotHeld():
                return render.meeting_not_held(await attendance.mark_not_held(deps, actor, ctx, command, now))
            case cmds.RecordAttendance():
                return render.attendance_recorded(
                    await attendance.record_attendance(deps, actor, ctx, command, now)
                )
            case cmds.ReversePoints(entry_id=entry_id, reason=reason):
                return render.points_reversed(
                    await points.reverse_entry(deps, actor, ctx, entry_id, reason, now)
                )
            case cmds.AdjustPoints():
                return render.points_adjusted(await points.adjust_points(deps, actor, ctx, command, now))
            case cmds.CancelMeeting():
                return render.meeting_cancelled(await meetings.cancel_meeting(deps, actor, ctx, command, now))
            case cmds.AddAgenda():
                return render.agenda(await meetings.add_agenda_topic(deps, actor, ctx, command, now))
            case cmds.ShowAgenda(meeting_id=meeting_id):
                return render.agenda(await meetings.show_meeting(deps, actor, ctx, meeting_id))
            case cmds.Rsvp():
                answered = await meetings.answer_rsvp(deps, actor, ctx, command, now)
                changed.note(answered)
                return render.rsvp(answered)
            case cmds.DecideLeave():
                return render.leave_decided(await leave.decide_leave(deps, actor, ctx, command, now))
            case cmds.WithdrawRsvp():
                withdrawn = await meetings.withdraw_rsvp(deps, actor, ctx, command, now)
                changed.note(withdrawn)
                return render.rsvp(withdrawn)
            case cmds.SignIn():
                return render.signin(await meetings.sign_in(deps, actor, ctx, command, now), actor.identity)
            case cmds.SubmitOutline():
                return render.outline(
                    await meetings.submit_outline(deps, actor, ctx, command, now), actor.identity
                )
            case cmds.CloseMeeting():
                return closing_texts.closed(
                    await closing.close_meeting(deps, actor, ctx, command, now), render
                )
            case cmds.PublishDecisions():
                result = await closing.publish_decisions(deps, actor, ctx, command, now)
                return closing_texts.published(result, render, deps.local_date(now))
            case cmds.Suggest():
                return render.suggestion(await suggestions.suggest(deps, actor, ctx, command, now))
            case cmds.Adopt():
                return render.adopted(await suggestions.adopt(deps, actor, ctx, command, now))
            case cmds.RecordDecision():
                return render.decision(await tasks.record_decision(deps, actor, ctx, command, now))
            case cmds.ListTasks():
                return render.tasks(await tasks.list_tasks(deps, actor, ctx, command, now))
            case cmds.ClaimTask():
                return render.claimed(await tasks.claim_task(deps, actor, ctx, command, now))
            case cmds.CompleteTask():
                return render.completed(await tasks.complete_task(deps, actor, ctx, command, now))
            case cmds.RateTask():
                return render.rated(await tasks.rate_task(deps, actor, ctx, command, now))
            case cmds.ShowPoints():
                return render.points(await points.member_points(deps, actor, ctx, command, now))
            case cmds.Join():
                return render.join_requested(await roster.request_join(deps, actor, ctx, command, now))
            case cmds.ListJoins():
                return render.joins(await roster.list_join_requests(deps, actor, ctx, command))
            case cmds.ApproveJoin():
                member = await roster.approve_join(deps, actor, ctx, command, now)
                return render.approved(member)
            case cmds.ShowReport():
                return report_reply(await reports.show_report(deps, actor, ctx, command, now), render)
            case cmds.ShowMinutes():
                return minutes_reply(await reports.show_minutes(deps, actor, ctx, command, now), render)
            case cmds.ExportLedger(format=file_format):
                snapshot = await export.export_for_chat(deps, actor, ctx, command, now)
                return FilesToWrite(snapshot, file_format, render)
            case cmds.OpenWebView():
                return Reply(render.t("web_off"))  # answered before dispatch (`web_link`)
            case cmds.SignInScreen():  # answered before dispatch (`_screen_link`); the page has its own
                await signin_codes.signin_screen(deps, actor, ctx, command.meeting_id, now)
                return Reply(render.t("web_off"))
        raise AssertionError(f"unhandled command {command!r}")


async def _ledger_files(
    snapshot: LedgerSnapshot, file_format: str, org: Organisation, now: datetime
) -> tuple[Attachment, ...]:
    """The ledger as files, written on a worker thread; the writers are loaded on the first export."""
    from sanhui_bot.exports.files import ledger_files_off_loop

    return await ledger_files_off_loop(snapshot, file_format, org, now)
