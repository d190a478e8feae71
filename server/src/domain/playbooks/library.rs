//! The built-in playbooks, written from the seed's duties (follow up each
//! stage, find problems early, support and escalate): installed into a
//! workspace on request, then the workspace's own to change or switch off.

use shared::playbooks::{
    AssigneeRole, CreatePlaybookRequest, PlaybookConditions, PlaybookEmail, PlaybookStep,
    PlaybookTrigger,
};
use shared::tasks::{TaskPriority, TaskType};
use shared::{ErpModule, LifecycleStage};

/// One step: (zh, en) title, type, priority, day offset, assignee.
fn step(
    zh: &str,
    en: &str,
    task_type: TaskType,
    priority: TaskPriority,
    day_offset: i64,
    assignee: AssigneeRole,
) -> PlaybookStep {
    PlaybookStep {
        title_zh: zh.into(),
        title_en: en.into(),
        note_zh: String::new(),
        note_en: String::new(),
        task_type,
        priority,
        day_offset,
        assignee,
        module: None,
    }
}

fn playbook(
    name: &str,
    description: &str,
    trigger: PlaybookTrigger,
    threshold: Option<i64>,
    conditions: PlaybookConditions,
    steps: Vec<PlaybookStep>,
) -> CreatePlaybookRequest {
    CreatePlaybookRequest {
        name: name.into(),
        description: description.into(),
        trigger,
        threshold,
        conditions,
        steps,
        notify_owner: true,
        customer_email: None,
        cooldown_days: None,
        active: Some(true),
    }
}

/// `req` with a customer mail for the owner to review and send.
fn with_email(req: CreatePlaybookRequest, mail: PlaybookEmail) -> CreatePlaybookRequest {
    CreatePlaybookRequest {
        customer_email: Some(mail),
        ..req
    }
}

/// The library: (key, playbook).
pub fn library() -> Vec<(&'static str, CreatePlaybookRequest)> {
    use AssigneeRole::*;
    use TaskPriority::*;
    use TaskType::*;
    vec![
        (
            "onboarding_follow_up",
            playbook(
                "新客户上线跟进 / New customer go-live follow-up",
                "上线计划落后或停滞时，客户成功经理当天联系客户，三天内与实施工程师复盘。/ When the onboarding plan is behind or stuck: call the customer the same day, review with the engineer within three days.",
                PlaybookTrigger::OnboardingBehind,
                None,
                PlaybookConditions {
                    stage: Some(LifecycleStage::Onboarding),
                    ..Default::default()
                },
                vec![
                    step("电话了解上线卡在哪里", "Call to learn what holds up the go-live", Call, High, 0, AccountOwner),
                    step("与实施工程师复盘上线计划", "Review the onboarding plan with the engineer", Review, Normal, 3, AccountOwner),
                ],
            ),
        ),
        (
            "renewal_90",
            playbook(
                "续费前90天 / 90 days before renewal",
                "续约到期前 90 天仍未开始洽谈：回顾使用情况，准备续约方案。/ A renewal 90 days out and not yet started: review usage and prepare the offer.",
                PlaybookTrigger::RenewalDue,
                Some(90),
                PlaybookConditions::default(),
                vec![
                    step("回顾客户使用情况与健康度", "Review the account's usage and health", Review, Normal, 0, AccountOwner),
                    step("与客户约续约沟通会议", "Book a renewal meeting with the customer", Meeting, High, 7, AccountOwner),
                ],
            ),
        ),
        (
            "health_red",
            playbook(
                "健康度转红 / Health turned red",
                "健康度降为黄色或红色：当天电话联系，经理一周内复核。/ Health fell to yellow or red: call the same day; the manager reviews within a week.",
                PlaybookTrigger::HealthBandDrop,
                None,
                PlaybookConditions::default(),
                vec![
                    step("电话了解客户遇到的问题", "Call to learn what troubles the customer", Call, High, 0, AccountOwner),
                    step("复核风险客户的挽回计划", "Review the save plan of the account at risk", Review, Normal, 7, Manager),
                ],
            ),
        ),
        (
            "sla_escalation",
            with_email(
            playbook(
                "工单超时升级 / Ticket SLA escalation",
                "工单超出响应或解决时限：经理当天跟进，客户成功经理告知客户进展。/ A ticket missed its SLA: the manager follows up the same day, the CSM updates the customer.",
                PlaybookTrigger::SlaBreach,
                None,
                PlaybookConditions::default(),
                vec![step("跟进超时工单并协调资源", "Follow up the late ticket and find the people", Review, High, 0, Manager)],
            ),
            // The CSM tells the customer where the ticket stands: a draft
            // to review and send.
            PlaybookEmail {
                subject_zh: "关于贵司服务工单的处理进展".into(),
                subject_en: "Where your service ticket stands".into(),
                body_zh: "{{contact.name}}您好：\n\n贵司（{{account.name}}）的服务工单已超出约定的处理时限，对此我们深表歉意。我们已安排专人跟进，今天内会向您说明处理进展和预计完成时间。\n\n如有任何问题，请直接回复此邮件。\n\n{{agent.name}}".into(),
                body_en: "Dear {{contact.name}},\n\nA service ticket of {{account.name}} has gone past the time we agreed, and we are sorry for that. We have put someone on it and will tell you today where it stands and when it will be done.\n\nReply to this mail with any question.\n\n{{agent.name}}".into(),
            },
            ),
        ),
        (
            "month_end_close",
            playbook(
                "月末结账前支持 / Support before month-end close",
                "财务模块客户出现 P1 工单：财务模块负责人当天处理，客户成功经理次日回访，确保月末结账。/ A P1 ticket at a finance customer: the finance module owner acts the same day, the CSM calls the next day, so the month-end close goes through.",
                PlaybookTrigger::P1Ticket,
                None,
                PlaybookConditions {
                    modules: vec![ErpModule::Finance],
                    ..Default::default()
                },
                vec![
                    PlaybookStep {
                        module: Some(ErpModule::Finance),
                        ..step("处理影响结账的问题", "Fix what blocks the close", Onsite, High, 0, ModuleOwner)
                    },
                    step("回访确认月末结账顺利", "Call to confirm the month-end close went through", Call, Normal, 1, AccountOwner),
                ],
            ),
        ),
        (
            "long_silence",
            with_email(
            playbook(
                "长期未联系 / No contact for a long time",
                "45 天没有电话、会议或记录：安排一次联系。/ No call, meeting or note for 45 days: get in touch.",
                PlaybookTrigger::NoTouchpoint,
                Some(45),
                PlaybookConditions::default(),
                vec![step("联系客户了解近况", "Get in touch with the customer", Call, Normal, 0, AccountOwner)],
            ),
            PlaybookEmail {
                subject_zh: "近期系统使用情况回访".into(),
                subject_en: "How is the system working for you?".into(),
                body_zh: "{{contact.name}}您好：\n\n我是{{account.name}}的客户成功经理{{agent.name}}。好久没有联系了，想了解一下近期系统使用是否顺利，有没有需要我们协助的地方（如新员工培训、月末结账、版本升级）。\n\n方便的话请回复一个合适的时间，我给您打电话。\n\n{{agent.name}}".into(),
                body_en: "Dear {{contact.name}},\n\nI am {{agent.name}}, customer success manager of {{account.name}}. We have not spoken for a while: is the system working well for you, and is there anything we can help with (training new staff, the month-end close, an upgrade)?\n\nReply with a time that suits you and I will call.\n\n{{agent.name}}".into(),
            },
            ),
        ),
        (
            "training_gap",
            playbook(
                "培训覆盖不足 / Training gap",
                "客户购买的模块还没有举办过培训：安排关键用户培训。/ A module the customer bought has had no training: schedule one for its key users.",
                PlaybookTrigger::TrainingGap,
                None,
                PlaybookConditions::default(),
                vec![step("为未培训的模块安排关键用户培训", "Schedule key-user training for the untrained module", Meeting, Normal, 7, AccountOwner)],
            ),
        ),
    ]
}
