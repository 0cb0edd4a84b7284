"""An in-process copy of the roster and its history that stays consistent with the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from types import MappingProxyType

from sanhui_bot.domain.model import Meeting, Member
from sanhui_bot.domain.quorum import expected_members, voting_members
from sanhui_bot.domain.roster import RosterHistory
from sanhui_bot.domain.school_roster import SchoolCommitteeHistory
from sanhui_bot.services.ports import UnitOfWork


class RosterCache:
    """The whole roster kept in memory, reloaded whenever the stored roster's version changes.

    Reading the version is one tiny query; reloading hundreds of members for every tally and reply
    is what it saves. Several bot processes stay consistent because the version lives in the database.
    """

    def __init__(self) -> None:
        self._version = -1
        self._members: list[Member] = []
        self._history = RosterHistory(())
        self._seats = SchoolCommitteeHistory(())
        self._branches: dict[str, tuple[Member, ...]] = {}
        self._days: dict[tuple[str, date], tuple[Member, ...]] = {}
        # (branch, day, unit) → the 应到 of that unit's meetings that day, and who of them may vote
        self._expected: dict[tuple[str, date, str], tuple[tuple[Member, ...], tuple[Member, ...]]] = {}
        self._names: Mapping[str, str] | None = None
        self._everyone: dict[str, tuple[Member, ...]] | None = None  # branch → members ever on it
        self._by_platform: dict[tuple[str, str], Member] | None = None  # (platform, user id) → active member

    async def _load(self, uow: UnitOfWork) -> None:
        version = await uow.members.version()
        if version != self._version:
            self._members = await uow.members.list(include_inactive=True)
            self._history = RosterHistory(await uow.members.changes())
            self._seats = SchoolCommitteeHistory(await uow.members.seat_changes())
            self._branches = {}
            self._days = {}
            self._expected = {}
            self._names = None
            self._everyone = None
            self._by_platform = None
            self._version = version

    async def members(self, uow: UnitOfWork) -> list[Member]:
        """Every member ever on the roster, active or not, ordered by key."""
        await self._load(uow)
        return self._members

    async def names(self, uow: UnitOfWork) -> Mapping[str, str]:
        """Member key → name for everyone ever on the roster (every reply renders names with it);
        read-only, as it is shared until the roster changes."""
        members = await self.members(uow)
        if self._names is None:
            self._names = MappingProxyType({member.key: member.name for member in members})
        return self._names

    async def seats(self, uow: UnitOfWork) -> SchoolCommitteeHistory:
        """Who sat on the 党委 when (domain/school_roster.py)."""
        await self._load(uow)
        return self._seats

    async def history(self, uow: UnitOfWork) -> RosterHistory:
        """The roster's dated changes."""
        await self._load(uow)
        return self._history

    async def by_platform(self, uow: UnitOfWork, platform: str, platform_user: str) -> Member | None:
        """The active member with this Telegram id, Matrix id or (console) key; the first by key if
        several share one (as the stored roster's lookup answers)."""
        members = await self.members(uow)
        if self._by_platform is None:
            index: dict[tuple[str, str], Member] = {}
            for member in members:  # ordered by key: the first keeps the id
                if not member.active:
                    continue
                index.setdefault(("console", member.key), member)
                if member.telegram is not None:
                    index.setdefault(("telegram", str(member.telegram)), member)
                if member.matrix:
                    index.setdefault(("matrix", member.matrix), member)
            self._by_platform = index
        if platform == "telegram":
            try:
                platform_user = str(int(platform_user))
            except ValueError:
                return None  # not a Telegram user id, so nobody has it
        return self._by_platform.get((platform, platform_user))

    async def branch(self, uow: UnitOfWork, branch: str) -> Sequence[Member]:
        """The branch's active members, computed once per roster version."""
        members = await self.members(uow)
        active = self._branches.get(branch)
        if active is None:
            active = tuple(member for member in members if member.branch == branch and member.active)
            self._branches[branch] = active
        return active

    async def on(self, uow: UnitOfWork, branch: str, day: date) -> Sequence[Member]:
        """The branch's roster of `day` (local date), as its members stood then."""
        return (await self.on_many(uow, [branch], day))[branch]

    async def on_many(
        self, uow: UnitOfWork, branches: Sequence[str], day: date
    ) -> dict[str, Sequence[Member]]:
        """Each branch's roster of `day`, checking the stored version once for them all."""
        members = await self.members(uow)
        return {branch: self._on(members, branch, day) for branch in branches}

    async def expected(
        self, uow: UnitOfWork, meeting: Meeting, day: date
    ) -> tuple[Sequence[Member], Sequence[Member]]:
        """The meeting's 应到 (`expected_members` over the branch's roster of `day`, its local day)
        and who of them may vote (`voting_members`), worked out once per unit and day: every
        answer's tally needs them."""
        members = await self.members(uow)
        key = (meeting.branch, day, meeting.unit)
        found = self._expected.get(key)
        if found is None:
            expected = tuple(expected_members(meeting, self._on(members, meeting.branch, day)))
            found = (expected, tuple(voting_members(expected)))
            self._expected[key] = found
        return found

    def _on(self, members: Sequence[Member], branch: str, day: date) -> Sequence[Member]:
        found = self._days.get((branch, day))
        if found is None:
            if self._everyone is None:  # one pass for every branch, not one pass per branch asked for
                everyone: dict[str, list[Member]] = {}
                for member in members:
                    everyone.setdefault(member.branch, []).append(member)
                self._everyone = {key: tuple(listed) for key, listed in everyone.items()}
            found = tuple(self._history.roster_on(self._everyone.get(branch, ()), day))
            self._days[(branch, day)] = found
        return found

    async def on_days(
        self, uow: UnitOfWork, wanted: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], Sequence[Member]]:
        """The rosters of many (branch, local day) pairs behind one version check: a school summary
        needs those of thousands of meetings, which `on` would check one by one."""
        members = await self.members(uow)
        by_branch: dict[str, list[Member]] = {}
        for member in members:
            by_branch.setdefault(member.branch, []).append(member)
        found: dict[tuple[str, date], Sequence[Member]] = {}
        for branch, day in set(wanted):
            roster = self._days.get((branch, day))
            if roster is None:
                roster = tuple(self._history.roster_on(by_branch.get(branch, ()), day))
                self._days[(branch, day)] = roster
            found[(branch, day)] = roster
        return found
