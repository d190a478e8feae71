//! Success plans in the browser (issue 15): the CSM shares an objective of
//! a plan with the customer; the customer's administrator opens "success
//! plans" in the portal, sees the shared objective (not the internal one),
//! and marks done the milestone their side owns; the CSM then sees it done
//! on the account page, with who did it, and on the timeline.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, demo_token, log_in, log_out, page_api, signed_in, wait_for_attr, wait_for_text_in,
};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const PORTAL_ADMIN: &str = "portal@demo.steward.local";
const SHARED: &str = "月末结账从5天缩短到2天";
const INTERNAL: &str = "争取增购生产模块";
const MILESTONE: &str = "整理期末凭证流程";

async fn api(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, answer) = page_api(h, Some(token), method, path, body, false).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path}: {status} {answer}"
    );
    Ok(answer)
}

/// The plan the CSM prepared: (account id, the owner CSM's e-mail).
async fn prepare(h: &Harness) -> anyhow::Result<(i64, String)> {
    let portal = demo_token(h, PORTAL_ADMIN).await?;
    let account = api(h, &portal, "GET", "/portal/account", Value::Null).await?;
    let account_id = account["id"].as_i64().context("the portal's account")?;
    let admin = demo_token(h, DEMO_ADMIN).await?;
    let contacts = api(
        h,
        &admin,
        "GET",
        &format!("/accounts/{account_id}/contacts?limit=200"),
        Value::Null,
    )
    .await?;
    let contact = contacts["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["email"] == PORTAL_ADMIN)
        .and_then(|c| c["id"].as_i64())
        .context("the portal admin's contact")?;
    let details = api(
        h,
        &admin,
        "GET",
        &format!("/accounts/{account_id}"),
        Value::Null,
    )
    .await?;
    let owner = details["owner_id"].as_i64().context("an owner CSM")?;
    let users = api(h, &admin, "GET", "/users?limit=200", Value::Null).await?;
    let csm = users["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["id"] == owner)
        .and_then(|u| u["email"].as_str())
        .context("the owner's e-mail")?
        .to_string();

    let plan = api(
        h,
        &admin,
        "POST",
        &format!("/accounts/{account_id}/success-plans"),
        json!({"title": "2027 年度成功计划"}),
    )
    .await?;
    let plan_id = plan["id"].as_i64().context("a plan")?;
    let shared = api(
        h,
        &admin,
        "POST",
        &format!("/success-plans/{plan_id}/objectives"),
        json!({"title": SHARED, "measure": "结账天数", "shared_with_customer": true}),
    )
    .await?;
    api(
        h,
        &admin,
        "POST",
        &format!("/success-plans/{plan_id}/objectives"),
        json!({"title": INTERNAL}),
    )
    .await?;
    let objective = shared["id"].as_i64().context("an objective")?;
    api(
        h,
        &admin,
        "POST",
        &format!("/success-objectives/{objective}/milestones"),
        json!({"title": MILESTONE, "owner_contact_id": contact}),
    )
    .await?;
    api(
        h,
        &admin,
        "POST",
        &format!("/success-objectives/{objective}/milestones"),
        json!({"title": "配置自动转账凭证", "owner_user_id": owner}),
    )
    .await?;
    Ok((account_id, csm))
}

#[actix_web::test]
async fn a_customer_admin_marks_a_milestone_done_and_the_csm_sees_it() {
    scenario("success_plan_milestone", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let (account_id, csm) = prepare(h).await?;

        // The customer's administrator: the shared objective only.
        log_in(h, PORTAL_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.click("nav-portal-plans").await?;
        h.wait_for_path("/portal/plans").await?;
        let shown = wait_for_text_in(h, "portal-plans", SHARED).await?;
        ensure!(
            !shown.contains(INTERNAL),
            "the internal objective stays internal: {shown}"
        );
        // Only their side's milestone offers "mark done".
        let buttons = h
            .browser
            .find_all(fantoccini::Locator::Css(
                "[data-testid=\"portal-milestone-done\"]",
            ))
            .await?;
        ensure!(buttons.len() == 1, "{} mark-done buttons", buttons.len());
        click_id(h, "portal-milestone-done").await?;
        wait_for_attr(
            h,
            "[data-testid=\"portal-milestone\"]",
            "data-status",
            "done",
        )
        .await
        .context("the milestone shows done in the portal")?;
        wait_for_text_in(h, "portal-plan-progress", "1").await?;
        log_out(h).await?;

        // The CSM, on the account page.
        log_in(h, &csm, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/accounts/{account_id}")).await?;
        wait_for_text_in(h, "success-plans", MILESTONE).await?;
        wait_for_attr(
            h,
            "[data-testid=\"success-milestone\"]",
            "data-status",
            "done",
        )
        .await
        .context("the CSM sees the milestone done")?;
        h.testid("success-milestone-done-by")
            .await
            .context("and who marked it")?;
        let progress = h.testid("success-plan-progress").await?;
        ensure!(
            progress.attr("data-done").await?.as_deref() == Some("1"),
            "the plan counts one done milestone"
        );
        // The timeline tells it too.
        h.goto(&format!("/accounts/{account_id}?tab=timeline"))
            .await?;
        wait_for_text_in(h, "timeline", MILESTONE)
            .await
            .context("the timeline shows the milestone done")?;
        Ok(())
    })
    .await;
}
