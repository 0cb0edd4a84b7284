"""`python bot.py <command>` (or `sanhui-bot <command>`): run, console, migrate, check-config, export."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sanhui_bot.log_redaction import install_redaction

if TYPE_CHECKING:
    from sanhui_bot.adapters.telegram.first_poll import FirstPoll
    from sanhui_bot.app import App
    from sanhui_bot.config import Settings
    from sanhui_bot.first_poll_config import PollSettings

# The config (pydantic) and everything behind it are imported inside the commands, not here:
# `run` starts polling Telegram before they load (issue 15, "Memory and start").

log = logging.getLogger("sanhui_bot")


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="the TOML config file (default: ./config.toml if present, else config.example.toml)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db", type=Path, help="a SQLite database file; overrides [database] url in the config"
    )
    where.add_argument(
        "--database-url",
        metavar="URL",
        help="the database, e.g. postgresql://user@host/sanhui or sqlite:///data/sanhui.db; "
        "overrides [database] url in the config",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="sanhui-bot: 三会一课 meetings, decisions, tasks and points in a branch's group chats.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot on the platforms configured")
    _data_options(run)

    console = commands.add_parser(
        "console",
        help="the bot in a terminal, no platform account needed",
        description=(
            "Each stdin line is `USER@CHAT: TEXT`, `:clock 2026-03-26T15:00`, `:press USER@CHAT MSG N` or `:quit`."
        ),
    )
    _data_options(console)
    console.add_argument(
        "--now",
        help="start the simulated clock at this local time, e.g. 2026-03-01T09:00 (default: the real time)",
    )
    console.add_argument(
        "--files",
        type=Path,
        default=Path("data") / "files",
        help="write the files the bot sends (/export, /minutes, the month-end chart) into this folder"
        " (default: data/files); each post prints the path",
    )

    migrate = commands.add_parser("migrate", help="bring the database to the newest schema")
    _data_options(migrate)

    check = commands.add_parser(
        "check-config", help="validate the config and explain every problem in one go"
    )
    check.add_argument("--config", type=Path, help="the TOML config file to check")

    copy = commands.add_parser(
        "copy-db",
        help="copy a whole database into an empty one, e.g. SQLite to PostgreSQL",
        description=(
            "Migrates the target to the newest schema, refuses it unless it is empty, copies every table "
            "and checks the row counts of every table on both sides. Stop the bot first."
        ),
    )
    copy.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    copy.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="e.g. sqlite:///data/sanhui.db"
    )
    copy.add_argument(
        "--to", dest="target", required=True, metavar="URL", help="e.g. postgresql://user@host/sanhui"
    )

    export = commands.add_parser("export", help="write the ledger (meetings, tasks, points, posts…)")
    _data_options(export)
    export.add_argument(
        "--format",
        choices=["json", "xlsx", "csv", "ics"],
        default="json",
        help="json: the whole ledger; xlsx: the 台账 workbook; csv: one file per sheet (UTF-8 with BOM)"
        " into the --out directory; ics: the year's meetings as a calendar (default: json)",
    )
    export.add_argument(
        "--out",
        type=Path,
        help="write to this file (a directory for csv) instead of stdout; required for xlsx and csv",
    )
    export.add_argument("--year", type=int, help="the year for xlsx, csv and ics (default: this year)")
    export.add_argument(
        "--school",
        action="store_true",
        help="with --format xlsx: the school workbook, a 全校汇总 sheet (every branch, those needing attention "
        "first) and each branch's sheets",
    )
    _now_option(export)

    web_view = commands.add_parser(
        "web",
        help="serve the 台账 web view alone ([web] in the config), for a deployment that separates it from run",
    )
    _data_options(web_view)

    roster = commands.add_parser(
        "roster", help="the roster spreadsheet: `roster export` writes a branch's members as .xlsx or .csv"
    )
    roster.add_argument(
        "action",
        choices=["export"],
        help="export: write the current roster as the database holds it (members approved with /approve too)",
    )
    _data_options(roster)
    _now_option(roster)
    roster.add_argument("--branch", help="the branch key (default: the only branch)")
    roster.add_argument("--format", choices=["xlsx", "csv"], default="csv", help="default: csv")
    roster.add_argument("--out", type=Path, help="write to this file instead of stdout (required for xlsx)")

    minutes = commands.add_parser("minutes", help="a meeting's minutes (会议纪要) in Markdown")
    _data_options(minutes)
    minutes.add_argument("meeting", type=int, help="the meeting number")
    minutes.add_argument("--out", type=Path, help="write to this file instead of stdout")
    _now_option(minutes)
    return parser


def _now_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--now",
        help="count as of this local time, e.g. 2026-03-31T18:00 (default: the real time); after a simulated"
        " console session, meetings planned later than its clock are not counted as held",
    )


def _now(settings: Settings, args: argparse.Namespace) -> datetime | None:
    """`--now` as an aware time (the real time without it); None, with a message, when unreadable."""
    from sanhui_bot.adapters.console.console import parse_local_time

    if not getattr(args, "now", None):
        return datetime.now(UTC)
    parsed = parse_local_time(args.now, settings.tz)
    if parsed is None:
        print("--now takes a local time like 2026-03-31T18:00", file=sys.stderr)
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "run":
        from sanhui_bot.first_poll_config import read_poll_settings

        poll_settings = read_poll_settings(args.config)
        if poll_settings is not None:
            install_redaction([poll_settings.token])  # before the first request is logged
            try:
                return asyncio.run(run_polling_first(poll_settings, args))
            except KeyboardInterrupt:
                return 130
    settings = settings_for(args)
    if isinstance(settings, int):
        return settings
    if args.command == "check-config":
        return check_config(settings, args.config)
    handlers = {
        "run": run_bot,
        "console": run_console,
        "migrate": run_migrate,
        "copy-db": run_copy_db,
        "export": run_export,
        "minutes": run_minutes,
        "web": run_web,
        "roster": export_roster,
    }
    try:
        return asyncio.run(handlers[args.command](settings, args))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        return _report_failure(error, settings, args)


def settings_for(args: argparse.Namespace) -> Settings | int:
    """The validated config with the command line's overrides, its secrets hidden from the log; or,
    after printing every problem of the config, the exit code 1."""
    from sanhui_bot.config import ConfigError, DatabaseConfig, database_password, load_settings

    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"配置有误 / config problems in {error.source}:", file=sys.stderr)
        for path, problem in error.problems:
            print(f"  {path}: {problem}", file=sys.stderr)
        return 1
    if args.command == "check-config":
        return settings
    if getattr(args, "database_url", None):
        settings = settings.model_copy(update={"database": DatabaseConfig(url=args.database_url)})
    secrets = settings.secret_values()
    for url in (getattr(args, "source", None), getattr(args, "target", None)):
        if url and (password := database_password(url)):
            secrets.append(password)
    install_redaction(secrets)
    return settings


def _load_behind_the_first_poll(args: argparse.Namespace) -> Settings | int:
    """On a worker thread while Telegram is polled: validate the config and import what runs the bot."""
    settings = settings_for(args)
    import sanhui_bot.adapters.telegram.platform
    import sanhui_bot.app
    import sanhui_bot.scheduler.announcer
    import sanhui_bot.scheduler.runner  # noqa: F401

    return settings


async def run_polling_first(poll_settings: PollSettings, args: argparse.Namespace) -> int:
    """`run` with a Telegram token: poll first, load the config, database and services meanwhile.

    The updates the first poll brings are answered once the bot is ready. If the start fails, the
    process exits without the getUpdates that would confirm them, so a restart still gets them.
    """
    from sanhui_bot.memory import without_webhook_server

    # Polling (the plain reader returns settings only for it): this process never serves a webhook.
    with without_webhook_server():
        from sanhui_bot.adapters.telegram.first_poll import FirstPoll
    from sanhui_bot.first_poll_config import PollSettings

    first_poll = FirstPoll(poll_settings)
    try:
        try:
            await first_poll.start()
            started = True
        except Exception as error:
            # Reported as today, after the config and the database have been checked (they may be
            # what is wrong too): the usual start below tries Telegram again and explains it.
            log.info("the first poll could not start (%r)", error)
            await first_poll.abort()
            started = False
        settings = await asyncio.to_thread(_load_behind_the_first_poll, args)
        if isinstance(settings, int):
            return settings  # the config's problems are printed; nothing is confirmed (below)
        same = settings.telegram.mode == "polling" and PollSettings.of(settings) == poll_settings
        if started and not same:
            # Validation read [telegram] otherwise than the plain reader did: start over from the config.
            await first_poll.abort()
        used = first_poll if started and same else None
        try:
            return await run_bot(settings, args, first_poll=used)
        except Exception as error:
            return _report_failure(error, settings, args)
    finally:
        # Whatever ended the start before the Telegram platform took the polling over: no confirmation.
        if not first_poll.get_updates.released:
            await first_poll.abort()


class PlatformUnreachable(RuntimeError):
    """A chat platform could not be started (its server unreachable, the token refused)."""

    def __init__(self, platform: str, url: str | None, error: BaseException) -> None:
        super().__init__(f"{platform} at {url}: {type(error).__name__}: {error}")
        self.platform = platform
        self.url = url


def _report_failure(error: Exception, settings: Settings, args: argparse.Namespace) -> int:
    """One short line on stderr naming what failed and what to do; the traceback only with -v."""
    problem = None
    if isinstance(error, PlatformUnreachable):
        problem = (
            f"cannot start {error.platform}: {error.url} did not answer or refused the bot "
            f"({error.__cause__!r}); check the network, the url and the secret in the environment"
        )
    if problem is None:
        from sanhui_bot.app import database_url
        from sanhui_bot.storage.faults import database_problem

        if args.command == "copy-db":
            urls = [args.source, args.target]
        else:
            urls = [database_url(settings, getattr(args, "db", None))]
        problem = next((found for url in urls if (found := database_problem(error, url))), None)
    if problem is None:
        problem = f"{type(error).__name__}: {error}"
    print(f"出错了 / error: {problem}", file=sys.stderr)
    if args.verbose:
        log.error("%s failed", args.command, exc_info=error)
    else:
        print("(run with -v for the details)", file=sys.stderr)
    return 1


def _refuse_missing_database(settings: Settings, args: argparse.Namespace) -> int | None:
    """Reading commands (export, minutes) do not create a database a mistyped path would name."""
    from sanhui_bot.app import database_url
    from sanhui_bot.storage.faults import missing_sqlite_file

    missing = missing_sqlite_file(database_url(settings, args.db))
    if missing is None:
        return None
    print(
        f"出错了 / error: there is no database at {missing}: check --db or [database] url "
        "(`bot.py migrate` or `console` creates a new one)",
        file=sys.stderr,
    )
    return 1


def check_config(settings: Settings, path: Path | None) -> int:
    from sanhui_bot.domain.errors import UnknownCalendarYear
    from sanhui_bot.domain.workdays import WorkCalendar

    calendar = WorkCalendar(settings.calendar.extra_holidays, settings.calendar.extra_workdays)
    year = datetime.now(settings.tz).year
    groups = sum(len(branch.groups) for branch in settings.branches)
    print(
        f"OK: {len(settings.branches)} branch(es), {groups} group(s), {len(settings.members)} member(s), "
        f"{len(settings.chats)} chat(s); time zone {settings.timezone}; language {settings.language}"
    )
    for wanted in (year, year + 1):
        try:
            calendar.is_workday(datetime(wanted, 6, 1).date())
        except UnknownCalendarYear:
            print(f"warning: no working-day calendar for {wanted}; its meetings cannot be planned yet")
    if settings.secret(settings.telegram.token_env) is None and settings.matrix.homeserver is None:
        print(f"note: no platform configured ({settings.telegram.token_env} is unset); `console` still works")
    return 0


async def export_roster(settings: Settings, args: argparse.Namespace) -> int:
    """`roster export`: the branch's current roster, as the database holds it, in the format `roster = …` reads."""
    from sanhui_bot.app import open_app
    from sanhui_bot.roster_files import csv_bytes, stored_table, xlsx_bytes
    from sanhui_bot.services.roster import current_roster

    keys = [branch.key for branch in settings.branches]
    branch = args.branch or (keys[0] if len(keys) == 1 else None)
    if branch not in keys:
        print(f"出错了 / error: name the branch with --branch, one of: {', '.join(keys)}", file=sys.stderr)
        return 2
    if args.format == "xlsx" and args.out is None:
        print("出错了 / error: --format xlsx needs --out FILE", file=sys.stderr)
        return 2
    now = _now(settings, args)
    if now is None:
        return 2
    app = await open_app(settings, args.db, now)  # syncs the config's roster first, as `run` does
    try:
        lines = await current_roster(app.deps, branch, app.deps.local_date(now))
    finally:
        await app.close()
    groups = {
        group.key: group.name for entry in settings.branches if entry.key == branch for group in entry.groups
    }
    table = stored_table(lines, groups, [member.key for member in settings.members])
    data = xlsx_bytes(table) if args.format == "xlsx" else csv_bytes(table)
    if args.out is None:
        sys.stdout.buffer.write(data)
        return 0
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        print(f"出错了 / error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(table) - 1} member(s) of {branch} written to {args.out}")
    return 0


async def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from sanhui_bot.app import database_url
    from sanhui_bot.storage.database import create_engine, migrate, refuse_a_directory

    refuse_a_directory(database_url(settings, args.db))
    engine = create_engine(database_url(settings, args.db))
    try:
        revision = await migrate(engine)  # a database too new: main() names the file and exits 1
    finally:
        await engine.dispose()
    print(f"database at schema revision {revision}")
    return 0


async def run_copy_db(settings: Settings, args: argparse.Namespace) -> int:
    """`copy-db`: one line for every way it can fail, and the target left as it was (see transfer.py)."""
    from sanhui_bot.storage.database import DatabaseTooNew
    from sanhui_bot.storage.faults import database_problem
    from sanhui_bot.storage.transfer import (
        CopyFailed,
        CopyInterrupted,
        CopyMismatch,
        CopyRefused,
        copy_database,
    )

    try:
        from sanhui_bot.config import DatabaseConfig

        urls = [DatabaseConfig(url=url).url for url in (args.source, args.target)]
    except ValueError as error:
        print(f"出错了 / error: bad database url: {error}", file=sys.stderr)
        return 2
    stopped_by: list[str] = []

    def stop(number: int, _frame: object) -> None:
        if stopped_by:  # a second Ctrl-C while a slow step runs: give up at once
            raise KeyboardInterrupt
        stopped_by.append(signal.Signals(number).name)

    # Ctrl-C and a service stop (SIGTERM) ask the copy to stop after its current chunk; it rolls back
    # and removes a target file it created. (Cancelling the task instead could cancel a connection's
    # close, which leaves a thread behind and the process hanging.)
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        report = await copy_database(urls[0], urls[1], stop_requested=lambda: bool(stopped_by))
    except (CopyRefused, CopyMismatch, DatabaseTooNew) as error:
        print(f"出错了 / error: {error}", file=sys.stderr)
        return 1
    except CopyFailed as error:
        side_url = urls[0] if error.side == "source" else urls[1]
        cause = error.__cause__ or error
        problem = database_problem(cause, side_url) or f"{type(cause).__name__}: {cause}"
        print(
            f"出错了 / error: copy-db stopped, the {error.side} database failed: {problem}. "
            "Nothing was copied: the target is as it was, and copy-db can run again.",
            file=sys.stderr,
        )
        if args.verbose:
            log.error("copy-db failed", exc_info=error)
        return 1
    except CopyInterrupted:
        print(
            f"copy-db interrupted ({stopped_by[0]}): nothing was copied, the target is as it was",
            file=sys.stderr,
        )
        return 128 + signal.Signals[stopped_by[0]].value
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    for table, rows in report.rows.items():
        print(f"{table}: {rows} rows")
    print(f"copied {sum(report.rows.values())} rows at schema revision {report.revision}; counts match")
    await _leave_matrix_keys_behind(*urls)
    return 0


async def _leave_matrix_keys_behind(source: str, target: str) -> None:
    """A SQLite install keeps its Matrix encryption keys in a file of their own, which is not copied;
    without them the old device cannot be used, so the copy gives it up (the bot logs in anew)."""
    from sqlalchemy.engine import make_url

    from sanhui_bot.adapters.matrix.platform import DEVICE_ID, PLATFORM, crypto_sqlite_path
    from sanhui_bot.storage.database import create_engine
    from sanhui_bot.storage.unit_of_work import SqlStore

    url = make_url(source)
    if not url.get_backend_name().startswith("sqlite") or not url.database:
        return
    keys = Path(crypto_sqlite_path(url.database))
    if not keys.exists():
        return
    store = SqlStore(create_engine(target))
    try:
        async with store.unit_of_work() as uow:
            if await uow.platform_state.get(PLATFORM, DEVICE_ID):
                await uow.platform_state.set(PLATFORM, DEVICE_ID, "")
                await uow.commit()
    finally:
        await store.close()
    print(
        f"note: the Matrix encryption keys in {keys} are not copied; the bot logs in to Matrix as a new "
        "device (with the password; an access token must be a new one) — see README"
    )


async def run_console(settings: Settings, args: argparse.Namespace) -> int:
    from sanhui_bot.adapters.console.console import ConsoleChat, SimulatedClock, parse_local_time
    from sanhui_bot.app import open_app, plan_meetings
    from sanhui_bot.scheduler.announcer import Announcer

    start = datetime.now(UTC)
    if args.now:
        parsed = parse_local_time(args.now, settings.tz)
        if parsed is None:
            print("--now takes a local time like 2026-03-01T09:00", file=sys.stderr)
            return 2
        start = parsed
    app = await open_app(settings, args.db, start)  # a bad database: main() explains it and exits 1
    try:
        for warning in await plan_meetings(app, start):
            print(f"# {warning}")
        clock = SimulatedClock(start)
        chat = ConsoleChat(app.conversation, clock, settings.tz, sys.stdout, files=args.files)
        announcer = Announcer(app.deps, settings.language, notifiers=[chat])

        async def at_moment(previous: datetime, moment: datetime) -> None:
            await _plan_new_year(app, previous, moment)
            clock.advance_to(moment)

        async def step_through(before: datetime, after: datetime) -> None:
            # Every post due on the way goes out at its own moment, in order.
            await announcer.advance(before, after, at_moment)

        chat.on_clock = step_through
        chat.after_line = announcer.deliver
        if sys.stdin.isatty():
            print(
                "# sanhui-bot console. Lines: USER@CHAT: TEXT | :clock TIME | :press USER@CHAT MSG N | :quit"
            )
            print("# e.g.  zhangwei@branch: /help")
        await announcer.start(start)
        await chat.run(sys.stdin)
    finally:
        await app.close()
    return 0


async def _plan_new_year(app: App, before: datetime, after: datetime) -> None:
    from sanhui_bot.app import plan_meetings

    if app.deps.local_date(after).year != app.deps.local_date(before).year:
        for warning in await plan_meetings(app, after):
            print(f"# {warning}")


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    from sanhui_bot.app import open_app
    from sanhui_bot.services.export import export_ledger

    if (refused := _refuse_missing_database(settings, args)) is not None:
        return refused
    now = _now(settings, args)
    if now is None:
        return 2
    if args.format != "json":
        return await _export_files(settings, args, now)
    app = await open_app(settings, args.db, now)
    try:
        data = await export_ledger(app.deps, now)
    finally:
        await app.close()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


async def _export_files(settings: Settings, args: argparse.Namespace, now: datetime) -> int:
    """xlsx, csv or ics: the year's 台账 as files."""
    from sanhui_bot.app import open_app
    from sanhui_bot.exports.files import ledger_files
    from sanhui_bot.services.export import ledger_snapshot

    if args.out is None and args.format != "ics":
        print(f"--format {args.format} needs --out (a file for xlsx, a directory for csv)", file=sys.stderr)
        return 2
    year = args.year or now.astimezone(settings.tz).year
    if not 2000 <= year <= 2100:  # as /export and /report take a year; 9999 would overflow its bounds
        print(f"--year takes a year from 2000 to 2100, not {year}", file=sys.stderr)
        return 2
    if args.school:
        if args.format != "xlsx":
            print("--school needs --format xlsx", file=sys.stderr)
            return 2
        return await _export_school(settings, args, year, now)
    app = await open_app(settings, args.db)
    try:
        snapshot = await ledger_snapshot(app.deps, year, now)
    finally:
        await app.close()
    files = ledger_files(snapshot, args.format, app.deps.org, now)
    if args.format == "csv":
        args.out.mkdir(parents=True, exist_ok=True)
        for attachment in files:
            # one file per sheet, named after the sheet: 会议记录.csv, 出勤明细.csv, …
            (args.out / attachment.filename.removeprefix(f"{year}-")).write_bytes(attachment.data)
    elif args.out is None:
        sys.stdout.write(files[0].data.decode("utf-8"))
    else:
        args.out.write_bytes(files[0].data)
    return 0


async def _export_school(settings: Settings, args: argparse.Namespace, year: int, now: datetime) -> int:
    """The school workbook of the year: the 全校汇总 sheet, then each branch's 台账 sheets."""
    from sanhui_bot.app import open_app
    from sanhui_bot.domain.compliance import Period, PeriodKind
    from sanhui_bot.exports.school import school_sheets, summary_sheet
    from sanhui_bot.exports.sheets import evaluation_sheet, ledger_sheets
    from sanhui_bot.exports.xlsx import workbook_bytes
    from sanhui_bot.services.export import ledger_snapshot
    from sanhui_bot.services.school import school_summary

    app = await open_app(settings, args.db)
    try:
        standings = await school_summary(app.deps, Period(year, PeriodKind.YEAR), now)
        snapshots = [
            await ledger_snapshot(app.deps, year, now, branch.key) for branch in app.deps.org.branches
        ]
    finally:
        await app.close()
    summary = summary_sheet(standings, app.deps.org, f"{year}全校汇总")
    branches = [branch.key for branch in app.deps.org.branches]
    per_branch = {key: ledger_sheets(s, app.deps.org) for key, s in zip(branches, snapshots, strict=True)}
    names = {member.key: member.name for s in snapshots for member in s.members}
    rows = [row for s in snapshots for row in s.evaluation]  # branches in config order, each by rank
    evaluation = evaluation_sheet(rows, names, app.deps.org, f"{year}全校年度评优")
    args.out.write_bytes(workbook_bytes(school_sheets(summary, per_branch, evaluation)))
    return 0


async def run_minutes(settings: Settings, args: argparse.Namespace) -> int:
    from sanhui_bot.app import open_app
    from sanhui_bot.domain.errors import DomainError
    from sanhui_bot.render.minutes import render_minutes
    from sanhui_bot.render.replies import renderer_for
    from sanhui_bot.services.reports import meeting_minutes

    if (refused := _refuse_missing_database(settings, args)) is not None:
        return refused
    now = _now(settings, args)
    if now is None:
        return 2
    app = await open_app(settings, args.db, now)
    try:
        meeting = None
        async with app.deps.uow() as uow:
            meeting = await uow.meetings.get(args.meeting)
        if meeting is None:
            print(f"没有 #{args.meeting} 号会议 / there is no meeting #{args.meeting}", file=sys.stderr)
            return 1
        try:
            minutes = await meeting_minutes(app.deps, meeting.branch, args.meeting, now)
        except DomainError as error:
            print(str(error), file=sys.stderr)
            return 1
        text = render_minutes(minutes, await renderer_for(app.deps, settings.language))
    finally:
        await app.close()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


async def run_bot(settings: Settings, args: argparse.Namespace, first_poll: FirstPoll | None = None) -> int:
    """`run`: the bot on every platform configured; Telegram's polling already begun when `first_poll`."""
    import signal

    from sanhui_bot.app import build_platforms, build_web, open_app, plan_meetings
    from sanhui_bot.memory import settle_after_start
    from sanhui_bot.scheduler.announcer import Announcer
    from sanhui_bot.scheduler.runner import STOP_PATIENCE, build_scheduler, wake

    app = await open_app(settings, args.db)  # a bad database: main() explains it and exits 1
    try:
        platforms = build_platforms(settings, app, first_poll)
        web_view = build_web(settings, app)
        if not platforms and web_view is None:
            print(
                f"没有配置任何聊天平台 / no chat platform is configured: set {settings.telegram.token_env} "
                "for Telegram or [matrix] homeserver for Matrix (see README). "
                "Try the bot with `python bot.py console`.",
                file=sys.stderr,
            )
            return 2
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        started = []
        try:
            for platform in platforms:
                try:
                    await platform.start()
                except Exception as error:
                    url = settings.telegram.api_base_url if platform.platform == "telegram" else None
                    url = settings.matrix.homeserver if platform.platform == "matrix" else url
                    raise PlatformUnreachable(platform.platform, url, error) from error
                started.append(platform)
                log.warning("%s is running", platform.platform)
            # Planned once the platforms listen, not before: the year is usually planned already, and an
            # update arriving meanwhile waits for its turn at the database like any other.
            for warning in await plan_meetings(app, datetime.now(UTC)):
                log.warning(warning)
            # Leases on claimed outbox rows follow the real clock, even in a long delivery loop.
            announcer = Announcer(
                app.deps, settings.language, notifiers=platforms, clock=lambda: datetime.now(UTC)
            )
            await announcer.start(datetime.now(UTC))

            async def plan(now: datetime) -> None:
                for warning in await plan_meetings(app, now):
                    log.warning(warning)

            scheduler = build_scheduler(announcer, settings.tz, plan=plan)
            app.conversation.wake_announcer = lambda: wake(scheduler, settings.tz)
            scheduler.start()
            if web_view is not None:
                # An action on the page edits the chats' tallies and task cards, as a command does.
                web_view.on_change.extend(platform.refresh for platform in platforms)
                # the 签到大屏's QR code opens the bot by its @username, once Telegram has told it
                telegram = next((p for p in platforms if p.platform == "telegram"), None)
                if telegram is not None:
                    web_view.telegram_username = partial(getattr, telegram, "username", None)
                await web_view.start()
            # Idle from here on: start-up's garbage collected, what it built frozen, and the freed
            # heap given back to the system (sanhui_bot/memory.py).
            settle_after_start()
            try:
                await stop.wait()
            finally:
                scheduler.shutdown(wait=False)
                await announcer.stop(STOP_PATIENCE)  # the post being sent is sent and recorded
                if web_view is not None:
                    await web_view.stop()
        finally:
            for platform in reversed(started):
                await platform.stop()
    finally:
        await app.close()
    return 0


async def run_web(settings: Settings, args: argparse.Namespace) -> int:
    """`web`: the 台账 pages alone; the chats' live views are then refreshed by `run` only."""
    import signal

    from sanhui_bot.app import build_web, open_app

    app = await open_app(settings, args.db)  # a bad database: main() explains it and exits 1
    try:
        web_view = build_web(settings, app)
        if web_view is None:
            print(
                "[web] public_url is not set: the web view is off (see config.example.toml)", file=sys.stderr
            )
            return 2
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await web_view.start()
        try:
            await stop.wait()
        finally:
            await web_view.stop()
    finally:
        await app.close()
    return 0
