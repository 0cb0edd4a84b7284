"""The headline benchmark: reply latency of `bot.py run` against a bare python-telegram-bot, over HTTP.

Two Bot API emulators (tests/telegram/emulator.py, the same code, flood limits lifted) run in this
process. One serves `python bot.py run` on a seeded SQLite database of a 200-member branch with
`--years` of history (every planned meeting with RSVPs, sign-ins and points; 25 decisions a month,
most of their tasks done and rated: of the last four months' one in five is open, of the older ones
one in a hundred, overdue ever since); the other serves a bare PTB `Application` (this file with
`--bare`) that answers a command with a line and a button press with a pop-up and an edit. Both bots are
separate processes with their rate limiters off. Round after round, alternating which bot goes
first, a user
- presses 参加 (a second pass: 不参加) under the meeting notice (time until both the pop-up answer
  and the edit of the notice's tally arrive; for the bare bot, until its answer and edit arrive),
- sends `/rsvp N yes` (the same answer again; time until the reply arrives),
- sends `/tasks` (time until the reply arrives),
and the percentiles and their ratios to the bare bot are printed. Also printed: time from process
start to the first getUpdates call of each bot, and the project bot's RSS after the rounds.

    python bench/latency.py [--years 1|5] [--rounds 200] [--members 200]

Ratios are what it is judged by: the machine's speed (and other load on it) moves both bots alike.
The project bot runs with `edit_interval_seconds = 0`, so that each press edits the notice at once
like the bare bot's (a real branch's notice is edited at most once every 3 s, `tests/telegram/test_edits.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "telegram"))
sys.path.insert(0, str(ROOT / "bench"))

TZ = ZoneInfo("Asia/Shanghai")
GROUPS = ["g1", "g2", "g3", "g4", "g5"]
BRANCH_CHAT = -1001
PROJECT_TOKEN = "7000001:PROJECT-TOKEN"
BARE_TOKEN = "7000002:BARE-TOKEN"
WARMUP = 10


# --- the bare bot (a separate process: `python bench/latency.py --bare URL`)


def run_bare(base_url: str) -> None:
    """A bare PTB bot: a command gets one line back; a press gets a pop-up and an edit."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

    presses = 0

    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("收到")

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal presses
        query = update.callback_query
        assert query is not None
        presses += 1
        await query.answer("已记录")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("参加", callback_data="yes")]])
        await query.edit_message_text(f"应到 200 人：参加 {presses}", reply_markup=markup)

    application = Application.builder().token(os.environ["BARE_TOKEN"]).base_url(f"{base_url}/bot").build()
    application.add_handler(CommandHandler(["rsvp", "tasks"], command))
    application.add_handler(CallbackQueryHandler(press))
    application.run_polling(poll_interval=0, timeout=30)


# --- seeding the project's database


def branch_config(members: int, db: Path, api: str) -> str:
    """The benchmark branch as TOML: `members` members in five groups, the branch on Telegram."""
    lines = [
        f'[database]\nurl = "sqlite:///{db}"',
        "[telegram]",
        f'api_base_url = "{api}"',
        "max_messages_per_second = 100000.0",
        "max_group_messages_per_minute = 100000.0",
        # every press is timed until its own edit, as the bare bot's: no coalescing of edits here
        "edit_interval_seconds = 0",
        f"[chats.branch]\ntelegram = {BRANCH_CHAT}",
        "[chats.committee]\ntelegram = -1002",
        *(f"[chats.chat-{g}]\ntelegram = {-1010 - i}" for i, g in enumerate(GROUPS)),
        '[[branches]]\nkey = "t1"\nname = "基准支部"\nchat = "branch"\ncommittee_chat = "committee"',
        *(
            f'[[branches.groups]]\nkey = "{g}"\nname = "第{i + 1}党小组"\nkind = "subject"\nchat = "chat-{g}"'
            for i, g in enumerate(GROUPS)
        ),
    ]
    for i in range(members):
        roles = (
            '["secretary"]'
            if i == 0
            else '["committee"]'
            if i < 5
            else '["group_leader"]'
            if i < 10
            else "[]"
        )
        group = GROUPS[i % 5]
        lines.append(
            f'[[members]]\nkey = "m{i:03d}"\nname = "党员{i:03d}"\nbranch = "t1"\nroles = {roles}\n'
            f'group = "{group}"\ntelegram = {20000 + i}'
        )
    return "\n\n".join(lines) + "\n"


async def seed(config_path: Path, db: Path, years: int, members: int, now: datetime) -> str:
    """`years` of history up to `now`, and an ad-hoc congress two days ahead (its notice has buttons)."""
    from seeding import answer_and_attend

    from sanhui_bot.adapters.conversation import Incoming
    from sanhui_bot.app import open_app, plan_meetings
    from sanhui_bot.commands.model import MemberMention, RecordDecision
    from sanhui_bot.config import load_settings
    from sanhui_bot.domain.model import TaskStatus
    from sanhui_bot.services import meetings, roster, tasks

    rng = random.Random(years)
    app = await open_app(load_settings(config_path), db)
    first_year = now.year - years + 1
    for year in range(first_year, now.year + 1):
        await meetings.ensure_year_planned(app.deps, year)
    await plan_meetings(app, now)  # and next year's, if its calendar is out
    start = datetime(first_year, 1, 1, tzinfo=TZ)
    async with app.deps.uow() as uow:
        people = await uow.members.list("t1")
        past = await uow.meetings.between(None, start, now - timedelta(days=1))
        await answer_and_attend(uow, app.deps.rules, past, people, rng)
        await uow.commit()
    secretary = await roster.identify(app.deps, "console", "m000")
    ctx = app.deps.org.chat_context("branch")
    moment = start + timedelta(days=4, hours=9)
    decided = 0
    while moment < now - timedelta(days=40):
        cmd = RecordDecision(
            f"任务{decided}",
            MemberMention(f"m{rng.randrange(members):03d}"),
            moment.date() + timedelta(days=30),
        )
        decision = await tasks.record_decision(app.deps, secretary, ctx, cmd, moment)
        age = now - moment
        # Most tasks are done and rated; the last four months' one in five and those before
        # that (one in a hundred) stay open, overdue ever after (the weekly reminders the scheduler must not rebuild).
        if rng.random() < (0.8 if age < timedelta(days=120) else 0.99):
            async with app.deps.uow() as uow:
                task = await uow.tasks.get(decision.task.id or 0)
                assert task is not None
                done_at = moment + timedelta(days=20)
                status = TaskStatus.DONE if age < timedelta(days=60) else TaskStatus.RATED
                await uow.tasks.update(
                    replace(task, status=status, done_at=done_at, done_on=done_at.astimezone(TZ).date())
                )
                await uow.commit()
        decided += 1
        moment += timedelta(hours=29)  # about 25 a month
    ahead = (now + timedelta(days=2)).astimezone(TZ)
    [created] = await app.conversation.handle_text(
        Incoming(
            "console",
            "m000",
            "branch",
            "branch",
            f"/meeting new congress {ahead:%Y-%m-%d} 15:00 基准党员大会",
        ),
        now,
    )
    async with app.deps.uow() as uow:
        counts = (
            len(await uow.meetings.list()),
            len(await uow.attendance.rsvps()),
            len(await uow.points.entries()),
            len(await uow.tasks.list()),
        )
    await app.close()
    print(
        f"seeded {years} year(s): {counts[0]} meetings, {counts[1]} RSVPs, {counts[2]} point entries, "
        f"{counts[3]} tasks, {members} members",
        flush=True,
    )
    return created.text


# --- the emulators, timing what arrives


@dataclass
class Arrivals:
    """When the bot's calls arrived, keyed so that a round can wait for its own."""

    loop: asyncio.AbstractEventLoop
    waiting: dict[tuple[str, Any], asyncio.Future[float]] = field(default_factory=dict)
    first_poll: float | None = None

    def expect(self, method: str, key: Any) -> asyncio.Future[float]:
        future = self.loop.create_future()
        self.waiting[(method, key)] = future
        return future

    def arrived(self, method: str, key: Any) -> None:
        future = self.waiting.pop((method, key), None)
        if future is not None and not future.done():
            future.set_result(self.loop.time())


def emulator(token: str) -> Any:
    from emulator import BotApiEmulator

    class Timed(BotApiEmulator):
        def __init__(self) -> None:
            super().__init__(token, per_second=1e6, per_group_minute=1e9)
            self.arrivals = Arrivals(asyncio.get_running_loop())

        async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
            if self.arrivals.first_poll is None:
                self.arrivals.first_poll = self.arrivals.loop.time()
            return await super()._api_getUpdates(params)

        def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
            sent = super()._api_sendMessage(params)
            answering = params.get("reply_parameters", {}).get("message_id")
            if answering is not None:
                self.arrivals.arrived("reply", int(answering))
            return sent

        def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
            answered = super()._api_answerCallbackQuery(params)
            self.arrivals.arrived("answer", params["callback_query_id"])
            return answered

        def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
            edited = super()._api_editMessageText(params)
            self.arrivals.arrived("edit", int(params["message_id"]))
            return edited

    return Timed()


@dataclass
class Bot:
    """One bot under test: its emulator, its process, and what a round asks of it."""

    name: str
    emu: Any
    process: asyncio.subprocess.Process | None = None
    spawned: float = 0.0
    notice: int = 0  # message id of the message with buttons
    rsvp_text: str = "/rsvp 1 yes"
    samples: dict[str, list[float]] = field(default_factory=lambda: {"/rsvp": [], "/tasks": [], "press": []})

    async def command(self, user: dict[str, Any], text: str, timeout: float = 30) -> float:
        message = self.emu.say(BRANCH_CHAT, user, text)["message"]
        started = self.emu.arrivals.loop.time()
        arrived = await asyncio.wait_for(self.emu.arrivals.expect("reply", message["message_id"]), timeout)
        return arrived - started

    async def press(self, user: dict[str, Any], button: int, timeout: float = 30) -> float:
        update = self.emu.press(BRANCH_CHAT, user, self.notice, button)
        started = self.emu.arrivals.loop.time()
        answered = self.emu.arrivals.expect("answer", update["callback_query"]["id"])
        edited = self.emu.arrivals.expect("edit", self.notice)
        times = await asyncio.wait_for(asyncio.gather(answered, edited), timeout)
        return max(times) - started


async def spawn(bot: Bot, args: list[str], env: dict[str, str]) -> None:
    bot.spawned = bot.emu.arrivals.loop.time()
    bot.process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.01)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def stop(bot: Bot) -> None:
    if bot.process is not None and bot.process.returncode is None:
        bot.process.terminate()
        try:
            await asyncio.wait_for(bot.process.wait(), 20)
        except TimeoutError:
            bot.process.kill()
    await bot.emu.stop()


async def measure(args: argparse.Namespace) -> None:
    from emulator import user

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        project, bare = Bot("bot.py run", emulator(PROJECT_TOKEN)), Bot("bare PTB", emulator(BARE_TOKEN))
        project_url, bare_url = await project.emu.start(), await bare.emu.start()
        for bot in (project, bare):
            bot.emu.group(BRANCH_CHAT, "基准支部")
            for i, _ in enumerate(GROUPS):
                bot.emu.group(-1010 - i)
            bot.emu.group(-1002)
        db, config = Path(tmp) / "bench.db", Path(tmp) / "bench.toml"
        config.write_text(branch_config(args.members, db, project_url), encoding="utf-8")
        started = time.perf_counter()
        created = await seed(config, db, args.years, args.members, now)
        print(
            f"  (seeding took {time.perf_counter() - started:.0f} s; {created.splitlines()[0]})", flush=True
        )
        meeting_id = int(created.split("#", 1)[1].split()[0])
        project.rsvp_text = f"/rsvp {meeting_id} yes"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANHUI_")}
        try:
            await spawn(
                project,
                ["bot.py", "run", "--config", str(config)],
                env | {"SANHUI_TELEGRAM_TOKEN": PROJECT_TOKEN},
            )
            await spawn(
                bare, [str(Path(__file__).resolve()), "--bare", bare_url], env | {"BARE_TOKEN": BARE_TOKEN}
            )
            await until(lambda: project.emu.arrivals.first_poll is not None, 120, "bot.py run never polled")
            await until(lambda: bare.emu.arrivals.first_poll is not None, 60, "the bare bot never polled")
            await until(
                lambda: bool(project.emu.bot_messages(BRANCH_CHAT)), 60, "no meeting notice was posted"
            )
            [notice] = [m for m in project.emu.bot_messages(BRANCH_CHAT) if "reply_markup" in m]
            project.notice = notice["message_id"]
            bare.notice = bare.emu._store_bot_message(
                {
                    "chat_id": BRANCH_CHAT,
                    "reply_markup": {"inline_keyboard": [[{"text": "参加", "callback_data": "yes"}]]},
                },
                text="会议通知",
            )["message_id"]
            people = [user(20000 + i, f"党员{i:03d}") for i in range(args.members)]
            for number in range(WARMUP + args.rounds):
                who = people[(10 + number) % args.members]
                first, second = (project, bare) if number % 2 == 0 else (bare, project)
                button = 1 if (number // args.members) % 2 == 0 else 3
                for bot in (first, second):
                    # The press changes the tally (an edit follows); the /rsvp then repeats the same
                    # answer, so no late edit of it can be taken for the next round's.
                    pressed = await bot.press(who, button if bot is project else 1)
                    answer = "yes" if button == 1 else "no"
                    rsvp = await bot.command(who, bot.rsvp_text.replace("yes", answer))
                    listed = await bot.command(who, "/tasks")
                    if number >= WARMUP:
                        bot.samples["/rsvp"].append(rsvp)
                        bot.samples["/tasks"].append(listed)
                        bot.samples["press"].append(pressed)
            assert project.process is not None
            rss = rss_mb(project.process.pid)
        finally:
            await stop(project)
            await stop(bare)
    report(project, bare, args, rss)


def report(project: Bot, bare: Bot, args: argparse.Namespace, rss: float) -> None:
    # Imported here, not at the top: the bare bot runs this file too and must load nothing of ours.
    from seeding import percentile

    print(
        f"\n{args.rounds} rounds (after {WARMUP} warm-up), {args.years} year(s) of data, {args.members} members, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| | bot.py run p50 / p95 / p99 (ms) | bare PTB p50 / p95 / p99 (ms) | ratio p50 / p95 / p99 | max (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in ("/rsvp", "/tasks", "press"):
        ours, theirs = project.samples[name], bare.samples[name]
        p = [(percentile(ours, q), percentile(theirs, q)) for q in (0.5, 0.95, 0.99)]
        label = "button press (answer + edit)" if name == "press" else name
        print(
            f"| {label} | {' / '.join(f'{a * 1000:.1f}' for a, _ in p)} | {' / '.join(f'{b * 1000:.1f}' for _, b in p)} "
            f"| {' / '.join(f'{a / b:.2f}×' for a, b in p)} | {max(ours) * 1000:.0f} |"
        )
    first_ours = (project.emu.arrivals.first_poll or 0) - project.spawned
    first_bare = (bare.emu.arrivals.first_poll or 0) - bare.spawned
    print(
        f"\nfirst getUpdates after start: bot.py run {first_ours:.2f} s, bare PTB {first_bare:.2f} s, "
        f"ratio {first_ours / first_bare:.2f}× (goal ≤ 1.5×)"
    )
    print(f"bot.py run RSS after the rounds (Telegram only): {rss:.0f} MB (goal < 100 MB with Matrix too)")
    goals = {
        "/rsvp p50 ≤ 1.5×": percentile(project.samples["/rsvp"], 0.5) / percentile(bare.samples["/rsvp"], 0.5)
        <= 1.5,
        "/rsvp p99 ≤ 3×": percentile(project.samples["/rsvp"], 0.99) / percentile(bare.samples["/rsvp"], 0.99)
        <= 3,
        "press p50 ≤ 1.5×": percentile(project.samples["press"], 0.5) / percentile(bare.samples["press"], 0.5)
        <= 1.5,
        "press p99 ≤ 3×": percentile(project.samples["press"], 0.99) / percentile(bare.samples["press"], 0.99)
        <= 3,
        "/tasks p50 ≤ 2×": percentile(project.samples["/tasks"], 0.5)
        / percentile(bare.samples["/tasks"], 0.5)
        <= 2,
        "no press over 100 ms": max(project.samples["press"]) <= 0.1,
    }
    print("goals: " + ", ".join(f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in goals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=1, help="years of history in the database (1 or 5)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        run_bare(args.bare)
        return
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
