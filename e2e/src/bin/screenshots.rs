//! Saves screenshots of the main pages (demo data, desktop and phone width)
//! to `e2e/screenshots/`, for looking at the app as a user does.
//! `cargo run -p e2e --bin screenshots`.

use std::time::Duration;

use e2e::Harness;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    // The demo's story, with its health history up to today.
    server::seed::demo_story(&h.state).await?;
    let shots: &[(&str, &str)] = &[("login", "/login")];
    for (name, path) in shots {
        h.goto(path).await?;
        h.testid("login-form").await?;
        println!("{:?}", h.screenshot(name).await?);
    }
    h.fill("login-email", server::seed::DEMO_ADMIN).await?;
    h.fill("login-password", server::seed::DEMO_PASSWORD)
        .await?;
    h.click("login-submit").await?;
    e2e::steps::signed_in(&h).await?;
    h.goto("/accounts").await?;
    h.testid("account-row").await?;
    println!("{:?}", h.screenshot("accounts").await?);
    h.click("account-link").await?;
    h.testid("account-details").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("{:?}", h.screenshot("account").await?);
    h.goto("/users").await?;
    h.testid("users-table").await?;
    println!("{:?}", h.screenshot("users").await?);
    for (name, path, ready) in [
        ("tickets", "/tickets", "ticket-row"),
        ("ticket", "/tickets/1", "comments"),
        ("ticket-new", "/tickets/new", "new-ticket-form"),
        ("approvals", "/approvals", "approvals-heading"),
        ("kb", "/kb", "kb-heading"),
        ("sla-settings", "/settings/sla", "sla-save"),
        ("onboarding", "/onboarding", "portfolio-table"),
        ("trainings", "/trainings", "calendar"),
    ] {
        h.goto(path).await?;
        h.testid(ready).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!("{:?}", h.screenshot(name).await?);
    }
    // The dashboard and the reports whole, in a tall window.
    h.browser.set_window_size(1280, 2000).await?;
    for (name, path, ready) in [
        ("dashboard", "/dashboard", "health-chart"),
        ("reports", "/reports", "kpi-table"),
        ("surveys", "/surveys", "surveys-heading"),
        ("health-model", "/settings/health", "hm-total"),
        ("api-keys", "/settings/api-keys", "api-keys-heading"),
        ("import", "/accounts/import", "import-heading"),
        ("webhooks", "/settings/webhooks", "webhooks-heading"),
        ("chat-bots", "/settings/chat-bots", "chat-bots-heading"),
        (
            "mail-channels",
            "/settings/mail-channels",
            "mail-channels-heading",
        ),
    ] {
        h.goto(path).await?;
        h.testid(ready).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!("{:?}", h.screenshot(name).await?);
    }
    // The macros page with a shared macro, and the reply box's picker.
    let (_, renewed) = e2e::steps::page_api(
        &h,
        None,
        "POST",
        "/auth/refresh",
        serde_json::Value::Null,
        true,
    )
    .await?;
    let token = renewed["access_token"].as_str().unwrap_or_default();
    e2e::steps::page_api(
        &h,
        Some(token),
        "POST",
        "/macros",
        serde_json::json!({
            "name": "索要日志 / Ask for the log",
            "scope": "shared",
            "body_zh": "{{contact.name}}您好，请导出系统日志后回复（工单 #{{ticket.number}}）。",
            "body_en": "Dear {{contact.name}}, please send us the system log (ticket #{{ticket.number}}).",
            "actions": {"status": "pending_customer", "internal_note": "已请客户导出日志"}
        }),
        false,
    )
    .await?;
    h.browser.set_window_size(1280, 900).await?;
    h.goto("/settings/macros").await?;
    h.testid("macros-table").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("{:?}", h.screenshot("macros").await?);
    h.browser.set_window_size(1280, 1500).await?;
    h.click("macro-edit").await?;
    h.testid("macro-form").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    println!("{:?}", h.screenshot("macro-form").await?);
    h.browser.set_window_size(1280, 900).await?;
    h.goto("/tickets/1").await?;
    h.testid("macro-picker-toggle").await?;
    e2e::steps::click_id(&h, "macro-picker-toggle").await?;
    h.testid("macro-option").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    println!("{:?}", h.screenshot("ticket-macro-picker").await?);
    h.browser.set_window_size(390, 844).await?;
    h.goto("/accounts").await?;
    h.testid("account-row").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    println!("{:?}", h.screenshot("accounts-phone").await?);
    h.goto("/dashboard").await?;
    h.testid("health-chart").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("{:?}", h.screenshot("dashboard-phone").await?);
    // In Chinese: the account page (summary and tabs) and the queue, at
    // desktop and phone widths.
    h.browser.set_window_size(1280, 900).await?;
    h.goto("/accounts").await?;
    h.testid("account-row").await?;
    e2e::steps::select_value(&h, "lang-switch", "zh-CN")
        .await
        .ok();
    let account = h
        .testid("account-link")
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    for (width, height, suffix) in [(1280, 900, ""), (375, 812, "-phone")] {
        h.browser.set_window_size(width, height).await?;
        for (name, path, ready) in [
            ("account-zh", account.clone(), "account-summary"),
            (
                "account-tickets-zh",
                format!("{account}?tab=tickets"),
                "account-tickets",
            ),
            ("tickets-zh", "/tickets".to_string(), "tickets-heading"),
            ("renewals-zh", "/renewals".to_string(), "renewals-heading"),
            (
                "approvals-zh",
                "/approvals".to_string(),
                "approvals-heading",
            ),
            (
                "macros-zh",
                "/settings/macros".to_string(),
                "macros-heading",
            ),
        ] {
            h.goto(&path).await?;
            h.testid(ready).await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            println!("{:?}", h.screenshot(&format!("{name}{suffix}")).await?);
        }
    }
    // A CSM's day: the built-in playbooks fired over the demo, "my work"
    // and the playbooks page, in Chinese and in English.
    e2e::steps::log_out(&h).await?;
    e2e::steps::log_in(
        &h,
        "manager@demo.steward.local",
        server::seed::DEMO_PASSWORD,
    )
    .await?;
    e2e::steps::signed_in(&h).await?;
    h.goto("/settings/playbooks").await?;
    h.click("playbooks-install").await?;
    h.testid("playbooks-table").await?;
    server::jobs::run(&h.state, "playbooks").await?;
    e2e::steps::log_out(&h).await?;
    e2e::steps::log_in(&h, "csm1@demo.steward.local", server::seed::DEMO_PASSWORD).await?;
    h.wait_for_path("/my-work").await?;
    for lang in ["zh-CN", "en"] {
        e2e::steps::select_value(&h, "lang-switch", lang).await.ok();
        for (width, height, suffix) in [(1280, 900, ""), (375, 812, "-phone")] {
            h.browser.set_window_size(width, height).await?;
            h.goto("/my-work").await?;
            h.testid("my-work-heading").await?;
            h.testid("book-renewals").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            println!(
                "{:?}",
                h.screenshot(&format!("my-work-{lang}{suffix}")).await?
            );
        }
    }
    e2e::steps::log_out(&h).await?;
    e2e::steps::log_in(
        &h,
        "manager@demo.steward.local",
        server::seed::DEMO_PASSWORD,
    )
    .await?;
    e2e::steps::signed_in(&h).await?;
    h.browser.set_window_size(1280, 900).await?;
    h.goto("/settings/playbooks").await?;
    h.testid("playbooks-table").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("{:?}", h.screenshot("playbooks").await?);
    // The portal, as its customer sees it.
    h.browser.set_window_size(1280, 900).await?;
    e2e::steps::log_out(&h).await?;
    e2e::steps::log_in(&h, "portal@demo.steward.local", server::seed::DEMO_PASSWORD).await?;
    h.wait_for_path("/portal").await?;
    for (width, height, suffix) in [(1425, 900, ""), (375, 812, "-phone")] {
        h.browser.set_window_size(width, height).await?;
        for (name, path, ready) in [
            ("portal-home", "/portal", "portal-heading"),
            (
                "portal-tickets",
                "/portal/tickets",
                "portal-tickets-heading",
            ),
        ] {
            h.goto(path).await?;
            h.testid(ready).await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            println!("{:?}", h.screenshot(&format!("{name}{suffix}")).await?);
        }
        h.goto("/portal/tickets").await?;
        if let Ok(link) = h.testid("portal-ticket-link").await {
            link.click().await?;
            h.testid("attachments").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            println!(
                "{:?}",
                h.screenshot(&format!("portal-ticket{suffix}")).await?
            );
        }
    }
    h.stop().await;
    Ok(())
}
