"""`/export xlsx` of a branch's year: how long it takes, and what it costs the other chats meanwhile.

The branch of bench/latency.py (200 members in five groups; a year of every planned meeting with
RSVPs, sign-ins and points, 25 decisions a month with their tasks), seeded up to now on SQLite. The
secretary writes `/export xlsx` in the branch chat through the bot's conversation (the same path as
Telegram's and Matrix's handlers, without the network): the snapshot is read in the update's one
transaction, then the workbook is written on a worker thread after it commits. Printed:

- the export's time, whole (`/export xlsx` until its reply with the workbook), and its two parts
  (reading the snapshot; writing the workbook), over `--runs` exports after a first one (which also
  imports the writers, shown apart), with the process's CPU time for the whole (what the export
  costs when the machine is shared with other work); goal: under 1 s;
- what it costs the other chats: a member's `/rsvp` in a group chat, answered over and over while
  the exports run, against the same `/rsvp` with nothing else going on (p50 and max). The workbook
  is written beside them; what an /rsvp can still wait for is the snapshot's transaction.

    python bench/export.py [--runs 10] [--members 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from latency import branch_config, seed  # noqa: E402
from seeding import percentile  # noqa: E402

from sanhui_bot.adapters.conversation import Conversation, Incoming  # noqa: E402
from sanhui_bot.app import open_app  # noqa: E402
from sanhui_bot.commands.model import ExportLedger  # noqa: E402
from sanhui_bot.config import load_settings  # noqa: E402
from sanhui_bot.exports.files import ledger_files  # noqa: E402
from sanhui_bot.exports.sheets import ledger_sheets  # noqa: E402
from sanhui_bot.services import export  # noqa: E402
from sanhui_bot.services.roster import identify  # noqa: E402

SECRETARY, MEMBER = "m000", "m011"  # m011 is in group g2, whose chat is chat-g2


class Line:
    """Numbered console lines, so that each is a new update (a repeated update id is answered once)."""

    def __init__(self) -> None:
        self.number = 0

    def __call__(self, user: str, chat: str, text: str) -> Incoming:
        self.number += 1
        return Incoming("console", user, chat, chat, text, update_id=f"bench-{self.number}")


async def timed_export(
    conversation: Conversation, line: Line, now: datetime, cpu: list[float] | None = None
) -> float:
    """The export's wall time; its CPU time (this process's, worker thread included) goes to `cpu`."""
    started, cpu_started = time.perf_counter(), time.process_time()
    [reply] = await conversation.handle_text(line(SECRETARY, "branch", "/export xlsx"), now)
    took = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    [workbook] = reply.attachments
    assert workbook.filename.endswith(".xlsx") and workbook.data[:2] == b"PK", reply.text
    return took


async def rsvps_until(
    conversation: Conversation, line: Line, text: str, now: datetime, done: asyncio.Event
) -> list[float]:
    """Send the /rsvp again and again until `done`; the time of each answer."""
    took = []
    while not done.is_set():
        started = time.perf_counter()
        [reply] = await conversation.handle_text(line(MEMBER, "chat-g2", text), now)
        took.append(time.perf_counter() - started)
        assert reply.text, "the /rsvp got no answer"
        await asyncio.sleep(0)  # let the exports' own steps in between, as other updates would
    return took


async def measure(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db, config = Path(tmp) / "bench.db", Path(tmp) / "bench.toml"
        config.write_text(branch_config(args.members, db, "http://127.0.0.1:9"), encoding="utf-8")
        await seed(config, db, 1, args.members, now)
        app = await open_app(load_settings(config), db)
        try:
            conversation, line = app.conversation, Line()
            async with app.deps.uow() as uow:
                meetings = await uow.meetings.list("t1")
            ahead = next(m for m in meetings if m.unit == "g2" and m.starts_at > now)
            rsvp = f"/rsvp {ahead.id} yes"

            first = await timed_export(conversation, line, now)
            cpus: list[float] = []
            wholes = [await timed_export(conversation, line, now, cpus) for _ in range(args.runs)]
            secretary = await identify(app.deps, "console", SECRETARY)
            ctx = app.deps.org.chat_context("branch")
            reads, writes = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                snapshot = await export.export_for_chat(app.deps, secretary, ctx, ExportLedger("xlsx"), now)
                read = time.perf_counter()
                ledger_files(snapshot, "xlsx", app.deps.org, now)
                reads.append(read - started)
                writes.append(time.perf_counter() - read)
            cells = sum(len(row) for sheet in ledger_sheets(snapshot, app.deps.org) for row in sheet.rows)

            quiet_done = asyncio.Event()
            asyncio.get_running_loop().call_later(args.rsvp_seconds, quiet_done.set)
            alone = await rsvps_until(conversation, line, rsvp, now, quiet_done)

            busy_done = asyncio.Event()

            async def exports() -> list[float]:
                try:
                    return [await timed_export(conversation, line, now) for _ in range(args.runs)]
                finally:
                    busy_done.set()

            during, beside = await asyncio.gather(
                exports(), rsvps_until(conversation, line, rsvp, now, busy_done)
            )
        finally:
            await app.close()

    ms = lambda seconds: f"{seconds * 1000:.0f}"  # noqa: E731
    print(f"\n{args.members} members, a year up to {now:%Y-%m-%d}, SQLite, {os.cpu_count()} CPUs")
    print(f"the workbook: {snapshot.year}, {len(snapshot.meetings)} meetings, {cells:,} cells\n")
    print("| `/export xlsx` | p50 (ms) | max (ms) |")
    print("|---|---:|---:|")
    print(
        f"| whole: the command until its reply with the workbook | {ms(percentile(wholes, 0.5))} | {ms(max(wholes))} |"
    )
    print(f"| whole, CPU time of the process | {ms(percentile(cpus, 0.5))} | {ms(max(cpus))} |")
    print(
        f"| reading the snapshot (the update's transaction) | {ms(percentile(reads, 0.5))} | {ms(max(reads))} |"
    )
    print(f"| writing the workbook (a worker thread) | {ms(percentile(writes, 0.5))} | {ms(max(writes))} |")
    print(
        f"| whole, while /rsvps are answered beside it | {ms(percentile(during, 0.5))} | {ms(max(during))} |"
    )
    print(f"\nthe first export (imports the writers): {ms(first)} ms")
    print("\n| another chat's `/rsvp` | answers | p50 (ms) | max (ms) |")
    print("|---|---:|---:|---:|")
    print(f"| alone | {len(alone)} | {percentile(alone, 0.5) * 1000:.1f} | {max(alone) * 1000:.1f} |")
    print(
        f"| while {args.runs} exports run | {len(beside)} | {percentile(beside, 0.5) * 1000:.1f} "
        f"| {max(beside) * 1000:.1f} |"
    )
    whole = percentile(wholes, 0.5)
    print(
        f"\ngoals: export under 1 s {'met' if whole < 1 else 'NOT met'} ({ms(whole)} ms p50, "
        f"{ms(percentile(cpus, 0.5))} ms of CPU); "
        f"/rsvps answered while exports run: {len(beside)} (longest {max(beside) * 1000:.0f} ms, "
        f"{max(beside) / percentile(reads, 0.5):.1f}× the snapshot's transaction)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="exports timed (after a first one)")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rsvp-seconds", type=float, default=3.0, help="how long the /rsvp alone is timed")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
