"""The 台账 pages' latency: a branch of 200 members with a year of data, over HTTP on loopback.

The year of bench/commands.py (the 2026 plan, RSVPs and sign-ins for every meeting before December,
300 decisions with tasks, their points), then the web view on a loopback port with a fixed clock
(2026-12-01), signed in by one-time link, and `--requests` GETs of each page, one at a time, through
aiohttp: the whole request (session check, roster, the services, Jinja2, HTTP). Target: p50 < 100 ms
for the meetings and tasks pages.

    python bench/web.py [--requests 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from commands import branch_config, percentile, seed_year  # noqa: E402

from sanhui_bot.adapters.web import WebServer  # noqa: E402
from sanhui_bot.app import open_app  # noqa: E402
from sanhui_bot.config import WebConfig, parse_settings  # noqa: E402
from sanhui_bot.services import web_access  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, tzinfo=TZ)
PAGES = [
    ("meetings (a month: 12 meetings, minutes by name)", "/b/t1/meetings?month=2026-06"),
    ("tasks (the board: 300 tasks with history)", "/b/t1/tasks"),
    ("points (month and year ranking)", "/b/t1/points?month=2026-06"),
    ("me", "/b/t1/me"),
]


async def signed_in(app: object, server: WebServer, who: str) -> aiohttp.ClientSession:
    token = await web_access.issue_link(
        app.deps,  # type: ignore[attr-defined]
        web_access.WebIdentity("console", who),
        NOW,
        timedelta(minutes=10),
    )
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post(f"{server.config.public_url}/link/{token}", allow_redirects=False) as answer:
        assert answer.status == 303, answer.status
    return session


async def one_run(requests: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        settings = parse_settings(branch_config(200, db), "bench")
        app = await open_app(settings, now=NOW)
        try:
            await seed_year(app, 200, 300)
            port = 18000 + os.getpid() % 1000
            config = WebConfig(public_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}")
            server = WebServer(
                config, app.conversation, secret="b" * 40, telegram_token=None, clock=lambda: NOW
            )
            await server.start()
            results: dict[str, list[float]] = {}
            try:
                for who in ("m000", "m050"):  # the secretary (sees minutes by name), a member
                    session = await signed_in(app, server, who)
                    try:
                        for label, path in PAGES:
                            samples = []
                            for _ in range(requests):
                                started = time.perf_counter()
                                async with session.get(f"{config.public_url}{path}") as answer:
                                    body = await answer.read()
                                    assert answer.status == 200 and len(body) > 1000, (path, answer.status)
                                samples.append((time.perf_counter() - started) * 1000)
                            results[f"{label} as {'secretary' if who == 'm000' else 'member'}"] = samples
                    finally:
                        await session.close()
            finally:
                await server.stop()
        finally:
            await app.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite"
    )
    p50s: dict[str, list[float]] = {}
    for run in range(1, args.runs + 1):
        results = await one_run(args.requests)
        print(f"run {run}:")
        for label, samples in results.items():
            p50 = statistics.median(samples)
            p50s.setdefault(label, []).append(p50)
            print(f"  {label:58} p50 {p50:7.1f} ms  p99 {percentile(samples, 0.99):7.1f} ms")
    print("p50 over the runs (min–max):")
    for label, values in p50s.items():
        print(f"  {label:58} {min(values):7.1f} – {max(values):7.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
