//! End-to-end scenarios in headless Chromium against the real server and
//! the built web app. A failing scenario leaves `e2e/screenshots/<name>.png`.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_el, click_id, log_in, log_out, page_api, select_value, set_input, signed_in,
    wait_for_attr, wait_for_text_in,
};
use e2e::{scenario, Harness, PASSWORD};
use fantoccini::Locator;

async fn sign_up(h: &Harness, email: &str) -> anyhow::Result<()> {
    h.goto("/signup").await?;
    h.fill("signup-workspace", "华南授权服务中心").await?;
    h.fill("signup-name", "周建国").await?;
    h.fill("signup-email", email).await?;
    h.fill("signup-password", PASSWORD).await?;
    h.click("signup-submit").await?;
    // A new workspace's admin lands on the dashboard.
    let landed = signed_in(h).await?;
    ensure!(landed == "/dashboard", "the admin landed on {landed}");
    h.goto("/accounts").await?;
    Ok(())
}

#[actix_web::test]
async fn a_csm_signs_up_creates_finds_and_edits_an_account_switches_language_and_logs_out() {
    scenario("staff_journey", async |h| {
        sign_up(h, "zhou@huanan.cn").await?;
        h.testid("accounts-empty")
            .await
            .context("a new workspace shows the empty state")?;

        // Create an account; the coding rule (digits only) is checked in the form.
        h.click("new-account").await?;
        h.fill("account-name", "深圳市华强电子有限公司").await?;
        h.fill("account-code", "HQ-01").await?;
        h.click("account-submit").await?;
        let error = h
            .testid("error-code")
            .await
            .context("inline error under the code")?;
        let said = error.text().await?;
        ensure!(!said.is_empty(), "the code error has a message");
        // The rule in words ("digits only"), never the raw regex.
        ensure!(
            !said.contains("^[0-9]") && said.to_lowercase().contains("digits"),
            "the coding rule is told in words: {said:?}"
        );
        h.fill("account-code", "100101").await?;
        h.click("account-submit").await?;
        h.wait_for_text("深圳市华强电子有限公司").await?;

        // Find it by searching, in Chinese.
        h.goto("/accounts").await?;
        h.fill("accounts-search", "华强").await?;
        h.testid_text_where("account-row", |row| row.contains("100101"))
            .await
            .context("the row shows the code")?;
        h.click("account-link").await?;
        h.wait_for_path("/accounts/").await?;
        h.testid("account-details").await?;

        // Edit it; a bad value is refused inline first.
        h.click("account-edit").await?;
        h.fill("edit-code", "abc").await?;
        h.click("edit-save").await?;
        h.testid("error-edit-code")
            .await
            .or(h.css("[data-testid^=\"error-\"]").await)
            .context("inline error when editing")?;
        h.fill("edit-code", "100101").await?;
        h.fill("edit-name", "深圳华强电子").await?;
        h.click("edit-save").await?;
        h.wait_for_text("深圳华强电子").await?;
        let details = h.testid("account-details").await?.text().await?;
        ensure!(
            details.contains("深圳华强电子"),
            "saved name shown: {details}"
        );

        // Switch to Chinese and back.
        h.goto("/accounts").await?;
        let before = h.testid("accounts-heading").await?.text().await?;
        select_value(h, "lang-switch", "zh-CN").await?;
        let mut after = String::new();
        for _ in 0..50 {
            after = h.testid("accounts-heading").await?.text().await?;
            if after != before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(
            after != before
                && after
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "heading switched to Chinese: {before:?} → {after:?}"
        );
        // The choice is remembered across a reload.
        h.browser.refresh().await?;
        let reloaded = h.testid("accounts-heading").await?.text().await?;
        ensure!(reloaded == after, "language remembered: {reloaded:?}");
        select_value(h, "lang-switch", "en").await?;

        // Log out, and back in.
        h.click("user-menu").await.ok();
        h.click("logout").await?;
        h.wait_for_path("/login").await?;
        h.goto("/accounts").await?;
        h.wait_for_path("/login")
            .await
            .context("signed-out users are sent to login")?;
        log_in(h, "zhou@huanan.cn", PASSWORD).await?;
        signed_in(h).await?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn wrong_credentials_are_explained_on_the_login_page() {
    scenario("login_error", async |h| {
        sign_up(h, "li@huanan.cn").await?;
        h.click("user-menu").await.ok();
        h.click("logout").await?;
        h.wait_for_path("/login").await?;
        log_in(h, "li@huanan.cn", "not the password").await?;
        let banner = h.testid("login-error").await?;
        ensure!(
            !banner.text().await?.is_empty(),
            "an error message is shown"
        );
        ensure!(
            h.browser.current_url().await?.path().starts_with("/login"),
            "still on login"
        );
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_portal_user_lands_on_the_portal_home_not_the_staff_app() {
    scenario("portal_home", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, "portal@demo.steward.local", server::seed::DEMO_PASSWORD).await?;
        h.wait_for_path("/portal").await?;
        let name = h.testid("portal-account-name").await?.text().await?;
        ensure!(
            name.contains("深圳市华强电子有限公司"),
            "their account is shown: {name}"
        );
        h.testid("portal-csm-name")
            .await
            .context("their CSM is named")?;
        ensure!(
            h.browser
                .find(Locator::Css("[data-testid=\"new-account\"]"))
                .await
                .is_err(),
            "no staff controls in the portal"
        );
        // A staff URL does not open the staff app for them.
        h.goto("/accounts").await?;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        ensure!(
            h.browser
                .find(Locator::Css("[data-testid=\"accounts-table\"]"))
                .await
                .is_err(),
            "the staff accounts list is not shown to a portal user"
        );
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_reload_keeps_the_session_through_the_refresh_cookie() {
    scenario("session_reload", async |h| {
        sign_up(h, "wang@huanan.cn").await?;
        h.goto("/settings").await?;
        h.testid("settings-heading").await?;
        h.browser.refresh().await?;
        h.testid("settings-heading")
            .await
            .context("still signed in after a reload")?;
        ensure!(
            h.browser.current_url().await?.path() == "/settings",
            "stayed on the page"
        );
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_customer_raises_a_ticket_with_a_kb_suggestion_staff_answer_and_the_customer_rates() {
    scenario("ticket_journey", async |h| {
        server::seed::demo(&h.state.db).await?;
        let password = server::seed::DEMO_PASSWORD;

        // Staff publish a public article for the sales module.
        log_in(h, server::seed::DEMO_ADMIN, password).await?;
        signed_in(h).await?;
        h.goto("/kb/new").await?;
        h.fill("kb-title", "销售订单审核后如何修改").await?;
        select_value(h, "kb-module", "sales").await?;
        select_value(h, "kb-visibility", "public").await?;
        select_value(h, "kb-status", "published").await?;
        h.fill(
            "kb-body",
            "已审核的销售订单需先**反审核**，由主管批准后再修改。",
        )
        .await?;
        h.click("kb-save").await?;
        h.wait_for_path("/kb/").await?;
        log_out(h).await?;

        // The customer types a ticket and is offered the article.
        log_in(h, "portal@demo.steward.local", password).await?;
        h.wait_for_path("/portal").await?;
        h.goto("/portal/tickets/new").await?;
        select_value(h, "ticket-module", "sales").await?;
        h.fill("ticket-subject", "销售订单审核后无法修改").await?;
        h.testid("kb-suggestion")
            .await
            .context("a KB suggestion while typing")?;
        let mut ours = None;
        for suggestion in h
            .browser
            .find_all(Locator::Css("[data-testid=\"kb-suggestion\"]"))
            .await?
        {
            if suggestion.text().await?.contains("销售订单审核后如何修改") {
                ours = Some(suggestion);
                break;
            }
        }
        ours.context("the sales article is among the suggestions")?
            .click()
            .await?;
        wait_for_text_in(h, "kb-article-panel", "反审核").await?;
        h.fill(
            "ticket-description",
            "订单 SO-2026-118 审核后客户要求改数量。",
        )
        .await?;
        h.click("ticket-submit").await?;
        let mut id = None;
        for _ in 0..100 {
            let path = h.browser.current_url().await?.path().to_string();
            if let Ok(n) = path.trim_start_matches("/portal/tickets/").parse::<i64>() {
                id = Some(n);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let id = id.context("the new ticket's page opens")?;
        log_out(h).await?;

        // Staff find it in the queue, reply publicly, add an internal note
        // and resolve it.
        log_in(h, server::seed::DEMO_ADMIN, password).await?;
        signed_in(h).await?;
        h.goto("/tickets").await?;
        let row = h
            .css(&format!(
                "[data-testid=\"ticket-row\"][data-ticket-id=\"{id}\"]"
            ))
            .await
            .context("the new ticket is in the queue")?;
        ensure!(
            row.text().await?.contains("销售订单审核后无法修改"),
            "the row shows the subject"
        );
        row.find(Locator::Css("[data-testid=\"ticket-link\"]"))
            .await?
            .click()
            .await?;
        h.wait_for_path(&format!("/tickets/{id}")).await?;
        h.fill("comment-body", "请先在订单上点“反审核”，再修改数量。")
            .await?;
        h.click("comment-submit").await?;
        wait_for_text_in(h, "comments", "反审核").await?;
        h.click("internal-toggle").await?;
        h.fill("comment-body", "内部：客户上月已出现同类问题")
            .await?;
        h.click("comment-submit").await?;
        wait_for_text_in(h, "comments", "客户上月已出现同类问题").await?;
        let note = h
            .css("[data-testid=\"comment\"][data-internal=\"true\"]")
            .await
            .context("the internal note is marked as internal")?;
        ensure!(
            note.text().await?.contains("客户上月"),
            "the internal note carries its text"
        );
        select_value(h, "status-select", "resolved").await?;
        h.click("status-apply").await?;
        h.css("[data-testid=\"ticket-status\"] [data-status=\"resolved\"]")
            .await
            .context("the ticket shows resolved")?;
        log_out(h).await?;

        // The customer sees the reply, never the note, and rates.
        log_in(h, "portal@demo.steward.local", password).await?;
        h.wait_for_path("/portal").await?;
        h.goto(&format!("/portal/tickets/{id}/satisfaction"))
            .await?;
        wait_for_text_in(h, "comments", "反审核").await?;
        ensure!(
            !h.body_text().await?.contains("客户上月已出现同类问题"),
            "the internal note never reaches the portal"
        );
        h.click("rating-5").await?;
        h.click("rating-submit").await?;
        let given = h.testid("rating-given").await?;
        ensure!(
            given.attr("data-rating").await?.as_deref() == Some("5"),
            "the rating is shown as given"
        );
        Ok(())
    })
    .await;
}

/// The plan's progress, 0–100, as the progress bar says.
async fn progress(h: &Harness) -> anyhow::Result<i64> {
    let bar = h.testid("onboarding-progress").await?;
    Ok(bar
        .attr("data-value")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1))
}

async fn wait_for_progress_above(h: &Harness, floor: i64) -> anyhow::Result<i64> {
    let mut last = -1;
    for _ in 0..100 {
        last = progress(h).await.unwrap_or(-1);
        if last > floor {
            return Ok(last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("progress stayed at {last}, expected more than {floor}")
}

#[actix_web::test]
async fn a_csm_runs_onboarding_registers_a_licence_and_records_a_training() {
    scenario("onboarding_journey", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, server::seed::DEMO_ADMIN, server::seed::DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/accounts").await?;
        h.fill("accounts-search", "华强").await?;
        h.testid("account-row").await?;
        h.click("account-link").await?;
        let path = h.wait_for_path("/accounts/").await?;
        let account_id = path.trim_start_matches("/accounts/").to_string();

        // Start onboarding from the built-in template (the onboarding tab).
        click_id(h, "tab-onboarding").await?;
        click_id(h, "start-onboarding").await?;
        h.testid("onboarding-board")
            .await
            .context("the board appears")?;
        let start = progress(h).await?;
        ensure!(start == 0, "a new plan starts at 0%: {start}");

        // Complete a general task: progress moves.
        let general = h
            .css("[data-testid=\"task-row\"][data-kind=\"general\"][data-status=\"todo\"]")
            .await?;
        let complete = general
            .find(Locator::Css("[data-testid=\"task-complete\"]"))
            .await?;
        click_el(h, &complete).await?;
        let after_one = wait_for_progress_above(h, 0).await?;

        // The licence-registration task needs a registered licence first.
        click_id(h, "license-add").await?;
        h.fill("license-edition", "K/3 WISE 标准版").await?;
        h.fill("license-seats", "20").await?;
        h.fill("license-dongle", "KD-2026-000118").await?;
        click_id(h, "license-module-finance").await?;
        click_id(h, "license-submit").await?;
        click_id(h, "license-register").await?;
        h.css("[data-testid=\"license-row\"][data-status=\"registered\"]")
            .await
            .context("the licence shows registered")?;
        let registration = h
            .css("[data-testid=\"task-row\"][data-kind=\"license_registration\"]")
            .await?;
        let complete = registration
            .find(Locator::Css("[data-testid=\"task-complete\"]"))
            .await?;
        click_el(h, &complete).await?;
        h.css(
            "[data-testid=\"task-row\"][data-kind=\"license_registration\"][data-status=\"done\"]",
        )
        .await
        .context("registration task done once the licence is registered")?;
        wait_for_progress_above(h, after_one).await?;

        // The customer buys 10 more seats: the licence is registered again on
        // the same dongle (an upgrade), and its history shows both.
        click_id(h, "license-reregister").await?;
        select_value(h, "reregister-kind", "upgrade").await?;
        h.fill("reregister-seats", "30").await?;
        h.fill("reregister-note", "增购 10 个用户").await?;
        click_id(h, "reregister-submit").await?;
        wait_for_text_in(h, "licenses-table", "30")
            .await
            .context("the licence shows 30 seats")?;
        click_id(h, "license-reregister").await?;
        let history = wait_for_text_in(h, "license-history", "增购 10 个用户").await?;
        ensure!(
            h.browser
                .find_all(Locator::Css("[data-testid=\"license-history-item\"]"))
                .await?
                .len()
                == 2,
            "the first registration and the upgrade: {history}"
        );

        // An old user's upgrade splits the dongle: the request waits for a
        // manager, and the inbox words it in the reader's language. The
        // maker withdraws it again (the approvals below start empty).
        click_id(h, "license-split").await?;
        h.fill("split-serial", "KD-2026-000119").await?;
        h.fill("split-seats", "10").await?;
        h.fill("split-reason", "生产车间单独使用一把锁").await?;
        click_id(h, "split-submit").await?;
        h.testid_text_where("toasts", |t| {
            t.contains("拆分申请已提交经理审批")
                || t.contains("Split sent to a manager for approval")
        })
        .await
        .context("the split is sent for approval")?;
        h.goto("/approvals").await?;
        let summary = h
            .testid_text_where("approval-summary", |t| t.contains("KD-2026-000119"))
            .await?;
        ensure!(
            (summary.contains("拆分加密锁") || summary.contains("Split dongle"))
                && summary.contains("生产车间单独使用一把锁"),
            "the split request in the reader's language: {summary}"
        );
        click_id(h, "withdraw").await?;
        h.testid("approvals-empty")
            .await
            .context("the withdrawn split leaves the inbox")?;

        // Schedule a training for the account and record attendance.
        h.goto("/trainings").await?;
        click_id(h, "training-new").await?;
        select_value(h, "training-account", &account_id).await?;
        select_value(h, "training-module", "finance").await?;
        h.fill("training-topic", "总账月末结账").await?;
        h.testid("training-trainer")
            .await?
            .select_by_index(1)
            .await?;
        set_input(h, "training-start", "2026-12-10T10:00").await?;
        let attendee = h.css("[data-testid^=\"attendee-\"]").await?;
        let attendee_id = attendee
            .attr("data-testid")
            .await?
            .unwrap_or_default()
            .trim_start_matches("attendee-")
            .to_string();
        click_el(h, &attendee).await?;
        click_id(h, "training-submit").await?;
        h.wait_for_path("/trainings/").await?;
        h.testid("attendance-row")
            .await
            .context("the session page lists the attendee")?;
        click_id(h, &format!("attended-{attendee_id}")).await?;
        h.fill(&format!("score-{attendee_id}"), "85").await?;
        click_id(h, "attendance-save").await?;
        let mut completed = String::new();
        for _ in 0..100 {
            completed = h
                .testid("attendee-completed")
                .await?
                .attr("data-completed")
                .await?
                .unwrap_or_default();
            if completed == "true" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(
            completed == "true",
            "attended with 85 ≥ 60 completes the training"
        );
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_contract_value_change_needs_a_second_person_and_its_renewal_moves_through_the_pipeline()
{
    scenario("renewal_journey", async |h| {
        server::seed::demo(&h.state.db).await?;
        let password = server::seed::DEMO_PASSWORD;
        log_in(h, server::seed::DEMO_ADMIN, password).await?;
        signed_in(h).await?;
        h.goto("/accounts").await?;
        h.fill("accounts-search", "华强").await?;
        h.testid("account-row").await?;
        h.click("account-link").await?;
        h.wait_for_path("/accounts/").await?;

        // A contract that ends within the renewal horizon (the contracts tab).
        click_id(h, "tab-contracts").await?;
        click_id(h, "contract-add").await?;
        set_input(h, "contract-start", "2026-02-01").await?;
        set_input(h, "contract-end", "2027-01-31").await?;
        h.fill("contract-value", "128000.00").await?;
        click_id(h, "contract-submit").await?;
        wait_for_attr(
            h,
            "[data-testid=\"contract-annual-value\"]",
            "data-value",
            "128000.00",
        )
        .await?;

        // The maker asks for a new value: it waits for approval.
        click_id(h, "contract-edit").await?;
        h.fill("contract-value", "150000.50").await?;
        click_id(h, "contract-submit").await?;
        wait_for_attr(
            h,
            "[data-testid=\"contract-pending\"]",
            "data-value",
            "150000.50",
        )
        .await
        .context("the change is pending approval")?;
        let value = h
            .testid("contract-annual-value")
            .await?
            .attr("data-value")
            .await?;
        ensure!(
            value.as_deref() == Some("128000.00"),
            "the value is unchanged until approved: {value:?}"
        );

        // The renewal appears in the pipeline and moves forward.
        h.goto("/renewals").await?;
        let card = h
            .css("[data-testid=\"renewal-card\"][data-stage=\"upcoming\"]")
            .await
            .context("the contract's renewal is upcoming")?;
        let advance = card
            .find(Locator::Css("[data-testid=\"renewal-advance\"]"))
            .await?;
        click_el(h, &advance).await?;
        h.css("[data-testid=\"renewal-card\"][data-stage=\"in_negotiation\"]")
            .await
            .context("the renewal moved to negotiation")?;
        // The maker's inbox: no approve/reject on their own request, but a
        // withdraw button.
        h.goto("/approvals").await?;
        let own = h.testid("approval-row").await?;
        own.find(Locator::Css("[data-testid=\"withdraw\"]"))
            .await
            .context("the maker may withdraw")?;
        ensure!(
            own.find(Locator::Css(
                "[data-testid=\"approve\"], [data-testid=\"reject\"]"
            ))
            .await
            .is_err(),
            "no decision buttons on your own request"
        );
        log_out(h).await?;

        // A manager approves; the value changes.
        log_in(h, "manager@demo.steward.local", password).await?;
        signed_in(h).await?;
        h.goto("/approvals").await?;
        let row = h.testid("approval-row").await?;
        ensure!(
            row.text().await?.contains("150,000.50") || row.text().await?.contains("150000.50"),
            "the inbox shows the new value: {}",
            row.text().await?
        );
        let approve = row.find(Locator::Css("[data-testid=\"approve\"]")).await?;
        click_el(h, &approve).await?;
        h.testid("approvals-empty")
            .await
            .context("the inbox is empty after approving")?;
        // The approved tab, kept in the URL, shows who decided.
        h.click("approvals-tab-approved").await?;
        h.testid_text_where("approval-decision", |t| {
            t.contains("Approved") || t.contains("已批准")
        })
        .await
        .context("the approved tab shows the decision")?;
        let url = h.browser.current_url().await?;
        ensure!(
            url.path() == "/approvals" && url.query() == Some("status=approved"),
            "the tab is in the URL: {url}"
        );
        h.browser.refresh().await?;
        h.testid("approval-decision")
            .await
            .context("a reload keeps the tab")?;
        h.goto("/accounts").await?;
        h.fill("accounts-search", "华强").await?;
        h.testid("account-row").await?;
        h.click("account-link").await?;
        click_id(h, "tab-contracts").await?;
        wait_for_attr(
            h,
            "[data-testid=\"contract-annual-value\"]",
            "data-value",
            "150000.50",
        )
        .await
        .context("the approved value is in force")?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_password_is_changed_from_the_menu_and_reset_by_the_emailed_link() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use server::entity::email_outbox;
    const CHANGED: &str = "一个全新的口令 2027";
    const RESET: &str = "another fresh passphrase";
    scenario("password_reset", async |h| {
        sign_up(h, "mima@huanan.cn").await?;
        // Change it from the user menu: the current one is asked first.
        h.click("user-menu").await.ok();
        h.click("change-password").await?;
        h.wait_for_path("/password").await?;
        h.fill("password-current", "not my password").await?;
        h.fill("password-new", CHANGED).await?;
        h.click("password-submit").await?;
        h.testid("error-current_password").await?;
        set_input(h, "password-current", PASSWORD).await?;
        h.click("password-submit").await?;
        h.wait_for_path_where("back from the password page", |p| p != "/password")
            .await?;
        log_out(h).await?;

        // Forgotten: ask for a link from the login page...
        h.click("to-forgot").await?;
        h.wait_for_path("/forgot-password").await?;
        h.fill("forgot-email", "mima@huanan.cn").await?;
        h.click("forgot-submit").await?;
        h.testid("forgot-sent").await?;
        // ...which the outbox holds (the e-mail's text, links included).
        let mail = email_outbox::Entity::find()
            .filter(email_outbox::Column::ToAddr.eq("mima@huanan.cn"))
            .order_by_desc(email_outbox::Column::Id)
            .one(&h.state.db.read)
            .await?
            .context("a reset e-mail")?;
        let token = mail
            .body_text
            .split("/reset-password?token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .context("a reset link in the e-mail")?
            .to_string();
        h.goto(&format!("/reset-password?token={token}")).await?;
        h.fill("reset-password", RESET).await?;
        h.click("reset-submit").await?;
        h.testid("reset-done").await?;
        // The same link a second time is refused, in words.
        h.goto(&format!("/reset-password?token={token}")).await?;
        h.fill("reset-password", "yet another passphrase").await?;
        h.click("reset-submit").await?;
        wait_for_text_in(h, "reset-error", "invalid").await?;

        log_in(h, "mima@huanan.cn", CHANGED).await?;
        h.testid("login-error").await?;
        log_in(h, "mima@huanan.cn", RESET).await?;
        signed_in(h).await?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_new_workspace_confirms_its_address_from_the_emailed_link() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::email_outbox;
    scenario("confirm_address", async |h| {
        sign_up(h, "queren@huanan.cn").await?;
        // Until the address is confirmed the admin is told why no mail goes
        // out, with the address and a way to get a new link.
        wait_for_text_in(h, "unconfirmed-address", "queren@huanan.cn").await?;
        select_value(h, "lang-switch", "zh-CN").await?;
        let said = wait_for_text_in(h, "unconfirmed-address", "邮件").await?;
        ensure!(
            said.contains("queren@huanan.cn") && !said.contains("Confirm"),
            "the banner in Chinese: {said}"
        );
        h.testid("resend-verification").await?;
        let mail = email_outbox::Entity::find()
            .filter(email_outbox::Column::ToAddr.eq("queren@huanan.cn"))
            .filter(email_outbox::Column::BodyText.contains("/verify-email?token="))
            .one(&h.state.db.read)
            .await?
            .context("a confirmation e-mail")?;
        let token = mail
            .body_text
            .split("/verify-email?token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .context("a link in the e-mail")?
            .to_string();
        h.goto(&format!("/verify-email?token={token}")).await?;
        h.testid("verify-done").await?;
        // The same link again is refused, in words.
        h.goto(&format!("/verify-email?token={token}")).await?;
        h.testid("verify-failed").await?;
        // Back in the app, the banner is gone.
        h.click("verify-continue").await?;
        signed_in(h).await?;
        h.goto("/accounts").await?;
        h.testid("accounts-empty").await?;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let banners = h
            .browser
            .find_all(Locator::Css("[data-testid=unconfirmed-address]"))
            .await?;
        ensure!(banners.is_empty(), "the banner is gone once confirmed");
        Ok(())
    })
    .await;
}

/// A person with a login in two workspaces (both confirmed the address)
/// switches from the user menu: it names the other workspace, signs out,
/// and the login page, prefilled with the address, signs in there.
#[actix_web::test]
async fn a_login_in_two_workspaces_switches_between_them_from_the_user_menu() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::{users, workspaces};
    scenario("switch_workspace", async |h| {
        let email = "liang@huanan.cn";
        sign_up(h, email).await?;
        let (status, body) = page_api(
            h,
            None,
            "POST",
            "/signup",
            serde_json::json!({"workspace_name": "华北服务中心", "name": "周建国",
                               "email": email, "password": PASSWORD}),
            false,
        )
        .await?;
        ensure!(status == 201, "a second workspace: {status} {body}");
        // What following each mailed confirmation link does.
        let now = chrono::Utc::now();
        users::Entity::update_many()
            .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
            .filter(users::Column::Email.eq(email))
            .exec(&h.state.db.write)
            .await?;
        workspaces::Entity::update_many()
            .col_expr(workspaces::Column::VerifiedAt, Expr::value(now))
            .exec(&h.state.db.write)
            .await?;
        h.goto("/accounts").await?;
        h.click("user-menu").await?;
        wait_for_text_in(h, "switch-workspace", "华北服务中心").await?;
        h.click("switch-workspace").await?;
        h.wait_for_path("/login").await?;
        let mut prefilled = None;
        for _ in 0..50 {
            prefilled = h.testid("login-email").await?.prop("value").await?;
            if prefilled.as_deref() == Some(email) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(
            prefilled.as_deref() == Some(email),
            "the login page names the address: {prefilled:?}"
        );
        h.fill("login-password", PASSWORD).await?;
        h.click("login-submit").await?;
        signed_in(h).await?;
        // Signed in to the other workspace: the menu now offers the first.
        h.click("user-menu").await?;
        wait_for_text_in(h, "switch-workspace", "华南授权服务中心").await?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn an_admin_imports_accounts_from_a_csv_checking_it_first() {
    scenario("import_wizard", async |h| {
        sign_up(h, "chen@huanan.cn").await?;
        let dir = std::env::temp_dir().join(format!("steward-e2e-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("客户清单.csv");
        std::fs::write(
            &file,
            "\u{feff}客户编码,客户名称,行业,模块\n\
             300101,东莞市恒通五金制品有限公司,五金,\"财务、仓存\"\n\
             300102,佛山市美的达家具有限公司,家具,销售\n\
             ABC,编码不对的客户,,\n",
        )?;
        h.click("accounts-import").await?;
        h.wait_for_path("/accounts/import").await?;
        h.testid("import-recent-empty").await?;
        // Nothing chosen: said so at the field.
        h.click("import-check").await?;
        h.testid("import-no-file").await?;
        h.testid("import-file")
            .await?
            .send_keys(&file.display().to_string())
            .await?;
        h.click("import-check").await?;
        h.testid("import-done")
            .await
            .context("the check finishes")?;
        let created = h.testid("import-created").await?.text().await?;
        ensure!(created == "2", "two rows would be new: {created}");
        let failed = h.testid("import-failed-rows").await?.text().await?;
        ensure!(failed == "1", "one row has a problem: {failed}");
        let errors = h.testid("import-errors").await?.text().await?;
        ensure!(
            errors.contains('4'),
            "the problem row is named by its line: {errors}"
        );
        let columns = h.testid("import-columns").await?.text().await?;
        ensure!(
            columns.contains("客户编码"),
            "the mapping shows the file's headers: {columns}"
        );
        h.goto("/accounts").await?;
        h.testid("accounts-empty")
            .await
            .context("a check writes nothing")?;

        h.goto("/accounts/import").await?;
        h.testid("import-recent-row").await?;
        h.testid("import-file")
            .await?
            .send_keys(&file.display().to_string())
            .await?;
        h.click("import-check").await?;
        h.testid("import-done").await?;
        h.click("import-commit").await?;
        h.testid("import-to-accounts")
            .await
            .context("the import finishes")?;
        h.click("import-to-accounts").await?;
        h.wait_for_text("东莞市恒通五金制品有限公司").await?;
        h.wait_for_text("佛山市美的达家具有限公司").await?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
    .await;
}
