//! The months between: key-user trainings with attendance and scores, the
//! CSMs' notes, calls and meetings (how often, and how long ago the last
//! one, follows the account's mood), and two NPS campaigns whose answers
//! move with the mood too. Trainings and touchpoints go through the domain
//! at their own times; survey answers are stored as the portal stores them.

use std::collections::BTreeMap;

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use shared::timeline::{ActivityKind, CreateActivityRequest};
use shared::training::{AttendanceRecord, AttendanceRequest, CreateTrainingRequest};
use shared::ErpModule;

use super::story::{chapter, Arc, Chapter, Mood, Story};
use crate::auth::tokens::{hash_token, random_token};
use crate::domain::accounts::timeline;
use crate::domain::common::modules_from_db;
use crate::domain::training;
use crate::entity::{contacts, survey_recipients, surveys};

const CALLS: &[(&str, &str)] = &[
    (
        "电话回访：月末结账是否顺利",
        "财务主管反馈本月结账比上月提前一天完成。",
    ),
    (
        "电话跟进：仓存盘点差异",
        "已远程协助核对盘点单，差异来自未审核的调拨单。",
    ),
    (
        "电话回访：新员工上手情况",
        "销售部新来两位订单员，约好下周安排培训。",
    ),
    (
        "电话沟通：系统运行情况",
        "客户反映凭证查询偏慢，建议清理历史数据并重建索引。",
    ),
];
const MEETINGS: &[(&str, &str)] = &[
    (
        "季度业务回顾（QBR）",
        "回顾本季度工单、系统使用率与下季度目标。",
    ),
    ("上线复盘会", "各模块主管参加，梳理上线后遗留问题清单。"),
    ("现场拜访：生产部", "了解车间领料流程，建议使用领料工作台。"),
    (
        "版本升级说明会",
        "介绍新版本功能与升级步骤，客户计划下月升级。",
    ),
];
const NOTES: &[(&str, &str)] = &[
    (
        "客户反馈：报表速度满意",
        "财务总监表示月报出具时间缩短了一半。",
    ),
    (
        "客户计划增加车间生产模块",
        "预计明年一季度采购，已告知销售同事。",
    ),
    (
        "客户 IT 负责人更换",
        "新负责人已加入联系人，约好下周远程交接。",
    ),
    (
        "关注：关键用户离职",
        "采购主管离职，接任者尚未培训，需跟进。",
    ),
];

/// Days (before today) of the account's touchpoints, newest first.
fn touch_days(c: Chapter) -> Vec<i64> {
    let (last, every) = match (c.arc, c.mood) {
        (Arc::OnTrack, _) => (1, 4),
        (Arc::Behind, _) => (6, 9),
        (Arc::Stuck, _) => (40, 6),
        (_, Mood::Thriving) => (3, 21),
        // Some steady customers hear from their CSM less often.
        (_, Mood::Steady) => (11 + (c.joined % 3) * 17, 30),
        (_, Mood::Slipping) => (48, 30),
        (_, Mood::Recovering) => (95, 30),
        (_, Mood::AtRisk) => (80, 45),
    };
    let mut days: Vec<i64> = (0..)
        .map(|k| last + k * every)
        .take_while(|d| *d < c.joined)
        .collect();
    if c.mood == Mood::Recovering && !c.arc.is_onboarding() {
        days.insert(0, 5);
        days.insert(0, 2);
    }
    if let Arc::Churned(_) = c.arc {
        days.retain(|d| *d >= c.closed);
    }
    // The kick-off meeting on the day it bought.
    days.push(c.joined);
    days
}

/// The touchpoint of the `k`-th of `days` (newest first) for this chapter.
fn touchpoint(
    c: Chapter,
    i: usize,
    k: usize,
    day: i64,
) -> (ActivityKind, &'static str, &'static str) {
    if day == c.joined {
        return (
            ActivityKind::Meeting,
            "项目启动会",
            "双方项目组见面，确认实施计划、关键用户与上线日期。",
        );
    }
    match (c.arc, c.mood, k) {
        (Arc::Churned(_), _, 0) => (
            ActivityKind::Call,
            "客户抱怨响应慢",
            "客户认为远程支持响应太慢，对续约持观望态度。",
        ),
        (_, Mood::Slipping, 0) => (
            ActivityKind::Note,
            "关键用户流失，系统使用明显减少",
            "仓储部两名操作员离职，新人仍在用 Excel 记账；已建议安排复训。",
        ),
        (_, Mood::AtRisk, 0) => (
            ActivityKind::Call,
            "客户抱怨响应慢",
            "客户认为远程支持响应太慢，对续约持观望态度。",
        ),
        (_, Mood::Recovering, 0) if !c.arc.is_onboarding() => (
            ActivityKind::Meeting,
            "改进计划评审会",
            "双方确认改进计划：每周例会、专人跟进工单，客户认可近期改善。",
        ),
        _ => {
            let n = i + k;
            let (summary, body) = match n % 3 {
                0 => CALLS[n % CALLS.len()],
                1 => MEETINGS[n % MEETINGS.len()],
                _ => NOTES[n % NOTES.len()],
            };
            let kind = [
                ActivityKind::Call,
                ActivityKind::Meeting,
                ActivityKind::Note,
            ][n % 3];
            (kind, summary, body)
        }
    }
}

fn churn_note(reason: &str) -> &'static str {
    match reason {
        "price" => "客户认为续费价格偏高，今年预算不足以续约，合同到期后停止维护服务。",
        "competitor" => "客户已选用其他厂商的 ERP，合同到期后停止使用。",
        _ => "系统使用率长期偏低，客户决定合同到期后不再续约。",
    }
}

async fn log(
    story: &Story<'_>,
    i: usize,
    kind: ActivityKind,
    days_ago: i64,
    hour: u32,
    summary: &str,
    body: &str,
) -> anyhow::Result<()> {
    let at = story.at(days_ago, hour, 20);
    timeline::log_activity(
        &story.state.db,
        &story.owner(i)?,
        story.account(i)?,
        CreateActivityRequest {
            kind,
            occurred_at: Some(at),
            summary: summary.into(),
            body: Some(body.into()),
        },
        at,
    )
    .await?;
    Ok(())
}

/// The account's trainings and touchpoints.
pub(super) async fn live(story: &Story<'_>, i: usize) -> anyhow::Result<()> {
    let c = chapter(i);
    trainings(story, i).await?;
    let days = touch_days(c);
    for (k, day) in days.iter().enumerate().rev() {
        let (kind, summary, body) = touchpoint(c, i, k, *day);
        log(story, i, kind, *day, 10 + (k % 6) as u32, summary, body).await?;
    }
    match c.arc {
        Arc::Churned(reason) => {
            log(
                story,
                i,
                ActivityKind::Note,
                c.closed,
                16,
                "客户确认不再续约",
                churn_note(reason),
            )
            .await?
        }
        Arc::Renewing(stage, _)
            if c.closed > 0 && stage != shared::contracts::RenewalStage::Upcoming =>
        {
            log(
                story,
                i,
                ActivityKind::Meeting,
                c.closed,
                14,
                "续约洽谈",
                "客户确认续约意向，报价已提交，正在走客户内部审批流程。",
            )
            .await?
        }
        Arc::Renewed(percent) => {
            let body = if percent > 0 {
                "续约完成，客户同时增购站点与模块，新合同金额上调。"
            } else if percent < 0 {
                "续约完成，客户减少了站点数，新合同金额下调。"
            } else {
                "续约完成，新合同按原金额签订。"
            };
            log(story, i, ActivityKind::Note, c.closed, 17, "续约完成", body).await?
        }
        _ => {}
    }
    Ok(())
}

/// Whether the `k`-th module's trainees passed (score) or stayed away.
fn result(mood: Mood, k: usize) -> Option<i32> {
    match (mood, k) {
        (Mood::Thriving, _) => Some(92),
        (Mood::Steady | Mood::Recovering, 0 | 1) => Some(85),
        (Mood::Steady | Mood::Recovering, _) => Some(52),
        (Mood::Slipping, 0) => Some(72),
        _ => None,
    }
}

async fn trainings(story: &Story<'_>, i: usize) -> anyhow::Result<()> {
    let c = chapter(i);
    if c.arc == Arc::Stuck {
        return Ok(());
    }
    let account_id = story.account(i)?;
    let people = contacts::Entity::find()
        .filter(contacts::Column::AccountId.eq(account_id))
        .order_by_asc(contacts::Column::Id)
        .all(&story.state.db.read)
        .await?;
    let mut by_module: BTreeMap<ErpModule, Vec<i64>> = BTreeMap::new();
    for p in &people {
        for m in modules_from_db(&p.modules) {
            by_module.entry(m).or_default().push(p.id);
        }
    }
    let owner = story.owner(i)?;
    for (k, (module, attendees)) in by_module.into_iter().enumerate() {
        if c.arc == Arc::Behind && k > 0 {
            break;
        }
        let step = i64::try_from(k)? * 2;
        // Three weeks after buying, two days apart.
        let ago = c.joined - 21 - step;
        let trainer = if k % 2 == 0 {
            story.engineer(i)?
        } else {
            owner
        };
        let session = training::schedule::create(
            story.state,
            &owner,
            CreateTrainingRequest {
                account_id,
                module,
                topic: format!("{}模块关键用户培训", module.zh_name()),
                trainer_id: trainer.user_id,
                starts_at: story.local(ago, 14, 0),
                duration_minutes: 180,
                location: (k % 2 == 0).then(|| "客户现场会议室".to_string()),
                online_url: (k % 2 == 1)
                    .then(|| format!("https://meeting.tencent.com/dm/k3{account_id}{k}")),
                attendee_ids: attendees.clone(),
            },
            story.at((ago + 7).max(0), 10, 0),
        )
        .await
        .context("training")?;
        if ago < 0 {
            continue;
        }
        let score = if c.arc.is_onboarding() {
            Some(80)
        } else {
            result(c.mood, k)
        };
        training::attendance::record(
            &story.state.db,
            &owner,
            session.id,
            AttendanceRequest {
                records: attendees
                    .iter()
                    .map(|id| AttendanceRecord {
                        contact_id: *id,
                        attended: score.is_some(),
                        score,
                        feedback: None,
                    })
                    .collect(),
            },
            story.at(ago, 17, 30),
        )
        .await
        .context("attendance")?;
    }
    Ok(())
}

/// Two NPS campaigns, four months and three weeks ago, to each customer's
/// first contact; the answers follow the mood (and its change).
pub(super) async fn surveys(story: &Story<'_>) -> anyhow::Result<()> {
    let db = &story.state.db;
    let campaigns: [(&str, i64); 2] = [
        ("年中客户满意度调查（NPS）", 120),
        ("年末客户回访（NPS）", 20),
    ];
    for (n, (name, ago)) in campaigns.into_iter().enumerate() {
        let sent = story.at(ago, 10, 0);
        let survey = surveys::ActiveModel {
            workspace_id: Set(story.cast.workspace_id),
            name: Set(name.into()),
            question_zh: Set("您有多大可能向同行推荐我们的 ERP 产品与服务？".into()),
            question_en: Set(
                "How likely are you to recommend our ERP and service to a peer?".into(),
            ),
            created_by: Set(story.cast.manager_id),
            created_at: Set(sent),
            ..Default::default()
        }
        .insert(&db.write)
        .await?;
        for i in 0..story.cast.account_ids.len() {
            let c = chapter(i);
            let gone = matches!(c.arc, Arc::Churned(_)) && c.closed > ago;
            // Customers live for two months or more are asked.
            if c.joined < ago + 60 || gone {
                continue;
            }
            let Some(contact) = contacts::Entity::find()
                .filter(contacts::Column::AccountId.eq(story.account(i)?))
                .order_by_asc(contacts::Column::Id)
                .one(&db.read)
                .await?
            else {
                continue;
            };
            let score = match (c.mood, n) {
                (Mood::Thriving, _) => 10 - (i % 2) as i32,
                (Mood::Steady, _) => 8,
                (Mood::Slipping, 0) => 8,
                (Mood::Slipping, _) => 5,
                (Mood::Recovering, 0) => 4,
                (Mood::Recovering, _) => 9,
                (Mood::AtRisk, _) => 2 + (i % 2) as i32,
            };
            let answered = !(n == 1 && i % 5 == 4);
            let comment = match score {
                9..=10 => "系统稳定，服务响应及时。",
                7..=8 => "整体满意，希望培训再多一些。",
                _ => "问题处理太慢，月结经常受影响。",
            };
            survey_recipients::ActiveModel {
                workspace_id: Set(story.cast.workspace_id),
                survey_id: Set(survey.id),
                account_id: Set(contact.account_id),
                contact_id: Set(contact.id),
                email: Set(contact.email.clone().unwrap_or_default()),
                token_hash: Set(hash_token(&random_token(32))),
                score: Set(answered.then_some(score)),
                comment: Set(answered.then(|| comment.to_string())),
                responded_at: Set(answered.then(|| story.at(ago - 1 - (i % 3) as i64, 15, 0))),
                created_at: Set(sent),
                ..Default::default()
            }
            .insert(&db.write)
            .await?;
        }
    }
    Ok(())
}
