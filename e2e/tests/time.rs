//! Time and person-day packages in the browser (issue 16): an engineer logs
//! billable time on a ticket from the ticket page's time log, and the portal
//! customer of that account sees their person-day balance go down by it.

use anyhow::{ensure, Context};
use e2e::steps::{click_id, demo_token, log_in, log_out, page_api, signed_in, wait_for_text_in};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const ENGINEER: &str = "engineer1@demo.steward.local";
const PORTAL: &str = "portal@demo.steward.local";

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
async fn an_engineer_logs_billable_time_and_the_customer_sees_the_balance_move() {
    scenario("time", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let admin = demo_token(h, DEMO_ADMIN).await?;
        let portal = demo_token(h, PORTAL).await?;

        // The portal user's account buys a two-day package valid this year.
        let own = api(h, &portal, "GET", "/portal/account", Value::Null).await?;
        let account = own["id"].as_i64().context("the portal account")?;
        let today = chrono::Utc::now().date_naive();
        let year = chrono::Datelike::year(&today);
        api(
            h,
            &admin,
            "POST",
            &format!("/accounts/{account}/packages"),
            json!({"name": "E2E 人天包", "days": 2,
                   "valid_from": format!("{year}-01-01"), "valid_to": format!("{year}-12-31")}),
        )
        .await?;
        let before = api(h, &portal, "GET", "/portal/time", Value::Null).await?;
        let used_before = before["balance"]["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "E2E 人天包")
            .context("the new package")?["used_minutes"]
            .as_i64()
            .context("used")?;
        ensure!(used_before == 0, "a new package starts unused: {before}");
        let ticket = api(
            h,
            &admin,
            "POST",
            "/tickets",
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": "p3", "subject": "月结上门指导", "description": "现场指导月末结账"}),
        )
        .await?;
        let ticket = ticket["id"].as_i64().context("a ticket")?;

        // The engineer logs four billable hours from the ticket page.
        log_in(h, ENGINEER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/tickets/{ticket}")).await?;
        h.testid("time-log").await?;
        click_id(h, "time-add").await?;
        h.fill("time-minutes-input", "240").await?;
        h.fill("time-note", "现场指导月末结账").await?;
        h.fill("time-internal-note", "INTERNAL 客户账套混乱")
            .await?;
        click_id(h, "time-submit").await?;
        wait_for_text_in(h, "time-table", "现场指导月末结账").await?;
        log_out(h).await?;

        // The customer sees the package half used, and the time behind it,
        // without the internal note.
        log_in(h, PORTAL, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/portal/time").await?;
        let packages = wait_for_text_in(h, "portal-packages", "E2E 人天包").await?;
        ensure!(
            packages.contains("0.50"),
            "half a person-day used: {packages}"
        );
        let entries = wait_for_text_in(h, "portal-entries", "现场指导月末结账").await?;
        ensure!(entries.contains("马骏"), "the engineer's name: {entries}");
        ensure!(entries.contains("4.0"), "four hours: {entries}");
        ensure!(
            !h.body_text().await?.contains("INTERNAL"),
            "no internal note"
        );
        Ok(())
    })
    .await;
}
