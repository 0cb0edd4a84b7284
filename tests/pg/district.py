"""A district's worth of branches, generated: the config for the multi-instance test and the benchmark.

`district_config(branches, members_per_branch)` gives a config dict (as parsed from TOML) with, per
branch, a branch chat, a committee chat and three group chats (5 chats a branch), a secretary, a
deputy, committee members, a leader per group and ordinary members spread over the groups.
"""

from __future__ import annotations

from typing import Any

GROUP_KINDS = (("subject", "学科"), ("grade", "年级"), ("service", "行政服务"))
CHATS_PER_BRANCH = 2 + len(GROUP_KINDS)


def _roles(index: int) -> list[str]:
    # Members 0, 1, 2 sit in groups 0, 1, 2 (index % 3) and lead them.
    roles = [("secretary",), ("deputy",), ("committee",), ("committee",), ("committee", "discipline")]
    own = list(roles[index]) if index < len(roles) else []
    return [*own, "group_leader"] if index < len(GROUP_KINDS) else own


def district_config(branches: int, members_per_branch: int, database_url: str = "") -> dict[str, Any]:
    """The config of `branches` branches (5 chats each) with `members_per_branch` members each."""
    chats: dict[str, dict[str, Any]] = {}
    branch_list = []
    members = []
    telegram_chat = -1002000000000
    telegram_user = 20_000_000
    for number in range(branches):
        key = f"b{number:04d}"
        groups = []
        for kind_number, (kind, label) in enumerate(GROUP_KINDS):
            group_key = f"{key}g{kind_number}"
            groups.append(
                {
                    "key": group_key,
                    "name": f"第{number}支部{label}党小组",
                    "kind": kind,
                    "chat": f"{group_key}-chat",
                }
            )
        for chat in (f"{key}-branch", f"{key}-committee", *(group["chat"] for group in groups)):
            telegram_chat -= 1
            chats[chat] = {"telegram": telegram_chat}
        branch_list.append(
            {
                "key": key,
                "name": f"教工第{number}党支部",
                "chat": f"{key}-branch",
                "committee_chat": f"{key}-committee",
                "groups": groups,
            }
        )
        for index in range(members_per_branch):
            telegram_user += 1
            group = groups[index % len(groups)]["key"]
            members.append(
                {
                    "key": f"{key}m{index:03d}",
                    "name": f"党员{number}-{index}",
                    "branch": key,
                    "group": group,
                    "roles": _roles(index),
                    "telegram": telegram_user,
                    **({"status": "probationary"} if index % 10 == 9 else {}),
                }
            )
    config: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "language": "zh-CN",
        "chats": chats,
        "branches": branch_list,
        "members": members,
    }
    if database_url:
        config["database"] = {"url": database_url}
    return config


def to_toml(config: dict[str, Any]) -> str:
    """The config as TOML text (only the shapes district_config produces)."""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int):
            return str(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(element) for element in item) + "]"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"timezone = {value(config['timezone'])}", f"language = {value(config['language'])}"]
    if "database" in config:
        lines += ["[database]", f"url = {value(config['database']['url'])}"]
    for chat, ids in config["chats"].items():
        lines += [f'[chats."{chat}"]', *(f"{platform} = {value(id_)}" for platform, id_ in ids.items())]
    for branch in config["branches"]:
        lines.append("[[branches]]")
        lines += [f"{name} = {value(branch[name])}" for name in ("key", "name", "chat", "committee_chat")]
        for group in branch["groups"]:
            lines.append("[[branches.groups]]")
            lines += [f"{name} = {value(item)}" for name, item in group.items()]
    for member in config["members"]:
        lines.append("[[members]]")
        lines += [f"{name} = {value(item)}" for name, item in member.items()]
    return "\n".join(lines) + "\n"
