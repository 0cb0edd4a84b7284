"""Rosters from the spreadsheet a secretary keeps: `.xlsx` or `.csv` with Chinese column headers.

A `[[branches]]` entry may say `roster = "rosters/t1.xlsx"` (relative to the config file). Each row
becomes one `[[members]]` entry, so everything downstream — validation, the dated roster history,
permissions — treats a spreadsheet member exactly like a TOML one: 入党日期 feeds `joined` and
转正日期 feeds `full_since`. Every bad row is reported with its row number, all in one go.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanhui_bot.domain.model import MemberStatus, Role

if TYPE_CHECKING:
    from sanhui_bot.config import Settings
    from sanhui_bot.services.roster import RosterLine

# The columns as secretaries write them, then what the writer puts in the header row.
NAME, KEY, DUTY, STATUS, GROUP, JOINED, FULL_SINCE, TELEGRAM, MATRIX = (
    "姓名",
    "编号",
    "职务",
    "党员类别",
    "党小组",
    "入党日期",
    "转正日期",
    "Telegram",
    "Matrix",
)
COLUMNS = (NAME, KEY, DUTY, STATUS, GROUP, JOINED, FULL_SINCE, TELEGRAM, MATRIX)
# Other spellings of a header the reader accepts (lower-cased, spaces removed).
_HEADER_ALIASES = {
    "姓名": NAME,
    "name": NAME,
    "编号": KEY,
    "key": KEY,
    "职务": DUTY,
    "党内职务": DUTY,
    "党员类别": STATUS,
    "类别": STATUS,
    "党小组": GROUP,
    "所在党小组": GROUP,
    "入党日期": JOINED,
    "入党时间": JOINED,
    "转正日期": FULL_SINCE,
    "转正时间": FULL_SINCE,
    "telegram": TELEGRAM,
    "telegramid": TELEGRAM,
    "matrix": MATRIX,
    "matrixid": MATRIX,
}

# 职务 as written → roles. 组织/宣传委员 are 支委 (committee); a 纪检委员 is a 支委 who also keeps attendance.
_DUTIES: dict[str, tuple[Role, ...]] = {
    "书记": (Role.SECRETARY,),
    "支部书记": (Role.SECRETARY,),
    "副书记": (Role.DEPUTY,),
    "支部副书记": (Role.DEPUTY,),
    "支委": (Role.COMMITTEE,),
    "支委委员": (Role.COMMITTEE,),
    "委员": (Role.COMMITTEE,),
    "组织委员": (Role.COMMITTEE,),
    "宣传委员": (Role.COMMITTEE,),
    "青年委员": (Role.COMMITTEE,),
    "统战委员": (Role.COMMITTEE,),
    "纪检委员": (Role.COMMITTEE, Role.DISCIPLINE),
    "党小组长": (Role.GROUP_LEADER,),
    "小组长": (Role.GROUP_LEADER,),
    "组长": (Role.GROUP_LEADER,),
    "党员": (),
    "无": (),
}
_STATUSES = {
    "正式": MemberStatus.FULL,
    "正式党员": MemberStatus.FULL,
    "full": MemberStatus.FULL,
    "预备": MemberStatus.PROBATIONARY,
    "预备党员": MemberStatus.PROBATIONARY,
    "probationary": MemberStatus.PROBATIONARY,
}
_DUTY_SEPARATORS = re.compile(r"[、，,/；;\s]+")
_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
MEMBER_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")

Problem = tuple[str, str]


class RosterFileError(Exception):
    """The file itself cannot be read (missing, not a spreadsheet, no 姓名 column)."""


@dataclass(frozen=True)
class GroupRef:
    """A 党小组 as the file may name it: by key or by display name."""

    key: str
    name: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a Telegram id typed into Excel comes back as 10001.0
    return str(value).strip()


def read_rows(path: Path) -> list[dict[str, object]]:
    """The data rows of a roster file, keyed by canonical header; each carries its sheet row number."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            table: list[Sequence[object]] = list(csv.reader(io.StringIO(text)))
        elif suffix == ".xlsx":
            # Loaded only for a workbook: openpyxl (and numpy under it) cost start-up time and memory.
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            sheet = book.worksheets[0]
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
            book.close()
        else:
            raise RosterFileError(f"{path.name}: a roster must be a .xlsx or .csv file")
    except OSError as exc:
        raise RosterFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise RosterFileError(f"{path.name} is not a readable {suffix} file ({exc})") from None
    if not table:
        raise RosterFileError(
            f"{path.name} is empty: the first row should be the headers ({'，'.join(COLUMNS)})"
        )
    headers = [_HEADER_ALIASES.get(re.sub(r"\s+", "", _text(cell)).lower(), "") for cell in table[0]]
    if NAME not in headers:
        raise RosterFileError(
            f"{path.name}: the first row has no 姓名 column; write the headers {'，'.join(COLUMNS)}"
        )
    rows: list[dict[str, object]] = []
    for number, cells in enumerate(table[1:], start=2):
        if all(_text(cell) == "" for cell in cells):
            continue  # blank lines between groups are how secretaries lay sheets out
        row: dict[str, object] = {"_row": number}
        for header, cell in zip(headers, cells, strict=False):
            if header:
                row[header] = cell
        rows.append(row)
    return rows


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for form in _DATE_FORMS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ValueError(text)


def derived_key(branch: str, name: str) -> str:
    """A stable member key for a row without 编号: the same name in the same branch gives the same key."""
    digest = hashlib.sha1(f"{branch}/{name}".encode()).hexdigest()[:8]
    return f"{branch}-{digest}"[:40] if MEMBER_KEY.match(branch) else f"m-{digest}"


def members_from_rows(
    rows: Iterable[dict[str, object]],
    branch: str,
    groups: Sequence[GroupRef],
    today: date,
    where: str,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """`[[members]]` entries for the good rows, and one problem per bad row (all of them)."""
    by_ref = {ref: group.key for group in groups for ref in (group.key, group.name)}
    members: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen_names: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for row in rows:
        number = row["_row"]
        at = f"{where} row {number}"
        found: list[str] = []
        name = _text(row.get(NAME))
        if not name:
            found.append("姓名 is empty")
        elif name in seen_names:
            found.append(
                f"duplicate name {name} (also row {seen_names[name]}); give one of them a 编号 and a distinct name"
            )
        else:
            seen_names[name] = int(number)  # type: ignore[call-overload]
        key = _text(row.get(KEY)) or (derived_key(branch, name) if name else "")
        if key and not MEMBER_KEY.match(key):
            found.append(f"编号 {key!r} must be lower-case letters first, then a-z 0-9 _ - (e.g. zhangwei)")
        elif key in seen_keys:
            found.append(f"duplicate 编号 {key} (also row {seen_keys[key]})")
        elif key:
            seen_keys[key] = int(number)  # type: ignore[call-overload]
        roles: list[str] = []
        for duty in _DUTY_SEPARATORS.split(_text(row.get(DUTY))):
            if not duty:
                continue
            if duty not in _DUTIES:
                found.append(
                    f"unknown 职务 {duty!r}; write 书记, 副书记, 支委, 组织委员, 宣传委员, 纪检委员 or 党小组长"
                )
                continue
            roles.extend(str(role) for role in _DUTIES[duty] if str(role) not in roles)
        status_text = _text(row.get(STATUS)) or "正式"
        status = _STATUSES.get(status_text.lower())
        if status is None:
            found.append(f"unknown 党员类别 {status_text!r}; write 正式 or 预备")
        group_text = _text(row.get(GROUP))
        group = by_ref.get(group_text) if group_text else None
        if group_text and group is None:
            known = "、".join(g.name for g in groups) or "(the branch has no 党小组)"
            found.append(f"unknown 党小组 {group_text!r}; the branch's groups are {known}")
        dates: dict[str, date | None] = {}
        for column in (JOINED, FULL_SINCE):
            try:
                dates[column] = _date(row.get(column))
            except ValueError as exc:
                found.append(f"bad {column} {exc}; write it as 2026-03-20")
                dates[column] = None
        joined, full_since = dates[JOINED], dates[FULL_SINCE]
        if full_since is not None and full_since > today:
            found.append(
                f"转正日期 {full_since} is in the future: 转正 is recorded when it happens; "
                "leave 转正日期 empty while the member is 预备"
            )
        elif full_since is not None and status is MemberStatus.PROBATIONARY:
            found.append(f"a 预备 member has no 转正日期 ({full_since}); write 正式 if 转正 was on that day")
        if joined is not None and joined > today:
            found.append(f"入党日期 {joined} is in the future")
        if joined is not None and full_since is not None and full_since < joined:
            found.append(f"转正日期 {full_since} comes before 入党日期 {joined}")
        telegram_text = _text(row.get(TELEGRAM))
        telegram: int | None = None
        if telegram_text:
            try:
                telegram = int(telegram_text)
            except ValueError:
                found.append(f"Telegram {telegram_text!r} must be the numeric user id (e.g. 10001)")
        if found:
            problems.extend((at, message) for message in found)
            continue
        entry: dict[str, Any] = {
            "key": key,
            "name": name,
            "branch": branch,
            "roles": roles,
            "status": str(status),
        }
        if group is not None:
            entry["group"] = group
        if telegram is not None:
            entry["telegram"] = telegram
        if matrix := _text(row.get(MATRIX)):
            entry["matrix"] = matrix
        if joined is not None:
            entry["joined"] = joined
        if full_since is not None:
            entry["full_since"] = full_since
        members.append(entry)
    return members, problems


def expand_rosters(data: dict[str, Any], base: Path, today: date) -> tuple[dict[str, Any], list[Problem]]:
    """The config document with each branch's roster file read into `members`, and every bad row."""
    branches = data.get("branches")
    if not isinstance(branches, list):
        return _expand_school_roster(data, base, today, [])
    added: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, branch in enumerate(branches):
        if not isinstance(branch, dict) or not isinstance(branch.get("roster"), str):
            continue
        file = base / branch["roster"]
        groups = [
            GroupRef(str(group.get("key", "")), str(group.get("name", "")))
            for group in branch.get("groups", [])
            if isinstance(group, dict)
        ]
        try:
            rows = read_rows(file)
        except RosterFileError as error:
            problems.append((f"branches[{index}].roster", str(error)))
            continue
        members, found = members_from_rows(rows, str(branch.get("key", "")), groups, today, branch["roster"])
        added.extend(members)
        problems.extend(found)
    if added:
        existing = data.get("members", [])
        data = {**data, "members": [*(existing if isinstance(existing, list) else []), *added]}
    return _expand_school_roster(data, base, today, problems)


def _expand_school_roster(
    data: dict[str, Any], base: Path, today: date, problems: list[Problem]
) -> tuple[dict[str, Any], list[Problem]]:
    """`[school] roster = "rosters/dangwei.csv"`: the 党委's members of no branch, read into
    `[[school.members]]`. Only 姓名, 编号, Telegram and Matrix count: a 党委 member's 职务 there (党委委员,
    组织委员 …) is the school role, and they have no 党小组 in any branch."""
    school = data.get("school")
    if not isinstance(school, dict) or not isinstance(school.get("roster"), str):
        return data, problems
    try:
        rows = read_rows(base / school["roster"])
    except RosterFileError as error:
        return data, [*problems, ("school.roster", str(error))]
    kept = [{column: value for column, value in row.items() if column not in (DUTY, GROUP)} for row in rows]
    entries, found = members_from_rows(kept, "school", [], today, school["roster"])
    members = [
        {field: entry[field] for field in ("key", "name", "telegram", "matrix") if field in entry}
        for entry in entries
    ]
    existing = school.get("members", [])
    school = {**school, "members": [*(existing if isinstance(existing, list) else []), *members]}
    return {**data, "school": school}, [*problems, *found]


# Roles back to the words a secretary writes, in the order the 职务 cell lists them.
_DUTY_OF_ROLE = {
    Role.SECRETARY: "书记",
    Role.DEPUTY: "副书记",
    Role.COMMITTEE: "支委",
    Role.DISCIPLINE: "纪检委员",
    Role.GROUP_LEADER: "党小组长",
}


def duty_text(roles: Iterable[Role]) -> str:
    """The 职务 cell for a member's roles (纪检委员 already says 支委)."""
    held = set(roles)
    if Role.DISCIPLINE in held:
        held.discard(Role.COMMITTEE)
    return "、".join(_DUTY_OF_ROLE[role] for role in _DUTY_OF_ROLE if role in held)


def roster_table(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """The header row followed by the given rows (columns in `COLUMNS` order)."""
    return [list(COLUMNS), *(list(row) for row in rows)]


def csv_bytes(table: Sequence[Sequence[object]]) -> bytes:
    """A roster table as CSV, UTF-8 with BOM so Excel opens the Chinese headers right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in table:
        writer.writerow(
            ["" if cell is None else (cell.isoformat() if isinstance(cell, date) else cell) for cell in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: Sequence[Sequence[object]], title: str = "名册") -> bytes:
    """A roster table as a one-sheet workbook with real dates."""
    from openpyxl import Workbook  # loaded only when a workbook is written

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in table:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def branch_table(settings: Settings, branch: str, today: date) -> list[list[object]]:
    """The branch's members as the config has them now, as a roster table (header row first).

    Members who have left (`left` on or before `today`) are not on the current roster. 转正日期 is
    written only for a full member, 入党日期 whenever the config has it.
    """
    group_names = {
        group.key: group.name for entry in settings.branches if entry.key == branch for group in entry.groups
    }
    rows = [
        [
            member.name,
            member.key,
            duty_text(member.roles),
            "正式" if member.status is MemberStatus.FULL else "预备",
            group_names.get(member.group, member.group or "") if member.group else "",
            member.joined,
            member.full_since if member.status is MemberStatus.FULL else None,
            member.telegram,
            member.matrix,
        ]
        for member in settings.members
        if member.branch == branch and (member.left is None or member.left > today)
    ]
    return roster_table(rows)


def stored_table(
    lines: Iterable[RosterLine], group_names: dict[str, str], order: Sequence[str]
) -> list[list[object]]:
    """The roster the database holds (`services.roster.current_roster`) as a roster table: the members in
    `order` (the config's) first, then those approved with /approve, by key."""
    position = {key: index for index, key in enumerate(order)}
    ranked = sorted(lines, key=lambda line: (position.get(line.member.key, len(position)), line.member.key))
    return roster_table(
        [
            line.member.name,
            line.member.key,
            duty_text(line.member.roles),
            "正式" if line.member.status is MemberStatus.FULL else "预备",
            group_names.get(line.member.group, line.member.group) if line.member.group else "",
            line.joined,
            line.full_since,
            line.member.telegram,
            line.member.matrix,
        ]
        for line in ranked
    )
