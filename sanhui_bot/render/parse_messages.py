"""What the bot says when a command is written wrongly, and how each command is written.

Every `ParseError` code from `sanhui_bot.commands.parser` has a message here in zh-CN (first) and
en, and every command a usage line with a concrete example, so a reply always says both what was
wrong and how to write it.
"""

from __future__ import annotations

from typing import Any

from sanhui_bot.commands.model import ParseError

ZH, EN = "zh-CN", "en"

# Canonical command names in the order /help lists them: what every member does first, then the
# 党小组 and 群众 steps of the task loop, then what only secretaries and committee members do.
COMMAND_NAMES: list[str] = [
    "help",
    "meetings",
    "rsvp",
    "signin",
    "outline",
    "suggest",
    "agenda",
    "tasks",
    "claim",
    "done",
    "rate",
    "points",
    "join",
    "meeting",
    "decision",
    "close",
    "publish",
    "adopt",
    "attendance",
    "leave",
    "joins",
    "approve",
    "report",
    "minutes",
    "export",
    "web",
]

# command -> language -> (how it is written, a real example)
_USAGE: dict[str, dict[str, tuple[str, str]]] = {
    "help": {
        ZH: ("/help [命令]（或 /帮助）", "/帮助 decision"),
        EN: ("/help [command]", "/help decision"),
    },
    "meetings": {
        ZH: ("/meetings [页码]（或 /会议），列出近期会议及编号，每页 8 场", "/会议 2"),
        EN: ("/meetings [page], lists the coming meetings with their numbers, 8 a page", "/meetings 2"),
    },
    "meeting": {
        ZH: (
            "/meeting new <类型> <日期> <时间> [标题] [小组:<小组>]，"
            "类型为 党员大会、支委会、党小组会、党课（党课：<主题> 主讲:@党员）；"
            "改期：/meeting move <会议编号> <日期> <时间>；"
            "取消会议：/meeting cancel <会议编号> [原因]；"
            "会议未召开：/meeting notheld <会议编号> <原因>；"
            "党课主题与主讲：/meeting lesson <会议编号> <主题> 主讲:@党员"
            "（或 /会议 新建、/会议 改期、/会议 取消、/会议 未召开、/会议 党课）",
            "/会议 新建 党员大会 2026-03-26 15:30 学习贯彻全会精神",
        ),
        EN: (
            "/meeting new <type> <date> <time> [title] [group:<group>], type is congress, committee, "
            "group or lesson (a lesson: <topic> speaker:@member); to move: /meeting move <meeting number> <date> <time>; "
            "to cancel: /meeting cancel <meeting number> [reason]; "
            "a meeting that did not take place: /meeting notheld <meeting number> <reason>; "
            "a lesson's topic and speaker: /meeting lesson <meeting number> <topic> speaker:@member",
            "/meeting new congress 2026-03-26 15:30 Study session",
        ),
    },
    "agenda": {
        ZH: (
            "/agenda <会议编号> add <议题> | material <会前材料>；只写编号则查看议程（或 /议题 <编号> 添加|材料 …）",
            "/议题 12 添加 家校沟通机制",
        ),
        EN: (
            "/agenda <meeting number> add <topic> | material <reading>; the number alone shows the agenda",
            "/agenda 12 add Home-school contact",
        ),
    },
    "rsvp": {
        ZH: (
            "/rsvp <会议编号> 参加 | 请假 [事假|病假|公假|其他] <事由> | 不参加 | 撤回（或 /回复）",
            "/回复 12 请假 病假 孩子发烧需陪护",
        ),
        EN: (
            "/rsvp <meeting number> yes | leave [personal|sick|official|other] <reason> | no | withdraw",
            "/rsvp 12 leave sick child has a fever",
        ),
    },
    "signin": {
        ZH: (
            "/signin <会议编号> <六位签到码>（或 /签到；签到码在会场的签到大屏上，线上会议不用写）；"
            "/signin screen <会议编号>（/签到 大屏）：签到大屏的链接（书记、副书记、纪检委员，党小组长本组会议）",
            "/签到 12 482913",
        ),
        EN: (
            "/signin <meeting number> <six-digit code> (the code is on the meeting room's sign-in screen;"
            " online meetings need none); /signin screen <meeting number>: the sign-in screen's link"
            " (secretary, deputy, discipline member, a group leader for the own group)",
            "/signin 12 482913",
        ),
    },
    "close": {
        ZH: ("/close <会议编号>（或 /结束会议）：会议结束，生成决议清单（书记）", "/结束会议 12"),
        EN: (
            "/close <meeting number>: close the meeting and draft its decision list (secretary)",
            "/close 12",
        ),
    },
    "publish": {
        ZH: ("/publish <会议编号>（或 /公示）：在群里公示决议清单（书记，会后2个工作日内）", "/公示 12"),
        EN: (
            "/publish <meeting number>: publish the decision list in the chat (secretary, within 2 working days)",
            "/publish 12",
        ),
    },
    "outline": {
        ZH: ("/outline <会议编号> <发言提纲>（或 /提纲，可换行写多段）", "/提纲 12 结合毕业班教学谈学习体会"),
        EN: (
            "/outline <meeting number> <speaking outline> (may span several lines)",
            "/outline 12 What I learned",
        ),
    },
    "suggest": {
        ZH: ("/suggest <建议内容>（或 /献策，可换行写多段）", "/献策 建议每月开展一次青年教师党员示范课"),
        EN: (
            "/suggest <your suggestion> (may span several lines)",
            "/suggest A model lesson by a young member each month",
        ),
    },
    "adopt": {
        ZH: ("/adopt <献策编号>（或 /采纳）", "/采纳 #5"),
        EN: ("/adopt <suggestion number>", "/adopt #5"),
    },
    "decision": {
        ZH: (
            "/decision <标题> @负责人 截止:<日期> [牵头:@支委] [小组:<小组>]"
            " [表决:同意<票数> 反对<票数> 弃权<票数>]（或 /决议；表决只用于支部党员大会）",
            "/decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
        ),
        EN: (
            "/decision <title> @owner due:<date> [lead:@committee member] [group:<group>]"
            " [vote:<for>/<against>/<abstain>] (a vote only at a branch congress)",
            "/decision Labour education course plan @liuyang due:2026-03-20 lead:@lihua",
        ),
    },
    "tasks": {
        ZH: ("/tasks [我的|逾期|小组|全部] [页码]（或 /任务）", "/任务 逾期 2"),
        EN: ("/tasks [mine|overdue|group|all] [page]", "/tasks overdue 2"),
    },
    "claim": {
        ZH: ("/claim <任务编号> [小组]（或 /认领，党小组长认领本组任务）", "/认领 7 数学"),
        EN: ("/claim <task number> [group] (a group leader claims a task for the group)", "/claim 7 math"),
    },
    "done": {
        ZH: ("/done <任务编号> [完成情况]（或 /完成）", "/完成 7 方案已报教务处"),
        EN: ("/done <task number> [note]", "/done 7 Plan sent to the academic office"),
    },
    "rate": {
        ZH: ("/rate <任务编号> 满意 | 基本满意 | 不满意（或 /评价）", "/评价 7 满意"),
        EN: ("/rate <task number> satisfied | basic | unsatisfied", "/rate 7 satisfied"),
    },
    "points": {
        ZH: (
            "/points [月份]（或 /积分；月份如 2026-03、3月，不写则为本月；每条记录前是编号）；"
            "书记冲正：/points reverse <记录编号> <原因>（或 /积分 冲正）；"
            "书记调整：/points adjust @党员 <+N|-N> <原因>（或 /积分 调整）",
            "/积分 冲正 15 病假已补批",
        ),
        EN: (
            "/points [month] (e.g. 2026-03 or 3; this month when left out; each entry shows its number); "
            "secretary: /points reverse <entry number> <reason>, /points adjust @member <+N|-N> <reason>",
            "/points reverse 15 sick leave approved late",
        ),
    },
    "leave": {
        ZH: (
            "/leave approve|refuse <会议编号> @党员 [理由]（或 /请假 批准|不批准 …；书记、副书记，党小组长批本组会议；"
            "/请假 <会议编号> [病假|事假|公假] <事由> 为请假）",
            "/请假 不批准 12 @刘洋 本次大会要表决，请调课参加",
        ),
        EN: (
            "/leave approve|refuse <meeting number> @member [reason] (secretary, deputy; a group leader for the "
            "own group's meeting; /leave <meeting number> [sick|personal|official] <reason> asks for leave)",
            "/leave refuse 12 @liuyang the congress votes, please come",
        ),
    },
    "attendance": {
        ZH: (
            "/attendance <会议编号> @党员 出席|请假 [病假|事假|公假] <事由>|缺席 …（或 /考勤；可写多人，"
            "也可换行；书记、副书记、纪检委员，党小组长记本组会议；会议开始后至会后更正期内）",
            "/考勤 12 @刘洋 出席 @李华 请假 病假 发烧 @王芳 缺席",
        ),
        EN: (
            "/attendance <meeting number> @member present|leave [sick|personal|official] <reason>|absent … "
            "(several members, also on further lines; secretary, deputy, discipline member, a group leader "
            "for the own group; from the meeting's start to the end of the correction window)",
            "/attendance 12 @liuyang present @lihua leave sick fever @wangfang absent",
        ),
    },
    "join": {
        ZH: ("/join <姓名>（或 /加入，由书记审核）", "/加入 王芳"),
        EN: ("/join <your name> (a secretary approves it)", "/join Wang Fang"),
    },
    "joins": {
        ZH: ("/joins [页码]（或 /申请），列出待审核的入册申请，每页 10 份", "/申请 2"),
        EN: ("/joins [page], lists the join requests awaiting approval, 10 a page", "/joins 2"),
    },
    "approve": {
        ZH: (
            "/approve <申请编号> [成员代号] [小组:<小组>] [预备]（或 /批准；代号用小写字母，如 wangfang）",
            "/批准 3 wangfang 小组:数学 预备",
        ),
        EN: (
            "/approve <request number> [member key] [group:<group>] [probationary] (key in lower case)",
            "/approve 3 wangfang group:math probationary",
        ),
    },
    "report": {
        ZH: (
            "/report [月|季度|年] [时段]（或 /报告；时段如 2026-03、2026Q1、一季度、2026，不写则为本期；书记、支委；"
            "党委委员在党委群写 /report school … 看全校，/report 支部 … 看某支部）",
            "/报告 季度 2026Q1",
        ),
        EN: (
            "/report [month|quarter|year] [period] (e.g. 2026-03, 2026Q1, 2026; the current one when left out;"
            " secretary and committee; 党委 members: /report school … for every branch, /report <branch> … for one)",
            "/report quarter 2026Q1",
        ),
    },
    "minutes": {
        ZH: ("/minutes <会议编号>（或 /纪要），发送会议纪要文件", "/纪要 12"),
        EN: ("/minutes <meeting number>, sends the meeting's minutes as a file", "/minutes 12"),
    },
    "export": {
        ZH: ("/export [xlsx|csv|ics] [年份]（或 /导出，书记），发送台账文件", "/导出 xlsx 2026"),
        EN: ("/export [xlsx|csv|ics] [year] (secretary), sends the ledger as files", "/export xlsx 2026"),
    },
    "web": {
        ZH: ("/web（或 /网页），私聊里给一次性网页链接，Matrix 群里把台账加为小部件", "/网页"),
        EN: ("/web, a one-time link to the ledger page in a private chat, a widget in a Matrix room", "/web"),
    },
}

# code -> language -> message; {param} is replaced by its label below, other {names} by the value.
_MESSAGES: dict[str, dict[str, str]] = {
    "bare_prefix": {
        ZH: "命令写在“/”后面（Matrix 里也可以用“!”）。",
        EN: "Write the command right after the “/” (or “!” in Matrix).",
    },
    "unknown_command": {
        ZH: "没有“{word}”这个命令。",
        EN: "There is no command “{word}”.",
    },
    "bad_subcommand": {
        ZH: "这条命令没有“{value}”这项操作。",
        EN: "This command has no action “{value}”.",
    },
    "missing_argument": {
        ZH: "缺少{param}。",
        EN: "The {param} is missing.",
    },
    "speaker_only_for_lesson": {
        ZH: "只有党课有主讲人（主讲:@党员）：/meeting new 党课 <日期> <时间> <主题> 主讲:@张伟。",
        EN: "Only a party lesson has a speaker: /meeting new lesson <date> <time> <topic> speaker:@member.",
    },
    "unexpected_argument": {
        ZH: "多写了“{value}”，这条命令用不到它。",
        EN: "“{value}” is not needed here.",
    },
    "bad_number": {
        ZH: "{param}应是正整数（如 12 或 #12），“{value}”不是。",
        EN: "The {param} must be a positive number such as 12 or #12, not “{value}”.",
    },
    "bad_date": {
        ZH: "看不懂日期“{value}”，请写成 2026-03-20、3月20日 或 3/20。",
        EN: "“{value}” is not a date I can read; write 2026-03-20, 3月20日 or 3/20.",
    },
    "impossible_date": {
        ZH: "日期“{value}”不存在，请核对月份和日子。",
        EN: "“{value}” is not a real date; check the month and the day.",
    },
    "date_out_of_range": {
        ZH: "日期“{value}”超出可用范围，只能写 {first} 至 {last} 之间的日期。",
        EN: "“{value}” is out of range; give a date from {first} to {last}.",
    },
    "bad_time": {
        ZH: "看不懂时间“{value}”，请写成 14:30、14点30 或 下午2:30。",
        EN: "“{value}” is not a time I can read; write 14:30, 14点30 or 2:30pm.",
    },
    "bad_kind": {
        ZH: "会议类型“{value}”不对，可选：党员大会、支委会、党小组会、党课。",
        EN: "“{value}” is not a meeting type; choose congress, committee, group or lesson.",
    },
    "bad_signin_code": {
        ZH: "签到码是会场签到大屏上的六位数字，“{value}”不是。",
        EN: "The sign-in code is the six digits on the meeting room's screen, not “{value}”.",
    },
    "bad_answer": {
        ZH: "“{value}”不是有效的回复，请写 参加、请假 或 不参加。",
        EN: "“{value}” is not an answer; write yes, leave or no.",
    },
    "leave_needs_reason": {
        ZH: "请假须写明事由。",
        EN: "Asking for leave needs a reason.",
    },
    "bad_rating": {
        ZH: "评价只能是 满意、基本满意 或 不满意，“{value}”不行。",
        EN: "A rating is satisfied, basic (basically satisfied) or unsatisfied, not “{value}”.",
    },
    "bad_scope": {
        ZH: "“{value}”不是任务范围，可选：我的、逾期、小组、全部，可再写页码，如 /tasks 逾期 2。",
        EN: "“{value}” is not a task list; choose mine, overdue, group or all, optionally with a page: /tasks overdue 2.",
    },
    "missing_owner": {
        ZH: "请用 @ 指定一位责任人，如 @liuyang 或 @刘洋。",
        EN: "Name one owner with @, e.g. @liuyang.",
    },
    "too_many_owners": {
        ZH: "责任人只能有一位，现在写了 {mentions}；牵头支委请写成 牵头:@姓名。",
        EN: "A decision has one owner, but {mentions} were named; write the lead as lead:@name.",
    },
    "missing_due": {
        ZH: "请写明截止日期，如 截止:2026-03-20。",
        EN: "Give a due date, e.g. due:2026-03-20.",
    },
    "bad_vote": {
        ZH: "看不懂表决结果“{value}”，请写成 表决:同意12 反对0 弃权1（或 vote:12/0/1），三项都要写。",
        EN: "“{value}” is not a vote I can read; write vote:12/0/1 (for/against/abstain), all three numbers.",
    },
    "negative_vote": {
        ZH: "表决票数不能是负数（“{value}”），请写成 表决:同意12 反对0 弃权1。",
        EN: "A vote count cannot be negative (“{value}”); write e.g. vote:12/0/1.",
    },
    "bad_member_key": {
        ZH: "成员代号“{value}”不合规：须以小写英文字母开头，只用小写字母、数字、- 和 _，如 wangfang。",
        EN: "Member key “{value}” is not valid: a lower-case letter, then letters, digits, - or _.",
    },
    "bad_month": {
        ZH: "看不懂月份“{value}”，请写成 2026-03、3月 或 3。",
        EN: "“{value}” is not a month I can read; write 2026-03 or 3.",
    },
    "empty_text": {
        ZH: "{param}不能为空。",
        EN: "The {param} cannot be empty.",
    },
    "text_too_long": {
        ZH: "{param}太长：{length} 字，最多 {limit} 字。",
        EN: "The {param} is too long: {length} characters, at most {limit}.",
    },
    "bad_period": {
        ZH: "看不懂时段“{value}”，请写成 2026-03（月）、2026Q1 或 一季度（季度）、2026（年）。",
        EN: "“{value}” is not a period I can read; write 2026-03 (month), 2026Q1 (quarter) or 2026 (year).",
    },
    "bad_mark": {
        ZH: "“{value}”不是出勤情况，请写 出席、请假（附事由）或 缺席。",
        EN: "“{value}” is not an attendance mark; write present, leave (with a reason) or absent.",
    },
    "bad_delta": {
        ZH: "“{value}”不是积分调整值，请写 +3 或 -2 这样的非零整数。",
        EN: "“{value}” is not a points adjustment; write a non-zero whole number such as +3 or -2.",
    },
    "bad_format": {
        ZH: "“{value}”不是导出格式，可选：xlsx、csv、ics，可再写年份如 2026。",
        EN: "“{value}” is not an export format; choose xlsx, csv or ics, optionally with a year such as 2026.",
    },
}
_FALLBACK = {ZH: "命令格式不对。", EN: "This command is not written correctly."}

# The names parser errors give in `param`, as a secretary would say them.
_PARAM_LABELS: dict[str, dict[str, str]] = {
    "meeting": {ZH: "会议编号", EN: "meeting number"},
    "suggestion": {ZH: "献策编号", EN: "suggestion number"},
    "task": {ZH: "任务编号", EN: "task number"},
    "page": {ZH: "页码", EN: "page number"},
    "request": {ZH: "申请编号", EN: "request number"},
    "subcommand": {ZH: "操作（新建、改期、取消 或 未召开）", EN: "action (new, move, cancel or notheld)"},
    "kind": {ZH: "会议类型", EN: "meeting type"},
    "date": {ZH: "日期", EN: "date"},
    "time": {ZH: "时间", EN: "time"},
    "title": {ZH: "标题", EN: "title"},
    "topic": {ZH: "议题", EN: "topic"},
    "answer": {ZH: "回复（参加、请假 或 不参加）", EN: "answer (yes, leave or no)"},
    "rating": {
        ZH: "评价（满意、基本满意 或 不满意）",
        EN: "rating (satisfied, basic or unsatisfied)",
    },
    "name": {ZH: "姓名", EN: "name"},
    "group": {ZH: "小组", EN: "group"},
    "lead": {ZH: "牵头支委", EN: "lead committee member"},
    "speaker": {ZH: "主讲人", EN: "speaker"},
    "text": {ZH: "内容", EN: "text"},
    "reason": {ZH: "事由", EN: "reason"},
    "note": {ZH: "完成情况", EN: "note"},
    "entry": {ZH: "积分记录编号", EN: "entry number"},
    "member": {ZH: "党员（用 @ 指定，如 @刘洋）", EN: "member (named with @, e.g. @liuyang)"},
    "mark": {ZH: "出勤情况（出席、请假 或 缺席）", EN: "attendance mark (present, leave or absent)"},
    "delta": {ZH: "分值（如 +3 或 -2）", EN: "points (e.g. +3 or -2)"},
    "decision": {ZH: "批准 或 不批准", EN: "approve or refuse"},
}


class _Params(dict[str, Any]):
    """Message parameters; a missing one shows as "?" rather than breaking the reply."""

    def __missing__(self, key: str) -> str:
        return "?"


def _language(language: str) -> str:
    return EN if language.lower().startswith("en") else ZH


def usage(command: str, language: str) -> str:
    """How to write `command` (a canonical name), with an example; KeyError for an unknown name."""
    syntax, example = _USAGE[command][_language(language)]
    if _language(language) == EN:
        return f"Usage: {syntax}, e.g. {example}"
    return f"用法：{syntax}，例如 {example}"


def parse_error_text(error: ParseError, language: str) -> str:
    """What was wrong with the command and how to write it, in `language` ("zh-CN" or "en")."""
    lang = _language(language)
    params = _Params(error.params)
    if "param" in params:
        labels = _PARAM_LABELS.get(str(params["param"]))
        params["param"] = labels[lang] if labels else params["param"]
    template = _MESSAGES.get(error.code, _FALLBACK)[lang]
    message = template.format_map(params)
    # An unknown command has no usage of its own: show how to ask for the list of commands.
    command = error.command if error.command in _USAGE else "help"
    return f"{message}\n{usage(command, lang)}"
