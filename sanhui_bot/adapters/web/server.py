"""The 台账 web view: an aiohttp server rendering Jinja2 pages over the services.

Handlers are thin: who is asking (session cookie → platform identity → roster), one service call,
a template. Actions go through `Conversation.perform`, the dispatch chat commands use, so a page
form and a chat command meet the same permission checks and get the same replies; afterwards the
chat's live views (tallies, task cards) are refreshed through `on_change`, as after a command.

Pages live under /b/<branch>/…. A member sees the own branch's; a 党委 member reads every branch's
(the /school page links to each) and is offered no act where they are not on the roster — the services
decide both, as for `/tasks t2` in a private chat. Another branch's ids answer 404; an action the
services refuse for want of a right answers 403. Every form carries an anti-forgery token derived from
the session; every template is autoescaped.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets
import zipfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import jinja2
import segno
from aiohttp import web
from markupsafe import Markup, escape

from sanhui_bot.adapters.conversation import Conversation
from sanhui_bot.adapters.web.identity import Refused, verify_init_data, verify_openid
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.model import ParseError
from sanhui_bot.config import WebConfig
from sanhui_bot.domain.attendance import AttendanceMark, may_record
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.errors import DomainError, NotFound, PermissionDenied
from sanhui_bot.domain.model import Actor, ChatContext, LeaveType, Rating, RsvpAnswer, SignInMethod
from sanhui_bot.domain.permissions import Action, allowed, may_read_school, reads_only
from sanhui_bot.domain.signin_codes import deep_link_payload
from sanhui_bot.exports.files import ledger_files_off_loop
from sanhui_bot.render.catalog import EN, ZH
from sanhui_bot.render.periods import period_name
from sanhui_bot.render.replies import renderer_for
from sanhui_bot.render.reports import percent
from sanhui_bot.render.web import page_text
from sanhui_bot.services import ledger, roster, school, signin_codes, web_access
from sanhui_bot.services.web_access import WebIdentity

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "sanhui_session"
LANG_COOKIE = "sanhui_lang"
EXPORT_FORMATS = ("xlsx", "csv", "ics")
SCREEN_REFRESH_MS = 1000  # how often the 签到大屏 asks for the code and the names (a code lasts 30 s)
# Refusals that mean "no such meeting or task in your branch": the page answers 404, as for any
# unknown address, so another branch's ids cannot even be told apart from ids never used.
UNKNOWN_IDS = ("meeting_not_found", "task_not_found")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Viewer:
    """Who is asking: the session's identity, as the roster knows it now."""

    identity: WebIdentity
    actor: Actor
    token: str
    csrf: str
    language: str


@dataclass
class Page:
    """A page to render: its template, its values, and a flash line from an action."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


class WebServer:
    """Serves the pages; started by `bot.py run` (beside the chat platforms) or by `bot.py web` alone."""

    platform = "web"

    def __init__(
        self,
        config: WebConfig,
        conversation: Conversation,
        *,
        secret: str | None,
        telegram_token: str | None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.config = config
        self.conversation = conversation
        self.deps = conversation.deps
        self.telegram_token = telegram_token
        self.clock = clock
        if secret is None:
            log.warning(
                "%s is not set: page forms are signed with a key that changes on restart", config.secret_env
            )
        self._secret = (secret or secrets.token_hex(32)).encode()
        # Called with a subject ("meeting:12", "task:3") after an action changed it: the chat
        # platforms edit their messages showing it, as after a command.
        self.on_change: list[Callable[[str], None]] = []
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every value is escaped, in every template
            undefined=jinja2.StrictUndefined,
        )
        # The bot's Telegram @username once the Telegram platform knows it (`bot.py run` sets this): the
        # 签到大屏's QR code is then a t.me deep link; without it the QR code holds the command to type.
        self.telegram_username: Callable[[], str | None] = lambda: None
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    # --- lifecycle

    def application(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        get, post = web.get, web.post
        app.add_routes(
            [
                get("/", self.home),
                get("/tg", self.telegram_start),
                post("/auth/telegram", self.telegram_auth),
                get("/mx", self.matrix_start),
                post("/auth/matrix", self.matrix_auth),
                get("/link/{token}", self.link_page),
                post("/link/{token}", self.link_redeem),
                post("/logout", self.logout),
                get("/school", self.school_page),
                get("/b/{branch}/me", self.me_page),
                get("/b/{branch}/meetings", self.meetings_page),
                get("/b/{branch}/tasks", self.tasks_page),
                get("/b/{branch}/points", self.points_page),
                get("/b/{branch}/compliance", self.compliance_page),
                get("/b/{branch}/public", self.public_page),
                get("/b/{branch}/export/{format}", self.export_file),
                get("/b/{branch}/meetings/{number}/screen", self.screen_page),
                get("/b/{branch}/meetings/{number}/screen.json", self.screen_state),
                post("/b/{branch}/meetings/{number}/{action}", self.meeting_action),
                post("/b/{branch}/tasks/{number}/{action}", self.task_action),
                web.static("/static", HERE / "static"),
            ]
        )
        app.middlewares.append(self._headers)
        return app

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        log.warning("web view on http://%s (public %s)", self.config.listen, self.config.public_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    @web.middleware
    async def _headers(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        # Inline scripts only from our own pages; frames only where a Telegram or Matrix client embeds us.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:",
        )
        return response

    # --- who is asking

    def _csrf(self, token: str) -> str:
        return hmac.new(self._secret, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()

    def _language(self, request: web.Request) -> str:
        wanted = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
        return wanted if wanted in (ZH, EN) else self.conversation.language

    async def _viewer(self, request: web.Request) -> Viewer | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return None
        identity = await web_access.session_identity(self.deps, token, self.clock())
        if identity is None:
            return None
        actor = await roster.identify(self.deps, identity.platform, identity.user, identity.display_name)
        return Viewer(identity, actor, token, self._csrf(token), self._language(request))

    def _branch(self, request: web.Request, viewer: Viewer) -> ChatContext:
        """The branch of the URL as the chat context of its branch chat (who may see it: the services)."""
        found = self.deps.org.branch(request.match_info["branch"])
        if found is None:
            raise web.HTTPNotFound()
        return ChatContext(chat=found.chat or "", branch=found.key, unit=found.key, kind="branch")

    def _home_of(self, viewer: Viewer) -> str:
        member = viewer.actor.member if viewer.actor.on_roster else None
        if member is not None:
            return f"/b/{member.branch}/me"
        if may_read_school(viewer.actor, self.deps.org):
            return "/school"  # a 党委 member of no branch: every branch, and the way to each
        branches = self.deps.org.branches
        return f"/b/{branches[0].key}/public" if branches else "/"

    # --- rendering

    async def _render(self, request: web.Request, viewer: Viewer | None, page: Page) -> web.Response:
        language = viewer.language if viewer else self._language(request)
        render = await renderer_for(self.deps, language)
        branch = request.match_info.get("branch", "")
        member = viewer.actor.member if viewer and viewer.actor.on_roster else None
        # On a branch's page: the viewer as that branch sees them (a member of another branch is no
        # member here); a 党委 member not on its roster only reads, so no form is offered to them.
        reader = (
            bool(branch)
            and viewer is not None
            and reads_only(
                viewer.actor, branch, self.deps.org, await roster.seated_on(self.deps, self.clock())
            )
        )
        if branch and member is not None and member.branch != branch:
            member = None

        def t(key: str, **params: object) -> str:
            return page_text(key, language, **params)

        def names(keys: Sequence[str]) -> Markup:
            """Members by name, each marked with its key (escaped: names come from the roster)."""
            shown = [
                f'<span class="name" data-key="{escape(key)}">{escape(render.name(key))}</span>'
                for key in keys
            ]
            return Markup("、".join(shown) or "—")  # every part is escaped above

        values = {
            "t": t,
            "w": render.w,
            "name": render.name,
            "names": names,
            "when": render.when,
            "unit_name": self.deps.org.unit_name,
            "group_name": render.group_name,
            "day": lambda moment: render.when(moment).split(" ")[0],
            "viewer": viewer,
            "member": member,
            "branch": branch,
            "language": language,
            "path": request.path,
            "may": lambda action: not reader and allowed(member, action),
            "reader": reader,
            "viewer_name": _name_of(viewer.actor) if viewer is not None else "",
            "may_read": lambda action: reader or allowed(member, action),
            "may_record": lambda meeting: member is not None and may_record(member, meeting),
            # issue 18: a meeting in the room is signed in with its 签到大屏's code (the form asks for it)
            "by_code": lambda meeting: (
                signin_codes.meeting_signin_method(self.deps, meeting) is SignInMethod.CODE
            ),
            "may_read_school": viewer is not None and may_read_school(viewer.actor, self.deps.org),
            "Action": Action,
            "now": self.clock(),
            "lead": self.deps.signin_lead,
            "flash": None,
            "flash_ok": True,
            **page.values,
        }
        html = self.templates.get_template(page.template).render(values)
        response = web.Response(text=html, content_type="text/html", status=page.status)
        if "lang" in request.query and language in (ZH, EN):
            response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response

    async def _login_page(self, request: web.Request, refused: str | None = None) -> web.Response:
        return await self._render(request, None, Page("login.html", {"refused": refused}, status=401))

    async def _refusal(self, request: web.Request, viewer: Viewer, error: DomainError) -> web.Response:
        if isinstance(error, NotFound) and error.code in UNKNOWN_IDS:
            raise web.HTTPNotFound()
        render = await renderer_for(self.deps, viewer.language)
        return await self._render(
            request, viewer, Page("refused.html", {"message": render.error(error)}, status=403)
        )

    # --- signing in

    async def home(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request)
        if viewer is None:
            return await self._login_page(request)
        raise web.HTTPSeeOther(self._home_of(viewer))

    async def telegram_start(self, request: web.Request) -> web.StreamResponse:
        """The Mini App's address: its script reads #tgWebAppData and proves it at /auth/telegram."""
        return await self._render(request, None, Page("start.html", {"kind": "telegram"}))

    async def telegram_auth(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        init_data = str(form.get("init_data", ""))
        if self.telegram_token is None:
            return web.json_response({"error": "telegram is not configured"}, status=403)
        try:
            user = verify_init_data(
                init_data, self.telegram_token, self.clock(), self.config.init_data_max_age_seconds
            )
        except Refused as refused:
            log.info("Mini App initData refused: %s", refused.reason)
            return web.json_response({"error": "refused"}, status=403)
        return await self._signed_in(WebIdentity("telegram", str(user.id), user.name), json_reply=True)

    async def matrix_start(self, request: web.Request) -> web.StreamResponse:
        """The room widget's address: its script asks the client for an OpenID token (widget API)."""
        return await self._render(request, None, Page("start.html", {"kind": "matrix"}))

    async def matrix_auth(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "refused"}, status=400)
        if not isinstance(body, dict) or self._http is None:
            return web.json_response({"error": "refused"}, status=400)
        try:
            user_id = await verify_openid(
                self._http,
                str(body.get("matrix_server_name", "")),
                str(body.get("access_token", "")),
                self.config.matrix_homeservers,
            )
        except Refused as refused:
            log.info("Matrix OpenID token refused: %s", refused.reason)
            return web.json_response({"error": "refused"}, status=403)
        return await self._signed_in(WebIdentity("matrix", user_id), json_reply=True)

    async def link_page(self, request: web.Request) -> web.StreamResponse:
        # A GET never uses the link up: chat clients fetch links for previews.
        values = {"token": request.match_info["token"], "next": _next_path(request.query.get("next", ""))}
        return await self._render(request, None, Page("link.html", values))

    async def link_redeem(self, request: web.Request) -> web.StreamResponse:
        identity = await web_access.redeem_link(self.deps, request.match_info["token"], self.clock())
        if identity is None:
            return await self._login_page(request, refused="login.link_used")
        return await self._signed_in(
            identity, json_reply=False, next_path=_next_path(request.query.get("next", ""))
        )

    async def _signed_in(
        self, identity: WebIdentity, json_reply: bool, next_path: str = ""
    ) -> web.StreamResponse:
        lifetime = timedelta(minutes=self.config.session_minutes)
        token = await web_access.open_session(self.deps, identity, self.clock(), lifetime)
        actor = await roster.identify(self.deps, identity.platform, identity.user, identity.display_name)
        viewer = Viewer(identity, actor, token, "", self.conversation.language)
        target = next_path or self._home_of(viewer)
        response: web.StreamResponse = (
            web.json_response({"next": target}) if json_reply else _see_other(target)
        )
        # In a Telegram or Matrix client the page may sit in a frame of another site: there the cookie
        # must be SameSite=None (hence Secure, https only); every form carries its own CSRF token.
        secure = (self.config.public_url or "").startswith("https://")
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(lifetime.total_seconds()),
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
            path="/",
        )
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request)
        if viewer is None:
            raise web.HTTPSeeOther("/")
        await self._check_csrf(request, viewer)
        await web_access.revoke_session(self.deps, viewer.token)
        response = _see_other("/")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    async def _check_csrf(self, request: web.Request, viewer: Viewer) -> dict[str, str]:
        form = await request.post()
        sent = str(form.get("csrf", ""))
        if not hmac.compare_digest(sent, viewer.csrf):
            raise web.HTTPForbidden(text=page_text("forbidden_form", viewer.language))
        return {key: str(value) for key, value in form.items()}

    # --- pages

    async def _entered(self, request: web.Request) -> tuple[Viewer, ChatContext] | web.Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return await self._login_page(request)
        return viewer, self._branch(request, viewer)

    def _month(self, request: web.Request) -> tuple[int, int]:
        today = self.deps.local_date(self.clock())
        text = request.query.get("month", "")
        year, _, month = text.partition("-")
        if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
            return int(year), int(month)
        return today.year, today.month

    async def _page(
        self,
        request: web.Request,
        build: Callable[[Viewer, ChatContext], Awaitable[Page]],
    ) -> web.StreamResponse:
        entered = await self._entered(request)
        if isinstance(entered, web.Response):
            return entered
        viewer, ctx = entered
        try:
            page = await build(viewer, ctx)
        except DomainError as error:
            return await self._refusal(request, viewer, error)
        return await self._render(request, viewer, page)

    async def _meetings(self, viewer: Viewer, ctx: ChatContext, year: int, month: int) -> Page:
        found = await ledger.month_meetings(self.deps, viewer.actor, ctx, year, month, self.clock())
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        return Page(
            "meetings.html",
            {
                "month": found,
                "month_key": f"{year}-{month:02d}",
                "previous": f"{previous[0]}-{previous[1]:02d}",
                "following": f"{following[0]}-{following[1]:02d}",
                "leave_types": list(LeaveType),
                "csrf": viewer.csrf,
            },
        )

    async def meetings_page(self, request: web.Request) -> web.StreamResponse:
        year, month = self._month(request)
        return await self._page(request, lambda viewer, ctx: self._meetings(viewer, ctx, year, month))

    async def _tasks(self, viewer: Viewer, ctx: ChatContext, filters: ledger.TaskFilter) -> Page:
        cards = await ledger.task_board(self.deps, viewer.actor, ctx, filters, self.clock())
        async with self.deps.uow() as uow:
            members = [m for m in await self.deps.roster.branch(uow, ctx.branch)]
        by_status: dict[str, list[ledger.TaskCard]] = {}
        for card in cards:
            by_status.setdefault(card.task.status.value, []).append(card)
        return Page(
            "tasks.html",
            {
                "columns": [
                    (status, by_status.get(status, [])) for status in ("open", "claimed", "done", "rated")
                ],
                "filters": filters,
                "groups": self.deps.org.groups(ctx.branch),
                "members": members,
                "ratings": list(Rating),
                "csrf": viewer.csrf,
                "any": bool(cards),
            },
        )

    def _task_filter(self, request: web.Request) -> ledger.TaskFilter:
        return ledger.TaskFilter(
            group=request.query.get("group") or None,
            owner=request.query.get("owner") or None,
            overdue=request.query.get("overdue") == "1",
        )

    async def tasks_page(self, request: web.Request) -> web.StreamResponse:
        filters = self._task_filter(request)
        return await self._page(request, lambda viewer, ctx: self._tasks(viewer, ctx, filters))

    async def points_page(self, request: web.Request) -> web.StreamResponse:
        year, month = self._month(request)

        async def build(viewer: Viewer, ctx: ChatContext) -> Page:
            board = await ledger.points_board(self.deps, viewer.actor, ctx, year, month, self.clock())
            return Page("points.html", {"board": board, "month_key": f"{year}-{month:02d}"})

        return await self._page(request, build)

    async def compliance_page(self, request: web.Request) -> web.StreamResponse:
        year, month = self._month(request)

        async def build(viewer: Viewer, ctx: ChatContext) -> Page:
            periods = [
                ("compliance.month", cmds.ShowReport(PeriodKind.MONTH, year, month)),
                ("compliance.quarter", cmds.ShowReport(PeriodKind.QUARTER, year, (month - 1) // 3 + 1)),
                ("compliance.year", cmds.ShowReport(PeriodKind.YEAR, year)),
            ]
            found = [
                (label, await ledger.report_page(self.deps, viewer.actor, ctx.branch, command, self.clock()))
                for label, command in periods
            ]
            return Page(
                "compliance.html", {"reports": found, "month_key": f"{year}-{month:02d}", "year": year}
            )

        return await self._page(request, build)

    async def school_page(self, request: web.Request) -> web.StreamResponse:
        """The 党委's page: every branch for the month, its quarter and its year, as `/report school`."""
        viewer = await self._viewer(request)
        if viewer is None:
            return await self._login_page(request)
        year, month = self._month(request)
        try:
            found = await school.school_page(self.deps, viewer.actor, year, month, self.clock())
        except DomainError as error:
            return await self._refusal(request, viewer, error)
        render = await renderer_for(self.deps, viewer.language)
        values = {
            "summaries": found,
            "period_name": lambda period: period_name(period, render),
            "school": self.deps.org.school.name if self.deps.org.school is not None else "",
            "month_key": f"{year}-{month:02d}",
            "percent": lambda value: percent(value, render),
            "unit_names": lambda keys: "、".join(self.deps.org.unit_name(key) for key in keys),
        }
        return await self._render(request, viewer, Page("school.html", values))

    async def me_page(self, request: web.Request) -> web.StreamResponse:
        async def build(viewer: Viewer, ctx: ChatContext) -> Page:
            member = viewer.actor.member if viewer.actor.on_roster else None
            if member is None or member.branch != ctx.branch:
                # off the roster, or another branch's page (the 党委 reads it; `public_board` decides)
                return await self._public(viewer, ctx)
            mine = await ledger.my_page(self.deps, viewer.actor, ctx, self.clock())
            return Page("me.html", {"page": mine, "csrf": viewer.csrf, "leave_types": list(LeaveType)})

        return await self._page(request, build)

    async def _public(self, viewer: Viewer, ctx: ChatContext) -> Page:
        board = await ledger.public_board(self.deps, viewer.actor, ctx.branch, self.clock())
        return Page("public.html", {"board": board, "csrf": viewer.csrf, "ratings": list(Rating)})

    async def public_page(self, request: web.Request) -> web.StreamResponse:
        return await self._page(request, self._public)

    async def export_file(self, request: web.Request) -> web.StreamResponse:
        file_format = request.match_info["format"]
        if file_format not in EXPORT_FORMATS:
            raise web.HTTPNotFound()
        entered = await self._entered(request)
        if isinstance(entered, web.Response):
            return entered
        viewer, ctx = entered
        year_text = request.query.get("year", "")
        command = cmds.ExportLedger(file_format, int(year_text) if year_text.isdigit() else None)
        now = self.clock()
        try:
            snapshot = await ledger.ledger_download(self.deps, viewer.actor, ctx.branch, command, now)
        except DomainError as error:
            return await self._refusal(request, viewer, error)
        files = await ledger_files_off_loop(snapshot, file_format, self.deps.org, now)
        if len(files) == 1:
            data, filename, mime = files[0].data, files[0].filename, files[0].mime
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for attachment in files:
                    archive.writestr(attachment.filename, attachment.data)
            data, filename, mime = buffer.getvalue(), f"台账-{snapshot.year}-csv.zip", "application/zip"
        response = web.Response(body=data, content_type=mime.split(";")[0])
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
        return response

    # --- the 签到大屏 (issue 18)

    async def _screen(self, request: web.Request) -> tuple[Viewer, signin_codes.SigninScreen] | web.Response:
        entered = await self._entered(request)
        if isinstance(entered, web.Response):
            return entered
        viewer, ctx = entered
        number = request.match_info["number"]
        if not number.isdigit():
            raise web.HTTPNotFound()
        try:  # the same service, and so the same permission check, as `/signin screen N`
            return viewer, await signin_codes.signin_screen(
                self.deps, viewer.actor, ctx, int(number), self.clock()
            )
        except DomainError as error:
            return await self._refusal(request, viewer, error)

    async def screen_page(self, request: web.Request) -> web.StreamResponse:
        """The 签到大屏: the page the room's screen shows; screen.js keeps it current from screen.json."""
        found = await self._screen(request)
        if isinstance(found, web.Response):
            return found
        viewer, screen = found
        state = await self._screen_values(viewer, screen)
        return await self._render(request, viewer, Page("screen.html", {"screen": screen, "state": state}))

    async def screen_state(self, request: web.Request) -> web.StreamResponse:
        """What the 签到大屏 shows now, as JSON: the code and its QR code, until when, who has signed in."""
        found = await self._screen(request)
        if isinstance(found, web.Response):
            return web.json_response({"error": "refused"}, status=found.status)
        viewer, screen = found
        return web.json_response(await self._screen_values(viewer, screen))

    async def _screen_values(self, viewer: Viewer, screen: signin_codes.SigninScreen) -> dict[str, Any]:
        render = await renderer_for(self.deps, viewer.language)
        meeting = screen.meeting
        now = self.clock()
        state = "open" if screen.code is not None else ("waiting" if now < screen.opens_at else "over")
        values: dict[str, Any] = {
            "state": state,
            "meeting": meeting.id,
            "code": None,
            "qr": None,
            "valid_until": None,
            "refresh_ms": SCREEN_REFRESH_MS,
            "expected": len(screen.expected),
            "signed": [
                {
                    "key": s.member,
                    "name": render.name(s.member),
                    "at": render.when(s.signed_at).split(" ")[-1],
                }
                for s in screen.signed
            ],
        }
        if screen.code is not None:
            payload = deep_link_payload(meeting.id or 0, screen.code.code)
            username = self.telegram_username()
            # Telegram opens the bot with the code (a deep link); elsewhere the digits are typed.
            text = (
                f"https://t.me/{username}?start={payload}"
                if username
                else f"/signin {meeting.id} {screen.code.code}"
            )
            values.update(
                code=screen.code.code,
                qr=segno.make(text, error="m").svg_data_uri(scale=8, border=2),
                valid_until=screen.code.valid_until.isoformat(),
            )
        return values

    # --- actions

    async def _act(
        self,
        request: web.Request,
        command_of: Callable[[dict[str, str], int], cmds.Command | ParseError],
        subject_kind: str,
    ) -> web.StreamResponse:
        entered = await self._entered(request)
        if isinstance(entered, web.Response):
            return entered
        viewer, ctx = entered
        form = await self._check_csrf(request, viewer)
        number_text = request.match_info["number"]
        if not number_text.isdigit():
            raise web.HTTPNotFound()
        number = int(number_text)
        command = command_of(form, number)
        render = await renderer_for(self.deps, viewer.language)
        if isinstance(command, ParseError):
            text, done = render.parse_error(command), False
        else:
            reply, refusal = await self.conversation.perform(
                command, viewer.actor, ctx, self.clock(), language=viewer.language
            )
            if isinstance(refusal, NotFound) and refusal.code in UNKNOWN_IDS:
                raise web.HTTPNotFound()  # another branch's ids are not there at all
            text, done = reply.text, refusal is None
            if done:
                for notify in self.on_change:
                    notify(f"{subject_kind}:{number}")
            if isinstance(refusal, PermissionDenied):
                # no right to it (a forged form, e.g. a 党委 reader's): the services' refusal, as 403
                page = await self._back(request, viewer, ctx, form.get("back", ""), text, done)
                page.set_status(403)
                return page
        return await self._back(request, viewer, ctx, form.get("back", ""), text, done)

    async def _back(
        self, request: web.Request, viewer: Viewer, ctx: ChatContext, back: str, flash: str, done: bool
    ) -> web.Response:
        """Show the page the form was on again, with the outcome on top."""
        try:
            if back.startswith("meetings:"):
                year, _, month = back.partition(":")[2].partition("-")
                if year.isdigit() and month.isdigit():
                    page = await self._meetings(viewer, ctx, int(year), int(month))
                else:
                    today = self.deps.local_date(self.clock())
                    page = await self._meetings(viewer, ctx, today.year, today.month)
            elif back == "tasks":
                page = await self._tasks(viewer, ctx, ledger.TaskFilter())
            elif back == "me" and viewer.actor.on_roster:
                page = Page(
                    "me.html",
                    {
                        "page": await ledger.my_page(self.deps, viewer.actor, ctx, self.clock()),
                        "csrf": viewer.csrf,
                        "leave_types": list(LeaveType),
                    },
                )
            else:
                page = await self._public(viewer, ctx)
        except DomainError:
            try:
                page = await self._public(viewer, ctx)
            except DomainError:  # not even the 公示 of this branch: the outcome alone
                page = Page("refused.html", {"message": ""})
        page.values.update(flash=flash, flash_ok=done)
        return await self._render(request, viewer, page)

    async def meeting_action(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]

        def command_of(form: dict[str, str], number: int) -> cmds.Command | ParseError:
            if action == "rsvp":
                answer = form.get("answer", "")
                if answer not in ("yes", "no", "leave"):
                    return ParseError("bad_answer", "rsvp", {"value": answer})
                leave_type = form.get("leave_type", "")
                kind = LeaveType(leave_type) if leave_type in {t.value for t in LeaveType} else None
                if answer != "leave":
                    kind = None
                return cmds.Rsvp(number, RsvpAnswer(answer), kind, form.get("reason", "").strip()[:500])
            if action == "signin":
                code = form.get("code", "").strip()
                if code and not (len(code) == 6 and code.isdigit()):
                    return ParseError("bad_signin_code", "signin", {"value": code[:20]})
                return cmds.SignIn(number, code or None)
            if action == "publish":
                return cmds.PublishDecisions(number)
            if action == "attendance":
                return _attendance_command(form, number)
            if action == "leave":  # issue 18: an approver decides on a pending leave request
                decision = form.get("decision", "")
                if decision not in ("approve", "refuse"):
                    return ParseError("bad_subcommand", "leave", {"value": decision})
                member = cmds.MemberMention(form.get("member", "").strip())
                reason = form.get("reason", "").strip()[:500]
                return cmds.DecideLeave(number, member, decision == "approve", reason)
            raise web.HTTPNotFound()

        return await self._act(request, command_of, "meeting")

    async def task_action(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]

        def command_of(form: dict[str, str], number: int) -> cmds.Command | ParseError:
            if action == "claim":
                return cmds.ClaimTask(number, form.get("group") or None)
            if action == "done":
                return cmds.CompleteTask(number, form.get("note", "").strip()[:500])
            if action == "rate":
                rating = form.get("rating", "")
                if rating not in {r.value for r in Rating}:
                    return ParseError("bad_rating", "rate", {"value": rating})
                return cmds.RateTask(number, Rating(rating))
            raise web.HTTPNotFound()

        return await self._act(request, command_of, "task")


def _name_of(actor: Actor) -> str:
    """The viewer's roster name: a branch member's, a 党委 member's of no branch; else empty."""
    if actor.member is not None:
        return actor.member.name
    return actor.school_member.name if actor.school_member is not None else ""


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename, safe="")


def _next_path(path: str) -> str:
    """Where a one-time link goes after signing in: a page of ours only (`/b/…`), never another site."""
    if (
        path.startswith("/b/")
        and "//" not in path
        and "\\" not in path
        and all(c.isprintable() for c in path)
    ):
        return path
    return ""


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _attendance_command(form: dict[str, str], meeting: int) -> cmds.RecordAttendance | ParseError:
    """The attendance form: `mark:<key>` (present/leave/absent, or empty to leave alone), with
    `type:<key>` and `reason:<key>` for leave; the same command as `/attendance N @key 出席 …`."""
    marks = {mark.value for mark in AttendanceMark}
    kinds = {kind.value for kind in LeaveType}
    lines = []
    for field_name, value in form.items():
        if not field_name.startswith("mark:") or not value:
            continue
        key = field_name.partition(":")[2]
        if value not in marks:
            return ParseError("bad_mark", "attendance", {"value": value})
        mark = AttendanceMark(value)
        kind = form.get(f"type:{key}", "")
        leave_type = LeaveType(kind) if mark is AttendanceMark.LEAVE and kind in kinds else None
        reason = form.get(f"reason:{key}", "").strip()[:500]
        lines.append(cmds.AttendanceLine(cmds.MemberMention(key), mark, leave_type, reason))
    if not lines:
        return ParseError("missing_argument", "attendance", {"param": "member"})
    return cmds.RecordAttendance(meeting, tuple(lines))
