"""Exactly-once input: an update's seen mark commits with the command's effect, in one transaction.

A crash (here a BaseException, as a kill would be) anywhere while an update is handled must leave
neither the mark nor half the effect, so the re-delivered update runs once (issue 13, item 5).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from support import ChatDriver, local

from sanhui_bot.adapters.conversation import Incoming
from sanhui_bot.app import App, plan_meetings
from sanhui_bot.domain.errors import DomainError
from sanhui_bot.domain.model import Meeting
from sanhui_bot.services import meetings, tasks, updates


class Crash(BaseException):
    """The process dying mid-update: nothing of the handler's `except Exception` catches it."""


async def planned(app: App, unit: str, day: str) -> Meeting:
    start = local(f"{day}T00:00")
    await plan_meetings(app, start)
    async with app.deps.uow() as uow:
        found = await uow.meetings.between([unit], start, start + timedelta(days=1))
    return found[0]


def update(user: str, chat: str, text: str, update_id: str) -> Incoming:
    return Incoming("telegram", user, chat, chat, text, update_id=update_id)


async def test_a_crash_before_the_command_ran_does_not_lose_it(
    app: App, chat: ChatDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = await planned(app, "math", "2026-03-05")
    now = local("2026-03-02T10:00")
    real = meetings.answer_rsvp

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash

    monkeypatch.setattr(meetings, "answer_rsvp", crash)
    incoming = update("10009", "g-math", f"/rsvp {meeting.id} yes", "7001")  # 刘洋
    with pytest.raises(Crash):
        await app.conversation.handle_text(incoming, now)
    monkeypatch.setattr(meetings, "answer_rsvp", real)
    # Telegram delivers the update again after the restart: it must run now.
    replies = await app.conversation.handle_text(incoming, now)
    assert replies and "将参加" in replies[0].text
    rsvps = (await chat.export())["rsvps"]
    assert [(r["member"], r["answer"]) for r in rsvps] == [("liuyang", "yes")]
    # and a third delivery changes nothing and says nothing
    assert await app.conversation.handle_text(incoming, now) == []


async def test_a_crash_after_the_effect_undoes_it_and_the_redelivery_runs_once(
    app: App, chat: ChatDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = local("2026-03-02T10:00")
    real = tasks.record_decision

    async def record_then_crash(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)  # written and "committed" by the service
        raise Crash  # but the update never finished

    monkeypatch.setattr(tasks, "record_decision", record_then_crash)
    incoming = update("10001", "branch", "/decision 修订值班表 @liuyang 截止:2026-03-20", "7002")  # 张伟
    with pytest.raises(Crash):
        await app.conversation.handle_text(incoming, now)
    assert (await chat.export())["tasks"] == []
    monkeypatch.setattr(tasks, "record_decision", real)
    assert await app.conversation.handle_text(incoming, now)
    assert await app.conversation.handle_text(incoming, now) == []
    assert [t["title"] for t in (await chat.export())["tasks"]] == ["修订值班表"]


async def test_a_refused_command_is_marked_seen_and_writes_nothing(app: App, chat: ChatDriver) -> None:
    now = local("2026-03-02T10:00")
    incoming = update("10009", "g-math", "/rsvp 999 yes", "7003")
    [refusal] = await app.conversation.handle_text(incoming, now)
    assert "#999" in refusal.text
    assert await app.conversation.handle_text(incoming, now) == []
    assert (await chat.export())["rsvps"] == []


async def test_a_refusal_after_a_write_keeps_only_the_seen_mark(app: App) -> None:
    now = local("2026-03-02T10:00")
    with pytest.raises(DomainError):
        async with updates.once(app.deps, "telegram", "7010", now), app.deps.uow() as uow:
            await uow.counters.set("half-written", 1)
            raise DomainError("meeting_started", meeting=1)
    # a refusal caught inside the update (as the conversation does) is answered and marked seen
    async with updates.once(app.deps, "telegram", "7011", now) as fresh:
        assert fresh
        try:
            async with app.deps.uow() as uow:
                await uow.counters.set("half-written", 1)
                raise DomainError("meeting_started", meeting=1)
        except DomainError:
            pass
    async with app.deps.uow() as uow:
        assert await uow.counters.get("half-written") is None
        assert not await uow.messages.seen_update("telegram", "7010", now)  # the exception: not seen
        assert await uow.messages.seen_update("telegram", "7011", now)  # refused: seen, nothing else


async def test_units_of_work_joined_to_a_shared_one_commit_with_it(app: App) -> None:
    async with app.deps.uow() as outer:
        with outer.shared():
            async with app.deps.uow() as kept:
                await kept.counters.set("kept", 1)
                await kept.commit()
            async with app.deps.uow() as reader:  # read only, left without commit: nothing to undo
                assert await reader.counters.get("kept") == 1  # the same transaction sees the kept write
            assert not outer.undone
            with pytest.raises(ValueError):
                async with app.deps.uow() as undone:
                    await undone.counters.set("undone", 2)
                    raise ValueError
            # no SAVEPOINT per joined unit of work: its unkept write marks the whole transaction undone
            assert outer.undone
        # nothing is committed yet
    async with app.deps.uow() as after:
        assert await after.counters.get("kept") is None
    async with app.deps.uow() as outer:
        with outer.shared():
            async with app.deps.uow() as kept:
                await kept.counters.set("kept", 1)
                await kept.commit()
        await outer.commit()
    async with app.deps.uow() as after:
        assert await after.counters.get("kept") == 1
