"""Seeding shared by the benchmarks: a branch's past meetings answered, attended and scored."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from sanhui_bot.domain.model import Meeting, Member, Rsvp, RsvpAnswer, SignIn
from sanhui_bot.domain.points import PointReason, PointRules, earn
from sanhui_bot.services.ports import UnitOfWork


async def answer_and_attend(
    uow: UnitOfWork,
    rules: PointRules,
    past: Sequence[Meeting],
    people: Sequence[Member],
    rng: random.Random,
) -> None:
    """For each meeting, each member of its unit: no answer one time in five, else an RSVP two days
    ahead (85% yes, the rest leave for 出差); a yes is signed in at the start with its sign-in points.
    The caller commits."""
    for meeting in past:
        for member in people:
            if meeting.unit not in member.units() or rng.random() < 0.2:
                continue
            answer = RsvpAnswer.YES if rng.random() < 0.85 else RsvpAnswer.LEAVE
            await uow.attendance.put_rsvp(
                Rsvp(
                    meeting.id,
                    member.key,
                    answer,
                    meeting.starts_at - timedelta(days=2),
                    reason="出差" if answer is RsvpAnswer.LEAVE else "",
                )
            )
            if answer is RsvpAnswer.YES:
                await uow.attendance.add_signin(SignIn(meeting.id, member.key, meeting.starts_at))
                await uow.points.append(
                    earn(rules, member.key, PointReason.SIGNIN, f"meeting:{meeting.id}", meeting.starts_at)
                )


def percentile(samples: Sequence[float], p: float) -> float:
    """The sample at fraction `p` of the sorted samples (no interpolation)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]
