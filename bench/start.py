"""Start and memory of `bot.py run` against a bare python-telegram-bot (issue 15, "Memory and start").

Two Bot API emulators (tests/telegram/emulator.py) run in this process, one per bot; the project's
bot runs the branch of bench/latency.py (200 members in five groups, the branch on Telegram) on a
SQLite file that an earlier start has migrated and synced (a restart, as every deployment's), the
bare bot is bench/latency.py's (`--bare`: a command that replies). Both run with their bytecode
compiled (a bytecode cache filled by a first, untimed start of each), as an installed package has.

- Start: `--starts` times, alternating which bot starts first, each process from its spawn to its
  first getUpdates call, and to its answer to a `/tasks` that waits in the emulator from before the
  start (the bot's first answer); the ratios to the bare bot's.
- Memory: RSS of the bare bot, of `bot.py run` with Telegram only, and of `bot.py run` with Telegram
  AND Matrix (a real Synapse on loopback from tests/matrix, the bot invited to a room of the branch;
  `--encryption on` as config.example.toml has it, `off` for a homeserver without encrypted rooms),
  each `--idle` seconds after its first poll (and, for Matrix, after it has joined the room, so
  after its first sync).

    python bench/start.py [--starts 5] [--encryption on|off] [--idle 5]

The goals: first getUpdates within 1.5× the bare bot's; idle RSS with Telegram and Matrix < 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "telegram"))
sys.path.insert(0, str(ROOT / "tests" / "matrix"))
sys.path.insert(0, str(ROOT / "bench"))

from latency import BARE_TOKEN, BRANCH_CHAT, GROUPS, PROJECT_TOKEN, branch_config, rss_mb  # noqa: E402

MEMBERS = 200
ASKER = 20010  # a member of the branch (m010) on Telegram
MATRIX_PASSWORD = "correct horse battery staple"


def emulator(token: str) -> Any:
    """A Bot API emulator that notes when the first getUpdates arrives."""
    from emulator import BotApiEmulator

    class Timed(BotApiEmulator):
        def __init__(self) -> None:
            super().__init__(token, per_second=1e6, per_group_minute=1e9)
            self.first_poll: float | None = None

        async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
            if self.first_poll is None:
                self.first_poll = time.perf_counter()
            return await super()._api_getUpdates(params)

    emu = Timed()
    return emu


async def until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.002)


class Starter:
    """Starts one kind of bot against its own emulator and times what it does first."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name, self.args, self.env = name, args, env
        self.polls: list[float] = []
        self.answers: list[float] = []

    async def start(self, emu: Any, idle: float = 0.0) -> tuple[asyncio.subprocess.Process, float]:
        """Spawn it; wait for its first poll and its answer to a waiting /tasks; return it running."""
        from emulator import user

        emu.first_poll = None
        asked = emu.say(BRANCH_CHAT, user(ASKER, "党员010"), "/tasks")["message"]
        spawned = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.args,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await until(lambda: emu.first_poll is not None, 120, f"{self.name} never polled")
        [m for m in emu.bot_messages(BRANCH_CHAT) if m.get("reply_to_message_id") == asked["message_id"]]
        await until(
            lambda: any(
                m.get("reply_to_message_id") == asked["message_id"] for m in emu.bot_messages(BRANCH_CHAT)
            ),
            60,
            f"{self.name} never answered",
        )
        replied = time.perf_counter()
        assert True
        self.polls.append(emu.first_poll - spawned)
        self.answers.append(replied - spawned)
        await asyncio.sleep(idle)
        return process, rss_mb(process.pid)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def matrix_room(synapse: Any) -> tuple[str, str]:
    """The bot's account and a room of the branch that it is invited to; returns (room id, bot user id)."""
    from synapse import SERVER_NAME

    bot = synapse.register("sanhui-bot", MATRIX_PASSWORD)
    owner = synapse.register("m000", MATRIX_PASSWORD)
    room = synapse.request(
        "POST",
        "/_matrix/client/v3/createRoom",
        {"preset": "private_chat", "invite": [bot["user_id"]], "name": "基准支部"},
        token=owner["access_token"],
    )["room_id"]
    assert bot["user_id"] == f"@sanhui-bot:{SERVER_NAME}"
    return room, bot["user_id"]


def bot_joined(synapse: Any, room: str, token: str, bot_user: str) -> bool:
    members = synapse.request("GET", f"/_matrix/client/v3/rooms/{room}/joined_members", token=token)
    return bot_user in members.get("joined", {})


def with_matrix(config: str, homeserver: str, bot_user: str, room: str, encryption: bool) -> str:
    config = config.replace(
        f"[chats.branch]\ntelegram = {BRANCH_CHAT}",
        f'[chats.branch]\ntelegram = {BRANCH_CHAT}\nmatrix = "{room}"',
    )
    assert room in config
    return config + (
        f'\n[matrix]\nhomeserver = "{homeserver}"\nuser_id = "{bot_user}"\n'
        f"encryption = {'true' if encryption else 'false'}\n"
    )


async def measure(args: argparse.Namespace) -> None:
    from synapse import start_synapse, synapse_python

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ours, bare = emulator(PROJECT_TOKEN), emulator(BARE_TOKEN)
        ours_url, bare_url = await ours.start(), await bare.start()
        for emu in (ours, bare):
            emu.group(BRANCH_CHAT, "基准支部")
            for i, _ in enumerate(GROUPS):
                emu.group(-1010 - i)
            emu.group(-1002)
        db, config = tmp / "bench.db", tmp / "bench.toml"
        text = branch_config(MEMBERS, db, ours_url)
        config.write_text(text, encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SANHUI_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")  # compiled once by the untimed first starts
        project = Starter(
            "bot.py run",
            ["bot.py", "run", "--config", str(config)],
            env | {"SANHUI_TELEGRAM_TOKEN": PROJECT_TOKEN},
        )
        plain = Starter(
            "bare PTB",
            [str(ROOT / "bench" / "latency.py"), "--bare", bare_url],
            env | {"BARE_TOKEN": BARE_TOKEN},
        )
        synapse = None
        try:
            for starter, emu in ((project, ours), (plain, bare)):  # migrate, sync, compile: untimed
                process, _ = await starter.start(emu)
                await stop(process)
                starter.polls.clear()
                starter.answers.clear()
            for number in range(args.starts):
                order = (
                    ((project, ours), (plain, bare)) if number % 2 == 0 else ((plain, bare), (project, ours))
                )
                for starter, emu in order:
                    process, _ = await starter.start(emu)
                    await stop(process)
            rss: dict[str, float] = {}
            for starter, emu, label in ((plain, bare, "bare PTB"), (project, ours, "bot.py run, Telegram")):
                process, rss[label] = await starter.start(emu, args.idle)
                await stop(process)
            python = synapse_python()
            if python is None:
                raise SystemExit("Synapse is not installed: set SANHUI_SYNAPSE_PYTHON (see tests/matrix)")
            synapse = start_synapse(python, tmp / "synapse")
            room, bot_user = matrix_room(synapse)
            owner_token = synapse.login("m000", MATRIX_PASSWORD)["access_token"]
            config.write_text(
                with_matrix(text, synapse.url, bot_user, room, args.encryption == "on"), encoding="utf-8"
            )
            both = Starter(
                "bot.py run",
                project.args,
                project.env | {"SANHUI_MATRIX_PASSWORD": MATRIX_PASSWORD},
            )
            process, _ = await both.start(ours)
            await until(lambda: bot_joined(synapse, room, owner_token, bot_user), 120, "the bot never joined")
            await asyncio.sleep(args.idle)
            label = f"bot.py run, Telegram + Matrix (encryption {args.encryption})"
            rss[label] = rss_mb(process.pid)
            await stop(process)
        finally:
            if synapse is not None:
                synapse.stop()
            await ours.stop()
            await bare.stop()
    report(project, plain, rss, args)


def report(project: Starter, plain: Starter, rss: dict[str, float], args: argparse.Namespace) -> None:
    def spread(values: list[float]) -> str:
        return f"{min(values):.2f}–{max(values):.2f}"

    print(f"\n{args.starts} starts of each, alternating, {os.cpu_count()} CPUs\n")
    print("| from spawn to | bot.py run (s) | bare PTB (s) | ratio of medians |")
    print("|---|---:|---:|---:|")
    for what, ours, theirs in (
        ("first getUpdates", project.polls, plain.polls),
        ("answer to a waiting /tasks", project.answers, plain.answers),
    ):
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"| {what} | {spread(ours)} | {spread(theirs)} | {ratio:.2f}× |")
    print(f"\n| RSS {args.idle:.0f} s after the first poll (and sync) | MB | ratio to bare PTB |")
    print("|---|---:|---:|")
    for label, value in rss.items():
        print(f"| {label} | {value:.0f} | {value / rss['bare PTB']:.2f}× |")
    poll_ratio = statistics.median(project.polls) / statistics.median(plain.polls)
    both = next(value for label, value in rss.items() if "Matrix" in label)
    print(
        f"\ngoals: first getUpdates ≤ 1.5× {'met' if poll_ratio <= 1.5 else 'NOT met'} ({poll_ratio:.2f}×); "
        f"RSS with Telegram and Matrix < 100 MB {'met' if both < 100 else 'NOT met'} ({both:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--encryption", choices=["on", "off"], default="on")
    parser.add_argument(
        "--idle", type=float, default=5.0, help="seconds after the first poll before RSS is read"
    )
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
