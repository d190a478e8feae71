//! How each demo account came on board, through the domain at the times it
//! happened: the onboarding plan from the default template on the day it
//! bought, the licence delivered and (for most) registered remotely, the
//! maintenance service agreement signed, and the plan's tasks done on
//! their days, so the computed status is what the chapter says: live (and
//! moved to `adoption` by the last go-live), on track, behind or stuck.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::EntityTrait;
use shared::onboarding::{
    CreateLicenseRequest, CreatePlanRequest, OnboardingTask, TaskKind, TaskStatus,
    UpdateTaskRequest,
};
use shared::tickets::AgreementRequest;
use shared::Role;

use super::story::{chapter, Arc, Story};
use super::COMPANIES;
use crate::auth::StaffActor;
use crate::domain::accounts::licenses;
use crate::domain::common::modules_from_db;
use crate::domain::onboarding;
use crate::domain::tickets::agreements;
use crate::entity::accounts;

/// Licensed seats of the `i`-th demo account, by its size.
pub(super) fn seats(i: usize) -> i32 {
    let k = i32::try_from(i % 4).unwrap_or(0);
    match COMPANIES[i % COMPANIES.len()].2 {
        "大型" | "Enterprise" => 60 + 10 * k,
        "中型" | "Mid-market" => 25 + 5 * k,
        _ => 10 + 2 * k,
    }
}

fn edition_and_level(i: usize) -> (&'static str, &'static str) {
    match COMPANIES[i % COMPANIES.len()].2 {
        "大型" | "Enterprise" => ("K/3 WISE 旗舰版", "gold"),
        "中型" | "Mid-market" => ("K/3 WISE 企业版", "silver"),
        _ => ("K/3 WISE 标准版", "bronze"),
    }
}

/// Which of the plan's tasks were done (by whom, when).
fn completion(
    story: &Story<'_>,
    i: usize,
    tasks: &[OnboardingTask],
    starts_on: chrono::NaiveDate,
) -> anyhow::Result<Vec<(DateTime<Utc>, i64, StaffActor)>> {
    let c = chapter(i);
    let last_master_data = tasks
        .iter()
        .filter(|t| t.stage == "master_data")
        .map(|t| t.id)
        .max();
    let first_training = tasks
        .iter()
        .filter(|t| t.stage == "training")
        .map(|t| t.id)
        .min();
    let mut done = Vec::new();
    for t in tasks {
        let offset = (t.due_on - starts_on).num_days();
        let due_ago = c.joined - offset;
        // Half the tasks done a day early; never before the plan began.
        let early = i64::from(t.position % 2);
        let mut ago = (due_ago + early).min(c.joined);
        let finished = match c.arc {
            Arc::OnTrack => due_ago > 0,
            Arc::Behind if t.stage == "master_data" => Some(t.id) != last_master_data,
            Arc::Behind if Some(t.id) == first_training => {
                // Done late, four days ago: the plan is late but alive.
                ago = 4;
                true
            }
            Arc::Behind => offset <= 7,
            Arc::Stuck => offset <= 3,
            _ => true,
        };
        if !finished {
            continue;
        }
        let actor = if t.owner_role == Role::Engineer {
            story.engineer(i)?
        } else {
            story.owner(i)?
        };
        let minute = u32::try_from(t.position * 7 % 60).unwrap_or(0);
        let hour = 11 + u32::try_from(t.position % 6).unwrap_or(0);
        done.push((story.at(ago, hour, minute), t.id, actor));
    }
    done.sort_by_key(|(at, id, _)| (*at, *id));
    Ok(done)
}

pub(super) async fn onboard(story: &Story<'_>, i: usize) -> anyhow::Result<()> {
    let c = chapter(i);
    let db = &story.state.db;
    let account_id = story.account(i)?;
    let account = accounts::Entity::find_by_id(account_id)
        .one(&db.read)
        .await?
        .context("demo account")?;
    let owner = story.owner(i)?;
    let engineer = story.engineer(i)?;
    let j = c.joined;
    let plan = onboarding::create(
        db,
        &owner,
        account_id,
        CreatePlanRequest {
            template_id: None,
            starts_on: story.day(j),
            planned_go_live: None,
        },
        story.at(j, 9, 30),
    )
    .await?;
    // The licence as delivered with its dongle; registered remotely two
    // days later, except where onboarding is stuck on exactly that.
    let (edition, level) = edition_and_level(i);
    let licence = licenses::create(
        db,
        &engineer,
        account_id,
        CreateLicenseRequest {
            edition: edition.into(),
            modules: modules_from_db(&account.modules),
            seats: seats(i),
            dongle_serial: format!("K3W-{}-{}", 2024 + (i % 3), account.code),
            expires_on: None,
        },
        story.at(j - 1, 14, 0),
    )
    .await?;
    if c.arc != Arc::Stuck {
        licenses::register(
            db,
            &engineer,
            account_id,
            licence.id,
            story.at(j - 3, 10, 0),
        )
        .await?;
    }
    let starts_on = story.day(j);
    let ends_on = if matches!(c.arc, Arc::Churned(_)) {
        starts_on + Duration::days(364)
    } else {
        starts_on + Duration::days(3 * 365)
    };
    agreements::create(
        db,
        &owner,
        account_id,
        AgreementRequest {
            level: level.into(),
            starts_on,
            ends_on,
            signed_on: Some(story.day(j - 6)),
            service_content:
                "远程支持（工作日 9:00–18:00）、每年 4 次现场服务、版本升级、关键用户培训".into(),
            complaint_procedure:
                "向授权服务中心客户部经理投诉，3 个工作日内书面答复；仍不满意可向金蝶公司投诉"
                    .into(),
            service_process:
                "客户致电服务热线或在门户提交工单 → 客服登记 → 模块工程师处理 → 疑难问题升级至系统工程师 → 客户确认关闭"
                    .into(),
            contract_id: None,
        },
        story.at(j - 6, 10, 0),
    )
    .await?;
    let tasks = completion(story, i, &plan.tasks, plan.starts_on)?;
    for (at, id, actor) in tasks {
        onboarding::tasks::update(
            db,
            &actor,
            id,
            None,
            UpdateTaskRequest {
                status: Some(TaskStatus::Done),
                ..Default::default()
            },
            at,
        )
        .await
        .with_context(|| format!("task {id}"))?;
    }
    // The one kind of task a stuck plan waits on, named in its notes.
    if c.arc == Arc::Stuck {
        if let Some(t) = plan
            .tasks
            .iter()
            .find(|t| t.kind == TaskKind::LicenseRegistration)
        {
            onboarding::tasks::update(
                db,
                &engineer,
                t.id,
                None,
                UpdateTaskRequest {
                    status: Some(TaskStatus::InProgress),
                    notes: Some(
                        "远程注册提示“注册码无效”，已提交金蝶总部核查加密锁，等待回复。".into(),
                    ),
                    ..Default::default()
                },
                story.at(j - 4, 16, 0),
            )
            .await?;
        }
    }
    Ok(())
}
