"""The words of the 台账 web pages (zh-CN first, en), used by adapters/web's templates as `t("key")`.

Sentences that chat and page share (refusals, replies to actions) come from `catalog.py` through
the same `Renderer`; only page furniture lives here.
"""

from __future__ import annotations

from sanhui_bot.render.catalog import lang_index

PAGE_TEXT: dict[str, tuple[str, str]] = {
    "title": ("三会一课台账", "三会一课 ledger"),
    "nav.me": ("我的", "Me"),
    "nav.meetings": ("会议", "Meetings"),
    "nav.tasks": ("任务", "Tasks"),
    "nav.points": ("积分", "Points"),
    "nav.compliance": ("落实情况", "Compliance"),
    "nav.public": ("公示", "Notices"),
    "nav.logout": ("退出", "Sign out"),
    "lang.other": ("English", "中文"),
    "signed_in_as": ("当前用户：{name}", "Signed in as {name}"),
    "guest": ("访客（不在名册上）", "guest (not on the roster)"),
    "login.title": ("请从聊天里打开台账", "Open the ledger from the chat"),
    "login.body": (
        "台账网页不设密码：在 Telegram 里点通知下方的“台账”按钮，在 Matrix 房间里打开台账小部件，或私聊机器人发送 /web 获取一次性链接。",
        "The ledger page has no password of its own: tap the 台账 button under a notice in Telegram,"
        " open the ledger widget in a Matrix room, or send /web to the bot privately for a one-time link.",
    ),
    "login.refused": (
        "无法确认您的身份（签名无效或已过期）。请回到聊天里重新打开。",
        "Your identity could not be confirmed (the signature is invalid or expired). Open the page"
        " again from the chat.",
    ),
    "login.link_used": (
        "这个链接已经用过或已过期。请私聊机器人重新发送 /web。",
        "This link has been used or has expired. Send /web to the bot privately for a new one.",
    ),
    "login.link_open": ("打开台账", "Open the ledger"),
    "login.link_body": (
        "这是您的一次性链接，点下面的按钮进入台账（本链接随即失效）。",
        "This is your one-time link: press the button to open the ledger (the link is then used up).",
    ),
    "login.working": ("正在确认身份……", "Checking who you are…"),
    "login.no_telegram": (
        "没有收到 Telegram 的身份数据。请在 Telegram 里点“台账”按钮打开本页。",
        "No Telegram identity came with this page. Open it with the 台账 button in Telegram.",
    ),
    "login.no_widget": (
        "本页需要在 Matrix 客户端的小部件里打开（客户端没有给出身份令牌）。",
        "This page must be opened as a widget in a Matrix client (the client gave no identity token).",
    ),
    "not_found": ("没有找到这一页。", "There is no such page."),
    "forbidden_form": (
        "表单已过期或来自别处，没有办理。请刷新页面后重试。",
        "The form has expired or came from elsewhere; nothing was done. Reload the page and try again.",
    ),
    "month": ("月份", "Month"),
    "show": ("查看", "Show"),
    "prev": ("上个月", "Previous month"),
    "next": ("下个月", "Next month"),
    "no_meetings": ("本月没有会议。", "No meetings this month."),
    "agenda": ("议程", "Agenda"),
    "decisions": ("决议", "Decisions"),
    "minutes": ("纪要", "Minutes"),
    "tally": (
        "回复：参加 {yes}，请假 {leave}，不参加 {no}，未回复 {unknown}",
        "Answers: yes {yes}, leave {leave}, no {no}, none {unknown}",
    ),
    "expected": ("应到", "Expected"),
    "present": ("实到", "Present"),
    "on_leave": ("请假", "On leave"),
    "absent": ("缺席", "Absent"),
    "host": ("主持人", "Chair"),
    "recorder": ("记录人", "Recorder"),
    "unrecorded": (
        "本会在机器人启用之前召开，出勤未记录。",
        "Held before the bot kept records: attendance unknown.",
    ),
    "my_answer": ("我的回复", "My answer"),
    "answer.yes": ("参加", "Attend"),
    "answer.no": ("不参加", "Decline"),
    "answer.leave": ("请假", "Ask for leave"),
    "answer.unknown": ("未回复", "not answered"),
    "leave_type": ("请假类别", "Kind of leave"),
    "reason": ("原因", "Reason"),
    "signin": ("签到", "Sign in"),
    "signed_in": ("已签到", "Signed in"),
    "signin_code": ("六位签到码", "6-digit code"),
    "screen.open": ("签到大屏", "Sign-in screen"),
    "screen.title": ("#{id} 签到大屏", "Sign-in screen #{id}"),
    "screen.heading": ("签到大屏", "sign-in screen"),
    "screen.qr": ("签到二维码", "sign-in QR code"),
    "screen.waiting": (
        "签到将于 {opens} 开放，届时这里显示二维码和签到码。",
        "Sign-in opens at {opens}; the QR code and the code appear here then.",
    ),
    "screen.over": ("会议已结束，签到已关闭。", "The meeting is over; sign-in is closed."),
    "screen.how": (
        "用手机扫描二维码，或在群里发送 /signin {id} 加上面的六位数字。签到码定时更换。",
        "Scan the QR code with your phone, or send /signin {id} with the six digits above. The code changes every few seconds.",
    ),
    "screen.signed": ("已签到", "Signed in"),
    "publish": ("公示决议清单", "Publish the decision list"),
    "record_attendance": ("记录出勤", "Record attendance"),
    "pending_leave": ("请假待批", "Leave waiting for approval"),
    "approve_leave": ("批准", "Approve"),
    "refuse_leave": ("不批准", "Refuse"),
    "refuse_reason": ("不批准的理由", "why it is refused"),
    "quorum": ("法定人数", "Quorum"),
    "tasks.filter": ("筛选", "Filter"),
    "tasks.all_groups": ("全部小组", "All groups"),
    "tasks.all_owners": ("全部责任人", "All owners"),
    "tasks.overdue_only": ("只看逾期", "Overdue only"),
    "tasks.none": ("没有符合条件的任务。", "No tasks match."),
    "task.owner": ("责任人", "Owner"),
    "task.lead": ("牵头支委", "Lead"),
    "task.due": ("截止", "Due"),
    "task.group": ("小组", "Group"),
    "task.overdue": ("逾期", "overdue"),
    "task.history": ("经过", "History"),
    "task.step.decided": ("{who} 记录决议", "decision recorded by {who}"),
    "task.step.claimed": ("{who} 为 {detail} 认领", "claimed by {who} for {detail}"),
    "task.step.done": ("{who} 报告完成：{detail}", "reported done by {who}: {detail}"),
    "task.step.rated": ("{who} 评价：{detail}", "rated by {who}: {detail}"),
    "task.claim": ("认领", "Claim"),
    "task.done": ("报告完成", "Report done"),
    "task.note": ("完成情况", "What was done"),
    "task.rate": ("评价", "Rate"),
    "task.ratings": ("评价", "Ratings"),
    "points.month": ("{year}年{month}月排名", "Ranking {year}-{month:02d}"),
    "points.year": ("{year}年累计", "Year {year} to date"),
    "points.mine": ("我的积分明细", "My entries"),
    "points.my_totals": ("本月 {month} 分，全年 {year} 分", "{month} this month, {year} this year"),
    "points.none": ("本月没有积分记录。", "No entries this month."),
    "points.for": ("事由", "For"),
    "points.delta": ("分值", "Points"),
    "points.when": ("时间", "When"),
    "rank": ("名次", "Rank"),
    "member": ("党员", "Member"),
    "total": ("合计", "Total"),
    "compliance.month": ("本月", "This month"),
    "compliance.quarter": ("本季度", "This quarter"),
    "compliance.year": ("本年度", "This year"),
    "compliance.kind": ("会议", "Meeting"),
    "compliance.unit": ("单位", "Unit"),
    "compliance.held": ("已开", "Held"),
    "compliance.required": ("应开", "Required"),
    "compliance.gaps": ("未落实", "Gaps"),
    "compliance.publication": ("决议清单公示", "Decision lists published"),
    "compliance.all_on_time": ("全部按时公示。", "All published on time."),
    "compliance.calendar_unknown": (
        "⚠ 工作日历未知（{years}年）：会议计划和公示期限无法核对，以下统计不完整。",
        "⚠ Calendar unknown ({years}): the meeting plan and publication deadlines cannot be checked; the figures are incomplete.",
    ),
    "compliance.calendar_unknown_publication": (
        "工作日历未知，无法判断是否按时公示。",
        "The working-day calendar is unknown: lateness cannot be judged.",
    ),
    "compliance.deadline_unknown": (
        "#{meeting} 公示期限无法计算（工作日历缺少该年数据）",
        "#{meeting}: deadline unknown (no calendar for that year)",
    ),
    "compliance.missed": (
        "#{meeting} 应于 {deadline} 前公示，未按时",
        "#{meeting} was due by {deadline}: missed",
    ),
    "nav.school": ("全校", "School"),
    "reading_branch": ("党委查看：{branch}（只读）", "Party committee reading {branch} (read only)"),
    "school.title": ("{school}·全校三会一课", "{school}: every branch"),
    "school.branch": ("支部", "Branch"),
    "school.meetings": ("会议（召开/应开）", "Meetings (held/required)"),
    "school.short": ("缺", "Short"),
    "school.on_time": ("公示按时", "公示 on time"),
    "school.late": ("公示逾期", "公示 late"),
    "school.never": ("公示未发布", "公示 never"),
    "school.attendance": ("出勤率", "Attendance"),
    "school.done": ("任务完成", "Tasks done"),
    "school.open": ("未完成", "Open"),
    "school.overdue": ("逾期", "Overdue"),
    "school.attention": ("⚠ 需要关注：{branches}", "⚠ Needing attention: {branches}"),
    "school.all_well": ("✅ 各支部均按要求完成。", "✅ Every branch is on track."),
    "downloads": ("下载台账", "Download the ledger"),
    "download.xlsx": ("工作簿（xlsx）", "Workbook (xlsx)"),
    "download.csv": ("表格（csv，zip）", "Tables (csv, zip)"),
    "download.ics": ("日历（ics）", "Calendar (ics)"),
    "me.meetings": ("我的会议", "My meetings"),
    "me.tasks": ("我的任务", "My tasks"),
    "me.points": ("我的积分", "My points"),
    "me.none": ("暂无。", "None yet."),
    "public.published": ("已公示的决议清单", "Published decision lists"),
    "public.finished": ("已完成的任务（欢迎评价）", "Finished tasks (rate them)"),
    "public.none": ("暂无。", "None yet."),
    "refused": ("未能办理", "Not done"),
    "done": ("已办理", "Done"),
}


def page_text(key: str, language: str, **params: object) -> str:
    """The page word or sentence for `key` in `language`, its {fields} filled in."""
    entry = PAGE_TEXT.get(key)
    if entry is None:
        return key
    text = entry[lang_index(language)]
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text
