//! The dashboard and the reports in headless Chromium: a manager sees the
//! health distribution, the accounts at risk and the renewals by month
//! with the figures that were seeded, opens the renewal report and
//! downloads both CSV exports; an engineer is told the renewal figures
//! are not for their role.
//!
//! Seeding: the demo workspace, then contracts and renewal outcomes
//! through the HTTP API (from the page, with a manager's token), then the
//! `health-scores` job in-process on three days for a trend.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use e2e::steps::{click_id, log_in, log_out, signed_in, wait_for_attr, wait_for_text_in};
use e2e::{scenario, Harness};
use fantoccini::Locator;
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const MANAGER: &str = "manager@demo.steward.local";
const ENGINEER: &str = "engineer1@demo.steward.local";

/// Calls the API from the page (same origin) and returns `(status, body)`.
async fn api(
    h: &Harness,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<(u64, Value)> {
    e2e::steps::page_api(h, token, method, path, body, true).await
}

async fn api_ok(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, value) = api(h, Some(token), method, path, body).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {value}"
    );
    Ok(value)
}

/// `YYYY-MM-DD` `days` after `day`, computed by the browser.
async fn add_days(h: &Harness, day: &str, days: i64) -> anyhow::Result<String> {
    let v = h
        .browser
        .execute(
            "return new Date(Date.parse(arguments[0] + 'T00:00:00Z') + arguments[1] * 86400000)\
             .toISOString().slice(0, 10);",
            vec![json!(day), json!(days)],
        )
        .await?;
    v.as_str().map(str::to_string).context("a date")
}

/// What was seeded, to check the pages against.
struct Seeded {
    accounts: u64,
    bands: [u64; 3],
    /// Renewals due per `YYYY-MM` month.
    due_by_month: BTreeMap<String, u64>,
}

/// Four CNY contracts ending in 20, 45, 75 and 100 days: the first is
/// churned (price), the second renewed at a higher value, two stay open.
/// Then health scores for 20 and 10 days ago and today.
async fn seed(h: &Harness) -> anyhow::Result<Seeded> {
    server::seed::demo(&h.state.db).await?;
    h.goto("/login").await?;
    h.testid("login-form").await?;
    let login = api_ok(
        h,
        "",
        "POST",
        "/auth/login",
        json!({"email": MANAGER, "password": DEMO_PASSWORD}),
    )
    .await?;
    let token = login["access_token"]
        .as_str()
        .context("a token")?
        .to_string();
    let t = token.as_str();
    let today = api_ok(h, t, "GET", "/dashboard", Value::Null).await?["today"]
        .as_str()
        .context("today")?
        .to_string();
    let accounts = api_ok(h, t, "GET", "/accounts?limit=200", Value::Null).await?;
    let accounts = accounts["items"].as_array().context("accounts")?.clone();
    ensure!(accounts.len() >= 4, "the demo has accounts");

    let mut due_by_month = BTreeMap::new();
    let mut contracts = Vec::new();
    for (n, (days, value)) in [
        (20, "100000.00"),
        (45, "50000.50"),
        (75, "80000.00"),
        (100, "30000.00"),
    ]
    .into_iter()
    .enumerate()
    {
        let ends_on = add_days(h, &today, days).await?;
        let starts_on = add_days(h, &ends_on, -364).await?;
        *due_by_month.entry(ends_on[..7].to_string()).or_insert(0) += 1;
        let c = api_ok(
            h,
            t,
            "POST",
            "/contracts",
            json!({"account_id": accounts[n]["id"], "starts_on": starts_on, "ends_on": ends_on,
                   "annual_value": value, "currency": "CNY"}),
        )
        .await?;
        contracts.push(c["id"].clone());
    }
    // Listing opens the renewals of the contracts in the horizon.
    let renewals = api_ok(h, t, "GET", "/renewals?limit=200", Value::Null).await?;
    let renewal_of = |contract: &Value| {
        renewals["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["contract_id"] == *contract))
            .map(|r| r["id"].clone())
            .with_context(|| format!("a renewal of contract {contract}"))
    };
    let churned = renewal_of(&contracts[0])?;
    let renewed = renewal_of(&contracts[1])?;
    api_ok(
        h,
        t,
        "PATCH",
        &format!("/renewals/{churned}"),
        json!({"stage": "churned", "churn_reason": "price"}),
    )
    .await?;
    api_ok(
        h,
        t,
        "POST",
        &format!("/renewals/{renewed}/renew"),
        json!({"annual_value": "60000.00"}),
    )
    .await?;
    api_ok(h, t, "POST", "/auth/logout", Value::Null).await?;

    // Scores on three days, for a trend line; today's are the dashboard's.
    let now = h.state.clock.now();
    for days_ago in [20u64, 10] {
        let then = now - Duration::from_secs(days_ago * 86_400);
        server::domain::health::snapshots::run(&h.state, then, None).await?;
    }
    let run = server::jobs::run(&h.state, "health-scores").await?;
    let count = |band: &str| run.summary[band].as_u64().unwrap_or(0);
    let bands = [count("green"), count("yellow"), count("red")];
    let accounts = run.summary["accounts"].as_u64().unwrap_or(0);
    ensure!(
        bands.iter().sum::<u64>() == accounts && accounts > 0,
        "the job scored every account: {}",
        run.summary
    );
    Ok(Seeded {
        accounts,
        bands,
        due_by_month,
    })
}

async fn attr(h: &Harness, selector: &str, name: &str) -> anyhow::Result<String> {
    Ok(h.css(selector).await?.attr(name).await?.unwrap_or_default())
}

/// Captures the Blobs the page turns into object URLs (the CSV downloads).
async fn capture_blobs(h: &Harness) -> anyhow::Result<()> {
    h.browser
        .execute(
            "window.__blobs = []; const original = URL.createObjectURL; \
             URL.createObjectURL = function (blob) { window.__blobs.push(blob); \
             return original.call(URL, blob); };",
            vec![],
        )
        .await?;
    Ok(())
}

/// The text of the `n`th captured Blob, once the download produced it.
async fn blob_text(h: &Harness, n: usize) -> anyhow::Result<String> {
    for _ in 0..100 {
        let text = h
            .browser
            .execute_async(
                "const [n, done] = arguments; const b = (window.__blobs || [])[n]; \
                 if (!b) { done(null); } else { b.text().then(done); }",
                vec![json!(n)],
            )
            .await?;
        if let Some(text) = text.as_str() {
            return Ok(text.to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("download {n} produced no file")
}

async fn no_element(h: &Harness, selector: &str) -> anyhow::Result<bool> {
    Ok(h.browser.find(Locator::Css(selector)).await.is_err())
}

#[actix_web::test]
async fn a_manager_reads_the_dashboard_charts_and_downloads_the_reports() {
    scenario("dashboard_and_reports", async |h| {
        let seeded = seed(h).await?;
        log_in(h, MANAGER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        click_id(h, "nav-dashboard").await?;
        h.wait_for_path("/dashboard").await?;

        // Stat cards: every demo account is the manager's to see.
        wait_for_text_in(h, "stat-accounts-value", &seeded.accounts.to_string()).await?;
        h.testid("dashboard-as-of").await?;

        // The health distribution: the job's band counts, in the legend
        // and in the chart's accessible name.
        h.testid("health-chart").await?;
        for (band, count) in ["band-green", "band-yellow", "band-red"]
            .iter()
            .zip(seeded.bands)
        {
            wait_for_attr(
                h,
                &format!("[data-testid=\"legend-item\"][data-key=\"{band}\"]"),
                "data-count",
                &count.to_string(),
            )
            .await?;
        }
        let label = attr(h, "[data-testid=\"health-chart-svg\"]", "aria-label").await?;
        let [g, y, r] = seeded.bands;
        ensure!(
            label.contains(&format!("Green {g}, Yellow {y}, Red {r}")),
            "the chart names its counts: {label}"
        );
        let total = h
            .css("[data-testid=\"health-chart\"] .donut-total")
            .await?
            .text()
            .await?;
        ensure!(
            total == seeded.accounts.to_string(),
            "the total in the middle: {total}"
        );

        // The accounts at risk: the ten lowest scores, lowest first, each
        // a link to its account with a trend of the three scored days.
        h.testid("at-risk-list").await?;
        let items = h
            .browser
            .find_all(Locator::Css("[data-testid=\"at-risk-item\"]"))
            .await?;
        ensure!(
            items.len() as u64 == seeded.accounts.min(10),
            "{} accounts at risk listed",
            items.len()
        );
        let mut scores = Vec::new();
        for item in &items {
            let score = item
                .find(Locator::Css("[data-testid=\"at-risk-score\"]"))
                .await?
                .text()
                .await?;
            scores.push(score.trim().parse::<i32>().context("a score")?);
        }
        ensure!(
            scores.windows(2).all(|w| w[0] <= w[1]),
            "lowest first: {scores:?}"
        );
        let link = items[0]
            .find(Locator::Css("[data-testid=\"at-risk-link\"]"))
            .await?;
        let href = link.attr("href").await?.unwrap_or_default();
        ensure!(
            href.starts_with("/accounts/"),
            "links to the account: {href}"
        );
        let spark = items[0]
            .find(Locator::Css("[data-testid=\"sparkline\"]"))
            .await?;
        ensure!(
            spark.attr("data-points").await?.as_deref() == Some("3"),
            "a trend of three days"
        );

        // Renewals by month: four due, each in its month.
        wait_for_text_in(h, "renewals-chart-summary", "4").await?;
        for (month, count) in &seeded.due_by_month {
            wait_for_attr(
                h,
                &format!("[data-testid=\"chart-group\"][data-key=\"{month}\"]"),
                "data-count",
                &count.to_string(),
            )
            .await?;
        }
        let months = h
            .browser
            .find_all(Locator::Css(
                "[data-testid=\"renewals-chart\"] [data-testid=\"chart-group\"]",
            ))
            .await?;
        ensure!(months.len() == 12, "twelve months drawn, {}", months.len());
        // Open renewals due within 90 days: only the one ending in 75.
        wait_for_attr(
            h,
            "[data-testid=\"renewal-window\"][data-days=\"90\"]",
            "data-count",
            "1",
        )
        .await?;

        // The renewal report of the same twelve months.
        click_id(h, "to-renewal-report").await?;
        h.wait_for_path("/reports").await?;
        wait_for_attr(h, "[data-outcome=\"due\"]", "data-count", "4").await?;
        wait_for_attr(h, "[data-outcome=\"renewed\"]", "data-count", "1").await?;
        wait_for_attr(h, "[data-outcome=\"churned\"]", "data-count", "1").await?;
        wait_for_attr(h, "[data-outcome=\"open\"]", "data-count", "2").await?;
        wait_for_text_in(h, "rate-count", "50.00%").await?;
        // 50000.50 renewed of 150000.50 closed.
        wait_for_text_in(h, "rate-value", "33.33%").await?;
        wait_for_attr(
            h,
            "[data-testid=\"churn-reason-row\"][data-reason=\"price\"]",
            "data-count",
            "1",
        )
        .await?;
        h.testid("kpi-table").await?;

        // Both CSV exports download without an error, with their headers.
        capture_blobs(h).await?;
        click_id(h, "download-renewals").await?;
        let csv = blob_text(h, 0).await?;
        let csv = csv.trim_start_matches('\u{feff}');
        ensure!(
            csv.starts_with("account_code,account_name,owner,due_on,stage"),
            "the renewal CSV's header: {}",
            csv.lines().next().unwrap_or_default()
        );
        ensure!(csv.lines().count() == 5, "one line per renewal due:\n{csv}");
        click_id(h, "download-kpi").await?;
        let kpi = blob_text(h, 1).await?;
        ensure!(
            kpi.trim_start_matches('\u{feff}')
                .starts_with("user_id,name,role"),
            "the KPI CSV's header: {kpi}"
        );
        ensure!(
            no_element(h, "[data-testid=\"download-renewals-error\"]").await?
                && no_element(h, "[data-testid=\"download-kpi-error\"]").await?,
            "no download error"
        );

        // A period the other way round is refused in the form.
        e2e::steps::set_input(h, "report-from", "2030-01-01").await?;
        e2e::steps::set_input(h, "report-to", "2029-01-01").await?;
        click_id(h, "report-apply").await?;
        h.testid("error-report-to").await?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn an_engineer_sees_the_dashboard_without_contract_values() {
    scenario("dashboard_engineer", async |h| {
        server::seed::demo(&h.state.db).await?;
        // Before any health-scores run the health cards explain themselves.
        log_in(h, ENGINEER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/dashboard").await?;
        h.testid("health-not-scored").await?;
        h.testid("renewals-chart-forbidden").await?;
        ensure!(
            no_element(h, "[data-testid=\"health-chart\"]").await?,
            "no empty chart before the first scores"
        );
        h.goto("/reports").await?;
        h.testid("renewal-report-forbidden").await?;
        h.testid("kpi-own").await?;
        let rows = h
            .browser
            .find_all(Locator::Css("[data-testid=\"kpi-row\"]"))
            .await?;
        ensure!(rows.len() == 1, "an engineer sees their own KPI row");
        ensure!(
            no_element(h, "[data-testid=\"download-renewals\"]").await?,
            "no renewal export offered"
        );
        log_out(h).await?;
        // The admin sees every KPI row.
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/reports").await?;
        h.testid("kpi-table").await?;
        let rows = h
            .browser
            .find_all(Locator::Css("[data-testid=\"kpi-row\"]"))
            .await?;
        ensure!(
            rows.len() == 5,
            "three CSMs and two engineers: {}",
            rows.len()
        );
        Ok(())
    })
    .await;
}
