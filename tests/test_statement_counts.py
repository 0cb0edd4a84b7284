"""What a page or an update costs in SQL statements (issues 15 and 16), counted, not timed.

A count that grows with the data is the regression these catch: the web view's month of meetings
read each meeting's RSVPs, sign-ins and records one meeting at a time (107 statements for a month of
12 meetings in bench/web.py), and the task board read every rating of the database. Both databases.
"""

from __future__ import annotations

from support import ChatDriver, local, sql_statements

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.model import RsvpAnswer
from sanhui_bot.render.replies import Button, Reply
from sanhui_bot.services import ledger, roster

NOW = local("2026-12-01T10:00")


async def month_cost(app: App, month: int) -> tuple[int, int]:
    """(meetings shown with their minutes, statements run) for the secretary's page of a 2026 month."""
    secretary = await roster.identify(app.deps, "console", "zhangwei")
    ctx = app.deps.org.chat_context("branch")
    with sql_statements(app) as statements:
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
    with sql_statements(app) as statements:
        cards = await ledger.task_board(app.deps, member, ctx, ledger.TaskFilter(), chat.now)
    assert [card.task.title for card in cards] == ["修订制度"]
    ratings = [s for s in statements if "FROM task_ratings" in s]
    assert len(ratings) == 1 and "task_ratings.task_id IN" in ratings[0], statements


async def press_cost(app: App, meeting_id: int, user: str, button: int, update: str) -> list[str]:
    """The statements of one press of the notice's button `button` by `user` (update id `update`)."""
    with sql_statements(app) as statements:
        replies = await app.conversation.handle_press(
            "console", user, "branch", "branch", "1", button, local("2026-03-02T11:00"), update_id=update
        )
    assert replies is not None
    return statements


async def congress_of_march_20(app: App, chat: ChatDriver) -> int:
    """The secretary sets up a 党员大会 on 2026-03-20 (on 03-02, the year planned); its id."""
    await plan_meetings(app, local("2026-03-01T08:00"))
    chat.now = local("2026-03-02T10:00")
    created = await chat.say("zhangwei", "branch", "/meeting new congress 2026-03-20 15:00 党员大会")
    return int(created.split("#", 1)[1].split()[0])


async def test_a_press_is_one_transaction_whose_statements_do_not_grow_with_the_answers(
    app: App, chat: ChatDriver
) -> None:
    meeting_id = await congress_of_march_20(app, chat)
    notice = Reply(
        "通知",
        (Button("参加", f"/rsvp {meeting_id} yes"), Button("不参加", f"/rsvp {meeting_id} no")),
        subject=f"meeting:{meeting_id}",
    )
    await app.conversation.remember("console", "branch", "1", notice, chat.now)
    first = await press_cost(app, meeting_id, "liuyang", 1, "u1")
    for number, member in enumerate(("xuqiang", "hema", "linyu", "chenjing", "zhoumin")):
        await press_cost(app, meeting_id, member, 1, f"u-more-{number}")
    later = await press_cost(app, meeting_id, "wujun", 2, "u2")
    again = await press_cost(app, meeting_id, "wujun", 2, "u2")  # re-delivered: seen, nothing else
    async with app.deps.uow() as uow:
        answers = await uow.attendance.answers(meeting_id)
    assert (answers["liuyang"].value, answers["wujun"].value, len(answers)) == ("yes", "no", 7), answers
    # One unit of work: one BEGIN (each transaction begun, on both databases).
    assert sum(s.startswith("BEGIN") for s in first) <= 1, first
    assert sum(s.startswith("BEGIN") for s in later) <= 1, later
    assert len(later) == len(first), (first, later)
    # BEGIN, the seen mark with the roster version (once: who pressed, the names, the tally's
    # roster), the pressed message, the meeting, the tally's answers with the sign-in check, and the
    # answer; no SAVEPOINTs for the services' units of work joined to the update's.
    assert len(first) <= 6, first
    assert sum("FROM signins" in s for s in first) == 1 and sum("FROM rsvps" in s for s in first) == 1, first
    assert not any("SAVEPOINT" in s for s in first), first
    assert sum("roster_version" in s or "counters" in s for s in first) <= 1, first
    assert len(again) <= 3, again


async def test_an_rsvp_and_the_task_list_read_the_roster_version_once_and_no_member(
    app: App, chat: ChatDriver
) -> None:
    meeting_id = await congress_of_march_20(app, chat)
    await chat.say("liuyang", "branch", f"/rsvp {meeting_id} yes")  # the roster cache is warm
    with sql_statements(app) as rsvp:
        assert "#" in await chat.say("xuqiang", "branch", f"/rsvp {meeting_id} yes")
    with sql_statements(app) as listed:
        await chat.say("xuqiang", "branch", "/tasks")
    # the rsvp: BEGIN, the roster version, the meeting, its answers by answer, the answer written
    for statements, most in ((rsvp, 5), (listed, 3)):
        # who wrote comes from the roster in memory, behind the one version check of the update
        assert not any("FROM members" in s for s in statements), statements
        assert sum("FROM counters" in s for s in statements) == 1, statements
        assert not any("SAVEPOINT" in s for s in statements), statements
        assert len(statements) <= most, statements


async def test_an_updates_rsvp_again_is_its_seen_mark_with_the_roster_version_the_meeting_and_its_answers(
    app: App, chat: ChatDriver
) -> None:
    """Issue 15: the hottest update is four statements; the seen mark reads the roster's version
    (who wrote, the names, the tally's roster), and the answers come one row per answer."""
    meeting_id = await congress_of_march_20(app, chat)
    await chat.say("xuqiang", "branch", f"/rsvp {meeting_id} yes")
    again = Incoming("console", "xuqiang", "branch", "branch", f"/rsvp {meeting_id} yes", update_id="t-1")
    with sql_statements(app) as statements:
        [reply] = await app.conversation.handle_text(again, chat.now)
    assert "参加" in reply.text, reply.text
    begin, seen, meeting, answers = statements
    assert begin == "BEGIN", statements
    assert seen.startswith("INSERT INTO seen_updates") and "FROM counters" in seen, statements
    assert "FROM meetings" in meeting and "FROM rsvps" in answers and "GROUP BY" in answers, statements


async def test_the_same_answer_again_writes_nothing_and_keeps_the_date_it_was_first_given(
    app: App, chat: ChatDriver
) -> None:
    meeting_id = await congress_of_march_20(app, chat)
    await chat.say("xuqiang", "branch", f"/rsvp {meeting_id} yes")
    async with app.store.unit_of_work() as uow:
        [first] = [r for r in await uow.attendance.rsvps(meeting_id) if r.member == "xuqiang"]
    with sql_statements(app) as again:
        said = await chat.say("xuqiang", "branch", f"/rsvp {meeting_id} yes", at=local("2026-03-03T10:00"))
        assert "#" in said
    assert not any("INSERT INTO rsvps" in s for s in again), again
    async with app.store.unit_of_work() as uow:
        [kept] = [r for r in await uow.attendance.rsvps(meeting_id) if r.member == "xuqiang"]
    assert kept == first  # answered_at too: a report as of the day between knew the answer
    await chat.say("xuqiang", "branch", f"/rsvp {meeting_id} no", at=local("2026-03-04T10:00"))
    async with app.store.unit_of_work() as uow:
        [changed] = [r for r in await uow.attendance.rsvps(meeting_id) if r.member == "xuqiang"]
    assert changed.answer is RsvpAnswer.NO and changed.answered_at > first.answered_at


async def test_a_press_and_what_its_notice_shows_now_are_one_transaction_reading_the_answers_once(
    app: App, chat: ChatDriver
) -> None:
    meeting_id = await congress_of_march_20(app, chat)
    notice = Reply("通知", (Button("参加", f"/rsvp {meeting_id} yes"),), subject=f"meeting:{meeting_id}")
    await app.conversation.remember("console", "branch", "1", notice, chat.now)
    await app.conversation.handle_press(
        "console", "liuyang", "branch", "branch", "1", 1, chat.now, update_id="u1"
    )
    pressed = Incoming("console", "xuqiang", "branch", "branch", "", update_id="u2")
    with sql_statements(app) as statements:
        handled = await app.conversation.handle(pressed, chat.now, lambda subject: True, ("1", 1))
    [(message, view)] = handled.views
    assert message.message_id == "1" and "参加 2" in view.text, view.text
    assert list(handled.marks) == [f"meeting:{meeting_id}"]
    assert sum(s.startswith("BEGIN") for s in statements) <= 1, statements
    # the tally the notice shows is the one the answer computed: the answers are read once
    assert sum("FROM rsvps" in s for s in statements) == 1, statements
    assert len(statements) <= 10, statements
    with sql_statements(app) as again:  # the same answer again: nothing new to show, nothing rendered
        pressed = Incoming("console", "xuqiang", "branch", "branch", "", update_id="u3")
        handled = await app.conversation.handle(pressed, chat.now, lambda subject: True, ("1", 1))
    assert handled.views == [] and handled.marks == {}
    assert not any("FROM posted_messages" in s for s in again[3:]), again
