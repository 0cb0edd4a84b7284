"""sanhui-bot on Telegram: a python-telegram-bot v22 `Application` started beside the other platforms.

Handlers are thin: they turn an update into an `Incoming` (or a button press), let the shared
`Conversation` run the one service it names, and send what it renders. Button presses answer with
a short pop-up and edit the messages that show the changed meeting or task in place, so a group is
not flooded with "张伟 will attend" lines. Sends go through PTB's `AIORateLimiter` (Telegram's flood
limits); the announcer's posts raise on failure so the outbox retries them.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InputFile,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sanhui_bot.adapters.conversation import SCHOOL_READS, Conversation, Incoming
from sanhui_bot.adapters.notice_edits import NoticeEdits
from sanhui_bot.adapters.telegram.callback_data import decode_button, press_matches
from sanhui_bot.adapters.telegram.first_poll import ALLOWED_UPDATES, FirstPoll
from sanhui_bot.adapters.telegram.translate import (
    CAPTION_LIMIT,
    addressed_to_other_bot,
    asks_for_export,
    chat_id_of,
    display_name,
    fit_text,
    is_command,
    keyboard,
    ledger_button,
    needs_reason,
    split_text,
    toast,
    usernames_mentioned,
    utf16_length,
    with_mentions,
)
from sanhui_bot.commands import model as cmds
from sanhui_bot.commands.parser import parse_command
from sanhui_bot.config import TelegramConfig
from sanhui_bot.domain.announcements import private_chat, private_chat_member
from sanhui_bot.domain.signin_codes import parse_deep_link_payload
from sanhui_bot.first_poll_config import PollSettings
from sanhui_bot.render.catalog import message as catalog_message
from sanhui_bot.render.replies import Button, Reply
from sanhui_bot.services import announcements, posts, roster
from sanhui_bot.services.ports import PostedMessage

log = logging.getLogger(__name__)

PLATFORM = "telegram"
# The commands Telegram's "/" menu offers (names must be ASCII; Chinese aliases still work when typed).
MENU_COMMANDS = (
    "help",
    "meetings",
    "agenda",
    "rsvp",
    "signin",
    "suggest",
    "decision",
    "close",
    "publish",
    "tasks",
    "claim",
    "done",
    "rate",
    "points",
    "report",
    "minutes",
    "export",
    "join",
)
# Counters (named integers kept with the data): a person's private chat with the bot, 0 once blocked.
PRIVATE_CHAT_COUNTER = "telegram_private_chat:{user}"
# seen_updates marks: an unconfigured chat has been told its id (so it is told once).
UNCONFIGURED_MARK = "unconfigured-chat:{chat}"
# platform_state key: a @username (case-folded) -> the id of the user last seen going by it
USERNAME_KEY = "username:{name}"
# A reply to someone's own command may wait out a short flood pause; the announcer's posts may not
# (they raise, and the outbox retries later).
INTERACTIVE_RETRIES = 2
# The subject a leave-reason question is remembered under: whose reply it waits for.
LEAVE_PROMPT_SUBJECT = "leave-prompt:{user}"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _ExportFilter(filters.MessageFilter):
    """Messages that ask for an /export (see `asks_for_export`)."""

    def __init__(self, today: Callable[[], date]) -> None:
        super().__init__(name="export")
        self._today = today

    def filter(self, message: Message) -> bool:
        return message.text is not None and asks_for_export(message.text, self._today())


class TelegramPlatform:
    """The Telegram platform: receives updates itself and posts the announcer's messages."""

    platform = PLATFORM

    def __init__(
        self,
        config: TelegramConfig,
        token: str,
        conversation: Conversation,
        *,
        webhook_secret: str | None = None,
        web_url: str | None = None,
        clock: Clock = _utc_now,
        first_poll: FirstPoll | None = None,
    ) -> None:
        self.config = config
        self.web_url = web_url  # the 台账 page ([web] public_url), for the button under notices and cards
        self.conversation = conversation
        self.deps = conversation.deps
        self.clock = clock
        self.webhook_secret = webhook_secret
        self.username: str | None = None
        self._usernames: dict[str, int] = {}  # what this process knows of USERNAME_KEY
        self._background: set[asyncio.Task[None]] = set()
        # In-place edits, at most one per notice every `edit_interval_seconds` (issue 15).
        self.edits = NoticeEdits(
            conversation, PLATFORM, lambda: self.config.edit_interval_seconds, self._edit, clock
        )
        if first_poll is None:  # built here, and released as it starts
            first_poll = FirstPoll(PollSettings.of_telegram(token, config))
            self._polling_already = False
        else:  # `bot.py run` started it polling before the rest of the bot loaded
            self._polling_already = True
        self.first_poll = first_poll
        self.application = first_poll.application
        self._install_handlers(self.application)

    # --- life cycle

    def _install_handlers(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(CallbackQueryHandler(self._on_press))
        application.add_handler(
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, self._on_edited)
        )
        # PTB handles one update at a time: an /export (its workbook is written on a thread) is handled
        # beside the updates after it, so that another chat's /rsvp is not held up by a year's files.
        exports = filters.UpdateType.MESSAGE & filters.TEXT & _ExportFilter(self._today)
        application.add_handler(MessageHandler(exports, self._on_message, block=False))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message))
        application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, and begin polling or listening for the webhook."""
        application = self.application
        if self._polling_already:
            # Polling began before the rest of the bot loaded; what it received waited in the queue.
            await self._post_init(application)
            await application.start()
            self.first_poll.get_updates.release()  # now the next getUpdates may confirm it
            self._spawn(self._publish_menu(application.bot))
            self.edits.resume()
            return
        await application.initialize()
        # run_polling() would call post_init; the bot runs beside other platforms, so it starts by hand.
        await self._post_init(application)
        self.first_poll.get_updates.release()  # nothing waits to be confirmed: poll as usual
        updater = application.updater
        assert updater is not None
        if self.config.mode == "webhook":
            if self.webhook_secret is None:
                log.warning(
                    "webhook mode without %s: anyone who finds the URL can post updates",
                    self.config.webhook_secret_env,
                )
            await updater.start_webhook(
                listen=self.config.webhook_listen,
                port=self.config.webhook_port,
                url_path=self.config.webhook_path,
                webhook_url=self.config.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await updater.start_polling(
                timeout=self.config.poll_timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_error,
            )
        await application.start()
        # The command menu is published beside the first poll, not before it: two round trips less
        # before the bot answers (`settled()` waits for it).
        self._spawn(self._publish_menu(application.bot))
        self.edits.resume()

    async def stop(self) -> None:
        """Stop receiving, let in-flight handlers and edits finish, close the HTTP clients."""
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await self._post_shutdown(application)
        await application.shutdown()

    async def _post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.username = application.bot.username

    async def _publish_menu(self, bot: Bot) -> None:
        try:
            await bot.set_my_commands(self._menu("en"))  # the default, for every other language
            await bot.set_my_commands(self._menu("zh-CN"), language_code="zh")
        except TelegramError as error:
            log.warning("could not publish the command menu: %r", error)

    async def _post_shutdown(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await self.settled()

    async def settled(self) -> None:
        """Wait until the in-place edits started by earlier updates are done."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.edits.settled()

    def _menu(self, language: str) -> list[BotCommand]:
        return [BotCommand(name, catalog_message(f"tg_cmd_{name}", language)) for name in MENU_COMMANDS]

    # --- the announcer's side

    def serves(self, chat: str) -> bool:
        """Whether the chat key has a Telegram chat; a member's private chat is Telegram's (see `post`)."""
        if private_chat_member(chat) is not None:
            return True
        return chat_id_of(self.deps.org.chats, chat) is not None

    async def post(self, chat: str, reply: Reply) -> str:
        """Post the announcer's message; raises (RetryAfter, TimedOut, NetworkError…) so the outbox retries.

        A post to a member's private chat goes to the chat of their unit instead when they have
        blocked the bot since it was planned.
        """
        now = self.clock()
        member = private_chat_member(chat)
        if member is not None:
            private = await self._private_chat_id(member)
            if private:
                if reply.buttons and all(b.command.startswith("/leave ") for b in reply.buttons):
                    # A leave request's 批准/不批准: only its approver reads this chat (issue 18); the
                    # buttons are remembered under the private chat's key, where `_on_press` looks.
                    return str(await self._send(private, chat, reply, now))
                # No other buttons: presses only mean something in a unit's chat; the text names the command.
                return str(await self._send(private, None, Reply(reply.text, (), reply.subject), now))
            fallback = await announcements.unit_chat_of(self.deps, member)
            if fallback is None:
                raise LookupError(f"member {member!r} has no private chat and no unit chat")
            chat = fallback
        chat_id = chat_id_of(self.deps.org.chats, chat)
        if chat_id is None:
            raise LookupError(f"chat {chat!r} has no telegram id")
        return str(await self._send(chat_id, chat, reply, now))

    async def _private_chat_id(self, member_key: str) -> int | None:
        """The member's private chat with the bot, None when they never started it or blocked it."""
        async with self.deps.uow() as uow:
            member = await uow.members.get(member_key)
            if member is None or not member.telegram:
                return None
            return await uow.counters.get(PRIVATE_CHAT_COUNTER.format(user=member.telegram)) or None

    # --- sending

    async def _send(
        self,
        chat_id: int,
        chat: str | None,
        reply: Reply,
        now: datetime,
        *,
        reply_to: int | None = None,
        retries: int | None = None,
    ) -> int:
        """Send a reply (text, buttons, attachments); return the id of the message with the buttons."""
        bot = self.application.bot
        limits: dict[str, Any] = {"rate_limit_args": retries} if retries else {}
        markup = keyboard(reply.buttons, self._ledger(chat_id, reply.subject))
        answering = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        photos = [a for a in reply.attachments if a.mime.startswith("image/")]
        documents = [a for a in reply.attachments if not a.mime.startswith("image/")]
        if photos and utf16_length(reply.text) <= CAPTION_LIMIT:
            first, photos = photos[0], photos[1:]
            sent: Message = await bot.send_photo(
                chat_id,
                InputFile(first.data, filename=first.filename),
                caption=reply.text,
                reply_markup=markup,
                reply_parameters=answering,
                **limits,
            )
        else:
            parts = split_text(reply.text)
            for number, part in enumerate(parts, start=1):
                sent = await bot.send_message(
                    chat_id,
                    part,
                    reply_markup=markup if number == len(parts) else None,
                    reply_parameters=answering if number == 1 else None,
                    **limits,
                )
        message_id = sent.message_id
        for picture in photos:
            await bot.send_photo(chat_id, InputFile(picture.data, filename=picture.filename), **limits)
        for document in documents:
            await bot.send_document(chat_id, InputFile(document.data, filename=document.filename), **limits)
        if reply.buttons and chat is not None:
            await self.conversation.remember(PLATFORM, chat, str(message_id), reply, now)
        return message_id

    async def _send_replies(
        self, chat_id: int, chat: str, replies: list[Reply], now: datetime, reply_to: int | None
    ) -> None:
        """Send a handler's replies (to this chat unless a reply names another)."""
        for reply in replies:
            target, target_id, answering = chat, chat_id, reply_to
            if reply.chat and reply.chat != chat:
                target, answering = reply.chat, None
                found = chat_id_of(self.deps.org.chats, reply.chat)
                if found is None:
                    log.warning("reply for chat %r, which is not on telegram, dropped", reply.chat)
                    continue
                target_id = found
            await self._send(target_id, target, reply, now, reply_to=answering, retries=INTERACTIVE_RETRIES)

    # --- in-place edits

    def _ledger(self, chat_id: int, subject: str) -> InlineKeyboardButton | None:
        return ledger_button(self._t("web_button"), self.web_url, chat_id, subject)

    def refresh(self, subject: str) -> None:
        """Something `subject` shows changed elsewhere (the web view): edit the messages showing it."""
        self.edits.refresh(subject)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _edit(self, posted: PostedMessage, view: Reply) -> bool:
        """Make one message show `view` (NoticeEdits skips an edit that would change nothing)."""
        chat_id = chat_id_of(self.deps.org.chats, posted.chat)
        if chat_id is None:
            return True
        markup = keyboard(view.buttons, self._ledger(chat_id, posted.subject))
        try:
            await self.application.bot.edit_message_text(
                fit_text(view.text),
                chat_id=chat_id,
                message_id=int(posted.message_id),
                reply_markup=markup,
                rate_limit_args=INTERACTIVE_RETRIES,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.warning("could not edit %s in %s: %r", posted.message_id, posted.chat, error)
                return False
        except TelegramError as error:
            log.warning("could not edit %s in %s: %r", posted.message_id, posted.chat, error)
            return False
        return True

    # --- handlers

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.message, update.effective_user
        if message is None or message.text is None or user is None or user.is_bot:
            return
        now = self.clock()
        await self._learn_username(user)
        if message.chat.type == ChatType.PRIVATE:
            await self._on_private(update, message, user, now)
            return
        text, mentions = with_mentions(message.text, message.entities)
        if addressed_to_other_bot(text, self.username):
            return
        chat = self.deps.org.chat_by_platform_id(PLATFORM, str(message.chat.id))
        prompt = await self._leave_reply(chat, message, user)
        if prompt is not None:
            text, mentions = f"{prompt} {message.text}", {}
        elif not is_command(text, self.deps.local_date(now)):
            return  # ordinary chat (only seen when privacy mode is off)
        if chat is None:
            await self._introduce_once(message.chat.id, now)
            return
        mentions = await self._user_ids(usernames_mentioned(message.text, message.entities)) | mentions
        incoming = Incoming(
            PLATFORM,
            str(user.id),
            chat,
            str(message.chat.id),
            text,
            display_name(user.first_name, user.last_name),
            str(update.update_id),
            mentions,
        )
        handled = await self.conversation.handle(incoming, now, self.edits.claim)
        self.edits.show(handled)
        await self._send_replies(message.chat.id, chat, handled.replies, now, message.message_id)

    async def _on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited command is not run again (it already ran, or was refused): say so, change nothing."""
        message = update.edited_message
        if message is None or message.text is None or message.chat.type == ChatType.PRIVATE:
            return
        now = self.clock()
        chat = self.deps.org.chat_by_platform_id(PLATFORM, str(message.chat.id))
        if chat is None or not is_command(message.text, self.deps.local_date(now)):
            return
        if await self._seen(update, now):
            return
        await self._send(
            message.chat.id,
            chat,
            Reply(self._t("tg_edited_ignored")),
            now,
            reply_to=message.message_id,
            retries=INTERACTIVE_RETRIES,
        )

    async def _on_private(self, update: Update, message: Message, user: User, now: datetime) -> None:
        """A private chat: /start registers it for reminders (and, opened from a 签到大屏's QR code as
        `/start signin_<meeting>_<code>`, signs in), /help explains, /web links to the page, /signin
        signs in with a code; the rest belongs in groups."""
        assert message.text is not None
        parsed = parse_command(
            message.text, self.deps.local_date(now), branches=self.conversation.branch_words
        )
        if isinstance(parsed, cmds.NotACommand) or await self._seen(update, now):
            return
        first_word = message.text.split(maxsplit=1)[0].casefold()
        if first_word == "/start" or first_word.startswith("/start@"):
            async with self.deps.uow() as uow:
                await uow.counters.set(PRIVATE_CHAT_COUNTER.format(user=user.id), message.chat.id)
                await uow.commit()
            actor = await roster.identify(self.deps, PLATFORM, str(user.id))
            if actor.member is not None:  # from now on, the member's task reminders come here
                await posts.set_private_chat(self.deps, actor.member.key, open_=True)
            payload = message.text.split(maxsplit=1)[1] if len(message.text.split(maxsplit=1)) > 1 else ""
            scanned = parse_deep_link_payload(payload)
            if scanned is not None:  # the QR code of a 签到大屏: the same /signin N <code> as typed
                name = display_name(user.first_name, user.last_name)
                text = f"/signin {scanned[0]} {scanned[1]}"
                incoming = Incoming(
                    PLATFORM, str(user.id), None, str(message.chat.id), text, name, private=True
                )
                for reply in await self.conversation.handle_text(incoming, now):
                    await self._send(message.chat.id, None, reply, now, retries=INTERACTIVE_RETRIES)
                return
            if actor.member is not None:
                text = self._t("tg_private_welcome", name=actor.member.name)
            else:
                text = self._t("tg_private_welcome_guest")
            await self._send(message.chat.id, None, Reply(text), now, retries=INTERACTIVE_RETRIES)
            return
        # /web: a one-time link, for this person only; a 党委 member reads any branch's record here
        # an approver decides on a leave request sent here (issue 18); /signin N <code> signs in here
        signs_in = (cmds.SignIn, cmds.SignInScreen)
        if isinstance(parsed, (cmds.Help, cmds.OpenWebView, cmds.DecideLeave, *signs_in, *SCHOOL_READS)):
            name = display_name(user.first_name, user.last_name)
            incoming = Incoming(
                PLATFORM, str(user.id), None, str(message.chat.id), message.text, name, private=True
            )
            replies = await self.conversation.handle_text(incoming, now)
        else:
            replies = [Reply(self._t("tg_private_use_groups"))]
        for reply in replies:
            await self._send(message.chat.id, None, reply, now, retries=INTERACTIVE_RETRIES)

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button under one of the bot's messages: check it, run it, answer with a pop-up, edit in place."""
        query = update.callback_query
        if query is None:
            return
        now = self.clock()
        press = decode_button(query.data)
        if press is None:
            await query.answer(self._t("tg_bad_button"), show_alert=True)
            return
        message = query.message
        if not isinstance(message, Message):  # too old for Telegram to show us
            await query.answer(self._t("stale_button"), show_alert=True)
            return
        chat = self.deps.org.chat_by_platform_id(PLATFORM, str(message.chat.id))
        if chat is None and message.chat.type == ChatType.PRIVATE:
            # a button sent to the presser's own private chat (a leave request to approve, issue 18)
            presser = await roster.identify(self.deps, PLATFORM, str(query.from_user.id))
            chat = private_chat(presser.member.key) if presser.member is not None else None
        if chat is None:
            await query.answer(self._t("stale_button"), show_alert=True)
            return
        user = query.from_user
        await self._learn_username(user)
        name = display_name(user.first_name, user.last_name)
        incoming = Incoming(
            PLATFORM, str(user.id), chat, str(message.chat.id), "", name, str(update.update_id)
        )
        # One transaction: the seen mark, the pressed message (its button's digest checked), the use
        # case and what the edited messages show.
        handled = await self.conversation.handle(
            incoming,
            now,
            self.edits.claim,
            (str(message.message_id), press.index),
            lambda posted: press_matches(press, [command for _, command in posted.buttons]),
        )
        if handled.pressed is not None:
            label, command = handled.pressed.buttons[press.index - 1]
            if needs_reason(command, self.deps.local_date(now)):
                # 请假 without a reason ran as a line the parser refused (nothing written): ask for it
                await self._ask_leave_reason(message.chat.id, chat, user, Button(label, command), now)
                await query.answer(self._t("tg_leave_asked"))
                return
        replies = handled.replies
        if not replies:  # a re-delivered press: it already counted
            await query.answer()
            return
        first = replies[0]
        self.edits.show(handled)
        # The edited tally shows a success to everyone; a refusal only the presser needs to read.
        await query.answer(toast(first.text), show_alert=not first.subject)
        if len(replies) > 1:
            await self._send_replies(message.chat.id, chat, replies[1:], now, None)

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to or removed from a chat, or a person blocked it privately."""
        change = update.my_chat_member
        if change is None:
            return
        now = self.clock()
        new, old = change.new_chat_member.status, change.old_chat_member.status
        chat_id = change.chat.id
        if change.chat.type == ChatType.PRIVATE:
            if new in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
                async with self.deps.uow() as uow:  # blocked: stop private reminders
                    await uow.counters.set(PRIVATE_CHAT_COUNTER.format(user=change.from_user.id), 0)
                    await uow.commit()
                actor = await roster.identify(self.deps, PLATFORM, str(change.from_user.id))
                if actor.member is not None:  # reminders go to the member's unit chat again
                    await posts.set_private_chat(self.deps, actor.member.key, open_=False)
            return
        present = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        absent = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        if (
            new in present
            and old in absent
            and self.deps.org.chat_by_platform_id(PLATFORM, str(chat_id)) is None
        ):
            await self._introduce_once(chat_id, now)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: a failed send or an unexpected error is logged, the bot goes on."""
        log.error("telegram update %r failed", getattr(update, "update_id", update), exc_info=context.error)

    def _polling_error(self, error: TelegramError) -> None:
        log.warning("polling Telegram failed (%r); retrying", error)

    # --- helpers

    def _today(self) -> date:
        return self.deps.local_date(self.clock())

    def _t(self, code: str, **params: object) -> str:
        return catalog_message(code, self.conversation.language, **params)

    async def _seen(self, update: Update, now: datetime) -> bool:
        """Remember the update; True if it was delivered before (and so must change nothing)."""
        async with self.deps.uow() as uow:
            seen = await uow.messages.seen_update(PLATFORM, str(update.update_id), now)
            await uow.commit()
        return seen

    async def _learn_username(self, user: User) -> None:
        """Remember who goes by this @username now, so that a plain @mention of it names them.

        A plain mention carries only the name, and the roster holds ids; so every person the bot
        hears from (a command, a button) teaches it their current username. Written only on change.
        """
        if not user.username:
            return
        name = user.username.casefold()
        if self._usernames.get(name) == user.id:
            return
        async with self.deps.uow() as uow:
            await uow.platform_state.set(PLATFORM, USERNAME_KEY.format(name=name), str(user.id))
            await uow.commit()
        self._usernames[name] = user.id

    async def _user_ids(self, usernames: Sequence[str]) -> dict[str, str]:
        """Mention text -> user id for the @usernames someone has been seen going by."""
        unknown = [name.casefold() for name in usernames if name.casefold() not in self._usernames]
        if unknown:
            async with self.deps.uow() as uow:
                for name in unknown:
                    stored = await uow.platform_state.get(PLATFORM, USERNAME_KEY.format(name=name))
                    if stored is not None:
                        self._usernames[name] = int(stored)
        return {
            name: str(self._usernames[name.casefold()])
            for name in usernames
            if name.casefold() in self._usernames
        }

    async def _introduce_once(self, chat_id: int, now: datetime) -> None:
        """An unconfigured chat gets one message with its id, and nothing after it."""
        async with self.deps.uow() as uow:
            told = await uow.messages.seen_update(PLATFORM, UNCONFIGURED_MARK.format(chat=chat_id), now)
            await uow.commit()
        if not told:
            await self._send(
                chat_id,
                None,
                Reply(self._t("tg_unconfigured_chat", chat_id=chat_id)),
                now,
                retries=INTERACTIVE_RETRIES,
            )

    async def _ask_leave_reason(
        self, chat_id: int, chat: str, user: User, button: Button, now: datetime
    ) -> None:
        """Ask the presser, in the chat, to reply with their reason; the reply completes the leave.

        The question is remembered with the data (like a message with buttons), so a reply still
        counts after a restart.
        """
        link = f'<a href="tg://user?id={user.id}">{html.escape(display_name(user.first_name, user.last_name))}</a>'
        meeting = button.command.split()[1] if len(button.command.split()) > 1 else ""
        text = html.escape(self._t("tg_leave_prompt", name="\x00", id=meeting)).replace("\x00", link)
        sent = await self.application.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=True),
            rate_limit_args=INTERACTIVE_RETRIES,
        )
        prompt = Reply(text, (button,), subject=LEAVE_PROMPT_SUBJECT.format(user=user.id))
        await self.conversation.remember(PLATFORM, chat, str(sent.message_id), prompt, now)

    async def _leave_reply(self, chat: str | None, message: Message, user: User) -> str | None:
        """The command (`/rsvp 12 leave`) of the leave question this message answers, if it is the
        asked person's reply to one."""
        replied = message.reply_to_message
        if chat is None or replied is None:
            return None
        async with self.deps.uow() as uow:
            prompt = await uow.messages.find(PLATFORM, chat, str(replied.message_id))
        if prompt is None or prompt.subject != LEAVE_PROMPT_SUBJECT.format(user=user.id):
            return None
        return prompt.buttons[0][1]
