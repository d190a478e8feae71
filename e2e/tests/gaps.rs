//! The gaps of today's SPA (issue 16) in the browser: an admin copies the
//! built-in onboarding template and edits the copy's tasks in the template
//! editor; edits a contact and archives it; restores an archived account;
//! and finds each of these in the audit log page with its filters.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, click_nav, demo_token, log_in, page_api, select_value, signed_in, wait_for_attr,
    wait_for_text_in,
};
use e2e::{scenario, Harness};
use serde_json::Value;
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

async fn api(h: &Harness, token: &str, method: &str, path: &str) -> anyhow::Result<Value> {
    let (status, answer) = page_api(h, Some(token), method, path, Value::Null, false).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path}: {status} {answer}"
    );
    Ok(answer)
}

#[actix_web::test]
async fn templates_contacts_restore_and_the_audit_log_in_the_browser() {
    scenario("gaps", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let admin = demo_token(h, DEMO_ADMIN).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;

        // The template editor: copy the built-in template, rename the
        // copy, add a task at the end and fill it in, save.
        click_nav(h, "nav-templates").await?;
        h.wait_for_path("/settings/onboarding-templates").await?;
        h.css("[data-testid=template-row][data-builtin=true] [data-testid=template-copy]")
            .await?
            .click()
            .await?;
        h.testid("template-editor").await?;
        let builtin_tasks = h
            .browser
            .find_all(fantoccini::Locator::Css("[data-testid=template-task]"))
            .await?
            .len();
        ensure!(
            builtin_tasks > 3,
            "the copy has the built-in tasks: {builtin_tasks}"
        );
        h.fill("template-name", "精简实施模板").await?;
        // An empty title is refused in the form, named on its input.
        click_id(h, "template-add-task").await?;
        let last = builtin_tasks;
        click_id(h, "template-save").await?;
        h.testid(&format!("error-template-tasks[{last}].title_zh"))
            .await?;
        let title = h.css(&format!("#task-{last}-title-zh")).await?;
        title.send_keys("月结复核").await?;
        click_id(h, "template-save").await?;
        wait_for_text_in(h, "templates-table", "精简实施模板").await?;
        let templates = api(h, &admin, "GET", "/onboarding-templates").await?;
        let copy = templates
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == "精简实施模板")
            .context("the copy is saved")?;
        let tasks = copy["tasks"].as_array().context("tasks")?;
        ensure!(tasks.len() == builtin_tasks + 1, "{copy}");
        ensure!(
            tasks
                .last()
                .map(|t| t["title_zh"] == "月结复核" && t["title_en"] == "月结复核")
                == Some(true),
            "the new task, its English title filled from the Chinese: {copy}"
        );

        // Contacts: edit one, then archive it.
        let accounts = api(h, &admin, "GET", "/accounts?limit=5").await?;
        let account = accounts["items"][0]["id"].as_i64().context("an account")?;
        h.goto(&format!("/accounts/{account}")).await?;
        h.testid("contacts-table").await?;
        let row = h.css("[data-testid=contact-row]").await?;
        let contact = row.attr("data-contact-id").await?.context("a contact id")?;
        click_id(h, "contact-edit").await?;
        h.testid("edit-contact-form").await?;
        h.fill("edit-contact-phone", "+86 755 8888 0000").await?;
        h.fill("edit-contact-title", "财务经理").await?;
        click_id(h, "edit-contact-submit").await?;
        wait_for_text_in(h, "contacts-table", "+86 755 8888 0000").await?;
        let saved = api(h, &admin, "GET", &format!("/contacts/{contact}")).await?;
        ensure!(saved["title"] == "财务经理", "{saved}");
        h.css(&format!(
            "[data-contact-id=\"{contact}\"] [data-testid=contact-archive]"
        ))
        .await?
        .click()
        .await?;
        click_id(h, "contact-archive-confirm").await?;
        for _ in 0..50 {
            let gone = h
                .css(&format!(
                    "[data-testid=contact-row][data-contact-id=\"{contact}\"]"
                ))
                .await
                .is_err();
            if gone {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let archived = api(h, &admin, "GET", &format!("/contacts/{contact}")).await?;
        ensure!(archived["archived"] == true, "{archived}");
        // Shown again, marked, with "show archived".
        click_id(h, "contacts-show-archived").await?;
        wait_for_attr(
            h,
            &format!("[data-testid=contact-row][data-contact-id=\"{contact}\"]"),
            "data-archived",
            "true",
        )
        .await?;

        // An archived account is restored from its page.
        api(h, &admin, "POST", &format!("/accounts/{account}/archive")).await?;
        h.goto(&format!("/accounts/{account}")).await?;
        h.testid("account-archived-note").await?;
        click_id(h, "account-restore").await?;
        for _ in 0..50 {
            if h.testid("account-archive").await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let restored = api(h, &admin, "GET", &format!("/accounts/{account}")).await?;
        ensure!(restored["archived"] == false, "{restored}");

        // The audit log: filtered to archived contacts, then to restores.
        click_nav(h, "nav-audit").await?;
        h.wait_for_path("/audit").await?;
        h.testid("audit-table").await?;
        select_value(h, "audit-entity", "contact").await?;
        select_value(h, "audit-action", "archive").await?;
        // Only the archive of the contact: its edit is filtered out.
        let mut shown = Vec::new();
        for _ in 0..100 {
            shown = Vec::new();
            for row in h
                .browser
                .find_all(fantoccini::Locator::Css("[data-testid=audit-row]"))
                .await?
            {
                shown.push(
                    row.attr("data-action")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                );
            }
            if shown == ["archive"] {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(shown == ["archive"], "one contact archived: {shown:?}");
        wait_for_text_in(h, "audit-table", "archived").await?;
        let url = h.browser.current_url().await?;
        ensure!(
            url.query().unwrap_or_default().contains("action=archive"),
            "the filters are in the URL: {url}"
        );
        select_value(h, "audit-entity", "account").await?;
        select_value(h, "audit-action", "restore").await?;
        wait_for_attr(h, "[data-testid=audit-row]", "data-action", "restore").await?;
        // Nothing matches: the clear button brings the whole log back.
        select_value(h, "audit-action", "delete").await?;
        click_id(h, "clear-filters").await?;
        h.wait_for_path_where("the unfiltered log", |p| p == "/audit")
            .await?;
        h.testid("audit-table").await?;
        Ok(())
    })
    .await;
}

/// Screenshots to look at, not a check: the demo's story on the dashboard
/// (desktop and phone) and the new pages at 390 px. Run on demand:
/// `cargo test -p e2e --test gaps -- --ignored`; the pictures land in
/// `e2e/screenshots/gaps-*.png`.
#[actix_web::test]
#[ignore]
async fn screenshots_of_the_story_dashboard_and_the_new_pages() {
    scenario("gaps-screenshots", async |h: &Harness| {
        server::seed::demo_story(&h.state).await?;
        log_in(h, "manager@demo.steward.local", DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.browser.set_window_size(1280, 2000).await?;
        h.goto("/dashboard").await?;
        h.testid("health-chart").await?;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        println!("{:?}", h.screenshot("gaps-dashboard").await?);
        h.browser.set_window_size(390, 844).await?;
        for (name, path, ready) in [
            ("gaps-dashboard-phone", "/dashboard", "health-chart"),
            ("gaps-audit-phone", "/audit", "audit-table"),
            ("gaps-contracts-phone", "/contracts", "contracts-list"),
            (
                "gaps-templates-phone",
                "/settings/onboarding-templates",
                "templates-table",
            ),
        ] {
            h.goto(path).await?;
            h.testid(ready).await?;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            println!("{:?}", h.screenshot(name).await?);
        }
        h.goto("/accounts").await?;
        h.click("account-link").await?;
        h.testid("account-details").await?;
        let path = h.browser.current_url().await?.path().to_string();
        h.goto(&format!("{path}?tab=onboarding")).await?;
        h.testid("training-coverage").await?;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        println!("{:?}", h.screenshot("gaps-account-onboarding-phone").await?);
        Ok(())
    })
    .await;
}
