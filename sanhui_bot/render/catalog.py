"""Every sentence the bot says, in zh-CN (first) and en, keyed by message code.

Domain and service errors carry a code and parameters; so do the replies. Wording changes here
without touching any logic, and tests assert on the parameters (ids, names, dates), not sentences.
"""

from __future__ import annotations

from typing import Any

ZH, EN = "zh-CN", "en"

# code -> (zh-CN, en). Parameters are str.format fields.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- errors from rules and permissions
    "chat_not_configured": (
        "本群还没有绑定到支部、支委会或党小组，机器人在这里不能办理业务。请书记把本群的 ID（{chat_id}）写进配置文件的 [chats]。",
        "This chat is not bound to a branch, committee or group, so the bot cannot act here. Ask the secretary"
        " to add this chat's id ({chat_id}) under [chats] in the config.",
    ),
    "school_report_chat_only": (
        "全校报告（/report school）只在党委群里提供。",
        "The school report (/report school) is given in the Party committee's chat only.",
    ),
    "school_role_required": (
        '全校报告只有党委委员（配置中 school_roles = ["party_committee"]）可以查看。',
        'Only Party committee members (school_roles = ["party_committee"] in the config) may see the school report.',
    ),
    "school_member_acts_in_no_branch": (
        "您是党委委员，可以查看各支部的台账，但不在本支部名册上，不能在支部里办理此事（{action_name}）；请支部书记、副书记（{people_text}）办理。",
        "You sit on the Party committee: you may read every branch's record, but you are on no branch's roster here,"
        " so you cannot do this ({action_name}) in a branch; the branch's secretary or deputy ({people_text}) can.",
    ),
    "member_of_another_branch": (
        "您是「{branch_name}」的成员，不在本支部名册上，不能在这里办理此事（{action_name}）；请本支部书记、副书记（{people_text}）办理。",
        "You are a member of {branch_name}, not on this branch's roster, so you cannot do this ({action_name}) here;"
        " this branch's secretary or deputy ({people_text}) can.",
    ),
    "read_own_branch_only": (
        "您是「{branch_name}」的成员，只能查看本支部的页面；其他支部的台账只有党委委员可以查看。请打开本支部的页面（/b/{branch}/me）。",
        "You are a member of {branch_name}: you see your own branch's pages only; other branches' records are for"
        " Party committee members. Open your branch's pages (/b/{branch}/me).",
    ),
    "school_role_required_read": (
        '查看其他支部的台账只限党委委员（配置中 school_roles = ["party_committee"] 或 [[school.members]]）；本支部的情况请在本支部群里查看。',
        'Reading another branch\'s record is for Party committee members (school_roles = ["party_committee"] or'
        " [[school.members]] in the config); see your own branch's in its chat.",
    ),
    "school_read_where": (
        "党委委员在党委群或与机器人的私聊里查看各支部台账（例如 /report t2 季度），不在支部群里查看，以免其他支部的情况发到本支部群。",
        "Party committee members read a branch's record in the Party committee's chat or in a private chat with the"
        " bot (e.g. /report t2 quarter), not in a branch's chat, where its members would read another branch's record.",
    ),
    "name_a_branch": (
        "请在命令后写上要查看的支部，例如 /report {first_branch} 季度 或 /tasks {first_branch} 逾期。支部：{branches_text}。",
        "Name the branch to read after the command, e.g. /report {first_branch} quarter or /tasks {first_branch}"
        " overdue. Branches: {branches_text}.",
    ),
    "unknown_branch": (
        "没有支部「{branch}」。支部：{branches_text}。",
        "There is no branch {branch!r}. Branches: {branches_text}.",
    ),
    "school_reader_scope": (
        "党委委员在支部里没有自己的任务或党小组，不能用「{scope}」；可用 /tasks 支部 逾期 或 /tasks 支部 全部。",
        "A Party committee member has no tasks or group of their own in a branch, so {scope!r} does not apply;"
        " use /tasks <branch> overdue or /tasks <branch> all.",
    ),
    "school_report_title": (
        "📊 {school}·全校三会一课（{period_name}）",
        "📊 {school}: every branch ({period_name})",
    ),
    # the chart's title: no emoji, which the CJK fonts of a server lack
    "school_chart_title": (
        "{school}·全校三会一课（{period_name}）",
        "{school}: every branch ({period_name})",
    ),
    "school_report_line": (
        "{branch}：会议 {held}/{required}{missing}；公示按时 {on_time}、逾期 {late}、未发布 {never}；出勤率 {rate}；任务 完成 {done}、未完成 {open}、逾期 {overdue}",
        "{branch}: meetings {held}/{required}{missing}; 公示 on time {on_time}, late {late}, never {never};"
        " attendance {rate}; tasks done {done}, open {open}, overdue {overdue}",
    ),
    "school_report_not_listed": (
        "……另有 {count} 个支部未逐一列出（其中需要关注 {attention} 个），各支部明细见全校汇总表（export --format xlsx --school）。",
        "… {count} more branches not listed one by one ({attention} of them needing attention); every branch is in"
        " the school workbook (export --format xlsx --school).",
    ),
    "school_chart_meetings": ("会议：召开与欠缺", "Meetings: held and short"),
    "school_chart_held": ("已召开", "held"),
    "school_chart_short": ("欠缺", "short"),
    "school_chart_publication": ("决议清单公示", "决议清单 公示"),
    "school_chart_on_time": ("按时", "on time"),
    "school_chart_late": ("逾期", "late"),
    "school_chart_never": ("未发布", "never"),
    "school_report_and_more": ("等 {count} 个支部", " and {count} more"),
    "school_report_quarter_missing": (
        "⚠ {quarter}未召开{kind_name}：{branches}",
        "⚠ No {kind_name} held in {quarter}: {branches}",
    ),
    "school_report_quarter_complete": (
        "✅ {quarter}各支部均召开了党员大会和党课。",
        "✅ Every branch held its congress and 党课 in {quarter}.",
    ),
    "school_report_missing": ("（缺 {kinds}）", " (short: {kinds})"),
    "school_report_attention": ("⚠ 需要关注：{branches}", "⚠ Needing attention: {branches}"),
    "school_report_all_well": ("✅ 各支部均按要求完成。", "✅ Every branch is on track."),
    "not_on_roster": (
        "您还不在支部名册上，只能申请加入（/join 您的姓名）或对已完成的任务进行评价（/rate 任务号 满意）。",
        "You are not on the branch roster yet: you can only ask to join (/join your name) or rate a"
        " completed task (/rate N satisfied).",
    ),
    "role_required": (
        "您没有权限办理此项（{action_name}），需要以下角色之一：{roles_text}。",
        "You are not allowed to do this ({action_name}); it needs one of these roles: {roles_text}.",
    ),
    "role_required_decide": (
        "您没有权限记录决议：书记、副书记（{people_text}）可在任何群记录，支委可在支委群里记录；您可以把事项提交给支委会，或用 /suggest 献策。",
        "You are not allowed to record decisions: the secretary or deputy ({people_text}) records them in any chat, a committee member in the"
        " committee chat; you can bring the matter to the committee, or make a suggestion with /suggest.",
    ),
    "not_meeting_manager": (
        "只有书记、副书记（{people_text}）可以改期或取消 #{meeting}。",
        "Only the secretary or deputy ({people_text}) can move or cancel #{meeting}.",
    ),
    "not_agenda_adder": (
        "只有支委（{people_text}）可以为 #{meeting} 添加议题；党小组长可为本组的党小组会添加。",
        "Only committee members ({people_text}) can add topics to #{meeting}; a group leader adds them to"
        " the own group's meetings.",
    ),
    "not_group_agenda_adder": (
        "#{meeting} 是「{unit_name}」的会议，只有该小组的党小组长（{people_text}）或支委可以添加议题。",
        "#{meeting} is a meeting of {unit_name}: only its group leader ({people_text}) or a committee member"
        " can add topics.",
    ),
    "not_group_meeting_manager": (
        "#{meeting} 是「{unit_name}」的会议，只有该小组的党小组长或书记、副书记（{people_text}）可以改期或取消。",
        "#{meeting} is a meeting of {unit_name}: only its group leader or the secretary or deputy ({people_text}) can"
        " move or cancel it.",
    ),
    "task_needs_claim": (
        "任务 #{task} 须先由「{group_name}」认领，才能报告完成：请{people_text}发送 /claim {task}（或按“认领”），然后再发送 /done {task} 说明。",
        "Task #{task} must first be claimed by {group_name} before it can be reported done: {people_text} sends"
        " /claim {task} (or presses Claim), then you send /done {task} <note>.",
    ),
    "decide_in_committee_chat": (
        "支委只能在支委会群里记录决议；书记、副书记可以在任何群里记录。",
        "Committee members record decisions in the committee chat only; the secretary and deputy can record them anywhere.",
    ),
    "not_your_group": (
        "您只能为自己所在的党小组办理此事，不能代表「{group_name}」。",
        "You can only act for your own group, not for {group_name}.",
    ),
    "only_owner": (
        "只有任务 #{task} 的责任人（{owner_name}）或书记可以报告完成。",
        "Only the owner of task #{task} ({owner_name}) or the secretary can report it done.",
    ),
    "meeting_not_found": (
        "没有找到 #{meeting} 号会议。发送 /meetings 查看近期会议及编号。",
        "There is no meeting #{meeting}. Send /meetings to see upcoming meetings and their numbers.",
    ),
    "task_not_found": (
        "没有找到 #{task} 号任务。发送 /tasks 查看任务及编号。",
        "There is no task #{task}. Send /tasks to see tasks and their numbers.",
    ),
    "suggestion_not_found": ("没有找到 #{suggestion} 号献策。", "There is no suggestion #{suggestion}."),
    "join_not_found": (
        "没有找到 #{request} 号入册申请。发送 /joins 查看待批准的申请。",
        "There is no join request #{request}. Send /joins to see pending requests.",
    ),
    "entry_not_found": (
        "没有找到 #{entry} 号积分记录。发送 /points 查看各条记录的编号。",
        "There is no points entry #{entry}. Send /points to see the entries with their numbers.",
    ),
    "meeting_not_held": (
        "#{meeting} 号会议已标记为未召开。",
        "Meeting #{meeting} is marked as not held.",
    ),
    "meeting_not_held_again": (
        "#{meeting} 号会议此前已经标记为未召开。",
        "Meeting #{meeting} was already marked as not held.",
    ),
    "not_held_needs_reason": (
        "请写明会议未召开的原因，例如 /会议 未召开 12 全体外出培训。",
        "Say why the meeting did not take place, e.g. /meeting notheld 12 everyone away at a training.",
    ),
    "attendance_not_open": (
        "#{meeting} 号会议 {opens_text} 才开始，开始后才能记录考勤。",
        "Meeting #{meeting} starts {opens_text}; attendance can be recorded from its start.",
    ),
    "attendance_window_over": (
        "#{meeting} 号会议的考勤更正期已于 {when_text} 结束，不能再记录或更正。",
        "The correction window of meeting #{meeting} closed {when_text}; its attendance can no longer be"
        " recorded or corrected.",
    ),
    "not_expected_member": (
        "{name} 不在 #{meeting} 号会议的应到人员之列。",
        "{name} is not among those expected at meeting #{meeting}.",
    ),
    "leave_not_your_meeting": (
        "您不能审批 #{meeting} 号会议（{unit_name}）的请假：书记、副书记审批本支部各会议，党小组长只审批本组的党小组会。",
        "You cannot decide on leave from meeting #{meeting}: the secretary or deputy decides for any meeting of"
        " the branch, a group leader only for the own group's meeting.",
    ),
    "leave_own_request": (
        "不能审批自己的请假（#{meeting} 号会议），请由书记或副书记审批。",
        "You cannot decide on your own leave (meeting #{meeting}); the secretary or deputy does.",
    ),
    "leave_not_requested": (
        "{name} 没有对 #{meeting} 号会议提出请假，无可审批。",
        "{name} has not asked for leave from meeting #{meeting}; there is nothing to decide.",
    ),
    "leave_needs_no_approval": (
        "#{meeting} 号会议的请假无需审批，{name} 的请假已自动准假。",
        "Leave from meeting #{meeting} needs no approval; {name}'s leave was granted as asked.",
    ),
    "leave_already_decided": (
        "{name} 对 #{meeting} 号会议的请假已由 {by_name} 于 {when_text} {outcome_name}，不能再改；如有出入请用 /考勤 更正。",
        "{name}'s leave from meeting #{meeting} was already {outcome_name} by {by_name} ({when_text}); a decision"
        " is not changed: correct the attendance with /attendance if need be.",
    ),
    "member_named_twice": (
        "{name} 在这条考勤里写了两次，请每人只写一次。",
        "{name} is named twice in this line; name each member once.",
    ),
    "try_again": ("同时有人在操作，请再发一次。", "Someone else was doing the same; please send it again."),
    "adjustment_needs_reason": (
        "积分调整须写明原因。",
        "A points adjustment needs a reason.",
    ),
    "unknown_member": (
        "名册上没有「{name}」。请用名册中的姓名或编号，例如 @刘洋 或 @liuyang。",
        "There is no one called \u201c{name}\u201d on the roster. Use a roster name or key, e.g. @刘洋 or @liuyang.",
    ),
    "ambiguous_member": (
        "名册上有多人叫「{name}」（{keys_text}），请改用编号，例如 @{first_key}。",
        "Several people are called \u201c{name}\u201d ({keys_text}); use a key instead, e.g. @{first_key}.",
    ),
    "unknown_group": (
        "没有名为「{group}」的党小组。本支部的党小组：{groups_text}。",
        "There is no group called \u201c{group}\u201d. This branch's groups: {groups_text}.",
    ),
    "already_member": (
        "您已经在支部名册上了（{key}），无需再申请。",
        "You are already on the roster ({key}); no need to ask.",
    ),
    "join_already_decided": (
        "#{request} 号申请已经处理过了。",
        "Join request #{request} has already been decided.",
    ),
    "bad_member_key": (
        "名册编号「{key}」不合规：请用小写字母开头，只含小写字母、数字、- 或 _，例如 wangfang。",
        "The member key \u201c{key}\u201d is not valid: start with a lower-case letter and use only a-z, 0-9, - or _, e.g. wangfang.",
    ),
    "member_key_taken": (
        "名册编号 {key} 已被占用，请换一个，例如 /approve 3 {key}2。",
        "The key {key} is taken; choose another, e.g. /approve 3 {key}2.",
    ),
    "group_meeting_needs_group": (
        "请说明是哪个党小组的会议，例如 /meeting new group 3月12日 14:30 小组:数学。",
        "Say which group the meeting is for, e.g. /meeting new group 2026-03-12 14:30 group:math.",
    ),
    "meeting_in_past": (
        "会议时间 {when_text} 已经过去，请安排在将来的时间。",
        "The meeting time {when_text} has passed; choose a time in the future.",
    ),
    "meeting_over": ("#{meeting} 号会议已经结束。", "Meeting #{meeting} is over."),
    "meeting_cancelled": ("#{meeting} 号会议已取消。", "Meeting #{meeting} has been cancelled."),
    "meeting_already_cancelled": (
        "#{meeting} 号会议此前已经取消。",
        "Meeting #{meeting} was already cancelled.",
    ),
    "meeting_close_again": (
        "#{meeting} 号会议已经结束，无需重复 /close。",
        "Meeting #{meeting} is already closed.",
    ),
    "meeting_not_started": (
        "#{meeting} 号会议还没开始，开完会再 /close {meeting}。",
        "Meeting #{meeting} has not started yet; close it after it is held.",
    ),
    "meeting_published_again": (
        "#{meeting} 号会议的决议清单已经公示过了。",
        "The decision list of meeting #{meeting} is already published.",
    ),
    "meeting_not_closed": (
        "#{meeting} 号会议还没结束：先发送 /close {meeting} 生成决议清单，再公示。",
        "Meeting #{meeting} is not closed: send /close {meeting} first, then publish.",
    ),
    "meeting_already_closed": (
        "#{meeting} 号会议已经结束归档，不能取消。",
        "Meeting #{meeting} is closed and cannot be cancelled.",
    ),
    "meeting_started": (
        "#{meeting} 号会议已经开始，不能再回复参会情况；到会请签到：/signin {meeting}。因病缺席可补请病假：/rsvp {meeting} 请假 病假 原因。",
        "Meeting #{meeting} has started, so RSVPs are closed; if you are there, sign in: /signin {meeting}."
        " Sick leave can still be filed: /rsvp {meeting} leave sick <reason>.",
    ),
    "not_expected": (
        "#{meeting} 号会议是{unit_name}的会议，您不在应到人员之列。",
        "Meeting #{meeting} belongs to {unit_name}; you are not among those expected.",
    ),
    "leave_needs_reason": (
        "请假需要写明原因，例如 /rsvp 12 请假 事假 外出培训。",
        "Leave needs a reason, e.g. /rsvp 12 leave personal away at a training.",
    ),
    "rsvp_nothing_to_withdraw": (
        "您还没有回复 #{meeting} 号会议，没有可撤回的回复。",
        "You have not answered meeting #{meeting}, so there is nothing to withdraw.",
    ),
    "rsvp_answer_changed": (
        "您对 #{meeting} 号会议的回复已经改过，这次没有撤回；如需撤回请发送 /rsvp {meeting} 撤回。",
        "Your answer to meeting #{meeting} has changed since; nothing was withdrawn. To withdraw it: /rsvp {meeting} withdraw.",
    ),
    "already_signed_in": (
        "您已在 #{meeting} 号会议签到，无需再回复。",
        "You have already signed in to meeting #{meeting}.",
    ),
    "signin_needs_code": (
        "#{meeting} 号会议在会场现场签到，需要签到码：请扫描会场签到大屏上的二维码，或发送 /signin {meeting} 加大屏上的六位数字"
        "（如 /signin {meeting} 482913）。签到大屏由书记、副书记、纪检委员（党小组会：党小组长）发送 /signin screen {meeting} 打开。",
        "Meeting #{meeting} is signed in in the room, with a code: scan the QR code on the room's sign-in screen, or"
        " send /signin {meeting} with the six digits it shows (e.g. /signin {meeting} 482913). The secretary, deputy"
        " or discipline member (a group meeting: its group leader) opens the screen with /signin screen {meeting}.",
    ),
    "signin_code_wrong": (
        "签到码不对或已过期（大屏上的码每隔几十秒更换）：请看会场签到大屏上现在的六位数字，再发送 /signin {meeting} <签到码>。",
        "That sign-in code is wrong or has expired (the screen changes it every few seconds): send"
        " /signin {meeting} with the six digits the room's screen shows now.",
    ),
    "signin_screen_online": (
        "#{meeting} 号会议是线上会议，用“签到”按钮或 /signin {meeting} 签到，没有签到大屏。",
        "Meeting #{meeting} is online: members sign in with the Sign in button or /signin {meeting}; it has no sign-in screen.",
    ),
    "signin_screen_link": (
        "🖥 #{id} 签到大屏：{url}\n请在会场屏幕的浏览器里打开（该浏览器需已登录台账网页；也可私聊我发送 /signin screen {id}，"
        "得到一个直接打开大屏的一次性链接）。",
        "🖥 Sign-in screen of #{id}: {url}\nOpen it in the browser of the room's screen (signed in to the ledger"
        " page; or send /signin screen {id} to me privately for a one-time link that opens it directly).",
    ),
    "signin_screen_link_once": (
        "🖥 #{id} 签到大屏（一次性链接，仅限本人使用，{minutes} 分钟内有效）：{url}\n在会场屏幕的浏览器里打开即可。",
        "🖥 Sign-in screen of #{id} (a one-time link, for you only, valid for {minutes} minutes): {url}\n"
        "Open it in the browser of the room's screen.",
    ),
    "signin_not_open": (
        "#{meeting} 号会议的签到将于 {opens_text} 开放。",
        "Sign-in for meeting #{meeting} opens at {opens_text}.",
    ),
    "topic_exists": (
        "议题「{topic}」已在议程中。",
        "The topic \u201c{topic}\u201d is already on the agenda.",
    ),
    "empty_text": ("内容不能为空。", "The text cannot be empty."),
    "text_too_long": (
        "内容太长了，请控制在 {limit} 字以内。",
        "The text is too long; keep it within {limit} characters.",
    ),
    "suggestion_already_adopted": (
        "#{suggestion} 号献策已经采纳过了。",
        "Suggestion #{suggestion} has already been adopted.",
    ),
    "due_in_past": (
        "截止日期 {due} 已经过去，请填写今天或以后的日期。",
        "The due date {due} has passed; give today or a later date.",
    ),
    "lead_not_committee": (
        "牵头人须是支委，{name} 不是支委。",
        "The lead must be a committee member; {name} is not.",
    ),
    "no_group": ("您不属于任何党小组。", "You are not in any group."),
    "claim_needs_group": (
        "请说明由哪个党小组认领，例如 /claim {task} 数学。",
        "Say which group claims it, e.g. /claim {task} math.",
    ),
    "task_transition": (
        "任务 #{task} 现在是「{current_name}」，不能变为「{target_name}」。任务须依次经过：待认领 → 已认领 → 已完成 → 已评价。",
        "Task #{task} is {current_name} and cannot become {target_name}. A task goes open → claimed → done → rated.",
    ),
    "task_other_group": (
        "任务 #{task} 指定由「{group_name}」认领。",
        "Task #{task} is assigned to {group_name} to claim.",
    ),
    "task_not_done": (
        "任务 #{task} 还未完成（{status_name}），完成后才能评价。",
        "Task #{task} is not done yet ({status_name}); rate it once it is.",
    ),
    "cannot_rate_own_task": ("不能评价自己负责的任务。", "You cannot rate your own task."),
    "bad_month": ("月份 {month} 不存在，请写 1 到 12。", "There is no month {month}; write 1 to 12."),
    "entry_already_reversed": (
        "#{entry} 号积分记录已经冲销过。",
        "Points entry #{entry} has already been reversed.",
    ),
    "cannot_reverse_reversal": (
        "冲销记录不能再冲销，请另记一笔。",
        "A reversal cannot be reversed; add a new entry instead.",
    ),
    "calendar_year_unknown": (
        "还没有 {year} 年的法定节假日数据（需要升级 chinesecalendar 包或在配置中补充），无法推算工作日。",
        "There is no statutory holiday data for {year} yet (upgrade the chinesecalendar package or add overrides), so working days cannot be computed.",
    ),
    "internal_error": (
        "抱歉，处理这条消息时出错了，什么都没有改动。请稍后再试，或联系书记。",
        "Sorry, something went wrong handling that message; nothing was changed. Please try again later or tell the secretary.",
    ),
    "unknown_error": ("操作没有完成：{code}", "That did not work: {code}"),
    "stale_button": ("这个按钮已经失效了。", "That button is no longer valid."),
    # --- Telegram adapter
    "tg_unconfigured_chat": (
        "您好！我是三会一课助手。本群（ID：{chat_id}）还没有写进配置，所以我在这里什么也不会做。"
        "请书记在配置文件的 [chats] 里加上 telegram = {chat_id}，重启机器人后即可使用。此消息只发一次。",
        "Hello! I am the 三会一课 assistant. This chat (id {chat_id}) is not in the configuration yet, so I"
        " will not act here. Ask the secretary to add telegram = {chat_id} under [chats] in the config and"
        " restart the bot. This message is sent only once.",
    ),
    "tg_bad_button": (
        "这个按钮的数据无效，没有做任何改动。",
        "That button's data is not valid; nothing was changed.",
    ),
    "tg_leave_prompt": (
        "{name}，请直接回复本消息说明请假原因（可写类型：事假/病假/公假/其他），例如「病假 发烧」。"
        "也可以发送 /rsvp {id} leave 事假 原因。",
        "{name}, please reply to this message with the reason for your leave (optionally a type:"
        " personal/sick/official/other), e.g. “sick fever”. Or send /rsvp {id} leave personal <reason>.",
    ),
    "console_leave_prompt": (
        "{name}，请在下一行写出请假原因（可写类型：事假/病假/公假/其他），例如 {user}@{chat}: 病假 发烧",
        "{name}, write the reason for your leave on the next line (optionally a type: personal/sick/official/"
        "other), e.g. {user}@{chat}: sick fever",
    ),
    "tg_leave_asked": (
        "请在群里回复机器人的消息说明请假原因。",
        "Please reply to the bot's message in the chat with your reason.",
    ),
    "tg_edited_ignored": (
        "编辑过的消息不会再次执行，什么都没有改动。如需更改，请发送一条新命令。",
        "Edited messages are not run again; nothing was changed. Send a new command to change something.",
    ),
    "tg_private_welcome": (
        "您好，{name}！我是三会一课助手。会议通知、回复和任务都在支部的群里办理；"
        "您负责的任务的提醒也会私信发到这里。发送 /help 查看命令。",
        "Hello, {name}! I am the 三会一课 assistant. Meetings, replies and tasks are handled in the branch's"
        " group chats; reminders of the tasks you own also come here privately. Send /help for the commands.",
    ),
    "tg_private_welcome_guest": (
        "您好！我是三会一课助手，在支部的群里办理会议和任务。您还不在名册里：可以在群里发送 /join 姓名 申请加入。",
        "Hello! I am the 三会一课 assistant; I handle meetings and tasks in the branch's group chats. You are not"
        " on the roster: send /join <your name> in a group chat to ask to join.",
    ),
    "tg_private_use_groups": (
        "私聊里只能使用 /help、/web（台账页面的链接）和 /signin 会议号 签到码，党委委员还可查看各支部台账（如 /report t2 季度）；其他命令请在支部、支委会或党小组的群里发送。",
        "A private chat takes /help, /web (a link to the ledger page) and /signin N <code>, and a Party committee"
        " member's reads of a branch (e.g. /report t2 quarter); send other commands in the branch, committee or"
        " group chat.",
    ),
    "tg_cmd_help": ("帮助与命令列表", "help and the list of commands"),
    "tg_cmd_meetings": ("近期会议", "upcoming meetings"),
    "tg_cmd_agenda": ("查看或添加会议议题", "show or add a meeting's agenda"),
    "tg_cmd_rsvp": ("回复会议通知：参加/请假/不参加", "answer a notice: attend/leave/decline"),
    "tg_cmd_signin": ("会议签到", "sign in to a meeting"),
    "tg_cmd_suggest": ("献策", "submit a suggestion"),
    "tg_cmd_decision": ("记录决议并生成任务（书记）", "record a decision as a task (secretary)"),
    "tg_cmd_tasks": ("任务列表", "list tasks"),
    "tg_cmd_claim": ("党小组认领任务", "claim a task for your group"),
    "tg_cmd_done": ("报告任务完成", "report a task done"),
    "tg_cmd_rate": ("评价已完成的任务", "rate a completed task"),
    "tg_cmd_points": ("我的积分", "my points"),
    "tg_cmd_join": ("申请加入名册", "ask to join the roster"),
    "tg_cmd_close": ("结束会议，生成决议清单（书记）", "close a meeting, draft its decisions (secretary)"),
    "tg_cmd_publish": ("公示决议清单（书记）", "publish a decision list (secretary)"),
    "tg_cmd_report": ("会议、出勤、任务报告（支委）", "meetings, attendance and tasks report (committee)"),
    "tg_cmd_minutes": ("会议纪要", "a meeting's minutes"),
    "tg_cmd_export": ("导出台账 Excel（书记）", "the ledger workbook (secretary)"),
    # --- replies
    "meetings_none": ("未来 {days} 天没有安排会议。", "No meetings are planned in the next {days} days."),
    "meetings_title": (
        "未来 {days} 天的会议（{unit_name}）：共 {total} 场，第 {page}/{pages} 页，最近的在前：",
        "Meetings in the next {days} days ({unit_name}): {total}; page {page} of {pages}, soonest first:",
    ),
    "meetings_next_page": ("下一页：/meetings {next}", "Next page: /meetings {next}"),
    "meeting_line": (
        "#{id} {when} {kind_name}{title_part}{flag_part}",
        "#{id} {when} {kind_name}{title_part}{flag_part}",
    ),
    "meeting_tally": (
        "   应到 {expected} 人：参加 {yes}，请假 {leave}{pending_part}，不参加 {no}，未回复 {unanswered}",
        "   expected {expected}: yes {yes}, leave {leave}{pending_part}, no {no}, no answer {unanswered}",
    ),
    "meeting_tally_pending": ("（另有 {pending} 人请假待批）", " (and {pending} waiting for approval)"),
    "rsvp_leave_pending": (
        "{name} 已提交请假申请（{leave_name}：{reason}），#{id} {kind_name}（{when}），待{approvers}批准；批准前仍按未请假计。",
        "{name} asked for leave ({leave_name}: {reason}) from #{id} {kind_name} ({when}); it waits for {approvers}"
        " to approve it and counts as not on leave until then.",
    ),
    "leave_decided_approved": (
        "已批准 {name} 的请假，#{id} {kind_name}（{when}），审批人：{by}。",
        "Approved {name}'s leave from #{id} {kind_name} ({when}); decided by {by}.",
    ),
    "leave_decided_refused": (
        "未批准 {name} 的请假，#{id} {kind_name}（{when}），审批人：{by}{reason_part}。未到会将记为缺席。",
        "Refused {name}'s leave from #{id} {kind_name} ({when}); decided by {by}{reason_part}. Not coming counts"
        " as absent.",
    ),
    "leave_reason_part": ("，理由：{reason}", "; reason: {reason}"),
    "post_leave_request": (
        "📝 请假待批：{name} 申请不参加 #{id} {kind_name}（{when}），{leave_name}：{reason}（{asked}提出）。\n"
        "请点“批准”或“不批准”，或发送 /请假 批准 {id} @{key}、/请假 不批准 {id} @{key} 理由。",
        "📝 Leave to approve: {name} asks to miss #{id} {kind_name} ({when}), {leave_name}: {reason} (asked {asked}).\n"
        "Press Approve or Refuse, or send /leave approve {id} @{key} or /leave refuse {id} @{key} <reason>.",
    ),
    "post_leave_approve_button": ("批准", "Approve"),
    "post_leave_refuse_button": ("不批准", "Refuse"),
    "post_leave_decided_approved": (
        "✅ {name}，您对 #{id} {kind_name}（{when}）的请假已由 {by} 批准（{at}）。",
        "✅ {name}, your leave from #{id} {kind_name} ({when}) was approved by {by} ({at}).",
    ),
    "post_leave_decided_refused": (
        "❌ {name}，您对 #{id} {kind_name}（{when}）的请假未获 {by} 批准（{at}）{reason_part}。请按时参会并签到，未到会将记为缺席。",
        "❌ {name}, your leave from #{id} {kind_name} ({when}) was refused by {by} ({at}){reason_part}. Please come"
        " and sign in; not coming counts as absent.",
    ),
    "post_signin_pending_leave": (
        "请假待批（批准前按未请假计）：{names}。审批：/请假 批准 {id} @党员 或 /请假 不批准 {id} @党员 理由",
        "Leave still waiting for approval (not on leave until approved): {names}. Decide: /leave approve {id}"
        " @member or /leave refuse {id} @member <reason>",
    ),
    "meeting_flag_holiday": ("（节假日，需调整）", " (on a holiday: needs moving)"),
    "meeting_cancelled_mark": ("（已取消）", " (cancelled)"),
    "meeting_created_online": (
        "（线上会议，用“签到”按钮签到）",
        " (online: signed in with the Sign in button)",
    ),
    "meeting_created": (
        "已安排 #{id} {kind_name}：{when}{title_part}。成员可回复：/rsvp {id} 参加 | 请假 原因 | 不参加",
        "Scheduled #{id} {kind_name}: {when}{title_part}. Members answer with /rsvp {id} yes | leave <reason> | no",
    ),
    "meeting_cancel_done": (
        "已取消 #{id} {kind_name}（{when}）。{reason_part}",
        "Cancelled #{id} {kind_name} ({when}).{reason_part}",
    ),
    "agenda_title": ("#{id} {kind_name}（{when}）议程：", "Agenda of #{id} {kind_name} ({when}):"),
    "agenda_fixed": ("  固定议题：{topic}", "  Fixed topic: {topic}"),
    "agenda_item": ("  {n}. {topic}（{by}）", "  {n}. {topic} ({by})"),
    "agenda_material": ("  📎 材料：{topic}", "  📎 Material: {topic}"),
    "agenda_more": (
        "  …另 {count} 项未列出：完整议程见网页台账，会后见 /minutes {id}",
        "  … {count} more not listed: the whole agenda is on the web ledger, and in /minutes {id} after the meeting",
    ),
    "agenda_empty": (
        "  （暂无动态议题，支委可用 /agenda {id} add 议题 添加）",
        "  (no dynamic topics yet: committee members add them with /agenda {id} add <topic>)",
    ),
    "agenda_empty_group": (
        "  （暂无本次议题，党小组长或支委可用 /agenda {id} add 议题 添加）",
        "  (no topics for this meeting yet: the group leader or a committee member adds them with"
        " /agenda {id} add <topic>)",
    ),
    "agenda_group_defaults": ("  {kind_name}常设议题：", "  Standing topics of a {kind_name}:"),
    "agenda_default_item": ("  · {topic}", "  · {topic}"),
    "rsvp_yes": (
        "{name} 将参加 #{id} {kind_name}（{when}）。",
        "{name} will attend #{id} {kind_name} ({when}).",
    ),
    "rsvp_leave": (
        "{name} 已请假（{leave_name}：{reason}），#{id} {kind_name}（{when}）。",
        "{name} is on leave ({leave_name}: {reason}) for #{id} {kind_name} ({when}).",
    ),
    "rsvp_unknown": (
        "{name} 撤回了对 #{id} {kind_name}（{when}）的回复，现为未回复。",
        "{name} withdrew the answer to #{id} {kind_name} ({when}); now unanswered.",
    ),
    "rsvp_no": (
        "{name} 不参加 #{id} {kind_name}（{when}），将记为缺席；如需请假请用 /rsvp {id} 请假 原因。",
        "{name} will not attend #{id} {kind_name} ({when}); this counts as absent unless you ask for leave: /rsvp {id} leave <reason>.",
    ),
    "quorum_warning": (
        "⚠ 目前确认参加的有表决权党员 {present} 人，未过半数（共 {voting} 人，至少需要 {needed} 人），会议不能表决。",
        "⚠ Only {present} voting members have said they will come; more than half of {voting} ({needed}) are needed for a vote.",
    ),
    "signin_done": (
        "{name} 已签到 #{id} {kind_name}。{points_part}",
        "{name} signed in to #{id} {kind_name}.{points_part}",
    ),
    "signin_again": ("{name} 已经签到过 #{id}，无需重复。", "{name} had already signed in to #{id}."),
    "points_part": ("积分 {delta:+d}。", " Points {delta:+d}."),
    "outline_done": (
        "已收到 {name} 为 #{id} {kind_name} 提交的发言提纲。",
        "Received {name}'s speaking outline for #{id} {kind_name}.",
    ),
    "suggestion_done": (
        "已记录献策 #{id}（{name}）{meeting_part}：{text}",
        "Recorded suggestion #{id} ({name}){meeting_part}: {text}",
    ),
    "suggestion_meeting_part": ("，属于 #{meeting} 号会议", ", at meeting #{meeting}"),
    "suggestion_adopted": (
        "献策 #{id}（{name}）已被采纳：{text}",
        "Suggestion #{id} ({name}) adopted: {text}",
    ),
    "decision_done": (
        "已记录决议 #{decision}{meeting_part}，并生成任务 #{task}：{title}\n  责任人：{owner}　牵头支委：{lead}　认领小组：{group}　截止：{due}",
        "Recorded decision #{decision}{meeting_part} and opened task #{task}: {title}\n  owner: {owner}; lead: {lead}; group: {group}; due: {due}",
    ),
    "decision_rejected": (
        "已记录决议 #{decision}{meeting_part}：{title}\n  {vote}，不生成任务。",
        "Recorded decision #{decision}{meeting_part}: {title}\n  {vote}; no task is opened.",
    ),
    "vote_text": (
        "表决：同意{approve} 反对{against} 弃权{abstain}（有表决权党员 {voting} 人，同意须超过半数即至少 {needed} 票）— {result}",
        "vote: {approve} for, {against} against, {abstain} abstaining ({voting} voting members; passing needs"
        " more than half, at least {needed}) - {result}",
    ),
    "vote_passed": ("通过", "passed"),
    "vote_failed": ("未通过", "not passed"),
    "vote_needs_congress": (
        "只有支部党员大会的决议才记录表决结果：本群此刻没有正在召开或 7 天内召开的党员大会。不带表决的决议请去掉“表决:…”。",
        "Only a branch congress's decision carries a vote, and this chat has no congress in session or in the"
        " last 7 days. Leave out vote:… for a decision without one.",
    ),
    "vote_exceeds_voters": (
        "表决票数合计 {cast} 票，超过了 #{meeting} 党员大会有表决权的党员人数（{voting} 人，预备党员没有表决权）。"
        "请核对后重写，例如 表决:同意{voting} 反对0 弃权0。",
        "The vote adds up to {cast}, more than the {voting} voting members of congress #{meeting} (probationary"
        " members have no vote). Check it and write e.g. vote:{voting}/0/0.",
    ),
    "decision_meeting_part": ("（#{meeting} {kind_name}）", " (#{meeting} {kind_name})"),
    "none": ("未指定", "none"),
    "tasks_none": ("没有符合条件的任务。", "No tasks match."),
    "tasks_title": (
        "任务（{scope_name}）：共 {total} 项{overdue_part}{finished_part}，第 {page}/{pages} 页，最紧急的在前：",
        "Tasks ({scope_name}): {total}{overdue_part}{finished_part}; page {page} of {pages}, most urgent first:",
    ),
    "tasks_overdue_part": ("，其中逾期 {count} 项", ", {count} overdue"),
    "tasks_finished_part": ("，已完成 {count} 项", ", {count} finished"),
    "tasks_next_page": ("下一页：/tasks {next}", "Next page: /tasks {next}"),
    "tasks_filters": (
        "筛选：/tasks 我的 | 逾期 | 小组 | 全部（含已完成）",
        "Filter: /tasks mine | overdue | group | all (finished too)",
    ),
    "makeup_workday_mark": ("（调休上班）", " (make-up workday)"),
    "page_out_of_range": (
        "没有第 {page} 页：这份列表只有 {pages} 页。",
        "There is no page {page}: the list ends at page {pages}.",
    ),
    "task_line": (
        "#{id} {title}｜责任人 {owner}｜牵头 {lead}{group_part}｜截止 {due}｜{status_name}{overdue_part}",
        "#{id} {title} | owner {owner} | lead {lead}{group_part} | due {due} | {status_name}{overdue_part}",
    ),
    "task_overdue_mark": ("（已逾期）", " (overdue)"),
    "task_claimed": (
        "任务 #{id} 已由{group_name}认领（{by}）：{title}",
        "Task #{id} claimed by {group_name} ({by}): {title}",
    ),
    "task_done": (
        "任务 #{id} 已完成：{title}（{owner}）{note_part}{points_part}\n请大家评价：/rate {id} 满意 | 基本满意 | 不满意",
        "Task #{id} is done: {title} ({owner}).{note_part}{points_part}\nPlease rate it: /rate {id} satisfied | basic | unsatisfied",
    ),
    "task_done_note": ("说明：{note}。", " Note: {note}."),
    "task_rated": (
        "感谢评价！任务 #{id} 目前：满意 {satisfied}，基本满意 {basic}，不满意 {unsatisfied}。",
        "Thank you! Task #{id} so far: satisfied {satisfied}, basically satisfied {basic}, unsatisfied {unsatisfied}.",
    ),
    "task_rating_replaced": (
        "（已替换你之前的评价：{previous}）",
        " (your earlier rating, {previous}, is replaced)",
    ),
    "task_rating_result": (
        "评价结果：{result}（按多数，持平为基本满意）。",
        " Result: {result} (the majority; a tie is basically satisfied).",
    ),
    "points_title": (
        "{name} {year}年{month}月积分：{month_total:+d}（{rank_text}），全年累计 {year_total:+d}",
        "{name}'s points for {year}-{month:02d}: {month_total:+d} ({rank_text}); year to date {year_total:+d}",
    ),
    "points_rank": ("本支部第 {rank}/{ranked} 名", "place {rank} of {ranked}"),
    "points_rank_tied": ("本支部并列第 {rank}/{ranked} 名", "joint place {rank} of {ranked}"),
    "points_unranked": ("本月尚无积分记录，不参与排名", "no entries this month, so no place"),
    "points_for_meeting": ("#{id} {kind_name}，{day}", "#{id} {kind_name}, {day}"),
    "points_for_task": ("任务 #{id}「{title}」{week_part}", "task #{id} \u201c{title}\u201d{week_part}"),
    "points_for_week": ("，逾期第 {week} 周", ", overdue week {week}"),
    "points_for_suggestion": ("献策 #{id}「{text}」", "suggestion #{id} \u201c{text}\u201d"),
    "points_for_entry": ("冲销第 #{id} 条", "cancels entry #{id}"),
    "points_for_day": ("{day}", "{day}"),
    "points_entry": (
        "  #{id} {date} {delta:+d} {reason_name}：{what}{note_part}",
        "  #{id} {date} {delta:+d} {reason_name}: {what}{note_part}",
    ),
    "points_entry_note": ("　{by}：{note}", "  {by}: {note}"),
    "points_reversed": (
        "已冲正积分记录 #{reverses}（{name} {original:+d}）：新增冲正记录 #{id}，{delta:+d}，原因：{note}（{by}）。",
        "Entry #{reverses} ({name} {original:+d}) is reversed by entry #{id}, {delta:+d}; reason: {note} ({by}).",
    ),
    "points_adjusted": (
        "已为 {name} 调整积分 {delta:+d}（记录 #{id}），原因：{note}（{by}）。",
        "{name}'s points adjusted by {delta:+d} (entry #{id}); reason: {note} ({by}).",
    ),
    "attendance_recorded": (
        "已记录 #{id} {kind_name}（{when}）考勤，记录人：{by}。\n{lines}\n应到 {expected} 人：出席 {present}，请假 {leave}，缺席 {absent}。",
        "Attendance of #{id} {kind_name} ({when}) recorded by {by}.\n{lines}\nExpected {expected}: present {present}, on leave {leave}, absent {absent}.",
    ),
    "attendance_line": ("  {name}：{mark_name}{reason_part}", "  {name}: {mark_name}{reason_part}"),
    "attendance_reason_part": ("（{reason}）", " ({reason})"),
    "attendance_points": ("积分：{changes}", "Points: {changes}"),
    "attendance_points_change": ("{name} {delta:+d}（#{id}）", "{name} {delta:+d} (#{id})"),
    "lesson_set": (
        "已登记 #{id} 党课（{when}）：主题：{topic}；主讲：{speaker}。会议通知、纪要和台账将显示。",
        "Party lesson #{id} ({when}): topic {topic}; speaker {speaker}. The notice, minutes and workbook"
        " show them.",
    ),
    "lesson_no_topic": ("（未定）", "(not yet set)"),
    "lesson_no_speaker": ("（未定）", "(not yet set)"),
    "not_a_lesson": (
        "#{meeting} 号会议不是党课；只有党课有主题和主讲人。",
        "Meeting #{meeting} is not a party lesson; only a lesson has a topic and a speaker.",
    ),
    "meeting_not_held_marked": (
        "#{id} {kind_name}（{when}）已标记为未召开，原因：{reason}（{by}）。报告中计为未召开，不扣缺席分。{points_part}",
        "#{id} {kind_name} ({when}) is marked as not held; reason: {reason} ({by}). Reports count it as not"
        " held; nobody is fined for it.{points_part}",
    ),
    "not_held_reversed": ("已冲正 {count} 条考勤积分。", " {count} attendance entries reversed."),
    "attendance_unrecorded": (
        "⚠️ #{id} {kind_name}（{when}）已结束，但无人签到、也未记录考勤：在记录之前，它不计为已召开，也不扣任何人的分。"
        "\n请{recorders}在 {until} 前记录：/考勤 {id} @党员 出席|请假 事由|缺席 …；会议未开则：/会议 未召开 {id} 原因",
        "⚠️ #{id} {kind_name} ({when}) has ended with no sign-in and nothing recorded: until it is recorded it"
        " does not count as held and nobody is fined.\n{recorders}, please record it by {until}:"
        " /attendance {id} @member present|leave <reason>|absent …; if it did not take place:"
        " /meeting notheld {id} <reason>",
    ),
    "points_none": ("  本月暂无积分记录。", "  No entries this month."),
    "join_requested": (
        "已收到入册申请 #{id}（{name}），请等待书记批准。",
        "Join request #{id} ({name}) received; a secretary will approve it.",
    ),
    "joins_none": ("没有待批准的入册申请。", "There are no pending join requests."),
    "joins_title": (
        "待批准的入册申请：共 {total} 份，第 {page}/{pages} 页，最早的在前：",
        "Pending join requests: {total}; page {page} of {pages}, longest waiting first:",
    ),
    "join_line": ("#{id} {name}（{platform} {user}，{when}）", "#{id} {name} ({platform} {user}, {when})"),
    "joins_next_page": ("下一页：/joins {next}", "Next page: /joins {next}"),
    "joins_approve_hint": (
        "批准：/approve 申请号 编号 [小组:小组名] [预备]，如 /approve {id} wangxm 小组:数学",
        "To approve: /approve <request> <key> [group:<group>] [probationary], e.g. /approve {id} wangxm group:math",
    ),
    "join_approved": (
        "{name} 已加入名册（{status_name}），编号 {key}{group_part}；自今日起计入应到。",
        "{name} is now on the roster as {key} ({status_name}){group_part}, expected at meetings from today.",
    ),
    "join_status_full": ("正式党员", "full member"),
    "join_status_probationary": ("预备党员，无表决权", "probationary, no vote"),
    "join_group_part": ("，所在小组：{group_name}", ", group: {group_name}"),
    "help": (
        "三会一课助手 — 可用命令：\n"
        "/meetings 近期会议\n"
        "/meeting new <类型> <日期> <时间> [标题] 安排会议（书记）；/meeting move <会议号> <日期> <时间> 改期；/meeting cancel <会议号> 取消\n"
        "/agenda <会议号> add <议题> 增加议题（支委）\n"
        "/rsvp <会议号> 参加 | 请假 [事假|病假|公假|其他] <原因> | 不参加\n"
        "/signin <会议号> 签到　/outline <会议号> <内容> 提交发言提纲（/发言提纲 亦可）\n"
        "/suggest <内容> 献策（/xiance 亦可）　/adopt <献策号> 采纳（书记）\n"
        "/decision <标题> @责任人 截止:<日期> [牵头:@支委] [小组:<小组>] 记录决议（书记；支委在支委群）\n"
        "/close <会议号> 结束会议、生成决议清单　/publish <会议号> 公示决议清单（书记）\n"
        "/tasks [我的|逾期|小组|全部] [页码] 任务　/claim <任务号> 认领（党小组长）\n"
        "/done <任务号> [说明] 报告完成　/rate <任务号> 满意|基本满意|不满意 评价\n"
        "/report [月|季度|年] 报告（支委）　/minutes <会议号> 会议纪要　/export [xlsx|csv|ics] 导出台账（书记）\n"
        "/attendance <会议号> @党员 出席|请假 事由|缺席 记录考勤（书记、纪检委员、党小组长）　/meeting notheld <会议号> <原因> 会议未召开\n"
        "/请假 批准|不批准 <会议号> @党员 [理由] 审批请假（书记、副书记；党小组长批本组会议）\n"
        "/points [月份] 积分　/points reverse <编号> <原因> 冲正、/points adjust @党员 ±N <原因> 调整（书记）\n"
        "/join <姓名> 申请入册　/help <命令> 查看某个命令的用法",
        "Party life assistant — commands:\n"
        "/meetings upcoming meetings\n"
        "/meeting new <kind> <date> <time> [title] (secretary); /meeting move <N> <date> <time>; /meeting cancel <N>\n"
        "/agenda <N> add <topic> (committee)\n"
        "/rsvp <N> yes | leave [personal|sick|official|other] <reason> | no\n"
        "/signin <N>   /outline <N> <text> hand in a speaking outline\n"
        "/suggest <text> (or /xiance)   /adopt <N> (secretary)\n"
        "/decision <title> @owner due:<date> [lead:@member] [group:<group>] (secretary; committee in the committee chat)\n"
        "/close <N> close a meeting, draft its decision list   /publish <N> publish it (secretary)\n"
        "/tasks [mine|overdue|group|all] [page]   /claim <N> (group leader)\n"
        "/done <N> [note]   /rate <N> satisfied|basic|unsatisfied\n"
        "/report [month|quarter|year] (committee)   /minutes <N>   /export [xlsx|csv|ics] (secretary)\n"
        "/attendance <N> @member present|leave <reason>|absent record attendance (secretary, discipline member,"
        " group leader)   /meeting notheld <N> <reason>\n"
        "/leave approve|refuse <N> @member [reason] decide on leave (secretary, deputy; group leader: own group)\n"
        "/points [month]   /points reverse <entry> <reason>, /points adjust @member ±N <reason> (secretary)\n"
        "/join <name>   /help <command> for one command's usage",
    ),
    # --- the month-end 积分公示栏 (render/summaries.py); short lines for a phone screen
    "summary_branch_title": (
        "📋 {unit_name} {year}年{month}月 积分公示栏",
        "📋 {unit_name} points board {year}-{month:02d}",
    ),
    "summary_committee_title": (
        "📋 {unit_name} {year}年{month}月 议事台账",
        "📋 {unit_name} ledger {year}-{month:02d}",
    ),
    "summary_ranking_title": ("🏅 积分排行（本月／年度累计）", "🏅 Points (month / year to date)"),
    "summary_rank_line": (
        "{tied_part}{rank}. {name} {month_total:+d}／{year_total:+d}",
        "{tied_part}{rank}. {name} {month_total:+d} / {year_total:+d}",
    ),
    "summary_rank_tied": ("并列", "="),
    "summary_unranked": (
        "  本月无积分记录、不排名：{count} 人",
        "  No entries this month, no place: {count}",
    ),
    "summary_ranking_empty": (
        "  本月尚无积分记录，{count} 名党员均不排名。",
        "  No entries this month yet; none of the {count} members is ranked.",
    ),
    "summary_ranking_none": ("  名册上暂无党员。", "  No members on the roster."),
    "summary_tasks_title": ("✅ 任务完成情况", "✅ Tasks"),
    "summary_task_line": (
        "{group_name}：完成 {done}，未完成 {open}，逾期 {overdue}",
        "{group_name}: done {done}, open {open}, overdue {overdue}",
    ),
    "summary_overdue_line": (
        "  ⚠ #{id} {title}（{owner}，截止 {due}）",
        "  ⚠ #{id} {title} ({owner}, due {due})",
    ),
    "summary_unassigned": ("未指定小组", "No group"),
    "summary_meetings_title": (
        "🗓 会议召开情况（本月 召开/应开；年度累计）",
        "🗓 Meetings (month held/planned; year to date)",
    ),
    "summary_meeting_line": (
        "{kind_name}{unit_part}：{held}/{required}{unrecorded_part}；年度 {held_ytd}/{required_ytd}",
        "{kind_name}{unit_part}: {held}/{required}{unrecorded_part}; year {held_ytd}/{required_ytd}",
    ),
    "summary_unrecorded_part": (
        "（{count} 场出席未记录）",
        " ({count} attendance not recorded)",
    ),
    "summary_gap_line": (
        "⚠ 本月未按计划召开{kind_name}：{unit_name}（{held}/{required}）",
        "⚠ {kind_name} short this month: {unit_name} ({held} of {required})",
    ),
    "summary_gaps_none": ("本月会议均按计划召开。", "Every planned meeting was held this month."),
    "summary_publication_title": ("📢 公示超期", "📢 Published late"),
    "summary_publication_late": (
        "  #{id} {kind_name}{unit_part} {held_on}：期限{deadline}，{published_on}才公示",
        "  #{id} {kind_name}{unit_part} {held_on}: due {deadline}, published {published_on}",
    ),
    "summary_publication_missing": (
        "  #{id} {kind_name}{unit_part} {held_on}：期限{deadline}，尚未公示",
        "  #{id} {kind_name}{unit_part} {held_on}: due {deadline}, not published",
    ),
    "summary_publication_unknown": (
        "  #{id} 公示期限无法计算：工作日历缺少该年份数据",
        "  #{id} deadline unknown: the working-day calendar lacks that year",
    ),
    "summary_publication_calendar_unknown": (
        "📢 公示：工作日历未知，无法判断是否超期。",
        "📢 Publication: the working-day calendar is unknown, so lateness cannot be judged.",
    ),
    "calendar_unknown": (
        "⚠ 工作日历未知（{years}年）：缺少法定节假日数据，会议计划和公示期限无法核对，以下统计不完整。",
        "⚠ Calendar unknown ({years}): no statutory holiday data, so the meeting plan and publication deadlines cannot be checked; the figures below are incomplete.",
    ),
    "summary_publication_none": ("📢 公示：无超期。", "📢 Publication: nothing late."),
    "summary_ledger_title": ("📒 支委会议事台账", "📒 Committee ledgers"),
    "summary_ledger_line": (
        "#{id} {held_on} 支委会：决议 {count} 项{warning_part}",
        "#{id} {held_on} committee: {count} decisions{warning_part}",
    ),
    "summary_ledger_warning": ("　⚠ 应为{minimum}—{maximum}项", " ⚠ {minimum}-{maximum} expected"),
    "summary_ledger_none": ("  本月未召开支委会。", "  No committee meeting this month."),
    "summary_committee_overdue_title": ("⏰ 决议任务月底逾期", "⏰ Decision tasks overdue at month end"),
    "summary_overdue_none": ("  无逾期任务。", "  No overdue tasks."),
    # --- the bot's own posts (notices, reminders, sign-in, task reminders)
    "post_late": ("【补发】", "[Late] "),
    # --- closing a meeting and publishing its 决议清单 (render/closing.py)
    "close_done": (
        "#{id} {kind_name}（{when}）已结束，决议清单共 {count} 项，已发到支委群。\n公示期限：{deadline}（会后2个工作日内），公示请发送 /publish {id}。",
        "#{id} {kind_name} ({when}) is closed; its decision list went to the committee chat (decisions on it: {count}).\nPublish by {deadline} (2 working days): /publish {id}.",
    ),
    "close_done_no_list": (
        "#{id} {kind_name}（{when}）已结束。本次会议没有决议，不需要决议清单，也不需要公示。",
        "#{id} {kind_name} ({when}) is closed. It holds no decisions, so it owes no decision list and nothing is published.",
    ),
    "nothing_to_publish": (
        "#{meeting} 没有决议（党课不作决议），没有决议清单可公示。",
        "#{meeting} holds no decisions (a party lesson takes none): there is no decision list to publish.",
    ),
    "post_close_button": ("结束会议", "Close"),
    "post_close_reminder": (
        "⏰ 提醒书记：#{id} {kind_name}（{when}）已记录 {count} 项决议，但会议还没有结束。请发送 /close {id} 生成决议清单；公示期限 {deadline}。",
        "⏰ Secretary: #{id} {kind_name} ({when}) holds decisions ({count}) but is not closed. Send /close {id} to draft its decision list; publish by {deadline}.",
    ),
    "publish_done": (
        "#{id} {kind_name}（{when}）的决议清单已公示{late_part}。",
        "The decision list of #{id} {kind_name} ({when}) is published{late_part}.",
    ),
    "publish_late_part": ("（已超过公示期限 {deadline}）", " (past the deadline {deadline})"),
    "deadline_unknown": ("未知（日历缺少该年数据）", "unknown (no calendar for that year)"),
    "post_decision_list": (
        "📜 决议清单（待公示）#{id} {kind_name}{unit_part}，{when}",
        "📜 Decision list (to be published) #{id} {kind_name}{unit_part}, {when}",
    ),
    "post_publication": (
        "📢 决议清单公示 #{id} {kind_name}{unit_part}，{when}",
        "📢 Decision list of #{id} {kind_name}{unit_part}, {when}",
    ),
    "post_decision_item": (
        "{n}. {title}\n   责任人 {owner}｜牵头 {lead}｜小组 {group}｜截止 {due}（任务 #{task}）",
        "{n}. {title}\n   owner {owner} | lead {lead} | group {group} | due {due} (task #{task})",
    ),
    "post_decision_rejected": ("{n}. {title}\n   {vote}", "{n}. {title}\n   {vote}"),
    "post_decision_none": ("（本次会议没有记录决议）", "(no decisions were recorded at this meeting)"),
    "post_decision_list_deadline": (
        "公示期限：{deadline}。书记发送 /publish {id} 公示。",
        "Publish by {deadline}: the secretary sends /publish {id}.",
    ),
    "post_publication_footer": (
        "请各党小组认领、责任人按期完成；/tasks 查看任务。",
        "Groups claim, owners deliver on time; see /tasks.",
    ),
    "post_publish_button": ("公示", "Publish"),
    "post_publish_reminder": (
        "⏰ 提醒书记：#{id} {kind_name}（{when}）的决议清单尚未公示，期限 {deadline}。请发送 /publish {id}。",
        "⏰ Secretary: the decision list of #{id} {kind_name} ({when}) is not published yet; due {deadline}. Send /publish {id}.",
    ),
    "post_ledger_check": (
        "📒 提醒书记：#{id} 支委会议事台账记了 {count} 项重点任务，按要求应为 {minimum}–{maximum} 项，请核对。",
        "📒 Secretary: the ledger of committee meeting #{id} should hold {minimum}-{maximum} key tasks; it holds {count}.",
    ),
    "post_notice": (
        "📢 会议通知 #{id}：{kind_name}{unit_part}\n时间：{when}{place_part}",
        "📢 Meeting notice #{id}: {kind_name}{unit_part}\nWhen: {when}{place_part}",
    ),
    "post_notice_place": ("\n地点：{place}", "\nWhere: {place}"),
    "post_notice_title": ("\n主题：{title}", "\nSubject: {title}"),
    "post_notice_speaker": ("主讲：{name}", "Speaker: {name}"),
    "post_notice_online": (
        "线上会议：开始后点“签到”按钮签到。",
        "An online meeting: sign in with the Sign in button.",
    ),
    "post_notice_agenda_fixed": (
        "议程（1+X）：\n  固定议题：{topic}",
        "Agenda (1+X):\n  Fixed topic: {topic}",
    ),
    "post_notice_agenda_title": ("议事清单：", "Agenda:"),
    "post_notice_lesson_title": ("党课内容：", "The lesson:"),
    "post_notice_group_title": ("本次议题：", "Topics:"),
    "post_notice_group_defaults": (
        "本组议题（{kind_name}常设；党小组长可用 /agenda {id} add 添加本次议题）：",
        "Topics (standing for a {kind_name}; the group leader adds this meeting's with /agenda {id} add):",
    ),
    "post_notice_agenda_item": ("  {n}. {topic}", "  {n}. {topic}"),
    "post_moved": (
        "📅 会议改期：#{id} {kind_name} 原定 {before}，改为 {when}。已回复的请按新时间重新确认。",
        "📅 Meeting moved: #{id} {kind_name} from {before} to {when}. Please confirm again for the new time.",
    ),
    "meeting_moved": (
        "#{id} {kind_name} 已改期：{before} → {when}。{notice_part}",
        "#{id} {kind_name} is moved: {before} → {when}. {notice_part}",
    ),
    "meeting_moved_notice": ("改期通知已发到本单位群。", "The unit's chat is told."),
    "meeting_moved_planned": ("会议通知将按新时间提前发出。", "Its notice goes out ahead of the new time."),
    "meeting_started_cannot_move": (
        "#{meeting} 号会议已经开始或结束，不能改期。",
        "Meeting #{meeting} has started or is over and cannot be moved.",
    ),
    "post_notice_material": ("📎 会前材料：{topic}", "📎 Read beforehand: {topic}"),
    "post_notice_outline": (
        "请各位党员会前撰写发言提纲，用 /outline {id} 提纲内容 提交；会上设党员献策环节（/suggest 建议）。",
        "Members, please prepare a speaking outline and hand it in with /outline {id} <text>; the meeting has a suggestions round (/suggest).",
    ),
    "post_notice_expected": ("应到 {count} 人：{names}", "Expected ({count}): {names}"),
    "post_notice_answer": (
        "请点按钮或回复 /rsvp {id} 参加 | 请假 原因 | 不参加",
        "Press a button or answer /rsvp {id} yes | leave <reason> | no",
    ),
    "post_reminder_day": ("⏰ 明天 {when} {kind_name} #{id}。", "⏰ Tomorrow {when}: {kind_name} #{id}."),
    "post_reminder_hour": (
        "⏰ 一小时后 {when} {kind_name} #{id}。",
        "⏰ In an hour ({when}): {kind_name} #{id}.",
    ),
    "post_reminder_unanswered": (
        "尚未回复：{names}（/rsvp {id} 参加 | 请假 原因 | 不参加）",
        "No answer yet: {names} (/rsvp {id} yes | leave <reason> | no)",
    ),
    "post_reminder_outlines": (
        "尚未提交发言提纲：{names}（/outline {id} 内容）",
        "No speaking outline yet: {names} (/outline {id} <text>)",
    ),
    "post_quorum_warning": (
        "⚠ 书记请注意：#{id} {kind_name}（{when}）目前确认参加的有表决权党员 {present} 人，共 {voting} 人，至少需要 {needed} 人才能表决。未回复：{unanswered}",
        "⚠ Secretary: for #{id} {kind_name} ({when}) only {present} of {voting} voting members have said they will come; {needed} are needed for a vote. No answer yet: {unanswered}",
    ),
    "post_signin_open": (
        "✅ #{id} {kind_name} 开始签到，请到会党员点“签到”或发送 /signin {id}；会上可用 /suggest 献策。",
        "✅ Sign-in for #{id} {kind_name} is open: press Sign in or send /signin {id}; suggestions with /suggest.",
    ),
    "post_signin_open_code": (
        "✅ #{id} {kind_name} 开始签到：请到会党员用手机扫描会场签到大屏上的二维码，或发送 /signin {id} 加大屏上的六位签到码"
        "（如 /signin {id} 482913）；会上可用 /suggest 献策。",
        "✅ Sign-in for #{id} {kind_name} is open: scan the QR code on the meeting room's sign-in screen, or send"
        " /signin {id} with the six digits it shows (e.g. /signin {id} 482913); suggestions with /suggest.",
    ),
    "post_signin_button": ("签到", "Sign in"),
    "post_signin_closed": (
        "📋 #{id} {kind_name} 签到结束。应到 {expected} 人，实到 {present} 人，请假 {leave} 人，缺席 {absent} 人。",
        "📋 Sign-in for #{id} {kind_name} is closed. Expected {expected}, present {present}, on leave {leave}, absent {absent}.",
    ),
    "post_signin_closed_leave": ("请假：{names}", "On leave: {names}"),
    "post_signin_closed_absent": ("缺席：{names}", "Absent: {names}"),
    "post_task_awaits_claim": (
        "任务须先由{group_name}认领（党小组长发送 /claim {id}），再报告完成。",
        "{group_name} must claim the task first (its group leader sends /claim {id}); then report it done.",
    ),
    "post_task_done_button": ("完成", "Done"),
    "post_task_due_soon": (
        "📌 {owner}：任务 #{id}「{title}」将于 {due} 到期（还有 3 天）。完成后请发送 /done {id} 说明。",
        "📌 {owner}: task #{id} \u201c{title}\u201d is due on {due} (in 3 days). When done, send /done {id} <note>.",
    ),
    "post_task_due_today": (
        "📌 {owner}：任务 #{id}「{title}」今天（{due}）到期。完成后请发送 /done {id} 说明。",
        "📌 {owner}: task #{id} \u201c{title}\u201d is due today ({due}). When done, send /done {id} <note>.",
    ),
    "post_task_overdue": (
        "❗ {owner}：任务 #{id}「{title}」已逾期 {week} 周（截止 {due}），积分 {delta:+d}。请尽快完成并发送 /done {id}。",
        "❗ {owner}: task #{id} \u201c{title}\u201d is overdue, week {week} (it was due {due}); points {delta:+d}. Please finish it and send /done {id}.",
    ),
    # --- /report, /minutes, /export (render/reports.py, render/minutes.py)
    "report_title": (
        "📊 {branch_name} {period_name} 组织生活报告（统计至 {cutoff}）",
        "📊 {branch_name} report for {period_name} (as of {cutoff})",
    ),
    "report_meetings_title": ("🗓 会议召开情况（召开/应开）", "🗓 Meetings (held/required)"),
    "report_meeting_line": (
        "{kind_name}{unit_part}：{held}/{required}",
        "{kind_name}{unit_part}: {held}/{required}",
    ),
    "report_gaps_title": ("⚠ 未按要求召开：", "⚠ Gaps:"),
    "report_gap_missing": (
        "{period_name} 未召开{kind_name}{unit_part}",
        "{period_name}: no {kind_name}{unit_part} held",
    ),
    "report_gap_short": (
        "{period_name} {kind_name}{unit_part} 召开{held}次，应开{required}次",
        "{period_name}: {kind_name}{unit_part} held {held} of {required}",
    ),
    "report_secretary_lessons": (
        "书记讲党课：{count} 次（每年至少 {minimum} 次）。",
        "Party lessons given by the secretary: {count} (at least {minimum} a year).",
    ),
    "report_secretary_lessons_none": (
        "⚠ 书记本年度尚未讲党课（每年至少 {minimum} 次）。",
        "⚠ The secretary has given no party lesson this year (at least {minimum} a year).",
    ),
    "report_gaps_none": ("会议均按要求召开。", "Every required meeting was held."),
    "report_attendance_title": (
        "👥 各次会议出勤（实到/应到）",
        "👥 Attendance per meeting (present/expected)",
    ),
    "report_attendance_line": (
        "#{id} {day} {kind_name}{unit_part}：{present}/{expected}（{rate}），请假 {leave}，缺席 {absent}",
        "#{id} {day} {kind_name}{unit_part}: {present}/{expected} ({rate}), leave {leave}, absent {absent}",
    ),
    "report_attendance_none": ("  本期没有已召开的会议。", "  No meeting was held in this period."),
    "report_attendance_unrecorded": (
        "{count} 次会议出勤未记录（启用本系统前召开，或已结束会议但无人签到、未补记考勤），不计入出勤率。",
        "Meetings held with attendance not recorded (before the bot kept records, or closed with nobody signed"
        " in and nothing recorded), not counted: {count}.",
    ),
    "report_members_title": ("👤 党员出勤率（出席/应出席）", "👤 Attendance per member (present/expected)"),
    "report_member_line": (
        "{name}：{present}/{expected}（{rate}），请假 {leave}，缺席 {absent}",
        "{name}: {present}/{expected} ({rate}), leave {leave}, absent {absent}",
    ),
    "report_tasks_title": ("✅ 任务（截至统计时）", "✅ Tasks (as of the report)"),
    "report_evaluation_title": (
        "🏅 年度评优（按年度积分排名；任务按责任人计）",
        "🏅 Annual evaluation (ranked on the year's points; tasks by owner)",
    ),
    "report_evaluation_line": (
        "{rank}. {name}：积分 {points}；出勤 {present}/{expected}（{rate}）；任务 按时 {on_time}、逾期完成 {late}、逾期未完成 {overdue}；献策 {suggestions}（采纳 {adopted}）；群众评价满意 {rated}",
        "{rank}. {name}: {points} points; attendance {present}/{expected} ({rate}); tasks on time {on_time},"
        " late {late}, overdue {overdue}; suggestions {suggestions} ({adopted} adopted); rated satisfied {rated}",
    ),
    "year_end_post": (
        "🏅 {branch_name}{year}年度评优\n积分前列：{leaders}\n全年出勤率 {rate}（{members} 名党员）；任务 按时完成 {on_time}、逾期完成 {late}、逾期未完成 {overdue}；献策被采纳 {adopted}\n每名党员的全年情况见附件 {filename} 的「年度评优」表。",
        "🏅 {branch_name}: the {year} annual evaluation\nMost points: {leaders}\nAttendance {rate} ({members} members);"
        " tasks on time {on_time}, late {late}, overdue {overdue}; suggestions adopted {adopted}\nEach member's"
        " year is in the 年度评优 sheet of the attached {filename}.",
    ),
    "year_end_leader": ("{name} {points} 分", "{name} {points}"),
    "year_end_no_points": ("暂无积分", "no points yet"),
    "school_evaluation_line": (
        "🏅 年度评优：{members} 名党员的全年情况见附件 {filename}（积分、出勤率、任务、献策、群众评价）。",
        "🏅 Annual evaluation: the year of {members} members is in the attached {filename} (points,"
        " attendance, tasks, suggestions, ratings).",
    ),
    "report_task_line": (
        "{group_name}：完成 {done}，未完成 {open}，逾期 {overdue}{overdue_part}",
        "{group_name}: done {done}, open {open}, overdue {overdue}{overdue_part}",
    ),
    "report_overdue_ids": ("（{ids}）", " ({ids})"),
    "report_quorum_title": ("🗳 支部党员大会法定人数", "🗳 Congress quorum"),
    "report_quorum_line": (
        "#{id} {day}：有表决权党员 {voting} 人，到会 {present} 人，须超过半数（至少 {needed} 人）：{verdict}",
        "#{id} {day}: {present} of {voting} voting members present, {needed} needed: {verdict}",
    ),
    "report_quorum_reached": ("达到", "reached"),
    "report_quorum_missed": ("未达到，不能表决", "not reached, no vote possible"),
    "report_quorum_unknown": (
        "#{id} {day}：出席情况未记录，无法核对法定人数。",
        "#{id} {day}: attendance not recorded, so its quorum cannot be checked.",
    ),
    "report_quorum_none": ("  本期未召开支部党员大会。", "  No branch congress was held in this period."),
    "report_rate_none": ("—", "—"),
    "report_file_note": (
        "📎 完整报告（每场会议、每名党员）太长，一条消息放不下，见附件 {filename}。",
        "📎 The full report (every meeting, every member) is too long for one message: see {filename}.",
    ),
    "report_summary_attendance": (
        "已召开 {meetings} 场，出席 {present}/{expected}（{rate}）；出席率最低：{lowest}",
        "{meetings} held, present {present} of {expected} ({rate}); lowest: {lowest}",
    ),
    "report_summary_members": (
        "{members} 名党员；出勤率最低：{lowest}",
        "{members} members; lowest attendance: {lowest}",
    ),
    "report_summary_meeting": ("#{id} {day} {kind_name}{unit_part}", "#{id} {day} {kind_name}{unit_part}"),
    "report_summary_more": ("  …另 {count} 项见附件", "  … {count} more in the file"),
    "report_summary_publication": (
        "📢 公示超期或未公示：{count} 次（见附件）",
        "📢 公示 late or missing: {count} (see the file)",
    ),
    "report_summary_quorum": (
        "🗳 支部党员大会 {count} 次：{missed} 次未达法定人数",
        "🗳 Branch congresses: {count}; quorum missed at {missed}",
    ),
    "report_period_month": ("{year}年{number}月", "{year}-{number:02d}"),
    "report_period_quarter": ("{year}年第{number_zh}季度", "{year} Q{number}"),
    "report_period_year": ("{year}年", "{year}"),
    "minutes_sent": (
        "📄 #{id} {kind_name}会议纪要见附件 {filename}。",
        "📄 The minutes of #{id} {kind_name} are attached: {filename}.",
    ),
    "minutes_title": ("{unit_name} {kind_name}会议纪要", "Minutes: {kind_name}, {unit_name}"),
    "minutes_field_meeting": ("会议编号：#{id}{title_part}", "Meeting: #{id}{title_part}"),
    "minutes_field_time": ("时间：{start} — {end}", "Time: {start} - {end}"),
    "minutes_field_place": ("地点：{place}", "Place: {place}"),
    "minutes_field_host": ("主持人：{name}", "Chair: {name}"),
    "minutes_field_recorder": ("记录人：{name}", "Recorder: {name}"),
    "minutes_field_speaker": ("主讲人：{name}", "Speaker: {name}"),
    "minutes_field_status": ("状态：{status}", "Status: {status}"),
    "minutes_blank": ("＿＿＿＿", "______"),
    "minutes_attendance_title": ("出席情况", "Attendance"),
    "minutes_attendance_counts": (
        "应到 {expected} 人，实到 {present} 人，请假 {leave} 人，缺席 {absent} 人。",
        "Expected {expected}, present {present}, on leave {leave}, absent {absent}.",
    ),
    "minutes_attendance_present": ("出席：{names}", "Present: {names}"),
    "minutes_attendance_leave": ("请假：{names}", "On leave: {names}"),
    "minutes_attendance_absent": ("缺席：{names}", "Absent: {names}"),
    "minutes_attendance_recorded_by": (
        "{recorder} 记录（/考勤）：{names}；其余为本人签到或请假",
        "Recorded by {recorder} (/attendance): {names}; the rest signed in or asked for leave themselves",
    ),
    "minutes_attendance_pending": (
        "会议尚未结束，出席情况待会后统计。",
        "The meeting has not ended; attendance is counted afterwards.",
    ),
    "minutes_attendance_unrecorded": (
        "出席情况未记录（会议在启用本系统前召开，或无人签到、也未补记考勤：/考勤 可补记）。",
        "Attendance was not recorded (the meeting was held before the bot kept records, or nobody signed"
        " in and nothing was recorded: /attendance records it).",
    ),
    "minutes_leave_entry": ("{name}（{leave_name}：{reason}）", "{name} ({leave_name}: {reason})"),
    "minutes_leave_approved_part": ("〔{by} {at} 批准〕", " [approved by {by}, {at}]"),
    "minutes_signed_in_code": ("凭签到码签到：{names}", "Signed in with the screen's code: {names}"),
    "minutes_signed_in_button": ("点签到按钮签到：{names}", "Signed in with the button: {names}"),
    "minutes_leave_refused": (
        "{name} 请假未获批准（{by}，{at}，理由：{reason}），计缺席",
        "{name}'s leave was refused ({by}, {at}; reason: {reason}): absent",
    ),
    "minutes_leave_pending": ("{name} 请假未经审批，计缺席", "{name}'s leave was never decided: absent"),
    "minutes_quorum": (
        "有表决权党员 {voting} 人，到会 {present} 人：{verdict}。",
        "{present} of {voting} voting members present: {verdict}.",
    ),
    "minutes_agenda_title": ("会议议程", "Agenda"),
    "minutes_agenda_fixed": ("固定议题：{topic}", "Fixed topic: {topic}"),
    "minutes_agenda_item": ("{topic}（{name}提出）", "{topic} (added by {name})"),
    "minutes_agenda_none": ("（未登记议题）", "(no topics recorded)"),
    "minutes_suggestions_title": ("党员献策", "Suggestions"),
    "minutes_suggestion": ("#{id} {name}：{text}{adopted_part}", "#{id} {name}: {text}{adopted_part}"),
    "minutes_suggestion_adopted": ("（已采纳）", " (adopted)"),
    "minutes_suggestions_none": ("（无）", "(none)"),
    "minutes_decisions_title": ("会议决议", "Decisions"),
    "minutes_decision": (
        "决议 #{decision}：{title} — 任务 #{task}，责任人 {owner}，牵头支委 {lead}，党小组 {group}，截止 {due}，状态 {status}",
        "Decision #{decision}: {title} - task #{task}, owner {owner}, lead {lead}, group {group}, due {due}, status {status}",
    ),
    "minutes_decision_rejected": (
        "决议 #{decision}：{title} — {vote}，不生成任务",
        "Decision #{decision}: {title} - {vote}; no task",
    ),
    "minutes_decision_vote_part": ("；{vote}", "; {vote}"),
    "minutes_decisions_none": ("（本次会议未形成决议）", "(no decisions)"),
    "minutes_publication": ("决议清单公示：{state}", "Decision list published: {state}"),
    "minutes_published_on": ("{day} 已公示", "on {day}"),
    "minutes_not_published": ("尚未公示", "not yet"),
    "minutes_signoff": (
        "主持人（签字）：＿＿＿＿＿＿　　记录人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日",
        "Chair (signature): ____________    Recorder (signature): ____________    Date: ____________",
    ),
    "report_chart_title": (
        "{unit_name} {year}年{month}月 积分公示栏",
        "{unit_name} points board {year}-{month:02d}",
    ),
    "report_chart_points": ("本月积分", "Points this month"),
    "report_chart_tasks": ("任务完成情况", "Tasks"),
    "report_chart_done": ("完成", "done"),
    "report_chart_open": ("未完成", "open"),
    "report_chart_overdue": ("逾期", "overdue"),
    "report_chart_empty": ("暂无数据", "nothing yet"),
    "report_chart_no_tasks": ("本月没有任务", "no tasks this month"),
    "export_sent": ("📦 {year}年台账见附件：{files}。", "📦 The {year} ledger is attached: {files}."),
    # --- the Matrix adapter (adapters/matrix/)
    "mx_unconfigured_room": (
        '本房间还没有写进机器人的配置，机器人先退出了。请书记把本房间的 ID 写进配置文件的 [chats]（matrix = "{room_id}"），然后重新邀请机器人。',
        "This room is not in the bot's configuration, so the bot is leaving. Ask the secretary to add this"
        ' room\'s id under [chats] in the config (matrix = "{room_id}"), then invite the bot again.',
    ),
    "mx_react_hint": ("用表情回应本消息：{choices}", "React to this message: {choices}"),
    "mx_command_hint": ("或发送命令：{commands}", "Or send: {commands}"),
    "mx_leave_prompt": (
        "{name}，请直接回复本条消息，写明请假类别和原因（如：病假 发烧）；也可以发送 {command} 病假 发烧。",
        "{name}, reply to this message with the kind of leave and the reason (e.g. sick fever), or send"
        " {command} sick fever.",
    ),
    "mx_edited_command": (
        "编辑过的消息不会当作命令执行，数据没有改变。如需办理，请重新发送一条命令。",
        "An edited message is not run as a command; nothing was changed. Send the command again as a new message.",
    ),
    # --- the web view (adapters/web/)
    "web_button": ("📋 台账", "📋 Ledger"),
    "web_off": (
        "台账网页没有开启（配置文件的 [web] 没有设置 public_url）。",
        "The ledger page is not switched on ([web] public_url is not set in the config).",
    ),
    "web_link": (
        "🔗 台账网页（仅限本人使用一次，{minutes} 分钟内有效）：{url}",
        "🔗 Your ledger page (for you only, usable once, valid for {minutes} minutes): {url}",
    ),
    "web_link_private_only": (
        "一次性网页链接只能在私聊里发放：请私聊我发送 /web，或点消息下方的“台账”按钮。",
        "One-time page links are given in a private chat only: send /web to me privately, or tap the"
        " 台账 button under a notice.",
    ),
    "web_widget_added": (
        "📋 已把台账加为本房间的小部件，在房间右侧的小部件里打开。",
        "📋 The ledger is now a widget of this room: open it from the room's widgets.",
    ),
    "web_widget_failed": (
        "没能把台账加为本房间的小部件（机器人需要修改房间状态的权限）。请私聊我发送 /web 获取链接。",
        "Could not add the ledger as a widget here (the bot needs the power to change room state). Send"
        " /web to me privately for a link.",
    ),
}

# Names of enum values and other words, by language.
WORDS: dict[str, tuple[str, str]] = {
    "kind.congress": ("支部党员大会", "branch congress"),
    "kind.committee": ("支部委员会", "committee meeting"),
    "kind.group": ("党小组会", "group meeting"),
    "kind.lesson": ("党课", "Party lesson"),
    "status.open": ("待认领", "open"),
    "status.open_ungrouped": ("待完成", "to do"),  # no group is to claim it: its owner completes it
    "status.claimed": ("已认领", "claimed"),
    "status.done": ("已完成", "done"),
    "status.rated": ("已评价", "rated"),
    "leave.personal": ("事假", "personal leave"),
    "leave.sick": ("病假", "sick leave"),
    "leave.official": ("公假", "official leave"),
    "leave.other": ("其他", "other"),
    "rating.satisfied": ("满意", "satisfied"),
    "rating.basically_satisfied": ("基本满意", "basically satisfied"),
    "rating.unsatisfied": ("不满意", "unsatisfied"),
    "role.secretary": ("书记", "secretary"),
    "role.deputy": ("副书记", "deputy secretary"),
    "role.committee": ("支委", "committee member"),
    "role.discipline": ("纪检委员", "discipline member"),
    "role.group_leader": ("党小组长", "group leader"),
    "people_none": ("书记", "the secretary"),
    "scope_word.all": ("全部", "all"),
    "scope_word.mine": ("我的", "mine"),
    "scope_word.overdue": ("逾期", "overdue"),
    "scope_word.group": ("小组", "group"),
    "scope.open": ("未完成", "unfinished"),
    "scope.all": ("全部，含已完成", "all, finished included"),
    "scope.mine": ("我的", "mine"),
    "scope.overdue": ("逾期", "overdue"),
    "scope.group": ("本小组", "my group"),
    "reason.signin": ("签到", "signed in"),
    "reason.leave": ("请假", "leave"),
    "reason.absent": ("缺席", "absent"),
    "reason.suggestion": ("献策", "suggestion"),
    "reason.suggestion_adopted": ("献策被采纳", "suggestion adopted"),
    "reason.task_done_on_time": ("按时完成任务", "task done on time"),
    "reason.task_done_late": ("逾期完成任务", "task done late"),
    "reason.task_overdue": ("任务逾期", "task overdue"),
    "reason.rated_satisfied": ("任务获评满意", "task rated satisfied"),
    "reason.reversal": ("冲销", "reversal"),
    "reason.adjustment": ("调整", "adjustment"),
    "mark.present": ("出席", "present"),
    "mark.leave": ("请假", "on leave"),
    "mark.absent": ("缺席", "absent"),
    "action.record_attendance": ("记录考勤", "recording attendance"),
    "action.approve_leave": ("审批请假", "deciding on leave"),
    "leave_state.auto": ("自动准假", "granted as asked"),
    "how.code": ("签到码签到", "signed in with the code"),
    "how.button": ("签到按钮签到", "signed in with the button"),
    "how.hand": ("手工记录", "recorded by hand"),
    "how.leave_auto": ("请假（无需审批）", "leave granted as asked"),
    "how.leave_approved": ("请假获批", "leave approved"),
    "leave_approvers.group": ("党小组长或书记、副书记", "the group leader, secretary or deputy"),
    "leave_approvers.branch": ("书记或副书记", "the secretary or deputy"),
    "leave_state.pending": ("待批", "pending"),
    "leave_state.approved": ("批准", "approved"),
    "leave_state.refused": ("不批准", "refused"),
    "action.signin_screen": ("打开签到大屏", "opening the sign-in screen"),
    "meeting_status.not_held": ("未召开", "not held"),
    "action.plan_meeting": ("安排或取消会议", "planning or cancelling meetings"),
    "action.plan_group_meeting": ("安排党小组会", "planning group meetings"),
    "action.add_agenda": ("增加议题", "adding agenda topics"),
    "action.adopt": ("采纳献策", "adopting suggestions"),
    "action.decide": ("记录决议", "recording decisions"),
    "action.claim": ("认领任务", "claiming tasks"),
    "action.approve_member": ("批准入册", "approving members"),
    "action.reverse_points": ("冲销积分", "reversing points"),
    "action.publish": ("结束会议、公示决议清单", "closing meetings and publishing decision lists"),
    "action.rsvp": ("回复参会", "answering RSVPs"),
    "action.sign_in": ("签到", "signing in"),
    "action.submit_outline": ("提交发言提纲", "handing in outlines"),
    "action.suggest": ("献策", "suggesting"),
    "action.complete": ("报告完成", "reporting tasks done"),
    "action.view": ("查看", "viewing"),
    "action.rate": ("评价", "rating"),
    "list_sep": ("、", ", "),
    "platform.telegram": ("Telegram", "Telegram"),
    "platform.matrix": ("Matrix", "Matrix"),
    "platform.console": ("控制台", "console"),
    "platform.web": ("网页", "web"),
    "task_group_sep": ("｜", " | "),  # before a task line's group column, left out when it has none
    "group_kind.subject": ("学科组党小组", "subject group"),
    "group_kind.grade": ("年级组党小组", "grade group"),
    "group_kind.service": ("行政服务党小组", "administration and services group"),
    "group_unclaimed": ("未指定", "none"),  # a task named for no group; 待认领 is its state, not a group
    "action.view_report": ("查看报告", "viewing reports"),
    "action.minutes": ("查看会议纪要", "viewing minutes"),
    "action.export": ("导出台账", "exporting the ledger"),
    "meeting_status.planned": ("计划中", "planned"),
    "meeting_status.in_session": ("进行中", "in session"),
    "meeting_status.held": ("已召开", "held"),
    "meeting_status.cancelled": ("已取消", "cancelled"),
    "meeting_status.closed": ("已结束", "closed"),
    "meeting_status.published": ("已公示", "published"),
}


def lang_index(language: str) -> int:
    return 1 if language == EN else 0


def task_status_key(status: str, claimable: bool) -> str:
    """The word key of a task's state: an open task no group is to claim is 待完成, not 待认领 (issue 14)."""
    return "status.open_ungrouped" if status == "open" and not claimable else f"status.{status}"


def word(key: str, language: str) -> str:
    """The word for an enum value or term, e.g. word("kind.congress", "zh-CN") == "支部党员大会"."""
    entry = WORDS.get(key)
    return entry[lang_index(language)] if entry else key.rpartition(".")[2]


def message(code: str, language: str, **params: Any) -> str:
    """The sentence for a message code with its parameters filled in."""
    entry = MESSAGES.get(code)
    if entry is None:
        return MESSAGES["unknown_error"][lang_index(language)].format(code=code)
    try:
        return entry[lang_index(language)].format(**params)
    except (KeyError, IndexError, ValueError):
        # A missing parameter must not turn a helpful refusal into a crash.
        return entry[lang_index(language)]


def join_words(items: list[str], language: str) -> str:
    return word("list_sep", language).join(items)
