//! Records the list requests the web app really sends, for the view
//! benchmark (`scripts/bench-views.sh`): it opens every list page of the
//! staff app (each tab, each single filter, the default sorts) and of the
//! portal in headless Chromium against a copy of the benchmark database,
//! reads the browser's network log (Resource Timing) after each page, and
//! prints every distinct `GET /api/v1/…` the app sent, one per line,
//! prefixed by the role that sent it (`staff` or `portal`).
//!
//! `capture-views DATABASE_URL STAFF_EMAIL PORTAL_EMAIL PASSWORD`

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Context;
use e2e::steps::log_in;
use e2e::Harness;

/// The staff app's list pages: every view tab and every single filter the
/// pages offer, in the URL form the pages themselves keep them in.
fn staff_pages(me: i64, account: i64, ticket: i64) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/my-work",
        "/tasks",
        "/tasks?assignee=anyone&status=any",
        "/settings/playbooks",
        "/dashboard",
        "/accounts",
        "/accounts?stage=onboarding",
        "/accounts?stage=adoption",
        "/accounts?stage=renewal",
        "/accounts?q=%E7%A7%91%E6%8A%80",
        "/tickets",
        "/tickets?unassigned=true",
        "/tickets?breached=true",
        "/approvals",
        "/kb",
        "/kb?q=%E5%87%AD%E8%AF%81%E8%BF%87%E8%B4%A6",
        "/trainings",
        "/trainings?view=month",
        "/onboarding",
        "/onboarding?sort=name",
        "/onboarding?sort=progress",
        "/onboarding?sort=go_live",
        "/renewals",
        "/renewals?view=table",
        "/renewals?due_within_days=90",
        "/users",
        "/reports",
        "/surveys",
        "/settings/api-keys",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    pages.push("/my-work".to_string());
    pages.push(format!("/tickets?assignee_id={me}"));
    pages.push(format!("/tickets?account_id={account}"));
    for status in ["new", "open", "pending_customer", "resolved", "closed"] {
        pages.push(format!("/tickets?status={status}"));
    }
    for module in [
        "system",
        "sales",
        "purchasing",
        "inventory",
        "production",
        "planning",
        "finance",
    ] {
        pages.push(format!("/tickets?module={module}"));
    }
    for priority in ["p1", "p2", "p3", "p4"] {
        pages.push(format!("/tickets?priority={priority}"));
    }
    for stage in ["upcoming", "in_negotiation", "committed"] {
        pages.push(format!("/renewals?view=table&stage={stage}"));
    }
    pages.push(format!("/accounts/{account}"));
    if ticket > 0 {
        pages.push(format!("/tickets/{ticket}"));
    }
    pages
}

const PORTAL_PAGES: &[&str] = &[
    "/portal",
    "/portal/tickets",
    "/portal/tickets/new",
    "/portal/kb",
    "/portal/kb?q=%E6%9C%88%E6%9C%AB%E7%BB%93%E8%B4%A6%E6%97%B6%E5%87%AD%E8%AF%81%E6%97%A0%E6%B3%95%E8%BF%87%E8%B4%A6",
];

/// The API requests the page sent since the last call, once none is under
/// way (the app counts them in `window.stewardInFlight`; the browser's
/// network log lists only finished ones) and the network has been quiet
/// for half a second. A first, uncached computation (the dashboard over
/// 100,000 accounts) may take seconds: up to a minute is waited.
async fn sent_requests(h: &Harness) -> anyhow::Result<Vec<String>> {
    let script = r#"
        const names = performance.getEntriesByType('resource').map(e => e.name);
        performance.clearResourceTimings();
        return { names, in_flight: window.stewardInFlight || 0 };
    "#;
    let mut seen = Vec::new();
    let mut quiet = 0;
    for _ in 0..240 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = h.browser.execute(script, vec![]).await?;
        let names: Vec<String> = serde_json::from_value(now["names"].clone())?;
        let in_flight = now["in_flight"].as_f64().unwrap_or(0.0);
        if names.is_empty() && in_flight == 0.0 {
            quiet += 1;
            if quiet >= 2 && !seen.is_empty() {
                break;
            }
        } else {
            quiet = 0;
            seen.extend(names);
        }
    }
    Ok(seen
        .into_iter()
        .filter_map(|url| url.split_once("/api/v1").map(|(_, rest)| rest.to_string()))
        .collect())
}

async fn visit_all(
    h: &Harness,
    role: &str,
    pages: &[String],
    out: &mut BTreeSet<String>,
) -> anyhow::Result<()> {
    // The page the role lands on after signing in counts too (the
    // dashboard for an admin).
    let mut record = |requests: Vec<String>| {
        for request in requests {
            // Only reads are replayed; sessions and writes are not views.
            if !(request.starts_with("/auth/") || request.starts_with("/me")) {
                out.insert(format!("{role} {request}"));
            }
        }
    };
    record(sent_requests(h).await?);
    for page in pages {
        h.goto(page).await?;
        record(sent_requests(h).await?);
        eprintln!("{role} {page}: recorded");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [database_url, staff, portal, password] = args.as_slice() else {
        anyhow::bail!("usage: capture-views DATABASE_URL STAFF_EMAIL PORTAL_EMAIL PASSWORD");
    };
    let url = database_url.clone();
    let h = Harness::start_with(move |c| c.database_url = Some(url)).await?;
    let outcome = async {
        let db = &h.state.db.read;
        let ids = |sql: &'static str| async move {
            use sea_orm::{ConnectionTrait, Statement};
            let row = db
                .query_one(Statement::from_string(db.get_database_backend(), sql))
                .await?
                .context(sql)?;
            anyhow::Ok(row.try_get_by_index::<i64>(0)?)
        };
        // 0 where the bench has none (e.g. "my work" seeds no tickets).
        let me = ids("SELECT COALESCE(MIN(id), 0) FROM users WHERE role = 'admin'").await?;
        let account = ids("SELECT COALESCE(MIN(id), 0) FROM accounts").await?;
        let ticket = ids("SELECT COALESCE(MAX(id), 0) FROM tickets").await?;
        let mut out = BTreeSet::new();
        log_in(&h, staff, password).await?;
        h.wait_for_path_where("the app", |p| p != "/login").await?;
        visit_all(&h, "staff", &staff_pages(me, account, ticket), &mut out).await?;
        e2e::steps::log_out(&h).await?;
        log_in(&h, portal, password).await?;
        h.wait_for_path("/portal").await?;
        let portal_pages: Vec<String> = PORTAL_PAGES.iter().map(|p| p.to_string()).collect();
        visit_all(&h, "portal", &portal_pages, &mut out).await?;
        for line in &out {
            println!("{line}");
        }
        anyhow::Ok(())
    }
    .await;
    h.stop().await;
    outcome
}
