//! Macros in the browser (issue 15): an engineer makes a personal macro on
//! the macros page (an unknown placeholder is refused under the field),
//! then inserts it into a ticket's reply box with the picker: the text is
//! filled in for the ticket, its actions are done on the ticket (status,
//! internal note) and said so, and the reply goes out with the text.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, demo_token, log_in, page_api, select_value, signed_in, wait_for_text_in,
};
use e2e::{scenario, Harness};
use fantoccini::Locator;
use serde_json::Value;
use server::seed::DEMO_PASSWORD;

const ENGINEER: &str = "engineer1@demo.steward.local";
const MACRO_NAME: &str = "索要系统日志";

/// A ticket someone asked through the portal that staff may still set
/// pending: its id and number.
async fn customers_open_ticket(h: &Harness, token: &str) -> anyhow::Result<(i64, i64)> {
    for status in ["open", "new"] {
        let (_, page) = page_api(
            h,
            Some(token),
            "GET",
            &format!("/tickets?status={status}&limit=200"),
            Value::Null,
            false,
        )
        .await?;
        let found = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["requester_user_id"].is_i64());
        if let Some(t) = found {
            return Ok((
                t["id"].as_i64().context("an id")?,
                t["number"].as_i64().context("a number")?,
            ));
        }
    }
    anyhow::bail!("the demo has no open ticket a customer asked")
}

/// The reply box's text as the page holds it (its value, not its markup).
async fn reply_text(h: &Harness) -> anyhow::Result<String> {
    let value = h
        .browser
        .execute(
            "return document.querySelector('[data-testid=\"comment-body\"]').value;",
            vec![],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_string())
}

#[actix_web::test]
async fn an_engineer_inserts_a_macro_into_a_reply() {
    scenario("macro_insert", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, ENGINEER, DEMO_PASSWORD).await?;
        signed_in(h).await?;

        // The macros page, from the user menu: nothing yet.
        h.click("user-menu").await?;
        h.click("my-macros").await?;
        h.wait_for_path("/settings/macros").await?;
        h.testid("macros-empty")
            .await
            .context("a first visit shows the empty state")?;

        // A made-up placeholder is refused under its field.
        h.click("macro-new").await?;
        h.fill("macro-name", MACRO_NAME).await?;
        h.fill("macro-body-zh", "{{客户}}您好").await?;
        h.click("macro-submit").await?;
        let refused = h
            .testid("error-body_zh")
            .await
            .context("the unknown placeholder is refused")?
            .text()
            .await?;
        ensure!(
            refused.contains("{{contact.name}}"),
            "the error names the allowed placeholders: {refused}"
        );

        h.fill(
            "macro-body-zh",
            "{{contact.name}}您好，请导出系统日志后回复（工单 #{{ticket.number}}）。",
        )
        .await?;
        h.fill(
            "macro-body-en",
            "Dear {{contact.name}}, please send us the system log (ticket #{{ticket.number}}).",
        )
        .await?;
        select_value(h, "macro-status", "pending_customer").await?;
        h.fill("macro-note", "已请客户导出日志").await?;
        h.click("macro-submit").await?;
        wait_for_text_in(h, "macros-table", MACRO_NAME).await?;
        wait_for_text_in(h, "macro-used", "0").await?;

        // A customer's ticket: the picker finds the macro by a word of it.
        let token = demo_token(h, ENGINEER).await?;
        let (ticket, number) = customers_open_ticket(h, &token).await?;
        h.goto(&format!("/tickets/{ticket}")).await?;
        h.testid("ticket-title").await?;
        click_id(h, "macro-picker-toggle").await?;
        h.fill("macro-search", "日志").await?;
        let option = h
            .css("[data-testid=\"macro-option\"]")
            .await
            .context("the search finds the macro")?;
        ensure!(
            option.text().await?.contains(MACRO_NAME),
            "the option is the macro"
        );
        h.testid_text_where("macro-options", |t| t.contains(MACRO_NAME))
            .await?;
        click_id(h, "macro-option").await?;

        // The text is in the reply box, filled in for this ticket.
        let said = h
            .testid_text_where("macro-applied", |t| t.contains(MACRO_NAME))
            .await?;
        let text = reply_text(h).await?;
        ensure!(
            text.contains(&format!("#{number}")) && !text.contains("{{"),
            "the reply box holds the filled-in text: {text:?}"
        );
        ensure!(
            text.contains("您好") || text.starts_with("Dear "),
            "the reply is one of the macro's texts: {text:?}"
        );
        // And the page says what was done to the ticket, and shows it.
        ensure!(
            said.contains("Pending customer") || said.contains("待客户回复"),
            "the status change is told: {said}"
        );
        h.css("[data-testid=\"ticket-status\"] [data-status=\"pending_customer\"]")
            .await
            .context("the ticket shows its new status")?;
        wait_for_text_in(h, "comments", "已请客户导出日志")
            .await
            .context("the macro's internal note is in the conversation")?;
        let mut marked = false;
        for note in h
            .browser
            .find_all(Locator::Css(
                "[data-testid=\"comment\"][data-internal=\"true\"]",
            ))
            .await?
        {
            marked |= note.text().await?.contains("已请客户导出日志");
        }
        ensure!(marked, "the note is marked as internal");

        // The agent sends the reply as inserted.
        h.click("comment-submit").await?;
        let first_line: String = text.chars().take(12).collect();
        wait_for_text_in(h, "comments", &first_line)
            .await
            .context("the reply sent is the macro's text")?;
        ensure!(
            reply_text(h).await?.is_empty(),
            "the reply box is empty again"
        );

        // The macro counts its use.
        h.goto("/settings/macros").await?;
        wait_for_text_in(h, "macro-used", "1").await?;
        Ok(())
    })
    .await;
}
