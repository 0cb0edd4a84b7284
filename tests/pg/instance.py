"""One bot instance for the multi-instance test: the real app and Announcer, a recording platform.

    python tests/pg/instance.py --config district.toml --database-url postgresql://… --name bot-1 \
        --record posts.log --start 2026-03-31T18:00 --epoch 1790000000.0 [--lease 3] \
        [--hang-after 150 --hang-marker hung]

It opens the app like `bot.py run` (migrate, roster sync), then ticks the Announcer every 0.2 s on a
clock that shows --start (local time) at the Unix time --epoch and runs at real speed, so leases
expire for real. Each post goes to a notifier that appends one line "name<TAB>chat<TAB>first line of the text" to --record (one
O_APPEND write per post, so lines from several processes never interleave). With --hang-after N the
notifier hangs inside its first post once --record holds N lines (from every instance), after writing
the chat to --hang-marker: a send stuck on the network, at which point the test kills the process with
SIGKILL. SIGTERM stops the instance cleanly. Month-end charts are switched off (see `_text_only`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sanhui_bot.app import open_app
from sanhui_bot.config import DatabaseConfig, load_settings
from sanhui_bot.render.chart import ChartUnavailable
from sanhui_bot.render.replies import Reply
from sanhui_bot.scheduler import announcer as announcer_module
from sanhui_bot.scheduler.announcer import Announcer


def _text_only(*_args: object) -> None:
    # Drawing a month-end chart takes ~0.25 s; 1,000 of them in each of three instances would make
    # this test about matplotlib. The summaries go out as text, as on a machine with no CJK font.
    raise ChartUnavailable("charts are off in the multi-instance test")


announcer_module.month_chart = _text_only  # type: ignore[assignment]


class RecordingPlatform:
    """Serves every chat; each post is one line in a shared file."""

    platform = "console"

    def __init__(self, name: str, record: Path, hang_after: int | None, hang_marker: Path | None) -> None:
        self.name = name
        self.record = record
        self.descriptor = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.hang_after = hang_after
        self.hang_marker = hang_marker
        self.posted = 0

    def serves(self, chat: str) -> bool:
        return True

    def _lines_recorded(self) -> int:
        with open(self.record, "rb") as recorded:
            return recorded.read().count(b"\n")

    async def post(self, chat: str, reply: Reply) -> str:
        if self.hang_after is not None and self._lines_recorded() >= self.hang_after:
            if self.hang_marker is not None:
                self.hang_marker.write_text(chat, encoding="utf-8")
            await asyncio.Event().wait()  # never returns: the test kills us here
        await asyncio.sleep(0.01)  # a network round trip
        first_line = reply.text.splitlines()[0] if reply.text else ""
        os.write(self.descriptor, f"{self.name}\t{chat}\t{first_line}\n".encode())
        self.posted += 1
        return f"{self.name}-{self.posted}"


async def serve(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    settings = settings.model_copy(update={"database": DatabaseConfig(url=args.database_url)})
    app = await open_app(settings)
    base = datetime.fromisoformat(args.start).replace(tzinfo=settings.tz)

    def clock() -> datetime:
        # One clock for every instance (wall time since --epoch), as NTP gives real hosts: leases
        # compare one instance's time with another's, so clocks apart by more than the lease would
        # see live claims as expired.
        return base + timedelta(seconds=time.time() - args.epoch)

    platform = RecordingPlatform(args.name, args.record, args.hang_after, args.hang_marker)
    announcer = Announcer(
        app.deps,
        settings.language,
        [platform],
        instance=args.name,
        lease=timedelta(seconds=args.lease),
        clock=clock,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    try:
        await announcer.start(clock())
        while not stop.is_set():
            await announcer.tick(clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.2)
    finally:
        await app.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--start", required=True, help="local time the clock shows at --epoch")
    parser.add_argument(
        "--epoch", type=float, required=True, help="the Unix time at which the clock shows --start"
    )
    parser.add_argument("--lease", type=float, default=3.0, help="seconds an outbox claim lasts")
    parser.add_argument("--hang-after", type=int)
    parser.add_argument("--hang-marker", type=Path)
    return asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
