"""An in-process copy of the roster that stays consistent with the database."""

from __future__ import annotations

from collections.abc import Sequence

from sanhui_bot.domain.model import Member
from sanhui_bot.services.ports import UnitOfWork


class RosterCache:
    """The whole roster kept in memory, reloaded whenever the stored roster's version changes.

    Reading the version is one tiny query; reloading hundreds of members for every tally and reply
    is what it saves. Several bot processes stay consistent because the version lives in the database.
    """

    def __init__(self) -> None:
        self._version = -1
        self._members: list[Member] = []
        self._branches: dict[str, tuple[Member, ...]] = {}

    async def members(self, uow: UnitOfWork) -> list[Member]:
        """Every member ever on the roster, active or not, ordered by key."""
        version = await uow.members.version()
        if version != self._version:
            self._members = await uow.members.list(include_inactive=True)
            self._branches = {}
            self._version = version
        return self._members

    async def branch(self, uow: UnitOfWork, branch: str) -> Sequence[Member]:
        """The branch's active members, computed once per roster version."""
        members = await self.members(uow)
        active = self._branches.get(branch)
        if active is None:
            active = tuple(member for member in members if member.branch == branch and member.active)
            self._branches[branch] = active
        return active
