"""Must-shows 2 and 3: a month-end broadcast to many chats through the emulator's flood limits,
and with a fifth of the sends failing (429 with retry_after, 502, requests that time out).

The limits here are Telegram's shape scaled up (the same token-bucket logic, faster), so the test
stays quick; bench/telegram_broadcast.py runs 200 chats at the real 30 msg/s and 20/min per chat
and prints the time against the 200/30 s the limits allow. No timing is asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from broadcast import month_end_broadcast
from emulator import BotApiEmulator, Failures
from tg_support import TOKEN


@pytest.mark.slow  # planning 200 summaries with their charts takes about half a minute
async def test_month_end_summary_reaches_each_of_200_chats_once_within_flood_limits(
    db_path: Path,
) -> None:
    emulator = BotApiEmulator(TOKEN, per_second=300, per_group_minute=20, group_period=6.0)
    await emulator.start()
    try:
        limits = {"max_messages_per_second": 300, "max_group_messages_per_minute": 200}
        result = await month_end_broadcast(
            emulator,
            200,
            db_path,
            {"api_base_url": emulator.base_url, "request_timeout_seconds": 2.0, **limits},
        )
    finally:
        await emulator.stop()
    assert result.unsent_rows == 0
    assert result.per_chat == {chat: 1 for chat in result.per_chat}
    assert len(result.per_chat) == 200


@pytest.mark.parametrize("seed", [1, 2])
async def test_with_a_fifth_of_sends_failing_every_summary_still_arrives_exactly_once(
    db_path: Path, seed: int
) -> None:
    failures = Failures(rate=0.2, seed=seed, hang_seconds=0.8)
    emulator = BotApiEmulator(TOKEN, per_second=300, per_group_minute=20, group_period=6.0, failures=failures)
    await emulator.start()
    try:
        limits = {"max_messages_per_second": 300, "max_group_messages_per_minute": 200}
        result = await month_end_broadcast(
            emulator,
            40,
            db_path,
            {"api_base_url": emulator.base_url, "request_timeout_seconds": 0.4, **limits},
        )
    finally:
        await emulator.stop()
    assert set(failures.injected) == {"429", "502", "timeout"}, failures.injected  # each kind happened
    assert sum(failures.injected.values()) >= 5
    assert result.rounds > 1  # failed rows waited for the outbox's retry
    assert result.unsent_rows == 0
    assert result.per_chat == {chat: 1 for chat in result.per_chat}
    assert len(result.per_chat) == 40
