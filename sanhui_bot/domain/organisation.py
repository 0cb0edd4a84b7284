"""The branches, their 党小组 and the chats bound to them: the static shape of the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sanhui_bot.domain.model import ChatContext, GroupKind, MeetingKind, SchoolMember, committee_unit


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    name: str
    kind: GroupKind
    branch: str
    chat: str
    topics: tuple[str, ...] = ()  # its kind's default topics (config [groups.<kind>]): notices show them


@dataclass(frozen=True, slots=True)
class Branch:
    key: str
    name: str
    chat: str
    committee_chat: str
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True, slots=True)
class School:
    """The school's Party committee (党委): its chat, and the members who sit on it (member keys).

    `committee` holds branch members with a school role and the 党委's own `members`, who belong to
    no branch.
    """

    name: str
    chat: str
    committee: frozenset[str] = frozenset()
    members: tuple[SchoolMember, ...] = ()

    def member_by_platform(self, platform: str, platform_user: str) -> SchoolMember | None:
        """The 党委 member of no branch behind a platform id, if any."""
        return next((m for m in self.members if m.platform_id(platform) == platform_user), None)


@dataclass(frozen=True, slots=True)
class Organisation:
    """Branches, groups and chat bindings; chats are keys from the config's [chats] table."""

    branches: tuple[Branch, ...]
    chats: dict[str, dict[str, str]] = field(default_factory=dict)  # chat key -> platform -> platform id
    school: School | None = None
    # Lookups by key, built on first use: a district's month-end asks a thousand times of 200 branches,
    # and a scan of them per question made it quadratic. `branches` never changes, so neither do they.
    _index: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _lookup(self, table: str) -> dict[str, Any]:
        if not self._index:
            branches: dict[str, Branch] = {}
            groups: dict[str, Group] = {}
            contexts: dict[str, ChatContext] = {}
            unit_chats: dict[str, str] = {}
            unit_names: dict[str, str] = {}
            # In the order the scans went, keeping the first match, as they did.
            for branch in self.branches:
                branches.setdefault(branch.key, branch)
                committee = committee_unit(branch.key)
                contexts.setdefault(
                    branch.chat,
                    ChatContext(chat=branch.chat, branch=branch.key, unit=branch.key, kind="branch"),
                )
                contexts.setdefault(
                    branch.committee_chat,
                    ChatContext(
                        chat=branch.committee_chat, branch=branch.key, unit=committee, kind="committee"
                    ),
                )
                unit_chats.setdefault(branch.key, branch.chat)
                unit_chats.setdefault(committee, branch.committee_chat)
                unit_names.setdefault(branch.key, branch.name)
                unit_names.setdefault(committee, f"{branch.name}委员会")
                for group in branch.groups:
                    groups.setdefault(group.key, group)
                    contexts.setdefault(
                        group.chat,
                        ChatContext(chat=group.chat, branch=branch.key, unit=group.key, kind="group"),
                    )
                    unit_chats.setdefault(group.key, group.chat)
                    unit_names.setdefault(group.key, group.name)
            self._index.update(
                branches=branches,
                groups=groups,
                contexts=contexts,
                unit_chats=unit_chats,
                unit_names=unit_names,
            )
        return self._index[table]

    def branch(self, key: str) -> Branch | None:
        return self._lookup("branches").get(key)

    def group(self, key: str) -> Group | None:
        return self._lookup("groups").get(key)

    def groups(self, branch: str | None = None) -> list[Group]:
        return [g for b in self.branches if branch in (None, b.key) for g in b.groups]

    def find_group(self, branch: str, text: str) -> Group | None:
        """A group of the branch named by key, by name, or by a part of its name that fits only it.

        People write 数学, 数学组 or 高一 for 数学党小组 and 高一年级党小组.
        """
        wanted = text.strip().lower()
        if not wanted:
            return None
        groups = self.groups(branch)
        for group in groups:
            if wanted in {group.key.lower(), group.name.lower(), group.name.removesuffix("党小组").lower()}:
                return group
        partial = [
            g for g in groups if wanted.removesuffix("组") and wanted.removesuffix("组") in g.name.lower()
        ]
        return partial[0] if len(partial) == 1 else None

    def chat_context(self, chat: str) -> ChatContext | None:
        """The unit a chat is bound to, or None for a chat the config does not know."""
        return self._lookup("contexts").get(chat)

    def chat_for_unit(self, unit: str) -> str | None:
        return self._lookup("unit_chats").get(unit)

    def chat_by_platform_id(self, platform: str, platform_id: str) -> str | None:
        """The chat key whose id on `platform` is `platform_id`."""
        for chat, ids in self.chats.items():
            if ids.get(platform) == platform_id:
                return chat
        return None

    def unit_name(self, unit: str) -> str:
        return self._lookup("unit_names").get(unit, unit)

    def unit_for_kind(self, branch: str, kind: MeetingKind, group: str | None) -> str:
        """The unit that holds a meeting of this kind: the branch, its committee or a group."""
        if kind is MeetingKind.COMMITTEE:
            return committee_unit(branch)
        if kind is MeetingKind.GROUP:
            if group is None:
                raise ValueError("a group meeting needs a group")
            return group
        return branch
