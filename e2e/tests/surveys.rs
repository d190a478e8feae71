//! NPS surveys, API keys and the health model in the browser: an admin
//! runs a campaign, the customer answers through the e-mailed one-time link
//! (signed out), the answer shows in the campaign and in the account's
//! health; an admin creates, uses and revokes an API key; the health model
//! is edited and an override goes through approval.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use e2e::steps::{click_id, click_nav, log_in, log_out, set_input, signed_in, wait_for_text_in};
use e2e::{scenario, Harness};
use fantoccini::Locator;
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

/// The demo account whose contacts are surveyed (seed order: second).
const ACCOUNT: &str = "广州白云日化股份有限公司";

// ---------- reading the e-mail the server wrote ----------

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if let Some(b) = joined
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Every MIME part's body of a raw message, decoded to text.
fn decoded_parts(raw: &str) -> Vec<String> {
    let raw = raw.replace("\r\n", "\n");
    let mut parts = Vec::new();
    for chunk in raw.split("\n--") {
        let Some((headers, body)) = chunk.split_once("\n\n") else {
            continue;
        };
        let headers = headers.to_ascii_lowercase();
        let body = body.split("\n--").next().unwrap_or_default();
        let bytes = if headers.contains("content-transfer-encoding: base64") {
            base64_decode(body)
        } else if headers.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable_decode(body)
        } else {
            body.as_bytes().to_vec()
        };
        parts.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    parts
}

/// The token of the survey link e-mailed to `to`, waiting for the outbox
/// worker to write the message (`data_dir/outbox/*.eml`, no SMTP set).
async fn survey_token(dir: &Path, to: &str) -> anyhow::Result<String> {
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if !raw.contains(to) {
                    continue;
                }
                for part in decoded_parts(&raw) {
                    if let Some((_, rest)) = part.split_once("/portal/surveys/") {
                        let token: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect();
                        if token.len() >= 32 {
                            return Ok(token);
                        }
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no survey e-mail to {to} in {}", dir.display())
}

async fn value_of(h: &Harness, testid: &str) -> anyhow::Result<String> {
    Ok(h.testid(testid)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Posts one usage event with `key` from the page (as another system
/// would), answering the HTTP status.
async fn send_usage_event(h: &Harness, key: &str) -> anyhow::Result<u64> {
    let status = h
        .browser
        .execute_async(
            "const [key, done] = arguments; \
             fetch('/api/v1/usage-events', {method: 'POST', headers: \
               {'X-Api-Key': key, 'Content-Type': 'application/json'}, \
               body: JSON.stringify({events: [{account_code: '100101', user_ref: 'zhangwei', \
               module: 'finance', occurred_at: new Date().toISOString()}]})}) \
             .then(r => done(r.status), () => done(0));",
            vec![serde_json::json!(key)],
        )
        .await?;
    status.as_u64().context("fetch answered a status")
}

#[actix_web::test]
async fn an_nps_campaign_is_answered_once_through_its_link_and_feeds_the_account() {
    scenario("nps_campaign", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;

        click_nav(h, "nav-surveys").await?;
        h.testid("surveys-empty").await.context("no campaign yet")?;
        click_id(h, "survey-new").await?;
        h.fill("survey-name", "2026 Q1 NPS").await?;
        // Without contacts the form says so before anything is sent.
        click_id(h, "survey-submit").await?;
        h.testid("error-contact_ids").await?;

        h.testid("survey-account")
            .await?
            .select_by_label(ACCOUNT)
            .await?;
        let boxes = h
            .css("input[data-testid^=\"survey-contact-\"]:not([disabled])")
            .await?;
        let box_id = boxes.attr("id").await?.context("checkbox id")?;
        let label = h
            .css(&format!("label[for=\"{box_id}\"]"))
            .await?
            .text()
            .await?;
        let email = label
            .split_whitespace()
            .find(|w| w.contains('@'))
            .with_context(|| format!("the contact shows its e-mail: {label}"))?
            .to_string();
        boxes.click().await?;
        wait_for_text_in(h, "survey-picked-count", "1").await?;
        click_id(h, "survey-submit").await?;
        h.wait_for_path("/surveys/").await?;
        wait_for_text_in(h, "survey-heading", "2026 Q1 NPS").await?;
        wait_for_text_in(h, "survey-answered", "0 / 1").await?;
        let nps = h.testid("survey-nps").await?.text().await?;
        ensure!(nps == "—", "no NPS before any answer: {nps}");
        let survey_path = h.browser.current_url().await?.path().to_string();

        // The customer opens the e-mailed link, signed out.
        let token = survey_token(&h.state.config.data_dir.join("outbox"), &email).await?;
        log_out(h).await?;
        let link = format!("/portal/surveys/{token}");
        h.goto(&link).await?;
        wait_for_text_in(h, "survey-question", "recommend").await?;
        click_id(h, "survey-submit").await?;
        h.testid("error-score")
            .await
            .context("a score is required")?;
        click_id(h, "survey-score-9").await?;
        ensure!(
            h.css("#sv-score-9").await?.is_selected().await?,
            "the label picks its radio"
        );
        h.fill("survey-comment", "财务模块的支持很及时 — great support")
            .await?;
        click_id(h, "survey-submit").await?;
        h.testid("survey-thanks").await?;
        ensure!(
            h.browser.current_url().await?.path() == link,
            "the public page never sends the customer to sign in"
        );

        // The link works once.
        h.goto(&link).await?;
        h.testid("survey-already-answered").await?;
        h.goto("/portal/surveys/not-a-real-token").await?;
        h.testid("survey-invalid").await?;

        // Back as staff: the campaign counts the answer.
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        click_nav(h, "nav-surveys").await?;
        wait_for_text_in(h, "survey-row-nps", "+100").await?;
        h.click("survey-link").await?;
        h.wait_for_path(&survey_path).await?;
        wait_for_text_in(h, "survey-nps", "+100").await?;
        wait_for_text_in(h, "survey-answered", "1 / 1 (100%)").await?;
        wait_for_text_in(h, "survey-promoters", "1").await?;
        let row = h.testid("survey-response").await?;
        let text = row.text().await?;
        ensure!(
            text.contains('9') && text.contains("great support") && text.contains(ACCOUNT),
            "the response row: {text}"
        );

        // The answer feeds the account's health (satisfaction).
        row.find(Locator::Css("a")).await?.click().await?;
        h.wait_for_path("/accounts/").await?;
        wait_for_text_in(h, "health", "NPS 100").await?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn an_api_key_is_shown_once_works_and_stops_working_when_revoked() {
    scenario("api_keys", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        click_nav(h, "nav-settings").await?;
        h.click("settings-api-keys-link").await?;
        h.wait_for_path("/settings/api-keys").await?;
        h.testid("api-keys-empty").await?;
        let placeholder = h.testid("api-key-curl").await?.text().await?;
        ensure!(
            placeholder.contains("X-Api-Key: YOUR_API_KEY"),
            "the how-to: {placeholder}"
        );

        click_id(h, "api-key-create").await?;
        h.testid("error-name").await.context("a key needs a name")?;
        h.fill("api-key-name", "K/3 server, Shenzhen").await?;
        click_id(h, "api-key-create").await?;
        h.testid("api-key-secret-panel").await?;
        let secret = value_of(h, "api-key-secret").await?;
        ensure!(secret.starts_with("stw_"), "a secret: {secret}");
        wait_for_text_in(h, "api-key-curl", &secret).await?;
        let prefix = h.testid("api-key-prefix").await?.text().await?;
        ensure!(
            secret.starts_with(prefix.trim_end_matches('…')),
            "the row shows the key's first characters: {prefix}"
        );

        // The key works for usage events.
        ensure!(send_usage_event(h, &secret).await? == 202, "accepted");

        // Dismissed, the secret is gone for good; the key shows it was used.
        click_id(h, "api-key-done").await?;
        h.browser.refresh().await?;
        let row = h.testid("api-key-row").await?;
        let page = h.body_text().await?;
        ensure!(!page.contains(&secret), "the secret is never shown again");
        let row_text = row.text().await?;
        ensure!(
            row_text.contains("K/3 server, Shenzhen") && !row_text.contains("Never"),
            "the row records its last use: {row_text}"
        );

        // Revoking asks first, then takes effect at once.
        click_id(h, "api-key-revoke").await?;
        click_id(h, "api-key-revoke-cancel").await?;
        wait_for_text_in(h, "api-key-status", "Active").await?;
        click_id(h, "api-key-revoke").await?;
        click_id(h, "api-key-revoke-confirm").await?;
        wait_for_text_in(h, "api-key-status", "Revoked").await?;
        ensure!(send_usage_event(h, &secret).await? == 401, "refused");
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn the_health_model_is_edited_and_an_override_is_approved_by_another_manager() {
    scenario("health_model_override", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        click_nav(h, "nav-settings").await?;
        h.click("settings-health-link").await?;
        h.wait_for_path("/settings/health").await?;

        // Shares follow the weights as typed; a bad threshold is refused inline.
        h.fill("hm-weight-training", "0").await?;
        wait_for_text_in(h, "hm-total", "90").await?;
        let usage = h
            .css("[data-component=\"usage\"] [data-testid=\"hm-share\"]")
            .await?
            .text()
            .await?;
        ensure!(usage == "22.2%", "20 of 90: {usage}");
        h.fill("hm-yellow-min", "75").await?;
        click_id(h, "health-model-submit").await?;
        h.testid("error-yellow_min").await?;
        h.fill("hm-yellow-min", "45").await?;
        click_id(h, "health-model-submit").await?;
        h.testid("toast-success").await?;
        wait_for_text_in(h, "hm-bands", "45–69").await?;
        h.browser.refresh().await?;
        ensure!(
            value_of(h, "hm-weight-training").await? == "0",
            "the weight was saved"
        );

        // A CSM asks to override an account's score …
        log_out(h).await?;
        // (on an account they own: their accounts list shows those)
        log_in(h, "csm1@demo.steward.local", DEMO_PASSWORD).await?;
        let landed = signed_in(h).await?;
        ensure!(landed == "/my-work", "a CSM lands on their work: {landed}");
        let (_, login) = e2e::steps::page_api(
            h,
            None,
            "POST",
            "/auth/login",
            serde_json::json!({"email": "csm1@demo.steward.local", "password": DEMO_PASSWORD}),
            false,
        )
        .await?;
        let csm_id = login["user"]["id"].as_i64().context("the CSM's id")?;
        h.goto(&format!("/accounts?owner_id={csm_id}")).await?;
        h.click("account-link").await?;
        h.wait_for_path("/accounts/").await?;
        let account_path = h.browser.current_url().await?.path().to_string();
        click_id(h, "health-override-open").await?;
        h.fill("override-score", "85").await?;
        click_id(h, "override-submit").await?;
        h.testid("error-reason")
            .await
            .context("a reason is required")?;
        h.fill("override-reason", "大客户上线期，使用数据滞后")
            .await?;
        let until = browser_day_plus(h, 20).await?;
        set_input(h, "override-expires", &until).await?;
        click_id(h, "override-submit").await?;
        wait_for_text_in(h, "health-override-pending", "85").await?;

        // … and a manager approves it in the inbox, which shows what it asks.
        log_out(h).await?;
        log_in(h, "manager@demo.steward.local", DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.click("nav-approvals").await?;
        let row = h
            .css("[data-testid=\"approval-row\"][data-kind=\"health_override\"]")
            .await?;
        let text = row.text().await?;
        ensure!(
            text.contains("85") && text.contains("大客户上线期"),
            "the override's score and reason: {text}"
        );
        row.find(Locator::Css("[data-testid=\"approve\"]"))
            .await?
            .click()
            .await?;
        h.testid("toast-success").await?;
        h.goto(&account_path).await?;
        wait_for_text_in(h, "health-score", "85").await?;
        wait_for_text_in(h, "health-override-active", "85").await?;
        Ok(())
    })
    .await;
}

/// Today plus `days` in the browser's calendar, as `YYYY-MM-DD`.
async fn browser_day_plus(h: &Harness, days: i64) -> anyhow::Result<String> {
    let value = h
        .browser
        .execute(
            "const d = new Date(Date.now() + arguments[0] * 86400000); \
             const p = n => String(n).padStart(2, '0'); \
             return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;",
            vec![serde_json::json!(days)],
        )
        .await?;
    value
        .as_str()
        .map(str::to_string)
        .context("a date from the browser")
}
