//! User-facing texts that the server sends: error messages, field errors,
//! health explanations and timeline details, each as a [`Msg`] — a stable
//! key from [`T`] plus named parameters — with its English and Chinese text.
//!
//! One table serves both sides: the server words its English `message`
//! from it (the API's language), and the SPA renders the key in the user's
//! language. Templates use `{name}` placeholders. Parameter values that are
//! wire words of a vocabulary (`bronze`, `on_track`, `finance`, …) are
//! translated when rendered in Chinese, see [`word`].
//!
//! Server code that still words a message itself is mapped back to its key
//! by [`Msg::parse_en`] at the one exit of errors (`AppError::body`), so an
//! English message whose template is in the table travels with its key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Locale;

macro_rules! texts {
    ($($name:ident = $key:literal { $en:literal, $zh:literal })+) => {
        /// The keys of the server's texts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum T {
            $($name),+
        }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$name),+];

            /// The wire name, e.g. `account.code_taken`.
            pub fn key(self) -> &'static str {
                match self {
                    $(T::$name => $key),+
                }
            }

            pub fn en(self) -> &'static str {
                match self {
                    $(T::$name => $en),+
                }
            }

            pub fn zh(self) -> &'static str {
                match self {
                    $(T::$name => $zh),+
                }
            }

            pub fn from_key(key: &str) -> Option<T> {
                match key {
                    $($key => Some(T::$name),)+
                    _ => None,
                }
            }
        }
    };
}

texts! {
    // Errors in general.
    SomeFieldsInvalid = "error.fields_invalid" { "some fields are invalid", "部分字段填写有误" }
    NotFound = "error.not_found" { "not found", "未找到" }
    Stale = "error.stale" { "the resource changed since you read it; reload it and try again", "内容已被他人修改，请重新加载后再试" }
    MailQuota = "error.mail_quota" { "this workspace may send {quota} e-mails a day; {left} are left today and this would send {adding}", "本工作区每天最多发送 {quota} 封邮件，今天还可发送 {left} 封，此操作需发送 {adding} 封" }
    RateLimited = "error.rate_limited" { "too many attempts; try again in {seconds} seconds", "尝试次数过多，请 {seconds} 秒后再试" }
    Internal = "error.internal" { "an internal error occurred; it has been logged", "服务器内部错误，已记录" }
    Duplicate = "error.duplicate" { "a record with these values already exists", "已存在相同的记录" }
    RoleForbids = "error.role_forbids" { "your role does not allow this", "您的角色无权执行此操作" }
    BodyTooLarge = "error.body_too_large" { "the request body is larger than {bytes} bytes", "请求内容超过 {bytes} 字节" }
    JsonContentType = "error.json_content_type" { "send the body as JSON with Content-Type: application/json", "请求内容必须是 JSON 格式" }
    JsonInvalid = "error.json_invalid" { "the JSON body is invalid: {detail}", "请求内容不是有效的 JSON" }
    BodyUnreadable = "error.body_unreadable" { "the request body could not be read: {detail}", "无法读取请求内容" }
    QueryInvalid = "error.query_invalid" { "invalid query parameters: {detail}", "查询参数无效" }
    UploadBroke = "error.upload_broke" { "the upload broke off: {detail}", "上传中断" }
    BadCursor = "error.bad_cursor" { "is not a cursor this API returned", "分页位置无效" }
    OutOfRange = "error.out_of_range" { "is out of range", "超出范围" }
    // Sign-in and sessions.
    ResetLinkInvalid = "auth.reset_link_invalid" { "this reset link is invalid, used or expired", "重置链接无效、已使用或已过期" }
    NotCurrentPassword = "auth.not_current_password" { "is not your current password", "当前密码不正确" }
    SamePassword = "auth.same_password" { "must differ from the current password", "新密码不能与当前密码相同" }
    TokenInvalid = "auth.token_invalid" { "the access token is invalid or expired", "登录凭证无效或已过期" }
    SignInFirst = "auth.sign_in_first" { "sign in first: send Authorization: Bearer <token>", "请先登录" }
    WrongCredentials = "auth.wrong_credentials" { "wrong e-mail or password", "电子邮件或密码错误" }
    SessionEnded = "auth.session_ended" { "your session has ended; sign in again", "会话已结束，请重新登录" }
    EmailInUse = "auth.email_in_use" { "this workspace already has a login with this e-mail address", "本工作区已有使用此电子邮件地址的登录账号" }
    VerifyLinkInvalid = "auth.verify_link_invalid" { "this confirmation link is invalid, used or expired", "此确认链接无效、已使用或已过期" }
    AddressUnconfirmed = "auth.address_unconfirmed" { "confirm the e-mail address this workspace was signed up with first: open the link we sent to it, or send a new one from the banner; until then the workspace sends no mail", "请先确认本工作区注册时使用的电子邮件地址：打开我们发送的链接，或在页面顶部的提示中重新发送；确认之前本工作区不会发送任何邮件" }
    AddressConfirmed = "auth.address_confirmed" { "this workspace's address is confirmed already", "本工作区的邮箱已经确认" }
    InvitationInvalid = "auth.invitation_invalid" { "this invitation link is invalid, used or expired", "此邀请链接无效、已使用或已过期" }
    StaffArea = "auth.staff_area" { "this area is for the vendor's staff; use the customer portal", "此区域仅供厂商员工使用，请使用客户门户" }
    PortalArea = "auth.portal_area" { "the portal is for customers' users", "客户门户仅供客户用户使用" }
    LoginNotLinked = "auth.login_not_linked" { "your login is not linked to an account", "您的登录账号未关联客户" }
    ApiKeyInvalid = "auth.api_key_invalid" { "send a valid, unrevoked API key in X-Api-Key", "请在 X-Api-Key 中提供有效且未吊销的 API 密钥" }
    // Shared validation rules.
    Required = "field.required" { "is required", "必填" }
    TooLong = "field.too_long" { "must be at most {max} characters", "最多 {max} 个字符" }
    EmailInvalid = "field.email" { "must be a valid e-mail address", "请输入有效的电子邮件地址" }
    PasswordTooShort = "field.password_too_short" { "must be at least {min} characters", "至少 {min} 个字符" }
    PasswordCommon = "field.password_common" { "is one of the most common passwords; choose another", "这是最常见的密码之一，请换一个" }
    CodeRule = "field.code_rule" { "does not match the workspace's coding rule: {rule}", "不符合本工作区的编码原则：{rule}" }
    BadPattern = "field.bad_pattern" { "is not a valid regular expression", "不是有效的正则表达式" }
    NoControlChars = "field.no_control_chars" { "must not contain control characters (line breaks, tabs)", "不能包含换行、制表符等控制字符" }
    Phone = "field.phone" { "may contain only digits, spaces and + - ( )", "只能包含数字、空格和 + - ( )" }
    WholeNumber = "field.whole_number" { "must be a whole number", "请输入整数" }
    Between = "field.between" { "must be between {min} and {max}", "必须在 {min} 到 {max} 之间" }
    BetweenMinutes = "field.between_minutes" { "must be between {min} and {max} minutes", "必须在 {min} 到 {max} 分钟之间" }
    BetweenBelowGreen = "field.between_below_green" { "must be between 0 and 100 and below green_min", "必须在 0 到 100 之间，且低于绿色阈值" }
    AtMostAmount = "field.at_most" { "must be at most {max}", "不得超过 {max}" }
    Amount = "field.amount" { "must be a non-negative decimal with at most two decimals, as a string (e.g. \"128000.00\")", "必须是最多两位小数的非负金额（例如 128000.00）" }
    Currency = "field.currency" { "must be three upper-case letters, e.g. CNY", "必须是三个大写字母，例如 CNY" }
    DateRange = "field.date_range" { "must be a date between 1970 and 2999", "必须是 1970 年到 2999 年之间的日期" }
    AfterStart = "field.after_start" { "must be after starts_on", "必须晚于开始日期" }
    NotBeforeStart = "field.not_before_start" { "must not be before starts_on", "不得早于开始日期" }
    NotBeforeFrom = "field.not_before_from" { "must not be before from", "不得早于起始日期" }
    NotInFuture = "field.not_in_future" { "must not be in the future", "不能是将来的时间" }
    InFuture = "field.in_future" { "is in the future", "不能是将来的时间" }
    TooLongAgo = "field.too_long_ago" { "is more than {days} days ago", "早于 {days} 天以前" }
    UnknownField = "field.unknown" { "is not a field of this request; check its spelling", "不是此请求的字段，请检查拼写" }
    OneOf = "field.one_of" { "must be one of {choices}", "必须是以下之一：{choices}" }
    UnknownValue = "field.unknown_value" { "unknown value '{value}'; expected one of: {choices}", "未知的值“{value}”，应为以下之一：{choices}" }
    ListedTwice = "field.listed_twice" { "is listed twice", "重复列出" }
    NamedTwice = "field.named_twice" { "is named more than once", "重复出现" }
    JsonOrCsv = "field.json_or_csv" { "must be json or csv", "必须是 json 或 csv" }
    PortalRole = "field.portal_role" { "must be customer or customer_admin", "必须是客户用户或客户管理员" }
    StaffRole = "field.staff_role" { "must be a staff role", "必须是员工角色" }
    ActiveStaff = "field.active_staff" { "must be an active staff member of this workspace", "必须是本工作区的在职员工" }
    ActiveOwner = "field.active_owner" { "must be an active CSM, manager or admin of this workspace", "必须是本工作区在职的客户成功经理、经理或管理员" }
    PortalUserOfAccount = "field.portal_user_of_account" { "must be a portal user of the ticket's account", "必须是该工单所属客户的门户用户" }
    OneToChars = "field.one_to_chars" { "must be 1 to {max} characters", "必须为 1 到 {max} 个字符" }
    AtMostWords = "field.at_most_words" { "may have at most {max} words", "最多 {max} 个词" }
    AtMostEntries = "field.at_most_entries" { "may have at most {max} entries", "最多 {max} 条" }
    IdsList = "field.ids_list" { "must be 1 to {max} comma-separated ids", "必须是 1 到 {max} 个以逗号分隔的编号" }
    PlanSort = "field.plan_sort" { "must be one of status, progress, -progress, go_live, name", "排序方式无效" }
    PeriodTooLong = "field.period_too_long" { "the period may span at most {days} days", "时间段最长 {days} 天" }
    TooManyAttendees = "field.too_many_attendees" { "at most {max} attendees", "最多 {max} 名参加者" }
    TooManySurveyContacts = "field.too_many_survey_contacts" { "at most {max} contacts per survey", "每次调查最多 {max} 位联系人" }
    TasksCount = "field.tasks_count" { "must have between 1 and {max} tasks", "必须有 1 到 {max} 个任务" }
    TaskTitle = "field.task_title" { "a task needs a title in Chinese or English", "任务需要中文或英文标题" }
    // Accounts, contacts, users.
    CodeTaken = "account.code_taken" { "another account already has this customer code", "已有其他客户使用此客户编码" }
    NoSuchAccount = "account.no_such" { "no such account", "客户不存在" }
    NoSuchAccountHere = "account.no_such_here" { "no such account in this workspace", "本工作区没有此客户" }
    AccountOrCode = "account.id_or_code" { "give account_id or account_code", "请提供客户或客户编码" }
    OtherAccount = "account.other_account" { "names another account than account_id", "指向了另一个客户" }
    ParentSelf = "account.parent_self" { "an account cannot be its own parent", "客户不能是自己的上级公司" }
    ParentCycle = "account.parent_cycle" { "{name} is already below this account in its group; a group cannot go round in a circle", "{name} 已是本客户的下级公司，集团关系不能形成循环" }
    GroupTooDeep = "account.group_too_deep" { "a group may have at most {max} levels", "集团最多 {max} 级" }
    GroupSettingRoles = "account.group_setting_roles" { "only a manager or an admin may change who sees the group's tickets", "只有经理或管理员可以修改集团工单的可见范围" }
    GroupTicketReadOnly = "portal.group_ticket_read_only" { "this ticket is of another company of your group: you may read it, and its own company's users reply", "此工单属于集团内的其他公司：您可以查看，回复请由该公司的用户进行" }
    OwnerOnly = "account.owner_only" { "only the account's owner, a manager or an admin may change it", "只有客户负责人、经理或管理员可以修改" }
    CommentsCap = "ticket.comments_cap" { "a ticket holds at most {max} comments; open a new ticket instead", "一个工单最多 {max} 条评论，请新建工单" }
    AttachmentsTicketCap = "attachment.ticket_cap" { "a ticket holds at most {files} files and {mib} MiB of attachments", "一个工单最多 {files} 个附件、共 {mib} MiB" }
    AttachmentsWorkspaceCap = "attachment.workspace_cap" { "the workspace's attachments are limited to {mib} MiB in all", "本工作区附件总量上限为 {mib} MiB" }
    MoneyForbidden = "contracts.money_forbidden" { "contract values are for admins, managers and CSMs", "合同金额仅管理员、经理和客户成功经理可见" }
    GoLiveOwnerOnly = "onboarding.go_live_owner_only" { "only the account's owner, a manager or an admin may declare go-live", "只有客户负责人、经理或管理员可以确认上线" }
    ContactArchived = "contact.archived" { "the contact is archived", "该联系人已归档" }
    ContactNeedsEmail = "contact.needs_email" { "the contact needs an e-mail address to sign in to the portal", "联系人需要电子邮件地址才能登录门户" }
    ContactMissing = "contact.missing" { "contact {id} does not exist", "联系人 {id} 不存在" }
    ContactNoEmail = "contact.no_email" { "contact {id} has no e-mail address", "联系人 {id} 没有电子邮件地址" }
    StaffNotPortal = "user.staff_not_portal" { "a staff user cannot become a portal user or the other way round", "员工账号与门户账号不能互相转换" }
    PortalRoleViaContact = "user.portal_role_via_contact" { "portal roles are given to contacts: use POST /api/v1/contacts/{id}/portal-access", "门户角色需通过联系人的门户权限授予" }
    NotYourself = "user.not_yourself" { "you cannot deactivate or demote yourself; ask another admin", "不能停用或降级自己，请联系其他管理员" }
    // Licences, agreements, onboarding.
    SerialTaken = "license.serial_taken" { "another licence of this workspace already has this dongle serial", "本工作区已有授权使用此加密锁序列号" }
    LicenseRegistered = "license.already_registered" { "this licence is already registered: an upgrade or an extension is a new registration of it (registrations)", "此授权已注册：升级或延期请对其重新注册" }
    LicenseSerialForLife = "license.serial_for_life" { "the dongle serial of a registered licence cannot change: the dongle is registered for life", "已注册授权的加密锁序列号不能更改：加密锁一经注册终身有效" }
    LicenseNotRegistered = "license.not_registered" { "register this licence first: only a registered licence is upgraded or extended", "请先注册此授权：只有已注册的授权才能升级或延期" }
    LicenseUpgradeNoChange = "license.upgrade_no_change" { "an upgrade changes the edition, the modules or the seats", "升级需要更改版本、模块或用户数" }
    LicenseExtensionLater = "license.extension_later" { "an extension needs an expiry date later than the current one", "延期需要晚于当前到期日的新到期日" }
    LicenseKindInitial = "license.kind_initial" { "the first registration is made by registering the licence; choose upgrade or extension", "首次注册请使用“注册”；此处请选择升级或延期" }
    LicenseKindSplit = "license.kind_split" { "a dongle split needs a manager's approval: request it with split", "拆分加密锁需经理审批：请提交拆分申请" }
    LicenseSplitSeats = "license.split_seats" { "must be between 1 and {max}, fewer than the licence's seats", "必须在 1 到 {max} 之间，少于该授权的用户数" }
    LicenseSplitModules = "license.split_modules" { "must be modules of this licence", "必须是该授权已有的模块" }
    LicenseSplitPending = "license.split_pending" { "this licence already has a split waiting for approval", "此授权已有待审批的拆分申请" }
    LicenseSplitSummary = "license.split_summary" { "Split dongle {serial}: move {seats} seats ({modules}) to new dongle {new_serial}. Reason: {reason}", "拆分加密锁 {serial}：将 {seats} 个用户（{modules}）移至新加密锁 {new_serial}。原因：{reason}" }
    LicenseSplitNote = "license.split_note" { "{seats} seats moved to dongle {new_serial}", "{seats} 个用户已移至加密锁 {new_serial}" }
    AgreementContractNotAccounts = "agreement.contract_not_accounts" { "must be one of this account's contracts", "必须是该客户的合同之一" }
    NeedsModule = "license.needs_module" { "must name at least one module", "至少选择一个模块" }
    WorkspaceLevels = "agreement.workspace_levels" { "must be one of the workspace's levels: {levels}", "必须是本工作区的服务级别之一：{levels}" }
    LevelTaken = "service_level.taken" { "the workspace already has a level of this name", "本工作区已有同名的服务级别" }
    LevelRename = "service_level.rename" { "a level's name cannot change; create a new level instead", "服务级别的名称不能修改，请新建一个级别" }
    LevelInUse = "service_level.in_use" { "agreements name this level; end or move them first", "有服务协议使用此级别，请先结束或更改这些协议" }
    NoSuchSlaPolicy = "service_level.no_such_policy" { "must be one of the SLA policy levels: {levels}", "必须是 SLA 策略中的级别之一：{levels}" }
    OutsideNoAgreement = "entitlement.no_agreement" { "{account} has no service agreement in force, so tickets cannot be opened here. Please contact {owner} ({email}) about your service agreement.", "{account} 目前没有生效的维护服务协议，因此无法在此提交工单。请联系 {owner}（{email}）办理服务协议。" }
    OutsideTicketsExcluded = "entitlement.tickets_excluded" { "The service level {level} of {account} does not include tickets. Please contact {owner} ({email}) to change your service level.", "{account} 的服务级别 {level} 不包含工单服务。请联系 {owner}（{email}）升级服务级别。" }
    OutsideChannelExcluded = "entitlement.channel_excluded" { "The service level {level} of {account} does not include tickets opened in the portal. Please contact {owner} ({email}).", "{account} 的服务级别 {level} 不包含通过门户提交工单。请联系 {owner}（{email}）。" }
    OutsideNoAgreementNoOwner = "entitlement.no_agreement_no_owner" { "{account} has no service agreement in force, so tickets cannot be opened here. Please contact your vendor about your service agreement.", "{account} 目前没有生效的维护服务协议，因此无法在此提交工单。请联系您的服务商办理服务协议。" }
    OutsideExcludedNoOwner = "entitlement.excluded_no_owner" { "The service level {level} of {account} does not include tickets opened in the portal. Please contact your vendor to change your service level.", "{account} 的服务级别 {level} 不包含通过门户提交工单。请联系您的服务商升级服务级别。" }
    PlanExists = "onboarding.plan_exists" { "this account already has an onboarding plan", "该客户已有实施计划" }
    PlanExistsMove = "onboarding.plan_exists_move" { "this account already has an onboarding plan; move its start date instead", "该客户已有实施计划，请调整其开始日期" }
    NoSuchTemplate = "onboarding.no_such_template" { "no such onboarding template", "实施模板不存在" }
    TemplateEmpty = "onboarding.template_empty" { "the template has no task for this account's modules", "该模板没有适用于此客户模块的任务" }
    BuiltInTemplate = "onboarding.built_in_template" { "the built-in template cannot be changed; copy it into a new template instead", "内置模板不能修改，请复制为新模板" }
    SkipReason = "onboarding.skip_reason" { "a skipped task needs a reason", "跳过任务需要说明原因" }
    TaskNeedsLicense = "onboarding.needs_license" { "the account has no registered licence yet: register its licence before completing this task", "该客户还没有已注册的授权：请先注册授权，再完成此任务" }
    TaskNeedsAgreement = "onboarding.needs_agreement" { "the account has no signed maintenance service agreement yet: record the agreement with its signed date before completing this task", "该客户还没有已签订的维护服务协议：请先登记协议及签订日期，再完成此任务" }
    // Trainings.
    TrainingCancelledNew = "training.cancelled_new" { "this training is cancelled; schedule a new one instead", "此培训已取消，请安排新的培训" }
    TrainingCancelledAttendance = "training.cancelled_attendance" { "this training is cancelled; there is no attendance to record", "此培训已取消，无需记录出勤" }
    AttendeeOfAccount = "training.attendee_of_account" { "every attendee must be a contact of the session's account", "参加者必须是该培训所属客户的联系人" }
    NeedsAttendee = "training.needs_attendee" { "must list at least one attendee", "至少列出一名参加者" }
    NotAttendee = "training.not_attendee" { "is not an attendee of this training", "不是此培训的参加者" }
    TrainingManagers = "training.managers" { "only the session's trainer, the account's owner, a manager or an admin may change this training", "只有培训讲师、客户负责人、经理或管理员可以修改此培训" }
    // Tickets.
    NoSuchTicket = "ticket.no_such" { "no such ticket", "工单不存在" }
    ClosedFinal = "ticket.closed_final" { "a closed ticket is final", "已关闭的工单不能再修改" }
    ClosedFinalNew = "ticket.closed_final_new" { "a closed ticket is final; open a new ticket instead", "已关闭的工单不能再修改，请新建工单" }
    AwaitsApproval = "ticket.awaits_approval" { "the ticket awaits approval; a manager approves or rejects it", "工单正在等待审核，由经理批准或驳回" }
    IsBlocked = "ticket.is_blocked" { "the ticket is blocked; it reopens when its blockers are resolved", "工单被阻塞，阻塞工单全部解决后会重新打开" }
    BlockedByBlocker = "ticket.blocked_by_blocker" { "a ticket becomes blocked by adding a blocker", "添加阻塞工单后，工单才会变为阻塞" }
    ApprovalOnly = "ticket.approval_only" { "only master-data changes await approval, from their creation", "只有主数据变更工单在创建时进入待审核" }
    Transition = "ticket.transition" { "a ticket cannot go from {from} to {to}", "工单不能从“{from}”变为“{to}”" }
    CannotEscalate = "ticket.cannot_escalate" { "a {status} ticket cannot be escalated", "“{status}”状态的工单不能升级" }
    CannotBlock = "ticket.cannot_block" { "a {status} ticket cannot be blocked", "“{status}”状态的工单不能被阻塞" }
    AtTier3 = "ticket.at_tier3" { "the ticket is already with the manager (tier 3)", "工单已在经理处（第三级）" }
    AllBlockersResolved = "ticket.all_blockers_resolved" { "every blocker is resolved", "阻塞工单已全部解决" }
    BlockSelf = "ticket.block_self" { "a ticket cannot block itself", "工单不能阻塞自己" }
    BlockCycle = "ticket.block_cycle" { "that ticket is (indirectly) waiting for this one: blocking would be a cycle", "该工单（间接）在等待本工单，不能形成循环阻塞" }
    BlockerResolved = "ticket.blocker_resolved" { "that ticket is already resolved", "该工单已解决" }
    TicketClosedNew = "ticket.closed_new" { "the ticket is closed; open a new ticket instead", "工单已关闭，请新建工单" }
    ResolvedLongAgo = "ticket.resolved_long_ago" { "the ticket was resolved more than 7 days ago; open a new ticket", "工单解决已超过 7 天，请新建工单" }
    NoLongerAwaits = "ticket.no_longer_awaits" { "the ticket no longer awaits approval", "工单已不在等待审核" }
    // Merging and linking tickets.
    MergeSelf = "ticket.merge_self" { "a ticket cannot be merged into itself", "工单不能合并到自身" }
    MergedAlready = "ticket.merged_already" { "this ticket was already merged into #{number}", "此工单已合并到 #{number}" }
    MergeTargetMerged = "ticket.merge_target_merged" { "ticket #{number} was itself merged into #{into}; merge into #{into} instead", "工单 #{number} 已合并到 #{into}，请改为合并到 #{into}" }
    MergeTargetClosed = "ticket.merge_target_closed" { "ticket #{number} is closed; merge into a ticket that is not closed", "工单 #{number} 已关闭，请合并到未关闭的工单" }
    MergeOtherAccount = "ticket.merge_other_account" { "ticket #{number} belongs to another account outside this one's group; only tickets of the same account or group are merged", "工单 #{number} 属于本集团以外的其他客户，只能合并同一客户或同一集团的工单" }
    MergeTooManyComments = "ticket.merge_too_many_comments" { "together the tickets hold {count} comments; a ticket holds at most {max}", "两个工单共有 {count} 条评论，一个工单最多 {max} 条" }
    ReasonMerged = "ticket.reason_merged" { "merged into another ticket", "已合并到其他工单" }
    MergedIntoNote = "ticket.merged_into_note" { "This ticket was merged into #{number}; the conversation continues there.", "本工单已合并到 #{number}，后续沟通请在该工单中进行。" }
    MergedHereNote = "ticket.merged_here_note" { "Ticket #{number} \"{subject}\" was merged into this one: {comments} comments and {attachments} attachments moved here.", "工单 #{number}「{subject}」已合并到本工单：{comments} 条评论和 {attachments} 个附件已移到这里。" }
    LinkSelf = "ticket.link_self" { "a ticket cannot be linked to itself", "工单不能关联自身" }
    LinkExists = "ticket.link_exists" { "ticket #{number} is linked to this one already ({kind}); remove that link first", "工单 #{number} 已与本工单关联（{kind}），请先移除该关联" }
    LinkOneParent = "ticket.link_one_parent" { "ticket #{number} already has a parent ticket (#{parent}); a ticket has at most one", "工单 #{number} 已有上级工单 #{parent}，一个工单只能有一个上级" }
    LinkCycle = "ticket.link_cycle" { "ticket #{number} is already below ticket #{child}: a ticket cannot become its own ancestor", "工单 #{number} 已在工单 #{child} 之下，工单不能成为自己的上级" }
    LinkMerged = "ticket.link_merged" { "ticket #{number} was merged into #{into}; link that one instead", "工单 #{number} 已合并到 #{into}，请关联该工单" }
    ResolveParentFirst = "ticket.resolve_parent_first" { "resolve this ticket first; its children are resolved after it", "请先解决本工单，再解决其下级工单" }
    ChildrenResolvedNote = "ticket.children_resolved_note" { "Resolved {count} child tickets with one reply: {numbers}", "已用同一条回复解决 {count} 个下级工单：{numbers}" }
    ChildrenSkippedNote = "ticket.children_skipped_note" { "Not resolved, their state does not allow it: {numbers}", "以下下级工单的状态不允许解决，未处理：{numbers}" }
    RatedOnceResolved = "ticket.rated_once_resolved" { "a ticket is rated once it is resolved", "工单解决后才能评价" }
    RatedAlready = "ticket.rated_already" { "this ticket has been rated already", "此工单已评价过" }
    RaiserRates = "ticket.raiser_rates" { "only the person who raised the ticket rates it", "只有提交工单的人可以评价" }
    SlaFirstResponseMissed = "ticket.sla_first_response_missed" { "SLA first response target missed", "首次响应时限已超时" }
    SlaResolutionMissed = "ticket.sla_resolution_missed" { "SLA resolution target missed", "解决时限已超时" }
    RatingRange = "ticket.rating_range" { "must be a whole number from 1 to 5", "必须是 1 到 5 的整数" }
    ArticleFromTicket = "ticket.article_status" { "only a resolved or closed ticket can become an article; this one is {status}", "只有已解决或已关闭的工单可以转为知识库文章，此工单为“{status}”" }
    ArticleDrafted = "ticket.article_drafted" { "article {id} was already drafted from this ticket", "已从此工单起草过文章 {id}" }
    // Macros.
    MacroPlaceholder = "macro.placeholder" { "unknown placeholder {placeholder}; use one of {allowed}", "未知的占位符 {placeholder}，可用的占位符：{allowed}" }
    MacroNeedsBody = "macro.needs_body" { "a macro needs a reply text in Chinese or English", "宏需要中文或英文的回复内容" }
    MacroSharedByManagers = "macro.shared_by_managers" { "only admins and managers make or change shared macros", "只有管理员和经理可以创建或修改共享宏" }
    MacroTierOnlyRises = "macro.tier_only_rises" { "a ticket's tier only rises, by escalation; this ticket is at tier {tier}", "工单级别只能通过升级提高，此工单已在第 {tier} 级" }
    // Success plans.
    PlanOneOwner = "success_plan.one_owner" { "give a staff owner or a contact owner, not both", "负责人只能是一位员工或一位联系人" }
    PlanEditors = "success_plan.editors" { "only the account's owner, a manager or an admin may change its success plans", "只有客户负责人、经理或管理员可以修改成功计划" }
    PlanMilestoneEditors = "success_plan.milestone_editors" { "only the milestone's owner, the account's owner, a manager or an admin may mark it", "只有里程碑负责人、客户负责人、经理或管理员可以标记它" }
    PlanAdminOnly = "success_plan.admin_only" { "success plans are shared with the customer's administrator", "成功计划仅向客户管理员共享" }
    PlanStaffMilestone = "success_plan.staff_milestone" { "this milestone is the vendor's to complete; only milestones a contact of your company owns can be marked here", "此里程碑由服务方负责完成；这里只能标记由贵公司联系人负责的里程碑" }
    PlanNoInternal = "success_plan.no_internal" { "customers cannot write internal comments", "客户不能发表内部备注" }
    PlanContactOfAccount = "field.contact_of_account" { "must be a contact of this account", "必须是该客户的联系人" }
    // Attachments.
    AttachmentTooLarge = "attachment.too_large" { "attachments are limited to {mib} MiB", "附件不能超过 {mib} MiB" }
    FileName = "attachment.file_name" { "give the file a name (?file_name=…)", "请为文件命名" }
    FileEmpty = "attachment.file_empty" { "the file is empty", "文件为空" }
    FileKinds = "attachment.file_kinds" { "only images (PNG, JPEG, GIF, WebP), PDF, Office documents, ZIP, text and CSV files are accepted", "只接受图片（PNG、JPEG、GIF、WebP）、PDF、Office 文档、ZIP、文本和 CSV 文件" }
    FileContent = "attachment.file_content" { "the file's content is not {kind}", "文件内容与类型 {kind} 不符" }
    // Approvals.
    MakerCannotDecide = "approval.maker_cannot_decide" { "the maker of a change cannot approve or reject it; another manager decides", "提交变更的人不能批准或驳回它，需由另一位经理审核" }
    MakerWithdraws = "approval.maker_withdraws" { "only the maker of a change may withdraw it", "只有提交变更的人可以撤回" }
    AlreadyDecided = "approval.already_decided" { "the approval was already {state}", "该审批已{state}" }
    SayWhyRejected = "approval.say_why_rejected" { "say why the change is rejected", "请说明驳回原因" }
    ValueAwaitsApproval = "approval.value_pending" { "a change of the annual value is already waiting for approval", "年度金额的变更已在等待审核" }
    // Contracts, renewals, reminders.
    RenewalAlready = "renewal.already" { "the renewal is already {stage}", "续约已是“{stage}”" }
    NextTermRange = "renewal.next_term_range" { "the next term is out of range", "下一期合同超出范围" }
    ChurnReasonOnly = "renewal.churn_reason_only" { "only a churned renewal has a churn reason", "只有流失的续约才有流失原因" }
    SayWhyChurned = "renewal.say_why_churned" { "say why the customer churned: one of {choices}", "请说明客户流失原因：{choices}" }
    ForecastTooLarge = "renewal.forecast_too_large" { "forecast plus upsell is too large; give the value", "预测金额加增购金额过大，请直接填写金额" }
    RenewThrough = "renewal.renew_through" { "renew through POST /api/v1/renewals/{id}/renew, which creates the next contract", "请通过“续约”操作生成下一期合同" }
    OffsetsDistinct = "reminder.offsets_distinct" { "offsets must be distinct", "提醒天数不能重复" }
    OffsetRange = "reminder.offset_range" { "each offset must be between 1 and {max} days", "每个提醒天数必须在 1 到 {max} 天之间" }
    OffsetsCount = "reminder.offsets_count" { "give between 1 and {max} offsets", "请提供 1 到 {max} 个提醒天数" }
    ReasonsDistinct = "reminder.reasons_distinct" { "reasons must be distinct", "原因不能重复" }
    ReasonLength = "reminder.reason_length" { "each reason must be 1 to {max} characters", "每个原因必须为 1 到 {max} 个字符" }
    ReasonsCount = "reminder.reasons_count" { "give between 1 and {max} reasons", "请提供 1 到 {max} 个原因" }
    HorizonTooShort = "reminder.horizon_too_short" { "must be at least the longest offset or escalation point ({days} days)", "不得少于最长的提醒或升级天数（{days} 天）" }
    // SLA and calendar.
    OneLevel = "sla.one_level" { "at least one level is needed", "至少需要一个服务级别" }
    DefaultLevel = "sla.default_level" { "must be one of the levels", "必须是已有的服务级别之一" }
    DuplicateTarget = "sla.duplicate_target" { "duplicate level and priority", "服务级别与优先级重复" }
    MissingTarget = "sla.missing_target" { "level {level} has no target for {priority}", "服务级别“{level}”缺少 {priority} 的目标" }
    PositiveMinutes = "sla.positive_minutes" { "targets must be positive minutes", "目标必须是正的分钟数" }
    FirstResponseFirst = "sla.first_response_first" { "first response must not be later than resolution", "首次响应时间不得晚于解决时间" }
    UnknownTimeZone = "calendar.unknown_time_zone" { "unknown time zone \"{zone}\"; use an IANA name such as Asia/Shanghai", "未知的时区“{zone}”，请填写时区名称，例如 Asia/Shanghai" }
    OneWeekday = "calendar.one_weekday" { "at least one weekday needs working hours", "至少一个工作日需要工作时间" }
    MakeUpHours = "calendar.make_up_hours" { "make-up working days need hours (Monday has none to copy)", "调休工作日需要工作时间（周一没有可复制的时间）" }
    AlsoHolidays = "calendar.also_holidays" { "also listed as holidays: {dates}", "同时被列为节假日：{dates}" }
    StartBeforeEnd = "calendar.start_before_end" { "{start}–{end}: the start must be before the end", "{start}–{end}：开始时间必须早于结束时间" }
    Overlaps = "calendar.overlaps" { "{start}–{end} overlaps {other_start}–{other_end}", "{start}–{end} 与 {other_start}–{other_end} 重叠" }
    NotTimeOfDay = "calendar.not_time_of_day" { "not a time of day", "不是有效的时间" }
    NoWorkingTime = "calendar.no_working_time" { "the calendar has no working time for that within {days} days", "{days} 天内的日历没有足够的工作时间" }
    // Health, API keys, surveys, reports.
    OneWeight = "health.one_weight" { "at least one component needs a weight above 0", "至少一个组成部分的权重需大于 0" }
    OverrideExpiry = "health.override_expiry" { "must be after today and within {days} days", "必须晚于今天且在 {days} 天以内" }
    SayWhyOverridden = "health.say_why_overridden" { "say why the score is overridden", "请说明调整分数的原因" }
    NameTheKey = "health.name_the_key" { "name the key (e.g. the ERP server it is for)", "请为密钥命名（例如所属的 ERP 服务器）" }
    UsageEventsCount = "health.usage_events_count" { "send between 1 and {max} events", "每次发送 1 到 {max} 个事件" }
    SurveyAnswered = "survey.answered" { "this survey has already been answered", "此调查已回答" }
    ChooseContact = "survey.choose_contact" { "choose at least one contact", "至少选择一位联系人" }
    CsmSurveysOwn = "survey.csm_own" { "a CSM surveys the contacts of the accounts they own", "客户成功经理只能调查自己负责客户的联系人" }
    // Health explanations.
    HealthNoSeats = "health.usage.no_seats" { "no licensed seats: usage is not scored", "没有授权用户数，不计使用情况" }
    HealthNoEvents = "health.usage.no_events" { "no usage events received yet: usage is not scored", "尚未收到使用事件，不计使用情况" }
    HealthUsage = "health.usage.active" { "{active} active users in 30 days on {seats} licensed seats ({percent} %; {full} % or more scores 100)", "30 天内 {active} 名活跃用户 / {seats} 个授权用户（{percent}%；达到 {full}% 即满分）" }
    HealthSupport = "health.support.load" { "{p1} open p1, {p2} open p2, {breaches} SLA breaches in 30 days: {points} load points", "未关闭 P1 {p1} 个、P2 {p2} 个，30 天内 SLA 超时 {breaches} 次：负荷 {points} 分" }
    HealthNoPlan = "health.onboarding.none" { "no onboarding plan", "没有实施计划" }
    HealthOnboarding = "health.onboarding.progress" { "onboarding {progress} % done, {status}", "实施已完成 {progress}%，{status}" }
    HealthTraining = "health.training.done" { "{trained} of {responsible} module contacts completed their training", "{responsible} 位模块负责人中 {trained} 位已完成培训" }
    HealthNoTrainingContacts = "health.training.none" { "no contact is responsible for a module: training is not scored", "没有负责模块的联系人，不计培训情况" }
    HealthCsat = "health.satisfaction.csat" { "CSAT {csat} / 5 in 90 days", "90 天内 CSAT {csat} / 5" }
    HealthNps = "health.satisfaction.nps" { "NPS {nps}", "NPS {nps}" }
    HealthCsatNps = "health.satisfaction.csat_nps" { "CSAT {csat} / 5 in 90 days, NPS {nps}", "90 天内 CSAT {csat} / 5，NPS {nps}" }
    HealthNoAnswers = "health.satisfaction.none" { "no CSAT or NPS answers", "没有 CSAT 或 NPS 答复" }
    HealthTouchpoint = "health.engagement.days" { "{days} days since the last touchpoint", "距上次接触 {days} 天" }
    HealthNoTouchpoint = "health.engagement.none" { "no touchpoint yet; the account is {days} days old", "尚无接触记录，客户已创建 {days} 天" }
    HealthNoContract = "health.renewal.no_contract" { "no contract", "没有合同" }
    HealthContractActive = "health.renewal.active" { "a contract is in force and no renewal is due yet", "合同有效，尚无到期续约" }
    HealthRenewalCommitted = "health.renewal.committed" { "renewal probability {probability} %, committed", "续约可能性 {probability}%，已确认" }
    HealthRenewalHalved = "health.renewal.halved" { "renewal probability {probability} %, still upcoming {days} days before the end: halved", "续约可能性 {probability}%，到期前 {days} 天仍未跟进：减半" }
    HealthRenewalDue = "health.renewal.due" { "renewal probability {probability} %, due in {days} days", "续约可能性 {probability}%，{days} 天后到期" }
    HealthChurned = "health.renewal.churned" { "the renewal churned", "续约已流失" }
    HealthLapsed = "health.renewal.lapsed" { "the contract ended without a renewal", "合同已到期且未续约" }
    // Tasks.
    TaskNotOpen = "task.not_open" { "this task is already {status}", "此任务已{status}" }
    TaskAssigneeStaff = "task.assignee_staff" { "the assignee must be an active staff member of this workspace", "负责人必须是本工作区的在职员工" }
    TaskLinkElsewhere = "task.link_elsewhere" { "the linked {kind} was not found on this account", "在此客户下找不到所关联的{kind}" }
    TaskNoDraft = "task.no_draft" { "this task has no drafted e-mail to send", "此任务没有待发送的邮件草稿" }
    TaskEmailContact = "task.email_contact" { "choose an active contact of this account with an e-mail address", "请选择此客户下有邮箱的有效联系人" }
    TaskReviewEmail = "task.review_email" { "Review and send the e-mail: {subject}", "审核并发送邮件：{subject}" }
    TaskSnoozePast = "task.snooze_past" { "snooze to a time later than now", "请推迟到晚于现在的时间" }
    TaskNotYours = "task.not_yours" { "only the assignee, the one who made it, an admin or a manager may change this task", "只有负责人、创建人、管理员或经理可以修改此任务" }
    DigestStaffOnly = "digest.staff_only" { "the daily digest is for staff", "每日摘要仅供员工使用" }
    // Playbooks.
    PlaybookSteps = "playbook.steps" { "a playbook has between 1 and {max} steps", "剧本需要 1 到 {max} 个步骤" }
    PlaybookModuleOwner = "playbook.module_owner" { "name the module whose owner gets this task", "请指定由哪个模块的负责人处理此任务" }
    PlaybookValueRange = "playbook.value_range" { "the highest annual value is below the lowest", "年度金额上限低于下限" }
    PlaybookRunEnded = "playbook.run_ended" { "this run has already ended", "此剧本执行已结束" }
    HealthNoSuccessPlan = "health.plan_progress.none" { "no active success plan with milestones", "没有含里程碑的进行中成功计划" }
    HealthPlanProgress = "health.plan_progress.done" { "{done} of {total} success-plan milestones done", "成功计划里程碑已完成 {done} / {total}" }
    // Timeline details.
    TimelineLicense = "timeline.license" { "{modules} · {seats} seats", "{modules} · {seats} 个用户" }
    TimelineLicenseEdition = "timeline.license_edition" { "{edition}: {modules} · {seats} seats", "{edition}：{modules} · {seats} 个用户" }
    TimelineAttendance = "timeline.attendance" { "{attended}/{total} attended, {completed}/{total} completed", "{attended}/{total} 人出席，{completed}/{total} 人完成" }
    TimelineTraining = "timeline.training" { "{module} · {topic}", "{module} · {topic}" }
    TimelineStage = "timeline.stage" { "{from} → {to}", "{from} → {to}" }
    TimelineTicket = "timeline.ticket" { "#{number} {subject}", "#{number} {subject}" }
    TimelineAgreement = "timeline.agreement" { "{level}, {starts_on} to {ends_on}", "{level}，{starts_on} 至 {ends_on}" }
    TimelineSurvey = "timeline.survey" { "NPS {score} · {survey}", "NPS {score} · {survey}" }
    TimelineHealthBand = "timeline.health_band" { "{from} → {to}, score {score}", "{from} → {to}，得分 {score}" }
    TimelineMailTo = "timeline.mail_to" { "to {to}", "发送至 {to}" }
    TimelineUnknownKind = "timeline.unknown_kind" { "'{kind}' is not a timeline kind", "“{kind}”不是动态类型" }
    // Integrations.
    RenewalDaysEvent = "integration.renewal_days_event" { "applies only to renewal.due_soon; choose that event", "仅适用于“续约即将到期”事件，请勾选该事件" }
    // Imports.
    ImportNoAccount = "import.no_account" { "no account of this workspace has this customer code", "本工作区没有此客户编码的客户" }
    ImportOwnerUnknown = "import.owner_unknown" { "is not the e-mail of an active CSM, manager or admin of this workspace", "不是本工作区在职的客户成功经理、经理或管理员的邮箱" }
    ImportNotDate = "import.not_date" { "must be a date such as 2026-12-31", "必须是日期，例如 2026-12-31" }
    ImportNotYesNo = "import.not_yes_no" { "must be yes or no", "必须是“是”或“否”" }
    ImportUnknownValue = "import.unknown_value" { "'{value}' is not one of: {expected}", "“{value}”不在可选值中：{expected}" }
    ImportMissingColumns = "import.missing_columns" { "the file lacks required columns: {columns}", "文件缺少必填列：{columns}" }
    ImportNoHeader = "import.no_header" { "no column of the first row is one this import knows; is it a {kind} file?", "第一行没有可识别的列名，请确认是否为正确的导入模板" }
    ImportSerialElsewhere = "import.serial_elsewhere" { "this dongle serial is registered to another account; a dongle stays with its account", "此加密锁序列号已属于其他客户，加密锁不能转移" }
    ImportTwiceInFile = "import.twice_in_file" { "appears earlier in this file (line {line})", "与本文件第 {line} 行重复" }
    ImportUnreadable = "import.unreadable" { "the file could not be read: {detail}", "无法读取文件：{detail}" }
    // E-mail in.
    ProcessedFolderIsSource = "mail_in.processed_folder_is_source" { "must differ from the folder mail is fetched from", "不能与收取邮件的文件夹相同" }
    // Service centres and certifications.
    CentreAdminOnly = "centre.admin_only" { "only an admin manages service centres", "只有管理员可以管理服务中心" }
    CentreInvitationInvalid = "centre.invitation_invalid" { "this invitation link is invalid, used, revoked or expired; ask the vendor for a new one", "此邀请链接无效、已使用、已撤销或已过期，请向厂商索取新链接" }
    CentreOwnWorkspace = "centre.own_workspace" { "a workspace cannot become its own service centre", "工作区不能成为自己的服务中心" }
    CentreAlreadyLinked = "centre.already_linked" { "this workspace is already an authorised centre of this vendor", "本工作区已是该厂商的授权服务中心" }
    CentreNotActive = "centre.not_active" { "the centre has not accepted its invitation, or its authorisation was revoked", "该服务中心尚未接受邀请，或授权已被撤销" }
    CentreAccountTaken = "centre.account_taken" { "this account is already assigned to a service centre; unassign it first", "该客户已分配给服务中心，请先取消分配" }
    CentreCodeTaken = "centre.code_taken" { "the centre already has an account with customer code {code}", "服务中心已有客户编码为 {code} 的客户" }
    CentreNotLinkedAccount = "centre.not_linked_account" { "this ticket's account is not one a vendor assigned to this workspace, so it cannot be escalated to a vendor", "此工单的客户不是厂商分配给本工作区的客户，无法升级到厂商" }
    CentreNeedsTierThree = "centre.needs_tier_three" { "escalate the ticket to tier 3 (the manager) first; only a tier-3 ticket goes to the vendor", "请先将工单升级到第三级（经理），只有第三级工单可以升级到厂商" }
    CentreAlreadyEscalated = "centre.already_escalated" { "this ticket is already linked to a vendor ticket", "此工单已关联厂商工单" }
    CentreAttachmentNotShareable = "centre.attachment_not_shareable" { "attachment {id} is not a public attachment of this ticket", "附件 {id} 不是此工单的公开附件" }
    CentreMirrorNote = "centre.mirror_note" { "Escalated by service centre {centre}: {reason}", "服务中心 {centre} 升级：{reason}" }
    NoCertifiedEngineer = "routing.no_certified_engineer" { "no active engineer is certified for the {module} module; certify one on the users page or turn off \"only certified engineers\"", "没有持有 {module} 模块有效认证的在职工程师；请在用户页面添加认证，或关闭“仅分配持证工程师”" }
    CertificationTaken = "certification.taken" { "this user already holds a certification for this module; delete it first", "该用户已有此模块的认证，请先删除" }
    CertificationStaffOnly = "certification.staff_only" { "certifications are for active staff members", "认证仅适用于在职员工" }
    // Time and person-day packages.
    TimeEntryOwnOnly = "time.own_only" { "only the person who logged this time, a manager or an admin may change it", "只有登记该工时的人员、经理或管理员可以修改" }
    TimeVisitOtherTicket = "time.visit_other_ticket" { "must be an on-site visit of this ticket", "必须是本工单的上门服务" }
    TimeDayFull = "time.day_full" { "would make more than 24 hours logged by you on {date}", "将使您在 {date} 登记的工时超过 24 小时" }
    NotBeforeValidFrom = "field.not_before_valid_from" { "must not be before valid_from", "不得早于生效日期" }
    PackageSpan = "time.package_span" { "a package may be valid for at most {days} days", "人天包有效期最长 {days} 天" }
    PackagesManagers = "time.packages_managers" { "only a manager or an admin may change person-day packages", "只有经理或管理员可以修改人天包" }
    TimeReportsRoles = "time.reports_roles" { "time reports are for admins, managers and CSMs", "工时报表仅管理员、经理和客户成功经理可见" }
    PositiveId = "field.positive_id" { "must be a positive id", "必须是正整数编号" }
    TimeGroup = "field.time_group" { "must be account, engineer or month", "必须是 account、engineer 或 month" }
    // Installed base and advisories.
    VersionNeedsDigit = "installed_base.version_digit" { "a version has a number in it, e.g. V15.1", "版本号应包含数字，例如 V15.1" }
    VersionByUpgrade = "installed_base.version_by_upgrade" { "the version changes by recording an upgrade", "版本只能通过登记升级来变更" }
    UpgradeNotLater = "installed_base.upgrade_not_later" { "an upgrade goes to a later version than {from}", "升级的目标版本必须高于 {from}" }
    LicenseOfOtherAccount = "installed_base.license_other_account" { "must be a licence of this account", "必须是本客户的授权" }
    NotAnEngineer = "installed_base.not_engineer" { "must be an active staff member of this workspace", "必须是本工作区在职的员工" }
    InstallationOfOtherAccount = "installed_base.installation_other_account" { "must be an installation of the ticket's account", "必须是该工单所属客户的安装" }
    InstallationHasTickets = "installed_base.has_tickets" { "tickets name this installation; it cannot be removed", "有工单引用此安装，不能删除" }
    AdvisoryRangeOrList = "advisory.range_or_list" { "give a version range or a list of versions, not both", "请填写版本范围或版本列表，不能同时填写" }
    AdvisoryNeedsVersions = "advisory.needs_versions" { "give a version range or a list of versions", "请填写版本范围或版本列表" }
    AdvisoryRangeBackwards = "advisory.range_backwards" { "must not be before the first version", "不能早于起始版本" }
    AdvisoryNeedsText = "advisory.needs_text" { "write a title and a text in Chinese or English", "请填写中文或英文的标题和正文" }
    TimelineAdvisory = "timeline.advisory" { "sent to {count} contacts: {to}", "已发送给 {count} 位联系人：{to}" }
    TimelineUpgrade = "timeline.upgrade" { "{site}: upgraded from {from} to {to}", "{site}：由 {from} 升级到 {to}" }
    // On-site visits (上门服务).
    VisitClashVisit = "visit.clash_visit" { "{engineer} already has on-site visit #{visit} at {account} at that time ({when})", "{engineer} 在该时段已有上门服务 #{visit}（{account}，{when}）" }
    VisitClashTraining = "visit.clash_training" { "{engineer} gives the training \"{topic}\" to {account} at that time ({when})", "{engineer} 在该时段有培训「{topic}」（{account}，{when}）" }
    VisitSource = "visit.source" { "request a visit from a ticket or from an onboarding task (one of them)", "请从工单或实施任务发起上门服务（二选一）" }
    VisitNotDispatchable = "visit.not_dispatchable" { "only a requested or dispatched visit can be dispatched", "只有待派工或已派工（未签到）的上门服务可以派工" }
    VisitNotCheckIn = "visit.not_check_in" { "only a dispatched visit can be checked in", "只有已派工的上门服务可以签到" }
    VisitNotCheckOut = "visit.not_check_out" { "check in before checking out", "请先签到再签退" }
    VisitNotReportable = "visit.not_reportable" { "write the report after checking out, before the customer signs it", "请在签退后、客户签字前填写服务报告" }
    VisitNotSignable = "visit.not_signable" { "only a written report that is not signed yet can be signed", "只有已填写且尚未签字的服务报告可以签字" }
    VisitNotCancellable = "visit.not_cancellable" { "a signed or cancelled visit cannot be cancelled", "已签字或已取消的上门服务不能取消" }
    VisitPdfUnavailable = "visit.pdf_unavailable" { "the signature is recorded, but the server cannot write the report as PDF now (no Chinese font); ask the administrator to install fonts-noto-cjk or set STEWARD_REPORT_FONT", "签字已保存，但服务器暂时无法生成 PDF 报告（缺少中文字体），请联系管理员安装 fonts-noto-cjk 或设置 STEWARD_REPORT_FONT" }
    VisitNotSigned = "visit.not_signed" { "the report is not signed yet", "服务报告尚未签字" }
    VisitEngineerOnly = "visit.engineer_only" { "only the engineer dispatched to this visit may do this", "只有派工的工程师可以执行此操作" }
    VisitDispatchers = "visit.dispatchers" { "only a manager, an admin or the account's CSM may dispatch or cancel visits", "只有经理、管理员或该客户的客户成功经理可以派工或取消上门服务" }
    VisitNotEngineer = "visit.not_engineer" { "must be an active engineer, CSM, manager or admin of this workspace", "必须是本工作区在职的工程师、客户成功经理、经理或管理员" }
    SignatureInvalid = "visit.signature_invalid" { "the signature must be a PNG picture drawn in the browser (data:image/png;base64,…)", "签名必须是在浏览器中手写的 PNG 图片" }
    SignatureTooLarge = "visit.signature_too_large" { "the signature is larger than {max} KB", "签名图片超过 {max} KB" }
    SignatureSide = "visit.signature_side" { "the signature picture is at most {max} pixels wide and high", "签名图片的宽和高不能超过 {max} 像素" }
    SignatureBlank = "visit.signature_blank" { "the signature is blank; draw it first", "签名为空，请先手写签名" }
    TimelineVisit = "timeline.visit" { "#{visit} {date} · {purpose}", "#{visit} {date} · {purpose}" }
}

/// A text with its parameters, as it travels on the wire:
/// `{"key": "account.code_taken", "params": {"max": "200"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Msg {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

/// The English text: server code passes a key where it used to pass a
/// sentence, and the key is recovered from the sentence at the API's edge.
impl From<Msg> for String {
    fn from(m: Msg) -> String {
        m.en()
    }
}

impl From<T> for String {
    fn from(t: T) -> String {
        t.en().to_string()
    }
}

impl From<T> for Msg {
    fn from(t: T) -> Self {
        Msg::new(t)
    }
}

impl Msg {
    pub fn new(t: T) -> Self {
        Msg {
            key: t.key().to_string(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a parameter.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    pub fn text(&self) -> Option<T> {
        T::from_key(&self.key)
    }

    /// The text in `lang` as a person reads it; `None` for a key this build
    /// does not know. A `rule` parameter (a customer coding rule, a regular
    /// expression) is described in words.
    pub fn render(&self, lang: Locale) -> Option<String> {
        let t = self.text()?;
        let mut params = self.params.clone();
        if let Some(rule) = params.get_mut("rule") {
            *rule = match lang {
                Locale::En => crate::code_rule::describe_en(rule),
                Locale::ZhCn => crate::code_rule::describe_zh(rule),
            };
        }
        Some(match lang {
            Locale::En => fill(t.en(), &params, str::to_string),
            Locale::ZhCn => fill(t.zh(), &params, zh_value),
        })
    }

    /// The English text as the API's `message` carries it: parameters as
    /// they are (a coding rule as its pattern), so the key and parameters
    /// can be read back from it.
    pub fn en(&self) -> String {
        match self.text() {
            Some(t) => fill(t.en(), &self.params, str::to_string),
            None => self.key.clone(),
        }
    }

    /// The parameters behind `message` if it was worded from `t`.
    pub fn parse_as(t: T, message: &str) -> Option<Msg> {
        Some(Msg {
            key: t.key().to_string(),
            params: match_template(t.en(), message)?,
        })
    }

    /// The key and parameters behind an English message worded from one of
    /// the templates; the template with the most fixed text wins.
    pub fn parse_en(message: &str) -> Option<Msg> {
        let mut best: Option<(usize, Msg)> = None;
        for t in T::ALL {
            let Some(params) = match_template(t.en(), message) else {
                continue;
            };
            let fixed = message.len() - params.values().map(String::len).sum::<usize>();
            if best.as_ref().is_none_or(|(f, _)| fixed > *f) {
                best = Some((
                    fixed,
                    Msg {
                        key: t.key().to_string(),
                        params,
                    },
                ));
            }
        }
        best.map(|(_, m)| m)
    }
}

enum Piece<'a> {
    Lit(&'a str),
    Var(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Lit(&rest[..open]));
        }
        out.push(Piece::Var(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    out
}

fn fill(
    template: &str,
    params: &BTreeMap<String, String>,
    value: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces(template) {
        match piece {
            Piece::Lit(s) => out.push_str(s),
            Piece::Var(name) => match params.get(name) {
                Some(v) => out.push_str(&value(v)),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// The parameters that make `template` read `message`, if it does.
fn match_template(template: &str, message: &str) -> Option<BTreeMap<String, String>> {
    let pieces = pieces(template);
    let mut params = BTreeMap::new();
    let mut pos = 0;
    let mut pending: Option<&str> = None;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Var(name) => pending = Some(name),
            Piece::Lit(lit) => {
                let rest = &message[pos..];
                let at = match pending {
                    None if rest.starts_with(lit) => 0,
                    None => return None,
                    // The last literal ends the message; others come first.
                    Some(_) if i + 1 == pieces.len() => {
                        rest.strip_suffix(lit)?;
                        rest.len() - lit.len()
                    }
                    Some(_) => rest.find(lit)?,
                };
                if let Some(name) = pending.take() {
                    if at == 0 {
                        return None;
                    }
                    params.insert(name.to_string(), rest[..at].to_string());
                }
                pos += at + lit.len();
            }
        }
    }
    if let Some(name) = pending {
        let rest = &message[pos..];
        if rest.is_empty() {
            return None;
        }
        params.insert(name.to_string(), rest.to_string());
        pos = message.len();
    }
    (pos == message.len()).then_some(params)
}

/// A parameter in Chinese: a known wire word, or a list of them, translated.
fn zh_value(value: &str) -> String {
    if let Some(w) = word(value, Locale::ZhCn) {
        return w.to_string();
    }
    let parts: Vec<&str> = value.split(", ").collect();
    if parts.len() > 1 {
        let words: Option<Vec<&str>> = parts.iter().map(|p| word(p, Locale::ZhCn)).collect();
        if let Some(words) = words {
            return words.join("、");
        }
    }
    value.to_string()
}

/// The wire words the server puts into texts and lists, by language: ERP
/// modules, statuses, stages, service levels, churn reasons, roles.
/// `None` for a word of the workspace's own (a renamed level, a custom
/// churn reason), which is shown as typed.
pub fn word(value: &str, lang: Locale) -> Option<&'static str> {
    let (zh, en) = match value {
        // ERP modules
        "system" => ("系统设置", "System settings"),
        "sales" => ("销售", "Sales"),
        "purchasing" => ("采购", "Purchasing"),
        "inventory" => ("仓存", "Inventory"),
        "production" => ("车间生产", "Shop-floor production"),
        "planning" => ("计划", "Planning"),
        "finance" => ("财务", "Finance"),
        // ticket statuses and priorities
        "new" => ("新建", "new"),
        "open" => ("处理中", "open"),
        "pending_customer" => ("待客户回复", "pending customer"),
        "awaiting_approval" => ("待审批", "awaiting approval"),
        "blocked" => ("被阻塞", "blocked"),
        "resolved" => ("已解决", "resolved"),
        "closed" => ("已关闭", "closed"),
        // approvals
        "pending" => ("待审核", "pending"),
        "approved" => ("批准", "approved"),
        "rejected" => ("驳回", "rejected"),
        "withdrawn" => ("撤回", "withdrawn"),
        // onboarding plans and tasks
        "on_track" => ("进展正常", "on track"),
        "behind" => ("进度落后", "behind"),
        "stuck" => ("停滞", "stuck"),
        // renewals and lifecycle
        "upcoming" => ("即将到期", "upcoming"),
        "in_negotiation" => ("洽谈中", "in negotiation"),
        "committed" => ("已确认", "committed"),
        "renewed" => ("已续约", "renewed"),
        "churned" => ("已流失", "churned"),
        "onboarding" => ("实施", "onboarding"),
        "adoption" => ("应用", "adoption"),
        "renewal" => ("续约", "renewal"),
        // health bands
        "green" => ("绿色", "green"),
        "yellow" => ("黄色", "yellow"),
        "red" => ("红色", "red"),
        // service levels
        "gold" => ("金牌", "Gold"),
        "silver" => ("银牌", "Silver"),
        "bronze" => ("铜牌", "Bronze"),
        // churn reasons
        "price" => ("价格", "Price"),
        "budget" => ("预算", "Budget"),
        "competitor" => ("竞争对手", "Competitor"),
        "product_fit" => ("产品不匹配", "Product fit"),
        "poor_adoption" => ("使用率低", "Poor adoption"),
        "business_closed" => ("客户停业", "Business closed"),
        "other" => ("其他", "Other"),
        // ticket links
        "related" => ("相关", "related"),
        "parent" => ("上级", "parent"),
        "child" => ("下级", "child"),
        // tasks
        "done" => ("完成", "done"),
        "skipped" => ("跳过", "skipped"),
        "ticket" => ("工单", "ticket"),
        "onboarding_plan" => ("上线计划", "onboarding plan"),
        "success_plan" => ("成功计划", "success plan"),
        // roles
        "customer" => ("客户用户", "customer"),
        "customer_admin" => ("客户管理员", "customer admin"),
        _ => return None,
    };
    Some(match lang {
        Locale::ZhCn => zh,
        Locale::En => en,
    })
}

/// A wire word for display: its translation, or the word as typed.
pub fn word_or_self(value: &str, lang: Locale) -> String {
    word(value, lang).map_or_else(|| value.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dongle_split_summary_reads_back_in_chinese() {
        let en = Msg::new(T::LicenseSplitSummary)
            .with("serial", "KD-OLD")
            .with("seats", 10)
            .with("modules", "finance, production")
            .with("new_serial", "KD-NEW")
            .with("reason", "生产车间单独使用一把锁. 急")
            .en();
        let back = Msg::parse_en(&en).expect("the summary is a template");
        assert_eq!(back.key, T::LicenseSplitSummary.key());
        let zh = back.render(Locale::ZhCn).unwrap();
        assert!(zh.starts_with("拆分加密锁 KD-OLD：将 10 个用户"), "{zh}");
        assert!(zh.contains("生产车间单独使用一把锁. 急"), "{zh}");
    }

    fn names(template: &str) -> Vec<&str> {
        let mut v: Vec<&str> = pieces(template)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Var(n) => Some(n),
                Piece::Lit(_) => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn every_text_has_both_languages_and_the_same_placeholders() {
        let mut keys = std::collections::BTreeSet::new();
        for t in T::ALL {
            assert!(keys.insert(t.key()), "{} twice", t.key());
            assert_eq!(T::from_key(t.key()), Some(*t));
            assert!(!t.zh().trim().is_empty() && !t.en().trim().is_empty());
            // The Chinese text may leave out a detail, never add one.
            for name in names(t.zh()) {
                assert!(names(t.en()).contains(&name), "{t:?}: {name}");
            }
            // Two placeholders side by side could not be told apart.
            let p = pieces(t.en());
            for pair in p.windows(2) {
                assert!(
                    !matches!(pair, [Piece::Var(_), Piece::Var(_)]),
                    "{t:?} has adjacent placeholders"
                );
            }
        }
    }

    #[test]
    fn english_messages_map_back_to_their_key_and_params() {
        for t in T::ALL {
            let mut msg = Msg::new(*t);
            for (i, name) in names(t.en()).into_iter().enumerate() {
                msg = msg.with(name, format!("v{i}"));
            }
            let en = msg.en();
            assert_eq!(
                Msg::parse_en(&en).map(|m| m.en()),
                Some(en.clone()),
                "{t:?}"
            );
        }
        let m = Msg::parse_en("must be at most 200 characters").unwrap();
        assert_eq!(m.key, "field.too_long");
        assert_eq!(m.params["max"], "200");
        assert_eq!(m.render(Locale::ZhCn).unwrap(), "最多 200 个字符");
        assert_eq!(Msg::parse_en("something the table does not know"), None);
    }

    #[test]
    fn wire_words_in_params_are_translated_in_chinese() {
        let m = Msg::new(T::HealthOnboarding)
            .with("progress", 0)
            .with("status", "on_track");
        assert_eq!(m.en(), "onboarding 0 % done, on_track");
        assert_eq!(m.render(Locale::ZhCn).unwrap(), "实施已完成 0%，进展正常");
        let m = Msg::new(T::TimelineLicense)
            .with("modules", "sales, purchasing, finance")
            .with("seats", 20);
        assert_eq!(
            m.render(Locale::ZhCn).unwrap(),
            "销售、采购、财务 · 20 个用户"
        );
        assert_eq!(m.en(), "sales, purchasing, finance · 20 seats");
        assert_eq!(word_or_self("bronze", Locale::ZhCn), "铜牌");
        assert_eq!(word_or_self("platinum", Locale::ZhCn), "platinum");
    }

    fn has_cjk(s: &str) -> bool {
        s.chars()
            .any(|c| matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}'))
    }

    #[test]
    fn english_texts_have_no_chinese() {
        for t in T::ALL {
            assert!(!has_cjk(t.en()), "{t:?}: {}", t.en());
        }
        let words = [
            "system",
            "sales",
            "finance",
            "open",
            "pending_customer",
            "withdrawn",
            "on_track",
            "in_negotiation",
            "bronze",
            "product_fit",
            "customer_admin",
        ];
        for w in words {
            let en = word(w, Locale::En).unwrap();
            assert!(!has_cjk(en), "{w}: {en}");
            assert!(has_cjk(word(w, Locale::ZhCn).unwrap()), "{w}");
        }
    }

    #[test]
    fn an_unknown_key_renders_nothing() {
        let m = Msg {
            key: "from.a.newer.server".into(),
            params: BTreeMap::new(),
        };
        assert_eq!(m.render(Locale::ZhCn), None);
    }
}
