//! The CSM's loop in the browser (issue 15): an account's health falls to
//! red, a playbook fires, the CSM lands on "my work", finds the task it
//! made and completes it logging what happened, and the account's
//! timeline shows the playbook, the call and the completed task. The
//! manager sees the playbook and what it did on the playbooks page.

use anyhow::{ensure, Context};
use chrono::{Duration, Utc};
use e2e::steps::{
    click_id, click_nav, demo_token, log_in, log_out, page_api, select_value, signed_in,
    wait_for_text_in,
};
use e2e::{scenario, Harness};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::health_snapshots;
use server::seed::DEMO_PASSWORD;

const CSM: &str = "csm1@demo.steward.local";
const MANAGER: &str = "manager@demo.steward.local";
const TASK: &str = "电话了解客户遇到的问题";

/// Yesterday green, today red: the account's health fell.
async fn health_falls(h: &Harness, account_id: i64) -> anyhow::Result<()> {
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let account = server::entity::accounts::Entity::find_by_id(account_id)
        .one(&h.state.db.write)
        .await?
        .context("the account")?;
    health_snapshots::Entity::delete_many()
        .filter(health_snapshots::Column::AccountId.eq(account_id))
        .filter(health_snapshots::Column::Day.gte(today - Duration::days(1)))
        .exec(&h.state.db.write)
        .await?;
    for (day, score, band) in [(today - Duration::days(1), 82, "green"), (today, 31, "red")] {
        health_snapshots::ActiveModel {
            workspace_id: Set(account.workspace_id),
            account_id: Set(account_id),
            day: Set(day),
            score: Set(score),
            band: Set(band.into()),
            computed_score: Set(score),
            overridden: Set(false),
            weakest: Set(None),
            components: Set("[]".into()),
            computed_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&h.state.db.write)
        .await?;
    }
    Ok(())
}

#[actix_web::test]
async fn a_health_drop_fires_a_playbook_whose_task_the_csm_completes_from_my_work() {
    scenario("playbook_my_work", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let manager = demo_token(h, MANAGER).await?;
        let csm = demo_token(h, CSM).await?;
        let (_, me) = page_api(h, Some(&csm), "GET", "/me", Value::Null, false).await?;
        let csm_id = me["user"]["id"].as_i64().context("the CSM's id")?;
        let (_, owned) = page_api(
            h,
            Some(&csm),
            "GET",
            &format!("/accounts?owner_id={csm_id}&limit=1"),
            Value::Null,
            false,
        )
        .await?;
        let account = &owned["items"][0];
        let account_id = account["id"].as_i64().context("an account of the CSM")?;
        let (status, book) = page_api(
            h,
            Some(&manager),
            "POST",
            "/playbooks",
            json!({"name": "健康度转红", "trigger": "health_band_drop",
                   "steps": [{"title_zh": TASK, "title_en": "Call to learn what troubles the customer",
                              "task_type": "call", "priority": "high", "day_offset": 0,
                              "assignee": "account_owner"}]}),
            false,
        )
        .await?;
        ensure!(status == 201, "the playbook is made: {status} {book}");

        health_falls(h, account_id).await?;
        let report = server::jobs::run(&h.state, "playbooks").await?;
        ensure!(
            report.summary["fired"].as_u64() >= Some(1),
            "the playbook fires: {}",
            report.summary
        );
        let (_, made) = page_api(
            h,
            Some(&csm),
            "GET",
            &format!("/tasks?account_id={account_id}&source=playbook&status=open"),
            Value::Null,
            false,
        )
        .await?;
        let task_id = made["items"][0]["id"].as_i64().context("the playbook's task")?;

        // The CSM signs in and lands on "my work", where the task waits.
        log_in(h, CSM, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.wait_for_path("/my-work").await?;
        let row = format!("task-{task_id}");
        wait_for_text_in(h, &row, TASK).await?;
        wait_for_text_in(h, "nav-my-work-count", "")
            .await
            .context("the navigation counts what is due")?;
        click_id(h, &format!("task-{task_id}-done")).await?;
        h.fill("task-inline-text", "客户反馈月结报表慢，已约工程师周五上门")
            .await?;
        click_id(h, &format!("task-{task_id}-confirm")).await?;
        // Done: the row leaves "my work" (the toast says so in either language).
        let mut gone = false;
        for _ in 0..100 {
            let left = h
                .browser
                .find_all(fantoccini::Locator::Css(&format!("[data-testid=\"{row}\"]")))
                .await?;
            if left.is_empty() {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(gone, "the completed task leaves my work");

        // The timeline shows the playbook, the call and the completed task.
        h.goto(&format!("/accounts/{account_id}?tab=timeline")).await?;
        let timeline = wait_for_text_in(h, "timeline", "客户反馈月结报表慢").await?;
        ensure!(timeline.contains(TASK), "the completed task: {timeline}");
        ensure!(timeline.contains("健康度转红"), "the playbook: {timeline}");
        h.css("[data-testid=\"timeline-item\"][data-kind=\"playbook_run\"]")
            .await
            .context("the playbook's entry")?;
        h.css("[data-testid=\"timeline-item\"][data-kind=\"task_completed\"]")
            .await
            .context("the task's entry")?;

        // The manager sees the playbook and what it did.
        log_out(h).await?;
        log_in(h, MANAGER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/settings/playbooks").await?;
        let table = wait_for_text_in(h, "playbooks-table", "健康度转红").await?;
        ensure!(
            table.contains("健康度转黄或转红") || table.contains("Health fell to yellow or red"),
            "the trigger in words: {table}"
        );
        Ok(())
    })
    .await;
}

/// The value of the input or select with this `data-testid`, once it has one.
async fn value_of(h: &Harness, testid: &str, wanted: &str) -> anyhow::Result<String> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(el) = h.testid(testid).await {
            last = el.prop("value").await?.unwrap_or_default();
            if last == wanted {
                return Ok(last);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{testid} never held {wanted:?}; it holds {last:?}")
}

#[actix_web::test]
async fn an_admin_makes_a_playbook_in_the_form_and_changes_a_step() {
    scenario("playbook_editor", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, server::seed::DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        click_nav(h, "nav-playbooks").await?;
        h.wait_for_path("/settings/playbooks").await?;
        click_id(h, "playbook-new").await?;
        h.wait_for_path("/settings/playbooks/new").await?;

        // The renewal trigger asks for its N; a trigger without one does not.
        select_value(h, "pb-trigger", "p1_ticket").await?;
        ensure!(
            h.browser
                .find_all(fantoccini::Locator::Css("[data-testid=\"pb-threshold\"]"))
                .await?
                .is_empty(),
            "a P1 ticket has no N"
        );
        select_value(h, "pb-trigger", "renewal_due").await?;
        h.fill("pb-threshold", "60").await?;
        h.fill("pb-name", "续费前两个月跟进").await?;
        h.fill("pb-min-value", "100000").await?;

        // The shared rules speak before the server does.
        click_id(h, "pb-submit").await?;
        h.testid("error-steps-0-title_zh")
            .await
            .context("an empty step is refused in the form")?;

        h.fill("pb-step-0-title-zh", "电话确认续约意向").await?;
        h.fill("pb-step-0-title-en", "Call about the renewal")
            .await?;
        click_id(h, "pb-add-step").await?;
        h.fill("pb-step-1-title-zh", "核对财务模块使用情况").await?;
        h.fill("pb-step-1-title-en", "Review the finance module's use")
            .await?;
        h.fill("pb-step-1-day-offset", "7").await?;
        select_value(h, "pb-step-1-assignee", "module_owner").await?;
        click_id(h, "pb-submit").await?;
        h.testid("error-steps-1-module")
            .await
            .context("a module owner's step names its module")?;
        select_value(h, "pb-step-1-module", "finance").await?;
        click_id(h, "pb-submit").await?;

        // Listed, with both steps and the value in cents.
        h.wait_for_path_where("the list", |p| p == "/settings/playbooks")
            .await?;
        wait_for_text_in(h, "playbooks-table", "续费前两个月跟进").await?;
        let admin = demo_token(h, server::seed::DEMO_ADMIN).await?;
        let (_, list) = page_api(h, Some(&admin), "GET", "/playbooks", Value::Null, false).await?;
        let made = list["items"]
            .as_array()
            .context("playbooks")?
            .iter()
            .find(|p| p["name"] == "续费前两个月跟进")
            .context("the new playbook")?
            .clone();
        let id = made["id"].as_i64().context("its id")?;
        ensure!(made["threshold"] == 60, "N: {made}");
        ensure!(
            made["conditions"]["min_annual_value_cents"] == 10_000_000,
            "yuan sent as cents: {made}"
        );
        let steps = made["steps"].as_array().context("steps")?;
        ensure!(steps.len() == 2, "two steps: {made}");
        ensure!(
            steps[1]["module"] == "finance" && steps[1]["day_offset"] == 7,
            "the second step: {made}"
        );

        // Edit the first step's title; it sticks after a reload.
        click_id(h, &format!("playbook-{id}-edit")).await?;
        h.wait_for_path(&format!("/settings/playbooks/{id}"))
            .await?;
        value_of(h, "pb-step-0-title-en", "Call about the renewal").await?;
        h.fill("pb-step-0-title-en", "Call the customer about the renewal")
            .await?;
        // …and add a customer mail for the owner to review: a placeholder it
        // cannot fill is refused next to the field.
        click_id(h, "pb-mail").await?;
        h.fill("pb-mail-subject-zh", "{{account.name}}续约沟通")
            .await?;
        h.fill(
            "pb-mail-body-zh",
            "{{contact.name}}您好，关于工单{{ticket.number}}",
        )
        .await?;
        click_id(h, "pb-submit").await?;
        h.testid("error-customer_email.body_zh")
            .await
            .context("the mail's placeholder is refused")?;
        h.fill(
            "pb-mail-body-zh",
            "{{contact.name}}您好，合同即将到期，我们约个时间聊聊续约。{{agent.name}}",
        )
        .await?;
        click_id(h, "pb-submit").await?;
        h.wait_for_path_where("the list", |p| p == "/settings/playbooks")
            .await?;
        h.goto(&format!("/settings/playbooks/{id}")).await?;
        value_of(
            h,
            "pb-step-0-title-en",
            "Call the customer about the renewal",
        )
        .await?;
        value_of(h, "pb-step-1-module", "finance").await?;
        value_of(h, "pb-min-value", "100000").await?;
        value_of(h, "pb-mail-subject-zh", "{{account.name}}续约沟通").await?;

        // Someone else saves meanwhile: the form says so instead of overwriting.
        let (status, _) = page_api(
            h,
            Some(&admin),
            "PATCH",
            &format!("/playbooks/{id}"),
            json!({"cooldown_days": 45}),
            false,
        )
        .await?;
        ensure!(status == 200, "the other save: {status}");
        h.fill("pb-name", "续费前两个月跟进（改）").await?;
        click_id(h, "pb-submit").await?;
        h.testid("playbook-stale")
            .await
            .context("a stale save is refused with a clear message")?;
        click_id(h, "playbook-stale-reload").await?;
        value_of(h, "pb-cooldown", "45").await?;
        value_of(h, "pb-name", "续费前两个月跟进").await?;

        // On a phone the form is one column that never scrolls sideways.
        h.browser.set_window_size(390, 844).await?;
        h.goto(&format!("/settings/playbooks/{id}")).await?;
        value_of(h, "pb-step-1-module", "finance").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let sizes = h
            .browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await?;
        ensure!(
            sizes[0].as_i64() <= sizes[1].as_i64(),
            "the form fits a phone: {sizes}"
        );
        h.screenshot("playbook-editor-390").await?;
        Ok(())
    })
    .await;
}

/// A P1 ticket fires a playbook with a customer mail as the ticket is
/// opened; the CSM finds the draft on "my work", changes the subject and
/// sends it, and the mail is queued once, as edited, to the contact chosen.
#[actix_web::test]
async fn the_csm_reviews_and_sends_the_mail_a_playbook_drafted() {
    scenario("playbook_customer_mail", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let manager = demo_token(h, MANAGER).await?;
        let csm = demo_token(h, CSM).await?;
        let (_, me) = page_api(h, Some(&csm), "GET", "/me", Value::Null, false).await?;
        let csm_id = me["user"]["id"].as_i64().context("the CSM's id")?;
        let (_, owned) = page_api(
            h,
            Some(&csm),
            "GET",
            &format!("/accounts?owner_id={csm_id}&limit=1"),
            Value::Null,
            false,
        )
        .await?;
        let account_id = owned["items"][0]["id"].as_i64().context("an account of the CSM")?;
        let (status, book) = page_api(
            h,
            Some(&manager),
            "POST",
            "/playbooks",
            json!({"name": "P1 客户沟通", "trigger": "p1_ticket", "cooldown_days": 0,
                   "steps": [{"title_zh": "协调工程师处理", "title_en": "Get an engineer on it",
                              "task_type": "review", "priority": "high", "day_offset": 0,
                              "assignee": "manager"}],
                   "customer_email": {"subject_zh": "关于{{account.name}}的紧急工单",
                                      "body_zh": "{{contact.name}}您好：我们已收到紧急工单，正在处理。{{agent.name}}",
                                      "subject_en": "About the urgent ticket of {{account.name}}",
                                      "body_en": "Dear {{contact.name}}, we have your urgent ticket and are on it. {{agent.name}}"}}),
            false,
        )
        .await?;
        ensure!(status == 201, "the playbook is made: {status} {book}");
        let (status, ticket) = page_api(
            h,
            Some(&csm),
            "POST",
            "/tickets",
            json!({"account_id": account_id, "module": "finance", "category": "bug",
                   "priority": "p1", "subject": "月末结账报错，无法过账"}),
            false,
        )
        .await?;
        ensure!(status == 201, "the P1: {status} {ticket}");
        // Fired as the ticket was opened: no job ran.
        let (_, made) = page_api(
            h,
            Some(&csm),
            "GET",
            &format!("/tasks?account_id={account_id}&source=playbook&status=open"),
            Value::Null,
            false,
        )
        .await?;
        let task = made["items"]
            .as_array()
            .and_then(|items| items.iter().find(|t| t["email_draft"].is_object()))
            .context("the drafted mail's task")?
            .clone();
        let task_id = task["id"].as_i64().context("its id")?;

        log_in(h, CSM, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.wait_for_path("/my-work").await?;
        click_id(h, &format!("task-{task_id}-review")).await?;
        let subject = h.testid("email-subject").await?;
        let drafted = subject.prop("value").await?.unwrap_or_default();
        ensure!(
            drafted.contains("紧急工单") || drafted.contains("urgent ticket"),
            "the draft's subject, filled in: {drafted}"
        );
        h.testid("email-to").await.context("a recipient to choose")?;
        h.fill("email-subject", "紧急工单处理进展 / Urgent ticket: where it stands")
            .await?;
        click_id(h, &format!("task-{task_id}-send")).await?;
        let row = format!("task-{task_id}");
        let mut gone = false;
        for _ in 0..100 {
            let left = h
                .browser
                .find_all(fantoccini::Locator::Css(&format!("[data-testid=\"{row}\"]")))
                .await?;
            if left.is_empty() {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(gone, "the sent mail's task leaves my work");
        let queued = server::entity::email_outbox::Entity::find()
            .filter(server::entity::email_outbox::Column::DedupeKey.eq(format!("task-email:{task_id}")))
            .all(&h.state.db.write)
            .await?;
        ensure!(queued.len() == 1, "queued once: {}", queued.len());
        ensure!(
            queued[0].subject == "紧急工单处理进展 / Urgent ticket: where it stands",
            "sent as edited: {}",
            queued[0].subject
        );
        Ok(())
    })
    .await;
}
