//! Service agreements and entitlements in the browser (issue 16): a CSM
//! records an agreement from the account page's agreements panel, and a
//! portal user whose account has no agreement in force sees why they cannot
//! open a ticket, and whom to write to, instead of the form; staff logging
//! a ticket for that account are warned it will be outside agreement.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, demo_token, log_in, log_out, page_api, select_value, signed_in, wait_for_text_in,
};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const CSM: &str = "csm1@demo.steward.local";
const PORTAL: &str = "portal@demo.steward.local";
const SERVICE_PROCESS: &str = "客户致电热线 → 模块工程师处理 → 疑难问题升级系统工程师";

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

#[actix_web::test]
async fn a_csm_records_an_agreement_and_a_customer_without_one_is_told_whom_to_ask() {
    scenario("agreements", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let admin = demo_token(h, DEMO_ADMIN).await?;
        let portal = demo_token(h, PORTAL).await?;
        let csm = demo_token(h, CSM).await?;

        // The portal user's account: no agreement in force (any the demo
        // gave it ends yesterday), and the workspace requires one.
        let own = api(h, &portal, "GET", "/portal/account", Value::Null).await?;
        let portal_account = own["id"].as_i64().context("the portal account")?;
        let owner_name = own["csm_name"].as_str().context("an owner")?.to_string();
        let owner_email = own["csm_email"].as_str().context("an e-mail")?.to_string();
        let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
        let path = format!("/accounts/{portal_account}/agreements");
        for a in api(h, &admin, "GET", &path, Value::Null)
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let starts: chrono::NaiveDate = a["starts_on"].as_str().context("a start")?.parse()?;
            let ends: chrono::NaiveDate = a["ends_on"].as_str().context("an end")?.parse()?;
            if ends >= yesterday && starts <= yesterday {
                let ended = json!({
                    "level": a["level"], "starts_on": a["starts_on"],
                    "ends_on": yesterday.to_string(), "signed_on": a["signed_on"],
                    "service_content": a["service_content"],
                    "complaint_procedure": a["complaint_procedure"],
                    "service_process": a["service_process"],
                });
                api(h, &admin, "PUT", &format!("{path}/{}", a["id"]), ended).await?;
            }
        }
        api(
            h,
            &admin,
            "PUT",
            "/settings/entitlements",
            json!({"agreement_required": true}),
        )
        .await?;

        // One of the CSM's own accounts, not the portal user's.
        let (_, me) = page_api(h, Some(&csm), "GET", "/me", Value::Null, false).await?;
        let accounts = api(
            h,
            &csm,
            "GET",
            &format!("/accounts?owner_id={}&limit=50", me["user"]["id"]),
            Value::Null,
        )
        .await?;
        let account = accounts["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["id"].as_i64() != Some(portal_account))
            .context("the CSM owns an account")?["id"]
            .as_i64()
            .context("an id")?;

        // The CSM records an agreement in the panel.
        log_in(h, CSM, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/accounts/{account}?tab=agreements"))
            .await?;
        h.testid("agreements").await?;
        click_id(h, "agreement-add").await?;
        select_value(h, "agreement-level-select", "gold").await?;
        h.fill("agreement-content", "远程支持、每年 4 次上门服务")
            .await?;
        h.fill("agreement-complaint", "向客户部经理投诉，3 个工作日内答复")
            .await?;
        h.fill("agreement-process", SERVICE_PROCESS).await?;
        click_id(h, "agreement-submit").await?;
        wait_for_text_in(h, "agreements-table", SERVICE_PROCESS).await?;
        let saved = api(
            h,
            &csm,
            "GET",
            &format!("/accounts/{account}/agreements"),
            Value::Null,
        )
        .await?;
        ensure!(
            saved
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["service_process"] == SERVICE_PROCESS && a["level"] == "gold"),
            "the agreement is stored: {saved}"
        );
        // Logging a ticket for the account whose agreement lapsed: the form
        // warns it will be outside agreement, without SLA.
        h.goto(&format!("/tickets/new?account_id={portal_account}"))
            .await?;
        let warning = h
            .testid_text_where("ticket-outside-warning", |t| !t.is_empty())
            .await?;
        ensure!(
            (warning.contains("协议外") || warning.contains("Outside agreement"))
                && warning.contains("SLA"),
            "the warning says why: {warning}"
        );
        log_out(h).await?;

        // The customer of an account without an agreement in force sees
        // why, and whom to write to, instead of the form.
        log_in(h, PORTAL, DEMO_PASSWORD).await?;
        h.wait_for_path("/portal").await?;
        h.goto("/portal/tickets/new").await?;
        let told = h
            .testid_text_where("ticket-not-entitled-message", |t| !t.is_empty())
            .await?;
        ensure!(
            told.contains(&owner_name) && told.contains(&owner_email),
            "the explanation names the owner: {told}"
        );
        let contact = h.testid("ticket-not-entitled-contact").await?;
        ensure!(
            contact.attr("href").await?.as_deref() == Some(&format!("mailto:{owner_email}")),
            "a mail link to the owner"
        );
        let form = h.testid("new-ticket-form").await?;
        ensure!(!form.is_displayed().await?, "the form is not shown");
        Ok(())
    })
    .await;
}
