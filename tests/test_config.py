"""Configuration: the example file's shape, and every problem of a broken file reported at once."""

from __future__ import annotations

import copy
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sanhui_bot.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    ScheduleConfig,
    Settings,
    load_settings,
    parse_settings,
    roster_problems,
)
from sanhui_bot.domain.model import GroupKind, MemberStatus, Role

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example() -> Settings:
    return load_settings(ROOT / "config.example.toml")


def valid_document() -> dict[str, Any]:
    """A small but complete branch: every check passes."""
    return {
        "timezone": "Asia/Shanghai",
        "chats": {
            "branch": {"telegram": -1001, "matrix": "!branch:example.org"},
            "committee": {"telegram": -1002},
            "g-math": {"telegram": -1003},
            "g-grade10": {"telegram": -1004},
        },
        "branches": [
            {
                "key": "t1",
                "name": "教工第一党支部",
                "chat": "branch",
                "committee_chat": "committee",
                "groups": [
                    {"key": "math", "name": "数学党小组", "kind": "subject", "chat": "g-math"},
                    {"key": "grade10", "name": "高一年级党小组", "kind": "grade", "chat": "g-grade10"},
                ],
            }
        ],
        "members": [
            {"key": "zhangwei", "name": "张伟", "branch": "t1", "roles": ["secretary"], "group": "math"},
            {"key": "lihua", "name": "李华", "branch": "t1", "roles": ["group_leader"], "group": "math"},
            {
                "key": "wangfang",
                "name": "王芳",
                "branch": "t1",
                "roles": ["group_leader"],
                "group": "grade10",
            },
            {"key": "liuyang", "name": "刘洋", "branch": "t1", "group": "grade10", "telegram": 10009},
        ],
    }


def problems_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as raised:
        parse_settings(document, "test.toml")
    return raised.value.problems


def paths_of(document: dict[str, Any]) -> set[str]:
    return {path for path, _ in problems_of(document)}


# --- the example file ---


def test_the_example_is_the_bundled_default() -> None:
    assert EXAMPLE_CONFIG == ROOT / "config.example.toml"


def test_example_config_loads_without_problems(example: Settings) -> None:
    assert roster_problems(example) == []
    assert example.timezone == "Asia/Shanghai"
    assert example.database.url == "sqlite:///data/sanhui.db"


def test_example_has_a_realistic_branch(example: Settings) -> None:
    (branch,) = example.branches
    assert (branch.key, branch.name, branch.chat, branch.committee_chat) == (
        "t1",
        "教工第一党支部",
        "branch",
        "committee",
    )
    assert len(example.members) >= 12
    assert sum(m.status is MemberStatus.PROBATIONARY for m in example.members) == 2
    assert all(m.group is not None and m.branch == "t1" for m in example.members)
    keys = [m.key for m in example.members]
    assert len(set(keys)) == len(keys)


def test_example_has_three_groups_of_three_kinds_each_led(example: Settings) -> None:
    groups = example.branches[0].groups
    assert len(groups) == 3
    assert {group.kind for group in groups} == set(GroupKind)
    for group in groups:
        leaders = [m for m in example.members if m.group == group.key and Role.GROUP_LEADER in m.roles]
        assert len(leaders) == 1, group.key
        assert group.chat in example.chats


def test_example_roles(example: Settings) -> None:
    by_key = {m.key: m for m in example.members}
    assert by_key["zhangwei"].name == "张伟"
    assert by_key["zhangwei"].roles == [Role.SECRETARY]
    assert by_key["liuyang"].name == "刘洋"
    assert by_key["liuyang"].roles == []
    assert by_key["lihua"].name == "李华"
    assert Role.COMMITTEE in by_key["lihua"].roles
    roles = Counter(role for m in example.members for role in m.roles)
    assert roles[Role.DEPUTY] == 1
    assert roles[Role.DISCIPLINE] == 1
    assert roles[Role.COMMITTEE] == 3
    discipline = next(m for m in example.members if Role.DISCIPLINE in m.roles)
    assert Role.COMMITTEE in discipline.roles


def test_example_has_platform_ids_and_chats(example: Settings) -> None:
    assert set(example.chats) == {"branch", "committee", "g-math", "g-grade10", "g-service"}
    assert all(chat.telegram is not None and chat.telegram < 0 for chat in example.chats.values())
    assert all(chat.matrix is not None and chat.matrix.startswith("!") for chat in example.chats.values())
    assert all(m.telegram is not None and m.telegram > 10000 for m in example.members)
    assert all(m.matrix == f"@{m.key}:school.example.org" for m in example.members)


def test_example_writes_out_every_default_section() -> None:
    document = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for section in ("database", "schedule", "calendar", "points", "telegram", "matrix"):
        assert section in document, section
    assert document["schedule"].keys() >= {"group", "committee", "congress", "lesson", "holiday_policy"}
    # The written-out schedule is exactly the built-in default.
    assert ScheduleConfig.model_validate(document["schedule"]) == ScheduleConfig()


def test_example_holds_secret_names_not_secrets(example: Settings) -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert example.telegram.token_env == "SANHUI_TELEGRAM_TOKEN"
    assert example.matrix.access_token_env == "SANHUI_MATRIX_ACCESS_TOKEN"
    assert example.matrix.password_env == "SANHUI_MATRIX_PASSWORD"
    assert "token =" not in text and "password =" not in text


# --- every problem at once ---


def test_a_valid_document_has_no_problems() -> None:
    assert roster_problems(parse_settings(valid_document())) == []


def test_a_broken_config_reports_every_problem_with_its_key_path() -> None:
    document = valid_document()
    document["timezone"] = "Asia/Beijing"  # not an IANA zone
    document["branches"][0]["groups"][1]["key"] = "math"  # duplicate group key
    document["branches"][0]["groups"][0]["chat"] = "g-maths"  # chat not under [chats]
    document["members"][3]["group"] = "physics"  # unknown group
    document["members"].append({"key": "lihua", "name": "李华", "branch": "t1", "group": "math"})  # dup key
    document["members"][0]["roles"] = ["secretary", "chairman"]  # no such role

    with pytest.raises(ConfigError) as raised:
        parse_settings(document, "broken.toml")
    problems = dict(raised.value.problems)

    assert "timezone" in problems and "Asia/Shanghai" in problems["timezone"]
    assert "members[0].roles[1]" in problems
    assert problems["branches[0].groups[1].key"] == "duplicate group key 'math'"
    assert problems["branches[0].groups[0].chat"] == "chat 'g-maths' is not defined under [chats]"
    assert problems["members[3].group"] == "unknown group 'physics'"
    assert problems["members[4].key"] == "duplicate member key 'lihua'"
    assert str(raised.value).startswith("broken.toml: ")
    assert all(f"  {path}: " in str(raised.value) for path in problems)


def test_cross_reference_problems_alone_are_reported_together() -> None:
    document = valid_document()
    document["members"][3]["group"] = "physics"
    document["members"][2]["branch"] = "t9"
    # wangfang, moved to an unknown branch, no longer fits her group nor leads it.
    assert paths_of(document) == {
        "members[3].group",
        "members[2].branch",
        "members[2].group",
        "branches[0].groups[1]",
    }


def test_a_chat_serves_one_unit_only() -> None:
    document = valid_document()
    document["branches"][0]["committee_chat"] = "branch"
    document["branches"][0]["groups"][1]["chat"] = "g-math"
    problems = dict(problems_of(document))
    assert problems == {
        "branches[0].committee_chat": "chat 'branch' is already the chat of branch 't1'",
        "branches[0].groups[1].chat": "chat 'g-math' is already the chat of group 'math'",
    }


def test_every_branch_needs_a_secretary_and_only_one() -> None:
    document = valid_document()
    document["members"][0]["roles"] = ["deputy"]
    assert paths_of(document) == {"branches[0]"}
    document["members"][0]["roles"] = ["secretary"]
    document["members"][3]["roles"] = ["secretary"]
    assert paths_of(document) == {"members[3].roles"}


def test_every_group_needs_a_leader() -> None:
    document = valid_document()
    document["members"][2]["roles"] = []
    problems = dict(problems_of(document))
    assert problems == {"branches[0].groups[1]": "group 'grade10' has no member with role 'group_leader'"}


def test_a_leader_of_another_group_does_not_count() -> None:
    document = valid_document()
    document["members"][2]["group"] = "math"  # both leaders now in math, none in grade10
    assert paths_of(document) == {"branches[0].groups[1]"}


def test_probationary_members_cannot_sit_on_the_committee() -> None:
    document = valid_document()
    document["members"][3].update(status="probationary", roles=["committee"])
    assert paths_of(document) == {"members[3].roles"}


def test_slot_rules_list_each_week_and_month_once() -> None:
    document = valid_document()
    document["schedule"] = {
        "group": {"weeks": [1, 3, 1], "time": "14:30"},
        "committee": {"weeks": [2], "months": [1, 1, 2], "time": "16:30"},
        "lesson": {"weeks": [], "time": "14:30"},
        "committee_fixed_topics": [],
    }
    assert paths_of(document) == {
        "schedule.group.weeks",
        "schedule.committee.months",
        "schedule.lesson.weeks",
        "schedule.committee_fixed_topics",
    }


def test_calendar_overrides_must_not_contradict_each_other() -> None:
    document = valid_document()
    document["calendar"] = {"extra_holidays": ["2026-10-09"], "extra_workdays": ["2026-10-10", "2026-10-09"]}
    assert paths_of(document) == {"calendar.extra_workdays[1]"}


def test_platform_ids_look_like_what_they_are() -> None:
    document = valid_document()
    document["members"][3]["telegram"] = -1001  # a group's id pasted as a person's
    document["members"][3]["matrix"] = "liuyang@example.org"
    document["chats"]["g-math"]["telegram"] = 10001  # a person's id pasted as a group's
    document["chats"]["g-math"]["matrix"] = "#g-math"
    assert paths_of(document) == {
        "members[3].telegram",
        "members[3].matrix",
        "chats.g-math.telegram",
        "chats.g-math.matrix",
    }


def test_two_chat_keys_cannot_share_a_platform_id() -> None:
    document = valid_document()
    document["chats"]["g-grade10"]["telegram"] = -1003
    document["chats"]["committee"]["matrix"] = "!branch:example.org"
    assert paths_of(document) == {"chats.g-grade10.telegram", "chats.committee.matrix"}


def test_field_errors_do_not_hide_cross_reference_problems_elsewhere() -> None:
    document = copy.deepcopy(valid_document())
    document["branches"][0]["groups"][0]["kind"] = "club"  # invalid, but the group still exists
    document["members"][1]["telegram"] = "not a number"
    document["members"][3]["group"] = "physics"
    assert paths_of(document) == {
        "branches[0].groups[0].kind",
        "members[1].telegram",
        "members[3].group",
    }


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path / "missing.toml")
    assert raised.value.problems[0][0] == "(file)"


def test_a_bad_schedule_key_does_not_hide_a_bad_slot_rule() -> None:
    document = valid_document()
    document["schedule"] = {"holiday_policy": "skip", "group": {"weeks": [1, 1], "time": "14:30"}}
    assert paths_of(document) == {"schedule.holiday_policy", "schedule.group.weeks"}


def test_nonsense_is_reported_not_raised() -> None:
    document = valid_document()
    document["schedule"] = 1
    document["branches"][0]["groups"] = "math"
    document["members"][0] = "zhangwei"
    paths = paths_of(document)
    assert {"schedule", "branches[0].groups", "members[0]"} <= paths
