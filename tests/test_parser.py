"""The command language: what each chat line means, and what a malformed one is told."""

from __future__ import annotations

import unicodedata
from datetime import date, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanhui_bot.commands.dates import DateError, parse_date, parse_time
from sanhui_bot.commands.model import (
    AddAgenda,
    AdjustPoints,
    Adopt,
    ApproveJoin,
    AttendanceLine,
    CancelMeeting,
    ClaimTask,
    CloseMeeting,
    CompleteTask,
    ExportLedger,
    Help,
    Join,
    ListJoins,
    ListMeetings,
    ListTasks,
    MeetingNotHeld,
    MemberMention,
    NewMeeting,
    NotACommand,
    ParseError,
    PublishDecisions,
    RateTask,
    RecordAttendance,
    RecordDecision,
    ReversePoints,
    Rsvp,
    ShowAgenda,
    ShowMinutes,
    ShowPoints,
    ShowReport,
    SignIn,
    SignInScreen,
    SubmitOutline,
    Suggest,
    WithdrawRsvp,
)
from sanhui_bot.commands.parser import COMMAND_WORDS, ERROR_CODES, MAX_TEXT, MAX_TITLE, parse_command
from sanhui_bot.domain.attendance import AttendanceMark
from sanhui_bot.domain.compliance import PeriodKind
from sanhui_bot.domain.model import LeaveType, MeetingKind, Rating, RsvpAnswer
from sanhui_bot.render.parse_messages import COMMAND_NAMES, parse_error_text, usage

TODAY = date(2026, 3, 1)

LIUYANG, LIUYANG_ZH = MemberMention("liuyang"), MemberMention("刘洋")
LIHUA, LIHUA_ZH = MemberMention("lihua"), MemberMention("李华")

GOOD: list[tuple[str, object]] = [
    # help, with the Telegram and Matrix prefixes
    ("/help", Help()),
    ("/帮助", Help()),
    ("!help", Help()),
    ("！帮助", Help()),
    ("/start", Help()),
    ("/HELP", Help()),
    ("/help decision", Help("decision")),
    ("/help 决议", Help("decision")),
    ("/help@SanhuiBot", Help()),
    ("/help@SanhuiBot /rsvp", Help("rsvp")),
    # meetings
    ("/meetings", ListMeetings()),
    ("/会议", ListMeetings()),
    ("／会议", ListMeetings()),
    ("/meetings@sanhuibot", ListMeetings()),
    ("/meeting", ListMeetings()),
    (
        "/meeting new congress 2026-03-26 15:30 学习贯彻全会精神",
        NewMeeting(MeetingKind.CONGRESS, date(2026, 3, 26), time(15, 30), "学习贯彻全会精神"),
    ),
    (
        "/会议 新建 党员大会 3月26日 15:30",
        NewMeeting(MeetingKind.CONGRESS, date(2026, 3, 26), time(15, 30)),
    ),
    (
        "/meeting 新建 大会 2026/3/26 下午3:30 第一季度 党员大会",
        NewMeeting(MeetingKind.CONGRESS, date(2026, 3, 26), time(15, 30), "第一季度 党员大会"),
    ),
    (
        "/meeting new lesson 2026-04-23 14:30 学习二十大精神 主讲:@zhangwei",
        NewMeeting(
            MeetingKind.LESSON,
            date(2026, 4, 23),
            time(14, 30),
            "学习二十大精神",
            speaker=MemberMention("zhangwei"),
        ),
    ),
    (
        "/会议 新建 党课 4月23日 14:30 主讲：张伟 传承红色基因",
        NewMeeting(
            MeetingKind.LESSON, date(2026, 4, 23), time(14, 30), "传承红色基因", speaker=MemberMention("张伟")
        ),
    ),
    (
        "/meeting new 支委会 3-12 16:30",
        NewMeeting(MeetingKind.COMMITTEE, date(2026, 3, 12), time(16, 30)),
    ),
    (
        "/meeting new committee 3/12 下午 4点半 复盘",
        NewMeeting(MeetingKind.COMMITTEE, date(2026, 3, 12), time(16, 30), "复盘"),
    ),
    (
        "/meeting new 党小组会 3月5号 14点30 集体备课 小组:数学",
        NewMeeting(MeetingKind.GROUP, date(2026, 3, 5), time(14, 30), "集体备课", "数学"),
    ),
    (
        "/meeting new group 2026年3月19日 14:30 group:math Lesson study",
        NewMeeting(MeetingKind.GROUP, date(2026, 3, 19), time(14, 30), "Lesson study", "math"),
    ),
    (
        "/meeting new 小组会 ３／１９ １４：３０ 小组：语文",
        NewMeeting(MeetingKind.GROUP, date(2026, 3, 19), time(14, 30), "", "语文"),
    ),
    (
        "/meeting new lesson 3月26日 14点 党课：师德",
        NewMeeting(MeetingKind.LESSON, date(2026, 3, 26), time(14, 0), "党课：师德"),
    ),
    ("/meeting new 党课 2月20日 14:30", NewMeeting(MeetingKind.LESSON, date(2027, 2, 20), time(14, 30))),
    ("/meeting cancel 12", CancelMeeting(12)),
    ("/会议 取消 #12 与期中考试冲突", CancelMeeting(12, "与期中考试冲突")),
    ("/meeting cancel １２ 与期中考试冲突\n改到下周", CancelMeeting(12, "与期中考试冲突\n改到下周")),
    # agenda
    ("/agenda 12", ShowAgenda(12)),
    ("/议题 12", ShowAgenda(12)),
    ("/agenda 12 add 家校沟通机制", AddAgenda(12, "家校沟通机制")),
    ("/议题 ＃12 添加 家校沟通机制", AddAgenda(12, "家校沟通机制")),
    ("/议题 12 添加家校沟通机制", AddAgenda(12, "家校沟通机制")),
    ("/agenda 12 material 《支部工作条例》第三章", AddAgenda(12, "《支部工作条例》第三章", material=True)),
    ("/议题 12 材料 学习读本", AddAgenda(12, "学习读本", material=True)),
    ("/agenda 12 ADD  Home–school  contact ", AddAgenda(12, "Home–school  contact")),
    # rsvp
    ("/rsvp 12 yes", Rsvp(12, RsvpAnswer.YES)),
    ("/回复 12 参加", Rsvp(12, RsvpAnswer.YES)),
    ("/rsvp 12 是", Rsvp(12, RsvpAnswer.YES)),
    ("/rsvp 12 参加！", Rsvp(12, RsvpAnswer.YES)),
    ("/rsvp 12 no", Rsvp(12, RsvpAnswer.NO)),
    ("/rsvp 12 不参加", Rsvp(12, RsvpAnswer.NO)),
    ("/rsvp 12 否，外出培训", Rsvp(12, RsvpAnswer.NO, reason="外出培训")),
    ("/rsvp 12 leave 出差", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.OTHER, "出差")),
    ("/rsvp 12 请假 病假 孩子发烧", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.SICK, "孩子发烧")),
    ("/rsvp 12 请假：孩子发烧", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.OTHER, "孩子发烧")),
    ("/rsvp 12 请假 公假 区教研活动", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.OFFICIAL, "区教研活动")),
    ("/rsvp 12 病假 发烧", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.SICK, "发烧")),
    ("/rsvp 12 leave sick fever", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.SICK, "fever")),
    (
        "/rsvp 12 LEAVE personal Family matter",
        Rsvp(12, RsvpAnswer.LEAVE, LeaveType.PERSONAL, "Family matter"),
    ),
    ("/rsvp 12 请假 事假\n家中有事", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.PERSONAL, "家中有事")),
    ("/rsvp 12 请假 其他 监考", Rsvp(12, RsvpAnswer.LEAVE, LeaveType.OTHER, "监考")),
    ("/rsvp 12 withdraw", WithdrawRsvp(12)),
    ("/回复 12 撤回", WithdrawRsvp(12)),
    ("/rsvp 12 撤回参加", WithdrawRsvp(12, RsvpAnswer.YES)),
    ("/rsvp 12 withdraw leave", WithdrawRsvp(12, RsvpAnswer.LEAVE)),
    # sign-in, outline, suggestions
    ("/signin 12", SignIn(12)),
    ("/close 12", CloseMeeting(12)),
    ("/结束会议 12", CloseMeeting(12)),
    ("/散会12", CloseMeeting(12)),
    ("/publish 12", PublishDecisions(12)),
    ("/公示 #12", PublishDecisions(12)),
    ("/签到 12", SignIn(12)),
    ("/签到12", SignIn(12)),
    ("/签到 第12号", SignIn(12)),
    ("！签到 １２", SignIn(12)),
    ("/signin@SanhuiBot 12", SignIn(12)),
    ("/signin 12 482913", SignIn(12, "482913")),
    ("!signin 12 048291", SignIn(12, "048291")),  # Matrix; a leading zero is part of the code
    ("/签到 12 ４８２９１３", SignIn(12, "482913")),  # full-width digits from a Chinese keyboard
    ("/signin screen 12", SignInScreen(12)),
    ("/签到 大屏 #12", SignInScreen(12)),
    (
        "/meeting new congress 2026-03-26 15:30 线上 学习贯彻全会精神",
        NewMeeting(MeetingKind.CONGRESS, date(2026, 3, 26), time(15, 30), "学习贯彻全会精神", online=True),
    ),
    (
        "/meeting new committee 2026-03-26 16:30 budget review online",
        NewMeeting(MeetingKind.COMMITTEE, date(2026, 3, 26), time(16, 30), "budget review", online=True),
    ),
    ("/outline 12 结合毕业班教学谈体会", SubmitOutline(12, "结合毕业班教学谈体会")),
    (
        "/提纲 12 一、学习体会\n二、存在不足\n三、努力方向",
        SubmitOutline(12, "一、学习体会\n二、存在不足\n三、努力方向"),
    ),
    ("/suggest 每月一次示范课", Suggest("每月一次示范课")),
    ("/献策 建议（一）：ＡＢ班轮换", Suggest("建议（一）：ＡＢ班轮换")),
    ("/xiance 建议", Suggest("建议")),
    ("/suggest\n第一条\n第二条", Suggest("第一条\n第二条")),
    ("/adopt 5", Adopt(5)),
    ("/采纳 #5", Adopt(5)),
    ("/adopt ＃５", Adopt(5)),
    # decisions
    (
        "/decision 完成劳动教育课程方案 @liuyang 截止:2026-03-20 牵头:@lihua",
        RecordDecision("完成劳动教育课程方案", LIUYANG, date(2026, 3, 20), LIHUA),
    ),
    (
        "/决议 完成劳动教育课程方案 @刘洋 截止：3月20日 牵头：＠李华 小组：数学",
        RecordDecision("完成劳动教育课程方案", LIUYANG_ZH, date(2026, 3, 20), LIHUA_ZH, "数学"),
    ),
    (
        "/decision 截止:3/20 @liuyang 完成方案",
        RecordDecision("完成方案", LIUYANG, date(2026, 3, 20)),
    ),
    (
        "/decision Finish the plan @liuyang due:2026-03-20 lead:@lihua group:math",
        RecordDecision("Finish the plan", LIUYANG, date(2026, 3, 20), LIHUA, "math"),
    ),
    (
        "/决议 完成方案＠刘洋截止：３月２０日牵头：＠李华",
        RecordDecision("完成方案", LIUYANG_ZH, date(2026, 3, 20), LIHUA_ZH),
    ),
    (
        "/decision 修订《班主任工作手册》（第２版） ＠ｌｉｕｙａｎｇ 截止:2月1日",
        RecordDecision("修订《班主任工作手册》（第２版）", LIUYANG, date(2027, 2, 1)),
    ),
    (
        "/决议 完成方案 @刘洋 截至:3月20号 牵头:李华",
        RecordDecision("完成方案", LIUYANG_ZH, date(2026, 3, 20), LIHUA_ZH),
    ),
    (
        "/decision 完成方案 @liuyang:example.org due: 3-20",
        RecordDecision("完成方案", MemberMention("liuyang:example.org"), date(2026, 3, 20)),
    ),
    (
        "/decision 联系 a@b.com 完成方案 @liuyang 截止:3-20\n会上补充说明",
        RecordDecision("联系 a@b.com 完成方案", LIUYANG, date(2026, 3, 20)),
    ),
    (
        "/decision 完成方案 @刘洋，截止：3月20日，牵头：@李华",
        RecordDecision("完成方案", LIUYANG_ZH, date(2026, 3, 20), LIHUA_ZH),
    ),
    # tasks
    ("/tasks", ListTasks()),
    ("/任务", ListTasks()),
    ("/tasks mine", ListTasks("mine")),
    ("/任务 我的", ListTasks("mine")),
    ("/tasks Overdue", ListTasks("overdue")),
    ("/任务 逾期", ListTasks("overdue")),
    ("/任务 小组", ListTasks("group")),
    ("/tasks 全部", ListTasks("all")),
    ("/tasks 2", ListTasks("open", 2)),
    ("/任务 逾期 3", ListTasks("overdue", 3)),
    ("/tasks 2 mine", ListTasks("mine", 2)),
    ("/claim 7", ClaimTask(7)),
    ("/认领 7 数学", ClaimTask(7, "数学")),
    ("/claim 7 小组:math", ClaimTask(7, "math")),
    ("/done 7", CompleteTask(7)),
    ("/完成 7 方案已报教务处", CompleteTask(7, "方案已报教务处")),
    ("/done 7 Sent\nwith attachments", CompleteTask(7, "Sent\nwith attachments")),
    ("/rate 7 满意", RateTask(7, Rating.SATISFIED)),
    ("/评价 7 基本满意", RateTask(7, Rating.BASICALLY_SATISFIED)),
    ("/评价 7 不满意", RateTask(7, Rating.UNSATISFIED)),
    ("/rate 7 satisfied", RateTask(7, Rating.SATISFIED)),
    ("/rate 7 basically_satisfied", RateTask(7, Rating.BASICALLY_SATISFIED)),
    ("/rate 7 OK", RateTask(7, Rating.BASICALLY_SATISFIED)),
    ("/rate 7 unsatisfied", RateTask(7, Rating.UNSATISFIED)),
    ("/评价 7 满意，辛苦了", RateTask(7, Rating.SATISFIED)),
    # points
    ("/points", ShowPoints()),
    ("/积分", ShowPoints()),
    ("/points 2026-03", ShowPoints(2026, 3)),
    ("/积分 2025年12月", ShowPoints(2025, 12)),
    ("/积分 3月", ShowPoints(2026, 3)),
    ("/points 11", ShowPoints(2026, 11)),
    ("/积分 ２０２６／０３", ShowPoints(2026, 3)),
    # joining the roster
    ("/join 王芳", Join("王芳")),
    ("/加入 王 芳 ", Join("王 芳")),
    ("/申请加入 王芳", Join("王芳")),
    ("/join Wang Fang", Join("Wang Fang")),
    ("/joins", ListJoins()),
    ("/申请", ListJoins()),
    ("/approve 3", ApproveJoin(3)),
    ("/批准 3 wangfang", ApproveJoin(3, "wangfang")),
    ("/批准 3 wangfang 小组:数学 预备", ApproveJoin(3, "wangfang", "数学", True)),
    ("/approve #3 group:math probationary wang_fang-2", ApproveJoin(3, "wang_fang-2", "math", True)),
    ("/approve 3 小组：数学", ApproveJoin(3, None, "数学")),
    # reports, minutes, exports
    ("/report", ShowReport()),
    ("/报告 季度", ShowReport(PeriodKind.QUARTER)),
    ("/report year", ShowReport(PeriodKind.YEAR)),
    ("/report 2026-03", ShowReport(PeriodKind.MONTH, 2026, 3)),
    ("/报告 3月", ShowReport(PeriodKind.MONTH, 2026, 3)),
    ("/report month 2025-12", ShowReport(PeriodKind.MONTH, 2025, 12)),
    ("/report 2026Q1", ShowReport(PeriodKind.QUARTER, 2026, 1)),
    ("/report quarter q2", ShowReport(PeriodKind.QUARTER, 2026, 2)),
    ("/report quarter 3", ShowReport(PeriodKind.QUARTER, 2026, 3)),
    ("/报告 2026年第一季度", ShowReport(PeriodKind.QUARTER, 2026, 1)),
    ("/报表 四季度", ShowReport(PeriodKind.QUARTER, 2026, 4)),
    ("/report 2025", ShowReport(PeriodKind.YEAR, 2025)),
    ("/报告 年度 2026年", ShowReport(PeriodKind.YEAR, 2026)),
    ("/报告２０２６Ｑ１", ShowReport(PeriodKind.QUARTER, 2026, 1)),
    ("/minutes 12", ShowMinutes(12)),
    ("/纪要 #12", ShowMinutes(12)),
    ("/会议纪要 第12号", ShowMinutes(12)),
    ("/export", ExportLedger()),
    ("/导出 csv", ExportLedger("csv")),
    ("/export ics 2027", ExportLedger("ics", 2027)),
    ("/台账 2025 表格", ExportLedger("xlsx", 2025)),
    # attendance recorded by the people responsible, several members in one line or over lines
    (
        "/考勤 12 @刘洋 出席 @李华 请假 病假 发烧 @liuyang 缺席",
        RecordAttendance(
            12,
            (
                AttendanceLine(LIUYANG_ZH, AttendanceMark.PRESENT),
                AttendanceLine(LIHUA_ZH, AttendanceMark.LEAVE, LeaveType.SICK, "发烧"),
                AttendanceLine(LIUYANG, AttendanceMark.ABSENT),
            ),
        ),
    ),
    (
        "/attendance #12 @lihua leave official district training @liuyang present",
        RecordAttendance(
            12,
            (
                AttendanceLine(LIHUA, AttendanceMark.LEAVE, LeaveType.OFFICIAL, "district training"),
                AttendanceLine(LIUYANG, AttendanceMark.PRESENT),
            ),
        ),
    ),
    (
        "/考勤 12\n@刘洋 缺席 未请假\n@李华 请假：外出",
        RecordAttendance(
            12,
            (
                AttendanceLine(LIUYANG_ZH, AttendanceMark.ABSENT, None, "未请假"),
                AttendanceLine(LIHUA_ZH, AttendanceMark.LEAVE, None, "外出"),
            ),
        ),
    ),
    ("/出勤12 @李华 签到", RecordAttendance(12, (AttendanceLine(LIHUA_ZH, AttendanceMark.PRESENT),))),
    ("/会议 未召开 12 全体外出培训", MeetingNotHeld(12, "全体外出培训")),
    ("/meeting notheld 12 power cut", MeetingNotHeld(12, "power cut")),
    ("/积分 冲正 15 病假已补批", ReversePoints(15, "病假已补批")),
    ("/points reverse #15 sick leave filed", ReversePoints(15, "sick leave filed")),
    ("/points adjust @liuyang +3 helped at the fair", AdjustPoints(LIUYANG, 3, "helped at the fair")),
    ("/积分 调整 @刘洋 －２ 迟到早退", AdjustPoints(LIUYANG_ZH, -2, "迟到早退")),
    ("/积分 调整 @刘洋 5分 补记", AdjustPoints(LIUYANG_ZH, 5, "补记")),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_a_well_written_command_means_what_it_says(text: str, expected: object) -> None:
    assert parse_command(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "今天开会吗？",
        "@liuyang /signin 3",
        "!!!",
        "！好的",
        "!important notice",
        "/ help",
        "/3",
        "/path/to/file",
        "> <@bot:example.org> quoted\n\n/help",
    ],
)
def test_ordinary_chat_is_not_a_command(text: str) -> None:
    assert parse_command(text, TODAY) == NotACommand()


def test_a_command_for_another_bot_is_not_ours() -> None:
    assert parse_command("/help@OtherBot", TODAY, bot_username="SanhuiBot") == NotACommand()
    assert parse_command("/help@sanhuibot", TODAY, bot_username="@SanhuiBot") == Help()


def test_a_mention_glued_to_a_chinese_command_is_not_taken_for_a_bot_name() -> None:
    result = parse_command("/决议完成方案@刘洋 截止:3-20", TODAY, bot_username="SanhuiBot")
    assert result == RecordDecision("完成方案", LIUYANG_ZH, date(2026, 3, 20))


def test_leading_blank_lines_do_not_hide_the_command() -> None:
    assert parse_command("\n\n  /signin 3\nthanks", TODAY) == SignIn(3)


def test_free_text_keeps_what_was_typed() -> None:
    result = parse_command("/献策 用　全角空格　和ＡＢＣ　写的建议", TODAY)
    assert result == Suggest("用　全角空格　和ＡＢＣ　写的建议")


def test_every_command_word_leads_to_a_canonical_name_with_usage() -> None:
    assert set(COMMAND_WORDS.values()) == set(COMMAND_NAMES)
    for name in COMMAND_NAMES:
        for language in ("zh-CN", "en"):
            assert f"/{name}" in usage(name, language)
    assert "例如" in usage("decision", "zh-CN") and "e.g." in usage("decision", "en")


LONG = "长" * (MAX_TEXT + 1)
LONG_TITLE = "题" * (MAX_TITLE + 1)

BAD: list[tuple[str, str, str | None, dict[str, object]]] = [
    # text, code, command, params that must be among the error's params
    ("/foo", "unknown_command", None, {"word": "/foo"}),
    ("/会议室", "unexpected_argument", "meetings", {"value": "室"}),
    ("/help nothing", "unknown_command", "help", {"word": "nothing"}),
    ("/meetings all", "unexpected_argument", "meetings", {}),
    ("/meeting open 3", "bad_subcommand", "meeting", {"value": "open"}),
    ("/meeting new", "missing_argument", "meeting", {"param": "kind"}),
    ("/meeting new party 3-26 15:30", "bad_kind", "meeting", {"value": "party"}),
    ("/meeting new group 3-26 15:30 集体备课 主讲:@zhangwei", "speaker_only_for_lesson", "meeting", {}),
    ("/meeting new lesson 3-26 15:30 党课 主讲:", "missing_argument", "meeting", {"param": "speaker"}),
    ("/会议 新建 党员大会", "missing_argument", "meeting", {"param": "date"}),
    ("/meeting new congress tomorrow 15:30", "bad_date", "meeting", {"value": "tomorrow"}),
    ("/meeting new congress 2/30 15:30", "impossible_date", "meeting", {"value": "2/30"}),
    ("/meeting new congress 2026-02-29 15:30", "impossible_date", "meeting", {}),
    ("/meeting new congress 13/1 15:30", "impossible_date", "meeting", {}),
    ("/meeting new congress 3-26", "missing_argument", "meeting", {"param": "time"}),
    ("/meeting new congress 3-26 25:00", "bad_time", "meeting", {"value": "25:00"}),
    ("/meeting new congress 3-26 1530", "bad_time", "meeting", {}),
    ("/meeting new congress 3-26 15:30 小组:", "missing_argument", "meeting", {"param": "group"}),
    (f"/meeting new congress 3-26 15:30 {LONG_TITLE}", "text_too_long", "meeting", {"param": "title"}),
    ("/meeting cancel", "missing_argument", "meeting", {"param": "meeting"}),
    ("/meeting cancel abc", "bad_number", "meeting", {"param": "meeting", "value": "abc"}),
    ("/agenda", "missing_argument", "agenda", {"param": "meeting"}),
    ("/agenda 0", "bad_number", "agenda", {"param": "meeting"}),
    ("/agenda 12 remove x", "bad_subcommand", "agenda", {"value": "remove"}),
    ("/议题 12 添加", "missing_argument", "agenda", {"param": "topic"}),
    ("/rsvp", "missing_argument", "rsvp", {"param": "meeting"}),
    ("/rsvp 12", "missing_argument", "rsvp", {"param": "answer"}),
    ("/rsvp -1 yes", "bad_number", "rsvp", {"value": "-1"}),
    ("/rsvp 12 maybe", "bad_answer", "rsvp", {"value": "maybe"}),
    ("/rsvp 12 withdraw now", "unexpected_argument", "rsvp", {"value": "now"}),
    ("/rsvp 12 撤回 参加 谢谢", "unexpected_argument", "rsvp", {"value": "谢谢"}),
    ("/", "bare_prefix", None, {}),
    ("  ! ", "bare_prefix", None, {}),
    ("／", "bare_prefix", None, {}),
    ("/回复 12 参加不了", "bad_answer", "rsvp", {}),
    ("/rsvp 12 leave", "leave_needs_reason", "rsvp", {}),
    ("/回复 12 请假 病假", "leave_needs_reason", "rsvp", {}),
    ("/rsvp 12 请假：", "leave_needs_reason", "rsvp", {}),
    (f"/rsvp 12 请假 {LONG}", "text_too_long", "rsvp", {"param": "reason", "limit": MAX_TEXT}),
    ("/signin", "missing_argument", "signin", {"param": "meeting"}),
    ("/签到 三", "bad_number", "signin", {"value": "三"}),
    ("/signin 3.5", "bad_number", "signin", {}),
    ("/signin 12 13", "bad_signin_code", "signin", {"value": "13"}),
    ("/signin 12 4829131", "bad_signin_code", "signin", {"value": "4829131"}),
    ("/signin 12 482913 again", "unexpected_argument", "signin", {"value": "again"}),
    ("/signin screen", "missing_argument", "signin", {"param": "meeting"}),
    ("/signin screen 12 13", "unexpected_argument", "signin", {"value": "13"}),
    ("/signin 1234567890123456789012", "bad_number", "signin", {}),
    ("/outline 12", "empty_text", "outline", {"param": "text"}),
    ("/outline", "missing_argument", "outline", {"param": "meeting"}),
    ("/suggest", "empty_text", "suggest", {"param": "text"}),
    ("/献策   \n  ", "empty_text", "suggest", {}),
    (f"/suggest {LONG}", "text_too_long", "suggest", {"limit": MAX_TEXT, "length": MAX_TEXT + 1}),
    ("/adopt", "missing_argument", "adopt", {"param": "suggestion"}),
    ("/adopt #", "bad_number", "adopt", {"param": "suggestion"}),
    ("/采纳 5 6", "unexpected_argument", "adopt", {}),
    ("/decision", "missing_argument", "decision", {"param": "title"}),
    ("/decision 完成方案 截止:3-20", "missing_owner", "decision", {}),
    ("/decision 完成方案 @ liuyang 截止:3-20", "missing_owner", "decision", {}),
    ("/decision 完成方案 @liuyang @lihua 截止:3-20", "too_many_owners", "decision", {}),
    ("/decision 完成方案 @liuyang", "missing_due", "decision", {}),
    ("/decision 完成方案 @liuyang 截止:", "missing_due", "decision", {}),
    ("/decision 完成方案 @liuyang 截止 3月20日", "missing_due", "decision", {}),
    ("/decision 完成方案 @liuyang 截止:3月20日 表决:多数", "bad_vote", "decision", {"value": "表决:多数"}),
    (
        "/decision 完成方案 @liuyang 截止:3月20日 vote:6/-1/0",
        "negative_vote",
        "decision",
        {"value": "vote:6/-1/0"},
    ),
    ("/decision 完成方案 @liuyang 截止:下周五", "bad_date", "decision", {"value": "下周五"}),
    ("/decision 完成方案 @liuyang 截止:2月30日", "impossible_date", "decision", {}),
    # Issue 13: 9999-12-31 was accepted, then every scheduler tick overflowed on it.
    (
        "/decision x @liuyang 截止:9999-12-31",
        "date_out_of_range",
        "decision",
        {"value": "9999-12-31", "first": "2025-01-01", "last": "2028-12-31"},
    ),
    ("/decision x @liuyang 截止:2024-12-31", "date_out_of_range", "decision", {"first": "2025-01-01"}),
    ("/meeting new congress 9999-12-31 23:30", "date_out_of_range", "meeting", {"last": "2028-12-31"}),
    ("/meeting move 3 2029-01-01 14:30", "date_out_of_range", "meeting", {"value": "2029-01-01"}),
    ("/decision 完成方案 @liuyang 截止:3-20 截止:3-21", "unexpected_argument", "decision", {}),
    ("/decision @liuyang 截止:3-20", "missing_argument", "decision", {"param": "title"}),
    ("/decision 完成方案 @liuyang 截止:3-20 牵头:", "missing_argument", "decision", {"param": "lead"}),
    ("/decision 完成方案 @liuyang 截止:3-20 牵头:@李华@王芳", "unexpected_argument", "decision", {}),
    ("/decision 完成方案 @liuyang 截止:3-20 小组:", "missing_argument", "decision", {"param": "group"}),
    (f"/decision {LONG_TITLE} @liuyang 截止:3-20", "text_too_long", "decision", {"param": "title"}),
    ("/tasks everything", "bad_scope", "tasks", {"value": "everything"}),
    ("/任务 我的 逾期", "unexpected_argument", "tasks", {"value": "逾期"}),
    ("/claim", "missing_argument", "claim", {"param": "task"}),
    ("/claim x", "bad_number", "claim", {"param": "task"}),
    ("/claim 7 数学 语文", "unexpected_argument", "claim", {}),
    ("/done", "missing_argument", "done", {"param": "task"}),
    (f"/done 7 {LONG}", "text_too_long", "done", {"param": "note"}),
    ("/rate 7", "missing_argument", "rate", {"param": "rating"}),
    ("/rate 7 great", "bad_rating", "rate", {"value": "great"}),
    ("/评价 7 满意度高", "bad_rating", "rate", {}),
    ("/rate seven 满意", "bad_number", "rate", {"param": "task"}),
    ("/points 13", "bad_month", "points", {"value": "13"}),
    ("/积分 0月", "bad_month", "points", {}),
    ("/points 2026", "bad_month", "points", {}),
    ("/points 1900-03", "bad_month", "points", {}),
    ("/points march", "bad_month", "points", {}),
    ("/points 3 4", "unexpected_argument", "points", {}),
    ("/join", "missing_argument", "join", {"param": "name"}),
    (f"/join {LONG_TITLE}", "text_too_long", "join", {"param": "name"}),
    ("/joins now", "unexpected_argument", "joins", {}),
    ("/approve", "missing_argument", "approve", {"param": "request"}),
    ("/approve 3 WangFang", "bad_member_key", "approve", {"value": "WangFang"}),
    ("/approve 3 王芳", "bad_member_key", "approve", {}),
    ("/approve 3 wangfang lifang", "unexpected_argument", "approve", {"value": "lifang"}),
    ("/approve 3 wangfang 小组:", "missing_argument", "approve", {"param": "group"}),
    ("/report 13", "bad_period", "report", {"value": "13"}),
    ("/report quarter 5", "bad_period", "report", {"value": "5"}),
    ("/report month 2026", "bad_period", "report", {"value": "2026"}),
    ("/报告 1900", "bad_period", "report", {}),
    ("/report last", "bad_period", "report", {"value": "last"}),
    ("/report 2026 3", "unexpected_argument", "report", {"value": "3"}),
    ("/minutes", "missing_argument", "minutes", {"param": "meeting"}),
    ("/纪要 三", "bad_number", "minutes", {"value": "三"}),
    ("/minutes 3 4", "unexpected_argument", "minutes", {}),
    ("/export pdf", "bad_format", "export", {"value": "pdf"}),
    ("/导出 csv ics", "unexpected_argument", "export", {"value": "ics"}),
    ("/export 3000", "bad_period", "export", {}),
    ("/考勤", "missing_argument", "attendance", {"param": "meeting"}),
    ("/考勤 12", "missing_argument", "attendance", {"param": "member"}),
    ("/考勤 12 刘洋 出席", "missing_argument", "attendance", {"param": "member"}),
    ("/考勤 12 全体 @刘洋 出席", "unexpected_argument", "attendance", {"value": "全体"}),
    ("/考勤 12 @刘洋", "missing_argument", "attendance", {"param": "mark"}),
    ("/考勤 12 @刘洋 迟到", "bad_mark", "attendance", {"value": "迟到"}),
    ("/attendance 12 @liuyang late @lihua present", "bad_mark", "attendance", {"value": "late"}),
    ("/考勤 12 @刘洋 请假 @李华 出席", "leave_needs_reason", "attendance", {}),
    ("/attendance twelve @liuyang present", "bad_number", "attendance", {"value": "twelve"}),
    ("/会议 未召开 12", "missing_argument", "meeting", {"param": "reason"}),
    ("/meeting notheld", "missing_argument", "meeting", {"param": "meeting"}),
    ("/points reverse", "missing_argument", "points", {"param": "entry"}),
    ("/points reverse 15", "missing_argument", "points", {"param": "reason"}),
    ("/积分 调整", "missing_argument", "points", {"param": "member"}),
    ("/积分 调整 刘洋 +3 补记", "missing_argument", "points", {"param": "member"}),
    ("/积分 调整 @刘洋", "missing_argument", "points", {"param": "delta"}),
    ("/积分 调整 @刘洋 0 补记", "bad_delta", "points", {"value": "0"}),
    ("/points adjust @liuyang lots why", "bad_delta", "points", {"value": "lots"}),
    ("/points adjust @liuyang +3", "missing_argument", "points", {"param": "reason"}),
]


@pytest.mark.parametrize(("text", "code", "command", "params"), BAD)
def test_a_malformed_command_says_what_is_wrong_and_how_to_write_it(
    text: str, code: str, command: str | None, params: dict[str, object]
) -> None:
    result = parse_command(text, TODAY)
    assert isinstance(result, ParseError), result
    assert (result.code, result.command) == (code, command)
    assert params.items() <= result.params.items()
    assert result.code in ERROR_CODES
    zh, en = parse_error_text(result, "zh-CN"), parse_error_text(result, "en")
    assert "例如" in zh and "e.g." in en
    assert "?" not in zh.split("\n")[0] and "?" not in en.split("\n")[0]  # every parameter filled in


def test_the_malformed_table_covers_every_error_code() -> None:
    assert len(BAD) >= 40
    assert {code for _, code, _, _ in BAD} == ERROR_CODES


def test_error_text_names_the_argument_in_the_readers_language() -> None:
    error = ParseError("bad_number", "signin", {"param": "meeting", "value": "三"})
    assert "会议编号" in parse_error_text(error, "zh-CN")
    assert "meeting number" in parse_error_text(error, "en")
    assert "/signin" in parse_error_text(error, "en")


def test_an_unknown_command_is_answered_with_how_to_get_help() -> None:
    error = parse_command("/foo", TODAY)
    assert isinstance(error, ParseError)
    assert "/foo" in parse_error_text(error, "zh-CN") and "/help" in parse_error_text(error, "en")


# --- dates and times --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("2026-03-20", TODAY, date(2026, 3, 20)),
        ("2026/3/20", TODAY, date(2026, 3, 20)),
        ("2026.3.20", TODAY, date(2026, 3, 20)),
        ("2026年3月20日", TODAY, date(2026, 3, 20)),
        ("2026年3月20", TODAY, date(2026, 3, 20)),
        ("２０２６－０３－２０", TODAY, date(2026, 3, 20)),
        ("２０２６／３／２０", TODAY, date(2026, 3, 20)),
        ("3月20日", TODAY, date(2026, 3, 20)),
        ("3月20号", TODAY, date(2026, 3, 20)),
        ("３月２０日", TODAY, date(2026, 3, 20)),
        ("3/20", TODAY, date(2026, 3, 20)),
        ("3-20", TODAY, date(2026, 3, 20)),
        (" 3/1 ", TODAY, date(2026, 3, 1)),  # today itself is still ahead
        ("2/28", TODAY, date(2027, 2, 28)),  # gone by this year: next year
        ("1月5日", date(2026, 12, 20), date(2027, 1, 5)),
        ("12/31", date(2026, 12, 31), date(2026, 12, 31)),
        ("2/29", date(2027, 6, 1), date(2028, 2, 29)),  # the next 2/29 is in a leap year
        ("2/29", date(2028, 1, 10), date(2028, 2, 29)),
    ],
)
def test_a_date_is_read_in_every_way_people_write_it(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2/30", "impossible_date"),
        ("13/1", "impossible_date"),
        ("2026-02-29", "impossible_date"),
        ("2026年4月31日", "impossible_date"),
        ("0/10", "impossible_date"),
        ("2/29", "impossible_date"),  # from 2026-03-01 the next 2/29 would be 2027's: none
        ("", "bad_date"),
        ("tomorrow", "bad_date"),
        ("20260320", "bad_date"),
        ("3月", "bad_date"),
        ("26-3-20", "bad_date"),
        ("٣/٢٠", "bad_date"),  # Arabic-Indic digits are not dates here
    ],
)
def test_an_impossible_or_unreadable_date_is_refused(text: str, code: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_date(text, TODAY)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("１４：３０", time(14, 30)),
        ("14点30", time(14, 30)),
        ("14点30分", time(14, 30)),
        ("14点", time(14, 0)),
        ("14时", time(14, 0)),
        ("14点半", time(14, 30)),
        ("下午2:30", time(14, 30)),
        ("下午2点半", time(14, 30)),
        ("下午14:30", time(14, 30)),
        ("晚上7点", time(19, 0)),
        ("中午12点", time(12, 0)),
        ("中午1点", time(13, 0)),
        ("上午9:30", time(9, 30)),
        ("2:30pm", time(14, 30)),
        ("2PM", time(14, 0)),
        ("12am", time(0, 0)),
    ],
)
def test_a_time_is_read_in_every_way_people_write_it(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["", "14", "1430", "24:00", "14:60", "14:3", "上午13点", "下午2:30pm", "abc"]
)
def test_an_unreadable_time_is_refused(text: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_time(text)
    assert raised.value.code == "bad_time"


# --- anything at all --------------------------------------------------------------------------

_CHAT_ALPHABET = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list("/!@#:：＠＃／！，、。 \n\t　0123456789０１２３４５６７８９-年月日号点半")),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width forms
)
_KEYWORDS = st.sampled_from(
    [
        "截止:",
        "截止：",
        "牵头:",
        "小组:",
        "due:",
        "lead:@",
        "group:",
        "@",
        "＠",
        "#",
        "请假",
        "病假",
        "添加",
        "新建",
    ]
)
_CHAT_TEXT = st.lists(st.one_of(st.text(_CHAT_ALPHABET, max_size=12), _KEYWORDS), max_size=8).map(" ".join)
_COMMAND_LINES = st.builds(
    lambda prefix, word, rest: f"{prefix}{word}{rest}",
    st.sampled_from(["/", "!", "／", "！"]),
    st.sampled_from(sorted(COMMAND_WORDS)),
    _CHAT_TEXT,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(_CHAT_ALPHABET, max_size=60), _COMMAND_LINES), today=st.dates())
def test_any_text_gives_a_command_an_error_or_silence_and_never_raises(text: str, today: date) -> None:
    result = parse_command(text, today)
    assert isinstance(result, (ParseError, NotACommand)) or type(result).__module__.endswith("commands.model")
    if isinstance(result, ParseError):
        assert result.code in ERROR_CODES
        assert parse_error_text(result, "zh-CN") and parse_error_text(result, "en")


# --- control and invisible characters (issue 13) --------------------------------------------------


def test_a_vertical_tab_from_word_becomes_a_new_line_of_the_suggestion() -> None:
    # Word types U+000B for Shift+Enter; stored as is, it broke the workbook export for ever.
    assert parse_command("/suggest 好建议\x0b换行", TODAY) == Suggest("好建议\n换行")


@pytest.mark.parametrize(
    "invisible",
    ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u200b", "\u200e", "\u202e", "\u2066", "\u2060", "\ufeff"],
)
def test_controls_and_invisibles_are_removed_from_every_free_text(invisible: str) -> None:
    assert parse_command(f"/suggest 好{invisible}建议", TODAY) == Suggest("好建议")
    decision = parse_command(f"/decision 完成{invisible}方案 @liuyang{invisible} 截止:3-20", TODAY)
    assert isinstance(decision, RecordDecision)
    assert (decision.title, decision.owner.text) == ("完成方案", "liuyang")
    assert parse_command(f"{invisible}/join 刘{invisible}洋", TODAY) == Join("刘洋")


def test_tabs_new_lines_and_emoji_joiners_are_kept() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert parse_command(f"/suggest 一\t二\n三 {family}", TODAY) == Suggest(f"一\t二\n三 {family}")


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Lo")), min_size=1, max_size=40))
def test_no_accepted_free_text_holds_a_control_character(text: str) -> None:
    result = parse_command(f"/suggest 建议{text}", TODAY)
    assert isinstance(result, Suggest)
    assert all(
        ch in "\n\t\u200c\u200d" or unicodedata.category(ch) not in ("Cc", "Zl", "Zp") for ch in result.text
    )
    assert not set(result.text) & set(
        "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
    )


def test_a_read_command_may_name_a_branch_first() -> None:
    """`/report t2 季度` for the 党委: the branch word (key or name) first, the command as usual after it."""
    branches = {"t2": "t2", "教工第二党支部": "t2"}
    today = date(2026, 4, 30)

    def parse(text: str) -> object:
        return parse_command(text, today, branches=branches)

    assert parse("/report t2 季度 2026Q1") == ShowReport(PeriodKind.QUARTER, 2026, 1, branch="t2")
    assert parse("/tasks 教工第二党支部 逾期") == ListTasks("overdue", 1, branch="t2")
    assert parse("/export t2 csv") == ExportLedger("csv", None, branch="t2")
    assert parse("/meetings t2") == ListMeetings(branch="t2")
    assert parse("/points t2 2026-04") == ShowPoints(2026, 4, branch="t2")
    # no branch words known, or a word that names none: the command's own error, as before
    assert isinstance(parse_command("/tasks t2", today), ParseError)
    assert isinstance(parse("/tasks t9"), ParseError)
    # reading only: nothing of a branch is changed by naming it
    assert isinstance(parse("/points t2 reverse 1 错记"), ParseError)
    assert isinstance(parse("/meeting t2 cancel 3 冲突"), ParseError)
