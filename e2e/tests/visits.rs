//! On-site visits in the browser (issue 16): an engineer dispatched to a
//! visit checks in and out and writes the report on a phone (390 px wide,
//! nothing scrolls sideways), and the customer signs it in the portal with
//! a typed name and a signature drawn on the canvas; the signed report's
//! PDF is then on the ticket and in the customer admin's mail, and the
//! customer's balance has moved by the visit's billable time.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, demo_token, log_in, log_out, page_api, signed_in, wait_for_attr, wait_for_text_in,
};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const ENGINEER: &str = "engineer1@demo.steward.local";
const PORTAL: &str = "portal@demo.steward.local";
const WORK_DONE: &str = "重新过账 3 月凭证，核对总账科目余额";

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

/// Draws a stroke across the signature pad with pointer events, as a
/// finger would.
async fn draw_signature(h: &Harness) -> anyhow::Result<()> {
    let pad = h.testid("sign-pad").await?;
    h.browser
        .execute(
            r#"
            const c = arguments[0];
            c.scrollIntoView({block: 'center'});
            const r = c.getBoundingClientRect();
            const at = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {
                bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch',
                clientX: r.left + r.width * fx, clientY: r.top + r.height * fy,
            }));
            at('pointerdown', 0.1, 0.6);
            for (let i = 1; i <= 20; i++) at('pointermove', 0.1 + i * 0.04, 0.6 - Math.sin(i / 3) * 0.3);
            at('pointerup', 0.9, 0.5);
            "#,
            vec![serde_json::to_value(&pad)?],
        )
        .await?;
    Ok(())
}

async fn no_sideways_scroll(h: &Harness, page: &str) -> anyhow::Result<()> {
    let sizes = h
        .browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    let (scroll, inner) = (sizes[0].as_i64(), sizes[1].as_i64());
    ensure!(
        scroll <= inner,
        "{page} scrolls sideways at 390 px: {scroll:?} > {inner:?}"
    );
    Ok(())
}

#[actix_web::test]
async fn an_engineer_checks_in_on_a_phone_reports_and_the_customer_signs_in_the_portal() {
    scenario("visits", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let admin = demo_token(h, DEMO_ADMIN).await?;
        let engineer = demo_token(h, ENGINEER).await?;
        let portal = demo_token(h, PORTAL).await?;
        let (_, me) = page_api(h, Some(&engineer), "GET", "/me", Value::Null, false).await?;
        let engineer_id = me["user"]["id"]
            .as_i64()
            .or(me["id"].as_i64())
            .context("engineer id")?;
        let own = api(h, &portal, "GET", "/portal/account", Value::Null).await?;
        let account = own["id"].as_i64().context("the portal account")?;

        // A ticket of the customer; a visit requested from it, dispatched to
        // the engineer, on a day far from the demo's trainings.
        let ticket = api(
            h,
            &admin,
            "POST",
            "/tickets",
            json!({"account_id": account, "module": "finance", "category": "bug",
                   "priority": "p2", "subject": "月末结账报错", "description": "凭证无法过账"}),
        )
        .await?;
        let ticket_id = ticket["id"].as_i64().context("ticket id")?;
        let day = (chrono::Utc::now() + chrono::Duration::days(400)).date_naive();
        let visit = api(
            h,
            &admin,
            "POST",
            "/visits",
            json!({"ticket_id": ticket_id, "visit_date": day.to_string(), "slot": "morning",
                   "purpose": "现场排查月结问题", "internal_note": "仅内部可见"}),
        )
        .await?;
        let id = visit["id"].as_i64().context("visit id")?;
        api(
            h,
            &admin,
            "POST",
            &format!("/visits/{id}/dispatch"),
            json!({"engineer_id": engineer_id}),
        )
        .await?;

        // What the customer's balance says before the visit's time.
        let billable_before = api(h, &portal, "GET", "/portal/time", Value::Null).await?["balance"]
            ["billable_minutes"]
            .as_i64()
            .context("the portal balance")?;

        // The engineer, on a phone.
        h.browser.set_window_size(390, 844).await?;
        log_in(h, ENGINEER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/visits/{id}")).await?;
        wait_for_attr(h, "[data-testid=visit-status]", "data-status", "dispatched").await?;
        no_sideways_scroll(h, "the visit page").await?;
        click_id(h, "visit-check-in").await?;
        wait_for_attr(h, "[data-testid=visit-status]", "data-status", "checked_in").await?;
        click_id(h, "visit-check-out").await?;
        wait_for_attr(
            h,
            "[data-testid=visit-status]",
            "data-status",
            "checked_out",
        )
        .await?;
        h.fill("report-work", WORK_DONE).await?;
        h.fill("report-minutes", "150").await?;
        h.fill("report-follow-ups", "下周远程检查结账结果").await?;
        no_sideways_scroll(h, "the report form").await?;
        h.screenshot("visit-report-390").await?;
        click_id(h, "report-submit").await?;
        wait_for_attr(h, "[data-testid=visit-status]", "data-status", "reported").await?;
        wait_for_text_in(h, "visit-work-done", WORK_DONE).await?;
        // The engineer logs the time from the visit page: it names the visit.
        click_id(h, "time-add").await?;
        h.fill("time-minutes-input", "150").await?;
        click_id(h, "time-submit").await?;
        h.testid("time-row").await?;
        let logged = api(
            h,
            &engineer,
            "GET",
            &format!("/tickets/{ticket_id}/time-entries"),
            Value::Null,
        )
        .await?;
        ensure!(
            logged[0]["visit_id"] == id && logged[0]["minutes"] == 150,
            "the time names the visit: {logged}"
        );
        log_out(h).await?;

        // The customer signs in the portal.
        log_in(h, PORTAL, DEMO_PASSWORD).await?;
        h.wait_for_path("/portal").await?;
        h.goto(&format!("/portal/visits/{id}")).await?;
        wait_for_text_in(h, "visit-work-done", WORK_DONE).await?;
        let page = h.body_text().await?;
        ensure!(
            !page.contains("仅内部可见"),
            "the internal note shows in the portal"
        );
        no_sideways_scroll(h, "the portal visit page").await?;
        // Without a drawing the form says so and sends nothing.
        h.fill("sign-name", "王经理").await?;
        click_id(h, "sign-submit").await?;
        h.testid("error-signature").await?;
        draw_signature(h).await?;
        h.screenshot("visit-sign-390").await?;
        click_id(h, "sign-submit").await?;
        wait_for_attr(h, "[data-testid=visit-status]", "data-status", "signed").await?;
        wait_for_text_in(h, "visit-signed-by", "王经理").await?;

        // The balance moved by the visit's billable time, and the customer
        // sees the time behind it in the portal.
        let billable_after = api(h, &portal, "GET", "/portal/time", Value::Null).await?["balance"]
            ["billable_minutes"]
            .as_i64()
            .context("the portal balance")?;
        ensure!(
            billable_after == billable_before + 150,
            "the balance moves by the visit's 150 minutes: {billable_before} → {billable_after}"
        );
        h.goto("/portal/time").await?;
        h.testid("portal-balance").await?;
        h.testid("portal-entry").await?;

        // Signed: the PDF is on the ticket and queued to the customer admin.
        let signed = api(h, &admin, "GET", &format!("/visits/{id}"), Value::Null).await?;
        ensure!(signed["status"] == "signed", "signed: {signed}");
        let files = api(
            h,
            &admin,
            "GET",
            &format!("/tickets/{ticket_id}/attachments"),
            Value::Null,
        )
        .await?;
        ensure!(
            files
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| f["file_name"] == format!("visit-{id}-report.pdf")),
            "the report is on the ticket: {files}"
        );
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let mails = server::entity::email_outbox::Entity::find()
            .filter(
                server::entity::email_outbox::Column::DedupeKey
                    .starts_with(format!("visit-report:{id}:")),
            )
            .count(&h.state.db.read)
            .await?;
        ensure!(
            mails == 1,
            "one report mail to the customer admin, not {mails}"
        );

        // The account's Visits tab lists it, signed.
        log_out(h).await?;
        h.browser.set_window_size(1280, 900).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/accounts/{account}?tab=visits")).await?;
        wait_for_attr(
            h,
            &format!("[data-testid=account-visit-row][data-visit-id='{id}']"),
            "data-status",
            "signed",
        )
        .await?;
        Ok(())
    })
    .await;
}
