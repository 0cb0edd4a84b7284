"""The branches, their 党小组 and the chats bound to them: the static shape of the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from sanhui_bot.domain.model import ChatContext, GroupKind, MeetingKind, SchoolMember, committee_unit


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    name: str
    kind: GroupKind
    branch: str
    chat: str


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

    def branch(self, key: str) -> Branch | None:
        return next((branch for branch in self.branches if branch.key == key), None)

    def group(self, key: str) -> Group | None:
        return next((g for branch in self.branches for g in branch.groups if g.key == key), None)

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
        for branch in self.branches:
            if chat == branch.chat:
                return ChatContext(chat=chat, branch=branch.key, unit=branch.key, kind="branch")
            if chat == branch.committee_chat:
                return ChatContext(
                    chat=chat, branch=branch.key, unit=committee_unit(branch.key), kind="committee"
                )
            for group in branch.groups:
                if chat == group.chat:
                    return ChatContext(chat=chat, branch=branch.key, unit=group.key, kind="group")
        return None

    def chat_for_unit(self, unit: str) -> str | None:
        for branch in self.branches:
            if unit == branch.key:
                return branch.chat
            if unit == committee_unit(branch.key):
                return branch.committee_chat
            for group in branch.groups:
                if unit == group.key:
                    return group.chat
        return None

    def chat_by_platform_id(self, platform: str, platform_id: str) -> str | None:
        """The chat key whose id on `platform` is `platform_id`."""
        for chat, ids in self.chats.items():
            if ids.get(platform) == platform_id:
                return chat
        return None

    def unit_name(self, unit: str) -> str:
        for branch in self.branches:
            if unit == branch.key:
                return branch.name
            if unit == committee_unit(branch.key):
                return f"{branch.name}委员会"
            for group in branch.groups:
                if unit == group.key:
                    return group.name
        return unit

    def unit_for_kind(self, branch: str, kind: MeetingKind, group: str | None) -> str:
        """The unit that holds a meeting of this kind: the branch, its committee or a group."""
        if kind is MeetingKind.COMMITTEE:
            return committee_unit(branch)
        if kind is MeetingKind.GROUP:
            if group is None:
                raise ValueError("a group meeting needs a group")
            return group
        return branch
