"""What a page or an update costs in SQL statements (issues 15 and 16), counted, not timed.

A count that grows with the data is the regression these catch: the web view's month of meetings
read each meeting's RSVPs, sign-ins and records one meeting at a time (107 statements for a month of
12 meetings in bench/web.py), and the task board read every rating of the database. Both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from support import ChatDriver, local

from sanhui_bot.app import App, plan_meetings
from sanhui_bot.services import ledger, roster

NOW = local("2026-12-01T10:00")


@contextmanager
def statements_of(app: App) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block, in order."""
    seen: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = app.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def month_cost(app: App, month: int) -> tuple[int, int]:
    """(meetings shown with their minutes, statements run) for the secretary's page of a 2026 month."""
    secretary = await roster.identify(app.deps, "console", "zhangwei")
    ctx = app.deps.org.chat_context("branch")
    with statements_of(app) as statements:
        shown = await ledger.month_meetings(app.deps, secretary, ctx, 2026, month, NOW)
    return sum(1 for record in shown.meetings if record.minutes is not None), len(statements)


async def test_a_month_of_minutes_costs_the_same_statements_for_few_or_many_meetings(
    app: App, chat: ChatDriver
) -> None:
    await plan_meetings(app, local("2026-01-01T09:00"))
    chat.now = local("2026-02-20T10:00")
    for day in ("2026-02-24", "2026-02-25", "2026-02-26"):
        assert "#" in await chat.say("zhangwei", "branch", f"/meeting new congress {day} 15:00 加开党员大会")
    costs = {month: await month_cost(app, month) for month in (1, 2, 3)}
    meetings = {shown for shown, _ in costs.values()}
    assert len(meetings) > 1 and min(meetings) >= 3, costs  # the months differ in meetings
    assert len({statements for _, statements in costs.values()}) == 1, costs
    assert costs[1][1] <= 12, costs


async def test_the_task_board_reads_only_its_branchs_ratings(app: App, chat: ChatDriver) -> None:
    chat.now = local("2026-03-02T09:00")
    await chat.say("zhangwei", "committee", "/decision 修订制度 @liuyang 截止:2026-03-20")
    member = await roster.identify(app.deps, "console", "liuyang")
    ctx = app.deps.org.chat_context("branch")
    with statements_of(app) as statements:
        cards = await ledger.task_board(app.deps, member, ctx, ledger.TaskFilter(), chat.now)
    assert [card.task.title for card in cards] == ["修订制度"]
    ratings = [s for s in statements if "FROM task_ratings" in s]
    assert len(ratings) == 1 and "task_ratings.task_id IN" in ratings[0], statements
